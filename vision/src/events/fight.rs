//! The fight scorer: per pair of tracked people, from pose features normalised by their size.
//!
//! - *limb motion*: how fast the limbs (elbows, wrists, knees, ankles) move against the body's
//!   own centre, averaged over the last `velocity_secs` — the busier of the two, in body heights
//!   per second. Frame-to-frame paths, so flailing back and forth counts in full (a wrist's
//!   speed alone, the seed's measure, ranked fights above other scenes no better than chance on
//!   the Surveillance Camera Fight clips: bench/RESULTS.md);
//! - *interaction*: the two within reach of each other (centres closer than `reach` body
//!   heights), counting fully when a wrist or ankle of one is inside the other's box or their
//!   boxes overlap by half of the smaller one (people grappling);
//! - *approach*: how fast the two came closer over the last `velocity_secs`, heights per second.
//!
//! score = weights · components, each component 0–1; a pair out of reach scores 0.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::pose::{BBox, Person, area, intersection, same_person};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FightConfig {
    /// Weights of limb motion, interaction, approach (seed: 0.4 / 0.3 / 0.3).
    pub weights: [f32; 3],
    /// Two people whose centres are closer than this many body heights can reach each other
    /// (1.5: chosen with the fight rules on the tuning half of the fight clips).
    pub reach: f32,
    /// Limb speed against the body, body heights per second, that counts fully.
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
            reach: 1.5,
            full_limb_speed: 1.5,
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

/// Elbows, wrists, knees, ankles (COCO-17).
const LIMBS: [usize; 8] = [7, 8, 9, 10, 13, 14, 15, 16];

