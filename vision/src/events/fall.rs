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
//!
//! The tracker often loses someone at the moment they fall: a lying body's box shares little
//! with the standing one, and the pose model scores it lower (below the score that starts a
//! track). So a person found without a track, or under a new track id, next to where a track
//! was lost moments ago (`handover_secs`) is taken for that person: their fall is scored against
//! the upright height seen before (GMDCSA24 Subject 2 Fall 12: tracked standing, then only
//! untracked lying detections).

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
    /// A person not upright, without a track (or with a new one), within one upright height of a
    /// track lost no longer ago than this is scored as that track; 0 = only tracked people, by
    /// their own id.
    pub handover_secs: f64,
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
            handover_secs: 2.0,
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
        if !(0.0..=self.window_secs).contains(&self.handover_secs) {
            e.push(format!(
                "fall.handover_secs {} must be between 0 and fall.window_secs ({})",
                self.handover_secs, self.window_secs
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
    /// Centre of the box, pixels.
    centre: [f32; 2],
}

pub struct FallScorer {
    config: FallConfig,
    history: HashMap<u64, VecDeque<Sample>>,
    /// New track ids taken for a track lost moments before (handover), → that track.
    aliases: HashMap<u64, u64>,
}

/// The tallest the person was while upright, in the samples kept; None if never upright.
fn upright_height(history: &VecDeque<Sample>) -> Option<f32> {
    history
        .iter()
        .filter(|s| s.upright)
        .map(|s| s.height)
        .reduce(f32::max)
}

/// Upright: the torso within 30° of vertical (tilt < 1/3).
const UPRIGHT_TILT: f32 = 1.0 / 3.0;

impl FallScorer {
    pub fn new(config: FallConfig) -> Self {
        Self {
            config,
            history: HashMap::new(),
            aliases: HashMap::new(),
        }
    }

    /// Adds one person at `t`; returns whose fall they are scored as (their track, or the lost
    /// track they were taken for) and the score. `None` for someone without a track whom no lost
    /// track claims. Give a frame's tracked people before its untracked ones.
    pub fn update(&mut self, t: f64, person: &Person) -> Option<(u64, FallScore)> {
        let sample = self.sample(t, person);
        let id = self.subject(t, person.track_id, &sample)?;
        Some((id, self.score(t, id, sample)))
    }

    /// Whose history `person` continues: their own track's, the lost track an earlier new id
    /// was taken for, or (a new id, or none, not upright) the nearest track lost within
    /// `handover_secs`.
    fn subject(&mut self, t: f64, track: Option<u64>, sample: &Sample) -> Option<u64> {
        if let Some(id) = track {
            if let Some(&lost) = self.aliases.get(&id) {
                return Some(lost);
            }
            if self.history.contains_key(&id) {
                return Some(id);
            }
        }
        let found = self.lost_near(t, sample);
        match (track, found) {
            (Some(id), Some(lost)) => {
                self.aliases.insert(id, lost);
                Some(lost)
            }
            (Some(id), None) => Some(id),
            (None, found) => found,
        }
    }

    /// The track not seen at `t`, last seen within `handover_secs`, whose last box centre is
    /// nearest to the sample's and within its upright height of it.
    fn lost_near(&self, t: f64, sample: &Sample) -> Option<u64> {
        let secs = self.config.handover_secs;
        // someone upright is not the person who just fell (nor the one who walked out)
        if secs <= 0.0 || sample.upright {
            return None;
        }
        self.history
            .iter()
            .filter_map(|(&id, h)| {
                let last = h.back()?;
                if last.t >= t || t - last.t > secs {
                    return None;
                }
                let reach = upright_height(h).unwrap_or(0.0).max(last.height);
                let d =
                    (sample.centre[0] - last.centre[0]).hypot(sample.centre[1] - last.centre[1]);
                (d <= reach).then_some((id, d))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    }

    fn score(&mut self, t: f64, id: u64, sample: Sample) -> FallScore {
        let c = &self.config;
        let h = self.history.entry(id).or_default();
        while h.front().is_some_and(|s| t - s.t > c.window_secs) {
            h.pop_front();
        }
        let upright_height = upright_height(h);
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
        FallScore {
            height_ratio,
            torso_orientation,
            downward_velocity,
            score,
            was_upright,
            upright_now: sample.upright && height_ratio < 0.5,
        }
    }

    /// Forgets people not seen for a window.
    pub fn forget_before(&mut self, t: f64) {
        let window = self.config.window_secs;
        self.history
            .retain(|_, h| h.back().is_some_and(|s| t - s.t <= window));
        let history = &self.history;
        self.aliases.retain(|_, lost| history.contains_key(lost));
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
            centre: [(p.bbox[0] + p.bbox[2]) / 2.0, (p.bbox[1] + p.bbox[3]) / 2.0],
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
            let (_, f) = s.update(t, &person(1, 300.0, 2.0, 300.0)).unwrap();
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
        let (_, f) = last.unwrap();
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
        let (_, f) = s.update(2.1, &person(1, 260.0, 35.0, 305.0)).unwrap();
        assert!(f.score < 0.6, "{f:?}");
        // lying from the first frame on (a bed): never upright
        let mut s = FallScorer::new(FallConfig::default());
        let f = (0..60)
            .map(|i| {
                s.update(i as f64 / 30.0, &person(2, 300.0, 90.0, 400.0))
                    .unwrap()
                    .1
            })
            .last()
            .unwrap();
        assert!(!f.was_upright, "{f:?}");
    }

    fn untracked(mut p: Person) -> Person {
        p.track_id = None;
        p
    }

    #[test]
    fn someone_lying_without_a_track_where_a_track_was_just_lost_falls_as_that_person() {
        let mut s = FallScorer::new(FallConfig::default());
        for i in 0..60 {
            s.update(i as f64 / 30.0, &person(7, 300.0, 0.0, 300.0));
        }
        // track 7 lost at 2 s; 0.4 s later a lying body, untracked, half a height away
        let (id, f) = s
            .update(2.4, &untracked(person(0, 300.0, 90.0, 420.0)))
            .expect("taken for the lost track");
        assert_eq!(id, 7);
        assert!(
            f.was_upright && f.height_ratio > 0.9 && f.score > 0.6,
            "{f:?}"
        );
        // a new track id for the same body keeps being that person
        let (id, _) = s.update(2.5, &person(9, 300.0, 90.0, 420.0)).unwrap();
        assert_eq!(id, 7);
        let (id, _) = s.update(2.6, &person(9, 300.0, 90.0, 420.0)).unwrap();
        assert_eq!(id, 7);
    }

    #[test]
    fn no_handover_when_too_late_too_far_upright_switched_off_or_the_track_is_still_seen() {
        let standing = |s: &mut FallScorer| {
            for i in 0..60 {
                s.update(i as f64 / 30.0, &person(7, 300.0, 0.0, 300.0));
            }
        };
        let lying = |hip_x_shift: f32| {
            let mut p = untracked(person(0, 300.0, 90.0, 420.0));
            for k in p.keypoints.iter_mut() {
                k[0] += hip_x_shift;
            }
            p.bbox[0] += hip_x_shift;
            p.bbox[2] += hip_x_shift;
            p
        };
        // lost 3 s ago (handover 2 s)
        let mut s = FallScorer::new(FallConfig::default());
        standing(&mut s);
        assert!(s.update(5.0, &lying(0.0)).is_none());
        // three heights away
        let mut s = FallScorer::new(FallConfig::default());
        standing(&mut s);
        assert!(s.update(2.4, &lying(900.0)).is_none());
        // someone upright without a track (a passer-by), or a new upright track: their own
        let mut s = FallScorer::new(FallConfig::default());
        standing(&mut s);
        assert!(
            s.update(2.4, &untracked(person(0, 300.0, 0.0, 300.0)))
                .is_none()
        );
        assert_eq!(s.update(2.4, &person(8, 300.0, 0.0, 300.0)).unwrap().0, 8);
        // handover off
        let mut s = FallScorer::new(FallConfig {
            handover_secs: 0.0,
            ..FallConfig::default()
        });
        standing(&mut s);
        assert!(s.update(2.4, &lying(0.0)).is_none());
        // the track is seen in this very frame: the untracked body is someone else
        let mut s = FallScorer::new(FallConfig::default());
        standing(&mut s);
        s.update(2.4, &person(7, 300.0, 0.0, 300.0));
        assert!(s.update(2.4, &lying(0.0)).is_none());
    }

    #[test]
    fn handover_longer_than_the_window_is_refused() {
        let c = FallConfig {
            handover_secs: 5.0,
            ..FallConfig::default()
        };
        assert!(
            c.problems()
                .iter()
                .any(|p| p.contains("fall.handover_secs"))
        );
        assert!(FallConfig::default().problems().is_empty());
    }
}
