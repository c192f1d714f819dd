//! The pose pipeline (MoveNet → ByteTrack) on real footage against hand labels.

mod common;
#[path = "common/models.rs"]
mod models;

use serde::Deserialize;
use vision::media::VideoReader;
use vision::metrics::mot::{MotBox, evaluate};
use vision::pipeline::{PoseConfig, PosePipeline};

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
