//! Jobs, their artifacts, the queue and the workers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Annotate,
    Analyze,
    Visualize,
    Anonymize,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [
        JobKind::Annotate,
        JobKind::Analyze,
        JobKind::Visualize,
        JobKind::Anonymize,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Annotate => "annotate",
            JobKind::Analyze => "analyze",
            JobKind::Visualize => "visualize",
            JobKind::Anonymize => "anonymize",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Canceled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Canceled
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateJob {
    pub project_id: Uuid,
    pub kind: JobKind,
    pub video_ids: Vec<Uuid>,
    /// The kind's parameters; omitted fields take their defaults (see `GET /api/job-kinds`).
    #[serde(default)]
    pub params: serde_json::Value,
    /// Higher runs first.
    #[serde(default)]
    pub priority: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: Uuid,
    pub project_id: Uuid,
    pub kind: JobKind,
    pub status: JobStatus,
    pub params: serde_json::Value,
    pub video_ids: Vec<Uuid>,
    pub priority: i32,
    pub attempts: i32,
    pub max_attempts: i32,
    /// What the job is doing now (e.g. download, anonymize, upload).
    pub stage: Option<String>,
    pub frames_done: i64,
    pub frames_total: Option<i64>,
    pub fps: Option<f64>,
    pub eta_secs: Option<f64>,
    pub error: Option<String>,
    pub requested_by: Option<Uuid>,
    pub worker_id: Option<String>,
    pub cancel_requested: bool,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    /// Progress from 0 to 1, when known.
    pub fn fraction(&self) -> Option<f64> {
        match (self.status, self.frames_total) {
            (JobStatus::Succeeded, _) => Some(1.0),
            (_, Some(total)) if total > 0 => {
                Some((self.frames_done as f64 / total as f64).clamp(0.0, 1.0))
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Artifact {
    pub id: Uuid,
    pub job_id: Uuid,
    pub video_id: Option<Uuid>,
    /// e.g. `video`, `mask-log`.
    pub kind: String,
    /// The name a download gets.
    pub filename: String,
    pub content_type: String,
    pub bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A job kind, whether workers can run it yet, and its parameters' defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobKindInfo {
    pub kind: JobKind,
    pub implemented: bool,
    pub defaults: serde_json::Value,
    /// Parameters that take one of a few words, with those words (for a drop-down).
    #[serde(default)]
    pub choices: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerInfo {
    pub id: String,
    pub hostname: String,
    pub current_job: Option<Uuid>,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub alive: bool,
}

/// Jobs waiting and running, for the admin pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queue {
    pub queued: i64,
    pub running: i64,
    pub workers: Vec<WorkerInfo>,
}
