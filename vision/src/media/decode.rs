//! Decoding: packets → frames → RGB images, one frame at a time.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use ffmpeg_next::codec::{self, threading};
use ffmpeg_next::format::{Pixel, context::Input};
use ffmpeg_next::{Error as FfError, Packet, decoder, frame};
use image::RgbImage;

use super::convert::Converter;
use super::probe::{VideoInfo, probe, rational};
use super::{MediaError, init};

/// One decoded frame.
#[derive(Clone)]
pub struct Frame {
    /// 0-based, in decoding (display) order.
    pub number: u64,
    /// Seconds since the stream's first frame, from the frame's own timestamp (variable frame rate
    /// is preserved).
    pub timestamp: f64,
    /// Presentation timestamp in the stream's time base (what an encoder reuses).
    pub pts: Option<i64>,
    pub image: RgbImage,
}

/// Reads one video stream of any input FFmpeg opens: a path or a URL (rtsp://, http://).
pub struct VideoReader {
    source: String,
    input: Input,
    stream_index: usize,
    decoder: decoder::Video,
    scaler: Option<Converter>,
    decoded: frame::Video,
    rgb: frame::Video,
    time_base: f64,
    start_pts: Option<i64>,
    frame_interval: f64,
    next_number: u64,
    last_timestamp: f64,
    eof_sent: bool,
    finished: bool,
    /// Files: the frame count their header announces (truncation check). Streams: none.
    expected_frames: Option<u64>,
    info: VideoInfo,
}

pub(crate) fn open_input(source: &str) -> Result<Input, MediaError> {
    init();
    let is_url = source.contains("://");
    if !is_url {
        match std::fs::metadata(source) {
            Ok(m) if m.len() == 0 => {
                return Err(MediaError::Empty {
                    source_name: source.into(),
                });
            }
            Ok(_) => {}
            Err(e) => {
                return Err(MediaError::Unreadable {
                    source_name: source.into(),
                    reason: e.to_string(),
                });
            }
        }
    }
    let mut options = ffmpeg_next::Dictionary::new();
    if source.starts_with("rtsp://") {
        options.set("rtsp_transport", "tcp");
        options.set("timeout", "10000000"); // µs: a dead camera is an error, not a hang
    }
    ffmpeg_next::format::input_with_dictionary(&source, options).map_err(|e| {
        MediaError::Unreadable {
            source_name: source.into(),
            reason: e.to_string(),
        }
    })
}

/// Whether files are decoded by the GPU's decoder (NVDEC) where there is one.
static HARDWARE_DECODING: AtomicBool = AtomicBool::new(false);
/// Said once per process: hardware decoding was asked for and is not available.
static HARDWARE_MISSING: Once = Once::new();

/// Decode with the GPU's video decoder (NVDEC through FFmpeg's `h264_cuvid`, `hevc_cuvid`, …)
/// when the codec has one and it opens; otherwise, and for other codecs, in software as before.
/// Set once at start-up by a worker whose models run on CUDA.
pub fn set_hardware_decoding(on: bool) {
    HARDWARE_DECODING.store(on, Ordering::Relaxed);
}

/// FFmpeg's NVDEC decoder for a codec.
fn hardware_decoder_name(id: codec::Id) -> Option<&'static str> {
    Some(match id {
        codec::Id::H264 => "h264_cuvid",
        codec::Id::HEVC => "hevc_cuvid",
        codec::Id::AV1 => "av1_cuvid",
        codec::Id::VP9 => "vp9_cuvid",
        codec::Id::MPEG4 => "mpeg4_cuvid",
        _ => return None,
    })
}

/// The stream's decoder: NVDEC when asked for and it opens, else FFmpeg's software decoder
/// with frame threads (up to 8, at least 2).
fn open_decoder(parameters: codec::Parameters, source: &str) -> Result<decoder::Video, MediaError> {
    let context = || {
        codec::context::Context::from_parameters(parameters.clone()).map_err(|e| {
            MediaError::Unreadable {
                source_name: source.into(),
                reason: e.to_string(),
            }
        })
    };
    if HARDWARE_DECODING.load(Ordering::Relaxed) {
        let hardware = hardware_decoder_name(parameters.id()).and_then(decoder::find_by_name);
        if let Some(codec) = hardware {
            match context()?.decoder().open_as(codec).and_then(|d| d.video()) {
                Ok(d) => return Ok(d),
                Err(e) => HARDWARE_MISSING.call_once(|| {
                    tracing::warn!(decoder = codec.name(), error = %e, "hardware decoding is not available here; decoding in software")
                }),
            }
        }
    }
    let mut context = context()?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    context.set_threading(threading::Config {
        kind: threading::Type::Frame,
        count: threads,
        ..Default::default()
    });
    context
        .decoder()
        .video()
        .map_err(|e| MediaError::UnsupportedCodec {
            source_name: source.into(),
            reason: e.to_string(),
        })
}

