//! Wire types shared by the backend, the workers and the frontend. Serde only, so it builds for
//! wasm32 as well as the host. With the `openapi` feature each type also describes itself for the
//! OpenAPI document.

pub mod auth;
pub mod events;
pub mod health;
pub mod jobs;
pub mod models;
pub mod projects;
pub mod retention;
pub mod streams;
pub mod videos;
pub mod webhooks;

pub use auth::{
    ApiToken, ChangePassword, CreateToken, CreateUser, LoginRequest, Me, Role, TokenCreated,
    UpdateUser, User,
};
pub use events::{Event, EventQuery, ServerEvent};
pub use health::{Check, Health, Liveness, ModelCheck};
pub use jobs::{
    Artifact, CreateJob, Job, JobKind, JobKindInfo, JobStatus, ParamInfo, ParamInput, Preset,
    Queue, WorkerInfo,
};
pub use models::Model;
pub use projects::{AddMember, CreateProject, Member, Project};
pub use retention::{Pin, ProjectStorage, Removal, Retention};
pub use streams::{
    CreateStream, STREAM_SCHEMES, STREAM_SERVICES, Stream, StreamHealth, UpdateStream,
};
pub use videos::{CountingLine, CreateUpload, FootfallLayout, Upload, Video, Zone};
pub use webhooks::{CreateWebhook, WEBHOOK_EVENTS, Webhook, WebhookCreated, WebhookDelivery};

use serde::{Deserialize, Serialize};

/// Every error answer: what went wrong, in words a person can act on, and the request field at fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The header a browser session must echo on every state-changing request.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "recognizer_session";
