//! Camera streams: the project's list (state, health, latency) with a form to add one, and a
//! stream's page with its live view — the worker's drawn frames (boxes, skeletons, ids, events;
//! faces blurred when the stream says so) arriving over a websocket as JPEG, a few a second —
//! its health numbers and its events.

use std::collections::HashMap;

use api::{CreateStream, STREAM_SERVICES, Stream, StreamHealth, UpdateStream};
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;
use wasm_bindgen::{JsCast, prelude::Closure};
use web_sys::{BinaryType, Blob, MessageEvent, WebSocket};

use crate::http::{self, Failure, field_alert};
use crate::live::use_live;
use crate::session::use_session;

/// The stream as last fetched, or newer from the websocket.
fn freshest(fetched: Stream, live: &HashMap<Uuid, Stream>) -> Stream {
    match live.get(&fetched.id) {
        Some(s) if s.updated_at >= fetched.updated_at => s.clone(),
        _ => fetched,
    }
}

fn state_class(state: &str) -> &'static str {
    match state {
        "live" => "badge ok",
        "offline" => "badge bad",
        "reconnecting" | "connecting" => "badge status-queued",
        _ => "badge",
    }
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "–".into())
}

/// Health as a few numbers a person reads at a glance.
#[component]
fn HealthLine(health: Option<StreamHealth>) -> impl IntoView {
    match health {
        None => view! { <span class="muted">"no health reported yet"</span> }.into_any(),
        Some(h) => view! {
            <span class="health">
                <span title="frames a second from the camera / analysed">{format!("{:.1} / {:.1} fps", h.input_fps, h.processed_fps)}</span>
                " · "<span title="frame → result, median and 99th percentile of the last 30 s">{format!("latency {} / {}", ms(h.latency_p50_ms), ms(h.latency_p99_ms))}</span>
                " · "<span>{format!("{} people", h.people)}</span>
                " · "<span title="frames skipped so that latency does not grow">{format!("{} dropped", h.dropped)}</span>
                " · "<span>{format!("{} reconnects in the last hour", h.reconnects_last_hour)}</span>
                {h.last_error.clone().map(|e| view! { <span class="error">" · "{e}</span> })}
            </span>
        }
        .into_any(),
    }
}

