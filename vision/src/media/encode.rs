//! Encoding: RGB frames → H.264 (yuv420p) MP4 with `+faststart`, the source's audio copied in.
//!
//! Video is encoded to a temporary file next to the output; `finish` then remuxes it with the
//! source's audio into a second temporary file and renames that onto the output. A failure at any
//! point leaves no half-written output behind.

use std::path::{Path, PathBuf};

use ffmpeg_next::format::Pixel;
use ffmpeg_next::{Dictionary, Packet, Rational, codec, encoder, frame, media, picture};
use image::RgbImage;

use super::convert::Converter;
use super::decode::open_input;
use super::{MediaError, init};

/// The encoder's time base: 1/90000 s, fine enough for any frame rate.
const TIME_BASE: Rational = Rational(1, 90_000);

#[derive(Debug, Clone)]
pub struct EncodeOptions {
    /// x264 constant rate factor (lower = better and bigger); 23 is x264's default.
    pub crf: u8,
    /// x264 preset: speed versus size.
    pub preset: String,
    /// Copy the audio of this input into the output (when it has audio).
    pub audio_from: Option<String>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            crf: 23,
            preset: default_preset(),
            audio_from: None,
        }
    }
}

/// x264's presets, fastest first.
pub const PRESETS: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

/// The preset of `EncodeOptions::default()` for this process (None: veryfast).
static DEFAULT_PRESET: std::sync::RwLock<Option<String>> = std::sync::RwLock::new(None);

/// Sets the x264 preset videos are encoded with by default, once at start-up (a worker's
/// `encoder_preset`): on a GPU worker x264 on the CPU cores bounds a job (measured on the H200,
/// bench/RESULTS.md), and a faster preset trades file size for speed. Unknown names are refused.
pub fn set_default_preset(preset: &str) -> Result<(), String> {
    if !PRESETS.contains(&preset) {
        return Err(format!(
            "unknown x264 preset {preset:?}; choose one of {}",
            PRESETS.join(", ")
        ));
    }
    *DEFAULT_PRESET.write().expect("not poisoned") = Some(preset.to_string());
    Ok(())
}

fn default_preset() -> String {
    DEFAULT_PRESET
        .read()
        .expect("not poisoned")
        .clone()
        .unwrap_or_else(|| "veryfast".into())
}

pub struct VideoWriter {
    output: PathBuf,
    video_tmp: PathBuf,
    octx: ffmpeg_next::format::context::Output,
    encoder: encoder::Video,
    scaler: Converter,
    source: frame::Video,
    yuv: frame::Video,
    width: u32,
    height: u32,
    frame_ticks: i64,
    next_pts: i64,
    frames: u64,
    options: EncodeOptions,
}

