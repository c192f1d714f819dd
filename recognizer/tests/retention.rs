//! Retention: old videos, old job results and old live events are removed from storage and the
//! database, pinned, ongoing and recent ones are kept, what went is logged, and a second sweep
//! removes nothing more. The sweep is the one the workers run daily, started here with `recognizer sweep`.

mod common;

use common::platform::{Platform, data};
use common::recognizer;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

fn sweep(p: &Platform) -> String {
    let mut cmd = recognizer(&["sweep"]);
    p.configure(&mut cmd);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn old_unpinned_videos_and_results_go_pinned_and_recent_ones_stay() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let old = alice.upload_video(project, &data("franck.mp4")).await;
    let pinned = alice
        .upload_video(project, &data("carphone_pristine.mp4"))
        .await;
    let recent = alice.upload_video(project, &data("bikes.mp4")).await;
    let db = p.database().await;
    let key_of = |id: Uuid| {
        let db = db.clone();
        async move { db.video_objects(id).await.unwrap().unwrap().object_key }
    };
    let (old_key, pinned_key, recent_key) = (
        key_of(old).await,
        key_of(pinned).await,
        key_of(recent).await,
    );

    // two finished jobs with a result each: one old, one old and pinned
    let mut results = Vec::new();
    for _ in 0..2 {
        let job = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO jobs (id, project_id, kind, status, params, video_ids, finished_at)
             VALUES ($1, $2, 'anonymize', 'succeeded', '{}', '{}', now() - interval '10 days')",
        )
        .bind(job)
        .bind(project)
        .execute(&db.pool)
        .await
        .unwrap();
        let key = format!("jobs/{job}/result.json");
        p.storage.put(&key, b"{}".to_vec()).await.unwrap();
        sqlx::query(
            "INSERT INTO artifacts (id, job_id, kind, object_key, bytes, sha256) VALUES ($1, $2, 'json', $3, 2, '')",
        )
        .bind(Uuid::new_v4())
        .bind(job)
        .bind(&key)
        .execute(&db.pool)
        .await
        .unwrap();
        results.push((job, key));
    }
    // a camera's events: one closed 10 days ago with its picture and clip, one as old but still
    // going on, one recent
    let stream = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO streams (id, project_id, name, url, enabled) VALUES ($1, $2, 'Door camera', 'rtsp://cam/door', false)",
    )
    .bind(stream)
    .bind(project)
    .execute(&db.pool)
    .await
    .unwrap();
    let mut live = Vec::new();
    for (age_days, ongoing) in [(10, false), (10, true), (0, false)] {
        let id = Uuid::new_v4();
        let (picture, clip) = (
            format!("streams/{stream}/events/{id}.jpg"),
            format!("streams/{stream}/events/{id}.mp4"),
        );
        p.storage.put(&picture, vec![0u8; 300]).await.unwrap();
        p.storage.put(&clip, vec![0u8; 700]).await.unwrap();
        sqlx::query(
            "INSERT INTO events (id, project_id, stream_id, service, start_secs, end_secs, peak_secs,
                 start_frame, end_frame, peak_frame, score, tracks, explanation, thumbnail_key,
                 clip_key, ongoing, created_at)
             VALUES ($1, $2, $3, 'fall', 1764500000, 1764500004, 1764500001, 10, 130, 40, 0.8,
                 '{1}', '{}', $4, $5, $6, now() - make_interval(days => $7))",
        )
        .bind(id)
        .bind(project)
        .bind(stream)
        .bind(&picture)
        .bind(&clip)
        .bind(ongoing)
        .bind(age_days)
        .execute(&db.pool)
        .await
        .unwrap();
        live.push((id, picture, clip));
    }
    sqlx::query("UPDATE videos SET created_at = now() - interval '10 days' WHERE id = ANY($1)")
        .bind(vec![old, pinned])
        .execute(&db.pool)
        .await
        .unwrap();

    // only administrators set retention and pins; limits are checked
    let put = |c: &common::platform::Client, path: String, body: serde_json::Value| {
        let c = c.clone();
        async move {
            c.request(reqwest::Method::PUT, &path)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let retention = format!("/api/admin/projects/{project}/retention");
    assert_eq!(
        put(&alice, retention.clone(), json!({"videos_days": 7})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&admin, retention.clone(), json!({"videos_days": 0})).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        put(
            &admin,
            retention.clone(),
            json!({"videos_days": 7, "artifacts_days": 7})
        )
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put(
            &alice,
            format!("/api/videos/{pinned}/pinned"),
            json!({"pinned": true})
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(
            &admin,
            format!("/api/videos/{pinned}/pinned"),
            json!({"pinned": true})
        )
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put(
            &admin,
            format!("/api/jobs/{}/pinned", results[1].0),
            json!({"pinned": true})
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let (_, v) = alice.get(&format!("/api/videos/{pinned}")).await;
    assert_eq!(v["pinned"], true);
    let (_, before) = admin.get("/api/admin/storage").await;
    let before = before
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["project_id"] == project.to_string())
        .unwrap()
        .clone();
    assert_eq!(
        (before["videos"].as_i64(), before["artifacts"].as_i64()),
        (Some(3), Some(2)),
        "{before}"
    );

    let first = sweep(&p);
    assert!(
        first.contains("removed 1 videos, 1 job results and 1 live events"),
        "{first}"
    );
    // the old closed live event went with its picture and clip; the ongoing and recent stayed
    let event_exists = |id: Uuid| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)")
                .bind(id)
                .fetch_one(&db.pool)
                .await
                .unwrap()
        }
    };
    assert!(!event_exists(live[0].0).await);
    assert!(p.storage.size(&live[0].1).await.is_err());
    assert!(p.storage.size(&live[0].2).await.is_err());
    for (id, picture, clip) in &live[1..] {
        assert!(event_exists(*id).await, "event {id} is kept");
        assert!(p.storage.size(picture).await.is_ok());
        assert!(p.storage.size(clip).await.is_ok());
    }
    assert!(
        p.storage.size(&old_key).await.is_err(),
        "the old video's file is gone"
    );
    let (s, _) = alice.get(&format!("/api/videos/{old}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        p.storage.size(&results[0].1).await.is_err(),
        "the old result is gone"
    );
    for key in [&pinned_key, &recent_key, &results[1].1] {
        assert!(p.storage.size(key).await.is_ok(), "{key} is kept");
    }
    let (_, log) = admin
        .get(&format!("/api/admin/removals?project={project}"))
        .await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(
        log.iter().any(|r| r["kind"] == "event"
            && r["owner_id"] == stream.to_string()
            && r["bytes"] == 1000
            && r["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("fall on Door camera at 2025-11-30"))),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|r| r["kind"] == "video" && r["name"] == "franck.mp4"),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|r| r["kind"] == "artifact" && r["owner_id"] == results[0].0.to_string()),
        "{log:?}"
    );
    let (_, after) = admin.get("/api/admin/storage").await;
    let after = after
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["project_id"] == project.to_string())
        .unwrap()
        .clone();
    assert_eq!(
        (after["videos"].as_i64(), after["artifacts"].as_i64()),
        (Some(2), Some(1)),
        "{after}"
    );
    assert!(after["video_bytes"].as_i64() < before["video_bytes"].as_i64());

    // again: nothing more, nothing broken
    let second = sweep(&p);
    assert!(
        second.contains("removed 0 videos, 0 job results and 0 live events"),
        "{second}"
    );
    let (_, log) = admin
        .get(&format!("/api/admin/removals?project={project}"))
        .await;
    assert_eq!(log.as_array().unwrap().len(), 3);

    // two sweeps at once (two workers): the newly old video is removed once, both succeed
    sqlx::query("UPDATE videos SET created_at = now() - interval '10 days' WHERE id = $1")
        .bind(recent)
        .execute(&db.pool)
        .await
        .unwrap();
    let spawn = || {
        let mut cmd = recognizer(&["sweep"]);
        p.configure(&mut cmd);
        cmd.stdout(std::process::Stdio::piped()).spawn().unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let outputs: Vec<String> = [a, b]
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success());
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    let removed: usize = outputs
        .iter()
        .map(|o| usize::from(o.contains("removed 1 videos")))
        .sum();
    assert_eq!(removed, 1, "{outputs:?}");
    assert!(p.storage.size(&recent_key).await.is_err());
    let (_, log) = admin
        .get(&format!("/api/admin/removals?project={project}"))
        .await;
    assert_eq!(log.as_array().unwrap().len(), 4);
}
