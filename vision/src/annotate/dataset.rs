//! Writing a stage's results into a directory: Stage 2's exports next to `tracks.jsonl`, and
//! Stage 3's dataset (`dataset.pkl`, `classes.json`, `windows.csv`).

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::stages::{TrackFrame, io_error};
use super::tensors::{self, Sample, Split, VideoTracks};
use super::{AnnotateConfig, AnnotateError, export, pickle};

/// `tracks.mot.txt` and `coco.json` in `dir`.
pub fn write_exports(
    video: &str,
    frames: &[TrackFrame],
    config: &AnnotateConfig,
    dir: &Path,
) -> Result<Vec<PathBuf>, AnnotateError> {
    let mot = dir.join("tracks.mot.txt");
    std::fs::write(&mot, export::mot(frames)).map_err(|e| io_error(&mot, e))?;
    let coco = dir.join("coco.json");
    let text =
        serde_json::to_vec(&export::coco(video, frames, config.min_keypoint_score)).expect("json");
    std::fs::write(&coco, text).map_err(|e| io_error(&coco, e))?;
    Ok(vec![mot, coco])
}

#[derive(Debug, Clone, Serialize)]
pub struct DatasetSummary {
    pub samples: usize,
    pub classes: Vec<String>,
    pub train: usize,
    pub val: usize,
    pub test: usize,
    pub files: Vec<PathBuf>,
}

/// Stage 3 over all videos of a dataset, written to `dir`.
pub fn write_dataset(
    videos: &[VideoTracks],
    config: &AnnotateConfig,
    dir: &Path,
) -> Result<(Vec<Sample>, Split, DatasetSummary), AnnotateError> {
    let labels = config.rules().map_err(AnnotateError::Labels)?;
    let (samples, split) = tensors::build(videos, &labels, config)?;
    let pkl = dir.join("dataset.pkl");
    let mut file = BufWriter::new(std::fs::File::create(&pkl).map_err(|e| io_error(&pkl, e))?);
    pickle::write(&pickle::dataset(&samples, &split), &mut file).map_err(|e| io_error(&pkl, e))?;
    drop(file);
    let classes = dir.join("classes.json");
    std::fs::write(
        &classes,
        serde_json::to_vec_pretty(&labels.classes()).expect("json"),
    )
    .map_err(|e| io_error(&classes, e))?;
    let index = dir.join("windows.csv");
    let mut csv = String::from(
        "frame_dir,video,label,label_name,split,start_frame,frames,persons,track_ids\n",
    );
    for s in &samples {
        let subset = if split.val.contains(&s.frame_dir) {
            "val"
        } else if split.test.contains(&s.frame_dir) {
            "test"
        } else {
            "train"
        };
        let ids: Vec<String> = s.track_ids.iter().map(u64::to_string).collect();
        csv.push_str(&format!(
            "{},{},{},{},{subset},{},{},{},{}\n",
            s.frame_dir,
            s.video,
            s.label,
            s.label_name,
            s.start_frame,
            s.total_frames,
            s.persons(),
            ids.join(" ")
        ));
    }
    std::fs::write(&index, csv).map_err(|e| io_error(&index, e))?;
    let summary = DatasetSummary {
        samples: samples.len(),
        classes: labels.classes(),
        train: split.train.len(),
        val: split.val.len(),
        test: split.test.len(),
        files: vec![pkl, classes, index],
    };
    Ok((samples, split, summary))
}
