//! Videos: resumable uploads (create, then PATCH bytes at an offset as often as needed; a dropped
//! connection loses nothing that arrived), FFmpeg probe and poster on completion, list, get,
//! download with Range, delete (objects too).
//!
//! Bytes in flight are appended to a spool file under `server.upload_dir`; they reach object
//! storage only once the whole file arrived and FFmpeg accepted it.

use std::path::{Path as FsPath, PathBuf};

use api::{CreateUpload, Upload, Video};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use store::{NewVideo, VideoQuery, VideoSort};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, JsonBody, Result};
use crate::paging::{counted, instant};

/// A plain file name: no directories, not blank, no control or invisible format characters (a
/// right-to-left override makes `clip\u{202e}4pm.exe` read as `clipexe.mp4`).
pub fn check_filename(name: &str) -> Result<()> {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    let bad = name.trim().is_empty()
        || name.len() > 255
        || name.contains(['/', '\\', '\0'])
        || name == "."
        || name == ".."
        || name.chars().any(|c| {
            c.is_control()
                || matches!(
                    c.general_category(),
                    GeneralCategory::Format
                        | GeneralCategory::LineSeparator
                        | GeneralCategory::ParagraphSeparator
                        | GeneralCategory::PrivateUse
                        | GeneralCategory::Unassigned
                        | GeneralCategory::Surrogate
                )
        });
    if bad {
        return Err(Error::field(
            "filename",
            format!(
                "{name:?} is not a plain file name (not blank; no folders, control or invisible formatting characters)"
            ),
        ));
    }
    Ok(())
}

fn spool_path(state: &AppState, id: Uuid) -> PathBuf {
    state.settings.upload_dir.join(id.to_string())
}

#[utoipa::path(post, path = "/api/projects/{id}/uploads", tag = "videos", request_body = CreateUpload,
    responses((status = 201, body = Upload), (status = 413, body = api::ApiError), (status = 422, body = api::ApiError)))]
pub async fn create_upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
    JsonBody(req): JsonBody<CreateUpload>,
) -> Result<(StatusCode, Json<Upload>)> {
    caller.require_writer(&state, project).await?;
    check_filename(&req.filename)?;
    if req.size <= 0 {
        return Err(Error::field(
            "size",
            format!("{} is empty: there is nothing to upload", req.filename),
        ));
    }
    let limit = state.settings.max_upload_bytes;
    if req.size as u64 > limit {
        return Err(Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} is {} bytes; the limit is {limit} bytes (server.max_upload_bytes)",
                req.filename, req.size
            ),
        ));
    }
    let quota = state.settings.max_pending_upload_bytes;
    let pending = state.db.pending_upload_bytes(project).await?;
    if pending.saturating_add(req.size) as u64 > quota {
        return Err(Error::new(
            StatusCode::INSUFFICIENT_STORAGE,
            format!(
                "this project's unfinished uploads already announce {pending} bytes; with {} more it \
                 would pass the limit of {quota} bytes (server.max_pending_upload_bytes): finish \
                 or abandon those uploads first (abandoned ones expire after \
                 server.upload_expiry_secs)",
                req.size
            ),
        ));
    }
    let upload = state
        .db
        .create_upload(project, caller.user.id, &req.filename, req.size)
        .await?;
    tokio::fs::create_dir_all(&state.settings.upload_dir)
        .await
        .map_err(|e| spool_error(&state.settings.upload_dir, e))?;
    tokio::fs::File::create(spool_path(&state, upload.id))
        .await
        .map_err(|e| spool_error(&state.settings.upload_dir, e))?;
    Ok((StatusCode::CREATED, Json(upload)))
}

fn spool_error(path: &FsPath, e: std::io::Error) -> Error {
    Error::new(
        StatusCode::INSUFFICIENT_STORAGE,
        format!(
            "cannot write the upload spool {} (server.upload_dir): {e}",
            path.display()
        ),
    )
}

async fn visible_upload(state: &AppState, caller: &Caller, id: Uuid) -> Result<Upload> {
    let upload = state
        .db
        .upload(id)
        .await?
        .ok_or_else(|| Error::not_found("upload"))?;
    caller
        .role_in(state, upload.project_id)
        .await
        .map_err(|_| Error::not_found("upload"))?;
    Ok(upload)
}

