//! Connecting to what the configuration names, with errors that say which setting to fix.

use anyhow::Context;
use store::{Database, ObjectStorage, StorageKind};
use vision::{Catalog, Runtime};

use crate::config::Config;

pub async fn database(config: &Config) -> anyhow::Result<Database> {
    if config.database.url.is_empty() {
        anyhow::bail!(
            "database.url is not set (set RECOGNIZER_DATABASE__URL or [database] url = \"postgres://…\")"
        );
    }
    Database::connect(&config.database)
        .await
        .context("check database.url (RECOGNIZER_DATABASE__URL)")
}

/// Builds the storage and proves it works with a write/read/delete probe.
pub async fn storage(config: &Config) -> anyhow::Result<ObjectStorage> {
    let hint = match config.storage.kind {
        StorageKind::Local => "check storage.local_dir (RECOGNIZER_STORAGE__LOCAL_DIR)",
        StorageKind::S3 => {
            "check storage.s3.endpoint, storage.s3.bucket and the storage.s3 credentials"
        }
    };
    let storage = ObjectStorage::from_config(&config.storage).context(hint)?;
    storage.probe().await.context(hint)?;
    if config.storage.kind == StorageKind::Local {
        // made before the process umask (or by an older version): only this user may enter
        private_dir(&config.storage.local_dir);
    }
    Ok(storage)
}

/// `chmod 0700` on a directory that holds people's footage; a warning if that is not possible.
pub fn private_dir(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if dir.is_dir()
        && let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot make the directory private (0700)");
    }
}

/// The ONNX Runtime; where models run on CUDA, videos are decoded on the GPU too (NVDEC, with
/// software decoding where it is missing).
pub fn runtime(config: &Config) -> anyhow::Result<&'static Runtime> {
    let runtime = Runtime::load(&config.runtime)
        .context("check runtime.library (RECOGNIZER_RUNTIME__LIBRARY) or ORT_DYLIB_PATH")?;
    vision::media::set_hardware_decoding(
        config.runtime.execution_provider == vision::ExecutionProvider::Cuda,
    );
    vision::media::set_default_preset(&config.worker.encoder_preset)
        .map_err(anyhow::Error::msg)
        .context("check worker.encoder_preset (RECOGNIZER_WORKER__ENCODER_PRESET)")?;
    Ok(runtime)
}

pub fn catalog(config: &Config) -> anyhow::Result<Catalog> {
    Ok(Catalog::new(&config.models.dir)?)
}

/// What a worker needs: database, storage, runtime, models.
pub async fn worker(config: &Config) -> anyhow::Result<workers::WorkerServices> {
    Ok(workers::WorkerServices {
        db: database(config).await?,
        storage: storage(config).await?,
        runtime: runtime(config)?,
        catalog: catalog(config)?,
        scratch_root: config.worker.scratch_dir.clone(),
        identity: workers::WorkerIdentity::new(),
        config: config.worker.clone(),
    })
}
