//! Job handlers, independent of the queue (the crates.io pattern): each job is a serde type with
//! a `JOB_NAME` and a `run` taking a typed context. The queue (apalis, issue #5) only stores and
//! hands out the serialized job; the same handlers run from tests and the offline CLI.

pub mod annotate;
pub mod anonymize;

use std::path::PathBuf;
use std::sync::Arc;

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
    #[error("{0}")]
    Other(String),
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
