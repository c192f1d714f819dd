//! The analyze job through the API and a real worker: a real fall clip gives a fall event with
//! its explanation in the stored artifacts; an annotate job's stored tracks can be its input;
//! bad parameters are refused naming the field.

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

async fn finished(client: &Client, job: &Value) -> Value {
    let id: Uuid = job["id"].as_str().unwrap().parse().unwrap();
    let done = client
        .wait_job(id, Duration::from_secs(300), "the job to end", |j| {
            matches!(
                j["status"].as_str(),
                Some("succeeded" | "failed" | "canceled")
            )
        })
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    done
}

/// The stored `events.json` of a finished analyze job.
async fn events_of(client: &Client, job: &Value) -> Vec<Value> {
    let (_, artifacts) = client
        .get(&format!(
            "/api/jobs/{}/artifacts",
            job["id"].as_str().unwrap()
        ))
        .await;
    let kinds: Vec<&str> = artifacts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    for kind in ["events", "scores", "events-csv"] {
        assert!(kinds.contains(&kind), "no {kind} artifact: {artifacts}");
    }
    let events = artifacts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "events")
        .unwrap();
    let r = client
        .request(
            reqwest::Method::GET,
            &format!("/api/artifacts/{}/download", events["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Vec<Value>>().await.unwrap()
}

fn assert_the_fall(events: &[Value]) {
    // GMDCSA24 Subject 1 Fall 13: Falling (BW) [0.4 to 4]
    let falls: Vec<&Value> = events.iter().filter(|e| e["service"] == "fall").collect();
    assert_eq!(falls.len(), 1, "{events:?}");
    let e = &falls[0]["event"];
    let (start, end) = (
        e["start_time"].as_f64().unwrap(),
        e["end_time"].as_f64().unwrap(),
    );
    assert!(start <= 4.0 && end >= 0.4 && start - 0.4 <= 1.5, "{e}");
    assert!(e["components_at_peak"]["height_ratio"].is_number(), "{e}");
    assert!(e["opened_by"].as_str().unwrap().contains("upright"), "{e}");
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The `event` messages among everything the socket received so far.
async fn pushed_events(ws: &mut Ws) -> Vec<Value> {
    use futures::StreamExt;
    let mut out = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
        if let Ok(m) = serde_json::from_str::<Value>(msg.to_text().unwrap_or("")) {
            if m["type"] == "event" {
                out.push(m["event"].clone());
            }
        }
    }
    out
}

/// The job's one fall, as `GET /api/events` keeps it: its times, people and explanation, and a
/// JPEG of its peak frame.
async fn the_stored_fall(client: &Client, job: &str, video: Uuid) -> Value {
    let (s, list) = client.get(&format!("/api/events?job={job}")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let e = list[0].clone();
    assert_eq!(e["service"], "fall");
    assert_eq!(e["video_id"], video.to_string());
    let (start, end) = (
        e["start_secs"].as_f64().unwrap(),
        e["end_secs"].as_f64().unwrap(),
    );
    assert!(start <= 4.0 && end >= 0.4, "{e}");
    assert!(e["score"].as_f64().unwrap() >= 0.6, "{e}");
    assert_eq!(e["tracks"].as_array().unwrap().len(), 1, "{e}");
    assert!(
        e["explanation"]["components_at_peak"]["height_ratio"].is_number(),
        "{e}"
    );
    assert!(
        e["explanation"]["opened_by"]
            .as_str()
            .unwrap()
            .contains("upright"),
        "{e}"
    );
    assert_eq!(
        e["explanation"]["boxes_at_peak"].as_array().unwrap().len(),
        1,
        "{e}"
    );
    let (s, one) = client
        .get(&format!("/api/events/{}", e["id"].as_str().unwrap()))
        .await;
    assert_eq!((s, &one), (StatusCode::OK, &e));
    assert_eq!(e["has_thumbnail"], true, "{e}");
    let r = client
        .request(
            reqwest::Method::GET,
            &format!("/api/events/{}/thumbnail", e["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let picture = image::load_from_memory(&r.bytes().await.unwrap()).expect("a JPEG");
    assert_eq!(picture.width(), 480, "pictures are list-sized");
    e
}

#[tokio::test]
async fn an_analyze_job_finds_the_fall_in_a_real_clip_also_from_stored_tracks() {
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let video = alice
        .upload_video(project, &shared("falls-gmdcsa24/Subject 1/Fall/13.mp4"))
        .await;

    // bad parameters, named
    let (s, e) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"events": {"services": ["theft"]}}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"].as_str().unwrap().contains("theft"), "{e}");
    let (s, e) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"events": {"fall_rules": {"threshold": 1.5}}}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "params.events.fall_rules.threshold", "{e}");
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("fall_rules.threshold"),
        "{e}"
    );
    let (s, anonymize) = start(&alice, project, "anonymize", video, json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"source_job": anonymize["id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "params.source_job", "{e}");

    // from the video: poses, tracks, events — pushed to the browser as they are stored
    let mut ws = alice.websocket().await;
    let (s, job) = start(&alice, project, "analyze", video, json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let done = finished(&alice, &job).await;
    assert_the_fall(&events_of(&alice, &done).await);
    let job_id = done["id"].as_str().unwrap();
    let pushed = pushed_events(&mut ws).await;
    assert!(
        pushed
            .iter()
            .any(|e| e["job_id"] == job_id && e["service"] == "fall"),
        "no fall event over the websocket: {pushed:?}"
    );
    let stored = the_stored_fall(&alice, job_id, video).await;

    // others see nothing of it
    let (bob, _) = p.member(&admin, "bob@example.org", "reviewer", None).await;
    let (s, list) = bob.get("/api/events").await;
    assert_eq!((s, list), (StatusCode::OK, json!([])));
    let (s, _) = bob
        .get(&format!("/api/events/{}", stored["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = bob
        .get(&format!(
            "/api/events/{}/thumbnail",
            stored["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // filters are checked, and they filter
    for (query, field) in [
        ("service=theft", "service"),
        ("min_score=2", "min_score"),
        ("from_secs=5&to_secs=1", "from_secs"),
        ("limit=0", "limit"),
    ] {
        let (s, e) = alice.get(&format!("/api/events?{query}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {e}");
        assert_eq!(e["field"], field, "{query}: {e}");
    }
    for (query, expected) in [
        (format!("job={job_id}&service=fight"), 0),
        (format!("job={job_id}&service=fall"), 1),
        (format!("job={job_id}&min_score=1"), 0),
        (format!("video={video}&from_secs=20"), 0),
        (format!("project={project}&to_secs=4"), 1),
    ] {
        let (s, list) = alice.get(&format!("/api/events?{query}")).await;
        assert_eq!(s, StatusCode::OK, "{query}: {list}");
        assert_eq!(list.as_array().unwrap().len(), expected, "{query}: {list}");
    }

    // from an annotate job's stored tracks (stages 1-2, no labels needed)
    let (s, annotate) = start(
        &alice,
        project,
        "annotate",
        video,
        json!({"to_stage": 2, "pose_input_size": 512}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{annotate}");
    finished(&alice, &annotate).await;
    let (s, job) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"source_job": annotate["id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let done = finished(&alice, &job).await;
    assert_the_fall(&events_of(&alice, &done).await);

    // the first job scored against labels without estimating poses again: its stored tracks,
    // a report; labels that name no video of the job, or run backwards, are refused by row
    let first = stored["job_id"].as_str().unwrap().to_string();
    for (labels, says) in [
        (
            "video,label,start,end\n14.mp4,fall,0.4,4\n",
            "labels row 2: no video \"14.mp4\"",
        ),
        (
            "video,label,start,end\n13.mp4,fall,4,0.4\n",
            "labels row 2: interval 4–0.4 s",
        ),
        (
            "video,label,start,end\n13.mp4,fall,x,4\n",
            "labels CSV line 2: `x` is not a number",
        ),
    ] {
        let (s, e) = start(
            &alice,
            project,
            "analyze",
            video,
            json!({"source_job": first, "labels_csv": labels}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], "params.labels_csv", "{e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{e}");
    }
    let (s, job) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"source_job": first, "labels_csv": "video,label,start,end\n13.mp4,Falling (BW),0.4,4\n"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let done = finished(&alice, &job).await;
    let (_, artifacts) = alice
        .get(&format!(
            "/api/jobs/{}/artifacts",
            done["id"].as_str().unwrap()
        ))
        .await;
    let names: Vec<&str> = artifacts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    for f in reports::FILES {
        assert!(names.contains(&f), "{f} in {names:?}");
    }
    let metrics = artifacts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == "metrics.json")
        .unwrap();
    let r = alice
        .request(
            reqwest::Method::GET,
            &format!(
                "/api/artifacts/{}/download",
                metrics["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    let metrics: Value = r.json().await.unwrap();
    let fall = &metrics["services"][0];
    assert_eq!(fall["service"], "fall");
    assert_eq!(fall["events"][0]["matched"], 1, "{fall}");
    assert_eq!(fall["events"][0]["false_alarms"], 0, "{fall}");
    // a chain: the re-scored job stored the tracks again, so a third job can read them from it
    assert!(names.contains(&"tracks.jsonl"), "{names:?}");
    let (s, third) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"source_job": done["id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{third}");
    let third = finished(&alice, &third).await;
    assert_the_fall(&events_of(&alice, &third).await);
    // another project's job cannot be the source
    let (carol, theirs) = p
        .member(&admin, "carol@example.org", "uploader", None)
        .await;
    let their_video = carol
        .upload_video(theirs, &shared("falls-gmdcsa24/Subject 1/Fall/13.mp4"))
        .await;
    let (s, e) = start(
        &carol,
        theirs,
        "analyze",
        their_video,
        json!({"source_job": first}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["field"], "params.source_job", "{e}");

    // zones drawn on the video: checked, then later jobs raise no fall inside them
    let zones = format!("/api/videos/{video}/zones");
    let floor = json!([{"name": "floor", "points": [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]}]);
    for (body, field) in [
        (
            json!([{"name": "bed", "points": [[0, 0], [1.5, 0], [1, 1]]}]),
            "zones[0].points",
        ),
        (
            json!([{"name": "bed", "points": [[0, 0], [1, 0]]}]),
            "zones[0].points",
        ),
        (
            json!([{"name": " ", "points": [[0, 0], [1, 0], [1, 1]]}]),
            "zones[0].name",
        ),
        (
            json!([{"name": "a", "points": [[0, 0], [1, 0], [1, 1]]}, {"name": "a", "points": [[0, 0], [1, 0], [1, 1]]}]),
            "zones[1].name",
        ),
    ] {
        let r = alice
            .request(reqwest::Method::PUT, &zones)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["field"], field, "{e}");
    }
    let r = bob
        .request(reqwest::Method::PUT, &zones)
        .json(&floor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = alice
        .request(reqwest::Method::PUT, &zones)
        .json(&floor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["zones"][0]["name"], "floor", "{v}");
    let (s, job) = start(
        &alice,
        project,
        "analyze",
        video,
        json!({"source_job": annotate["id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let done = finished(&alice, &job).await;
    let falls: Vec<Value> = events_of(&alice, &done).await;
    assert!(falls.is_empty(), "a fall inside the floor zone: {falls:?}");
}
