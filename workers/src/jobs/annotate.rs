//! The annotate job: videos in, ST-GCN training data out, in three stages whose artifacts are
//! kept — `poses.jsonl` (Stage 1), `tracks.jsonl` + `tracks.mot.txt` + `coco.json` (Stage 2) per
//! video, and `dataset/dataset.pkl` + `classes.json` + `windows.csv` (Stage 3) for the job. A
//! later stage can run alone from an earlier job's artifacts (`source_job`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use vision::annotate::{self, AnnotateConfig, AnnotateError, TrackFrame, VideoTracks};

use super::{Artifact, JobContext, JobError, JobProgress, download, scratch, upload};

/// This process's pose pipelines between videos and jobs (annotate's and analyze's pose stage):
/// the next video with the same pose model reuses its sessions (`PosePool`; on a GPU each new
/// session plans its cuDNN convolutions again).
static POSE_PIPELINES: std::sync::LazyLock<vision::pipeline::PosePool> =
    std::sync::LazyLock::new(Default::default);

/// One video of the dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AnnotateInput {
    pub video_id: uuid::Uuid,
    pub filename: String,
    /// Object key of the stored video.
    pub input_key: String,
    /// Frames, for progress over the whole job.
    pub frames: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnnotateJob {
    pub inputs: Vec<AnnotateInput>,
    #[serde(default)]
    pub settings: AnnotateConfig,
}

impl From<AnnotateError> for JobError {
    fn from(e: AnnotateError) -> Self {
        match e {
            AnnotateError::Canceled => JobError::Canceled,
            other => JobError::Other(other.to_string()),
        }
    }
}

impl AnnotateJob {
    pub const JOB_NAME: &'static str = "annotate";

    pub async fn run(&self, ctx: &JobContext) -> Result<Vec<Artifact>, JobError> {
        let settings = &self.settings;
        settings
            .validate()
            .map_err(|e| JobError::from(AnnotateError::Invalid(e)))?;
        // Labels are checked before hours of pose estimation, not after.
        if settings.runs(3) {
            let labels = settings.rules().map_err(AnnotateError::Labels)?;
            for input in &self.inputs {
                labels
                    .intervals(&input.filename, &input.video_id.to_string())
                    .map_err(AnnotateError::Labels)?;
            }
        }
        std::fs::create_dir_all(&ctx.scratch).map_err(|e| scratch(&ctx.scratch, e))?;
        let total: u64 = self.inputs.iter().map(|i| i.frames).sum();
        let count = self.inputs.len();
        let mut done_before = 0;
        let mut artifacts = Vec::new();
        let mut tracks: Vec<(PathBuf, &AnnotateInput)> = Vec::new();
        for (n, input) in self.inputs.iter().enumerate() {
            let dir = ctx.scratch.join(input.video_id.to_string());
            std::fs::create_dir_all(&dir).map_err(|e| scratch(&dir, e))?;
            let label = format!("{} ({} of {count})", input.filename, n + 1);
            let key = |name: &str| ctx.artifact_key(&format!("{}/{name}", input.video_id));
            let mut poses = dir.join("poses.jsonl");
            if settings.runs(1) {
                detect(ctx, input, &dir, settings, &label, done_before, total).await?;
                artifacts.push(with_video(
                    upload(ctx, "poses", &poses, &key("poses.jsonl")).await?,
                    input,
                ));
            } else if settings.from_stage == 2 {
                poses = self.source(ctx, input, "poses.jsonl", &dir).await?;
            }
            let mut tracked = dir.join("tracks.jsonl");
            if settings.runs(2) {
                report(
                    ctx,
                    &format!("track · {label}"),
                    done_before + input.frames,
                    total,
                );
                let (settings, input_path, out, name) = (
                    settings.clone(),
                    poses.clone(),
                    tracked.clone(),
                    input.filename.clone(),
                );
                let dir_c = dir.clone();
                let exports =
                    tokio::task::spawn_blocking(move || -> Result<Vec<PathBuf>, AnnotateError> {
                        let frames = annotate::stages::track_poses(&settings, &input_path, &out)?;
                        annotate::write_exports(&name, &frames, &settings, &dir_c)
                    })
                    .await
                    .map_err(|e| JobError::from_join("tracking", e))??;
                artifacts.push(with_video(
                    upload(ctx, "tracks", &tracked, &key("tracks.jsonl")).await?,
                    input,
                ));
                for path in exports {
                    let name = file_name(&path);
                    let kind = if name.ends_with(".txt") {
                        "mot"
                    } else {
                        "coco"
                    };
                    artifacts.push(with_video(
                        upload(ctx, kind, &path, &key(&name)).await?,
                        input,
                    ));
                }
            } else if settings.from_stage == 3 {
                tracked = self.source(ctx, input, "tracks.jsonl", &dir).await?;
            }
            tracks.push((tracked, input));
            done_before += input.frames;
        }
        if settings.runs(3) {
            report(ctx, "tensors", total, total);
            let dir = ctx.scratch.join("dataset");
            std::fs::create_dir_all(&dir).map_err(|e| scratch(&dir, e))?;
            let settings = settings.clone();
            let inputs: Vec<(PathBuf, String, String)> = tracks
                .iter()
                .map(|(p, i)| (p.clone(), i.filename.clone(), i.video_id.to_string()))
                .collect();
            let dir_c = dir.clone();
            let summary = tokio::task::spawn_blocking(move || -> Result<_, AnnotateError> {
                let frames: Vec<Vec<TrackFrame>> = inputs
                    .iter()
                    .map(|(p, ..)| annotate::stages::read_tracks(p))
                    .collect::<Result<_, _>>()?;
                let videos: Vec<VideoTracks> = inputs
                    .iter()
                    .zip(&frames)
                    .map(|((_, name, id), frames)| VideoTracks { name, id, frames })
                    .collect();
                Ok(annotate::write_dataset(&videos, &settings, &dir_c)?.2)
            })
            .await
            .map_err(|e| JobError::from_join("building the dataset", e))?
            .map_err(|e| match e {
                // name the stored object rather than the scratch copy
                AnnotateError::Artifact { file, reason } => {
                    JobError::Other(format!("{}: {reason}", self.stored_name(ctx, &file)))
                }
                other => other.into(),
            })?;
            tracing::info!(
                samples = summary.samples,
                train = summary.train,
                val = summary.val,
                "dataset written"
            );
            for path in &summary.files {
                let name = file_name(path);
                artifacts.push(
                    upload(
                        ctx,
                        "dataset",
                        path,
                        &ctx.artifact_key(&format!("dataset/{name}")),
                    )
                    .await?,
                );
            }
        }
        Ok(artifacts)
    }

