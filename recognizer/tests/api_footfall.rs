//! Footfall through the API and a real worker: zones and lines drawn on a video are checked by
//! name, stored with the video, and counted by a later analyze job with footfall on, whose
//! pictures, tables and summary are stored as the job's artifacts.

mod common;

use std::time::Duration;

use common::platform::{Client, Platform, data};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

async fn put(client: &Client, path: &str, body: &Value) -> (StatusCode, Value) {
    let r = client
        .request(Method::PUT, path)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn download(client: &Client, artifact: &Value) -> Vec<u8> {
    let r = client
        .request(
            Method::GET,
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
async fn a_videos_footfall_layout_is_checked_stored_and_counted() {
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let (bob, _) = p.member(&admin, "bob@example.org", "uploader", None).await;
    let video = alice.upload_video(project, &data("vtest.avi")).await;
    let path = format!("/api/videos/{video}/footfall");
    let lawn =
        json!({"name": "lawn", "points": [[0.05, 0.55], [0.5, 0.55], [0.5, 0.95], [0.05, 0.95]]});
    let middle = json!({"name": "middle", "a": [0.5, 0.2], "b": [0.5, 1.0]});

    // bad layouts: refused naming the field, nothing stored
    for (body, field, says) in [
        (
            json!({"zones": [{"name": "bow", "points": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]}]}),
            "zones[0].points",
            "crosses itself",
        ),
        (
            json!({"zones": [{"name": "flat", "points": [[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]]}]}),
            "zones[0].points",
            "no area",
        ),
        (
            json!({"lines": [{"name": "dot", "a": [0.5, 0.5], "b": [0.5, 0.5]}]}),
            "lines[0]",
            "starts where it ends",
        ),
        (
            json!({"lines": [{"name": "out", "a": [0.5, 0.5], "b": [1.5, 0.5]}]}),
            "lines[0]",
            "0–1",
        ),
        (
            json!({"lines": [middle, middle]}),
            "lines[1].name",
            "two lines are named",
        ),
    ] {
        let (s, e) = put(&alice, &path, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {e}");
        assert_eq!(e["field"], field, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{e}");
    }
    let (_, v) = alice.get(&format!("/api/videos/{video}")).await;
    assert_eq!(v["footfall"], json!({"zones": [], "lines": []}), "{v}");
    // someone outside the project does not see the video
    let layout = json!({"zones": [lawn], "lines": [middle]});
    let (s, _) = put(&bob, &path, &layout).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = put(&alice, &path, &layout).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = alice.get(&format!("/api/videos/{video}")).await;
    assert_eq!(v["footfall"], layout, "stored with the video");

    // settings that cannot work are refused when the job is started, naming the field
    for (footfall, field, says) in [
        (
            json!({"enabled": true, "heatmap": {"window_secs": 120}}),
            "params.footfall.heatmap.window_secs",
            "longer than the video",
        ),
        (
            json!({"enabled": true, "heatmap": {"cols": 0}}),
            "params.footfall.heatmap.cols",
            "",
        ),
        (
            json!({"enabled": true, "zones": [{"name": "bow", "points": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]}]}),
            "params.footfall.zones",
            "zones[0]: zone \"bow\" crosses itself",
        ),
    ] {
        let (s, e) = alice
            .post(
                "/api/jobs",
                &json!({"project_id": project, "kind": "analyze", "video_ids": [video],
                    "params": {"events": {"services": []}, "footfall": footfall}}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], field, "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{e}");
    }

    // a job with footfall alone counts the video's zone and line, in 10 s windows
    let (s, job) = alice
        .post(
            "/api/jobs",
            &json!({"project_id": project, "kind": "analyze", "video_ids": [video],
                "params": {"pose_input_size": 320, "events": {"services": []},
                           "footfall": {"enabled": true, "heatmap": {"window_secs": 10, "half_life_secs": 5}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let id: Uuid = job["id"].as_str().unwrap().parse().unwrap();
    let done = alice
        .wait_job(id, Duration::from_secs(400), "the footfall job", |j| {
            matches!(
                j["status"].as_str(),
                Some("succeeded" | "failed" | "canceled")
            )
        })
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (_, artifacts) = alice.get(&format!("/api/jobs/{id}/artifacts")).await;
    let artifacts = artifacts.as_array().unwrap();
    let find = |name: &str| {
        artifacts
            .iter()
            .find(|a| a["filename"] == name)
            .unwrap_or_else(|| panic!("no {name}: {artifacts:?}"))
    };
    let summary: Value =
        serde_json::from_slice(&download(&alice, find("footfall.json")).await).unwrap();
    // the whole video, its 8 windows of 10 s (79.4 s) and the fading picture at the end
    let windows = summary["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 1 + 8 + 1, "{summary}");
    assert_eq!(windows[9]["picture"], "heatmap-fading.png");
    assert_eq!(summary["zones"][0]["name"], "lawn");
    assert_eq!(summary["lines"][0]["name"], "middle");
    let whole = &summary["zones"][0]["stats"][0];
    let by_window: u64 = summary["zones"][0]["stats"].as_array().unwrap()[1..9]
        .iter()
        .map(|s| s["entries"].as_u64().unwrap())
        .sum();
    assert!(whole["entries"].as_u64().unwrap() > 0, "{whole}");
    assert_eq!(
        by_window,
        whole["entries"].as_u64().unwrap(),
        "the windows add up"
    );
    let crossings =
        summary["lines"][0]["in"].as_u64().unwrap() + summary["lines"][0]["out"].as_u64().unwrap();
    assert!(crossings > 0, "{summary}");
    // every window's picture is stored and is a PNG
    for w in windows {
        let name = w["picture"].as_str().unwrap();
        let a = find(name);
        assert_eq!(a["content_type"], "image/png");
        assert_eq!(a["video_id"], json!(video.to_string()));
    }
    let png = download(&alice, find("heatmap-w003.png")).await;
    assert_eq!(&png[1..4], b"PNG");
    let page = String::from_utf8(download(&alice, find("footfall.html")).await).unwrap();
    assert!(page.contains("lawn") && page.contains("middle"));
    assert_eq!(find("footfall.html")["kind"], "footfall-report");
}
