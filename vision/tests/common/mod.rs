//! Real footage for tests, fetched by `scripts/fetch_data.py` (run by `make test`).

#![allow(dead_code)]

pub mod camera;

use std::path::PathBuf;
use std::process::Command;

pub fn data(name: &str) -> String {
    let dir = std::env::var_os("RECOGNIZER_DATA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/recognizer/data")
        });
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} missing: run `python3 scripts/fetch_data.py {}` (make test does)",
        path.display(),
        dir.display()
    );
    path.to_string_lossy().into_owned()
}

/// ffprobe's view of a file: (frames, duration seconds, has audio, width, height).
pub fn ffprobe(path: &str) -> (u64, f64, bool, u32, u32) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_type,nb_read_frames,width,height:format=duration",
            "-of",
            "json",
            path,
        ])
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "ffprobe failed on {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let streams = v["streams"].as_array().unwrap();
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream");
    let frames = video["nb_read_frames"].as_str().unwrap().parse().unwrap();
    let duration = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    let audio = streams.iter().any(|s| s["codec_type"] == "audio");
    (
        frames,
        duration,
        audio,
        video["width"].as_u64().unwrap() as u32,
        video["height"].as_u64().unwrap() as u32,
    )
}

pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A clip of the labelled footage in `../shared/data` (or `RECOGNIZER_SHARED_DATA`): not part of
/// the product; tests say so when it is missing.
pub fn shared(name: &str) -> String {
    let candidates = [
        std::env::var_os("RECOGNIZER_SHARED_DATA").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")),
        Some(PathBuf::from("/work/shared/data")),
    ];
    for dir in candidates.into_iter().flatten() {
        let path = dir.join(name);
        if path.is_file() {
            return path.to_string_lossy().into_owned();
        }
    }
    panic!(
        "{name} is missing: these tests need the labelled footage of ../shared/data \
         (set RECOGNIZER_SHARED_DATA to the folder that holds falls-gmdcsa24 and fights-scf)"
    );
}
