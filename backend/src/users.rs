//! Administration of users (admins only).

use api::{CreateUser, UpdateUser, User};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, check_password, hash_password};
use crate::error::{Error, JsonBody, Result};

/// An address a mail server would take: one `@`, a local part of printable ASCII without the
/// characters that need quoting (no spaces, `<>()[],;:"\\`), a domain of letters, digits and
/// hyphens with at least one dot. Anything else (`x@y.z<script>`) is refused rather than shown
/// to other people later.
pub fn check_email(email: &str) -> Result<()> {
    let local_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 64
            && !l.starts_with('.')
            && !l.ends_with('.')
            && !l.contains("..")
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
    };
    let domain_ok = |d: &str| {
        d.contains('.')
            && d.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(l, d)| local_ok(l) && domain_ok(d));
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
    check_password(&req.password, email)?;
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
            let email = state
                .db
                .user(id)
                .await?
                .ok_or_else(|| Error::not_found("user"))?
                .email;
            check_password(p, &email)?;
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

#[cfg(test)]
mod tests {
    use super::check_email;

    #[test]
    fn only_plain_email_addresses() {
        for good in [
            "alice@example.org",
            "a.b+tag@sub.example.co",
            "x_y@localhost.localdomain",
        ] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in [
            "x@y.z<script>",
            "<b>@example.org",
            "a b@example.org",
            "alice@example",
            "alice@.org",
            "alice@exa mple.org",
            "alice@-x.org",
            "@example.org",
            "alice",
            "a\u{202e}gro@example.org",
            "a..b@example.org",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
    }
}
