//! Binary classification of scored samples (a clip, a window): the confusion matrix at a
//! threshold and the measures from it, and the ROC and precision–recall curves over every
//! threshold, computed as scikit-learn does (`roc_curve`, `roc_auc_score`,
//! `precision_recall_curve`, `average_precision_score`), so a test can check them against it.
//!
//! A sample is predicted positive when its score is at or above the threshold. Measures whose
//! denominator is zero are `None` (shown as "—"), never a made-up 0 or 1.

use serde::{Deserialize, Serialize};

/// A scored sample and whether it is truly positive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub score: f64,
    pub positive: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl Confusion {
    pub fn at(samples: &[Sample], threshold: f64) -> Self {
        let mut c = Confusion::default();
        for s in samples {
            match (s.score >= threshold, s.positive) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.tp + self.tn, self.total())
    }
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Also called sensitivity or true positive rate.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn specificity(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fp)
    }
    pub fn f1(&self) -> Option<f64> {
        // 2TP / (2TP + FP + FN): defined whenever anything is positive, truly or predicted
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
    /// The mean of recall and specificity (only when both classes are present).
    pub fn balanced_accuracy(&self) -> Option<f64> {
        Some((self.recall()? + self.specificity()?) / 2.0)
    }
    pub fn measures(&self) -> Measures {
        Measures {
            confusion: *self,
            accuracy: self.accuracy(),
            precision: self.precision(),
            recall: self.recall(),
            specificity: self.specificity(),
            f1: self.f1(),
            balanced_accuracy: self.balanced_accuracy(),
        }
    }
}

/// The confusion matrix at one threshold and what follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    pub confusion: Confusion,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub specificity: Option<f64>,
    pub f1: Option<f64>,
    pub balanced_accuracy: Option<f64>,
}

/// One point of the curves: predicting positive at scores ≥ `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub threshold: f64,
    pub confusion: Confusion,
}

impl CurvePoint {
    pub fn fpr(&self) -> f64 {
        1.0 - self.confusion.specificity().unwrap_or(1.0)
    }
    pub fn tpr(&self) -> f64 {
        self.confusion.recall().unwrap_or(0.0)
    }
}

/// The confusion matrix at every distinct score (highest first), from which the ROC and PR
/// curves and the measures at any threshold follow (the browser's threshold slider reads these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    pub points: Vec<CurvePoint>,
    pub positives: u64,
    pub negatives: u64,
    /// Area under the ROC curve (trapezoids); `None` unless both classes are present.
    pub roc_auc: Option<f64>,
    /// Average precision, Σ (Rₙ − Rₙ₋₁) Pₙ (scikit-learn's PR-AUC); `None` without positives.
    pub average_precision: Option<f64>,
}

impl Curves {
    pub fn new(samples: &[Sample]) -> Self {
        let mut sorted: Vec<Sample> = samples
            .iter()
            .copied()
            .filter(|s| s.score.is_finite())
            .collect();
        sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
        let positives = sorted.iter().filter(|s| s.positive).count() as u64;
        let negatives = sorted.len() as u64 - positives;
        let mut points = Vec::new();
        let (mut tp, mut fp) = (0u64, 0u64);
        let mut i = 0;
        while i < sorted.len() {
            // samples with the same score move together (ties)
            let threshold = sorted[i].score;
            while i < sorted.len() && sorted[i].score == threshold {
                if sorted[i].positive {
                    tp += 1;
                } else {
                    fp += 1;
                }
                i += 1;
            }
            points.push(CurvePoint {
                threshold,
                confusion: Confusion {
                    tp,
                    fp,
                    tn: negatives - fp,
                    fn_: positives - tp,
                },
            });
        }
        let roc_auc = (positives > 0 && negatives > 0).then(|| {
            let mut area = 0.0;
            let (mut x0, mut y0) = (0.0, 0.0);
            for p in &points {
                let (x, y) = (p.fpr(), p.tpr());
                area += (x - x0) * (y + y0) / 2.0;
                (x0, y0) = (x, y);
            }
            area
        });
        let average_precision = (positives > 0).then(|| {
            let mut ap = 0.0;
            let mut r0 = 0.0;
            for p in &points {
                let r = p.tpr();
                ap += (r - r0) * p.confusion.precision().unwrap_or(0.0);
                r0 = r;
            }
            ap
        });
        Curves {
            points,
            positives,
            negatives,
            roc_auc,
            average_precision,
        }
    }

    /// The confusion matrix at any threshold, from the points alone.
    pub fn at(&self, threshold: f64) -> Confusion {
        self.points
            .iter()
            .take_while(|p| p.threshold >= threshold)
            .last()
            .map(|p| p.confusion)
            .unwrap_or(Confusion {
                tp: 0,
                fp: 0,
                tn: self.negatives,
                fn_: self.positives,
            })
    }

