//! The frame pipeline as a library: ONNX Runtime sessions, one module per model, tracking,
//! scoring, events. No database and no HTTP, so the same code runs in a worker, the offline CLI
//! and a benchmark.

pub mod annotate;
pub mod anonymize;
pub mod assignment;
pub mod catalog;
pub mod evaluate;
pub mod events;
pub mod footfall;
pub mod media;
pub mod metrics;
pub mod models;
pub mod params;
pub mod pipeline;
pub mod pool;
pub mod pose;
pub mod render;
pub mod runtime;
pub mod score;
pub mod track;

pub use catalog::{Catalog, CatalogError, ModelSpec, ModelStatus};
pub use runtime::{ConvSearch, ExecutionProvider, Runtime, RuntimeConfig, RuntimeError};
