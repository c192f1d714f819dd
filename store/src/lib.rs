//! Shared persistence for the backend and the workers: PostgreSQL (sqlx, migrations applied at
//! start-up, the apalis job queue) and object storage (an S3 bucket or a local directory, behind
//! one type). Every query that returns project data takes the project ids the caller may see.

pub mod db;
pub mod events;
pub mod jobs;
pub mod models;
pub mod objects;
pub mod projects;
pub mod retention;
pub mod streams;
pub mod testing;
pub mod users;
pub mod videos;
pub mod webhooks;

pub use db::{Database, DatabaseConfig, DbError};
pub use events::NewEvent;
pub use jobs::{Claim, JobFilter, NewArtifact, NewJob, ProgressUpdate, QUEUE, QueuedJob};
pub use models::NewModel;
pub use objects::{ObjectStorage, S3Config, StorageConfig, StorageError, StorageKind};
pub use retention::SweepReport;
pub use streams::{LeasedStream, StreamSettings};
pub use users::{NewApiToken, SessionUser, TokenUser};
pub use videos::{NewVideo, VideoObjects, VideoQuery, VideoSort};
pub use webhooks::DueDelivery;
