//! The worker loop: apalis hands out `{job_id}` entries from the Postgres queue; each is claimed
//! in the `jobs` table, run by its handler with progress written back (and NOTIFYed by the
//! table's trigger), and finished with its artifacts in one transaction.
//!
//! A worker killed mid-job stops sending apalis heartbeats; after `worker.lease_secs` another
//! worker's heartbeat re-queues the entry, and `claim_job` lets the new worker take the job over.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use api::{Job as JobRow, JobKind, JobStatus};
use futures::FutureExt;
use store::{
    Claim, Database, NewArtifact, NewEvent, ObjectStorage, ProgressUpdate, QUEUE, QueuedJob,
};
use tokio::sync::watch;
use vision::{Catalog, Runtime};

use crate::jobs::annotate::{AnnotateInput, AnnotateJob};
use crate::jobs::anonymize::AnonymizeJob;
use crate::jobs::{FoundEvent, Job, JobContext, JobError, JobProgress};
use crate::{WorkerConfig, WorkerIdentity};

/// Everything a worker process shares between its jobs.
pub struct WorkerServices {
    pub db: Database,
    pub storage: ObjectStorage,
    pub runtime: &'static Runtime,
    pub catalog: Catalog,
    /// Jobs get private directories under this one.
    pub scratch_root: PathBuf,
    pub identity: WorkerIdentity,
    pub config: WorkerConfig,
}

/// Takes jobs until `shutdown` turns true. Heartbeats for the admin pages run alongside.
pub async fn run_worker(
    services: WorkerServices,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let services = Arc::new(services);
    let config = &services.config;
    let heartbeat = Duration::from_secs(config.heartbeat_secs.max(1));
    let missed = (config.lease_secs / config.heartbeat_secs.max(1)).max(2) as usize;
    let queue_config = apalis_postgres::Config::default()
        .queue(QUEUE)
        .batch_size(config.concurrency)
        .heartbeat_interval(heartbeat)
        .missed_heartbeats(missed);
    let backend = PostgresStorage::<QueuedJob>::new(&services.db.pool)
        .with_config(queue_config)
        .with_pubsub();
    let beats = tokio::spawn(crate::run_heartbeats(
        services.db.clone(),
        services.identity.clone(),
        config.clone(),
        shutdown.clone(),
    ));
    let sweeps = tokio::spawn(sweep_retention(services.clone(), shutdown.clone()));
    let streams = tokio::spawn(crate::streams::run_streams(
        crate::streams::StreamServices {
            db: services.db.clone(),
            storage: services.storage.clone(),
            scratch: services.scratch_root.join("streams"),
            runtime: services.runtime,
            catalog: services.catalog.clone(),
            worker_id: services.identity.id.clone(),
            max_streams: config.max_streams,
            lease_secs: config.stream_lease_secs,
            ffmpeg_rtsp: config.ffmpeg_rtsp,
        },
        shutdown.clone(),
    ));
    let worker = WorkerBuilder::new(services.identity.id.clone())
        .backend(backend)
        .data(services.clone())
        .concurrency(config.concurrency)
        .build(handle);
    let stop = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
        Ok::<(), std::io::Error>(())
    };
    let result = worker.run_until(stop).await;
    let _ = beats.await;
    let _ = streams.await;
    sweeps.abort();
    result.map_err(|e| anyhow::anyhow!("worker stopped: {e}"))
}

/// The daily retention sweep: a minute after start, then every `retention_sweep_secs`.
async fn sweep_retention(services: Arc<WorkerServices>, mut shutdown: watch::Receiver<bool>) {
    let every = services.config.retention_sweep_secs;
    if every == 0 {
        return;
    }
    let mut wait = Duration::from_secs(60.min(every));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        match services.db.sweep_retention(&services.storage).await {
            Ok(r) => tracing::info!(
                videos = r.videos,
                artifacts = r.artifacts,
                events = r.events,
                bytes = r.bytes,
                "retention sweep done"
            ),
            Err(e) => tracing::warn!(error = %e, "retention sweep failed; it runs again later"),
        }
        wait = Duration::from_secs(every);
    }
}

async fn handle(entry: QueuedJob, services: Data<Arc<WorkerServices>>) -> Result<(), BoxDynError> {
    run_job(&services, entry.job_id)
        .await
        .map_err(|e| -> BoxDynError { e.into() })
}

