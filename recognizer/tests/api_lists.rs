//! Large libraries: `GET /api/videos` pages, filters and sorts on the server and says how many
//! match in all (`x-total-count`); a bad filter is a 422 naming it. Rows are inserted straight
//! into the database (uploading thousands of real files would test the uploads, not the list).

mod common;

use std::time::Instant;

use common::platform::Platform;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

async fn insert(db: &store::Database, project: Uuid, n: usize) {
    for i in 0..n {
        db.insert_video(&store::NewVideo {
            id: Uuid::new_v4(),
            project_id: project,
            uploaded_by: None,
            filename: format!(
                "{}-{i:05}.mp4",
                if i % 3 == 0 { "lobby" } else { "street_cam" }
            ),
            object_key: format!("videos/{project}/{i}"),
            bytes: 1000 + i as i64,
            sha256: "0".repeat(64),
            duration_secs: Some((i % 50) as f64),
            fps: Some(25.0),
            width: 640,
            height: 480,
            video_codec: "h264".into(),
            has_audio: false,
            poster_key: None,
        })
        .await
        .unwrap();
    }
}

async fn page(
    c: &common::platform::Client,
    query: &str,
) -> (StatusCode, Vec<Value>, Option<i64>, Value) {
    let r = c
        .request(reqwest::Method::GET, &format!("/api/videos?{query}"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let total = r
        .headers()
        .get("x-total-count")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let body: Value = r.json().await.unwrap();
    (
        status,
        body.as_array().cloned().unwrap_or_default(),
        total,
        body,
    )
}

#[tokio::test]
async fn video_lists_page_filter_and_sort_on_the_server() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let (bob, _) = p.member(&admin, "bob@example.org", "uploader", None).await;
    insert(&p.database().await, project, 120).await;

    let (s, list, total, _) = page(&alice, &format!("project={project}&limit=50")).await;
    assert_eq!((s, list.len(), total), (StatusCode::OK, 50, Some(120)));
    // pages do not overlap and cover everything
    let mut seen = std::collections::HashSet::new();
    for offset in [0, 50, 100] {
        let (_, list, _, _) = page(
            &alice,
            &format!("project={project}&limit=50&offset={offset}"),
        )
        .await;
        for v in &list {
            assert!(
                seen.insert(v["id"].as_str().unwrap().to_string()),
                "a video on two pages"
            );
        }
    }
    assert_eq!(seen.len(), 120);
    // name search (case-insensitive, `_` and `%` are letters, not patterns), with its own total
    let (_, list, total, _) = page(&alice, "name=LOBBY&limit=1000").await;
    assert_eq!((list.len(), total), (40, Some(40)));
    assert!(
        list.iter()
            .all(|v| v["filename"].as_str().unwrap().starts_with("lobby"))
    );
    let (_, list, _, _) = page(&alice, "name=%25").await;
    assert!(list.is_empty(), "% is not a wildcard");
    let (_, list, total, _) = page(&alice, "name=street_cam").await;
    assert_eq!((list.len(), total), (80, Some(80)));
    // sorts
    let (_, list, _, _) = page(&alice, "sort=size&order=desc&limit=3").await;
    let sizes: Vec<i64> = list.iter().map(|v| v["bytes"].as_i64().unwrap()).collect();
    assert_eq!(sizes, vec![1119, 1118, 1117]);
    let (_, list, _, _) = page(&alice, "sort=name&limit=2").await;
    assert_eq!(list[0]["filename"], "lobby-00000.mp4");
    // dates: today is in, tomorrow is out
    let today = chrono::Utc::now().date_naive();
    let (_, _, total, _) = page(
        &alice,
        &format!("uploaded_from={today}&uploaded_to={today}"),
    )
    .await;
    assert_eq!(total, Some(120));
    let tomorrow = today.succ_opt().unwrap();
    let (_, _, total, _) = page(&alice, &format!("uploaded_from={tomorrow}")).await;
    assert_eq!(total, Some(0));
    // another project's member sees none of them
    let (_, list, total, _) = page(&bob, "limit=1000").await;
    assert_eq!((list.len(), total), (0, Some(0)));
    // bad filters name the field
    for (query, field) in [
        ("sort=colour", "sort"),
        ("order=up", "order"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("offset=-1", "offset"),
        ("uploaded_from=yesterday", "uploaded_from"),
    ] {
        let (s, _, _, e) = page(&alice, query).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {e}");
        assert_eq!(e["field"], field, "{query}: {e}");
    }
}

/// Correct at 10,000 rows (the deepest page, a search, a sort); prints each request's time
/// (`cargo test --test api_lists -- --nocapture`; bench/RESULTS.md has the numbers).
#[tokio::test]
async fn ten_thousand_videos_page_to_the_last_row() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let db = p.database().await;
    // 10,000 rows in one statement
    sqlx::query(
        "INSERT INTO videos (id, project_id, filename, object_key, bytes, sha256, width, height, video_codec, has_audio)
         SELECT gen_random_uuid(), $1, 'cam-' || g || '.mp4', 'videos/x/' || g, g, '', 640, 480, 'h264', false
         FROM generate_series(1, 10000) g",
    )
    .bind(project)
    .execute(&db.pool)
    .await
    .unwrap();
    for (query, rows, matching) in [
        ("limit=50", 50, 10_000),
        ("limit=50&offset=9990", 10, 10_000),
        ("name=cam-99&limit=50", 50, 111),
        ("sort=name&order=desc&limit=50", 50, 10_000),
    ] {
        let started = Instant::now();
        let (s, list, total, _) = page(&alice, query).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((list.len(), total), (rows, Some(matching)), "{query}");
        println!("GET /api/videos?{query} over 10,000 videos: {ms:.1} ms");
    }
    let (_, list, _, _) = page(&alice, "sort=name&order=desc&limit=1").await;
    assert_eq!(list[0]["filename"], "cam-9999.mp4");

    // 10,000 jobs and 10,000 events: the same paging, the same total header
    sqlx::query(
        "INSERT INTO jobs (id, project_id, kind, status, params, video_ids, created_at)
         SELECT gen_random_uuid(), $1, 'analyze', 'succeeded', '{}', '{}', now() - g * interval '1 minute'
         FROM generate_series(1, 10000) g",
    )
    .bind(project)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO events (id, project_id, service, start_secs, end_secs, peak_secs, start_frame, end_frame,
             peak_frame, score, tracks, explanation)
         SELECT gen_random_uuid(), $1, CASE WHEN g % 2 = 0 THEN 'fall' ELSE 'fight' END, g, g + 1, g, g, g, g,
             0.7, '{1}', '{}' FROM generate_series(1, 10000) g",
    )
    .bind(project)
    .execute(&db.pool)
    .await
    .unwrap();
    for (path, rows, matching) in [
        ("/api/jobs?limit=50", 50, 10_000),
        ("/api/jobs?limit=50&offset=9990", 10, 10_000),
        ("/api/events?limit=50", 50, 10_000),
        ("/api/events?service=fall&limit=50&offset=4990", 10, 5_000),
    ] {
        let started = Instant::now();
        let r = alice
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let total: i64 = r.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let list: Vec<Value> = r.json().await.unwrap();
        assert_eq!((list.len(), total), (rows, matching), "{path}");
        println!("GET {path} over 10,000 rows: {ms:.1} ms");
    }
}
