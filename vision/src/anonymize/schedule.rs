//! Which frames get detection. With `detect_every` k > 1 the detector runs on every k-th frame
//! (a keyframe) and the frames between two keyframes wait, undetected, until the later one has
//! been seen. If the faces of the two keyframes tell the same story (the same number of faces,
//! each moved and resized by little), the frames between get masks interpolated along the
//! tracks. Otherwise (a face came or went, a cut, fast or small faces) the frames between are
//! detected too, so no face is left to a straight line it did not follow.

use crate::assignment::assign;
use crate::models::centerface::Face;
use crate::pose::{BBox, iou};

/// Faces scoring at least this share of the detection threshold are compared: one just under
/// the threshold on both keyframes may pass it in a frame between (vtest.avi's small faces).
pub const WATCH: f32 = 0.6;

/// A face may move this share of its size from one keyframe to the next and still be
/// interpolated (bikes.mp4, every 2nd frame, looser limits left faces partly uncovered).
const MAX_SHIFT: f32 = 0.25;
/// ...and grow or shrink by this factor.
const MAX_RESIZE: f32 = 1.25;

fn centre(b: &BBox) -> (f32, f32) {
    ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
}

fn size(b: &BBox) -> f32 {
    (b[2] - b[0]).max(b[3] - b[1]).max(1.0)
}

fn moved_little(x: &BBox, y: &BBox) -> bool {
    let ((xc, yc), (xc2, yc2)) = (centre(x), centre(y));
    let s = size(x).min(size(y));
    (xc2 - xc).hypot(yc2 - yc) / s <= MAX_SHIFT && size(x).max(size(y)) / s <= MAX_RESIZE
}

/// Whether the frames between keyframes `a` and `b` (the faces found on each, scoring at least
/// `WATCH` × the threshold) must be detected rather than interpolated:
/// a face above the threshold is small (`small_face`, pixels of its longer side: small faces
/// move by much of their size from frame to frame and their boxes jitter), the keyframes saw a
/// different number of faces (one came, went, or hovers around the threshold), or a face moved
/// or changed size too much to trust a straight line (a cut moves all of them).
pub fn frames_between_need_detection(
    a: &[Face],
    b: &[Face],
    threshold: f32,
    small_face: f32,
) -> bool {
    let small = |f: &Face| f.score > threshold && size(&f.bbox) < small_face;
    if a.len() != b.len() || a.iter().chain(b).any(small) {
        return true;
    }
    let cost: Vec<Vec<f32>> = a
        .iter()
        .map(|x| b.iter().map(|y| 1.0 - iou(&x.bbox, &y.bbox)).collect())
        .collect();
    let pairs = assign(&cost, 0.9);
    pairs.len() != a.len()
        || pairs
            .iter()
            .any(|&(i, j)| !moved_little(&a[i].bbox, &b[j].bbox))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, y: f32, s: f32) -> Face {
        Face {
            bbox: [x, y, x + s, y + s],
            score: 0.9,
            landmarks: [[0.0; 2]; 5],
        }
    }

    fn detect(a: &[Face], b: &[Face]) -> bool {
        frames_between_need_detection(a, b, 0.2, 32.0)
    }

    #[test]
    fn the_same_faces_moved_a_little_are_interpolated() {
        let before = [face(0.0, 0.0, 100.0), face(300.0, 50.0, 60.0)];
        let after = [face(310.0, 52.0, 62.0), face(10.0, 5.0, 105.0)];
        assert!(!detect(&before, &after));
        assert!(!detect(&[], &[]));
    }

    #[test]
    fn faces_that_come_go_jump_or_resize_are_detected() {
        let one = [face(0.0, 0.0, 100.0)];
        assert!(detect(&[], &one), "came");
        assert!(detect(&one, &[]), "went");
        assert!(
            detect(&one, &[face(40.0, 0.0, 100.0)]),
            "moved 40 % of its size"
        );
        assert!(detect(&one, &[face(0.0, 0.0, 140.0)]), "grew 40 %");
        assert!(
            detect(&one, &[face(500.0, 0.0, 100.0)]),
            "a cut: no overlap"
        );
    }

    #[test]
    fn small_faces_count_only_above_the_threshold() {
        let small = [face(0.0, 0.0, 20.0)];
        assert!(detect(&small, &small));
        assert!(!frames_between_need_detection(&small, &small, 0.2, 0.0));
        // a small face just under the threshold (a wall map scoring 0.15) that stays put
        let weak = [Face {
            score: 0.15,
            ..small[0].clone()
        }];
        assert!(!detect(&weak, &weak));
        assert!(detect(&weak, &[]), "but one that flickers counts");
    }
}
