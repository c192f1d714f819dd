//! The model registry: skeleton classifiers per project.

use api::Model;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError};

/// A model checked and stored by the caller.
pub struct NewModel {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub service: String,
    pub contract: serde_json::Value,
    pub object_key: String,
    pub bytes: i64,
    pub sha256: String,
    pub created_by: Option<Uuid>,
}

type ModelRow = (
    Uuid,
    Uuid,
    String,
    String,
    serde_json::Value,
    String,
    i64,
    String,
    DateTime<Utc>,
);

const COLUMNS: &str =
    "id, project_id, name, service, contract, object_key, bytes, sha256, created_at";

fn model(
    (id, project_id, name, service, contract, key, bytes, sha256, created_at): ModelRow,
) -> (Model, String) {
    (
        Model {
            id,
            project_id,
            name,
            service,
            contract,
            bytes,
            sha256,
            created_at,
        },
        key,
    )
}

impl Database {
    /// Registers a model; a name already used in the project is `None`.
    pub async fn insert_model(&self, m: &NewModel) -> Result<Option<Model>, DbError> {
        let sql = format!(
            "INSERT INTO models (id, project_id, name, service, contract, object_key, bytes, sha256, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (project_id, name) DO NOTHING RETURNING {COLUMNS}"
        );
        let row: Option<ModelRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(m.id)
            .bind(m.project_id)
            .bind(&m.name)
            .bind(&m.service)
            .bind(&m.contract)
            .bind(&m.object_key)
            .bind(m.bytes)
            .bind(&m.sha256)
            .bind(m.created_by)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| model(r).0))
    }

    /// A project's models, by name.
    pub async fn models(&self, project: Uuid) -> Result<Vec<Model>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM models WHERE project_id = $1 ORDER BY name");
        let rows: Vec<ModelRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(project)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| model(r).0).collect())
    }

    /// One model and its file's object key.
    pub async fn model(&self, id: Uuid) -> Result<Option<(Model, String)>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM models WHERE id = $1");
        let row: Option<ModelRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(model))
    }

    pub async fn delete_model(&self, id: Uuid) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM models WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
