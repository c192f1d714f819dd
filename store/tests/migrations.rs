//! Migrations on a fresh database, against the PostgreSQL cluster `make test` starts.

use store::{Database, DatabaseConfig};

#[tokio::test]
async fn migrations_create_the_platform_tables_and_are_idempotent() {
    let (db, url) = store::testing::fresh_database().await;
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let tables: Vec<&str> = tables.iter().map(|(t,)| t.as_str()).collect();
    for t in [
        "artifacts",
        "jobs",
        "memberships",
        "projects",
        "users",
        "videos",
        "workers",
    ] {
        assert!(tables.contains(&t), "table {t} missing: {tables:?}");
    }
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .unwrap()
        .count() as i64;
    let applied: (i64,) = sqlx::query_as("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(applied.0, files);

    // connecting again (a restart) applies nothing new and does not fail
    let again = Database::connect(&DatabaseConfig {
        url,
        ..Default::default()
    })
    .await
    .unwrap();
    let applied_again: (i64,) = sqlx::query_as("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&again.pool)
        .await
        .unwrap();
    assert_eq!(applied_again.0, files);
}

#[tokio::test]
async fn the_schema_rejects_inconsistent_rows() {
    let (db, _) = store::testing::fresh_database().await;
    // a video must belong to an existing project
    let orphan = sqlx::query("INSERT INTO videos (id, project_id, filename, object_key, bytes) VALUES ($1, $2, 'a.mp4', 'k', 1)")
        .bind(uuid::Uuid::new_v4())
        .bind(uuid::Uuid::new_v4())
        .execute(&db.pool)
        .await;
    assert!(orphan.is_err());
    // job status is one of the known states
    let bad = sqlx::query("SELECT 'exploded'::job_status")
        .execute(&db.pool)
        .await;
    assert!(bad.is_err());
}

#[tokio::test]
async fn heartbeats_make_workers_live_and_deregistering_removes_them() {
    let (db, _) = store::testing::fresh_database().await;
    let lease = std::time::Duration::from_secs(30);
    assert!(db.live_workers(lease).await.unwrap().is_empty());
    db.heartbeat("w1", "host", &[]).await.unwrap();
    db.heartbeat("w1", "host", &[]).await.unwrap();
    assert_eq!(
        db.live_workers(lease).await.unwrap(),
        vec!["w1".to_string()]
    );
    sqlx::query("UPDATE workers SET heartbeat_at = now() - interval '1 minute'")
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(
        db.live_workers(lease).await.unwrap().is_empty(),
        "an expired heartbeat is not alive"
    );
    db.remove_worker("w1").await.unwrap();
    let count: (i64,) = sqlx::query_as("SELECT count(*) FROM workers")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count.0, 0);
}
