//! Fall and fight events on real labelled footage (`../shared/data`, README there): poses and
//! tracks from the real models, then the event pipeline with its default settings. These clips
//! are from the tuning part of bench/analyze.sh's split; the benchmark reports every clip.

mod common;
#[path = "common/models.rs"]
mod models;

use common::shared;

use vision::annotate::AnnotateConfig;
use vision::annotate::stages::{detect_poses, track_poses};
use vision::events::{AnalyzeConfig, Event, EventsConfig, Service, analyze_tracks};

/// Poses and tracks as the analyze job makes them (input 512, its track score), then events.
fn events_of(video: &str) -> (Vec<(Service, Event)>, usize) {
    let analyze = AnalyzeConfig::default();
    let settings = AnnotateConfig {
        pose_input_size: analyze.pose_input_size,
        track_score: analyze.track_score,
        ..AnnotateConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let (poses, tracks) = (
        dir.path().join("poses.jsonl"),
        dir.path().join("tracks.jsonl"),
    );
    detect_poses(
        &Default::default(),
        models::runtime(),
        &models::catalog(),
        video,
        &settings,
        &poses,
        |_| true,
    )
    .unwrap();
    let frames = track_poses(&settings, &poses, &tracks).unwrap();
    let (events, _) =
        analyze_tracks(&frames, &EventsConfig::default(), Default::default()).unwrap();
    (events, frames.len())
}

#[test]
fn a_backward_fall_is_one_explained_fall_event_inside_its_labelled_interval() {
    // GMDCSA24 Subject 1 Fall 13: "Standing position to falling. Backward fall", Falling [0.4 to 4]
    let (events, frames) = events_of(&shared("falls-gmdcsa24/Subject 1/Fall/13.mp4"));
    assert!(frames > 100);
    let falls: Vec<&Event> = events
        .iter()
        .filter(|(s, _)| *s == Service::Fall)
        .map(|(_, e)| e)
        .collect();
    assert_eq!(falls.len(), 1, "{events:?}");
    let e = falls[0];
    assert!(
        e.start_time <= 4.0 && e.end_time >= 0.4,
        "outside the labelled fall: {e:?}"
    );
    assert!(
        (e.start_time - 0.4).abs() <= 1.5,
        "raised {:.1} s after the onset",
        e.start_time - 0.4
    );
    assert_eq!(e.tracks.len(), 1);
    assert_eq!(e.boxes_at_peak.len(), 1);
    for c in ["height_ratio", "torso_orientation", "downward_velocity"] {
        assert!(e.components_at_peak.contains_key(c), "{c} missing: {e:?}");
    }
    assert!(
        e.peak_score >= 0.6 && e.opened_by.contains("upright"),
        "{e:?}"
    );
    assert!(!e.closed_by.is_empty());
}

#[test]
fn sitting_on_a_bed_and_eating_is_no_fall() {
    // GMDCSA24 Subject 2 ADL 23: "Eating biscuits while sitting on the bed with legs folded"
    let (events, frames) = events_of(&shared("falls-gmdcsa24/Subject 2/ADL/23.mp4"));
    assert!(frames > 100);
    assert!(
        events.iter().all(|(s, _)| *s != Service::Fall),
        "{events:?}"
    );
}

#[test]
fn a_fight_clip_yields_a_fight_event_naming_the_two_people_fighting() {
    // Surveillance Camera Fight fi034 (tuning part): one man kicks another in a car park
    let (events, frames) = events_of(&shared("fights-scf/fight/fi034.mp4"));
    assert!(frames > 30);
    let fights: Vec<&Event> = events
        .iter()
        .filter(|(s, _)| *s == Service::Fight)
        .map(|(_, e)| e)
        .collect();
    assert!(!fights.is_empty(), "no fight event: {events:?}");
    let e = fights
        .iter()
        .max_by(|a, b| a.peak_score.total_cmp(&b.peak_score))
        .unwrap();
    assert_eq!(e.tracks.len(), 2, "{e:?}");
    assert_ne!(e.tracks[0], e.tracks[1]);
    assert_eq!(e.boxes_at_peak.len(), 2);
    for c in ["limb_motion", "interaction", "approach"] {
        assert!(e.components_at_peak.contains_key(c), "{c} missing: {e:?}");
    }
    assert!(e.peak_score >= 0.5 && e.end_time > e.start_time, "{e:?}");
}
