//! Webhooks to a real local HTTP receiver started by the test: a hook to a private address needs
//! an administrator; a test delivery, a finished job, a failed job and a stored event arrive
//! signed (HMAC-SHA256 over "<time>.<body>" with the hook's secret); a receiver that answers 500
//! gets the delivery again; the delivery log says what happened.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use common::platform::{Client, Platform};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<Mutex<usize>>,
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    r.got.lock().unwrap().push((headers, body));
    let mut fail = r.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        AxumStatus::INTERNAL_SERVER_ERROR
    } else {
        AxumStatus::NO_CONTENT
    }
}

async fn start_receiver() -> (String, Receiver) {
    let r = Receiver::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, r)
}

/// The body's JSON after checking its signature against `secret`.
fn verified(secret: &str, headers: &HeaderMap, body: &[u8]) -> Value {
    let sig = headers["x-recognizer-signature"].to_str().unwrap();
    let (t, v1) = sig
        .strip_prefix("t=")
        .and_then(|s| s.split_once(",v1="))
        .expect("t=…,v1=…");
    let t: i64 = t.parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - t).abs() < 120,
        "a fresh timestamp"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&hex::decode(v1).unwrap())
        .expect("a valid signature");
    serde_json::from_slice(body).unwrap()
}

/// Waits until the receiver has `n` requests.
async fn wait_for(r: &Receiver, n: usize) {
    for _ in 0..200 {
        if r.got.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the receiver got {} of {n} deliveries",
        r.got.lock().unwrap().len()
    );
}

async fn deliveries(c: &Client, hook: &str) -> Vec<Value> {
    let (s, list) = c.get(&format!("/api/webhooks/{hook}/deliveries")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn deliveries_arrive_signed_are_retried_and_logged() {
    let (url, receiver) = start_receiver().await;
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let hooks = format!("/api/projects/{project}/webhooks");

    // checks, each naming what is wrong
    for (body, status, field) in [
        (
            json!({"url": url, "events": ["job.succeeded"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("url"),
        ),
        (
            json!({"url": "ftp://example.org/x", "events": ["job.succeeded"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("url"),
        ),
        (
            json!({"url": url, "events": ["job.exploded"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("events"),
        ),
        (
            json!({"url": url, "events": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("events"),
        ),
        (
            json!({"url": url, "events": ["job.succeeded"], "allow_private": true}),
            StatusCode::FORBIDDEN,
            None,
        ),
    ] {
        let (s, e) = alice.post(&hooks, &body).await;
        assert_eq!(s, status, "{body}: {e}");
        if let Some(f) = field {
            assert_eq!(e["field"], f, "{e}");
        }
    }
    let (_, e) = alice
        .post(&hooks, &json!({"url": url, "events": ["job.succeeded"]}))
        .await;
    assert!(e["error"].as_str().unwrap().contains("private"), "{e}");

    // an administrator allows the local receiver
    let (s, created) = admin
        .post(
            &hooks,
            &json!({"url": url, "events": ["job.succeeded", "job.failed", "event.closed"], "allow_private": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    let hook = created["webhook"]["id"].as_str().unwrap().to_string();
    let (_, list) = alice.get(&hooks).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        list[0].get("secret").is_none(),
        "the secret is shown once only"
    );

    // a test delivery; the receiver fails the first attempt, the retry arrives
    *receiver.fail_first.lock().unwrap() = 1;
    let (s, ping) = alice
        .post(&format!("/api/webhooks/{hook}/test"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{ping}");
    wait_for(&receiver, 2).await;
    let got = receiver.got.lock().unwrap().clone();
    for (headers, body) in &got {
        let v = verified(&secret, headers, body);
        assert_eq!(v["type"], "ping");
        assert_eq!(headers["x-recognizer-event"], "ping");
    }
    assert_eq!(
        got[0].0["x-recognizer-delivery"], got[1].0["x-recognizer-delivery"],
        "the same delivery, again"
    );
    let mut log = deliveries(&alice, &hook).await;
    for _ in 0..50 {
        if log[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        log = deliveries(&alice, &hook).await;
    }
    assert_eq!(log[0]["status"], "delivered", "{log:?}");
    assert_eq!(log[0]["attempts"], 2, "{log:?}");
    assert_eq!(log[0]["response_status"], 204, "{log:?}");

    // a job that ends and an event that is stored (rows changed as a worker would change them)
    let db = p.database().await;
    let jobs: Vec<Uuid> = (0..2).map(|_| Uuid::new_v4()).collect();
    for (id, status) in jobs.iter().zip(["succeeded", "failed"]) {
        sqlx::query("INSERT INTO jobs (id, project_id, kind, params, video_ids) VALUES ($1, $2, 'analyze', '{}', '{}')")
            .bind(id)
            .bind(project)
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("UPDATE jobs SET status = $2::job_status WHERE id = $1")
            .bind(id)
            .bind(status)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO events (id, project_id, job_id, service, start_secs, end_secs, peak_secs, start_frame, end_frame,
             peak_frame, score, tracks, explanation)
         VALUES (gen_random_uuid(), $1, $2, 'fall', 1, 2, 1.5, 30, 60, 45, 0.8, '{1}', '{}')",
    )
    .bind(project)
    .bind(jobs[0])
    .execute(&db.pool)
    .await
    .unwrap();
    wait_for(&receiver, 5).await;
    let got = receiver.got.lock().unwrap().clone();
    let mut types: Vec<(String, Value)> = got[2..]
        .iter()
        .map(|(h, b)| {
            let v = verified(&secret, h, b);
            (v["type"].as_str().unwrap().to_string(), v["data"].clone())
        })
        .collect();
    types.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(types[0].0, "event.closed");
    assert_eq!(types[0].1["service"], "fall");
    assert_eq!(types[1].0, "job.failed");
    assert_eq!(types[1].1["id"], jobs[1].to_string());
    assert_eq!(types[2].0, "job.succeeded");
    assert_eq!(types[2].1["status"], "succeeded");

    // outsiders see nothing; deleting stops deliveries
    let (bob, _) = p.member(&admin, "bob@example.org", "uploader", None).await;
    let (s, _) = bob.get(&format!("/api/webhooks/{hook}/deliveries")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = alice.delete(&format!("/api/webhooks/{hook}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = alice.get(&hooks).await;
    assert_eq!(list, json!([]));
}
