//! Which frames get detection. With `detect_every` k > 1 the detector runs on every k-th frame
//! (a keyframe) and the frames between two keyframes wait, undetected, until the later one has
//! been seen. If the faces of the two keyframes tell the same story (the same number of faces,
//! each moved and resized by little), the frames between get masks interpolated along the
//! tracks. Otherwise (a face came or went, a cut, fast or small faces) faces are searched in the
//! frames between too, on crops around where either keyframe saw one (`areas_between`), so no
//! face is left to a straight line it did not follow. The pose model runs on keyframes only
//! (`PoseSchedule`).

use crate::assignment::assign;
use crate::models::centerface::Face;
use crate::pose::{BBox, iou};

/// Faces scoring at least this share of the detection threshold are compared: one just under
/// the threshold on both keyframes may pass it in a frame between (vtest.avi's small faces).
pub const WATCH: f32 = 0.6;

/// Faces scoring at least this share of the threshold on a keyframe mark where the frames
/// between are searched (`areas_between`): a face that flickers at the threshold (vtest.avi's
/// ~10 px faces) may pass it in a frame between while scoring only this much on the keyframes.
pub const GLIMPSE: f32 = 0.3;

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

/// Whether the frames between keyframes `a` and `b` (the faces found on each; those scoring at
/// least `WATCH` × the threshold are compared) must be detected rather than interpolated:
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
    let watched = |faces: &[Face]| -> Vec<Face> {
        faces
            .iter()
            .filter(|f| f.score >= WATCH * threshold)
            .cloned()
            .collect()
    };
    let (a, b) = (&watched(a)[..], &watched(b)[..]);
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

/// Around a face, this share of its size is searched in the frames between keyframes (the
/// detector adds its own context: `models::crops`). 1 × was no safer on the five benchmark
/// clips and made the crops of cap12/cap13's large faces cover the whole frame.
const AROUND: f32 = 0.5;

/// Faces are searched at this many pixels (longer side) or more: a larger face's area is
/// searched on the frame shrunk by 2 or 4 (CenterFace finds faces down to ~20 px; cap12's and
/// cap13's ~100 px faces made their crops cover the whole frame at full size).
const SEARCH_FACE_PX: f32 = 48.0;

/// Part of a frame between keyframes to search for faces, and at what scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub bbox: BBox,
    /// 1, 1/2 or 1/4: the smaller face it was made from stays at least `SEARCH_FACE_PX`.
    pub scale: f32,
}

/// The scales an `Area` can have, largest first.
pub const SEARCH_SCALES: [f32; 3] = [1.0, 0.5, 0.25];

/// The smallest of `SEARCH_SCALES` at which the face stays at least `SEARCH_FACE_PX`.
fn scale_for(face: f32) -> f32 {
    SEARCH_SCALES
        .into_iter()
        .rev()
        .find(|s| face * s >= SEARCH_FACE_PX)
        .unwrap_or(1.0)
}

/// Where faces can be in the frames between keyframes `a` and `b` when they must be detected:
/// around every face of either (a face that came or went is near where it was seen), and along
/// the way of a face from `a` to one near it in `b`. A face glimpsed in neither keyframe is left
/// to the next ones, as when interpolating.
pub fn areas_between(a: &[Face], b: &[Face]) -> Vec<Area> {
    let around = |f: &Face| {
        let s = size(&f.bbox) * AROUND;
        [f.bbox[0] - s, f.bbox[1] - s, f.bbox[2] + s, f.bbox[3] + s]
    };
    let mut areas: Vec<Area> = a
        .iter()
        .chain(b)
        .map(|f| Area {
            bbox: around(f),
            scale: scale_for(size(&f.bbox)),
        })
        .collect();
    for x in a {
        for y in b {
            let ((xc, yc), (xc2, yc2)) = (centre(&x.bbox), centre(&y.bbox));
            let (small, large) = (
                size(&x.bbox).min(size(&y.bbox)),
                size(&x.bbox).max(size(&y.bbox)),
            );
            // the same face moved: not too far, and about the same size
            if (xc2 - xc).hypot(yc2 - yc) <= 4.0 * large && large <= 2.0 * small {
                let (p, q) = (around(x), around(y));
                areas.push(Area {
                    bbox: [
                        p[0].min(q[0]),
                        p[1].min(q[1]),
                        p[2].max(q[2]),
                        p[3].max(q[3]),
                    ],
                    scale: scale_for(size(&x.bbox).min(size(&y.bbox))),
                });
            }
        }
    }
    areas
}

