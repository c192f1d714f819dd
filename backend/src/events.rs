//! Events analysis found (`GET /api/events`, one event, its picture), within the projects the
//! caller may see. New events also reach the browser over the websocket (`live`).

use api::{Event, EventQuery};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, Result};

/// The services an event may belong to.
const SERVICES: [&str; 2] = ["fall", "fight"];

#[utoipa::path(get, path = "/api/events", tag = "events", params(EventQuery), responses((status = 200, body = Vec<Event>, headers(("x-total-count" = i64, description = "events matching the filters, all pages"))), (status = 422, body = api::ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(mut q): Query<EventQuery>,
) -> Result<(HeaderMap, Json<Vec<Event>>)> {
    q.service = q.service.filter(|s| !s.is_empty());
    if let Some(s) = &q.service
        && !SERVICES.contains(&s.as_str())
    {
        return Err(Error::field(
            "service",
            format!("unknown service {s:?}: use one of {}", SERVICES.join(", ")),
        ));
    }
    if let Some(m) = q.min_score
        && !(0.0..=1.0).contains(&m)
    {
        return Err(Error::field(
            "min_score",
            format!("min_score {m} must be between 0 and 1"),
        ));
    }
    if let (Some(from), Some(to)) = (q.from_secs, q.to_secs)
        && from > to
    {
        return Err(Error::field(
            "from_secs",
            format!("from_secs {from} is after to_secs {to}"),
        ));
    }
    if let Some(limit) = q.limit
        && !(1..=store::events::MAX_EVENTS).contains(&limit)
    {
        return Err(Error::field(
            "limit",
            format!("limit must be 1–{}", store::events::MAX_EVENTS),
        ));
    }
    if q.offset.is_some_and(|o| o < 0) {
        return Err(Error::field("offset", "offset must be 0 or more"));
    }
    let projects = caller.visible_projects(&state).await?;
    let (events, total) = state.db.events(&projects, &q).await?;
    Ok(crate::paging::counted(events, total))
}

/// An event the caller may see, and its picture's key.
async fn visible_event(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(Event, Option<String>)> {
    let (event, key) = state
        .db
        .event(id)
        .await?
        .ok_or_else(|| Error::not_found("event"))?;
    caller
        .role_in(state, event.project_id)
        .await
        .map_err(|_| Error::not_found("event"))?;
    Ok((event, key))
}

#[utoipa::path(get, path = "/api/events/{id}", tag = "events", responses((status = 200, body = Event), (status = 404, body = api::ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Event>> {
    Ok(Json(visible_event(&state, &caller, id).await?.0))
}

#[utoipa::path(get, path = "/api/events/{id}/thumbnail", tag = "events", responses((status = 200, description = "JPEG of the event's peak frame, the people involved boxed", content_type = "image/jpeg"), (status = 404, body = api::ApiError)))]
pub async fn thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let (event, key) = visible_event(&state, &caller, id).await?;
    let key = key.ok_or_else(|| Error::not_found("event picture"))?;
    let name = format!("{}-{:.1}s.jpg", event.service, event.peak_secs);
    crate::download::serve(&state.storage, &key, "image/jpeg", &name, &headers).await
}

#[utoipa::path(get, path = "/api/events/{id}/clip", tag = "events", responses((status = 200, description = "MP4 of a live event: a few seconds before, the event, a few seconds after", content_type = "video/mp4"), (status = 404, body = api::ApiError)))]
pub async fn clip(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let (event, _) = visible_event(&state, &caller, id).await?;
    let key = state
        .db
        .event_clip(id)
        .await?
        .ok_or_else(|| Error::not_found("event clip"))?;
    let name = format!("{}-{}.mp4", event.service, event.id);
    crate::download::serve(&state.storage, &key, "video/mp4", &name, &headers).await
}
