//! A preview of a visualize job before it runs: one frame of a video drawn from an annotate or
//! analyze job's stored results, in the mode and style asked for, as a PNG.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;
use vision::render::{RenderConfig, Renderer, Results};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, Result};
use api::{JobKind, JobStatus};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PreviewQuery {
    /// One of the job's videos (default: its first).
    pub video: Option<Uuid>,
    /// The moment to draw, seconds (default: the first event's peak, else 1 s).
    pub secs: Option<f64>,
    /// A visualize mode (full, skeleton_only, minimal, debug, raw).
    pub mode: Option<String>,
    /// A visualize style (professional, scientific, presentation, debug).
    pub style: Option<String>,
}

#[utoipa::path(get, path = "/api/jobs/{id}/overlay-preview", tag = "jobs", params(PreviewQuery),
    responses((status = 200, content_type = "image/png"), (status = 409, body = api::ApiError), (status = 422, body = api::ApiError)))]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<PreviewQuery>,
) -> Result<Response> {
    let job = crate::jobs::visible_job(&state, &caller, id).await?;
    if !matches!(job.kind, JobKind::Annotate | JobKind::Analyze) {
        return Err(Error::field(
            "job",
            format!(
                "a {} job has no tracks to draw: preview an annotate or analyze job",
                job.kind.as_str()
            ),
        ));
    }
    if job.status != JobStatus::Succeeded {
        return Err(Error::conflict(format!(
            "the job has not succeeded (it is {}): its results are not all there",
            job.status.as_str()
        )));
    }
    let video = q.video.unwrap_or(job.video_ids[0]);
    if !job.video_ids.contains(&video) {
        return Err(Error::field(
            "video",
            format!("the job did not run on video {video}"),
        ));
    }
    let mut settings = serde_json::json!({});
    for (field, value) in [("mode", &q.mode), ("style", &q.style)] {
        if let Some(v) = value {
            settings[field] = serde_json::Value::String(v.clone());
        }
    }
    let config: RenderConfig = serde_json::from_value(settings).map_err(|e| {
        let field = if e.to_string().contains("skeleton_only") {
            "mode"
        } else {
            "style"
        };
        Error::field(field, e.to_string())
    })?;
    if let Some(s) = q.secs
        && !(s >= 0.0 && s.is_finite())
    {
        return Err(Error::field("secs", format!("secs {s} must be 0 or more")));
    }
    let objects = state
        .db
        .video_objects(video)
        .await?
        .ok_or_else(|| Error::not_found("video"))?;
    let dir = tempfile::tempdir().map_err(internal)?;
    for name in ["tracks.jsonl", "events.json", "scores.jsonl"] {
        let key = format!("jobs/{id}/{video}/{name}");
        let found = fetch(&state, &key, &dir.path().join(name))
            .await
            .map_err(internal)?;
        if !found && name == "tracks.jsonl" {
            return Err(Error::conflict(
                "the job stored no tracks for this video (an annotate job run to stage 1 only?)",
            ));
        }
    }
    let source = dir.path().join("video");
    if !fetch(&state, &objects.object_key, &source)
        .await
        .map_err(internal)?
    {
        return Err(Error::not_found("video file"));
    }
    let catalog = state.catalog.clone();
    let (results_dir, source) = (
        dir.path().to_path_buf(),
        source.to_string_lossy().into_owned(),
    );
    let png = tokio::task::spawn_blocking(move || -> std::result::Result<Vec<u8>, String> {
        let results = Results::from_dir(&results_dir).map_err(|e| e.to_string())?;
        let secs = q.secs.unwrap_or_else(|| {
            results
                .events
                .iter()
                .map(|(_, e)| e.peak_time)
                .fold(None, |a: Option<f64>, t| Some(a.map_or(t, |a| a.min(t))))
                .unwrap_or(1.0)
        });
        let mut renderer = Renderer::new(config, results, 0.0);
        if renderer.needs_face_finder() {
            let runtime = vision::Runtime::get()
                .ok_or("ONNX Runtime is not loaded on this server, so faces cannot be blurred")?;
            let finder = vision::render::faces::face_finder(runtime, &catalog)
                .map_err(|e| format!("the face detector: {e}"))?;
            renderer = renderer.with_face_finder(finder);
        }
        let (image, _) = vision::render::video::render_frame(&source, &mut renderer, secs)
            .map_err(|e| e.to_string())?;
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(image)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| e.to_string())?;
        Ok(png)
    })
    .await
    .map_err(internal)?
    .map_err(|e| Error::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        png,
    )
        .into_response())
}

fn internal(e: impl ToString) -> Error {
    Error::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// Streams an object into a file; false when there is no such object.
async fn fetch(
    state: &AppState,
    key: &str,
    to: &std::path::Path,
) -> std::result::Result<bool, String> {
    let mut stream = match state.storage.get_stream(key).await {
        Ok((_, stream)) => stream,
        Err(store::StorageError::NotFound { .. }) => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    let mut file = tokio::fs::File::create(to)
        .await
        .map_err(|e| e.to_string())?;
    while let Some(chunk) = stream.next().await {
        file.write_all(&chunk.map_err(|e| e.to_string())?)
            .await
            .map_err(|e| e.to_string())?;
    }
    file.flush().await.map_err(|e| e.to_string())?;
    Ok(true)
}
