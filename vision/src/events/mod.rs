//! Events from tracked poses (issue #16, first part): one pipeline, fed frame by frame, so an
//! uploaded video and a live stream go through the same code.
//!
//! tracked people → a scorer per service (`fall`: per person, `fight`: per pair) → an
//! [`EventManager`] per service → events that explain themselves.
//!
//! Time is in seconds everywhere (windows, durations, speeds per second), so 15, 25 and 30 fps
//! video behave the same. Scorers look back over trailing windows of at most `window_secs`; a clip
//! shorter than a window is scored over what there is (the window is shorter, never padded: padding
//! would invent a person standing still, which lowers every speed).

pub mod fall;
pub mod fight;
pub mod manager;
pub mod parameters;
pub mod snapshot;
pub mod zones;

use serde::{Deserialize, Serialize};

pub use crate::models::skeleton::ClassifierError;
pub use fall::{FallConfig, FallScore, FallScorer};
pub use fight::{FightConfig, FightScore, FightScorer};
pub use manager::{Event, EventManager, EventRules, Observation};
pub use snapshot::write_peak_snapshots;
pub use zones::Zone;

use crate::models::skeleton::SkeletonClassifier;
use crate::pose::Person;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Fall,
    Fight,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::Fall, Service::Fight];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Fall => "fall",
            Service::Fight => "fight",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    pub services: Vec<Service>,
    pub fall: FallConfig,
    pub fight: FightConfig,
    /// Fields left out keep the fall defaults (threshold 0.6, 0.5 s, recovery 3 s, upright before).
    #[serde(deserialize_with = "fall_rules")]
    pub fall_rules: EventRules,
    /// Fields left out keep the fight defaults (threshold 0.5, 0.2 s).
    #[serde(deserialize_with = "fight_rules")]
    pub fight_rules: EventRules,
    /// Where falls are not raised (a bed, a sofa), in relative coordinates of the frame.
    pub exclusion_zones: Vec<Zone>,
    /// The event managers see each subject's mean score over this trailing span: one noisy
    /// frame neither opens an event nor breaks a real one.
    pub smooth_secs: f64,
    /// With a service's classifier: its share of the fused score (scorer × (1 − w) +
    /// classifier × w).
    pub classifier_weight: f32,
    /// With a classifier: how often each subject's window is classified (its last answer holds
    /// in between).
    pub classifier_every_secs: f64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            services: Service::ALL.to_vec(),
            fall: FallConfig::default(),
            fight: FightConfig::default(),
            fall_rules: EventRules::fall(),
            fight_rules: EventRules::fight(),
            exclusion_zones: Vec::new(),
            smooth_secs: 0.4,
            classifier_weight: 0.5,
            classifier_every_secs: 0.2,
        }
    }
}

/// The rules given, over `base` for the fields left out (a partial `fight_rules` must not take
/// the fall defaults that `EventRules::default` has).
fn rules_over<'de, D: serde::Deserializer<'de>>(
    base: EventRules,
    d: D,
) -> Result<EventRules, D::Error> {
    let given = serde_json::Value::deserialize(d)?;
    let mut merged = serde_json::to_value(&base).map_err(serde::de::Error::custom)?;
    match (given, &mut merged) {
        (serde_json::Value::Object(given), serde_json::Value::Object(m)) => m.extend(given),
        (other, _) => {
            return Err(serde::de::Error::custom(format!(
                "expected an object of rules, got {other}"
            )));
        }
    }
    serde_json::from_value(merged).map_err(serde::de::Error::custom)
}

fn fall_rules<'de, D: serde::Deserializer<'de>>(d: D) -> Result<EventRules, D::Error> {
    rules_over(EventRules::fall(), d)
}

fn fight_rules<'de, D: serde::Deserializer<'de>>(d: D) -> Result<EventRules, D::Error> {
    rules_over(EventRules::fight(), d)
}

impl EventsConfig {
    /// Every out-of-range field, named.
    pub fn problems(&self) -> Vec<String> {
        let mut e = Vec::new();
        e.extend(self.fall.problems());
        e.extend(self.fight.problems());
        e.extend(self.fall_rules.problems("fall_rules"));
        e.extend(self.fight_rules.problems("fight_rules"));
        if !(0.0..=5.0).contains(&self.smooth_secs) {
            e.push(format!(
                "smooth_secs {} must be between 0 and 5",
                self.smooth_secs
            ));
        }
        if !(0.0..=1.0).contains(&self.classifier_weight) {
            e.push(format!(
                "classifier_weight {} must be between 0 and 1",
                self.classifier_weight
            ));
        }
        if !(0.0..=10.0).contains(&self.classifier_every_secs) {
            e.push(format!(
                "classifier_every_secs {} must be between 0 and 10",
                self.classifier_every_secs
            ));
        }
        for (i, z) in self.exclusion_zones.iter().enumerate() {
            if let Err(why) = z.check() {
                e.push(format!("exclusion_zones[{i}]: {why}"));
            }
        }
        e
    }
}

