//! Tracking metrics and ByteTrack on the TUD sequences shipped with py-motmetrics (PyPI).

mod common;

use vision::metrics::mot::{MotBox, evaluate, parse_mot};
use vision::track::{ByteTrackConfig, ByteTracker, Detection};

fn load(name: &str, min_confidence: Option<f32>) -> Vec<MotBox> {
    let path = common::data(name);
    parse_mot(
        &std::fs::read_to_string(&path).unwrap(),
        &path,
        min_confidence,
    )
    .unwrap()
}

/// motmetrics' README: TUD-Campus MOTA 52.6 / IDF1 55.8, TUD-Stadtmitte 56.4 / 64.5 for the
/// reference tracker output shipped beside the ground truth.
#[test]
fn mot_metrics_reproduce_the_published_figures() {
    for (seq, mota, idf1) in [("TUD-Campus", 52.6, 55.8), ("TUD-Stadtmitte", 56.4, 64.5)] {
        let gt = load(&format!("{seq}/gt.txt"), Some(1.0));
        let hyp = load(&format!("{seq}/test.txt"), None);
        let s = evaluate(&gt, &hyp, 0.5);
        eprintln!("{seq}: {s:?}");
        assert!(
            (s.mota * 100.0 - mota).abs() <= 0.1,
            "{seq} MOTA {:.2} vs {mota}",
            s.mota * 100.0
        );
        assert!(
            (s.idf1 * 100.0 - idf1).abs() <= 0.1,
            "{seq} IDF1 {:.2} vs {idf1}",
            s.idf1 * 100.0
        );
    }
}

/// IDF1 of ByteTrack fed with ground-truth boxes jittered by up to ±5 % of their size, with 20 %
/// dropped at random. Every box is a real person, so scores are confident (0.6–1.0; the weak-score
/// path is covered by the unit tests). One noise draw on a 71-frame sequence swings IDF1 by ±0.1,
/// so this averages 20 fixed draws (deterministic).
fn noisy_ground_truth_idf1(seq: &str, seed: u64) -> f64 {
    let gt = load(&format!("{seq}/gt.txt"), Some(1.0));
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tracker = ByteTracker::new(ByteTrackConfig::default());
    let last = gt.iter().map(|b| b.frame).max().unwrap();
    let mut hyp = Vec::new();
    for frame in 1..=last {
        let mut dets = Vec::new();
        for b in gt.iter().filter(|b| b.frame == frame) {
            if rng.f32() < 0.2 {
                continue;
            }
            let (w, h) = (b.bbox[2] - b.bbox[0], b.bbox[3] - b.bbox[1]);
            let mut j = |s: f32| (rng.f32() * 2.0 - 1.0) * 0.05 * s;
            let bbox = [
                b.bbox[0] + j(w),
                b.bbox[1] + j(h),
                b.bbox[2] + j(w),
                b.bbox[3] + j(h),
            ];
            dets.push(Detection {
                bbox,
                score: 0.6 + 0.4 * rng.f32(),
                appearance: None,
            });
        }
        for t in tracker.update(&dets) {
            hyp.push(MotBox {
                frame,
                id: t.track_id,
                bbox: t.bbox,
            });
        }
    }
    evaluate(&gt, &hyp, 0.5).idf1
}

#[test]
fn bytetrack_keeps_identities_on_noisy_ground_truth() {
    for seq in ["TUD-Campus", "TUD-Stadtmitte"] {
        let runs: Vec<f64> = (0..20)
            .map(|seed| noisy_ground_truth_idf1(seq, seed))
            .collect();
        let mean = runs.iter().sum::<f64>() / runs.len() as f64;
        let min = runs.iter().copied().fold(1.0, f64::min);
        eprintln!(
            "{seq}: IDF1 mean {mean:.3}, min {min:.3} over {} draws",
            runs.len()
        );
        assert!(mean >= 0.8, "{seq}: mean IDF1 {mean:.3}");
        assert!(min >= 0.6, "{seq}: worst draw IDF1 {min:.3}");
    }
}
