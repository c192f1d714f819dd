//! `recognizer run <job> …`: a job run offline on local files, with a progress bar — the same
//! code the workers run.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use vision::annotate::{self, AnnotateConfig, Normalize, VideoTracks};
use vision::anonymize::{AnonymizeConfig, Anonymizer, Filter, Mode, Shape};

use super::services;
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum RunCommand {
    /// Hide faces (or eyes, or whole people) in a video; writes an MP4 (audio kept) and a
    /// JSON-lines log of every mask applied.
    Anonymize(AnonymizeArgs),
    /// Turn videos into an ST-GCN training set (MMAction2 / PYSKL pickle) in three stages:
    /// poses → tracks → tensors. Each stage's results stay in OUTPUT/<video>/ so a later run can
    /// start from them (--from 2 or 3).
    Annotate(AnnotateArgs),
    /// Fall and fight events from tracked poses: per video OUTPUT/<video>/events.json (each event
    /// with its explanation) and scores.jsonl (each frame's best score per service), and
    /// OUTPUT/events.csv for all videos. Poses and tracks are kept (--from 2 reuses them).
    Analyze(AnalyzeArgs),
}

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// Input videos (files or URLs).
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Output directory.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Services to run, comma-separated: fall, fight.
    #[arg(long, value_delimiter = ',', default_value = "fall,fight")]
    pub services: Vec<String>,
    /// 2: read OUTPUT/<video>/tracks.jsonl from an earlier run instead of estimating poses.
    #[arg(long = "from", default_value_t = 1)]
    pub from_stage: u8,
    /// Longer side of the pose model's input (0 = the video's own size).
    #[arg(long, default_value_t = 0)]
    pub pose_input_size: u32,
    /// Event settings as JSON (EventsConfig: thresholds, rules, weights, exclusion zones).
    #[arg(long)]
    pub settings: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct AnnotateArgs {
    /// Input videos (files or URLs); they form one dataset.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Output directory.
    #[arg(short, long)]
    pub output: PathBuf,
    /// First stage to run; 2 and 3 read the previous stage's files from OUTPUT.
    #[arg(long = "from", default_value_t = 1)]
    pub from_stage: u8,
    /// Last stage to run.
    #[arg(long = "to", default_value_t = 3)]
    pub to_stage: u8,
    /// One label for every video.
    #[arg(long)]
    pub label: Option<String>,
    /// Labels per video (and time): a CSV `video,label[,start,end]` or a JSON list of
    /// `{"video", "label", "start"?, "end"?}`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Frames per window (T).
    #[arg(long, default_value_t = AnnotateConfig::default().window)]
    pub window: u32,
    #[arg(long, default_value_t = AnnotateConfig::default().stride)]
    pub stride: u32,
    /// People per window (M).
    #[arg(long, default_value_t = AnnotateConfig::default().max_persons)]
    pub max_persons: u32,
    /// Coordinates relative to the person's box instead of the frame.
    #[arg(long)]
    pub bbox_relative: bool,
    /// Longer side of the pose model's input (0 = the video's own size).
    #[arg(long, default_value_t = 0)]
    pub pose_input_size: u32,
    #[arg(long, default_value_t = AnnotateConfig::default().val_fraction)]
    pub val_fraction: f32,
    #[arg(long, default_value_t = 0.0)]
    pub test_fraction: f32,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
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
    /// Masks are this much larger than the region they hide (the head around a face, an eye band, a body)
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
    /// Detect on every k-th frame; interpolate in between unless the faces changed (then look for faces around them in those frames too).
    #[arg(long, default_value_t = AnonymizeConfig::default().detect_every)]
    pub detect_every: u32,
    /// Also detect faces in the frames in between while one smaller than this many pixels is in view (0 = no such rule).
    #[arg(long, default_value_t = AnonymizeConfig::default().small_face)]
    pub small_face: u32,
    /// Run the pose model at least every this many frames; on every keyframe while it sees heads without faces.
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
            small_face: self.small_face,
            pose_every: self.pose_every,
            ..AnonymizeConfig::default()
        })
    }
}

