//! Uploads under load: a 200 MB file through a connection that breaks half-way (resumed; the
//! stored object's sha256 equals the source's; the server's memory stays bounded), and a bounded
//! load test: 20 uploads at once while 200 websocket clients listen, nothing lost.

mod common;

use std::time::{Duration, Instant};

use common::platform::{Client, Platform};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A real video of about `mb` megabytes (raw frames in Matroska: big, quick to make).
fn big_video(dir: &std::path::Path, mb: u64) -> std::path::PathBuf {
    let path = dir.join("big.mkv");
    let frames = (mb << 20) / (640 * 480 * 3 / 2) + 1;
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x480:rate=25",
            "-frames:v",
            &frames.to_string(),
        ])
        .args(["-c:v", "rawvideo", "-pix_fmt", "yuv420p"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(ok.success());
    path
}

fn sha256_file(path: &std::path::Path) -> String {
    let mut f = std::fs::File::open(path).unwrap();
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).unwrap();
    hex::encode(h.finalize())
}

/// The file from `offset`, streamed in 1 MiB chunks; with `fail_after`, the stream errors after
/// that many bytes (the connection breaks mid-request).
fn body_from(path: &std::path::Path, offset: u64, fail_after: Option<u64>) -> reqwest::Body {
    use std::io::{Read, Seek};
    let mut f = std::fs::File::open(path).unwrap();
    f.seek(std::io::SeekFrom::Start(offset)).unwrap();
    let mut sent = 0u64;
    let stream = futures::stream::poll_fn(move |_| {
        if fail_after.is_some_and(|n| sent >= n) {
            return std::task::Poll::Ready(Some(Err(std::io::Error::other(
                "network cable pulled",
            ))));
        }
        let mut buf = vec![0u8; 1 << 20];
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            return std::task::Poll::Ready(None);
        }
        buf.truncate(n);
        sent += n as u64;
        std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(bytes::Bytes::from(buf))))
    });
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test]
async fn a_200_mb_upload_survives_a_broken_connection_with_bounded_server_memory() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = big_video(dir.path(), 200);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size >= 200 << 20, "{size}");
    let source_sha = sha256_file(&file);
    let rss_before = p.server_peak_rss();

    let (s, up) = alice
        .post(
            &format!("/api/projects/{pa}/uploads"),
            &json!({"filename": "big.mkv", "size": size}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let path = format!("/api/uploads/{}", up["id"].as_str().unwrap());
    let started = Instant::now();
    // the connection breaks after ~80 MB
    let broken = alice
        .request(reqwest::Method::PATCH, &path)
        .header("upload-offset", "0")
        .body(body_from(&file, 0, Some(80 << 20)))
        .send()
        .await;
    assert!(broken.is_err() || !broken.unwrap().status().is_success());
    // ask where to resume (the server may still be writing what arrived: wait until it settles)
    let mut offset = 0;
    for _ in 0..50 {
        let r = alice
            .request(reqwest::Method::HEAD, &path)
            .send()
            .await
            .unwrap();
        let now: u64 = r.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        if now == offset && now > 0 {
            break;
        }
        offset = now;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(offset > 0 && offset < size, "resume from {offset}");
    let r = alice
        .request(reqwest::Method::PATCH, &path)
        .header("upload-offset", offset.to_string())
        .body(body_from(&file, offset, None))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let done: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{done}");
    let took = started.elapsed();
    let video = &done["video"];
    assert_eq!(video["sha256"], source_sha.as_str());
    assert_eq!(video["bytes"], size);
    assert_eq!(
        (video["width"].as_i64(), video["height"].as_i64()),
        (Some(640), Some(480))
    );
    assert!(video["has_poster"].as_bool().unwrap());

    // the stored object is the same bytes
    let objects = p
        .storage
        .list(&format!("videos/{}", video["id"].as_str().unwrap()))
        .await
        .unwrap();
    let key = objects.iter().find(|k| k.contains("source")).unwrap();
    let (_, mut stream) = p.storage.get_stream(key).await.unwrap();
    let mut h = Sha256::new();
    while let Some(chunk) = stream.next().await {
        h.update(chunk.unwrap());
    }
    assert_eq!(hex::encode(h.finalize()), source_sha);

    let rss_after = p.server_peak_rss();
    let grew = rss_after.saturating_sub(rss_before);
    eprintln!(
        "200 MB upload: {size} bytes, broke at {offset}, resumed; {:.1} s ({:.0} MB/s); server peak RSS {} → {} MB (+{} MB)",
        took.as_secs_f64(),
        size as f64 / took.as_secs_f64() / 1e6,
        rss_before >> 20,
        rss_after >> 20,
        grew >> 20
    );
    assert!(grew < 100 << 20, "server memory grew by {} MB", grew >> 20);
}

#[tokio::test]
async fn twenty_uploads_at_once_while_200_websocket_clients_listen_lose_nothing() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, pa) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let clip = std::fs::read(common::platform::data("cap13_edit2.mp4")).unwrap();

    // 200 listeners, each with its own session
    let mut sockets = Vec::new();
    for _ in 0..200 {
        let mut ws = alice.websocket().await;
        let first = ws.next().await.unwrap().unwrap();
        assert!(first.to_text().unwrap().contains("snapshot"));
        sockets.push(ws);
    }
    let started = Instant::now();
    let uploads: Vec<_> = (0..20)
        .map(|i| {
            let (client, data) = (alice.clone(), clip.clone());
            tokio::spawn(async move { upload(&client, pa, &format!("clip-{i}.mp4"), data).await })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for u in uploads {
        ids.insert(u.await.unwrap());
    }
    let uploaded = started.elapsed();
    assert_eq!(ids.len(), 20);
    let (_, vids) = alice.get("/api/videos").await;
    assert_eq!(vids.as_array().unwrap().len(), 20);
    let want = format!("{}", clip.len());
    assert!(
        vids.as_array()
            .unwrap()
            .iter()
            .all(|v| v["bytes"].to_string() == want)
    );

    // every listener heard about every video
    let listeners: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            let ids = ids.clone();
            tokio::spawn(async move {
                let mut seen = std::collections::HashSet::new();
                while seen.len() < ids.len() {
                    let Ok(Some(Ok(msg))) =
                        tokio::time::timeout(Duration::from_secs(20), ws.next()).await
                    else {
                        break;
                    };
                    let e: Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
                    if e["type"] == "video" {
                        seen.insert(e["video"]["id"].as_str().unwrap().parse::<Uuid>().unwrap());
                    }
                }
                seen == ids
            })
        })
        .collect();
    let mut complete = 0;
    for l in listeners {
        complete += l.await.unwrap() as usize;
    }
    eprintln!(
        "load: 20 concurrent uploads of {} KB in {:.2} s; {complete}/200 websocket clients received all 20 video events ({:.2} s in all)",
        clip.len() / 1024,
        uploaded.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(complete, 200);
    let health = reqwest::get(format!("{}/api/openapi.json", p.base))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK, "still serving");
}

async fn upload(client: &Client, project: Uuid, name: &str, data: Vec<u8>) -> Uuid {
    // in two requests, as a browser sending chunks would
    let (s, up) = client
        .post(
            &format!("/api/projects/{project}/uploads"),
            &json!({"filename": name, "size": data.len()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let path = format!("/api/uploads/{}", up["id"].as_str().unwrap());
    let half = data.len() / 2;
    let (s, _) = client.patch_bytes(&path, 0, data[..half].to_vec()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, done) = client
        .patch_bytes(&path, half as u64, data[half..].to_vec())
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    done["video"]["id"].as_str().unwrap().parse().unwrap()
}
