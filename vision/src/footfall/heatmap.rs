//! A heatmap of where people were, on a grid over the frame, per time window: *presence*
//! (person-seconds in each cell) and *visits* (distinct visits to each cell: a person counts once
//! until they leave the cell, or are gone longer than the gap allowed), plus a decayed presence
//! (exponential, half-life in seconds) for a live picture that forgets. Nothing accumulates
//! forever unless asked: the window is a parameter.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Footprint;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HeatmapConfig {
    pub cols: u32,
    pub rows: u32,
    /// Length of each window; 0 = the whole video in one.
    pub window_secs: f64,
    /// Half-life of the decayed presence; 0 = no decay.
    pub half_life_secs: f64,
    /// A person missing longer than this ends their visit (a tracker's flicker does not).
    pub gap_secs: f64,
    /// How the pictures scale colour.
    pub normalize: Normalize,
}

impl Default for HeatmapConfig {
    fn default() -> Self {
        Self {
            cols: 32,
            rows: 18,
            window_secs: 0.0,
            half_life_secs: 0.0,
            gap_secs: 0.5,
            normalize: Normalize::Log,
        }
    }
}

/// One window's grid, row-major from the top left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub from_secs: f64,
    pub to_secs: f64,
    pub presence: Vec<f64>,
    pub visits: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Heatmap {
    config: HeatmapConfig,
    windows: Vec<Grid>,
    decayed: Vec<f64>,
    /// Each track's cell and when it was last seen.
    last: HashMap<u64, (usize, f64)>,
    last_time: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// By the highest value over all windows (windows compare).
    Global,
    /// By each window's own highest value.
    PerWindow,
    /// log(1 + v) by the global highest: a few crowded cells do not wash out the rest.
    Log,
}

impl Normalize {
    /// A value's place on the scale, 0–1, where `max` is the top of the scale (the busiest
    /// cell of all windows, or of the window itself for `PerWindow`).
    pub fn level(self, v: f64, max: f64) -> f64 {
        if max <= 0.0 {
            return 0.0;
        }
        match self {
            Normalize::Global | Normalize::PerWindow => v / max,
            Normalize::Log => (1.0 + v).ln() / (1.0 + max).ln(),
        }
        .clamp(0.0, 1.0)
    }

    /// The value at a place on the scale (a legend's ticks): the inverse of [`Normalize::level`].
    pub fn value_at(self, level: f64, max: f64) -> f64 {
        match self {
            Normalize::Global | Normalize::PerWindow => level * max,
            Normalize::Log => (1.0 + max).powf(level) - 1.0,
        }
    }
}

impl Heatmap {
    pub fn new(config: HeatmapConfig) -> Self {
        let cells = (config.cols.max(1) * config.rows.max(1)) as usize;
        Self {
            config,
            windows: Vec::new(),
            decayed: vec![0.0; cells],
            last: HashMap::new(),
            last_time: None,
        }
    }

    fn cell(&self, [x, y]: [f32; 2]) -> usize {
        let (cols, rows) = (self.config.cols.max(1), self.config.rows.max(1));
        let c = ((x * cols as f32) as u32).min(cols - 1);
        let r = ((y * rows as f32) as u32).min(rows - 1);
        (r * cols + c) as usize
    }

    fn window(&mut self, time: f64) -> &mut Grid {
        let w = self.config.window_secs;
        let index = if w > 0.0 {
            (time / w).floor().max(0.0) as usize
        } else {
            0
        };
        let cells = self.decayed.len();
        while self.windows.len() <= index {
            let i = self.windows.len() as f64;
            let (from, to) = if w > 0.0 {
                (i * w, (i + 1.0) * w)
            } else {
                (0.0, f64::INFINITY)
            };
            self.windows.push(Grid {
                from_secs: from,
                to_secs: to,
                presence: vec![0.0; cells],
                visits: vec![0; cells],
            });
        }
        &mut self.windows[index]
    }

    /// The people seen at `time`; each counts for the time since the previous frame (`dt`).
    pub fn push(&mut self, time: f64, people: &[Footprint]) {
        let dt = self.last_time.map_or(0.0, |t| (time - t).max(0.0));
        self.last_time = Some(time);
        let half = self.config.half_life_secs;
        if half > 0.0 {
            let keep = 0.5f64.powf(dt / half);
            self.decayed.iter_mut().for_each(|v| *v *= keep);
        }
        // every window up to now exists, people or not (an empty hour is a finding)
        self.window(time);
        let gap = self.config.gap_secs;
        self.last.retain(|_, (_, seen)| time - *seen <= gap);
        for p in people {
            let cell = self.cell(p.point);
            let new_visit = self.last.get(&p.track).is_none_or(|(c, _)| *c != cell);
            self.last.insert(p.track, (cell, time));
            let grid = self.window(time);
            grid.presence[cell] += dt;
            if new_visit {
                grid.visits[cell] += 1;
            }
            self.decayed[cell] += dt;
        }
    }

