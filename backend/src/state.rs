//! What every handler can reach.

use std::time::Duration;

use store::{Database, ObjectStorage};
use vision::Catalog;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub storage: ObjectStorage,
    pub catalog: Catalog,
    /// The ONNX Runtime version loaded, or why it could not be loaded.
    pub onnx_runtime: Result<String, String>,
    /// Heartbeats older than this mean the worker is gone.
    pub worker_lease: Duration,
}
