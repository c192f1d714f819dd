//! `config check` and `config show`.

use anyhow::bail;

use super::services;
use crate::config::Config;

/// Validates (already done by loading) and then tries each service, reporting all of them.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let mut failures = 0;
    let mut report = |name: &str, result: anyhow::Result<String>| match result {
        Ok(detail) => println!("ok      {name:<12} {detail}"),
        Err(e) => {
            failures += 1;
            println!("FAILED  {name:<12} {e:#}");
        }
    };
    report("config", Ok("valid".into()));
    report(
        "database",
        services::database(config)
            .await
            .map(|_| "connected, migrations applied".into()),
    );
    report(
        "storage",
        services::storage(config)
            .await
            .map(|s| format!("{}: write/read/delete ok", s.describe())),
    );
    let runtime = services::runtime(config);
    let runtime_ok = runtime.as_ref().ok().copied();
    report(
        "runtime",
        runtime.map(|r| format!("ONNX Runtime {} ({})", r.version, r.library.display())),
    );
    let catalog = services::catalog(config)?;
    for spec in &catalog.models {
        let result = match runtime_ok {
            Some(rt) => catalog
                .verify(rt, spec)
                .map(|_| "cached, loads, signature matches".to_string())
                .map_err(Into::into),
            None => catalog
                .require(&spec.name)
                .map(|p| p.display().to_string())
                .map_err(Into::into),
        };
        match result {
            Err(e) if !spec.required => println!("-       {:<12} optional, {e:#}", spec.name),
            other => report(&spec.name, other),
        }
    }
    if failures > 0 {
        bail!("{failures} check(s) failed");
    }
    Ok(())
}

pub fn show(config: &Config) -> anyhow::Result<()> {
    let mut shown = config.clone();
    shown.database.url = store::db::redact(&shown.database.url);
    if !shown.server.initial_admin_password.is_empty() {
        shown.server.initial_admin_password = "***".into();
    }
    if !shown.storage.s3.secret_access_key.is_empty() {
        shown.storage.s3.secret_access_key = "***".into();
    }
    print!("{}", toml_string(&shown)?);
    Ok(())
}

fn toml_string(config: &Config) -> anyhow::Result<String> {
    Ok(toml::to_string_pretty(config)?)
}
