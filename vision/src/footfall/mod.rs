//! Footfall (issue #21, first part): where people walk and linger, from tracked people. Each
//! person stands on a ground point (the middle of the ankles when both are confident, else the
//! bottom centre of the box), in relative coordinates of the frame so zones and grids survive a
//! change of resolution. `heatmap` accumulates presence and visits on a grid per time window, with
//! optional decay; `counters` counts zone entries, exits, visitors, occupancy and dwell, and line
//! crossings by direction, with an inertia of a few frames so a flicker of the tracker does not
//! count twice and a person who leaves is taken out of the count.
//!
//! `background` makes a people-free picture of the place to draw the heatmap on. The analyze job
//! runs this (`AnalyzeConfig::footfall`); `reports::footfall` draws it.

pub mod background;
pub mod counters;
pub mod heatmap;

use serde::{Deserialize, Serialize};

use crate::annotate::TrackFrame;
use crate::events::Zone;
use crate::pose::Person;
use counters::{Line, LineCounter, LineStats, ZoneCounter, ZoneStats};
use heatmap::{Heatmap, HeatmapConfig};

/// What footfall counts, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FootfallConfig {
    /// Count footfall at all (an analyze job's part; off by default).
    pub enabled: bool,
    pub zones: Vec<Zone>,
    pub lines: Vec<Line>,
    pub heatmap: HeatmapConfig,
    /// Frames in a row a person must be in a new state (inside, across) before it counts.
    pub inertia_frames: u32,
    /// Ankles scored below this are not used for the ground point (the box's bottom is).
    pub min_keypoint_score: f32,
}

impl Default for FootfallConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            zones: Vec::new(),
            lines: Vec::new(),
            heatmap: HeatmapConfig::default(),
            inertia_frames: 3,
            min_keypoint_score: 0.3,
        }
    }
}

