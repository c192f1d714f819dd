//! A real RTSP camera for tests: GStreamer's RTSP server (scripts/rtsp-server.py, Debian
//! packages installed by `scripts/setup.sh --test`) re-serving RTP that an `ffmpeg -re
//! -stream_loop -1` feeder sends from real footage. The tests kill, stop and restart the server
//! to break the "camera"; the feeder keeps running. Shared by the vision and the end-to-end tests.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Camera {
    pub url: String,
    port: u16,
    udp_port: u16,
    credentials: Option<(String, String)>,
    feeder: Child,
    server: Option<Child>,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|p| p.join("scripts/rtsp-server.py").is_file())
        .expect("scripts/rtsp-server.py above the crate")
        .to_path_buf()
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `source` (a video file) as 640 pixels wide @ 15 fps H.264 without B-frames, a keyframe a second, in
/// MPEG-TS: what a camera sends. Made once per machine.
pub fn camera_clip(source: &str, seconds: u32) -> PathBuf {
    camera_clip_sliced(source, seconds, 1)
}

/// The same, each picture cut into `slices` slices (as many IP cameras send them).
pub fn camera_clip_sliced(source: &str, seconds: u32, slices: u32) -> PathBuf {
    let stem = Path::new(source).file_stem().unwrap().to_string_lossy();
    let sliced = if slices > 1 {
        format!("-{slices}slices")
    } else {
        String::new()
    };
    let out = std::env::temp_dir().join(format!("recognizer-camera-{stem}-{seconds}s{sliced}.ts"));
    if out.is_file() {
        return out;
    }
    let tmp = out.with_extension(format!("{}.ts", std::process::id()));
    let status = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-i",
            source,
            "-t",
            &seconds.to_string(),
        ])
        .args([
            "-vf",
            "scale=640:-2,fps=15",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
        ])
        .args(["-x264-params", &format!("slices={slices}")])
        .args(["-bf", "0", "-g", "15", "-an"])
        .arg(&tmp)
        .status()
        .expect("ffmpeg runs");
    assert!(
        status.success(),
        "making the camera clip from {source} failed"
    );
    std::fs::rename(&tmp, &out).unwrap();
    out
}

impl Camera {
    /// A camera at rtsp://127.0.0.1:PORT/cam looping `clip` (see [`camera_clip`]).
    pub fn start(clip: &Path, credentials: Option<(&str, &str)>) -> Self {
        assert!(
            Command::new("/usr/bin/python3")
                .args([
                    "-c",
                    "import gi; gi.require_version('GstRtspServer', '1.0')"
                ])
                .status()
                .is_ok_and(|s| s.success()),
            "GStreamer's RTSP server is missing: run scripts/setup.sh --test (make test does)"
        );
        let (port, udp_port) = (free_tcp_port(), free_udp_port());
        let feeder = Command::new("ffmpeg")
            .args(["-loglevel", "error", "-re", "-stream_loop", "-1", "-i"])
            .arg(clip)
            .args(["-c", "copy", "-f", "rtp"])
            .arg(format!("rtp://127.0.0.1:{udp_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("ffmpeg runs");
        let credentials = credentials.map(|(u, p)| (u.to_string(), p.to_string()));
        let mut camera = Self {
            url: format!("rtsp://127.0.0.1:{port}/cam"),
            port,
            udp_port,
            credentials,
            feeder,
            server: None,
        };
        camera.start_server();
        camera
    }

    /// The URL with these credentials in it.
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("rtsp://{user}:{password}@127.0.0.1:{}/cam", self.port)
    }

    pub fn start_server(&mut self) {
        assert!(self.server.is_none(), "the server runs already");
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.arg(repo_root().join("scripts/rtsp-server.py"))
            .args(["--port", &self.port.to_string()])
            .args(["--udp-port", &self.udp_port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some((u, p)) = &self.credentials {
            cmd.args(["--user", u, "--password", p]);
        }
        self.server = Some(cmd.spawn().expect("the RTSP server starts"));
        let until = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < until,
                "the RTSP server did not listen in 15 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: the camera is gone, connections drop.
    pub fn kill_server(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }

    fn signal(&self, name: &str) {
        let pid = self.server.as_ref().expect("server runs").id();
        let ok = Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{name} {pid}");
    }

    /// SIGSTOP: the camera hangs with its connections open — nothing arrives, nothing fails.
    pub fn stall(&self) {
        self.signal("STOP");
    }

    pub fn resume(&self) {
        self.signal("CONT");
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        if self.server.is_some() {
            let _ = Command::new("kill")
                .args([
                    "-CONT".to_string(),
                    self.server.as_ref().unwrap().id().to_string(),
                ])
                .status();
        }
        self.kill_server();
        let _ = self.feeder.kill();
        let _ = self.feeder.wait();
    }
}

/// Polls `check` every 50 ms until it holds or `within` passes; the time it took.
pub fn wait_for(within: Duration, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    start.elapsed()
}
