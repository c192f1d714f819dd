//! `users create`: accounts from the command line (the first admin, scripted set-ups), and the
//! start-up rule that a fresh installation always has an administrator.

use anyhow::Context;
use api::Role;
use store::Database;

use super::services;
use crate::config::Config;

#[derive(clap::Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub email: String,
    /// The password (or set RECOGNIZER_NEW_PASSWORD; prompted for neither… generated and printed).
    #[arg(long, env = "RECOGNIZER_NEW_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Administrator (otherwise --role decides).
    #[arg(long)]
    pub admin: bool,
    /// reviewer or uploader (ignored with --admin).
    #[arg(long, default_value = "uploader")]
    pub role: String,
    /// Add the user to this project (by name), creating it when needed.
    #[arg(long)]
    pub project: Option<String>,
}

pub async fn create(config: &Config, args: CreateArgs) -> anyhow::Result<()> {
    let db = services::database(config).await?;
    let role = if args.admin {
        Role::Admin
    } else {
        Role::parse(&args.role).context("--role must be reviewer or uploader")?
    };
    let generated = args.password.is_none();
    let password = args
        .password
        .unwrap_or_else(|| backend::auth::random_token()[..20].to_string());
    if password.chars().count() < 8 {
        anyhow::bail!("the password must have at least 8 characters");
    }
    let hash = backend::auth::hash_password(&password)?;
    let user = db.create_user(&args.email, "", &hash, role).await?;
    if let Some(name) = args.project {
        let project = match db
            .projects_of(&admin_view(&user))
            .await?
            .into_iter()
            .find(|p| p.name == name)
        {
            Some(p) => p,
            None => db.create_project(&name, "", &admin_view(&user)).await?,
        };
        db.set_member(
            project.id,
            user.id,
            if role == Role::Admin {
                Role::Uploader
            } else {
                role
            },
        )
        .await?;
    }
    println!(
        "created {} ({}){}",
        user.email,
        role.as_str(),
        if generated {
            format!(" with password {password}")
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Lists every project regardless of membership (for the CLI).
fn admin_view(user: &api::User) -> api::User {
    api::User {
        role: Role::Admin,
        ..user.clone()
    }
}

/// With no user at all, creates `server.initial_admin_email` (password from the configuration,
/// or generated and printed once) and a first project.
pub async fn ensure_first_admin(db: &Database, config: &Config) -> anyhow::Result<()> {
    if db.count_users().await? > 0 {
        return Ok(());
    }
    let email = &config.server.initial_admin_email;
    let file = &config.server.initial_admin_password_file;
    let from_file = if file.as_os_str().is_empty() {
        None
    } else {
        let text = std::fs::read_to_string(file).with_context(|| {
            format!(
                "cannot read server.initial_admin_password_file = {}",
                file.display()
            )
        })?;
        Some(text.trim_end_matches(['\n', '\r']).to_string())
    };
    let (password, generated) = match (from_file, config.server.initial_admin_password.as_str()) {
        (Some(p), _) if !p.is_empty() => (p, false),
        (_, "") => (backend::auth::random_token()[..20].to_string(), true),
        (_, p) => (p.to_string(), false),
    };
    let user = db
        .create_user(
            email,
            "Administrator",
            &backend::auth::hash_password(&password)?,
            Role::Admin,
        )
        .await?;
    db.create_project("Default", "First project", &user).await?;
    if generated {
        println!("First administrator created: {email} / {password}  (change it after signing in)");
    } else {
        println!("First administrator created: {email} (password from the configuration)");
    }
    Ok(())
}
