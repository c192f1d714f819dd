//! `serve` and `up`: the HTTP server, optionally with an in-process worker.

use std::time::Duration;

use anyhow::Context;
use backend::AppState;
use tokio::sync::watch;

use super::services;
use crate::config::Config;

pub async fn run(config: Config, with_worker: bool) -> anyhow::Result<()> {
    let db = services::database(&config).await?;
    let storage = services::storage(&config).await?;
    let catalog = services::catalog(&config)?;
    // The server itself runs no models: a missing runtime is reported by /api/health, not fatal.
    let onnx_runtime = match services::runtime(&config) {
        Ok(rt) => Ok(rt.version.clone()),
        Err(e) if with_worker => return Err(e),
        Err(e) => {
            tracing::warn!("{e:#}");
            Err(format!("{e:#}"))
        }
    };
    super::users::ensure_first_admin(&db, &config).await?;
    std::fs::create_dir_all(&config.server.upload_dir).with_context(|| {
        format!(
            "cannot create server.upload_dir = {}",
            config.server.upload_dir.display()
        )
    })?;
    services::private_dir(&config.server.upload_dir);
    let state = AppState::new(
        db.clone(),
        storage.clone(),
        catalog.clone(),
        onnx_runtime,
        Duration::from_secs(config.worker.lease_secs),
        config.server.settings(),
    );

    let web_dir = config.server.web_dir.clone();
    let web_dir = if web_dir.join("index.html").is_file() {
        Some(web_dir)
    } else {
        tracing::warn!(dir = %web_dir.display(), "no built web UI (server.web_dir): run scripts/build-frontend.sh; serving the API only");
        None
    };
    let listener = tokio::net::TcpListener::bind(&config.server.bind)
        .await
        .with_context(|| format!("cannot listen on server.bind = {}", config.server.bind))?;
    let addr = listener.local_addr()?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = if with_worker {
        let services = services::worker(&config).await?;
        Some(tokio::spawn(workers::run_worker(services, stop_rx.clone())))
    } else {
        None
    };

    println!(
        "Recognizer is running at http://{addr}/  (health: http://{addr}/api/health; Ctrl-C stops it)"
    );
    let app = backend::router(state, web_dir);
    let shutdown = async move {
        super::shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    backend::serve(listener, app, shutdown)
        .await
        .context("HTTP server failed")?;
    if let Some(worker) = worker {
        match tokio::time::timeout(Duration::from_secs(10), worker).await {
            Ok(Ok(Err(e))) => tracing::warn!("{e:#}"),
            Err(_) => tracing::warn!(
                "the worker did not stop within 10 s; its job will be taken over after the lease"
            ),
            _ => {}
        }
    }
    Ok(())
}
