//! `recognizer run <job> …`: a job run offline on local files, with a progress bar — the same
//! code the workers run.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use vision::anonymize::{AnonymizeConfig, Anonymizer, Filter, Mode, Shape};

use super::services;
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum RunCommand {
    /// Hide faces (or eyes, or whole people) in a video; writes an MP4 (audio kept) and a
    /// JSON-lines log of every mask applied.
    Anonymize(AnonymizeArgs),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FilterKind {
    Blur,
    Mosaic,
    Solid,
}

#[derive(clap::Args)]
pub struct AnonymizeArgs {
    /// Input video (file or URL).
    pub input: String,
    /// Output MP4.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Mask log (default: OUTPUT with .masks.jsonl).
    #[arg(long)]
    pub log: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "face")]
    pub mode: ModeArg,
    #[arg(long, value_enum, default_value = "blur")]
    pub filter: FilterKind,
    /// Blur strength, fraction of the mask size (0.01–1).
    #[arg(long, default_value_t = 0.5)]
    pub strength: f32,
    /// Mosaic block size in pixels.
    #[arg(long, default_value_t = 12)]
    pub block: u32,
    /// Solid colour as RRGGBB.
    #[arg(long, default_value = "000000")]
    pub colour: String,
    #[arg(long, value_enum, default_value = "ellipse")]
    pub shape: ShapeArg,
    /// Masks are this much larger than the detection.
    #[arg(long, default_value_t = AnonymizeConfig::default().mask_scale)]
    pub mask_scale: f32,
    /// Face detection threshold.
    #[arg(long, default_value_t = AnonymizeConfig::default().threshold)]
    pub threshold: f32,
    /// Longer side of the face detector's input (0 = the video's size).
    #[arg(long, default_value_t = AnonymizeConfig::default().face_input_size)]
    pub face_input_size: u32,
    /// Do not use the pose model (faces only: faster, misses heads turned away).
    #[arg(long)]
    pub no_pose: bool,
    /// Frames a mask is kept around detections.
    #[arg(long, default_value_t = AnonymizeConfig::default().hold_frames)]
    pub hold: u32,
    /// Detect on every k-th frame, interpolate in between.
    #[arg(long, default_value_t = AnonymizeConfig::default().detect_every)]
    pub detect_every: u32,
    /// Run the pose model on every k-th detection.
    #[arg(long, default_value_t = AnonymizeConfig::default().pose_every)]
    pub pose_every: u32,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ModeArg {
    Face,
    Eyes,
    Person,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ShapeArg {
    Ellipse,
    Box,
}

fn parse_colour(s: &str) -> anyhow::Result<[u8; 3]> {
    let s = s.trim_start_matches('#');
    anyhow::ensure!(s.len() == 6, "--colour {s:?}: expected RRGGBB, e.g. 000000");
    let byte = |i: usize| {
        u8::from_str_radix(&s[i..i + 2], 16)
            .map_err(|_| anyhow::anyhow!("--colour {s:?}: not hexadecimal"))
    };
    Ok([byte(0)?, byte(2)?, byte(4)?])
}

impl AnonymizeArgs {
    pub fn config(&self) -> anyhow::Result<AnonymizeConfig> {
        Ok(AnonymizeConfig {
            mode: match self.mode {
                ModeArg::Face => Mode::Face,
                ModeArg::Eyes => Mode::Eyes,
                ModeArg::Person => Mode::Person,
            },
            filter: match self.filter {
                FilterKind::Blur => Filter::Blur {
                    strength: self.strength,
                },
                FilterKind::Mosaic => Filter::Mosaic { block: self.block },
                FilterKind::Solid => Filter::Solid {
                    colour: parse_colour(&self.colour)?,
                },
            },
            shape: match self.shape {
                ShapeArg::Ellipse => Shape::Ellipse,
                ShapeArg::Box => Shape::Box,
            },
            mask_scale: self.mask_scale,
            threshold: self.threshold,
            face_input_size: self.face_input_size,
            use_pose: !self.no_pose,
            hold_frames: self.hold,
            detect_every: self.detect_every,
            pose_every: self.pose_every,
            ..AnonymizeConfig::default()
        })
    }
}

pub fn run(config: &Config, command: RunCommand) -> anyhow::Result<()> {
    match command {
        RunCommand::Anonymize(args) => anonymize(config, args),
    }
}

fn anonymize(config: &Config, args: AnonymizeArgs) -> anyhow::Result<()> {
    let settings = args.config()?;
    let runtime = services::runtime(config)?;
    let catalog = services::catalog(config)?;
    let mut anonymizer = Anonymizer::new(runtime, &catalog, settings)?;
    let log = args
        .log
        .clone()
        .unwrap_or_else(|| args.output.with_extension("masks.jsonl"));
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} frames  {msg}  ETA {eta}")
            .expect("valid template"),
    );
    let summary = anonymizer.run(&args.input, &args.output, Some(&log), |p| {
        bar.set_length(p.frames_total.max(p.frames_done));
        bar.set_position(p.frames_done);
        bar.set_message(format!("{:.1} fps", p.fps));
        true
    })?;
    bar.finish_and_clear();
    println!(
        "{} frames in {:.1} s ({:.1} fps), {} masks on {} tracks → {} (log: {})",
        summary.frames,
        summary.seconds,
        summary.fps,
        summary.masks,
        summary.tracks,
        args.output.display(),
        log.display()
    );
    Ok(())
}
