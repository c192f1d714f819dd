//! Camera streams as a resource: registered per project by its writers, read by the workers
//! (see `workers::streams`), shown with their health. Credentials are stored apart from the URL
//! and never returned.

use api::{CreateStream, STREAM_SCHEMES, STREAM_SERVICES, Stream, UpdateStream};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use store::StreamSettings;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, JsonBody, Result};

/// The most streams one project registers.
const MAX_STREAMS: usize = 200;

/// Checks and normalises settings: the URL's scheme, credentials moved out of it, services,
/// zones, the pose input. The fault names its field.
fn check(caller: &Caller, s: &mut StreamSettings) -> Result<()> {
    s.name = s.name.trim().to_string();
    if s.name.is_empty() || s.name.chars().count() > 100 {
        return Err(Error::field(
            "name",
            "give the stream a name of 1–100 characters",
        ));
    }
    let url = s.url.trim();
    if url.len() > 2000 {
        return Err(Error::field(
            "url",
            "the URL is longer than 2,000 characters",
        ));
    }
    let mut parsed = reqwest::Url::parse(url).map_err(|e| {
        Error::field(
            "url",
            format!("{url:?} is not a URL ({e}): e.g. rtsp://camera.local:554/stream1"),
        )
    })?;
    let scheme = parsed.scheme().to_string();
    if !STREAM_SCHEMES.contains(&scheme.as_str()) {
        return Err(Error::field(
            "url",
            format!(
                "{scheme}:// streams cannot be read: use {}",
                STREAM_SCHEMES.map(|s| format!("{s}://")).join(", ")
            ),
        ));
    }
    if scheme == "file" && !caller.is_admin() {
        return Err(Error::forbidden(
            "only an administrator may register a file on the worker as a stream (demos)",
        ));
    }
    if scheme != "file" && parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::field("url", format!("{url:?} has no host")));
    }
    // credentials in the URL are kept like the separate fields: apart, never shown
    if !parsed.username().is_empty() {
        let user = percent_decode(parsed.username());
        if s.username.as_deref().is_none_or(str::is_empty) {
            s.username = Some(user);
        }
    }
    if let Some(p) = parsed.password() {
        if s.password.as_deref().is_none_or(str::is_empty) {
            s.password = Some(percent_decode(p));
        }
    }
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    s.url = parsed.to_string();
    s.username = s.username.take().filter(|u| !u.is_empty());
    s.password = s.password.take().filter(|p| !p.is_empty());
    if s.password.is_some() && s.username.is_none() {
        return Err(Error::field("username", "a password needs a user name"));
    }
    s.services.sort();
    s.services.dedup();
    if let Some(bad) = s
        .services
        .iter()
        .find(|x| !STREAM_SERVICES.contains(&x.as_str()))
    {
        return Err(Error::field(
            "services",
            format!(
                "unknown service {bad:?}: use {}",
                STREAM_SERVICES.join(", ")
            ),
        ));
    }
    crate::videos::check_zones(&s.zones, "zones")?;
    if s.pose_input != 0 && !(128..=1920).contains(&s.pose_input) {
        return Err(Error::field(
            "pose_input",
            "use 0 (the frame's size) or 128–1920 pixels",
        ));
    }
    Ok(())
}

/// `%40` → `@` (the `url` crate keeps credentials percent-encoded).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A stream the caller may see; writers only when `write`. Others get 404.
async fn project_stream(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    write: bool,
) -> Result<(Stream, StreamSettings)> {
    let (stream, settings) = state
        .db
        .stream_settings(id)
        .await?
        .ok_or_else(|| Error::not_found("stream"))?;
    caller
        .role_in(state, stream.project_id)
        .await
        .map_err(|_| Error::not_found("stream"))?;
    if write {
        caller.require_writer(state, stream.project_id).await?;
    }
    Ok((stream, settings))
}

#[utoipa::path(post, path = "/api/projects/{id}/streams", tag = "streams", request_body = CreateStream,
    responses((status = 201, body = Stream), (status = 422, body = api::ApiError), (status = 409, body = api::ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
    JsonBody(req): JsonBody<CreateStream>,
) -> Result<(StatusCode, Json<Stream>)> {
    caller.require_writer(&state, project).await?;
    let mut settings = StreamSettings {
        name: req.name,
        url: req.url,
        username: req.username,
        password: req.password,
        services: req.services,
        zones: req.zones,
        blur_faces: req.blur_faces,
        pose_input: req.pose_input.unwrap_or(320),
        enabled: req.enabled,
    };
    check(&caller, &mut settings)?;
    if state.db.streams(project).await?.len() >= MAX_STREAMS {
        return Err(Error::conflict(format!(
            "the project has {MAX_STREAMS} streams, the most it may: delete one first"
        )));
    }
    let stream = state
        .db
        .create_stream(project, &settings, caller.user.id)
        .await
        .map_err(|e| match e {
            store::DbError::Conflict(_) => Error::conflict(format!(
                "the project has a stream named {:?} already",
                settings.name
            )),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(stream)))
}

#[utoipa::path(get, path = "/api/projects/{id}/streams", tag = "streams", responses((status = 200, body = Vec<Stream>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
) -> Result<Json<Vec<Stream>>> {
    caller
        .role_in(&state, project)
        .await
        .map_err(|_| Error::not_found("project"))?;
    Ok(Json(state.db.streams(project).await?))
}

#[utoipa::path(get, path = "/api/streams/{id}", tag = "streams", responses((status = 200, body = Stream), (status = 404, body = api::ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Stream>> {
    Ok(Json(project_stream(&state, &caller, id, false).await?.0))
}

#[utoipa::path(patch, path = "/api/streams/{id}", tag = "streams", request_body = UpdateStream,
    responses((status = 200, body = Stream), (status = 422, body = api::ApiError), (status = 404, body = api::ApiError)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonBody(req): JsonBody<UpdateStream>,
) -> Result<Json<Stream>> {
    let (_, mut s) = project_stream(&state, &caller, id, true).await?;
    if let Some(v) = req.name {
        s.name = v;
    }
    if let Some(v) = req.url {
        s.url = v;
    }
    if let Some(v) = req.username {
        s.username = Some(v);
    }
    if let Some(v) = req.password {
        s.password = Some(v);
    }
    if let Some(v) = req.services {
        s.services = v;
    }
    if let Some(v) = req.zones {
        s.zones = v;
    }
    if let Some(v) = req.blur_faces {
        s.blur_faces = v;
    }
    if let Some(v) = req.pose_input {
        s.pose_input = v;
    }
    if let Some(v) = req.enabled {
        s.enabled = v;
    }
    check(&caller, &mut s)?;
    let name = s.name.clone();
    let stream = state.db.update_stream(id, &s).await.map_err(|e| match e {
        store::DbError::Conflict(_) => {
            Error::conflict(format!("the project has a stream named {name:?} already"))
        }
        other => other.into(),
    })?;
    Ok(Json(stream))
}

#[utoipa::path(delete, path = "/api/streams/{id}", tag = "streams", responses((status = 204), (status = 404, body = api::ApiError)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    project_stream(&state, &caller, id, true).await?;
    state.db.delete_stream(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn credentials_from_urls_are_decoded() {
        assert_eq!(percent_decode("p%40ss%3Aword"), "p@ss:word");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
        assert_eq!(percent_decode("end%4"), "end%4");
    }
}
