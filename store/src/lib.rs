//! Shared persistence for the backend and the workers: PostgreSQL (sqlx, migrations applied at
//! start-up) and object storage (an S3 bucket or a local directory, behind one type).

pub mod db;
pub mod objects;
pub mod testing;

pub use db::{Database, DatabaseConfig, DbError};
pub use objects::{ObjectStorage, S3Config, StorageConfig, StorageError, StorageKind};
