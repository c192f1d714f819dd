//! Reading frames and writing the masked result, each on its own thread, so that decoding,
//! detection and encoding overlap (with 2 cores the detector alone does not keep both busy).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::AnonymizeError;
use super::filter::{self, Filter, Shape};
use super::masks;
use super::temporal::Mask;
use crate::media::{EncodeOptions, Frame, MediaError, VideoInfo, VideoReader, VideoWriter};

/// Frames decoded ahead of the detector (`FrameSource::open`), and masked frames waiting for
/// the encoder, where the detector takes frames one keyframe at a time. A detector that takes
/// several keyframes' frames at once (the GPU's way) needs room for those too: with 8, the
/// H200's anonymize job waited 17 s of 96 for frames the decoder could have made while the
/// detector ran (bench/RESULTS.md, round 3).
pub const QUEUE: usize = 8;

/// Decoded frames from a thread of their own.
pub struct FrameSource {
    pub info: VideoInfo,
    /// Seconds `next_frame` waited for the decoder.
    pub waited: f64,
    frames: Receiver<Result<Frame, MediaError>>,
    decoder: Option<JoinHandle<()>>,
}

/// The thread's result; a panic becomes an error instead of ending the caller too (or, on the
/// decoding side, passing for the end of the video).
fn joined<T>(thread: JoinHandle<T>, name: &'static str) -> Result<T, AnonymizeError> {
    thread.join().map_err(|panic| AnonymizeError::Thread {
        thread: name,
        reason: panic_text(&*panic),
    })
}

/// A thread called `name`.
fn named<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(work)
        .expect("the system can start a thread")
}

/// The text a thread panicked with.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

impl FrameSource {
    pub fn open(input: &str) -> Result<Self, AnonymizeError> {
        Self::open_with_queue(input, QUEUE)
    }

    /// `open`, with up to `queue` frames decoded ahead.
    pub fn open_with_queue(input: &str, queue: usize) -> Result<Self, AnonymizeError> {
        let (info_tx, info_rx) = sync_channel(1);
        let (tx, frames) = sync_channel(queue.max(1));
        let input = input.to_string();
        // named, so that profilers and debuggers tell the stages apart
        let decoder = named("decoding", move || {
            let mut reader = match VideoReader::open(&input) {
                Ok(r) => r,
                Err(e) => {
                    let _ = info_tx.send(Err(e));
                    return;
                }
            };
            if info_tx.send(Ok(reader.info().clone())).is_err() {
                return;
            }
            loop {
                let next = reader.next_frame().transpose();
                let stop = !matches!(next, Some(Ok(_)));
                // a closed channel means the consumer stopped (cancel, error): so do we
                if let Some(item) = next
                    && tx.send(item).is_err()
                {
                    return;
                }
                if stop {
                    return;
                }
            }
        });
        let info = match info_rx.recv() {
            Ok(info) => info?,
            // it ended without a word: it panicked
            Err(_) => {
                joined(decoder, "decoding")?;
                return Err(AnonymizeError::Thread {
                    thread: "decoding",
                    reason: "ended before reading the video".into(),
                });
            }
        };
        Ok(Self {
            info,
            waited: 0.0,
            frames,
            decoder: Some(decoder),
        })
    }

    /// The next frame, None at the end of the video.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, AnonymizeError> {
        let started = std::time::Instant::now();
        let received = self.frames.recv();
        self.waited += started.elapsed().as_secs_f64();
        match received {
            Ok(frame) => Ok(Some(frame?)),
            // the thread is done: at the end of the video, or because it panicked
            Err(_) => match self.decoder.take() {
                Some(decoder) => joined(decoder, "decoding").map(|()| None),
                None => Ok(None),
            },
        }
    }
}

/// How masks are drawn.
#[derive(Debug, Clone, Copy)]
pub struct Drawing {
    pub filter: Filter,
    pub shape: Shape,
    pub mask_scale: f32,
}

