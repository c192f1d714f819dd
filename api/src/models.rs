//! Skeleton classifiers registered per project (`/api/projects/{id}/models`): an ONNX file and
//! the contract it was checked against.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Model {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    /// The service it classifies for: `fall` or `fight`.
    pub service: String,
    /// Layout (`NMTVC` / `NCTVM`), channels, frames, persons, keypoints, normalization
    /// (`image_centered`, `image`, `box`, `pixels`), classes, event_class, output
    /// (`probabilities` / `logits`), fps.
    pub contract: serde_json::Value,
    pub bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}
