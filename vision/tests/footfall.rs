//! Footfall counts on the ground-truth tracks of TUD-Campus and TUD-Stadtmitte (py-motmetrics'
//! `gt.txt`), against a second, simpler count worked out here from each track's frames; and the
//! same counts on the reference tracker output (`test.txt`), whose difference is printed. And the
//! heatmap's background of a busy real clip has nobody in it.

mod common;
#[path = "common/models.rs"]
mod models;

use std::collections::BTreeMap;

use vision::annotate::{TrackFrame, TrackedPerson};
use vision::events::Zone;
use vision::footfall::counters::Line;
use vision::footfall::{FootfallConfig, count};
use vision::metrics::mot::{MotBox, parse_mot};
use vision::pose::Person;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;

/// Ground truth as motmetrics loads it (confidence 1), a tracker's output whole.
fn load(name: &str) -> Vec<MotBox> {
    let path = common::data(name);
    let min = name.ends_with("gt.txt").then_some(1.0);
    parse_mot(&std::fs::read_to_string(&path).unwrap(), &path, min).unwrap()
}

/// MOT boxes as tracked frames (no keypoints: people stand on their box's bottom centre).
fn frames(boxes: &[MotBox]) -> Vec<TrackFrame> {
    let last = boxes.iter().map(|b| b.frame).max().unwrap_or(0);
    (1..=last)
        .map(|f| TrackFrame {
            frame_number: f,
            timestamp: (f - 1) as f64 / 25.0,
            frame_shape: (HEIGHT, WIDTH, 3),
            persons: boxes
                .iter()
                .filter(|b| b.frame == f)
                .map(|b| TrackedPerson {
                    person: Person {
                        keypoints: [[0.0; 3]; 17],
                        bbox: b.bbox,
                        confidence: 1.0,
                        track_id: Some(b.id),
                    },
                    motion: None,
                })
                .collect(),
        })
        .collect()
}

fn config(inertia: u32) -> FootfallConfig {
    FootfallConfig {
        zones: vec![Zone {
            name: "left half".into(),
            points: vec![[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]],
        }],
        lines: vec![Line {
            name: "middle".into(),
            a: [0.5, 0.0],
            b: [0.5, 1.0],
        }],
        inertia_frames: inertia,
        ..Default::default()
    }
}

/// The simple count, frame by frame without any inertia. A person stands on their box's bottom
/// centre; inside the left half means x < 0.5 above the frame's bottom edge (the even–odd rule
/// leaves the bottom and right edges out). Entries are outside→inside steps of a track (its first
/// frame counts as a step from outside), exits inside→outside steps, a gap in the track while
/// inside, or a track last seen inside before the video's last frame. Crossings are changes of
/// side of x = 0.5 (on it: no side), to the left counting "in".
fn by_hand(boxes: &[MotBox]) -> (u64, u64, u64, u64) {
    let last_frame = boxes.iter().map(|b| b.frame).max().unwrap_or(0);
    let mut tracks: BTreeMap<u64, Vec<(u64, f32, f32)>> = BTreeMap::new();
    for b in boxes {
        let x = (((b.bbox[0] + b.bbox[2]) / 2.0) / WIDTH as f32).clamp(0.0, 1.0);
        let y = (b.bbox[3] / HEIGHT as f32).clamp(0.0, 1.0);
        tracks.entry(b.id).or_default().push((b.frame, x, y));
    }
    let (mut entries, mut exits, mut ins, mut outs) = (0, 0, 0, 0);
    for seen in tracks.values_mut() {
        seen.sort_by_key(|(f, _, _)| *f);
        let mut inside = false;
        let mut previous_frame: Option<u64> = None;
        let mut settled: Option<i8> = None;
        for &(f, x, y) in seen.iter() {
            if previous_frame.is_some_and(|pf| f > pf + 1) && inside {
                exits += 1;
                inside = false;
            }
            let now = x < 0.5 && y < 1.0;
            match (inside, now) {
                (false, true) => entries += 1,
                (true, false) => exits += 1,
                _ => {}
            }
            inside = now;
            previous_frame = Some(f);
            let side = if x < 0.5 {
                1
            } else if x > 0.5 {
                -1
            } else {
                0
            };
            if side != 0 {
                match settled {
                    Some(s) if s != side => {
                        if side > 0 {
                            ins += 1
                        } else {
                            outs += 1
                        }
                        settled = Some(side);
                    }
                    None => settled = Some(side),
                    _ => {}
                }
            }
        }
        if inside && seen.last().is_some_and(|(f, _, _)| *f < last_frame) {
            exits += 1;
        }
    }
    (entries, exits, ins, outs)
}

