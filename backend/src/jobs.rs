//! Jobs: create (validated parameters, queued with the row in one transaction), list with
//! filters, get, cancel, retry; their artifacts: list and download (Range supported).

use api::{Artifact, CreateJob, Job, JobKind, JobKindInfo, JobStatus};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use store::{JobFilter, NewJob};
use uuid::Uuid;
use vision::annotate::AnnotateConfig;
use vision::anonymize::AnonymizeConfig;
use vision::events::AnalyzeConfig;
use vision::render::RenderConfig;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, JsonBody, Result};

/// The kinds whose handlers exist. The others are refused with a clear message, never faked.
fn implemented(kind: JobKind) -> bool {
    matches!(
        kind,
        JobKind::Anonymize | JobKind::Annotate | JobKind::Analyze | JobKind::Visualize
    )
}

/// Checks a kind's parameters: unknown fields and out-of-range values are named.
pub fn validate_params(kind: JobKind, params: &serde_json::Value) -> Result<serde_json::Value> {
    if !implemented(kind) {
        return Err(Error::new(
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "{} jobs are not implemented yet; anonymize, annotate, analyze and visualize jobs can run",
                kind.as_str()
            ),
        ));
    }
    let params = if params.is_null() {
        serde_json::json!({})
    } else {
        params.clone()
    };
    let table = parameters(kind);
    match kind {
        JobKind::Annotate => checked::<AnnotateConfig>(&params, &table, AnnotateConfig::problems),
        JobKind::Analyze => checked::<AnalyzeConfig>(&params, &table, AnalyzeConfig::problems),
        JobKind::Visualize => checked::<RenderConfig>(&params, &table, RenderConfig::problems),
        JobKind::Anonymize => {
            checked::<AnonymizeConfig>(&params, &table, AnonymizeConfig::problems)
        }
    }
}

/// A kind's parameters for people: vision's table beside the settings type, the one source of
/// the form, the OpenAPI document and the CLI's help.
pub fn parameters(kind: JobKind) -> Vec<vision::params::Param> {
    match kind {
        JobKind::Anonymize => vision::anonymize::parameters::parameters(),
        JobKind::Annotate => vision::annotate::parameters::parameters(),
        JobKind::Analyze => vision::events::parameters::parameters(),
        JobKind::Visualize => vision::render::parameters::parameters(),
    }
}

pub fn presets(kind: JobKind) -> Vec<vision::params::Preset> {
    match kind {
        JobKind::Anonymize => vision::anonymize::parameters::presets(),
        JobKind::Annotate => vision::annotate::parameters::presets(),
        JobKind::Analyze => vision::events::parameters::presets(),
        JobKind::Visualize => vision::render::parameters::presets(),
    }
}

/// A kind's defaults as JSON.
pub fn defaults(kind: JobKind) -> serde_json::Value {
    match kind {
        JobKind::Anonymize => serde_json::to_value(AnonymizeConfig::default()),
        JobKind::Annotate => serde_json::to_value(AnnotateConfig::default()),
        JobKind::Analyze => serde_json::to_value(AnalyzeConfig::default()),
        JobKind::Visualize => serde_json::to_value(RenderConfig::default()),
    }
    .expect("settings serialise")
}

/// Reads a kind's settings and checks their ranges (the table's, then the type's own rules); the
/// first field at fault is named, so the form can show the message next to it.
fn checked<T: serde::de::DeserializeOwned + serde::Serialize>(
    params: &serde_json::Value,
    table: &[vision::params::Param],
    problems_of: fn(&T) -> Vec<(&'static str, String)>,
) -> Result<serde_json::Value> {
    // The path names the field at fault ("params.mode: unknown variant `ears`…"); read from
    // text, since serde_json's Value deserializer loses the path of enum errors.
    let text = params.to_string();
    let mut de = serde_json::Deserializer::from_str(&text);
    let config: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let at = if at == "." {
            String::new()
        } else {
            format!(".{at}")
        };
        Error::field(
            &format!("params{at}"),
            format!("params{at}: {}", e.into_inner()),
        )
    })?;
    let value = serde_json::to_value(&config).expect("settings serialise");
    let mut problems = vision::params::out_of_range(table, &value);
    if problems.is_empty() {
        problems = problems_of(&config);
    }
    if let Some((field, _)) = problems.first() {
        let all: Vec<String> = problems.iter().map(|(_, m)| m.clone()).collect();
        return Err(Error::field(
            &format!("params.{field}"),
            format!("params: {}", all.join("; ")),
        ));
    }
    Ok(value)
}

