//! The pose pipeline: frame → MoveNet people (tiled when the model's 6-person limit is reached)
//! → ByteTrack identities → motion scores. One pipeline with knobs, used by the CLI, the workers
//! and the benchmarks alike.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::media::Frame;
use crate::models::ModelError;
use crate::models::movenet::{self, MoveNet, MoveNetBatch, MoveNetConfig};
use crate::pool::Pool;
use crate::pose::{FramePoses, Person, nms, same_person};
use crate::runtime::Runtime;
use crate::score::{MotionScore, MotionScorer};
use crate::track::appearance::{Appearance, torso_histogram};
use crate::track::{ByteTrackConfig, ByteTracker, Detection};

/// Keypoints scored this or more count when telling one person found twice (`same_person`).
const SAME_PERSON_KEYPOINT_SCORE: f32 = 0.2;

/// MoveNet MultiPose returns at most this many people per call.
const MOVENET_MAX_PEOPLE: usize = 6;
/// Frames per pose model call where shapes are fixed (a GPU): on the H200 at pose input 320,
/// 16 frames a call gave 1.8× the frames/s of one call each, 32 less (bench/RESULTS.md,
/// "MoveNet in batches").
pub const GPU_BATCH: usize = 16;

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
    /// Frames per pose model call (`PosePipeline::detect_frames`): 1 = frame by frame through
    /// the full model; more = the batched model (`movenet-multipose-batch`, falls back to 1 with a
    /// warning when it was not fetched). The same people either way (test
    /// `batches_find_the_people_frame_by_frame_finds`); batches pay on a GPU.
    pub batch: usize,
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
            batch: 1,
        }
    }
}

impl PoseConfig {
    /// Tracks start, and are matched first, from person score `score` on (the default is 0.3).
    /// Below that, matching weighs box overlap alone: ByteTrack's score-weighted overlap (IoU ×
    /// score) keeps someone scored 0.2 past the first gate's 0.8 distance for ever, so they would
    /// never be tracked however well their boxes line up.
    pub fn tracking_from(mut self, score: f32) -> Self {
        let fuse_score = self.tracker.fuse_score && score >= self.tracker.new_track_score;
        self.tracker = ByteTrackConfig {
            high_score: score,
            new_track_score: score,
            fuse_score,
            ..self.tracker
        };
        self
    }
}

pub struct PoseOutput {
    pub poses: FramePoses,
    /// Per person, in the same order (None for people without a track).
    pub motion: Vec<Option<MotionScore>>,
}

pub struct PosePipeline {
    model: Model,
    tracking: Tracking,
    config: PoseConfig,
}

/// The pose model, one frame a call or several.
enum Model {
    Frames(MoveNet),
    Batches(MoveNetBatch),
}

impl Model {
    fn detect_frames(&mut self, images: &[&RgbImage]) -> Result<Vec<Vec<Person>>, ModelError> {
        match self {
            Model::Frames(m) => images.iter().map(|i| m.detect(i)).collect(),
            Model::Batches(m) => m.detect_frames(images),
        }
    }
}

/// Pose pipelines kept between runs ([`Pool`]): a worker's next video with the same pose model
/// (input size, frames per call) reuses its sessions, with a fresh tracker.
pub type PosePool = Pool<PosePipeline>;