enum Job {
    Frame(Frame, Vec<Mask>),
    /// Everything was sent: flush and move the file into place. Without it (the sender was
    /// dropped: cancel or an error upstream) the partial output is deleted.
    Finish,
}

/// Applies masks and logs them on one thread, encodes on another (x264 on threads of its own),
/// so that drawing and encoding overlap too.
pub struct MaskedOutput {
    jobs: Option<SyncSender<Job>>,
    worker: Option<JoinHandle<Result<EncoderTimes, AnonymizeError>>>,
    written: Arc<AtomicU64>,
}

impl MaskedOutput {
    /// Up to `queue` frames wait for the encoder.
    pub fn create(
        output: &Path,
        log: Option<&Path>,
        info: &VideoInfo,
        audio_from: &str,
        drawing: Drawing,
        queue: usize,
    ) -> Result<Self, AnonymizeError> {
        let log_file = match log {
            Some(path) => Some((
                path.to_path_buf(),
                std::io::BufWriter::new(std::fs::File::create(path).map_err(|source| {
                    AnonymizeError::Log {
                        path: path.display().to_string(),
                        source,
                    }
                })?),
            )),
            None => None,
        };
        let (jobs, rx) = sync_channel(queue.max(1));
        let written = Arc::new(AtomicU64::new(0));
        let counter = written.clone();
        let (output, info, audio_from) =
            (output.to_path_buf(), info.clone(), audio_from.to_string());
        let worker = named("drawing", move || {
            draw(rx, log_file, drawing, queue, move |frames| {
                encode(frames, &output, &info, &audio_from, &counter)
            })
        });
        Ok(Self {
            jobs: Some(jobs),
            worker: Some(worker),
            written,
        })
    }

    /// Queues a frame; waits while the encoder is behind.
    pub fn push(&mut self, frame: Frame, masks: Vec<Mask>) -> Result<(), AnonymizeError> {
        let sent = self
            .jobs
            .as_ref()
            .expect("not finished")
            .send(Job::Frame(frame, masks));
        if sent.is_err() {
            // the encoder stopped: its error says why
            return Err(self.join().err().unwrap_or(AnonymizeError::Canceled));
        }
        Ok(())
    }

    /// Frames encoded so far.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Flushes everything and moves the output into place; where the thread's time went.
    pub fn finish(mut self) -> Result<EncoderTimes, AnonymizeError> {
        if let Some(jobs) = self.jobs.take() {
            let _ = jobs.send(Job::Finish);
        }
        self.join()
    }

    fn join(&mut self) -> Result<EncoderTimes, AnonymizeError> {
        self.jobs = None;
        match self.worker.take() {
            Some(worker) => joined(worker, "drawing")?,
            None => Ok(EncoderTimes::default()),
        }
    }
}

impl Drop for MaskedOutput {
    /// Without `finish`, the output is abandoned: the thread deletes what it wrote.
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// Where the drawing and the encoding threads' time went, in seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncoderTimes {
    /// Applying the masks and writing the mask log.
    pub drawing: f64,
    /// Converting to the encoder's pixel format and handing frames to it (x264 encodes on
    /// threads of its own; this includes the time the thread waited for it).
    pub encoding: f64,
}

/// The drawing thread: applies each frame's masks, logs them and hands the frame to `encode`
/// on a thread of its own (through a queue of `queue` frames). Returns both threads' times.
/// Whatever ends it, it returns only after the encoding thread has ended: on an error or a
/// cancel, that thread has deleted its partial video by then.
fn draw(
    jobs: Receiver<Job>,
    log: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    drawing: Drawing,
    queue: usize,
    encode: impl FnOnce(Receiver<Option<Frame>>) -> Result<f64, AnonymizeError> + Send + 'static,
) -> Result<EncoderTimes, AnonymizeError> {
    let (frames, rx) = sync_channel(queue.max(1));
    let encoder = named("encoding", move || encode(rx));
    let drawn = draw_frames(&jobs, log, drawing, &frames);
    if let Ok(Drawn::Finished(_)) = drawn {
        let _ = frames.send(None);
    }
    // otherwise the encoder's queue closes without the end: it deletes the partial video
    drop(frames);
    let encoded = joined(encoder, "encoding");
    match drawn? {
        Drawn::Finished(drawing) => Ok(EncoderTimes {
            drawing,
            encoding: encoded??,
        }),
        // its error says why
        Drawn::EncoderStopped => Err(encoded?.err().unwrap_or(AnonymizeError::Canceled)),
        Drawn::Canceled => Err(AnonymizeError::Canceled),
    }
}

