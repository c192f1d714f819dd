//! The system status page: one card per component of `GET /api/health`, and the model cache.

use api::{Check, Health};
use leptos::prelude::*;

async fn fetch_health() -> Result<Health, String> {
    let response = gloo_net::http::Request::get("/api/health")
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    // 503 still carries the report: it says what is unhealthy.
    response
        .json::<Health>()
        .await
        .map_err(|e| format!("unexpected answer from /api/health: {e}"))
}

#[component]
pub fn StatusPage() -> impl IntoView {
    let health = LocalResource::new(fetch_health);
    view! {
        <section aria-labelledby="status-title">
            <h2 id="status-title">"System status"</h2>
            <button on:click=move |_| health.refetch()>"Refresh"</button>
            <Suspense fallback=|| view! { <p>"Checking…"</p> }>
                {move || health.get().map(|result| match result {
                    Ok(h) => view! { <HealthView health=h/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn HealthView(health: Health) -> impl IntoView {
    let (class, text) = if health.healthy {
        (
            "summary ok",
            format!("All systems healthy — Recognizer {}", health.version),
        )
    } else {
        (
            "summary bad",
            "Something needs attention: see the red cards below".to_string(),
        )
    };
    let cards = [
        ("Database", health.database),
        ("Object storage", health.storage),
        ("ONNX Runtime", health.onnx_runtime),
        ("Models", health.models),
        ("Workers", health.workers),
    ];
    view! {
        <div class=class data-testid="health-summary">{text}</div>
        <div class="checks">
            {cards.into_iter().map(|(title, check)| view! { <CheckCard title check/> }).collect_view()}
        </div>
        <table>
            <caption class="sr-only">"Model cache"</caption>
            <thead><tr><th>"Model"</th><th>"Required"</th><th>"Cached"</th></tr></thead>
            <tbody>
                {health.model_files.into_iter().map(|m| {
                    let size = m.bytes.map(|b| format!("{:.1} MB", b as f64 / 1e6)).unwrap_or_else(|| "missing".into());
                    view! { <tr><td>{m.name}</td><td>{if m.required { "yes" } else { "no" }}</td><td>{size}</td></tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn CheckCard(title: &'static str, check: Check) -> impl IntoView {
    let (badge_class, badge) = if check.ok {
        ("badge ok", "ok")
    } else {
        ("badge bad", "failing")
    };
    view! {
        <article class="check">
            <h3>{title}<span class=badge_class>{badge}</span></h3>
            <p>{check.detail}</p>
        </article>
    }
}
