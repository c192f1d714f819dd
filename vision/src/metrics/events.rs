//! Event-level scoring: did the alert come, how late, and how many false alarms per hour — what
//! an operator lives with. Detected events are matched one-to-one to labelled intervals of the
//! same video, either by temporal IoU (at least `min`) or by onset (the event starts within
//! `collar_secs` of the labelled onset); the best pairs are taken first (highest IoU, nearest
//! onset). An event spanning two labelled intervals matches at most one of them; the other is
//! missed unless another event matches it.

use serde::{Deserialize, Serialize};

/// A stretch of time in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub start: f64,
    pub end: f64,
}

impl Span {
    pub fn new(start: f64, end: f64) -> Self {
        Self { start, end }
    }
    pub fn secs(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }
    /// Temporal intersection over union (0 when they do not touch).
    pub fn iou(&self, other: &Span) -> f64 {
        let inter = (self.end.min(other.end) - self.start.max(other.start)).max(0.0);
        let union = self.secs() + other.secs() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum MatchRule {
    Iou { min: f64 },
    Onset { collar_secs: f64 },
}

impl MatchRule {
    /// The rules reports use: IoU 0.3 and 0.5, onset within 0.5 s and 1 s.
    pub const STANDARD: [MatchRule; 4] = [
        MatchRule::Iou { min: 0.3 },
        MatchRule::Iou { min: 0.5 },
        MatchRule::Onset { collar_secs: 0.5 },
        MatchRule::Onset { collar_secs: 1.0 },
    ];

    pub fn name(&self) -> String {
        match self {
            MatchRule::Iou { min } => format!("IoU ≥ {min}"),
            MatchRule::Onset { collar_secs } => format!("onset ± {collar_secs} s"),
        }
    }

    /// How good a pair is under this rule (higher is better), if it matches at all.
    fn quality(&self, detected: &Span, labelled: &Span) -> Option<f64> {
        match *self {
            MatchRule::Iou { min } => {
                let iou = detected.iou(labelled);
                (iou >= min && iou > 0.0).then_some(iou)
            }
            MatchRule::Onset { collar_secs } => {
                let d = (detected.start - labelled.start).abs();
                (d <= collar_secs).then_some(-d)
            }
        }
    }
}

/// A detected event matched to a labelled interval (indices into the two lists).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub detected: usize,
    pub labelled: usize,
    pub iou: f64,
    /// Event start minus labelled onset, seconds (negative: raised before the onset).
    pub latency_secs: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Matching {
    pub pairs: Vec<Pair>,
    /// Detected events that match nothing.
    pub false_alarms: Vec<usize>,
    /// Labelled intervals no event matches.
    pub missed: Vec<usize>,
}

/// One video's events against its labels.
pub fn match_events(detected: &[Span], labelled: &[Span], rule: MatchRule) -> Matching {
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (d, ds) in detected.iter().enumerate() {
        for (l, ls) in labelled.iter().enumerate() {
            if let Some(q) = rule.quality(ds, ls) {
                candidates.push((q, d, l));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used_d = vec![false; detected.len()];
    let mut used_l = vec![false; labelled.len()];
    let mut pairs = Vec::new();
    for (_, d, l) in candidates {
        if used_d[d] || used_l[l] {
            continue;
        }
        used_d[d] = true;
        used_l[l] = true;
        pairs.push(Pair {
            detected: d,
            labelled: l,
            iou: detected[d].iou(&labelled[l]),
            latency_secs: detected[d].start - labelled[l].start,
        });
    }
    pairs.sort_by_key(|p| p.labelled);
    Matching {
        pairs,
        false_alarms: (0..detected.len()).filter(|&d| !used_d[d]).collect(),
        missed: (0..labelled.len()).filter(|&l| !used_l[l]).collect(),
    }
}

/// Events over many videos under one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMeasures {
    pub rule: MatchRule,
    pub detected: u64,
    pub labelled: u64,
    pub matched: u64,
    pub false_alarms: u64,
    pub missed: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    /// Latency to detect (event start − labelled onset) of the matched events.
    pub latency_median_secs: Option<f64>,
    pub latency_p95_secs: Option<f64>,
    pub footage_secs: f64,
    pub false_alarms_per_hour: Option<f64>,
}

impl EventMeasures {
    /// From each video's matching (under `rule`) and the footage's total length.
    pub fn new(rule: MatchRule, matchings: &[&Matching], footage_secs: f64) -> Self {
        let matched: u64 = matchings.iter().map(|m| m.pairs.len() as u64).sum();
        let false_alarms: u64 = matchings.iter().map(|m| m.false_alarms.len() as u64).sum();
        let missed: u64 = matchings.iter().map(|m| m.missed.len() as u64).sum();
        let (detected, labelled) = (matched + false_alarms, matched + missed);
        let mut latencies: Vec<f64> = matchings
            .iter()
            .flat_map(|m| m.pairs.iter().map(|p| p.latency_secs))
            .collect();
        latencies.sort_by(f64::total_cmp);
        let ratio = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        Self {
            rule,
            detected,
            labelled,
            matched,
            false_alarms,
            missed,
            precision: ratio(matched, detected),
            recall: ratio(matched, labelled),
            f1: ratio(2 * matched, detected + labelled),
            latency_median_secs: percentile(&latencies, 0.5),
            latency_p95_secs: percentile(&latencies, 0.95),
            footage_secs,
            false_alarms_per_hour: (footage_secs > 0.0)
                .then(|| false_alarms as f64 * 3600.0 / footage_secs),
        }
    }
}

/// The `q` quantile of sorted values, interpolated linearly between ranks (numpy's default).
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = q.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &[(f64, f64)]) -> Vec<Span> {
        v.iter().map(|&(s, e)| Span::new(s, e)).collect()
    }

    #[test]
    fn iou_by_hand() {
        assert_eq!(Span::new(0.0, 4.0).iou(&Span::new(2.0, 6.0)), 2.0 / 6.0);
        assert_eq!(Span::new(0.0, 1.0).iou(&Span::new(1.0, 2.0)), 0.0);
        assert_eq!(Span::new(1.0, 3.0).iou(&Span::new(1.0, 3.0)), 1.0);
    }

    #[test]
    fn an_event_spanning_two_labelled_intervals_matches_one() {
        let det = spans(&[(0.0, 10.0)]);
        let lab = spans(&[(1.0, 3.0), (6.0, 9.0)]);
        // IoU 0.2 and 0.3: only the second reaches 0.3
        let m = match_events(&det, &lab, MatchRule::Iou { min: 0.3 });
        assert_eq!(m.pairs.len(), 1);
        assert_eq!((m.pairs[0].labelled, m.pairs[0].latency_secs), (1, -6.0));
        assert_eq!(m.missed, vec![0]);
        assert!(m.false_alarms.is_empty());
        // by onset (±1 s) it is the first one, 1 s early
        let m = match_events(&det, &lab, MatchRule::Onset { collar_secs: 1.0 });
        assert_eq!((m.pairs[0].labelled, m.pairs[0].latency_secs), (0, -1.0));
        assert_eq!(m.missed, vec![1]);
        // at IoU 0.5 nothing matches: one false alarm, two missed
        let m = match_events(&det, &lab, MatchRule::Iou { min: 0.5 });
        assert_eq!((m.false_alarms.len(), m.missed.len()), (1, 2));
    }

    #[test]
    fn best_pairs_first_and_one_to_one() {
        // two events near one label: the better one matches, the other is a false alarm
        let det = spans(&[(0.0, 2.0), (1.0, 5.0)]);
        let lab = spans(&[(1.0, 4.0)]);
        let m = match_events(&det, &lab, MatchRule::Iou { min: 0.3 });
        assert_eq!(m.pairs.len(), 1);
        assert_eq!(m.pairs[0].detected, 1, "IoU 0.75 beats 0.25");
        assert_eq!(m.false_alarms, vec![0]);
    }

    #[test]
    fn measures_over_videos_by_hand() {
        let a = match_events(
            &spans(&[(1.5, 4.0)]),
            &spans(&[(1.0, 4.0)]),
            MatchRule::Iou { min: 0.5 },
        );
        let b = match_events(
            &spans(&[(10.0, 12.0), (30.0, 31.0)]),
            &spans(&[(9.0, 12.0), (50.0, 55.0)]),
            MatchRule::Iou { min: 0.5 },
        );
        // 3 detected, 3 labelled: matched 2 (latency 0.5, 1.0), 1 false (30–31), 1 missed (50–55)
        let m = EventMeasures::new(MatchRule::Iou { min: 0.5 }, &[&a, &b], 1800.0);
        assert_eq!(
            (m.detected, m.labelled, m.matched, m.false_alarms, m.missed),
            (3, 3, 2, 1, 1)
        );
        assert_eq!(m.precision, Some(2.0 / 3.0));
        assert_eq!(m.recall, Some(2.0 / 3.0));
        assert_eq!(m.f1, Some(4.0 / 6.0));
        assert_eq!(m.latency_median_secs, Some(0.75));
        assert!((m.latency_p95_secs.unwrap() - 0.975).abs() < 1e-12);
        assert_eq!(m.false_alarms_per_hour, Some(2.0));
        // no events and no labels: nothing is defined but the footage
        let none = EventMeasures::new(MatchRule::Iou { min: 0.3 }, &[&Matching::default()], 60.0);
        assert_eq!((none.precision, none.recall, none.f1), (None, None, None));
        assert_eq!(none.false_alarms_per_hour, Some(0.0));
        assert_eq!(none.latency_median_secs, None);
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[3.0], 0.95), Some(3.0));
        // numpy.percentile([1, 2, 3, 4], 50) = 2.5; 95 → 3.85
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        assert!((percentile(&[1.0, 2.0, 3.0, 4.0], 0.95).unwrap() - 3.85).abs() < 1e-12);
    }
}
