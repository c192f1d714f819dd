//! Live updates: the `jobs`, `videos` and `events` triggers NOTIFY `recognizer_events`; one task per server
//! LISTENs, loads the changed row and broadcasts it; each websocket client (`/api/ws`) gets a
//! snapshot first, then the events of the projects it may see.

use std::collections::HashSet;
use std::time::Duration;

use api::ServerEvent;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::Response;
use serde::Deserialize;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, Result};

pub const CHANNEL: &str = "recognizer_events";
/// Workers announce a stream's new live-view frame here (payload: the stream id).
pub const LIVE_CHANNEL: &str = "recognizer_live";

/// One change, tagged with its project for filtering.
#[derive(Debug, Clone)]
pub struct ProjectEvent {
    pub project_id: Uuid,
    pub event: ServerEvent,
}

#[derive(Deserialize)]
struct Notice {
    table: String,
    op: String,
    id: Uuid,
    project_id: Uuid,
}

/// LISTENs until the process ends, reconnecting when the database goes away.
pub async fn listen(state: AppState) {
    loop {
        if let Err(e) = listen_once(&state).await {
            tracing::warn!(error = %e, "event listener lost the database; reconnecting in 2 s");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn listen_once(state: &AppState) -> anyhow::Result<()> {
    let mut listener = PgListener::connect_with(&state.db.pool).await?;
    listener.listen_all([CHANNEL, LIVE_CHANNEL]).await?;
    loop {
        let n = listener.recv().await?;
        if n.channel() == LIVE_CHANNEL {
            if let Ok(id) = n.payload().parse::<Uuid>() {
                let _ = state.live_frames.send(id);
            }
            continue;
        }
        let Ok(notice) = serde_json::from_str::<Notice>(n.payload()) else {
            continue;
        };
        let event = match (notice.table.as_str(), notice.op.as_str()) {
            ("jobs", "DELETE") => Some(ServerEvent::JobDeleted {
                id: notice.id,
                project_id: notice.project_id,
            }),
            ("jobs", _) => state.db.job(notice.id).await?.map(|job| {
                state.metrics.observe_job(&job);
                ServerEvent::Job { job }
            }),
            ("videos", "DELETE") => Some(ServerEvent::VideoDeleted {
                id: notice.id,
                project_id: notice.project_id,
            }),
            ("videos", _) => state
                .db
                .video(notice.id)
                .await?
                .map(|video| ServerEvent::Video { video }),
            ("streams", "DELETE") => Some(ServerEvent::StreamDeleted {
                id: notice.id,
                project_id: notice.project_id,
            }),
            ("streams", _) => state
                .db
                .stream(notice.id)
                .await?
                .map(|stream| ServerEvent::Stream { stream }),
            ("events", _) => state
                .db
                .event(notice.id)
                .await?
                .map(|(event, _)| ServerEvent::Event { event }),
            _ => None,
        };
        if let Some(event) = event {
            // no receivers is fine
            let _ = state.events.send(ProjectEvent {
                project_id: notice.project_id,
                event,
            });
        }
    }
}

/// A cookie-authenticated websocket from another site would ride on the user's session: refuse
/// cross-origin upgrades (scripts with a bearer token send no Origin).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host)
}

#[utoipa::path(get, path = "/api/ws", tag = "events", responses((status = 101, description = "websocket of ServerEvent JSON messages", body = ServerEvent)))]
pub async fn websocket(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response> {
    if !same_origin(&headers) {
        return Err(Error::forbidden("websocket from another origin refused"));
    }
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = serve_client(state, caller, socket).await {
            tracing::debug!(error = %e, "websocket closed");
        }
    }))
}

async fn serve_client(
    state: AppState,
    caller: Caller,
    mut socket: WebSocket,
) -> anyhow::Result<()> {
    // Subscribe before reading the snapshot, so nothing between the two is missed.
    let mut events = state.events.subscribe();
    let mut allowed: HashSet<Uuid> = caller
        .visible_projects(&state)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?
        .into_iter()
        .collect();
    send_snapshot(&state, &allowed, &mut socket).await?;
    let mut refresh = tokio::time::interval(Duration::from_secs(10));
    refresh.tick().await;
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(e) if allowed.contains(&e.project_id) => {
                    socket.send(Message::Text(serde_json::to_string(&e.event)?.into())).await?;
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => send_snapshot(&state, &allowed, &mut socket).await?,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(()),
                Some(Ok(_)) => {}
            },
            _ = refresh.tick() => {
                // memberships may change while a page is open
                match state.db.user(caller.user.id).await {
                    Ok(Some(u)) if !u.disabled => {
                        allowed = state.db.visible_project_ids(&u).await?.into_iter().collect();
                    }
                    Ok(_) => return Ok(()),
                    Err(e) => tracing::warn!(error = %e, "cannot refresh websocket permissions"),
                }
            }
        }
    }
}

/// How long one viewer's interest keeps the worker publishing; renewed every third of it.
const WATCH_SECS: f64 = 15.0;

#[utoipa::path(get, path = "/api/streams/{id}/live", tag = "streams", responses((status = 101,
    description = "websocket: each new frame of the live view as a binary JPEG message, preceded by a text message with what is on it (people, events, latency)")))]
pub async fn stream_view(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<Uuid>,
    ws: WebSocketUpgrade,
) -> Result<Response> {
    if !same_origin(&headers) {
        return Err(Error::forbidden("websocket from another origin refused"));
    }
    let stream = state
        .db
        .stream(id)
        .await?
        .ok_or_else(|| Error::not_found("stream"))?;
    caller
        .role_in(&state, stream.project_id)
        .await
        .map_err(|_| Error::not_found("stream"))?;
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = serve_view(state, id, socket).await {
            tracing::debug!(error = %e, "live view closed");
        }
    }))
}

async fn serve_view(state: AppState, id: Uuid, mut socket: WebSocket) -> anyhow::Result<()> {
    let mut frames = state.live_frames.subscribe();
    let mut renew = tokio::time::interval(Duration::from_secs_f64(WATCH_SECS / 3.0));
    loop {
        tokio::select! {
            _ = renew.tick() => state.db.watch_stream(id, WATCH_SECS).await?,
            received = frames.recv() => match received {
                Ok(frame) if frame == id => {
                    if let Some((jpeg, overlay)) = state.db.live_frame(id).await? {
                        socket.send(Message::Text(overlay.to_string().into())).await?;
                        socket.send(Message::Binary(jpeg.into())).await?;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(()),
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn send_snapshot(
    state: &AppState,
    allowed: &HashSet<Uuid>,
    socket: &mut WebSocket,
) -> anyhow::Result<()> {
    let projects: Vec<Uuid> = allowed.iter().copied().collect();
    let jobs = state.db.job_snapshot(&projects).await?;
    socket
        .send(Message::Text(
            serde_json::to_string(&ServerEvent::Snapshot { jobs })?.into(),
        ))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cross_origin_upgrades_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
    }
}
