//! The analyze job: videos (or an annotate job's stored tracks) in, fall and fight events out —
//! per video `events.json` (each event with its explanation), `scores.jsonl` (each frame's best
//! score per service), `tracks.jsonl` and a JPEG of each event's peak (`events/event-NNN.jpg`),
//! and `events.csv` for the job. Each event also goes to `ctx.on_event` (the worker stores them
//! in the `events` table when the job succeeds).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use vision::Runtime;
use vision::annotate::labels::LabelRule;
use vision::annotate::{self, AnnotateConfig, TrackFrame};
use vision::evaluate::VideoResult;
use vision::evaluate::labels::{LabelMap, LabelledVideo, ground_truth};
use vision::events::{self, AnalyzeConfig, Classifiers, Event, Service, Zone, analyze_tracks};
use vision::footfall::counters::Line;
use vision::metrics::events::Span;
use vision::models::skeleton::{ClassifierContract, SkeletonClassifier};

use super::annotate::{AnnotateInput, detect, report, with_video};
use super::{Artifact, FoundEvent, JobContext, JobError, download, scratch, upload};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeJob {
    pub inputs: Vec<AnnotateInput>,
    #[serde(default)]
    pub settings: AnalyzeConfig,
    /// The services' skeleton classifiers (registered models), at most one per service.
    #[serde(default)]
    pub models: Vec<ModelInput>,
    /// Zones drawn on each video: no fall is raised inside them (added to the settings' own
    /// exclusion zones).
    #[serde(default)]
    pub zones: std::collections::BTreeMap<uuid::Uuid, Vec<Zone>>,
    /// Zones and lines drawn on each video to count footfall in (added to the settings' own
    /// when footfall is on).
    #[serde(default)]
    pub footfall_layouts: std::collections::BTreeMap<uuid::Uuid, (Vec<Zone>, Vec<Line>)>,
}

/// A registered skeleton classifier one service uses.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelInput {
    pub service: Service,
    /// Its name, for messages.
    pub name: String,
    /// Object key of the ONNX file.
    pub key: String,
    pub contract: ClassifierContract,
}

impl AnalyzeJob {
    pub const JOB_NAME: &'static str = "analyze";

