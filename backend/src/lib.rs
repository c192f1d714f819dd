//! The HTTP server: REST API under `/api` (auth, projects, videos and uploads, jobs and artifacts,
//! admin, websocket events, OpenAPI), Prometheus metrics at `/metrics`, and the built web UI for
//! every other path. The binary builds an [`AppState`] from the configuration and calls [`serve`].

pub mod admin;
pub mod auth;
pub mod download;
pub mod error;
pub mod events;
pub mod health;
pub mod jobs;
pub mod live;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod overlay;
pub mod paging;
mod poster;
pub mod projects;
mod security;
mod state;
pub mod streams;
pub mod throttle;
pub mod users;
pub mod videos;
pub mod webhooks;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use state::{AppState, Settings};

/// The full application router. Starts the event listener for the websockets.
pub fn router(state: AppState, web_dir: Option<PathBuf>) -> Router {
    tokio::spawn(live::listen(state.clone()));
    let api = Router::new()
        .route("/health", get(health::get_health))
        .route("/openapi.json", get(openapi::document))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/password", post(auth::change_password))
        .route(
            "/auth/tokens",
            get(auth::list_tokens).post(auth::create_token),
        )
        .route("/auth/tokens/{id}", delete(auth::delete_token))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", axum::routing::patch(users::update))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/{id}", get(projects::get))
        .route(
            "/projects/{id}/members",
            get(projects::members).post(projects::add_member),
        )
        .route(
            "/projects/{id}/members/{user_id}",
            delete(projects::remove_member),
        )
        .route("/projects/{id}/uploads", post(videos::create_upload))
        .route(
            "/projects/{id}/models",
            get(models::list)
                .post(models::upload)
                .layer(DefaultBodyLimit::max(models::MAX_MODEL_BYTES)),
        )
        .route("/models/{id}", delete(models::delete))
        .route(
            "/projects/{id}/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route("/webhooks/{id}", delete(webhooks::delete))
        .route(
            "/projects/{id}/streams",
            get(streams::list).post(streams::create),
        )
        .route(
            "/streams/{id}",
            get(streams::get)
                .patch(streams::update)
                .delete(streams::delete),
        )
        .route("/streams/{id}/live", get(live::stream_view))
        .route("/webhooks/{id}/test", post(webhooks::test))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/uploads/{id}",
            get(videos::get_upload)
                .head(videos::get_upload)
                // uploads stream to the spool file chunk by chunk; never held whole
                .patch(videos::patch_upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/videos", get(videos::list))
        .route("/videos/{id}", get(videos::get).delete(videos::delete))
        .route("/videos/{id}/file", get(videos::file))
        .route("/videos/{id}/poster", get(videos::poster))
        .route("/videos/{id}/zones", axum::routing::put(videos::set_zones))
        .route(
            "/videos/{id}/footfall",
            axum::routing::put(videos::set_footfall),
        )
        .route("/job-kinds", get(jobs::kinds))
        .route("/jobs", get(jobs::list).post(jobs::create))
        .route("/jobs/{id}", get(jobs::get))
        .route("/jobs/{id}/cancel", post(jobs::cancel))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/jobs/{id}/artifacts", get(jobs::artifacts))
        .route("/jobs/{id}/overlay-preview", get(overlay::preview))
        .route("/artifacts/{id}/download", get(jobs::download))
        .route("/admin/queue", get(admin::queue))
        .route("/admin/storage", get(admin::storage))
        .route("/admin/removals", get(admin::removals))
        .route(
            "/admin/projects/{id}/retention",
            axum::routing::put(admin::set_retention),
        )
        .route("/videos/{id}/pinned", axum::routing::put(admin::pin_video))
        .route("/jobs/{id}/pinned", axum::routing::put(admin::pin_job))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::get))
        .route("/events/{id}/thumbnail", get(events::thumbnail))
        .route("/events/{id}/clip", get(events::clip))
        .route("/ws", get(live::websocket))
        .fallback(api_not_found)
        // JSON bodies are small: a larger one is refused (413) after MAX_JSON_BYTES, unread
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(axum::middleware::from_fn(security::json_errors));
    tokio::spawn(videos::expire_abandoned_uploads(state.clone()));
    tokio::spawn(webhooks::deliver(state.clone()));
    let mut app = Router::new()
        .nest("/api", api)
        .route("/metrics", get(metrics::metrics))
        .with_state(state);
    if let Some(dir) = web_dir {
        // A client-side app: unknown paths get index.html so deep links work.
        let index = ServeFile::new(dir.join("index.html"));
        app = app.fallback_service(ServeDir::new(dir).fallback(index));
    }
    security::headers(app).layer(TraceLayer::new_for_http())
}

/// The largest JSON request body accepted; only upload `PATCH`es stream more.
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// Unknown API paths are a JSON 404, never the web UI's index.html.
async fn api_not_found(
    uri: axum::http::Uri,
) -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
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
    // the peer's address reaches handlers (the sign-in throttle counts per address)
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
