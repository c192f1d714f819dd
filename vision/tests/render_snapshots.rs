//! One frame per style against a stored picture (`tests/snapshots/render-STYLE.png`): a drawn
//! scene (two people, a fall going on, scores) on a plain gradient, so the pictures hold no
//! footage. A change that moves more than a few pixels fails; to accept a deliberate change,
//! run with `RECOGNIZER_UPDATE_SNAPSHOTS=1`, look at the new pictures, and commit them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use image::{Rgb, RgbImage};
use vision::annotate::stages::{TrackFrame, TrackedPerson};
use vision::events::{Event, ScoreSample, Service};
use vision::pose::Person;
use vision::render::{Mode, RenderConfig, Renderer, Results, StyleName};

/// A standing person: COCO keypoints around (cx, top), `h` pixels tall.
fn person(id: u64, cx: f32, top: f32, h: f32) -> Person {
    let u = h / 8.0;
    let k = |x: f32, y: f32| [cx + x * u, top + y * u, 0.9];
    let keypoints = [
        k(0.0, 0.5),  // nose
        k(-0.2, 0.3), // eyes
        k(0.2, 0.3),
        k(-0.4, 0.4), // ears
        k(0.4, 0.4),
        k(-1.0, 1.5), // shoulders
        k(1.0, 1.5),
        k(-1.4, 3.0), // elbows
        k(1.4, 3.0),
        k(-1.5, 4.3), // wrists
        k(1.5, 4.3),
        k(-0.6, 4.2), // hips
        k(0.6, 4.2),
        k(-0.7, 6.0), // knees
        k(0.7, 6.0),
        k(-0.7, 7.8), // ankles
        k(0.7, 7.8),
    ];
    Person {
        keypoints,
        bbox: [cx - 1.7 * u, top, cx + 1.7 * u, top + h],
        confidence: 0.87,
        track_id: Some(id),
    }
}

fn scene() -> Results {
    let frames: Vec<TrackFrame> = (0..60)
        .map(|n| {
            let t = n as f64 / 15.0;
            let step = n as f32 * 1.5;
            TrackFrame {
                frame_number: n,
                timestamp: t,
                frame_shape: (240, 320, 3),
                persons: vec![
                    TrackedPerson {
                        person: person(1, 70.0 + step, 40.0, 150.0),
                        motion: None,
                    },
                    TrackedPerson {
                        person: person(2, 250.0 - step * 0.5, 60.0, 120.0),
                        motion: None,
                    },
                ],
            }
        })
        .collect();
    let event = Event {
        start_time: 1.0,
        end_time: 2.5,
        start_frame: 15,
        end_frame: 37,
        peak_time: 1.6,
        peak_frame: 24,
        peak_score: 0.82,
        tracks: vec![1],
        boxes_at_peak: vec![[60.0, 40.0, 120.0, 190.0]],
        components_at_peak: BTreeMap::from([
            ("height_ratio".to_string(), 0.9),
            ("torso".to_string(), 0.7),
        ]),
        opened_by: "score 0.82 ≥ 0.6 for 0.5 s".into(),
        closed_by: "score below 0.6".into(),
        recovered: false,
    };
    let scores = (0..60)
        .map(|n| ScoreSample {
            service: Service::Fall,
            time: n as f64 / 15.0,
            frame: n,
            score: (n as f32 / 30.0).min(1.0) * 0.8,
            tracks: vec![1],
        })
        .collect();
    Results {
        frames,
        events: vec![(Service::Fall, event)],
        scores,
        masks: None,
    }
}

fn background() -> RgbImage {
    RgbImage::from_fn(320, 240, |x, y| {
        Rgb([(60 + x / 4) as u8, (70 + y / 4) as u8, 90])
    })
}

fn snapshot(style: StyleName) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("render-{}.png", style.as_str()))
}

#[test]
fn each_style_draws_the_scene_as_its_stored_picture() {
    let update = std::env::var_os("RECOGNIZER_UPDATE_SNAPSHOTS").is_some();
    for style in StyleName::ALL {
        let mut image = background();
        let config = RenderConfig {
            mode: Mode::Debug,
            style,
            ..RenderConfig::default()
        };
        let mut renderer = Renderer::new(config, scene(), 4.0);
        renderer.draw(&mut image, 24, 1.6).unwrap();
        let path = snapshot(style);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            image.save(&path).unwrap();
            continue;
        }
        let stored = image::open(&path)
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; run with RECOGNIZER_UPDATE_SNAPSHOTS=1 to write it",
                    path.display()
                )
            })
            .to_rgb8();
        assert_eq!(stored.dimensions(), image.dimensions());
        let differing = stored
            .pixels()
            .zip(image.pixels())
            .filter(|(a, b)| a.0.iter().zip(b.0).any(|(p, q)| p.abs_diff(q) > 24))
            .count();
        // anti-aliasing may round differently elsewhere; a moved line or word is far more
        assert!(
            differing <= 200,
            "style {}: {differing} pixels differ from {} (RECOGNIZER_UPDATE_SNAPSHOTS=1 to accept)",
            style.as_str(),
            path.display()
        );
        // the style drew something
        let drawn = background()
            .pixels()
            .zip(image.pixels())
            .filter(|(a, b)| a != b)
            .count();
        assert!(
            drawn > 5_000,
            "style {} drew only {drawn} pixels",
            style.as_str()
        );
    }
}
