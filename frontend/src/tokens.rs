//! API tokens on the Account page: create one (name, read-only or not, expiry) — its secret is
//! shown once —, see each token's last use and expiry, revoke.

use api::{ApiToken, CreateToken, TokenCreated};
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::{format, http};

#[component]
pub fn Tokens() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let tokens = LocalResource::new(move || {
        changed.get();
        http::get::<Vec<ApiToken>>("/api/auth/tokens")
    });
    let name = RwSignal::new(String::new());
    let access = RwSignal::new("write".to_string());
    let expiry = RwSignal::new("90".to_string());
    let created = RwSignal::new(None::<TokenCreated>);
    let failure = RwSignal::new(None::<http::Failure>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CreateToken {
            name: name.get_untracked().trim().to_string(),
            read_only: access.get_untracked() == "read",
            expires_in_days: expiry.get_untracked().parse().ok(),
        };
        spawn_local(async move {
            match http::post::<TokenCreated>("/api/auth/tokens", &request).await {
                Ok(t) => {
                    failure.set(None);
                    name.set(String::new());
                    created.set(Some(t));
                    changed.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let revoke = move |id: uuid::Uuid| {
        spawn_local(async move {
            match http::call(Method::DELETE, &format!("/api/auth/tokens/{id}")).await {
                Ok(()) => {
                    if created.get_untracked().is_some_and(|c| c.id == id) {
                        created.set(None);
                    }
                    changed.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <section aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p class="hint">"For scripts and other systems: send "<code>"Authorization: Bearer <token>"</code>". A token acts as you, in your projects; a read-only one can only look and download. Changing your password revokes them all."</p>
            <form class="inline-form" aria-label="Create a token" on:submit=submit>
                <label for="token-name">"Name"</label>
                <input id="token-name" type="text" placeholder="e.g. nightly export" required bind:value=name/>
                <label for="token-access">"Access"</label>
                <select id="token-access" on:change=move |ev| access.set(event_target_value(&ev))>
                    <option value="write">"read and write"</option>
                    <option value="read">"read only"</option>
                </select>
                <label for="token-expiry">"Expires"</label>
                <select id="token-expiry" on:change=move |ev| expiry.set(event_target_value(&ev))>
                    <option value="7">"in 7 days"</option>
                    <option value="30">"in 30 days"</option>
                    <option value="90" selected>"in 90 days"</option>
                    <option value="365">"in a year"</option>
                    <option value="never">"never (until revoked)"</option>
                </select>
                <button type="submit" class="primary">"Create token"</button>
                {move || http::field_alert(failure, "name")}
                {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
            </form>
            {move || created.get().map(|t| view! {
                <div class="new-token" role="status">
                    <p><strong>{format!("Token \u{201c}{}\u{201d} created.", t.name)}</strong>" Copy it now: it is shown only once."</p>
                    <code class="secret" data-token-id=t.id.to_string()>{t.token.clone()}</code>
                </div>
            })}
            <Suspense fallback=|| view! { <p>"Loading tokens…"</p> }>
                {move || tokens.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="tokens">
                            <thead><tr><th>"Name"</th><th>"Access"</th><th>"Created"</th><th>"Last used"</th><th>"Expires"</th><th></th></tr></thead>
                            <tbody>{list.into_iter().map(|t| {
                                let id = t.id;
                                view! {
                                    <tr data-token=t.name.clone()>
                                        <td>{t.name.clone()}</td>
                                        <td>{if t.read_only { "read only" } else { "read and write" }}</td>
                                        <td>{format::time(&t.created_at)}</td>
                                        <td>{t.last_used_at.map(|x| format::time(&x)).unwrap_or_else(|| "never".into())}</td>
                                        <td>{t.expires_at.map(|x| format::time(&x)).unwrap_or_else(|| "never".into())}</td>
                                        <td><button class="danger" on:click=move |_| revoke(id)>"Revoke"</button></td>
                                    </tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