/// Most videos one job may take: a larger batch is better split (progress, retries, results).
pub const MAX_VIDEOS_PER_JOB: usize = 200;

/// The job's videos, each once, in the order given (a video named twice would be processed
/// twice); at least one and at most [`MAX_VIDEOS_PER_JOB`].
pub fn distinct_videos(ids: &[Uuid]) -> Result<Vec<Uuid>> {
    let mut seen = std::collections::HashSet::new();
    let distinct: Vec<Uuid> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if distinct.is_empty() {
        return Err(Error::field("video_ids", "choose at least one video"));
    }
    if distinct.len() > MAX_VIDEOS_PER_JOB {
        return Err(Error::field(
            "video_ids",
            format!(
                "{} videos in one job; at most {MAX_VIDEOS_PER_JOB}: split them into several jobs",
                distinct.len()
            ),
        ));
    }
    Ok(distinct)
}

/// vision's description as the API's type (the same fields, owned).
fn described<T: serde::Serialize, U: serde::de::DeserializeOwned>(from: &T) -> U {
    serde_json::to_value(from)
        .and_then(serde_json::from_value)
        .expect("vision's parameter tables match the API's types")
}

#[utoipa::path(get, path = "/api/job-kinds", tag = "jobs", responses((status = 200, body = Vec<JobKindInfo>)))]
pub async fn kinds(_caller: Caller) -> Json<Vec<JobKindInfo>> {
    Json(
        JobKind::ALL
            .into_iter()
            .map(|kind| JobKindInfo {
                kind,
                implemented: implemented(kind),
                defaults: defaults(kind),
                params: parameters(kind).iter().map(described).collect(),
                presets: presets(kind).iter().map(described).collect(),
            })
            .collect(),
    )
}

