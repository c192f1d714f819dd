//! `recognizer pose VIDEO -o poses.jsonl [--render out.mp4]`: people, skeletons and track ids
//! for every frame, offline, with a progress bar.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use vision::annotate::stages::{TrackFrame, TrackedPerson};
use vision::media::{EncodeOptions, VideoReader, VideoWriter};
use vision::pipeline::{PoseConfig, PosePipeline};
use vision::render::{Layer, Mode, RenderConfig, Renderer, Results, StyleName};

use super::services;
use crate::config::Config;

#[derive(clap::Args)]
pub struct PoseArgs {
    /// Video file or URL (anything FFmpeg opens).
    pub video: String,
    /// Output: one JSON object per frame (frame_number, timestamp, persons, frame_shape, motion).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also write a video with boxes, skeletons, track ids and paths drawn on it (the visualize
    /// job's renderer; faces are not blurred).
    #[arg(long)]
    pub render: Option<PathBuf>,
    /// The render's style: professional, scientific, presentation or debug.
    #[arg(long, default_value = "professional", value_parser = parse_style)]
    pub style: StyleName,
    /// Longer side of the pose model's input in pixels (0 = the video's own size; smaller is faster
    /// but misses small, far people).
    #[arg(long, default_value_t = 0)]
    pub input_size: u32,
}

#[derive(serde::Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    poses: &'a vision::pose::FramePoses,
    motion: &'a [Option<vision::score::MotionScore>],
}

pub fn run(config: &Config, args: PoseArgs) -> anyhow::Result<()> {
    let runtime = services::runtime(config)?;
    let catalog = services::catalog(config)?;
    let mut pipeline = PosePipeline::new(
        runtime,
        &catalog,
        PoseConfig {
            input_size: args.input_size,
            ..Default::default()
        },
    )?;
    let mut reader = VideoReader::open(&args.video)?;
    let info = reader.info().clone();
    let file = std::fs::File::create(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut writer = match &args.render {
        Some(path) => Some(VideoWriter::create(
            path,
            info.width,
            info.height,
            info.fps,
            EncodeOptions {
                audio_from: Some(args.video.clone()),
                ..Default::default()
            },
        )?),
        None => None,
    };

    let mut renderer = Renderer::new(
        RenderConfig {
            mode: Mode::Minimal,
            style: args.style,
            layers_on: vec![Layer::Skeleton, Layer::Trajectory],
            layers_off: vec![Layer::Anonymize, Layer::Timeline],
            ..RenderConfig::default()
        },
        Results::default(),
        info.duration_secs,
    );
    let bar = ProgressBar::new(info.frames.max(1));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} frames  {per_sec}  ETA {eta}  {msg}",
        )
        .expect("valid template"),
    );
    let mut tracks = std::collections::BTreeSet::new();
    while let Some(mut frame) = reader.next_frame()? {
        let result = pipeline.process(&frame)?;
        serde_json::to_writer(
            &mut out,
            &Line {
                poses: &result.poses,
                motion: &result.motion,
            },
        )?;
        out.write_all(b"\n")?;
        tracks.extend(result.poses.persons.iter().filter_map(|p| p.track_id));
        if let Some(w) = writer.as_mut() {
            renderer.push_frame(TrackFrame {
                frame_number: frame.number,
                timestamp: frame.timestamp,
                frame_shape: (info.height, info.width, 3),
                persons: result
                    .poses
                    .persons
                    .iter()
                    .map(|p| TrackedPerson {
                        person: p.clone(),
                        motion: None,
                    })
                    .collect(),
            });
            renderer.draw(&mut frame.image, frame.number, frame.timestamp)?;
            w.write(&frame.image, Some(frame.timestamp))?;
        }
        bar.set_message(format!(
            "{} people, {} tracks",
            result.poses.persons.len(),
            tracks.len()
        ));
        bar.inc(1);
    }
    out.flush()?;
    if let Some(w) = writer {
        w.finish()?;
    }
    bar.finish();
    println!(
        "{} frames, {} tracks → {}",
        bar.position(),
        tracks.len(),
        args.output.display()
    );
    if let Some(path) = &args.render {
        println!("rendered → {}", path.display());
    }
    Ok(())
}

pub fn parse_style(s: &str) -> anyhow::Result<StyleName> {
    StyleName::ALL
        .into_iter()
        .find(|n| n.as_str() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = StyleName::ALL.iter().map(|n| n.as_str()).collect();
            anyhow::anyhow!("no style {s:?}; there are {}", names.join(", "))
        })
}
