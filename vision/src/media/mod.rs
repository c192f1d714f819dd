//! Video input and output through FFmpeg: any input FFmpeg opens (files, RTSP/HTTP URLs) decoded
//! to RGB frames with exact numbers and timestamps; H.264 MP4 output that browsers play, with the
//! input's audio kept. Memory stays bounded whatever the video length.

mod convert;
mod decode;
mod encode;
pub mod live;
mod probe;
mod rtsp;

use std::sync::Once;

pub use decode::{Frame, VideoReader, set_hardware_decoding};
pub use encode::{EncodeOptions, PRESETS, VideoWriter, set_default_preset};
pub use live::{LiveFrame, LiveHealth, LiveOptions, LiveReader, LiveState};
pub use probe::{VideoInfo, probe};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{source_name}: file is empty (0 bytes)")]
    Empty { source_name: String },
    #[error(
        "{source_name}: cannot be opened as a video ({reason}); is it a video file FFmpeg can read?"
    )]
    Unreadable { source_name: String, reason: String },
    #[error("{source_name}: contains no video stream")]
    NoVideo { source_name: String },
    #[error("{source_name}: video codec not supported by this FFmpeg build ({reason})")]
    UnsupportedCodec { source_name: String, reason: String },
    #[error("{source_name}: corrupt data near frame {frame} ({reason})")]
    Corrupt {
        source_name: String,
        frame: u64,
        reason: String,
    },
    #[error(
        "{source_name}: ends after {decoded} frames but its header announces {expected}: the file is truncated"
    )]
    Truncated {
        source_name: String,
        decoded: u64,
        expected: u64,
    },
    #[error("writing {path}: {reason}")]
    Write { path: String, reason: String },
}

/// FFmpeg's global set-up, once per process; its own logging is kept to real errors.
pub(crate) fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        ffmpeg_next::init().expect("FFmpeg libraries failed to initialise");
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Fatal);
    });
}
