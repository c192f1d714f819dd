//! Resumable uploads: the file goes in chunks (`PATCH /api/uploads/{id}` with `upload-offset`);
//! after a dropped connection the page asks the server how much arrived and carries on from there.

use api::{CreateUpload, Upload, Video};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue, prelude::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, ProgressEvent, XmlHttpRequest};

use crate::http::{self, Failure};

const CHUNK_KEY: &str = "recognizer.upload_chunk_bytes";
const DEFAULT_CHUNK: f64 = 8.0 * 1024.0 * 1024.0;
/// Attempts in a row without progress before giving up.
const MAX_RETRIES: u32 = 8;

#[derive(Debug, Clone, PartialEq)]
pub enum UploadState {
    Sending,
    /// The connection dropped; the text says when it tries again.
    Resuming(String),
    /// All bytes are there; the server checks the file.
    Checking,
    Done(Video),
    Failed(String),
}

#[derive(Clone)]
pub struct UploadItem {
    pub key: u64,
    pub filename: String,
    pub size: f64,
    pub sent: RwSignal<f64>,
    /// Bytes per second since the upload started.
    pub speed: RwSignal<f64>,
    pub state: RwSignal<UploadState>,
}

impl UploadItem {
    pub fn seconds_left(&self) -> Option<f64> {
        let speed = self.speed.get();
        (speed > 0.0).then(|| (self.size - self.sent.get()).max(0.0) / speed)
    }
}

/// Every upload started in this tab (they continue while the user moves between pages).
#[derive(Clone, Copy)]
pub struct Uploads {
    pub items: RwSignal<Vec<UploadItem>>,
    next_key: RwSignal<u64>,
}

pub fn provide() -> Uploads {
    let uploads = Uploads {
        items: RwSignal::new(Vec::new()),
        next_key: RwSignal::new(0),
    };
    provide_context(uploads);
    uploads
}

pub fn use_uploads() -> Uploads {
    expect_context::<Uploads>()
}

impl Uploads {
    pub fn start(self, project: Uuid, file: File) {
        let key = self.next_key.get_untracked();
        self.next_key.set(key + 1);
        let item = UploadItem {
            key,
            filename: file.name(),
            size: file.size(),
            sent: RwSignal::new(0.0),
            speed: RwSignal::new(0.0),
            state: RwSignal::new(UploadState::Sending),
        };
        self.items.update(|items| items.push(item.clone()));
        spawn_local(async move {
            let result = run(project, &file, &item).await;
            item.state.set(match result {
                Ok(video) => UploadState::Done(video),
                Err(e) => UploadState::Failed(e.error),
            });
        });
    }

    pub fn clear_finished(self) {
        self.items.update(|items| {
            items.retain(|i| {
                !matches!(
                    i.state.get_untracked(),
                    UploadState::Done(_) | UploadState::Failed(_)
                )
            })
        });
    }
}

fn chunk_bytes() -> f64 {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(CHUNK_KEY).ok().flatten())
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| *v >= 1024.0)
        .unwrap_or(DEFAULT_CHUNK)
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

