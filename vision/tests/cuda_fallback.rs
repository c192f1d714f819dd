//! Asking for CUDA where there is none (this machine) falls back to the CPU instead of failing.
//! (Own test binary: the runtime is loaded once per process with one configuration.)

mod common;
#[path = "common/models.rs"]
mod models;

use vision::models::movenet::{MoveNet, MoveNetConfig};
use vision::{ExecutionProvider, Runtime, RuntimeConfig};

#[test]
fn cuda_without_a_gpu_runs_on_the_cpu() {
    let runtime = Runtime::load(&RuntimeConfig {
        execution_provider: ExecutionProvider::Cuda,
        ..Default::default()
    })
    .unwrap();
    let mut movenet = MoveNet::new(runtime, &models::catalog(), MoveNetConfig::default()).unwrap();
    let people = movenet
        .detect(&models::frame(&common::data("vtest.avi"), 100))
        .unwrap();
    assert!(people.len() >= 5);
}
