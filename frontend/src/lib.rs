//! The Recognizer web UI: a Leptos client-side app compiled to WASM and served by the backend.
//! For now it shows the platform's live status from `GET /api/health`.

mod status;

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <h1>"Recognizer"</h1>
        </header>
        <main>
            <status::StatusPage/>
        </main>
    }
}
