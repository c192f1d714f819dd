//! A report from a small evaluation: every file is written, the tables agree with the
//! evaluation, the PNGs are pictures, and report.html needs nothing from outside itself.

use std::collections::BTreeMap;

use vision::evaluate::{VideoResult, evaluate};
use vision::events::{ScoreSample, Service};
use vision::metrics::events::Span;

fn sample(service: Service, time: f64, score: f32) -> ScoreSample {
    ScoreSample {
        service,
        time,
        frame: (time * 30.0) as u64,
        score,
        tracks: vec![1],
    }
}

#[test]
fn every_file_is_written_and_agrees() {
    let results: Vec<VideoResult> = (0..3)
        .map(|i| VideoResult {
            name: format!("clip <{i}>.mp4"),
            duration_secs: 6.0,
            events: if i < 2 {
                vec![(Service::Fall, Span::new(2.0, 4.0))]
            } else {
                vec![]
            },
            scores: (0..60)
                .map(|f| {
                    let t = f as f64 / 10.0;
                    let s = if i < 2 && (2.0..4.0).contains(&t) {
                        0.8
                    } else {
                        0.1
                    };
                    sample(Service::Fall, t, s)
                })
                .chain((0..60).map(|f| sample(Service::Fight, f as f64 / 10.0, 0.05 * i as f32)))
                .collect(),
        })
        .collect();
    let truth = BTreeMap::from([
        ((0, Service::Fall), vec![Span::new(1.8, 4.5)]),
        ((2, Service::Fall), vec![Span::new(3.0, 5.0)]),
    ]);
    let e = evaluate(
        &results,
        &truth,
        &[(Service::Fall, 0.6), (Service::Fight, 0.7)],
        1.0,
    );
    let dir = tempfile::tempdir().unwrap();
    let files = reports::write_report(dir.path(), "Test report", &e, &results, &truth).unwrap();
    assert_eq!(files.len(), reports::FILES.len());
    for f in &files {
        assert!(
            std::fs::metadata(f).unwrap().len() > 100,
            "{} is written",
            f.display()
        );
    }
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(metrics["services"][0]["events"][0]["matched"], 1);
    assert_eq!(metrics["services"][0]["events"][0]["false_alarms"], 1);
    assert_eq!(metrics["services"][0]["events"][0]["missed"], 1);
    let per_video = std::fs::read_to_string(dir.path().join("per_video.csv")).unwrap();
    assert_eq!(
        per_video.lines().count(),
        1 + 3 * 2,
        "a row per video and service"
    );
    let events = std::fs::read_to_string(dir.path().join("events_vs_labels.csv")).unwrap();
    assert_eq!(events.lines().filter(|l| l.contains(",fall,")).count(), 3);
    for png in [
        "roc.png",
        "pr.png",
        "confusion.png",
        "scores.png",
        "heatmap.png",
    ] {
        let bytes = std::fs::read(dir.path().join(png)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG", "{png}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 5, "the five charts inside");
    assert!(html.contains("clip &lt;0&gt;.mp4"), "names are escaped");
    for outside in ["src=", "href=", "<script", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "report.html refers outside itself: {outside}"
        );
    }
}
