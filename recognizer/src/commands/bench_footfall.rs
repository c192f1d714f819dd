//! `recognizer bench footfall VIDEO`: a camera's footfall end to end, frame by frame as a live
//! stream would run it — decode, pose (every k-th frame), tracking, counting — with the time
//! each frame took and what was counted, so the cost of a smaller pose input or of skipping
//! frames can be read against what it does to the counts.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use vision::annotate::{TrackFrame, TrackedPerson};
use vision::events::Zone;
use vision::footfall::counters::Line;
use vision::footfall::{Counter, FootfallConfig};
use vision::media::VideoReader;
use vision::metrics::events::percentile;
use vision::pipeline::{PoseConfig, PosePipeline};

use super::services;
use crate::config::Config;

#[derive(clap::Args)]
pub struct FootfallBenchArgs {
    /// Video to measure on.
    pub video: String,
    /// Longer side of the pose model's input (0 = native size).
    #[arg(long, default_value_t = 0)]
    pub input_size: u32,
    /// Run the pose model and the tracker on every k-th frame (the others are decoded only).
    #[arg(long, default_value_t = 1)]
    pub every: u64,
    /// Zones as JSON: `[{"name", "points": [[x, y], …]}]` in 0–1.
    #[arg(long)]
    pub zones: Option<PathBuf>,
    /// Counting lines as JSON: `[{"name", "a": [x, y], "b": [x, y]}]` in 0–1.
    #[arg(long)]
    pub lines: Option<PathBuf>,
}

fn read<T: serde::de::DeserializeOwned>(path: &Option<PathBuf>) -> anyhow::Result<Vec<T>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read it", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not the expected JSON", path.display()))
}

pub fn footfall(config: &Config, args: FootfallBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.every >= 1, "--every must be 1 or more");
    let runtime = services::runtime(config)?;
    let catalog = services::catalog(config)?;
    let footfall = FootfallConfig {
        enabled: true,
        zones: read::<Zone>(&args.zones)?,
        lines: read::<Line>(&args.lines)?,
        ..Default::default()
    };
    if let Some((field, why)) = footfall.problems().into_iter().next() {
        anyhow::bail!("{field}: {why}");
    }
    let mut pipeline = PosePipeline::new(
        runtime,
        &catalog,
        PoseConfig {
            input_size: args.input_size,
            ..Default::default()
        },
    )?;
    let mut counter = Counter::new(&footfall);
    let mut reader = VideoReader::open(&args.video)?;
    let info = reader.info().clone();
    let mut times = Vec::new();
    let started = Instant::now();
    loop {
        let t = Instant::now();
        let Some(frame) = reader.next_frame()? else {
            break;
        };
        if frame.number % args.every == 0 {
            let out = pipeline.process(&frame)?;
            counter.push(&TrackFrame {
                frame_number: frame.number,
                timestamp: frame.timestamp,
                frame_shape: out.poses.frame_shape,
                persons: out
                    .poses
                    .persons
                    .into_iter()
                    .zip(out.motion)
                    .map(|(person, motion)| TrackedPerson { person, motion })
                    .collect(),
            });
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let wall = started.elapsed().as_secs_f64();
    let frames = times.len();
    let mean = times.iter().sum::<f64>() / frames.max(1) as f64;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let at = |q| percentile(&sorted, q).unwrap_or(0.0);
    let budget = 1000.0 / info.fps.max(1e-6);
    println!(
        "video {} ({}x{}, {:.1} fps, {frames} frames); pose input {}, pose every {} frame(s)",
        args.video,
        info.width,
        info.height,
        info.fps,
        if args.input_size == 0 {
            "native".to_string()
        } else {
            args.input_size.to_string()
        },
        args.every
    );
    println!(
        "ms a frame: mean {mean:.1}  p50 {:.1}  p95 {:.1}  max {:.1}  (the camera's budget {budget:.1}: {})",
        at(0.5),
        at(0.95),
        sorted.last().copied().unwrap_or(0.0),
        if mean <= budget {
            "real time"
        } else {
            "slower than the camera"
        }
    );
    println!("wall {wall:.1} s for {:.1} s of video", info.duration_secs);
    let f = counter.finish();
    for z in f.zone_stats() {
        println!(
            "zone {:?}: entries {} exits {} visitors {} occupancy mean {:.2} max {} dwell p50 {}",
            z.name,
            z.entries,
            z.exits,
            z.visitors,
            z.occupancy_mean,
            z.occupancy_max,
            z.dwell_p50_secs.map_or("-".into(), |d| format!("{d:.1} s"))
        );
    }
    for l in f.line_stats() {
        println!("line {:?}: in {} out {}", l.name, l.in_, l.out);
    }
    let person_secs: f64 = f.heatmap.total().presence.iter().sum();
    println!("heatmap: {person_secs:.0} person-seconds");
    Ok(())
}
