//! Administration of users (admins only).

use api::{CreateUser, UpdateUser, User};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, check_password, hash_password};
use crate::error::{Error, JsonBody, Result};

pub fn check_email(email: &str) -> Result<()> {
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'));
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            "email",
            format!("{email:?} is not an email address"),
        ))
    }
}

#[utoipa::path(get, path = "/api/users", tag = "admin", responses((status = 200, body = Vec<User>), (status = 403, body = api::ApiError)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<User>>> {
    caller.require_admin()?;
    Ok(Json(state.db.list_users().await?))
}

#[utoipa::path(post, path = "/api/users", tag = "admin", request_body = CreateUser, responses((status = 201, body = User), (status = 409, body = api::ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<CreateUser>,
) -> Result<(StatusCode, Json<User>)> {
    caller.require_admin()?;
    let email = req.email.trim();
    check_email(email)?;
    check_password(&req.password)?;
    let hash = hash_password(&req.password)
        .map_err(|e| Error::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let user = state
        .db
        .create_user(email, req.display_name.trim(), &hash, req.role)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(patch, path = "/api/users/{id}", tag = "admin", request_body = UpdateUser, responses((status = 200, body = User)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonBody(req): JsonBody<UpdateUser>,
) -> Result<Json<User>> {
    caller.require_admin()?;
    if id == caller.user.id
        && (req.disabled == Some(true) || req.role.is_some_and(|r| r != api::Role::Admin))
    {
        return Err(Error::bad_request(
            "you cannot disable yourself or take away your own admin role",
        ));
    }
    let hash = match &req.password {
        Some(p) => {
            check_password(p)?;
            Some(
                hash_password(p)
                    .map_err(|e| Error::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
            )
        }
        None => None,
    };
    let user = state
        .db
        .update_user(
            id,
            req.role,
            req.disabled,
            hash.as_deref(),
            req.display_name.as_deref(),
        )
        .await?;
    user.map(Json).ok_or_else(|| Error::not_found("user"))
}