#[component]
pub fn StreamsPage() -> impl IntoView {
    let session = use_session();
    let live = use_live();
    let changed = RwSignal::new(0u32);
    let streams = LocalResource::new(move || {
        changed.get();
        live.streams_changed.get();
        let project = session.project.get();
        async move {
            match project {
                Some(p) => http::get::<Vec<Stream>>(format!("/api/projects/{p}/streams")).await,
                None => Ok(Vec::new()),
            }
        }
    });
    view! {
        <h1>"Streams"</h1>
        <p class="hint">"Cameras watched live: a worker reads each enabled stream, tracks the people in it and raises falls and fights as they happen. Its health — frames in and analysed, latency, reconnects — updates here every couple of seconds."</p>
        {move || match session.project.get() {
            None => view! { <p class="notice">"Choose a project first."</p> }.into_any(),
            Some(project) => {
                let may_write = session.can_write(project);
                view! {
                    <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                        {move || streams.get().map(|r| match r {
                            Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No streams in this project yet."</p> }.into_any(),
                            Ok(list) => view! {
                                <table class="streams">
                                    <thead><tr><th>"Stream"</th><th>"State"</th><th>"Health"</th><th>"Services"</th><th></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|s| view! { <StreamRow stream=s may_write changed/> }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                        })}
                    </Suspense>
                    {may_write.then(|| view! { <AddStream project changed/> })}
                }.into_any()
            }
        }}
    }
}

#[component]
fn StreamRow(stream: Stream, may_write: bool, changed: RwSignal<u32>) -> impl IntoView {
    let live = use_live();
    let id = stream.id;
    let current = Memo::new(move |_| freshest(stream.clone(), &live.streams.get()));
    let toggle = move |_| {
        let enabled = !current.get_untracked().enabled;
        spawn_local(async move {
            let change = UpdateStream {
                enabled: Some(enabled),
                ..Default::default()
            };
            let _ = http::patch::<Stream>(&format!("/api/streams/{id}"), &change).await;
            changed.update(|n| *n += 1);
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            let _ = http::call(Method::DELETE, &format!("/api/streams/{id}")).await;
            changed.update(|n| *n += 1);
        });
    };
    view! {
        <tr data-stream=id.to_string()>
            <td><A href=format!("/streams/{id}")>{move || current.get().name}</A><br/><code class="muted">{move || current.get().url}</code></td>
            <td><span class=move || state_class(&current.get().state) data-state=move || current.get().state>{move || current.get().state}</span></td>
            <td>{move || view! { <HealthLine health=current.get().health/> }}</td>
            <td>{move || { let s = current.get().services; if s.is_empty() { "people only".to_string() } else { s.join(", ") } }}</td>
            <td>{may_write.then(|| view! {
                <button on:click=toggle>{move || if current.get().enabled { "Disable" } else { "Enable" }}</button>
                " "<button class="danger" on:click=remove>"Delete"</button>
            })}</td>
        </tr>
    }
}

#[component]
fn AddStream(project: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let services = RwSignal::new(vec!["fall".to_string(), "fight".to_string()]);
    let pose_input = RwSignal::new("320".to_string());
    let blur = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let some = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let pose = pose_input.get_untracked().trim().parse::<u32>().ok();
        let request = CreateStream {
            name: name.get_untracked().trim().to_string(),
            url: url.get_untracked().trim().to_string(),
            username: some(username.get_untracked()),
            password: some(password.get_untracked()),
            services: services.get_untracked(),
            zones: Vec::new(),
            blur_faces: blur.get_untracked(),
            pose_input: pose,
            enabled: true,
        };
        spawn_local(async move {
            match http::post::<Stream>(&format!("/api/projects/{project}/streams"), &request).await
            {
                Ok(_) => {
                    failure.set(None);
                    name.set(String::new());
                    url.set(String::new());
                    username.set(String::new());
                    password.set(String::new());
                    changed.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card job-form" aria-label="Add a stream" on:submit=submit novalidate>
            <h2>"Add a stream"</h2>
            <div class="field">
                <label for="stream-name">"Name"</label>
                <input id="stream-name" placeholder="Entrance" bind:value=name/>
                {move || field_alert(failure, "name")}
            </div>
            <div class="field">
                <label for="stream-url">"URL"</label>
                <input id="stream-url" placeholder="rtsp://camera.local:554/stream1" bind:value=url/>
                {move || field_alert(failure, "url")}
            </div>
            <div class="field">
                <label for="stream-user">"User name"</label>
                <input id="stream-user" autocomplete="off" bind:value=username/>
                {move || field_alert(failure, "username")}
            </div>
            <div class="field">
                <label for="stream-password">"Password"</label>
                <input id="stream-password" type="password" autocomplete="new-password" bind:value=password/>
                <span class="muted">" stored for the workers, never shown again"</span>
            </div>
            <fieldset>
                <legend>"Watch for"</legend>
                <ul class="checklist">
                    {STREAM_SERVICES.iter().map(|s| {
                        let s = s.to_string();
                        let id = format!("stream-service-{s}");
                        let name = s.clone();
                        view! {
                            <li>
                                <input type="checkbox" id=id.clone() prop:checked={let s = s.clone(); move || services.get().contains(&s)}
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        services.update(|c| { c.retain(|x| *x != name); if on { c.push(name.clone()) } });
                                    }/>
                                <label for=id>{s}</label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || field_alert(failure, "services")}
            </fieldset>
            <div class="field">
                <label for="stream-pose">"Pose input (pixels)"</label>
                <input id="stream-pose" type="number" min="0" max="1920" bind:value=pose_input/>
                <span class="muted">" smaller is faster and misses far people; 0 = the frame's size"</span>
                {move || field_alert(failure, "pose_input")}
            </div>
            <div class="field">
                <label for="stream-blur">"Blur faces in the live view"</label>
                <input id="stream-blur" type="checkbox" on:change=move |ev| blur.set(event_target_checked(&ev))/>
            </div>
            {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
            <button type="submit" class="primary">"Add stream"</button>
        </form>
    }
}

/// The live view's websocket: each JPEG becomes the picture, the JSON before it the caption.
fn open_view(
    id: Uuid,
    picture: RwSignal<Option<String>>,
    overlay: RwSignal<Option<serde_json::Value>>,
    newest: StoredValue<Option<Blob>, LocalStorage>,
) -> Option<WebSocket> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    let ws = WebSocket::new(&format!(
        "{scheme}://{}/api/streams/{id}/live",
        location.host().ok()?
    ))
    .ok()?;
    ws.set_binary_type(BinaryType::Blob);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(text) = e.data().as_string() {
            overlay.set(serde_json::from_str(&text).ok());
        } else if let Ok(blob) = e.data().dyn_into::<Blob>() {
            newest.set_value(Some(blob.clone()));
            if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                if let Some(old) = picture.get_untracked() {
                    let _ = web_sys::Url::revoke_object_url(&old);
                }
                picture.set(Some(url));
            }
        }
    });
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    Some(ws)
}

#[component]
pub fn StreamPage() -> impl IntoView {
    let params = use_params_map();
    let live = use_live();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok()));
    let fetched = LocalResource::new(move || {
        let id = id();
        async move {
            match id {
                Some(id) => http::get::<Stream>(format!("/api/streams/{id}"))
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });
    let picture = RwSignal::new(None::<String>);
    let overlay = RwSignal::new(None::<serde_json::Value>);
    let socket = StoredValue::new_local(None::<WebSocket>);
    let newest = StoredValue::new_local(None::<Blob>);
    Effect::new(move |_| {
        if let Some(id) = id() {
            if let Some(old) = socket.get_value() {
                let _ = old.close();
            }
            socket.set_value(open_view(id, picture, overlay, newest));
        }
    });
    let session = use_session();
    on_cleanup(move || {
        if let Some(ws) = socket.get_value() {
            ws.set_onmessage(None);
            let _ = ws.close();
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || fetched.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                Ok(None) => view! { <p class="error">"No such stream."</p> }.into_any(),
                Ok(Some(s)) => {
                    let sid = s.id;
                    let current = Memo::new(move |_| freshest(s.clone(), &live.streams.get()));
                    let events = crate::events::events_resource(format!("stream={sid}&limit=50"));
                    view! {
                        <h1>{move || current.get().name}" "<span class=move || state_class(&current.get().state) data-state=move || current.get().state>{move || current.get().state}</span></h1>
                        <p class="muted"><code>{move || current.get().url}</code>{move || current.get().worker.map(|w| format!(" · read by {w}"))}</p>
                        <p><HealthLineLive current/></p>
                        <figure class="live-view">
                            {move || match picture.get() {
                                Some(src) => view! { <img src=src alt="The camera's newest frame with the people and events found in it" data-live="frame"/> }.into_any(),
                                None => view! { <div class="live-placeholder muted">{move || if current.get().state == "live" { "Waiting for the first frame…" } else { "The live view starts when the stream is live." }}</div> }.into_any(),
                            }}
                            <figcaption>{move || overlay.get().map(|o| {
                                let people = o["people"].as_array().map(|a| a.len()).unwrap_or(0);
                                let events: Vec<String> = o["events"].as_array().map(|a| a.iter().map(|e| format!("{} ({:.2})", e["service"].as_str().unwrap_or(""), e["score"].as_f64().unwrap_or(0.0))).collect()).unwrap_or_default();
                                let age = js_sys::Date::now() - o["decoded_at_ms"].as_f64().unwrap_or(0.0);
                                format!(
                                    "frame {} · {} people · {} · analysed {:.0} ms after decoding · shown {:.0} ms after decoding",
                                    o["frame"], people,
                                    if events.is_empty() { "no event going on".to_string() } else { format!("going on: {}", events.join(", ")) },
                                    o["latency_ms"].as_f64().unwrap_or(0.0), age.max(0.0),
                                )
                            })}</figcaption>
                        </figure>
                        <StreamZones stream=current.get_untracked() may_write=session.can_write(current.get_untracked().project_id) newest overlay/>
                        <h2>"Events"</h2>
                        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                            {move || events.get().map(|r| match r {
                                Err(e) => view! { <p class="error">{e.error}</p> }.into_any(),
                                Ok(list) if list.is_empty() => view! { <p class="muted">"No events on this stream yet."</p> }.into_any(),
                                Ok(list) => view! {
                                    <ul class="stream-events">
                                        {list.into_iter().rev().map(|e| view! {
                                            <li data-event=e.id.to_string() data-ongoing=e.ongoing.to_string()>
                                                {e.has_thumbnail.then(|| view! { <img class="thumb" src=format!("/api/events/{}/thumbnail", e.id) alt=format!("{} when it was raised", e.service)/> })}
                                                <div>
                                                    <strong>{e.service.clone()}</strong>
                                                    {format!(" at {} · score {:.2} · {}", unix_time(e.start_secs), e.score, if e.ongoing { "going on".to_string() } else { format!("{:.1} s", e.end_secs - e.start_secs) })}
                                                    <br/><span class="muted">{e.explanation["opened_by"].as_str().unwrap_or("").to_string()}</span>
                                                    {e.has_clip.then(|| view! { <video class="clip" controls preload="metadata" poster=e.has_thumbnail.then(|| format!("/api/events/{}/thumbnail", e.id)) src=format!("/api/events/{}/clip", e.id)></video> })}
                                                </div>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
                            })}
                        </Suspense>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn HealthLineLive(current: Memo<Stream>) -> impl IntoView {
    move || view! { <HealthLine health=current.get().health/> }
}

/// Unix seconds as the local time of day.
fn unix_time(secs: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs * 1000.0));
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// A stream's zones without falls, drawn on a still of its live view: "Draw on this frame"
/// freezes the newest frame (a copy of its picture, so the live view may move on), the corners
/// are clicked on it, and saving changes the stream (its worker restarts it with them).
#[component]
fn StreamZones(
    stream: Stream,
    may_write: bool,
    newest: StoredValue<Option<Blob>, LocalStorage>,
    overlay: RwSignal<Option<serde_json::Value>>,
) -> impl IntoView {
    let id = stream.id;
    let zones = RwSignal::new(stream.zones.clone());
    let stored = RwSignal::new(stream.zones.clone());
    let still = RwSignal::new(None::<(Option<String>, String)>);
    let failure = RwSignal::new(None::<Failure>);
    let freeze = move |_| {
        if let Some((Some(old), _)) = still.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        let picture = newest
            .get_value()
            .and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok());
        let aspect = overlay
            .get_untracked()
            .and_then(|o| Some((o["width"].as_u64()?, o["height"].as_u64()?)))
            .filter(|(w, h)| *w > 0 && *h > 0)
            .map(|(w, h)| format!("{w} / {h}"))
            .unwrap_or_else(|| "16 / 9".into());
        still.set(Some((picture, aspect)));
    };
    let save = move |_| {
        failure.set(None);
        let change = UpdateStream {
            zones: Some(zones.get_untracked()),
            ..Default::default()
        };
        spawn_local(async move {
            match http::patch::<Stream>(&format!("/api/streams/{id}"), &change).await {
                Ok(s) => {
                    zones.set(s.zones.clone());
                    stored.set(s.zones);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <section class="zones" aria-labelledby="stream-zones-title">
            <h2 id="stream-zones-title">"Zones without falls"</h2>
            <p class="hint">{if may_write {
                "Areas where a fall is expected (a bed, a sofa): no fall is raised inside them. Freeze a frame of the live view, click the corners of each area, name it and save."
            } else {
                "Areas where this stream raises no fall."
            }}</p>
            {move || match still.get() {
                Some((picture, aspect)) => view! {
                    <crate::zones::ZoneDrawing zones poster=picture aspect editable=may_write id="stream-zone"/>
                }.into_any(),
                None => view! {
                    <ul class="zone-list">
                        {move || zones.get().into_iter().map(|z| view! { <li data-zone=z.name.clone()>{format!("{} ({} corners)", z.name, z.points.len())}</li> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {may_write.then(|| view! {
                <div class="actions">
                    <button type="button" on:click=freeze>{move || if still.get().is_some() { "Draw on the newest frame" } else { "Draw on this frame" }}</button>
                    <button type="button" class="primary" on:click=save disabled=move || zones.get() == stored.get()>"Save zones"</button>
                    {move || (zones.get() == stored.get() && still.get().is_some()).then(|| view! { <span class="ok" role="status">"Saved"</span> })}
                </div>
            })}
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
        </section>
    }
}
