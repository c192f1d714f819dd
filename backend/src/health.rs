//! `GET /api/health`. Anyone: `{"status":"ok"}` (the process serves requests; nothing else is
//! touched, so it is cheap to poll). Administrators: database, storage (a write/read/delete
//! probe, its answer cached for `STORAGE_CHECK_TTL`), ONNX Runtime, models, workers: 200 when
//! everything is healthy and 503 otherwise, with the details either way.

use api::{Check, Health, ModelCheck};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::Caller;

/// How long a storage probe's answer is reused.
pub const STORAGE_CHECK_TTL: std::time::Duration = std::time::Duration::from_secs(30);

#[utoipa::path(get, path = "/api/health", tag = "admin", responses((status = 200, description = "`Liveness` for anyone, `Health` for administrators", body = api::Health), (status = 503, body = api::Health)))]
pub async fn get_health(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let admin = Caller::from_request_parts(&mut parts, &state)
        .await
        .is_ok_and(|c| c.is_admin());
    if !admin {
        return Json(api::Liveness {
            status: "ok".into(),
        })
        .into_response();
    }
    details(&state).await.into_response()
}

async fn details(state: &AppState) -> (StatusCode, Json<Health>) {
    let state = state.clone();
    let (database, storage) = tokio::join!(check_database(&state), check_storage(&state));
    let onnx_runtime = match &state.onnx_runtime {
        Ok(version) => Check::ok(format!("ONNX Runtime {version}")),
        Err(reason) => Check::failed(reason.clone()),
    };
    let model_files: Vec<ModelCheck> = state
        .catalog
        .status()
        .into_iter()
        .map(|m| ModelCheck {
            name: m.name,
            required: m.required,
            present: m.present,
            bytes: m.bytes,
        })
        .collect();
    let missing: Vec<&str> = model_files
        .iter()
        .filter(|m| m.required && !m.present)
        .map(|m| m.name.as_str())
        .collect();
    let models = if missing.is_empty() {
        let present = model_files.iter().filter(|m| m.present).count();
        Check::ok(format!(
            "{present} of {} models in {}",
            model_files.len(),
            state.catalog.dir.display()
        ))
    } else {
        Check::failed(format!(
            "missing {}: run `recognizer models fetch`",
            missing.join(", ")
        ))
    };
    let (workers, live_workers) = match state.db.live_workers(state.worker_lease).await {
        Ok(ids) if ids.is_empty() => (
            Check::failed("no worker has sent a heartbeat recently: start `recognizer worker`"),
            ids,
        ),
        Ok(ids) => (Check::ok(format!("{} alive", ids.len())), ids),
        Err(e) => (
            Check::failed(format!("cannot read workers: {e}")),
            Vec::new(),
        ),
    };
    let healthy = [&database, &storage, &onnx_runtime, &models, &workers]
        .iter()
        .all(|c| c.ok);
    let health = Health {
        healthy,
        version: env!("CARGO_PKG_VERSION").into(),
        database,
        storage,
        onnx_runtime,
        models,
        model_files,
        workers,
        live_workers,
    };
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}

async fn check_database(state: &AppState) -> Check {
    match state.db.ping().await {
        Ok(()) => Check::ok("PostgreSQL reachable"),
        Err(e) => Check::failed(e.to_string()),
    }
}

async fn check_storage(state: &AppState) -> Check {
    // one probe at a time; the others wait for its answer
    let mut cached = state.storage_check.lock().await;
    if let Some((at, check)) = cached.as_ref()
        && at.elapsed() < STORAGE_CHECK_TTL
    {
        return check.clone();
    }
    let check = match state.storage.probe().await {
        Ok(()) => Check::ok(format!(
            "{}: write, read and delete work",
            state.storage.describe()
        )),
        Err(e) => Check::failed(e.to_string()),
    };
    *cached = Some((std::time::Instant::now(), check.clone()));
    check
}
