//! A live source that cannot hang: a camera URL (RTSP, RTMP, SRT, HTTP/HLS) or, for demos, a
//! file played at its own pace in a loop. A thread reads and decodes; the consumer takes the
//! newest frame. When the consumer is slower than the camera, older frames are dropped and
//! counted — latency never grows. Every blocking FFmpeg call runs under a deadline (an interrupt
//! callback plus the protocol's own I/O timeout), so a stalled server or a camera that stops
//! sending ends the read in `read_timeout`, and the reader reconnects with backoff and jitter.
//! Decoding is low-delay (one thread, `AV_CODEC_FLAG_LOW_DELAY`), and frames before the first
//! keyframe of a connection are dropped (joining mid-GOP decodes garbage).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use ffmpeg_next::format::{Pixel, context::Input};
use ffmpeg_next::software::scaling::{Context as Scaler, Flags};
use ffmpeg_next::util::error::{EACCES, ENOENT};
use ffmpeg_next::{Error as FfError, Packet, codec, decoder, frame};
use serde::{Deserialize, Serialize};

use super::decode::copy_rgb;
use super::rtsp::{RtspError, RtspSource};
use super::{Frame, init};

/// Where a live source stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    /// Opening it the first time.
    Connecting,
    /// Frames are arriving.
    Live,
    /// It was lost (or never opened) and is tried again on the fast part of the backoff.
    Reconnecting,
    /// It keeps failing, or it refused us (bad address, wrong credentials): tried again only at
    /// the slow end of the backoff. `last_error` says why.
    Offline,
}

impl LiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
        }
    }
}

/// How a live source is read.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The longest any single open or read may block (stalled server, silent camera).
    pub read_timeout: Duration,
    /// Waits before each reconnect attempt; the last one repeats. Reset after `stable_after` of
    /// frames.
    pub backoff: Vec<Duration>,
    /// ± this fraction of randomness on each wait, so many readers do not reconnect in step.
    pub jitter: f64,
    /// A connection that delivered frames this long counts as healthy: the backoff starts over.
    pub stable_after: Duration,
    /// Frames wider than this are scaled down while converting (0 = as they come).
    pub max_width: u32,
    /// Read `rtsp://` H.264 cameras with retina, which hands over each picture when its last
    /// RTP packet arrives; FFmpeg's RTSP holds a picture until the next one starts (its H.264
    /// parser cannot tell the end otherwise). Off: FFmpeg for every source.
    pub native_rtsp: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        let s = Duration::from_secs;
        Self {
            read_timeout: s(5),
            backoff: vec![s(1), s(1), s(1), s(1), s(1), s(5), s(10), s(60)],
            jitter: 0.2,
            stable_after: s(10),
            max_width: 0,
            native_rtsp: true,
        }
    }
}

/// One frame of a live source.
pub struct LiveFrame {
    /// `number` counts every frame decoded since the reader started (across reconnects);
    /// `timestamp` is seconds since the reader started, from the local clock at decoding.
    pub frame: Frame,
    /// When the frame was decoded (wall clock): the start of its frame → result latency.
    pub decoded_at: SystemTime,
}

/// The reader's health, as the API and `/metrics` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveHealth {
    pub state: LiveState,
    /// Frames per second arriving from the source (last 5 s).
    pub input_fps: f64,
    /// Frames decoded since the reader started.
    pub frames: u64,
    /// Frames replaced by a newer one before the consumer took them.
    pub dropped: u64,
    pub reconnects_last_hour: u32,
    pub last_frame_at: Option<SystemTime>,
    /// Why the last connection failed or ended, in words.
    pub last_error: Option<String>,
    pub width: u32,
    pub height: u32,
}

struct Counters {
    state: LiveState,
    arrivals: VecDeque<Instant>,
    frames: u64,
    dropped: u64,
    reconnects: VecDeque<Instant>,
    last_frame_at: Option<SystemTime>,
    last_error: Option<String>,
    size: (u32, u32),
}

