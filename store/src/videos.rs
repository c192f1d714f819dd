//! Videos and the uploads that create them.

use api::{FootfallLayout, Upload, Video, Zone};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError};

#[derive(sqlx::FromRow)]
struct VideoRow {
    id: Uuid,
    project_id: Uuid,
    filename: String,
    bytes: i64,
    sha256: Option<String>,
    duration_secs: Option<f64>,
    fps: Option<f64>,
    width: Option<i32>,
    height: Option<i32>,
    video_codec: Option<String>,
    has_audio: Option<bool>,
    poster_key: Option<String>,
    zones: sqlx::types::Json<Vec<Zone>>,
    footfall: sqlx::types::Json<FootfallLayout>,
    pinned: bool,
    created_at: DateTime<Utc>,
}

impl From<VideoRow> for Video {
    fn from(r: VideoRow) -> Self {
        Video {
            id: r.id,
            project_id: r.project_id,
            filename: r.filename,
            bytes: r.bytes,
            sha256: r.sha256,
            duration_secs: r.duration_secs,
            fps: r.fps,
            width: r.width,
            height: r.height,
            video_codec: r.video_codec,
            has_audio: r.has_audio,
            has_poster: r.poster_key.is_some(),
            zones: r.zones.0,
            footfall: r.footfall.0,
            pinned: r.pinned,
            created_at: r.created_at,
        }
    }
}

const VIDEO_COLUMNS: &str = "id, project_id, filename, bytes, sha256, duration_secs, fps, width, height, video_codec, has_audio, poster_key, zones, footfall, pinned, created_at";

/// How to order a list of videos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VideoSort {
    #[default]
    Uploaded,
    Name,
    Size,
    Duration,
}

/// A page of videos: filters, order, and the window.
#[derive(Debug, Clone)]
pub struct VideoQuery {
    /// Part of the file name (case-insensitive).
    pub name: Option<String>,
    pub uploaded_from: Option<DateTime<Utc>>,
    pub uploaded_to: Option<DateTime<Utc>>,
    pub sort: VideoSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl Default for VideoQuery {
    fn default() -> Self {
        Self {
            name: None,
            uploaded_from: None,
            uploaded_to: None,
            sort: VideoSort::Uploaded,
            descending: true,
            limit: 200,
            offset: 0,
        }
    }
}

/// What the server learned about an accepted file.
#[derive(Debug, Clone)]
pub struct NewVideo {
    pub id: Uuid,
    pub project_id: Uuid,
    pub uploaded_by: Option<Uuid>,
    pub filename: String,
    pub object_key: String,
    pub bytes: i64,
    pub sha256: String,
    pub duration_secs: Option<f64>,
    pub fps: Option<f64>,
    pub width: i32,
    pub height: i32,
    pub video_codec: String,
    pub has_audio: bool,
    pub poster_key: Option<String>,
}

/// Where a stored video's bytes are.
#[derive(Debug, Clone)]
pub struct VideoObjects {
    pub project_id: Uuid,
    pub object_key: String,
    pub poster_key: Option<String>,
    pub filename: String,
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    id: Uuid,
    project_id: Uuid,
    filename: String,
    size: i64,
    received: i64,
    video_id: Option<Uuid>,
    error: Option<String>,
}

impl Database {
    pub async fn insert_video(&self, v: &NewVideo) -> Result<Video, DbError> {
        let sql = format!(
            "INSERT INTO videos (id, project_id, uploaded_by, filename, object_key, bytes, sha256, duration_secs, fps, width, height,
                                 video_codec, has_audio, poster_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {VIDEO_COLUMNS}"
        );
        let row: VideoRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(v.id)
            .bind(v.project_id)
            .bind(v.uploaded_by)
            .bind(&v.filename)
            .bind(&v.object_key)
            .bind(v.bytes)
            .bind(&v.sha256)
            .bind(v.duration_secs)
            .bind(v.fps)
            .bind(v.width)
            .bind(v.height)
            .bind(&v.video_codec)
            .bind(v.has_audio)
            .bind(&v.poster_key)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.into())
    }

