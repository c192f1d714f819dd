//! `worker`: a process that runs jobs (this session: identity and heartbeats; handlers arrive
//! with the job queue).

use tokio::sync::watch;
use workers::WorkerIdentity;

use super::services;
use crate::config::Config;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = services::database(&config).await?;
    let _storage = services::storage(&config).await?;
    let runtime = services::runtime(&config)?;
    tracing::info!(onnx_runtime = %runtime.version, provider = ?config.runtime.execution_provider, "worker ready");
    let (stop_tx, stop_rx) = watch::channel(false);
    let heartbeats = tokio::spawn(workers::run_heartbeats(db, WorkerIdentity::new(), config.worker.clone(), stop_rx));
    super::shutdown_signal().await;
    let _ = stop_tx.send(true);
    let _ = heartbeats.await;
    Ok(())
}
