//! Projects and memberships, and the one rule every other query follows: a user sees a project's
//! data only as its member (or as an admin).

use api::{Member, Project, Role, User};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError};

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: Uuid,
    name: String,
    description: String,
    role: String,
    created_at: DateTime<Utc>,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: r.id,
            name: r.name,
            description: r.description,
            role: Role::parse(&r.role).unwrap_or(Role::Reviewer),
            created_at: r.created_at,
        }
    }
}

impl Database {
    pub async fn create_project(
        &self,
        name: &str,
        description: &str,
        creator: &User,
    ) -> Result<Project, DbError> {
        let mut tx = self.pool.begin().await?;
        let id = Uuid::new_v4();
        let created_at: DateTime<Utc> = sqlx::query_scalar(
            "INSERT INTO projects (id, name, description, created_by) VALUES ($1, $2, $3, $4) RETURNING created_at",
        )
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(creator.id)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| DbError::conflict(e, format!("a project named {name:?} already exists")))?;
        // The creator works in it; admins see everything anyway, so they join as uploaders.
        let member_role = if creator.role == Role::Admin {
            Role::Uploader
        } else {
            creator.role
        };
        sqlx::query(
            "INSERT INTO memberships (project_id, user_id, role) VALUES ($1, $2, $3::user_role)",
        )
        .bind(id)
        .bind(creator.id)
        .bind(member_role.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let role = if creator.role == Role::Admin {
            Role::Admin
        } else {
            member_role
        };
        Ok(Project {
            id,
            name: name.into(),
            description: description.into(),
            role,
            created_at,
        })
    }

    /// The projects `user` sees, with their role in each.
    pub async fn projects_of(&self, user: &User) -> Result<Vec<Project>, DbError> {
        let rows: Vec<ProjectRow> = if user.role == Role::Admin {
            sqlx::query_as("SELECT id, name, description, 'admin' AS role, created_at FROM projects ORDER BY name")
                .fetch_all(&self.pool)
                .await?
        } else {
            sqlx::query_as(
                "SELECT p.id, p.name, p.description, m.role::text AS role, p.created_at
                 FROM projects p JOIN memberships m ON m.project_id = p.id AND m.user_id = $1 ORDER BY p.name",
            )
            .bind(user.id)
            .fetch_all(&self.pool)
            .await?
        };
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// `user`'s role in `project`, or `None` when they may not see it (or it does not exist).
    pub async fn project_role(&self, user: &User, project: Uuid) -> Result<Option<Role>, DbError> {
        if user.role == Role::Admin {
            let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM projects WHERE id = $1")
                .bind(project)
                .fetch_optional(&self.pool)
                .await?;
            return Ok(exists.map(|_| Role::Admin));
        }
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role::text FROM memberships WHERE project_id = $1 AND user_id = $2",
        )
        .bind(project)
        .bind(user.id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(role.and_then(|r| Role::parse(&r)))
    }

    pub async fn project(&self, user: &User, id: Uuid) -> Result<Option<Project>, DbError> {
        Ok(self
            .projects_of(user)
            .await?
            .into_iter()
            .find(|p| p.id == id))
    }

    pub async fn members(&self, project: Uuid) -> Result<Vec<Member>, DbError> {
        let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.email, u.display_name, m.role::text FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.project_id = $1 ORDER BY u.email",
        )
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user_id, email, display_name, role)| Member {
                user_id,
                email,
                display_name,
                role: Role::parse(&role).unwrap_or(Role::Reviewer),
            })
            .collect())
    }

    /// Adds or changes a membership.
    pub async fn set_member(&self, project: Uuid, user: Uuid, role: Role) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO memberships (project_id, user_id, role) VALUES ($1, $2, $3::user_role)
             ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(project)
        .bind(user)
        .bind(role.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn remove_member(&self, project: Uuid, user: Uuid) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The project ids `user` may see (all, for admins), for filtering lists and events.
    pub async fn visible_project_ids(&self, user: &User) -> Result<Vec<Uuid>, DbError> {
        Ok(self
            .projects_of(user)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect())
    }
}