#[utoipa::path(post, path = "/api/jobs", tag = "jobs", request_body = CreateJob,
    responses((status = 201, body = Job), (status = 422, body = api::ApiError), (status = 501, body = api::ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<CreateJob>,
) -> Result<(StatusCode, Json<Job>)> {
    caller.require_writer(&state, req.project_id).await?;
    let params = validate_params(req.kind, &req.params)?;
    let video_ids = distinct_videos(&req.video_ids)?;
    if !(-100..=100).contains(&req.priority) {
        return Err(Error::field(
            "priority",
            format!("priority {} must be between -100 and 100", req.priority),
        ));
    }
    let mut videos = Vec::new();
    for id in &video_ids {
        match state.db.video(*id).await? {
            Some(v) if v.project_id == req.project_id => videos.push(v),
            _ => {
                return Err(Error::field(
                    "video_ids",
                    format!("video {id} is not in this project"),
                ));
            }
        }
    }
    if req.kind == JobKind::Analyze {
        let settings: AnalyzeConfig = serde_json::from_value(params.clone())
            .map_err(|e| Error::bad_request(e.to_string()))?;
        // labels to evaluate against must name this job's videos, rightly (the row is named)
        let rules = settings
            .label_rules()
            .map_err(|(field, e)| Error::field(&format!("params.{field}"), e))?;
        if !rules.is_empty() {
            let known: Vec<vision::evaluate::labels::LabelledVideo> = videos
                .iter()
                .map(|v| vision::evaluate::labels::LabelledVideo {
                    name: v.filename.clone(),
                    id: v.id.to_string(),
                    duration_secs: v.duration_secs.unwrap_or(0.0),
                })
                .collect();
            let field = if settings.labels.is_empty() {
                "params.labels_csv"
            } else {
                "params.labels"
            };
            vision::evaluate::labels::ground_truth(&rules, &Default::default(), &known)
                .map_err(|e| Error::field(field, e))?;
        }
        // a heatmap window longer than a video: refused now, not after its poses
        if settings.footfall.enabled {
            for v in &videos {
                if let Err((field, e)) = settings
                    .footfall
                    .check_against(v.duration_secs.unwrap_or(0.0))
                {
                    return Err(Error::field(
                        &format!("params.footfall.{field}"),
                        format!("{}: {e}", v.filename),
                    ));
                }
            }
        }
        for (service, field, id) in settings.models() {
            let found = match Uuid::parse_str(id) {
                Ok(id) => state.db.model(id).await?,
                Err(_) => None,
            };
            match found {
                Some((m, _)) if m.project_id == req.project_id && m.service == service.as_str() => {
                }
                Some((m, _)) if m.project_id == req.project_id => {
                    return Err(Error::field(
                        &format!("params.{field}"),
                        format!(
                            "model {:?} classifies {}, not {}",
                            m.name,
                            m.service,
                            service.as_str()
                        ),
                    ));
                }
                _ => {
                    return Err(Error::field(
                        &format!("params.{field}"),
                        format!("{field} {id} is not a model of this project"),
                    ));
                }
            }
        }
    }
    if req.kind == JobKind::Visualize {
        check_visualize_sources(&state, req.project_id, &params, &video_ids).await?;
    }
    if let Some(source) = params.get("source_job").and_then(|v| v.as_str()) {
        let found = match Uuid::parse_str(source) {
            Ok(id) => state.db.job(id).await?,
            Err(_) => None,
        };
        // an analyze job reads the tracks an annotate or an earlier analyze job stored (to
        // re-score with other settings or labels without estimating poses again); an annotate
        // job its own kind's stages
        let allowed: &[JobKind] = match req.kind {
            JobKind::Analyze => &[JobKind::Annotate, JobKind::Analyze],
            JobKind::Annotate => &[JobKind::Annotate],
            JobKind::Visualize => &[JobKind::Annotate, JobKind::Analyze],
            _ => &[],
        };
        let Some(found) = found.filter(|j| j.project_id == req.project_id) else {
            // another project's job is as good as none (nothing about it is told)
            return Err(Error {
                status: StatusCode::NOT_FOUND,
                message: format!("source_job {source}: no such job in this project"),
                field: Some("params.source_job".into()),
            });
        };
        if !allowed.contains(&found.kind) {
            let kinds: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
            return Err(Error::field(
                "params.source_job",
                format!(
                    "source_job {source} is not an {} job of this project",
                    kinds.join(" or ")
                ),
            ));
        }
    }
    // Queue priority is unsigned: shift so -100..100 keeps its order.
    let job = state
        .db
        .create_job(NewJob {
            project_id: req.project_id,
            kind: req.kind,
            params,
            video_ids,
            priority: req.priority + 100,
            requested_by: Some(caller.user.id),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(job)))
}

/// A visualize job draws what other jobs stored: its source job (annotate or analyze) and its
/// masks job (anonymize) must be of this project, finished, and have run on every video.
async fn check_visualize_sources(
    state: &AppState,
    project: Uuid,
    params: &serde_json::Value,
    videos: &[Uuid],
) -> Result<()> {
    if params.get("source_job").and_then(|v| v.as_str()).is_none() {
        return Err(Error::field(
            "params.source_job",
            "params.source_job: choose the annotate or analyze job whose results to draw",
        ));
    }
    for (field, kinds) in [
        ("source_job", &[JobKind::Annotate, JobKind::Analyze][..]),
        ("masks_job", &[JobKind::Anonymize][..]),
    ] {
        let Some(id) = params.get(field).and_then(|v| v.as_str()) else {
            continue;
        };
        let found = match Uuid::parse_str(id) {
            Ok(id) => state.db.job(id).await?,
            Err(_) => None,
        };
        let at = format!("params.{field}");
        let Some(job) = found.filter(|j| j.project_id == project) else {
            return Err(Error {
                status: StatusCode::NOT_FOUND,
                message: format!("{field} {id}: no such job in this project"),
                field: Some(at),
            });
        };
        if !kinds.contains(&job.kind) {
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            return Err(Error::field(
                &at,
                format!(
                    "{field} {id} is not {} (its kind is {})",
                    names.join(" or "),
                    job.kind.as_str()
                ),
            ));
        }
        if job.status != JobStatus::Succeeded {
            return Err(Error::field(
                &at,
                format!(
                    "{field} {id} has not succeeded (it is {}): draw a finished job's results",
                    job.status.as_str()
                ),
            ));
        }
        if let Some(missing) = videos.iter().find(|v| !job.video_ids.contains(v)) {
            return Err(Error::field(
                &at,
                format!("{field} {id} did not run on video {missing}: it has no results for it"),
            ));
        }
    }
    Ok(())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct JobQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub project: Option<Uuid>,
    /// Created on or after this day (`2026-11-30`) or RFC 3339 instant.
    pub created_from: Option<String>,
    /// Created before the end of this day, or this instant.
    pub created_to: Option<String>,
    /// Page size, 1–1000 (default 200).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(JobQuery), responses((status = 200, body = Vec<Job>, headers(("x-total-count" = i64, description = "jobs matching the filters, all pages")))))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<JobQuery>,
) -> Result<(axum::http::HeaderMap, Json<Vec<Job>>)> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            JobStatus::parse(s)
                .ok_or_else(|| Error::field("status", format!("unknown status {s:?}")))?,
        ),
        None => None,
    };
    let kind = match q.kind.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            JobKind::parse(s)
                .ok_or_else(|| Error::field("kind", format!("unknown job kind {s:?}")))?,
        ),
        None => None,
    };
    let projects = caller.visible_projects(&state).await?;
    if q.offset.is_some_and(|o| o < 0) {
        return Err(Error::field("offset", "offset must be 0 or more"));
    }
    let day = |field: &str, text: &Option<String>, end: bool| {
        text.as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| crate::paging::instant(field, t, end))
            .transpose()
    };
    let filter = JobFilter {
        status,
        kind,
        project: q.project,
        created_from: day("created_from", &q.created_from, false)?,
        created_to: day("created_to", &q.created_to, true)?,
        limit: q.limit.unwrap_or(200).clamp(1, 1000),
        offset: q.offset.unwrap_or(0),
    };
    let (jobs, total) = state.db.jobs(&projects, &filter).await?;
    Ok(crate::paging::counted(jobs, total))
}

