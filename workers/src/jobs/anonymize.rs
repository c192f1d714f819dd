//! The anonymize job: one stored video in, an anonymized MP4 (audio kept) and the mask log out.

use serde::{Deserialize, Serialize};
use vision::anonymize::{AnonymizeConfig, AnonymizeError, AnonymizerPool};

use super::{Artifact, Job, JobContext, JobError, JobProgress, download, scratch, upload};

/// This process's anonymizers between jobs: a worker's next job with the same models reuses
/// their sessions (on a GPU, 11–14 s of cuDNN planning a job saved; `AnonymizerPool`).
static ANONYMIZERS: std::sync::LazyLock<AnonymizerPool> =
    std::sync::LazyLock::new(AnonymizerPool::default);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeJob {
    /// Object key of the input video.
    pub input_key: String,
    #[serde(default)]
    pub settings: AnonymizeConfig,
}

impl Job for AnonymizeJob {
    const JOB_NAME: &'static str = "anonymize";

    async fn run(&self, ctx: &JobContext) -> Result<Vec<Artifact>, JobError> {
        self.settings
            .validate()
            .map_err(|e| JobError::Anonymize(AnonymizeError::Invalid(e)))?;
        std::fs::create_dir_all(&ctx.scratch).map_err(|e| scratch(&ctx.scratch, e))?;
        let input = ctx.scratch.join("input");
        (ctx.progress)(JobProgress {
            stage: "download".into(),
            frames_done: 0,
            frames_total: 0,
            fps: 0.0,
        });
        download(ctx, &self.input_key, &input).await?;

        let (output, log) = (
            ctx.scratch.join("anonymized.mp4"),
            ctx.scratch.join("masks.jsonl"),
        );
        let settings = self.settings.clone();
        let (runtime, catalog, progress) = (ctx.runtime, ctx.catalog.clone(), ctx.progress.clone());
        let (input_s, output_c, log_c) = (
            input.to_string_lossy().into_owned(),
            output.clone(),
            log.clone(),
        );
        let result = tokio::task::spawn_blocking(move || {
            let mut anonymizer = ANONYMIZERS.take(runtime, &catalog, settings)?;
            let result = anonymizer.run(&input_s, &output_c, Some(&log_c), |p| {
                progress(JobProgress {
                    stage: "anonymize".into(),
                    frames_done: p.frames_done,
                    frames_total: p.frames_total,
                    fps: p.fps,
                })
            });
            // kept for the next job whatever this one's end: a run starts from a clean state
            ANONYMIZERS.give_back(anonymizer);
            result
        })
        .await
        .map_err(|e| JobError::from_join("anonymizing", e))?;
        let frames = match result {
            Ok(summary) => {
                tracing::info!(
                    frames = summary.frames,
                    fps = format!("{:.1}", summary.fps),
                    time = %summary.stages,
                    "anonymized"
                );
                summary.frames
            }
            Err(AnonymizeError::Canceled) => return Err(JobError::Canceled),
            // name the stored object, not the scratch file
            Err(AnonymizeError::Media(e)) => {
                return Err(JobError::Input {
                    key: self.input_key.clone(),
                    reason: e.to_string().replace(&*input.to_string_lossy(), "the file"),
                });
            }
            Err(e) => return Err(e.into()),
        };

        // every frame is done: the bar stays full while the result uploads (it fell back to
        // 0 % there)
        (ctx.progress)(JobProgress {
            stage: "upload".into(),
            frames_done: frames,
            frames_total: frames,
            fps: 0.0,
        });
        let mut artifacts = Vec::new();
        for (kind, path, name) in [
            ("video", &output, "anonymized.mp4"),
            ("mask-log", &log, "masks.jsonl"),
        ] {
            artifacts.push(upload(ctx, kind, path, &ctx.artifact_key(name)).await?);
        }
        Ok(artifacts)
    }
}
