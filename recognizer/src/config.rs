//! The one typed configuration: defaults, then a TOML file, then environment overrides
//! (`RECOGNIZER_<SECTION>__<KEY>`, e.g. `RECOGNIZER_DATABASE__URL`, `RECOGNIZER_STORAGE__S3__BUCKET`).
//! Validated at start-up; every error names the key to fix.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use store::{DatabaseConfig, StorageConfig, StorageKind};
use vision::RuntimeConfig;
use workers::WorkerConfig;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub runtime: RuntimeConfig,
    pub models: ModelsConfig,
    pub worker: WorkerConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            storage: StorageConfig {
                local_dir: default_local_dir(),
                ..Default::default()
            },
            runtime: RuntimeConfig::default(),
            models: ModelsConfig::default(),
            worker: WorkerConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// host:port to listen on.
    pub bind: String,
    /// The built web UI (index.html + WASM); served for every path outside /api.
    pub web_dir: PathBuf,
    /// Unfinished uploads are spooled here (one file each) until every byte arrived.
    pub upload_dir: PathBuf,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    pub session_ttl_secs: i64,
    /// Mark the session cookie Secure (serve over HTTPS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Behind a reverse proxy: believe its X-Forwarded-For and X-Forwarded-Proto headers (the
    /// client's address for the sign-in throttle; HTTPS → Secure cookies). Off when clients
    /// reach the server directly.
    pub trust_proxy_headers: bool,
    /// Bytes all unfinished uploads of one project may announce together.
    pub max_pending_upload_bytes: u64,
    /// Unfinished uploads that received nothing for this long expire and their spool files go.
    pub upload_expiry_secs: u64,
    /// Prometheus scrapes /metrics with `Authorization: Bearer <this>`; empty: administrators only.
    pub metrics_token: String,
    /// The first administrator, created at start-up when no user exists yet. Without a password a
    /// random one is generated and printed once.
    pub initial_admin_email: String,
    /// Prefer `initial_admin_password_file`: a password given here in the environment stays
    /// readable in /proc/<pid>/environ for as long as the process runs.
    pub initial_admin_password: String,
    /// A file holding the first administrator's password (read once at start-up).
    pub initial_admin_password_file: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let settings = backend::Settings::default();
        Self {
            bind: "127.0.0.1:8080".into(),
            web_dir: "frontend/dist".into(),
            upload_dir: default_local_dir().with_file_name("uploads"),
            max_upload_bytes: settings.max_upload_bytes,
            session_ttl_secs: settings.session_ttl_secs,
            secure_cookies: false,
            trust_proxy_headers: settings.trust_proxy_headers,
            max_pending_upload_bytes: settings.max_pending_upload_bytes,
            upload_expiry_secs: settings.upload_expiry_secs,
            metrics_token: String::new(),
            initial_admin_email: "admin@localhost.localdomain".into(),
            initial_admin_password: String::new(),
            initial_admin_password_file: PathBuf::new(),
        }
    }
}

impl ServerConfig {
    pub fn settings(&self) -> backend::Settings {
        backend::Settings {
            upload_dir: self.upload_dir.clone(),
            max_upload_bytes: self.max_upload_bytes,
            session_ttl_secs: self.session_ttl_secs,
            secure_cookies: self.secure_cookies,
            trust_proxy_headers: self.trust_proxy_headers,
            max_pending_upload_bytes: self.max_pending_upload_bytes,
            upload_expiry_secs: self.upload_expiry_secs,
            metrics_token: self.metrics_token.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelsConfig {
    /// Where converted ONNX models are cached.
    pub dir: PathBuf,
    /// The fetch/convert script (next to models/manifest.toml).
    pub fetch_script: PathBuf,
}

impl Default for ModelsConfig {
    fn default() -> Self {
        Self {
            dir: cache_dir().join("models"),
            fetch_script: "models/fetch.py".into(),
        }
    }
}

/// `$RECOGNIZER_CACHE`, else `~/.cache/recognizer` (the same place the scripts use).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RECOGNIZER_CACHE") {
        return dir.into();
    }
    home().join(".cache/recognizer")
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/var/lib/recognizer".into())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration is invalid:\n  - {}", .0.join("\n  - "))]
    Parse(Vec<String>),
    #[error("configuration is invalid:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

