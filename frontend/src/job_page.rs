//! One job: live progress, its error in words, its parameters, and its results — videos play in
//! the page, JSON / JSONL / CSV open in a viewer, everything downloads.

use api::{Artifact, Event, Job, JobKind, JobStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::events::{EventList, events_resource};
use crate::jobs::{JobActions, Progress, StatusBadge};
use crate::viewer::Viewer;
use crate::{format, http, live::use_live};

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let live = use_live();
    let id = move || {
        params
            .get()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    // The first answer over HTTP; the websocket keeps it current afterwards.
    let loaded = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.ok_or_else(|| http::Failure {
                status: 404,
                error: "no such job".into(),
                field: None,
            })?;
            let job = http::get::<Job>(&format!("/api/jobs/{id}")).await?;
            live.remember(job.clone());
            Ok::<_, http::Failure>(job)
        }
    });
    let job = move || id().and_then(|id| live.jobs.get().get(&id).cloned());
    view! {
        {move || match (job(), loaded.get()) {
            (Some(job), _) => view! { <JobView job/> }.into_any(),
            (None, Some(Ok(job))) => view! { <JobView job/> }.into_any(),
            (None, Some(Err(e))) => view! {
                <h1>"Job"</h1>
                <p class="error" role="alert">{e.error}</p>
                <A href="/jobs">"All jobs"</A>
            }.into_any(),
            (None, None) => view! { <p>"Loading…"</p> }.into_any(),
        }}
    }
}

#[component]
fn JobView(job: Job) -> impl IntoView {
    let params = serde_json::to_string_pretty(&job.params).unwrap_or_default();
    let finished = job.status == JobStatus::Succeeded;
    view! {
        <h1>{job.kind.as_str()}" job "<span class="muted">{format::short_id(&job.id)}</span>" "<StatusBadge status=job.status/></h1>
        <Progress job=job.clone()/>
        {job.error.clone().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <JobActions job=job.clone()/>
        <dl class="facts">
            <dt>"Created"</dt><dd>{format::time(&job.created_at)}</dd>
            {job.started_at.map(|t| view! { <dt>"Started"</dt><dd>{format::time(&t)}</dd> })}
            {job.finished_at.map(|t| view! { <dt>"Finished"</dt><dd>{format::time(&t)}</dd> })}
            <dt>"Attempts"</dt><dd>{format!("{} of {}", job.attempts, job.max_attempts)}</dd>
            {job.worker_id.clone().map(|w| view! { <dt>"Worker"</dt><dd>{w}</dd> })}
            <dt>"Videos"</dt>
            <dd>{job.video_ids.clone().into_iter().map(|v| view! {
                <A href=format!("/videos/{v}")>{format::short_id(&v)}</A>" "
            }).collect_view()}</dd>
        </dl>
        <details>
            <summary>"Parameters"</summary>
            <pre class="code">{params}</pre>
        </details>
        {(finished && job.kind == JobKind::Analyze).then(|| view! { <JobEvents job=job.id/> })}
        {(finished && matches!(job.kind, JobKind::Analyze | JobKind::Annotate)).then(|| view! { <crate::overlay::RenderOverlay job=job.clone()/> })}
        {finished.then(|| view! { <Results job=job.id/> })}
    }
}

/// What an analyze job found; picking an event opens its video at that moment.
#[component]
fn JobEvents(job: Uuid) -> impl IntoView {
    let events = events_resource(format!("job={job}"));
    let navigate = use_navigate();
    let none = Signal::derive(|| None::<Uuid>);
    let open = Callback::new(move |e: Event| {
        if let Some(video) = e.video_id {
            navigate(
                &format!("/videos/{video}?t={:.2}&event={}", e.start_secs, e.id),
                Default::default(),
            );
        }
    });
    view! {
        <section aria-labelledby="events-title">
            <h2 id="events-title">"Events"</h2>
            <Suspense fallback=|| view! { <p>"Loading events…"</p> }>
                {move || events.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(list) => view! { <EventList events=list selected=none on_pick=open/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Results(job: Uuid) -> impl IntoView {
    let artifacts = LocalResource::new(move || {
        http::get::<Vec<Artifact>>(format!("/api/jobs/{job}/artifacts"))
    });
    view! {
        <section aria-labelledby="results-title">
            <h2 id="results-title">"Results"</h2>
            <Suspense fallback=|| view! { <p>"Loading results…"</p> }>
                {move || artifacts.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"This job produced no files."</p> }.into_any(),
                    Ok(mut list) => {
                        let report = list.iter().any(|a| a.filename == "metrics.json" && a.kind == "metrics")
                            .then(|| view! { <crate::report::Report artifacts=list.clone()/> });
                        let footfall = view! { <crate::footfall::FootfallResults artifacts=list.clone()/> };
                        // what people came for first: the videos
                        // then what covers the whole job, then each video's files together
                        list.sort_by_key(|a| (!a.content_type.starts_with("video/"), a.video_id, a.filename.clone()));
                        view! {
                            {report}
                            {footfall}
                            // the report's and footfall's tables and charts are listed in their sections
                            {list.into_iter().filter(|a| !matches!(a.kind.as_str(), "report-part" | "footfall")).map(|a| view! { <ArtifactView artifact=a/> }).collect_view()}
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ArtifactView(artifact: Artifact) -> impl IntoView {
    let url = format!("/api/artifacts/{}/download", artifact.id);
    let is_video = artifact.content_type.starts_with("video/");
    let viewable = [
        "application/json",
        "application/x-ndjson",
        "text/csv",
        "text/plain",
    ]
    .iter()
    .any(|t| artifact.content_type.starts_with(t))
        || [".json", ".jsonl", ".csv", ".txt"]
            .iter()
            .any(|e| artifact.filename.ends_with(e));
    let open = RwSignal::new(false);
    let viewer_url = url.clone();
    let filename = artifact.filename.clone();
    view! {
        <article class="artifact" data-artifact=artifact.filename.clone()>
            <h3>{artifact.filename.clone()}
                <span class="muted">" · "{artifact.kind.clone()}" · "{format::bytes(artifact.bytes as f64)}
                    {artifact.video_id.map(|v| format!(" · video {}", format::short_id(&v)))}</span></h3>
            {is_video.then(|| view! {
                <video class="player" controls preload="metadata" src=url.clone()></video>
            })}
            {(artifact.content_type.starts_with("image/") && artifact.kind != "report-part").then(|| view! {
                <img class="picture" src=url.clone() alt=artifact.filename.clone() loading="lazy"/>
            })}
            <div class="actions">
                <a class="button" href=url.clone() download=artifact.filename.clone()>"Download"</a>
                {viewable.then(|| view! {
                    <button on:click=move |_| open.update(|o| *o = !*o)
                        aria-expanded=move || open.get().to_string()>
                        {move || if open.get() { "Hide" } else { "View" }}
                    </button>
                })}
            </div>
            <Show when=move || open.get()>
                <Viewer url=viewer_url.clone() filename=filename.clone()/>
            </Show>
        </article>
    }
}