    pub async fn run(&self, ctx: &JobContext) -> Result<Vec<Artifact>, JobError> {
        let problems = self.settings.problems();
        if !problems.is_empty() {
            let all: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
            return Err(JobError::Other(format!(
                "invalid analyze settings: {}",
                all.join("; ")
            )));
        }
        std::fs::create_dir_all(&ctx.scratch).map_err(|e| scratch(&ctx.scratch, e))?;
        // the classifiers first: a model that does not load fails the job before hours of poses
        let model_files = self.fetch_models(ctx).await?;
        let (runtime, check) = (ctx.runtime, model_files.clone());
        tokio::task::spawn_blocking(move || load_classifiers(runtime, &check).map(|_| ()))
            .await
            .map_err(|e| JobError::from_join("loading the classifiers", e))??;
        let total: u64 = self.inputs.iter().map(|i| i.frames).sum();
        let mut done_before = 0;
        let mut artifacts = Vec::new();
        let mut csv = String::from(events::CSV_HEADER);
        // checked before the poses: a label naming no video of this job fails it now
        let rules = self
            .settings
            .label_rules()
            .map_err(|(_, e)| JobError::Other(e))?;
        let mut results = Vec::new();
        for (n, input) in self.inputs.iter().enumerate() {
            let dir = ctx.scratch.join(input.video_id.to_string());
            std::fs::create_dir_all(&dir).map_err(|e| scratch(&dir, e))?;
            let label = format!("{} ({} of {})", input.filename, n + 1, self.inputs.len());
            let key = |name: &str| ctx.artifact_key(&format!("{}/{name}", input.video_id));
            let frames = match &self.settings.source_job {
                Some(source) => {
                    let path = dir.join("tracks.jsonl");
                    let stored = format!("jobs/{source}/{}/tracks.jsonl", input.video_id);
                    download(ctx, &stored, &path).await.map_err(|e| match e {
                        JobError::Input { .. } => JobError::Other(format!(
                            "job {source} has no tracks for {}: run its stage 2 first, or leave source_job out",
                            input.filename
                        )),
                        other => other,
                    })?;
                    let frames = annotate::stages::read_tracks(&path)?;
                    // stored again as this job's, so a job re-scoring this one finds them too
                    let a = upload(ctx, "tracks", &path, &key("tracks.jsonl")).await?;
                    artifacts.push(with_video(a, input));
                    frames
                }
                None => {
                    let frames = self
                        .track(ctx, input, &dir, &label, done_before, total)
                        .await?;
                    let tracks = dir.join("tracks.jsonl");
                    let a = upload(ctx, "tracks", &tracks, &key("tracks.jsonl")).await?;
                    artifacts.push(with_video(a, input));
                    frames
                }
            };
            report(
                ctx,
                &format!("events · {label}"),
                done_before + input.frames,
                total,
            );
            let mut events_config = self.settings.events.clone();
            if let Some(drawn) = self.zones.get(&input.video_id) {
                events_config.exclusion_zones.extend(drawn.iter().cloned());
            }
            let duration_secs = vision::evaluate::duration_of(&frames);
            let models = model_files.clone();
            let runtime = ctx.runtime;
            let mut footfall_config = self.settings.footfall.clone();
            if let Some((zones, lines)) = self.footfall_layouts.get(&input.video_id) {
                footfall_config.zones.extend(zones.iter().cloned());
                footfall_config.lines.extend(lines.iter().cloned());
            }
            if footfall_config.enabled {
                footfall_config
                    .check_against(duration_secs)
                    .map_err(|(field, e)| {
                        JobError::Other(format!("{}: footfall.{field}: {e}", input.filename))
                    })?;
            }
            let (events, scores, footfall) = tokio::task::spawn_blocking(move || {
                let classifiers = load_classifiers(runtime, &models)?;
                let (events, scores) = analyze_tracks(&frames, &events_config, classifiers)
                    .map_err(|e| JobError::Other(e.to_string()))?;
                let footfall = footfall_config
                    .enabled
                    .then(|| vision::footfall::count(&frames, &footfall_config));
                Ok::<_, JobError>((events, scores, footfall))
            })
            .await
            .map_err(|e| JobError::from_join("scoring events", e))??;
            if let Some(f) = footfall {
                report(
                    ctx,
                    &format!("footfall heatmap · {label}"),
                    done_before + input.frames,
                    total,
                );
                artifacts.extend(super::footfall::write(ctx, input, &dir, f).await?);
            }
            let events_path = dir.join("events.json");
            write(&events_path, &events::events_json(&events))?;
            let scores_path = dir.join("scores.jsonl");
            write(&scores_path, &events::scores_jsonl(&scores))?;
            for (kind, path, name) in [
                ("events", &events_path, "events.json"),
                ("scores", &scores_path, "scores.jsonl"),
            ] {
                let a = upload(ctx, kind, path, &key(name)).await?;
                artifacts.push(with_video(a, input));
            }
            for (service, e) in &events {
                csv.push_str(&events::csv_row(&input.filename, *service, e));
            }
            if !rules.is_empty() {
                results.push(vision::evaluate::VideoResult {
                    name: input.filename.clone(),
                    duration_secs,
                    events: events
                        .iter()
                        .map(|(s, e)| (*s, Span::new(e.start_time, e.end_time)))
                        .collect(),
                    scores: scores.clone(),
                });
            }
            let pictures = self.pictures(ctx, input, &dir, &events).await?;
            for (n, ((service, event), picture)) in events.iter().zip(pictures).enumerate() {
                let thumbnail_key = match picture {
                    Some(path) => {
                        let key = key(&format!("events/event-{n:03}.jpg"));
                        artifacts.push(with_video(
                            upload(ctx, "event-picture", &path, &key).await?,
                            input,
                        ));
                        Some(key)
                    }
                    None => None,
                };
                (ctx.on_event)(FoundEvent {
                    video: input.video_id,
                    service: *service,
                    event: event.clone(),
                    thumbnail_key,
                });
            }
            tracing::info!(video = %input.filename, events = events.len(), "analyzed");
            done_before += input.frames;
        }
        if !rules.is_empty() {
            artifacts.extend(self.evaluate(ctx, &rules, results, total).await?);
        }
        let csv_path = ctx.scratch.join("events.csv");
        write(&csv_path, &csv)?;
        artifacts.push(
            upload(
                ctx,
                "events-csv",
                &csv_path,
                &ctx.artifact_key("events.csv"),
            )
            .await?,
        );
        Ok(artifacts)
    }

