//! Stage 1 (poses) and Stage 2 (tracks), each written as JSON Lines — one frame per line — so a
//! stage can be re-run from the previous one's file, and read back with errors naming the file
//! and line.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use image::RgbImage;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{AnnotateConfig, AnnotateError};
use crate::anonymize::io::{FrameSource, QUEUE};
use crate::anonymize::{AnonymizeError, Progress};
use crate::catalog::Catalog;
use crate::media::Frame;
use crate::pipeline::{PoseConfig, PosePipeline, PosePool, Tracking};
use crate::pose::{FramePoses, Person};
use crate::runtime::Runtime;
use crate::score::MotionScore;
use crate::track::appearance::Appearance;

/// One frame of Stage 1: the people, and their torso colours for Stage 2's tracker (64 RGB-bin
/// fractions each, null where no torso was visible). Files without them still load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoseFrame {
    #[serde(flatten)]
    pub poses: FramePoses,
    #[serde(default)]
    pub looks: Vec<Option<Vec<f32>>>,
}

/// One frame of Stage 2: every person with their identity and motion score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackFrame {
    pub frame_number: u64,
    pub timestamp: f64,
    /// (height, width, channels)
    pub frame_shape: (u32, u32, u32),
    pub persons: Vec<TrackedPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedPerson {
    #[serde(flatten)]
    pub person: Person,
    pub motion: Option<MotionScore>,
}

fn pose_config(config: &AnnotateConfig) -> PoseConfig {
    PoseConfig {
        input_size: config.pose_input_size,
        ..PoseConfig::default()
    }
    .tracking_from(config.track_score)
}

