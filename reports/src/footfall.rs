//! Footfall of one video written out for people: `heatmap.png` (the whole video) and one
//! `heatmap-wNNN.png` per time window — presence drawn on the people-free background with a
//! colour-scale legend, the zones and lines on top —, `background.jpg`, the charts `occupancy`
//! (people in each zone over time) and `dwell` (a histogram of visit lengths per zone) as SVG and
//! PNG, `footfall.json` (what the job page shows: windows, pictures, zone and line numbers) and
//! `footfall.html`, one page with all of it that opens offline.

mod charts;
mod page;
mod picture;

use std::path::{Path, PathBuf};

use image::RgbImage;
use plotters::prelude::*;
use serde::Serialize;
use vision::footfall::Footfall;
use vision::footfall::counters::{LineStats, ZoneStats};
use vision::footfall::heatmap::Normalize;

use super::{ReportError, drawn, font, write};

/// At most this many windows get a picture of their own (a week in hours is 168): the numbers
/// of every window stay in `heatmap.csv` and `footfall.json`.
pub const MAX_WINDOW_PICTURES: usize = 168;

/// What the job page reads.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub video: String,
    pub duration_secs: f64,
    pub grid: [u32; 2],
    /// How the pictures' colours scale (`log`, `global`, `per_window`).
    pub scale: Normalize,
    pub max_presence_secs: f64,
    /// The whole video first, then each window.
    pub windows: Vec<WindowSummary>,
    pub zones: Vec<ZoneSummary>,
    pub lines: Vec<LineSummary>,
    pub charts: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct WindowSummary {
    pub label: String,
    pub from_secs: f64,
    pub to_secs: f64,
    /// Its picture's file name; none past [`MAX_WINDOW_PICTURES`].
    pub picture: Option<String>,
    pub person_secs: f64,
}

#[derive(Debug, Serialize)]
pub struct ZoneSummary {
    pub name: String,
    pub points: Vec<[f32; 2]>,
    /// The whole video first, then each window (as `windows`).
    pub stats: Vec<ZoneStats>,
}

#[derive(Debug, Serialize)]
pub struct LineSummary {
    pub a: [f32; 2],
    pub b: [f32; 2],
    #[serde(flatten)]
    pub stats: LineStats,
}

