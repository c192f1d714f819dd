//! MoveNet MultiPose Lightning: up to 6 people per call, 17 keypoints + box each.
//!
//! Input int32 [1,H,W,3] RGB 0–255, H and W multiples of 32. Output [1,6,56]: per person
//! 17 × (y, x, score) relative to the (padded) input, then ymin, xmin, ymax, xmax, score.
//! Small, far people need a larger input: `input_size` is the longer side the frame is resized
//! to (0 = the frame's own size, rounded up to a multiple of 32).

mod heads;

use image::RgbImage;
use ndarray::Array4;
use ort::session::Session;
use ort::value::Tensor;

use super::{Letterbox, ModelError, inference, letterbox, multiple_of_32};
use crate::catalog::Catalog;
use crate::pose::Person;
use crate::runtime::Runtime;
pub use heads::Heads;

pub const NAME: &str = "movenet-multipose";
/// The same weights with a free batch axis, stopped at the heads (decoded by [`Heads`]).
pub const BODY: &str = "movenet-multipose-body";

#[derive(Debug, Clone)]
pub struct MoveNetConfig {
    /// Longer side of the model input in pixels; 0 = native resolution.
    pub input_size: u32,
    /// People below this score are dropped.
    pub min_score: f32,
}

impl Default for MoveNetConfig {
    fn default() -> Self {
        Self {
            input_size: 0,
            min_score: 0.2,
        }
    }
}

pub struct MoveNet {
    session: Session,
    config: MoveNetConfig,
}

impl MoveNet {
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: MoveNetConfig,
    ) -> Result<Self, ModelError> {
        let session = runtime.session(&catalog.require(NAME)?)?;
        Ok(Self { session, config })
    }

    /// The input size used for a frame of this size.
    pub fn input_dims(&self, width: u32, height: u32) -> (u32, u32) {
        input_dims(self.config.input_size, width, height)
    }

    pub fn detect(&mut self, frame: &RgbImage) -> Result<Vec<Person>, ModelError> {
        let (w, h) = self.input_dims(frame.width(), frame.height());
        let lb = letterbox(frame, w, h);
        let input = batch_input(std::slice::from_ref(&lb), w, h);
        let tensor = Tensor::from_array(input).map_err(inference(NAME))?;
        let outputs = self
            .session
            .run(ort::inputs!["input" => tensor])
            .map_err(inference(NAME))?;
        let (shape, data) = outputs["output_0"]
            .try_extract_tensor::<f32>()
            .map_err(|e| ModelError::Output {
                model: NAME,
                name: "output_0".into(),
                reason: e.to_string(),
            })?;
        if shape.len() != 3 || shape[2] != 56 {
            return Err(ModelError::Output {
                model: NAME,
                name: "output_0".into(),
                reason: format!("shape {shape:?}, expected [1,6,56]"),
            });
        }
        Ok(people(
            data.chunks_exact(heads::ROW),
            &lb,
            frame,
            self.config.min_score,
        ))
    }
}

/// MoveNet on several frames in one call (frames of many streams, or a run of a video's frames):
/// the model's convolutional body batched, its heads decoded here ([`Heads`]) into the same people
/// [`MoveNet::detect`] finds frame by frame.
pub struct MoveNetBatch {
    session: Session,
    config: MoveNetConfig,
}

const HEAD_NAMES: [&str; 6] = [
    "center",
    "keypoint_heatmap",
    "keypoint_regression",
    "keypoint_offset",
    "box_scale",
    "box_offset",
];

