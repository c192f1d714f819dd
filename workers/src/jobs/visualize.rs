//! The visualize job: videos and the stored results of earlier jobs in (an annotate or analyze
//! job's tracks, an analyze job's events and scores, an anonymize job's mask log), per video an
//! overlay MP4 (`overlay.mp4`, the source's sound kept) and its poster (`poster.png`) out. No
//! model runs, except the face detector when faces are to be blurred and no mask log is given.

use std::path::Path;

use serde::{Deserialize, Serialize};
use vision::render::video::{VideoError, render_video};
use vision::render::{RenderConfig, Renderer, Results};

use super::annotate::{AnnotateInput, with_video};
use super::{Artifact, JobContext, JobError, JobProgress, download, scratch, upload};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VisualizeJob {
    pub inputs: Vec<AnnotateInput>,
    #[serde(default)]
    pub settings: RenderConfig,
}

impl VisualizeJob {
    pub const JOB_NAME: &'static str = "visualize";

    pub async fn run(&self, ctx: &JobContext) -> Result<Vec<Artifact>, JobError> {
        let problems = self.settings.problems();
        if !problems.is_empty() {
            let all: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
            return Err(JobError::Other(format!(
                "invalid visualize settings: {}",
                all.join("; ")
            )));
        }
        let Some(source) = self.settings.source_job.clone() else {
            return Err(JobError::Other(
                "source_job: name the annotate or analyze job whose results to draw".into(),
            ));
        };
        std::fs::create_dir_all(&ctx.scratch).map_err(|e| scratch(&ctx.scratch, e))?;
        let total: u64 = self.inputs.iter().map(|i| i.frames).sum();
        let mut done_before = 0;
        let mut artifacts = Vec::new();
        for (n, input) in self.inputs.iter().enumerate() {
            let dir = ctx.scratch.join(input.video_id.to_string());
            std::fs::create_dir_all(&dir).map_err(|e| scratch(&dir, e))?;
            let label = format!("{} ({} of {})", input.filename, n + 1, self.inputs.len());
            (ctx.progress)(JobProgress {
                stage: format!("download · {label}"),
                frames_done: done_before,
                frames_total: total,
                fps: 0.0,
            });
            self.fetch_results(ctx, input, &source, &dir).await?;
            let video = dir.join("input");
            download(ctx, &input.input_key, &video).await?;
            let (output, poster) = (dir.join("overlay.mp4"), dir.join("poster.png"));
            let settings = self.settings.clone();
            let (runtime, catalog, progress) =
                (ctx.runtime, ctx.catalog.clone(), ctx.progress.clone());
            let (results_dir, video_s, output_c, poster_c) = (
                dir.clone(),
                video.to_string_lossy().into_owned(),
                output.clone(),
                poster.clone(),
            );
            let stage = format!("render · {label}");
            let rendered = tokio::task::spawn_blocking(move || {
                let results =
                    Results::from_dir(&results_dir).map_err(|e| JobError::Other(e.to_string()))?;
                let mut renderer = Renderer::new(settings.clone(), results, 0.0);
                if renderer.needs_face_finder() {
                    let finder = vision::render::faces::face_finder(runtime, &catalog)
                        .map_err(|e| JobError::Other(format!("the face detector: {e}")))?;
                    renderer = renderer.with_face_finder(finder);
                }
                render_video(
                    &video_s,
                    &output_c,
                    &poster_c,
                    &mut renderer,
                    &settings,
                    |p| {
                        progress(JobProgress {
                            stage: stage.clone(),
                            frames_done: done_before + p.frames_done,
                            frames_total: total,
                            fps: p.fps,
                        })
                    },
                )
                .map_err(|e| match e {
                    VideoError::Canceled => JobError::Canceled,
                    VideoError::Read(reason) => JobError::Input {
                        key: String::new(),
                        reason,
                    },
                    other => JobError::Other(other.to_string()),
                })
            })
            .await
            .map_err(|e| JobError::from_join("rendering", e))?
            .map_err(|e| match e {
                // name the stored object, not the scratch file
                JobError::Input { reason, .. } => JobError::Input {
                    key: input.input_key.clone(),
                    reason: reason.replace(&*video.to_string_lossy(), "the file"),
                },
                other => other,
            })?;
            tracing::info!(
                video = %input.filename,
                frames = rendered.frames,
                fps = rendered.fps,
                "rendered"
            );
            let key = |name: &str| ctx.artifact_key(&format!("{}/{name}", input.video_id));
            for (kind, path, name) in [
                ("video", &output, "overlay.mp4"),
                ("poster", &poster, "poster.png"),
            ] {
                artifacts.push(with_video(
                    upload(ctx, kind, path, &key(name)).await?,
                    input,
                ));
            }
            done_before += input.frames;
        }
        Ok(artifacts)
    }

    /// The source job's tracks (required), events and scores (when it stored them), and the
    /// masks job's log, into `dir`.
    async fn fetch_results(
        &self,
        ctx: &JobContext,
        input: &AnnotateInput,
        source: &str,
        dir: &Path,
    ) -> Result<(), JobError> {
        let stored = |job: &str, name: &str| format!("jobs/{job}/{}/{name}", input.video_id);
        match download(
            ctx,
            &stored(source, "tracks.jsonl"),
            &dir.join("tracks.jsonl"),
        )
        .await
        {
            Err(JobError::Input { .. }) => {
                return Err(JobError::Other(format!(
                    "job {source} has no tracks for {}: it did not run on this video or stopped \
                     before tracking; draw the results of an analyze job or of an annotate job \
                     run to stage 2 or later",
                    input.filename
                )));
            }
            other => other?,
        }
        for name in ["events.json", "scores.jsonl"] {
            match download(ctx, &stored(source, name), &dir.join(name)).await {
                Err(JobError::Input { .. }) => {} // an annotate job: people only
                other => other?,
            }
        }
        if let Some(masks) = &self.settings.masks_job {
            match download(ctx, &stored(masks, "masks.jsonl"), &dir.join("masks.jsonl")).await {
                Err(JobError::Input { .. }) => {
                    return Err(JobError::Other(format!(
                        "job {masks} has no mask log for {}: choose an anonymize job that ran on \
                         this video, or leave masks_job out to find faces while rendering",
                        input.filename
                    )));
                }
                other => other?,
            }
        }
        Ok(())
    }
}