pub fn run(config: &Config, command: RunCommand) -> anyhow::Result<()> {
    match command {
        RunCommand::Anonymize(args) => anonymize(config, args),
        RunCommand::Annotate(args) => annotate(config, args),
        RunCommand::Analyze(args) => analyze(config, args),
    }
}

fn analyze(config: &Config, args: AnalyzeArgs) -> anyhow::Result<()> {
    use vision::events::{EventsConfig, Service};
    let mut events_config = match &args.settings {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--settings {}: cannot read it", path.display()))?;
            serde_json::from_str::<EventsConfig>(&text)
                .with_context(|| format!("--settings {}: not event settings", path.display()))?
        }
        None => EventsConfig::default(),
    };
    events_config.services = args
        .services
        .iter()
        .map(|s| match s.trim() {
            "fall" => Ok(Service::Fall),
            "fight" => Ok(Service::Fight),
            other => Err(anyhow::anyhow!(
                "--services: unknown service {other:?}; choose fall, fight"
            )),
        })
        .collect::<anyhow::Result<_>>()?;
    let problems = events_config.problems();
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("; "));
    anyhow::ensure!(
        (1..=2).contains(&args.from_stage),
        "--from {}: 1 (poses from the video) or 2 (stored tracks)",
        args.from_stage
    );
    let pose_settings = AnnotateConfig {
        pose_input_size: args.pose_input_size,
        ..AnnotateConfig::default()
    };
    let models = if args.from_stage == 1 {
        Some((services::runtime(config)?, services::catalog(config)?))
    } else {
        None
    };
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:30} {bar:30} {pos}/{len} frames  {per_sec}  ETA {eta}",
        )
        .expect("valid template"),
    );
    let mut csv = String::from(vision::events::CSV_HEADER);
    for (n, input) in args.inputs.iter().enumerate() {
        let name = input
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(input)
            .to_string();
        let dir = args.output.join(&name);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let (poses, tracked) = (dir.join("poses.jsonl"), dir.join("tracks.jsonl"));
        let started = std::time::Instant::now();
        let frames = if let Some((runtime, catalog)) = &models {
            bar.set_message(format!("poses {name} ({}/{})", n + 1, args.inputs.len()));
            bar.reset();
            annotate::stages::detect_poses(runtime, catalog, input, &pose_settings, &poses, |p| {
                bar.set_length(p.frames_total);
                bar.set_position(p.frames_done);
                true
            })?;
            annotate::stages::track_poses(&pose_settings, &poses, &tracked)?
        } else {
            annotate::stages::read_tracks(&tracked).with_context(|| {
                format!(
                    "--from 2 reads {}: run without --from first",
                    tracked.display()
                )
            })?
        };
        let pose_secs = started.elapsed().as_secs_f64();
        let started = std::time::Instant::now();
        let (events, scores) =
            vision::events::analyze_tracks(&frames, &events_config, Default::default())?;
        let event_secs = started.elapsed().as_secs_f64();
        std::fs::write(
            dir.join("scores.jsonl"),
            vision::events::scores_jsonl(&scores),
        )?;
        std::fs::write(
            dir.join("events.json"),
            vision::events::events_json(&events),
        )?;
        for (service, e) in &events {
            csv.push_str(&vision::events::csv_row(&name, *service, e));
        }
        bar.suspend(|| {
            let people: std::collections::BTreeSet<u64> = frames
                .iter()
                .flat_map(|f| f.persons.iter().filter_map(|p| p.person.track_id))
                .collect();
            let found: Vec<String> = events
                .iter()
                .map(|(s, e)| format!("{} {:.1}–{:.1} s ({:.2})", s.as_str(), e.start_time, e.end_time, e.peak_score))
                .collect();
            println!(
                "{name}: {} frames, {} tracks, {} events{}{} (poses+tracks {pose_secs:.1} s, events {:.1} ms)",
                frames.len(),
                people.len(),
                events.len(),
                if found.is_empty() { "" } else { ": " },
                found.join(", "),
                event_secs * 1000.0
            );
        });
    }
    bar.finish_and_clear();
    std::fs::write(args.output.join("events.csv"), csv)?;
    Ok(())
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
        "{} frames ({} detected) in {:.1} s ({:.1} fps), {} masks on {} tracks → {} (log: {})",
        summary.frames,
        summary.detected_frames,
        summary.seconds,
        summary.fps,
        summary.masks,
        summary.tracks,
        args.output.display(),
        log.display()
    );
    Ok(())
}