struct Shared {
    slot: Mutex<Option<LiveFrame>>,
    ready: Condvar,
    counters: Mutex<Counters>,
    stop: AtomicBool,
    /// Milliseconds since `epoch` after which the current FFmpeg call is interrupted.
    deadline_ms: AtomicU64,
    epoch: Instant,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
    fn arm(&self, timeout: Duration) {
        self.deadline_ms
            .store(self.now_ms() + timeout.as_millis() as u64, Ordering::SeqCst);
    }
    fn set_state(&self, state: LiveState, error: Option<String>) {
        let mut c = self.counters.lock().expect("counters");
        c.state = state;
        if error.is_some() {
            c.last_error = error;
        }
    }
}

/// Reads a live source on its own thread until dropped.
pub struct LiveReader {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    source: String,
}

impl LiveReader {
    /// Starts reading `source` (a URL, or a file path played in a loop at its own pace).
    pub fn start(source: &str, options: LiveOptions) -> Self {
        init();
        let shared = Arc::new(Shared {
            slot: Mutex::new(None),
            ready: Condvar::new(),
            counters: Mutex::new(Counters {
                state: LiveState::Connecting,
                arrivals: VecDeque::new(),
                frames: 0,
                dropped: 0,
                reconnects: VecDeque::new(),
                last_frame_at: None,
                last_error: None,
                size: (0, 0),
            }),
            stop: AtomicBool::new(false),
            deadline_ms: AtomicU64::new(u64::MAX),
            epoch: Instant::now(),
        });
        let (s, src) = (shared.clone(), source.to_string());
        let thread = std::thread::Builder::new()
            .name("live-reader".into())
            .spawn(move || read_forever(&s, &src, &options))
            .expect("spawning a thread");
        Self {
            shared,
            thread: Some(thread),
            source: source.into(),
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The newest frame not taken yet, waiting up to `wait` for one.
    pub fn latest(&self, wait: Duration) -> Option<LiveFrame> {
        let slot = self.shared.slot.lock().expect("slot");
        let (mut slot, _) = self
            .shared
            .ready
            .wait_timeout_while(slot, wait, |s| s.is_none())
            .expect("slot");
        slot.take()
    }

    pub fn health(&self) -> LiveHealth {
        let mut c = self.shared.counters.lock().expect("counters");
        let now = Instant::now();
        while c
            .arrivals
            .front()
            .is_some_and(|t| now - *t > Duration::from_secs(5))
        {
            c.arrivals.pop_front();
        }
        while c
            .reconnects
            .front()
            .is_some_and(|t| now - *t > Duration::from_secs(3600))
        {
            c.reconnects.pop_front();
        }
        let input_fps = match (c.arrivals.front(), c.arrivals.back()) {
            (Some(a), Some(b)) if c.arrivals.len() > 1 && *b > *a => {
                (c.arrivals.len() - 1) as f64 / (*b - *a).as_secs_f64()
            }
            _ => 0.0,
        };
        LiveHealth {
            state: c.state,
            input_fps,
            frames: c.frames,
            dropped: c.dropped,
            reconnects_last_hour: c.reconnects.len() as u32,
            last_frame_at: c.last_frame_at,
            last_error: c.last_error.clone(),
            width: c.size.0,
            height: c.size.1,
        }
    }
}

impl Drop for LiveReader {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How one connection ended.
enum Ended {
    Stopped,
    /// Worth retrying soon (a drop, a timeout, a restart).
    Lost(String),
    /// The source refused us or does not exist: retry only slowly.
    Refused(String),
}

fn read_forever(shared: &Arc<Shared>, source: &str, options: &LiveOptions) {
    let mut attempt = 0usize;
    let mut numbering = Numbering {
        next: 0,
        epoch: Instant::now(),
    };
    loop {
        let started = Instant::now();
        let ended = read_connection(shared, source, options, &mut numbering);
        let (error, refused) = match ended {
            Ended::Stopped => return,
            Ended::Lost(e) => (e, false),
            Ended::Refused(e) => (e, true),
        };
        let was_stable = {
            let c = shared.counters.lock().expect("counters");
            c.last_frame_at.is_some() && started.elapsed() >= options.stable_after
        };
        if was_stable {
            attempt = 0;
        }
        let steps = options.backoff.len().max(1);
        let step = if refused {
            steps - 1
        } else {
            attempt.min(steps - 1)
        };
        let base = options
            .backoff
            .get(step)
            .copied()
            .unwrap_or(Duration::from_secs(1));
        let slow = step + 1 >= steps && steps > 1;
        let state = if refused || slow {
            LiveState::Offline
        } else {
            LiveState::Reconnecting
        };
        tracing::warn!(%source, error = %error, retry_in = ?base, state = state.as_str(), "live source lost");
        shared.set_state(state, Some(error));
        attempt += 1;
        let factor = 1.0 + options.jitter * (fastrand::f64() * 2.0 - 1.0);
        let wait = base.mul_f64(factor.max(0.0));
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
        }
        shared
            .counters
            .lock()
            .expect("counters")
            .reconnects
            .push_back(Instant::now());
    }
}

struct Numbering {
    next: u64,
    epoch: Instant,
}

fn is_url(source: &str) -> bool {
    source.contains("://") && !source.starts_with("file://")
}

fn open(shared: &Arc<Shared>, source: &str, options: &LiveOptions) -> Result<Input, FfError> {
    let path = source.strip_prefix("file://").unwrap_or(source);
    let mut dict = ffmpeg_next::Dictionary::new();
    let micros = options.read_timeout.as_micros().to_string();
    if source.starts_with("rtsp://") {
        dict.set("rtsp_transport", "tcp");
        dict.set("timeout", &micros);
    } else if is_url(source) {
        dict.set("rw_timeout", &micros);
    }
    if is_url(source) {
        dict.set("fflags", "nobuffer");
        dict.set("analyzeduration", "1000000");
        dict.set("probesize", "1000000");
    }
    shared.arm(options.read_timeout * 2);
    let s = Arc::downgrade(shared);
    ffmpeg_next::format::input_with_interrupt_and_dictionary(
        &path,
        move || match s.upgrade() {
            Some(s) => {
                s.stop.load(Ordering::SeqCst) || s.now_ms() > s.deadline_ms.load(Ordering::SeqCst)
            }
            None => true,
        },
        dict,
    )
}

/// Errors that another attempt a second later will not fix.
fn refused(e: &FfError) -> bool {
    matches!(
        e,
        FfError::HttpUnauthorized
            | FfError::HttpForbidden
            | FfError::HttpNotFound
            | FfError::ProtocolNotFound
            | FfError::InvalidData
    ) || matches!(e, FfError::Other { errno } if *errno == ENOENT || *errno == EACCES)
}

fn describe(source: &str, e: &FfError) -> String {
    let hint = match e {
        FfError::HttpUnauthorized => ": wrong user name or password",
        FfError::HttpForbidden => ": the source refuses this client",
        FfError::HttpNotFound => ": no such stream at this address (check the path)",
        FfError::ProtocolNotFound => ": this FFmpeg cannot read that kind of URL",
        FfError::Exit | FfError::Other { errno: 4 } => ": no answer within the read timeout",
        _ => "",
    };
    format!("{}: {e}{hint}", redact(source))
}

/// The URL without its password, for logs and messages.
pub fn redact(source: &str) -> String {
    match source.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((creds, host)) if !creds.contains('/') => {
                let user = creds.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            _ => source.to_string(),
        },
        None => source.to_string(),
    }
}

/// Where a connection's encoded pictures come from.
enum Packets {
    /// FFmpeg's demuxer: files, RTMP, SRT, HTTP/HLS, RTSP that is not H.264.
    Demuxer { input: Input, index: usize },
    /// RTSP/H.264 through retina: each picture as soon as its last RTP packet arrived.
    Rtsp(RtspSource),
}

/// What the next read gave.
enum Next {
    Packet(Packet),
    /// A packet of another stream (audio).
    Skip,
    /// A demo file started again from the start.
    Rewound,
}

impl Packets {
    fn next(
        &mut self,
        shared: &Shared,
        options: &LiveOptions,
        source: &str,
    ) -> Result<Next, Ended> {
        match self {
            Self::Demuxer { input, index } => {
                let mut packet = Packet::empty();
                shared.arm(options.read_timeout);
                match packet.read(input) {
                    Ok(()) if packet.stream() == *index => Ok(Next::Packet(packet)),
                    Ok(()) => Ok(Next::Skip),
                    Err(FfError::Eof) if !is_url(source) => {
                        // a demo file plays again from the start
                        input.seek(0, ..).map_err(|_| {
                            Ended::Lost(format!("{}: cannot loop the file", redact(source)))
                        })?;
                        Ok(Next::Rewound)
                    }
                    Err(FfError::Eof) => Err(Ended::Lost(format!(
                        "{}: the source ended the stream",
                        redact(source)
                    ))),
                    Err(_) if shared.stop.load(Ordering::SeqCst) => Err(Ended::Stopped),
                    Err(e) => Err(Ended::Lost(describe(source, &e))),
                }
            }
            Self::Rtsp(rtsp) => {
                let picture = rtsp.next(&shared.stop).map_err(|e| rtsp_ended(source, e))?;
                let mut packet = Packet::copy(&picture.data);
                packet.set_pts(Some(picture.pts));
                packet.set_dts(Some(picture.pts));
                if picture.keyframe {
                    packet.set_flags(ffmpeg_next::packet::Flags::KEY);
                }
                Ok(Next::Packet(packet))
            }
        }
    }
}

fn rtsp_ended(source: &str, e: RtspError) -> Ended {
    match e {
        RtspError::Stopped => Ended::Stopped,
        RtspError::Refused(e) | RtspError::NotH264(e) => {
            Ended::Refused(format!("{}: {e}", redact(source)))
        }
        RtspError::Lost(e) => Ended::Lost(format!("{}: {e}", redact(source))),
    }
}

/// Opens the source: RTSP through retina when `options.native_rtsp` and the camera sends H.264,
/// FFmpeg otherwise. Returns the packets, their decoder and their time base.
fn connect(
    shared: &Arc<Shared>,
    source: &str,
    options: &LiveOptions,
) -> Result<(Packets, decoder::Video, f64), Ended> {
    if options.native_rtsp && source.starts_with("rtsp://") {
        match RtspSource::open(source, options.read_timeout, &shared.stop) {
            Ok(rtsp) => {
                let decoder = h264_decoder()
                    .map_err(|e| Ended::Refused(format!("{}: {e}", redact(source))))?;
                // RTP's H.264 clock
                return Ok((Packets::Rtsp(rtsp), decoder, 1.0 / 90_000.0));
            }
            Err(RtspError::NotH264(codec)) => {
                tracing::info!(source = %redact(source), %codec, "not H.264: reading it with FFmpeg's RTSP");
            }
            Err(e) => return Err(rtsp_ended(source, e)),
        }
    }
    let input = match open(shared, source, options) {
        Ok(i) => i,
        Err(_) if shared.stop.load(Ordering::SeqCst) => return Err(Ended::Stopped),
        Err(e) if refused(&e) => return Err(Ended::Refused(describe(source, &e))),
        Err(e) => return Err(Ended::Lost(describe(source, &e))),
    };
    let Some(stream) = input.streams().best(ffmpeg_next::media::Type::Video) else {
        return Err(Ended::Refused(format!(
            "{}: has no video stream",
            redact(source)
        )));
    };
    let index = stream.index();
    let time_base = super::probe::rational(stream.time_base()).unwrap_or(1.0 / 90_000.0);
    let decoder =
        open_decoder(&stream).map_err(|e| Ended::Refused(format!("{}: {e}", redact(source))))?;
    Ok((Packets::Demuxer { input, index }, decoder, time_base))
}

fn read_connection(
    shared: &Arc<Shared>,
    source: &str,
    options: &LiveOptions,
    numbering: &mut Numbering,
) -> Ended {
    let (mut packets, mut decoder, time_base) = match connect(shared, source, options) {
        Ok(c) => c,
        Err(ended) => return ended,
    };
    let paced = !is_url(source);
    let mut pacing: Option<(Instant, f64)> = None;
    let mut scaler: Option<(Scaler, Pixel, u32, u32)> = None;
    let (mut decoded, mut rgb) = (frame::Video::empty(), frame::Video::empty());
    let mut seen_key = false;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return Ended::Stopped;
        }
        let packet = match packets.next(shared, options, source) {
            Ok(Next::Packet(p)) => p,
            Ok(Next::Skip) => continue,
            Ok(Next::Rewound) => {
                pacing = None;
                decoder.flush();
                seen_key = false;
                continue;
            }
            Err(ended) => return ended,
        };
        seen_key |= packet.is_key();
        if !seen_key {
            continue; // mid-GOP: would decode garbage
        }
        if decoder.send_packet(&packet).is_err() {
            continue; // a damaged packet: the decoder conceals it
        }
        while decoder.receive_frame(&mut decoded).is_ok() {
            if paced {
                if let Some(pts) = decoded.timestamp() {
                    let t = pts as f64 * time_base;
                    let (t0, p0) = *pacing.get_or_insert((Instant::now(), t));
                    let due = t0 + Duration::from_secs_f64((t - p0).max(0.0));
                    while Instant::now() < due {
                        if shared.stop.load(Ordering::SeqCst) {
                            return Ended::Stopped;
                        }
                        std::thread::sleep((due - Instant::now()).min(Duration::from_millis(50)));
                    }
                }
            }
            let image = match convert(&decoded, &mut rgb, &mut scaler, options.max_width) {
                Ok(i) => i,
                Err(e) => return Ended::Refused(format!("{}: {e}", redact(source))),
            };
            let now = Instant::now();
            let live = LiveFrame {
                frame: Frame {
                    number: numbering.next,
                    timestamp: (now - numbering.epoch).as_secs_f64(),
                    pts: decoded.timestamp(),
                    image,
                },
                decoded_at: SystemTime::now(),
            };
            numbering.next += 1;
            publish(shared, live, now);
        }
    }
}

