//! The pose pipeline: frame → MoveNet people (tiled when the model's 6-person limit is reached)
//! → ByteTrack identities → motion scores. One pipeline with knobs, used by the CLI, the workers
//! and the benchmarks alike.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::media::Frame;
use crate::models::ModelError;
use crate::models::movenet::{MoveNet, MoveNetConfig};
use crate::pose::{FramePoses, Person, nms};
use crate::runtime::Runtime;
use crate::score::{MotionScore, MotionScorer};
use crate::track::appearance::{Appearance, torso_histogram};
use crate::track::{ByteTrackConfig, ByteTracker, Detection};

/// MoveNet MultiPose returns at most this many people per call.
const MOVENET_MAX_PEOPLE: usize = 6;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PoseConfig {
    /// Longer side of the pose model's input; 0 = the frame's own size (finds small, far people).
    pub input_size: u32,
    /// People scored below this are dropped.
    pub min_person_score: f32,
    /// When the model returns its maximum of 6 people, run it again on overlapping halves.
    pub tile_when_full: bool,
    pub tracker: ByteTrackConfig,
    /// Frames of history for motion scores.
    pub motion_window: usize,
}

impl Default for PoseConfig {
    fn default() -> Self {
        Self {
            input_size: 0,
            min_person_score: 0.15,
            tile_when_full: true,
            // MoveNet's person scores run lower than a detector's (0.2–0.6 for pedestrians).
            tracker: ByteTrackConfig {
                high_score: 0.3,
                low_score: 0.15,
                new_track_score: 0.3,
                // vtest hand labels: 5 identity switches at 0, 3 at 0.5 (people turning while hidden)
                lost_buffer_scale: 0.5,
                // vtest hand labels: 3 identity switches on motion alone, 0 with torso colours
                // (people crossing behind the sign come out under the right identity); the same
                // for weights 0.3–0.5 and re-id distances 0.5–2 box heights
                appearance_weight: 0.4,
                ..Default::default()
            },
            motion_window: 10,
        }
    }
}

pub struct PoseOutput {
    pub poses: FramePoses,
    /// Per person, in the same order (None for people without a track).
    pub motion: Vec<Option<MotionScore>>,
}

pub struct PosePipeline {
    movenet: MoveNet,
    tracking: Tracking,
    config: PoseConfig,
}

/// Identities and motion scores for people already found: the second half of the pipeline, run
/// on its own when poses come from a stored artifact (annotate's Stage 2).
pub struct Tracking {
    tracker: ByteTracker,
    scorer: MotionScorer,
}

impl Tracking {
    pub fn new(config: &PoseConfig) -> Self {
        Self {
            tracker: ByteTracker::new(config.tracker.clone()),
            scorer: MotionScorer::new(config.motion_window),
        }
    }

    /// Sets each person's `track_id` (None when unmatched) and returns their motion scores.
    /// `looks` are the people's torso colours (see `ByteTrackConfig::appearance_weight`), in the
    /// same order; missing entries mean motion alone for that person.
    pub fn update(
        &mut self,
        timestamp: f64,
        persons: &mut [Person],
        looks: &[Option<Appearance>],
    ) -> Vec<Option<MotionScore>> {
        let detections: Vec<Detection> = persons
            .iter()
            .enumerate()
            .map(|(i, p)| Detection {
                bbox: p.bbox,
                score: p.confidence,
                appearance: looks.get(i).copied().flatten(),
            })
            .collect();
        for p in persons.iter_mut() {
            p.track_id = None;
        }
        for tracked in self.tracker.update(&detections) {
            persons[tracked.detection].track_id = Some(tracked.track_id);
        }
        self.scorer.update(timestamp, persons)
    }
}

impl PosePipeline {
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: PoseConfig,
    ) -> Result<Self, ModelError> {
        let movenet = MoveNet::new(
            runtime,
            catalog,
            MoveNetConfig {
                input_size: config.input_size,
                min_score: config.min_person_score,
            },
        )?;
        Ok(Self {
            movenet,
            tracking: Tracking::new(&config),
            config,
        })
    }

    /// People in the frame, without tracking.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Person>, ModelError> {
        let mut people = self.movenet.detect(image)?;
        if self.config.tile_when_full && people.len() >= MOVENET_MAX_PEOPLE {
            people.extend(self.detect_tiled(image)?);
            let boxes: Vec<_> = people.iter().map(|p| p.bbox).collect();
            let scores: Vec<_> = people.iter().map(|p| p.confidence).collect();
            let keep = nms(&boxes, &scores, 0.5);
            people = keep.into_iter().map(|i| people[i].clone()).collect();
        }
        Ok(people)
    }

    /// Left and right halves overlapping by a quarter of the width.
    fn detect_tiled(&mut self, image: &RgbImage) -> Result<Vec<Person>, ModelError> {
        let (w, h) = image.dimensions();
        let tile_w = (w * 5 / 8).max(32);
        let mut out = Vec::new();
        for x0 in [0, w - tile_w] {
            let tile = image::imageops::crop_imm(image, x0, 0, tile_w, h).to_image();
            for mut p in self.movenet.detect(&tile)? {
                for kp in p.keypoints.iter_mut() {
                    kp[0] += x0 as f32;
                }
                p.bbox[0] += x0 as f32;
                p.bbox[2] += x0 as f32;
                out.push(p);
            }
        }
        Ok(out)
    }

    pub fn process(&mut self, frame: &Frame) -> Result<PoseOutput, ModelError> {
        let mut persons = self.detect(&frame.image)?;
        let looks = if self.config.tracker.appearance_weight > 0.0 {
            looks(&frame.image, &persons)
        } else {
            Vec::new()
        };
        let motion = self.tracking.update(frame.timestamp, &mut persons, &looks);
        let (w, h) = frame.image.dimensions();
        Ok(PoseOutput {
            poses: FramePoses {
                frame_number: frame.number,
                timestamp: frame.timestamp,
                persons,
                frame_shape: (h, w, 3),
            },
            motion,
        })
    }
}

/// Each person's torso colours in `image`, for the tracker.
pub fn looks(image: &RgbImage, persons: &[Person]) -> Vec<Option<Appearance>> {
    persons.iter().map(|p| torso_histogram(image, p)).collect()
}
