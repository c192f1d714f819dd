//! `recognizer run <job> …`: a job run offline on local files, with a progress bar — the same
//! code the workers run.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use vision::annotate::{self, AnnotateConfig, Normalize};
use vision::anonymize::{AnonymizeConfig, Anonymizer, Filter, Mode, Shape};

use super::local_job::{LocalJob, file_name};
use super::services;
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum RunCommand {
    /// Hide faces (or eyes, or whole people) in a video; writes an MP4 (audio kept) and a
    /// JSON-lines log of every mask applied.
    Anonymize(AnonymizeArgs),
    /// Turn videos into an ST-GCN training set (MMAction2 / PYSKL pickle) in three stages:
    /// poses → tracks → tensors. Each stage's results stay in OUTPUT/<video>/ so a later run can
    /// start from them (--from 2 or 3). Runs the workers' own annotate handler.
    Annotate(AnnotateArgs),
    /// Fall and fight events from tracked poses: per video OUTPUT/<video>/events.json (each event
    /// with its explanation), scores.jsonl (each frame's best score per service), tracks.jsonl
    /// (--from 2 reuses it) and events/event-NNN.jpg (each event's peak, people boxed), and
    /// OUTPUT/events.csv for all videos. Runs the workers' own analyze handler.
    Analyze(AnalyzeArgs),
    /// An overlay video drawn from stored results (no model runs): the tracks, events and scores
    /// an annotate or analyze run wrote (--from-dir), in a mode and a style; faces blurred from
    /// an anonymize run's mask log (--masks) or found while rendering. Writes OUT.mp4 (sound
    /// kept) and OUT.png (the poster). Runs the workers' own visualize handler.
    Visualize(VisualizeArgs),
}

#[derive(clap::Args)]
pub struct VisualizeArgs {
    /// The video the results belong to.
    pub video: String,
    /// Where an annotate or analyze run wrote its results (DIR/<video file name>/tracks.jsonl,
    /// or DIR/tracks.jsonl).
    #[arg(long)]
    pub from_dir: PathBuf,
    /// The overlay video to write (MP4); its poster goes beside it as .png.
    #[arg(short, long)]
    pub output: PathBuf,
    /// full, skeleton_only, minimal, debug or raw.
    #[arg(long, default_value = "full", value_parser = parse_word::<vision::render::Mode>)]
    pub mode: vision::render::Mode,
    /// professional, scientific, presentation or debug.
    #[arg(long, default_value = "professional", value_parser = parse_word::<vision::render::StyleName>)]
    pub style: vision::render::StyleName,
    /// Layers to draw besides the mode's, comma-separated (anonymize, heatmap, trajectory, bbox,
    /// skeleton, track_id, statistics, timeline).
    #[arg(long, value_delimiter = ',', value_parser = parse_word::<vision::render::Layer>)]
    pub layers_on: Vec<vision::render::Layer>,
    /// The mode's layers to leave out, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = parse_word::<vision::render::Layer>)]
    pub layers_off: Vec<vision::render::Layer>,
    /// An anonymize run's mask log (masks.jsonl) saying which faces to blur.
    #[arg(long)]
    pub masks: Option<PathBuf>,
    /// Seconds of path behind each person.
    #[arg(long, default_value_t = 2.0)]
    pub trajectory_secs: f64,
    /// Render from this second …
    #[arg(long = "from", default_value_t = 0.0)]
    pub from_secs: f64,
    /// … to this one (0: the end; a part has no sound).
    #[arg(long = "to", default_value_t = 0.0)]
    pub to_secs: f64,
    /// Output width in pixels (0: the video's own).
    #[arg(long, default_value_t = 0)]
    pub width: u32,
}

