//! Who is calling: a browser session (HttpOnly cookie + CSRF header on state-changing requests)
//! or a script's API token (`Authorization: Bearer …`). Passwords are argon2id hashes.

use api::{Me, Role, User};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;
use crate::error::{Error, JsonBody, Result};
use crate::throttle::Blocked;

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

/// A password someone chooses must be hard to guess: zxcvbn's estimate (dictionaries of common
/// passwords, names and words, keyboard patterns, dates, repeats, and the person's own e-mail
/// address) must reach 3 of 4, "safely unguessable" (about 10^8 guesses), and it must have at
/// least 10 characters.
pub fn check_password(password: &str, email: &str) -> Result<()> {
    const FIELD: &str = "password";
    if password.chars().count() < 10 {
        return Err(Error::field(
            FIELD,
            "the password must have at least 10 characters; a few unrelated words make a good one",
        ));
    }
    if password.len() > 1024 {
        return Err(Error::field(
            FIELD,
            "the password must have at most 1024 bytes",
        ));
    }
    let local = email.split('@').next().unwrap_or_default();
    let estimate = zxcvbn::zxcvbn(password, &[email, local]);
    if (estimate.score() as u8) < 3 {
        // "this password is too easy to guess: this is a very common password. Add another
        // word or two. Uncommon words are better."
        let mut why = String::from("this password is too easy to guess");
        if let Some(feedback) = estimate.feedback() {
            match feedback.warning().map(|w| w.to_string()) {
                Some(w) => {
                    let mut chars = w.chars();
                    let first = chars.next().map(|c| c.to_lowercase().to_string());
                    why.push_str(&format!(
                        ": {}{}",
                        first.unwrap_or_default(),
                        chars.as_str()
                    ));
                }
                None => why.push('.'),
            }
            for s in feedback.suggestions() {
                why.push_str(&format!(" {s}"));
            }
        }
        return Err(Error::field(FIELD, why));
    }
    Ok(())
}

/// An argon2 hash of nothing anyone knows: unknown and disabled accounts are checked against it,
/// so a failed sign-in takes as long whether or not the account exists.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash_password(&random_token()).expect("hashing a random password")
    });
    &DUMMY
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
    pub via: Via,
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    /// A browser session; the sha256 of its cookie.
    Session { token_hash: String },
    /// An API token.
    Token { read_only: bool },
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
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let Some(bearer) = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            let found = state.db.token_user(&sha256_hex(bearer.trim())).await?;
            let Some(found) = found else {
                return Err(Error::new(
                    StatusCode::UNAUTHORIZED,
                    "the API token is unknown, expired or revoked",
                ));
            };
            if found.read_only && !safe {
                return Err(Error::forbidden(
                    "this API token is read-only: it may only GET; make a read-write token for changes",
                ));
            }
            return Ok(Caller {
                user: found.user,
                via: Via::Token {
                    read_only: found.read_only,
                },
            });
        }
        let Some(token) = cookie(&parts.headers, api::SESSION_COOKIE) else {
            return Err(Error::unauthorized());
        };
        let token_hash = sha256_hex(&token);
        let Some(session) = state.db.session_user(&token_hash).await? else {
            return Err(Error::new(
                StatusCode::UNAUTHORIZED,
                "your session has expired: sign in again",
            ));
        };
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
        Ok(Caller {
            user: session.user,
            via: Via::Session { token_hash },
        })
    }
}

/// The client's address: the TCP peer, or, with `server.trust_proxy_headers`, the address the
/// proxy in front of us saw (the last entry of `X-Forwarded-For`).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        if state.settings.trust_proxy_headers {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse().ok())
                .next_back();
            if forwarded.is_some() {
                return Ok(ClientAddr(forwarded));
            }
        }
        Ok(ClientAddr(peer))
    }
}