fn open_decoder(stream: &ffmpeg_next::format::stream::Stream) -> Result<decoder::Video, FfError> {
    let mut context = codec::context::Context::from_parameters(stream.parameters())?;
    low_delay(&mut context);
    context.decoder().video()
}

/// An H.264 decoder for Annex B pictures that carry their own parameter sets.
fn h264_decoder() -> Result<decoder::Video, FfError> {
    let codec = decoder::find(codec::Id::H264).ok_or(FfError::DecoderNotFound)?;
    let mut context = codec::context::Context::new_with_codec(codec);
    low_delay(&mut context);
    context.decoder().video()
}

fn low_delay(context: &mut codec::context::Context) {
    // frame threading holds frames back (80–120 ms measured); one thread and low delay do not
    context.set_threading(codec::threading::Config {
        kind: codec::threading::Type::Slice,
        count: 1,
        ..Default::default()
    });
    context.set_flags(codec::Flags::LOW_DELAY);
}

fn convert(
    decoded: &frame::Video,
    rgb: &mut frame::Video,
    scaler: &mut Option<(Scaler, Pixel, u32, u32)>,
    max_width: u32,
) -> Result<image::RgbImage, FfError> {
    let (w, h, format) = (decoded.width(), decoded.height(), decoded.format());
    let (ow, oh) = if max_width > 0 && w > max_width {
        (
            max_width,
            ((h as u64 * max_width as u64 / w as u64) as u32).max(2) & !1,
        )
    } else {
        (w, h)
    };
    if !matches!(scaler, Some((_, f, sw, sh)) if *f == format && *sw == w && *sh == h) {
        *scaler = Some((
            Scaler::get(format, w, h, Pixel::RGB24, ow, oh, Flags::BILINEAR)?,
            format,
            w,
            h,
        ));
    }
    let (s, ..) = scaler.as_mut().expect("set above");
    s.run(decoded, rgb)?;
    Ok(copy_rgb(rgb, ow, oh))
}

fn publish(shared: &Shared, live: LiveFrame, now: Instant) {
    let size = live.frame.image.dimensions();
    let replaced = shared.slot.lock().expect("slot").replace(live).is_some();
    shared.ready.notify_one();
    let mut c = shared.counters.lock().expect("counters");
    c.state = LiveState::Live;
    c.frames += 1;
    c.dropped += replaced as u64;
    c.arrivals.push_back(now);
    while c.arrivals.len() > 600 {
        c.arrivals.pop_front();
    }
    c.last_frame_at = Some(SystemTime::now());
    c.size = size;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("rtsp://admin:s3cret@cam.local:554/live"),
            "rtsp://admin:***@cam.local:554/live"
        );
        assert_eq!(redact("rtsp://cam.local/live"), "rtsp://cam.local/live");
        assert_eq!(redact("/videos/a@b.mp4"), "/videos/a@b.mp4");
    }
}
