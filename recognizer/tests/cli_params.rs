//! The CLI reads the same parameter table as the web form: `recognizer params KIND` lists the
//! labels, ranges, defaults and presets, and `run anonymize --preset` starts from a preset that
//! the options given change further.

mod common;

use common::platform::data;

fn run(args: &[&str]) -> (bool, String, String) {
    common::output(args)
}

#[test]
fn params_lists_the_table_and_refuses_an_unknown_kind() {
    let (ok, out, err) = run(&["params", "anonymize"]);
    assert!(ok, "{err}");
    for preset in ["standard", "fast", "thorough", "eyes_only"] {
        assert!(out.contains(&format!("  {preset} ")), "{preset} in:\n{out}");
    }
    assert!(
        out.contains("threshold — Face detection threshold"),
        "{out}"
    );
    assert!(out.contains("[0.01–0.99; default 0.2]"), "{out}");
    assert!(out.find("Basic:") < out.find("Advanced:"), "{out}");
    let (ok, out, _) = run(&["params", "analyze"]);
    assert!(
        ok && out.contains("events.fall_rules.threshold — Fall threshold"),
        "{out}"
    );

    let (ok, out, _) = run(&["params", "visualize"]);
    assert!(ok && out.contains("style — Style"), "{out}");
    let (ok, _, err) = run(&["params", "collage"]);
    assert!(!ok);
    assert!(
        err.contains("anonymize, annotate, analyze or visualize"),
        "{err}"
    );
    // and `run anonymize --help` says what the table says
    let (_, help, _) = run(&["run", "anonymize", "--help"]);
    assert!(
        help.contains("Face detection threshold: A face scored at least this"),
        "{help}"
    );
}

#[test]
fn a_preset_is_the_start_and_options_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let clip = data("bikes.mp4");
    let (clip, out) = (clip.to_str().unwrap(), out.to_str().unwrap());
    // "thorough" detects on every frame ...
    let (ok, summary, err) = run(&["run", "anonymize", clip, "-o", out, "--preset", "thorough"]);
    assert!(ok, "{err}");
    assert!(
        summary.starts_with("250 frames (250 detected)"),
        "{summary}"
    );
    // ... unless told otherwise
    let (ok, summary, err) = run(&[
        "run",
        "anonymize",
        clip,
        "-o",
        out,
        "--preset",
        "thorough",
        "--detect-every",
        "5",
    ]);
    assert!(ok, "{err}");
    let detected: u64 = summary
        .split_once(" frames (")
        .and_then(|(_, rest)| rest.split_once(' '))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(detected < 250, "{summary}");
    // a preset that does not exist is named, with the ones that do
    let (ok, _, err) = run(&["run", "anonymize", clip, "-o", out, "--preset", "ears"]);
    assert!(!ok);
    assert!(
        err.contains("--preset: no preset \"ears\"; there are standard, fast, thorough, eyes_only"),
        "{err}"
    );
}
