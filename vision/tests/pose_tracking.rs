//! The pose pipeline (MoveNet → ByteTrack) on real footage against hand labels.

mod common;
#[path = "common/models.rs"]
mod models;

use serde::Deserialize;
use vision::media::VideoReader;
use vision::metrics::mot::{MotBox, evaluate};
use vision::pipeline::{PoseConfig, PosePipeline, PosePool};

#[derive(Deserialize)]
struct Labels {
    frames: Vec<LabelledFrame>,
}
#[derive(Deserialize)]
struct LabelledFrame {
    frame: u64,
    people: Vec<LabelledPerson>,
}
#[derive(Deserialize)]
struct LabelledPerson {
    id: u64,
    bbox: [f32; 4],
    #[allow(dead_code)]
    occluded: bool,
}

/// vtest.avi frames 300–360, every third frame labelled by hand (6 pedestrians, 126 boxes, with
/// crossings and people behind a sign). The issue asks for recall ≥ 0.8 and ≤ 2 identity switches.
/// Measured: recall 0.889, precision 1.0, 0 switches (IDF1 0.941). On motion alone it was 3: two
/// people labelled 2 and 3 cross behind the sign for ~15 frames; the torso-colour cue
/// (`ByteTrackConfig::appearance_weight`) gives them back their identities.
#[test]
fn pedestrians_in_vtest_are_found_and_keep_their_identities() {
    let labels: Labels =
        serde_json::from_str(include_str!("fixtures/vtest-hand-labels.json")).unwrap();
    let labelled: std::collections::HashSet<u64> = labels.frames.iter().map(|f| f.frame).collect();
    let truth: Vec<MotBox> = labels
        .frames
        .iter()
        .flat_map(|f| {
            f.people.iter().map(move |p| MotBox {
                frame: f.frame,
                id: p.id,
                bbox: p.bbox,
            })
        })
        .collect();

    let mut pipeline =
        PosePipeline::new(models::runtime(), &models::catalog(), PoseConfig::default()).unwrap();
    let mut found = Vec::new();
    // start a little earlier so the tracker has confirmed its tracks when labelling begins
    for frame in VideoReader::open(&common::data("vtest.avi")).unwrap() {
        let frame = frame.unwrap();
        if frame.number < 290 {
            continue;
        }
        if frame.number > 360 {
            break;
        }
        let out = pipeline.process(&frame).unwrap();
        if labelled.contains(&frame.number) {
            for p in &out.poses.persons {
                if let Some(id) = p.track_id {
                    found.push(MotBox {
                        frame: frame.number,
                        id,
                        bbox: p.bbox,
                    });
                }
            }
        }
    }
    let s = evaluate(&truth, &found, 0.5);
    eprintln!("{s:?}");
    assert!(s.recall >= 0.8, "recall {:.3}", s.recall);
    assert!(s.switches <= 2, "{} identity switches", s.switches);
    assert!(
        s.precision >= 0.8,
        "precision {:.3}: boxes where nobody is",
        s.precision
    );
}

