//! An analysis scored against labelled videos, per service: clips (the video's highest score
//! against "has a labelled interval"), one-second windows (the window's highest score against
//! "its middle is inside a labelled interval"), events (matched to labelled intervals by IoU and
//! by onset, `metrics::events`), accuracy by position in the video, and the rows of the
//! per-video and events-vs-labels tables. Pure: the report crate draws and writes it.

pub mod labels;

use serde::{Deserialize, Serialize};

use crate::events::{ScoreSample, Service};
use crate::metrics::classification::{Confusion, Curves, Measures, Sample};
use crate::metrics::events::{EventMeasures, MatchRule, Matching, Span, match_events};
use labels::GroundTruth;

/// One analysed video: its events and its score timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoResult {
    pub name: String,
    pub duration_secs: f64,
    pub events: Vec<(Service, Span)>,
    pub scores: Vec<ScoreSample>,
}

/// A video's length from its tracked frames (one per decoded frame): the last frame's time
/// plus one frame.
pub fn duration_of(frames: &[crate::annotate::TrackFrame]) -> f64 {
    match frames {
        [] => 0.0,
        [only] => only.timestamp,
        [.., before, last] => last.timestamp + (last.timestamp - before.timestamp).max(0.0),
    }
}

/// The rule the per-video and events-vs-labels tables use.
pub const TABLE_RULE: MatchRule = MatchRule::Iou { min: 0.3 };
/// Positions in the video for the temporal accuracy.
pub const TEMPORAL_BINS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub samples: u64,
    pub curves: Curves,
    pub at_threshold: Measures,
}

