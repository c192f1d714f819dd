//! The sign-in form.

use api::{LoginRequest, Me};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::{http, session::use_session};

#[component]
pub fn Login() -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let request = LoginRequest {
            email: email.get_untracked().trim().to_string(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match http::post::<Me>("/api/auth/login", &request).await {
                Ok(me) => session.signed_in(me),
                Err(e) => error.set(Some(e.error)),
            }
            busy.set(false);
        });
    };
    view! {
        <main class="login">
            <form class="card" on:submit=submit>
                <h1>"Recognizer"</h1>
                <p class="muted">"Sign in to continue."</p>
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" autocomplete="username" required
                    bind:value=email/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password" required
                    bind:value=password/>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