/// `m:ss` or `h:mm:ss`.
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Writes the footfall files of one video into `dir` (made if missing); returns their paths.
pub fn write_footfall(
    dir: &Path,
    video: &str,
    footfall: &Footfall,
    background: &RgbImage,
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    font()?;
    let mut files = Vec::new();
    let save = |image: &RgbImage, name: &str, files: &mut Vec<PathBuf>| {
        let path = dir.join(name);
        image.save(&path).map_err(|e| ReportError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        files.push(path);
        Ok::<_, ReportError>(())
    };
    save(background, "background.jpg", &mut files)?;

    let bounds = footfall.window_bounds();
    let grids = footfall.heatmap.windows();
    let total = footfall.heatmap.total();
    let busiest = |cells: &[f64]| cells.iter().copied().fold(0.0, f64::max);
    let max = busiest(&total.presence);
    // windows share one scale so they compare (their busiest cell of all), unless per window
    let window_max = grids
        .iter()
        .map(|g| busiest(&g.presence))
        .fold(0.0, f64::max);
    let cfg = footfall.heatmap.config();
    let scene = |max_presence: f64| picture::Scene {
        cols: cfg.cols.max(1),
        rows: cfg.rows.max(1),
        max_presence,
        normalize: cfg.normalize,
        zones: footfall.zones.iter().map(|z| &z.zone).collect(),
        lines: footfall.lines.iter().map(|l| &l.line).collect(),
    };
    let mut windows = vec![WindowSummary {
        label: format!("whole video (0:00–{})", clock(footfall.duration_secs)),
        from_secs: 0.0,
        to_secs: footfall.duration_secs,
        picture: Some("heatmap.png".into()),
        person_secs: total.presence.iter().sum(),
    }];
    let picture = scene(max)
        .draw(background, &total.presence, "whole video")
        .map_err(drawn("heatmap"))?;
    save(&picture, "heatmap.png", &mut files)?;
    if grids.len() > 1 {
        for (i, (g, (from, to))) in grids.iter().zip(&bounds).enumerate() {
            let label = format!("{}–{}", clock(*from), clock(*to));
            let name = (i < MAX_WINDOW_PICTURES).then(|| format!("heatmap-w{i:03}.png"));
            if let Some(name) = &name {
                let top = match cfg.normalize {
                    Normalize::PerWindow => busiest(&g.presence),
                    _ => window_max,
                };
                let picture = scene(top)
                    .draw(background, &g.presence, &label)
                    .map_err(drawn("heatmap"))?;
                save(&picture, name, &mut files)?;
            }
            windows.push(WindowSummary {
                label,
                from_secs: *from,
                to_secs: *to,
                picture: name,
                person_secs: g.presence.iter().sum(),
            });
        }
    }

    // with a half-life: where people were lately, as of the video's end (what a live view shows)
    let half_life = cfg.half_life_secs;
    if half_life > 0.0 {
        let decayed = footfall.heatmap.decayed();
        let label = format!("fading, half-life {half_life} s, at the end");
        let picture = scene(busiest(decayed))
            .draw(background, decayed, &label)
            .map_err(drawn("heatmap"))?;
        save(&picture, "heatmap-fading.png", &mut files)?;
        windows.push(WindowSummary {
            label,
            from_secs: 0.0,
            to_secs: footfall.duration_secs,
            picture: Some("heatmap-fading.png".into()),
            person_secs: decayed.iter().sum(),
        });
    }

    let per_window = footfall.zone_stats_per_window();
    let zones: Vec<ZoneSummary> = footfall
        .zones
        .iter()
        .zip(per_window)
        .map(|(z, w)| ZoneSummary {
            name: z.zone.name.clone(),
            points: z.zone.points.clone(),
            stats: std::iter::once(z.stats())
                .chain(w.into_iter().filter(|_| grids.len() > 1))
                .collect(),
        })
        .collect();
    let lines: Vec<LineSummary> = footfall
        .lines
        .iter()
        .map(|l| LineSummary {
            a: l.line.a,
            b: l.line.b,
            stats: l.stats(),
        })
        .collect();

    let mut svgs = Vec::new();
    if !footfall.zones.is_empty() {
        let series: Vec<(&str, &[(f64, u32)])> = footfall
            .zones
            .iter()
            .map(|z| (z.zone.name.as_str(), z.occupancy()))
            .collect();
        let dwell: Vec<(&str, &[f64])> = zones
            .iter()
            .map(|z| (z.name.as_str(), z.stats[0].dwell_secs.as_slice()))
            .collect();
        let svg = both!(dir, "occupancy", (900, 320), |root| charts::occupancy(
            &root, &series
        ));
        files.extend([dir.join("occupancy.svg"), dir.join("occupancy.png")]);
        svgs.push(("occupancy", svg));
        let svg = both!(dir, "dwell", (900, 320), |root| charts::dwell(
            &root, &dwell
        ));
        files.extend([dir.join("dwell.svg"), dir.join("dwell.png")]);
        svgs.push(("dwell", svg));
    }

    let summary = Summary {
        video: video.to_string(),
        duration_secs: footfall.duration_secs,
        grid: [cfg.cols, cfg.rows],
        scale: cfg.normalize,
        max_presence_secs: max,
        windows,
        zones,
        lines,
        charts: svgs.iter().map(|(n, _)| n.to_string()).collect(),
    };
    let path = dir.join("footfall.json");
    write(
        &path,
        &serde_json::to_string_pretty(&summary).expect("a summary serialises"),
    )?;
    files.push(path);
    let path = dir.join("footfall.html");
    write(&path, &page::page(&summary, &picture, &svgs))?;
    files.push(path);
    Ok(files)
}
