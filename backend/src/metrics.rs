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

#[derive(Clone)]
pub struct Metrics {
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
        Self {
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
