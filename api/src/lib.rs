//! Wire types shared by the backend, the workers and the frontend. Serde only, so it builds for
//! wasm32 as well as the host.

pub mod health;

pub use health::{Check, Health, ModelCheck};
