//! A whole video through the renderer: decoding, drawing and encoding each on a thread of its
//! own with small bounded queues between them, so memory stays flat however long the video is.
//! The output is an H.264 MP4 (with the source's audio when the whole video is rendered) and a
//! poster PNG (the first event's peak, else the middle of the range).

use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use image::RgbImage;

use super::{RenderConfig, RenderError, Renderer};
use crate::anonymize::io::FrameSource;
use crate::media::{EncodeOptions, MediaError, VideoWriter};

/// Frames drawn, waiting for the encoder.
const ENCODE_AHEAD: usize = 6;

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("{0}")]
    Read(String),
    #[error(transparent)]
    Write(#[from] MediaError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("the range {from}–{to} s holds no frame of this {duration:.1} s video")]
    EmptyRange { from: f64, to: f64, duration: f64 },
    #[error("writing the poster {path}: {reason}")]
    Poster { path: String, reason: String },
    #[error("canceled")]
    Canceled,
    #[error("the encoding thread failed: {0}")]
    Thread(String),
}

/// The same progress every frame job reports.
pub use crate::anonymize::Progress;

#[derive(Debug, Clone)]
pub struct Rendered {
    pub frames: u64,
    pub width: u32,
    pub height: u32,
    pub seconds: f64,
    pub fps: f64,
    /// The poster's time in the video.
    pub poster_secs: f64,
}

/// The output size for a source of `w`×`h` and a wanted width (0: the source's), even sides.
pub fn output_size(w: u32, h: u32, width: u32) -> (u32, u32) {
    if width == 0 || width == w {
        return (w, h);
    }
    let height = (f64::from(h) * f64::from(width) / f64::from(w.max(1))).round() as u32;
    ((width & !1).max(2), (height & !1).max(2))
}

/// The poster's time: the first event's peak inside the range, else the range's middle.
pub fn poster_time(renderer: &Renderer, from: f64, to: f64) -> f64 {
    renderer
        .results()
        .events
        .iter()
        .map(|(_, e)| e.peak_time)
        .filter(|t| (from..=to).contains(t))
        .fold(None, |a: Option<f64>, t| Some(a.map_or(t, |a| a.min(t))))
        .unwrap_or((from + to) / 2.0)
}

pub fn render_video(
    input: &str,
    output: &Path,
    poster: &Path,
    renderer: &mut Renderer,
    config: &RenderConfig,
    mut progress: impl FnMut(Progress) -> bool,
) -> Result<Rendered, VideoError> {
    let started = Instant::now();
    let mut source = FrameSource::open(input).map_err(|e| VideoError::Read(e.to_string()))?;
    let info = source.info.clone();
    let duration = info.duration_secs.max(0.0);
    let from = config.from_secs;
    let to = if config.to_secs > 0.0 {
        config.to_secs
    } else {
        f64::INFINITY
    };
    if from >= duration && duration > 0.0 {
        return Err(VideoError::EmptyRange {
            from,
            to: config.to_secs,
            duration,
        });
    }
    let whole = from == 0.0 && to >= duration;
    let (width, height) = output_size(info.width, info.height, config.width);
    let scale = width as f32 / info.width.max(1) as f32;
    renderer.set_scale(scale);
    renderer.set_duration(duration);
    let frames_total = if whole {
        info.frames
    } else {
        ((to.min(duration) - from) * info.fps).round().max(1.0) as u64
    };
    let poster_at = poster_time(renderer, from, to.min(duration));

    // the encoder on its own thread; dropping the sender without a last `None` abandons the file
    let (tx, rx) = sync_channel::<Option<(RgbImage, f64)>>(ENCODE_AHEAD);
    let (out, fps, audio) = (
        output.to_path_buf(),
        info.fps,
        whole.then(|| input.to_string()),
    );
    let encoder = std::thread::spawn(move || -> Result<u64, MediaError> {
        let mut writer = VideoWriter::create(
            &out,
            width,
            height,
            fps,
            EncodeOptions {
                audio_from: audio,
                ..EncodeOptions::default()
            },
        )?;
        loop {
            match rx.recv() {
                Ok(Some((image, t))) => writer.write(&image, Some(t))?,
                Ok(None) => break,
                // closed without the end mark: canceled or failed upstream; the writer's drop
                // removes what it wrote
                Err(_) => return Ok(0),
            }
        }
        let n = writer.frames_written();
        writer.finish()?;
        Ok(n)
    });
    let mut sent = 0u64;
    let mut first_t: Option<f64> = None;
    let mut poster_image: Option<(f64, RgbImage)> = None;
    let result = (|| -> Result<(), VideoError> {
        while let Some(frame) = source
            .next_frame()
            .map_err(|e| VideoError::Read(e.to_string()))?
        {
            let t = frame.timestamp;
            if t + 1e-6 < from {
                continue;
            }
            if t > to {
                break;
            }
            let mut image = if (width, height) == (info.width, info.height) {
                frame.image
            } else {
                let bytes = crate::models::resized(&frame.image, width, height).into_owned();
                RgbImage::from_raw(width, height, bytes).expect("resized to the size asked")
            };
            renderer.draw(&mut image, frame.number, t)?;
            let closer = poster_image
                .as_ref()
                .is_none_or(|(pt, _)| (t - poster_at).abs() < (pt - poster_at).abs());
            if closer {
                poster_image = Some((t, image.clone()));
            }
            let start = *first_t.get_or_insert(t);
            if tx.send(Some((image, t - start))).is_err() {
                break; // the encoder failed: its error is returned below
            }
            sent += 1;
            if !progress(Progress::since(started, sent, frames_total)) {
                return Err(VideoError::Canceled);
            }
        }
        Ok(())
    })();
    if result.is_ok() && sent > 0 {
        let _ = tx.send(None);
    }
    drop(tx);
    let encoded = encoder
        .join()
        .map_err(|p| VideoError::Thread(crate::anonymize::io::panic_text(&*p)))?;
    result?;
    let encoded = encoded?;
    if sent == 0 {
        return Err(VideoError::EmptyRange {
            from,
            to: config.to_secs,
            duration,
        });
    }
    let Some((poster_secs, picture)) = poster_image else {
        unreachable!("a frame was sent")
    };
    picture.save(poster).map_err(|e| VideoError::Poster {
        path: poster.display().to_string(),
        reason: e.to_string(),
    })?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Rendered {
        frames: encoded,
        width,
        height,
        seconds,
        fps: encoded as f64 / seconds.max(1e-6),
        poster_secs,
    })
}

/// One frame drawn: the first at or after `secs` (the last frame when the video is shorter),
/// for previews. Decodes from the start: fine for clips, slow deep into long videos.
pub fn render_frame(
    input: &str,
    renderer: &mut Renderer,
    secs: f64,
) -> Result<(RgbImage, f64), VideoError> {
    let mut reader =
        crate::media::VideoReader::open(input).map_err(|e| VideoError::Read(e.to_string()))?;
    renderer.set_duration(reader.info().duration_secs);
    let mut last = None;
    while let Some(frame) = reader
        .next_frame()
        .map_err(|e| VideoError::Read(e.to_string()))?
    {
        let reached = frame.timestamp + 1e-6 >= secs;
        last = Some(frame);
        if reached {
            break;
        }
    }
    let Some(frame) = last else {
        return Err(VideoError::EmptyRange {
            from: secs,
            to: secs,
            duration: 0.0,
        });
    };
    let mut image = frame.image;
    renderer.draw(&mut image, frame.number, frame.timestamp)?;
    Ok((image, frame.timestamp))
}