async fn run(project: Uuid, file: &File, item: &UploadItem) -> http::Result<Video> {
    let size = file.size();
    let upload: Upload = http::post(
        &format!("/api/projects/{project}/uploads"),
        &CreateUpload {
            filename: file.name(),
            size: size as i64,
        },
    )
    .await?;
    let url = format!("/api/uploads/{}", upload.id);
    let chunk = chunk_bytes();
    let started = now_ms();
    let mut offset = upload.received as f64;
    let mut failures = 0;
    loop {
        let end = (offset + chunk).min(size);
        let blob = file
            .slice_with_f64_and_f64(offset, end)
            .map_err(|e| js_failure("cannot read the file", e))?;
        let base = offset;
        let sent = item.sent;
        let speed = item.speed;
        let state = item.state;
        let on_progress = move |loaded: f64| {
            let now = base + loaded;
            sent.set(now);
            let secs = (now_ms() - started) / 1000.0;
            if secs > 0.0 {
                speed.set(now / secs);
            }
            if now >= size {
                state.set(UploadState::Checking);
            }
        };
        match send_chunk(&url, offset, &blob, on_progress).await {
            Ok(answer) => {
                failures = 0;
                item.state.set(UploadState::Sending);
                if let Some(video) = answer.video {
                    item.sent.set(size);
                    return Ok(video);
                }
                if let Some(error) = answer.error {
                    return Err(Failure {
                        status: 422,
                        error,
                        field: None,
                    });
                }
                offset = answer.received as f64;
                item.sent.set(offset);
            }
            // A refusal (bad file, too large, no permission) will not go away by retrying.
            Err(e) if (400..500).contains(&e.status) && e.status != 409 && e.status != 408 => {
                return Err(e);
            }
            Err(e) => {
                failures += 1;
                if failures > MAX_RETRIES {
                    return Err(Failure {
                        error: format!("gave up after {MAX_RETRIES} attempts: {}", e.error),
                        ..e
                    });
                }
                let wait = (500 * 2u32.pow(failures.min(5))).min(10_000);
                item.state.set(UploadState::Resuming(format!(
                    "connection lost; resuming in {} s (attempt {failures} of {MAX_RETRIES})",
                    wait.div_ceil(1000)
                )));
                gloo_timers::future::TimeoutFuture::new(wait).await;
                // Ask the server what arrived: a chunk may have landed even though its answer
                // did not, and sending it again would be refused.
                if let Ok(now) = http::get::<Upload>(&url).await {
                    if let Some(video) = now.video {
                        return Ok(video);
                    }
                    offset = now.received as f64;
                    item.sent.set(offset);
                }
            }
        }
    }
}

fn js_failure(what: &str, e: JsValue) -> Failure {
    Failure {
        status: 0,
        error: format!("{what}: {e:?}"),
        field: None,
    }
}

/// One PATCH through XMLHttpRequest, which (unlike fetch) reports upload progress.
async fn send_chunk(
    url: &str,
    offset: f64,
    blob: &web_sys::Blob,
    on_progress: impl Fn(f64) + 'static,
) -> http::Result<Upload> {
    let fail = |e| js_failure("cannot send", e);
    let xhr = XmlHttpRequest::new().map_err(fail)?;
    xhr.open_with_async("PATCH", url, true).map_err(fail)?;
    xhr.set_request_header(
        api::videos::UPLOAD_OFFSET_HEADER,
        &format!("{}", offset as u64),
    )
    .map_err(fail)?;
    xhr.set_request_header(api::CSRF_HEADER, &crate::session::csrf_token())
        .map_err(fail)?;
    xhr.set_request_header("content-type", "application/offset+octet-stream")
        .map_err(fail)?;
    let progress =
        Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| on_progress(e.loaded()));
    xhr.upload()
        .map_err(fail)?
        .set_onprogress(Some(progress.as_ref().unchecked_ref()));
    let finished = js_sys::Promise::new(&mut |resolve, _reject| {
        // loadend follows load, error, abort and timeout alike
        xhr.set_onloadend(Some(&resolve));
    });
    xhr.send_with_opt_blob(Some(blob)).map_err(fail)?;
    let _ = JsFuture::from(finished).await;
    drop(progress);
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if status == 0 {
        return Err(Failure {
            status: 0,
            error: "the connection dropped".into(),
            field: None,
        });
    }
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|e| Failure {
            status,
            error: format!("unexpected answer from the server: {e}"),
            field: None,
        });
    }
    let error = serde_json::from_str::<api::ApiError>(&text)
        .map(|e| e.error)
        .unwrap_or_else(|_| format!("the server answered {status}"));
    Err(Failure {
        status,
        error,
        field: None,
    })
}
