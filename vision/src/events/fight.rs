//! The fight scorer: per pair of tracked people, from pose features normalised by their size.
//!
//! - *limb motion*: the faster upper limb (wrist speed plus half its change of speed) of the two,
//!   in body heights per second;
//! - *interaction*: the two within reach of each other (centres closer than `reach` body
//!   heights), counting fully when a wrist or ankle of one is inside the other's box;
//! - *approach*: how fast the two came closer over the last `velocity_secs`, heights per second.
//!
//! score = weights · components, each component 0–1; a pair out of reach scores 0.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::pose::{BBox, Person};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FightConfig {
    /// Weights of limb motion, interaction, approach (seed: 0.4 / 0.3 / 0.3).
    pub weights: [f32; 3],
    /// Two people whose centres are closer than this many body heights can reach each other.
    pub reach: f32,
    /// Wrist speed, body heights per second, that counts fully.
    pub full_limb_speed: f32,
    /// Approach speed, body heights per second, that counts fully.
    pub full_approach: f32,
    /// Over how long speeds are measured.
    pub velocity_secs: f64,
    pub min_keypoint_score: f32,
}

impl Default for FightConfig {
    fn default() -> Self {
        Self {
            weights: [0.4, 0.3, 0.3],
            reach: 1.0,
            full_limb_speed: 4.0,
            full_approach: 1.0,
            velocity_secs: 0.3,
            min_keypoint_score: 0.2,
        }
    }
}

