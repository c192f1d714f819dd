//! Jobs: rows in `jobs` are the truth about a job (status, progress, error, artifacts); the apalis
//! queue only carries `{job_id}` to a worker. Creating a job inserts the row and pushes the queue
//! entry in one transaction, so neither exists without the other.

use apalis_core::task::builder::TaskBuilder;
use api::{Artifact, Job, JobKind, JobStatus, WorkerInfo};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Database, DbError};

/// The apalis queue every job kind goes through.
pub const QUEUE: &str = "recognizer-jobs";

/// What the queue carries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QueuedJob {
    pub job_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    project_id: Uuid,
    kind: String,
    status: String,
    params: serde_json::Value,
    video_ids: Vec<Uuid>,
    priority: i32,
    attempts: i32,
    max_attempts: i32,
    stage: Option<String>,
    frames_done: i64,
    frames_total: Option<i64>,
    fps: Option<f64>,
    eta_secs: Option<f64>,
    error: Option<String>,
    requested_by: Option<Uuid>,
    worker_id: Option<String>,
    cancel_requested: bool,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Job {
            id: r.id,
            project_id: r.project_id,
            kind: JobKind::parse(&r.kind).unwrap_or(JobKind::Anonymize),
            status: JobStatus::parse(&r.status).unwrap_or(JobStatus::Failed),
            params: r.params,
            video_ids: r.video_ids,
            priority: r.priority,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            stage: r.stage,
            frames_done: r.frames_done,
            frames_total: r.frames_total,
            fps: r.fps,
            eta_secs: r.eta_secs,
            error: r.error,
            requested_by: r.requested_by,
            worker_id: r.worker_id,
            cancel_requested: r.cancel_requested,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            updated_at: r.updated_at,
        }
    }
}

const JOB_COLUMNS: &str = "id, project_id, kind::text AS kind, status::text AS status, params, video_ids, priority, attempts,
    max_attempts, stage, frames_done, frames_total, fps, eta_secs, error, requested_by, worker_id, cancel_requested,
    created_at, started_at, finished_at, updated_at";

/// A new job, validated by the caller.
pub struct NewJob {
    pub project_id: Uuid,
    pub kind: JobKind,
    pub params: serde_json::Value,
    pub video_ids: Vec<Uuid>,
    pub priority: i32,
    pub requested_by: Option<Uuid>,
}

/// Filters for listing jobs.
#[derive(Debug, Default, Clone)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    pub project: Option<Uuid>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

/// Progress as a worker reports it.
#[derive(Debug, Clone)]
pub struct ProgressUpdate {
    pub stage: String,
    pub frames_done: i64,
    pub frames_total: Option<i64>,
    pub fps: Option<f64>,
    pub eta_secs: Option<f64>,
}

/// The outcome of a worker's attempt to take a job it received from the queue.
pub enum Claim {
    /// Run it.
    Run(Job),
    /// Finished or canceled meanwhile: drop the queue entry.
    Skip,
    /// Tried too often (workers died running it): marked failed.
    GaveUp,
}

/// An artifact to record when a job succeeds.
#[derive(Debug, Clone)]
pub struct NewArtifact {
    pub video_id: Option<Uuid>,
    pub kind: String,
    pub object_key: String,
    pub bytes: i64,
    pub sha256: String,
    pub content_type: String,
}

fn queue_entry(job_id: Uuid, priority: i32) -> apalis_postgres::PgTask {
    let args = serde_json::to_vec(&QueuedJob { job_id }).expect("a uuid serialises");
    // The queue's own retry count is not used: jobs.attempts counts and limits attempts.
    TaskBuilder::new(args)
        .priority(priority.max(0) as usize)
        .max_attempts(1000)
        .build()
}

async fn push(tx: &mut sqlx::PgConnection, job_id: Uuid, priority: i32) -> Result<(), DbError> {
    apalis_postgres::queries::push_tasks(tx, QUEUE, vec![queue_entry(job_id, priority)])
        .await
        .map_err(|e| DbError::Queue(e.to_string()))
}

