//! Annotation: footage → ST-GCN training data in three stages, each with its own artifact so any
//! stage can run again alone from the previous one's output.
//!
//! 1. **poses** (`poses.jsonl`): people, keypoints and torso colours per frame.
//! 2. **tracks** (`tracks.jsonl`, plus MOTChallenge and COCO exports): identities and motion
//!    scores, computed from Stage 1's file.
//! 3. **tensors** (`dataset.pkl`): windows of T frames, up to M people each, as the MMAction2 /
//!    PYSKL skeleton pickle.

pub mod dataset;
pub mod export;
pub mod labels;
pub mod parameters;
pub mod pickle;
pub mod stages;
pub mod tensors;

use serde::{Deserialize, Serialize};

pub use dataset::{DatasetSummary, write_dataset, write_exports};
pub use labels::{LabelRule, Labels};
pub use stages::{TrackFrame, TrackedPerson};
pub use tensors::{Sample, Split, VideoTracks};

use crate::media::MediaError;
use crate::models::ModelError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// x / frame width, y / frame height.
    #[default]
    Frame,
    /// Relative to the box around the person over the whole window.
    Bbox,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AnnotateConfig {
    /// First stage to run (1 poses, 2 tracks, 3 tensors). Above 1, the previous stage's
    /// artifacts are read from `source_job`.
    pub from_stage: u8,
    /// Last stage to run.
    pub to_stage: u8,
    /// The job whose artifacts the first stage reads when `from_stage` > 1.
    pub source_job: Option<String>,
    /// Longer side of the pose model's input; 0 = the video's own size (finds far people).
    pub pose_input_size: u32,
    /// The person score a detection needs to start a track (and to be matched first); people
    /// scored lower only continue tracks. Lower follows more of the faint, small or lying people
    /// the pose model scores low, at the risk of tracks on things that are not people.
    pub track_score: f32,
    /// Frames per window (T).
    pub window: u32,
    /// Frames between the starts of consecutive windows.
    pub stride: u32,
    /// People per window (M), ranked by presence and motion.
    pub max_persons: u32,
    pub normalize: Normalize,
    /// Keypoints scored below this count as missing.
    pub min_keypoint_score: f32,
    /// Missing stretches up to this many frames are filled by linear interpolation; longer
    /// ones stay zero.
    pub max_gap: u32,
    /// One label for every video without a rule.
    pub label: Option<String>,
    /// Per video (file name or id), optionally per time interval.
    pub labels: Vec<LabelRule>,
    /// The same rules as CSV text: `video,label[,start,end]` (seconds).
    pub labels_csv: Option<String>,
    /// Share of videos for validation and test; the rest train. Split by video.
    pub val_fraction: f32,
    pub test_fraction: f32,
    pub seed: u64,
}

impl Default for AnnotateConfig {
    fn default() -> Self {
        Self {
            from_stage: 1,
            to_stage: 3,
            source_job: None,
            pose_input_size: 0,
            track_score: TRACK_SCORE,
            window: 100,
            stride: 50,
            max_persons: 4,
            normalize: Normalize::Frame,
            min_keypoint_score: 0.1,
            max_gap: 10,
            label: None,
            labels: Vec::new(),
            labels_csv: None,
            val_fraction: 0.2,
            test_fraction: 0.0,
            seed: 0,
        }
    }
}

/// Annotate's start score for tracks: the pose pipeline's own (`PoseConfig::default()`).
pub const TRACK_SCORE: f32 = 0.3;

/// `track_score` out of its range (people are kept from 0.15 on, so tracks cannot start lower).
pub fn track_score_problem(score: f32) -> Option<String> {
    let lowest = crate::pipeline::PoseConfig::default().min_person_score;
    (!(lowest..=1.0).contains(&score))
        .then(|| format!("track_score {score} must be between {lowest} and 1"))
}

impl AnnotateConfig {
    /// Every out-of-range field: its path and what is wrong with it.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut e = Vec::new();
        if !(1..=3).contains(&self.from_stage) {
            e.push((
                "from_stage",
                format!("from_stage {} must be 1, 2 or 3", self.from_stage),
            ));
        }
        if !(self.from_stage..=3).contains(&self.to_stage) {
            e.push((
                "to_stage",
                format!(
                    "to_stage {} must be between from_stage and 3",
                    self.to_stage
                ),
            ));
        }
        if self.from_stage > 1 && self.source_job.as_deref().unwrap_or("").is_empty() {
            e.push((
                "source_job",
                format!(
                    "starting at stage {} needs source_job: the job whose stage {} results to use",
                    self.from_stage,
                    self.from_stage - 1
                ),
            ));
        }
        if let Err(why) = crate::models::check_input_size(self.pose_input_size) {
            e.push((
                "pose_input_size",
                format!("pose_input_size {} {why}", self.pose_input_size),
            ));
        }
        if let Some(why) = track_score_problem(self.track_score) {
            e.push(("track_score", why));
        }
        if !(8..=10_000).contains(&self.window) {
            e.push((
                "window",
                format!("window {} must be between 8 and 10000 frames", self.window),
            ));
        }
        if self.stride == 0 || self.stride > self.window.max(1) * 10 {
            e.push((
                "stride",
                format!("stride {} must be between 1 and 10 windows", self.stride),
            ));
        }
        if !(1..=16).contains(&self.max_persons) {
            e.push((
                "max_persons",
                format!("max_persons {} must be between 1 and 16", self.max_persons),
            ));
        }
        if !(0.0..1.0).contains(&self.min_keypoint_score) {
            e.push((
                "min_keypoint_score",
                format!(
                    "min_keypoint_score {} must be between 0 and 1",
                    self.min_keypoint_score
                ),
            ));
        }
        let (v, t) = (self.val_fraction, self.test_fraction);
        if !(0.0..=1.0).contains(&v) || !(0.0..=1.0).contains(&t) || v + t > 1.0 {
            e.push((
                "val_fraction",
                format!(
                    "val_fraction {v} and test_fraction {t} must be 0–1 and add up to at most 1"
                ),
            ));
        }
        match self.rules() {
            Err(err) => e.push(("labels", err)),
            Ok(rules) if self.runs(3) && rules.classes().is_empty() => e.push((
                "label",
                "stage 3 makes a training set and needs labels: give `label` (one for every video) \
                 or `labels` / `labels_csv` (per video and time)"
                    .to_string(),
            )),
            Ok(_) => {}
        }
        e
    }

    pub fn validate(&self) -> Result<(), Vec<String>> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into_iter().map(|(_, m)| m).collect())
        }
    }

    /// `label`, `labels` and `labels_csv` together.
    pub fn rules(&self) -> Result<Labels, String> {
        Labels::new(self.label.clone(), &self.labels, self.labels_csv.as_deref())
    }

    pub fn runs(&self, stage: u8) -> bool {
        (self.from_stage..=self.to_stage).contains(&stage)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnnotateError {
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A stored stage result that cannot be read; names the file and the line.
    #[error("{file}: {reason}")]
    Artifact { file: String, reason: String },
    #[error("labels: {0}")]
    Labels(String),
    #[error("invalid settings: {}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error("canceled")]
    Canceled,
    /// A bug: the decoding thread failed.
    #[error("{0}")]
    Decoding(String),
}
