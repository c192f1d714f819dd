//! Zone and line counters over tracked people. A person changes state (inside ↔ outside, one
//! side of a line → the other) only after `inertia` frames in a row in the new state, so a
//! tracker's flicker at an edge does not count twice; a person not seen for `inertia` frames has
//! left (their visit ends where they were last seen, and the occupancy drops).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::Footprint;
use crate::events::Zone;
use crate::metrics::events::percentile;

#[derive(Debug, Clone, Default)]
struct Presence {
    inside: bool,
    /// Frames in a row seen in the other state, and when that began.
    streak: u32,
    streak_start: f64,
    entered_at: f64,
    last_seen: f64,
    last_frame: u64,
}

/// Entries, exits, visitors, occupancy and dwell of one zone.
#[derive(Debug, Clone)]
pub struct ZoneCounter {
    pub zone: Zone,
    inertia: u32,
    people: HashMap<u64, Presence>,
    /// When each visit began, and whose it was.
    entered: Vec<(f64, u64)>,
    /// When each visit ended, and how long it lasted.
    exited: Vec<(f64, f64)>,
    occupancy: Vec<(f64, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneStats {
    pub name: String,
    pub entries: u64,
    pub exits: u64,
    pub visitors: u64,
    pub occupancy_mean: f64,
    pub occupancy_max: u32,
    /// Seconds of each finished visit.
    pub dwell_p50_secs: Option<f64>,
    pub dwell_p90_secs: Option<f64>,
    pub dwell_secs: Vec<f64>,
}

impl ZoneCounter {
    pub fn new(zone: Zone, inertia: u32) -> Self {
        Self {
            zone,
            inertia: inertia.max(1),
            people: HashMap::new(),
            entered: Vec::new(),
            exited: Vec::new(),
            occupancy: Vec::new(),
        }
    }

    pub fn push(&mut self, frame: u64, time: f64, people: &[Footprint]) {
        for p in people {
            let now_inside = self.zone.contains(p.point);
            let state = self.people.entry(p.track).or_default();
            state.last_seen = time;
            state.last_frame = frame;
            if now_inside == state.inside {
                state.streak = 0;
                continue;
            }
            if state.streak == 0 {
                state.streak_start = time;
            }
            state.streak += 1;
            if state.streak >= self.inertia {
                state.inside = now_inside;
                state.streak = 0;
                if now_inside {
                    state.entered_at = state.streak_start;
                    self.entered.push((state.streak_start, p.track));
                } else {
                    let left = state.streak_start;
                    self.exited.push((left, left - state.entered_at));
                }
            }
        }
        // gone for `inertia` frames: out of the zone where last seen
        let inertia = self.inertia as u64;
        let mut exited = Vec::new();
        self.people.retain(|_, s| {
            let gone = frame.saturating_sub(s.last_frame) >= inertia;
            if gone && s.inside {
                exited.push((s.last_seen, s.last_seen - s.entered_at));
            }
            !gone
        });
        exited.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.exited.extend(exited);
        let inside = self.people.values().filter(|s| s.inside).count() as u32;
        self.occupancy.push((time, inside));
    }

    /// The whole video.
    pub fn stats(&self) -> ZoneStats {
        self.stats_between(f64::NEG_INFINITY, f64::INFINITY)
    }

    /// One time window `[from, to)`: visits begun in it (entries, visitors), visits ended in it
    /// (exits, dwell) and its frames' occupancy — a person who leaves in the next window is
    /// inside this one's occupancy and that one's exits.
    pub fn stats_between(&self, from: f64, to: f64) -> ZoneStats {
        let within = |t: f64| t >= from && t < to;
        let entered: Vec<u64> = self
            .entered
            .iter()
            .filter(|(t, _)| within(*t))
            .map(|(_, track)| *track)
            .collect();
        let dwell: Vec<f64> = self
            .exited
            .iter()
            .filter(|(t, _)| within(*t))
            .map(|(_, d)| *d)
            .collect();
        let mut sorted = dwell.clone();
        sorted.sort_by(f64::total_cmp);
        let occupancy: Vec<u32> = self
            .occupancy
            .iter()
            .filter(|(t, _)| within(*t))
            .map(|(_, o)| *o)
            .collect();
        let n = occupancy.len().max(1) as f64;
        ZoneStats {
            name: self.zone.name.clone(),
            entries: entered.len() as u64,
            exits: dwell.len() as u64,
            visitors: entered.iter().collect::<HashSet<_>>().len() as u64,
            occupancy_mean: occupancy.iter().map(|o| *o as f64).sum::<f64>() / n,
            occupancy_max: occupancy.iter().copied().max().unwrap_or(0),
            dwell_p50_secs: percentile(&sorted, 0.5),
            dwell_p90_secs: percentile(&sorted, 0.9),
            dwell_secs: dwell,
        }
    }

    /// People inside at each frame.
    pub fn occupancy(&self) -> &[(f64, u32)] {
        &self.occupancy
    }
}

/// A counting line from `a` to `b` (relative coordinates): crossings from its left to its right
/// (seen from a towards b) count as "in", the other way "out".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub name: String,
    pub a: [f32; 2],
    pub b: [f32; 2],
}

impl Line {
    /// +1 right of a→b, −1 left, 0 on it; none when the point is beyond the segment's ends.
    fn side(&self, p: [f32; 2]) -> Option<i8> {
        let (dx, dy) = (self.b[0] - self.a[0], self.b[1] - self.a[1]);
        let len2 = dx * dx + dy * dy;
        if len2 <= 0.0 {
            return None;
        }
        let t = ((p[0] - self.a[0]) * dx + (p[1] - self.a[1]) * dy) / len2;
        if !(0.0..=1.0).contains(&t) {
            return None;
        }
        // image coordinates: y grows downwards, so a positive cross product is to the right
        let cross = dx * (p[1] - self.a[1]) - dy * (p[0] - self.a[0]);
        Some(if cross > 0.0 {
            1
        } else if cross < 0.0 {
            -1
        } else {
            0
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineStats {
    pub name: String,
    #[serde(rename = "in")]
    pub in_: u64,
    pub out: u64,
}

#[derive(Debug, Clone)]
pub struct LineCounter {
    pub line: Line,
    inertia: u32,
    /// Each track's settled side and its streak on the other.
    sides: HashMap<u64, (i8, u32)>,
    in_: u64,
    out: u64,
}

impl LineCounter {
    pub fn new(line: Line, inertia: u32) -> Self {
        Self {
            line,
            inertia: inertia.max(1),
            sides: HashMap::new(),
            in_: 0,
            out: 0,
        }
    }

    pub fn push(&mut self, people: &[Footprint]) {
        for p in people {
            let Some(side) = self.line.side(p.point).filter(|s| *s != 0) else {
                continue;
            };
            let (settled, streak) = self.sides.entry(p.track).or_insert((side, 0));
            if side == *settled {
                *streak = 0;
                continue;
            }
            *streak += 1;
            if *streak >= self.inertia {
                if side > 0 {
                    self.in_ += 1;
                } else {
                    self.out += 1;
                }
                *settled = side;
                *streak = 0;
            }
        }
    }

    pub fn stats(&self) -> LineStats {
        LineStats {
            name: self.line.name.clone(),
            in_: self.in_,
            out: self.out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(track: u64, x: f32, y: f32) -> Footprint {
        Footprint {
            track,
            point: [x, y],
        }
    }

    fn left_half() -> Zone {
        Zone {
            name: "left".into(),
            points: vec![[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]],
        }
    }

    #[test]
    fn a_visit_enters_dwells_and_leaves_once_despite_a_flicker() {
        let mut z = ZoneCounter::new(left_half(), 3);
        // outside 0–0.9 s, inside from 1.0 s to 3.9 s with a one-frame flicker out at 2.0 s,
        // outside from 4.0 s on
        for f in 0..60u64 {
            let t = f as f64 / 10.0;
            let x = if (10..40).contains(&f) && f != 20 {
                0.2
            } else {
                0.8
            };
            z.push(f, t, &[at(1, x, 0.5)]);
        }
        let s = z.stats();
        assert_eq!((s.entries, s.exits, s.visitors), (1, 1, 1), "{s:?}");
        // the visit runs from the first frame inside (1.0 s) to the first frame outside (4.0 s)
        assert_eq!(s.dwell_secs.len(), 1);
        assert!((s.dwell_secs[0] - 3.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.occupancy_max, 1);
    }

    #[test]
    fn a_person_who_disappears_is_taken_out_of_the_count() {
        let mut z = ZoneCounter::new(left_half(), 2);
        for f in 0..5u64 {
            z.push(f, f as f64, &[at(1, 0.2, 0.5), at(2, 0.3, 0.5)]);
        }
        assert_eq!(z.occupancy().last().unwrap().1, 2);
        // person 2 is no longer seen
        for f in 5..9u64 {
            z.push(f, f as f64, &[at(1, 0.2, 0.5)]);
        }
        assert_eq!(
            z.occupancy().last().unwrap().1,
            1,
            "the count drops when a person is gone"
        );
        let s = z.stats();
        assert_eq!((s.entries, s.exits, s.visitors), (2, 1, 2));
        // person 2 entered at 0 s (first of the 2 frames that settled it) and was last seen at 4 s
        assert_eq!(s.dwell_secs, vec![4.0]);
    }

    #[test]
    fn a_person_leaving_mid_window_counts_in_both_windows() {
        let mut z = ZoneCounter::new(left_half(), 1);
        // inside from 2 s to 14 s, in windows of 10 s
        for f in 0..20u64 {
            let x = if (2..14).contains(&f) { 0.2 } else { 0.8 };
            z.push(f, f as f64, &[at(1, x, 0.5)]);
        }
        let (first, second) = (z.stats_between(0.0, 10.0), z.stats_between(10.0, 20.0));
        assert_eq!((first.entries, first.exits, first.visitors), (1, 0, 1));
        assert_eq!(first.occupancy_max, 1);
        assert!((first.occupancy_mean - 0.8).abs() < 1e-9, "{first:?}");
        // left at 14 s: the exit and the 12 s of dwell belong to the second window
        assert_eq!((second.entries, second.exits, second.visitors), (0, 1, 0));
        assert_eq!(second.dwell_secs, vec![12.0]);
        assert!((second.occupancy_mean - 0.4).abs() < 1e-9, "{second:?}");
        // the windows add up to the whole
        let all = z.stats();
        assert_eq!((all.entries, all.exits), (1, 1));
    }

    #[test]
    fn lines_count_each_direction_once() {
        // a vertical line in the middle, from top to bottom: its right (seen from the top) is
        // the left of the image
        let line = Line {
            name: "door".into(),
            a: [0.5, 0.0],
            b: [0.5, 1.0],
        };
        let mut c = LineCounter::new(line, 2);
        let walk = |c: &mut LineCounter, track: u64, xs: &[f32]| {
            for &x in xs {
                c.push(&[at(track, x, 0.5)]);
            }
        };
        walk(&mut c, 1, &[0.8, 0.7, 0.6, 0.4, 0.3, 0.2]); // right → left of the image: "in"
        walk(&mut c, 2, &[0.2, 0.4, 0.6, 0.4, 0.3]); // a flicker across: nothing
        walk(&mut c, 3, &[0.3, 0.45, 0.55, 0.6, 0.7]); // left → right: "out"
        assert_eq!(
            c.stats(),
            LineStats {
                name: "door".into(),
                in_: 1,
                out: 1
            }
        );
        // beyond the segment's ends nothing counts
        let short = Line {
            name: "short".into(),
            a: [0.5, 0.0],
            b: [0.5, 0.3],
        };
        let mut s = LineCounter::new(short, 1);
        walk(&mut s, 4, &[0.2, 0.8]);
        assert_eq!(s.stats().in_ + s.stats().out, 0);
    }
}
