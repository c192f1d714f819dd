//! "Render overlay" on a finished annotate or analyze job: choose a mode and a style, preview
//! one frame drawn by the server, then start a visualize job whose video plays on its own page.

use api::{Job, JobKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use serde_json::json;
use uuid::Uuid;

use crate::http::{self, Failure};
use crate::{format, live::use_live, session::use_session};

const MODES: [(&str, &str); 5] = [
    ("full", "Full: people, paths, statistics, timeline"),
    ("minimal", "Minimal: boxes, ids, timeline"),
    ("skeleton_only", "Skeletons only"),
    ("debug", "Debug: every layer"),
    ("raw", "Raw: the video untouched (faces too)"),
];
const STYLES: [(&str, &str); 4] = [
    ("professional", "Professional"),
    ("scientific", "Scientific"),
    ("presentation", "Presentation"),
    ("debug", "Debug: scores and rule states"),
];

#[component]
pub fn RenderOverlay(job: Job) -> impl IntoView {
    let session = use_session();
    let live = use_live();
    let navigate = use_navigate();
    let mode = RwSignal::new("full".to_string());
    let style = RwSignal::new("professional".to_string());
    let video = RwSignal::new(job.video_ids[0]);
    let secs = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<String>);
    let preview_error = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let (id, project, videos) = (job.id, job.project_id, job.video_ids.clone());
    // a finished anonymize job of the same videos: its mask log blurs the faces (fast); without
    // one the worker finds them while rendering (slow)
    let wanted = job.video_ids.clone();
    let masks = LocalResource::new(move || {
        let wanted = wanted.clone();
        async move {
            let found = http::get::<Vec<Job>>(&format!(
                "/api/jobs?project={project}&kind=anonymize&status=succeeded&limit=50"
            ))
            .await
            .unwrap_or_default();
            found
                .into_iter()
                .find(|j| wanted.iter().all(|v| j.video_ids.contains(v)))
                .map(|j| j.id)
        }
    });
    let masks_job = move || masks.get().flatten();
    let query = move || {
        let at = secs.get();
        let at = at.trim();
        format!(
            "video={}&mode={}&style={}{}",
            video.get(),
            mode.get(),
            style.get(),
            if at.is_empty() {
                String::new()
            } else {
                format!("&secs={at}")
            }
        )
    };
    let show_preview = move |_| {
        preview_error.set(None);
        preview.set(Some(format!("/api/jobs/{id}/overlay-preview?{}", query())));
    };
    // an <img> cannot say why it failed: ask again for the server's words
    let preview_failed = move |_| {
        let Some(url) = preview.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let why = match http::get::<serde_json::Value>(&url).await {
                Err(e) => e.error,
                Ok(_) => "the preview could not be shown".into(),
            };
            preview_error.set(Some(why));
        });
    };
    let render = move |_| {
        busy.set(true);
        failure.set(None);
        let request = json!({
            "project_id": project,
            "kind": JobKind::Visualize.as_str(),
            "video_ids": videos.clone(),
            "params": {"source_job": id, "mode": mode.get_untracked(), "style": style.get_untracked()},
        });
        let mut request = request;
        if let Some(m) = masks.get_untracked().flatten() {
            request["params"]["masks_job"] = json!(m);
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            match http::post::<Job>("/api/jobs", &request).await {
                Ok(job) => {
                    let id = job.id;
                    live.remember(job);
                    navigate(&format!("/jobs/{id}"), Default::default());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let choose = |options: &'static [(&'static str, &'static str)],
                  signal: RwSignal<String>,
                  id: &'static str| {
        view! {
            <select id=id on:change=move |ev| signal.set(event_target_value(&ev))>
                {options.iter().map(|(value, label)| view! {
                    <option value=*value selected=move || signal.get() == *value>{*label}</option>
                }).collect_view()}
            </select>
        }
    };
    if !session.can_write(project) {
        return view! {}.into_any();
    }
    view! {
        <section class="render-overlay" aria-labelledby="overlay-title">
            <h2 id="overlay-title">"Render overlay"</h2>
            <p class="muted">"Draws this job's people, paths and events on its videos (faces blurred unless the mode is raw). Preview a frame, then render the whole video."</p>
            <div class="overlay-choices">
                <label for="overlay-mode">"Mode"</label>{choose(&MODES, mode, "overlay-mode")}
                <label for="overlay-style">"Style"</label>{choose(&STYLES, style, "overlay-style")}
                {(job.video_ids.len() > 1).then(|| view! {
                    <label for="overlay-video">"Video"</label>
                    <select id="overlay-video" on:change=move |ev| {
                        if let Ok(v) = Uuid::parse_str(&event_target_value(&ev)) { video.set(v) }
                    }>
                        {job.video_ids.iter().map(|v| view! {
                            <option value=v.to_string()>{format::short_id(v)}</option>
                        }).collect_view()}
                    </select>
                })}
                <label for="overlay-secs">"At second"</label>
                <input id="overlay-secs" type="number" min="0" step="0.1" placeholder="first event"
                    prop:value=move || secs.get() on:input=move |ev| secs.set(event_target_value(&ev))/>
            </div>
            <p class="muted overlay-faces">{move || match masks_job() {
                Some(m) => format!("Faces: blurred as anonymize job {} blurred them.", format::short_id(&m)),
                None => "Faces: found while rendering (no finished anonymize job of these videos; slower).".to_string(),
            }}</p>
            <div class="actions">
                <button on:click=show_preview>"Preview frame"</button>
                <button class="primary" on:click=render disabled=move || busy.get()>
                    {move || if busy.get() { "Starting…" } else { "Render overlay video" }}
                </button>
            </div>
            {move || failure.get().map(|e| view! { <p class="error" role="alert">{e.error}</p> })}
            {move || preview_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || preview.get().map(|url| view! {
                <img class="picture overlay-preview" src=url alt="Preview of the overlay" on:error=preview_failed/>
            })}
        </section>
    }
    .into_any()
}