    /// ROC points (false positive rate, true positive rate) from (0, 0).
    pub fn roc(&self) -> Vec<(f64, f64)> {
        std::iter::once((0.0, 0.0))
            .chain(self.points.iter().map(|p| (p.fpr(), p.tpr())))
            .collect()
    }

    /// Precision–recall points (recall, precision), highest threshold first.
    pub fn pr(&self) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .filter_map(|p| Some((p.tpr(), p.confusion.precision()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(v: &[(f64, bool)]) -> Vec<Sample> {
        v.iter()
            .map(|&(score, positive)| Sample { score, positive })
            .collect()
    }

    #[test]
    fn measures_at_a_threshold_by_hand() {
        // scores ≥ 0.5 predicted: TP 2 (0.9, 0.6), FP 1 (0.7), TN 2 (0.2, 0.1), FN 1 (0.4)
        let s = samples(&[
            (0.9, true),
            (0.7, false),
            (0.6, true),
            (0.4, true),
            (0.2, false),
            (0.1, false),
        ]);
        let c = Confusion::at(&s, 0.5);
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 2,
                fn_: 1
            }
        );
        let m = c.measures();
        assert_eq!(m.accuracy, Some(4.0 / 6.0));
        assert_eq!(m.precision, Some(2.0 / 3.0));
        assert_eq!(m.recall, Some(2.0 / 3.0));
        assert_eq!(m.specificity, Some(2.0 / 3.0));
        assert_eq!(m.f1, Some(4.0 / 6.0));
        assert_eq!(m.balanced_accuracy, Some(2.0 / 3.0));
        // at the threshold itself a sample counts as positive
        assert_eq!(Confusion::at(&s, 0.6).tp, 2);
    }

    #[test]
    fn curves_by_hand_with_ties() {
        // thresholds 0.8 (1 pos), 0.5 (1 pos + 1 neg tied), 0.2 (1 neg)
        let s = samples(&[(0.8, true), (0.5, true), (0.5, false), (0.2, false)]);
        let c = Curves::new(&s);
        assert_eq!(c.points.len(), 3, "tied scores are one point");
        assert_eq!(
            c.roc(),
            vec![(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]
        );
        // trapezoids: 0 + 0.5 × (0.5 + 1) / 2 + 0.5 × 1 = 0.875
        assert_eq!(c.roc_auc, Some(0.875));
        // AP: 0.5 × 1 + 0.5 × (2/3) = 0.8333…
        assert!((c.average_precision.unwrap() - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(
            c.at(0.5),
            Confusion {
                tp: 2,
                fp: 1,
                tn: 1,
                fn_: 0
            }
        );
        assert_eq!(
            c.at(0.9),
            Confusion {
                tp: 0,
                fp: 0,
                tn: 2,
                fn_: 2
            }
        );
        assert_eq!(
            c.at(0.0),
            Confusion {
                tp: 2,
                fp: 2,
                tn: 0,
                fn_: 0
            }
        );
    }

    #[test]
    fn edge_cases_are_undefined_not_invented() {
        // no positives at all: recall and AP undefined, ROC-AUC undefined (one class)
        let none = samples(&[(0.3, false), (0.7, false)]);
        let c = Curves::new(&none);
        assert_eq!(c.roc_auc, None);
        assert_eq!(c.average_precision, None);
        let m = Confusion::at(&none, 0.5).measures();
        assert_eq!(m.recall, None);
        assert_eq!(m.balanced_accuracy, None);
        assert_eq!(m.specificity, Some(0.5));
        // no predictions: precision undefined, F1 0 (positives were missed)
        let missed = samples(&[(0.1, true), (0.2, false)]);
        let m = Confusion::at(&missed, 0.9).measures();
        assert_eq!(m.precision, None);
        assert_eq!(m.f1, Some(0.0));
        assert_eq!(m.recall, Some(0.0));
        // all one class, all right: F1 1, ROC-AUC undefined
        let all = samples(&[(0.9, true), (0.8, true)]);
        assert_eq!(Confusion::at(&all, 0.5).measures().f1, Some(1.0));
        assert_eq!(Curves::new(&all).roc_auc, None);
        assert_eq!(Curves::new(&all).average_precision, Some(1.0));
        // nothing at all
        let empty = Curves::new(&[]);
        assert!(empty.points.is_empty());
        assert_eq!(Confusion::at(&[], 0.5).measures().accuracy, None);
        // every score tied: one point, AUC 0.5
        let tied = samples(&[(0.5, true), (0.5, false)]);
        assert_eq!(Curves::new(&tied).roc_auc, Some(0.5));
    }
}
