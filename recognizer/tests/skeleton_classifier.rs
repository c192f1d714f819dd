//! A user's skeleton classifier gets exactly the window its contract declares: ONNX models built
//! by the `onnx` package (tests/python/make_models.py) return chosen elements of their input, and
//! each must equal the keypoint, channel, person, frame and normalisation the test computes by
//! hand — for MMAction2's `[N, M, T, V, C]` and PaddleVideo's `[N, C, T, V, M]`. A model that is
//! not ONNX, or disagrees with its contract, is refused with what disagrees.

mod common;

use serde_json::{Value, json};
use vision::models::skeleton::{ClassifierContract, ClassifierError, SkeletonClassifier};
use vision::pose::Person;
use vision::{Runtime, RuntimeConfig};

const FRAME: (u32, u32) = (640, 480);

/// Person `m` of frame `f`: every coordinate a different, known number.
fn person(track: u64, f: usize, m: usize) -> Person {
    let (f, m) = (f as f32, m as f32);
    let mut keypoints = [[0.0f32; 3]; 17];
    for (v, k) in keypoints.iter_mut().enumerate() {
        let v = v as f32;
        *k = [
            100.0 + 10.0 * f + 3.0 * v + 200.0 * m,
            50.0 + 5.0 * f + 2.0 * v + 100.0 * m,
            0.5 + 0.01 * v + 0.001 * f,
        ];
    }
    let (x0, y0) = (80.0 + 10.0 * f + 200.0 * m, 40.0 + 5.0 * f + 100.0 * m);
    Person {
        keypoints,
        bbox: [x0, y0, x0 + 120.0, y0 + 240.0],
        confidence: 0.9,
        track_id: Some(track),
    }
}

/// What the model must read for keypoint `v`, channel `c` of `p`, by the definitions.
fn expected(normalization: &str, p: &Person, v: usize, c: usize) -> f32 {
    let [x, y, s] = p.keypoints[v];
    let (w, h) = (FRAME.0 as f32, FRAME.1 as f32);
    let b = p.bbox;
    let (x, y) = match normalization {
        "image_centered" => ((x - w / 2.0) / (w / 2.0), (y - h / 2.0) / (h / 2.0)),
        "image" => (x / w, y / h),
        "box" => ((x - b[0]) / (b[2] - b[0]), (y - b[1]) / (b[3] - b[1])),
        "pixels" => (x, y),
        other => panic!("{other}"),
    };
    [x, y, s][c]
}

fn contract(value: Value) -> ClassifierContract {
    serde_json::from_value(value).unwrap()
}

fn runtime() -> &'static Runtime {
    Runtime::load(&RuntimeConfig::default()).expect("ONNX Runtime (scripts/setup.sh installs it)")
}

/// Pushes frames `0..count` at 30 fps with tracks 1 and 2 (persons 0 and 1).
fn feed(c: &mut SkeletonClassifier, count: usize) {
    for f in 0..count {
        c.push(f as f64 / 30.0, FRAME, &[person(1, f, 0), person(2, f, 1)]);
    }
}

fn assert_close(got: f32, want: f32, what: &str) {
    assert!(
        (got - want).abs() < 1e-4,
        "{what}: model read {got}, expected {want}"
    );
}

