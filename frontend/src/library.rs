//! The project's videos, and the place to upload more.

use api::Video;
use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::upload::{UploadItem, UploadState, use_uploads};
use crate::{format, http, live::use_live, session::use_session};

#[component]
pub fn Library() -> impl IntoView {
    let session = use_session();
    let live = use_live();
    // one page at a time, filtered and sorted by the server
    let name = RwSignal::new(String::new());
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let sort = RwSignal::new("uploaded".to_string());
    let page = RwSignal::new(0i64);
    let videos = LocalResource::new(move || {
        let project = session.project.get();
        live.videos_changed.track();
        let query = format!(
            "/api/videos?project={}&name={}&uploaded_from={}&uploaded_to={}&sort={}&limit={PAGE}&offset={}",
            project.map(|p| p.to_string()).unwrap_or_default(),
            encode(&name.get()),
            encode(&from.get()),
            encode(&to.get()),
            sort.get(),
            page.get() * PAGE
        );
        async move {
            match project {
                Some(_) => http::get_page::<Video>(query).await,
                None => Ok((Vec::new(), 0)),
            }
        }
    });
    let filter = move |signal: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            signal.set(event_target_value(&ev));
            page.set(0);
        }
    };
    let can_upload = move || session.project.get().is_some_and(|p| session.can_write(p));
    view! {
        <h1>"Library"
            {move || session.current_project().map(|p| view! { <span class="muted">" — "{p.name}</span> })}
        </h1>
        <Show when=move || session.project.get().is_some()
            fallback=move || view! {
                <p class="notice">{if session.is_admin() {
                    "There are no projects yet. Create one under Admin → Projects."
                } else {
                    "You are not a member of any project yet. Ask an administrator to add you."
                }}</p>
            }>
            <Show when=can_upload>
                <UploadArea/>
            </Show>
            <section aria-labelledby="videos-title">
                <h2 id="videos-title">"Videos"</h2>
                <div class="filters" role="search" aria-label="Find videos">
                    <label>"Name"<input type="search" placeholder="part of the file name"
                        prop:value=move || name.get() on:input=filter(name)/></label>
                    <label>"Uploaded from"<input type="date" prop:value=move || from.get() on:change=filter(from)/></label>
                    <label>"to"<input type="date" prop:value=move || to.get() on:change=filter(to)/></label>
                    <label>"Sort by"<select on:change=filter(sort)>
                        <option value="uploaded">"newest first"</option>
                        <option value="name">"name"</option>
                        <option value="size">"size"</option>
                        <option value="duration">"duration"</option>
                    </select></label>
                </div>
                <Suspense fallback=|| view! { <p>"Loading videos…"</p> }>
                    {move || videos.get().map(|r| match r {
                        Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                        Ok((list, 0)) if list.is_empty() => {
                            let filtered = !name.get_untracked().trim().is_empty()
                                || !from.get_untracked().is_empty()
                                || !to.get_untracked().is_empty();
                            view! {
                                <p class="muted">{if filtered { "No videos match." } else { "No videos in this project yet." }}</p>
                            }.into_any()
                        }
                        Ok((list, total)) => {
                            let first = page.get_untracked() * PAGE;
                            let shown = list.len() as i64;
                            view! {
                                <ul class="video-grid">
                                    {list.into_iter().map(|v| view! { <VideoCard video=v/> }).collect_view()}
                                </ul>
                                <nav class="pager" aria-label="Pages of videos">
                                    <button disabled={first == 0} on:click=move |_| page.update(|p| *p = (*p - 1).max(0))>"Previous"</button>
                                    <span role="status">{format!("{}–{} of {total}", first + 1, first + shown)}</span>
                                    <button disabled={first + shown >= total} on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                                </nav>
                            }.into_any()
                        }
                    })}
                </Suspense>
            </section>
        </Show>
    }
}

/// Videos per page of the library.
const PAGE: i64 = 48;

/// A query-string value.
fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

