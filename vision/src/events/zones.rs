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
        Ok(())
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