    pub fn config(&self) -> &HeatmapConfig {
        &self.config
    }

    pub fn windows(&self) -> &[Grid] {
        &self.windows
    }

    /// All windows added up (visits: per window, so a visit across a window's end counts twice).
    pub fn total(&self) -> Grid {
        let cells = self.decayed.len();
        let mut total = Grid {
            from_secs: self.windows.first().map_or(0.0, |g| g.from_secs),
            to_secs: self.windows.last().map_or(0.0, |g| g.to_secs),
            presence: vec![0.0; cells],
            visits: vec![0; cells],
        };
        for g in &self.windows {
            for (t, v) in total.presence.iter_mut().zip(&g.presence) {
                *t += v;
            }
            for (t, v) in total.visits.iter_mut().zip(&g.visits) {
                *t += v;
            }
        }
        total
    }

    /// Presence with decay, as of the last frame.
    pub fn decayed(&self) -> &[f64] {
        &self.decayed
    }

    /// Each window's presence scaled to 0–1.
    pub fn normalized(&self, how: Normalize) -> Vec<Vec<f64>> {
        let global = self
            .windows
            .iter()
            .flat_map(|g| g.presence.iter().copied())
            .fold(0.0, f64::max);
        self.windows
            .iter()
            .map(|g| {
                let own = g.presence.iter().copied().fold(0.0, f64::max);
                let max = if how == Normalize::PerWindow {
                    own
                } else {
                    global
                };
                g.presence.iter().map(|&v| how.level(v, max)).collect()
            })
            .collect()
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

    #[test]
    fn presence_is_person_seconds_and_visits_count_once_per_visit() {
        let mut h = Heatmap::new(HeatmapConfig {
            cols: 2,
            rows: 1,
            ..Default::default()
        });
        // track 1 stays left for 1 s (10 frames), track 2 walks left → right → left
        for f in 0..=10 {
            let t = f as f64 * 0.1;
            let x2 = if f < 4 || f > 7 { 0.2 } else { 0.8 };
            h.push(t, &[at(1, 0.1, 0.5), at(2, x2, 0.5)]);
        }
        let g = &h.windows()[0];
        // left: track 1 for 1.0 s + track 2 for 0.6 s (frames 1-3, 8-10); right 0.4 s
        assert!((g.presence[0] - 1.6).abs() < 1e-9, "{:?}", g.presence);
        assert!((g.presence[1] - 0.4).abs() < 1e-9);
        // left: track 1 once, track 2 twice (it came back); right: once
        assert_eq!(g.visits, vec![3, 1]);
    }

    #[test]
    fn a_flicker_is_the_same_visit_a_long_absence_is_not() {
        let mut h = Heatmap::new(HeatmapConfig {
            cols: 1,
            rows: 1,
            gap_secs: 0.5,
            ..Default::default()
        });
        h.push(0.0, &[at(7, 0.5, 0.5)]);
        h.push(0.1, &[]); // lost for a frame
        h.push(0.2, &[at(7, 0.5, 0.5)]);
        assert_eq!(h.windows()[0].visits, vec![1]);
        h.push(1.5, &[at(7, 0.5, 0.5)]); // back after 1.3 s
        assert_eq!(h.windows()[0].visits, vec![2]);
    }

    #[test]
    fn windows_split_time_and_decay_forgets() {
        let mut h = Heatmap::new(HeatmapConfig {
            cols: 1,
            rows: 1,
            window_secs: 10.0,
            half_life_secs: 1.0,
            ..Default::default()
        });
        for f in 0..=20 {
            h.push(f as f64, &[at(1, 0.5, 0.5)]);
        }
        // seconds 1–9 in the first window (the first frame has no duration), 10–19 in the
        // second, 20 in the third
        let presence: Vec<f64> = h.windows().iter().map(|g| g.presence[0]).collect();
        assert_eq!(presence, vec![9.0, 10.0, 1.0]);
        // with a 1 s half-life the decayed value settles near 1 / (1 − ½) = 2
        assert!((h.decayed()[0] - 2.0).abs() < 0.01, "{}", h.decayed()[0]);
        let n = h.normalized(Normalize::PerWindow);
        assert_eq!((n[0][0], n[2][0]), (1.0, 1.0));
        let g = h.normalized(Normalize::Global);
        assert_eq!((g[1][0], g[2][0]), (1.0, 0.1));
        // log: a cell with a tenth of the busiest one's time is not a tenth of its colour
        let l = h.normalized(Normalize::Log);
        assert_eq!(l[1][0], 1.0);
        assert!((l[2][0] - 2f64.ln() / 11f64.ln()).abs() < 1e-12, "{l:?}");
        for how in [Normalize::Global, Normalize::Log] {
            assert!((how.value_at(how.level(3.0, 10.0), 10.0) - 3.0).abs() < 1e-9);
        }
    }
}
