//! Object storage round-trips on both backends: a local directory and a real S3 server (s3s-fs,
//! started by `make test`). The same checks run against each.

use bytes::Bytes;
use futures::stream;
use sha2::{Digest, Sha256};
use store::{ObjectStorage, StorageError};

async fn round_trip(storage: ObjectStorage) {
    let prefix = format!("test-{}", uuid_like());

    // small put / get / overwrite
    let key = format!("{prefix}/a/small.txt");
    storage
        .put(&key, Bytes::from_static(b"hello"))
        .await
        .unwrap();
    assert_eq!(
        storage.get(&key).await.unwrap(),
        Bytes::from_static(b"hello")
    );
    storage
        .put(&key, Bytes::from_static(b"hello again"))
        .await
        .unwrap();
    assert_eq!(
        storage.get(&key).await.unwrap(),
        Bytes::from_static(b"hello again")
    );
    assert_eq!(storage.size(&key).await.unwrap(), 11);

    // a 24 MB object streamed in uneven chunks: a multipart upload of several parts
    let big_key = format!("{prefix}/b/big.bin");
    let chunks: Vec<Bytes> = (0..24u32)
        .map(|i| {
            Bytes::from(
                (0..1_000_003u32)
                    .map(|j| (j.wrapping_mul(31).wrapping_add(i * 7) % 251) as u8)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let expected_len: usize = chunks.iter().map(|c| c.len()).sum();
    let mut hasher = Sha256::new();
    chunks.iter().for_each(|c| hasher.update(c));
    let expected_sha = hex::encode(hasher.finalize());
    let body = stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let written = storage.put_stream(&big_key, body).await.unwrap();
    assert_eq!(written as usize, expected_len);
    let back = storage.get(&big_key).await.unwrap();
    assert_eq!(back.len(), expected_len);
    assert_eq!(hex::encode(Sha256::digest(&back)), expected_sha);

    // streamed download gives the same bytes
    let (size, mut s) = storage.get_stream(&big_key).await.unwrap();
    assert_eq!(size as usize, expected_len);
    let mut streamed = Sha256::new();
    use futures::StreamExt;
    while let Some(chunk) = s.next().await {
        streamed.update(chunk.unwrap());
    }
    assert_eq!(hex::encode(streamed.finalize()), expected_sha);

    // listing is recursive and sorted
    assert_eq!(
        storage.list(&prefix).await.unwrap(),
        vec![format!("{prefix}/a/small.txt"), big_key.clone()]
    );

    // a stream that fails midway leaves nothing under its key
    let broken_key = format!("{prefix}/c/broken.bin");
    let broken = stream::iter(vec![
        Ok(Bytes::from(vec![1u8; 9_000_000])),
        Err(std::io::Error::other("connection dropped")),
    ]);
    assert!(storage.put_stream(&broken_key, broken).await.is_err());
    assert!(matches!(
        storage.get(&broken_key).await,
        Err(StorageError::NotFound { .. })
    ));

    // delete; deleting twice is fine; reading a deleted key is NotFound
    storage.delete(&key).await.unwrap();
    storage.delete(&key).await.unwrap();
    assert!(matches!(
        storage.get(&key).await,
        Err(StorageError::NotFound { .. })
    ));
    storage.delete(&big_key).await.unwrap();
    assert!(storage.list(&prefix).await.unwrap().is_empty());

    // keys that try to climb out are refused
    assert!(matches!(
        storage.put("../escape", Bytes::new()).await,
        Err(StorageError::BadKey { .. })
    ));
    assert!(matches!(
        storage.get("a/../../etc/passwd").await,
        Err(StorageError::BadKey { .. })
    ));

    storage.probe().await.unwrap();
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn local_directory_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(ObjectStorage::local(dir.path()).unwrap()).await;
    // nothing stays behind on disk either (no temporary files from the failed upload)
    let leftovers: Vec<_> = walk(dir.path());
    assert!(leftovers.is_empty(), "left on disk: {leftovers:?}");
}

#[tokio::test]
async fn s3_server_round_trip() {
    round_trip(ObjectStorage::s3(&store::testing::s3_config()).unwrap()).await;
}

#[tokio::test]
async fn unreachable_s3_fails_fast_with_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // closed once dropped
    let config = store::S3Config {
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: "nowhere".into(),
        timeout_secs: 2,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let err = ObjectStorage::s3(&config)
        .unwrap()
        .probe()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(err, StorageError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("storage.s3.endpoint"), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
