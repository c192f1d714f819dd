//! What every handler can reach.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use store::{Database, ObjectStorage};
use tokio::sync::broadcast;
use vision::Catalog;

use crate::live::ProjectEvent;
use crate::metrics::Metrics;
use crate::throttle::LoginThrottle;
use crate::videos::UploadLocks;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub storage: ObjectStorage,
    pub catalog: Catalog,
    /// The ONNX Runtime version loaded, or why it could not be loaded.
    pub onnx_runtime: Result<String, String>,
    /// Heartbeats older than this mean the worker is gone.
    pub worker_lease: Duration,
    pub settings: Settings,
    pub events: broadcast::Sender<ProjectEvent>,
    /// Streams whose live view has a new frame (announced by the workers through Postgres).
    pub live_frames: broadcast::Sender<uuid::Uuid>,
    pub metrics: Metrics,
    pub uploads_in_flight: UploadLocks,
    pub login_throttle: LoginThrottle,
    /// The storage probe's last answer: a write, read and delete per health request would let
    /// anyone make the server hammer its object storage.
    pub storage_check: Arc<tokio::sync::Mutex<Option<(Instant, api::Check)>>>,
}

impl AppState {
    pub fn new(
        db: Database,
        storage: ObjectStorage,
        catalog: Catalog,
        onnx_runtime: Result<String, String>,
        worker_lease: Duration,
        settings: Settings,
    ) -> Self {
        let (events, _) = broadcast::channel(4096);
        let (live_frames, _) = broadcast::channel(256);
        Self {
            db,
            storage,
            catalog,
            onnx_runtime,
            worker_lease,
            settings,
            events,
            live_frames,
            metrics: Metrics::default(),
            uploads_in_flight: UploadLocks::default(),
            login_throttle: LoginThrottle::default(),
            storage_check: Arc::default(),
        }
    }
}

/// The server's knobs (the `[server]` section holds them, next to `bind` and `web_dir`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Where unfinished uploads are spooled (one file each, removed once stored).
    pub upload_dir: PathBuf,
    pub max_upload_bytes: u64,
    pub session_ttl_secs: i64,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Behind a reverse proxy: believe its `X-Forwarded-For` (the client's address, for the
    /// sign-in throttle) and `X-Forwarded-Proto` (HTTPS → `Secure` cookies). Leave off when
    /// clients reach the server directly: they could claim any address.
    pub trust_proxy_headers: bool,
    /// Bytes all unfinished uploads of one project may announce together.
    pub max_pending_upload_bytes: u64,
    /// An unfinished upload that received nothing for this long expires; its spool file goes.
    pub upload_expiry_secs: u64,
    /// `/metrics` answers `Authorization: Bearer <this>` (and administrators). Empty: only
    /// administrators' sessions and API tokens.
    pub metrics_token: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            upload_dir: std::env::temp_dir().join("recognizer-uploads"),
            max_upload_bytes: 20 << 30,
            session_ttl_secs: 7 * 24 * 3600,
            secure_cookies: false,
            trust_proxy_headers: false,
            max_pending_upload_bytes: 100 << 30,
            upload_expiry_secs: 24 * 3600,
            metrics_token: String::new(),
        }
    }
}