impl Database {
    pub async fn create_job(&self, new: NewJob) -> Result<Job, DbError> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "INSERT INTO jobs (id, project_id, kind, params, video_ids, priority, requested_by)
             VALUES ($1, $2, $3::job_kind, $4, $5, $6, $7) RETURNING {JOB_COLUMNS}"
        );
        let row: JobRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(Uuid::new_v4())
            .bind(new.project_id)
            .bind(new.kind.as_str())
            .bind(&new.params)
            .bind(&new.video_ids)
            .bind(new.priority)
            .bind(new.requested_by)
            .fetch_one(&mut *tx)
            .await?;
        push(&mut tx, row.id, new.priority).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn job(&self, id: Uuid) -> Result<Option<Job>, DbError> {
        job_in(&self.pool, id).await
    }

    /// Jobs in `projects`, newest first: one page, and how many match in all.
    pub async fn jobs(
        &self,
        projects: &[Uuid],
        filter: &JobFilter,
    ) -> Result<(Vec<Job>, i64), DbError> {
        let condition = "project_id = ANY($1)
               AND ($2::text IS NULL OR status::text = $2) AND ($3::text IS NULL OR kind::text = $3)
               AND ($4::uuid IS NULL OR project_id = $4)
               AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6)";
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE {condition} ORDER BY created_at DESC, id LIMIT $7 OFFSET $8"
        );
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(projects)
            .bind(filter.status.map(JobStatus::as_str))
            .bind(filter.kind.map(JobKind::as_str))
            .bind(filter.project)
            .bind(filter.created_from)
            .bind(filter.created_to)
            .bind(if filter.limit > 0 { filter.limit } else { 200 })
            .bind(filter.offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM jobs WHERE {condition}"
        )))
        .bind(projects)
        .bind(filter.status.map(JobStatus::as_str))
        .bind(filter.kind.map(JobKind::as_str))
        .bind(filter.project)
        .bind(filter.created_from)
        .bind(filter.created_to)
        .fetch_one(&self.pool)
        .await?;
        Ok((rows.into_iter().map(Into::into).collect(), total))
    }

    /// Unfinished jobs plus the latest finished ones, for a websocket client's first message.
    pub async fn job_snapshot(&self, projects: &[Uuid]) -> Result<Vec<Job>, DbError> {
        let sql = format!(
            "(SELECT {JOB_COLUMNS} FROM jobs WHERE project_id = ANY($1) AND status IN ('queued', 'running'))
             UNION
             (SELECT {JOB_COLUMNS} FROM jobs WHERE project_id = ANY($1) ORDER BY updated_at DESC LIMIT 50)
             ORDER BY created_at DESC"
        );
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(projects)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A queued job is canceled at once; a running one is asked to stop (its worker sees the flag
    /// within a second and marks it canceled). Returns the job as it is now.
    pub async fn cancel_job(&self, id: Uuid) -> Result<Option<Job>, DbError> {
        sqlx::query(
            "UPDATE jobs SET
                 status = CASE WHEN status = 'queued' THEN 'canceled'::job_status ELSE status END,
                 finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
                 cancel_requested = (status = 'running'), updated_at = now()
             WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.job(id).await
    }

    /// Puts a failed or canceled job back on the queue with fresh attempts.
    pub async fn retry_job(&self, id: Uuid) -> Result<Option<Job>, DbError> {
        let mut tx = self.pool.begin().await?;
        let priority: Option<i32> = sqlx::query_scalar(
            "UPDATE jobs SET status = 'queued', attempts = 0, error = NULL, stage = NULL, frames_done = 0, frames_total = NULL,
                 fps = NULL, eta_secs = NULL, worker_id = NULL, cancel_requested = false, started_at = NULL,
                 finished_at = NULL, updated_at = now()
             WHERE id = $1 AND status IN ('failed', 'canceled') RETURNING priority",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(priority) = priority {
            sqlx::query("DELETE FROM artifacts WHERE job_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            push(&mut tx, id, priority).await?;
        }
        // Read inside the transaction: the job as the retry left it (queued). A worker may
        // claim it the moment we commit; that shows up as a later event, not in this answer.
        let job = job_in(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    /// A worker takes a job it got from the queue. A job still `running` here was left by a
    /// worker that died (the queue gave it to us after that worker's lease expired).
    pub async fn claim_job(&self, id: Uuid, worker_id: &str) -> Result<Claim, DbError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(String, i32, i32, bool)> =
            sqlx::query_as("SELECT status::text, attempts, max_attempts, cancel_requested FROM jobs WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((status, attempts, max_attempts, cancel)) = row else {
            return Ok(Claim::Skip);
        };
        if !(status == "queued" || status == "running") {
            return Ok(Claim::Skip);
        }
        if cancel {
            sqlx::query("UPDATE jobs SET status = 'canceled', finished_at = now(), updated_at = now() WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Claim::Skip);
        }
        if attempts >= max_attempts {
            sqlx::query(
                "UPDATE jobs SET status = 'failed', finished_at = now(), updated_at = now(),
                     error = format('gave up after %s attempts: the workers running it stopped (killed or out of memory?)', attempts)
                 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Claim::GaveUp);
        }
        let sql = format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = $2, started_at = now(), error = NULL,
                 stage = 'starting', frames_done = 0, fps = NULL, eta_secs = NULL, updated_at = now()
             WHERE id = $1 RETURNING {JOB_COLUMNS}"
        );
        let row: JobRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(worker_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE workers SET current_job = $2 WHERE id = $1")
            .bind(worker_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Claim::Run(row.into()))
    }

    /// Records progress; returns whether a cancel was asked for. Only the worker holding the job writes.
    pub async fn job_progress(
        &self,
        id: Uuid,
        worker_id: &str,
        p: &ProgressUpdate,
    ) -> Result<bool, DbError> {
        let cancel: Option<bool> = sqlx::query_scalar(
            "UPDATE jobs SET stage = $3, frames_done = $4, frames_total = $5, fps = $6, eta_secs = $7, updated_at = now()
             WHERE id = $1 AND worker_id = $2 AND status = 'running' RETURNING cancel_requested",
        )
        .bind(id)
        .bind(worker_id)
        .bind(&p.stage)
        .bind(p.frames_done)
        .bind(p.frames_total)
        .bind(p.fps)
        .bind(p.eta_secs)
        .fetch_optional(&self.pool)
        .await?;
        // No row: the job is no longer ours (canceled while queued, or taken over): stop.
        Ok(cancel.unwrap_or(true))
    }

    /// Success: the artifacts rows, the events and the status change land together. A retry's rows replace
    /// the earlier attempt's (same keys), never add to them.
    pub async fn finish_job(
        &self,
        id: Uuid,
        worker_id: &str,
        artifacts: &[NewArtifact],
        events: &[crate::NewEvent],
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let ours = sqlx::query(
            "UPDATE jobs SET status = 'succeeded', stage = 'done', eta_secs = 0, finished_at = now(), updated_at = now(),
                 frames_done = COALESCE(frames_total, frames_done)
             WHERE id = $1 AND worker_id = $2",
        )
        .bind(id)
        .bind(worker_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if ours {
            crate::events::replace_job_events(&mut tx, id, events).await?;
        }
        for a in artifacts {
            sqlx::query(
                "INSERT INTO artifacts (id, job_id, video_id, kind, object_key, bytes, sha256, content_type)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (object_key) DO UPDATE SET bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256, created_at = now()",
            )
            .bind(Uuid::new_v4())
            .bind(id)
            .bind(a.video_id)
            .bind(&a.kind)
            .bind(&a.object_key)
            .bind(a.bytes)
            .bind(&a.sha256)
            .bind(&a.content_type)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE workers SET current_job = NULL WHERE id = $1")
            .bind(worker_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Failure or cancellation, with the text a person reads.
    pub async fn end_job(
        &self,
        id: Uuid,
        worker_id: &str,
        status: JobStatus,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE jobs SET status = $3::job_status, error = $4, finished_at = now(), updated_at = now(), eta_secs = NULL
             WHERE id = $1 AND worker_id = $2 AND status = 'running'",
        )
        .bind(id)
        .bind(worker_id)
        .bind(status.as_str())
        .bind(error)
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE workers SET current_job = NULL WHERE id = $1")
            .bind(worker_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn artifacts(&self, job: Uuid) -> Result<Vec<(Artifact, String)>, DbError> {
        self.artifact_rows("job_id = $1", job).await
    }

    /// An artifact and its object key.
    pub async fn artifact(&self, id: Uuid) -> Result<Option<(Artifact, String)>, DbError> {
        Ok(self.artifact_rows("id = $1", id).await?.pop())
    }

    async fn artifact_rows(
        &self,
        condition: &str,
        id: Uuid,
    ) -> Result<Vec<(Artifact, String)>, DbError> {
        let sql = format!(
            "SELECT id, job_id, video_id, kind, object_key, content_type, bytes, sha256, created_at FROM artifacts
             WHERE {condition} ORDER BY kind, object_key"
        );
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            Uuid,
            Uuid,
            Option<Uuid>,
            String,
            String,
            String,
            i64,
            String,
            DateTime<Utc>,
        )> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, job_id, video_id, kind, key, content_type, bytes, sha256, created_at)| {
                    let filename = key.rsplit('/').next().unwrap_or(&key).to_string();
                    (
                        Artifact {
                            id,
                            job_id,
                            video_id,
                            kind,
                            filename,
                            content_type,
                            bytes,
                            sha256,
                            created_at,
                        },
                        key,
                    )
                },
            )
            .collect())
    }

    /// Jobs by status, for the metrics and the admin queue view.
    pub async fn job_counts(&self) -> Result<Vec<(JobKind, JobStatus, i64)>, DbError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT kind::text, status::text, count(*) FROM jobs GROUP BY 1, 2")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, s, n)| Some((JobKind::parse(&k)?, JobStatus::parse(&s)?, n)))
            .collect())
    }

    pub async fn workers(&self, lease_secs: f64) -> Result<Vec<WorkerInfo>, DbError> {
        let rows: Vec<(String, String, Option<Uuid>, DateTime<Utc>, DateTime<Utc>, bool)> = sqlx::query_as(
            "SELECT id, hostname, current_job, started_at, heartbeat_at, heartbeat_at > now() - make_interval(secs => $1)
             FROM workers ORDER BY started_at",
        )
        .bind(lease_secs)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, hostname, current_job, started_at, heartbeat_at, alive)| WorkerInfo {
                    id,
                    hostname,
                    current_job,
                    started_at,
                    heartbeat_at,
                    alive,
                },
            )
            .collect())
    }
}

async fn job_in<'e>(executor: impl sqlx::PgExecutor<'e>, id: Uuid) -> Result<Option<Job>, DbError> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(executor)
        .await?;
    Ok(row.map(Into::into))
}
