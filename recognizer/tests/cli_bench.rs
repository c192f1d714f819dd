//! `recognizer bench annotate` runs the workers' annotate handler as several jobs at once in one
//! process (a worker's concurrency): each job's tracks are those of the video alone, whatever
//! the other job does beside it, also the GPU worker's way (padded batches); no jobs at all is
//! refused.

mod common;

use common::platform::shared;

/// The command's standard output, once it succeeded (else its errors).
fn succeeds(cmd: &mut std::process::Command) -> String {
    let run = cmd.output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).into_owned()
}

/// `recognizer bench ARGS…` with the test machine's models.
fn bench(args: &[&str]) -> std::process::Command {
    let mut cmd = common::recognizer(&[&["bench"], args].concat());
    if let Ok(dir) = std::env::var("RECOGNIZER_MODELS_DIR") {
        cmd.env("RECOGNIZER_MODELS__DIR", dir);
    }
    cmd
}

#[test]
fn jobs_at_once_in_one_process_each_track_the_video_alone() {
    let clip = shared("falls-gmdcsa24/Subject 1/Fall/13.mp4");
    let out = tempfile::tempdir().unwrap();
    let mut cmd = bench(&[
        "annotate",
        clip.to_str().unwrap(),
        "--jobs",
        "2",
        "--pose-input-size",
        "256",
        "-o",
        out.path().to_str().unwrap(),
    ]);
    // the GPU worker's way on this CPU: the batched pose model in padded calls of 4 (fixed
    // shapes), both jobs' pipelines calling it side by side
    cmd.env("RECOGNIZER_RUNTIME__POSE_BATCH", "4")
        .env("RECOGNIZER_RUNTIME__FIXED_SHAPES", "true");
    let stdout = succeeds(&mut cmd);
    assert!(
        stdout.contains("2 job(s) at once in one process, 1 video(s) each")
            && stdout.contains("256 frames in"),
        "{stdout}"
    );
    let tracks = |job: u32| {
        std::fs::read_to_string(out.path().join(format!("job-{job}/13.mp4/tracks.mot.txt")))
            .unwrap()
    };
    let (first, second) = (tracks(1), tracks(2));
    assert!(
        first.lines().count() > 50,
        "the person falling is tracked:\n{first}"
    );
    assert_eq!(
        first, second,
        "two jobs at once tracked the same video differently"
    );

    let (ok, _, stderr) =
        common::output(&["bench", "annotate", clip.to_str().unwrap(), "--jobs", "0"]);
    assert!(!ok);
    assert!(stderr.contains("--jobs: at least one job"), "{stderr}");
}

/// Two anonymize jobs at once in one process, the GPU worker's way on this CPU (fixed shapes,
/// so the face detectors share their sessions): each writes the video and masks what the other
/// masks.
#[test]
fn anonymize_jobs_at_once_in_one_process_mask_the_same_faces() {
    let clip = shared("falls-gmdcsa24/Subject 1/Fall/13.mp4");
    let out = tempfile::tempdir().unwrap();
    let mut cmd = bench(&[
        "anonymize",
        clip.to_str().unwrap(),
        "--jobs",
        "2",
        "-o",
        out.path().to_str().unwrap(),
    ]);
    cmd.env("RECOGNIZER_RUNTIME__FIXED_SHAPES", "true");
    let stdout = succeeds(&mut cmd);
    assert!(
        stdout.contains("anonymize, 2 job(s) at once in one process: 256 frames in"),
        "{stdout}"
    );
    let masks = |job: u32| {
        let log =
            std::fs::read_to_string(out.path().join(format!("job-{job}/masks.jsonl"))).unwrap();
        // the times differ from run to run; the masks may not
        log.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["masks"].clone()
            })
            .collect::<Vec<_>>()
    };
    let (first, second) = (masks(1), masks(2));
    assert_eq!(first.len(), 128, "a line a frame");
    let faces = first
        .iter()
        .filter(|m| m.as_array().is_some_and(|a| !a.is_empty()))
        .count();
    assert!(faces > 100, "the face is masked in most frames: {faces}");
    assert_eq!(
        first, second,
        "two jobs at once masked the same video differently"
    );
    assert!(out.path().join("job-2/anonymized.mp4").is_file());
}