/// Whether the browser reached us over HTTPS: always when `server.secure_cookies` says so, and
/// when a trusted proxy says `X-Forwarded-Proto: https`.
pub fn over_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.secure_cookies
        || (state.settings.trust_proxy_headers
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

fn session_cookie(state: &AppState, headers: &HeaderMap, value: &str, max_age: i64) -> HeaderValue {
    let secure = if over_https(state, headers) {
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
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    JsonBody(req): JsonBody<api::LoginRequest>,
) -> Result<Response> {
    let email = req.email.trim();
    if let Err(blocked) = state.login_throttle.check(email, address) {
        return Ok(too_many_attempts(blocked));
    }
    let found = state.db.user_for_login(email).await?;
    // argon2 runs on every path, so the time taken does not tell which accounts exist
    let password = req.password;
    let (user, hash) = match found {
        Some((user, hash)) if !user.disabled => (Some(user), hash),
        _ => (None, dummy_hash().to_string()),
    };
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(user) if matches => user,
        _ => {
            state.login_throttle.failed(email, address);
            tracing::info!(email, ?address, "failed sign-in");
            return Err(Error::new(
                StatusCode::UNAUTHORIZED,
                "wrong email or password",
            ));
        }
    };
    state.login_throttle.succeeded(email);
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
        .insert(SET_COOKIE, session_cookie(&state, &headers, &token, ttl));
    Ok(response)
}

/// 429 with `Retry-After`, and words that say whose attempts are being slowed down.
fn too_many_attempts(blocked: Blocked) -> Response {
    let secs = blocked.retry_after().as_secs_f64().ceil().max(1.0) as u64;
    let whose = match blocked {
        Blocked::Account(_) => "this account",
        Blocked::Address(_) => "your address",
    };
    let mut response = Error::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many failed sign-ins for {whose}: try again in {secs} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    response
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
        .insert(SET_COOKIE, session_cookie(&state, &headers, "", 0));
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
    // A token that could mint tokens would outlive its own revocation through its children.
    if matches!(caller.via, Via::Token { .. }) {
        return Err(Error::forbidden(
            "API tokens cannot create API tokens: sign in with your password to make one",
        ));
    }
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::field(
            "name",
            "give the token a name of 1 to 100 characters (what script uses it)",
        ));
    }
    if req
        .expires_in_days
        .is_some_and(|d| !(1..=3650).contains(&d))
    {
        return Err(Error::field(
            "expires_in_days",
            "expires_in_days must be between 1 and 3650 (or left out: valid until revoked)",
        ));
    }
    let token = format!("rcg_{}", random_token());
    let token_hash = sha256_hex(&token);
    let created = state
        .db
        .create_api_token(
            caller.user.id,
            &store::NewApiToken {
                name,
                token_hash: &token_hash,
                read_only: req.read_only,
                expires_in_days: req.expires_in_days,
            },
        )
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

/// A signed-in person changes their own password. The current password is asked for (a session
/// left open on a shared computer is not enough), failures count towards the sign-in throttle,
/// and every other session and every API token of the account is revoked.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = api::ChangePassword,
    responses((status = 204), (status = 401, body = api::ApiError), (status = 422, body = api::ApiError), (status = 429, body = api::ApiError)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddr(address): ClientAddr,
    JsonBody(req): JsonBody<api::ChangePassword>,
) -> Result<Response> {
    let Via::Session { token_hash } = &caller.via else {
        return Err(Error::forbidden(
            "sign in with your password to change it; API tokens cannot",
        ));
    };
    let email = caller.user.email.clone();
    if let Err(blocked) = state.login_throttle.check(&email, address) {
        return Ok(too_many_attempts(blocked));
    }
    let hash = state
        .db
        .password_hash(caller.user.id)
        .await?
        .ok_or_else(Error::unauthorized)?;
    let current = req.current_password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .unwrap_or(false);
    if !matches {
        state.login_throttle.failed(&email, address);
        return Err(Error::field(
            "current_password",
            "the current password is wrong",
        ));
    }
    check_password(&req.new_password, &email)?;
    let new_hash = hash_password(&req.new_password)
        .map_err(|e| Error::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    state
        .db
        .change_password(caller.user.id, &new_hash, Some(token_hash))
        .await?;
    tracing::info!(user = %caller.user.email, "password changed; other sessions and API tokens revoked");
    Ok(StatusCode::NO_CONTENT.into_response())
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
    fn guessable_passwords_are_refused_with_advice_and_good_ones_pass() {
        let email = "alice@example.org";
        for weak in [
            "12345678",
            "password1234",
            "alice@example.org",
            "aliceexample",
            "qwertyuiop1",
            "Summer2026!",
        ] {
            let err = check_password(weak, email).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("password"), "{weak}");
        }
        let err = check_password("password123", email).unwrap_err();
        assert!(
            err.message
                .starts_with("this password is too easy to guess: "),
            "{}",
            err.message
        );
        for good in [
            "alice-lantern-orbit-42",
            "correct horse battery staple",
            "Kx9#pLm2vQ!z",
        ] {
            assert!(check_password(good, email).is_ok(), "{good}");
        }
        assert!(check_password(&"x".repeat(2000), email).is_err());
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
