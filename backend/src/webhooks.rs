//! Webhooks: per project, a URL subscribed to job and event notifications. Each delivery is a
//! signed JSON POST (`x-recognizer-signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
//! so a receiver can refuse forgeries and replays), retried with backoff, logged. A URL that
//! resolves to a private, loopback or link-local address is refused — at creation and again at
//! each delivery (DNS may change) — unless an administrator allowed it for that hook.

use std::net::IpAddr;
use std::time::Duration;

use api::{CreateWebhook, WEBHOOK_EVENTS, Webhook, WebhookCreated, WebhookDelivery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{Error, JsonBody, Result};

/// Seconds before the 2nd, 3rd… attempt; after the last one the delivery has failed.
const BACKOFF_SECS: [f64; 5] = [2.0, 30.0, 300.0, 1800.0, 7200.0];

/// The signature header of a delivery of `body` at `unix_time`.
pub fn signature(secret: &str, unix_time: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{unix_time}.").as_bytes());
    mac.update(body);
    format!(
        "t={unix_time},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Addresses a webhook may not reach unless an administrator allowed it.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // CGNAT
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Checks the URL's form and, unless private addresses are allowed, where it resolves.
async fn check_target(url: &str, allow_private: bool) -> std::result::Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url:?}: use an http:// or https:// URL"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("{url:?} has no host"))?
        .trim_matches(['[', ']'])
        .to_string();
    if allow_private {
        return Ok(());
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("{host} cannot be resolved ({e})"))?
        .map(|a| a.ip())
        .collect();
    match addresses.iter().find(|ip| is_private(**ip)) {
        Some(ip) => Err(format!(
            "{host} resolves to {ip}, a private or loopback address: webhooks go to public \
             addresses unless an administrator allows this one"
        )),
        None if addresses.is_empty() => Err(format!("{host} cannot be resolved")),
        None => Ok(()),
    }
}

async fn project_hook(state: &AppState, caller: &Caller, id: Uuid) -> Result<Webhook> {
    let hook = state
        .db
        .webhook(id)
        .await?
        .ok_or_else(|| Error::not_found("webhook"))?;
    caller
        .role_in(state, hook.project_id)
        .await
        .map_err(|_| Error::not_found("webhook"))?;
    caller.require_writer(state, hook.project_id).await?;
    Ok(hook)
}

#[utoipa::path(post, path = "/api/projects/{id}/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = WebhookCreated), (status = 422, body = api::ApiError), (status = 403, body = api::ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
    JsonBody(req): JsonBody<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookCreated>)> {
    caller.require_writer(&state, project).await?;
    if req.allow_private && !caller.is_admin() {
        return Err(Error::forbidden(
            "only an administrator may let a webhook reach private addresses",
        ));
    }
    if req.url.len() > 2000 {
        return Err(Error::field(
            "url",
            "the URL is longer than 2,000 characters",
        ));
    }
    let mut events = req.events.clone();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(Error::field(
            "events",
            format!("choose what to send: {}", WEBHOOK_EVENTS.join(", ")),
        ));
    }
    if let Some(bad) = events
        .iter()
        .find(|e| !WEBHOOK_EVENTS.contains(&e.as_str()))
    {
        return Err(Error::field(
            "events",
            format!("unknown event {bad:?}: use {}", WEBHOOK_EVENTS.join(", ")),
        ));
    }
    check_target(&req.url, req.allow_private)
        .await
        .map_err(|why| Error::field("url", why))?;
    let mut raw = [0u8; 24];
    rand::rng().fill_bytes(&mut raw);
    let secret = format!("whsec_{}", hex::encode(raw));
    let webhook = state
        .db
        .create_webhook(
            project,
            &req.url,
            &events,
            req.allow_private,
            &secret,
            caller.user.id,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated { webhook, secret }),
    ))
}

#[utoipa::path(get, path = "/api/projects/{id}/webhooks", tag = "webhooks", responses((status = 200, body = Vec<Webhook>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<Uuid>,
) -> Result<Json<Vec<Webhook>>> {
    caller
        .role_in(&state, project)
        .await
        .map_err(|_| Error::not_found("project"))?;
    Ok(Json(state.db.webhooks(project).await?))
}

