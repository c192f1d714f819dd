//! Response hygiene for every answer: security headers, and API errors always in the JSON shape
//! (`{"error": …}`), also when axum's own extractors refuse a request (a malformed id in the
//! path, a body over the limit, a wrong content type).

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::Error;

/// What the web UI needs and nothing more: its own scripts and WebAssembly, inline styles set by
/// the app, images and video from the API (and blobs it makes), websockets to itself; no
/// framing by other sites, no plugins, forms only to itself.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn headers<S: Clone + Send + Sync + 'static>(app: Router<S>) -> Router<S> {
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    app.layer(header(
        CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY_VALUE,
    ))
    .layer(header(X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .layer(header(X_FRAME_OPTIONS, "DENY"))
    .layer(header(REFERRER_POLICY, "no-referrer"))
}

/// Turns a plain-text 4xx/5xx answer under `/api` into the JSON error shape, keeping its status
/// and its words.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    // axum's rejections are a line of text; anything larger is not one of them
    let text = match axum::body::to_bytes(body, 64 << 10).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase()
    } else {
        text
    };
    let mut json = Error::new(status, message).into_response();
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}
