//! One video: the player with a timeline of the events found in it, what FFmpeg found in it, its
//! events and jobs, and what one may do with it. `?t=SECONDS` starts the player there and
//! `&event=ID` selects that event.

use api::{Event, Video};
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use uuid::Uuid;

use crate::events::{EventList, Timeline, WhyPanel, events_resource};
use crate::jobs::{Progress, StatusBadge};
use crate::{format, http, live::use_live, session::use_session};

#[component]
pub fn VideoPage() -> impl IntoView {
    let params = use_params_map();
    let video = LocalResource::new(move || {
        let id = params.get().get("id").unwrap_or_default();
        async move { http::get::<Video>(&format!("/api/videos/{id}")).await }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || video.get().map(|r| match r {
                Ok(v) => view! { <VideoView video=v/> }.into_any(),
                Err(e) => view! {
                    <h1>"Video"</h1>
                    <p class="error" role="alert">{e.error}</p>
                    <A href="/">"Back to the library"</A>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn VideoView(video: Video) -> impl IntoView {
    let session = use_session();
    let live = use_live();
    let navigate = use_navigate();
    let id = video.id;
    let may_write = session.can_write(video.project_id);
    let error = RwSignal::new(None::<String>);
    let delete = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("Delete this video and its file? Job results stay.")
                    .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            match http::call(Method::DELETE, &format!("/api/videos/{id}")).await {
                Ok(()) => navigate("/", Default::default()),
                Err(e) => error.set(Some(e.error)),
            }
        });
    };
    let jobs = move || {
        let mut jobs: Vec<_> = live
            .job_list()
            .into_iter()
            .filter(|j| j.video_ids.contains(&id))
            .collect();
        jobs.truncate(20);
        jobs
    };
    // events: the player seeks to the one picked; the timeline follows the player
    let player = NodeRef::<leptos::html::Video>::new();
    let now = RwSignal::new(0.0f64);
    let query = use_query_map();
    let selected = RwSignal::new(
        query
            .get_untracked()
            .get("event")
            .and_then(|s| Uuid::parse_str(&s).ok()),
    );
    let events = events_resource(format!("video={id}"));
    let seek = Callback::new(move |e: Event| {
        selected.set(Some(e.id));
        now.set(e.start_secs);
        if let Some(v) = player.get() {
            v.set_current_time(e.start_secs);
        }
    });
    let on_time = move |_| {
        if let Some(v) = player.get() {
            now.set(v.current_time());
        }
    };
    let on_metadata = move |_| {
        let start = query
            .get_untracked()
            .get("t")
            .and_then(|t| t.parse::<f64>().ok());
        if let (Some(t), Some(v)) = (start, player.get()) {
            v.set_current_time(t);
            now.set(t);
        }
    };
    let duration = video.duration_secs;
    let facts = [
        ("Duration", video.duration_secs.map(format::duration)),
        (
            "Resolution",
            video
                .width
                .zip(video.height)
                .map(|(w, h)| format!("{w} × {h}")),
        ),
        ("Frame rate", video.fps.map(|f| format!("{f:.2} fps"))),
        ("Codec", video.video_codec.clone()),
        (
            "Audio",
            video.has_audio.map(|a| {
                if a {
                    "yes".to_string()
                } else {
                    "no".to_string()
                }
            }),
        ),
        ("Size", Some(format::bytes(video.bytes as f64))),
        ("Uploaded", Some(format::time(&video.created_at))),
        ("SHA-256", video.sha256.clone()),
    ];
    view! {
        <h1>{video.filename.clone()}</h1>
        <div class="video-layout">
            <div class="player-column">
                <video class="player" controls preload="metadata" src=format!("/api/videos/{id}/file")
                    poster=video.has_poster.then(|| format!("/api/videos/{id}/poster"))
                    node_ref=player on:timeupdate=on_time on:seeked=on_time on:loadedmetadata=on_metadata></video>
                {move || events.get().and_then(|r| r.ok()).map(|list| {
                    let end = list.iter().map(|e| e.end_secs).fold(0.0, f64::max);
                    view! { <Timeline events=list duration=duration.unwrap_or(end).max(end) now=now selected=selected on_pick=seek/> }
                })}
            </div>
            <aside>
                <dl class="facts">
                    {facts.into_iter().filter_map(|(k, v)| v.map(|v| view! { <dt>{k}</dt><dd>{v}</dd> })).collect_view()}
                </dl>
                <div class="actions">
                    <a class="button" href=format!("/api/videos/{id}/file") download=video.filename.clone()>"Download"</a>
                    {may_write.then(|| view! {
                        <A href=format!("/new-job?video={id}") attr:class="button primary">"New job"</A>
                        <button class="danger" on:click=delete>"Delete"</button>
                    })}
                    {session.is_admin().then(|| {
                        let pinned = RwSignal::new(video.pinned);
                        let toggle = move |_| {
                            let want = !pinned.get_untracked();
                            spawn_local(async move {
                                match http::send_no_content(Method::PUT, &format!("/api/videos/{id}/pinned"), &api::Pin { pinned: want }).await {
                                    Ok(()) => pinned.set(want),
                                    Err(e) => error.set(Some(e.error)),
                                }
                            });
                        };
                        view! {
                            <button on:click=toggle aria-pressed=move || pinned.get().to_string()
                                title="Pinned videos are kept whatever the project's retention">
                                {move || if pinned.get() { "Pinned" } else { "Pin" }}
                            </button>
                        }
                    })}
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </aside>
        </div>
        <section aria-labelledby="video-events">
            <h2 id="video-events">"Events"</h2>
            <Suspense fallback=|| view! { <p>"Loading events…"</p> }>
                {move || events.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No events yet: an analyze job on this video finds falls and fights."</p>
                    }.into_any(),
                    Ok(list) => {
                        let all = list.clone();
                        view! {
                            <div class="events-layout">
                                <EventList events=list selected=selected on_pick=seek/>
                                {move || selected.get().and_then(|id| all.iter().find(|e| e.id == id).cloned())
                                    .map(|e| view! { <WhyPanel event=e/> })}
                            </div>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
        <crate::zones::ZoneEditor video=video.clone() may_write=may_write/>
        <crate::zones::FootfallEditor video=video.clone() may_write=may_write/>
        <section aria-labelledby="video-jobs">
            <h2 id="video-jobs">"Jobs on this video"</h2>
            {move || {
                let jobs = jobs();
                if jobs.is_empty() {
                    view! { <p class="muted">"None yet."</p> }.into_any()
                } else {
                    view! { <ul class="jobs">{jobs.into_iter().map(|j| view! {
                        <li class="job">
                            <div class="job-head">
                                <A href=format!("/jobs/{}", j.id)>{j.kind.as_str()}" "{format::short_id(&j.id)}</A>
                                <StatusBadge status=j.status/>
                            </div>
                            <Progress job=j.clone()/>
                        </li>
                    }).collect_view()}</ul> }.into_any()
                }
            }}
        </section>
    }
}
