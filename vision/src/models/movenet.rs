//! MoveNet MultiPose Lightning: up to 6 people per call, 17 keypoints + box each.
//!
//! Input int32 [1,H,W,3] RGB 0–255, H and W multiples of 32. Output [1,6,56]: per person
//! 17 × (y, x, score) relative to the (padded) input, then ymin, xmin, ymax, xmax, score.
//! Small, far people need a larger input: `input_size` is the longer side the frame is resized
//! to (0 = the frame's own size, rounded up to a multiple of 32).

use image::RgbImage;
use ndarray::Array4;
use ort::session::Session;
use ort::value::Tensor;

use super::{Letterbox, ModelError, inference, letterbox, multiple_of_32};
use crate::catalog::Catalog;
use crate::pose::Person;
use crate::runtime::{CudaTuning, InputBuffers, ModelSessions, Runtime};

pub const NAME: &str = "movenet-multipose";
/// The same weights for frames in batches: a free batch axis, uint8 frames in, the heads decoded
/// inside the graph for every item (models/onnx_movenet_decode.py), the full model's rows out.
pub const BATCH: &str = "movenet-multipose-batch";
/// The batched model's convolutions on CUDA: TF32 and channels-last. Measured on the H200 at
/// pose input 640, 16 frames a call (bench/RESULTS.md, round 6): 716 frames/s in float32 NCHW,
/// 876 with TF32, 636 channels-last alone, 904 both (half precision: 750); eight annotate jobs
/// in one process ~790 → ~1,020 frames/s once running; tracks against the CPU's as before
/// (mean 3.5 px, identities 100 %).
const CUDA_TUNING: CudaTuning = CudaTuning {
    tf32: true,
    channels_last: true,
};
/// Values per person row: 17 × (y, x, score), ymin, xmin, ymax, xmax, score.
const ROW: usize = 56;
/// People per frame, at most.
const PEOPLE: usize = 6;

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
        let _running = crate::runtime::Runtime::running();
        let outputs = self
            .session
            .run(ort::inputs!["input" => tensor])
            .map_err(inference(NAME))?;
        Ok(people(
            rows(&outputs, NAME, 1)?.chunks_exact(ROW),
            &lb,
            frame,
            self.config.min_score,
        ))
    }
}

/// MoveNet on several frames in one call (frames of many streams, or a run of a video's frames):
/// the same people [`MoveNet::detect`] finds frame by frame.
///
/// The batched model decodes its heads on the device and returns 1.3 KB a frame (its heads,
/// decoded here until session 20, were ~5.5 MB a frame at input 640 to copy back and decode on a
/// thread per frame). Frames are letterboxed into the model's uint8 input on a thread each.
/// Where shapes are fixed (CUDA) every call has exactly `batch` items (padded; the padding's rows
/// are not read) in a session of its own per shape, so cuDNN plans once.
pub struct MoveNetBatch {
    /// Shared with the process's other pose pipelines where `Runtime::share_sessions` says so.
    sessions: ModelSessions,
    /// The inputs, kept from run to run (pinned on CUDA).
    buffers: InputBuffers<u8>,
    config: MoveNetConfig,
    batch: usize,
    padded: bool,
}

impl MoveNetBatch {
    /// Calls of at most `batch` frames (at least 1).
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: MoveNetConfig,
        batch: usize,
    ) -> Result<Self, ModelError> {
        Self::sharing(runtime, catalog, config, batch, runtime.share_sessions())
    }

    /// As [`MoveNetBatch::new`], with the process's shared sessions when `share` says so
    /// (`runtime.share_sessions` chooses for `new`).
    pub fn sharing(
        runtime: &Runtime,
        catalog: &Catalog,
        config: MoveNetConfig,
        batch: usize,
        share: bool,
    ) -> Result<Self, ModelError> {
        let path = catalog.require(BATCH)?;
        let sessions = ModelSessions::new(runtime, &path, CUDA_TUNING, share)?;
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
        let Self {
            sessions, buffers, ..
        } = self;
        let input = sessions.with(move |sessions| {
            let session = sessions.get(&shape)?;
            buffers.get(session, &shape).map_err(inference(BATCH))
        })?;
        let data = input.extract_tensor_mut().1;
        let boxes: Vec<Letterbox> = std::thread::scope(|scope| {
            let letterboxing: Vec<_> = frames
                .iter()
                .zip(data.chunks_mut((w * h * 3) as usize))
                .map(|(frame, item)| {
                    scope.spawn(move || {
                        let lb = letterbox(frame, w, h);
                        item.copy_from_slice(&lb.rgb);
                        lb
                    })
                })
                .collect();
            letterboxing
                .into_iter()
                .map(|t| t.join().expect("letterboxing does not panic"))
                .collect()
        });
        let ran = sessions.run(&shape, |session| {
            let outputs = session
                .run(ort::inputs!["input" => &*input])
                .map_err(inference(BATCH))?;
            rows(&outputs, BATCH, items).map(<[f32]>::to_vec)
        })?;
        if ran.first {
            tracing::info!(
                ?shape,
                secs = ran.started.elapsed().as_secs_f32(),
                "pose model's first run at this shape"
            );
        }
        let rows = ran.output;
        let min_score = self.config.min_score;
        Ok(frames
            .iter()
            .zip(&boxes)
            .zip(rows.chunks_exact(PEOPLE * ROW))
            .map(|((frame, lb), rows)| people(rows.chunks_exact(ROW), lb, frame, min_score))
            .collect())
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

/// The rows `[items, 6, 56]` of a MoveNet model's output.
fn rows<'a>(
    outputs: &'a ort::session::SessionOutputs<'_>,
    model: &'static str,
    items: usize,
) -> Result<&'a [f32], ModelError> {
    let fail = |reason: String| ModelError::Output {
        model,
        name: "output_0".into(),
        reason,
    };
    let (shape, rows) = outputs["output_0"]
        .try_extract_tensor::<f32>()
        .map_err(|e| fail(e.to_string()))?;
    let expected = [items as i64, PEOPLE as i64, ROW as i64];
    if shape[..] != expected {
        return Err(fail(format!("shape {shape:?}, expected {expected:?}")));
    }
    Ok(rows)
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
