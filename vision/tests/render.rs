//! The layered renderer on real footage: GMDCSA24 Subject 1 Fall 13 (`../shared/data`, a person
//! standing then falling, with its tracks and fall event computed here by the real models) and
//! franck.mp4 (a face close to the camera) for the anonymize layer.

mod common;
#[path = "common/models.rs"]
mod models;

use common::shared;

use std::sync::OnceLock;

use image::RgbImage;
use vision::annotate::AnnotateConfig;
use vision::annotate::stages::{detect_poses, track_poses};
use vision::events::{EventsConfig, analyze_tracks};
use vision::media::VideoReader;
use vision::render::video::render_video;
use vision::render::{Layer, Mode, RenderConfig, Renderer, Results, StyleName};

fn fall_clip() -> String {
    shared("falls-gmdcsa24/Subject 1/Fall/13.mp4")
}

/// Tracks, events and scores of the fall clip, computed once.
fn results() -> &'static Results {
    static RESULTS: OnceLock<Results> = OnceLock::new();
    RESULTS.get_or_init(|| {
        let settings = AnnotateConfig {
            pose_input_size: 512,
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
            &fall_clip(),
            &settings,
            &poses,
            |_| true,
        )
        .unwrap();
        let frames = track_poses(&settings, &poses, &tracks).unwrap();
        let (events, scores) =
            analyze_tracks(&frames, &EventsConfig::default(), Default::default()).unwrap();
        assert!(!events.is_empty(), "the fall clip has its fall event");
        Results {
            frames,
            events,
            scores,
            masks: None,
        }
    })
}

fn frame(video: &str, n: u64) -> (RgbImage, f64) {
    let mut reader = VideoReader::open(video).unwrap();
    loop {
        let f = reader.next_frame().unwrap().expect("the frame exists");
        if f.number == n {
            return (f.image, f.timestamp);
        }
    }
}

fn config(mode: Mode, style: StyleName, on: &[Layer], off: &[Layer]) -> RenderConfig {
    RenderConfig {
        mode,
        style,
        layers_on: on.to_vec(),
        layers_off: off.to_vec(),
        ..RenderConfig::default()
    }
}

fn only(layer: Layer) -> RenderConfig {
    config(Mode::Raw, StyleName::Professional, &[layer], &[])
}

fn drawn(config: RenderConfig, n: u64) -> (RgbImage, RgbImage) {
    let (source, t) = frame(&fall_clip(), n);
    let mut out = source.clone();
    let mut renderer = Renderer::new(config, results().clone(), 4.27);
    renderer.draw(&mut out, n, t).unwrap();
    (source, out)
}

fn changed(a: &RgbImage, b: &RgbImage, x: u32, y: u32, r: u32) -> bool {
    let (w, h) = a.dimensions();
    (x.saturating_sub(r)..=(x + r).min(w - 1)).any(|x| {
        (y.saturating_sub(r)..=(y + r).min(h - 1)).any(|y| {
            let (p, q) = (a.get_pixel(x, y).0, b.get_pixel(x, y).0);
            p.iter().zip(q).any(|(u, v)| u.abs_diff(v) > 30)
        })
    })
}

/// A frame with one person whose skeleton is well seen.
fn person_frame() -> u64 {
    let r = results();
    r.frames
        .iter()
        .find(|f| {
            f.persons.len() == 1
                && f.persons[0].person.keypoints[5][2] > 0.5
                && f.persons[0].person.keypoints[11][2] > 0.5
        })
        .expect("a frame shows the person clearly")
        .frame_number
}

#[test]
fn boxes_and_bones_draw_on_the_person_and_nowhere_else() {
    let n = person_frame();
    let person = results().people_at(n, 0)[0].person.clone();
    let [x0, y0, x1, y1] = person.bbox;
    // the box: its top edge's middle changes, a point far from the person does not
    let (source, boxed) = drawn(only(Layer::Bbox), n);
    let corner = |x: f32, y: f32| changed(&source, &boxed, x as u32, y as u32, 2);
    assert!(corner(x0 + 2.0, y0), "the box's top-left corner is drawn");
    assert!(
        corner(x1 - 2.0, y1),
        "the box's bottom-right corner is drawn"
    );
    let far = if x1 < 320.0 { (600, 20) } else { (20, 20) };
    assert!(
        !changed(&source, &boxed, far.0, far.1, 3),
        "far from the person nothing changes"
    );
    // the bone from the left shoulder (5) to the left hip (11): its middle changes
    let (source, bones) = drawn(only(Layer::Skeleton), n);
    let (a, b) = (person.keypoints[5], person.keypoints[11]);
    let mid = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0);
    assert!(
        changed(&source, &bones, mid.0 as u32, mid.1 as u32, 1),
        "the bone is drawn"
    );
    assert!(!changed(&source, &bones, far.0, far.1, 3));
    // the id plate sits above the box
    let (source, ids) = drawn(only(Layer::TrackId), n);
    let above = (x0 as u32 + 4..x0 as u32 + 14)
        .any(|x| changed(&source, &ids, x, (y0 - 8.0).max(2.0) as u32, 2));
    assert!(above, "the id plate is above the box");
}

