//! Event clips, like a camera recorder's pre- and post-capture: the last `pre` seconds of frames
//! are kept; when an event opens they start an MP4 that goes on until `post` seconds after the
//! event closes (at most `longest`). Encoding runs on a thread per clip, fed through a bounded
//! queue (a full queue drops the frame rather than slow the pipeline down).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use image::RgbImage;
use vision::media::{EncodeOptions, VideoWriter};

use super::pipeline::EventKey;

/// How clips are cut.
#[derive(Debug, Clone)]
pub struct ClipPlan {
    pub pre_secs: f64,
    pub post_secs: f64,
    pub longest_secs: f64,
    /// Frames kept for the pre-capture at most (bounds memory whatever the frame rate).
    pub max_buffered: usize,
    pub dir: PathBuf,
}

impl Default for ClipPlan {
    fn default() -> Self {
        Self {
            pre_secs: 3.0,
            post_secs: 3.0,
            longest_secs: 60.0,
            max_buffered: 90,
            dir: std::env::temp_dir().join("recognizer-clips"),
        }
    }
}

/// A clip that is finished: its file, and the event it shows.
#[derive(Debug)]
pub struct FinishedClip {
    pub key: EventKey,
    pub path: PathBuf,
    pub frames: u64,
}

struct Recording {
    key: EventKey,
    started: f64,
    /// Set when the event closed: the clip ends at this time.
    ends_at: Option<f64>,
    frames: SyncSender<(f64, Arc<RgbImage>)>,
    thread: JoinHandle<Result<(PathBuf, u64), String>>,
}

pub struct ClipRecorder {
    plan: ClipPlan,
    recent: VecDeque<(f64, Arc<RgbImage>)>,
    recording: Vec<Recording>,
    fps_hint: f64,
}

impl ClipRecorder {
    pub fn new(plan: ClipPlan) -> Self {
        Self {
            plan,
            recent: VecDeque::new(),
            recording: Vec::new(),
            fps_hint: 15.0,
        }
    }

    /// Every processed frame, in time order. Returns the clips that ended with it.
    pub fn push(&mut self, time: f64, image: Arc<RgbImage>) -> Vec<Result<FinishedClip, String>> {
        self.recent.push_back((time, image.clone()));
        while self.recent.len() > self.plan.max_buffered
            || self
                .recent
                .front()
                .is_some_and(|(t, _)| time - t > self.plan.pre_secs)
        {
            self.recent.pop_front();
        }
        if self.recent.len() > 1 {
            let span = time - self.recent.front().expect("two frames").0;
            if span > 0.0 {
                self.fps_hint = (self.recent.len() - 1) as f64 / span;
            }
        }
        let mut done = Vec::new();
        let mut still = Vec::new();
        for r in self.recording.drain(..) {
            let over = r.ends_at.is_some_and(|end| time > end)
                || time - r.started > self.plan.longest_secs;
            if over {
                done.push(finish(r));
            } else {
                // a full queue: the encoder is behind, this frame is left out of the clip
                if let Err(TrySendError::Disconnected(_)) = r.frames.try_send((time, image.clone()))
                {
                    done.push(finish(r));
                    continue;
                }
                still.push(r);
            }
        }
        self.recording = still;
        done
    }

    /// An event opened: its clip starts with the frames kept so far.
    pub fn open(&mut self, key: EventKey, time: f64) {
        let Some((_, first)) = self.recent.front() else {
            return;
        };
        let (w, h) = first.dimensions();
        let (tx, rx) = sync_channel::<(f64, Arc<RgbImage>)>(self.plan.max_buffered + 30);
        for f in &self.recent {
            let _ = tx.try_send(f.clone());
        }
        let path = self.plan.dir.join(format!(
            "{}-{}-{}.mp4",
            key.0.as_str(),
            key.2,
            std::process::id()
        ));
        let fps = self.fps_hint.clamp(1.0, 60.0);
        let thread = std::thread::Builder::new()
            .name("event-clip".into())
            .spawn(move || encode(&path, w, h, fps, rx));
        match thread {
            Ok(thread) => self.recording.push(Recording {
                key,
                started: time,
                ends_at: None,
                frames: tx,
                thread,
            }),
            Err(e) => tracing::warn!(error = %e, "cannot start an event clip"),
        }
    }

    /// The event closed at `time`: its clip goes on for the post-capture, then ends.
    pub fn close(&mut self, key: &EventKey, time: f64) {
        for r in &mut self.recording {
            if &r.key == key {
                r.ends_at = Some(time + self.plan.post_secs);
            }
        }
    }

    /// Reading stopped: every clip ends now.
    pub fn finish_all(&mut self) -> Vec<Result<FinishedClip, String>> {
        self.recording.drain(..).map(finish).collect()
    }
}

fn finish(r: Recording) -> Result<FinishedClip, String> {
    drop(r.frames);
    let (path, frames) = r
        .thread
        .join()
        .map_err(|_| "the clip's encoder panicked".to_string())??;
    Ok(FinishedClip {
        key: r.key,
        path,
        frames,
    })
}

fn encode(
    path: &Path,
    w: u32,
    h: u32,
    fps: f64,
    frames: Receiver<(f64, Arc<RgbImage>)>,
) -> Result<(PathBuf, u64), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let options = EncodeOptions {
        preset: "veryfast".into(),
        ..EncodeOptions::default()
    };
    let mut writer = VideoWriter::create(path, w, h, fps, options).map_err(|e| e.to_string())?;
    let mut first: Option<f64> = None;
    for (time, image) in frames {
        if image.dimensions() != (w, h) {
            continue; // the camera changed its size mid-clip
        }
        let t0 = *first.get_or_insert(time);
        writer
            .write(&image, Some(time - t0))
            .map_err(|e| e.to_string())?;
    }
    let written = writer.frames_written();
    writer.finish().map_err(|e| e.to_string())?;
    Ok((path.to_path_buf(), written))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision::events::Service;

    #[test]
    fn a_clip_holds_the_pre_capture_the_event_and_the_post_capture() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = ClipRecorder::new(ClipPlan {
            dir: dir.path().into(),
            ..ClipPlan::default()
        });
        let frame = |i: u32| {
            Arc::new(RgbImage::from_pixel(
                64,
                48,
                image::Rgb([(i * 7 % 255) as u8, 90, 30]),
            ))
        };
        let key: EventKey = (Service::Fall, vec![3], 50);
        let mut finished = Vec::new();
        // 10 fps: 10 s of frames, the event from 5 s to 6 s
        for i in 0..100u32 {
            let t = 1000.0 + i as f64 / 10.0;
            if i == 50 {
                r.open(key.clone(), t);
            }
            if i == 60 {
                r.close(&key, t);
            }
            finished.extend(r.push(t, frame(i)));
        }
        assert_eq!(finished.len(), 1);
        let clip = finished.pop().unwrap().unwrap();
        assert_eq!(clip.key, key);
        // 3 s before (31 frames kept incl. the opening one's predecessor), the event, 3 s after
        assert!((60..=72).contains(&clip.frames), "{} frames", clip.frames);
        assert!(std::fs::metadata(&clip.path).unwrap().len() > 1000);
        assert!(r.finish_all().is_empty());
    }
}
