//! The HTTP server: REST API under `/api`, health, and the built web UI for every other path.
//! The binary builds an [`AppState`] from the configuration and calls [`serve`].

pub mod health;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// The full application router.
pub fn router(state: AppState, web_dir: Option<PathBuf>) -> Router {
    let api = Router::new().route("/health", get(health::get_health)).fallback(api_not_found);
    let mut app = Router::new().nest("/api", api).with_state(state);
    if let Some(dir) = web_dir {
        // A client-side app: unknown paths get index.html so deep links work.
        let index = ServeFile::new(dir.join("index.html"));
        app = app.fallback_service(ServeDir::new(dir).fallback(index));
    }
    app.layer(TraceLayer::new_for_http())
}

/// Unknown API paths are a JSON 404, never the web UI's index.html.
async fn api_not_found(uri: axum::http::Uri) -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
    let body = serde_json::json!({ "error": format!("no API endpoint at {}", uri.path()) });
    (axum::http::StatusCode::NOT_FOUND, axum::Json(body))
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