/// The analyze job's parameters: where the tracked poses come from, the services' classifiers,
/// and the event settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzeConfig {
    /// Longer side of the pose model's input; 0 = the video's own size. 512 found the most
    /// falls per second of CPU on GMDCSA24 (bench/RESULTS.md).
    pub pose_input_size: u32,
    /// The person score a detection needs to start a track (`AnnotateConfig::track_score`).
    /// Lower than annotate's: fighters tangled together, people lying and far CCTV figures are
    /// scored low by the pose model (bench/RESULTS.md, "Events on labelled footage").
    pub track_score: f32,
    /// An annotate job of the same project whose stored tracks (Stage 2) to analyze instead of
    /// estimating poses again.
    pub source_job: Option<String>,
    /// A registered skeleton classifier (model id) fused with the fall scorer.
    pub fall_model: Option<String>,
    /// A registered skeleton classifier (model id) fused with the fight scorer.
    pub fight_model: Option<String>,
    pub events: EventsConfig,
    /// Labelled intervals to score the events against (the job then writes an evaluation
    /// report): `{video, label, start?, end?}`; labels `fall…` / `fight…` count for that service.
    pub labels: Vec<crate::annotate::labels::LabelRule>,
    /// The same as text: `video,label[,start,end]` lines, the GMDCSA24 CSV, or a JSON list.
    pub labels_csv: Option<String>,
    /// Footfall: a heatmap of where people walk and linger, zone visits and dwell, line
    /// crossings (when `footfall.enabled`).
    pub footfall: crate::footfall::FootfallConfig,
}

impl Default for AnalyzeConfig {
    fn default() -> Self {
        Self {
            pose_input_size: 512,
            track_score: TRACK_SCORE,
            source_job: None,
            fall_model: None,
            fight_model: None,
            events: EventsConfig::default(),
            labels: Vec::new(),
            labels_csv: None,
            footfall: Default::default(),
        }
    }
}

impl AnalyzeConfig {
    /// The classifier model chosen per service (model ids), with the parameter that names it.
    pub fn models(&self) -> Vec<(Service, &'static str, &str)> {
        [
            (Service::Fall, "fall_model", &self.fall_model),
            (Service::Fight, "fight_model", &self.fight_model),
        ]
        .into_iter()
        .filter_map(|(s, field, id)| Some((s, field, id.as_deref()?)))
        .collect()
    }

    /// The label rules to evaluate against, each with its row (`labels` first, then the rows
    /// of `labels_csv`); empty when the job is not evaluated.
    pub fn label_rules(
        &self,
    ) -> Result<Vec<(usize, crate::annotate::labels::LabelRule)>, (&'static str, String)> {
        let mut rules: Vec<_> = self
            .labels
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .collect();
        for (row, r) in &rules {
            if r.video.trim().is_empty() || r.label.trim().is_empty() {
                return Err((
                    "labels",
                    format!("labels row {row}: a rule needs a video and a label"),
                ));
            }
        }
        if let Some(text) = self.labels_csv.as_deref().filter(|t| !t.trim().is_empty()) {
            rules
                .extend(crate::evaluate::labels::parse_rules(text).map_err(|e| ("labels_csv", e))?);
        }
        Ok(rules)
    }

    /// Each service this job runs, with its event threshold.
    pub fn thresholds(&self) -> Vec<(Service, f64)> {
        self.events
            .services
            .iter()
            .map(|s| {
                let rules = match s {
                    Service::Fall => &self.events.fall_rules,
                    Service::Fight => &self.events.fight_rules,
                };
                (*s, rules.threshold as f64)
            })
            .collect()
    }