#[test]
fn counts_on_ground_truth_tracks_match_a_count_by_hand() {
    for seq in ["TUD-Campus", "TUD-Stadtmitte"] {
        let gt = load(&format!("{seq}/gt.txt"));
        let f = count(&frames(&gt), &config(1));
        let zone = &f.zone_stats()[0];
        let line = &f.line_stats()[0];
        let (entries, exits, ins, outs) = by_hand(&gt);
        assert_eq!((zone.entries, zone.exits), (entries, exits), "{seq} zone");
        assert_eq!((line.in_, line.out), (ins, outs), "{seq} line");
        assert!(
            entries > 0 && ins + outs > 0,
            "{seq}: people do cross the middle"
        );
        // with an inertia of 3 frames the counts can only fall (flickers no longer count)
        let steady = count(&frames(&gt), &config(3));
        let z3 = &steady.zone_stats()[0];
        assert!(
            z3.entries <= zone.entries && z3.exits <= zone.exits,
            "{seq}: {z3:?}"
        );
        assert!(z3.dwell_secs.iter().all(|d| *d >= 0.0));

        // the reference tracker's output: the same logic, and how far its counts are off
        let tracked = load(&format!("{seq}/test.txt"));
        let t = count(&frames(&tracked), &config(3));
        let (tz, tl) = (&t.zone_stats()[0], &t.line_stats()[0]);
        println!(
            "{seq}: ground truth entries/exits/visitors {}/{}/{}, line in/out {}/{}; tracker {}/{}/{}, {}/{}",
            z3.entries,
            z3.exits,
            z3.visitors,
            steady.line_stats()[0].in_,
            steady.line_stats()[0].out,
            tz.entries,
            tz.exits,
            tz.visitors,
            tl.in_,
            tl.out
        );
    }
}

/// vtest.avi: people cross the campus for the whole 80 s; the median of 48 frames spread over it
/// leaves the place and none of them — the person detector, which finds the pedestrians of a
/// frame of the same clip, finds no one in it.
#[test]
fn the_background_of_a_busy_clip_has_no_person_in_it() {
    use vision::footfall::background::{SAMPLES, median_background};
    use vision::models::nanodet::{NanoDet, NanoDetConfig};
    let clip = common::data("vtest.avi");
    let background = median_background(&clip, SAMPLES, 960).unwrap();
    assert_eq!(
        background.dimensions(),
        (768, 576),
        "narrower than 960: kept"
    );
    let mut detector = NanoDet::new(
        models::runtime(),
        &models::catalog(),
        NanoDetConfig::default(),
    )
    .unwrap();
    let frame = models::frame(&clip, 100);
    let in_frame = detector.detect_people(&frame).unwrap();
    assert!(
        in_frame.len() >= 5,
        "{} people in frame 100",
        in_frame.len()
    );
    let left = detector.detect_people(&background).unwrap();
    assert!(left.is_empty(), "people in the background: {left:?}");
    // a background is a picture of the place: close to the frame where nobody walks (the top)
    let top_difference: f64 = (0..768)
        .flat_map(|x| (0..100).map(move |y| (x, y)))
        .map(|(x, y)| {
            let (a, b) = (frame.get_pixel(x, y).0, background.get_pixel(x, y).0);
            (0..3)
                .map(|c| (a[c] as f64 - b[c] as f64).abs())
                .sum::<f64>()
                / 3.0
        })
        .sum::<f64>()
        / (768.0 * 100.0);
    assert!(top_difference < 12.0, "mean difference {top_difference:.1}");
    // and smaller: at most 960 wide
    let wide = median_background(&clip, 8, 384).unwrap();
    assert_eq!(wide.dimensions(), (384, 288));
}
