//! `GET /api/health`: is every part of the platform usable right now?

use serde::{Deserialize, Serialize};

/// One component's state. `ok = false` comes with a `detail` a person can act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    pub ok: bool,
    pub detail: String,
}

impl Check {
    pub fn ok(detail: impl Into<String>) -> Self {
        Self {
            ok: true,
            detail: detail.into(),
        }
    }
    pub fn failed(detail: impl Into<String>) -> Self {
        Self {
            ok: false,
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelCheck {
    pub name: String,
    pub required: bool,
    pub present: bool,
    pub bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// True when every check below is ok.
    pub healthy: bool,
    pub version: String,
    pub database: Check,
    pub storage: Check,
    /// The ONNX Runtime library loaded, with its version.
    pub onnx_runtime: Check,
    /// Required models all present in the cache.
    pub models: Check,
    pub model_files: Vec<ModelCheck>,
    /// At least one worker sent a heartbeat recently.
    pub workers: Check,
    pub live_workers: Vec<String>,
}

/// What `GET /api/health` tells anyone who is not an administrator: the server answers. The
/// details (`Health`) need an administrator's session or token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Liveness {
    /// Always "ok": the process is up and serving requests.
    pub status: String,
}
