//! Liveness: a worker writes a heartbeat row every few seconds; the health endpoint and the admin
//! pages read them, and (with the job queue) expired heartbeats mark jobs to take over.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use store::Database;
use tokio::sync::watch;

/// The `[worker]` section of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Jobs run at once by one worker process.
    pub concurrency: usize,
    pub heartbeat_secs: u64,
    /// A worker whose last heartbeat is older than this counts as gone; its running jobs are
    /// then taken over by another worker.
    pub lease_secs: u64,
    /// Jobs' temporary files (downloaded inputs, outputs before upload).
    pub scratch_dir: std::path::PathBuf,
    /// A job that reports no progress for this long is failed and its slot freed (a stuck
    /// decoder, a hung storage request): heartbeats alone only say the process lives.
    pub stall_secs: u64,
    /// How often this worker removes what the projects' retention says is too old (0 = never;
    /// several workers sweeping at once split the work).
    pub retention_sweep_secs: u64,
    /// Live camera streams this worker reads at once (0: none — jobs only). One 640×360 @ 15 fps
    /// stream at pose input 320 takes about one core of today's CPUs.
    pub max_streams: usize,
    /// A stream whose worker has not renewed its lease for this long is taken by another worker.
    pub stream_lease_secs: u64,
    /// Read `rtsp://` cameras with FFmpeg's RTSP client instead of retina's: for a camera that
    /// retina cannot read. Costs up to a frame interval of latency (FFmpeg's H.264 parser
    /// waits for the next picture).
    pub ffmpeg_rtsp: bool,
    /// x264 preset of the videos this worker writes (anonymized, rendered): `veryfast` by
    /// default; where x264 on the CPU cores bounds a GPU worker, `superfast` or `ultrafast`
    /// encode faster into larger files (bench/RESULTS.md, the GPU worker).
    pub encoder_preset: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 1,
            heartbeat_secs: 5,
            lease_secs: 30,
            scratch_dir: std::env::temp_dir().join("recognizer-work"),
            stall_secs: 900,
            retention_sweep_secs: 86_400,
            max_streams: 2,
            stream_lease_secs: 15,
            ffmpeg_rtsp: false,
            encoder_preset: "veryfast".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct WorkerIdentity {
    pub id: String,
    pub hostname: String,
}

impl WorkerIdentity {
    /// `hostname-pid-random`: unique per process, readable in the admin pages.
    pub fn new() -> Self {
        let hostname = std::fs::read_to_string("/etc/hostname")
            .map(|s| s.trim().to_string())
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "localhost".into());
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
        Self {
            id: format!("{hostname}-{}-{suffix}", std::process::id()),
            hostname,
        }
    }
}

impl Default for WorkerIdentity {
    fn default() -> Self {
        Self::new()
    }
}

/// Sends heartbeats until `shutdown` turns true, then removes the worker's row.
pub async fn run_heartbeats(
    db: Database,
    identity: WorkerIdentity,
    config: WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let kinds: Vec<String> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(config.heartbeat_secs.max(1)));
    tracing::info!(worker = %identity.id, "worker started");
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = db.heartbeat(&identity.id, &identity.hostname, &kinds).await {
                    tracing::warn!(worker = %identity.id, error = %e, "heartbeat failed; retrying");
                }
            }
            _ = shutdown.changed() => break,
        }
    }
    if let Err(e) = db.remove_worker(&identity.id).await {
        tracing::warn!(worker = %identity.id, error = %e, "could not deregister worker");
    }
    tracing::info!(worker = %identity.id, "worker stopped");
}
