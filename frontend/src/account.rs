//! The signed-in person's own account: change the password (the current one is asked for; every
//! other session and every API token of the account ends), and their API tokens.

use api::ChangePassword;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::http;
use crate::session::use_session;

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let email = move || session.me().map(|m| m.user.email).unwrap_or_default();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<http::Failure>);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let request = ChangePassword {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        spawn_local(async move {
            match http::post_no_content("/api/auth/password", &request).await {
                Ok(()) => {
                    failure.set(None);
                    current.set(String::new());
                    new.set(String::new());
                    done.set(true);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let error_for = move |f: &str| http::field_alert(failure, f);
    view! {
        <section aria-labelledby="account-title">
            <h2 id="account-title">"Your account"</h2>
            <p>{email}</p>
            <form class="inline-form" aria-label="Change password" on:submit=submit>
                <h3>"Change password"</h3>
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" autocomplete="current-password" required bind:value=current/>
                {move || error_for("current_password")}
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" required minlength="10" bind:value=new/>
                <p class="hint">"At least 10 characters and hard to guess: a few unrelated words work well. Other sessions and your API tokens are signed out."</p>
                {move || error_for("password")}
                {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
                {move || done.get().then(|| view! { <p class="ok" role="status">"Password changed. Other sessions and API tokens were signed out."</p> })}
                <button type="submit" class="primary">"Change password"</button>
            </form>
        </section>
        <crate::tokens::Tokens/>
    }
}