impl VideoReader {
    pub fn open(source: &str) -> Result<Self, MediaError> {
        let info = probe(source)?;
        let input = open_input(source)?;
        let stream = input
            .streams()
            .best(ffmpeg_next::media::Type::Video)
            .ok_or_else(|| MediaError::NoVideo {
                source_name: source.into(),
            })?;
        let stream_index = stream.index();
        let time_base = rational(stream.time_base()).unwrap_or(1.0 / 90_000.0);
        let fps = if info.fps > 0.0 { info.fps } else { 25.0 };
        let decoder = open_decoder(stream.parameters(), source)?;
        let is_file = !source.contains("://");
        let expected_frames = (is_file && stream.frames() > 0).then_some(stream.frames() as u64);
        Ok(Self {
            source: source.into(),
            input,
            stream_index,
            decoder,
            scaler: None,
            decoded: frame::Video::empty(),
            rgb: frame::Video::empty(),
            time_base,
            start_pts: None,
            frame_interval: 1.0 / fps,
            next_number: 0,
            last_timestamp: -1.0 / fps,
            eof_sent: false,
            finished: false,
            expected_frames,
            info,
        })
    }

    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The next frame, `None` at the end, or an error saying what is wrong with the input.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, MediaError> {
        if self.finished {
            return Ok(None);
        }
        loop {
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) => return self.convert().map(Some),
                Err(FfError::Eof) => {
                    self.finished = true;
                    return self.check_complete().map(|()| None);
                }
                Err(FfError::Other { errno }) if errno == ffmpeg_next::util::error::EAGAIN => {}
                Err(e) => return Err(self.corrupt(e)),
            }
            if self.eof_sent {
                self.finished = true;
                return self.check_complete().map(|()| None);
            }
            let mut packet = Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.stream_index => {
                    match self.decoder.send_packet(&packet) {
                        Ok(()) => {}
                        // A damaged packet: the decoder conceals it; a whole file of them fails below.
                        Err(FfError::InvalidData) => {
                            tracing::debug!(source = %self.source, "skipped an undecodable packet")
                        }
                        Err(e) => return Err(self.corrupt(e)),
                    }
                }
                Ok(()) => {}
                Err(FfError::Eof) => {
                    self.decoder.send_eof().map_err(|e| self.corrupt(e))?;
                    self.eof_sent = true;
                }
                Err(e) => return Err(self.corrupt(e)),
            }
        }
    }

    fn corrupt(&self, e: FfError) -> MediaError {
        MediaError::Corrupt {
            source_name: self.source.clone(),
            frame: self.next_number,
            reason: e.to_string(),
        }
    }

    fn check_complete(&self) -> Result<(), MediaError> {
        if self.next_number == 0 {
            return Err(MediaError::Corrupt {
                source_name: self.source.clone(),
                frame: 0,
                reason: "no frame could be decoded".into(),
            });
        }
        if let Some(expected) = self.expected_frames {
            let tolerance = (expected / 100).max(2);
            if self.next_number + tolerance < expected {
                return Err(MediaError::Truncated {
                    source_name: self.source.clone(),
                    decoded: self.next_number,
                    expected,
                });
            }
        }
        Ok(())
    }

    fn convert(&mut self) -> Result<Frame, MediaError> {
        let (w, h, format) = (
            self.decoded.width(),
            self.decoded.height(),
            self.decoded.format(),
        );
        if !self.scaler.as_ref().is_some_and(|s| s.takes(format, w, h)) {
            let scaler = Converter::new((format, w, h), (Pixel::RGB24, w, h), 0)
                .map_err(|e| self.corrupt(e))?;
            self.scaler = Some(scaler);
        }
        let scaler = self.scaler.as_mut().expect("set above");
        scaler
            .run(&self.decoded, &mut self.rgb)
            .map_err(|e| MediaError::Corrupt {
                source_name: self.source.clone(),
                frame: self.next_number,
                reason: e.to_string(),
            })?;
        let image = copy_rgb(&self.rgb, w, h);
        let pts = self.decoded.timestamp();
        let timestamp = match pts {
            Some(p) => {
                let start = *self.start_pts.get_or_insert(p);
                (p - start) as f64 * self.time_base
            }
            None => self.last_timestamp + self.frame_interval,
        };
        self.last_timestamp = timestamp;
        let number = self.next_number;
        self.next_number += 1;
        Ok(Frame {
            number,
            timestamp,
            pts,
            image,
        })
    }
}

impl Iterator for VideoReader {
    type Item = Result<Frame, MediaError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().transpose()
    }
}

/// The RGB plane without its row padding.
pub(super) fn copy_rgb(rgb: &frame::Video, w: u32, h: u32) -> RgbImage {
    let stride = rgb.stride(0);
    let data = rgb.data(0);
    let row = w as usize * 3;
    let mut out = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        out.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    RgbImage::from_raw(w, h, out).expect("buffer has w*h*3 bytes")
}
