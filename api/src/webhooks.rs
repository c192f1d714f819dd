//! Webhooks: a project's subscriptions of a URL to what happens in it, and their delivery log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a webhook may subscribe to.
pub const WEBHOOK_EVENTS: [&str; 4] = [
    "job.succeeded",
    "job.failed",
    "event.opened",
    "event.closed",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// `https://…` (or `http://…`) that receives a POST per delivery.
    pub url: String,
    /// Any of `job.succeeded`, `job.failed`, `event.opened` (live streams), `event.closed`.
    pub events: Vec<String>,
    /// Administrators only: allow a private or loopback address (an internal service).
    #[serde(default)]
    pub allow_private: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: Uuid,
    pub project_id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub allow_private: bool,
    pub created_at: DateTime<Utc>,
}

/// The answer to creating one: the signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCreated {
    pub webhook: Webhook,
    /// Deliveries carry `x-recognizer-signature: t=<unix time>,v1=<hex HMAC-SHA256 of
    /// "<t>.<body>" with this secret>`.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// `job.succeeded`, …, or `ping` for a test.
    pub event: String,
    /// `pending`, `delivered` or `failed` (gave up).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status of the last attempt.
    pub response_status: Option<i32>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}
