//! `recognizer run analyze` runs the workers' analyze handler on local files: a real fall clip
//! gives its event, its picture and a one-line summary; stored tracks (`--from 2`) are reused
//! and an exclusion zone over the floor silences the fall; a classifier plugs in with
//! `--model`; a video with nobody in it says so; a file that is not a video fails, naming it.

mod common;

use std::path::Path;
use std::time::Duration;

use common::platform::shared;
use common::{recognizer, run_to_end};
use image::RgbImage;
use vision::media::{EncodeOptions, VideoWriter};

/// `recognizer run analyze ARGS` to its end: (success, stdout, stderr).
fn analyze(args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["run", "analyze"];
    all.extend_from_slice(args);
    common::output(&all)
}

fn events(dir: &Path, video: &str) -> Vec<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(dir.join(video).join("events.json")).unwrap())
        .unwrap()
}

#[test]
fn the_offline_analyze_runs_the_worker_handler_on_local_files() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let clip = shared("falls-gmdcsa24/Subject 1/Fall/13.mp4");
    let clip = clip.to_str().unwrap();

    let (ok, stdout, stderr) = analyze(&[clip, "-o", o, "--pose-input-size", "512"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("13.mp4: 1 person tracked, 1 event: fall"),
        "{stdout}"
    );
    let found = events(out.path(), "13.mp4");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["service"], "fall");
    let picture = image::open(out.path().join("13.mp4/events/event-000.jpg")).expect("a JPEG");
    assert_eq!(picture.width(), 480);
    let csv = std::fs::read_to_string(out.path().join("events.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the work store is removed: {leftovers:?}"
    );

    // stored tracks again, with the floor excluded: no fall
    let zones = out.path().join("zones.json");
    std::fs::write(
        &zones,
        r#"[{"name": "floor", "points": [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]}]"#,
    )
    .unwrap();
    let (ok, stdout, stderr) = analyze(&[
        clip,
        "-o",
        o,
        "--from",
        "2",
        "--zones",
        zones.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("13.mp4: 1 person tracked, no events"),
        "{stdout}"
    );
    assert!(events(out.path(), "13.mp4").is_empty());

    // a classifier that always says "fall" (built with the onnx package) is fused in
    let models = tempfile::tempdir().unwrap();
    common::make_models(models.path());
    std::fs::write(
        models.path().join("constant_fall.json"),
        r#"{"layout": "NMTVC", "channels": 3, "frames": 30, "persons": 1,
            "normalization": "image_centered", "classes": ["other", "fall"], "event_class": "fall"}"#,
    )
    .unwrap();
    let model = format!(
        "fall={}",
        models.path().join("constant_fall.onnx").display()
    );
    let (ok, stdout, stderr) = analyze(&[clip, "-o", o, "--from", "2", "--model", &model]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 event: fall"), "{stdout}");
    let why = &events(out.path(), "13.mp4")[0]["event"]["components_at_peak"];
    assert!(
        (why["classifier"].as_f64().unwrap() - 0.9).abs() < 1e-6,
        "{why}"
    );

    // --from 2 without stored tracks, a missing contract: said, and nothing is run
    let empty = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = analyze(&[clip, "-o", empty.path().to_str().unwrap(), "--from", "2"]);
    assert!(
        !ok && stderr.contains("run without --from first"),
        "{stderr}"
    );
    let rank4 = format!("fall={}", models.path().join("probe_rank4.onnx").display());
    let (ok, _, stderr) = analyze(&[clip, "-o", o, "--from", "2", "--model", &rank4]);
    assert!(
        !ok && stderr.contains("probe_rank4.json cannot be read"),
        "{stderr}"
    );
}

#[test]
fn a_video_with_nobody_in_it_says_so_and_a_text_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty-room.mp4");
    let mut w = VideoWriter::create(&empty, 320, 240, 25.0, EncodeOptions::default()).unwrap();
    for i in 0..50u8 {
        w.write(
            &RgbImage::from_pixel(320, 240, image::Rgb([90 + i, 90, 90])),
            None,
        )
        .unwrap();
    }
    w.finish().unwrap();
    let out = dir.path().join("out");
    let (ok, stdout, stderr) = analyze(&[empty.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("empty-room.mp4: nobody was seen, so no events"),
        "{stdout}"
    );
    assert!(events(&out, "empty-room.mp4").is_empty());

    let notes = dir.path().join("notes.mp4");
    std::fs::write(&notes, "not moving pictures").unwrap();
    let mut cmd = recognizer(&[
        "run",
        "analyze",
        notes.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    if let Ok(d) = std::env::var("RECOGNIZER_MODELS_DIR") {
        cmd.env("RECOGNIZER_MODELS__DIR", d);
    }
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(60));
    assert!(!status.success());
    assert!(
        stderr.contains("notes.mp4: cannot be opened as a video"),
        "{stderr}"
    );
}
