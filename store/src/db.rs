//! PostgreSQL: connection pool, migrations, and the small queries the platform core needs.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

/// The `[database]` section of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://user:password@host:port/dbname`
    pub url: String,
    pub max_connections: u32,
    /// How long start-up waits for the database before giving up.
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 10,
            connect_timeout_secs: 10,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "database.url is not a valid PostgreSQL URL ({0}); expected postgres://user:password@host:port/dbname"
    )]
    BadUrl(String),
    #[error("cannot connect to the database at database.url ({url}): {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("applying database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
    #[error("job queue: {0}")]
    Queue(String),
    #[error("object storage: {0}")]
    Storage(String),
}

impl DbError {
    /// A unique-constraint violation becomes `Conflict(message)`; anything else stays a query error.
    pub fn conflict(e: sqlx::Error, message: impl Into<String>) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                DbError::Conflict(message.into())
            }
            _ => DbError::Query(e),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Database {
    pub pool: PgPool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

impl Database {
    /// Connects (bounded by `connect_timeout_secs`) and applies pending migrations.
    pub async fn connect(config: &DatabaseConfig) -> Result<Self, DbError> {
        let options: PgConnectOptions = config
            .url
            .parse()
            .map_err(|e: sqlx::Error| DbError::BadUrl(e.to_string()))?;
        let options = options.log_statements(tracing::log::LevelFilter::Debug);
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_secs(config.connect_timeout_secs))
            .connect_with(options)
            .await
            .map_err(|source| DbError::Connect {
                url: redact(&config.url),
                source,
            })?;
        MIGRATOR.run(&pool).await?;
        // The queue's own tables (schema `apalis`, its own migration history).
        apalis_postgres::PostgresStorage::setup(&pool)
            .await
            .map_err(|e| DbError::Queue(e.to_string()))?;
        Ok(Self { pool })
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Records that a worker is alive (insert or refresh its heartbeat).
    pub async fn heartbeat(
        &self,
        worker_id: &str,
        hostname: &str,
        kinds: &[String],
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO workers (id, hostname, kinds, started_at, heartbeat_at) VALUES ($1, $2, $3, now(), now())
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), hostname = EXCLUDED.hostname, kinds = EXCLUDED.kinds",
        )
        .bind(worker_id)
        .bind(hostname)
        .bind(kinds)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Workers whose last heartbeat is younger than `within`.
    pub async fn live_workers(&self, within: Duration) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM workers WHERE heartbeat_at > now() - make_interval(secs => $1) ORDER BY id",
        )
        .bind(within.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    pub async fn remove_worker(&self, worker_id: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM workers WHERE id = $1")
            .bind(worker_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/d"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(redact("postgres://h/d"), "postgres://h/d");
    }
}
