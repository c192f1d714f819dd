//! Footfall (issue #21, first part): where people walk and linger, from tracked people. Each
//! person stands on a ground point (the middle of the ankles when both are confident, else the
//! bottom centre of the box), in relative coordinates of the frame so zones and grids survive a
//! change of resolution. `heatmap` accumulates presence and visits on a grid per time window, with
//! optional decay; `counters` counts zone entries, exits, visitors, occupancy and dwell, and line
//! crossings by direction, with an inertia of a few frames so a flicker of the tracker does not
//! count twice and a person who leaves is taken out of the count.
//!
//! Not wired yet: the analyze service `footfall`, its artifacts and the UI (see the note).

pub mod counters;
pub mod heatmap;

use crate::pose::Person;

/// COCO indices of the ankles.
const LEFT_ANKLE: usize = 15;
const RIGHT_ANKLE: usize = 16;

/// Where a person stands, relative to the frame (0–1): the middle of the ankles when both are
/// scored at least `min_score`, else the bottom centre of the box.
pub fn ground_point(person: &Person, width: u32, height: u32, min_score: f32) -> [f32; 2] {
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let [l, r] = [person.keypoints[LEFT_ANKLE], person.keypoints[RIGHT_ANKLE]];
    let (x, y) = if l[2] >= min_score && r[2] >= min_score {
        ((l[0] + r[0]) / 2.0, (l[1] + r[1]) / 2.0)
    } else {
        let b = person.bbox;
        ((b[0] + b[2]) / 2.0, b[3])
    };
    [(x / w).clamp(0.0, 1.0), (y / h).clamp(0.0, 1.0)]
}

/// One tracked person at one instant: its track and ground point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    pub track: u64,
    pub point: [f32; 2],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ankles_when_confident_else_the_box() {
        let mut p = Person {
            keypoints: [[0.0; 3]; 17],
            bbox: [100.0, 50.0, 200.0, 400.0],
            confidence: 0.9,
            track_id: Some(1),
        };
        assert_eq!(ground_point(&p, 400, 400, 0.3), [0.375, 1.0]);
        p.keypoints[LEFT_ANKLE] = [140.0, 380.0, 0.8];
        p.keypoints[RIGHT_ANKLE] = [160.0, 388.0, 0.8];
        assert_eq!(ground_point(&p, 400, 400, 0.3), [0.375, 0.96]);
        p.keypoints[RIGHT_ANKLE][2] = 0.1; // one ankle unsure: the box again
        assert_eq!(ground_point(&p, 400, 400, 0.3), [0.375, 1.0]);
    }
}