/// A word of a settings enum, as the job's parameters spell it (`skeleton_only`).
fn parse_word<T: serde::de::DeserializeOwned>(s: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.replace('-', "_")))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// Input videos (files or URLs).
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Output directory.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Services to run, comma-separated: fall, fight, footfall (heatmap.csv, zones.csv,
    /// occupancy.csv, lines.csv per video; zones from --zones, lines from --lines).
    #[arg(long, value_delimiter = ',', default_value = "fall,fight")]
    pub services: Vec<String>,
    /// Counting lines for footfall as JSON: `[{"name": "door", "a": [x, y], "b": [x, y]}]`
    /// in relative coordinates (0–1); crossings from its left to its right count as in.
    #[arg(long)]
    pub lines: Option<PathBuf>,
    /// Footfall: one heatmap (and zone row) per this many seconds besides the whole video.
    #[arg(long, default_value_t = 0.0)]
    pub window_secs: f64,
    /// Footfall: also a fading heatmap (where people were lately) with this half-life, seconds.
    #[arg(long, default_value_t = 0.0)]
    pub half_life: f64,
    /// 2: read OUTPUT/<video>/tracks.jsonl from an earlier run instead of estimating poses.
    #[arg(long = "from", default_value_t = 1)]
    pub from_stage: u8,
    /// Longer side of the pose model's input (0 = the video's own size).
    #[arg(long, default_value_t = 0)]
    pub pose_input_size: u32,
    /// The person score a detection needs to start a track; lower follows faint, tangled or
    /// lying people.
    #[arg(long, default_value_t = vision::events::TRACK_SCORE)]
    pub track_score: f32,
    /// Event settings as JSON (EventsConfig: thresholds, rules, weights, exclusion zones).
    #[arg(long)]
    pub settings: Option<PathBuf>,
    /// Exclusion zones (where no fall is raised, e.g. a bed) as JSON: a list of
    /// `{"name": "bed", "points": [[x, y], …]}` in relative coordinates (0–1) of the frame.
    #[arg(long)]
    pub zones: Option<PathBuf>,
    /// A skeleton classifier for a service: `fall=model.onnx`; its contract is read from the
    /// JSON file of the same name (`model.json`). Repeat for fight.
    #[arg(long = "model", value_name = "SERVICE=FILE.onnx")]
    pub models: Vec<String>,
    /// Labelled intervals to score the events against: `video,label[,start,end]` lines, a
    /// GMDCSA24 label file or a JSON list of rules (labels `fall…`/`fight…` count for that
    /// service). Writes OUTPUT/report/ (report.html, metrics.json, tables, charts).
    #[arg(long)]
    pub labels: Option<PathBuf>,
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
    /// The person score a detection needs to start a track; people scored lower only continue
    /// one.
    #[arg(long, default_value_t = vision::annotate::TRACK_SCORE)]
    pub track_score: f32,
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

/// Help for `run anonymize`'s options: the label, help and unit of the parameter table the
/// web form and the API document read (`recognizer params anonymize`).
fn anonymize_help(path: &str) -> String {
    super::params::help(&vision::anonymize::parameters::parameters(), path)
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
    /// Start from a named preset (standard, fast, thorough, eyes_only; see `recognizer params
    /// anonymize`); the options below change it further.
    #[arg(long, default_value = "standard")]
    pub preset: String,
    #[arg(long, value_enum, help = anonymize_help("mode"))]
    pub mode: Option<ModeArg>,
    /// How to hide it (with --strength, --block or --colour).
    #[arg(long, value_enum)]
    pub filter: Option<FilterKind>,
    /// Blur strength, fraction of the mask size (0.01–1).
    #[arg(long, default_value_t = 0.5)]
    pub strength: f32,
    /// Mosaic block size in pixels.
    #[arg(long, default_value_t = 12)]
    pub block: u32,
    /// Solid colour as RRGGBB.
    #[arg(long, default_value = "000000")]
    pub colour: String,
    #[arg(long, value_enum, help = anonymize_help("shape"))]
    pub shape: Option<ShapeArg>,
    #[arg(long, help = anonymize_help("mask_scale"))]
    pub mask_scale: Option<f32>,
    #[arg(long, help = anonymize_help("threshold"))]
    pub threshold: Option<f32>,
    #[arg(long, help = anonymize_help("face_input_size"))]
    pub face_input_size: Option<u32>,
    /// Do not use the pose model (faces only: faster, misses heads turned away).
    #[arg(long)]
    pub no_pose: bool,
    #[arg(long, help = anonymize_help("pose_input_size"))]
    pub pose_input_size: Option<u32>,
    #[arg(long, help = anonymize_help("hold_frames"))]
    pub hold: Option<u32>,
    #[arg(long, help = anonymize_help("detect_every"))]
    pub detect_every: Option<u32>,
    #[arg(long, help = anonymize_help("small_face"))]
    pub small_face: Option<u32>,
    #[arg(long, help = anonymize_help("pose_every"))]
    pub pose_every: Option<u32>,
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
    /// The defaults, then the preset, then the options given.
    pub fn config(&self) -> anyhow::Result<AnonymizeConfig> {
        let presets = vision::anonymize::parameters::presets();
        let preset = vision::params::find_preset(&presets, &self.preset)
            .map_err(|e| anyhow::anyhow!("--preset: {e}"))?;
        let defaults = serde_json::to_value(AnonymizeConfig::default())?;
        let mut c: AnonymizeConfig =
            serde_json::from_value(vision::params::merged(&defaults, &preset.params))?;
        if let Some(mode) = self.mode {
            c.mode = match mode {
                ModeArg::Face => Mode::Face,
                ModeArg::Eyes => Mode::Eyes,
                ModeArg::Person => Mode::Person,
            };
        }
        if let Some(filter) = self.filter {
            c.filter = match filter {
                FilterKind::Blur => Filter::Blur {
                    strength: self.strength,
                },
                FilterKind::Mosaic => Filter::Mosaic { block: self.block },
                FilterKind::Solid => Filter::Solid {
                    colour: parse_colour(&self.colour)?,
                },
            };
        }
        if let Some(shape) = self.shape {
            c.shape = match shape {
                ShapeArg::Ellipse => Shape::Ellipse,
                ShapeArg::Box => Shape::Box,
            };
        }
        c.use_pose &= !self.no_pose;
        c.mask_scale = self.mask_scale.unwrap_or(c.mask_scale);
        c.threshold = self.threshold.unwrap_or(c.threshold);
        c.face_input_size = self.face_input_size.unwrap_or(c.face_input_size);
        c.pose_input_size = self.pose_input_size.unwrap_or(c.pose_input_size);
        c.hold_frames = self.hold.unwrap_or(c.hold_frames);
        c.detect_every = self.detect_every.unwrap_or(c.detect_every);
        c.small_face = self.small_face.unwrap_or(c.small_face);
        c.pose_every = self.pose_every.unwrap_or(c.pose_every);
        Ok(c)
    }
}

pub fn run(config: &Config, command: RunCommand) -> anyhow::Result<()> {
    match command {
        RunCommand::Anonymize(args) => anonymize(config, args),
        RunCommand::Annotate(args) => annotate(config, args),
        RunCommand::Analyze(args) => analyze(config, args),
        RunCommand::Visualize(args) => visualize(config, args),
    }
}

fn analyze(config: &Config, args: AnalyzeArgs) -> anyhow::Result<()> {
    use vision::events::{AnalyzeConfig, EventsConfig, Zone};
    use workers::jobs::analyze::{AnalyzeJob, ModelInput};
    let mut events_config = match &args.settings {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--settings {}: cannot read it", path.display()))?;
            serde_json::from_str::<EventsConfig>(&text)
                .with_context(|| format!("--settings {}: not event settings", path.display()))?
        }
        None => EventsConfig::default(),
    };
    // footfall is counted beside the event services
    let footfall = args.services.iter().any(|s| s.trim() == "footfall");
    events_config.services = args
        .services
        .iter()
        .filter(|s| s.trim() != "footfall")
        .map(|s| parse_service(s).with_context(|| "--services"))
        .collect::<anyhow::Result<_>>()?;
    if let Some(path) = &args.zones {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--zones {}: cannot read it", path.display()))?;
        events_config.exclusion_zones = serde_json::from_str::<Vec<Zone>>(&text).with_context(|| {
            format!(
                "--zones {}: expected a JSON list of {{\"name\", \"points\": [[x, y], …]}} in 0–1",
                path.display()
            )
        })?;
    }
    anyhow::ensure!(
        (1..=2).contains(&args.from_stage),
        "--from {}: 1 (poses from the video) or 2 (stored tracks)",
        args.from_stage
    );
    let mut job = LocalJob::new(&args.output)?;
    let labels_csv = match &args.labels {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("--labels {}: cannot read it", path.display()))?,
        ),
        None => None,
    };
    let mut footfall_config = vision::footfall::FootfallConfig {
        enabled: footfall,
        // the zones given count footfall too (and no fall is raised inside them)
        zones: events_config.exclusion_zones.clone(),
        heatmap: vision::footfall::heatmap::HeatmapConfig {
            window_secs: args.window_secs,
            half_life_secs: args.half_life,
            ..Default::default()
        },
        ..Default::default()
    };
    if let Some(path) = &args.lines {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--lines {}: cannot read it", path.display()))?;
        footfall_config.lines = serde_json::from_str(&text).with_context(|| {
            format!(
                "--lines {}: expected a JSON list of {{\"name\", \"a\": [x, y], \"b\": [x, y]}} in 0–1",
                path.display()
            )
        })?;
    }
    let mut settings = AnalyzeConfig {
        pose_input_size: args.pose_input_size,
        track_score: args.track_score,
        events: events_config,
        labels_csv,
        footfall: footfall_config,
        ..AnalyzeConfig::default()
    };
    let problems: Vec<String> = settings.problems().into_iter().map(|(_, m)| m).collect();
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("; "));
    let inputs = args
        .inputs
        .iter()
        .map(|i| job.input(i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if args.from_stage == 2 {
        let source = uuid::Uuid::new_v4();
        for input in &inputs {
            let tracks = args.output.join(&input.filename).join("tracks.jsonl");
            anyhow::ensure!(
                tracks.is_file(),
                "--from 2 reads {}: run without --from first",
                tracks.display()
            );
            job.stage(
                &format!("jobs/{source}/{}/tracks.jsonl", input.video_id),
                &tracks,
            )?;
        }
        settings.source_job = Some(source.to_string());
    }
    let mut models = Vec::new();
    for (n, spec) in args.models.iter().enumerate() {
        let (service, file) = spec
            .split_once('=')
            .with_context(|| format!("--model {spec}: expected SERVICE=FILE.onnx"))?;
        let service = parse_service(service).with_context(|| format!("--model {spec}"))?;
        let file = PathBuf::from(file);
        let contract_path = file.with_extension("json");
        let contract = std::fs::read_to_string(&contract_path).with_context(|| {
            format!(
                "--model {spec}: its contract {} cannot be read",
                contract_path.display()
            )
        })?;
        let contract = serde_json::from_str(&contract)
            .with_context(|| format!("--model {spec}: contract {}", contract_path.display()))?;
        let key = format!("models/{n}.onnx");
        job.stage(&key, &file)?;
        models.push(ModelInput {
            service,
            name: file_name(&file.to_string_lossy()),
            key,
            contract,
        });
    }
    let ctx = job.context(config)?;
    let handler = AnalyzeJob {
        inputs: inputs.clone(),
        settings,
        models,
        zones: Default::default(),
        footfall_layouts: Default::default(),
    };
    let artifacts = job.block_on(handler.run(&ctx))??;
    job.collect(&artifacts, &args.output)?;
    let events = job.events();
    for input in &inputs {
        let tracks = args.output.join(&input.filename).join("tracks.jsonl");
        let people: std::collections::BTreeSet<u64> = annotate::stages::read_tracks(&tracks)?
            .iter()
            .flat_map(|f| f.persons.iter().filter_map(|p| p.person.track_id))
            .collect();
        let found: Vec<String> = events
            .iter()
            .filter(|e| e.video == input.video_id)
            .map(|e| {
                format!(
                    "{} {:.1}–{:.1} s ({:.2})",
                    e.service.as_str(),
                    e.event.start_time,
                    e.event.end_time,
                    e.event.peak_score
                )
            })
            .collect();
        let summary = match (people.len(), found.len()) {
            (0, _) => "nobody was seen, so no events".to_string(),
            (p, 0) => format!("{} tracked, no events", people_count(p)),
            (p, n) => format!(
                "{} tracked, {n} event{}: {}",
                people_count(p),
                if n == 1 { "" } else { "s" },
                found.join(", ")
            ),
        };
        println!("{}: {summary}", input.filename);
    }
    if args.labels.is_some() {
        super::evaluate::headline(&args.output.join("report"))?;
    }
    Ok(())
}

fn people_count(n: usize) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

pub fn parse_service(s: &str) -> anyhow::Result<vision::events::Service> {
    use vision::events::Service;
    match s.trim() {
        "fall" => Ok(Service::Fall),
        "fight" => Ok(Service::Fight),
        other => anyhow::bail!("unknown service {other:?}; choose fall, fight"),
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
    println!("time: {}", summary.stages);
    Ok(())
}

impl AnnotateArgs {
    pub fn config(&self) -> anyhow::Result<AnnotateConfig> {
        let mut settings = AnnotateConfig {
            from_stage: self.from_stage,
            to_stage: self.to_stage,
            // set by `annotate` to where it puts the earlier stages' files of OUTPUT
            source_job: (self.from_stage > 1).then(|| "local".to_string()),
            pose_input_size: self.pose_input_size,
            track_score: self.track_score,
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
    use workers::jobs::annotate::AnnotateJob;
    let mut settings = args.config()?;
    let mut job = LocalJob::new(&args.output)?;
    let inputs = args
        .inputs
        .iter()
        .map(|i| job.input(i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if settings.from_stage > 1 {
        // the earlier stages' files, from OUTPUT/<video>/, as if a stored job had made them
        let source = uuid::Uuid::new_v4();
        let file = if settings.from_stage == 2 {
            "poses.jsonl"
        } else {
            "tracks.jsonl"
        };
        for input in &inputs {
            let stored = args.output.join(&input.filename).join(file);
            anyhow::ensure!(
                stored.is_file(),
                "--from {} reads {}: run the earlier stages first",
                settings.from_stage,
                stored.display()
            );
            job.stage(&format!("jobs/{source}/{}/{file}", input.video_id), &stored)?;
        }
        settings.source_job = Some(source.to_string());
    }
    let ctx = job.context(config)?;
    let handler = AnnotateJob {
        inputs,
        settings: settings.clone(),
    };
    let artifacts = job.block_on(handler.run(&ctx))??;
    let written = job.collect(&artifacts, &args.output)?;
    let dataset = args.output.join("dataset").join("dataset.pkl");
    if settings.runs(3) && dataset.is_file() {
        let classes: Vec<String> =
            std::fs::read_to_string(args.output.join("dataset").join("classes.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
        println!(
            "{} files written; dataset {} (classes: {})",
            written.len(),
            dataset.display(),
            classes.join(", ")
        );
    } else {
        println!(
            "stages {}–{}: {} files written to {}",
            settings.from_stage,
            settings.to_stage,
            written.len(),
            args.output.display()
        );
    }
    Ok(())
}

fn visualize(config: &Config, args: VisualizeArgs) -> anyhow::Result<()> {
    use vision::render::RenderConfig;
    use workers::jobs::visualize::VisualizeJob;

    let dir = vision::render::results::video_dir(&args.from_dir, std::path::Path::new(&args.video));
    anyhow::ensure!(
        dir.join("tracks.jsonl").is_file(),
        "{} has no tracks.jsonl: give --from-dir the output folder of `recognizer run analyze` or \
         `recognizer run annotate --to 2` on this video",
        dir.display()
    );
    let folder = match args.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut job = LocalJob::new(&folder)?;
    let input = job.input(&args.video)?;
    let (source, masks_job) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    for name in ["tracks.jsonl", "events.json", "scores.jsonl"] {
        let file = dir.join(name);
        if file.is_file() {
            job.stage(&format!("jobs/{source}/{}/{name}", input.video_id), &file)?;
        }
    }
    if let Some(masks) = &args.masks {
        job.stage(
            &format!("jobs/{masks_job}/{}/masks.jsonl", input.video_id),
            masks,
        )?;
    }
    let settings = RenderConfig {
        mode: args.mode,
        style: args.style,
        layers_on: args.layers_on.clone(),
        layers_off: args.layers_off.clone(),
        trajectory_secs: args.trajectory_secs,
        from_secs: args.from_secs,
        to_secs: args.to_secs,
        width: args.width,
        source_job: Some(source.to_string()),
        masks_job: args.masks.as_ref().map(|_| masks_job.to_string()),
        ..RenderConfig::default()
    };
    if let Some((field, message)) = settings.problems().into_iter().next() {
        anyhow::bail!("--{}: {message}", field.replace('_', "-"));
    }
    let ctx = job.context(config)?;
    let handler = VisualizeJob {
        inputs: vec![input.clone()],
        settings,
    };
    let artifacts = job.block_on(handler.run(&ctx))??;
    let collected = tempfile::Builder::new()
        .prefix(".recognizer-render-")
        .tempdir_in(&folder)?;
    job.collect(&artifacts, collected.path())?;
    let rendered = collected.path().join(&input.filename);
    let poster = args.output.with_extension("png");
    std::fs::rename(rendered.join("overlay.mp4"), &args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    std::fs::rename(rendered.join("poster.png"), &poster)
        .with_context(|| format!("cannot write {}", poster.display()))?;
    println!(
        "{}: {} → {} (poster {})",
        input.filename,
        handler
            .settings
            .layers()
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        args.output.display(),
        poster.display()
    );
    Ok(())
}
