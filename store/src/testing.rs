//! Helpers for integration tests that run against the real services `make test` starts.
//! Tests fail (never skip) when those services are not configured.

use crate::{Database, DatabaseConfig, S3Config};

fn required(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: integration tests need the PostgreSQL and S3 servers that `make test` starts")
    })
}

/// A new, empty database on the test cluster, migrated. Each call gets its own.
pub async fn fresh_database() -> (Database, String) {
    let admin = required("RECOGNIZER_TEST_PG_URL");
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .expect("connect to the test cluster");
    // `name` is generated above from hex digits only.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("create test database");
    pool.close().await;
    let url = database_url(&admin, &name);
    let db = Database::connect(&DatabaseConfig {
        url: url.clone(),
        ..Default::default()
    })
    .await
    .expect("migrate");
    (db, url)
}

/// The admin URL with its database name replaced.
pub fn database_url(admin: &str, name: &str) -> String {
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(admin);
    format!("{base}/{name}")
}

pub fn admin_url() -> String {
    required("RECOGNIZER_TEST_PG_URL")
}

/// The S3 server `make test` runs (s3s-fs).
pub fn s3_config() -> S3Config {
    S3Config {
        endpoint: required("RECOGNIZER_TEST_S3_ENDPOINT"),
        bucket: required("RECOGNIZER_TEST_S3_BUCKET"),
        access_key_id: required("RECOGNIZER_TEST_S3_ACCESS_KEY"),
        secret_access_key: required("RECOGNIZER_TEST_S3_SECRET_KEY"),
        ..Default::default()
    }
}
