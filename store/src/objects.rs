//! Object storage: an S3-compatible bucket or a local directory, behind one type.
//!
//! Large objects go through multipart uploads fed from a stream, so no file is ever held whole
//! in memory. Writes to a key are atomic on both backends (S3 completes a multipart upload at
//! once; the local store writes a temporary file and renames it).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    #[default]
    Local,
    S3,
}

/// The `[storage]` section of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub kind: StorageKind,
    /// Directory used when `kind = "local"`.
    pub local_dir: PathBuf,
    pub s3: S3Config,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    /// e.g. `http://127.0.0.1:9000`; empty means AWS itself.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `http://host/bucket/key` instead of `http://bucket.host/key` (MinIO, s3s-fs, Garage…).
    pub path_style: bool,
    /// Give up on an unreachable endpoint after this long (start-up, health checks).
    pub timeout_secs: u64,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            bucket: String::new(),
            region: "us-east-1".into(),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            path_style: true,
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage.local_dir {dir} cannot be used: {reason}")]
    LocalDir { dir: PathBuf, reason: String },
    #[error("storage.s3 is misconfigured: {0}")]
    S3Config(String),
    #[error(
        "object storage at {backend} is not usable (check storage.s3.endpoint, bucket and credentials): {source}"
    )]
    Unreachable {
        backend: String,
        source: object_store::Error,
    },
    #[error("object {key} does not exist")]
    NotFound { key: String },
    #[error("invalid object key {key:?}: {reason}")]
    BadKey { key: String, reason: String },
    #[error("object storage error on {key}: {source}")]
    Io {
        key: String,
        source: object_store::Error,
    },
}

/// Object storage shared by the backend and workers. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ObjectStorage {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

/// Parts of a multipart upload are this big (S3's minimum is 5 MiB).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once: bounds memory at PART_SIZE × this.
const PARTS_IN_FLIGHT: usize = 4;

impl ObjectStorage {
    pub fn from_config(config: &StorageConfig) -> Result<Self, StorageError> {
        match config.kind {
            StorageKind::Local => Self::local(&config.local_dir),
            StorageKind::S3 => Self::s3(&config.s3),
        }
    }

