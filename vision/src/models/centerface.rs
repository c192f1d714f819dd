//! CenterFace: faces and 5 landmarks (eyes, nose, mouth corners).
//!
//! Input float32 [B,3,H,W] RGB 0–255, H and W multiples of 32 (the manifest's conversion made
//! them symbolic). Outputs at stride 4: heatmap [B,1], scale [B,2], offset [B,2], landmarks [B,10].

use image::RgbImage;
use ndarray::Array4;
use ort::session::Session;
use ort::value::Tensor;
use serde::{Deserialize, Serialize};

use super::{ModelError, inference, multiple_of_32, resized, write_planar};
use crate::catalog::Catalog;
use crate::pose::{BBox, nms};
use crate::runtime::Runtime;

pub const NAME: &str = "centerface";
const OUT_HEAT: &str = "537";
const OUT_SCALE: &str = "538";
const OUT_OFFSET: &str = "539";
const OUT_LANDMARKS: &str = "540";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Face {
    pub bbox: BBox,
    pub score: f32,
    /// left eye, right eye, nose, left mouth corner, right mouth corner (x, y pixels)
    pub landmarks: [[f32; 2]; 5],
}

#[derive(Debug, Clone)]
pub struct CenterFaceConfig {
    /// Longer side of the model input; 0 = native resolution.
    pub input_size: u32,
    /// Heatmap threshold (deface uses 0.2).
    pub threshold: f32,
    pub nms_iou: f32,
}

impl Default for CenterFaceConfig {
    fn default() -> Self {
        Self {
            input_size: 640,
            threshold: 0.2,
            nms_iou: 0.3,
        }
    }
}

pub struct CenterFace {
    session: Session,
    pub config: CenterFaceConfig,
}

impl CenterFace {
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: CenterFaceConfig,
    ) -> Result<Self, ModelError> {
        let session = runtime.session(&catalog.require(NAME)?)?;
        Ok(Self { session, config })
    }

    fn input_dims(&self, width: u32, height: u32) -> (u32, u32) {
        let longer = width.max(height) as f32;
        let target = if self.config.input_size == 0 {
            longer
        } else {
            (self.config.input_size as f32).min(longer.max(32.0))
        };
        let s = target / longer;
        (
            multiple_of_32((width as f32 * s).round() as u32),
            multiple_of_32((height as f32 * s).round() as u32),
        )
    }

    pub fn detect(&mut self, frame: &RgbImage) -> Result<Vec<Face>, ModelError> {
        Ok(self
            .detect_batch(std::slice::from_ref(frame))?
            .pop()
            .unwrap_or_default())
    }

    /// Several frames of the same size in one call.
    pub fn detect_batch(&mut self, frames: &[RgbImage]) -> Result<Vec<Vec<Face>>, ModelError> {
        let Some(first) = frames.first() else {
            return Ok(Vec::new());
        };
        let (w, h) = self.input_dims(first.width(), first.height());
        let (wu, hu) = (w as usize, h as usize);
        let mut input = Array4::<f32>::zeros((frames.len(), 3, hu, wu));
        let mut scales = Vec::with_capacity(frames.len());
        for (b, frame) in frames.iter().enumerate() {
            // stretched to the model's multiples of 32, as deface feeds it (letterboxing
            // changes the scores of borderline faces: we want at least what deface finds)
            write_planar(&resized(frame, w, h), &mut input, b, 1.0);
            scales.push((
                w as f32 / frame.width() as f32,
                h as f32 / frame.height() as f32,
            ));
        }
        let tensor = Tensor::from_array(input).map_err(inference(NAME))?;
        let outputs = self
            .session
            .run(ort::inputs!["input.1" => tensor])
            .map_err(inference(NAME))?;
        let get = |name: &str| {
            outputs[name]
                .try_extract_tensor::<f32>()
                .map(|(s, d)| (s.to_vec(), d))
                .map_err(|e| ModelError::Output {
                    model: NAME,
                    name: name.into(),
                    reason: e.to_string(),
                })
        };
        let (heat_shape, heat) = get(OUT_HEAT)?;
        let (_, scale) = get(OUT_SCALE)?;
        let (_, offset) = get(OUT_OFFSET)?;
        let (_, landmarks) = get(OUT_LANDMARKS)?;
        let (oh, ow) = (heat_shape[2] as usize, heat_shape[3] as usize);
        let plane = oh * ow;
        let mut results = Vec::with_capacity(frames.len());
        for (b, frame) in frames.iter().enumerate() {
            let at =
                |t: &[f32], channels: usize, c: usize, i: usize| t[(b * channels + c) * plane + i];
            let mut boxes = Vec::new();
            let mut scores = Vec::new();
            let mut marks = Vec::new();
            for i in 0..plane {
                let score = heat[b * plane + i];
                if score <= self.config.threshold {
                    continue;
                }
                let (row, col) = ((i / ow) as f32, (i % ow) as f32);
                let bh = at(scale, 2, 0, i).exp() * 4.0;
                let bw = at(scale, 2, 1, i).exp() * 4.0;
                let cx = (col + at(offset, 2, 1, i) + 0.5) * 4.0;
                let cy = (row + at(offset, 2, 0, i) + 0.5) * 4.0;
                let x1 = (cx - bw / 2.0).max(0.0);
                let y1 = (cy - bh / 2.0).max(0.0);
                let mut lm = [[0.0f32; 2]; 5];
                for (j, p) in lm.iter_mut().enumerate() {
                    *p = [
                        at(landmarks, 10, 2 * j + 1, i) * bw + x1,
                        at(landmarks, 10, 2 * j, i) * bh + y1,
                    ];
                }
                boxes.push([x1, y1, (x1 + bw).min(w as f32), (y1 + bh).min(h as f32)]);
                scores.push(score);
                marks.push(lm);
            }
            let (sx, sy) = scales[b];
            let (fw, fh) = (frame.width() as f32, frame.height() as f32);
            let faces = nms(&boxes, &scores, self.config.nms_iou)
                .into_iter()
                .map(|k| {
                    let bx = boxes[k];
                    Face {
                        bbox: [
                            (bx[0] / sx).min(fw),
                            (bx[1] / sy).min(fh),
                            (bx[2] / sx).min(fw),
                            (bx[3] / sy).min(fh),
                        ],
                        score: scores[k],
                        landmarks: marks[k].map(|[x, y]| [x / sx, y / sy]),
                    }
                })
                .collect();
            results.push(faces);
        }
        Ok(results)
    }
}
