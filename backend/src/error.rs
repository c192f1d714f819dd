//! One error type for every handler: a status and a message a person can act on, as JSON.

use api::ApiError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct Error {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// A request field is wrong: the message names it, and `field` lets a form point at it.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: message.into(),
            field: Some(field.into()),
        }
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "sign in first (session cookie or Authorization: Bearer <API token>)",
        )
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    /// Also what a user gets for things in projects they may not see: their existence is not revealed.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no such {what}"))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = %self.status, error = %self.message, "request failed");
        }
        (
            self.status,
            Json(ApiError {
                error: self.message,
                field: self.field,
            }),
        )
            .into_response()
    }
}

impl From<store::DbError> for Error {
    fn from(e: store::DbError) -> Self {
        match e {
            store::DbError::Conflict(m) => Error::conflict(m),
            other => Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database: {other}"),
            ),
        }
    }
}

impl From<store::StorageError> for Error {
    fn from(e: store::StorageError) -> Self {
        match e {
            store::StorageError::NotFound { .. } => {
                Error::new(StatusCode::NOT_FOUND, "the stored file is missing")
            }
            other => Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("object storage: {other}"),
            ),
        }
    }
}

/// JSON bodies whose problems are reported as 4xx with serde's message (unknown fields included).
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = Error;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(rejection) => Err(Error::new(rejection.status(), rejection.body_text())),
        }
    }
}
