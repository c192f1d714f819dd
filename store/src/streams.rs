//! Camera streams and their leases. A worker claims enabled streams whose lease is free or
//! expired (`FOR UPDATE SKIP LOCKED`, so two workers never take the same one), renews its leases
//! every few seconds, and writes each stream's health. A lease it cannot renew (the stream was
//! disabled, deleted, or taken over after this worker stalled) means: stop reading it.

use api::{Stream, StreamHealth, Zone};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError, NewEvent};

#[derive(sqlx::FromRow)]
struct StreamRow {
    id: Uuid,
    project_id: Uuid,
    name: String,
    url: String,
    username: Option<String>,
    password: Option<String>,
    services: Vec<String>,
    zones: serde_json::Value,
    blur_faces: bool,
    pose_input: i32,
    enabled: bool,
    lease_owner: Option<String>,
    lease_expires: Option<DateTime<Utc>>,
    health: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, project_id, name, url, username, password, services, zones, blur_faces,
    pose_input, enabled, lease_owner, lease_expires, health, created_at, updated_at";

impl StreamRow {
    fn public(self) -> Stream {
        let held = self.enabled
            && self.lease_owner.is_some()
            && self.lease_expires.is_some_and(|t| t > Utc::now());
        let health: Option<StreamHealth> = self
            .health
            .filter(|_| held)
            .and_then(|h| serde_json::from_value(h).ok());
        let state = if !self.enabled {
            "disabled".to_string()
        } else if !held {
            "waiting".to_string()
        } else {
            health
                .as_ref()
                .map(|h| h.state.clone())
                .unwrap_or_else(|| "connecting".into())
        };
        Stream {
            id: self.id,
            project_id: self.project_id,
            name: self.name,
            url: self.url,
            username: self.username,
            has_password: self.password.is_some(),
            services: self.services,
            zones: serde_json::from_value(self.zones).unwrap_or_default(),
            blur_faces: self.blur_faces,
            pose_input: self.pose_input.max(0) as u32,
            enabled: self.enabled,
            state,
            worker: self.lease_owner.filter(|_| held),
            health,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A stream as its worker needs it: with its credentials.
#[derive(Debug, Clone)]
pub struct LeasedStream {
    pub stream: Stream,
    pub password: Option<String>,
}

/// A stream's settings as stored (the API checked them).
#[derive(Debug, Clone)]
pub struct StreamSettings {
    pub name: String,
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub services: Vec<String>,
    pub zones: Vec<Zone>,
    pub blur_faces: bool,
    pub pose_input: u32,
    pub enabled: bool,
}

/// The settings' columns, in the order [`bind_settings`] binds them.
const SETTINGS: &str =
    "name, url, username, password, services, zones, blur_faces, pose_input, enabled";

type RowQuery<'q> =
    sqlx::query::QueryAs<'q, sqlx::Postgres, StreamRow, sqlx::postgres::PgArguments>;

/// Binds the settings as the query's next nine parameters, in [`SETTINGS`] order.
fn bind_settings<'q>(query: RowQuery<'q>, s: &'q StreamSettings) -> RowQuery<'q> {
    query
        .bind(&s.name)
        .bind(&s.url)
        .bind(&s.username)
        .bind(&s.password)
        .bind(&s.services)
        .bind(serde_json::to_value(&s.zones).expect("zones serialise"))
        .bind(s.blur_faces)
        .bind(s.pose_input as i32)
        .bind(s.enabled)
}

impl Database {
    pub async fn create_stream(
        &self,
        project: Uuid,
        s: &StreamSettings,
        created_by: Uuid,
    ) -> Result<Stream, DbError> {
        let query = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO streams (id, project_id, created_by, {SETTINGS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
        )))
        .bind(Uuid::new_v4())
        .bind(project)
        .bind(created_by);
        let row: StreamRow = bind_settings(query, s)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| DbError::conflict(e, format!("a stream named {:?} exists", s.name)))?;
        Ok(row.public())
    }

    /// Replaces a stream's settings; the worker holding it restarts it with them.
    pub async fn update_stream(&self, id: Uuid, s: &StreamSettings) -> Result<Stream, DbError> {
        let query = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE streams SET ({SETTINGS}, updated_at) =
                 ($2, $3, $4, $5, $6, $7, $8, $9, $10, now())
             WHERE id = $1 RETURNING {COLUMNS}"
        )))
        .bind(id);
        let row: StreamRow = bind_settings(query, s)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| DbError::conflict(e, format!("a stream named {:?} exists", s.name)))?;
        Ok(row.public())
    }

    /// A stream with its stored settings (password included, for updates).
    pub async fn stream_settings(
        &self,
        id: Uuid,
    ) -> Result<Option<(Stream, StreamSettings)>, DbError> {
        let row: Option<StreamRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM streams WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            let settings = StreamSettings {
                name: r.name.clone(),
                url: r.url.clone(),
                username: r.username.clone(),
                password: r.password.clone(),
                services: r.services.clone(),
                zones: serde_json::from_value(r.zones.clone()).unwrap_or_default(),
                blur_faces: r.blur_faces,
                pose_input: r.pose_input.max(0) as u32,
                enabled: r.enabled,
            };
            (r.public(), settings)
        }))
    }

    pub async fn stream(&self, id: Uuid) -> Result<Option<Stream>, DbError> {
        Ok(self.stream_settings(id).await?.map(|(s, _)| s))
    }

    pub async fn streams(&self, project: Uuid) -> Result<Vec<Stream>, DbError> {
        let rows: Vec<StreamRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM streams WHERE project_id = $1 ORDER BY name"
        )))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(StreamRow::public).collect())
    }

    /// Every stream (for `/metrics`).
    pub async fn all_streams(&self) -> Result<Vec<Stream>, DbError> {
        let rows: Vec<StreamRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM streams ORDER BY project_id, name"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(StreamRow::public).collect())
    }

    pub async fn delete_stream(&self, id: Uuid) -> Result<(), DbError> {
        sqlx::query("DELETE FROM streams WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes up to `max` enabled streams nobody holds (or whose holder's lease expired) for
    /// `lease_secs`.
    pub async fn claim_streams(
        &self,
        worker: &str,
        max: i64,
        lease_secs: f64,
    ) -> Result<Vec<LeasedStream>, DbError> {
        if max <= 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<StreamRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE streams SET lease_owner = $1, lease_expires = now() + make_interval(secs => $3),
                 health = NULL
             WHERE id IN (
                 SELECT id FROM streams
                 WHERE enabled AND lease_owner IS DISTINCT FROM $1
                   AND (lease_owner IS NULL OR lease_expires IS NULL OR lease_expires < now())
                 ORDER BY lease_expires NULLS FIRST, created_at
                 LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        )))
        .bind(worker)
        .bind(max)
        .bind(lease_secs)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let password = r.password.clone();
                LeasedStream {
                    stream: r.public(),
                    password,
                }
            })
            .collect())
    }

    /// Extends this worker's leases; returns the streams it still holds with their
    /// `updated_at` (a change of settings means: restart it).
    pub async fn renew_stream_leases(
        &self,
        worker: &str,
        lease_secs: f64,
    ) -> Result<Vec<(Uuid, DateTime<Utc>)>, DbError> {
        Ok(sqlx::query_as(
            "UPDATE streams SET lease_expires = now() + make_interval(secs => $2)
             WHERE lease_owner = $1 AND enabled AND lease_expires >= now()
             RETURNING id, updated_at",
        )
        .bind(worker)
        .bind(lease_secs)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Lets go of a stream (the worker stops, or the stream was disabled).
    pub async fn release_stream(&self, worker: &str, id: Uuid) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE streams SET lease_owner = NULL, lease_expires = NULL, health = NULL
             WHERE id = $2 AND lease_owner = $1",
        )
        .bind(worker)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Writes a held stream's health; false when this worker no longer holds it.
    pub async fn set_stream_health(
        &self,
        worker: &str,
        id: Uuid,
        health: &StreamHealth,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE streams SET health = $3, health_at = now() WHERE id = $2 AND lease_owner = $1",
        )
        .bind(worker)
        .bind(id)
        .bind(serde_json::to_value(health).expect("health serialises"))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A viewer is watching: the worker publishes live frames until `secs` from now.
    pub async fn watch_stream(&self, id: Uuid, secs: f64) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO stream_live (stream_id, watched_until)
             SELECT id, now() + make_interval(secs => $2) FROM streams WHERE id = $1
             ON CONFLICT (stream_id) DO UPDATE SET watched_until = EXCLUDED.watched_until",
        )
        .bind(id)
        .bind(secs)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether anybody watches the stream's live view.
    pub async fn stream_watched(&self, id: Uuid) -> Result<bool, DbError> {
        let watched: Option<bool> = sqlx::query_scalar(
            "SELECT watched_until > now() FROM stream_live WHERE stream_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        Ok(watched.unwrap_or(false))
    }

    /// Publishes the newest drawn frame (JPEG) and what is on it.
    pub async fn publish_live_frame(
        &self,
        id: Uuid,
        jpeg: &[u8],
        overlay: &serde_json::Value,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO stream_live (stream_id, jpeg, overlay, frame_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (stream_id) DO UPDATE
             SET jpeg = EXCLUDED.jpeg, overlay = EXCLUDED.overlay, frame_at = now()",
        )
        .bind(id)
        .bind(jpeg)
        .bind(overlay)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest published live frame and its overlay.
    pub async fn live_frame(
        &self,
        id: Uuid,
    ) -> Result<Option<(Vec<u8>, serde_json::Value)>, DbError> {
        let row: Option<(Option<Vec<u8>>, Option<serde_json::Value>)> =
            sqlx::query_as("SELECT jpeg, overlay FROM stream_live WHERE stream_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(j, o)| Some((j?, o.unwrap_or_default()))))
    }

    /// Attaches a live event's clip (an MP4 in storage).
    pub async fn set_event_clip(&self, id: Uuid, key: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE events SET clip_key = $2 WHERE id = $1")
            .bind(id)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes a stream's events still marked as going on (reading it stopped).
    pub async fn close_stream_events(&self, stream: Uuid) -> Result<u64, DbError> {
        let done = sqlx::query(
            "UPDATE events SET ongoing = false,
                 explanation = jsonb_set(explanation, '{closed_by}', '\"reading the stream stopped\"')
             WHERE stream_id = $1 AND ongoing",
        )
        .bind(stream)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Stores a live event when it opens (`ongoing`) or, with `id` of an earlier one, updates it
    /// when it grows or closes. Times are Unix seconds.
    pub async fn save_stream_event(
        &self,
        stream: Uuid,
        id: Option<Uuid>,
        e: &NewEvent,
        ongoing: bool,
    ) -> Result<Uuid, DbError> {
        let id = match id {
            Some(id) => {
                sqlx::query(
                    "UPDATE events SET end_secs = $2, peak_secs = $3, end_frame = $4, peak_frame = $5,
                         score = $6, recovered = $7, explanation = $8, ongoing = $9,
                         thumbnail_key = COALESCE($10, thumbnail_key)
                     WHERE id = $1",
                )
                .bind(id)
                .bind(e.end_secs)
                .bind(e.peak_secs)
                .bind(e.end_frame)
                .bind(e.peak_frame)
                .bind(e.score.clamp(0.0, 1.0))
                .bind(e.recovered)
                .bind(&e.explanation)
                .bind(ongoing)
                .bind(&e.thumbnail_key)
                .execute(&self.pool)
                .await?;
                id
            }
            None => {
                let id = Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO events (id, project_id, stream_id, service, start_secs, end_secs,
                         peak_secs, start_frame, end_frame, peak_frame, score, tracks, recovered,
                         explanation, thumbnail_key, ongoing)
                     SELECT $1, project_id, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
                     FROM streams WHERE id = $2",
                )
                .bind(id)
                .bind(stream)
                .bind(&e.service)
                .bind(e.start_secs)
                .bind(e.end_secs)
                .bind(e.peak_secs)
                .bind(e.start_frame)
                .bind(e.end_frame)
                .bind(e.peak_frame)
                .bind(e.score.clamp(0.0, 1.0))
                .bind(&e.tracks)
                .bind(e.recovered)
                .bind(&e.explanation)
                .bind(&e.thumbnail_key)
                .bind(ongoing)
                .execute(&self.pool)
                .await?;
                id
            }
        };
        Ok(id)
    }
}
