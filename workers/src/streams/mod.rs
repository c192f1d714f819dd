//! Live streams on a worker: every `stream_renew_secs` the worker renews the leases it holds
//! (Postgres rows, see `store::streams`), stops the streams it lost (disabled, deleted, taken
//! over) or whose settings changed, and claims free ones up to `max_streams`. Each held stream
//! runs [`pipeline::run`] on its own thread; a task per stream writes its health and events back.
//! A worker that dies stops renewing; another takes its streams once the lease expires.

pub mod clips;
pub mod pipeline;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use store::{Database, LeasedStream, ObjectStorage};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;
use vision::events::{Service, Zone};
use vision::media::LiveOptions;
use vision::{Catalog, Runtime};

use pipeline::{EventKey, Flags, StreamPlan, Update};

/// What the stream supervisor needs from the worker.
#[derive(Clone)]
pub struct StreamServices {
    pub db: Database,
    /// Event pictures and clips go here.
    pub storage: ObjectStorage,
    /// Clips are written here before they are uploaded.
    pub scratch: std::path::PathBuf,
    pub runtime: &'static Runtime,
    pub catalog: Catalog,
    pub worker_id: String,
    /// Streams this worker reads at most (0: none).
    pub max_streams: usize,
    /// A lease not renewed for this long is free for another worker.
    pub lease_secs: u64,
    /// Read `rtsp://` with FFmpeg's client rather than retina's.
    pub ffmpeg_rtsp: bool,
}

struct Running {
    updated_at: DateTime<Utc>,
    flags: Arc<Flags>,
    task: tokio::task::JoinHandle<()>,
}

/// Holds streams until `shutdown`; then stops them and lets their leases go.
pub async fn run_streams(services: StreamServices, mut shutdown: watch::Receiver<bool>) {
    if services.max_streams == 0 {
        return;
    }
    let lease = services.lease_secs.max(3) as f64;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(lease / 3.0));
    let mut running: HashMap<Uuid, Running> = HashMap::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
        running.retain(|_, r| !r.task.is_finished());
        let held = match services
            .db
            .renew_stream_leases(&services.worker_id, lease)
            .await
        {
            Ok(h) => h.into_iter().collect::<HashMap<_, _>>(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot renew stream leases; trying again");
                continue;
            }
        };
        let gone: Vec<Uuid> = running
            .iter()
            .filter(|(id, r)| held.get(id) != Some(&r.updated_at))
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            let r = running.remove(&id).expect("listed above");
            tracing::info!(stream = %id, "stream lost, disabled or changed: stopping it");
            stop(r).await;
            // changed settings: claimed again with the new ones; disabled: nobody reads it
            // (a no-op for a stream another worker took over)
            let _ = services.db.release_stream(&services.worker_id, id).await;
        }
        // leases of streams not running here (a thread that ended) are let go too
        for id in held.keys().filter(|id| !running.contains_key(id)) {
            let _ = services.db.release_stream(&services.worker_id, *id).await;
        }
        let room = services.max_streams.saturating_sub(running.len()) as i64;
        let claimed = match services
            .db
            .claim_streams(&services.worker_id, room, lease)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim streams; trying again");
                continue;
            }
        };
        for leased in claimed {
            let id = leased.stream.id;
            // a previous holder that died left its open events open
            let _ = services.db.close_stream_events(id).await;
            tracing::info!(stream = %id, name = %leased.stream.name, worker = %services.worker_id, "reading stream");
            running.insert(id, start(&services, leased));
        }
    }
    for (id, r) in running.drain() {
        stop(r).await;
        let _ = services.db.release_stream(&services.worker_id, id).await;
    }
}

async fn stop(r: Running) {
    r.flags.stop.store(true, Ordering::SeqCst);
    let _ = tokio::time::timeout(Duration::from_secs(10), r.task).await;
}

