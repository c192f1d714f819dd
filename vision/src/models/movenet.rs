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

use super::{ModelError, inference, letterbox, multiple_of_32};
use crate::catalog::Catalog;
use crate::pose::Person;
use crate::runtime::Runtime;

pub const NAME: &str = "movenet-multipose";

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
        let longer = width.max(height) as f32;
        let target = if self.config.input_size == 0 {
            longer
        } else {
            self.config.input_size as f32
        };
        let s = target / longer;
        (
            multiple_of_32((width as f32 * s).round() as u32),
            multiple_of_32((height as f32 * s).round() as u32),
        )
    }

    pub fn detect(&mut self, frame: &RgbImage) -> Result<Vec<Person>, ModelError> {
        let (w, h) = self.input_dims(frame.width(), frame.height());
        let lb = letterbox(frame, w, h);
        let input = Array4::from_shape_vec(
            (1, h as usize, w as usize, 3),
            lb.rgb.iter().map(|&v| i32::from(v)).collect(),
        )
        .expect("letterbox has h*w*3 values");
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
        // normalised input coordinates → frame pixels
        let (sx, sy) = (w as f32 / lb.scale, h as f32 / lb.scale);
        let (fw, fh) = (frame.width() as f32, frame.height() as f32);
        Ok(data
            .chunks_exact(56)
            .filter(|row| row[55] >= self.config.min_score)
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
            .collect())
    }
}