impl Level {
    fn new(samples: &[Sample], threshold: f64) -> Self {
        let curves = Curves::new(samples);
        Self {
            samples: samples.len() as u64,
            at_threshold: Confusion::at(samples, threshold).measures(),
            curves,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemporalBin {
    /// Relative position in the video, 0–1.
    pub from: f64,
    pub to: f64,
    pub windows: u64,
    pub accuracy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceEvaluation {
    pub service: Service,
    /// The event threshold the measures at a threshold use.
    pub threshold: f64,
    pub clips: Level,
    pub window_secs: f64,
    pub windows: Level,
    /// One per rule of [`MatchRule::STANDARD`].
    pub events: Vec<EventMeasures>,
    pub temporal: Vec<TemporalBin>,
}

/// One video and service: what was labelled, found, matched (IoU ≥ 0.3), missed, false.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoRow {
    pub video: String,
    pub service: Service,
    pub duration_secs: f64,
    pub labelled: u64,
    pub detected: u64,
    pub matched: u64,
    pub missed: u64,
    pub false_alarms: u64,
    pub clip_score: f64,
    pub clip_positive: bool,
    pub clip_correct: bool,
    /// Of the first matched event.
    pub latency_secs: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Matched,
    Missed,
    FalseAlarm,
}

/// One line of events vs labels (IoU ≥ 0.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub video: String,
    pub service: Service,
    pub outcome: Outcome,
    pub label: Option<Span>,
    pub event: Option<Span>,
    pub iou: Option<f64>,
    pub latency_secs: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub videos: u64,
    pub footage_secs: f64,
    pub services: Vec<ServiceEvaluation>,
    pub per_video: Vec<VideoRow>,
    pub events_vs_labels: Vec<EventRow>,
}

/// Scores `results` against `truth` (indexed like `results`) for each service with its
/// threshold; windows of `window_secs`.
pub fn evaluate(
    results: &[VideoResult],
    truth: &GroundTruth,
    services: &[(Service, f64)],
    window_secs: f64,
) -> Evaluation {
    let footage_secs: f64 = results.iter().map(|r| r.duration_secs).sum();
    let mut out = Evaluation {
        videos: results.len() as u64,
        footage_secs,
        services: Vec::new(),
        per_video: Vec::new(),
        events_vs_labels: Vec::new(),
    };
    for &(service, threshold) in services {
        let mut clips = Vec::new();
        let mut windows = Vec::new();
        let mut binned = vec![(0u64, 0u64); TEMPORAL_BINS];
        let mut matchings: Vec<Vec<Matching>> = vec![Vec::new(); MatchRule::STANDARD.len()];
        for (v, r) in results.iter().enumerate() {
            let labelled = truth.get(&(v, service)).cloned().unwrap_or_default();
            let detected: Vec<Span> = r
                .events
                .iter()
                .filter(|(s, _)| *s == service)
                .map(|(_, span)| *span)
                .collect();
            let scores: Vec<(f64, f64)> = r
                .scores
                .iter()
                .filter(|s| s.service == service)
                .map(|s| (s.time, s.score as f64))
                .collect();
            let clip_score = scores.iter().map(|(_, s)| *s).fold(0.0, f64::max);
            let clip_positive = !labelled.is_empty();
            clips.push(Sample {
                score: clip_score,
                positive: clip_positive,
            });
            // windows over the video: the highest score in each; positive when its middle is
            // inside a labelled interval
            let n = (r.duration_secs / window_secs).ceil().max(1.0) as usize;
            for w in 0..n {
                let (from, to) = (w as f64 * window_secs, (w + 1) as f64 * window_secs);
                let middle = (from + to.min(r.duration_secs.max(from))) / 2.0;
                let score = scores
                    .iter()
                    .filter(|(t, _)| *t >= from && *t < to)
                    .map(|(_, s)| *s)
                    .fold(0.0, f64::max);
                let positive = labelled.iter().any(|l| middle >= l.start && middle < l.end);
                windows.push(Sample { score, positive });
                let bin = ((middle / r.duration_secs.max(1e-9)) * TEMPORAL_BINS as f64)
                    .floor()
                    .clamp(0.0, TEMPORAL_BINS as f64 - 1.0) as usize;
                binned[bin].0 += 1;
                binned[bin].1 += u64::from((score >= threshold) == positive);
            }
            for (k, rule) in MatchRule::STANDARD.iter().enumerate() {
                matchings[k].push(match_events(&detected, &labelled, *rule));
            }
            let table = match_events(&detected, &labelled, TABLE_RULE);
            out.per_video.push(VideoRow {
                video: r.name.clone(),
                service,
                duration_secs: r.duration_secs,
                labelled: labelled.len() as u64,
                detected: detected.len() as u64,
                matched: table.pairs.len() as u64,
                missed: table.missed.len() as u64,
                false_alarms: table.false_alarms.len() as u64,
                clip_score,
                clip_positive,
                clip_correct: (clip_score >= threshold) == clip_positive,
                latency_secs: table.pairs.first().map(|p| p.latency_secs),
            });
            let row = |outcome, label: Option<Span>, event: Option<Span>, pair: Option<&_>| {
                let pair: Option<&crate::metrics::events::Pair> = pair;
                EventRow {
                    video: r.name.clone(),
                    service,
                    outcome,
                    label,
                    event,
                    iou: pair.map(|p| p.iou),
                    latency_secs: pair.map(|p| p.latency_secs),
                }
            };
            for p in &table.pairs {
                out.events_vs_labels.push(row(
                    Outcome::Matched,
                    Some(labelled[p.labelled]),
                    Some(detected[p.detected]),
                    Some(p),
                ));
            }
            for &l in &table.missed {
                out.events_vs_labels
                    .push(row(Outcome::Missed, Some(labelled[l]), None, None));
            }
            for &d in &table.false_alarms {
                out.events_vs_labels
                    .push(row(Outcome::FalseAlarm, None, Some(detected[d]), None));
            }
        }
        let events = MatchRule::STANDARD
            .iter()
            .zip(&matchings)
            .map(|(rule, m)| {
                let all: Vec<&Matching> = m.iter().collect();
                EventMeasures::new(*rule, &all, footage_secs)
            })
            .collect();
        let temporal = binned
            .iter()
            .enumerate()
            .map(|(i, &(n, correct))| TemporalBin {
                from: i as f64 / TEMPORAL_BINS as f64,
                to: (i + 1) as f64 / TEMPORAL_BINS as f64,
                windows: n,
                accuracy: (n > 0).then(|| correct as f64 / n as f64),
            })
            .collect();
        out.services.push(ServiceEvaluation {
            service,
            threshold,
            clips: Level::new(&clips, threshold),
            window_secs,
            windows: Level::new(&windows, threshold),
            events,
            temporal,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn score(service: Service, time: f64, score: f32) -> ScoreSample {
        ScoreSample {
            service,
            time,
            frame: (time * 10.0) as u64,
            score,
            tracks: vec![1],
        }
    }

    #[test]
    fn two_videos_by_hand() {
        // a: a fall labelled 2–4 s, found 2.5–4 s (score 0.9 from 2.5 s); b: nothing labelled,
        // a false fall 1–2 s (score 0.7)
        let a = VideoResult {
            name: "a.mp4".into(),
            duration_secs: 5.0,
            events: vec![(Service::Fall, Span::new(2.5, 4.0))],
            scores: [0.5, 1.5, 2.5, 3.5, 4.5]
                .iter()
                .map(|&t| {
                    score(
                        Service::Fall,
                        t,
                        if (2.5..4.0).contains(&t) { 0.9 } else { 0.1 },
                    )
                })
                .collect(),
        };
        let b = VideoResult {
            name: "b.mp4".into(),
            duration_secs: 3.0,
            events: vec![(Service::Fall, Span::new(1.0, 2.0))],
            scores: vec![
                score(Service::Fall, 0.5, 0.2),
                score(Service::Fall, 1.5, 0.7),
                score(Service::Fall, 2.5, 0.2),
            ],
        };
        let truth: GroundTruth = BTreeMap::from([((0, Service::Fall), vec![Span::new(2.0, 4.0)])]);
        let e = evaluate(&[a, b], &truth, &[(Service::Fall, 0.6)], 1.0);
        let fall = &e.services[0];
        // clips: a 0.9 positive, b 0.7 negative → TP 1, FP 1 at 0.6
        assert_eq!(
            fall.clips.at_threshold.confusion,
            Confusion {
                tp: 1,
                fp: 1,
                tn: 0,
                fn_: 0
            }
        );
        assert_eq!(fall.clips.curves.roc_auc, Some(1.0));
        // windows: a has 5 (2–3 and 3–4 positive, both 0.9), b has 3 (1–2 at 0.7 negative)
        assert_eq!(fall.windows.samples, 8);
        assert_eq!(
            fall.windows.at_threshold.confusion,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 5,
                fn_: 0
            }
        );
        // events at IoU 0.3: 1 matched (IoU 0.75, 0.5 s late), 1 false alarm over 8 s
        let iou = &fall.events[0];
        assert_eq!((iou.matched, iou.false_alarms, iou.missed), (1, 1, 0));
        assert_eq!(iou.latency_median_secs, Some(0.5));
        assert_eq!(iou.false_alarms_per_hour, Some(3600.0 / 8.0));
        // onset ± 0.5 s also matches it; the per-video rows add up to the totals
        assert_eq!(fall.events[2].matched, 1);
        let rows: u64 = e.per_video.iter().map(|r| r.matched + r.false_alarms).sum();
        assert_eq!(rows, iou.detected);
        assert_eq!(e.events_vs_labels.len(), 2);
        assert_eq!(e.events_vs_labels[0].outcome, Outcome::Matched);
        assert_eq!(e.events_vs_labels[0].iou, Some(0.75));
        // temporal: every window is counted once
        assert_eq!(fall.temporal.iter().map(|b| b.windows).sum::<u64>(), 8);
    }

    #[test]
    fn a_service_nobody_labelled_or_found() {
        let quiet = VideoResult {
            name: "q.mp4".into(),
            duration_secs: 2.0,
            events: vec![],
            scores: vec![],
        };
        let e = evaluate(&[quiet], &BTreeMap::new(), &[(Service::Fight, 0.7)], 1.0);
        let f = &e.services[0];
        assert_eq!(
            f.clips.at_threshold.confusion,
            Confusion {
                tp: 0,
                fp: 0,
                tn: 1,
                fn_: 0
            }
        );
        assert_eq!(f.clips.curves.roc_auc, None);
        assert_eq!(f.events[0].precision, None);
        assert_eq!(f.events[0].false_alarms_per_hour, Some(0.0));
    }
}
