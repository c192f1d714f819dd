//! Calls to the backend's JSON API. Every non-GET request carries the session's CSRF token; an
//! error answer becomes a [`Failure`] whose `field` says which form field it is about.

use api::ApiError;
use gloo_net::http::{Method, RequestBuilder};
use serde::{Serialize, de::DeserializeOwned};

use crate::session;

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub status: u16,
    pub error: String,
    pub field: Option<String>,
}

impl Failure {
    fn network(e: impl std::fmt::Display) -> Self {
        Failure {
            status: 0,
            error: format!("cannot reach the server ({e}); check your connection and try again"),
            field: None,
        }
    }
    /// The message for a form field named `name` (API fields look like `params.mode`).
    pub fn for_field(&self, name: &str) -> Option<String> {
        let field = self.field.as_deref()?;
        (field == name
            || field.starts_with(&format!("{name}."))
            || field.starts_with(&format!("{name}[")))
        .then(|| self.error.clone())
    }
}

/// The message for form field `name` of the latest failure, as the alert shown under the field.
pub fn field_alert(
    failure: leptos::prelude::RwSignal<Option<Failure>>,
    name: &str,
) -> Option<impl leptos::IntoView + use<>> {
    use leptos::prelude::*;
    failure
        .get()
        .and_then(|e| e.for_field(name))
        .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)
    }
}

pub type Result<T> = std::result::Result<T, Failure>;

async fn answer<T: DeserializeOwned>(response: gloo_net::http::Response) -> Result<T> {
    let status = response.status();
    if (200..300).contains(&status) {
        return response.json::<T>().await.map_err(|e| Failure {
            status,
            error: format!("unexpected answer from the server: {e}"),
            field: None,
        });
    }
    if status == 401 {
        session::signed_out();
    }
    let text = response.text().await.unwrap_or_default();
    let (error, field) = match serde_json::from_str::<ApiError>(&text) {
        Ok(e) => (e.error, e.field),
        Err(_) => (
            format!("the server answered {status} {}", response.status_text()),
            None,
        ),
    };
    Err(Failure {
        status,
        error,
        field,
    })
}

pub async fn get<T: DeserializeOwned>(url: impl Into<String>) -> Result<T> {
    let url: String = url.into();
    let response = RequestBuilder::new(&url)
        .send()
        .await
        .map_err(Failure::network)?;
    answer(response).await
}

/// One page of a list and how many rows match in all (the `x-total-count` header).
pub async fn get_page<T: DeserializeOwned>(url: impl Into<String>) -> Result<(Vec<T>, i64)> {
    let url: String = url.into();
    let response = RequestBuilder::new(&url)
        .send()
        .await
        .map_err(Failure::network)?;
    let total = response
        .headers()
        .get("x-total-count")
        .and_then(|v| v.parse().ok());
    let rows: Vec<T> = answer(response).await?;
    let total = total.unwrap_or(rows.len() as i64);
    Ok((rows, total))
}

pub async fn send<T: DeserializeOwned>(
    method: Method,
    url: &str,
    body: &impl Serialize,
) -> Result<T> {
    let request = RequestBuilder::new(url)
        .method(method)
        .header(api::CSRF_HEADER, &session::csrf_token())
        .json(body)
        .map_err(Failure::network)?;
    let response = request.send().await.map_err(Failure::network)?;
    answer(response).await
}

pub async fn post<T: DeserializeOwned>(url: &str, body: &impl Serialize) -> Result<T> {
    send(Method::POST, url, body).await
}

pub async fn patch<T: DeserializeOwned>(url: &str, body: &impl Serialize) -> Result<T> {
    send(Method::PATCH, url, body).await
}

/// A multipart form (a file and its fields), answered with JSON.
pub async fn post_form<T: DeserializeOwned>(url: &str, form: web_sys::FormData) -> Result<T> {
    let request = RequestBuilder::new(url)
        .method(Method::POST)
        .header(api::CSRF_HEADER, &session::csrf_token())
        .body(form)
        .map_err(Failure::network)?;
    answer(request.send().await.map_err(Failure::network)?).await
}

/// A JSON request whose answer has no body (204): a password change.
pub async fn post_no_content(url: &str, body: &impl Serialize) -> Result<()> {
    send_no_content(Method::POST, url, body).await
}

/// A JSON request of any method whose answer has no body (204): a setting saved.
pub async fn send_no_content(method: Method, url: &str, body: &impl Serialize) -> Result<()> {
    let request = RequestBuilder::new(url)
        .method(method)
        .header(api::CSRF_HEADER, &session::csrf_token())
        .json(body)
        .map_err(Failure::network)?;
    no_content(request.send().await.map_err(Failure::network)?).await
}

/// A request whose answer has no body (204): DELETE, logout.
pub async fn call(method: Method, url: &str) -> Result<()> {
    let request = RequestBuilder::new(url)
        .method(method)
        .header(api::CSRF_HEADER, &session::csrf_token());
    no_content(request.send().await.map_err(Failure::network)?).await
}

async fn no_content(response: gloo_net::http::Response) -> Result<()> {
    if response.ok() {
        return Ok(());
    }
    answer::<serde_json::Value>(response).await.map(|_| ())
}

/// A text body (JSON / CSV viewers).
pub async fn text(url: &str) -> Result<String> {
    let response = RequestBuilder::new(url)
        .send()
        .await
        .map_err(Failure::network)?;
    if !response.ok() {
        return answer::<serde_json::Value>(response)
            .await
            .map(|_| String::new());
    }
    response.text().await.map_err(Failure::network)
}

/// The videos of `project` (none when no project is chosen).
pub async fn project_videos(project: Option<uuid::Uuid>) -> Result<Vec<api::Video>> {
    match project {
        Some(p) => get(format!("/api/videos?project={p}")).await,
        None => Ok(Vec::new()),
    }
}
