//! The fall scorer: per tracked person, from pose features normalised by the person's own size.
//!
//! - *height ratio*: how much shorter the person is now than their own upright height (the
//!   tallest they were, while upright, over the last `window_secs`);
//! - *torso orientation*: the shoulder–hip line against vertical (0 upright, 1 horizontal); the
//!   box's shape stands in when shoulders or hips are not seen;
//! - *downward velocity*: how fast the hip centre (else the box centre) went down over the last
//!   `velocity_secs`, in upright heights per second.
//!
//! score = weights · components, each component 0–1.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::pose::Person;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FallConfig {
    /// Weights of height ratio, torso orientation, downward velocity (seed: 0.5 / 0.3 / 0.2).
    pub weights: [f32; 3],
    /// How far back the upright height is looked for.
    pub window_secs: f64,
    /// Over how long the downward velocity is measured.
    pub velocity_secs: f64,
    /// A person this much shorter than upright counts fully (height ratio component 1).
    pub full_drop: f32,
    /// Downward speed, upright heights per second, that counts fully.
    pub full_speed: f32,
    /// Keypoints scored below this are not used.
    pub min_keypoint_score: f32,
}

impl Default for FallConfig {
    fn default() -> Self {
        Self {
            weights: [0.5, 0.3, 0.2],
            window_secs: 100.0 / 30.0,
            velocity_secs: 0.5,
            full_drop: 0.5,
            full_speed: 1.0,
            min_keypoint_score: 0.2,
        }
    }
}

impl FallConfig {
    pub fn problems(&self) -> Vec<String> {
        let mut e = Vec::new();
        e.extend(super::weights_problem("fall", &self.weights));
        if !(0.5..=60.0).contains(&self.window_secs) {
            e.push(format!(
                "fall.window_secs {} must be between 0.5 and 60",
                self.window_secs
            ));
        }
        if !(0.1..=5.0).contains(&self.velocity_secs) {
            e.push(format!(
                "fall.velocity_secs {} must be between 0.1 and 5",
                self.velocity_secs
            ));
        }
        e
    }
}

/// The components of one person's fall score at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FallScore {
    pub height_ratio: f32,
    pub torso_orientation: f32,
    pub downward_velocity: f32,
    /// Weighted sum, 0–1.
    pub score: f32,
    /// Seen upright at some point in the window before now.
    pub was_upright: bool,
    /// Upright now (recovery).
    pub upright_now: bool,
}

impl FallScore {
    pub fn components(&self) -> BTreeMap<String, f32> {
        [
            ("height_ratio".to_string(), self.height_ratio),
            ("torso_orientation".to_string(), self.torso_orientation),
            ("downward_velocity".to_string(), self.downward_velocity),
        ]
        .into()
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    t: f64,
    height: f32,
    /// 0 upright … 1 horizontal.
    tilt: f32,
    /// y of the hip centre (or box centre), pixels, down is positive.
    y: f32,
    upright: bool,
}

pub struct FallScorer {
    config: FallConfig,
    history: HashMap<u64, VecDeque<Sample>>,
}

/// Upright: the torso within 30° of vertical (tilt < 1/3).
const UPRIGHT_TILT: f32 = 1.0 / 3.0;

impl FallScorer {
    pub fn new(config: FallConfig) -> Self {
        Self {
            config,
            history: HashMap::new(),
        }
    }

    /// Adds one tracked person at `t` and returns their score; `None` without a track id.
    pub fn update(&mut self, t: f64, person: &Person) -> Option<FallScore> {
        let id = person.track_id?;
        let sample = self.sample(t, person);
        let c = &self.config;
        let h = self.history.entry(id).or_default();
        while h.front().is_some_and(|s| t - s.t > c.window_secs) {
            h.pop_front();
        }
        let upright_height = h
            .iter()
            .filter(|s| s.upright)
            .map(|s| s.height)
            .fold(None, |m: Option<f32>, v| Some(m.map_or(v, |m| m.max(v))));
        let was_upright = upright_height.is_some();
        let reference = upright_height
            .unwrap_or(sample.height)
            .max(sample.height)
            .max(1.0);
        let drop = 1.0 - sample.height / reference;
        let height_ratio = (drop / c.full_drop).clamp(0.0, 1.0);
        let torso_orientation = sample.tilt.clamp(0.0, 1.0);
        // the largest descent over the velocity span, per second, in upright heights
        let downward_velocity = h
            .iter()
            .filter(|s| t - s.t <= c.velocity_secs && t > s.t)
            .map(|s| (sample.y - s.y) / reference / (t - s.t) as f32)
            .fold(0.0f32, f32::max);
        let downward_velocity = (downward_velocity / c.full_speed).clamp(0.0, 1.0);
        let score = super::weighted(
            &c.weights,
            [height_ratio, torso_orientation, downward_velocity],
        );
        h.push_back(sample);
        Some(FallScore {
            height_ratio,
            torso_orientation,
            downward_velocity,
            score,
            was_upright,
            upright_now: sample.upright && height_ratio < 0.5,
        })
    }

    /// Forgets people not seen for a window.
    pub fn forget_before(&mut self, t: f64) {
        let window = self.config.window_secs;
        self.history
            .retain(|_, h| h.back().is_some_and(|s| t - s.t <= window));
    }

