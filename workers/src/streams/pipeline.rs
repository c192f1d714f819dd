//! One stream's frame loop, on its own thread: the live reader's newest frame → poses → tracks →
//! the analyze job's event pipeline, frame by frame. What it finds and how it is doing goes out
//! as [`Update`]s; it stops when told to or when nobody listens any more.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::clips::{ClipPlan, ClipRecorder, FinishedClip};
use api::StreamHealth;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use vision::annotate::stages::{TrackFrame, TrackedPerson};
use vision::events::{EventPipeline, EventsConfig, Service, Zone};
use vision::media::{LiveOptions, LiveReader};
use vision::pipeline::{PoseConfig, PosePipeline};
use vision::render::{Layer, Mode, RenderConfig, Renderer, Results};
use vision::{Catalog, Runtime};

/// What a stream's thread reports.
#[derive(Debug)]
pub enum Update {
    Health(StreamHealth),
    /// An event opened (`ongoing`) or closed; `key` says which earlier one a close belongs to.
    Event {
        key: EventKey,
        service: Service,
        event: vision::events::Event,
        ongoing: bool,
        /// When it opens: a JPEG of the frame with the people involved boxed.
        picture: Option<Vec<u8>>,
    },
    /// An event's clip (pre-capture, the event, post-capture) is written.
    Clip {
        key: EventKey,
        path: std::path::PathBuf,
    },
    /// The newest frame drawn for the live view (only while somebody watches), and what is on it.
    LiveFrame {
        jpeg: Vec<u8>,
        overlay: serde_json::Value,
    },
    /// With a clock barcode: latency from the producer's clock to the decoded frame (the
    /// camera's, the network's and the decoder's share; the rest is ours), p50 and p99 in ms over
    /// the last 30 s. Sent with each health report.
    Upstream {
        p50_ms: f64,
        p99_ms: f64,
    },
    /// The thread ended with this error (a model that would not load).
    Failed(String),
}

/// Identifies one event of a stream across its open and close reports.
pub type EventKey = (Service, Vec<u64>, u64);

/// How a stream is read and analysed.
#[derive(Debug, Clone)]
pub struct StreamPlan {
    /// With credentials, as FFmpeg opens it.
    pub url: String,
    pub services: Vec<Service>,
    pub zones: Vec<Zone>,
    pub pose_input: u32,
    pub reader: LiveOptions,
    /// How often health goes out.
    pub health_every: Duration,
    /// Blur faces in the live view.
    pub blur_faces: bool,
    /// Live view frames a second at most (while watched).
    pub live_fps: f64,
    pub clips: ClipPlan,
    /// Benchmarks: the producer burned its wall clock into each frame as a barcode
    /// ([`read_clock_barcode`]); latency is then measured from that moment, not from decoding.
    pub clock_barcode: bool,
}

/// Bits of the clock barcode: milliseconds modulo 2^24 (wraps every 4.7 hours).
pub const BARCODE_BITS: u32 = 24;
/// Side of one barcode cell in pixels (a row of cells along the top-left edge).
pub const BARCODE_CELL: u32 = 16;

/// The producer's wall clock (ms modulo 2^24) from the row of black/white cells along the top
/// of the frame (`bench/streams.sh` draws it with FFmpeg's drawbox and `time(0)`).
pub fn read_clock_barcode(image: &image::RgbImage) -> Option<u32> {
    if image.width() < BARCODE_BITS * BARCODE_CELL || image.height() < BARCODE_CELL {
        return None;
    }
    let mut value = 0u32;
    for bit in 0..BARCODE_BITS {
        let p = image.get_pixel(bit * BARCODE_CELL + BARCODE_CELL / 2, BARCODE_CELL / 2);
        let luma = (p[0] as u32 * 3 + p[1] as u32 * 6 + p[2] as u32) / 10;
        if luma > 128 {
            value |= 1 << bit;
        }
    }
    Some(value)
}

/// Milliseconds from the clock `code` (ms modulo 2^24) to `now`; None when implausible.
fn since_clock(code: u32, now: SystemTime) -> Option<f64> {
    let now_ms = now.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_millis() as u64;
    let modulus = 1u64 << BARCODE_BITS;
    let delta = (now_ms % modulus + modulus - code as u64) % modulus;
    (delta < 60_000).then_some(delta as f64)
}