/// Bytes the server holds for an unfinished upload: the spool file is the truth (a request cut
/// short still appended what arrived).
async fn received(state: &AppState, upload: &Upload) -> i64 {
    if upload.video.is_some() || upload.error.is_some() {
        return upload.received;
    }
    tokio::fs::metadata(spool_path(state, upload.id))
        .await
        .map(|m| m.len() as i64)
        .unwrap_or(upload.received)
}

#[utoipa::path(get, path = "/api/uploads/{id}", tag = "videos", responses((status = 200, body = Upload)))]
pub async fn get_upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let mut upload = visible_upload(&state, &caller, id).await?;
    upload.received = received(&state, &upload).await;
    let mut response = Json(&upload).into_response();
    response.headers_mut().insert(
        api::videos::UPLOAD_OFFSET_HEADER,
        HeaderValue::from(upload.received),
    );
    Ok(response)
}

/// Appends the body at `upload-offset`; when the last byte arrives the file is checked and stored.
#[utoipa::path(patch, path = "/api/uploads/{id}", tag = "videos", request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    params(("upload-offset" = i64, Header, description = "where these bytes start")),
    responses((status = 200, body = Upload), (status = 409, body = api::ApiError), (status = 422, body = api::ApiError)))]
pub async fn patch_upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let upload = visible_upload(&state, &caller, id).await?;
    caller.require_writer(&state, upload.project_id).await?;
    if upload.video.is_some() {
        return Err(Error::conflict("this upload is complete"));
    }
    if let Some(e) = &upload.error {
        return Err(Error::conflict(format!("this upload was rejected: {e}")));
    }
    let _guard = state.uploads_in_flight.lock(id).ok_or_else(|| {
        Error::conflict("another request is sending bytes to this upload; wait for it or retry")
    })?;
    let offset: i64 = headers
        .get(api::videos::UPLOAD_OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            Error::bad_request(format!(
                "the {} header (where these bytes start) is missing",
                api::videos::UPLOAD_OFFSET_HEADER
            ))
        })?;
    let path = spool_path(&state, id);
    let have = received(&state, &upload).await;
    if offset != have {
        return Err(Error::conflict(format!(
            "the server has {have} bytes of this upload; send from offset {have}"
        )));
    }
    let mut file = tokio::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .await
        .map_err(|e| spool_error(&path, e))?;
    let mut written = have;
    let mut stream = body.into_data_stream();
    let mut cut_short = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                cut_short = Some(e.to_string());
                break;
            }
        };
        if written + chunk.len() as i64 > upload.size {
            drop(file);
            truncate(&path, written as u64).await;
            return Err(Error::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "more bytes than the {} announced; the upload keeps its first {written}",
                    upload.size
                ),
            ));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| spool_error(&path, e))?;
        written += chunk.len() as i64;
        state.metrics.bytes_uploaded.inc_by(chunk.len() as u64);
    }
    file.flush().await.map_err(|e| spool_error(&path, e))?;
    drop(file);
    state.db.set_upload_received(id, written).await?;
    if let Some(reason) = cut_short {
        tracing::info!(upload = %id, received = written, %reason, "upload interrupted; it can resume");
        return Err(Error::bad_request(format!(
            "the connection broke after {written} bytes ({reason}); resume from there"
        )));
    }
    if written < upload.size {
        let mut response = Json(Upload {
            received: written,
            ..upload
        })
        .into_response();
        response.headers_mut().insert(
            api::videos::UPLOAD_OFFSET_HEADER,
            HeaderValue::from(written),
        );
        return Ok(response);
    }
    let finished = complete(&state, &caller, upload, &path).await;
    let _ = tokio::fs::remove_file(&path).await;
    let upload = finished?;
    Ok(Json(upload).into_response())
}

async fn truncate(path: &FsPath, len: u64) {
    if let Ok(f) = tokio::fs::OpenOptions::new().write(true).open(path).await {
        let _ = f.set_len(len).await;
    }
}

