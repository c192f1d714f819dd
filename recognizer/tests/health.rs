//! `GET /api/health` over real HTTP from the real binary, with real PostgreSQL and S3 storage,
//! and a separate `recognizer worker` process whose heartbeats turn the worker check green.

mod common;

use std::time::{Duration, Instant};

use api::Health;
use common::{Running, free_port, recognizer};

const ADMIN_PASSWORD: &str = "health-admin-password-1";

/// The details are for administrators: sign in as the first one, then ask.
async fn health(base: &str) -> Option<(u16, Health)> {
    let http = reqwest::Client::builder().cookie_store(true).build().ok()?;
    let login = http
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"email": "admin@localhost.localdomain", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .ok()?;
    if !login.status().is_success() {
        return None;
    }
    let response = http.get(format!("{base}/api/health")).send().await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.json().await.ok()?))
}

async fn wait_for<F: Fn(&(u16, Health)) -> bool>(base: &str, what: &str, pred: F) -> (u16, Health) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = None;
    while Instant::now() < deadline {
        if let Some(h) = health(base).await {
            if pred(&h) {
                return h;
            }
            last = Some(h);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}; last health: {last:?}");
}

fn configure(cmd: &mut std::process::Command, db_url: &str, port: u16, web_dir: &std::path::Path) {
    let s3 = store::testing::s3_config();
    cmd.env("RECOGNIZER_DATABASE__URL", db_url)
        .env("RECOGNIZER_STORAGE__KIND", "s3")
        .env("RECOGNIZER_STORAGE__S3__ENDPOINT", &s3.endpoint)
        .env("RECOGNIZER_STORAGE__S3__BUCKET", &s3.bucket)
        .env("RECOGNIZER_STORAGE__S3__ACCESS_KEY_ID", &s3.access_key_id)
        .env(
            "RECOGNIZER_STORAGE__S3__SECRET_ACCESS_KEY",
            &s3.secret_access_key,
        )
        .env("RECOGNIZER_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("RECOGNIZER_SERVER__WEB_DIR", web_dir)
        .env("RECOGNIZER_WORKER__HEARTBEAT_SECS", "1")
        .env("RECOGNIZER_WORKER__LEASE_SECS", "3")
        .env("RECOGNIZER_SERVER__INITIAL_ADMIN_PASSWORD", ADMIN_PASSWORD);
}

#[tokio::test]
async fn health_reports_every_component_and_follows_worker_liveness() {
    let (_db, url) = store::testing::fresh_database().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>app shell</title>",
    )
    .unwrap();

    let mut serve = recognizer(&["serve"]);
    configure(&mut serve, &url, port, web.path());
    let server = Running::spawn(serve);

    // No worker yet: everything else is fine, the worker check fails and the status is 503.
    let (status, h) = wait_for(&base, "the server to answer", |_| true).await;
    assert_eq!(status, 503, "{h:?}");
    assert!(!h.healthy);
    assert!(h.database.ok, "{:?}", h.database);
    assert!(
        h.storage.ok && h.storage.detail.contains("S3 bucket"),
        "{:?}",
        h.storage
    );
    assert!(
        h.onnx_runtime.ok && h.onnx_runtime.detail.contains("1.31"),
        "{:?}",
        h.onnx_runtime
    );
    assert!(
        !h.workers.ok && h.workers.detail.contains("recognizer worker"),
        "{:?}",
        h.workers
    );
    let names: Vec<_> = h.model_files.iter().map(|m| m.name.as_str()).collect();
    assert!(
        names.contains(&"movenet-multipose") && names.contains(&"centerface"),
        "{names:?}"
    );

    // A worker process starts: its heartbeat makes the platform healthy.
    let mut worker_cmd = recognizer(&["worker"]);
    configure(&mut worker_cmd, &url, port, web.path());
    let worker = Running::spawn(worker_cmd);
    let (status, h) = wait_for(&base, "a live worker", |(_, h)| h.workers.ok).await;
    assert_eq!(h.live_workers.len(), 1);
    assert_eq!(
        status == 200,
        h.models.ok,
        "status follows the checks: {h:?}"
    );

    // It stops: it deregisters, and the check fails again.
    assert!(worker.terminate().success());
    let (_, h) = wait_for(&base, "the worker to be gone", |(_, h)| !h.workers.ok).await;
    assert!(h.live_workers.is_empty());

    // Any non-API path gets the web UI's index.html (client-side routing).
    let page = reqwest::get(format!("{base}/jobs/123")).await.unwrap();
    assert_eq!(page.status(), 200);
    // the app shell carries the security headers too
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert!(page.text().await.unwrap().contains("app shell"));
    let missing_api = reqwest::get(format!("{base}/api/nope")).await.unwrap();
    assert_eq!(
        missing_api.status(),
        404,
        "unknown API paths are 404, not the app shell"
    );

    assert!(server.terminate().success());
}