/// What a stream's thread shares with the task that reports for it.
#[derive(Default)]
pub struct Flags {
    /// Stop reading.
    pub stop: AtomicBool,
    /// Somebody watches the live view: publish drawn frames.
    pub watched: AtomicBool,
}

/// Frame → result latencies and processed frames over a trailing window.
struct Window {
    span: Duration,
    samples: VecDeque<(Instant, f64)>,
}

impl Window {
    fn push(&mut self, at: Instant, latency_ms: f64) {
        self.samples.push_back((at, latency_ms));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > self.span)
        {
            self.samples.pop_front();
        }
    }

    fn percentile(&self, q: f64) -> Option<f64> {
        if self.samples.is_empty() {
            return None;
        }
        let mut v: Vec<f64> = self.samples.iter().map(|(_, l)| *l).collect();
        v.sort_by(f64::total_cmp);
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        Some(v[i])
    }

    /// Results a second over the last 5 s.
    fn rate(&self, now: Instant) -> f64 {
        let recent = self
            .samples
            .iter()
            .filter(|(t, _)| now.duration_since(*t) <= Duration::from_secs(5))
            .count();
        recent as f64 / 5.0
    }
}

/// The live view: the same renderer as the visualize job (boxes, skeletons, ids, paths, the
/// statistics panel with the events going on), faces blurred when the stream says so, as JPEG.
struct LiveView {
    renderer: Renderer,
    /// Faces must be blurred and the face detector did not load: no frame may be shown.
    blind: bool,
    every: Duration,
    last: Option<Instant>,
}

impl LiveView {
    fn new(plan: &StreamPlan, runtime: &'static Runtime, catalog: &Catalog) -> Self {
        let mut layers_off = vec![Layer::Timeline];
        if !plan.blur_faces {
            layers_off.push(Layer::Anonymize);
        }
        let config = RenderConfig {
            mode: Mode::Full,
            layers_off,
            ..RenderConfig::default()
        };
        let mut renderer = Renderer::new(config, Results::default(), 0.0);
        let mut blind = false;
        if plan.blur_faces {
            match vision::render::faces::face_finder(runtime, catalog) {
                Ok(f) => renderer = renderer.with_face_finder(f),
                // privacy first: without the detector no frame is shown at all
                Err(e) => {
                    tracing::error!(error = %e, "face detector unavailable: the live view shows no frames");
                    blind = true;
                }
            }
        }
        Self {
            renderer,
            blind,
            every: Duration::from_secs_f64(1.0 / plan.live_fps.max(0.1)),
            last: None,
        }
    }

    fn push(
        &mut self,
        frame: &vision::media::Frame,
        (w, h): (u32, u32),
        out: vision::pipeline::PoseOutput,
    ) {
        let persons = out
            .poses
            .persons
            .into_iter()
            .zip(out.motion)
            .map(|(person, motion)| TrackedPerson { person, motion })
            .collect();
        self.renderer.push_frame(TrackFrame {
            frame_number: frame.number,
            timestamp: frame.timestamp,
            frame_shape: (h, w, 3),
            persons,
        });
    }

    fn due(&self) -> bool {
        self.last.is_none_or(|t| t.elapsed() >= self.every)
    }

    fn draw(
        &mut self,
        frame: &vision::media::Frame,
        picture: &image::RgbImage,
        open: &[(Service, vision::events::Event)],
        decoded_at: SystemTime,
        done: SystemTime,
    ) -> Result<(Vec<u8>, serde_json::Value), String> {
        self.last = Some(Instant::now());
        if self.blind {
            return Err("faces cannot be blurred (no face detector)".into());
        }
        self.renderer.set_events(open.to_vec());
        let mut image = picture.clone();
        self.renderer
            .draw(&mut image, frame.number, frame.timestamp)
            .map_err(|e| e.to_string())?;
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 75)
            .encode_image(&image)
            .map_err(|e| e.to_string())?;
        let ms = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64
        };
        let people: Vec<serde_json::Value> = self
            .renderer
            .results()
            .frames
            .last()
            .map(|f| {
                f.persons
                    .iter()
                    .map(|p| serde_json::json!({"track": p.person.track_id, "box": p.person.bbox}))
                    .collect()
            })
            .unwrap_or_default();
        let events: Vec<serde_json::Value> = open
            .iter()
            .map(|(s, e)| {
                serde_json::json!({"service": s.as_str(), "tracks": e.tracks,
                    "score": e.peak_score, "since": e.start_time})
            })
            .collect();
        let overlay = serde_json::json!({
            "frame": frame.number,
            "width": image.width(),
            "height": image.height(),
            "decoded_at_ms": ms(decoded_at),
            "result_at_ms": ms(done),
            "latency_ms": done.duration_since(decoded_at).unwrap_or_default().as_secs_f64() * 1000.0,
            "people": people,
            "events": events,
            "blurred_faces": self.renderer.blurred_regions(),
        });
        Ok((jpeg, overlay))
    }
}