impl AnnotateArgs {
    pub fn config(&self) -> anyhow::Result<AnnotateConfig> {
        let mut settings = AnnotateConfig {
            from_stage: self.from_stage,
            to_stage: self.to_stage,
            // the earlier stages' files are in OUTPUT, not in a stored job
            source_job: (self.from_stage > 1).then(|| "local".to_string()),
            pose_input_size: self.pose_input_size,
            window: self.window,
            stride: self.stride,
            max_persons: self.max_persons,
            normalize: if self.bbox_relative {
                Normalize::Bbox
            } else {
                Normalize::Frame
            },
            label: self.label.clone(),
            val_fraction: self.val_fraction,
            test_fraction: self.test_fraction,
            seed: self.seed,
            ..AnnotateConfig::default()
        };
        if let Some(path) = &self.labels {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--labels {}: cannot read it", path.display()))?;
            if path.extension().is_some_and(|e| e == "json") {
                settings.labels = serde_json::from_str(&text).with_context(|| {
                    format!(
                        "--labels {}: expected a JSON list of {{video, label, start?, end?}}",
                        path.display()
                    )
                })?;
            } else {
                settings.labels_csv = Some(text);
            }
        }
        settings
            .validate()
            .map_err(|e| anyhow::anyhow!("{}", e.join("; ")))?;
        Ok(settings)
    }
}

fn annotate(config: &Config, args: AnnotateArgs) -> anyhow::Result<()> {
    let settings = args.config()?;
    let names: Vec<String> = args
        .inputs
        .iter()
        .map(|i| i.rsplit(['/', '\\']).next().unwrap_or(i).to_string())
        .collect();
    if settings.runs(3) {
        let labels = settings.rules().map_err(anyhow::Error::msg)?;
        for name in &names {
            labels.intervals(name, name).map_err(anyhow::Error::msg)?;
        }
    }
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:30} {bar:30} {pos}/{len} frames  {per_sec}  ETA {eta}",
        )
        .expect("valid template"),
    );
    let models = if settings.runs(1) {
        Some((services::runtime(config)?, services::catalog(config)?))
    } else {
        None
    };
    let mut tracks = Vec::new();
    for (n, (input, name)) in args.inputs.iter().zip(&names).enumerate() {
        let dir = args.output.join(name);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let (poses, tracked) = (dir.join("poses.jsonl"), dir.join("tracks.jsonl"));
        if let Some((runtime, catalog)) = &models {
            bar.set_message(format!("poses {name} ({}/{})", n + 1, names.len()));
            bar.reset();
            annotate::stages::detect_poses(runtime, catalog, input, &settings, &poses, |p| {
                bar.set_length(p.frames_total);
                bar.set_position(p.frames_done);
                true
            })?;
        }
        if settings.runs(2) {
            let frames = annotate::stages::track_poses(&settings, &poses, &tracked)?;
            annotate::write_exports(name, &frames, &settings, &dir)?;
        }
        tracks.push(tracked);
    }
    bar.finish_and_clear();
    if settings.runs(3) {
        let frames: Vec<_> = tracks
            .iter()
            .map(|p| annotate::stages::read_tracks(p))
            .collect::<Result<_, _>>()?;
        let videos: Vec<VideoTracks> = names
            .iter()
            .zip(&frames)
            .map(|(name, frames)| VideoTracks {
                name,
                id: name,
                frames,
            })
            .collect();
        let dir = args.output.join("dataset");
        std::fs::create_dir_all(&dir)?;
        let (_, _, summary) = annotate::write_dataset(&videos, &settings, &dir)?;
        println!(
            "{} windows ({} train, {} val, {} test), classes {:?} → {}",
            summary.samples,
            summary.train,
            summary.val,
            summary.test,
            summary.classes,
            dir.join("dataset.pkl").display()
        );
    } else {
        println!(
            "stages {}–{} written to {}",
            settings.from_stage,
            settings.to_stage,
            args.output.display()
        );
    }
    Ok(())
}