/// Every byte is here: hash, probe, poster, store, record.
async fn complete(
    state: &AppState,
    caller: &Caller,
    upload: Upload,
    path: &FsPath,
) -> Result<Upload> {
    let sha256 = file_sha256(path).await.map_err(|e| spool_error(path, e))?;
    let source = path.to_string_lossy().into_owned();
    let probed = tokio::task::spawn_blocking(
        move || -> Result<(vision::media::VideoInfo, Option<Vec<u8>>), String> {
            let info = vision::media::probe(&source).map_err(|e| e.to_string())?;
            let poster = crate::poster::poster_jpeg(&source).map_err(|e| e.to_string())?;
            Ok((info, poster))
        },
    )
    .await
    .map_err(|e| Error::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let (info, poster) = match probed {
        Ok(p) => p,
        Err(reason) => {
            let reason = reason.replace(&*path.to_string_lossy(), &upload.filename);
            let message = format!(
                "{} is not a video FFmpeg can read: {reason}",
                upload.filename
            );
            state
                .db
                .finish_upload(upload.id, None, Some(&message))
                .await?;
            return Err(Error::new(StatusCode::UNPROCESSABLE_ENTITY, message));
        }
    };
    let video_id = Uuid::new_v4();
    let ext: String = upload
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e)
        .unwrap_or("bin")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let key = format!(
        "videos/{video_id}/source.{}",
        if ext.is_empty() {
            "bin".into()
        } else {
            ext.to_lowercase()
        }
    );
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| spool_error(path, e))?;
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 1 << 20);
    state.storage.put_stream(&key, stream).await?;
    let poster_key = match poster {
        Some(jpeg) => {
            let k = format!("videos/{video_id}/poster.jpg");
            state.storage.put(&k, jpeg).await?;
            Some(k)
        }
        None => None,
    };
    let new = NewVideo {
        id: video_id,
        project_id: upload.project_id,
        uploaded_by: Some(caller.user.id),
        filename: upload.filename.clone(),
        object_key: key,
        bytes: upload.size,
        sha256,
        duration_secs: Some(info.duration_secs),
        fps: Some(info.fps),
        width: info.width as i32,
        height: info.height as i32,
        video_codec: info.video_codec.clone(),
        has_audio: info.has_audio,
        poster_key,
    };
    let video = state.db.insert_video(&new).await?;
    state
        .db
        .finish_upload(upload.id, Some(video.id), None)
        .await?;
    Ok(Upload {
        received: upload.size,
        video: Some(video),
        ..upload
    })
}

async fn file_sha256(path: &FsPath) -> std::io::Result<String> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Filters, order and page of `GET /api/videos`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct VideoListQuery {
    /// Only this project.
    pub project: Option<Uuid>,
    /// Part of the file name, case-insensitive.
    pub name: Option<String>,
    /// Uploaded on or after this day (`2026-11-30`) or instant (RFC 3339).
    pub uploaded_from: Option<String>,
    /// Uploaded before this day (that whole day included) or instant.
    pub uploaded_to: Option<String>,
    /// `uploaded` (default), `name`, `size` or `duration`.
    pub sort: Option<String>,
    /// `desc` (default for uploaded) or `asc` (default otherwise).
    pub order: Option<String>,
    /// Page size, 1–1000 (default 200).
    pub limit: Option<i64>,
    /// Rows to skip (default 0).
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/videos", tag = "videos", params(VideoListQuery),
    responses((status = 200, body = Vec<Video>, headers(("x-total-count" = i64, description = "videos matching the filters, all pages"))), (status = 422, body = api::ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<VideoListQuery>,
) -> Result<(HeaderMap, Json<Vec<Video>>)> {
    let mut projects = caller.visible_projects(&state).await?;
    if let Some(p) = q.project {
        projects.retain(|id| *id == p);
    }
    let sort = match q.sort.as_deref().unwrap_or("uploaded") {
        "uploaded" => VideoSort::Uploaded,
        "name" => VideoSort::Name,
        "size" => VideoSort::Size,
        "duration" => VideoSort::Duration,
        other => {
            return Err(Error::field(
                "sort",
                format!("sort {other:?}: use uploaded, name, size or duration"),
            ));
        }
    };
    let descending = match q.order.as_deref() {
        None => sort == VideoSort::Uploaded,
        Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(Error::field(
                "order",
                format!("order {other:?}: use asc or desc"),
            ));
        }
    };
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(Error::field("limit", "limit must be 1–1000"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(Error::field("offset", "offset must be 0 or more"));
    }
    let query = VideoQuery {
        name: q
            .name
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.trim().to_string()),
        uploaded_from: q
            .uploaded_from
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| instant("uploaded_from", t, false))
            .transpose()?,
        uploaded_to: q
            .uploaded_to
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| instant("uploaded_to", t, true))
            .transpose()?,
        sort,
        descending,
        limit,
        offset,
    };
    let (videos, total) = state.db.videos(&projects, &query).await?;
    Ok(counted(videos, total))
}

