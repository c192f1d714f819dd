//! The annotate job end to end through the API (real server, worker, Postgres and S3): two real
//! videos become one MMAction2 / PYSKL dataset that Python's pickle and pycocotools load; Stage 3
//! re-run alone from the stored Stage 2 gives the same bytes; a corrupt Stage 2 is named.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::platform::{Client, Platform, data};
use common::python;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;
use uuid::Uuid;
use vision::annotate::{self, AnnotateConfig, VideoTracks};

async fn start(client: &Client, project: Uuid, videos: &[Uuid], params: Value) -> Uuid {
    let (s, job) = client
        .post("/api/jobs", &json!({"project_id": project, "kind": "annotate", "video_ids": videos, "params": params}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    job["id"].as_str().unwrap().parse().unwrap()
}

async fn finished(client: &Client, job: Uuid) -> Value {
    client
        .wait_job(job, Duration::from_secs(600), "the annotate job", |j| {
            j["status"] == "succeeded" || j["status"] == "failed"
        })
        .await
}

/// artifact file name (video/name or dataset/name) → (id, sha256)
async fn artifacts(client: &Client, job: Uuid) -> Vec<Value> {
    let (s, list) = client.get(&format!("/api/jobs/{job}/artifacts")).await;
    assert_eq!(s, StatusCode::OK);
    list.as_array().unwrap().clone()
}

async fn fetch(client: &Client, artifact: &Value, to: &Path) -> PathBuf {
    let id = artifact["id"].as_str().unwrap();
    let bytes = client
        .request(
            reqwest::Method::GET,
            &format!("/api/artifacts/{id}/download"),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        artifact["sha256"].as_str().unwrap()
    );
    let path = to.join(format!(
        "{}-{}",
        artifact["video_id"].as_str().unwrap_or("dataset"),
        artifact["filename"].as_str().unwrap()
    ));
    std::fs::write(&path, &bytes).unwrap();
    path
}

fn find<'a>(list: &'a [Value], video: Option<Uuid>, name: &str) -> &'a Value {
    list.iter()
        .find(|a| {
            a["filename"] == name
                && a["video_id"] == video.map_or(Value::Null, |v| json!(v.to_string()))
        })
        .unwrap_or_else(|| panic!("no artifact {name} for {video:?} in {list:#?}"))
}

/// A Python with numpy and pycocotools, made once in the tools cache (PyPI only).

