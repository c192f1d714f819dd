//! What `/api/ws` pushes (first a snapshot of the current state, then every change), and the
//! events analysis finds (a fall, a fight): `GET /api/events`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Job, Video};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// Sent first on every connection (and again if the client fell behind): the jobs that are
    /// not finished plus the most recent ones, in the projects the user may see.
    Snapshot {
        jobs: Vec<Job>,
    },
    Job {
        job: Job,
    },
    JobDeleted {
        id: Uuid,
        project_id: Uuid,
    },
    Video {
        video: Video,
    },
    VideoDeleted {
        id: Uuid,
        project_id: Uuid,
    },
    /// A fall, a fight… found by an analyze job, or opened / closed on a live stream.
    Event {
        event: Event,
    },
    /// A stream was registered or changed, or its health was updated.
    Stream {
        stream: crate::Stream,
    },
    StreamDeleted {
        id: Uuid,
        project_id: Uuid,
    },
}

/// Something analysis found in a video: what, when, to whom, how sure, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: Uuid,
    pub project_id: Uuid,
    /// The analyze job that found it (none for a live stream's).
    pub job_id: Option<Uuid>,
    /// The live stream it happened on; its times are then Unix seconds.
    #[serde(default)]
    pub stream_id: Option<Uuid>,
    /// A live event still going on (updated when it ends).
    #[serde(default)]
    pub ongoing: bool,
    /// None once the video is deleted (the event stays with its job).
    pub video_id: Option<Uuid>,
    /// `fall` or `fight`.
    pub service: String,
    /// Seconds from the start of the video.
    pub start_secs: f64,
    pub end_secs: f64,
    /// When the score was highest.
    pub peak_secs: f64,
    pub start_frame: i64,
    pub end_frame: i64,
    pub peak_frame: i64,
    /// The highest score, 0–1.
    pub score: f32,
    /// The people involved (track ids).
    pub tracks: Vec<i64>,
    /// Falls: the person was up again within the recovery time.
    pub recovered: bool,
    /// Why: `components_at_peak` (each scorer component), `boxes_at_peak`, `opened_by`, `closed_by`.
    pub explanation: serde_json::Value,
    /// A picture of the peak frame: `GET /api/events/{id}/thumbnail`.
    pub has_thumbnail: bool,
    /// Live events: a clip from a few seconds before to a few after, `GET /api/events/{id}/clip`
    /// (it appears a few seconds after the event closes).
    #[serde(default)]
    pub has_clip: bool,
    pub created_at: DateTime<Utc>,
}

/// Filters of `GET /api/events`; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct EventQuery {
    pub project: Option<Uuid>,
    pub video: Option<Uuid>,
    pub job: Option<Uuid>,
    pub stream: Option<Uuid>,
    /// `fall` or `fight`.
    pub service: Option<String>,
    /// Events that end at or after this many seconds into the video.
    pub from_secs: Option<f64>,
    /// Events that start at or before this many seconds into the video.
    pub to_secs: Option<f64>,
    /// Only events at least this sure (0–1).
    pub min_score: Option<f32>,
    /// At most this many (default 500, at most 5000), newest analysis first, then by video and
    /// time.
    pub limit: Option<i64>,
    /// Rows to skip (the `x-total-count` header says how many match in all).
    pub offset: Option<i64>,
}