#[derive(Debug, Clone, Copy)]
struct Sample {
    t: f64,
    /// The limbs against the box centre, pixels (None where not seen).
    limbs: [Option<[f32; 2]>; 8],
    /// Mean limb speed against the body since the previous sample, heights per second.
    speed: Option<f32>,
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

/// The shared area of two boxes over the smaller one's, 0–1.
fn overlap(a: &BBox, b: &BBox) -> f32 {
    (intersection(a, b) / area(a).min(area(b)).max(1.0)).min(1.0)
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
        // each person's limb speed against their body, heights per second, over velocity_secs
        let mut limb = HashMap::new();
        for (id, p) in &tracked {
            let height = (p.bbox[3] - p.bbox[1]).max(1.0);
            let [cx, cy] = centre(&p.bbox);
            let limbs = LIMBS.map(|i| {
                (p.keypoints[i][2] >= c.min_keypoint_score)
                    .then(|| [p.keypoints[i][0] - cx, p.keypoints[i][1] - cy])
            });
            let h = self.people.entry(*id).or_default();
            while h.front().is_some_and(|s| t - s.t > c.velocity_secs) {
                h.pop_front();
            }
            let speed = h
                .back()
                .and_then(|prev| limb_speed(prev, t, &limbs, height));
            h.push_back(Sample { t, limbs, speed });
            let speeds: Vec<f32> = h.iter().filter_map(|s| s.speed).collect();
            let mean = speeds.iter().sum::<f32>() / speeds.len().max(1) as f32;
            limb.insert(*id, mean);
        }
        let mut out = Vec::new();
        for (i, (a, pa)) in tracked.iter().enumerate() {
            for (b, pb) in tracked.iter().skip(i + 1) {
                let height = ((pa.bbox[3] - pa.bbox[1]) + (pb.bbox[3] - pb.bbox[1])).max(2.0) / 2.0;
                // one person found twice would look like two people grappling
                if same_person(pa, pb, c.min_keypoint_score) {
                    continue;
                }
                let key = if a < b { (*a, *b) } else { (*b, *a) };
                let (ca, cb) = (centre(&pa.bbox), centre(&pb.bbox));
                let distance = (ca[0] - cb[0]).hypot(ca[1] - cb[1]) / height;
                let contact = [9, 10, 15, 16].iter().any(|&k| {
                    (pa.keypoints[k][2] >= c.min_keypoint_score
                        && inside([pa.keypoints[k][0], pa.keypoints[k][1]], &pb.bbox))
                        || (pb.keypoints[k][2] >= c.min_keypoint_score
                            && inside([pb.keypoints[k][0], pb.keypoints[k][1]], &pa.bbox))
                });
                let near = (1.0 - distance / c.reach).clamp(0.0, 1.0);
                let grappling = (overlap(&pa.bbox, &pb.bbox) * 2.0).min(1.0);
                let interaction = if contact && distance < c.reach {
                    1.0
                } else {
                    near.max(grappling)
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

/// The mean speed of the limbs seen in both `prev` and now, against the body's centre, in
/// heights per second; None across a gap (the person missed for more than 0.2 s) or with no
/// limb seen in both.
fn limb_speed(prev: &Sample, t: f64, limbs: &[Option<[f32; 2]>; 8], height: f32) -> Option<f32> {
    let dt = (t - prev.t) as f32;
    if !(dt > 0.0 && dt <= 0.2) {
        return None;
    }
    let moves: Vec<f32> = prev
        .limbs
        .iter()
        .zip(limbs)
        .filter_map(|(a, b)| {
            let (a, b) = ((*a)?, (*b)?);
            Some((a[0] - b[0]).hypot(a[1] - b[1]) / height / dt)
        })
        .collect();
    (!moves.is_empty()).then(|| moves.iter().sum::<f32>() / moves.len() as f32)
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
        assert!(
            f.score < super::super::EventRules::fight().threshold,
            "{f:?}"
        );
        assert_eq!(f.limb_motion, 0.0);
    }

    #[test]
    fn tangled_people_interact_fully_although_no_wrist_or_ankle_is_seen() {
        let mut s = FightScorer::new(FightConfig::default());
        let unseen = |mut p: Person| {
            for k in p.keypoints.iter_mut() {
                k[2] = 0.0;
            }
            p
        };
        // boxes 80 wide, 40 apart: half of each inside the other
        let out = s.update(
            0.0,
            &[
                unseen(person(1, 100.0, [100.0, 160.0])),
                unseen(person(2, 140.0, [140.0, 160.0])),
            ],
        );
        let f = out[0].1;
        assert_eq!(f.interaction, 1.0, "{f:?}");
        assert_eq!(f.limb_motion, 0.0, "{f:?}");
        // side by side, not overlapping: only nearness counts
        let out = s.update(
            0.1,
            &[
                unseen(person(1, 100.0, [100.0, 160.0])),
                unseen(person(2, 180.0, [180.0, 160.0])),
            ],
        );
        let near = 1.0 - 0.4 / FightConfig::default().reach;
        assert!((out[0].1.interaction - near).abs() < 1e-4, "{:?}", out[0].1);
    }

    #[test]
    fn a_gap_in_a_track_is_not_read_as_limb_speed() {
        let mut s = FightScorer::new(FightConfig::default());
        s.update(
            0.0,
            &[
                person(1, 100.0, [100.0, 160.0]),
                person(2, 200.0, [200.0, 160.0]),
            ],
        );
        // 0.25 s later, the wrist elsewhere: too long a gap to be a movement
        let out = s.update(
            0.25,
            &[
                person(1, 100.0, [60.0, 260.0]),
                person(2, 200.0, [200.0, 160.0]),
            ],
        );
        assert_eq!(out[0].1.limb_motion, 0.0, "{:?}", out[0].1);
    }

    #[test]
    fn one_person_found_twice_is_no_pair() {
        let mut s = FightScorer::new(FightConfig::default());
        let whole = person(1, 100.0, [100.0, 160.0]);
        // the same body again, its box shifted up by a third, keypoints where they were
        let mut half = whole.clone();
        half.track_id = Some(2);
        half.bbox[1] -= 70.0;
        half.bbox[3] -= 70.0;
        assert!(s.update(0.0, &[whole.clone(), half]).is_empty());
        // two people side by side, whose joints differ: a pair
        assert_eq!(
            s.update(0.1, &[whole, person(2, 140.0, [140.0, 160.0])])
                .len(),
            1
        );
    }
}
