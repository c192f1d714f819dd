//! Decoding MoveNet MultiPose's six heads into the full model's rows, outside the graph.
//!
//! The converted model decodes its heads inside the graph for one image only, so the batched
//! model (`movenet-multipose-body`, see models/onnx_movenet_body.py) stops at the heads and this
//! module does what the graph did, step for step:
//! 1. centres: sigmoid of the centre head, kept where it equals its 5×5 neighbourhood's maximum,
//!    the 6 highest (a person each, highest first);
//! 2. each person's keypoints regressed from its centre, then, per keypoint, the heatmap cell
//!    (inside the person's box) with the highest sigmoid × exp(−distance² / (0.3 · min(h, w)))
//!    to the regressed point, refined by the offset head; a keypoint's score is the highest such
//!    value any of the 6 people gives that cell;
//! 3. the box from the centre, box offset and box scale; the person's score is the centre's score
//!    × the mean of the keypoint scores above 0.127.
//!
//! Rows are the full model's: 17 × (y, x, score), ymin, xmin, ymax, xmax, score, relative to the
//! input. The vision test `the_batched_body_decodes_to_the_full_models_people` compares both.

/// People per image, as the full model.
pub const PEOPLE: usize = 6;
/// Values per person row.
pub const ROW: usize = 56;
const KEYPOINTS: usize = 17;
/// The graph's constants.
const PEAK_TOLERANCE: f32 = 1.013_278_961_181_640_6e-6;
const SPREAD: f32 = 0.300_048_828_125;
const KEYPOINT_THRESHOLD: f32 = 0.126_953_125;

/// One image's heads, each channel-major `[C, h, w]` on the model's output grid (input / 4).
pub struct Heads<'a> {
    pub height: usize,
    pub width: usize,
    pub center: &'a [f32],
    pub keypoint_heatmap: &'a [f32],
    pub keypoint_regression: &'a [f32],
    pub keypoint_offset: &'a [f32],
    pub box_scale: &'a [f32],
    pub box_offset: &'a [f32],
}

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

