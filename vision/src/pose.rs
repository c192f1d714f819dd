//! The data the pipeline passes around (seed design): people with 17 COCO keypoints, per frame.

use serde::{Deserialize, Serialize};

/// COCO keypoint order.
pub const KEYPOINT_NAMES: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

/// Limbs drawn between keypoints (COCO skeleton).
pub const SKELETON: [(usize, usize); 16] = [
    (0, 1),
    (0, 2),
    (1, 3),
    (2, 4),
    (5, 6),
    (5, 7),
    (7, 9),
    (6, 8),
    (8, 10),
    (5, 11),
    (6, 12),
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
];

/// An axis-aligned box in pixels: x1, y1, x2, y2.
pub type BBox = [f32; 4];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// (17, 3): x, y in pixels of the frame, confidence 0–1, COCO order.
    pub keypoints: [[f32; 3]; 17],
    pub bbox: BBox,
    pub confidence: f32,
    /// Assigned by the tracker; none before tracking.
    pub track_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FramePoses {
    pub frame_number: u64,
    /// Seconds from the start of the video.
    pub timestamp: f64,
    pub persons: Vec<Person>,
    /// (height, width, channels)
    pub frame_shape: (u32, u32, u32),
}

pub fn iou(a: &BBox, b: &BBox) -> f32 {
    let inter = intersection(a, b);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// The area two boxes share.
pub fn intersection(a: &BBox, b: &BBox) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    ix * iy
}

pub fn area(b: &BBox) -> f32 {
    (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0)
}

/// Two detections of one person: at least three of the same keypoints (a left wrist and a left
/// wrist…), each scored `min_score` or more, within a tenth of their mean box height of each
/// other. The pose model sometimes returns one person twice (the whole body and a shifted upper
/// half, boxes overlapping too little for box NMS); two real people, even tangled, seldom put
/// three matching joints in the same places at once.
pub fn same_person(a: &Person, b: &Person, min_score: f32) -> bool {
    let height = ((a.bbox[3] - a.bbox[1]) + (b.bbox[3] - b.bbox[1])).max(2.0) / 2.0;
    a.keypoints
        .iter()
        .zip(&b.keypoints)
        .filter(|(p, q)| {
            p[2] >= min_score
                && q[2] >= min_score
                && (p[0] - q[0]).hypot(p[1] - q[1]) < 0.1 * height
        })
        .count()
        >= 3
}

/// Greedy non-maximum suppression: indices of the kept items, best first.
pub fn nms(boxes: &[BBox], scores: &[f32], iou_threshold: f32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut keep: Vec<usize> = Vec::new();
    for i in order {
        if keep
            .iter()
            .all(|&k| iou(&boxes[k], &boxes[i]) <= iou_threshold)
        {
            keep.push(i);
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_and_nms() {
        let a = [0.0, 0.0, 10.0, 10.0];
        let b = [5.0, 0.0, 15.0, 10.0];
        assert!((iou(&a, &b) - 50.0 / 150.0).abs() < 1e-6);
        assert_eq!(iou(&a, &[20.0, 20.0, 30.0, 30.0]), 0.0);
        let boxes = [a, [1.0, 0.0, 11.0, 10.0], [20.0, 20.0, 30.0, 30.0]];
        assert_eq!(nms(&boxes, &[0.9, 0.95, 0.5], 0.5), vec![1, 2]);
    }
}