impl Pool<PosePipeline> {
    /// An idle pipeline with the model `config` needs, set to `config` (tracking starts
    /// afresh); else a new one.
    pub fn take(
        &self,
        runtime: &Runtime,
        catalog: &Catalog,
        config: PoseConfig,
    ) -> Result<PosePipeline, ModelError> {
        match self.take_if(|p| {
            p.config.input_size == config.input_size
                && p.config.min_person_score == config.min_person_score
                && p.config.batch == config.batch
        }) {
            Some(mut pipeline) => {
                pipeline.tracking = Tracking::new(&config);
                pipeline.config = config;
                Ok(pipeline)
            }
            None => PosePipeline::new(runtime, catalog, config),
        }
    }
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
        // a second detection of someone already found (lower scored) gets no track of its own
        let kept: Vec<usize> = (0..persons.len())
            .filter(|&i| {
                !persons.iter().enumerate().any(|(j, other)| {
                    j != i
                        && (other.confidence, std::cmp::Reverse(j))
                            > (persons[i].confidence, std::cmp::Reverse(i))
                        && same_person(&persons[i], other, SAME_PERSON_KEYPOINT_SCORE)
                })
            })
            .collect();
        let detections: Vec<Detection> = kept
            .iter()
            .map(|&i| Detection {
                bbox: persons[i].bbox,
                score: persons[i].confidence,
                appearance: looks.get(i).copied().flatten(),
            })
            .collect();
        for p in persons.iter_mut() {
            p.track_id = None;
        }
        for tracked in self.tracker.update(&detections) {
            persons[kept[tracked.detection]].track_id = Some(tracked.track_id);
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
        let model_config = MoveNetConfig {
            input_size: config.input_size,
            min_score: config.min_person_score,
        };
        let batched = match (config.batch > 1).then(|| catalog.require(movenet::BATCH)) {
            Some(Ok(_)) => true,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "the pose model runs frame by frame (slower on a GPU)");
                false
            }
            None => false,
        };
        let model = if batched {
            Model::Batches(MoveNetBatch::new(
                runtime,
                catalog,
                model_config,
                config.batch,
            )?)
        } else {
            Model::Frames(MoveNet::new(runtime, catalog, model_config)?)
        };
        Ok(Self {
            model,
            tracking: Tracking::new(&config),
            config,
        })
    }

    /// Frames the pose model takes per call (`detect_frames` is fastest with this many).
    pub fn batch(&self) -> usize {
        match &self.model {
            Model::Frames(_) => 1,
            Model::Batches(m) => m.batch(),
        }
    }

    /// People in the frame, without tracking.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Person>, ModelError> {
        Ok(self.detect_frames(&[image])?.pop().unwrap_or_default())
    }

    /// People in each frame, without tracking. Frames where the model returns its maximum of 6
    /// people run again as left and right halves overlapping by a quarter of the width (all
    /// those halves in calls of their own), and the people of both runs are merged (NMS).
    pub fn detect_frames(&mut self, images: &[&RgbImage]) -> Result<Vec<Vec<Person>>, ModelError> {
        let mut found = self.model.detect_frames(images)?;
        if !self.config.tile_when_full {
            return Ok(found);
        }
        let full: Vec<usize> = (0..images.len())
            .filter(|&i| found[i].len() >= MOVENET_MAX_PEOPLE)
            .collect();
        if full.is_empty() {
            return Ok(found);
        }
        let mut tiles = Vec::with_capacity(2 * full.len());
        let mut offsets = Vec::with_capacity(2 * full.len());
        for &i in &full {
            let (w, h) = images[i].dimensions();
            let tile_w = (w * 5 / 8).max(32).min(w);
            for x0 in [0, w - tile_w] {
                tiles.push(image::imageops::crop_imm(images[i], x0, 0, tile_w, h).to_image());
                offsets.push((i, x0 as f32));
            }
        }
        let refs: Vec<&RgbImage> = tiles.iter().collect();
        for ((i, x0), people) in offsets.into_iter().zip(self.model.detect_frames(&refs)?) {
            for mut p in people {
                for kp in p.keypoints.iter_mut() {
                    kp[0] += x0;
                }
                p.bbox[0] += x0;
                p.bbox[2] += x0;
                found[i].push(p);
            }
        }
        for i in full {
            let people = std::mem::take(&mut found[i]);
            let boxes: Vec<_> = people.iter().map(|p| p.bbox).collect();
            let scores: Vec<_> = people.iter().map(|p| p.confidence).collect();
            found[i] = nms(&boxes, &scores, 0.5)
                .into_iter()
                .map(|k| people[k].clone())
                .collect();
        }
        Ok(found)
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
