//! A misconfigured `recognizer serve` exits non-zero, quickly, with a message naming the setting.
//! No panic, no hang.

mod common;

use std::time::Duration;

use common::{free_port, recognizer, run_to_end};

fn assert_clear_failure(stderr: &str, names: &str) {
    assert!(
        stderr.contains(names),
        "message should name {names}:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "panicked:\n{stderr}");
}

fn local_storage(cmd: &mut std::process::Command, dir: &std::path::Path) {
    cmd.env("RECOGNIZER_STORAGE__LOCAL_DIR", dir).env(
        "RECOGNIZER_SERVER__BIND",
        format!("127.0.0.1:{}", free_port()),
    );
}

#[test]
fn unreachable_database_names_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = recognizer(&["serve"]);
    local_storage(&mut cmd, dir.path());
    cmd.env(
        "RECOGNIZER_DATABASE__URL",
        format!("postgres://u:secret@127.0.0.1:{}/db", free_port()),
    )
    .env("RECOGNIZER_DATABASE__CONNECT_TIMEOUT_SECS", "3");
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(60));
    assert!(!status.success());
    assert_clear_failure(&stderr, "database.url");
    assert!(
        !stderr.contains("secret"),
        "the password must not be printed:\n{stderr}"
    );
}

#[test]
fn a_non_postgres_url_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = recognizer(&["serve"]);
    local_storage(&mut cmd, dir.path());
    cmd.env("RECOGNIZER_DATABASE__URL", "mysql://localhost/db");
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(20));
    assert!(!status.success());
    assert_clear_failure(&stderr, "database.url must start with postgres://");
}

#[test]
fn unreachable_s3_endpoint_names_the_storage_settings() {
    let (_db, url) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store::testing::fresh_database());
    let mut cmd = recognizer(&["serve"]);
    cmd.env("RECOGNIZER_DATABASE__URL", url)
        .env("RECOGNIZER_STORAGE__KIND", "s3")
        .env(
            "RECOGNIZER_STORAGE__S3__ENDPOINT",
            format!("http://127.0.0.1:{}", free_port()),
        )
        .env("RECOGNIZER_STORAGE__S3__BUCKET", "b")
        .env("RECOGNIZER_STORAGE__S3__TIMEOUT_SECS", "2")
        .env(
            "RECOGNIZER_SERVER__BIND",
            format!("127.0.0.1:{}", free_port()),
        );
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(60));
    assert!(!status.success());
    assert_clear_failure(&stderr, "storage.s3.endpoint");
}

#[test]
fn wrong_types_and_unknown_keys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = recognizer(&["config", "check"]);
    cmd.env("RECOGNIZER_DATABASE__URL", "postgres://localhost/db")
        .env("RECOGNIZER_WORKER__CONCURRENCY", "lots");
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(20));
    assert!(!status.success());
    assert_clear_failure(&stderr, "worker.concurrency");

    let file = dir.path().join("recognizer.toml");
    std::fs::write(
        &file,
        "[database]\nurl = \"postgres://localhost/db\"\n[storage]\nkidn = \"s3\"\n",
    )
    .unwrap();
    let (status, stderr) = run_to_end(
        recognizer(&["--config", file.to_str().unwrap(), "config", "check"]),
        Duration::from_secs(20),
    );
    assert!(!status.success());
    assert_clear_failure(&stderr, "kidn");

    let (status, stderr) = run_to_end(
        recognizer(&["--config", "/does/not/exist.toml", "serve"]),
        Duration::from_secs(20),
    );
    assert!(!status.success());
    assert_clear_failure(&stderr, "/does/not/exist.toml");
}

#[test]
fn s3_without_a_bucket_and_a_bad_bind_are_both_reported() {
    let mut cmd = recognizer(&["serve"]);
    cmd.env("RECOGNIZER_DATABASE__URL", "postgres://localhost/db")
        .env("RECOGNIZER_STORAGE__KIND", "s3")
        .env("RECOGNIZER_SERVER__BIND", "everywhere");
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(20));
    assert!(!status.success());
    assert_clear_failure(&stderr, "storage.s3.bucket");
    assert_clear_failure(&stderr, "server.bind");
}

#[test]
fn a_pose_batch_of_none_or_too_many_frames_is_refused() {
    for batch in ["0", "100000"] {
        let mut cmd = recognizer(&["serve"]);
        cmd.env("RECOGNIZER_DATABASE__URL", "postgres://localhost/db")
            .env("RECOGNIZER_RUNTIME__POSE_BATCH", batch);
        let (status, stderr) = run_to_end(cmd, Duration::from_secs(20));
        assert!(!status.success());
        assert_clear_failure(&stderr, &format!("runtime.pose_batch = {batch}"));
        assert_clear_failure(&stderr, "must be 1 to 256");
    }
}

#[test]
fn a_missing_onnx_runtime_stops_the_worker_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, url) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store::testing::fresh_database());
    let mut cmd = recognizer(&["worker"]);
    local_storage(&mut cmd, dir.path());
    cmd.env("RECOGNIZER_DATABASE__URL", url).env(
        "RECOGNIZER_RUNTIME__LIBRARY",
        "/nonexistent/libonnxruntime.so",
    );
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(30));
    assert!(!status.success());
    assert_clear_failure(&stderr, "runtime.library");
}

#[test]
fn serve_without_a_database_url_says_which_key_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = recognizer(&["serve"]);
    local_storage(&mut cmd, dir.path());
    let (status, stderr) = run_to_end(cmd, Duration::from_secs(20));
    assert!(!status.success());
    assert_clear_failure(&stderr, "database.url is not set");
}
