//! The jobs list (filters, live progress) and the pieces the job page shares: the progress bar and
//! the cancel / retry buttons.

use api::{Job, JobKind, JobStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{format, http, live::use_live, session::use_session};

#[component]
pub fn JobsPage() -> impl IntoView {
    let session = use_session();
    let live = use_live();
    let status = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let page = RwSignal::new(0i64);
    // History from the API, a page at a time; live events replace the rows they are about.
    let fetched = LocalResource::new(move || {
        let query = format!(
            "/api/jobs?limit={JOBS_PAGE}&offset={}{}{}{}",
            page.get() * JOBS_PAGE,
            param("status", &status.get()),
            param("kind", &kind.get()),
            param("project", &project.get())
        );
        async move { http::get_page::<Job>(query).await }
    });
    let total = move || {
        fetched
            .get()
            .and_then(Result::ok)
            .map(|(_, n)| n)
            .unwrap_or(0)
    };
    let rows = move || {
        let mut jobs: Vec<Job> = fetched
            .get()
            .and_then(Result::ok)
            .map(|(j, _)| j)
            .unwrap_or_default();
        let live_jobs = live.jobs.get();
        for job in jobs.iter_mut() {
            if let Some(newer) = live_jobs.get(&job.id) {
                *job = newer.clone();
            }
        }
        // jobs started since the page loaded belong on the first page
        if page.get() == 0 {
            for job in live_jobs.values() {
                if !jobs.iter().any(|j| j.id == job.id) {
                    jobs.push(job.clone());
                }
            }
        }
        let (s, k, p) = (status.get(), kind.get(), project.get());
        jobs.retain(|j| {
            (s.is_empty() || j.status.as_str() == s)
                && (k.is_empty() || j.kind.as_str() == k)
                && (p.is_empty() || j.project_id.to_string() == p)
        });
        jobs.sort_by_key(|j| std::cmp::Reverse(j.created_at));
        jobs
    };
    view! {
        <h1>"Jobs"</h1>
        <div class="toolbar">
            <form class="filters" aria-label="Filter jobs" on:submit=|ev| ev.prevent_default()>
                <label>"Status"
                    <select on:change=move |ev| { status.set(event_target_value(&ev)); page.set(0); }>
                        <option value="">"any"</option>
                        {JobStatus::ALL.map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Kind"
                    <select on:change=move |ev| { kind.set(event_target_value(&ev)); page.set(0); }>
                        <option value="">"any"</option>
                        {JobKind::ALL.map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Project"
                    <select on:change=move |ev| { project.set(event_target_value(&ev)); page.set(0); }>
                        <option value="">"all my projects"</option>
                        {move || session.projects().into_iter().map(|p| view! {
                            <option value=p.id.to_string()>{p.name}</option>
                        }).collect_view()}
                    </select>
                </label>
            </form>
            <Show when=move || session.project.get().is_some_and(|p| session.can_write(p))>
                <A href="/new-job" attr:class="button primary">"New job"</A>
            </Show>
        </div>
        {move || fetched.get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e.error}</p> })}
        {move || {
            let jobs = rows();
            if jobs.is_empty() {
                view! { <p class="muted">"No jobs match."</p> }.into_any()
            } else {
                let first = page.get() * JOBS_PAGE;
                view! {
                    <ul class="jobs">
                        {jobs.into_iter().map(|job| view! { <JobRow job/> }).collect_view()}
                    </ul>
                    <nav class="pager" aria-label="Pages of jobs">
                        <button disabled={first == 0} on:click=move |_| page.update(|p| *p = (*p - 1).max(0))>"Newer"</button>
                        <span>{move || format!("{}–{} of {}", first + 1, (first + JOBS_PAGE).min(total().max(1)), total())}</span>
                        <button disabled={move || first + JOBS_PAGE >= total()} on:click=move |_| page.update(|p| *p += 1)>"Older"</button>
                    </nav>
                }.into_any()
            }
        }}
    }
}

/// Jobs per page of the list.
const JOBS_PAGE: i64 = 50;

fn param(name: &str, value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        format!("&{name}={value}")
    }
}

#[component]
fn JobRow(job: Job) -> impl IntoView {
    let session = use_session();
    let projects = session.projects();
    let project = projects
        .iter()
        .find(|p| p.id == job.project_id)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let videos = match job.video_ids.len() {
        1 => "1 video".to_string(),
        n => format!("{n} videos"),
    };
    let id = job.id.to_string();
    view! {
        <li class="job" data-job=id>
            <div class="job-head">
                <A href=format!("/jobs/{}", job.id)>{job.kind.as_str()}" "{format::short_id(&job.id)}</A>
                <StatusBadge status=job.status/>
                <span class="muted">{project}" · "{videos}" · "{format::time(&job.created_at)}</span>
            </div>
            <Progress job=job.clone()/>
            {job.error.clone().map(|e| view! { <p class="error">{e}</p> })}
            <JobActions job/>
        </li>
    }
}

#[component]
pub fn StatusBadge(status: JobStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status.as_str()}</span> }
}

/// Stage, percent, frames per second and time left.
#[component]
pub fn Progress(job: Job) -> impl IntoView {
    let fraction = job.fraction();
    let percent = fraction.map(|f| f * 100.0).unwrap_or(0.0);
    let mut parts = Vec::new();
    if let Some(stage) = &job.stage {
        parts.push(stage.clone());
    }
    match fraction {
        Some(_) => parts.push(format!("{percent:.0} %")),
        None if job.status == JobStatus::Queued => parts.push("waiting for a worker".into()),
        None => {}
    }
    if job.status == JobStatus::Running {
        if let Some(fps) = job.fps {
            parts.push(format!("{fps:.1} fps"));
        }
        if let Some(eta) = job.eta_secs {
            parts.push(format!("{} left", format::duration(eta)));
        }
        if job.cancel_requested {
            parts.push("stopping…".into());
        }
    }
    if let Some(total) = job.frames_total {
        parts.push(format!("{} / {total} frames", job.frames_done));
    }
    let label = parts.join(" · ");
    view! {
        <div class="progress-line">
            <div class=format!("bar status-{}", job.status.as_str()) role="progressbar"
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{percent:.0}")
                aria-label="progress">
                <div class="fill" style=format!("width: {percent:.1}%")></div>
            </div>
            <span class="progress-text">{label}</span>
        </div>
    }
}

/// Cancel (queued or running) and retry (failed or canceled), for those who may write.
#[component]
pub fn JobActions(job: Job) -> impl IntoView {
    let session = use_session();
    let live = use_live();
    let error = RwSignal::new(None::<String>);
    let id: Uuid = job.id;
    let act = move |what: &'static str| {
        spawn_local(async move {
            match http::post::<Job>(&format!("/api/jobs/{id}/{what}"), &serde_json::json!({})).await
            {
                Ok(job) => live.remember(job),
                Err(e) => error.set(Some(e.error)),
            }
        });
    };
    let may = session.can_write(job.project_id);
    let cancelable = may && !job.status.is_finished() && !job.cancel_requested;
    let retryable = may && matches!(job.status, JobStatus::Failed | JobStatus::Canceled);
    view! {
        <div class="actions">
            {cancelable.then(|| view! { <button on:click=move |_| act("cancel")>"Cancel"</button> })}
            {retryable.then(|| view! { <button on:click=move |_| act("retry")>"Retry"</button> })}
            {move || error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
        </div>
    }
}
