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
use crate::runtime::{InputBuffers, Runtime, ShapedSessions};
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
///
/// Frames are letterboxed into the model input on a thread each, and their heads decoded on a
/// thread each: on the H200 at pose input 640 one thread doing both for a call of 16 frames made
/// the batched model slower than the full model frame by frame (bench/RESULTS.md, "MoveNet in
/// batches"). Where shapes are fixed (CUDA) every call has exactly `batch` items (padded; the
/// padding's outputs are not read) in a session of its own per shape, so cuDNN plans once.
pub struct MoveNetBatch {
    sessions: ShapedSessions,
    /// The inputs, kept from run to run (pinned on CUDA).
    buffers: InputBuffers<i32>,
    config: MoveNetConfig,
    batch: usize,
    padded: bool,
}

const HEAD_NAMES: [&str; 6] = [
    "center",
    "keypoint_heatmap",
    "keypoint_regression",
    "keypoint_offset",
    "box_scale",
    "box_offset",
];
const HEAD_CHANNELS: [i64; 6] = [1, 17, 34, 34, 2, 2];

impl MoveNetBatch {
    /// Calls of at most `batch` frames (at least 1).
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: MoveNetConfig,
        batch: usize,
    ) -> Result<Self, ModelError> {
        let sessions = runtime.shaped_sessions(&catalog.require(BODY)?)?;
        Ok(Self {
            sessions,
            buffers: InputBuffers::default(),
            config,
            batch: batch.max(1),
            padded: runtime.fixed_shapes(),
        })
    }

    /// Frames per call.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// People in each frame. Frames whose model input has the same size go in one call (or
    /// several, of at most `batch` frames).
    pub fn detect_frames(&mut self, frames: &[&RgbImage]) -> Result<Vec<Vec<Person>>, ModelError> {
        let dims: Vec<(u32, u32)> = frames
            .iter()
            .map(|f| input_dims(self.config.input_size, f.width(), f.height()))
            .collect();
        let mut sizes = dims.clone();
        sizes.sort_unstable();
        sizes.dedup();
        let mut found: Vec<Vec<Person>> = vec![Vec::new(); frames.len()];
        for size in sizes {
            let group: Vec<usize> = (0..frames.len()).filter(|&i| dims[i] == size).collect();
            for call in group.chunks(self.batch) {
                let images: Vec<&RgbImage> = call.iter().map(|&i| frames[i]).collect();
                for (&i, people) in call.iter().zip(self.run(&images, size)?) {
                    found[i] = people;
                }
            }
        }
        Ok(found)
    }

    /// One call for `frames` (at most `batch`), all with the model input `w`×`h`.
    fn run(
        &mut self,
        frames: &[&RgbImage],
        (w, h): (u32, u32),
    ) -> Result<Vec<Vec<Person>>, ModelError> {
        let items = if self.padded {
            self.batch
        } else {
            frames.len()
        };
        let shape = [items, h as usize, w as usize, 3];
        let session = self.sessions.get(&shape)?;
        let input = self.buffers.get(session, &shape).map_err(inference(BODY))?;
        let data = input.extract_tensor_mut().1;
        let boxes: Vec<Letterbox> = std::thread::scope(|scope| {
            let letterboxing: Vec<_> = frames
                .iter()
                .zip(data.chunks_mut((w * h * 3) as usize))
                .map(|(frame, item)| {
                    scope.spawn(move || {
                        let lb = letterbox(frame, w, h);
                        for (to, &from) in item.iter_mut().zip(&lb.rgb) {
                            *to = i32::from(from);
                        }
                        lb
                    })
                })
                .collect();
            letterboxing
                .into_iter()
                .map(|t| t.join().expect("letterboxing does not panic"))
                .collect()
        });
        let outputs = session
            .run(ort::inputs!["input" => &*input])
            .map_err(inference(BODY))?;
        let (gh, gw) = ((h / 4) as usize, (w / 4) as usize);
        let mut data: Vec<&[f32]> = Vec::with_capacity(HEAD_NAMES.len());
        for (name, channels) in HEAD_NAMES.into_iter().zip(HEAD_CHANNELS) {
            let (shape, values) =
                outputs[name]
                    .try_extract_tensor::<f32>()
                    .map_err(|e| ModelError::Output {
                        model: BODY,
                        name: name.into(),
                        reason: e.to_string(),
                    })?;
            let expected = [items as i64, channels, gh as i64, gw as i64];
            if shape[..] != expected {
                return Err(ModelError::Output {
                    model: BODY,
                    name: name.into(),
                    reason: format!("shape {shape:?}, expected {expected:?}"),
                });
            }
            data.push(values);
        }
        let min_score = self.config.min_score;
        let item = |head: usize, b: usize| {
            let size = data[head].len() / items;
            &data[head][b * size..(b + 1) * size]
        };
        Ok(std::thread::scope(|scope| {
            let decoding: Vec<_> = (0..frames.len())
                .map(|b| {
                    let heads = Heads {
                        height: gh,
                        width: gw,
                        center: item(0, b),
                        keypoint_heatmap: item(1, b),
                        keypoint_regression: item(2, b),
                        keypoint_offset: item(3, b),
                        box_scale: item(4, b),
                        box_offset: item(5, b),
                    };
                    let (frame, lb) = (frames[b], &boxes[b]);
                    scope.spawn(move || {
                        let rows = heads.decode(min_score);
                        people(rows.iter().map(|r| &r[..]), lb, frame, min_score)
                    })
                })
                .collect();
            decoding
                .into_iter()
                .map(|t| t.join().expect("decoding heads does not panic"))
                .collect()
        }))
    }
}

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