#[test]
fn paths_heat_and_the_statistics_panel_draw_where_they_should() {
    let r = results();
    let n = r.frames.last().unwrap().frame_number;
    let person = r
        .people_at(n, 0)
        .first()
        .expect("someone at the end")
        .person
        .clone();
    let (h, w, _) = r.frames.last().unwrap().frame_shape;
    let g = vision::footfall::ground_point(&person, w, h, 0.3);
    let (gx, gy) = ((g[0] * w as f32) as u32, (g[1] * h as f32) as u32);
    // the path ends at the person's feet; the top of the room, where nobody walks, is untouched
    let (source, path) = drawn(only(Layer::Trajectory), n);
    assert!(
        changed(&source, &path, gx, gy, 3),
        "the path ends at the feet ({gx}, {gy})"
    );
    assert!(!changed(&source, &path, w / 2, 10, 5));
    let (source, heat) = drawn(only(Layer::Heatmap), n);
    assert!(
        changed(&source, &heat, gx, gy, 4),
        "heat where the person stood"
    );
    assert!(
        !changed(&source, &heat, 10, 10, 5),
        "no heat where nobody stood"
    );
    // the statistics panel sits in a top corner
    let (source, stats) = drawn(only(Layer::Statistics), n);
    assert!(
        changed(&source, &stats, 12, 12, 4) || changed(&source, &stats, w - 12, 12, 4),
        "the panel is drawn in a top corner"
    );
    assert!(!changed(&source, &stats, w / 2, h - 10, 5));
}

#[test]
fn the_timeline_playhead_moves_frame_by_frame() {
    let playhead = |n: u64| -> u32 {
        let (source, drawn) = drawn(only(Layer::Timeline), n);
        let (w, h) = source.dimensions();
        // the brightest column of the strip's bottom rows is the playhead
        (0..w)
            .max_by_key(|&x| {
                (h - 6..h - 1)
                    .map(|y| {
                        drawn
                            .get_pixel(x, y)
                            .0
                            .iter()
                            .map(|&v| u32::from(v))
                            .sum::<u32>()
                    })
                    .sum::<u32>()
            })
            .unwrap()
    };
    let xs: Vec<u32> = [10, 11, 60, 120].into_iter().map(playhead).collect();
    assert!(
        xs.windows(2).all(|w| w[1] > w[0]),
        "playhead positions {xs:?}"
    );
    // the fall event is a coloured span in the fall lane
    let (source, drawn) = drawn(only(Layer::Timeline), 10);
    let (w, h) = source.dimensions();
    let red = (0..w)
        .flat_map(|x| (h * 4 / 5..h).map(move |y| (x, y)))
        .filter(|&(x, y)| {
            let p = drawn.get_pixel(x, y).0;
            p[0] > 180 && p[1] < 110 && p[2] < 100
        })
        .count();
    assert!(red > 50, "{red} red pixels: the fall span is drawn");
}

#[test]
fn styles_differ_from_each_other() {
    let n = person_frame();
    let renders: Vec<RgbImage> = StyleName::ALL
        .into_iter()
        .map(|s| drawn(config(Mode::Full, s, &[], &[Layer::Anonymize]), n).1)
        .collect();
    for i in 0..renders.len() {
        for j in i + 1..renders.len() {
            let differ = renders[i]
                .pixels()
                .zip(renders[j].pixels())
                .filter(|(p, q)| p.0.iter().zip(q.0).any(|(a, b)| a.abs_diff(b) > 30))
                .count();
            assert!(
                differ > 500,
                "{} and {} differ in only {differ} pixels",
                StyleName::ALL[i].as_str(),
                StyleName::ALL[j].as_str()
            );
        }
    }
}

