//! Admin views: workers (alive, current job, last heartbeat) and the queue.

use api::Queue;
use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Result;

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
