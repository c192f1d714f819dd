//! `recognizer evaluate DIR --labels FILE -o OUT`: an existing analysis (the output of `run
//! analyze`: DIR/<video>/events.json, scores.jsonl, tracks.jsonl) scored against labels, into
//! the same report an analyze job with labels writes.

use std::path::{Path, PathBuf};

use anyhow::Context;
use vision::evaluate::labels::{LabelMap, LabelledVideo, ground_truth, parse_rules};
use vision::evaluate::{Evaluation, VideoResult, duration_of, evaluate};
use vision::events::{AnalyzeConfig, Event, ScoreSample, Service};
use vision::metrics::events::Span;

#[derive(clap::Args)]
pub struct EvaluateArgs {
    /// The output directory of `recognizer run analyze`.
    pub results: PathBuf,
    /// Labelled intervals: `video,label[,start,end]` lines, a GMDCSA24 label file or a JSON list.
    #[arg(long)]
    pub labels: PathBuf,
    /// Where the report goes.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Services to score, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "fall,fight")]
    pub services: Vec<String>,
    /// The fall threshold the measures at a threshold use (default: the analyze default).
    #[arg(long)]
    pub fall_threshold: Option<f64>,
    #[arg(long)]
    pub fight_threshold: Option<f64>,
}

#[derive(serde::Deserialize)]
struct Found {
    service: Service,
    event: Event,
}

fn read_video(dir: &Path) -> anyhow::Result<VideoResult> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let events: Vec<Found> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("events.json"))
            .with_context(|| format!("{}: no events.json", dir.display()))?,
    )
    .with_context(|| format!("{}/events.json", dir.display()))?;
    let scores = std::fs::read_to_string(dir.join("scores.jsonl"))
        .with_context(|| format!("{}: no scores.jsonl", dir.display()))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str::<ScoreSample>)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{}/scores.jsonl", dir.display()))?;
    let frames =
        vision::annotate::stages::read_tracks(&dir.join("tracks.jsonl")).with_context(|| {
            format!(
                "{}: its tracks.jsonl gives the video's length",
                dir.display()
            )
        })?;
    Ok(VideoResult {
        name,
        duration_secs: duration_of(&frames),
        events: events
            .iter()
            .map(|f| (f.service, Span::new(f.event.start_time, f.event.end_time)))
            .collect(),
        scores,
    })
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&args.results)
        .with_context(|| format!("{}: cannot read it", args.results.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("events.json").is_file())
        .collect();
    dirs.sort();
    anyhow::ensure!(
        !dirs.is_empty(),
        "{}: no analysed videos in it (expected <video>/events.json from `recognizer run analyze`)",
        args.results.display()
    );
    let results = dirs
        .iter()
        .map(|d| read_video(d))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let text = std::fs::read_to_string(&args.labels)
        .with_context(|| format!("--labels {}: cannot read it", args.labels.display()))?;
    let rules = parse_rules(&text).map_err(|e| anyhow::anyhow!("--labels: {e}"))?;
    let videos: Vec<LabelledVideo> = results
        .iter()
        .map(|r| LabelledVideo {
            name: r.name.clone(),
            id: r.name.clone(),
            duration_secs: r.duration_secs,
        })
        .collect();
    let truth = ground_truth(&rules, &LabelMap::default(), &videos)
        .map_err(|e| anyhow::anyhow!("--labels: {e}"))?;
    let defaults = AnalyzeConfig::default().thresholds();
    let services = args
        .services
        .iter()
        .map(|s| {
            let service = super::run_job::parse_service(s)?;
            let given = match service {
                Service::Fall => args.fall_threshold,
                Service::Fight => args.fight_threshold,
            };
            let default = defaults
                .iter()
                .find(|(d, _)| *d == service)
                .map(|(_, t)| *t);
            Ok((service, given.or(default).unwrap_or(0.5)))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let evaluation = evaluate(&results, &truth, &services, 1.0);
    let title = format!(
        "{} against {}",
        args.results.display(),
        args.labels.display()
    );
    reports::write_report(&args.output, &title, &evaluation, &results, &truth)?;
    headline(&args.output)
}

/// One line per service from a report's metrics.json, and where the report is.
pub fn headline(report: &Path) -> anyhow::Result<()> {
    let e: Evaluation = serde_json::from_str(
        &std::fs::read_to_string(report.join("metrics.json"))
            .with_context(|| format!("{}: no metrics.json", report.display()))?,
    )?;
    let n = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.2}"));
    for s in &e.services {
        let ev = &s.events[0];
        let m = &s.clips.at_threshold;
        println!(
            "{}: events {}/{} found ({}), {} false ({} per hour), latency median {} s; clips precision {} recall {} F1 {}, ROC-AUC {}",
            s.service.as_str(),
            ev.matched,
            ev.labelled,
            ev.rule.name(),
            ev.false_alarms,
            n(ev.false_alarms_per_hour),
            n(ev.latency_median_secs),
            n(m.precision),
            n(m.recall),
            n(m.f1),
            n(s.clips.curves.roc_auc)
        );
    }
    println!("report: {}", report.join("report.html").display());
    Ok(())
}
