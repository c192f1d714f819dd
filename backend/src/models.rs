//! The model registry: a project's skeleton classifiers. An upload is checked before it is kept —
//! ONNX Runtime loads it, its input agrees with the contract, a window of the contract's shape
//! runs through it and gives one score per class — otherwise a 422 says what disagrees.

use api::Model;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;
use vision::models::skeleton::{ClassifierContract, ClassifierError, SkeletonClassifier};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, Result};

/// The largest model file accepted.
pub const MAX_MODEL_BYTES: usize = 512 << 20;

/// The services a model may classify for.
const SERVICES: [&str; 2] = ["fall", "fight"];

/// What the form sent.
#[derive(Default)]
struct Form {
    name: Option<String>,
    service: Option<String>,
    contract: Option<String>,
    file: Option<(tempfile::NamedTempFile, u64, String)>,
}

fn form_error(e: axum::extract::multipart::MultipartError) -> Error {
    Error::new(
        e.status(),
        format!("the model upload was cut or malformed: {}", e.body_text()),
    )
}

/// Reads the multipart form; the file streams to a temporary file, never whole in memory.
async fn read_form(mut multipart: Multipart) -> Result<Form> {
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let spool = tempfile::Builder::new()
                    .prefix("model-")
                    .suffix(".onnx")
                    .tempfile()
                    .map_err(|e| {
                        Error::new(
                            StatusCode::INSUFFICIENT_STORAGE,
                            format!("no room for the model: {e}"),
                        )
                    })?;
                let mut out = tokio::fs::File::create(spool.path()).await.map_err(|e| {
                    Error::new(
                        StatusCode::INSUFFICIENT_STORAGE,
                        format!("no room for the model: {e}"),
                    )
                })?;
                let (mut bytes, mut hasher) = (0u64, Sha256::new());
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    bytes += chunk.len() as u64;
                    hasher.update(&chunk);
                    out.write_all(&chunk).await.map_err(|e| {
                        Error::new(
                            StatusCode::INSUFFICIENT_STORAGE,
                            format!("no room for the model: {e}"),
                        )
                    })?;
                }
                out.flush()
                    .await
                    .map_err(|e| Error::new(StatusCode::INSUFFICIENT_STORAGE, e.to_string()))?;
                form.file = Some((spool, bytes, hex::encode(hasher.finalize())));
            }
            "name" | "service" | "contract" => {
                let text = field.text().await.map_err(form_error)?;
                match name.as_str() {
                    "name" => form.name = Some(text),
                    "service" => form.service = Some(text),
                    _ => form.contract = Some(text),
                }
            }
            other => {
                return Err(Error::field(
                    other,
                    format!("unknown form field {other:?}: send name, service, contract and file"),
                ));
            }
        }
    }
    Ok(form)
}

#[utoipa::path(post, path = "/api/projects/{id}/models", tag = "models",
    request_body(content_type = "multipart/form-data", description = "name, service (fall | fight), contract (JSON: layout, channels, frames, persons, normalization, classes, event_class, output, fps) and file (the ONNX model)"),
    responses((status = 201, body = Model), (status = 409, body = api::ApiError), (status = 422, body = api::ApiError)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Model>)> {
    caller.require_writer(&state, project).await?;
    let form = read_form(multipart).await?;
    let name = form.name.unwrap_or_default().trim().to_string();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Error::field(
            "name",
            "give the model a name of 1–200 printable characters",
        ));
    }
    let service = form.service.unwrap_or_default();
    if !SERVICES.contains(&service.as_str()) {
        return Err(Error::field(
            "service",
            format!(
                "service {service:?}: a model classifies for one of {}",
                SERVICES.join(", ")
            ),
        ));
    }
    let contract: ClassifierContract = serde_json::from_str(form.contract.as_deref().unwrap_or(""))
        .map_err(|e| Error::field("contract", format!("contract: {e}")))?;
    let problems = contract.problems();
    if !problems.is_empty() {
        return Err(Error::field(
            "contract",
            format!("contract: {}", problems.join("; ")),
        ));
    }
    let Some((spool, bytes, sha256)) = form.file else {
        return Err(Error::field(
            "file",
            "no model file: send the ONNX file as the form field file",
        ));
    };
    if bytes == 0 {
        return Err(Error::field("file", "the model file is empty (0 bytes)"));
    }
    let runtime = vision::Runtime::get().ok_or_else(|| {
        Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ONNX Runtime is not loaded on this server, so models cannot be checked: see /api/health",
        )
    })?;
    let path = spool.path().to_path_buf();
    let checked = contract.clone();
    tokio::task::spawn_blocking(move || {
        SkeletonClassifier::load(runtime, &path, checked).map(|_| ())
    })
    .await
    .map_err(|e| {
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("checking the model failed: {e}"),
        )
    })?
    .map_err(|e| match e {
        ClassifierError::NotOnnx(_) => Error::field("file", e.to_string()),
        other => Error::field("contract", other.to_string()),
    })?;
    let id = Uuid::new_v4();
    let key = format!("models/{project}/{id}.onnx");
    let file = tokio::fs::File::open(spool.path())
        .await
        .map_err(|e| Error::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    state
        .storage
        .put_stream(
            &key,
            tokio_util::io::ReaderStream::with_capacity(file, 1 << 20),
        )
        .await?;
    let stored = state
        .db
        .insert_model(&store::NewModel {
            id,
            project_id: project,
            name: name.clone(),
            service,
            contract: serde_json::to_value(&contract).expect("a contract serialises"),
            object_key: key.clone(),
            bytes: bytes as i64,
            sha256,
            created_by: Some(caller.user.id),
        })
        .await?;
    match stored {
        Some(model) => Ok((StatusCode::CREATED, Json(model))),
        None => {
            state.storage.delete(&key).await?;
            Err(Error::conflict(format!(
                "this project already has a model named {name:?}: choose another name or delete that one"
            )))
        }
    }
}

#[utoipa::path(get, path = "/api/projects/{id}/models", tag = "models", responses((status = 200, body = Vec<Model>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
) -> Result<Json<Vec<Model>>> {
    caller
        .role_in(&state, project)
        .await
        .map_err(|_| Error::not_found("project"))?;
    Ok(Json(state.db.models(project).await?))
}

#[utoipa::path(delete, path = "/api/models/{id}", tag = "models", responses((status = 204), (status = 404, body = api::ApiError)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    let (model, key) = state
        .db
        .model(id)
        .await?
        .ok_or_else(|| Error::not_found("model"))?;
    caller
        .role_in(&state, model.project_id)
        .await
        .map_err(|_| Error::not_found("model"))?;
    caller.require_writer(&state, model.project_id).await?;
    state.db.delete_model(id).await?;
    state.storage.delete(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}