impl Heads<'_> {
    fn at(&self, head: &[f32], channel: usize, y: usize, x: usize) -> f32 {
        head[(channel * self.height + y) * self.width + x]
    }

    /// The 6 centres: (score, y, x), highest first.
    fn centres(&self) -> Vec<(f32, usize, usize)> {
        let (h, w) = (self.height, self.width);
        let score: Vec<f32> = self.center[..h * w].iter().map(|&v| sigmoid(v)).collect();
        let mut peaks: Vec<(f32, usize)> = (0..h * w)
            .map(|i| {
                let (y, x) = (i / w, i % w);
                let mut max = f32::NEG_INFINITY;
                for ny in y.saturating_sub(2)..(y + 3).min(h) {
                    for nx in x.saturating_sub(2)..(x + 3).min(w) {
                        max = max.max(score[ny * w + nx]);
                    }
                }
                let kept = (score[i] - max).abs() < PEAK_TOLERANCE;
                (if kept { score[i] } else { 0.0 }, i)
            })
            .collect();
        // highest first; equal scores in index order, as the graph's TopK
        peaks.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        peaks
            .into_iter()
            .take(PEOPLE)
            .map(|(s, i)| (s, i / w, i % w))
            .collect()
    }

    /// Decodes the 6 people as the full model's rows. People whose centre scores below
    /// `min_score` keep a zero row: their score (centre × mean keypoint score) could not reach it,
    /// and their keypoint search is most of the work (their boxes can span the whole grid).
    pub fn decode(&self, min_score: f32) -> Vec<[f32; ROW]> {
        let (h, w) = (self.height, self.width);
        let (hf, wf) = (h as f32, w as f32);
        let centres = self.centres();
        // regressed keypoints and boxes (grid units), per person
        let people: Vec<([[f32; 2]; KEYPOINTS], [f32; 4])> = centres
            .iter()
            .map(|&(_, cy, cx)| {
                let mut regressed = [[0.0f32; 2]; KEYPOINTS];
                for (k, r) in regressed.iter_mut().enumerate() {
                    *r = [
                        cy as f32 + self.at(self.keypoint_regression, 2 * k, cy, cx),
                        cx as f32 + self.at(self.keypoint_regression, 2 * k + 1, cy, cx),
                    ];
                }
                let (sy, sx) = (
                    self.at(self.box_scale, 0, cy, cx).max(0.0) * 0.5,
                    self.at(self.box_scale, 1, cy, cx).max(0.0) * 0.5,
                );
                let (oy, ox) = (
                    cy as f32 + self.at(self.box_offset, 0, cy, cx),
                    cx as f32 + self.at(self.box_offset, 1, cy, cx),
                );
                let bounds = [
                    (oy - sy).clamp(0.0, hf),
                    (ox - sx).clamp(0.0, wf),
                    (oy + sy).clamp(0.0, hf),
                    (ox + sx).clamp(0.0, wf),
                ];
                (regressed, bounds)
            })
            .collect();
        let spread = SPREAD * h.min(w) as f32;
        // sigmoid per cell visited (cells inside the boxes of people who can reach
        // `min_score`), not of the whole map: at pose input 640 the whole map is 17 × 160 × 90
        // cells, most of them outside every box
        let heatmap = self.keypoint_heatmap;
        // person j's weighted heat for keypoint k at a cell (0 outside j's box)
        let heat = |j: usize, k: usize, y: usize, x: usize| -> f32 {
            let (regressed, b) = &people[j];
            let (yf, xf) = (y as f32, x as f32);
            if !(yf >= b[0] && yf < b[2] && xf >= b[1] && xf < b[3]) {
                return 0.0;
            }
            let [ry, rx] = regressed[k];
            let d2 = (xf - rx) * (xf - rx) + (yf - ry) * (yf - ry);
            sigmoid(heatmap[(k * h + y) * w + x]) * (-d2 / spread).exp()
        };
        centres
            .iter()
            .enumerate()
            .map(|(j, &(centre_score, _, _))| {
                let b = people[j].1;
                let mut row = [0.0f32; ROW];
                if centre_score < min_score {
                    return row;
                }
                let (mut sum, mut count) = (0.0f32, 0usize);
                for k in 0..KEYPOINTS {
                    // the first cell with the highest heat; cell 0 when the box holds none
                    let (mut best, mut cell) = (0.0f32, (0usize, 0usize));
                    let (y0, y1) = (b[0].ceil() as usize, (b[2].ceil() as usize).min(h));
                    let (x0, x1) = (b[1].ceil() as usize, (b[3].ceil() as usize).min(w));
                    for y in y0..y1 {
                        for x in x0..x1 {
                            let v = heat(j, k, y, x);
                            if v > best {
                                best = v;
                                cell = (y, x);
                            }
                        }
                    }
                    let (ky, kx) = cell;
                    let score = (0..centres.len())
                        .map(|i| heat(i, k, ky, kx))
                        .fold(0.0f32, f32::max);
                    row[3 * k] = (ky as f32 + self.at(self.keypoint_offset, 2 * k, ky, kx)) / hf;
                    row[3 * k + 1] =
                        (kx as f32 + self.at(self.keypoint_offset, 2 * k + 1, ky, kx)) / wf;
                    row[3 * k + 2] = score;
                    if score > KEYPOINT_THRESHOLD {
                        sum += score;
                        count += 1;
                    }
                }
                row[51] = (b[0] / hf).clamp(0.0, 1.0);
                row[52] = (b[1] / wf).clamp(0.0, 1.0);
                row[53] = (b[2] / hf).clamp(0.0, 1.0);
                row[54] = (b[3] / wf).clamp(0.0, 1.0);
                row[55] = centre_score * (sum / count.max(1) as f32);
                row
            })
            .collect()
    }
}
