//! Events analysis found: written with the job that found them (see `finish_job`), listed with
//! filters, always within the projects the caller may see.

use api::{Event, EventQuery};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError};

/// One event as a job reports it; the project comes from the job.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub video_id: Option<Uuid>,
    pub service: String,
    pub start_secs: f64,
    pub end_secs: f64,
    pub peak_secs: f64,
    pub start_frame: i64,
    pub end_frame: i64,
    pub peak_frame: i64,
    pub score: f32,
    pub tracks: Vec<i64>,
    pub recovered: bool,
    pub explanation: serde_json::Value,
    pub thumbnail_key: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    project_id: Uuid,
    job_id: Option<Uuid>,
    stream_id: Option<Uuid>,
    ongoing: bool,
    video_id: Option<Uuid>,
    service: String,
    start_secs: f64,
    end_secs: f64,
    peak_secs: f64,
    start_frame: i64,
    end_frame: i64,
    peak_frame: i64,
    score: f32,
    tracks: Vec<i64>,
    recovered: bool,
    explanation: serde_json::Value,
    thumbnail_key: Option<String>,
    clip_key: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: r.id,
            project_id: r.project_id,
            job_id: r.job_id,
            stream_id: r.stream_id,
            ongoing: r.ongoing,
            video_id: r.video_id,
            service: r.service,
            start_secs: r.start_secs,
            end_secs: r.end_secs,
            peak_secs: r.peak_secs,
            start_frame: r.start_frame,
            end_frame: r.end_frame,
            peak_frame: r.peak_frame,
            score: r.score,
            tracks: r.tracks,
            recovered: r.recovered,
            explanation: r.explanation,
            has_thumbnail: r.thumbnail_key.is_some(),
            has_clip: r.clip_key.is_some(),
            created_at: r.created_at,
        }
    }
}

const COLUMNS: &str =
    "id, project_id, job_id, stream_id, ongoing, video_id, service, start_secs, end_secs, peak_secs, start_frame,
    end_frame, peak_frame, score, tracks, recovered, explanation, thumbnail_key, clip_key, created_at";

/// The most events one list returns.
pub const MAX_EVENTS: i64 = 5000;

/// Replaces a job's events (a retry writes them again) inside the transaction that finishes it.
pub(crate) async fn replace_job_events(
    tx: &mut sqlx::PgConnection,
    job_id: Uuid,
    events: &[NewEvent],
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM events WHERE job_id = $1")
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
    for e in events {
        sqlx::query(
            "INSERT INTO events (id, project_id, job_id, video_id, service, start_secs, end_secs, peak_secs,
                 start_frame, end_frame, peak_frame, score, tracks, recovered, explanation, thumbnail_key)
             SELECT $1, project_id, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
             FROM jobs WHERE id = $2",
        )
        .bind(Uuid::new_v4())
        .bind(job_id)
        .bind(e.video_id)
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
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Database {
    /// One page of the events in `projects` matching `query`, and how many match in all.
    pub async fn events(
        &self,
        projects: &[Uuid],
        query: &EventQuery,
    ) -> Result<(Vec<Event>, i64), DbError> {
        let condition = "project_id = ANY($1)
               AND ($2::uuid IS NULL OR project_id = $2) AND ($3::uuid IS NULL OR video_id = $3)
               AND ($4::uuid IS NULL OR job_id = $4) AND ($5::text IS NULL OR service = $5)
               AND ($6::float8 IS NULL OR end_secs >= $6) AND ($7::float8 IS NULL OR start_secs <= $7)
               AND ($8::real IS NULL OR score >= $8) AND ($11::uuid IS NULL OR stream_id = $11)";
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE {condition}
             ORDER BY created_at DESC, video_id, start_secs, id LIMIT $9 OFFSET $10"
        );
        let rows: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(projects)
            .bind(query.project)
            .bind(query.video)
            .bind(query.job)
            .bind(&query.service)
            .bind(query.from_secs)
            .bind(query.to_secs)
            .bind(query.min_score)
            .bind(query.limit.unwrap_or(500).clamp(1, MAX_EVENTS))
            .bind(query.offset.unwrap_or(0).max(0))
            .bind(query.stream)
            .fetch_all(&self.pool)
            .await?;
        // $9 and $10 are the page: unused here, bound so the numbering is the list's
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM events WHERE {condition} AND $9::bigint IS NOT NULL AND $10::bigint IS NOT NULL"
        )))
        .bind(projects)
        .bind(query.project)
        .bind(query.video)
        .bind(query.job)
        .bind(&query.service)
        .bind(query.from_secs)
        .bind(query.to_secs)
        .bind(query.min_score)
        .bind(0i64)
        .bind(0i64)
        .bind(query.stream)
        .fetch_one(&self.pool)
        .await?;
        Ok((rows.into_iter().map(Into::into).collect(), total))
    }

    /// A live event's clip's object key.
    pub async fn event_clip(&self, id: Uuid) -> Result<Option<String>, DbError> {
        Ok(
            sqlx::query_scalar("SELECT clip_key FROM events WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    /// One event and its thumbnail's object key.
    pub async fn event(&self, id: Uuid) -> Result<Option<(Event, Option<String>)>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM events WHERE id = $1");
        let row: Option<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| {
            let key = r.thumbnail_key.clone();
            (r.into(), key)
        }))
    }
}
