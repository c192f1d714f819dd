//! A running platform for API tests: the real `recognizer serve` (and `recognizer worker`
//! processes) on a fresh database and the S3 server `make test` starts, and signed-in clients.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Running, free_port, recognizer};

pub const ADMIN_EMAIL: &str = "admin@example.org";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

pub struct Platform {
    pub base: String,
    pub db_url: String,
    pub server: Running,
    pub storage: store::ObjectStorage,
    pub dir: tempfile::TempDir,
    pub max_upload: u64,
    /// More configuration for the server and its workers (`RECOGNIZER_…` variables).
    pub extra_env: Vec<(String, String)>,
}

impl Platform {
    pub async fn start() -> Self {
        Self::start_with(50 << 30).await
    }

    pub async fn start_with(max_upload: u64) -> Self {
        Self::start_configured(max_upload, &[]).await
    }

    /// A platform with more configuration, e.g. `("RECOGNIZER_SERVER__METRICS_TOKEN", "…")`.
    pub async fn start_env(extra: &[(&str, &str)]) -> Self {
        Self::start_configured(50 << 30, extra).await
    }

    async fn start_configured(max_upload: u64, extra: &[(&str, &str)]) -> Self {
        let (_db, db_url) = store::testing::fresh_database().await;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut p = Platform {
            base: format!("http://127.0.0.1:{port}"),
            db_url,
            server: Running(Command::new("true").spawn().unwrap()),
            storage: store::ObjectStorage::s3(&store::testing::s3_config()).unwrap(),
            dir,
            max_upload,
            extra_env: extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let mut serve = recognizer(&["serve"]);
        p.configure(&mut serve);
        serve.env("RECOGNIZER_SERVER__BIND", format!("127.0.0.1:{port}"));
        p.server = Running::spawn(serve);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if reqwest::get(format!("{}/api/health", p.base)).await.is_ok() {
                break;
            }
            if let Some(status) = p.server.0.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                p.server
                    .0
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("server exited ({status}): {err}");
            }
            assert!(
                Instant::now() < deadline,
                "server did not answer within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        p
    }

    pub fn configure(&self, cmd: &mut Command) {
        let s3 = store::testing::s3_config();
        cmd.env("RECOGNIZER_DATABASE__URL", &self.db_url)
            .env("RECOGNIZER_STORAGE__KIND", "s3")
            .env("RECOGNIZER_STORAGE__S3__ENDPOINT", &s3.endpoint)
            .env("RECOGNIZER_STORAGE__S3__BUCKET", &s3.bucket)
            .env("RECOGNIZER_STORAGE__S3__ACCESS_KEY_ID", &s3.access_key_id)
            .env(
                "RECOGNIZER_STORAGE__S3__SECRET_ACCESS_KEY",
                &s3.secret_access_key,
            )
            .env(
                "RECOGNIZER_SERVER__UPLOAD_DIR",
                self.dir.path().join("uploads"),
            )
            .env(
                "RECOGNIZER_SERVER__MAX_UPLOAD_BYTES",
                self.max_upload.to_string(),
            )
            .env("RECOGNIZER_SERVER__INITIAL_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("RECOGNIZER_SERVER__INITIAL_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env(
                "RECOGNIZER_SERVER__WEB_DIR",
                self.dir.path().join("no-web-ui"),
            )
            .env("RECOGNIZER_WORKER__HEARTBEAT_SECS", "1")
            .env("RECOGNIZER_WORKER__LEASE_SECS", "3")
            .env(
                "RECOGNIZER_WORKER__SCRATCH_DIR",
                self.dir.path().join("scratch"),
            );
        if let Ok(models) = std::env::var("RECOGNIZER_MODELS_DIR") {
            cmd.env("RECOGNIZER_MODELS__DIR", models);
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
    }

    /// The platform's database, for what the API does not offer (set a clock back, bypass a check).
    pub async fn database(&self) -> store::Database {
        store::Database::connect(&store::DatabaseConfig {
            url: self.db_url.clone(),
            ..Default::default()
        })
        .await
        .expect("connect to the platform's database")
    }

    pub fn spawn_worker(&self) -> Running {
        let mut cmd = recognizer(&["worker"]);
        self.configure(&mut cmd);
        Running::spawn(cmd)
    }

    pub async fn admin(&self) -> Client {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .unwrap();
        let response = http
            .post(format!("{}/api/auth/login", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "login {email}: {}",
            response.text().await.unwrap()
        );
        let me: Value = response.json().await.unwrap();
        Client {
            http,
            jar,
            base: self.base.clone(),
            csrf: me["csrf_token"].as_str().unwrap().to_string(),
            user_id: me["user"]["id"].as_str().unwrap().parse().unwrap(),
        }
    }

    /// A user with `role` in a new project; returns their client and the project id.
    pub async fn member(
        &self,
        admin: &Client,
        email: &str,
        role: &str,
        project: Option<Uuid>,
    ) -> (Client, Uuid) {
        let password = "member-amber-glacier-64";
        let (s, body) = admin
            .post(
                "/api/users",
                &json!({"email": email, "password": password, "role": role}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let project = match project {
            Some(p) => p,
            None => {
                let (s, p) = admin
                    .post(
                        "/api/projects",
                        &json!({"name": format!("project of {email}")}),
                    )
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{p}");
                p["id"].as_str().unwrap().parse().unwrap()
            }
        };
        let (s, body) = admin
            .post(
                &format!("/api/projects/{project}/members"),
                &json!({"email": email, "role": role}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        (self.login(email, password).await, project)
    }

    /// Peak resident memory of the server process (VmHWM), in bytes.
    pub fn server_peak_rss(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.server.0.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<u64>()
            .unwrap()
            * 1024
    }
}

/// A signed-in browser-like client: session cookie plus the CSRF header.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub base: String,
    pub csrf: String,
    pub user_id: Uuid,
}

impl Client {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
    }

    async fn finish(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = r.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        Self::finish(self.request(Method::GET, path)).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        Self::finish(self.request(Method::POST, path).json(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        Self::finish(self.request(Method::DELETE, path)).await
    }
    pub async fn patch_bytes(
        &self,
        path: &str,
        offset: u64,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        Self::finish(
            self.request(Method::PATCH, path)
                .header("upload-offset", offset.to_string())
                .body(body),
        )
        .await
    }

    /// Registers a skeleton classifier (multipart: name, service, contract, file).
    pub async fn upload_model(
        &self,
        project: Uuid,
        name: &str,
        service: &str,
        contract: &Value,
        file: Vec<u8>,
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("name", name.to_string())
            .text("service", service.to_string())
            .text("contract", contract.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(file).file_name("model.onnx"),
            );
        Self::finish(
            self.request(Method::POST, &format!("/api/projects/{project}/models"))
                .multipart(form),
        )
        .await
    }

    /// Uploads a file in one request; returns the final status and body.
    pub async fn upload(&self, project: Uuid, name: &str, data: Vec<u8>) -> (StatusCode, Value) {
        let (s, up) = self
            .post(
                &format!("/api/projects/{project}/uploads"),
                &json!({"filename": name, "size": data.len()}),
            )
            .await;
        if s != StatusCode::CREATED {
            return (s, up);
        }
        self.patch_bytes(
            &format!("/api/uploads/{}", up["id"].as_str().unwrap()),
            0,
            data,
        )
        .await
    }

    /// Uploads a real clip and returns the video's id.
    pub async fn upload_video(&self, project: Uuid, path: &std::path::Path) -> Uuid {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (s, body) = self
            .upload(project, &name, std::fs::read(path).unwrap())
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body["video"]["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn start_job(&self, project: Uuid, video: Uuid, params: Value) -> Uuid {
        let (s, job) = self.post("/api/jobs", &json!({"project_id": project, "kind": "anonymize", "video_ids": [video], "params": params})).await;
        assert_eq!(s, StatusCode::CREATED, "{job}");
        job["id"].as_str().unwrap().parse().unwrap()
    }

    /// Polls a job until `pred` holds (or panics after `limit`).
    pub async fn wait_job(
        &self,
        job: Uuid,
        limit: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let (_, j) = self.get(&format!("/api/jobs/{job}")).await;
            if pred(&j) {
                return j;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {j}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A websocket to `/api/ws` carrying this client's session cookie.
    pub async fn websocket(
        &self,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>
    {
        self.websocket_at("/api/ws").await
    }

    /// A websocket to `path` carrying this client's session cookie.
    pub async fn websocket_at(
        &self,
        path: &str,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>
    {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("{}{path}", self.base.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        let cookies =
            reqwest::cookie::CookieStore::cookies(&*self.jar, &self.base.parse().unwrap())
                .expect("signed in");
        request.headers_mut().insert("cookie", cookies);
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects");
        ws
    }
}

pub fn data(name: &str) -> PathBuf {
    let dir = std::env::var_os("RECOGNIZER_DATA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/recognizer/data")
        });
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `make test` (it fetches the test footage)",
        path.display()
    );
    path
}

/// A clip of the labelled footage in `../shared/data` (or `RECOGNIZER_SHARED_DATA`): not part of
/// the product; tests that use it say so when it is missing.
pub fn shared(name: &str) -> PathBuf {
    let candidates = [
        std::env::var_os("RECOGNIZER_SHARED_DATA").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")),
        Some(PathBuf::from("/work/shared/data")),
    ];
    for dir in candidates.into_iter().flatten() {
        let path = dir.join(name);
        if path.is_file() {
            return path;
        }
    }
    panic!(
        "{name} is missing: this test needs the labelled footage of ../shared/data \
         (set RECOGNIZER_SHARED_DATA to the folder that holds falls-gmdcsa24 and fights-scf)"
    );
}