    /// Every out-of-range field: its path and what is wrong with it.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut e = Vec::new();
        if let Err(why) = crate::models::check_input_size(self.pose_input_size) {
            e.push((
                "pose_input_size",
                format!("pose_input_size {} {why}", self.pose_input_size),
            ));
        }
        if let Some(why) = crate::annotate::track_score_problem(self.track_score) {
            e.push(("track_score", why));
        }
        if let Err(problem) = self.label_rules() {
            e.push(problem);
        }
        if self.events.services.is_empty() && !self.footfall.enabled {
            e.push((
                "events.services",
                "events.services: choose at least one of fall, fight, or count footfall".into(),
            ));
        }
        if self.footfall.enabled {
            for (field, message) in self.footfall.problems() {
                // the form shows a message at the field it names: the list, not its item
                let at = match field.split(['[', '.']).next().unwrap_or_default() {
                    "zones" => "footfall.zones",
                    "lines" => "footfall.lines",
                    "heatmap" => "footfall.heatmap",
                    _ => "footfall",
                };
                e.push((at, format!("footfall.{field}: {message}")));
            }
        }
        e.extend(
            self.events
                .problems()
                .into_iter()
                .map(|m| ("events", format!("events.{m}"))),
        );
        e
    }
}

/// A scorer's weights: each 0–1, not all 0.
pub(crate) fn weights_problem(service: &str, weights: &[f32; 3]) -> Option<String> {
    (weights.iter().any(|w| !(0.0..=1.0).contains(w)) || weights.iter().sum::<f32>() <= 0.0)
        .then(|| format!("{service}.weights must each be 0–1 and not all 0"))
}

/// The weighted mean of three 0–1 components.
pub(crate) fn weighted(weights: &[f32; 3], components: [f32; 3]) -> f32 {
    let total = weights.iter().sum::<f32>().max(f32::EPSILON);
    weights
        .iter()
        .zip(components)
        .map(|(w, c)| w * c)
        .sum::<f32>()
        / total
}

/// One service's best subject at one frame (for a score timeline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSample {
    pub service: Service,
    pub time: f64,
    pub frame: u64,
    pub score: f32,
    pub tracks: Vec<u64>,
}

/// Trailing means of each subject's score.
#[derive(Default)]
struct Smoother {
    span: f64,
    recent: std::collections::HashMap<(Service, Vec<u64>), std::collections::VecDeque<(f64, f32)>>,
}

impl Smoother {
    fn mean(&mut self, service: Service, subject: &[u64], t: f64, score: f32) -> f32 {
        let q = self.recent.entry((service, subject.to_vec())).or_default();
        q.push_back((t, score));
        while q.front().is_some_and(|(s, _)| t - s > self.span) {
            q.pop_front();
        }
        q.iter().map(|(_, v)| v).sum::<f32>() / q.len() as f32
    }

    fn forget_before(&mut self, t: f64) {
        let span = self.span.max(1.0) * 4.0;
        self.recent
            .retain(|_, q| q.back().is_some_and(|(s, _)| t - s <= span));
    }
}

/// A user's skeleton classifier per service (optional; the scorers run either way).
#[derive(Default)]
pub struct Classifiers {
    pub fall: Option<SkeletonClassifier>,
    pub fight: Option<SkeletonClassifier>,
}

/// A classifier and its latest answer per subject.
struct Classifying {
    model: SkeletonClassifier,
    /// subject → (when it was asked, the event probability)
    answers: std::collections::HashMap<Vec<u64>, (f64, f32)>,
}

impl Classifying {
    fn new(model: SkeletonClassifier) -> Self {
        Self {
            model,
            answers: Default::default(),
        }
    }

    /// The event probability of `subject` now: asked every `every` seconds once the subject has
    /// enough history, the last answer in between; None before the first answer.
    fn probability(
        &mut self,
        subject: &[u64],
        time: f64,
        every: f64,
    ) -> Result<Option<f32>, ClassifierError> {
        let due = self
            .answers
            .get(subject)
            .is_none_or(|(asked, _)| time - asked >= every);
        if due && self.model.has_history(subject) {
            let p = self.model.event_probability(subject)?;
            self.answers.insert(subject.to_vec(), (time, p));
        }
        Ok(self.answers.get(subject).map(|(_, p)| *p))
    }

    fn forget_before(&mut self, t: f64) {
        self.answers.retain(|_, (asked, _)| t - *asked <= 10.0);
    }
}

/// A scorer's score fused with the classifier's, the classifier's shown among the components.
fn fuse(
    score: f32,
    components: &mut std::collections::BTreeMap<String, f32>,
    classifier: Option<f32>,
    weight: f32,
) -> f32 {
    match classifier {
        Some(p) => {
            components.insert("classifier".into(), p);
            score * (1.0 - weight) + p * weight
        }
        None => score,
    }
}