/// The URL FFmpeg opens: the stored one with the credentials put back.
pub fn url_with_credentials(url: &str, user: Option<&str>, password: Option<&str>) -> String {
    let Some(user) = user else {
        return url.to_string();
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // RFC 3986 userinfo: everything but the unreserved characters is escaped
    const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let enc = |s: &str| utf8_percent_encode(s, ESCAPED).to_string();
    match password {
        Some(p) => format!("{scheme}://{}:{}@{rest}", enc(user), enc(p)),
        None => format!("{scheme}://{}@{rest}", enc(user)),
    }
}

fn plan(leased: &LeasedStream, scratch: &std::path::Path, ffmpeg_rtsp: bool) -> StreamPlan {
    let s = &leased.stream;
    let services = s
        .services
        .iter()
        .filter_map(|name| Service::ALL.into_iter().find(|x| x.as_str() == name))
        .collect();
    StreamPlan {
        url: url_with_credentials(&s.url, s.username.as_deref(), leased.password.as_deref()),
        services,
        zones: s
            .zones
            .iter()
            .map(|z| Zone {
                name: z.name.clone(),
                points: z.points.clone(),
            })
            .collect(),
        pose_input: s.pose_input,
        reader: LiveOptions {
            // a 4K camera is read at 1280 wide: the pose model's input is smaller anyway
            max_width: 1280,
            native_rtsp: !ffmpeg_rtsp,
            ..LiveOptions::default()
        },
        health_every: Duration::from_secs(2),
        blur_faces: s.blur_faces,
        live_fps: 4.0,
        clips: clips::ClipPlan {
            dir: scratch.join(format!("stream-{}", s.id)),
            ..Default::default()
        },
        clock_barcode: false,
    }
}

fn start(services: &StreamServices, leased: LeasedStream) -> Running {
    let id = leased.stream.id;
    let flags = Arc::new(Flags::default());
    let (tx, rx) = mpsc::unbounded_channel();
    let plan = plan(&leased, &services.scratch, services.ffmpeg_rtsp);
    let (runtime, catalog, f) = (services.runtime, services.catalog.clone(), flags.clone());
    let thread = std::thread::Builder::new()
        .name(format!("stream-{}", &id.to_string()[..8]))
        .spawn(move || pipeline::run(plan, runtime, catalog, f, tx));
    let task = match thread {
        Ok(_) => tokio::spawn(report(services.clone(), id, rx, flags.clone())),
        Err(e) => {
            tracing::error!(stream = %id, error = %e, "cannot start a thread for the stream");
            tokio::spawn(async {})
        }
    };
    Running {
        updated_at: leased.stream.updated_at,
        flags,
        task,
    }
}

/// Writes a stream's updates to the database until its thread ends or the lease is lost.
async fn report(
    services: StreamServices,
    stream: Uuid,
    mut updates: mpsc::UnboundedReceiver<Update>,
    flags: Arc<Flags>,
) {
    // the rows of the stream's events, kept until their clip is stored
    let mut stored: HashMap<EventKey, Uuid> = HashMap::new();
    while let Some(update) = updates.recv().await {
        match update {
            Update::Health(h) => {
                match services
                    .db
                    .set_stream_health(&services.worker_id, stream, &h)
                    .await
                {
                    Ok(true) => {
                        // publish the live view only while somebody watches
                        let watched = services.db.stream_watched(stream).await.unwrap_or(false);
                        flags.watched.store(watched, Ordering::Relaxed);
                    }
                    Ok(false) => {
                        tracing::info!(%stream, "the stream's lease is gone: stopping it");
                        break;
                    }
                    Err(e) => tracing::warn!(%stream, error = %e, "cannot write stream health"),
                }
            }
            Update::Event {
                key,
                service,
                event,
                ongoing,
                picture,
            } => {
                let mut thumbnail = None;
                if let Some(jpeg) = picture {
                    let object = format!("streams/{stream}/events/{}.jpg", Uuid::new_v4());
                    match services.storage.put(&object, jpeg).await {
                        Ok(()) => thumbnail = Some(object),
                        Err(e) => {
                            tracing::warn!(%stream, error = %e, "cannot store an event picture")
                        }
                    }
                }
                let row = crate::runner::new_event(None, service, &event, thumbnail);
                let earlier = stored.get(&key).copied();
                match services
                    .db
                    .save_stream_event(stream, earlier, &row, ongoing)
                    .await
                {
                    Ok(id) => {
                        stored.insert(key, id);
                    }
                    Err(e) => tracing::warn!(%stream, error = %e, "cannot store a live event"),
                }
                if stored.len() > 1000 {
                    stored.clear(); // clips of very old events are not attached
                }
            }
            Update::Clip { key, path } => {
                if let Some(id) = stored.remove(&key) {
                    let object = format!("streams/{stream}/events/{id}.mp4");
                    let put = match tokio::fs::read(&path).await {
                        Ok(bytes) => services
                            .storage
                            .put(&object, bytes)
                            .await
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    match put {
                        Ok(()) => {
                            if let Err(e) = services.db.set_event_clip(id, &object).await {
                                tracing::warn!(%stream, error = %e, "cannot record an event clip");
                            }
                        }
                        Err(e) => tracing::warn!(%stream, error = %e, "cannot store an event clip"),
                    }
                }
                let _ = tokio::fs::remove_file(&path).await;
            }
            Update::LiveFrame { jpeg, overlay } => {
                if let Err(e) = services
                    .db
                    .publish_live_frame(stream, &jpeg, &overlay)
                    .await
                {
                    tracing::warn!(%stream, error = %e, "cannot publish a live frame");
                }
            }
            // only benchmarks' cameras burn their clock in
            Update::Upstream { .. } => {}
            Update::Failed(why) => {
                tracing::error!(%stream, error = %why, "stream stopped");
                let h = api::StreamHealth {
                    state: "offline".into(),
                    last_error: Some(why),
                    updated_at: Some(Utc::now()),
                    ..Default::default()
                };
                let _ = services
                    .db
                    .set_stream_health(&services.worker_id, stream, &h)
                    .await;
                break;
            }
        }
    }
    flags.stop.store(true, Ordering::SeqCst);
    // events still open when reading stops are closed as they stand
    if let Err(e) = services.db.close_stream_events(stream).await {
        tracing::warn!(%stream, error = %e, "cannot close the stream's open events");
    }
}

#[cfg(test)]
mod tests {
    use super::url_with_credentials;

    #[test]
    fn credentials_go_back_into_the_url_encoded() {
        assert_eq!(
            url_with_credentials("rtsp://cam:554/s", Some("admin"), Some("p@ss:w/rd")),
            "rtsp://admin:p%40ss%3Aw%2Frd@cam:554/s"
        );
        assert_eq!(
            url_with_credentials("rtsp://cam/s", None, None),
            "rtsp://cam/s"
        );
        assert_eq!(
            url_with_credentials("rtsp://cam/s", Some("u"), None),
            "rtsp://u@cam/s"
        );
    }
}