/// Whether a face above the threshold on keyframe `a` is gone on keyframe `b` (nothing scoring
/// at least `WATCH` × the threshold near it): the person may have turned away.
pub fn face_went(a: &[Face], b: &[Face], threshold: f32) -> bool {
    a.iter().filter(|f| f.score > threshold).any(|x| {
        let (xx, xy) = centre(&x.bbox);
        !b.iter().any(|y| {
            let (yx, yy) = centre(&y.bbox);
            y.score >= WATCH * threshold
                && (yx - xx).hypot(yy - xy) <= size(&x.bbox).max(size(&y.bbox))
        })
    })
}

/// When the pose model runs: on keyframes only (the frames between get faces on crops, and
/// heads along their tracks), and there on every one while it finds heads that no face covers
/// (turned away, too small) or bodies (person mode), and when a face went since the previous
/// keyframe. Otherwise at least every `every` frames, to find people who never showed a face.
pub struct PoseSchedule {
    every: u64,
    last: Option<u64>,
    heads_in_view: bool,
}

impl PoseSchedule {
    pub fn new(every: u32) -> Self {
        Self {
            every: u64::from(every.max(1)),
            last: None,
            heads_in_view: false,
        }
    }

    /// Whether to run on keyframe `index`.
    pub fn due(&self, index: u64, face_went: bool) -> bool {
        face_went || self.heads_in_view || self.last.is_none_or(|l| index >= l + self.every)
    }

    /// The model ran on keyframe `index`; `heads_in_view`: it found what only it can see.
    pub fn ran(&mut self, index: u64, heads_in_view: bool) {
        self.last = Some(index);
        self.heads_in_view = heads_in_view;
    }
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
    fn areas_cover_each_face_with_its_size_around_and_the_way_between() {
        let a = [face(100.0, 100.0, 20.0)];
        let b = [face(150.0, 100.0, 20.0), face(400.0, 300.0, 10.0)];
        let areas = areas_between(&a, &b);
        let inside = |x: f32, y: f32| {
            areas
                .iter()
                .map(|r| r.bbox)
                .any(|r| r[0] <= x && x <= r[2] && r[1] <= y && y <= r[3])
        };
        assert!(
            areas.iter().all(|r| r.scale == 1.0),
            "small faces: full size"
        );
        assert!(
            inside(92.0, 92.0) && inside(128.0, 128.0),
            "around the face"
        );
        assert!(
            inside(125.0, 110.0),
            "between where it was and where it went"
        );
        assert!(inside(397.0, 313.0), "the face that came");
        assert!(!inside(300.0, 200.0) && !inside(10.0, 10.0) && !inside(85.0, 85.0));
        assert!(areas_between(&[], &[]).is_empty());
    }

    #[test]
    fn large_faces_are_searched_on_a_smaller_frame() {
        let scales = |s: f32| areas_between(&[face(0.0, 0.0, s)], &[])[0].scale;
        assert_eq!(
            (scales(40.0), scales(100.0), scales(250.0)),
            (1.0, 0.5, 0.25)
        );
        // the way between a face and itself moved: the smaller of the two decides
        let pair = areas_between(&[face(0.0, 0.0, 100.0)], &[face(20.0, 0.0, 60.0)]);
        assert_eq!((pair.len(), pair[2].scale), (3, 1.0));
        // a large face and a small one are two faces: no way between them
        assert_eq!(
            areas_between(&[face(0.0, 0.0, 100.0)], &[face(20.0, 0.0, 30.0)]).len(),
            2
        );
    }

    #[test]
    fn a_face_went_when_nothing_is_left_near_it() {
        let one = [face(100.0, 100.0, 40.0)];
        assert!(face_went(&one, &[], 0.2));
        assert!(
            face_went(&one, &[face(300.0, 100.0, 40.0)], 0.2),
            "another face elsewhere"
        );
        assert!(
            !face_went(&one, &[face(110.0, 104.0, 40.0)], 0.2),
            "moved a little"
        );
        let weaker = [Face {
            score: 0.13,
            ..one[0].clone()
        }];
        assert!(!face_went(&one, &weaker, 0.2), "still glimpsed");
        assert!(!face_went(&weaker, &[], 0.2), "was under the threshold");
    }

    #[test]
    fn pose_runs_on_every_keyframe_only_while_it_sees_what_faces_do_not() {
        let mut pose = PoseSchedule::new(24);
        assert!(pose.due(0, false), "the first keyframe");
        pose.ran(0, false);
        assert!(!pose.due(6, false) && !pose.due(18, false));
        assert!(pose.due(6, true), "a face went");
        assert!(pose.due(24, false), "every 24 frames");
        pose.ran(24, true);
        assert!(pose.due(30, false), "heads without faces in view");
        pose.ran(30, false);
        assert!(!pose.due(36, false));
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