/// How the drawing loop ended.
enum Drawn {
    /// Everything was drawn and handed on (seconds spent drawing); the log is flushed.
    Finished(f64),
    /// The sender went away without `Finish` (cancel, an error upstream).
    Canceled,
    /// The encoding thread stopped taking frames.
    EncoderStopped,
}

fn draw_frames(
    jobs: &Receiver<Job>,
    mut log: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    drawing: Drawing,
    frames: &SyncSender<Option<Frame>>,
) -> Result<Drawn, AnonymizeError> {
    let mut drawn = 0.0;
    let log_error = |path: &Path, source| AnonymizeError::Log {
        path: path.display().to_string(),
        source,
    };
    while let Ok(job) = jobs.recv() {
        let (mut frame, masks) = match job {
            Job::Frame(frame, masks) => (frame, masks),
            Job::Finish => {
                if let Some((path, mut f)) = log {
                    f.flush().map_err(|e| log_error(&path, e))?;
                }
                return Ok(Drawn::Finished(drawn));
            }
        };
        let started = std::time::Instant::now();
        for m in &masks {
            filter::apply(
                &mut frame.image,
                &masks::scaled(&m.bbox, drawing.mask_scale),
                drawing.filter,
                drawing.shape,
            );
        }
        if let Some((path, f)) = log.as_mut() {
            let line = serde_json::json!({ "frame": frame.number, "timestamp": frame.timestamp, "masks": masks });
            writeln!(f, "{line}").map_err(|e| log_error(path, e))?;
        }
        drawn += started.elapsed().as_secs_f64();
        if frames.send(Some(frame)).is_err() {
            return Ok(Drawn::EncoderStopped);
        }
    }
    Ok(Drawn::Canceled)
}

/// The encoding thread: frames until `None` (then the file is finished and moved into place);
/// the seconds spent converting and encoding.
fn encode(
    frames: Receiver<Option<Frame>>,
    output: &Path,
    info: &VideoInfo,
    audio_from: &str,
    written: &AtomicU64,
) -> Result<f64, AnonymizeError> {
    let mut writer = VideoWriter::create(
        output,
        info.width,
        info.height,
        info.fps,
        EncodeOptions {
            audio_from: Some(audio_from.to_string()),
            ..Default::default()
        },
    )?;
    let mut encoding = 0.0;
    while let Ok(next) = frames.recv() {
        let started = std::time::Instant::now();
        match next {
            Some(frame) => {
                writer.write(&frame.image, Some(frame.timestamp))?;
                written.fetch_add(1, Ordering::Relaxed);
                encoding += started.elapsed().as_secs_f64();
            }
            None => {
                writer.finish()?;
                return Ok(encoding + started.elapsed().as_secs_f64());
            }
        }
    }
    // the queue closed without the end: dropping the writer deletes the partial video
    Err(AnonymizeError::Canceled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread::spawn;

    #[test]
    fn a_thread_that_panicked_is_an_error_that_says_so() {
        // (the panic's message is printed by the default hook; that is expected)
        let err = joined(spawn(|| panic!("index out of bounds")), "decoding").unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("decoding thread failed") && message.contains("index out of bounds"),
            "{message}"
        );
        assert_eq!(joined(spawn(|| 7), "encoding").unwrap(), 7);
    }
}
