//! Camera streams: registered per project, read live by one worker each, with their health.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::videos::Zone;

/// What a stream can be watched for.
pub const STREAM_SERVICES: [&str; 2] = ["fall", "fight"];

/// URL schemes a stream may use; `file://` (a video on the worker, played in a loop — demos) is
/// for administrators only.
pub const STREAM_SCHEMES: [&str; 8] = [
    "rtsp", "rtsps", "rtmp", "rtmps", "srt", "http", "https", "file",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateStream {
    pub name: String,
    /// `rtsp://camera.local:554/stream1`, `rtmp://…`, `srt://…`, `https://…/index.m3u8`. Credentials
    /// written into the URL are moved to `username` / `password`.
    pub url: String,
    #[serde(default)]
    pub username: Option<String>,
    /// Stored, never returned.
    #[serde(default)]
    pub password: Option<String>,
    /// Any of `fall`, `fight` (none: people are tracked and shown, no events).
    #[serde(default)]
    pub services: Vec<String>,
    /// Areas where no fall is raised (a bed, a sofa), relative 0–1 coordinates.
    #[serde(default)]
    pub zones: Vec<Zone>,
    /// Blur faces in the live view.
    #[serde(default)]
    pub blur_faces: bool,
    /// Longer side of the pose model's input (default 320; 0 = the frame's own size). Smaller is
    /// faster and finds fewer far people.
    #[serde(default)]
    pub pose_input: Option<u32>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A change: fields left out stay as they are. `password: ""` removes the password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct UpdateStream {
    pub name: Option<String>,
    pub url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub services: Option<Vec<String>>,
    pub zones: Option<Vec<Zone>>,
    pub blur_faces: Option<bool>,
    pub pose_input: Option<u32>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stream {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    /// Without credentials.
    pub url: String,
    pub username: Option<String>,
    /// Whether a password is stored (it is never returned).
    pub has_password: bool,
    pub services: Vec<String>,
    pub zones: Vec<Zone>,
    pub blur_faces: bool,
    pub pose_input: u32,
    pub enabled: bool,
    /// `disabled`, `waiting` (for a worker), or the reader's state while a worker holds it:
    /// `connecting`, `live`, `reconnecting`, `offline`.
    pub state: String,
    /// The worker reading it.
    pub worker: Option<String>,
    pub health: Option<StreamHealth>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the worker reading a stream reports every couple of seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct StreamHealth {
    /// `connecting`, `live`, `reconnecting` or `offline`.
    pub state: String,
    /// Frames a second arriving from the camera (last 5 s).
    pub input_fps: f64,
    /// Frames a second the pipeline finished (last 5 s).
    pub processed_fps: f64,
    /// Frames decoded since the worker took the stream.
    pub frames: u64,
    /// Frames skipped because the pipeline was busy with a newer one (latency never grows).
    pub dropped: u64,
    pub reconnects_last_hour: u32,
    pub last_frame_at: Option<DateTime<Utc>>,
    /// From a frame decoded to its result published, over the last 30 s.
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    /// People in the last processed frame.
    pub people: u32,
    /// Why the last connection failed or ended (credentials never appear).
    pub last_error: Option<String>,
    pub width: u32,
    pub height: u32,
    pub updated_at: Option<DateTime<Utc>>,
}