#[component]
fn VideoCard(video: Video) -> impl IntoView {
    let href = format!("/videos/{}", video.id);
    let poster = video
        .has_poster
        .then(|| format!("/api/videos/{}/poster", video.id));
    let duration = video
        .duration_secs
        .map(format::duration)
        .unwrap_or_else(|| "?".into());
    let size = match (video.width, video.height) {
        (Some(w), Some(h)) => format!("{w}×{h}"),
        _ => "unknown size".into(),
    };
    view! {
        <li class="video-card">
            <A href=href>
                {match poster {
                    Some(src) => view! { <img src=src alt="" loading="lazy"/> }.into_any(),
                    None => view! { <div class="no-poster">"no preview"</div> }.into_any(),
                }}
                <span class="name">{video.filename.clone()}</span>
            </A>
            <span class="meta">{duration}" · "{size}" · "{format::bytes(video.bytes as f64)}</span>
        </li>
    }
}

#[component]
fn UploadArea() -> impl IntoView {
    let session = use_session();
    let uploads = use_uploads();
    let dragging = RwSignal::new(false);
    let start = move |files: Option<web_sys::FileList>| {
        let (Some(files), Some(project)) = (files, session.project.get_untracked()) else {
            return;
        };
        for i in 0..files.length() {
            if let Some(file) = files.get(i) {
                uploads.start(project, file);
            }
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        start(ev.data_transfer().and_then(|d| d.files()));
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        start(input.files());
        input.set_value("");
    };
    view! {
        <section aria-labelledby="upload-title">
            <h2 id="upload-title">"Upload"</h2>
            <div class=move || if dragging.get() { "dropzone over" } else { "dropzone" }
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop>
                <p>"Drop video files here, or"</p>
                <label class="button" for="upload-input">"Choose videos…"</label>
                <input id="upload-input" class="sr-only" type="file" multiple accept="video/*,.mkv,.avi"
                    on:change=on_pick/>
                <p class="muted">"Uploads continue when you open other pages and resume after a dropped connection."</p>
            </div>
            <Show when=move || !uploads.items.get().is_empty()>
                <ul class="uploads" aria-label="Uploads">
                    <For each=move || uploads.items.get() key=|i| i.key let:item>
                        <UploadRow item/>
                    </For>
                </ul>
                <button on:click=move |_| uploads.clear_finished()>"Clear finished"</button>
            </Show>
        </section>
    }
}

#[component]
fn UploadRow(item: UploadItem) -> impl IntoView {
    let size = item.size;
    let percent = move || {
        if size > 0.0 {
            item.sent.get() / size * 100.0
        } else {
            100.0
        }
    };
    let detail = {
        let item = item.clone();
        move || match item.state.get() {
            UploadState::Sending => {
                let left = item
                    .seconds_left()
                    .map(|s| format!(" · {} left", format::duration(s)))
                    .unwrap_or_default();
                format!(
                    "{:.0} % · {}/s{left}",
                    percent(),
                    format::bytes(item.speed.get())
                )
            }
            UploadState::Resuming(why) => why,
            UploadState::Checking => "checking the video…".into(),
            UploadState::Done(_) => "uploaded".into(),
            UploadState::Failed(e) => e,
        }
    };
    let class = move || match item.state.get() {
        UploadState::Failed(_) => "upload failed",
        UploadState::Done(_) => "upload done",
        UploadState::Resuming(_) => "upload resuming",
        _ => "upload",
    };
    let link = move || match item.state.get() {
        UploadState::Done(v) => Some(view! { <A href=format!("/videos/{}", v.id)>"open"</A> }),
        _ => None,
    };
    view! {
        <li class=class data-filename=item.filename.clone()>
            <span class="name">{item.filename.clone()}</span>
            <progress max="100" value=move || format!("{:.1}", percent())
                aria-label=format!("upload of {}", item.filename)></progress>
            <span class="detail" role="status">{detail}" "{link}</span>
        </li>
    }
}