impl FightConfig {
    pub fn problems(&self) -> Vec<String> {
        let mut e = Vec::new();
        e.extend(super::weights_problem("fight", &self.weights));
        if !(0.1..=5.0).contains(&self.reach) {
            e.push(format!(
                "fight.reach {} must be between 0.1 and 5 body heights",
                self.reach
            ));
        }
        if !(0.05..=5.0).contains(&self.velocity_secs) {
            e.push(format!(
                "fight.velocity_secs {} must be between 0.05 and 5",
                self.velocity_secs
            ));
        }
        e
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FightScore {
    pub limb_motion: f32,
    pub interaction: f32,
    pub approach: f32,
    pub score: f32,
}

impl FightScore {
    pub fn components(&self) -> BTreeMap<String, f32> {
        [
            ("limb_motion".to_string(), self.limb_motion),
            ("interaction".to_string(), self.interaction),
            ("approach".to_string(), self.approach),
        ]
        .into()
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    t: f64,
    height: f32,
    wrists: [Option<[f32; 2]>; 2],
}

pub struct FightScorer {
    config: FightConfig,
    people: HashMap<u64, VecDeque<Sample>>,
    distances: HashMap<(u64, u64), VecDeque<(f64, f32)>>,
}

fn centre(b: &BBox) -> [f32; 2] {
    [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]
}

fn inside(p: [f32; 2], b: &BBox) -> bool {
    p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]
}

impl FightScorer {
    pub fn new(config: FightConfig) -> Self {
        Self {
            config,
            people: HashMap::new(),
            distances: HashMap::new(),
        }
    }

    /// One frame's tracked people → a score for every pair (track ids ascending).
    pub fn update(&mut self, t: f64, persons: &[Person]) -> Vec<((u64, u64), FightScore)> {
        let c = self.config.clone();
        let tracked: Vec<(u64, &Person)> = persons
            .iter()
            .filter_map(|p| p.track_id.map(|id| (id, p)))
            .collect();
        // each person's fastest wrist, heights per second (speed + half the change of speed)
        let mut limb = HashMap::new();
        for (id, p) in &tracked {
            let height = (p.bbox[3] - p.bbox[1]).max(1.0);
            let seen = |i: usize| {
                (p.keypoints[i][2] >= c.min_keypoint_score)
                    .then(|| [p.keypoints[i][0], p.keypoints[i][1]])
            };
            let sample = Sample {
                t,
                height,
                wrists: [seen(9), seen(10)],
            };
            let h = self.people.entry(*id).or_default();
            while h.front().is_some_and(|s| t - s.t > c.velocity_secs * 2.0) {
                h.pop_front();
            }
            limb.insert(*id, wrist_motion(h, &sample));
            h.push_back(sample);
        }
        let mut out = Vec::new();
        for (i, (a, pa)) in tracked.iter().enumerate() {
            for (b, pb) in tracked.iter().skip(i + 1) {
                let key = if a < b { (*a, *b) } else { (*b, *a) };
                let height = ((pa.bbox[3] - pa.bbox[1]) + (pb.bbox[3] - pb.bbox[1])).max(2.0) / 2.0;
                let (ca, cb) = (centre(&pa.bbox), centre(&pb.bbox));
                let distance = (ca[0] - cb[0]).hypot(ca[1] - cb[1]) / height;
                let contact = [9, 10, 15, 16].iter().any(|&k| {
                    (pa.keypoints[k][2] >= c.min_keypoint_score
                        && inside([pa.keypoints[k][0], pa.keypoints[k][1]], &pb.bbox))
                        || (pb.keypoints[k][2] >= c.min_keypoint_score
                            && inside([pb.keypoints[k][0], pb.keypoints[k][1]], &pa.bbox))
                });
                let near = (1.0 - distance / c.reach).clamp(0.0, 1.0);
                let interaction = if contact && distance < c.reach {
                    1.0
                } else {
                    near
                };
                let d = self.distances.entry(key).or_default();
                while d.front().is_some_and(|(s, _)| t - s > c.velocity_secs) {
                    d.pop_front();
                }
                let approach = d
                    .front()
                    .filter(|(s, _)| t > *s)
                    .map(|(s, before)| (before - distance) / (t - s) as f32)
                    .unwrap_or(0.0);
                d.push_back((t, distance));
                let approach = (approach / c.full_approach).clamp(0.0, 1.0);
                let limb_motion = (limb[a].max(limb[b]) / c.full_limb_speed).clamp(0.0, 1.0);
                // out of reach, nothing counts: two people waving at each other across a room
                let score = if distance < c.reach {
                    super::weighted(&c.weights, [limb_motion, interaction, approach])
                } else {
                    0.0
                };
                out.push((
                    key,
                    FightScore {
                        limb_motion,
                        interaction,
                        approach,
                        score,
                    },
                ));
            }
        }
        out
    }

    /// Forgets people and pairs not seen for a while.
    pub fn forget_before(&mut self, t: f64) {
        let span = self.config.velocity_secs * 2.0;
        self.people
            .retain(|_, h| h.back().is_some_and(|s| t - s.t <= span));
        self.distances
            .retain(|_, d| d.back().is_some_and(|(s, _)| t - s <= span));
    }
}

/// The faster wrist's speed from the previous sample to now, plus half its change since the
/// sample before (a punch accelerates), in body heights per second.
fn wrist_motion(history: &VecDeque<Sample>, now: &Sample) -> f32 {
    let speed = |from: &Sample, to: &Sample, w: usize| -> Option<f32> {
        let (a, b) = (from.wrists[w]?, to.wrists[w]?);
        let dt = (to.t - from.t) as f32;
        (dt > 0.0).then(|| (a[0] - b[0]).hypot(a[1] - b[1]) / to.height / dt)
    };
    let n = history.len();
    let Some(prev) = history.back() else {
        return 0.0;
    };
    let earlier = n.checked_sub(2).and_then(|i| history.get(i));
    (0..2)
        .filter_map(|w| {
            let v = speed(prev, now, w)?;
            let dv = earlier
                .and_then(|e| speed(e, prev, w))
                .map_or(0.0, |v0| (v - v0).abs());
            Some(v + 0.5 * dv)
        })
        .fold(0.0, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: u64, x: f32, wrist: [f32; 2]) -> Person {
        let mut k = [[0.0f32; 3]; 17];
        for (i, kp) in k.iter_mut().enumerate() {
            *kp = [x, 100.0 + i as f32 * 10.0, 0.9];
        }
        k[9] = [wrist[0], wrist[1], 0.9];
        k[10] = [x, 160.0, 0.9];
        Person {
            keypoints: k,
            bbox: [x - 40.0, 80.0, x + 40.0, 280.0],
            confidence: 0.9,
            track_id: Some(id),
        }
    }

    #[test]
    fn two_people_apart_and_still_score_nothing_and_a_swing_at_the_other_scores_high() {
        let mut s = FightScorer::new(FightConfig::default());
        // far apart (3 heights), still
        for i in 0..30 {
            let t = i as f64 / 30.0;
            let out = s.update(
                t,
                &[
                    person(1, 100.0, [100.0, 160.0]),
                    person(2, 700.0, [700.0, 160.0]),
                ],
            );
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].0, (1, 2));
            assert_eq!(out[0].1.score, 0.0, "{out:?}");
        }
        // person 2 closes in to 0.6 heights while person 1 swings a wrist into their box
        let mut last = None;
        for i in 0..30 {
            let t = 1.0 + i as f64 / 30.0;
            let swing = if i % 2 == 0 {
                [100.0, 160.0]
            } else {
                [200.0, 150.0]
            };
            let x2 = 320.0 - 98.0 * i as f32 / 29.0;
            let out = s.update(t, &[person(1, 100.0, swing), person(2, x2, [x2, 160.0])]);
            last = Some(out[0].1);
        }
        let f = last.unwrap();
        assert_eq!(f.interaction, 1.0, "{f:?}");
        assert!(f.limb_motion > 0.9, "{f:?}");
        assert!(f.approach > 0.2, "{f:?}");
        assert!(f.score > 0.7, "{f:?}");
    }

    #[test]
    fn standing_close_and_still_stays_under_the_fight_threshold() {
        let mut s = FightScorer::new(FightConfig::default());
        let mut last = None;
        for i in 0..60 {
            let out = s.update(
                i as f64 / 30.0,
                &[
                    person(1, 100.0, [100.0, 160.0]),
                    person(2, 220.0, [220.0, 160.0]),
                ],
            );
            last = Some(out[0].1);
        }
        let f = last.unwrap();
        assert!(f.score < 0.7, "{f:?}");
        assert_eq!(f.limb_motion, 0.0);
    }
}
