//! Videos and the resumable uploads that create them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Video {
    pub id: Uuid,
    pub project_id: Uuid,
    pub filename: String,
    pub bytes: i64,
    pub sha256: Option<String>,
    pub duration_secs: Option<f64>,
    pub fps: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub has_audio: Option<bool>,
    /// A JPEG poster exists at `/api/videos/{id}/poster`.
    pub has_poster: bool,
    /// Zones drawn on the video (`PUT /api/videos/{id}/zones`): analyze jobs raise no fall
    /// inside them (a bed, a sofa).
    #[serde(default)]
    pub zones: Vec<Zone>,
    /// Zones and lines to count people in (`PUT /api/videos/{id}/footfall`): analyze jobs with
    /// footfall on count them on this video.
    #[serde(default)]
    pub footfall: FootfallLayout,
    /// Kept whatever the project's retention (administrators pin).
    #[serde(default)]
    pub pinned: bool,
    pub created_at: DateTime<Utc>,
}

/// A polygon in relative coordinates of the frame (0–1 on both axes, x right, y down), so it
/// survives a change of resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub name: String,
    /// At least three corners `[x, y]`, each 0–1.
    pub points: Vec<[f32; 2]>,
}

/// A counting line from `a` to `b` (relative coordinates): a crossing to its right, seen from `a`
/// towards `b`, counts as "in", the other way "out".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountingLine {
    pub name: String,
    pub a: [f32; 2],
    pub b: [f32; 2],
}

/// Where footfall is counted on one video.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct FootfallLayout {
    pub zones: Vec<Zone>,
    pub lines: Vec<CountingLine>,
}

/// Starts an upload: its bytes then go to `PATCH /api/uploads/{id}` in as many requests as needed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUpload {
    pub filename: String,
    /// Total size in bytes.
    pub size: i64,
}

/// An upload's state: `received` is where the next `PATCH` starts (its `upload-offset` header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upload {
    pub id: Uuid,
    pub project_id: Uuid,
    pub filename: String,
    pub size: i64,
    pub received: i64,
    /// Set once every byte arrived and the file was accepted as a video.
    pub video: Option<Video>,
    /// Why the file was rejected.
    pub error: Option<String>,
}

/// The upload protocol's headers.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