    /// An earlier stage's artifact of `source_job` for this video, downloaded.
    async fn source(
        &self,
        ctx: &JobContext,
        input: &AnnotateInput,
        name: &str,
        dir: &Path,
    ) -> Result<PathBuf, JobError> {
        let source = self.settings.source_job.as_deref().unwrap_or_default();
        let key = format!("jobs/{source}/{}/{name}", input.video_id);
        let path = dir.join(name);
        download(ctx, &key, &path).await.map_err(|e| match e {
            JobError::Input { .. } => JobError::Other(format!(
                "job {source} has no {name} for {}: run stage {} there first, or start from an earlier stage",
                input.filename,
                if name == "poses.jsonl" { 1 } else { 2 }
            )),
            other => other,
        })?;
        Ok(path)
    }

    /// `<scratch>/<video id>/tracks.jsonl` → `jobs/<source>/<video id>/tracks.jsonl (vtest.avi)`.
    fn stored_name(&self, ctx: &JobContext, file: &str) -> String {
        for input in &self.inputs {
            let dir = ctx.scratch.join(input.video_id.to_string());
            if let Ok(rest) = Path::new(file).strip_prefix(&dir) {
                let job = match (
                    self.settings.from_stage,
                    self.settings.source_job.as_deref(),
                ) {
                    (3, Some(source)) => source.to_string(),
                    _ => ctx.job_id.to_string(),
                };
                return format!(
                    "jobs/{job}/{}/{} (of {})",
                    input.video_id,
                    rest.display(),
                    input.filename
                );
            }
        }
        file.to_string()
    }
}

/// Downloads one stored video and writes its poses to `dir/poses.jsonl` (Stage 1), reporting
/// progress over the whole job (`before` of `total` frames done). Shared with the analyze job.
pub(super) async fn detect(
    ctx: &JobContext,
    input: &AnnotateInput,
    dir: &Path,
    settings: &AnnotateConfig,
    label: &str,
    before: u64,
    total: u64,
) -> Result<(), JobError> {
    report(ctx, &format!("download · {label}"), before, total);
    let video = dir.join("input");
    download(ctx, &input.input_key, &video).await?;
    let (runtime, catalog, progress) = (ctx.runtime, ctx.catalog.clone(), ctx.progress.clone());
    let (settings, out, stage) = (
        settings.clone(),
        dir.join("poses.jsonl"),
        format!("pose · {label}"),
    );
    let video_s = video.to_string_lossy().into_owned();
    let estimate = input.frames;
    let result = tokio::task::spawn_blocking(move || {
        annotate::stages::detect_poses(
            &POSE_PIPELINES,
            runtime,
            &catalog,
            &video_s,
            &settings,
            &out,
            |p| {
                progress(JobProgress {
                    stage: stage.clone(),
                    frames_done: before + p.frames_done.min(estimate),
                    frames_total: total,
                    fps: p.fps,
                })
            },
        )
    })
    .await
    .map_err(|e| JobError::from_join("pose estimation", e))?;
    match result {
        Ok(_) => Ok(()),
        Err(AnnotateError::Media(e)) => Err(JobError::Input {
            key: input.input_key.clone(),
            reason: e.to_string().replace(&*video.to_string_lossy(), "the file"),
        }),
        Err(e) => Err(e.into()),
    }
}

pub(super) fn with_video(mut a: Artifact, input: &AnnotateInput) -> Artifact {
    a.video = Some(input.video_id);
    a
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(super) fn report(ctx: &JobContext, stage: &str, done: u64, total: u64) {
    (ctx.progress)(JobProgress {
        stage: stage.into(),
        frames_done: done,
        frames_total: total,
        fps: 0.0,
    });
}
