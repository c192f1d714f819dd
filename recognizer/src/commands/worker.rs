//! `worker`: a process that takes jobs from the queue and runs them.

use tokio::sync::watch;

use super::services;
use crate::config::Config;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let services = services::worker(&config).await?;
    tracing::info!(onnx_runtime = %services.runtime.version, provider = ?config.runtime.execution_provider, worker = %services.identity.id, "worker ready");
    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = tokio::spawn(workers::run_worker(services, stop_rx));
    super::shutdown_signal().await;
    let _ = stop_tx.send(true);
    worker.await?
}
