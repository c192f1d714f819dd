//! What earlier jobs stored about one video, as the renderer reads it: annotate's or analyze's
//! tracks, analyze's events and scores, anonymize's mask log. Nothing is computed again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::annotate::stages::{TrackFrame, read_lines, read_tracks};
use crate::events::{Event, ScoreSample, Service};
use crate::pose::{BBox, Person};

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("{path}: {reason}")]
    Read { path: String, reason: String },
    #[error(
        "{dir} has no {file}: render from the output of an annotate or analyze run (it writes \
         tracks.jsonl per video)"
    )]
    NoTracks { dir: String, file: &'static str },
}

/// One video's stored results.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Tracked people per frame, in frame order.
    pub frames: Vec<TrackFrame>,
    pub events: Vec<(Service, Event)>,
    /// Each service's best score per frame.
    pub scores: Vec<ScoreSample>,
    /// Face masks per frame from an anonymize job (None: not given).
    pub masks: Option<BTreeMap<u64, Vec<BBox>>>,
}

#[derive(Deserialize)]
struct StoredEvent {
    service: Service,
    event: Event,
}

#[derive(Deserialize)]
struct MaskLine {
    frame: u64,
    masks: Vec<StoredMask>,
}

#[derive(Deserialize)]
struct StoredMask {
    bbox: BBox,
}

fn read_error(path: &Path, e: impl ToString) -> ResultsError {
    ResultsError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl Results {
    /// `tracks.jsonl` (required) and, when present beside it, `events.json` and `scores.jsonl`.
    pub fn from_dir(dir: &Path) -> Result<Self, ResultsError> {
        let tracks = dir.join("tracks.jsonl");
        if !tracks.exists() {
            return Err(ResultsError::NoTracks {
                dir: dir.display().to_string(),
                file: "tracks.jsonl",
            });
        }
        let mut results = Results {
            frames: read_tracks(&tracks).map_err(|e| read_error(&tracks, e))?,
            ..Results::default()
        };
        let events = dir.join("events.json");
        if events.exists() {
            results.events = read_events(&events)?;
        }
        let scores = dir.join("scores.jsonl");
        if scores.exists() {
            results.scores = read_lines(&scores).map_err(|e| read_error(&scores, e))?;
            // written in frame order; kept so (stable) for the lookups by time
            results.scores.sort_by(|a, b| a.time.total_cmp(&b.time));
        }
        let masks = dir.join("masks.jsonl");
        if masks.exists() {
            results.masks = Some(read_masks(&masks)?);
        }
        Ok(results)
    }

    /// The people at frame `n`: its own tracks, or the latest frame's within `hold` frames
    /// before it (poses estimated on every k-th frame).
    pub fn people_at(&self, n: u64, hold: u64) -> &[crate::annotate::stages::TrackedPerson] {
        let i = self.frames.partition_point(|f| f.frame_number <= n);
        match i.checked_sub(1).map(|i| &self.frames[i]) {
            Some(f) if n - f.frame_number <= hold => &f.persons,
            _ => &[],
        }
    }

    /// Frames from `from` seconds up to and including `to`.
    pub fn frames_between(&self, from: f64, to: f64) -> &[TrackFrame] {
        let a = self.frames.partition_point(|f| f.timestamp < from);
        let b = self.frames.partition_point(|f| f.timestamp <= to);
        &self.frames[a..b.max(a)]
    }

    /// The events going on at `t` seconds.
    pub fn events_at(&self, t: f64) -> impl Iterator<Item = &(Service, Event)> {
        self.events
            .iter()
            .filter(move |(_, e)| e.start_time <= t && t <= e.end_time.max(e.start_time))
    }

    /// Each service's latest score at or before `t` (within half a second).
    pub fn scores_at(&self, t: f64) -> Vec<&ScoreSample> {
        // the scores are in time order (see `from_dir`): look in the last half second only, not
        // the whole video, since this runs for every person on every frame
        let end = self.scores.partition_point(|s| s.time <= t);
        let start = self.scores[..end].partition_point(|s| t - s.time > 0.5);
        let recent = &self.scores[start..end];
        Service::ALL
            .into_iter()
            .filter_map(|service| recent.iter().rev().find(|s| s.service == service))
            .collect()
    }

    /// A person as the renderer sees them, looked up by track.
    pub fn person_of(frame: &TrackFrame, track: u64) -> Option<&Person> {
        frame
            .persons
            .iter()
            .map(|p| &p.person)
            .find(|p| p.track_id == Some(track))
    }
}

pub fn read_events(path: &Path) -> Result<Vec<(Service, Event)>, ResultsError> {
    let text = std::fs::read_to_string(path).map_err(|e| read_error(path, e))?;
    let stored: Vec<StoredEvent> = serde_json::from_str(&text).map_err(|e| read_error(path, e))?;
    Ok(stored.into_iter().map(|s| (s.service, s.event)).collect())
}

/// An anonymize job's mask log: the boxes it blurred in each frame.
pub fn read_masks(path: &Path) -> Result<BTreeMap<u64, Vec<BBox>>, ResultsError> {
    let lines: Vec<MaskLine> = read_lines(path).map_err(|e| read_error(path, e))?;
    Ok(lines
        .into_iter()
        .map(|l| (l.frame, l.masks.into_iter().map(|m| m.bbox).collect()))
        .collect())
}

/// Where a CLI run wrote one video's results: `DIR/<file name>/` when it exists, else `DIR`.
pub fn video_dir(dir: &Path, video: &Path) -> PathBuf {
    match video.file_name() {
        Some(name) if dir.join(name).join("tracks.jsonl").exists() => dir.join(name),
        _ => dir.to_path_buf(),
    }
}
