//! The Recognizer web UI: a Leptos client-side app compiled to WASM and served by the backend.
//! Pages talk to the JSON API (`http`), live job progress arrives over the websocket (`live`),
//! uploads run in the background of the tab (`upload`).

mod account;
mod admin;
mod events;
mod footfall;
mod format;
mod http;
mod job_form;
mod job_page;
mod jobs;
mod library;
mod live;
mod login;
mod models_page;
mod overlay;
mod params_form;
mod report;
mod session;
mod shell;
mod status;
mod streams_page;
mod tokens;
mod upload;
mod video_page;
mod viewer;
mod webhooks_page;
mod zones;

use api::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let session = session::provide();
    let live = live::provide();
    upload::provide();
    spawn_local(async move {
        match http::get::<Me>("/api/auth/me").await {
            Ok(me) => session.signed_in(me),
            Err(_) => session.me.set(Some(None)),
        }
    });
    // Live updates while signed in.
    Effect::new(move |_| match session.me.get() {
        Some(Some(_)) => live.start(),
        Some(None) => live.stop(),
        None => {}
    });
    view! {
        <Router>
            {move || match session.me.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(None) => view! { <login::Login/> }.into_any(),
                Some(Some(_)) => view! { <Pages/> }.into_any(),
            }}
        </Router>
    }
}

#[component]
fn Pages() -> impl IntoView {
    view! {
        <shell::Shell>
            <Routes fallback=|| view! {
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address. "<A href="/">"Go to the library"</A></p>
            }>
                <Route path=path!("/") view=library::Library/>
                <Route path=path!("/videos/:id") view=video_page::VideoPage/>
                <Route path=path!("/new-job") view=job_form::NewJob/>
                <Route path=path!("/jobs") view=jobs::JobsPage/>
                <Route path=path!("/jobs/:id") view=job_page::JobPage/>
                <Route path=path!("/models") view=models_page::ModelsPage/>
                <Route path=path!("/webhooks") view=webhooks_page::WebhooksPage/>
                <Route path=path!("/streams") view=streams_page::StreamsPage/>
                <Route path=path!("/streams/:id") view=streams_page::StreamPage/>
                <Route path=path!("/admin") view=admin::AdminPage/>
                <Route path=path!("/status") view=status::StatusPage/>
                <Route path=path!("/account") view=account::AccountPage/>
            </Routes>
        </shell::Shell>
    }
}
