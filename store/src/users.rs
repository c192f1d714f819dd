//! Users, sessions and API tokens. Passwords arrive here already hashed; tokens as their sha256.

use api::{ApiToken, Role, User};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Database, DbError};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    role: String,
    disabled: bool,
    created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            role: Role::parse(&r.role).unwrap_or(Role::Reviewer),
            disabled: r.disabled,
            created_at: r.created_at,
        }
    }
}

/// The user columns, qualified with `p` (e.g. `"u."`) where a query joins tables.
fn user_columns(p: &str) -> String {
    format!("{p}id, {p}email, {p}display_name, {p}role::text AS role, {p}disabled, {p}created_at")
}

/// A user as a session resolves it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub csrf_token: Option<String>,
}

impl Database {
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<User, DbError> {
        let sql = format!(
            "INSERT INTO users (id, email, display_name, password_hash, role) VALUES ($1, lower($2), $3, $4, $5::user_role)
             RETURNING {cols}",
            cols = user_columns("")
        );
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(Uuid::new_v4())
            .bind(email)
            .bind(display_name)
            .bind(password_hash)
            .bind(role.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                DbError::conflict(e, format!("a user with email {email} already exists"))
            })?;
        Ok(row.into())
    }

    pub async fn user(&self, id: Uuid) -> Result<Option<User>, DbError> {
        let sql = format!(
            "SELECT {cols} FROM users WHERE id = $1",
            cols = user_columns("")
        );
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    /// The user and their password hash, for sign-in.
    pub async fn user_for_login(&self, email: &str) -> Result<Option<(User, String)>, DbError> {
        let sql = format!(
            "SELECT {cols}, password_hash FROM users WHERE email = lower($1)",
            cols = user_columns("")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => {
                use sqlx::{FromRow, Row};
                let hash: String = row.try_get("password_hash")?;
                Some((UserRow::from_row(&row)?.into(), hash))
            }
            None => None,
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, DbError> {
        let sql = format!(
            "SELECT {cols} FROM users WHERE email = lower($1)",
            cols = user_columns("")
        );
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, DbError> {
        let sql = format!(
            "SELECT {cols} FROM users ORDER BY email",
            cols = user_columns("")
        );
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn count_users(&self) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn update_user(
        &self,
        id: Uuid,
        role: Option<Role>,
        disabled: Option<bool>,
        password_hash: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<Option<User>, DbError> {
        let sql = format!(
            "UPDATE users SET role = COALESCE($2::user_role, role), disabled = COALESCE($3, disabled),
                 password_hash = COALESCE($4, password_hash), display_name = COALESCE($5, display_name)
             WHERE id = $1 RETURNING {cols}", cols = user_columns(""));
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(role.map(Role::as_str))
            .bind(disabled)
            .bind(password_hash)
            .bind(display_name)
            .fetch_optional(&self.pool)
            .await?;
        if disabled == Some(true) || password_hash.is_some() {
            self.revoke_credentials(id, None).await?;
        }
        Ok(row.map(Into::into))
    }

    /// Ends every session and API token of a user, but the session `keep` (its token hash): a
    /// new password or a disabled account leaves nothing signed in with the old trust.
    pub async fn revoke_credentials(&self, user: Uuid, keep: Option<&str>) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2")
            .bind(user)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user's own password change: a new hash, and every other session and all API tokens
    /// revoked (the session `keep` stays signed in).
    pub async fn change_password(
        &self,
        user: Uuid,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user)
            .bind(password_hash)
            .execute(&self.pool)
            .await?;
        self.revoke_credentials(user, keep).await
    }

    /// The password hash of a user, for checking the current password before a change.
    pub async fn password_hash(&self, user: Uuid) -> Result<Option<String>, DbError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        csrf: &str,
        ttl_secs: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
             VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(ttl_secs as f64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session's user, unless it expired or the user is disabled.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<SessionUser>, DbError> {
        let sql = format!(
            "SELECT {cols}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled",
            cols = user_columns("u.")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        use sqlx::{FromRow, Row};
        let csrf: String = row.try_get("csrf_token")?;
        Ok(Some(SessionUser {
            user: UserRow::from_row(&row)?.into(),
            csrf_token: Some(csrf),
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < now()")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        user_id: Uuid,
        new: &NewApiToken<'_>,
    ) -> Result<ApiToken, DbError> {
        let (id, created_at, expires_at): (Uuid, DateTime<Utc>, Option<DateTime<Utc>>) =
            sqlx::query_as(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, read_only, expires_at)
             VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))
             RETURNING id, created_at, expires_at",
            )
            .bind(Uuid::new_v4())
            .bind(user_id)
            .bind(new.name)
            .bind(new.token_hash)
            .bind(new.read_only)
            .bind(new.expires_in_days.map(|d| d as i32))
            .fetch_one(&self.pool)
            .await?;
        Ok(ApiToken {
            id,
            name: new.name.into(),
            created_at,
            last_used_at: None,
            expires_at,
            read_only: new.read_only,
        })
    }

    pub async fn list_api_tokens(&self, user_id: Uuid) -> Result<Vec<ApiToken>, DbError> {
        type Row = (
            Uuid,
            String,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            bool,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at, expires_at, read_only FROM api_tokens
             WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, created_at, last_used_at, expires_at, read_only)| ApiToken {
                    id,
                    name,
                    created_at,
                    last_used_at,
                    expires_at,
                    read_only,
                },
            )
            .collect())
    }

    pub async fn delete_api_token(&self, user_id: Uuid, id: Uuid) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The token's user, unless the token expired or the user is disabled.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<TokenUser>, DbError> {
        let sql = format!(
            "UPDATE api_tokens t SET last_used_at = now() FROM users u
             WHERE t.token_hash = $1 AND u.id = t.user_id AND NOT u.disabled
               AND (t.expires_at IS NULL OR t.expires_at > now())
             RETURNING {cols}, t.read_only",
            cols = user_columns("u.")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        use sqlx::{FromRow, Row};
        Ok(Some(TokenUser {
            user: UserRow::from_row(&row)?.into(),
            read_only: row.try_get("read_only")?,
        }))
    }
}

/// A token about to be stored (only its sha256).
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub read_only: bool,
    pub expires_in_days: Option<u32>,
}

/// A user as an API token resolves it.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub user: User,
    /// The token may only read (GET, HEAD).
    pub read_only: bool,
}