    /// The events scored against the labels: `report/report.html`, `metrics.json`, the tables
    /// and the charts.
    async fn evaluate(
        &self,
        ctx: &JobContext,
        rules: &[(usize, LabelRule)],
        results: Vec<VideoResult>,
        total: u64,
    ) -> Result<Vec<Artifact>, JobError> {
        report(ctx, "evaluate against the labels", total, total);
        let videos: Vec<LabelledVideo> = self
            .inputs
            .iter()
            .zip(&results)
            .map(|(input, r)| LabelledVideo {
                name: input.filename.clone(),
                id: input.video_id.to_string(),
                duration_secs: r.duration_secs,
            })
            .collect();
        let truth = ground_truth(rules, &LabelMap::default(), &videos).map_err(JobError::Other)?;
        let services = self.settings.thresholds();
        let dir = ctx.scratch.join("report");
        let title = format!("Analyze job {} against its labels", ctx.job_id);
        let files = tokio::task::spawn_blocking(move || {
            let evaluation = vision::evaluate::evaluate(&results, &truth, &services, 1.0);
            reports::write_report(&dir, &title, &evaluation, &results, &truth)
        })
        .await
        .map_err(|e| JobError::from_join("writing the report", e))?
        .map_err(|e| JobError::Other(e.to_string()))?;
        let mut artifacts = Vec::new();
        for path in files {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let kind = match name.as_str() {
                "report.html" => "report",
                "metrics.json" => "metrics",
                _ => "report-part",
            };
            artifacts.push(
                upload(
                    ctx,
                    kind,
                    &path,
                    &ctx.artifact_key(&format!("report/{name}")),
                )
                .await?,
            );
        }
        Ok(artifacts)
    }

    /// Each service's model file, downloaded into the scratch space.
    async fn fetch_models(&self, ctx: &JobContext) -> Result<Vec<(ModelInput, PathBuf)>, JobError> {
        let mut out = Vec::new();
        for (n, m) in self.models.iter().enumerate() {
            let path = ctx.scratch.join(format!("model-{n}.onnx"));
            download(ctx, &m.key, &path).await.map_err(|e| match e {
                JobError::Input { .. } => JobError::Other(format!(
                    "the {} model {:?} is no longer stored: pick another model or none",
                    m.service.as_str(),
                    m.name
                )),
                other => other,
            })?;
            out.push((m.clone(), path));
        }
        Ok(out)
    }

    /// A picture of each event's peak frame (the video is fetched when only its tracks were).
    async fn pictures(
        &self,
        ctx: &JobContext,
        input: &AnnotateInput,
        dir: &Path,
        found: &[(Service, Event)],
    ) -> Result<Vec<Option<PathBuf>>, JobError> {
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let video = dir.join("input");
        if !video.exists() {
            download(ctx, &input.input_key, &video).await?;
        }
        let out = dir.join("events");
        std::fs::create_dir_all(&out).map_err(|e| scratch(&out, e))?;
        let found = found.to_vec();
        let video_s = video.to_string_lossy().into_owned();
        let pictures = tokio::task::spawn_blocking(move || {
            events::write_peak_snapshots(&video_s, &found, &out)
        })
        .await
        .map_err(|e| JobError::from_join("drawing event pictures", e))?;
        pictures.map_err(|e| JobError::Input {
            key: input.input_key.clone(),
            reason: e.to_string().replace(&*video.to_string_lossy(), "the file"),
        })
    }

    /// Poses, then tracks, of one stored video.
    async fn track(
        &self,
        ctx: &JobContext,
        input: &AnnotateInput,
        dir: &Path,
        label: &str,
        before: u64,
        total: u64,
    ) -> Result<Vec<TrackFrame>, JobError> {
        let settings = AnnotateConfig {
            pose_input_size: self.settings.pose_input_size,
            track_score: self.settings.track_score,
            ..AnnotateConfig::default()
        };
        detect(ctx, input, dir, &settings, label, before, total).await?;
        let (poses, tracks) = (dir.join("poses.jsonl"), dir.join("tracks.jsonl"));
        let frames = tokio::task::spawn_blocking(move || {
            annotate::stages::track_poses(&settings, &poses, &tracks)
        })
        .await
        .map_err(|e| JobError::from_join("tracking", e))??;
        Ok(frames)
    }
}

/// The classifiers of the services, loaded and checked against their contracts.
fn load_classifiers(
    runtime: &Runtime,
    models: &[(ModelInput, PathBuf)],
) -> Result<Classifiers, JobError> {
    let mut classifiers = Classifiers::default();
    for (m, path) in models {
        let model = SkeletonClassifier::load(runtime, path, m.contract.clone()).map_err(|e| {
            JobError::Other(format!(
                "the {} model {:?}: {e}",
                m.service.as_str(),
                m.name
            ))
        })?;
        match m.service {
            Service::Fall => classifiers.fall = Some(model),
            Service::Fight => classifiers.fight = Some(model),
        }
    }
    Ok(classifiers)
}

fn write(path: &Path, text: &str) -> Result<(), JobError> {
    std::fs::write(path, text).map_err(|e| scratch(path, e))
}
