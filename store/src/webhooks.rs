//! Webhooks and their deliveries. Deliveries are queued by triggers (a job ends, an event is
//! stored) or by a test; any server process claims the due ones.

use api::{Webhook, WebhookDelivery};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError};

type HookRow = (Uuid, Uuid, String, Vec<String>, bool, DateTime<Utc>);
const HOOK_COLUMNS: &str = "id, project_id, url, events, allow_private, created_at";

fn hook((id, project_id, url, events, allow_private, created_at): HookRow) -> Webhook {
    Webhook {
        id,
        project_id,
        url,
        events,
        allow_private,
        created_at,
    }
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    webhook_id: Uuid,
    event: String,
    status: String,
    attempts: i32,
    response_status: Option<i32>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(r: DeliveryRow) -> Self {
        WebhookDelivery {
            id: r.id,
            webhook_id: r.webhook_id,
            event: r.event,
            status: r.status,
            attempts: r.attempts,
            response_status: r.response_status,
            error: r.error,
            created_at: r.created_at,
            next_attempt_at: r.next_attempt_at,
            delivered_at: r.delivered_at,
        }
    }
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event, status, attempts, response_status, error, created_at, next_attempt_at, delivered_at";

/// A delivery a server process took on: where to send what.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: Uuid,
    pub event: String,
    pub subject_id: Option<Uuid>,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
    pub allow_private: bool,
}

impl Database {
    pub async fn create_webhook(
        &self,
        project: Uuid,
        url: &str,
        events: &[String],
        allow_private: bool,
        secret: &str,
        created_by: Uuid,
    ) -> Result<Webhook, DbError> {
        let row: HookRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO webhooks (id, project_id, url, secret, events, allow_private, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {HOOK_COLUMNS}"
        )))
        .bind(Uuid::new_v4())
        .bind(project)
        .bind(url)
        .bind(secret)
        .bind(events)
        .bind(allow_private)
        .bind(created_by)
        .fetch_one(&self.pool)
        .await?;
        Ok(hook(row))
    }

    pub async fn webhooks(&self, project: Uuid) -> Result<Vec<Webhook>, DbError> {
        let rows: Vec<HookRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks WHERE project_id = $1 ORDER BY created_at"
        )))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(hook).collect())
    }

    pub async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, DbError> {
        let row: Option<HookRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(hook))
    }

    pub async fn delete_webhook(&self, id: Uuid) -> Result<(), DbError> {
        sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Queues a test delivery (`ping`).
    pub async fn queue_ping(&self, webhook: Uuid) -> Result<WebhookDelivery, DbError> {
        let row: DeliveryRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO webhook_deliveries (id, webhook_id, event) VALUES ($1, $2, 'ping')
             RETURNING {DELIVERY_COLUMNS}"
        )))
        .bind(Uuid::new_v4())
        .bind(webhook)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    /// A webhook's latest deliveries, newest first.
    pub async fn deliveries(
        &self,
        webhook: Uuid,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>, DbError> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1
             ORDER BY created_at DESC, id LIMIT $2"
        )))
        .bind(webhook)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Takes up to `n` due deliveries: each is counted as attempted and hidden from other
    /// processes for `lease_secs` (a process that dies mid-send leaves it to be tried again).
    pub async fn claim_deliveries(
        &self,
        n: i64,
        lease_secs: f64,
    ) -> Result<Vec<DueDelivery>, DbError> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(Uuid, String, Option<Uuid>, i32, String, String, bool)> = sqlx::query_as(
            "WITH due AS (
                 SELECT id FROM webhook_deliveries
                 WHERE status = 'pending' AND next_attempt_at <= now()
                 ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
             UPDATE webhook_deliveries d
             SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
             FROM due, webhooks w
             WHERE d.id = due.id AND w.id = d.webhook_id
             RETURNING d.id, d.event, d.subject_id, d.attempts, w.url, w.secret, w.allow_private",
        )
        .bind(n)
        .bind(lease_secs)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, event, subject_id, attempts, url, secret, allow_private)| DueDelivery {
                    id,
                    event,
                    subject_id,
                    attempts,
                    url,
                    secret,
                    allow_private,
                },
            )
            .collect())
    }

    /// The outcome of an attempt: delivered, retried at `retry_in_secs`, or given up (None).
    pub async fn record_delivery(
        &self,
        id: Uuid,
        delivered: bool,
        response_status: Option<i32>,
        error: Option<&str>,
        retry_in_secs: Option<f64>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET
                 status = CASE WHEN $2 THEN 'delivered' WHEN $5::float8 IS NULL THEN 'failed' ELSE 'pending' END,
                 response_status = $3, error = $4,
                 delivered_at = CASE WHEN $2 THEN now() END,
                 next_attempt_at = CASE WHEN $5::float8 IS NULL THEN next_attempt_at
                                        ELSE now() + make_interval(secs => $5) END
             WHERE id = $1",
        )
        .bind(id)
        .bind(delivered)
        .bind(response_status)
        .bind(error)
        .bind(retry_in_secs)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
