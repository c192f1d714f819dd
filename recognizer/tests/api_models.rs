//! The model registry through the API: an uploaded skeleton classifier is checked against its
//! contract before it is kept (not ONNX, a disagreeing input or class list → 422 naming the
//! field and what disagrees), listed per project, picked by an analyze job (its score shows in
//! the event's explanation), refused for the wrong service, and deleted with its file.

mod common;

use std::time::Duration;

use common::platform::{Platform, shared};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn fall_contract() -> Value {
    json!({"layout": "NMTVC", "channels": 3, "frames": 30, "persons": 1,
        "normalization": "image_centered", "classes": ["other", "fall"], "event_class": "fall"})
}

#[tokio::test]
async fn models_are_checked_at_upload_picked_by_analyze_jobs_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    common::make_models(dir.path());
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let (rita, _) = p
        .member(&admin, "rita@example.org", "reviewer", Some(project))
        .await;
    let (bob, _) = p.member(&admin, "bob@example.org", "uploader", None).await;

    // refused, each saying what is wrong, nothing kept
    let cases: Vec<(&str, &str, Value, Vec<u8>, &str, &str)> = vec![
        (
            "notes",
            "fall",
            fall_contract(),
            b"not weights at all".to_vec(),
            "file",
            "not an ONNX model",
        ),
        (
            "rank4",
            "fall",
            fall_contract(),
            read("probe_rank4.onnx"),
            "contract",
            "rank 4",
        ),
        (
            "frames",
            "fall",
            fall_contract(),
            read("probe_nmtvc.onnx"),
            "contract",
            "is 2 where the contract says 1",
        ),
        (
            "classes",
            "fall",
            json!({"layout": "NMTVC", "channels": 3, "frames": 8, "persons": 2,
            "normalization": "image", "classes": ["a", "b"], "event_class": "b"}),
            read("probe_nmtvc.onnx"),
            "contract",
            "5 values",
        ),
        (
            "layout",
            "fall",
            json!({"layout": "NMTCV"}),
            read("constant_fall.onnx"),
            "contract",
            "NMTCV",
        ),
        (
            "service",
            "theft",
            fall_contract(),
            read("constant_fall.onnx"),
            "service",
            "theft",
        ),
        (
            "empty",
            "fall",
            fall_contract(),
            Vec::new(),
            "file",
            "empty",
        ),
        (
            "",
            "fall",
            fall_contract(),
            read("constant_fall.onnx"),
            "name",
            "name",
        ),
    ];
    for (name, service, contract, file, field, words) in cases {
        let (s, e) = alice
            .upload_model(project, name, service, &contract, file)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {e}");
        assert_eq!(e["field"], field, "{name}: {e}");
        assert!(e["error"].as_str().unwrap().contains(words), "{name}: {e}");
        assert!(
            !e["error"].as_str().unwrap().contains("/tmp"),
            "no server paths: {e}"
        );
    }
    let (s, list) = alice.get(&format!("/api/projects/{project}/models")).await;
    assert_eq!((s, list), (StatusCode::OK, json!([])));
    assert!(
        p.storage
            .list(&format!("models/{project}/"))
            .await
            .unwrap()
            .is_empty()
    );

    // reviewers may not add models; outsiders do not see the project's
    let (s, _) = rita
        .upload_model(
            project,
            "m",
            "fall",
            &fall_contract(),
            read("constant_fall.onnx"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // accepted
    let (s, model) = alice
        .upload_model(
            project,
            "always fall",
            "fall",
            &fall_contract(),
            read("constant_fall.onnx"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{model}");
    assert_eq!(model["service"], "fall");
    assert_eq!(model["contract"]["event_class"], "fall");
    let (s, e) = alice
        .upload_model(
            project,
            "always fall",
            "fall",
            &fall_contract(),
            read("constant_fall.onnx"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, list) = rita.get(&format!("/api/projects/{project}/models")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (s, _) = bob.get(&format!("/api/projects/{project}/models")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let model_id = model["id"].as_str().unwrap();
    let (s, _) = bob.delete(&format!("/api/models/{model_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // an analyze job with it: the classifier's answer is part of the fused score and the "why"
    let video = alice
        .upload_video(project, &shared("falls-gmdcsa24/Subject 1/Fall/13.mp4"))
        .await;
    let job = |params: Value| json!({"project_id": project, "kind": "analyze", "video_ids": [video], "params": params});
    let (s, e) = alice
        .post("/api/jobs", &job(json!({"fight_model": model_id})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "params.fight_model", "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("classifies fall, not fight"),
        "{e}"
    );
    let (s, e) = alice
        .post(
            "/api/jobs",
            &job(json!({"fall_model": uuid::Uuid::new_v4()})),
        )
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("params.fall_model")),
        "{e}"
    );
    let (s, created) = alice
        .post(
            "/api/jobs",
            &job(json!({"fall_model": model_id, "events": {"services": ["fall"]}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().parse().unwrap();
    let done = alice
        .wait_job(id, Duration::from_secs(300), "the analyze job", |j| {
            matches!(j["status"].as_str(), Some("succeeded" | "failed"))
        })
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (_, events) = alice.get(&format!("/api/events?job={id}")).await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let why = &events[0]["explanation"]["components_at_peak"];
    assert!(
        (why["classifier"].as_f64().unwrap() - 0.9).abs() < 1e-6,
        "{why}"
    );
    assert!(why["height_ratio"].is_number(), "{why}");

    // deleted with its file
    let (s, _) = rita.delete(&format!("/api/models/{model_id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = alice.delete(&format!("/api/models/{model_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = alice.get(&format!("/api/projects/{project}/models")).await;
    assert_eq!(list, json!([]));
    assert!(
        p.storage
            .list(&format!("models/{project}/"))
            .await
            .unwrap()
            .is_empty()
    );
}