/// Runs one job to its end. Errors here are the platform's (database unreachable); a job's own
/// failure is recorded on the job and is not an error of the queue entry.
pub async fn run_job(services: &WorkerServices, job_id: uuid::Uuid) -> anyhow::Result<()> {
    let worker_id = &services.identity.id;
    let job = match services.db.claim_job(job_id, worker_id).await? {
        Claim::Run(job) => job,
        Claim::Skip => return Ok(()),
        Claim::GaveUp => {
            tracing::warn!(%job_id, "job failed: too many attempts");
            return Ok(());
        }
    };
    tracing::info!(%job_id, kind = job.kind.as_str(), attempt = job.attempts, "job started");
    let reporter = Reporter::start(services.db.clone(), job_id, worker_id.clone());
    let scratch = services.scratch_root.join(job_id.to_string());
    // A panic in the handler fails this job (with its message) instead of unwinding into the
    // queue; a handler that stops making progress is given up after worker.stall_secs.
    let found = Arc::new(Mutex::new(Vec::new()));
    let work =
        std::panic::AssertUnwindSafe(execute(services, &job, &reporter, &scratch, found.clone()))
            .catch_unwind();
    let stall = Duration::from_secs(services.config.stall_secs.max(1));
    let outcome = tokio::select! {
        done = work => done.unwrap_or_else(|panic| Err(JobError::Panicked {
            during: format!("running the {} job", job.kind.as_str()),
            message: crate::jobs::panic_message(&*panic),
        })),
        (secs, stage) = stalled(reporter.last_progress.clone(), stall) => {
            // a blocking thread cannot be killed: ask it to stop at its next progress report
            reporter.cancel.store(true, Ordering::SeqCst);
            Err(JobError::Stalled { secs, stage })
        }
    };
    let _ = std::fs::remove_dir_all(&scratch);
    reporter.stop().await;
    match outcome {
        Ok(artifacts) => {
            let events: Vec<NewEvent> = std::mem::take(&mut *found.lock().expect("not poisoned"))
                .into_iter()
                .map(stored_event)
                .collect();
            services
                .db
                .finish_job(job_id, worker_id, &artifacts, &events)
                .await?;
            tracing::info!(%job_id, artifacts = artifacts.len(), events = events.len(), "job succeeded");
        }
        Err(JobError::Canceled) => {
            services
                .db
                .end_job(
                    job_id,
                    worker_id,
                    JobStatus::Canceled,
                    Some("canceled on request"),
                )
                .await?;
            tracing::info!(%job_id, "job canceled");
        }
        Err(e) => {
            let message = e.to_string();
            services
                .db
                .end_job(job_id, worker_id, JobStatus::Failed, Some(&message))
                .await?;
            tracing::warn!(%job_id, error = %message, "job failed");
        }
    }
    Ok(())
}

