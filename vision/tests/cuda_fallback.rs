//! Asking for CUDA where there is none (this machine) falls back to the CPU instead of failing.
//! (Own test binary: the runtime is loaded once per process with one configuration.)

mod common;
#[path = "common/models.rs"]
mod models;

use vision::media::{VideoReader, set_hardware_decoding};
use vision::models::movenet::{MoveNet, MoveNetConfig};
use vision::{ExecutionProvider, Runtime, RuntimeConfig};

fn profile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("recognizer-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn cuda_without_a_gpu_runs_on_the_cpu() {
    let runtime = Runtime::load(&RuntimeConfig {
        execution_provider: ExecutionProvider::Cuda,
        profile_dir: Some(profile_dir()),
        ..Default::default()
    })
    .unwrap();
    let mut movenet = MoveNet::new(runtime, &models::catalog(), MoveNetConfig::default()).unwrap();
    let people = movenet
        .detect(&models::frame(&common::data("vtest.avi"), 100))
        .unwrap();
    assert!(people.len() >= 5);
    // the session's profile (runtime.profile_dir) is written when it ends: per-node times
    drop(movenet);
    let profile = std::fs::read_dir(profile_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("movenet-multipose")
        })
        .expect("a profile of the MoveNet session");
    let nodes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&profile).unwrap()).unwrap();
    let kernels = nodes
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "Node" && e["args"]["op_name"].is_string())
        .count();
    assert!(
        kernels > 50,
        "{kernels} node events in {}",
        profile.display()
    );
    std::fs::remove_dir_all(profile_dir()).ok();
}

/// Hardware decoding asked for where there is no GPU decoder (this machine): the same frames,
/// decoded in software.
#[test]
fn hardware_decoding_without_a_gpu_decodes_in_software() {
    let video = common::data("bikes.mp4");
    let read = |hardware| {
        set_hardware_decoding(hardware);
        let frames: Vec<_> = VideoReader::open(&video)
            .unwrap()
            .map(|f| f.unwrap())
            .collect();
        set_hardware_decoding(false);
        frames
    };
    let (hardware, software) = (read(true), read(false));
    assert_eq!(hardware.len(), 250);
    assert_eq!(hardware.len(), software.len());
    for (h, s) in hardware.iter().zip(&software).step_by(50) {
        assert_eq!((h.number, h.pts), (s.number, s.pts));
        assert!(h.image == s.image, "frame {} differs", h.number);
    }
}
