//! vision's classification metrics against scikit-learn (in the test venv) on random scores
//! with ties: ROC-AUC, average precision, and the measures at a threshold.

mod common;

use std::process::Command;

use vision::metrics::classification::{Confusion, Curves, Sample};

/// A small deterministic generator (no test should depend on the time of day).
fn samples(seed: u64, n: usize) -> Vec<Sample> {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as f64 / (1u64 << 31) as f64
    };
    (0..n)
        .map(|_| {
            let positive = next() < 0.4;
            // scores rounded to 0.05 so there are ties; positives score higher on average
            let raw = (next() * 0.7 + if positive { 0.3 } else { 0.0 }).min(1.0);
            Sample {
                score: (raw * 20.0).round() / 20.0,
                positive,
            }
        })
        .collect()
}

#[test]
fn our_metrics_agree_with_scikit_learn() {
    let python = common::python();
    for (seed, n) in [(1u64, 40usize), (7, 200), (42, 15)] {
        let s = samples(seed, n);
        let curves = Curves::new(&s);
        let at = Confusion::at(&s, 0.5).measures();
        let scores: Vec<String> = s.iter().map(|x| x.score.to_string()).collect();
        let labels: Vec<String> = s.iter().map(|x| u8::from(x.positive).to_string()).collect();
        let script = format!(
            "import json\nfrom sklearn import metrics as m\ny=[{}]\ns=[{}]\np=[1 if v>=0.5 else 0 for v in s]\n\
             print(json.dumps({{'auc': m.roc_auc_score(y, s), 'ap': m.average_precision_score(y, s), \
             'precision': m.precision_score(y, p, zero_division=0), 'recall': m.recall_score(y, p), \
             'f1': m.f1_score(y, p), 'accuracy': m.accuracy_score(y, p), 'balanced': m.balanced_accuracy_score(y, p)}}))",
            labels.join(","),
            scores.join(",")
        );
        let out = Command::new(&python)
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let close = |ours: Option<f64>, theirs: &serde_json::Value, what: &str| {
            let theirs = theirs.as_f64().unwrap();
            let ours = ours.unwrap_or_else(|| panic!("{what} undefined, scikit-learn {theirs}"));
            assert!(
                (ours - theirs).abs() < 1e-9,
                "seed {seed}: {what} ours {ours}, scikit-learn {theirs}"
            );
        };
        close(curves.roc_auc, &r["auc"], "ROC-AUC");
        close(curves.average_precision, &r["ap"], "average precision");
        close(at.precision, &r["precision"], "precision");
        close(at.recall, &r["recall"], "recall");
        close(at.f1, &r["f1"], "F1");
        close(at.accuracy, &r["accuracy"], "accuracy");
        close(at.balanced_accuracy, &r["balanced"], "balanced accuracy");
    }
}
