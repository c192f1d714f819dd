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

/// A job kind, whether workers can run it yet, its parameters' defaults, what each parameter
/// means and the kind's presets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobKindInfo {
    pub kind: JobKind,
    pub implemented: bool,
    pub defaults: serde_json::Value,
    /// Every parameter, basic ones first.
    #[serde(default)]
    pub params: Vec<ParamInfo>,
    /// Named sets of values over the defaults; the first is the defaults themselves.
    #[serde(default)]
    pub presets: Vec<Preset>,
}

/// One parameter of a job kind, for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParamInfo {
    /// Dotted path in the parameters, e.g. `events.fall_rules.threshold`.
    pub path: String,
    pub label: String,
    /// One line: what it does.
    pub help: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Shown under "Advanced".
    #[serde(default)]
    pub advanced: bool,
    pub input: ParamInput,
}

/// The input a parameter takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamInput {
    Toggle,
    Integer {
        min: i64,
        max: i64,
    },
    Number {
        min: f64,
        max: f64,
        step: f64,
    },
    /// One of these words.
    Choice {
        options: Vec<String>,
    },
    /// Any of these words, at least one.
    Several {
        options: Vec<String>,
    },
    Text,
    LongText,
    /// A job id of the same project.
    Job,
    /// A registered classifier's id for this service, or null.
    Model {
        service: String,
    },
    /// Three weights 0–1, named.
    Weights {
        parts: Vec<String>,
    },
    /// `{"kind": "blur", "strength"}` / `{"kind": "mosaic", "block"}` / `{"kind": "solid", "colour": [r, g, b]}`.
    Filter,
    /// `[{"video", "label", "start"?, "end"?}]`.
    Labels,
    /// `[{"name", "points": [[x, y], …]}]`, coordinates 0–1.
    Zones,
    /// `[{"name", "a": [x, y], "b": [x, y]}]`, coordinates 0–1.
    Lines,
}

/// A named set of parameter values over the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preset {
    pub name: String,
    pub label: String,
    /// What it does and its measured effect.
    pub help: String,
    /// Only the parameters it changes.
    pub params: serde_json::Value,
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