#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "webhooks", responses((status = 204), (status = 404, body = api::ApiError)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    project_hook(&state, &caller, id).await?;
    state.db.delete_webhook(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/webhooks/{id}/test", tag = "webhooks", responses((status = 202, body = WebhookDelivery)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<WebhookDelivery>)> {
    project_hook(&state, &caller, id).await?;
    Ok((StatusCode::ACCEPTED, Json(state.db.queue_ping(id).await?)))
}

#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "webhooks", responses((status = 200, body = Vec<WebhookDelivery>)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<WebhookDelivery>>> {
    let hook = state
        .db
        .webhook(id)
        .await?
        .ok_or_else(|| Error::not_found("webhook"))?;
    caller
        .role_in(&state, hook.project_id)
        .await
        .map_err(|_| Error::not_found("webhook"))?;
    Ok(Json(state.db.deliveries(id, 50).await?))
}

/// Sends due deliveries for as long as the server runs.
pub async fn deliver(state: AppState) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    loop {
        match state.db.claim_deliveries(10, 60.0).await {
            Ok(due) if !due.is_empty() => {
                for d in due {
                    send(&state, &client, d).await;
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read webhook deliveries"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The body of a delivery: what it is about, as the API shows it now.
async fn body(state: &AppState, d: &store::DueDelivery) -> std::result::Result<Vec<u8>, String> {
    let data = match (d.event.as_str(), d.subject_id) {
        ("ping", _) => serde_json::json!({"message": "a test delivery from Recognizer"}),
        (e, Some(id)) if e.starts_with("job.") => {
            serde_json::to_value(state.db.job(id).await.map_err(|e| e.to_string())?)
                .unwrap_or_default()
        }
        (e, Some(id)) if e.starts_with("event.") => serde_json::to_value(
            state
                .db
                .event(id)
                .await
                .map_err(|e| e.to_string())?
                .map(|(e, _)| e),
        )
        .unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    serde_json::to_vec(&serde_json::json!({
        "id": d.id,
        "type": d.event,
        "created_at": chrono::Utc::now(),
        "data": data,
    }))
    .map_err(|e| e.to_string())
}

async fn send(state: &AppState, client: &reqwest::Client, d: store::DueDelivery) {
    let retry = BACKOFF_SECS.get(d.attempts.max(1) as usize - 1).copied();
    let outcome: std::result::Result<u16, String> = async {
        check_target(&d.url, d.allow_private).await?;
        let body = body(state, &d).await?;
        let now = chrono::Utc::now().timestamp();
        let response = client
            .post(&d.url)
            .header("content-type", "application/json")
            .header("user-agent", "Recognizer-Webhooks/1")
            .header("x-recognizer-event", &d.event)
            .header("x-recognizer-delivery", d.id.to_string())
            .header("x-recognizer-signature", signature(&d.secret, now, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{e}"))?;
        Ok(response.status().as_u16())
    }
    .await;
    let recorded = match outcome {
        Ok(code) if (200..300).contains(&code) => {
            state
                .db
                .record_delivery(d.id, true, Some(code as i32), None, None)
                .await
        }
        Ok(code) => {
            let why = format!("the receiver answered {code}");
            state
                .db
                .record_delivery(d.id, false, Some(code as i32), Some(&why), retry)
                .await
        }
        Err(why) => {
            state
                .db
                .record_delivery(d.id, false, None, Some(&why), retry)
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::warn!(delivery = %d.id, error = %e, "cannot record a webhook delivery");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_time_and_body() {
        // RFC 4231 test case 2 ("Jefe"), with the message split as "<t>." + body
        let s = signature("Jefe", 0, b"what do ya want for nothing?");
        assert!(s.starts_with("t=0,v1="));
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"0.what do ya want for nothing?");
        assert_eq!(
            s,
            format!("t=0,v1={}", hex::encode(mac.finalize().into_bytes()))
        );
        assert_ne!(
            signature("Jefe", 1, b"x"),
            signature("Jefe", 2, b"x"),
            "the time is signed"
        );
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "172.16.5.5",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn targets_are_checked() {
        assert!(
            check_target("ftp://example.org/x", false)
                .await
                .unwrap_err()
                .contains("http")
        );
        assert!(
            check_target("http://127.0.0.1:9/hook", false)
                .await
                .unwrap_err()
                .contains("private")
        );
        assert!(
            check_target("http://localhost:9/hook", false)
                .await
                .unwrap_err()
                .contains("private")
        );
        assert!(check_target("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check_target("not a url", false).await.is_err());
    }
}