pub(crate) async fn visible_job(state: &AppState, caller: &Caller, id: Uuid) -> Result<Job> {
    let job = state
        .db
        .job(id)
        .await?
        .ok_or_else(|| Error::not_found("job"))?;
    caller
        .role_in(state, job.project_id)
        .await
        .map_err(|_| Error::not_found("job"))?;
    Ok(job)
}

#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs", responses((status = 200, body = Job), (status = 404, body = api::ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Job>> {
    Ok(Json(visible_job(&state, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/jobs/{id}/cancel", tag = "jobs", responses((status = 200, body = Job), (status = 409, body = api::ApiError)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Job>> {
    let job = visible_job(&state, &caller, id).await?;
    caller.require_writer(&state, job.project_id).await?;
    if job.status.is_finished() {
        return Err(Error::conflict(format!(
            "the job already {}",
            job.status.as_str()
        )));
    }
    state
        .db
        .cancel_job(id)
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found("job"))
}

#[utoipa::path(post, path = "/api/jobs/{id}/retry", tag = "jobs", responses((status = 200, body = Job), (status = 409, body = api::ApiError)))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Job>> {
    let job = visible_job(&state, &caller, id).await?;
    caller.require_writer(&state, job.project_id).await?;
    if !matches!(job.status, JobStatus::Failed | JobStatus::Canceled) {
        return Err(Error::conflict(format!(
            "only failed or canceled jobs can be retried; this one is {}",
            job.status.as_str()
        )));
    }
    state
        .db
        .retry_job(id)
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found("job"))
}