/// The event's picture, as the analyze job makes them (boxed people, a caption).
fn peak_picture(
    image: &image::RgbImage,
    service: Service,
    event: &vision::events::Event,
) -> Option<Vec<u8>> {
    let picture = vision::events::snapshot::draw(image, service, event);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&picture)
        .ok()?;
    Some(jpeg)
}

fn utc(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

/// Runs until `stop` turns true or the receiver of `updates` is gone.
pub fn run(
    plan: StreamPlan,
    runtime: &'static Runtime,
    catalog: Catalog,
    flags: Arc<Flags>,
    updates: mpsc::UnboundedSender<Update>,
) {
    let stop = &flags.stop;
    // tracked as an analyze job tracks them: the same events from a camera as from its footage
    let pose_config = PoseConfig {
        input_size: plan.pose_input,
        ..PoseConfig::default()
    }
    .tracking_from(vision::events::TRACK_SCORE);
    let mut poses = match PosePipeline::new(runtime, &catalog, pose_config) {
        Ok(p) => p,
        Err(e) => {
            let _ = updates.send(Update::Failed(format!("the pose model: {e}")));
            return;
        }
    };
    let events_config = EventsConfig {
        services: plan.services.clone(),
        exclusion_zones: plan.zones.clone(),
        ..EventsConfig::default()
    };
    let mut events = EventPipeline::new(events_config);
    let mut view = LiveView::new(&plan, runtime, &catalog);
    let mut clips = ClipRecorder::new(plan.clips.clone());
    let send_clips = |done: Vec<Result<FinishedClip, String>>| {
        for c in done {
            match c {
                Ok(c) => {
                    let _ = updates.send(Update::Clip {
                        key: c.key,
                        path: c.path,
                    });
                }
                Err(e) => tracing::warn!(error = %e, "an event clip failed"),
            }
        }
    };
    let reader = LiveReader::start(&plan.url, plan.reader.clone());
    let mut window = Window {
        span: Duration::from_secs(30),
        samples: VecDeque::new(),
    };
    let mut upstream = Window {
        span: Duration::from_secs(30),
        samples: VecDeque::new(),
    };
    // Unix seconds of the reader's time 0, from the first frame
    let mut epoch: Option<f64> = None;
    let mut open: BTreeMap<EventKey, ()> = BTreeMap::new();
    let mut last_health = Instant::now() - plan.health_every;
    let mut people = 0u32;
    while !stop.load(Ordering::SeqCst) && !updates.is_closed() {
        if let Some(live) = reader.latest(Duration::from_millis(200)) {
            let unix = live
                .decoded_at
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            let base = *epoch.get_or_insert(unix - live.frame.timestamp);
            let mut frame = live.frame;
            frame.timestamp += base;
            let out = match poses.process(&frame) {
                Ok(o) => o,
                Err(e) => {
                    let _ = updates.send(Update::Failed(format!("pose estimation: {e}")));
                    return;
                }
            };
            let (w, h) = frame.image.dimensions();
            people = out.poses.persons.len() as u32;
            let produced = plan
                .clock_barcode
                .then(|| read_clock_barcode(&frame.image))
                .flatten();
            if let Some(ms) = produced.and_then(|code| since_clock(code, live.decoded_at)) {
                upstream.push(Instant::now(), ms);
            }
            let image = Arc::new(std::mem::take(&mut frame.image));
            send_clips(clips.push(frame.timestamp, image.clone()));
            // scorers without classifiers cannot fail
            let _ = events.push(frame.number, frame.timestamp, (w, h), &out.poses.persons);
            for (service, event) in events.open_events() {
                let key = (service, event.tracks.clone(), event.start_frame);
                if open.insert(key.clone(), ()).is_none() {
                    clips.open(key.clone(), frame.timestamp);
                    let picture = peak_picture(&image, service, &event);
                    let _ = updates.send(Update::Event {
                        key,
                        service,
                        event,
                        ongoing: true,
                        picture,
                    });
                }
            }
            for (service, event) in events.take_closed() {
                let key = (service, event.tracks.clone(), event.start_frame);
                open.remove(&key);
                clips.close(&key, frame.timestamp);
                let _ = updates.send(Update::Event {
                    key,
                    service,
                    event,
                    ongoing: false,
                    picture: None,
                });
            }
            let done = SystemTime::now();
            if flags.watched.load(Ordering::Relaxed) {
                view.push(&frame, (w, h), out);
                if view.due() {
                    let open = events.open_events();
                    match view.draw(&frame, &image, &open, live.decoded_at, done) {
                        Ok((jpeg, overlay)) => {
                            let _ = updates.send(Update::LiveFrame { jpeg, overlay });
                        }
                        Err(e) => tracing::warn!(error = %e, "cannot draw the live view"),
                    }
                }
            }
            let latency = match produced {
                Some(code) => since_clock(code, SystemTime::now()),
                None if plan.clock_barcode => None,
                None => Some(
                    done.duration_since(live.decoded_at)
                        .unwrap_or_default()
                        .as_secs_f64()
                        * 1000.0,
                ),
            };
            if let Some(latency) = latency {
                window.push(Instant::now(), latency);
            }
        }
        if last_health.elapsed() >= plan.health_every {
            last_health = Instant::now();
            let r = reader.health();
            let health = StreamHealth {
                state: r.state.as_str().into(),
                input_fps: r.input_fps,
                processed_fps: window.rate(Instant::now()),
                frames: r.frames,
                dropped: r.dropped,
                reconnects_last_hour: r.reconnects_last_hour,
                last_frame_at: r.last_frame_at.map(utc),
                latency_p50_ms: window.percentile(0.5),
                latency_p99_ms: window.percentile(0.99),
                people,
                last_error: r.last_error,
                width: r.width,
                height: r.height,
                updated_at: Some(Utc::now()),
            };
            if updates.send(Update::Health(health)).is_err() {
                return;
            }
            if let (Some(p50_ms), Some(p99_ms)) =
                (upstream.percentile(0.5), upstream.percentile(0.99))
            {
                let _ = updates.send(Update::Upstream { p50_ms, p99_ms });
            }
        }
    }
    send_clips(clips.finish_all());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_barcode_reads_back_and_wraps() {
        let mut image = image::RgbImage::new(640, 360);
        let code = 0b1011_0000_1111_0000_1010_0101u32;
        for bit in 0..BARCODE_BITS {
            let on = code >> bit & 1 == 1;
            for y in 0..BARCODE_CELL {
                for x in 0..BARCODE_CELL {
                    let v = if on { 235 } else { 16 };
                    image.put_pixel(bit * BARCODE_CELL + x, y, image::Rgb([v, v, v]));
                }
            }
        }
        assert_eq!(read_clock_barcode(&image), Some(code));
        assert_eq!(read_clock_barcode(&image::RgbImage::new(100, 100)), None);
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis((1 << 24) * 100 + 5);
        // 5 ms after the wrap, the clock said 2^24 − 40: 45 ms ago
        assert_eq!(since_clock((1 << 24) - 40, now), Some(45.0));
        assert_eq!(since_clock(3_000_000, now), None);
    }

    #[test]
    fn latency_percentiles_and_rate_cover_the_trailing_window() {
        let mut w = Window {
            span: Duration::from_secs(30),
            samples: VecDeque::new(),
        };
        assert_eq!(w.percentile(0.5), None);
        let t0 = Instant::now();
        for i in 0..100 {
            w.push(t0 + Duration::from_millis(i * 100), (i + 1) as f64);
        }
        assert_eq!(w.percentile(0.5), Some(51.0));
        assert_eq!(w.percentile(0.99), Some(99.0));
        // 10 results a second over the last 5 s
        let rate = w.rate(t0 + Duration::from_millis(9900));
        assert!((rate - 10.2).abs() < 0.01, "{rate}");
        // old samples leave the window
        w.push(t0 + Duration::from_secs(35), 500.0);
        assert_eq!(w.samples.len(), 51);
        assert_eq!(w.percentile(0.0), Some(51.0));
    }
}
