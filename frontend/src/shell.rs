//! The frame around every page once signed in: navigation, project switcher, account.

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{http, live::use_live, session::use_session};

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = use_session();
    let live = use_live();
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = http::call(Method::POST, "/api/auth/logout").await;
            live.stop();
            session.me.set(Some(None));
        });
    };
    let email = move || session.me().map(|m| m.user.email).unwrap_or_default();
    let role = move || {
        session
            .project
            .get()
            .and_then(|p| session.role_in(p))
            .map(|r| r.as_str())
            .unwrap_or("")
    };
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">"Recognizer"</A>
            <nav aria-label="Main">
                <A href="/">"Library"</A>
                <A href="/jobs">"Jobs"</A>
                <A href="/models">"Models"</A>
                <A href="/streams">"Streams"</A>
                <A href="/webhooks">"Webhooks"</A>
                <Show when=move || session.is_admin()>
                    <A href="/admin">"Admin"</A>
                    // the health details are for administrators (GET /api/health)
                    <A href="/status">"Status"</A>
                </Show>
            </nav>
            <ProjectSwitcher/>
            <div class="account">
                <span class="who" title=role>{email}{move || (!role().is_empty()).then(|| format!(" · {}", role()))}</span>
                <A href="/account">"Account"</A>
                <span class=move || if live.connected.get() { "dot on" } else { "dot off" }
                    title=move || if live.connected.get() { "live updates on" } else { "live updates reconnecting" }></span>
                <button on:click=sign_out>"Sign out"</button>
            </div>
        </header>
        <main>{children()}</main>
    }
}

#[component]
fn ProjectSwitcher() -> impl IntoView {
    let session = use_session();
    let on_change = move |ev| {
        if let Ok(id) = Uuid::parse_str(&event_target_value(&ev)) {
            session.choose_project(id);
        }
    };
    view! {
        <Show when=move || !session.projects().is_empty()>
            <label class="project">
                <span>"Project"</span>
                <select aria-label="Project" on:change=on_change
                    prop:value=move || session.project.get().map(|p| p.to_string()).unwrap_or_default()>
                    {move || session.projects().into_iter().map(|p| {
                        let id = p.id.to_string();
                        let selected = session.project.get() == Some(p.id);
                        view! { <option value=id selected=selected>{p.name}</option> }
                    }).collect_view()}
                </select>
            </label>
        </Show>
    }
}