impl FootfallConfig {
    /// Every field at fault, named.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut e = Vec::new();
        for (field, v) in [
            ("heatmap.cols", self.heatmap.cols),
            ("heatmap.rows", self.heatmap.rows),
        ] {
            if !(1..=256).contains(&v) {
                e.push((
                    field.to_string(),
                    format!("{field} {v} must be between 1 and 256 cells"),
                ));
            }
        }
        let w = self.heatmap.window_secs;
        if !(0.0..=7.0 * 86_400.0).contains(&w) {
            e.push((
                "heatmap.window_secs".into(),
                format!("heatmap.window_secs {w} must be between 0 (the whole video) and a week"),
            ));
        }
        let h = self.heatmap.half_life_secs;
        if !(0.0..=86_400.0).contains(&h) {
            e.push((
                "heatmap.half_life_secs".into(),
                format!("heatmap.half_life_secs {h} must be between 0 (no decay) and a day"),
            ));
        }
        if !(1..=100).contains(&self.inertia_frames) {
            e.push((
                "inertia_frames".into(),
                format!(
                    "inertia_frames {} must be between 1 and 100",
                    self.inertia_frames
                ),
            ));
        }
        for (i, z) in self.zones.iter().enumerate() {
            if let Err(why) = z.check() {
                e.push((format!("zones[{i}]"), why));
            }
        }
        for (i, l) in self.lines.iter().enumerate() {
            if l.a.iter().chain(&l.b).any(|v| !(0.0..=1.0).contains(v)) {
                e.push((
                    format!("lines[{i}]"),
                    format!("line {:?}: each coordinate 0–1", l.name),
                ));
            } else if l.a == l.b {
                e.push((
                    format!("lines[{i}]"),
                    format!("line {:?} starts where it ends", l.name),
                ));
            }
        }
        e
    }

    /// A window longer than the video is refused (one window for the whole video is `None`).
    pub fn check_against(&self, duration_secs: f64) -> Result<(), (String, String)> {
        match self.heatmap.window_secs {
            w if duration_secs > 0.0 && w > duration_secs => Err((
                "heatmap.window_secs".into(),
                format!(
                    "heatmap.window_secs {w} is longer than the video ({duration_secs:.1} s): 0 makes one window of the whole video"
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Footfall of one video.
#[derive(Debug, Clone)]
pub struct Footfall {
    pub heatmap: Heatmap,
    pub zones: Vec<ZoneCounter>,
    pub lines: Vec<LineCounter>,
    /// The last frame's time.
    pub duration_secs: f64,
}

impl Footfall {
    pub fn zone_stats(&self) -> Vec<ZoneStats> {
        self.zones.iter().map(ZoneCounter::stats).collect()
    }

    /// The heatmap's windows as `[from, to)` in seconds, the last one ending with the video.
    pub fn window_bounds(&self) -> Vec<(f64, f64)> {
        self.heatmap
            .windows()
            .iter()
            .map(|g| (g.from_secs, g.to_secs.min(self.duration_secs)))
            .collect()
    }

    /// Each zone's numbers in each window (`[zone][window]`); the last window takes the last
    /// frame too.
    pub fn zone_stats_per_window(&self) -> Vec<Vec<ZoneStats>> {
        let bounds = self.window_bounds();
        let last = bounds.len().saturating_sub(1);
        self.zones
            .iter()
            .map(|z| {
                bounds
                    .iter()
                    .enumerate()
                    .map(|(i, (from, to))| {
                        z.stats_between(*from, if i == last { f64::INFINITY } else { *to })
                    })
                    .collect()
            })
            .collect()
    }
    pub fn line_stats(&self) -> Vec<LineStats> {
        self.lines.iter().map(LineCounter::stats).collect()
    }
}

impl Footfall {
    /// The grid per window: `window,from_secs,to_secs,row,col,presence_secs,visits` (the numbers
    /// behind the heatmap).
    pub fn heatmap_csv(&self) -> String {
        let mut out = String::from("window,from_secs,to_secs,row,col,presence_secs,visits\n");
        let cols = self.heatmap.config().cols.max(1) as usize;
        let bounds = self.window_bounds();
        for (w, g) in self.heatmap.windows().iter().enumerate() {
            let (from, to) = bounds[w];
            for (i, (p, v)) in g.presence.iter().zip(&g.visits).enumerate() {
                out.push_str(&format!(
                    "{w},{from:.3},{to:.3},{},{},{p:.3},{v}\n",
                    i / cols,
                    i % cols
                ));
            }
        }
        out
    }

    /// Per zone, the whole video (`window` = `all`) and then each window: entries, exits,
    /// visitors, occupancy and dwell.
    pub fn zones_csv(&self) -> String {
        let mut out = String::from(
            "zone,window,from_secs,to_secs,entries,exits,visitors,occupancy_mean,occupancy_max,dwell_p50_secs,dwell_p90_secs\n",
        );
        let opt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
        let bounds = self.window_bounds();
        let per_window = self.zone_stats_per_window();
        for (z, windows) in self.zone_stats().into_iter().zip(per_window) {
            let rows = std::iter::once(("all".to_string(), (0.0, self.duration_secs), z)).chain(
                // one window is the whole video: no second row saying the same
                windows
                    .into_iter()
                    .enumerate()
                    .filter(|_| bounds.len() > 1)
                    .map(|(i, s)| (i.to_string(), bounds[i], s)),
            );
            for (window, (from, to), s) in rows {
                out.push_str(&format!(
                    "{},{window},{from:.3},{to:.3},{},{},{},{:.3},{},{},{}\n",
                    csv_field(&s.name),
                    s.entries,
                    s.exits,
                    s.visitors,
                    s.occupancy_mean,
                    s.occupancy_max,
                    opt(s.dwell_p50_secs),
                    opt(s.dwell_p90_secs)
                ));
            }
        }
        out
    }

    /// People inside each zone at each frame: `time_secs,zone,inside`.
    pub fn occupancy_csv(&self) -> String {
        let mut out = String::from("time_secs,zone,inside\n");
        for z in &self.zones {
            for (t, n) in z.occupancy() {
                out.push_str(&format!("{t:.3},{},{n}\n", csv_field(&z.zone.name)));
            }
        }
        out
    }

    /// Per line: crossings in and out.
    pub fn lines_csv(&self) -> String {
        let mut out = String::from("line,in,out\n");
        for l in self.line_stats() {
            out.push_str(&format!("{},{},{}\n", csv_field(&l.name), l.in_, l.out));
        }
        out
    }
}

/// A name as one CSV field.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Counts footfall frame by frame (a live stream's frames as they come, or a stored video's).
pub struct Counter {
    min_keypoint_score: f32,
    footfall: Footfall,
}

impl Counter {
    pub fn new(config: &FootfallConfig) -> Self {
        Self {
            min_keypoint_score: config.min_keypoint_score,
            footfall: Footfall {
                heatmap: Heatmap::new(config.heatmap.clone()),
                zones: config
                    .zones
                    .iter()
                    .map(|z| ZoneCounter::new(z.clone(), config.inertia_frames))
                    .collect(),
                lines: config
                    .lines
                    .iter()
                    .map(|l| LineCounter::new(l.clone(), config.inertia_frames))
                    .collect(),
                duration_secs: 0.0,
            },
        }
    }

    /// One tracked frame: people without a track are not counted.
    pub fn push(&mut self, f: &TrackFrame) {
        let (h, w, _) = f.frame_shape;
        let people: Vec<Footprint> = f
            .persons
            .iter()
            .filter_map(|p| {
                Some(Footprint {
                    track: p.person.track_id?,
                    point: ground_point(&p.person, w, h, self.min_keypoint_score),
                })
            })
            .collect();
        let out = &mut self.footfall;
        out.heatmap.push(f.timestamp, &people);
        for z in &mut out.zones {
            z.push(f.frame_number, f.timestamp, &people);
        }
        for l in &mut out.lines {
            l.push(&people);
        }
        out.duration_secs = f.timestamp;
    }

    /// What was counted so far.
    pub fn footfall(&self) -> &Footfall {
        &self.footfall
    }

    pub fn finish(self) -> Footfall {
        self.footfall
    }
}

/// Counts footfall over a video's tracked frames.
pub fn count(frames: &[TrackFrame], config: &FootfallConfig) -> Footfall {
    let mut counter = Counter::new(config);
    for f in frames {
        counter.push(f);
    }
    counter.finish()
}

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
    fn bad_settings_are_named() {
        let mut c = FootfallConfig::default();
        c.heatmap.cols = 0;
        c.heatmap.window_secs = -1.0;
        c.lines.push(Line {
            name: "door".into(),
            a: [0.5, 0.5],
            b: [0.5, 0.5],
        });
        c.zones.push(Zone {
            name: "bow".into(),
            points: vec![[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]],
        });
        let fields: Vec<String> = c.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "heatmap.cols",
                "heatmap.window_secs",
                "zones[0]",
                "lines[0]"
            ]
        );
        let long = FootfallConfig {
            heatmap: HeatmapConfig {
                window_secs: 900.0,
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            long.check_against(60.0).unwrap_err().0,
            "heatmap.window_secs"
        );
        assert!(long.check_against(3600.0).is_ok());
    }

    #[test]
    fn a_relative_zone_counts_the_same_person_at_two_resolutions() {
        // the same scene at 640×360 and at 1920×1080: a person standing at the same spot
        let zone = Zone {
            name: "door".into(),
            points: vec![[0.4, 0.5], [0.6, 0.5], [0.6, 0.9], [0.4, 0.9]],
        };
        let person = |scale: f32, x: f32| {
            let mut p = Person {
                keypoints: [[0.0; 3]; 17],
                bbox: [
                    (x - 20.0) * scale,
                    150.0 * scale,
                    (x + 20.0) * scale,
                    300.0 * scale,
                ],
                confidence: 0.9,
                track_id: Some(1),
            };
            p.keypoints[LEFT_ANKLE] = [(x - 5.0) * scale, 295.0 * scale, 0.9];
            p.keypoints[RIGHT_ANKLE] = [(x + 5.0) * scale, 297.0 * scale, 0.9];
            p
        };
        for (x, inside) in [(320.0, true), (250.0, false), (390.0, false)] {
            let small = ground_point(&person(1.0, x), 640, 360, 0.3);
            let large = ground_point(&person(3.0, x), 1920, 1080, 0.3);
            assert!((small[0] - large[0]).abs() < 1e-6 && (small[1] - large[1]).abs() < 1e-6);
            assert_eq!(zone.contains(small), inside, "x {x}: {small:?}");
            assert_eq!(zone.contains(large), inside, "x {x}: {large:?}");
        }
    }

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