async fn visible_video(state: &AppState, caller: &Caller, id: Uuid) -> Result<Video> {
    let video = state
        .db
        .video(id)
        .await?
        .ok_or_else(|| Error::not_found("video"))?;
    caller
        .role_in(state, video.project_id)
        .await
        .map_err(|_| Error::not_found("video"))?;
    Ok(video)
}

#[utoipa::path(get, path = "/api/videos/{id}", tag = "videos", responses((status = 200, body = Video), (status = 404, body = api::ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Video>> {
    Ok(Json(visible_video(&state, &caller, id).await?))
}

/// Where a visible video's bytes are: one query for the check and the keys.
async fn visible_objects(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<store::VideoObjects> {
    let objects = state
        .db
        .video_objects(id)
        .await?
        .ok_or_else(|| Error::not_found("video"))?;
    caller
        .role_in(state, objects.project_id)
        .await
        .map_err(|_| Error::not_found("video"))?;
    Ok(objects)
}

#[utoipa::path(get, path = "/api/videos/{id}/file", tag = "videos", responses((status = 200), (status = 206), (status = 404, body = api::ApiError)))]
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let objects = visible_objects(&state, &caller, id).await?;
    let content_type = if objects.object_key.ends_with(".mp4") {
        "video/mp4"
    } else {
        "application/octet-stream"
    };
    crate::download::serve(
        &state.storage,
        &objects.object_key,
        content_type,
        &objects.filename,
        &headers,
    )
    .await
}

#[utoipa::path(get, path = "/api/videos/{id}/poster", tag = "videos", responses((status = 200, content_type = "image/jpeg"), (status = 404, body = api::ApiError)))]
pub async fn poster(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let objects = visible_objects(&state, &caller, id).await?;
    let key = objects
        .poster_key
        .ok_or_else(|| Error::not_found("poster"))?;
    crate::download::serve(&state.storage, &key, "image/jpeg", "poster.jpg", &headers).await
}

/// The most zones (and lines) one video keeps.
const MAX_ZONES: usize = 20;

/// Named, distinct, well-formed zones; the fault names its field under `prefix`.
pub(crate) fn check_zones(zones: &[api::Zone], prefix: &str) -> Result<()> {
    if zones.len() > MAX_ZONES {
        return Err(Error::field(
            prefix,
            format!("{} zones: a video keeps at most {MAX_ZONES}", zones.len()),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, z) in zones.iter().enumerate() {
        check_name(&z.name, &format!("{prefix}[{i}].name"), "zone", &mut names)?;
        let checked = vision::events::Zone {
            name: z.name.trim().to_string(),
            points: z.points.clone(),
        };
        if let Err(why) = checked.check() {
            return Err(Error::field(&format!("{prefix}[{i}].points"), why));
        }
        if z.points.len() > 100 {
            return Err(Error::field(
                &format!("{prefix}[{i}].points"),
                "a zone has at most 100 corners",
            ));
        }
    }
    Ok(())
}

fn check_name(
    name: &str,
    field: &str,
    what: &str,
    seen: &mut std::collections::HashSet<String>,
) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::field(
            field,
            format!("give each {what} a name of 1–100 characters"),
        ));
    }
    if !seen.insert(name.to_string()) {
        return Err(Error::field(
            field,
            format!("two {what}s are named {name:?}"),
        ));
    }
    Ok(())
}

#[utoipa::path(put, path = "/api/videos/{id}/zones", tag = "videos", request_body = Vec<api::Zone>,
    responses((status = 200, body = Video), (status = 422, body = api::ApiError), (status = 404, body = api::ApiError)))]
pub async fn set_zones(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonBody(zones): JsonBody<Vec<api::Zone>>,
) -> Result<Json<Video>> {
    let objects = visible_objects(&state, &caller, id).await?;
    caller.require_writer(&state, objects.project_id).await?;
    check_zones(&zones, "zones")?;
    state
        .db
        .set_video_zones(id, &zones)
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found("video"))
}