#[utoipa::path(get, path = "/api/jobs/{id}/artifacts", tag = "jobs", responses((status = 200, body = Vec<Artifact>)))]
pub async fn artifacts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<Artifact>>> {
    visible_job(&state, &caller, id).await?;
    Ok(Json(
        state
            .db
            .artifacts(id)
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/artifacts/{id}/download", tag = "jobs", responses((status = 200), (status = 206), (status = 404, body = api::ApiError)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let (artifact, key) = state
        .db
        .artifact(id)
        .await?
        .ok_or_else(|| Error::not_found("artifact"))?;
    visible_job(&state, &caller, artifact.job_id)
        .await
        .map_err(|_| Error::not_found("artifact"))?;
    crate::download::serve(
        &state.storage,
        &key,
        &artifact.content_type,
        &artifact.filename,
        &headers,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_are_taken_once_each_in_order_and_capped() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let many = vec![a; 2000];
        assert_eq!(distinct_videos(&many).unwrap(), vec![a]);
        assert_eq!(distinct_videos(&[b, a, b, a]).unwrap(), vec![b, a]);
        assert_eq!(
            distinct_videos(&[]).unwrap_err().field.as_deref(),
            Some("video_ids")
        );
        let too_many: Vec<Uuid> = (0..=MAX_VIDEOS_PER_JOB).map(|_| Uuid::new_v4()).collect();
        let err = distinct_videos(&too_many).unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(err.message.contains("split them"), "{}", err.message);
    }

    #[test]
    fn model_input_sizes_have_a_range() {
        for (kind, params) in [
            (
                JobKind::Anonymize,
                serde_json::json!({"pose_input_size": 4294967295u32}),
            ),
            (
                JobKind::Anonymize,
                serde_json::json!({"face_input_size": 4294967295u32}),
            ),
            (
                JobKind::Annotate,
                serde_json::json!({"label": "walk", "pose_input_size": 4097}),
            ),
        ] {
            let err = validate_params(kind, &params).unwrap_err();
            let field = params
                .as_object()
                .unwrap()
                .keys()
                .find(|k| *k != "label")
                .unwrap()
                .clone();
            assert_eq!(
                err.field,
                Some(format!("params.{field}")),
                "{}",
                err.message
            );
            assert!(err.message.contains("4096"), "{}", err.message);
        }
        assert!(
            validate_params(
                JobKind::Anonymize,
                &serde_json::json!({"face_input_size": 4096})
            )
            .is_ok()
        );
    }

    #[test]
    fn parameter_errors_name_the_field() {
        let err =
            validate_params(JobKind::Anonymize, &serde_json::json!({"mode": "ears"})).unwrap_err();
        assert!(
            err.message
                .starts_with("params.mode: unknown variant `ears`"),
            "{}",
            err.message
        );
        let err =
            validate_params(JobKind::Anonymize, &serde_json::json!({"mask_scale": 9})).unwrap_err();
        assert!(err.message.contains("mask_scale"), "{}", err.message);
        assert!(validate_params(JobKind::Anonymize, &serde_json::Value::Null).is_ok());
        // a dataset needs labels before hours of pose estimation, not after
        let err = validate_params(JobKind::Annotate, &serde_json::Value::Null).unwrap_err();
        assert_eq!(
            err.field.as_deref(),
            Some("params.label"),
            "{}",
            err.message
        );
        assert!(validate_params(JobKind::Annotate, &serde_json::json!({"label": "walk"})).is_ok());
        let err = validate_params(
            JobKind::Annotate,
            &serde_json::json!({"label": "walk", "from_stage": 3}),
        )
        .unwrap_err();
        assert_eq!(
            err.field.as_deref(),
            Some("params.source_job"),
            "{}",
            err.message
        );
        let err = validate_params(
            JobKind::Analyze,
            &serde_json::json!({"events": {"fight_rules": {"threshold": 3}}}),
        )
        .unwrap_err();
        // the range from the parameter table names the exact field
        assert_eq!(
            err.field.as_deref(),
            Some("params.events.fight_rules.threshold"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("fight_rules.threshold"),
            "{}",
            err.message
        );
        let err = validate_params(
            JobKind::Analyze,
            &serde_json::json!({"events": {"services": ["theft"]}}),
        )
        .unwrap_err();
        assert!(err.message.contains("theft"), "{}", err.message);
        assert!(validate_params(JobKind::Analyze, &serde_json::Value::Null).is_ok());
        // visualize: its settings are read like the others' (the source job is checked when the
        // job is created, against the database)
        assert!(validate_params(JobKind::Visualize, &serde_json::Value::Null).is_ok());
        let err =
            validate_params(JobKind::Visualize, &serde_json::json!({"mode": "neon"})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("params.mode"), "{}", err.message);
        let err = validate_params(
            JobKind::Visualize,
            &serde_json::json!({"from_secs": 5, "to_secs": 1}),
        )
        .unwrap_err();
        assert_eq!(
            err.field.as_deref(),
            Some("params.to_secs"),
            "{}",
            err.message
        );
    }
}
