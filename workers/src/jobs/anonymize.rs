//! The anonymize job: one stored video in, an anonymized MP4 (audio kept) and the mask log out.

use std::path::Path;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use vision::anonymize::{AnonymizeConfig, AnonymizeError, Anonymizer};

use super::{Artifact, Job, JobContext, JobError, JobProgress};

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
            let mut anonymizer = Anonymizer::new(runtime, &catalog, settings)?;
            anonymizer.run(&input_s, &output_c, Some(&log_c), |p| {
                progress(JobProgress {
                    stage: "anonymize".into(),
                    frames_done: p.frames_done,
                    frames_total: p.frames_total,
                    fps: p.fps,
                })
            })
        })
        .await
        .expect("the anonymizer does not panic");
        match result {
            Ok(_) => {}
            Err(AnonymizeError::Canceled) => return Err(JobError::Canceled),
            // name the stored object, not the scratch file
            Err(AnonymizeError::Media(e)) => {
                return Err(JobError::Input {
                    key: self.input_key.clone(),
                    reason: e.to_string().replace(&*input.to_string_lossy(), "the file"),
                });
            }
            Err(e) => return Err(e.into()),
        }

        (ctx.progress)(JobProgress {
            stage: "upload".into(),
            frames_done: 0,
            frames_total: 0,
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

pub(crate) fn scratch(path: &Path, e: impl ToString) -> JobError {
    JobError::Scratch {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Streams an object to a local file (never whole in memory).
pub(crate) async fn download(ctx: &JobContext, key: &str, to: &Path) -> Result<(), JobError> {
    let (_, mut stream) = ctx.storage.get_stream(key).await.map_err(|e| match e {
        store::StorageError::NotFound { .. } => JobError::Input {
            key: key.into(),
            reason: "no such object in storage".into(),
        },
        other => other.into(),
    })?;
    let mut file = tokio::fs::File::create(to)
        .await
        .map_err(|e| scratch(to, e))?;
    while let Some(chunk) = stream.next().await {
        file.write_all(&chunk?).await.map_err(|e| scratch(to, e))?;
    }
    file.flush().await.map_err(|e| scratch(to, e))?;
    Ok(())
}

/// Streams a local file into storage and records its size and sha256.
pub(crate) async fn upload(
    ctx: &JobContext,
    kind: &str,
    path: &Path,
    key: &str,
) -> Result<Artifact, JobError> {
    let mut hasher = Sha256::new();
    let data = tokio::fs::File::open(path)
        .await
        .map_err(|e| scratch(path, e))?;
    let stream = tokio_util::io::ReaderStream::with_capacity(data, 1 << 20).map(|chunk| {
        if let Ok(c) = &chunk {
            hasher.update(c);
        }
        chunk
    });
    let bytes = ctx.storage.put_stream(key, Box::pin(stream)).await?;
    Ok(Artifact {
        video: None,
        kind: kind.into(),
        key: key.into(),
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}