/// Stage 1 with the pose model taking 4 frames a call (the batched body, its heads decoded in
/// Rust, frames letterboxed and decoded on threads; the GPU's way) writes the people frame by
/// frame finds: 42 crowded frames of vtest (calls of 4, the last of 2), where MoveNet hits its
/// 6-person cap and the halves of those frames run in calls of their own.
#[test]
fn batches_find_the_people_frame_by_frame_finds() {
    use vision::annotate::AnnotateConfig;
    use vision::annotate::stages::{PoseFrame, detect_poses_in_batches, read_lines};
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.mp4");
    let cut = cut.to_str().unwrap();
    common::ffmpeg(&[
        "-i",
        &common::data("vtest.avi"),
        "-vf",
        "select=between(n\\,290\\,331)",
        "-vsync",
        "0",
        "-c:v",
        "libx264",
        "-crf",
        "18",
        cut,
    ]);
    let pool = PosePool::default();
    let stage1 = |batch: usize| -> Vec<PoseFrame> {
        let out = dir.path().join(format!("poses-{batch}.jsonl"));
        let mut reported = 0;
        let frames = detect_poses_in_batches(
            &pool,
            models::runtime(),
            &models::catalog(),
            cut,
            &AnnotateConfig::default(),
            batch,
            &out,
            |p| {
                reported = p.frames_done;
                true
            },
        )
        .unwrap();
        assert_eq!((frames, reported), (42, 42), "batch {batch}");
        read_lines(&out).unwrap()
    };
    let (one, four) = (stage1(1), stage1(4));
    // a kept pipeline (the worker's pool) writes what a new one wrote
    assert_eq!(pool.idle(), 2);
    assert_eq!(stage1(4), four);
    assert_eq!(pool.idle(), 2);
    assert_eq!(one.len(), four.len());
    let mut crowded = 0;
    for (a, b) in one.iter().zip(&four) {
        let (a, b) = (&a.poses, &b.poses);
        assert_eq!(
            (a.frame_number, a.persons.len()),
            (b.frame_number, b.persons.len()),
            "people in a frame"
        );
        crowded += usize::from(a.persons.len() >= 6);
        for (p, q) in a.persons.iter().zip(&b.persons) {
            assert!((p.confidence - q.confidence).abs() < 1e-3, "{p:?}\n{q:?}");
            for (s, t) in p.bbox.iter().zip(q.bbox) {
                assert!((s - t).abs() < 0.5, "{p:?}\n{q:?}");
            }
            for (s, t) in p.keypoints.iter().zip(q.keypoints) {
                assert!(
                    (s[0] - t[0]).abs() < 0.5 && (s[1] - t[1]).abs() < 0.5,
                    "{p:?}\n{q:?}"
                );
            }
        }
    }
    let people: usize = one.iter().map(|f| f.poses.persons.len()).sum();
    eprintln!("{people} people in 42 frames, {crowded} frames with 6 or more");
    assert!(
        crowded > 0,
        "no frame reached the cap: the halves were not tried"
    );
}

/// A pose pipeline kept between videos (`PosePool`) starts its tracking afresh: another stretch
/// of video through the kept pipeline gets the identities a new pipeline gives it (from 1, not
/// continuing the first video's); another input size makes a pipeline of its own.
#[test]
fn a_kept_pipeline_tracks_like_a_new_one() {
    let stretch = |from: usize| -> Vec<_> {
        VideoReader::open(&common::data("vtest.avi"))
            .unwrap()
            .skip(from)
            .take(8)
            .map(Result::unwrap)
            .collect()
    };
    let (first, second) = (stretch(290), stretch(600));
    let config = PoseConfig {
        input_size: 384,
        ..PoseConfig::default()
    };
    let ids = |pipeline: &mut PosePipeline, frames: &[vision::media::Frame]| {
        frames
            .iter()
            .map(|f| {
                let out = pipeline.process(f).unwrap();
                out.poses.persons.iter().map(|p| p.track_id).collect()
            })
            .collect::<Vec<Vec<Option<u64>>>>()
    };
    let pool = PosePool::default();
    let mut pipeline = pool
        .take(models::runtime(), &models::catalog(), config.clone())
        .unwrap();
    let before = ids(&mut pipeline, &first);
    assert!(before.iter().flatten().any(|id| id.is_some()), "{before:?}");
    pool.give_back(pipeline);
    let mut kept = pool
        .take(models::runtime(), &models::catalog(), config.clone())
        .unwrap();
    assert_eq!(pool.idle(), 0, "the kept pipeline was taken");
    let mut new = PosePipeline::new(models::runtime(), &models::catalog(), config).unwrap();
    let expected = ids(&mut new, &second);
    assert!(
        expected.iter().flatten().any(|id| *id == Some(1)),
        "{expected:?}"
    );
    assert_eq!(ids(&mut kept, &second), expected);
    pool.give_back(kept);
    let other = pool
        .take(
            models::runtime(),
            &models::catalog(),
            PoseConfig {
                input_size: 256,
                ..PoseConfig::default()
            },
        )
        .unwrap();
    assert_eq!(
        pool.idle(),
        1,
        "another input size is not taken from the pool"
    );
    pool.give_back(other);
    assert_eq!(pool.idle(), 2);
}
