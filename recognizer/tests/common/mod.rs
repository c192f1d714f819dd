//! Running the real `recognizer` binary against the services `make test` starts.

#![allow(dead_code)]

pub mod platform;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `recognizer` with a clean environment: only what the test sets, plus the runtime library.
pub fn recognizer(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recognizer"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn");
    for var in ["HOME", "ORT_DYLIB_PATH", "RECOGNIZER_CACHE"] {
        if let Ok(v) = std::env::var(var) {
            cmd.env(var, v);
        }
    }
    cmd
}

/// `recognizer ARGS` run to its end with the model cache of the environment: (success, stdout,
/// stderr).
pub fn output(args: &[&str]) -> (bool, String, String) {
    let mut cmd = recognizer(args);
    if let Ok(dir) = std::env::var("RECOGNIZER_MODELS_DIR") {
        cmd.env("RECOGNIZER_MODELS__DIR", dir);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Kills the child when dropped, so a failing assertion never leaves a server running.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Self {
        Running(
            cmd.stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start recognizer"),
        )
    }

    /// SIGTERM, then the exit status (graceful shutdown must finish promptly).
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.0.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "recognizer did not stop within 15 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The tests' Python (a venv in the tools cache with numpy, pycocotools and onnx), made on first
/// use from PyPI: scripts that check our files with the reference libraries, or build models.
pub fn python() -> std::path::PathBuf {
    use std::path::{Path, PathBuf};
    let tools = std::env::var_os("RECOGNIZER_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/recognizer/tools")
        });
    let venv = tools.join("pyvenv-test");
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import numpy, pycocotools.coco, onnx, sklearn"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready(&python) {
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()
            .unwrap()
            .success();
        assert!(
            ok,
            "python3 -m venv failed (Debian: apt-get install python3-venv)"
        );
        let ok = Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "-q",
                "numpy",
                "pycocotools",
                "onnx",
                "scikit-learn",
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "pip install numpy pycocotools onnx scikit-learn failed");
    }
    python
}

/// Builds the small ONNX models of `tests/python/make_models.py` into `dir` and returns its
/// `probes.json` (which input elements each probe model returns).
pub fn make_models(dir: &std::path::Path) -> serde_json::Value {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/make_models.py");
    let out = Command::new(python())
        .arg(script)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make_models.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(dir.join("probes.json")).unwrap()).unwrap()
}

/// Runs a command that must end by itself within `limit`; returns (status, stderr).
pub fn run_to_end(mut cmd: Command, limit: Duration) -> (std::process::ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start recognizer");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("recognizer hung: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}
