//! Prometheus metrics at `/metrics`: queue depth and jobs by kind and status (read from the
//! database at scrape time, so every server instance reports the same), job durations and bytes
//! uploaded (counted by this instance).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use api::Job;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub status: String,
}

/// One stream's series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StreamLabels {
    pub stream: String,
    pub name: String,
    pub project: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StreamStateLabels {
    pub stream: String,
    pub name: String,
    pub project: String,
    pub state: String,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

/// Live streams' health, read from the database at scrape time.
#[derive(Clone, Default)]
pub struct StreamMetrics {
    state: Family<StreamStateLabels, Gauge>,
    input_fps: Family<StreamLabels, FloatGauge>,
    processed_fps: Family<StreamLabels, FloatGauge>,
    dropped: Family<StreamLabels, Gauge>,
    reconnects: Family<StreamLabels, Gauge>,
    latency_p50: Family<StreamLabels, FloatGauge>,
    latency_p99: Family<StreamLabels, FloatGauge>,
    last_frame_age: Family<StreamLabels, FloatGauge>,
}

impl StreamMetrics {
    fn register(&self, registry: &mut Registry) {
        registry.register(
            "stream_state",
            "1 for each stream's state (disabled, waiting, connecting, live, reconnecting, offline)",
            self.state.clone(),
        );
        registry.register(
            "stream_input_fps",
            "Frames a second arriving from the camera",
            self.input_fps.clone(),
        );
        registry.register(
            "stream_processed_fps",
            "Frames a second the pipeline finished",
            self.processed_fps.clone(),
        );
        registry.register(
            "stream_dropped_frames",
            "Frames skipped since the worker took the stream (the pipeline was busy)",
            self.dropped.clone(),
        );
        registry.register(
            "stream_reconnects_last_hour",
            "Reconnect attempts in the last hour",
            self.reconnects.clone(),
        );
        registry.register(
            "stream_latency_p50_seconds",
            "Median time from a frame decoded to its result published (last 30 s)",
            self.latency_p50.clone(),
        );
        registry.register(
            "stream_latency_p99_seconds",
            "99th percentile of frame to result (last 30 s)",
            self.latency_p99.clone(),
        );
        registry.register(
            "stream_last_frame_age_seconds",
            "Seconds since the stream's last frame",
            self.last_frame_age.clone(),
        );
    }

    fn set(&self, streams: &[api::Stream]) {
        self.state.clear();
        for f in [
            &self.input_fps,
            &self.processed_fps,
            &self.latency_p50,
            &self.latency_p99,
            &self.last_frame_age,
        ] {
            f.clear();
        }
        self.dropped.clear();
        self.reconnects.clear();
        let now = chrono::Utc::now();
        for s in streams {
            let labels = StreamLabels {
                stream: s.id.to_string(),
                name: s.name.clone(),
                project: s.project_id.to_string(),
            };
            self.state
                .get_or_create(&StreamStateLabels {
                    stream: labels.stream.clone(),
                    name: labels.name.clone(),
                    project: labels.project.clone(),
                    state: s.state.clone(),
                })
                .set(1);
            let Some(h) = &s.health else { continue };
            self.input_fps.get_or_create(&labels).set(h.input_fps);
            self.processed_fps
                .get_or_create(&labels)
                .set(h.processed_fps);
            self.dropped.get_or_create(&labels).set(h.dropped as i64);
            self.reconnects
                .get_or_create(&labels)
                .set(h.reconnects_last_hour as i64);
            if let Some(ms) = h.latency_p50_ms {
                self.latency_p50.get_or_create(&labels).set(ms / 1000.0);
            }
            if let Some(ms) = h.latency_p99_ms {
                self.latency_p99.get_or_create(&labels).set(ms / 1000.0);
            }
            if let Some(t) = h.last_frame_at {
                let age = (now - t).num_milliseconds() as f64 / 1000.0;
                self.last_frame_age.get_or_create(&labels).set(age.max(0.0));
            }
        }
    }
}

#[derive(Clone)]
pub struct Metrics {
    pub streams: StreamMetrics,
    registry: Arc<Registry>,
    pub jobs: Family<JobLabels, Gauge>,
    pub queue_depth: Gauge,
    pub bytes_uploaded: Counter,
    pub job_seconds: Family<JobLabels, Histogram>,
    seen_finished: Arc<Mutex<HashSet<uuid::Uuid>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("recognizer");
        let jobs = Family::<JobLabels, Gauge>::default();
        let queue_depth = Gauge::default();
        let bytes_uploaded = Counter::default();
        let job_seconds = Family::<JobLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0])
        });
        registry.register("jobs", "Jobs by kind and status", jobs.clone());
        registry.register(
            "queue_depth",
            "Jobs waiting for a worker",
            queue_depth.clone(),
        );
        registry.register(
            "uploaded_bytes",
            "Bytes received by uploads on this server",
            bytes_uploaded.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "Time from start to end of finished jobs",
            job_seconds.clone(),
        );
        let streams = StreamMetrics::default();
        streams.register(&mut registry);
        Self {
            streams,
            registry: Arc::new(registry),
            jobs,
            queue_depth,
            bytes_uploaded,
            job_seconds,
            seen_finished: Arc::default(),
        }
    }
}

impl Metrics {
    /// Counts a finished job's duration once.
    pub fn observe_job(&self, job: &Job) {
        let (Some(start), Some(end)) = (job.started_at, job.finished_at) else {
            return;
        };
        if !job.status.is_finished() {
            return;
        }
        let mut seen = self.seen_finished.lock().unwrap();
        if seen.len() > 100_000 {
            seen.clear();
        }
        if seen.insert(job.id) {
            let secs = (end - start).num_milliseconds() as f64 / 1000.0;
            self.job_seconds
                .get_or_create(&JobLabels {
                    kind: job.kind.as_str().into(),
                    status: job.status.as_str().into(),
                })
                .observe(secs.max(0.0));
        }
    }
}

/// Who may scrape: a Prometheus holding `server.metrics_token`, or an administrator.
async fn allowed(
    state: &AppState,
    parts: &mut axum::http::request::Parts,
) -> Result<(), crate::error::Error> {
    let token = &state.settings.metrics_token;
    let bearer = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(b) = bearer
        && !token.is_empty()
        && constant_time_eq(b.as_bytes(), token.as_bytes())
    {
        return Ok(());
    }
    use axum::extract::FromRequestParts;
    let caller = crate::auth::Caller::from_request_parts(parts, state).await?;
    caller.require_admin()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn metrics(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (mut parts, _) = request.into_parts();
    if let Err(e) = allowed(&state, &mut parts).await {
        return e.into_response();
    }
    match state.db.job_counts().await {
        Ok(counts) => {
            state.metrics.jobs.clear();
            let mut queued = 0;
            for (kind, status, n) in counts {
                state
                    .metrics
                    .jobs
                    .get_or_create(&JobLabels {
                        kind: kind.as_str().into(),
                        status: status.as_str().into(),
                    })
                    .set(n);
                if status == api::JobStatus::Queued {
                    queued += n;
                }
            }
            state.metrics.queue_depth.set(queued);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count jobs"),
    }
    match state.db.all_streams().await {
        Ok(streams) => state.metrics.streams.set(&streams),
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the streams"),
    }
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &state.metrics.registry) {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
