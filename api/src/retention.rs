//! Retention: how long a project keeps its videos and job results, what is pinned, what a sweep
//! removed, and the storage each project uses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Days to keep; none = forever.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Source videos older than this many days are removed (unless pinned).
    pub videos_days: Option<i32>,
    /// Results (artifacts) of jobs that finished longer ago are removed (unless the job is pinned).
    pub artifacts_days: Option<i32>,
}

/// A project's storage and retention, for administrators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectStorage {
    pub project_id: Uuid,
    pub name: String,
    pub videos: i64,
    pub video_bytes: i64,
    pub artifacts: i64,
    pub artifact_bytes: i64,
    pub retention: Retention,
}

/// One object a retention sweep removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removal {
    pub project_id: Uuid,
    /// `video` or `artifact`.
    pub kind: String,
    /// The video or job it belonged to.
    pub owner_id: Uuid,
    pub name: String,
    pub bytes: i64,
    pub removed_at: DateTime<Utc>,
}

/// `PUT /api/videos/{id}/pinned`, `PUT /api/jobs/{id}/pinned`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pub pinned: bool,
}
