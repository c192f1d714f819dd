//! The project's webhooks: add one (URL, what to send; administrators may allow a private
//! address), its signing secret shown once, "send test", and each hook's delivery log.

use api::{CreateWebhook, WEBHOOK_EVENTS, Webhook, WebhookCreated, WebhookDelivery};
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::http::{self, Failure, field_alert};
use crate::{format, session::use_session};

/// What each event means, for the form.
fn describe(event: &str) -> &'static str {
    match event {
        "job.succeeded" => "a job finished",
        "job.failed" => "a job failed",
        "event.opened" => "a live event began (streams)",
        "event.closed" => "an analysis found an event",
        _ => "",
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let session = use_session();
    let changed = RwSignal::new(0u32);
    let hooks = LocalResource::new(move || {
        changed.get();
        let project = session.project.get();
        async move {
            match project {
                Some(p) => http::get::<Vec<Webhook>>(format!("/api/projects/{p}/webhooks")).await,
                None => Ok(Vec::new()),
            }
        }
    });
    view! {
        <h1>"Webhooks"</h1>
        <p class="hint">"Tell another system when a job ends or an event is found: each delivery is a signed JSON POST ("
            <code>"x-recognizer-signature: t=<time>,v1=<HMAC-SHA256 of \"<time>.<body>\">"</code>
            "), retried for a few hours when the receiver fails."</p>
        {move || match session.project.get() {
            None => view! { <p class="notice">"Choose a project first."</p> }.into_any(),
            Some(project) => {
                let may_write = session.can_write(project);
                view! {
                    {may_write.then(|| view! { <AddWebhook project changed/> })}
                    <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                        {move || hooks.get().map(|r| match r {
                            Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No webhooks in this project."</p> }.into_any(),
                            Ok(list) => list.into_iter().map(|h| view! { <HookCard hook=h may_write changed/> }).collect_view().into_any(),
                        })}
                    </Suspense>
                }.into_any()
            }
        }}
    }
}

#[component]
fn AddWebhook(project: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let session = use_session();
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![
        "job.succeeded".to_string(),
        "job.failed".to_string(),
        "event.closed".to_string(),
    ]);
    let allow_private = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let created = RwSignal::new(None::<WebhookCreated>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CreateWebhook {
            url: url.get_untracked().trim().to_string(),
            events: chosen.get_untracked(),
            allow_private: allow_private.get_untracked(),
        };
        spawn_local(async move {
            match http::post::<WebhookCreated>(
                &format!("/api/projects/{project}/webhooks"),
                &request,
            )
            .await
            {
                Ok(c) => {
                    failure.set(None);
                    url.set(String::new());
                    created.set(Some(c));
                    changed.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card job-form" aria-label="Add a webhook" on:submit=submit novalidate>
            <h2>"Add a webhook"</h2>
            <div class="field">
                <label for="hook-url">"URL"</label>
                <input id="hook-url" type="url" placeholder="https://example.org/recognizer" bind:value=url/>
                {move || field_alert(failure, "url")}
            </div>
            <fieldset>
                <legend>"Send"</legend>
                <ul class="checklist">
                    {WEBHOOK_EVENTS.iter().map(|e| {
                        let e = e.to_string();
                        let id = format!("hook-{}", e.replace('.', "-"));
                        let name = e.clone();
                        view! {
                            <li>
                                <input type="checkbox" id=id.clone() prop:checked={let e = e.clone(); move || chosen.get().contains(&e)}
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|x| *x != name); if on { c.push(name.clone()) } });
                                    }/>
                                <label for=id>{e.clone()}<span class="muted">{format!(" — {}", describe(&e))}</span></label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || field_alert(failure, "events")}
            </fieldset>
            {session.is_admin().then(|| view! {
                <div class="field">
                    <label for="hook-private">"Allow a private address"</label>
                    <input id="hook-private" type="checkbox" on:change=move |ev| allow_private.set(event_target_checked(&ev))/>
                </div>
            })}
            {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
            <button type="submit" class="primary">"Add webhook"</button>
            {move || created.get().map(|c| view! {
                <div class="new-token" role="status">
                    <p><strong>"Webhook added."</strong>" Its signing secret, shown only now:"</p>
                    <code class="secret" data-webhook=c.webhook.id.to_string()>{c.secret.clone()}</code>
                </div>
            })}
        </form>
    }
}

#[component]
fn HookCard(hook: Webhook, may_write: bool, changed: RwSignal<u32>) -> impl IntoView {
    let id = hook.id;
    let refresh = RwSignal::new(0u32);
    let log = LocalResource::new(move || {
        refresh.get();
        http::get::<Vec<WebhookDelivery>>(format!("/api/webhooks/{id}/deliveries"))
    });
    let error = RwSignal::new(None::<String>);
    // while a delivery is pending, look again every second
    Effect::new(move |_| {
        let pending = log
            .get()
            .and_then(|r| r.ok())
            .is_some_and(|l| l.iter().any(|d| d.status == "pending"));
        if pending {
            gloo_timers::callback::Timeout::new(1_000, move || refresh.update(|n| *n += 1))
                .forget();
        }
    });
    let send_test = move |_| {
        spawn_local(async move {
            match http::post::<WebhookDelivery>(
                &format!("/api/webhooks/{id}/test"),
                &serde_json::json!({}),
            )
            .await
            {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e.error)),
            }
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            match http::call(Method::DELETE, &format!("/api/webhooks/{id}")).await {
                Ok(()) => changed.update(|n| *n += 1),
                Err(e) => error.set(Some(e.error)),
            }
        });
    };
    view! {
        <article class="artifact webhook" data-webhook=hook.url.clone()>
            <h3>{hook.url.clone()}<span class="muted">{format!(" · {}", hook.events.join(", "))}
                {hook.allow_private.then_some(" · private address allowed")}</span></h3>
            {may_write.then(|| view! {
                <div class="actions">
                    <button on:click=send_test>"Send test"</button>
                    <button class="danger" on:click=remove>"Delete"</button>
                </div>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || log.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing sent yet."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="deliveries" aria-label="Deliveries">
                        <thead><tr><th>"When"</th><th>"Event"</th><th>"Status"</th><th>"Attempts"</th><th>"Answer"</th></tr></thead>
                        <tbody>{list.into_iter().map(|d| view! {
                            <tr data-status=d.status.clone()>
                                <td>{format::time(&d.created_at)}</td>
                                <td>{d.event.clone()}</td>
                                <td><span class=format!("badge {}", match d.status.as_str() { "delivered" => "ok", "failed" => "bad", _ => "" })>{d.status.clone()}</span></td>
                                <td>{d.attempts}</td>
                                <td>{d.response_status.map(|s| s.to_string()).unwrap_or_default()}" "{d.error.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            })}
        </article>
    }
}