    /// One page of the videos in `projects` that match `q`, and how many match in all.
    pub async fn videos(
        &self,
        projects: &[Uuid],
        q: &VideoQuery,
    ) -> Result<(Vec<Video>, i64), DbError> {
        let order = match (q.sort, q.descending) {
            (VideoSort::Uploaded, true) => "created_at DESC, id",
            (VideoSort::Uploaded, false) => "created_at ASC, id",
            (VideoSort::Name, true) => "lower(filename) DESC, id",
            (VideoSort::Name, false) => "lower(filename) ASC, id",
            (VideoSort::Size, true) => "bytes DESC, id",
            (VideoSort::Size, false) => "bytes ASC, id",
            (VideoSort::Duration, true) => "duration_secs DESC NULLS LAST, id",
            (VideoSort::Duration, false) => "duration_secs ASC NULLS LAST, id",
        };
        let filter = "project_id = ANY($1)
               AND ($2::text IS NULL OR filename ILIKE '%' || $2 || '%' ESCAPE '\\')
               AND ($3::timestamptz IS NULL OR created_at >= $3)
               AND ($4::timestamptz IS NULL OR created_at < $4)";
        let pattern = q.name.as_deref().map(|n| {
            n.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        });
        let sql = format!(
            "SELECT {VIDEO_COLUMNS} FROM videos WHERE {filter} ORDER BY {order} LIMIT $5 OFFSET $6"
        );
        let rows: Vec<VideoRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(projects)
            .bind(&pattern)
            .bind(q.uploaded_from)
            .bind(q.uploaded_to)
            .bind(q.limit)
            .bind(q.offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM videos WHERE {filter}"
        )))
        .bind(projects)
        .bind(&pattern)
        .bind(q.uploaded_from)
        .bind(q.uploaded_to)
        .fetch_one(&self.pool)
        .await?;
        Ok((rows.into_iter().map(Into::into).collect(), total))
    }

    pub async fn video(&self, id: Uuid) -> Result<Option<Video>, DbError> {
        let sql = format!("SELECT {VIDEO_COLUMNS} FROM videos WHERE id = $1");
        let row: Option<VideoRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    /// Replaces a video's zones; the updated video, or None when it is gone.
    pub async fn set_video_zones(
        &self,
        id: Uuid,
        zones: &[Zone],
    ) -> Result<Option<Video>, DbError> {
        let sql = format!("UPDATE videos SET zones = $2 WHERE id = $1 RETURNING {VIDEO_COLUMNS}");
        let row: Option<VideoRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(sqlx::types::Json(zones))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    /// Replaces a video's footfall zones and lines; the updated video, or None when it is gone.
    pub async fn set_video_footfall(
        &self,
        id: Uuid,
        layout: &FootfallLayout,
    ) -> Result<Option<Video>, DbError> {
        let sql =
            format!("UPDATE videos SET footfall = $2 WHERE id = $1 RETURNING {VIDEO_COLUMNS}");
        let row: Option<VideoRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(sqlx::types::Json(layout))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn video_objects(&self, id: Uuid) -> Result<Option<VideoObjects>, DbError> {
        let row: Option<(Uuid, String, Option<String>, String)> = sqlx::query_as(
            "SELECT project_id, object_key, poster_key, filename FROM videos WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(project_id, object_key, poster_key, filename)| VideoObjects {
                project_id,
                object_key,
                poster_key,
                filename,
            },
        ))
    }

    /// Deletes the row; the caller removes the objects. Jobs that used the video keep their
    /// results (their `video_ids` still name it).
    pub async fn delete_video(&self, id: Uuid) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM videos WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn create_upload(
        &self,
        project: Uuid,
        user: Uuid,
        filename: &str,
        size: i64,
    ) -> Result<Upload, DbError> {
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO uploads (id, project_id, created_by, filename, size) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(project)
            .bind(user)
            .bind(filename)
            .bind(size)
            .execute(&self.pool)
            .await?;
        Ok(Upload {
            id,
            project_id: project,
            filename: filename.into(),
            size,
            received: 0,
            video: None,
            error: None,
        })
    }

    pub async fn upload(&self, id: Uuid) -> Result<Option<Upload>, DbError> {
        let row: Option<UploadRow> =
            sqlx::query_as("SELECT id, project_id, filename, size, received, video_id, error FROM uploads WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(r) = row else { return Ok(None) };
        let video = match r.video_id {
            Some(v) => self.video(v).await?,
            None => None,
        };
        Ok(Some(Upload {
            id: r.id,
            project_id: r.project_id,
            filename: r.filename,
            size: r.size,
            received: r.received,
            video,
            error: r.error,
        }))
    }

    pub async fn set_upload_received(&self, id: Uuid, received: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE uploads SET received = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(received)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn finish_upload(
        &self,
        id: Uuid,
        video: Option<Uuid>,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE uploads SET video_id = $2, error = $3, updated_at = now() WHERE id = $1",
        )
        .bind(id)
        .bind(video)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Bytes announced by a project's uploads that are neither stored nor rejected yet: what
    /// their spool files may still grow to.
    pub async fn pending_upload_bytes(&self, project: Uuid) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(sum(size), 0)::bigint FROM uploads
             WHERE project_id = $1 AND video_id IS NULL AND error IS NULL",
        )
        .bind(project)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Unfinished uploads that received nothing for `idle_secs`: marked expired (with `reason`)
    /// and returned, so their spool files can be removed.
    pub async fn expire_uploads(&self, idle_secs: i64, reason: &str) -> Result<Vec<Uuid>, DbError> {
        Ok(sqlx::query_scalar(
            "UPDATE uploads SET error = $2, updated_at = now()
             WHERE video_id IS NULL AND error IS NULL
               AND updated_at < now() - make_interval(secs => $1)
             RETURNING id",
        )
        .bind(idle_secs as f64)
        .bind(reason)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Sum of the sizes of the videos stored, for the metrics.
    pub async fn video_bytes(&self) -> Result<i64, DbError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(sum(bytes), 0)::bigint FROM videos")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
