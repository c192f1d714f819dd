//! Drawing results onto frames, apart from inference: a layered renderer over stored results
//! (tracks, events, scores, masks) with styles and modes, for the visualize job and
//! `recognizer pose --render`. `bitmap` keeps the small 8×8-font helpers of the event pictures.

pub mod bitmap;
pub mod canvas;
pub mod faces;
pub mod layers;
pub mod parameters;
pub mod results;
pub mod style;
pub mod video;

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use bitmap::{draw_box, label, track_colour};
pub use results::{Results, ResultsError};
pub use style::{Style, StyleName};

use crate::anonymize::{Filter, Shape, filter};
use crate::pose::BBox;
use canvas::Canvas;
use layers::{Heat, Scene};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Faces blurred (from an anonymize job's mask log, or found while rendering).
    Anonymize,
    /// Where people have stood so far.
    Heatmap,
    /// Each person's path over the last seconds.
    Trajectory,
    Bbox,
    Skeleton,
    TrackId,
    /// People in frame, events going on, the time.
    Statistics,
    /// Each service's events along the video, with the playhead.
    Timeline,
}

impl Layer {
    /// In drawing order: faces are blurred before anything is drawn over them.
    pub const ALL: [Layer; 8] = [
        Layer::Anonymize,
        Layer::Heatmap,
        Layer::Trajectory,
        Layer::Bbox,
        Layer::Skeleton,
        Layer::TrackId,
        Layer::Statistics,
        Layer::Timeline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Anonymize => "anonymize",
            Layer::Heatmap => "heatmap",
            Layer::Trajectory => "trajectory",
            Layer::Bbox => "bbox",
            Layer::Skeleton => "skeleton",
            Layer::TrackId => "track_id",
            Layer::Statistics => "statistics",
            Layer::Timeline => "timeline",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Everything but the heatmap (which hides the floor): people, paths, statistics, timeline.
    #[default]
    Full,
    SkeletonOnly,
    /// Boxes, ids and the timeline.
    Minimal,
    /// Every layer.
    Debug,
    /// The video as it is: no layer at all (not even blurred faces).
    Raw,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Full,
        Mode::SkeletonOnly,
        Mode::Minimal,
        Mode::Debug,
        Mode::Raw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::SkeletonOnly => "skeleton_only",
            Mode::Minimal => "minimal",
            Mode::Debug => "debug",
            Mode::Raw => "raw",
        }
    }

    pub fn layers(self) -> &'static [Layer] {
        use Layer::*;
        match self {
            Mode::Full => &[
                Anonymize, Trajectory, Bbox, Skeleton, TrackId, Statistics, Timeline,
            ],
            Mode::SkeletonOnly => &[Anonymize, Skeleton],
            Mode::Minimal => &[Anonymize, Bbox, TrackId, Timeline],
            Mode::Debug => &Layer::ALL,
            Mode::Raw => &[],
        }
    }
}

/// The visualize job's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderConfig {
    pub mode: Mode,
    pub style: StyleName,
    /// Layers drawn besides the mode's.
    pub layers_on: Vec<Layer>,
    /// The mode's layers left out.
    pub layers_off: Vec<Layer>,
    /// Seconds of path behind each person.
    pub trajectory_secs: f64,
    /// Render from this second of the video …
    pub from_secs: f64,
    /// … to this one (0: to the end).
    pub to_secs: f64,
    /// Output width in pixels (0: the video's own; the height keeps the aspect).
    pub width: u32,
    /// Keypoints below this confidence are not drawn.
    pub min_keypoint_score: f32,
    /// The annotate or analyze job whose tracks (and events and scores) are drawn.
    pub source_job: Option<String>,
    /// An anonymize job whose mask log blurs the faces (otherwise faces are found while rendering).
    pub masks_job: Option<String>,
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Full,
            style: StyleName::Professional,
            layers_on: Vec::new(),
            layers_off: Vec::new(),
            trajectory_secs: 2.0,
            from_secs: 0.0,
            to_secs: 0.0,
            width: 0,
            min_keypoint_score: 0.3,
            source_job: None,
            masks_job: None,
        }
    }
}