/// The analyze job's start score for tracks.
pub const TRACK_SCORE: f32 = 0.15;

/// The pipeline over one video or stream.
pub struct EventPipeline {
    config: EventsConfig,
    fall: Option<(FallScorer, EventManager, Option<Classifying>)>,
    fight: Option<(FightScorer, EventManager, Option<Classifying>)>,
    smoother: Smoother,
}

impl EventPipeline {
    /// The scorers alone.
    pub fn new(config: EventsConfig) -> Self {
        Self::with_classifiers(config, Classifiers::default())
    }

    /// Scorers fused with the services' classifiers where given.
    pub fn with_classifiers(config: EventsConfig, classifiers: Classifiers) -> Self {
        let Classifiers {
            fall: fall_model,
            fight: fight_model,
        } = classifiers;
        let fall = config.services.contains(&Service::Fall).then(|| {
            (
                FallScorer::new(config.fall.clone()),
                EventManager::new(config.fall_rules.clone()),
                fall_model.map(Classifying::new),
            )
        });
        let fight = config.services.contains(&Service::Fight).then(|| {
            (
                FightScorer::new(config.fight.clone()),
                EventManager::new(config.fight_rules.clone()),
                fight_model.map(Classifying::new),
            )
        });
        Self {
            smoother: Smoother {
                span: config.smooth_secs,
                ..Smoother::default()
            },
            config,
            fall,
            fight,
        }
    }

    /// One frame's tracked people; `frame_size` is (width, height) in pixels. Returns the best
    /// score of each service at this frame; fails only when a classifier does.
    pub fn push(
        &mut self,
        frame: u64,
        time: f64,
        frame_size: (u32, u32),
        persons: &[Person],
    ) -> Result<Vec<ScoreSample>, ClassifierError> {
        let mut best = Vec::new();
        let (w, h) = (frame_size.0.max(1) as f32, frame_size.1.max(1) as f32);
        let (weight, every) = (
            self.config.classifier_weight,
            self.config.classifier_every_secs,
        );
        if let Some((scorer, manager, classifier)) = &mut self.fall {
            if let Some(c) = classifier {
                c.model.push(time, frame_size, persons);
            }
            let mut top: Option<ScoreSample> = None;
            // tracked people first: an untracked one may be taken for a track lost just before
            let tracked_first = persons
                .iter()
                .filter(|p| p.track_id.is_some())
                .chain(persons.iter().filter(|p| p.track_id.is_none()));
            for p in tracked_first {
                let Some((id, s)) = scorer.update(time, p) else {
                    continue;
                };
                let mut components = s.components();
                let probability = match classifier {
                    Some(c) => c.probability(&[id], time, every)?,
                    None => None,
                };
                let fused = fuse(s.score, &mut components, probability, weight);
                let centre = [
                    (p.bbox[0] + p.bbox[2]) / 2.0 / w,
                    (p.bbox[1] + p.bbox[3]) / 2.0 / h,
                ];
                let excluded = self
                    .config
                    .exclusion_zones
                    .iter()
                    .any(|z| z.contains(centre));
                let score = self.smoother.mean(Service::Fall, &[id], time, fused);
                manager.observe(Observation {
                    time,
                    frame,
                    score,
                    tracks: vec![id],
                    boxes: vec![p.bbox],
                    components,
                    was_upright: s.was_upright,
                    upright_now: s.upright_now,
                    excluded,
                });
                if top.as_ref().is_none_or(|t| score > t.score) {
                    top = Some(ScoreSample {
                        service: Service::Fall,
                        time,
                        frame,
                        score,
                        tracks: vec![id],
                    });
                }
            }
            scorer.forget_before(time);
            if let Some(c) = classifier {
                c.forget_before(time);
            }
            best.extend(top);
        }
        if let Some((scorer, manager, classifier)) = &mut self.fight {
            if let Some(c) = classifier {
                c.model.push(time, frame_size, persons);
            }
            let mut top: Option<ScoreSample> = None;
            for ((a, b), s) in scorer.update(time, persons) {
                let mut components = s.components();
                let probability = match classifier {
                    Some(c) => c.probability(&[a, b], time, every)?,
                    None => None,
                };
                let fused = fuse(s.score, &mut components, probability, weight);
                let boxes = [a, b]
                    .iter()
                    .filter_map(|id| {
                        persons
                            .iter()
                            .find(|p| p.track_id == Some(*id))
                            .map(|p| p.bbox)
                    })
                    .collect();
                let score = self.smoother.mean(Service::Fight, &[a, b], time, fused);
                manager.observe(Observation {
                    time,
                    frame,
                    score,
                    tracks: vec![a, b],
                    boxes,
                    components,
                    was_upright: true,
                    upright_now: false,
                    excluded: false,
                });
                if top.as_ref().is_none_or(|t| score > t.score) {
                    top = Some(ScoreSample {
                        service: Service::Fight,
                        time,
                        frame,
                        score,
                        tracks: vec![a, b],
                    });
                }
            }
            scorer.forget_before(time);
            if let Some(c) = classifier {
                c.forget_before(time);
            }
            best.extend(top);
        }
        self.smoother.forget_before(time);
        Ok(best)
    }