#[test]
fn every_layout_and_normalization_reaches_the_model_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let probes = common::make_models(dir.path());
    let rt = runtime();

    // MMAction2: [N, M, T, V, C], x y score, PreNormalize2D; the last 8 of 12 frames
    let p = &probes["nmtvc"];
    let names = json!(["a", "b", "c", "d", "e"]);
    let mut c = SkeletonClassifier::load(
        rt,
        &dir.path().join("probe_nmtvc.onnx"),
        contract(
            json!({"layout": "NMTVC", "channels": 3, "frames": 8, "persons": 2,
            "normalization": "image_centered", "classes": names, "event_class": "a"}),
        ),
    )
    .unwrap();
    feed(&mut c, 12);
    for (subject, tracks) in [([1u64, 2], [1u64, 2]), ([2, 1], [2, 1])] {
        let out = c.scores(c.window(&subject)).unwrap();
        for (i, point) in p["points"].as_array().unwrap().iter().enumerate() {
            let ix: Vec<usize> = serde_json::from_value(point.clone()).unwrap();
            let (m, t, v, ch) = (ix[1], ix[2], ix[3], ix[4]);
            let frame = 12 - 8 + t;
            let who = person(tracks[m], frame, (tracks[m] - 1) as usize);
            assert_close(
                out[i],
                expected("image_centered", &who, v, ch),
                &format!("NMTVC subject {subject:?} m={m} t={t} v={v} c={ch}"),
            );
        }
    }

    // a person seen for 5 frames: the window starts with the first frame repeated
    let mut short = SkeletonClassifier::load(
        rt,
        &dir.path().join("probe_nmtvc.onnx"),
        contract(
            json!({"layout": "NMTVC", "channels": 3, "frames": 8, "persons": 2,
            "normalization": "pixels", "classes": names, "event_class": "a"}),
        ),
    )
    .unwrap();
    feed(&mut short, 5);
    assert!(
        short.has_history(&[1, 2]),
        "5 of 8 frames is enough history"
    );
    let out = short.scores(short.window(&[1, 2])).unwrap();
    for (i, point) in p["points"].as_array().unwrap().iter().enumerate() {
        let ix: Vec<usize> = serde_json::from_value(point.clone()).unwrap();
        let (m, t, v, ch) = (ix[1], ix[2], ix[3], ix[4]);
        let frame = t.saturating_sub(3);
        assert_close(
            out[i],
            expected("pixels", &person(m as u64 + 1, frame, m), v, ch),
            &format!("padded window m={m} t={t} v={v} c={ch}"),
        );
    }

    // PaddleVideo / PP-Human: [N, C, T, V, M], x y, relative to the box, sampled at 15 fps from 30
    let p = &probes["nctvm"];
    let mut c = SkeletonClassifier::load(
        rt,
        &dir.path().join("probe_nctvm.onnx"),
        contract(json!({"layout": "NCTVM", "channels": 2, "frames": 8, "persons": 1,
            "normalization": "box", "classes": ["w", "x", "y", "z"], "event_class": "z", "fps": 15.0})),
    )
    .unwrap();
    feed(&mut c, 20);
    let out = c.scores(c.window(&[1])).unwrap();
    for (i, point) in p["points"].as_array().unwrap().iter().enumerate() {
        let ix: Vec<usize> = serde_json::from_value(point.clone()).unwrap();
        let (ch, t, v) = (ix[1], ix[2], ix[3]);
        let frame = 19 - 2 * (7 - t);
        assert_close(
            out[i],
            expected("box", &person(1, frame, 0), v, ch),
            &format!("NCTVM c={ch} t={t} v={v}"),
        );
    }
    // the event class's probability is the model's output at that class
    assert_close(c.event_probability(&[1]).unwrap(), out[3], "event_class z");
}

#[test]
fn a_model_that_is_not_onnx_or_disagrees_with_its_contract_is_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    common::make_models(dir.path());
    let rt = runtime();
    let good = json!({"layout": "NMTVC", "channels": 3, "frames": 8, "persons": 2,
        "normalization": "image_centered", "classes": ["a", "b", "c", "d", "e"], "event_class": "a"});
    let load = |file: &str, c: Value| {
        SkeletonClassifier::load(rt, &dir.path().join(file), contract(c))
            .err()
            .expect("refused")
    };

    let text = dir.path().join("notes.onnx");
    std::fs::write(&text, b"these are not weights").unwrap();
    let e = load("notes.onnx", good.clone());
    assert!(matches!(e, ClassifierError::NotOnnx(_)), "{e}");
    assert!(
        !e.to_string().contains(dir.path().to_str().unwrap()),
        "no server paths: {e}"
    );

    let e = load("probe_rank4.onnx", good.clone());
    assert!(matches!(e, ClassifierError::Disagrees(_)), "{e}");
    assert!(e.to_string().contains("rank 4"), "{e}");

    let mut frames = good.clone();
    frames["frames"] = json!(16);
    let e = load("probe_nmtvc.onnx", frames);
    assert!(
        e.to_string().contains("T (frames) is 8") && e.to_string().contains("16"),
        "{e}"
    );

    let mut layout = good.clone();
    layout["layout"] = json!("NCTVM");
    let e = load("probe_nmtvc.onnx", layout);
    assert!(e.to_string().contains("C (channels) is 2"), "{e}");

    let mut classes = good.clone();
    classes["classes"] = json!(["a", "b", "c"]);
    let e = load("probe_nmtvc.onnx", classes);
    assert!(
        e.to_string().contains("5 values") && e.to_string().contains("3 classes"),
        "{e}"
    );

    let mut event = good;
    event["event_class"] = json!("theft");
    let e = load("probe_nmtvc.onnx", event);
    assert!(
        matches!(e, ClassifierError::Contract(_)) && e.to_string().contains("theft"),
        "{e}"
    );
}
