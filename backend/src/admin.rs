//! Admin views: workers (alive, current job, last heartbeat), the queue, storage per project and
//! retention (limits, pins, what sweeps removed).

use api::{Pin, ProjectStorage, Queue, Removal, Retention};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, JsonBody, Result};

#[utoipa::path(get, path = "/api/admin/queue", tag = "admin", responses((status = 200, body = Queue), (status = 403, body = api::ApiError)))]
pub async fn queue(State(state): State<AppState>, caller: Caller) -> Result<Json<Queue>> {
    caller.require_admin()?;
    let counts = state.db.job_counts().await?;
    let count = |s: api::JobStatus| {
        counts
            .iter()
            .filter(|(_, st, _)| *st == s)
            .map(|(_, _, n)| n)
            .sum()
    };
    let workers = state.db.workers(state.worker_lease.as_secs_f64()).await?;
    Ok(Json(Queue {
        queued: count(api::JobStatus::Queued),
        running: count(api::JobStatus::Running),
        workers,
    }))
}

#[utoipa::path(get, path = "/api/admin/storage", tag = "admin", responses((status = 200, body = Vec<ProjectStorage>), (status = 403, body = api::ApiError)))]
pub async fn storage(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ProjectStorage>>> {
    caller.require_admin()?;
    Ok(Json(state.db.project_storage().await?))
}

#[utoipa::path(put, path = "/api/admin/projects/{id}/retention", tag = "admin", request_body = Retention,
    responses((status = 204), (status = 422, body = api::ApiError), (status = 403, body = api::ApiError)))]
pub async fn set_retention(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
    JsonBody(r): JsonBody<Retention>,
) -> Result<StatusCode> {
    caller.require_admin()?;
    for (field, days) in [
        ("videos_days", r.videos_days),
        ("artifacts_days", r.artifacts_days),
    ] {
        if days.is_some_and(|d| !(1..=36_500).contains(&d)) {
            return Err(Error::field(
                field,
                format!("{field} must be 1–36500 days, or null to keep forever"),
            ));
        }
    }
    changed(state.db.set_retention(project, &r).await?, "project")
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct RemovalQuery {
    pub project: Option<Uuid>,
}

#[utoipa::path(get, path = "/api/admin/removals", tag = "admin", params(RemovalQuery), responses((status = 200, body = Vec<Removal>)))]
pub async fn removals(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RemovalQuery>,
) -> Result<Json<Vec<Removal>>> {
    caller.require_admin()?;
    Ok(Json(state.db.removals(q.project, 500).await?))
}

#[utoipa::path(put, path = "/api/videos/{id}/pinned", tag = "admin", request_body = Pin, responses((status = 204), (status = 403, body = api::ApiError)))]
pub async fn pin_video(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonBody(pin): JsonBody<Pin>,
) -> Result<StatusCode> {
    caller.require_admin()?;
    changed(state.db.set_video_pinned(id, pin.pinned).await?, "video")
}

#[utoipa::path(put, path = "/api/jobs/{id}/pinned", tag = "admin", request_body = Pin, responses((status = 204), (status = 403, body = api::ApiError)))]
pub async fn pin_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonBody(pin): JsonBody<Pin>,
) -> Result<StatusCode> {
    caller.require_admin()?;
    changed(state.db.set_job_pinned(id, pin.pinned).await?, "job")
}

/// 204 when the row was there to change, else 404 naming it.
fn changed(found: bool, what: &str) -> Result<StatusCode> {
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found(what))
    }
}