    /// Events closed so far, by service (live streams report them as they close).
    pub fn take_closed(&mut self) -> Vec<(Service, Event)> {
        let mut out = Vec::new();
        if let Some((_, m, _)) = &mut self.fall {
            out.extend(m.take_closed().into_iter().map(|e| (Service::Fall, e)));
        }
        if let Some((_, m, _)) = &mut self.fight {
            out.extend(m.take_closed().into_iter().map(|e| (Service::Fight, e)));
        }
        out
    }

    /// Events raised and still going on, by service (live streams store them as they open).
    pub fn open_events(&self) -> Vec<(Service, Event)> {
        let mut out = Vec::new();
        if let Some((_, m, _)) = &self.fall {
            out.extend(
                m.open_events()
                    .into_iter()
                    .map(|e| (Service::Fall, e.clone())),
            );
        }
        if let Some((_, m, _)) = &self.fight {
            out.extend(
                m.open_events()
                    .into_iter()
                    .map(|e| (Service::Fight, e.clone())),
            );
        }
        out
    }

    /// The end of the video: every event, by service, in order of start.
    pub fn finish(self) -> Vec<(Service, Event)> {
        let mut out = Vec::new();
        if let Some((_, m, _)) = self.fall {
            out.extend(m.finish().into_iter().map(|e| (Service::Fall, e)));
        }
        if let Some((_, m, _)) = self.fight {
            out.extend(m.finish().into_iter().map(|e| (Service::Fight, e)));
        }
        out.sort_by(|a, b| a.1.start_time.total_cmp(&b.1.start_time));
        out
    }
}

/// A whole video's stored tracks (Stage 2) through the pipeline: its events and each frame's
/// best score per service.
pub fn analyze_tracks(
    frames: &[crate::annotate::stages::TrackFrame],
    config: &EventsConfig,
    classifiers: Classifiers,
) -> Result<Analysis, ClassifierError> {
    let mut pipeline = EventPipeline::with_classifiers(config.clone(), classifiers);
    let mut scores = Vec::new();
    for f in frames {
        let persons: Vec<Person> = f.persons.iter().map(|p| p.person.clone()).collect();
        let (h, w, _) = f.frame_shape;
        scores.extend(pipeline.push(f.frame_number, f.timestamp, (w, h), &persons)?);
    }
    Ok((pipeline.finish(), scores))
}

/// A video's events by service, and each frame's best score per service.
pub type Analysis = (Vec<(Service, Event)>, Vec<ScoreSample>);

/// The header of an events CSV (one row per event, all videos of a job).
pub const CSV_HEADER: &str =
    "video,service,start_s,end_s,peak_s,peak_score,tracks,recovered,opened_by,closed_by\n";

/// One event as a CSV row (RFC 4180 quoting).
pub fn csv_row(video: &str, service: Service, e: &Event) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let tracks: Vec<String> = e.tracks.iter().map(|t| t.to_string()).collect();
    format!(
        "{},{},{:.2},{:.2},{:.2},{:.3},{},{},{},{}\n",
        quote(video),
        service.as_str(),
        e.start_time,
        e.end_time,
        e.peak_time,
        e.peak_score,
        quote(&tracks.join(" ")),
        e.recovered,
        quote(&e.opened_by),
        quote(&e.closed_by)
    )
}

/// Score samples as JSON lines.
pub fn scores_jsonl(scores: &[ScoreSample]) -> String {
    scores
        .iter()
        .map(|s| serde_json::to_string(s).expect("scores serialise") + "\n")
        .collect()
}

