//! Retention: a project's videos, job results and live streams' events older than its limits
//! are removed, objects first, rows after, a batch at a time with the rows locked (`FOR UPDATE
//! SKIP LOCKED`): sweeps on several workers at once split the work, a sweep that stops half-way
//! leaves rows that the next one finishes (an object already gone is fine), and running twice
//! removes nothing more.

use api::{ProjectStorage, Removal, Retention};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError, ObjectStorage, StorageError};

/// What one sweep removed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SweepReport {
    pub videos: u64,
    pub artifacts: u64,
    /// Live streams' events, with their pictures and clips.
    pub events: u64,
    pub bytes: i64,
}

/// Rows removed per transaction.
const BATCH: i64 = 100;

/// Removes an object; one already gone (an earlier sweep stopped half-way) is fine.
async fn delete_object(storage: &ObjectStorage, key: &str) -> Result<(), DbError> {
    match storage.delete(key).await {
        Ok(()) | Err(StorageError::NotFound { .. }) => Ok(()),
        Err(e) => Err(DbError::Storage(e.to_string())),
    }
}

impl Database {
    pub async fn set_retention(&self, project: Uuid, r: &Retention) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE projects SET retain_videos_days = $2, retain_artifacts_days = $3 WHERE id = $1",
        )
        .bind(project)
        .bind(r.videos_days)
        .bind(r.artifacts_days)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn set_video_pinned(&self, id: Uuid, pinned: bool) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE videos SET pinned = $2 WHERE id = $1")
            .bind(id)
            .bind(pinned)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn set_job_pinned(&self, id: Uuid, pinned: bool) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE jobs SET pinned = $2 WHERE id = $1")
            .bind(id)
            .bind(pinned)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every project's storage use and retention, by name.
    pub async fn project_storage(&self) -> Result<Vec<ProjectStorage>, DbError> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(Uuid, String, i64, i64, i64, i64, Option<i32>, Option<i32>)> = sqlx::query_as(
            "SELECT p.id, p.name,
                 (SELECT count(*) FROM videos v WHERE v.project_id = p.id),
                 (SELECT coalesce(sum(v.bytes), 0)::bigint FROM videos v WHERE v.project_id = p.id),
                 (SELECT count(*) FROM artifacts a JOIN jobs j ON j.id = a.job_id WHERE j.project_id = p.id),
                 (SELECT coalesce(sum(a.bytes), 0)::bigint FROM artifacts a JOIN jobs j ON j.id = a.job_id WHERE j.project_id = p.id),
                 p.retain_videos_days, p.retain_artifacts_days
             FROM projects p ORDER BY p.name",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(project_id, name, videos, video_bytes, artifacts, artifact_bytes, v, a)| {
                    ProjectStorage {
                        project_id,
                        name,
                        videos,
                        video_bytes,
                        artifacts,
                        artifact_bytes,
                        retention: Retention {
                            videos_days: v,
                            artifacts_days: a,
                        },
                    }
                },
            )
            .collect())
    }

    /// What sweeps removed, newest first.
    pub async fn removals(
        &self,
        project: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Removal>, DbError> {
        let rows: Vec<(Uuid, String, Uuid, String, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT project_id, kind, owner_id, name, bytes, removed_at FROM retention_log
             WHERE $1::uuid IS NULL OR project_id = $1 ORDER BY removed_at DESC, id LIMIT $2",
        )
        .bind(project)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(project_id, kind, owner_id, name, bytes, removed_at)| Removal {
                    project_id,
                    kind,
                    owner_id,
                    name,
                    bytes,
                    removed_at,
                },
            )
            .collect())
    }

    /// Removes what the projects' retention says is too old; safe to run twice and on several
    /// processes at once.
    pub async fn sweep_retention(&self, storage: &ObjectStorage) -> Result<SweepReport, DbError> {
        let mut report = SweepReport::default();
        loop {
            let n = self.sweep_videos(storage, &mut report).await?;
            if n < BATCH as usize {
                break;
            }
        }
        loop {
            let n = self.sweep_artifacts(storage, &mut report).await?;
            if n < BATCH as usize {
                break;
            }
        }
        loop {
            let n = self.sweep_live_events(storage, &mut report).await?;
            if n < BATCH as usize {
                break;
            }
        }
        Ok(report)
    }

    /// Live streams' events (no job owns them) stored longer ago than the project keeps results
    /// and no longer going on: their picture and clip, then the row.
    async fn sweep_live_events(
        &self,
        storage: &ObjectStorage,
        report: &mut SweepReport,
    ) -> Result<usize, DbError> {
        let mut tx = self.pool.begin().await?;
        #[allow(clippy::type_complexity)]
        let due: Vec<(
            Uuid,
            Uuid,
            Option<Uuid>,
            String,
            f64,
            Option<String>,
            Option<String>,
            Option<String>,
        )> = sqlx::query_as(
            "SELECT e.id, e.project_id, e.stream_id, e.service, e.start_secs, s.name,
                        e.thumbnail_key, e.clip_key
                 FROM events e JOIN projects p ON p.id = e.project_id
                 LEFT JOIN streams s ON s.id = e.stream_id
                 WHERE e.job_id IS NULL AND NOT e.ongoing AND p.retain_artifacts_days IS NOT NULL
                   AND e.created_at < now() - make_interval(days => p.retain_artifacts_days)
                 ORDER BY e.created_at LIMIT $1 FOR UPDATE OF e SKIP LOCKED",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for (id, project, stream, service, start, stream_name, picture, clip) in &due {
            let mut bytes = 0i64;
            for key in [picture, clip].into_iter().flatten() {
                bytes += storage.size(key).await.unwrap_or(0) as i64;
                delete_object(storage, key).await?;
            }
            sqlx::query("DELETE FROM events WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // live events' times are Unix seconds
            let when = DateTime::<Utc>::from_timestamp(*start as i64, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default();
            let on = stream_name.as_deref().unwrap_or("a deleted stream");
            let name = format!("{service} on {on} at {when}");
            sqlx::query(
                "INSERT INTO retention_log (id, project_id, kind, owner_id, name, object_key, bytes)
                 VALUES ($1, $2, 'event', $3, $4, $5, $6)",
            )
            .bind(Uuid::new_v4())
            .bind(project)
            // the stream it came from (the event itself when the stream was deleted)
            .bind(stream.unwrap_or(*id))
            .bind(&name)
            .bind(clip.as_ref().or(picture.as_ref()).cloned().unwrap_or_default())
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
            tracing::info!(event = %id, bytes, "retention: removed a live event");
            report.events += 1;
            report.bytes += bytes;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    async fn sweep_videos(
        &self,
        storage: &ObjectStorage,
        report: &mut SweepReport,
    ) -> Result<usize, DbError> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<(Uuid, Uuid, String, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT v.id, v.project_id, v.filename, v.object_key, v.poster_key, v.bytes
             FROM videos v JOIN projects p ON p.id = v.project_id
             WHERE p.retain_videos_days IS NOT NULL AND NOT v.pinned
               AND v.created_at < now() - make_interval(days => p.retain_videos_days)
             ORDER BY v.created_at LIMIT $1 FOR UPDATE OF v SKIP LOCKED",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for (id, project, name, key, poster, bytes) in &due {
            delete_object(storage, key).await?;
            if let Some(p) = poster {
                delete_object(storage, p).await?;
            }
            sqlx::query("DELETE FROM videos WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO retention_log (id, project_id, kind, owner_id, name, object_key, bytes)
                 VALUES ($1, $2, 'video', $3, $4, $5, $6)",
            )
            .bind(Uuid::new_v4())
            .bind(project)
            .bind(id)
            .bind(name)
            .bind(key)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
            tracing::info!(video = %id, %name, bytes, "retention: removed a video");
            report.videos += 1;
            report.bytes += bytes;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    async fn sweep_artifacts(
        &self,
        storage: &ObjectStorage,
        report: &mut SweepReport,
    ) -> Result<usize, DbError> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<(Uuid, Uuid, Uuid, String, i64)> = sqlx::query_as(
            "SELECT a.id, j.project_id, j.id, a.object_key, a.bytes
             FROM artifacts a JOIN jobs j ON j.id = a.job_id JOIN projects p ON p.id = j.project_id
             WHERE p.retain_artifacts_days IS NOT NULL AND NOT j.pinned AND j.finished_at IS NOT NULL
               AND j.finished_at < now() - make_interval(days => p.retain_artifacts_days)
             ORDER BY j.finished_at LIMIT $1 FOR UPDATE OF a SKIP LOCKED",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for (id, project, job, key, bytes) in &due {
            delete_object(storage, key).await?;
            sqlx::query("DELETE FROM artifacts WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // an event's picture is one of these
            sqlx::query("UPDATE events SET thumbnail_key = NULL WHERE thumbnail_key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            let name = key.rsplit('/').next().unwrap_or(key).to_string();
            sqlx::query(
                "INSERT INTO retention_log (id, project_id, kind, owner_id, name, object_key, bytes)
                 VALUES ($1, $2, 'artifact', $3, $4, $5, $6)",
            )
            .bind(Uuid::new_v4())
            .bind(project)
            .bind(job)
            .bind(&name)
            .bind(key)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
            tracing::info!(%job, %name, bytes, "retention: removed a job result");
            report.artifacts += 1;
            report.bytes += bytes;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
