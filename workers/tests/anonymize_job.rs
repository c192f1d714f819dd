//! The anonymize job handler end to end on object storage: a real clip in, artifacts out under
//! job-scoped keys with their sha256, progress reported, cancel and bad input handled.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use sha2::{Digest, Sha256};
use store::ObjectStorage;
use vision::{Catalog, Runtime, RuntimeConfig};
use workers::jobs::anonymize::AnonymizeJob;
use workers::jobs::{Job, JobContext, JobError, JobProgress};

fn data(name: &str) -> std::path::PathBuf {
    let dir = std::env::var_os("RECOGNIZER_DATA_CACHE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/recognizer/data")
        });
    let p = dir.join(name);
    assert!(p.is_file(), "{} missing: make test fetches it", p.display());
    p
}

fn context(
    storage: &ObjectStorage,
    scratch: &std::path::Path,
    cancel_after: Option<u64>,
) -> (JobContext, Arc<Mutex<Vec<JobProgress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let models = std::env::var_os("RECOGNIZER_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/recognizer/models")
        });
    let job_id = uuid::Uuid::new_v4();
    let ctx = JobContext {
        job_id,
        output_prefix: format!("jobs/{job_id}"),
        storage: storage.clone(),
        runtime: Runtime::load(&RuntimeConfig::default()).unwrap(),
        catalog: Catalog::new(models).unwrap(),
        scratch: scratch.to_path_buf(),
        progress: Arc::new(move |p: JobProgress| {
            let keep_going = cancel_after.is_none_or(|n| p.frames_done < n);
            log.lock().unwrap().push(p);
            keep_going
        }),
        on_event: Arc::new(|_| {}),
    };
    (ctx, seen)
}

async fn sha_of(storage: &ObjectStorage, key: &str) -> String {
    let (_, mut s) = storage.get_stream(key).await.unwrap();
    let mut h = Sha256::new();
    while let Some(c) = s.next().await {
        h.update(c.unwrap());
    }
    hex::encode(h.finalize())
}

#[tokio::test]
async fn anonymizes_a_stored_video_into_job_scoped_artifacts() {
    let root = tempfile::tempdir().unwrap();
    let storage = ObjectStorage::local(&root.path().join("objects")).unwrap();
    // 3 s of a real clip, uploaded as a user would
    let clip = root.path().join("clip.mp4");
    let ok = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(data("cap13_edit2.mp4"))
        .args(["-t", "3", "-c", "copy"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(ok.success());
    storage
        .put("videos/clip.mp4", std::fs::read(&clip).unwrap())
        .await
        .unwrap();
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
        .arg(&clip)
        .output()
        .unwrap();
    let n: u64 = String::from_utf8(probe.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();

    let (ctx, seen) = context(&storage, &root.path().join("scratch"), None);
    let job = AnonymizeJob {
        input_key: "videos/clip.mp4".into(),
        settings: Default::default(),
    };
    // the job is what the queue stores: it survives a serde round trip
    let job: AnonymizeJob = serde_json::from_str(&serde_json::to_string(&job).unwrap()).unwrap();
    let artifacts = job.run(&ctx).await.unwrap();

    let kinds: Vec<&str> = artifacts.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["video", "mask-log"]);
    for a in &artifacts {
        assert!(
            a.key.starts_with(&format!("jobs/{}/", ctx.job_id)),
            "{}",
            a.key
        );
        assert_eq!(storage.size(&a.key).await.unwrap(), a.bytes);
        assert_eq!(sha_of(&storage, &a.key).await, a.sha256);
    }
    let log = String::from_utf8(storage.get(&artifacts[1].key).await.unwrap().to_vec()).unwrap();
    assert_eq!(log.lines().count() as u64, n, "one line per frame");

    let progress = seen.lock().unwrap().clone();
    let stages: Vec<&str> = progress.iter().map(|p| p.stage.as_str()).collect();
    assert_eq!(stages.first(), Some(&"download"));
    assert_eq!(stages.last(), Some(&"upload"));
    // while the result uploads the bar stays full (it fell back to 0 % there)
    let upload = progress.last().unwrap();
    assert_eq!((upload.frames_done, upload.frames_total), (n, n));
    let frames: Vec<u64> = progress
        .iter()
        .filter(|p| p.stage == "anonymize")
        .map(|p| p.frames_done)
        .collect();
    assert_eq!(frames, (1..=n).collect::<Vec<_>>());

    // running it again (a retry) overwrites the same keys: still exactly two objects
    let again = job.run(&ctx).await.unwrap();
    assert_eq!(
        again.iter().map(|a| &a.key).collect::<Vec<_>>(),
        artifacts.iter().map(|a| &a.key).collect::<Vec<_>>()
    );
    assert_eq!(
        storage
            .list(&format!("jobs/{}", ctx.job_id))
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn cancel_and_bad_inputs_leave_no_artifacts() {
    let root = tempfile::tempdir().unwrap();
    let storage = ObjectStorage::local(&root.path().join("objects")).unwrap();
    storage
        .put(
            "videos/franck.mp4",
            std::fs::read(data("franck.mp4")).unwrap(),
        )
        .await
        .unwrap();
    storage
        .put(
            "videos/notes.mp4",
            "meeting notes, not a video\n".repeat(40),
        )
        .await
        .unwrap();

    let (ctx, _) = context(&storage, &root.path().join("scratch-cancel"), Some(10));
    let job = AnonymizeJob {
        input_key: "videos/franck.mp4".into(),
        settings: Default::default(),
    };
    assert!(matches!(job.run(&ctx).await, Err(JobError::Canceled)));
    assert!(
        storage
            .list(&format!("jobs/{}", ctx.job_id))
            .await
            .unwrap()
            .is_empty()
    );

    for (key, expect) in [
        ("videos/notes.mp4", "cannot be opened as a video"),
        ("videos/missing.mp4", "no such object"),
    ] {
        let (ctx, _) = context(
            &storage,
            &root.path().join(format!("scratch-{}", key.len())),
            None,
        );
        let err = AnonymizeJob {
            input_key: key.into(),
            settings: Default::default(),
        }
        .run(&ctx)
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains(key) && err.contains(expect), "{err}");
        assert!(
            !err.contains("scratch"),
            "the message names the stored object, not a temp file: {err}"
        );
        assert!(
            storage
                .list(&format!("jobs/{}", ctx.job_id))
                .await
                .unwrap()
                .is_empty()
        );
    }
}
