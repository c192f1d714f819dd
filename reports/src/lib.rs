//! An evaluation written out: `metrics.json` (every measure and the curves a threshold slider
//! needs), `per_video.csv`, `events_vs_labels.csv`, the charts as SVG and PNG (`roc`, `pr`,
//! `confusion`, `scores`, `heatmap`), and `report.html`: one file with the tables and the charts
//! inside it, which opens offline. `footfall` writes an analyze job's footfall pictures, charts
//! and page.

pub mod charts;
mod html;

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use vision::evaluate::labels::GroundTruth;
use vision::evaluate::{Evaluation, Outcome, VideoResult};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("drawing {chart}: {message}")]
    Draw { chart: String, message: String },
    #[error(
        "no font for the charts' text at {0}: install Debian's fonts-dejavu-core (make run and make test do) or set RECOGNIZER_FONT to a TrueType file"
    )]
    Font(String),
}

/// The files written, in order (what a job uploads).
pub const FILES: [&str; 14] = [
    "report.html",
    "metrics.json",
    "per_video.csv",
    "events_vs_labels.csv",
    "roc.svg",
    "roc.png",
    "pr.svg",
    "pr.png",
    "confusion.svg",
    "confusion.png",
    "scores.svg",
    "scores.png",
    "heatmap.svg",
    "heatmap.png",
];

/// At most this many videos get a row of their own in the scores chart and the heatmap (those
/// with errors first): a chart of 200 rows helps no one.
pub const MAX_ROWS: usize = 40;

/// Registers a TrueType font for the PNG charts' text (SVG text is drawn by the viewer), once.
fn font() -> Result<(), ReportError> {
    static DONE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let path = std::env::var("RECOGNIZER_FONT")
            .unwrap_or_else(|_| "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".into());
        let bytes = std::fs::read(&path).map_err(|_| path.clone())?;
        // plotters keeps the font for the process's life
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font(charts::FONT, FontStyle::Normal, bytes)
            .map_err(|_| path.clone())
    })
    .clone()
    .map_err(ReportError::Font)
}

fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    std::fs::write(path, text).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn drawn<E: std::fmt::Debug>(chart: &str) -> impl Fn(E) -> ReportError + '_ {
    move |e| ReportError::Draw {
        chart: chart.into(),
        message: format!("{e:?}"),
    }
}

/// Draws one chart as `NAME.svg` and `NAME.png`; returns the SVG text.
macro_rules! both {
    ($dir:expr, $name:expr, $size:expr, |$root:ident| $draw:expr) => {{
        let mut svg = String::new();
        {
            let $root = SVGBackend::with_string(&mut svg, $size).into_drawing_area();
            $draw.map_err(drawn($name))?;
        }
        write(&$dir.join(format!("{}.svg", $name)), &svg)?;
        let (w, h) = $size;
        let mut pixels = vec![0u8; (w * h * 3) as usize];
        {
            let $root = BitMapBackend::with_buffer(&mut pixels, $size).into_drawing_area();
            $draw.map_err(drawn($name))?;
        }
        let png = $dir.join(format!("{}.png", $name));
        image::RgbImage::from_raw(w, h, pixels)
            .expect("the buffer is the picture's size")
            .save(&png)
            .map_err(|e| ReportError::Write {
                path: png.clone(),
                source: std::io::Error::other(e),
            })?;
        svg
    }};
}

pub mod footfall;

/// Writes every file of [`FILES`] into `dir` (made if missing).
pub fn write_report(
    dir: &Path,
    title: &str,
    evaluation: &Evaluation,
    results: &[VideoResult],
    truth: &GroundTruth,
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    font()?;
    write(
        &dir.join("metrics.json"),
        &serde_json::to_string_pretty(evaluation).expect("an evaluation serialises"),
    )?;
    write(&dir.join("per_video.csv"), &per_video_csv(evaluation))?;
    write(&dir.join("events_vs_labels.csv"), &events_csv(evaluation))?;
    // videos with errors first, then the rest, in the order given
    let errors = |name: &str| {
        evaluation
            .per_video
            .iter()
            .filter(|r| r.video == name)
            .map(|r| r.missed + r.false_alarms + u64::from(!r.clip_correct))
            .sum::<u64>()
    };
    let mut shown: Vec<(usize, &VideoResult)> = results.iter().enumerate().collect();
    shown.sort_by_key(|(i, r)| (std::cmp::Reverse(errors(&r.name)), *i));
    shown.truncate(MAX_ROWS);
    let names: Vec<String> = shown.iter().map(|(_, r)| r.name.clone()).collect();
    let rows = shown.len().max(1) as u32;
    let e = evaluation;
    let svgs = [
        (
            "roc",
            both!(dir, "roc", (640, 480), |root| charts::roc(&root, e)),
        ),
        (
            "pr",
            both!(dir, "pr", (640, 480), |root| charts::pr(&root, e)),
        ),
        (
            "confusion",
            both!(
                dir,
                "confusion",
                (360 * e.services.len().max(1) as u32, 340),
                |root| { charts::confusion(&root, e) }
            ),
        ),
        (
            "scores",
            both!(dir, "scores", (900, 40 + 70 * rows), |root| charts::scores(
                &root, e, &shown, truth
            )),
        ),
        (
            "heatmap",
            both!(
                dir,
                "heatmap",
                (
                    260 + 110 * 3 * e.services.len().max(1) as u32,
                    90 + 22 * rows
                ),
                |root| { charts::heatmap(&root, e, &names) }
            ),
        ),
    ];
    write(
        &dir.join("report.html"),
        &html::page(title, e, &svgs, results.len() > MAX_ROWS),
    )?;
    Ok(FILES.iter().map(|f| dir.join(f)).collect())
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_default()
}

pub fn per_video_csv(e: &Evaluation) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "video",
        "service",
        "duration_secs",
        "labelled",
        "detected",
        "matched",
        "missed",
        "false_alarms",
        "clip_score",
        "clip_positive",
        "clip_correct",
        "latency_secs",
    ]);
    for r in &e.per_video {
        let _ = w.write_record([
            r.video.clone(),
            r.service.as_str().into(),
            format!("{:.3}", r.duration_secs),
            r.labelled.to_string(),
            r.detected.to_string(),
            r.matched.to_string(),
            r.missed.to_string(),
            r.false_alarms.to_string(),
            format!("{:.3}", r.clip_score),
            r.clip_positive.to_string(),
            r.clip_correct.to_string(),
            opt(r.latency_secs),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn events_csv(e: &Evaluation) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "video",
        "service",
        "outcome",
        "label_start",
        "label_end",
        "event_start",
        "event_end",
        "iou",
        "latency_secs",
    ]);
    for r in &e.events_vs_labels {
        let outcome = match r.outcome {
            Outcome::Matched => "matched",
            Outcome::Missed => "missed",
            Outcome::FalseAlarm => "false_alarm",
        };
        let _ = w.write_record([
            r.video.clone(),
            r.service.as_str().into(),
            outcome.into(),
            opt(r.label.map(|s| s.start)),
            opt(r.label.map(|s| s.end)),
            opt(r.event.map(|s| s.start)),
            opt(r.event.map(|s| s.end)),
            opt(r.iou),
            opt(r.latency_secs),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