fn write_err(path: &Path, reason: impl ToString) -> MediaError {
    MediaError::Write {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

impl VideoWriter {
    /// `width`×`height` RGB frames in; odd sizes are scaled to the nearest even size (yuv420p).
    pub fn create(
        output: &Path,
        width: u32,
        height: u32,
        fps: f64,
        options: EncodeOptions,
    ) -> Result<Self, MediaError> {
        init();
        let video_tmp = sibling(output, "video");
        let fail = |e: ffmpeg_next::Error| write_err(output, e);
        let mut octx = ffmpeg_next::format::output_as(&video_tmp, "mp4").map_err(fail)?;
        let codec = encoder::find_by_name("libx264")
            .or_else(|| encoder::find(codec::Id::H264))
            .ok_or_else(|| write_err(output, "this FFmpeg has no H.264 encoder"))?;
        let global_header = octx
            .format()
            .flags()
            .contains(ffmpeg_next::format::Flags::GLOBAL_HEADER);
        let (ew, eh) = ((width & !1).max(2), (height & !1).max(2));
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            25.0
        };
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(fail)?;
        enc.set_width(ew);
        enc.set_height(eh);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base(TIME_BASE);
        enc.set_frame_rate(Some(Rational((fps * 1000.0).round() as i32, 1000)));
        // Closed GOPs: FFmpeg's libx264 wrapper otherwise asks for open GOPs, whose keyframes
        // are not IDR frames; browsers fail to decode after seeking to one (Chromium:
        // PIPELINE_ERROR_DECODE).
        let mut flags = codec::Flags::CLOSED_GOP;
        if global_header {
            flags |= codec::Flags::GLOBAL_HEADER;
        }
        enc.set_flags(flags);
        let mut x264 = Dictionary::new();
        x264.set("preset", &options.preset);
        x264.set("crf", &options.crf.to_string());
        let encoder = enc.open_with(x264).map_err(fail)?;
        {
            let mut stream = octx.add_stream(codec).map_err(fail)?;
            stream.set_parameters(&encoder);
            stream.set_time_base(TIME_BASE);
        }
        octx.write_header().map_err(fail)?;
        let scaler = Converter::new((Pixel::RGB24, width, height), (Pixel::YUV420P, ew, eh), 0)
            .map_err(fail)?;
        Ok(Self {
            output: output.to_path_buf(),
            video_tmp,
            octx,
            encoder,
            scaler,
            source: frame::Video::new(Pixel::RGB24, width, height),
            yuv: frame::Video::empty(),
            width,
            height,
            frame_ticks: (90_000.0 / fps).round() as i64,
            next_pts: 0,
            frames: 0,
            options,
        })
    }

    /// Appends a frame shown at `timestamp` seconds (None: one frame after the previous one).
    pub fn write(&mut self, image: &RgbImage, timestamp: Option<f64>) -> Result<(), MediaError> {
        if image.width() != self.width || image.height() != self.height {
            return Err(write_err(
                &self.output,
                format!(
                    "frame is {}x{}, the video is {}x{}",
                    image.width(),
                    image.height(),
                    self.width,
                    self.height
                ),
            ));
        }
        let stride = self.source.stride(0);
        let row = self.width as usize * 3;
        let data = self.source.data_mut(0);
        for (y, src) in image.as_raw().chunks_exact(row).enumerate() {
            data[y * stride..y * stride + row].copy_from_slice(src);
        }
        self.scaler
            .run(&self.source, &mut self.yuv)
            .map_err(|e| write_err(&self.output, e))?;
        let pts = match timestamp {
            Some(t) => ((t * 90_000.0).round() as i64).max(self.next_pts),
            None => self.next_pts,
        };
        self.next_pts = pts + 1;
        self.yuv.set_pts(Some(pts));
        self.yuv.set_kind(picture::Type::None);
        self.encoder
            .send_frame(&self.yuv)
            .map_err(|e| write_err(&self.output, e))?;
        self.frames += 1;
        self.drain()
    }

    fn drain(&mut self) -> Result<(), MediaError> {
        let mut packet = Packet::empty();
        let stream_tb = self.octx.stream(0).expect("one stream").time_base();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            packet.set_stream(0);
            packet.set_duration(self.frame_ticks);
            packet.rescale_ts(TIME_BASE, stream_tb);
            packet
                .write_interleaved(&mut self.octx)
                .map_err(|e| write_err(&self.output, e))?;
        }
        Ok(())
    }

    pub fn frames_written(&self) -> u64 {
        self.frames
    }

    /// Flushes the encoder, adds the audio and moves the finished file into place.
    pub fn finish(mut self) -> Result<(), MediaError> {
        let result = self.finish_inner();
        let _ = std::fs::remove_file(&self.video_tmp);
        result
    }

    fn finish_inner(&mut self) -> Result<(), MediaError> {
        self.encoder
            .send_eof()
            .map_err(|e| write_err(&self.output, e))?;
        self.drain()?;
        self.octx
            .write_trailer()
            .map_err(|e| write_err(&self.output, e))?;
        let muxed = sibling(&self.output, "mux");
        let frame_secs = self.frame_ticks as f64 / 90_000.0;
        let result = mux(
            &self.video_tmp,
            frame_secs,
            self.options.audio_from.as_deref(),
            &muxed,
        )
        .and_then(|()| {
            std::fs::rename(&muxed, &self.output).map_err(|e| write_err(&self.output, e))
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&muxed);
        }
        result
    }
}

impl Drop for VideoWriter {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.video_tmp);
    }
}

fn sibling(output: &Path, what: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    output.with_file_name(format!(".{name}.{what}-{}.tmp", std::process::id()))
}