    fn sample(&self, t: f64, p: &Person) -> Sample {
        let min = self.config.min_keypoint_score;
        let seen =
            |i: usize| (p.keypoints[i][2] >= min).then(|| [p.keypoints[i][0], p.keypoints[i][1]]);
        let mid = |a: usize, b: usize| match (seen(a), seen(b)) {
            (Some(x), Some(y)) => Some([(x[0] + y[0]) / 2.0, (x[1] + y[1]) / 2.0]),
            (Some(x), None) | (None, Some(x)) => Some(x),
            (None, None) => None,
        };
        let (bw, bh) = (
            (p.bbox[2] - p.bbox[0]).max(1.0),
            (p.bbox[3] - p.bbox[1]).max(1.0),
        );
        let shoulders = mid(5, 6);
        let hips = mid(11, 12);
        // the box: a standing person is about 1:2.5, a lying one wider than tall
        let box_tilt = ((bw / bh - 0.4) / 1.1).clamp(0.0, 1.0);
        let tilt = match (shoulders, hips) {
            (Some(s), Some(h)) if (s[0] - h[0]).hypot(s[1] - h[1]) > 1.0 => {
                // angle of the torso from vertical, 0..90° → 0..1 (upside down counts as upright)
                let angle = (s[0] - h[0]).abs().atan2((s[1] - h[1]).abs());
                let torso = angle / std::f32::consts::FRAC_PI_2;
                // someone lying towards or away from the camera keeps a torso that looks
                // upright in the image; their box does not (seen on GMDCSA24's backward falls)
                (torso + box_tilt) / 2.0
            }
            _ => box_tilt,
        };
        // vertical extent of the confident keypoints, or the box's
        let ys: Vec<f32> = (0..17).filter_map(|i| seen(i).map(|k| k[1])).collect();
        let height = if ys.len() >= 6 {
            let (lo, hi) = ys
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), &y| (l.min(y), h.max(y)));
            (hi - lo).max(1.0)
        } else {
            bh
        };
        let y = hips.map_or((p.bbox[1] + p.bbox[3]) / 2.0, |h| h[1]);
        Sample {
            t,
            height,
            tilt,
            y,
            upright: tilt < UPRIGHT_TILT && bh > bw,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A person whose torso is `tilt_deg` from vertical, `height` pixels tall, hips at `hip_y`.
    pub(crate) fn person(id: u64, height: f32, tilt_deg: f32, hip_y: f32) -> Person {
        let a = tilt_deg.to_radians();
        let torso = height * 0.35;
        let (hx, hy) = (100.0, hip_y);
        let (sx, sy) = (hx + torso * a.sin(), hy - torso * a.cos());
        let mut k = [[0.0f32; 3]; 17];
        for i in [5, 6] {
            k[i] = [sx, sy, 0.9];
        }
        for i in [11, 12] {
            k[i] = [hx, hy, 0.9];
        }
        // head above the shoulders, feet below the hips, along the same line
        let (ux, uy) = (a.sin(), -a.cos());
        let head = [sx + ux * height * 0.15, sy + uy * height * 0.15];
        let feet = [hx - ux * height * 0.5, hy - uy * height * 0.5];
        for i in 0..5 {
            k[i] = [head[0], head[1], 0.9];
        }
        for i in [13, 14] {
            k[i] = [(hx + feet[0]) / 2.0, (hy + feet[1]) / 2.0, 0.9];
        }
        for i in [15, 16] {
            k[i] = [feet[0], feet[1], 0.9];
        }
        for i in 7..11 {
            k[i] = [sx, sy + 5.0, 0.9];
        }
        let xs = k.iter().map(|p| p[0]);
        let ys = k.iter().map(|p| p[1]);
        let bbox = [
            xs.clone().fold(f32::MAX, f32::min) - 5.0,
            ys.clone().fold(f32::MAX, f32::min) - 5.0,
            xs.fold(f32::MIN, f32::max) + 5.0,
            ys.fold(f32::MIN, f32::max) + 5.0,
        ];
        Person {
            keypoints: k,
            bbox,
            confidence: 0.9,
            track_id: Some(id),
        }
    }

    #[test]
    fn standing_scores_low_and_falling_over_scores_high() {
        let mut s = FallScorer::new(FallConfig::default());
        let mut t = 0.0;
        // 2 s standing at 30 fps
        for _ in 0..60 {
            let f = s.update(t, &person(1, 300.0, 2.0, 300.0)).unwrap();
            assert!(f.score < 0.15, "{f:?}");
            t += 1.0 / 30.0;
        }
        // 0.5 s falling: tilting to 90°, hips going down 150 px
        let mut last = None;
        for i in 1..=15 {
            let k = i as f32 / 15.0;
            last = s.update(t, &person(1, 300.0, 2.0 + 88.0 * k, 300.0 + 150.0 * k));
            t += 1.0 / 30.0;
        }
        let f = last.unwrap();
        assert!(f.was_upright && !f.upright_now, "{f:?}");
        assert!(f.torso_orientation > 0.9, "{f:?}");
        assert!(f.height_ratio > 0.9, "{f:?}");
        assert!(f.downward_velocity > 0.5, "{f:?}");
        assert!(f.score > 0.8, "{f:?}");
    }

    #[test]
    fn bending_forward_a_little_is_not_a_fall_and_someone_never_up_was_not_upright() {
        let mut s = FallScorer::new(FallConfig::default());
        for i in 0..60 {
            s.update(i as f64 / 30.0, &person(1, 300.0, 0.0, 300.0));
        }
        // bending 35° to tie a shoe: shorter, tilted a little, hips barely move
        let f = s.update(2.1, &person(1, 260.0, 35.0, 305.0)).unwrap();
        assert!(f.score < 0.6, "{f:?}");
        // lying from the first frame on (a bed): never upright
        let mut s = FallScorer::new(FallConfig::default());
        let f = (0..60)
            .map(|i| {
                s.update(i as f64 / 30.0, &person(2, 300.0, 90.0, 400.0))
                    .unwrap()
            })
            .last()
            .unwrap();
        assert!(!f.was_upright, "{f:?}");
    }
}
