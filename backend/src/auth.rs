//! Who is calling: a browser session (HttpOnly cookie + CSRF header on state-changing requests)
//! or a script's API token (`Authorization: Bearer …`). Passwords are argon2id hashes.

use api::{Me, Role, User};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;
use crate::error::{Error, JsonBody, Result};

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Minimum rules for a password someone chooses.
pub fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(Error::field(
            "password",
            "the password must have at least 8 characters",
        ));
    }
    Ok(())
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
    pub fn require_admin(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::forbidden("only administrators may do this"))
        }
    }
    /// The caller's role in a project; not a member → 404 (the project's existence stays private).
    pub async fn role_in(&self, state: &AppState, project: Uuid) -> Result<Role> {
        state
            .db
            .project_role(&self.user, project)
            .await?
            .ok_or_else(|| Error::not_found("project"))
    }
    /// May upload and start jobs in `project`.
    pub async fn require_writer(&self, state: &AppState, project: Uuid) -> Result<Role> {
        let role = self.role_in(state, project).await?;
        if role.can_write() {
            Ok(role)
        } else {
            Err(Error::forbidden(
                "reviewers may watch and download, not upload or start jobs",
            ))
        }
    }
    pub async fn visible_projects(&self, state: &AppState) -> Result<Vec<Uuid>> {
        Ok(state.db.visible_project_ids(&self.user).await?)
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(bearer) = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            let found = state.db.token_user(&sha256_hex(bearer.trim())).await?;
            return found.map(|s| Caller { user: s.user }).ok_or_else(|| {
                Error::new(
                    StatusCode::UNAUTHORIZED,
                    "the API token is unknown or revoked",
                )
            });
        }
        let Some(token) = cookie(&parts.headers, api::SESSION_COOKIE) else {
            return Err(Error::unauthorized());
        };
        let Some(session) = state.db.session_user(&sha256_hex(&token)).await? else {
            return Err(Error::new(
                StatusCode::UNAUTHORIZED,
                "your session has expired: sign in again",
            ));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(api::CSRF_HEADER)
                .and_then(|v| v.to_str().ok());
            if sent != session.csrf_token.as_deref() {
                return Err(Error::forbidden(format!(
                    "missing or wrong {} header (CSRF protection)",
                    api::CSRF_HEADER
                )));
            }
        }
        Ok(Caller { user: session.user })
    }
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
        api::SESSION_COOKIE
    ))
    .expect("cookie is ASCII")
}

#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = api::LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = api::ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<api::LoginRequest>,
) -> Result<Response> {
    let found = state.db.user_for_login(req.email.trim()).await?;
    let user = match found {
        Some((user, hash)) if !user.disabled && verify_password(&req.password, &hash) => user,
        _ => {
            return Err(Error::new(
                StatusCode::UNAUTHORIZED,
                "wrong email or password",
            ));
        }
    };
    let (token, csrf) = (random_token(), random_token());
    let ttl = state.settings.session_ttl_secs;
    state
        .db
        .create_session(&sha256_hex(&token), user.id, &csrf, ttl)
        .await?;
    let projects = state.db.projects_of(&user).await?;
    let mut response = Json(Me {
        user,
        csrf_token: csrf,
        projects,
    })
    .into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, session_cookie(&state, &token, ttl));
    Ok(response)
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> Result<Response> {
    if let Some(token) = cookie(&headers, api::SESSION_COOKIE) {
        state.db.delete_session(&sha256_hex(&token)).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

#[utoipa::path(get, path = "/api/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = api::ApiError)))]
pub async fn me(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<Me>> {
    let csrf = match cookie(&headers, api::SESSION_COOKIE) {
        Some(token) => state
            .db
            .session_user(&sha256_hex(&token))
            .await?
            .and_then(|s| s.csrf_token)
            .unwrap_or_default(),
        None => String::new(),
    };
    let projects = state.db.projects_of(&caller.user).await?;
    Ok(Json(Me {
        user: caller.user,
        csrf_token: csrf,
        projects,
    }))
}

#[utoipa::path(post, path = "/api/auth/tokens", tag = "auth", request_body = api::CreateToken, responses((status = 201, body = api::TokenCreated)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<api::CreateToken>,
) -> Result<(StatusCode, Json<api::TokenCreated>)> {
    let name = req.name.trim();
    if name.is_empty() {
        return Err(Error::field(
            "name",
            "give the token a name (what script uses it)",
        ));
    }
    let token = format!("rcg_{}", random_token());
    let created = state
        .db
        .create_api_token(caller.user.id, name, &sha256_hex(&token))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(api::TokenCreated {
            id: created.id,
            name: created.name,
            token,
        }),
    ))
}

#[utoipa::path(get, path = "/api/auth/tokens", tag = "auth", responses((status = 200, body = Vec<api::ApiToken>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<api::ApiToken>>> {
    Ok(Json(state.db.list_api_tokens(caller.user.id).await?))
}

#[utoipa::path(delete, path = "/api/auth/tokens/{id}", tag = "auth", responses((status = 204), (status = 404, body = api::ApiError)))]
pub async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<Uuid>,
) -> Result<StatusCode> {
    if state.db.delete_api_token(caller.user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found("token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; recognizer_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "recognizer_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
