//! What a video is: size, frame rate, duration, codecs, audio.

use serde::{Deserialize, Serialize};

use super::{MediaError, decode::open_input};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    /// Average frame rate (frames / second).
    pub fps: f64,
    pub duration_secs: f64,
    /// From the container header when it has one, else estimated from duration × fps.
    pub frames: u64,
    pub video_codec: String,
    pub has_audio: bool,
    pub audio_codec: Option<String>,
}

pub fn probe(source: &str) -> Result<VideoInfo, MediaError> {
    let input = open_input(source)?;
    let stream = input
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .ok_or_else(|| MediaError::NoVideo {
            source_name: source.into(),
        })?;
    let params = ffmpeg_next::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| MediaError::Unreadable {
            source_name: source.into(),
            reason: e.to_string(),
        })?;
    let video = params
        .decoder()
        .video()
        .map_err(|e| MediaError::UnsupportedCodec {
            source_name: source.into(),
            reason: e.to_string(),
        })?;
    let fps = rational(stream.avg_frame_rate())
        .or_else(|| rational(stream.rate()))
        .unwrap_or(0.0);
    let tb = rational(stream.time_base()).unwrap_or(0.0);
    let duration_secs = if stream.duration() > 0 {
        stream.duration() as f64 * tb
    } else if input.duration() > 0 {
        input.duration() as f64 / f64::from(ffmpeg_next::ffi::AV_TIME_BASE)
    } else {
        0.0
    };
    let frames = if stream.frames() > 0 {
        stream.frames() as u64
    } else {
        (duration_secs * fps).round() as u64
    };
    let audio = input.streams().best(ffmpeg_next::media::Type::Audio);
    Ok(VideoInfo {
        width: video.width(),
        height: video.height(),
        fps,
        duration_secs,
        frames,
        video_codec: video.id().name().to_string(),
        has_audio: audio.is_some(),
        audio_codec: audio.map(|a| a.parameters().id().name().to_string()),
    })
}

pub(crate) fn rational(r: ffmpeg_next::Rational) -> Option<f64> {
    (r.numerator() > 0 && r.denominator() > 0)
        .then(|| f64::from(r.numerator()) / f64::from(r.denominator()))
}