#[test]
fn the_anonymize_layer_leaves_no_face_the_detector_finds() {
    let video = common::data("franck.mp4");
    let mut detector = vision::models::centerface::CenterFace::new(
        models::runtime(),
        &models::catalog(),
        Default::default(),
    )
    .unwrap();
    let finder = vision::render::faces::face_finder(models::runtime(), &models::catalog()).unwrap();
    let mut renderer = Renderer::new(
        config(Mode::SkeletonOnly, StyleName::Professional, &[], &[]),
        Results::default(),
        10.0,
    )
    .with_face_finder(finder);
    assert!(renderer.needs_face_finder());
    let mut checked = 0;
    for n in [0, 40, 80] {
        let (mut image, t) = frame(&video, n);
        let before = detector.detect(&image).unwrap();
        assert!(!before.is_empty(), "frame {n} of franck.mp4 shows a face");
        renderer.draw(&mut image, n, t).unwrap();
        let after = detector.detect(&image).unwrap();
        assert!(
            after.is_empty(),
            "frame {n}: faces left after blurring: {after:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn a_render_is_an_mp4_with_the_sound_and_a_poster_and_raw_equals_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let video = fall_clip();
    let (out, poster) = (
        dir.path().join("overlay.mp4"),
        dir.path().join("poster.png"),
    );
    let mut renderer = Renderer::new(
        config(
            Mode::Full,
            StyleName::Professional,
            &[],
            &[Layer::Anonymize],
        ),
        results().clone(),
        4.27,
    );
    let mut calls = 0;
    let done = render_video(
        &video,
        &out,
        &poster,
        &mut renderer,
        &RenderConfig::default(),
        |_| {
            calls += 1;
            true
        },
    )
    .unwrap();
    let (frames, duration, audio, w, h) = common::ffprobe(out.to_str().unwrap());
    assert_eq!((frames, w, h), (128, 640, 480));
    assert!(audio, "the source's sound is kept");
    assert!((duration - 4.27).abs() < 0.2, "{duration}");
    assert_eq!(calls, 128);
    // the poster is the fall's peak
    let peak = results().events[0].1.peak_time;
    assert!(
        (done.poster_secs - peak).abs() < 0.05,
        "{} vs {peak}",
        done.poster_secs
    );
    assert_eq!(
        image::open(&poster).unwrap().to_rgb8().dimensions(),
        (640, 480)
    );

    // raw: the source within codec noise (PSNR against the source's own decoded frames)
    let raw = dir.path().join("raw.mp4");
    let raw_config = config(Mode::Raw, StyleName::Professional, &[], &[]);
    let mut renderer = Renderer::new(raw_config.clone(), results().clone(), 4.27);
    render_video(&video, &raw, &poster, &mut renderer, &raw_config, |_| true).unwrap();
    let (a, b) = (
        VideoReader::open(&video).unwrap(),
        VideoReader::open(raw.to_str().unwrap()).unwrap(),
    );
    let (mut sum, mut n) = (0.0f64, 0u64);
    for (x, y) in a.zip(b) {
        let (x, y) = (x.unwrap().image, y.unwrap().image);
        for (p, q) in x.as_raw().iter().zip(y.as_raw()) {
            sum += (f64::from(*p) - f64::from(*q)).powi(2);
            n += 1;
        }
    }
    let psnr = 10.0 * (255.0f64.powi(2) / (sum / n as f64)).log10();
    assert!(
        psnr > 35.0,
        "raw render PSNR {psnr:.1} dB against the source"
    );
    // the full render is not the source
    let full = VideoReader::open(out.to_str().unwrap()).unwrap();
    let source = VideoReader::open(&video).unwrap();
    let differing = full
        .zip(source)
        .filter(|(x, y)| {
            let (x, y) = (&x.as_ref().unwrap().image, &y.as_ref().unwrap().image);
            x.as_raw()
                .iter()
                .zip(y.as_raw())
                .filter(|(p, q)| p.abs_diff(**q) > 40)
                .count()
                > 1000
        })
        .count();
    assert!(differing > 100, "only {differing} frames show the overlay");
}

#[test]
fn a_part_of_the_video_at_another_size_and_a_range_without_frames() {
    let dir = tempfile::tempdir().unwrap();
    let (out, poster) = (dir.path().join("part.mp4"), dir.path().join("poster.png"));
    let part = RenderConfig {
        from_secs: 1.0,
        to_secs: 2.0,
        width: 320,
        ..RenderConfig::default()
    };
    let mut renderer = Renderer::new(part.clone(), results().clone(), 4.27);
    let done = render_video(&fall_clip(), &out, &poster, &mut renderer, &part, |_| true).unwrap();
    let (frames, duration, audio, w, h) = common::ffprobe(out.to_str().unwrap());
    assert_eq!((w, h), (320, 240));
    assert!(
        (29..=32).contains(&frames),
        "{frames} frames for one second at 30 fps"
    );
    assert!(duration < 1.2, "{duration}");
    assert!(!audio, "a part has no sound");
    assert_eq!(done.frames, frames);

    let late = RenderConfig {
        from_secs: 30.0,
        ..RenderConfig::default()
    };
    let mut renderer = Renderer::new(late.clone(), results().clone(), 4.27);
    let err = render_video(&fall_clip(), &out, &poster, &mut renderer, &late, |_| true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("holds no frame"), "{err}");
}

#[test]
fn canceling_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let (out, poster) = (dir.path().join("x.mp4"), dir.path().join("poster.png"));
    let mut renderer = Renderer::new(RenderConfig::default(), results().clone(), 4.27);
    let err = render_video(
        &fall_clip(),
        &out,
        &poster,
        &mut renderer,
        &RenderConfig::default(),
        |p| p.frames_done < 20,
    )
    .unwrap_err();
    assert!(
        matches!(err, vision::render::video::VideoError::Canceled),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