/// Copies the video of `video` and the audio of `audio_from` (if any, and if MP4 can hold it)
/// into `out` with the index at the front (`+faststart`), interleaved by time.
fn mux(
    video: &Path,
    frame_secs: f64,
    audio_from: Option<&str>,
    out: &Path,
) -> Result<(), MediaError> {
    let fail = |e: ffmpeg_next::Error| write_err(out, e);
    let mut vin = ffmpeg_next::format::input(&video).map_err(fail)?;
    let mut ain = match audio_from {
        Some(src) => Some(open_input(src)?),
        None => None,
    };
    let mut octx = ffmpeg_next::format::output_as(&out, "mp4").map_err(fail)?;
    let vstream = vin
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| write_err(out, "encoded video has no stream"))?;
    let (vin_index, vin_tb) = (vstream.index(), vstream.time_base());
    {
        let mut s = octx
            .add_stream(encoder::find(codec::Id::None))
            .map_err(fail)?;
        s.set_parameters(vstream.parameters());
        unsafe { (*s.parameters().as_mut_ptr()).codec_tag = 0 };
    }
    let mut audio = None;
    if let Some(ain) = ain.as_ref() {
        if let Some(a) = ain.streams().best(media::Type::Audio) {
            let id = a.parameters().id();
            let supported = unsafe {
                ffmpeg_next::ffi::avformat_query_codec(
                    octx.format().as_ptr(),
                    id.into(),
                    ffmpeg_next::ffi::FF_COMPLIANCE_NORMAL,
                ) == 1
            };
            if supported {
                let mut s = octx
                    .add_stream(encoder::find(codec::Id::None))
                    .map_err(fail)?;
                s.set_parameters(a.parameters());
                unsafe { (*s.parameters().as_mut_ptr()).codec_tag = 0 };
                audio = Some((a.index(), a.time_base()));
            } else {
                tracing::warn!(codec = ?id, "the source's audio codec cannot go into MP4; the output has no audio");
            }
        }
    }
    let mut opts = Dictionary::new();
    opts.set("movflags", "+faststart");
    octx.write_header_with(opts).map_err(fail)?;
    let out_tb: Vec<Rational> = (0..octx.nb_streams() as usize)
        .map(|i| octx.stream(i).unwrap().time_base())
        .collect();

    // Two sorted packet sources, merged by time.
    let mut next_video = read_from(&mut vin, vin_index).map_err(fail)?;
    let mut next_audio = match (ain.as_mut(), audio) {
        (Some(ain), Some((index, _))) => read_from(ain, index).map_err(fail)?,
        _ => None,
    };
    loop {
        let vt = next_video.as_ref().map(|p| seconds(p, vin_tb));
        let at = match (next_audio.as_ref(), audio) {
            (Some(p), Some((_, tb))) => Some(seconds(p, tb)),
            _ => None,
        };
        let take_video = match (vt, at) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(v), Some(a)) => v <= a,
        };
        if take_video {
            let mut p = next_video.take().unwrap();
            // The MP4 demuxer hands back packets without durations; without them the muxer's edit
            // list ends before the last frame and players drop it.
            if p.duration() <= 0 {
                p.set_duration(
                    (frame_secs * f64::from(vin_tb.denominator()) / f64::from(vin_tb.numerator()))
                        .round() as i64,
                );
            }
            p.rescale_ts(vin_tb, out_tb[0]);
            p.set_stream(0);
            p.set_position(-1);
            p.write_interleaved(&mut octx).map_err(fail)?;
            next_video = read_from(&mut vin, vin_index).map_err(fail)?;
        } else {
            let (index, tb) = audio.unwrap();
            let mut p = next_audio.take().unwrap();
            p.rescale_ts(tb, out_tb[1]);
            p.set_stream(1);
            p.set_position(-1);
            p.write_interleaved(&mut octx).map_err(fail)?;
            next_audio = read_from(ain.as_mut().unwrap(), index).map_err(fail)?;
        }
    }
    octx.write_trailer().map_err(fail)?;
    Ok(())
}

fn read_from(
    input: &mut ffmpeg_next::format::context::Input,
    index: usize,
) -> Result<Option<Packet>, ffmpeg_next::Error> {
    loop {
        let mut packet = Packet::empty();
        match packet.read(input) {
            Ok(()) if packet.stream() == index => return Ok(Some(packet)),
            Ok(()) => continue,
            Err(ffmpeg_next::Error::Eof) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

fn seconds(p: &Packet, tb: Rational) -> f64 {
    let ts = p.dts().or(p.pts()).unwrap_or(0);
    ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator())
}
