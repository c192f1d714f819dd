//! Projects (team workspaces) and their members.

use api::{AddMember, CreateProject, Member, Project};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, JsonBody, Result};

#[utoipa::path(get, path = "/api/projects", tag = "projects", responses((status = 200, body = Vec<Project>)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Project>>> {
    Ok(Json(state.db.projects_of(&caller.user).await?))
}

#[utoipa::path(post, path = "/api/projects", tag = "projects", request_body = CreateProject, responses((status = 201, body = Project)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<CreateProject>,
) -> Result<(StatusCode, Json<Project>)> {
    caller.require_admin()?;
    let name = req.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(Error::field(
            "name",
            "a project needs a name of 1 to 100 characters",
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .db
                .create_project(name, req.description.trim(), &caller.user)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/projects/{id}", tag = "projects", responses((status = 200, body = Project), (status = 404, body = api::ApiError)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Project>> {
    state
        .db
        .project(&caller.user, id)
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found("project"))
}

#[utoipa::path(get, path = "/api/projects/{id}/members", tag = "projects", responses((status = 200, body = Vec<Member>)))]
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<Member>>> {
    caller.role_in(&state, id).await?;
    Ok(Json(state.db.members(id).await?))
}

#[utoipa::path(post, path = "/api/projects/{id}/members", tag = "projects", request_body = AddMember, responses((status = 200, body = Vec<Member>)))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonBody(req): JsonBody<AddMember>,
) -> Result<Json<Vec<Member>>> {
    caller.role_in(&state, id).await?;
    caller.require_admin()?;
    let user = state
        .db
        .user_by_email(req.email.trim())
        .await?
        .ok_or_else(|| Error::field("email", format!("no user with email {}", req.email)))?;
    let role = if req.role == api::Role::Admin {
        api::Role::Uploader
    } else {
        req.role
    };
    state.db.set_member(id, user.id, role).await?;
    Ok(Json(state.db.members(id).await?))
}

#[utoipa::path(delete, path = "/api/projects/{id}/members/{user_id}", tag = "projects", responses((status = 204)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode> {
    caller.role_in(&state, id).await?;
    caller.require_admin()?;
    if state.db.remove_member(id, user_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found("member"))
    }
}
