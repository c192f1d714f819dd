//! Job handlers, independent of the queue (the crates.io pattern): each job is a serde type with
//! a `JOB_NAME` and a `run` taking a typed context. The queue (apalis, issue #5) only stores and
//! hands out the serialized job; the same handlers run from tests and the offline CLI.

pub mod analyze;
pub mod annotate;
pub mod anonymize;
mod footfall;
pub mod visualize;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use store::ObjectStorage;
use vision::{Catalog, Runtime};

/// What every handler may use.
#[derive(Clone)]
pub struct JobContext {
    pub job_id: uuid::Uuid,
    pub storage: ObjectStorage,
    pub runtime: &'static Runtime,
    pub catalog: Catalog,
    /// A private directory for this run's temporary files; removed afterwards.
    pub scratch: PathBuf,
    /// Where this run's artifacts go (`jobs/<job id>` or `jobs/<job id>/<video id>`): a retry
    /// writes the same keys again instead of adding new ones.
    pub output_prefix: String,
    /// Called as work advances; returning false asks the job to stop (cancel).
    pub progress: Arc<dyn Fn(JobProgress) -> bool + Send + Sync>,
    /// Called with each event a job finds; the runner stores them when the job succeeds.
    pub on_event: Arc<dyn Fn(FoundEvent) + Send + Sync>,
}

/// An event a job found in one of its videos, with the key of its peak picture when stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundEvent {
    pub video: uuid::Uuid,
    pub service: vision::events::Service,
    pub event: vision::events::Event,
    pub thumbnail_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobProgress {
    pub stage: String,
    pub frames_done: u64,
    pub frames_total: u64,
    pub fps: f64,
}

/// An object a job produced, as recorded in the `artifacts` table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Artifact {
    /// The video it belongs to, when the job decides (None: the runner's current video).
    pub video: Option<uuid::Uuid>,
    pub kind: String,
    pub key: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("input {key}: {reason}")]
    Input { key: String, reason: String },
    #[error(transparent)]
    Anonymize(#[from] vision::anonymize::AnonymizeError),
    #[error("storage: {0}")]
    Storage(#[from] store::StorageError),
    #[error("scratch space {path}: {reason}")]
    Scratch { path: String, reason: String },
    #[error("canceled")]
    Canceled,
    /// A bug: the same input would hit it again, so the job fails for good instead of being
    /// retried, and the worker goes on with the next job.
    #[error(
        "the worker hit a bug while {during} ({message}); the job was stopped and will not be \
         retried by itself: please report it with the job's parameters"
    )]
    Panicked { during: String, message: String },
    /// No progress for too long: the job is given up so that its slot serves the queue again.
    #[error(
        "no progress for {secs} s (stage: {stage}); the worker gave up on the job \
         (worker.stall_secs): retry it, and report it if it happens again"
    )]
    Stalled { secs: u64, stage: String },
    #[error("{0}")]
    Other(String),
}

impl JobError {
    /// A blocking task that did not return: a panic (with its message) or a cancellation.
    pub fn from_join(during: &str, e: tokio::task::JoinError) -> Self {
        let message = if e.is_panic() {
            panic_message(&*e.into_panic())
        } else {
            "its thread was cancelled".into()
        };
        JobError::Panicked {
            during: during.into(),
            message,
        }
    }
}

/// The text a panic was raised with (`panic!("…")`, `expect("…")`, an assertion).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[allow(async_fn_in_trait)]
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    const JOB_NAME: &'static str;
    async fn run(&self, ctx: &JobContext) -> Result<Vec<Artifact>, JobError>;
}

impl JobContext {
    /// The key of an artifact named `name`.
    pub fn artifact_key(&self, name: &str) -> String {
        format!("{}/{name}", self.output_prefix.trim_end_matches('/'))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_on_a_blocking_thread_is_a_job_error_that_says_what_failed() {
        let joined = tokio::task::spawn_blocking(|| -> u32 {
            let sizes: Vec<u32> = Vec::new();
            sizes[3] // index out of bounds
        })
        .await;
        let err = JobError::from_join("anonymizing", joined.unwrap_err());
        let text = err.to_string();
        assert!(matches!(err, JobError::Panicked { .. }), "{text}");
        assert!(text.contains("while anonymizing"), "{text}");
        assert!(text.contains("index out of bounds"), "{text}");
        assert!(text.contains("will not be retried"), "{text}");
    }
}
