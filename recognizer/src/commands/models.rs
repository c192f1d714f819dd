//! `models fetch` / `models list`: the model cache.

use anyhow::{Context, bail};

use super::services;
use crate::config::Config;

pub async fn fetch(config: &Config, only: &[String], required: bool) -> anyhow::Result<()> {
    let script = &config.models.fetch_script;
    if !script.is_file() {
        bail!(
            "models.fetch_script {} does not exist: run from the repository root or set RECOGNIZER_MODELS__FETCH_SCRIPT",
            script.display()
        );
    }
    let manifest = script.with_file_name("manifest.toml");
    let mut cmd = tokio::process::Command::new("python3");
    cmd.arg(script)
        .arg("--manifest")
        .arg(&manifest)
        .arg("--cache")
        .arg(&config.models.dir);
    if !only.is_empty() {
        cmd.arg("--only").args(only);
    }
    if required {
        cmd.arg("--required");
    }
    let status = cmd
        .status()
        .await
        .context("cannot run python3 (install Python 3.11+)")?;
    if !status.success() {
        bail!("fetching models failed ({status}); the messages above say why");
    }
    // The script checked the sources; now check the results by loading them.
    let runtime = services::runtime(config)?;
    let catalog = services::catalog(config)?;
    for spec in &catalog.models {
        let selected =
            (only.is_empty() || only.contains(&spec.name)) && (!required || spec.required);
        if selected {
            catalog.verify(runtime, spec)?;
            println!("{:<20} ok  {}", spec.name, catalog.path_of(spec).display());
        }
    }
    Ok(())
}

pub fn list(config: &Config) -> anyhow::Result<()> {
    let catalog = services::catalog(config)?;
    for (spec, status) in catalog.models.iter().zip(catalog.status()) {
        let state = match status.bytes {
            Some(b) => format!("cached ({:.1} MB)", b as f64 / 1e6),
            None if spec.required => "MISSING (required)".into(),
            None => "not fetched".into(),
        };
        println!(
            "{:<20} {:<20} {} — {}",
            spec.name, state, spec.licence, spec.what
        );
    }
    Ok(())
}