    pub fn local(dir: &std::path::Path) -> Result<Self, StorageError> {
        let bad = |reason: String| StorageError::LocalDir {
            dir: dir.to_path_buf(),
            reason,
        };
        if dir.as_os_str().is_empty() {
            return Err(bad("it is empty; set a directory".into()));
        }
        std::fs::create_dir_all(dir).map_err(|e| bad(e.to_string()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| bad(e.to_string()))?
            .with_automatic_cleanup(true);
        Ok(Self {
            inner: Arc::new(store),
            description: format!("local directory {}", dir.display()),
        })
    }

    pub fn s3(config: &S3Config) -> Result<Self, StorageError> {
        if config.bucket.is_empty() {
            return Err(StorageError::S3Config("storage.s3.bucket is empty".into()));
        }
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let client = ClientOptions::new()
            .with_connect_timeout(timeout.min(Duration::from_secs(5)))
            .with_timeout(Duration::from_secs(300))
            .with_allow_http(config.endpoint.starts_with("http://"));
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: timeout,
            ..Default::default()
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_virtual_hosted_style_request(!config.path_style)
            .with_client_options(client)
            .with_retry(retry);
        if !config.endpoint.is_empty() {
            builder = builder.with_endpoint(&config.endpoint);
        }
        if !config.access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&config.access_key_id)
                .with_secret_access_key(&config.secret_access_key);
        }
        let store = builder
            .build()
            .map_err(|e| StorageError::S3Config(e.to_string()))?;
        let where_ = if config.endpoint.is_empty() {
            "AWS".to_string()
        } else {
            config.endpoint.clone()
        };
        Ok(Self {
            inner: Arc::new(store),
            description: format!("S3 bucket {} at {where_}", config.bucket),
        })
    }

    /// e.g. "local directory /var/lib/recognizer/objects".
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub async fn put(&self, key: &str, data: impl Into<Bytes>) -> Result<(), StorageError> {
        let k = parse_key(key)?;
        self.inner
            .put(&k, PutPayload::from_bytes(data.into()))
            .await
            .map_err(|e| io(key, e))?;
        Ok(())
    }

    /// Streams `body` into `key` as a multipart upload; returns the bytes written.
    /// Nothing is visible under `key` unless the whole stream arrived.
    pub async fn put_stream<S, E>(&self, key: &str, mut body: S) -> Result<u64, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let k = parse_key(key)?;
        let upload = self.inner.put_multipart(&k).await.map_err(|e| io(key, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(StorageError::Io {
                        key: key.into(),
                        source: object_store::Error::Generic {
                            store: "upload",
                            source: e.to_string().into(),
                        },
                    });
                }
            };
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                return Err(io(key, e));
            }
            written += chunk.len() as u64;
            writer.put(chunk);
        }
        writer.finish().await.map_err(|e| io(key, e))?;
        Ok(written)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let k = parse_key(key)?;
        let result = self.inner.get(&k).await.map_err(|e| io(key, e))?;
        result.bytes().await.map_err(|e| io(key, e))
    }

    /// The object as a stream of chunks, for downloads that must not sit in memory.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<(u64, impl Stream<Item = Result<Bytes, StorageError>> + use<>), StorageError> {
        let k = parse_key(key)?;
        let result = self.inner.get(&k).await.map_err(|e| io(key, e))?;
        let size = result.meta.size;
        let owned = key.to_string();
        Ok((size, result.into_stream().map_err(move |e| io(&owned, e))))
    }

    /// Bytes `start..end` of the object as a stream (HTTP Range requests, video seeking).
    pub async fn get_range_stream(
        &self,
        key: &str,
        range: std::ops::Range<u64>,
    ) -> Result<impl Stream<Item = Result<Bytes, StorageError>> + use<>, StorageError> {
        let k = parse_key(key)?;
        let options = object_store::GetOptions {
            range: Some(object_store::GetRange::Bounded(range)),
            ..Default::default()
        };
        let result = self
            .inner
            .get_opts(&k, options)
            .await
            .map_err(|e| io(key, e))?;
        let owned = key.to_string();
        Ok(result.into_stream().map_err(move |e| io(&owned, e)))
    }

    pub async fn size(&self, key: &str) -> Result<u64, StorageError> {
        let k = parse_key(key)?;
        Ok(self.inner.head(&k).await.map_err(|e| io(key, e))?.size)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let k = parse_key(key)?;
        match self.inner.delete(&k).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io(key, e)),
        }
    }

    /// Keys under `prefix` (recursively), sorted.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let p = if prefix.is_empty() {
            None
        } else {
            Some(parse_key(prefix)?)
        };
        let mut keys: Vec<String> = self
            .inner
            .list(p.as_ref())
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(|e| io(prefix, e))?;
        keys.sort();
        Ok(keys)
    }

    /// Writes, reads back and deletes a small object: proves the storage works end to end.
    pub async fn probe(&self) -> Result<(), StorageError> {
        let key = format!("_health/probe-{}", uuid::Uuid::new_v4());
        let payload = Bytes::from_static(b"recognizer storage probe");
        let unreachable = |e: StorageError| match e {
            StorageError::Io { source, .. } => StorageError::Unreachable {
                backend: self.description.clone(),
                source,
            },
            other => other,
        };
        self.put(&key, payload.clone()).await.map_err(unreachable)?;
        let back = self.get(&key).await.map_err(unreachable)?;
        self.delete(&key).await.map_err(unreachable)?;
        if back != payload {
            return Err(StorageError::Unreachable {
                backend: self.description.clone(),
                source: object_store::Error::Generic {
                    store: "probe",
                    source: "read back different bytes".into(),
                },
            });
        }
        Ok(())
    }
}

fn parse_key(key: &str) -> Result<Key, StorageError> {
    if key.split('/').any(|part| part == ".." || part == ".") {
        return Err(StorageError::BadKey {
            key: key.into(),
            reason: "relative path segments are not allowed".into(),
        });
    }
    Key::parse(key).map_err(|e| StorageError::BadKey {
        key: key.into(),
        reason: e.to_string(),
    })
}

fn io(key: &str, source: object_store::Error) -> StorageError {
    match source {
        object_store::Error::NotFound { .. } => StorageError::NotFound { key: key.into() },
        source => StorageError::Io {
            key: key.into(),
            source,
        },
    }
}
