//! The visualize job through the API and a real worker: an analyze job's results on a real fall
//! clip become an overlay MP4 and a poster; an anonymize job's mask log can blur the faces;
//! bad parameters and unusable source jobs are refused naming the field, and a source job
//! without tracks fails the job with a message naming it.

mod common;

use std::time::Duration;

use common::platform::{Client, Platform, shared};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

async fn start(
    client: &Client,
    project: Uuid,
    kind: &str,
    video: Uuid,
    params: Value,
) -> (StatusCode, Value) {
    client
        .post(
            "/api/jobs",
            &json!({"project_id": project, "kind": kind, "video_ids": [video], "params": params}),
        )
        .await
}

async fn ended(client: &Client, job: &Value) -> Value {
    let id: Uuid = job["id"].as_str().unwrap().parse().unwrap();
    client
        .wait_job(id, Duration::from_secs(300), "the job to end", |j| {
            matches!(
                j["status"].as_str(),
                Some("succeeded" | "failed" | "canceled")
            )
        })
        .await
}

async fn download(client: &Client, artifact: &Value) -> Vec<u8> {
    let r = client
        .request(
            reqwest::Method::GET,
            &format!(
                "/api/artifacts/{}/download",
                artifact["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_visualize_job_draws_an_analyze_jobs_results_into_a_video_and_a_poster() {
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let video = alice
        .upload_video(project, &shared("falls-gmdcsa24/Subject 1/Fall/13.mp4"))
        .await;
    let (s, analyze) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"pose_input_size": 256}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{analyze}");
    let (s, stage1) = start(
        &alice,
        project,
        "annotate",
        video,
        json!({"to_stage": 1, "pose_input_size": 256}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{stage1}");

    // refused before anything runs, naming the field
    let id = analyze["id"].clone();
    for (params, field, words) in [
        (
            json!({}),
            "params.source_job",
            "choose the annotate or analyze job",
        ),
        (
            json!({"source_job": id, "mode": "neon"}),
            "params.mode",
            "unknown variant",
        ),
        (
            json!({"source_job": id, "from_secs": 3, "to_secs": 2}),
            "params.to_secs",
            "after from_secs",
        ),
        (
            json!({"source_job": id, "width": 10}),
            "params.width",
            "64–7680",
        ),
        (
            json!({"source_job": id, "layers_on": ["sparkles"]}),
            "params.layers_on[0]",
            "unknown variant",
        ),
        (
            json!({"source_job": id}),
            "params.source_job",
            "has not succeeded",
        ),
    ] {
        let (s, e) = start(&alice, project, "visualize", video, params.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{params}: {e}");
        assert_eq!(e["field"], field, "{params}: {e}");
        assert!(
            e["error"].as_str().unwrap().contains(words),
            "{params}: {e}"
        );
    }
    let done = ended(&alice, &analyze).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (s, anonymize) = start(&alice, project, "anonymize", video, json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    for (params, field, words) in [
        (
            json!({"source_job": anonymize["id"]}),
            "params.source_job",
            "not annotate or analyze",
        ),
        (
            json!({"source_job": id, "masks_job": id}),
            "params.masks_job",
            "not anonymize",
        ),
    ] {
        let (s, e) = start(&alice, project, "visualize", video, params.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{params}: {e}");
        assert_eq!(e["field"], field, "{params}: {e}");
        assert!(
            e["error"].as_str().unwrap().contains(words),
            "{params}: {e}"
        );
    }
    // a preview of one frame before rendering the whole video
    let preview = |who: &Client, query: String| {
        let r = who.request(
            reqwest::Method::GET,
            &format!("/api/jobs/{}/overlay-preview?{query}", id.as_str().unwrap()),
        );
        async move { r.send().await.unwrap() }
    };
    let r = preview(&alice, format!("video={video}&style=debug&secs=1.2")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    let frame = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((frame.width(), frame.height()), (640, 480));
    let raw = image::load_from_memory(
        &preview(&alice, "mode=raw&secs=1.2".into())
            .await
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap()
    .to_rgb8();
    let drawn = frame
        .to_rgb8()
        .pixels()
        .zip(raw.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).any(|(p, q)| p.abs_diff(q) > 40))
        .count();
    assert!(
        drawn > 2_000,
        "the debug preview draws on the frame: {drawn} pixels"
    );
    let r = preview(&alice, "mode=neon".into()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "mode");

    // another project's job is no job at all
    let (bob, other) = p.member(&admin, "bob@example.org", "uploader", None).await;
    let bobs = bob
        .upload_video(other, &shared("falls-gmdcsa24/Subject 1/Fall/13.mp4"))
        .await;
    let (s, e) = start(&bob, other, "visualize", bobs, json!({"source_job": id})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["field"], "params.source_job", "{e}");
    let r = preview(&bob, String::new()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // the overlay, faces found while rendering
    let (s, job) = start(
        &alice,
        project,
        "visualize",
        video,
        json!({"source_job": id, "style": "debug"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let done = ended(&alice, &job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (_, artifacts) = alice
        .get(&format!(
            "/api/jobs/{}/artifacts",
            job["id"].as_str().unwrap()
        ))
        .await;
    let of = |kind: &str| {
        artifacts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} artifact: {artifacts}"))
            .clone()
    };
    let (overlay, poster) = (of("video"), of("poster"));
    assert_eq!(overlay["content_type"], "video/mp4", "{overlay}");
    assert_eq!(poster["content_type"], "image/png", "{poster}");
    assert_eq!(overlay["video_id"], json!(video));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overlay.mp4");
    std::fs::write(&file, download(&alice, &overlay).await).unwrap();
    let mut reader = vision::media::VideoReader::open(file.to_str().unwrap()).unwrap();
    assert_eq!((reader.info().width, reader.info().height), (640, 480));
    assert!(reader.info().has_audio, "the sound is kept");
    let mut frames = 0;
    while reader.next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 128);
    let picture = image::load_from_memory(&download(&alice, &poster).await).unwrap();
    assert_eq!(picture.width(), 640);

    // with the anonymize job's mask log
    assert_eq!(ended(&alice, &anonymize).await["status"], "succeeded");
    let (s, job) = start(
        &alice,
        project,
        "visualize",
        video,
        json!({"source_job": id, "masks_job": anonymize["id"], "mode": "minimal", "width": 320}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    assert_eq!(ended(&alice, &job).await["status"], "succeeded");

    // an annotate job that stopped before tracking: the job fails, naming it
    assert_eq!(ended(&alice, &stage1).await["status"], "succeeded");
    let (s, job) = start(
        &alice,
        project,
        "visualize",
        video,
        json!({"source_job": stage1["id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let failed = ended(&alice, &job).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(stage1["id"].as_str().unwrap())
            && error.contains("has no tracks for 13.mp4"),
        "{failed}"
    );
}