#[tokio::test]
async fn two_videos_become_a_dataset_python_loads_and_stage_3_reruns_identically() {
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let vtest = alice.upload_video(pa, &data("vtest.avi")).await;
    let bikes = alice.upload_video(pa, &data("bikes.mp4")).await;
    // 384 px pose input keeps CI short; labels: one default, one per-video rule
    let params = json!({
        "pose_input_size": 384, "label": "walk",
        "labels": [{"video": "bikes.mp4", "label": "ride"}],
    });
    let job = start(&alice, pa, &[vtest, bikes], params.clone()).await;
    let done = finished(&alice, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["frames_done"], done["frames_total"]);

    let list = artifacts(&alice, job).await;
    for video in [vtest, bikes] {
        for name in ["poses.jsonl", "tracks.jsonl", "tracks.mot.txt", "coco.json"] {
            find(&list, Some(video), name);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let pkl = fetch(&alice, find(&list, None, "dataset.pkl"), dir.path()).await;
    let classes: Value = serde_json::from_slice(
        &std::fs::read(fetch(&alice, find(&list, None, "classes.json"), dir.path()).await).unwrap(),
    )
    .unwrap();
    assert_eq!(classes, json!(["ride", "walk"]));

    // The Rust side, from the stored Stage 2 files: the same samples, the same bytes.
    let settings: AnnotateConfig = serde_json::from_value(done["params"].clone()).unwrap();
    let mut frames = Vec::new();
    let mut coco_counts = Vec::new();
    let mut cocos = Vec::new();
    for video in [vtest, bikes] {
        let tracks = fetch(&alice, find(&list, Some(video), "tracks.jsonl"), dir.path()).await;
        frames.push(annotate::stages::read_tracks(&tracks).unwrap());
        let coco = fetch(&alice, find(&list, Some(video), "coco.json"), dir.path()).await;
        let parsed: Value = serde_json::from_slice(&std::fs::read(&coco).unwrap()).unwrap();
        coco_counts.push(parsed["annotations"].as_array().unwrap().len());
        cocos.push(coco);
    }
    let ids = [vtest.to_string(), bikes.to_string()];
    let videos: Vec<VideoTracks> = ["vtest.avi", "bikes.mp4"]
        .iter()
        .zip(&ids)
        .zip(&frames)
        .map(|((name, id), frames)| VideoTracks { name, id, frames })
        .collect();
    let out = tempfile::tempdir().unwrap();
    let (samples, split, summary) =
        annotate::write_dataset(&videos, &settings, out.path()).unwrap();
    assert_eq!(
        std::fs::read(out.path().join("dataset.pkl")).unwrap(),
        std::fs::read(&pkl).unwrap()
    );
    assert!(summary.samples >= 10, "{summary:?}");
    assert_eq!(
        (split.train.is_empty(), split.val.is_empty()),
        (false, false),
        "one video each: {split:?}"
    );
    assert!(
        samples.iter().any(|s| s.label_name == "ride")
            && samples.iter().any(|s| s.label_name == "walk")
    );
    assert!(
        samples
            .iter()
            .all(|s| s.persons() <= 4 && s.total_frames == 100)
    );
    assert!(
        samples.iter().any(|s| s.persons() == 4),
        "vtest has windows with 4+ people"
    );

    let expected = json!({
        "split": { "train": split.train, "val": split.val },
        "coco_annotations": coco_counts,
        "samples": samples.iter().map(|s| {
            let (m, t) = (s.persons(), s.total_frames);
            // a spread of points, and the first non-zero one
            let mut kp_points = Vec::new();
            let mut score_points = Vec::new();
            for (mi, ti, v) in [(0, 0, 0), (m - 1, t / 2, 5), (0, t - 1, 16), (m / 2, t / 3, 11)] {
                let at = (mi * t + ti) * 17 + v;
                kp_points.push(json!([mi, ti, v, 0, s.keypoint[at * 2]]));
                kp_points.push(json!([mi, ti, v, 1, s.keypoint[at * 2 + 1]]));
                score_points.push(json!([mi, ti, v, s.keypoint_score[at]]));
            }
            if let Some(at) = s.keypoint_score.iter().position(|&c| c > 0.0) {
                let (mi, rest) = (at / (t * 17), at % (t * 17));
                kp_points.push(json!([mi, rest / 17, rest % 17, 0, s.keypoint[at * 2]]));
            }
            json!({
                "frame_dir": s.frame_dir, "label": s.label, "img_shape": [s.img_shape.0, s.img_shape.1],
                "total_frames": t, "persons": m, "keypoint_points": kp_points, "score_points": score_points,
                "keypoint_sum": s.keypoint.iter().map(|&v| v as f64).sum::<f64>(),
                "score_sum": s.keypoint_score.iter().map(|&v| v as f64).sum::<f64>(),
            })
        }).collect::<Vec<_>>(),
    });
    let expected_path = dir.path().join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_dataset.py");
    let output = Command::new(python())
        .arg(script)
        .arg(&pkl)
        .arg(&expected_path)
        .args(&cocos)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python check failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Stage 3 alone, from the stored Stage 2 artifacts: byte-identical tensors.
    let mut again = params.clone();
    again["from_stage"] = json!(3);
    again["source_job"] = json!(job.to_string());
    let rerun = start(&alice, pa, &[vtest, bikes], again.clone()).await;
    let j = finished(&alice, rerun).await;
    assert_eq!(j["status"], "succeeded", "{j}");
    let rerun_list = artifacts(&alice, rerun).await;
    assert_eq!(
        rerun_list.len(),
        3,
        "only the dataset files: {rerun_list:#?}"
    );
    assert_eq!(
        find(&rerun_list, None, "dataset.pkl")["sha256"],
        find(&list, None, "dataset.pkl")["sha256"]
    );

    // A corrupt Stage 2 artifact: the job fails and names the file.
    let key = format!("jobs/{job}/{vtest}/tracks.jsonl");
    p.storage
        .put(&key, b"{\"frame_number\": 0, \"persons\": [oops".to_vec())
        .await
        .unwrap();
    let broken = start(&alice, pa, &[vtest, bikes], again).await;
    let j = finished(&alice, broken).await;
    assert_eq!(j["status"], "failed", "{j}");
    let error = j["error"].as_str().unwrap();
    assert!(
        error.contains(&key) && error.contains("vtest.avi") && error.contains("line 1"),
        "{error}"
    );
    assert!(!error.contains("/tmp"), "no scratch paths: {error}");
}

#[tokio::test]
async fn annotate_parameters_are_checked_before_anything_runs() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let video = alice.upload_video(pa, &data("bikes.mp4")).await;
    for (params, field) in [
        (json!({}), "params.label"),
        (json!({"label": "walk", "window": 2}), "params.window"),
        (
            json!({"label": "walk", "from_stage": 3}),
            "params.source_job",
        ),
        (
            json!({"label": "walk", "from_stage": 3, "source_job": Uuid::new_v4().to_string()}),
            "params.source_job",
        ),
        (json!({"labels_csv": "bikes.mp4,ride,abc"}), "params.labels"),
        (
            json!({"label": "walk", "normalize": "pixels"}),
            "params.normalize",
        ),
    ] {
        let (s, e) = alice
            .post("/api/jobs", &json!({"project_id": pa, "kind": "annotate", "video_ids": [video], "params": params}))
            .await;
        // a source job that is not in this project is not found; the rest cannot be processed
        let status = if params.get("source_job").is_some() {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(
            (s, e["field"].as_str()),
            (status, Some(field)),
            "{params}: {e}"
        );
    }
    let (_, jobs) = alice.get("/api/jobs").await;
    assert_eq!(jobs, json!([]), "nothing was queued");
}
