//! NanoDet-m: COCO-80 detector; Recognizer uses class 0 (person) for tracking boxes.
//!
//! Input float32 [1,3,416,416] RGB / 255. Per stride 8/16/32: class probabilities [1,N,80] and
//! box distributions [1,N,44] = 4 sides × 11 bins (softmax; expected bin × stride = distance from
//! the cell centre to the left, top, right, bottom sides).

use image::RgbImage;
use ndarray::Array4;
use ort::session::Session;
use ort::value::Tensor;

use super::{ModelError, inference, letterbox, write_planar};
use crate::catalog::Catalog;
use crate::pose::{BBox, nms};
use crate::runtime::Runtime;

pub const NAME: &str = "nanodet";
const SIZE: u32 = 416;
const BINS: usize = 11;
/// (stride, class output, box output)
const HEADS: [(usize, &str, &str); 3] = [
    (8, "Identity:0", "Identity_3:0"),
    (16, "Identity_1:0", "Identity_4:0"),
    (32, "Identity_2:0", "Identity_5:0"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub bbox: BBox,
    pub score: f32,
}

#[derive(Debug, Clone)]
pub struct NanoDetConfig {
    pub min_score: f32,
    pub nms_iou: f32,
}

impl Default for NanoDetConfig {
    fn default() -> Self {
        Self {
            min_score: 0.3,
            nms_iou: 0.5,
        }
    }
}

pub struct NanoDet {
    session: Session,
    config: NanoDetConfig,
}

impl NanoDet {
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: NanoDetConfig,
    ) -> Result<Self, ModelError> {
        let session = runtime.session(&catalog.require(NAME)?)?;
        Ok(Self { session, config })
    }

    /// Person boxes in frame pixels.
    pub fn detect_people(&mut self, frame: &RgbImage) -> Result<Vec<Detection>, ModelError> {
        let lb = letterbox(frame, SIZE, SIZE);
        let n = SIZE as usize;
        let mut input = Array4::<f32>::zeros((1, 3, n, n));
        write_planar(&lb.rgb, &mut input, 0, 1.0 / 255.0);
        let tensor = Tensor::from_array(input).map_err(inference(NAME))?;
        let _running = crate::runtime::Runtime::running();
        let outputs = self
            .session
            .run(ort::inputs!["input_1:0" => tensor])
            .map_err(inference(NAME))?;
        let mut boxes = Vec::new();
        let mut scores = Vec::new();
        for (stride, cls_name, box_name) in HEADS {
            let extract = |name: &str| {
                outputs[name]
                    .try_extract_tensor::<f32>()
                    .map(|(_, d)| d)
                    .map_err(|e| ModelError::Output {
                        model: NAME,
                        name: name.into(),
                        reason: e.to_string(),
                    })
            };
            let cls = extract(cls_name)?;
            let reg = extract(box_name)?;
            let cols = n / stride;
            for cell in 0..cols * cols {
                let score = cls[cell * 80]; // class 0 = person
                if score < self.config.min_score {
                    continue;
                }
                let (cy, cx) = (
                    ((cell / cols) as f32 + 0.5) * stride as f32,
                    ((cell % cols) as f32 + 0.5) * stride as f32,
                );
                let d = |side: usize| {
                    expected_bin(&reg[cell * 4 * BINS + side * BINS..][..BINS]) * stride as f32
                };
                let s = lb.scale;
                boxes.push([
                    (cx - d(0)) / s,
                    (cy - d(1)) / s,
                    (cx + d(2)) / s,
                    (cy + d(3)) / s,
                ]);
                scores.push(score);
            }
        }
        let (fw, fh) = (frame.width() as f32, frame.height() as f32);
        Ok(nms(&boxes, &scores, self.config.nms_iou)
            .into_iter()
            .map(|k| {
                let b = boxes[k];
                Detection {
                    bbox: [b[0].max(0.0), b[1].max(0.0), b[2].min(fw), b[3].min(fh)],
                    score: scores[k],
                }
            })
            .collect())
    }
}

/// Softmax over the bins, then the expected bin index.
fn expected_bin(logits: &[f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let exps: Vec<f32> = logits.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.iter()
        .enumerate()
        .map(|(i, e)| i as f32 * e / sum)
        .sum()
}