impl MoveNetBatch {
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: MoveNetConfig,
    ) -> Result<Self, ModelError> {
        let session = runtime.session(&catalog.require(BODY)?)?;
        Ok(Self { session, config })
    }

    /// People in each frame. Frames whose model input has the same size go in one call.
    pub fn detect_frames(&mut self, frames: &[&RgbImage]) -> Result<Vec<Vec<Person>>, ModelError> {
        let mut found: Vec<Vec<Person>> = vec![Vec::new(); frames.len()];
        let mut sizes: Vec<(u32, u32)> = frames
            .iter()
            .map(|f| input_dims(self.config.input_size, f.width(), f.height()))
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        for (w, h) in sizes {
            let group: Vec<usize> = (0..frames.len())
                .filter(|&i| {
                    input_dims(
                        self.config.input_size,
                        frames[i].width(),
                        frames[i].height(),
                    ) == (w, h)
                })
                .collect();
            let boxes: Vec<Letterbox> = group.iter().map(|&i| letterbox(frames[i], w, h)).collect();
            let tensor = Tensor::from_array(batch_input(&boxes, w, h)).map_err(inference(BODY))?;
            let outputs = self
                .session
                .run(ort::inputs!["input" => tensor])
                .map_err(inference(BODY))?;
            let mut data: Vec<&[f32]> = Vec::with_capacity(HEAD_NAMES.len());
            let mut grid = (0, 0);
            for (name, channels) in HEAD_NAMES.into_iter().zip([1, 17, 34, 34, 2, 2]) {
                let (shape, values) =
                    outputs[name]
                        .try_extract_tensor::<f32>()
                        .map_err(|e| ModelError::Output {
                            model: BODY,
                            name: name.into(),
                            reason: e.to_string(),
                        })?;
                let expected = [
                    group.len() as i64,
                    channels,
                    i64::from(h / 4),
                    i64::from(w / 4),
                ];
                if shape[..] != expected {
                    return Err(ModelError::Output {
                        model: BODY,
                        name: name.into(),
                        reason: format!("shape {shape:?}, expected {expected:?}"),
                    });
                }
                grid = (expected[2] as usize, expected[3] as usize);
                data.push(values);
            }
            let (gh, gw) = grid;
            let item = |head: usize, b: usize| {
                let size = data[head].len() / group.len();
                &data[head][b * size..(b + 1) * size]
            };
            for (b, &i) in group.iter().enumerate() {
                let rows = Heads {
                    height: gh,
                    width: gw,
                    center: item(0, b),
                    keypoint_heatmap: item(1, b),
                    keypoint_regression: item(2, b),
                    keypoint_offset: item(3, b),
                    box_scale: item(4, b),
                    box_offset: item(5, b),
                }
                .decode(self.config.min_score);
                found[i] = people(
                    rows.iter().map(|r| &r[..]),
                    &boxes[b],
                    frames[i],
                    self.config.min_score,
                );
            }
        }
        Ok(found)
    }
}

/// The model input for a frame: its longer side at `input_size` (0 = as it is), both sides
/// rounded up to multiples of 32.
fn input_dims(input_size: u32, width: u32, height: u32) -> (u32, u32) {
    let longer = width.max(height) as f32;
    let target = if input_size == 0 {
        longer
    } else {
        input_size as f32
    };
    let s = target / longer;
    (
        multiple_of_32((width as f32 * s).round() as u32),
        multiple_of_32((height as f32 * s).round() as u32),
    )
}

/// Letterboxed frames as the models' int32 `[N, h, w, 3]` input.
fn batch_input(frames: &[Letterbox], w: u32, h: u32) -> Array4<i32> {
    let values = frames
        .iter()
        .flat_map(|lb| lb.rgb.iter().map(|&v| i32::from(v)))
        .collect();
    Array4::from_shape_vec((frames.len(), h as usize, w as usize, 3), values)
        .expect("letterboxes have h*w*3 values each")
}

/// Model rows (relative to the letterboxed input) → people in frame pixels, above `min_score`.
fn people<'a>(
    rows: impl Iterator<Item = &'a [f32]>,
    lb: &Letterbox,
    frame: &RgbImage,
    min_score: f32,
) -> Vec<Person> {
    let (sx, sy) = (lb.width as f32 / lb.scale, lb.height as f32 / lb.scale);
    let (fw, fh) = (frame.width() as f32, frame.height() as f32);
    rows.filter(|row| row[55] >= min_score)
        .map(|row| {
            let mut keypoints = [[0.0f32; 3]; 17];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                *kp = [
                    (row[3 * k + 1] * sx).clamp(0.0, fw),
                    (row[3 * k] * sy).clamp(0.0, fh),
                    row[3 * k + 2],
                ];
            }
            let bbox = [
                (row[52] * sx).clamp(0.0, fw),
                (row[51] * sy).clamp(0.0, fh),
                (row[54] * sx).clamp(0.0, fw),
                (row[53] * sy).clamp(0.0, fh),
            ];
            Person {
                keypoints,
                bbox,
                confidence: row[55],
                track_id: None,
            }
        })
        .collect()
}