impl RenderConfig {
    /// The layers drawn, in drawing order.
    pub fn layers(&self) -> Vec<Layer> {
        Layer::ALL
            .into_iter()
            .filter(|l| {
                (self.mode.layers().contains(l) || self.layers_on.contains(l))
                    && !self.layers_off.contains(l)
            })
            .collect()
    }

    /// What is wrong, field by field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !(0.0..=600.0).contains(&self.trajectory_secs) {
            out.push((
                "trajectory_secs",
                format!(
                    "trajectory_secs {} must be between 0 and 600 s",
                    self.trajectory_secs
                ),
            ));
        }
        if !(self.from_secs >= 0.0 && self.from_secs.is_finite()) {
            out.push((
                "from_secs",
                format!("from_secs {} must be 0 or more", self.from_secs),
            ));
        }
        if !(self.to_secs >= 0.0 && self.to_secs.is_finite()) {
            out.push((
                "to_secs",
                format!("to_secs {} must be 0 (the end) or more", self.to_secs),
            ));
        } else if self.to_secs > 0.0 && self.to_secs <= self.from_secs {
            out.push((
                "to_secs",
                format!(
                    "to_secs {} must be after from_secs {} (or 0 for the end of the video)",
                    self.to_secs, self.from_secs
                ),
            ));
        }
        if self.width != 0 && !(64..=7680).contains(&self.width) {
            out.push((
                "width",
                format!(
                    "width {} must be 0 (the video's own) or 64–7680 px",
                    self.width
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_keypoint_score) {
            out.push((
                "min_keypoint_score",
                format!(
                    "min_keypoint_score {} must be between 0 and 1",
                    self.min_keypoint_score
                ),
            ));
        }
        for (field, id) in [
            ("source_job", &self.source_job),
            ("masks_job", &self.masks_job),
        ] {
            if let Some(id) = id
                && uuid_like(id).is_none()
            {
                out.push((field, format!("{field} {id:?} is not a job id")));
            }
        }
        out
    }
}

fn uuid_like(s: &str) -> Option<()> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(())
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("finding faces to blur: {0}")]
    Faces(String),
}

/// Finds the face regions to blur in a frame, given the people tracked in it (heads from their
/// keypoints count too).
pub type FaceFinder =
    Box<dyn FnMut(&RgbImage, &[crate::pose::Person]) -> Result<Vec<BBox>, RenderError> + Send>;

/// Draws a mode's layers in a style onto frame after frame.
pub struct Renderer {
    config: RenderConfig,
    style: Style,
    layers: Vec<Layer>,
    results: Results,
    duration: f64,
    scale: f32,
    heat: Heat,
    faces: Option<FaceFinder>,
    canvas: Canvas,
    /// How much larger than a face's box the blur is (the anonymize job's default).
    mask_scale: f32,
    /// Tracks shown on frames after theirs (poses estimated on every k-th frame).
    hold_frames: u64,
    /// Regions blurred on the last frame drawn.
    blurred: usize,
}

impl Renderer {
    /// `duration`: the video's length in seconds (the timeline's span).
    pub fn new(config: RenderConfig, results: Results, duration: f64) -> Self {
        Self {
            style: Style::named(config.style),
            layers: config.layers(),
            config,
            results,
            duration,
            scale: 1.0,
            heat: Heat::new(64, 36),
            faces: None,
            canvas: Canvas::new(1, 1),
            mask_scale: crate::anonymize::AnonymizeConfig::default().mask_scale,
            hold_frames: 2,
            blurred: 0,
        }
    }

    /// Results are in the source's pixels; frames drawn on are `scale` times that.
    /// The video's length in seconds (the timeline's span).
    pub fn set_duration(&mut self, secs: f64) {
        self.duration = secs;
    }

    pub fn set_scale(&mut self, scale: f32) {
        self.scale = scale;
    }

