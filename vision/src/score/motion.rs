//! Motion scores per track, from the seed design: how fast a person moves (velocity), how
//! abruptly (acceleration) and how steady their pose is (stability). Units are body heights per
//! second (so near and far people compare) over a sliding window of recent frames.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::pose::Person;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct MotionScore {
    /// Mean speed of the body centre, body heights per second.
    pub velocity: f32,
    /// Mean change of speed, body heights per second².
    pub acceleration: f32,
    /// 1 for a rigid pose, towards 0 as keypoints move relative to the body centre.
    pub stability: f32,
    /// Combined 0–1 "how much is this person moving" used to rank people.
    pub motion: f32,
}

#[derive(Debug, Clone)]
struct Sample {
    t: f64,
    centre: [f32; 2],
    height: f32,
    /// keypoints relative to the centre, in body heights (None when not confident)
    shape: [Option<[f32; 2]>; 17],
}

pub struct MotionScorer {
    window: usize,
    min_keypoint_score: f32,
    history: HashMap<u64, VecDeque<Sample>>,
}

impl MotionScorer {
    pub fn new(window: usize) -> Self {
        Self {
            window: window.max(3),
            min_keypoint_score: 0.3,
            history: HashMap::new(),
        }
    }

    /// Adds this frame's people (with track ids) and returns each one's score.
    pub fn update(&mut self, timestamp: f64, persons: &[Person]) -> Vec<Option<MotionScore>> {
        let scores = persons
            .iter()
            .map(|p| {
                let id = p.track_id?;
                let sample = self.sample(timestamp, p);
                let h = self.history.entry(id).or_default();
                h.push_back(sample);
                while h.len() > self.window {
                    h.pop_front();
                }
                Some(score(h))
            })
            .collect();
        // forget tracks not seen for a whole window
        self.history
            .retain(|_, h| h.back().is_some_and(|s| timestamp - s.t < 10.0));
        scores
    }

    fn sample(&self, t: f64, p: &Person) -> Sample {
        let height = (p.bbox[3] - p.bbox[1]).max(1.0);
        let centre = [(p.bbox[0] + p.bbox[2]) / 2.0, (p.bbox[1] + p.bbox[3]) / 2.0];
        let shape = p.keypoints.map(|[x, y, c]| {
            (c >= self.min_keypoint_score)
                .then(|| [(x - centre[0]) / height, (y - centre[1]) / height])
        });
        Sample {
            t,
            centre,
            height,
            shape,
        }
    }
}

fn score(h: &VecDeque<Sample>) -> MotionScore {
    if h.len() < 2 {
        return MotionScore {
            stability: 1.0,
            ..Default::default()
        };
    }
    let speeds: Vec<f32> = h
        .iter()
        .zip(h.iter().skip(1))
        .map(|(a, b)| {
            let dt = (b.t - a.t).max(1e-3) as f32;
            let scale = (a.height + b.height) / 2.0;
            let d =
                ((b.centre[0] - a.centre[0]).powi(2) + (b.centre[1] - a.centre[1]).powi(2)).sqrt();
            d / scale / dt
        })
        .collect();
    let velocity = speeds.iter().sum::<f32>() / speeds.len() as f32;
    let acceleration = if speeds.len() < 2 {
        0.0
    } else {
        let dts: Vec<f32> = h
            .iter()
            .zip(h.iter().skip(1))
            .map(|(a, b)| (b.t - a.t).max(1e-3) as f32)
            .collect();
        speeds
            .windows(2)
            .zip(dts.iter().skip(1))
            .map(|(v, dt)| (v[1] - v[0]).abs() / dt)
            .sum::<f32>()
            / (speeds.len() - 1) as f32
    };
    // pose change: mean keypoint displacement (relative to the body) between consecutive samples
    let mut moved = 0.0;
    let mut n = 0;
    for (a, b) in h.iter().zip(h.iter().skip(1)) {
        for k in 0..17 {
            if let (Some(p), Some(q)) = (a.shape[k], b.shape[k]) {
                moved += ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
                n += 1;
            }
        }
    }
    let jitter = if n == 0 { 0.0 } else { moved / n as f32 };
    let stability = 1.0 / (1.0 + 10.0 * jitter);
    // walking is ~0.8 body heights/s: 1 − e^(−v) puts it near 0.5
    let motion = (1.0 - (-velocity).exp()) * 0.6 + (1.0 - stability) * 0.4;
    MotionScore {
        velocity,
        acceleration,
        stability,
        motion: motion.clamp(0.0, 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: u64, x: f32, wobble: f32) -> Person {
        let mut keypoints = [[0.0f32; 3]; 17];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = [
                x + 10.0 + wobble * (k % 2) as f32,
                10.0 + k as f32 * 5.0,
                0.9,
            ];
        }
        Person {
            keypoints,
            bbox: [x, 0.0, x + 40.0, 100.0],
            confidence: 0.9,
            track_id: Some(id),
        }
    }

    #[test]
    fn walking_moves_more_than_standing_and_wobbling_lowers_stability() {
        let mut s = MotionScorer::new(10);
        let mut last = Vec::new();
        for f in 0..10 {
            let t = f as f64 / 10.0;
            let wobble = if f % 2 == 0 { 8.0 } else { 0.0 };
            last = s.update(
                t,
                &[
                    person(1, f as f32 * 10.0, 0.0),
                    person(2, 200.0, 0.0),
                    person(3, 300.0, wobble),
                ],
            );
        }
        let [walk, stand, wobble] = [last[0].unwrap(), last[1].unwrap(), last[2].unwrap()];
        assert!(
            (walk.velocity - 1.0).abs() < 0.05,
            "10 px per 0.1 s at 100 px tall = 1 height/s: {walk:?}"
        );
        assert!(stand.velocity < 1e-6 && stand.motion < 0.01);
        assert!(walk.motion > stand.motion);
        assert!(
            wobble.stability < 0.8 && stand.stability > 0.99,
            "{wobble:?}"
        );
        assert!(walk.acceleration < 0.5);
    }

    #[test]
    fn untracked_people_get_no_score() {
        let mut s = MotionScorer::new(5);
        let mut p = person(1, 0.0, 0.0);
        p.track_id = None;
        assert_eq!(s.update(0.0, &[p]), vec![None]);
    }
}
