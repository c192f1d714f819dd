//! Zones: polygons in relative coordinates of the frame (0–1 on both axes, x right, y down), so
//! they survive a change of resolution and can be drawn on a poster in the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub name: String,
    /// At least three corners, each within 0–1.
    pub points: Vec<[f32; 2]>,
}

impl Zone {
    pub fn check(&self) -> Result<(), String> {
        if self.points.len() < 3 {
            return Err(format!("zone {:?} needs at least 3 points", self.name));
        }
        if self
            .points
            .iter()
            .flatten()
            .any(|v| !(0.0..=1.0).contains(v))
        {
            return Err(format!(
                "zone {:?}: points are relative to the frame, each coordinate 0–1",
                self.name
            ));
        }
        // a crossing first: a bow tie's two halves cancel out to no area
        if let Some((i, j)) = self.crossing_edges() {
            return Err(format!(
                "zone {:?} crosses itself (edges {} and {}): draw its corners in order around it",
                self.name,
                i + 1,
                j + 1
            ));
        }
        if self.area() < 1e-6 {
            return Err(format!(
                "zone {:?} has no area: its corners lie on one line or on one point",
                self.name
            ));
        }
        Ok(())
    }

    /// Area by the shoelace formula, in frame units (the whole frame is 1).
    pub fn area(&self) -> f32 {
        let n = self.points.len();
        (0..n)
            .map(|i| {
                let (a, b) = (self.points[i], self.points[(i + 1) % n]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum::<f32>()
            .abs()
            / 2.0
    }

    /// Two edges that are not neighbours and cross, if any (edge i runs from corner i to i + 1).
    fn crossing_edges(&self) -> Option<(usize, usize)> {
        let n = self.points.len();
        let edge = |i: usize| (self.points[i], self.points[(i + 1) % n]);
        let orient = |a: [f32; 2], b: [f32; 2], c: [f32; 2]| {
            let v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
            if v > 1e-9 {
                1
            } else if v < -1e-9 {
                -1
            } else {
                0
            }
        };
        for i in 0..n {
            for j in i + 2..n {
                if i == 0 && j == n - 1 {
                    continue; // the first and last edges share a corner
                }
                let ((p1, p2), (q1, q2)) = (edge(i), edge(j));
                let proper = orient(p1, p2, q1) * orient(p1, p2, q2) < 0
                    && orient(q1, q2, p1) * orient(q1, q2, p2) < 0;
                if proper {
                    return Some((i, j));
                }
            }
        }
        None
    }

    /// Whether a point (relative coordinates) is inside (even–odd rule).
    pub fn contains(&self, p: [f32; 2]) -> bool {
        let n = self.points.len();
        let mut inside = false;
        for i in 0..n {
            let (a, b) = (self.points[i], self.points[(i + n - 1) % n]);
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                inside = !inside;
            }
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(points: &[[f32; 2]]) -> Zone {
        Zone {
            name: "z".into(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn degenerate_and_self_crossing_zones_are_refused() {
        assert!(zone(&[[0.1, 0.1], [0.9, 0.1], [0.5, 0.8]]).check().is_ok());
        let line = zone(&[[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]]);
        assert!(line.check().unwrap_err().contains("has no area"));
        // a bow tie: edges 1 (0→1) and 3 (2→3) cross
        let bow = zone(&[[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]);
        assert_eq!(
            bow.check().unwrap_err(),
            "zone \"z\" crosses itself (edges 1 and 3): draw its corners in order around it"
        );
        assert!(
            zone(&[[0.1, 0.1], [1.2, 0.1], [0.5, 0.8]])
                .check()
                .unwrap_err()
                .contains("0–1")
        );
    }

    #[test]
    fn a_relative_zone_fits_any_resolution() {
        let z = zone(&[[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]);
        // the same spot of the scene in a 640×360 and a 1920×1080 frame
        for (w, h) in [(640.0, 360.0), (1920.0, 1080.0)] {
            assert!(z.contains([320.0 / 640.0 * w / w, 180.0 / 360.0 * h / h]));
            assert!(!z.contains([10.0 / w, 10.0 / h]));
        }
        // on the edge: the even–odd rule puts the left and top edges inside, right and bottom out
        assert!(z.contains([0.25, 0.5]));
        assert!(!z.contains([0.75, 0.5]));
    }

    #[test]
    fn points_inside_and_outside_a_concave_zone() {
        // an L shape
        let z = Zone {
            name: "l".into(),
            points: vec![
                [0.0, 0.0],
                [0.5, 0.0],
                [0.5, 0.5],
                [1.0, 0.5],
                [1.0, 1.0],
                [0.0, 1.0],
            ],
        };
        assert!(z.check().is_ok());
        assert!(z.contains([0.25, 0.25]));
        assert!(z.contains([0.75, 0.75]));
        assert!(!z.contains([0.75, 0.25]));
        assert!(!z.contains([1.5, 0.75]));
        let bad = Zone {
            name: "x".into(),
            points: vec![[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]],
        };
        assert!(bad.check().is_err());
    }
}