/// A video's events as `[{"service", "event"}]`.
pub fn events_json(events: &[(Service, Event)]) -> String {
    let listed: Vec<serde_json::Value> = events
        .iter()
        .map(|(service, e)| serde_json::json!({"service": service, "event": e}))
        .collect();
    serde_json::to_string_pretty(&listed).expect("events serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fall_through_the_pipeline_is_one_fall_event_and_not_inside_a_zone() {
        let standing = || fall::tests::person(7, 300.0, 2.0, 300.0);
        let run = |zones: Vec<Zone>| {
            let mut p = EventPipeline::new(EventsConfig {
                exclusion_zones: zones,
                ..EventsConfig::default()
            });
            let mut t = 0.0;
            let mut frame = 0;
            let mut step = |p: &mut EventPipeline, person: Person| {
                p.push(frame, t, (640, 480), &[person]).unwrap();
                t += 1.0 / 15.0;
                frame += 1;
            };
            for _ in 0..30 {
                step(&mut p, standing());
            }
            for i in 1..=8 {
                let k = i as f32 / 8.0;
                step(
                    &mut p,
                    fall::tests::person(7, 300.0, 2.0 + 88.0 * k, 300.0 + 150.0 * k),
                );
            }
            for _ in 0..45 {
                step(&mut p, fall::tests::person(7, 300.0, 90.0, 450.0));
            }
            p.finish()
        };
        let events = run(Vec::new());
        assert_eq!(events.len(), 1, "{events:?}");
        let (service, e) = &events[0];
        assert_eq!(*service, Service::Fall);
        assert_eq!(e.tracks, vec![7]);
        assert!(e.start_time > 1.9 && e.start_time < 2.6, "{e:?}");
        assert!(e.components_at_peak.contains_key("torso_orientation"));
        // the same fall ending on a "bed" along the bottom of the frame, where the person
        // lies (box centre at 94 % of the height; standing, it was at 63 %): nothing
        let bed = Zone {
            name: "bed".into(),
            points: vec![[0.0, 0.85], [1.0, 0.85], [1.0, 1.0], [0.0, 1.0]],
        };
        assert!(run(vec![bed]).is_empty());
    }

    #[test]
    fn analyze_settings_read_from_json_and_bad_ones_are_named() {
        let c: AnalyzeConfig = serde_json::from_value(serde_json::json!({
            "events": {"services": ["fall"], "fall_rules": {"threshold": 0.5}}
        }))
        .unwrap();
        assert_eq!(c.events.services, vec![Service::Fall]);
        assert_eq!(c.events.fall_rules.threshold, 0.5);
        assert_eq!(
            c.events.fall_rules.min_duration_secs,
            EventRules::fall().min_duration_secs
        );
        // a partial fight_rules keeps the fight defaults, not the fall ones
        let f: EventsConfig =
            serde_json::from_value(serde_json::json!({"fight_rules": {"threshold": 0.55}}))
                .unwrap();
        assert_eq!(
            f.fight_rules,
            EventRules {
                threshold: 0.55,
                ..EventRules::fight()
            }
        );
        assert!(
            serde_json::from_value::<EventsConfig>(
                serde_json::json!({"fight_rules": {"treshold": 0.5}})
            )
            .is_err()
        );
        assert!(c.problems().is_empty());
        let unknown = serde_json::from_value::<AnalyzeConfig>(
            serde_json::json!({"events": {"services": ["theft"]}}),
        );
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown variant `theft`")
        );
        let bad = AnalyzeConfig {
            pose_input_size: 5000,
            ..AnalyzeConfig::default()
        };
        assert_eq!(bad.problems()[0].0, "pose_input_size");
    }

    #[test]
    fn bad_settings_are_named() {
        let c = EventsConfig {
            services: Vec::new(),
            fall_rules: EventRules {
                threshold: 2.0,
                ..EventRules::fall()
            },
            ..EventsConfig::default()
        };
        let p = c.problems();
        assert!(
            p.iter().any(|m| m.starts_with("fall_rules.threshold")),
            "{p:?}"
        );
        // no service at all is only refused when footfall is off too
        let mut job = AnalyzeConfig {
            events: c,
            ..AnalyzeConfig::default()
        };
        let fields: Vec<&str> = job.problems().iter().map(|(f, _)| *f).collect();
        assert!(fields.contains(&"events.services"), "{fields:?}");
        job.footfall.enabled = true;
        let fields: Vec<&str> = job.problems().iter().map(|(f, _)| *f).collect();
        assert!(!fields.contains(&"events.services"), "{fields:?}");
    }
}