async fn execute(
    services: &WorkerServices,
    job: &JobRow,
    reporter: &Reporter,
    scratch: &std::path::Path,
    found: Arc<Mutex<Vec<FoundEvent>>>,
) -> Result<Vec<NewArtifact>, JobError> {
    let invalid = |e: serde_json::Error| JobError::Other(format!("invalid parameters: {e}"));
    // Frames of every video, so progress runs from 0 to 100 % over the whole job.
    let mut inputs = Vec::new();
    let mut zones = std::collections::BTreeMap::new();
    let mut layouts = std::collections::BTreeMap::new();
    for video_id in &job.video_ids {
        let objects = services
            .db
            .video_objects(*video_id)
            .await
            .map_err(|e| JobError::Other(e.to_string()))?;
        let video = services
            .db
            .video(*video_id)
            .await
            .map_err(|e| JobError::Other(e.to_string()))?;
        match (objects, video) {
            (Some(o), Some(v)) => {
                let drawn: Vec<vision::events::Zone> = v
                    .zones
                    .iter()
                    .map(|z| vision::events::Zone {
                        name: z.name.clone(),
                        points: z.points.clone(),
                    })
                    .collect();
                zones.insert(*video_id, drawn);
                layouts.insert(*video_id, footfall_layout(&v.footfall));
                let frames = (v.duration_secs.unwrap_or(0.0) * v.fps.unwrap_or(0.0))
                    .round()
                    .max(1.0) as u64;
                inputs.push(AnnotateInput {
                    video_id: *video_id,
                    filename: v.filename,
                    input_key: o.object_key,
                    frames,
                });
            }
            _ => {
                return Err(JobError::Other(format!(
                    "video {video_id} was deleted before the job ran"
                )));
            }
        }
    }
    let total: u64 = inputs.iter().map(|i| i.frames).sum();
    let context = |prefix: String, scratch: std::path::PathBuf, progress| JobContext {
        job_id: job.id,
        storage: services.storage.clone(),
        runtime: services.runtime,
        catalog: services.catalog.clone(),
        scratch,
        output_prefix: prefix,
        progress,
        on_event: {
            let found = found.clone();
            Arc::new(move |e| found.lock().expect("not poisoned").push(e))
        },
    };
    let mut artifacts = Vec::new();
    match job.kind {
        JobKind::Anonymize => {
            let settings: vision::anonymize::AnonymizeConfig =
                serde_json::from_value(job.params.clone()).map_err(invalid)?;
            let mut done_before = 0u64;
            for input in inputs {
                let ctx = context(
                    format!("jobs/{}/{}", job.id, input.video_id),
                    scratch.join(input.video_id.to_string()),
                    reporter.callback(done_before, total),
                );
                let handler = AnonymizeJob {
                    input_key: input.input_key,
                    settings: settings.clone(),
                };
                for a in handler.run(&ctx).await? {
                    artifacts.push(recorded(a, Some(input.video_id)));
                }
                done_before += input.frames;
            }
        }
        JobKind::Annotate => {
            let settings = serde_json::from_value(job.params.clone()).map_err(invalid)?;
            let ctx = context(
                format!("jobs/{}", job.id),
                scratch.to_path_buf(),
                reporter.callback(0, total),
            );
            let handler = AnnotateJob { inputs, settings };
            for a in handler.run(&ctx).await? {
                artifacts.push(recorded(a, None));
            }
        }
        JobKind::Analyze => {
            let settings = serde_json::from_value(job.params.clone()).map_err(invalid)?;
            let ctx = context(
                format!("jobs/{}", job.id),
                scratch.to_path_buf(),
                reporter.callback(0, total),
            );
            let settings: vision::events::AnalyzeConfig = settings;
            let mut models = Vec::new();
            for (service, field, id) in settings.models() {
                let found = match uuid::Uuid::parse_str(id) {
                    Ok(id) => services
                        .db
                        .model(id)
                        .await
                        .map_err(|e| JobError::Other(e.to_string()))?,
                    Err(_) => None,
                };
                let Some((model, key)) = found.filter(|(m, _)| m.project_id == job.project_id)
                else {
                    return Err(JobError::Other(format!(
                        "{field}: model {id} was deleted before the job ran; start it again with another model or none"
                    )));
                };
                let contract = serde_json::from_value(model.contract)
                    .map_err(|e| JobError::Other(format!("{field}: stored contract: {e}")))?;
                models.push(crate::jobs::analyze::ModelInput {
                    service,
                    name: model.name,
                    key,
                    contract,
                });
            }
            let handler = crate::jobs::analyze::AnalyzeJob {
                inputs,
                settings,
                models,
                zones,
                footfall_layouts: layouts,
            };
            for a in handler.run(&ctx).await? {
                artifacts.push(recorded(a, None));
            }
        }
        JobKind::Visualize => {
            let settings = serde_json::from_value(job.params.clone()).map_err(invalid)?;
            let ctx = context(
                format!("jobs/{}", job.id),
                scratch.to_path_buf(),
                reporter.callback(0, total),
            );
            let handler = crate::jobs::visualize::VisualizeJob { inputs, settings };
            for a in handler.run(&ctx).await? {
                artifacts.push(recorded(a, None));
            }
        }
    }
    Ok(artifacts)
}

/// An event as the `events` table keeps it: the pipeline's own explanation goes in whole.
fn stored_event(f: FoundEvent) -> NewEvent {
    new_event(Some(f.video), f.service, &f.event, f.thumbnail_key)
}

/// An event as the `events` table stores it (a job's or a live stream's).
pub(crate) fn new_event(
    video: Option<uuid::Uuid>,
    service: vision::events::Service,
    e: &vision::events::Event,
    thumbnail_key: Option<String>,
) -> NewEvent {
    NewEvent {
        video_id: video,
        service: service.as_str().into(),
        start_secs: e.start_time,
        end_secs: e.end_time.max(e.start_time),
        peak_secs: e.peak_time,
        start_frame: e.start_frame as i64,
        end_frame: e.end_frame as i64,
        peak_frame: e.peak_frame as i64,
        score: e.peak_score,
        tracks: e.tracks.iter().map(|t| *t as i64).collect(),
        recovered: e.recovered,
        explanation: serde_json::json!({
            "components_at_peak": e.components_at_peak,
            "boxes_at_peak": e.boxes_at_peak,
            "opened_by": e.opened_by,
            "closed_by": e.closed_by,
        }),
        thumbnail_key,
    }
}

fn recorded(a: crate::jobs::Artifact, video: Option<uuid::Uuid>) -> NewArtifact {
    NewArtifact {
        video_id: a.video.or(video),
        content_type: content_type(&a.key).into(),
        kind: a.kind,
        object_key: a.key,
        bytes: a.bytes as i64,
        sha256: a.sha256,
    }
}

/// A video's footfall zones and lines as the analyze job counts them.
fn footfall_layout(
    layout: &api::FootfallLayout,
) -> (
    Vec<vision::events::Zone>,
    Vec<vision::footfall::counters::Line>,
) {
    (
        layout
            .zones
            .iter()
            .map(|z| vision::events::Zone {
                name: z.name.clone(),
                points: z.points.clone(),
            })
            .collect(),
        layout
            .lines
            .iter()
            .map(|l| vision::footfall::counters::Line {
                name: l.name.clone(),
                a: l.a,
                b: l.b,
            })
            .collect(),
    )
}

fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("mp4") => "video/mp4",
        Some("jsonl") => "application/x-ndjson",
        Some("json") => "application/json",
        Some("csv") => "text/csv",
        Some("txt") => "text/plain",
        Some("pkl") => "application/python-pickle",
        Some("png") => "image/png",
        Some("jpg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

type LastProgress = Arc<Mutex<(Instant, String)>>;

/// Resolves once `last` is older than `limit`, with the seconds without progress and the stage.
async fn stalled(last: LastProgress, limit: Duration) -> (u64, String) {
    let every = (limit / 4).clamp(Duration::from_millis(10), Duration::from_secs(5));
    loop {
        tokio::time::sleep(every).await;
        let (at, stage) = last.lock().unwrap().clone();
        if at.elapsed() >= limit {
            return (at.elapsed().as_secs(), stage);
        }
    }
}

/// Carries progress from the (blocking) pipeline to the database twice a second, and the cancel
/// flag back.
struct Reporter {
    latest: Arc<Mutex<Option<ProgressUpdate>>>,
    /// When the job last advanced (a frame done, a new stage), and its stage then.
    last_progress: LastProgress,
    cancel: Arc<AtomicBool>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Reporter {
    fn start(db: Database, job_id: uuid::Uuid, worker_id: String) -> Self {
        let latest: Arc<Mutex<Option<ProgressUpdate>>> = Arc::default();
        let cancel = Arc::new(AtomicBool::new(false));
        let (stop, mut stopped) = watch::channel(false);
        let (l, c) = (latest.clone(), cancel.clone());
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                let last = tokio::select! {
                    _ = tick.tick() => false,
                    _ = stopped.changed() => true,
                };
                let update = l.lock().unwrap().take();
                let asked = match update {
                    Some(u) => db.job_progress(job_id, &worker_id, &u).await,
                    None => db.job(job_id).await.map(|j| {
                        j.is_none_or(|j| {
                            j.cancel_requested || j.worker_id.as_deref() != Some(&worker_id)
                        })
                    }),
                };
                match asked {
                    Ok(true) => c.store(true, Ordering::SeqCst),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(%job_id, error = %e, "could not record progress"),
                }
                if last {
                    break;
                }
            }
        });
        Self {
            latest,
            last_progress: Arc::new(Mutex::new((Instant::now(), "starting".into()))),
            cancel,
            stop,
            task,
        }
    }

    /// The handler's progress callback: `offset` frames of earlier videos are already done.
    fn callback(&self, offset: u64, total: u64) -> Arc<dyn Fn(JobProgress) -> bool + Send + Sync> {
        let (latest, cancel) = (self.latest.clone(), self.cancel.clone());
        let last_progress = self.last_progress.clone();
        let started = Instant::now();
        let seen = Mutex::new((String::new(), u64::MAX));
        Arc::new(move |p: JobProgress| {
            let mut s = seen.lock().unwrap();
            if s.0 != p.stage || s.1 != p.frames_done {
                *s = (p.stage.clone(), p.frames_done);
                *last_progress.lock().unwrap() = (Instant::now(), p.stage.clone());
            }
            drop(s);
            let done = offset + p.frames_done;
            let fps = if p.fps > 0.0 {
                p.fps
            } else {
                done as f64 / started.elapsed().as_secs_f64().max(1e-3)
            };
            let eta = (fps > 0.0 && total > done).then(|| (total - done) as f64 / fps);
            *latest.lock().unwrap() = Some(ProgressUpdate {
                stage: p.stage,
                frames_done: done as i64,
                frames_total: Some(total as i64),
                fps: (p.fps > 0.0).then_some(p.fps),
                eta_secs: eta.or(Some(0.0)).filter(|_| p.fps > 0.0),
            });
            !cancel.load(Ordering::SeqCst)
        })
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_without_progress_is_found_stalled_and_one_with_progress_is_not() {
        let last: LastProgress = Arc::new(Mutex::new((Instant::now(), "anonymize".into())));
        // progress every 20 ms: not stalled within 300 ms
        let ticking = last.clone();
        let ticker = tokio::spawn(async move {
            for _ in 0..15 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                ticking.lock().unwrap().0 = Instant::now();
            }
        });
        let early = tokio::time::timeout(
            Duration::from_millis(300),
            stalled(last.clone(), Duration::from_millis(100)),
        )
        .await;
        assert!(early.is_err(), "stalled while progressing: {early:?}");
        ticker.await.unwrap();
        // then silence: stalled after about the limit, naming the stage
        let started = Instant::now();
        let (_, stage) = stalled(last, Duration::from_millis(100)).await;
        assert_eq!(stage, "anonymize");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
