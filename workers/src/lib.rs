//! Workers: processes (or in-process tasks) that take jobs off the queue and run them. This crate
//! holds the worker loop — identity, heartbeats, shutdown — and, as they arrive, the job handlers.

pub mod heartbeat;
pub mod jobs;
pub mod runner;
pub mod streams;

pub use heartbeat::{WorkerConfig, WorkerIdentity, run_heartbeats};
pub use runner::{WorkerServices, run_job, run_worker};