impl Config {
    /// Loads defaults ← `file` (if given, or `recognizer.toml` when present) ← environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("recognizer.toml").is_file() => {
                figment = figment.merge(Toml::file_exact("recognizer.toml"))
            }
            None => {}
        }
        // Only RECOGNIZER_<SECTION>__<KEY>: other RECOGNIZER_* variables (the scripts' own) are not config.
        let env = Env::prefixed("RECOGNIZER_")
            .filter(|key| key.as_str().contains("__"))
            .split("__");
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|e| ConfigError::Parse(describe(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// Every problem at once, each naming its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut errors = Vec::new();
        if self.server.bind.parse::<SocketAddr>().is_err() {
            errors.push(format!(
                "server.bind = {:?} is not an address like 127.0.0.1:8080",
                self.server.bind
            ));
        }
        let url = &self.database.url;
        // An empty URL is fine for commands without a database (models fetch); connecting says so.
        if !url.is_empty() && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            errors.push(format!(
                "database.url must start with postgres:// (got {})",
                store::db::redact(url)
            ));
        }
        if self.server.max_upload_bytes == 0 {
            errors.push("server.max_upload_bytes must be at least 1".into());
        }
        if self.server.upload_expiry_secs < 1 {
            errors.push("server.upload_expiry_secs must be at least 1".into());
        }
        if self.server.session_ttl_secs < 60 {
            errors.push("server.session_ttl_secs must be at least 60".into());
        }
        if self.database.max_connections == 0 {
            errors.push("database.max_connections must be at least 1".into());
        }
        match self.storage.kind {
            StorageKind::Local if self.storage.local_dir.as_os_str().is_empty() => {
                errors.push("storage.local_dir is empty: set the directory that holds uploaded and produced files".into())
            }
            StorageKind::Local => {}
            StorageKind::S3 => {
                let s3 = &self.storage.s3;
                if s3.bucket.is_empty() {
                    errors.push("storage.s3.bucket is not set (storage.kind = \"s3\")".into());
                }
                if !s3.endpoint.is_empty() && !(s3.endpoint.starts_with("http://") || s3.endpoint.starts_with("https://")) {
                    errors.push(format!("storage.s3.endpoint = {:?} must start with http:// or https://", s3.endpoint));
                }
                if s3.access_key_id.is_empty() != s3.secret_access_key.is_empty() {
                    errors.push("storage.s3.access_key_id and storage.s3.secret_access_key must be set together".into());
                }
            }
        }
        if self.runtime.intra_threads == 0 {
            errors.push("runtime.intra_threads must be at least 1".into());
        }
        if let Some(batch) = self.runtime.pose_batch
            && !(1..=vision::runtime::MAX_POSE_BATCH).contains(&batch)
        {
            errors.push(format!(
                "runtime.pose_batch = {batch}: frames per pose model call must be 1 to {}",
                vision::runtime::MAX_POSE_BATCH
            ));
        }
        if self.worker.concurrency == 0 {
            errors.push("worker.concurrency must be at least 1".into());
        }
        if self.worker.lease_secs <= self.worker.heartbeat_secs {
            errors.push(format!(
                "worker.lease_secs ({}) must be longer than worker.heartbeat_secs ({})",
                self.worker.lease_secs, self.worker.heartbeat_secs
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }
}

/// One line per problem: the key in its file spelling, what is wrong, and where the value came from.
fn describe(errors: figment::Error) -> Vec<String> {
    errors
        .into_iter()
        .map(|e| {
            let key = e
                .path
                .iter()
                .map(|p| p.to_lowercase())
                .collect::<Vec<_>>()
                .join(".");
            let origin = match &e.metadata {
                Some(m) if m.name.contains("environment") => {
                    format!(" (from RECOGNIZER_{})", e.path.join("__").to_uppercase())
                }
                Some(m) => match &m.source {
                    Some(source) => format!(" (in {source})"),
                    None => format!(" (in {})", m.name),
                },
                None => String::new(),
            };
            if key.is_empty() {
                format!("{}{origin}", e.kind)
            } else {
                format!("{key}: {}{origin}", e.kind)
            }
        })
        .collect()
}

/// Default object directory: `$XDG_DATA_HOME/recognizer/objects` or `~/.local/share/recognizer/objects`.
pub fn default_local_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".local/share"))
        .join("recognizer/objects")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` with figment's jail: a private cwd and environment.
    fn jail(f: impl FnOnce(&mut figment::Jail) -> figment::error::Result<()>) {
        figment::Jail::expect_with(f);
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        jail(|j| {
            j.create_file(
                "recognizer.toml",
                "[server]\nbind = \"0.0.0.0:9000\"\n[worker]\nconcurrency = 3\n",
            )?;
            j.set_env("RECOGNIZER_WORKER__CONCURRENCY", "5");
            j.set_env("RECOGNIZER_STORAGE__S3__PATH_STYLE", "false");
            j.set_env("RECOGNIZER_CACHE", "/not/a/config/key"); // the scripts' own variable: ignored
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.server.bind, "0.0.0.0:9000");
            assert_eq!(c.worker.concurrency, 5);
            assert!(!c.storage.s3.path_style);
            assert_eq!(
                c.worker.heartbeat_secs,
                WorkerConfig::default().heartbeat_secs
            );
            assert_eq!(c.models.dir, PathBuf::from("/not/a/config/key/models"));
            Ok(())
        });
    }

    #[test]
    fn every_invalid_key_is_reported_at_once() {
        jail(|j| {
            j.set_env("RECOGNIZER_STORAGE__KIND", "s3");
            j.set_env("RECOGNIZER_STORAGE__S3__ACCESS_KEY_ID", "only-half");
            j.set_env("RECOGNIZER_RUNTIME__INTRA_THREADS", "0");
            j.set_env("RECOGNIZER_WORKER__LEASE_SECS", "1");
            let err = Config::load(None).unwrap_err().to_string();
            for key in [
                "storage.s3.bucket",
                "storage.s3.secret_access_key",
                "runtime.intra_threads",
                "worker.lease_secs",
            ] {
                assert!(err.contains(key), "{key} not named in:\n{err}");
            }
            Ok(())
        });
    }

    #[test]
    fn the_gpu_settings_come_from_the_environment_and_a_wrong_one_is_named() {
        jail(|j| {
            j.set_env("RECOGNIZER_RUNTIME__EXECUTION_PROVIDER", "cuda");
            j.set_env("RECOGNIZER_RUNTIME__CONV_SEARCH", "heuristic");
            j.set_env("RECOGNIZER_RUNTIME__FIXED_SHAPES", "false");
            j.set_env("RECOGNIZER_RUNTIME__PROFILE_DIR", "/tmp/profiles");
            let c = Config::load(None).unwrap();
            assert_eq!(
                c.runtime.execution_provider,
                vision::ExecutionProvider::Cuda
            );
            assert_eq!(c.runtime.conv_search, vision::ConvSearch::Heuristic);
            assert_eq!(c.runtime.fixed_shapes, Some(false));
            // jobs share the pose model's sessions where shapes are fixed, unless told
            assert!(!c.runtime.share_sessions());
            j.set_env("RECOGNIZER_RUNTIME__FIXED_SHAPES", "true");
            assert!(Config::load(None).unwrap().runtime.share_sessions());
            j.set_env("RECOGNIZER_RUNTIME__SHARE_SESSIONS", "false");
            assert!(!Config::load(None).unwrap().runtime.share_sessions());
            j.set_env("RECOGNIZER_RUNTIME__FIXED_SHAPES", "false");
            assert!(!Config::default().runtime.share_sessions());
            // unset: each model's own choice; set: over every model's
            assert_eq!(c.runtime.tf32, None);
            let tuned = vision::runtime::CudaTuning {
                tf32: true,
                channels_last: true,
            };
            assert_eq!(c.runtime.cuda_tuning(tuned), tuned);
            j.set_env("RECOGNIZER_RUNTIME__TF32", "false");
            let c = Config::load(None).unwrap();
            assert_eq!(
                c.runtime.cuda_tuning(tuned),
                vision::runtime::CudaTuning {
                    tf32: false,
                    channels_last: true
                }
            );
            assert_eq!(
                c.runtime.profile_dir.as_deref(),
                Some(std::path::Path::new("/tmp/profiles"))
            );
            j.set_env("RECOGNIZER_RUNTIME__CONV_SEARCH", "fastest");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("runtime.conv_search"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_execution_providers_and_kinds_are_named() {
        jail(|j| {
            j.set_env("RECOGNIZER_RUNTIME__EXECUTION_PROVIDER", "tpu");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(
                err.contains("runtime.execution_provider")
                    && err.contains("RECOGNIZER_RUNTIME__EXECUTION_PROVIDER"),
                "{err}"
            );
            Ok(())
        });
    }
}
