//! Who may do what: sessions, CSRF, roles, and project isolation for every endpoint family
//! (projects, videos, uploads, jobs, artifacts, websocket events, admin). Plus bad inputs:
//! each gets a clear 4xx and the server keeps serving.

mod common;

use std::time::Duration;

use common::platform::{Platform, data};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn sessions_need_the_csrf_header_and_end_at_logout() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    // wrong password: 401 with words
    let r = reqwest::Client::new()
        .post(format!("{}/api/auth/login", p.base))
        .json(&json!({"email": common::platform::ADMIN_EMAIL, "password": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("wrong email or password"));
    // no session at all
    let r = reqwest::get(format!("{}/api/videos", p.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // the cookie alone does not allow a state-changing request
    let r = admin
        .http
        .post(format!("{}/api/projects", p.base))
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("x-csrf-token"));
    let (s, _) = admin.post("/api/projects", &json!({"name": "x"})).await;
    assert_eq!(s, StatusCode::CREATED);
    // API tokens: no cookie, no CSRF
    let (s, t) = admin
        .post("/api/auth/tokens", &json!({"name": "script"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let token = t["token"].as_str().unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/api/projects", p.base))
        .bearer_auth(token)
        .json(&json!({"name": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // the cookie is HttpOnly and SameSite
    let r = reqwest::Client::new().post(format!("{}/api/auth/login", p.base)).json(&json!({"email": common::platform::ADMIN_EMAIL, "password": common::platform::ADMIN_PASSWORD})).send().await.unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // logout ends the session
    let (s, _) = admin.post("/api/auth/logout", &json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = admin.get("/api/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// Two uploaders in two projects, and a reviewer in the first: nothing of project A reaches B.
#[tokio::test]
async fn projects_are_isolated_for_every_endpoint_family() {
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let (bob, pb) = p.member(&admin, "bob@example.org", "uploader", None).await;
    let (rita, _) = p
        .member(&admin, "rita@example.org", "reviewer", Some(pa))
        .await;

    // websocket clients before anything happens
    let mut bob_ws = bob.websocket().await;
    let mut alice_ws = alice.websocket().await;

    let video = alice.upload_video(pa, &data("cap13_edit2.mp4")).await;
    let job = alice
        .start_job(
            pa,
            video,
            json!({"filter": {"kind": "mosaic", "block": 12}}),
        )
        .await;
    let done = alice
        .wait_job(job, Duration::from_secs(120), "the job to finish", |j| {
            j["status"] == "succeeded" || j["status"] == "failed"
        })
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (_, artifacts) = alice.get(&format!("/api/jobs/{job}/artifacts")).await;
    let artifact = artifacts[0]["id"].as_str().unwrap().to_string();
    let (_, up) = alice
        .post(
            &format!("/api/projects/{pa}/uploads"),
            &json!({"filename": "later.mp4", "size": 10}),
        )
        .await;
    let upload = up["id"].as_str().unwrap().to_string();

    // projects
    let (s, list) = bob.get("/api/projects").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], pb.to_string());
    for path in [
        format!("/api/projects/{pa}"),
        format!("/api/projects/{pa}/members"),
    ] {
        assert_eq!(bob.get(&path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // videos
    let (_, vids) = bob.get("/api/videos").await;
    assert_eq!(vids, json!([]));
    let (_, vids) = bob.get(&format!("/api/videos?project={pa}")).await;
    assert_eq!(vids, json!([]));
    for path in [
        format!("/api/videos/{video}"),
        format!("/api/videos/{video}/file"),
        format!("/api/videos/{video}/poster"),
    ] {
        assert_eq!(bob.get(&path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        bob.delete(&format!("/api/videos/{video}")).await.0,
        StatusCode::NOT_FOUND
    );
    // uploads
    assert_eq!(
        bob.post(
            &format!("/api/projects/{pa}/uploads"),
            &json!({"filename": "a.mp4", "size": 5})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get(&format!("/api/uploads/{upload}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.patch_bytes(&format!("/api/uploads/{upload}"), 0, vec![0u8; 10])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // jobs
    let (_, jobs) = bob.get("/api/jobs").await;
    assert_eq!(jobs, json!([]));
    let (_, jobs) = bob.get(&format!("/api/jobs?project={pa}")).await;
    assert_eq!(jobs, json!([]));
    assert_eq!(
        bob.get(&format!("/api/jobs/{job}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&format!("/api/jobs/{job}/cancel"), &json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.post(&format!("/api/jobs/{job}/retry"), &json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (s, e) = bob
        .post(
            "/api/jobs",
            &json!({"project_id": pb, "kind": "anonymize", "video_ids": [video]}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bob cannot run a job on alice's video: {e}"
    );
    assert_eq!(
        bob.post(
            "/api/jobs",
            &json!({"project_id": pa, "kind": "anonymize", "video_ids": [video]})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // artifacts
    assert_eq!(
        bob.get(&format!("/api/jobs/{job}/artifacts")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get(&format!("/api/artifacts/{artifact}/download"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // admin
    for path in ["/api/users", "/api/admin/queue"] {
        assert_eq!(bob.get(path).await.0, StatusCode::FORBIDDEN, "{path}");
    }

    // websocket events: alice saw her job's progress; bob saw nothing of it
    let alice_events = drain(&mut alice_ws).await;
    let bob_events = drain(&mut bob_ws).await;
    assert!(
        alice_events.iter().any(|e| e["type"] == "job"
            && e["job"]["id"] == job.to_string()
            && e["job"]["status"] == "succeeded"),
        "{alice_events:?}"
    );
    assert!(
        alice_events
            .iter()
            .any(|e| e["type"] == "video" && e["video"]["id"] == video.to_string())
    );
    assert_eq!(
        bob_events.len(),
        1,
        "bob gets his (empty) snapshot and nothing else: {bob_events:?}"
    );
    assert_eq!(bob_events[0], json!({"type": "snapshot", "jobs": []}));
    // a reconnecting client gets the current state first
    let mut again = alice.websocket().await;
    let first = next_json(&mut again).await;
    assert_eq!(first["type"], "snapshot");
    assert!(
        first["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"] == job.to_string() && j["status"] == "succeeded")
    );

    // the reviewer in A may watch and download, not upload or start jobs
    assert_eq!(
        rita.get(&format!("/api/videos/{video}")).await.0,
        StatusCode::OK
    );
    let r = rita
        .request(Method::GET, &format!("/api/artifacts/{artifact}/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, e) = rita
        .post(
            &format!("/api/projects/{pa}/uploads"),
            &json!({"filename": "a.mp4", "size": 5}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, _) = rita
        .post(
            "/api/jobs",
            &json!({"project_id": pa, "kind": "anonymize", "video_ids": [video]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        rita.delete(&format!("/api/videos/{video}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(rita.get("/api/users").await.0, StatusCode::FORBIDDEN);

    // deleting removes the objects too
    let (s, _) = alice.delete(&format!("/api/videos/{video}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        p.storage.list(&format!("videos/{video}")).await.unwrap(),
        Vec::<String>::new()
    );
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Value {
    let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("a message")
        .unwrap()
        .unwrap();
    serde_json::from_str(msg.to_text().unwrap()).unwrap()
}

/// Everything that arrives until the socket is quiet for a second.
async fn drain(ws: &mut Ws) -> Vec<Value> {
    let mut out = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(1), ws.next()).await {
        if let Ok(text) = msg.to_text() {
            out.push(serde_json::from_str(text).unwrap());
        }
    }
    out
}

#[tokio::test]
async fn bad_inputs_get_clear_errors_and_the_server_keeps_serving() {
    let p = Platform::start_with(5_000_000).await;
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let work = tempfile::tempdir().unwrap();

    // not a video
    let (s, e) = alice
        .upload(
            pa,
            "notes.mp4",
            b"these are not moving pictures\n".repeat(100),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("notes.mp4 is not a video"),
        "{e}"
    );
    // zero bytes
    let (s, e) = alice
        .post(
            &format!("/api/projects/{pa}/uploads"),
            &json!({"filename": "empty.mp4", "size": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "size");
    // truncated MP4 (an ordinary camera file: index at the end, cut in half)
    let clip = work.path().join("cam.mp4");
    assert!(
        std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(data("cap13_edit2.mp4"))
            .args(["-t", "4", "-c", "copy"])
            .arg(&clip)
            .status()
            .unwrap()
            .success()
    );
    let bytes = std::fs::read(&clip).unwrap();
    let (s, e) = alice
        .upload(pa, "cut.mp4", bytes[..bytes.len() / 2].to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .starts_with("cut.mp4 is not a video FFmpeg can read"),
        "{e}"
    );
    assert!(
        !e["error"].as_str().unwrap().contains("/tmp"),
        "no server paths in messages: {e}"
    );
    // over the size limit
    let (s, e) = alice
        .post(
            &format!("/api/projects/{pa}/uploads"),
            &json!({"filename": "big.mp4", "size": 6_000_000}),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("server.max_upload_bytes"),
        "{e}"
    );
    // more bytes than announced
    let (_, up) = alice
        .post(
            &format!("/api/projects/{pa}/uploads"),
            &json!({"filename": "small.mp4", "size": 10}),
        )
        .await;
    let (s, _) = alice
        .patch_bytes(
            &format!("/api/uploads/{}", up["id"].as_str().unwrap()),
            0,
            vec![1u8; 20],
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    // a wrong offset
    let (s, e) = alice
        .patch_bytes(
            &format!("/api/uploads/{}", up["id"].as_str().unwrap()),
            5,
            vec![1u8; 2],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        e["error"].as_str().unwrap().contains("send from offset"),
        "{e}"
    );
    // path-traversal-looking names
    for name in ["../../etc/passwd", "a/b.mp4", "..\\x.mp4"] {
        let (s, e) = alice
            .post(
                &format!("/api/projects/{pa}/uploads"),
                &json!({"filename": name, "size": 10}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {e}");
        assert_eq!(e["field"], "filename");
    }
    // invalid job parameters, named
    let video = alice.upload_video(pa, &clip).await;
    for (params, needle, field) in [
        (
            json!({"colour": 1}),
            "unknown field `colour`",
            "params.colour",
        ),
        (
            json!({"mask_scale": 9.0}),
            "mask_scale",
            "params.mask_scale",
        ),
        (json!({"mode": "ears"}), "mode", "params.mode"),
        (
            json!({"filter": {"kind": "blur", "strength": 5}}),
            "filter.strength",
            "params.filter.strength",
        ),
    ] {
        let (s, e) = alice.post("/api/jobs", &json!({"project_id": pa, "kind": "anonymize", "video_ids": [video], "params": params})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], field, "{e}");
        assert!(
            e["error"].as_str().unwrap().contains(needle),
            "{needle}: {e}"
        );
    }
    let (s, e) = alice
        .post(
            "/api/jobs",
            &json!({"project_id": pa, "kind": "anonymize", "video_ids": []}),
        )
        .await;
    assert_eq!(
        (s, e["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("video_ids"))
    );
    let (s, e) = alice
        .post(
            "/api/jobs",
            &json!({"project_id": pa, "kind": "anonymize", "video_ids": [video], "extra": true}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    // a kind that needs another job's results says which, before anything runs
    let (s, e) = alice
        .post(
            "/api/jobs",
            &json!({"project_id": pa, "kind": "visualize", "video_ids": [video]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "params.source_job", "{e}");
    // nothing was stored for the rejected files; the good one is there
    let (_, vids) = alice.get("/api/videos").await;
    assert_eq!(vids.as_array().unwrap().len(), 1, "{vids}");
    // and the server still serves
    let r = reqwest::get(format!("{}/api/openapi.json", p.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["paths"]["/api/jobs"]["post"].is_object(),
        "OpenAPI lists job creation"
    );
    // metrics are for administrators (or server.metrics_token)
    let metrics = admin
        .request(Method::GET, "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("recognizer_queue_depth")
            && metrics.contains("recognizer_uploaded_bytes_total"),
        "{metrics}"
    );
}