/// Zones and lines where analyze jobs with footfall on count people on this video.
#[utoipa::path(put, path = "/api/videos/{id}/footfall", tag = "videos", request_body = api::FootfallLayout,
    responses((status = 200, body = Video), (status = 422, body = api::ApiError), (status = 404, body = api::ApiError)))]
pub async fn set_footfall(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonBody(layout): JsonBody<api::FootfallLayout>,
) -> Result<Json<Video>> {
    let objects = visible_objects(&state, &caller, id).await?;
    caller.require_writer(&state, objects.project_id).await?;
    check_zones(&layout.zones, "zones")?;
    if layout.lines.len() > MAX_ZONES {
        return Err(Error::field(
            "lines",
            format!(
                "{} lines: a video keeps at most {MAX_ZONES}",
                layout.lines.len()
            ),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, l) in layout.lines.iter().enumerate() {
        check_name(&l.name, &format!("lines[{i}].name"), "line", &mut names)?;
    }
    // the lines' own rules are footfall's, named as there (lines[i])
    let config = vision::footfall::FootfallConfig {
        lines: layout
            .lines
            .iter()
            .map(|l| vision::footfall::counters::Line {
                name: l.name.clone(),
                a: l.a,
                b: l.b,
            })
            .collect(),
        ..Default::default()
    };
    if let Some((field, why)) = config.problems().into_iter().next() {
        return Err(Error::field(&field, why));
    }
    state
        .db
        .set_video_footfall(id, &layout)
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found("video"))
}

#[utoipa::path(delete, path = "/api/videos/{id}", tag = "videos", responses((status = 204), (status = 404, body = api::ApiError)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    let objects = visible_objects(&state, &caller, id).await?;
    caller.require_writer(&state, objects.project_id).await?;
    state.db.delete_video(id).await?;
    state.storage.delete(&objects.object_key).await?;
    if let Some(p) = objects.poster_key {
        state.storage.delete(&p).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Abandoned uploads (no bytes for `server.upload_expiry_secs`) are marked expired and their
/// spool files removed, every few minutes for as long as the server runs.
pub async fn expire_abandoned_uploads(state: AppState) {
    let expiry = state.settings.upload_expiry_secs.max(1);
    let every = std::time::Duration::from_secs((expiry / 4).clamp(1, 300));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let reason = format!(
            "expired: no bytes arrived for {expiry} s (server.upload_expiry_secs); start the upload again"
        );
        match state.db.expire_uploads(expiry as i64, &reason).await {
            Ok(ids) => {
                for id in ids {
                    if state.uploads_in_flight.is_locked(id) {
                        continue; // a request is writing right now: its file stays until it ends
                    }
                    let _ = tokio::fs::remove_file(spool_path(&state, id)).await;
                    tracing::info!(upload = %id, "abandoned upload expired; spool file removed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not expire abandoned uploads"),
        }
    }
}

/// Upload ids with a request writing to them: one writer at a time.
#[derive(Default, Clone)]
pub struct UploadLocks(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>);

pub struct UploadGuard(UploadLocks, Uuid);

impl UploadLocks {
    pub fn lock(&self, id: Uuid) -> Option<UploadGuard> {
        self.0
            .lock()
            .unwrap()
            .insert(id)
            .then(|| UploadGuard(self.clone(), id))
    }

    pub fn is_locked(&self, id: Uuid) -> bool {
        self.0.lock().unwrap().contains(&id)
    }
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        self.0.0.lock().unwrap().remove(&self.1);
    }
}

#[cfg(test)]
mod tests {
    use super::check_filename;

    #[test]
    fn only_plain_file_names() {
        assert!(check_filename("street cam 03.mp4").is_ok());
        assert!(check_filename("Überwachung 東京 مرحبا.mp4").is_ok());
        for bad in [
            "",
            "../../etc/passwd",
            "a/b.mp4",
            "..\\win.mp4",
            "..",
            "x\u{0}.mp4",
            "line\nbreak.mp4",
            "   ",
            "clip\u{202e}4pm.exe",
            "zero\u{200b}width.mp4",
            "bom\u{feff}.mp4",
        ] {
            assert!(check_filename(bad).is_err(), "{bad:?}");
        }
    }
}