    /// Faces found in each frame when there is no mask log.
    pub fn with_face_finder(mut self, finder: FaceFinder) -> Self {
        self.faces = Some(finder);
        self
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    pub fn results(&self) -> &Results {
        &self.results
    }

    /// Adds a frame's people as they are found (a live pipeline rather than stored results);
    /// frames older than the trajectory are let go unless the heatmap needs them.
    pub fn push_frame(&mut self, frame: crate::annotate::stages::TrackFrame) {
        let keep_from = frame.timestamp - self.config.trajectory_secs - 1.0;
        self.results.frames.push(frame);
        if !self.layers.contains(&Layer::Heatmap) {
            let old = self
                .results
                .frames
                .partition_point(|f| f.timestamp < keep_from);
            self.results.frames.drain(..old);
        }
    }

    /// How many face regions the last frame drawn had blurred.
    pub fn blurred_regions(&self) -> usize {
        self.blurred
    }

    /// The events drawn from now on (live: the ones going on).
    pub fn set_events(&mut self, events: Vec<(crate::events::Service, crate::events::Event)>) {
        self.results.events = events;
    }

    /// Whether the anonymize layer needs faces found while rendering.
    pub fn needs_face_finder(&self) -> bool {
        self.layers.contains(&Layer::Anonymize) && self.results.masks.is_none()
    }

    /// Draws frame `number` (shown at `time` seconds) in place.
    pub fn draw(
        &mut self,
        image: &mut RgbImage,
        number: u64,
        time: f64,
    ) -> Result<(), RenderError> {
        if self.layers.is_empty() {
            return Ok(());
        }
        let people = self.results.people_at(number, self.hold_frames);
        if self.layers.contains(&Layer::Anonymize) {
            let regions: Vec<BBox> = match (&self.results.masks, self.faces.as_mut()) {
                (Some(log), _) => log
                    .get(&number)
                    .map(|b| b.iter().map(|b| b.map(|v| v * self.scale)).collect())
                    .unwrap_or_default(),
                (None, Some(find)) => {
                    let persons: Vec<crate::pose::Person> = people
                        .iter()
                        .map(|p| {
                            let mut q = p.person.clone();
                            q.bbox = q.bbox.map(|v| v * self.scale);
                            q.keypoints.iter_mut().for_each(|k| {
                                k[0] *= self.scale;
                                k[1] *= self.scale;
                            });
                            q
                        })
                        .collect();
                    find(image, &persons)?
                }
                (None, None) => Vec::new(),
            };
            self.blurred = regions.len();
            for r in &regions {
                filter::apply(
                    image,
                    &crate::anonymize::masks::scaled(r, self.mask_scale),
                    Filter::default(),
                    Shape::Ellipse,
                );
            }
        }
        if self.layers.iter().all(|l| *l == Layer::Anonymize) {
            return Ok(());
        }
        let canvas = &mut self.canvas;
        canvas.begin(image.width(), image.height());
        let scene = Scene {
            number,
            time,
            duration: self.duration,
            people,
            results: &self.results,
            scale: self.scale,
            unit: canvas.height() / 720.0,
            min_keypoint_score: self.config.min_keypoint_score,
        };
        let style = &self.style;
        for layer in &self.layers {
            match layer {
                Layer::Anonymize => {}
                Layer::Heatmap => layers::heatmap(canvas, &scene, &mut self.heat),
                Layer::Trajectory => {
                    layers::trajectory(canvas, &scene, style, self.config.trajectory_secs)
                }
                Layer::Bbox => layers::boxes(canvas, &scene, style),
                Layer::Skeleton => layers::skeleton(canvas, &scene, style),
                Layer::TrackId => layers::track_ids(canvas, &scene, style),
                Layer::Statistics => layers::statistics(canvas, &scene, style),
                Layer::Timeline => layers::timeline(canvas, &scene, style),
            }
        }
        canvas.finish(image);
        Ok(())
    }
}
