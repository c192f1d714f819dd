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
    let catalog = services::catalog(config)?;
    // on a GPU machine the required models and the GPU's (named, so the script takes them)
    let cuda = config.runtime.execution_provider == vision::ExecutionProvider::Cuda;
    let gpu_extra: Vec<String> = if required && cuda && only.is_empty() {
        catalog
            .models
            .iter()
            .filter(|m| m.fetched(true, true))
            .map(|m| m.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    let only = if gpu_extra.is_empty() {
        only
    } else {
        &gpu_extra[..]
    };
    let mut cmd = tokio::process::Command::new("python3");
    cmd.arg(script)
        .arg("--manifest")
        .arg(&manifest)
        .arg("--cache")
        .arg(&config.models.dir);
    if !only.is_empty() {
        cmd.arg("--only").args(only);
    }
    if required && gpu_extra.is_empty() {
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
    for spec in &catalog.models {
        let selected =
            (only.is_empty() || only.contains(&spec.name)) && spec.fetched(required, cuda);
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