/// A stage file that cannot be read or written, named.
pub(super) fn io_error(path: &Path, e: impl std::fmt::Display) -> AnnotateError {
    AnnotateError::Artifact {
        file: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Stage 1: people and keypoints in every frame of `video`, written to `out`, with the pose
/// model taking `Runtime::pose_batch` frames a call. `progress` is called after every frame;
/// returning false stops (cancel).
pub fn detect_poses(
    pipelines: &PosePool,
    runtime: &Runtime,
    catalog: &Catalog,
    video: &str,
    config: &AnnotateConfig,
    out: &Path,
    progress: impl FnMut(Progress) -> bool,
) -> Result<u64, AnnotateError> {
    let batch = runtime.pose_batch();
    detect_poses_in_batches(
        pipelines, runtime, catalog, video, config, batch, out, progress,
    )
}

/// [`detect_poses`] with `batch` frames per pose model call. Frames are decoded on a thread of
/// their own, up to a batch ahead. The pose pipeline comes from `pipelines` (a kept one when
/// one has the same model) and goes back to it, however the run ends.
#[allow(clippy::too_many_arguments)]
pub fn detect_poses_in_batches(
    pipelines: &PosePool,
    runtime: &Runtime,
    catalog: &Catalog,
    video: &str,
    config: &AnnotateConfig,
    batch: usize,
    out: &Path,
    progress: impl FnMut(Progress) -> bool,
) -> Result<u64, AnnotateError> {
    let mut pipeline = pipelines.take(
        runtime,
        catalog,
        PoseConfig {
            batch,
            ..pose_config(config)
        },
    )?;
    let result = detect_with(&mut pipeline, video, out, progress);
    pipelines.give_back(pipeline);
    result
}

fn detect_with(
    pipeline: &mut PosePipeline,
    video: &str,
    out: &Path,
    mut progress: impl FnMut(Progress) -> bool,
) -> Result<u64, AnnotateError> {
    let batch = pipeline.batch();
    let mut source = FrameSource::open_with_queue(video, QUEUE + batch).map_err(decoding)?;
    let total = source.info.frames;
    let mut file = BufWriter::new(std::fs::File::create(out).map_err(|e| io_error(out, e))?);
    let started = Instant::now();
    let mut done = 0u64;
    loop {
        let mut frames: Vec<Frame> = Vec::with_capacity(batch);
        while frames.len() < batch {
            match source.next_frame().map_err(decoding)? {
                Some(frame) => frames.push(frame),
                None => break,
            }
        }
        if frames.is_empty() {
            break;
        }
        let images: Vec<&RgbImage> = frames.iter().map(|f| &f.image).collect();
        let found = pipeline.detect_frames(&images)?;
        for (frame, persons) in frames.iter().zip(found) {
            let (w, h) = frame.image.dimensions();
            let looks = crate::pipeline::looks(&frame.image, &persons);
            let poses = PoseFrame {
                poses: FramePoses {
                    frame_number: frame.number,
                    timestamp: frame.timestamp,
                    persons,
                    frame_shape: (h, w, 3),
                },
                looks: looks.into_iter().map(|l| l.map(|a| a.to_vec())).collect(),
            };
            write_line(&mut file, &poses, out)?;
            done += 1;
            if !progress(Progress::since(started, done, total)) {
                return Err(AnnotateError::Canceled);
            }
        }
    }
    file.flush().map_err(|e| io_error(out, e))?;
    Ok(done)
}

/// The decoding thread's errors: the video's own as they are, a failed thread as one.
fn decoding(e: AnonymizeError) -> AnnotateError {
    match e {
        AnonymizeError::Media(e) => AnnotateError::Media(e),
        other => AnnotateError::Decoding(other.to_string()),
    }
}

/// Stage 2: identities (ByteTrack) and motion scores for the people of a Stage 1 file.
pub fn track_poses(
    config: &AnnotateConfig,
    poses: &Path,
    out: &Path,
) -> Result<Vec<TrackFrame>, AnnotateError> {
    let mut tracking = Tracking::new(&pose_config(config));
    let frames: Vec<PoseFrame> = read_lines(poses)?;
    let mut file = BufWriter::new(std::fs::File::create(out).map_err(|e| io_error(out, e))?);
    let mut tracked = Vec::with_capacity(frames.len());
    for PoseFrame {
        poses: frame,
        looks,
    } in frames
    {
        let mut persons = frame.persons;
        let looks: Vec<Option<Appearance>> = looks
            .iter()
            .map(|l| l.as_deref().and_then(|v| v.try_into().ok()))
            .collect();
        let motion = tracking.update(frame.timestamp, &mut persons, &looks);
        let t = TrackFrame {
            frame_number: frame.frame_number,
            timestamp: frame.timestamp,
            frame_shape: frame.frame_shape,
            persons: persons
                .into_iter()
                .zip(motion)
                .map(|(person, motion)| TrackedPerson { person, motion })
                .collect(),
        };
        write_line(&mut file, &t, out)?;
        tracked.push(t);
    }
    file.flush().map_err(|e| io_error(out, e))?;
    Ok(tracked)
}

fn write_line(
    file: &mut impl Write,
    value: &impl Serialize,
    path: &Path,
) -> Result<(), AnnotateError> {
    serde_json::to_writer(&mut *file, value).map_err(|e| io_error(path, e))?;
    file.write_all(b"\n").map_err(|e| io_error(path, e))
}

/// A stage's JSON Lines file; a line that does not parse is named.
pub fn read_lines<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, AnnotateError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| io_error(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(&line).map_err(|e| {
            io_error(
                path,
                format!(
                    "line {}: {e} (is this the right stage's file, and complete?)",
                    i + 1
                ),
            )
        })?;
        out.push(value);
    }
    if out.is_empty() {
        return Err(io_error(path, "no frames in it (empty file)"));
    }
    Ok(out)
}

/// Frames of a Stage 2 file, checked to be in order.
pub fn read_tracks(path: &Path) -> Result<Vec<TrackFrame>, AnnotateError> {
    let frames: Vec<TrackFrame> = read_lines(path)?;
    if let Some(w) = frames
        .windows(2)
        .find(|w| w[1].frame_number <= w[0].frame_number)
    {
        return Err(io_error(
            path,
            format!(
                "frame {} follows frame {}: frames must be in order",
                w[1].frame_number, w[0].frame_number
            ),
        ));
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten frames of one person walking right, scored `score` by the pose model.
    fn faint_person_poses(dir: &Path, score: f32) -> std::path::PathBuf {
        let path = dir.join("poses.jsonl");
        let mut file = std::fs::File::create(&path).unwrap();
        for i in 0..10u64 {
            let x = 100.0 + 4.0 * i as f32;
            let person = Person {
                keypoints: [[x + 20.0, 150.0, 0.5]; 17],
                bbox: [x, 50.0, x + 40.0, 250.0],
                confidence: score,
                track_id: None,
            };
            let frame = PoseFrame {
                poses: FramePoses {
                    frame_number: i,
                    timestamp: i as f64 / 25.0,
                    persons: vec![person],
                    frame_shape: (480, 640, 3),
                },
                looks: vec![None],
            };
            writeln!(file, "{}", serde_json::to_string(&frame).unwrap()).unwrap();
        }
        path
    }

    fn tracked_frames(config: &AnnotateConfig, poses: &Path, dir: &Path) -> usize {
        track_poses(config, poses, &dir.join("tracks.jsonl"))
            .unwrap()
            .iter()
            .filter(|f| f.persons.iter().any(|p| p.person.track_id.is_some()))
            .count()
    }

    #[test]
    fn a_person_scored_under_the_track_score_gets_no_track_and_a_lower_one_follows_them() {
        let dir = tempfile::tempdir().unwrap();
        let poses = faint_person_poses(dir.path(), 0.2);
        let annotate = AnnotateConfig::default();
        // annotate tracks as the pose pipeline does by default
        assert_eq!(
            annotate.track_score,
            PoseConfig::default().tracker.new_track_score
        );
        assert_eq!(tracked_frames(&annotate, &poses, dir.path()), 0);
        let lower = AnnotateConfig {
            track_score: 0.15,
            ..AnnotateConfig::default()
        };
        // confirmed on its second frame, then every frame
        assert!(tracked_frames(&lower, &poses, dir.path()) >= 8);
        let out_of_range = AnnotateConfig {
            track_score: 0.1,
            ..AnnotateConfig::default()
        };
        assert!(
            out_of_range
                .problems()
                .iter()
                .any(|(field, why)| *field == "track_score" && why.contains("0.15"))
        );
    }

    #[test]
    fn one_person_found_twice_is_tracked_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poses.jsonl");
        let mut file = std::fs::File::create(&path).unwrap();
        for i in 0..10u64 {
            let x = 100.0 + 4.0 * i as f32;
            let mut keypoints = [[0.0f32; 3]; 17];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                *kp = [x + 20.0, 60.0 + 10.0 * k as f32, 0.6];
            }
            let whole = Person {
                keypoints,
                bbox: [x, 50.0, x + 40.0, 250.0],
                confidence: 0.4,
                track_id: None,
            };
            // the same joints again under a box shifted up by a third, scored lower
            let twice = Person {
                bbox: [x, -20.0, x + 40.0, 180.0],
                confidence: 0.25,
                ..whole.clone()
            };
            let frame = PoseFrame {
                poses: FramePoses {
                    frame_number: i,
                    timestamp: i as f64 / 25.0,
                    persons: vec![whole, twice],
                    frame_shape: (480, 640, 3),
                },
                looks: vec![None, None],
            };
            writeln!(file, "{}", serde_json::to_string(&frame).unwrap()).unwrap();
        }
        let config = AnnotateConfig {
            track_score: 0.15,
            ..AnnotateConfig::default()
        };
        let frames = track_poses(&config, &path, &dir.path().join("tracks.jsonl")).unwrap();
        let ids: std::collections::BTreeSet<u64> = frames
            .iter()
            .flat_map(|f| f.persons.iter().filter_map(|p| p.person.track_id))
            .collect();
        assert_eq!(ids.len(), 1, "{ids:?}");
        // the higher-scored detection is the one tracked
        assert!(frames[5].persons[0].person.track_id.is_some());
        assert!(frames[5].persons[1].person.track_id.is_none());
    }
}
