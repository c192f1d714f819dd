//! `recognizer run visualize` draws what `recognizer run analyze` stored on a real fall clip:
//! an MP4 of every frame with the sound and a poster; the mask log of `recognizer run
//! anonymize` blurs the faces it lists; `recognizer pose --render` uses the same renderer;
//! wrong input is named.

mod common;

use common::platform::shared;

fn run(args: &[&str]) -> (bool, String, String) {
    common::output(args)
}

fn ffprobe_frames(path: &std::path::Path) -> (u64, bool) {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_type,nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let frames = text
        .lines()
        .find(|l| l.starts_with("video"))
        .and_then(|l| l.split(',').nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    (frames, text.lines().any(|l| l.starts_with("audio")))
}

#[test]
fn an_analyze_run_is_drawn_into_an_overlay_video_with_its_poster() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let clip = shared("falls-gmdcsa24/Subject 1/Fall/13.mp4");
    let clip = clip.to_str().unwrap();
    let (ok, _, stderr) = run(&["run", "analyze", clip, "-o", o, "--pose-input-size", "256"]);
    assert!(ok, "{stderr}");

    let overlay = out.path().join("overlay.mp4");
    let (ok, stdout, stderr) = run(&[
        "run",
        "visualize",
        clip,
        "--from-dir",
        o,
        "-o",
        overlay.to_str().unwrap(),
        "--mode",
        "full",
        "--style",
        "presentation",
        "--layers-off",
        "anonymize",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("13.mp4: trajectory, bbox, skeleton"),
        "{stdout}"
    );
    let (frames, audio) = ffprobe_frames(&overlay);
    assert_eq!(frames, 128);
    assert!(audio, "the sound is kept");
    let poster = image::open(out.path().join("overlay.png")).expect("the poster is a PNG");
    assert_eq!((poster.width(), poster.height()), (640, 480));
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "work folders are removed: {leftovers:?}"
    );

    // a mask log from an anonymize run: its boxes are blurred, the render says nothing is missing
    let masks = out.path().join("masks.jsonl");
    let anonymized = out.path().join("anonymized.mp4");
    let (ok, _, stderr) = run(&[
        "run",
        "anonymize",
        clip,
        "-o",
        anonymized.to_str().unwrap(),
        "--log",
        masks.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let part = out.path().join("part.mp4");
    let (ok, _, stderr) = run(&[
        "run",
        "visualize",
        clip,
        "--from-dir",
        o,
        "-o",
        part.to_str().unwrap(),
        "--mode",
        "skeleton-only",
        "--masks",
        masks.to_str().unwrap(),
        "--from",
        "1",
        "--to",
        "2",
        "--width",
        "320",
    ]);
    assert!(ok, "{stderr}");
    let (frames, audio) = ffprobe_frames(&part);
    assert!((29..=32).contains(&frames), "{frames}");
    assert!(!audio, "a part has no sound");

    // wrong input, named
    let (ok, _, stderr) = run(&[
        "run",
        "visualize",
        clip,
        "--from-dir",
        "/nonexistent",
        "-o",
        part.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("has no tracks.jsonl"), "{stderr}");
    let (ok, _, stderr) = run(&[
        "run",
        "visualize",
        clip,
        "--from-dir",
        o,
        "-o",
        part.to_str().unwrap(),
        "--style",
        "neon",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("unknown variant `neon`") && stderr.contains("presentation"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&[
        "run",
        "visualize",
        clip,
        "--from-dir",
        o,
        "-o",
        part.to_str().unwrap(),
        "--from",
        "3",
        "--to",
        "2",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("--to-secs") && stderr.contains("after from_secs"),
        "{stderr}"
    );

    // `recognizer pose --render` draws with the same renderer
    let rendered = out.path().join("pose.mp4");
    let (ok, _, stderr) = run(&[
        "pose",
        clip,
        "-o",
        out.path().join("poses.jsonl").to_str().unwrap(),
        "--render",
        rendered.to_str().unwrap(),
        "--input-size",
        "256",
        "--style",
        "scientific",
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(ffprobe_frames(&rendered).0, 128);
}
