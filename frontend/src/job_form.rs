//! The new-job form: the kind, the videos, and the kind's parameters with their defaults from
//! `GET /api/job-kinds`. The API's validation message appears next to the field it names.

use api::{CreateJob, Job, JobKind, JobKindInfo, Model, Video};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::http::{self, Failure};
use crate::{live::use_live, session::use_session};

#[component]
pub fn NewJob() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let kinds = LocalResource::new(|| http::get::<Vec<JobKindInfo>>("/api/job-kinds"));
    let videos = LocalResource::new(move || {
        let project = session.project.get();
        http::project_videos(project)
    });
    // the project's classifiers, for the analyze kind's model choices
    let models = LocalResource::new(move || {
        let project = session.project.get();
        async move {
            match project {
                Some(p) => http::get::<Vec<Model>>(format!("/api/projects/{p}/models")).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let preselected: Option<Uuid> = query
        .get_untracked()
        .get("video")
        .and_then(|v| Uuid::parse_str(&v).ok());
    view! {
        <h1>"New job"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || match (kinds.get(), videos.get(), session.project.get()) {
                (Some(Ok(kinds)), Some(Ok(videos)), Some(project)) => {
                    let kinds: Vec<JobKindInfo> = kinds.into_iter().filter(|k| k.implemented).collect();
                    let models = models.get().and_then(|r| r.ok()).unwrap_or_default();
                    view! { <JobForm project kinds videos models preselected/> }.into_any()
                }
                (Some(Err(e)), _, _) | (_, Some(Err(e)), _) =>
                    view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                (_, _, None) => view! { <p class="notice">"Choose a project first."</p> }.into_any(),
                _ => view! { <p>"Loading…"</p> }.into_any(),
            }}
        </Suspense>
    }
}

#[component]
fn JobForm(
    project: Uuid,
    kinds: Vec<JobKindInfo>,
    videos: Vec<Video>,
    models: Vec<Model>,
    preselected: Option<Uuid>,
) -> impl IntoView {
    let models = StoredValue::new(models);
    let session = use_session();
    let live = use_live();
    let navigate = use_navigate();
    let first = kinds.first().map(|k| k.kind).unwrap_or(JobKind::Anonymize);
    let kind = RwSignal::new(first);
    let defaults = StoredValue::new(kinds.clone());
    let params = RwSignal::new(Map::new());
    let reset_params = move |k: JobKind| {
        let d =
            defaults.with_value(|all| all.iter().find(|i| i.kind == k).map(|i| i.defaults.clone()));
        params.set(d.and_then(|v| v.as_object().cloned()).unwrap_or_default());
    };
    reset_params(first);
    let chosen = RwSignal::new(match preselected {
        Some(v) if videos.iter().any(|x| x.id == v) => vec![v],
        _ => Vec::new(),
    });
    let priority = RwSignal::new(0i32);
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let field_error = move |name: &str| failure.get().and_then(|f| f.for_field(name));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        failure.set(None);
        let request = CreateJob {
            project_id: project,
            kind: kind.get_untracked(),
            video_ids: chosen.get_untracked(),
            params: Value::Object(params.get_untracked()),
            priority: priority.get_untracked(),
        };
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
    if !session.can_write(project) {
        return view! { <p class="notice">"Your role in this project cannot start jobs."</p> }
            .into_any();
    }
    if kinds.is_empty() {
        return view! { <p class="notice">"No job kinds are available."</p> }.into_any();
    }
    let video_rows = videos
        .into_iter()
        .map(|v| {
            let id = v.id;
            let input_id = format!("video-{id}");
            view! {
                <li>
                    <input type="checkbox" id=input_id.clone()
                        prop:checked=move || chosen.get().contains(&id)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id) } });
                        }/>
                    <label for=input_id>{v.filename}</label>
                </li>
            }
        })
        .collect_view();
    view! {
        <form class="card job-form" on:submit=submit novalidate>
            <label for="job-kind">"Kind"</label>
            <select id="job-kind" on:change=move |ev| {
                if let Some(k) = JobKind::parse(&event_target_value(&ev)) { reset_params(k); kind.set(k); }
            }>
                {kinds.iter().map(|k| view! { <option value=k.kind.as_str()>{k.kind.as_str()}</option> }).collect_view()}
            </select>
            <fieldset>
                <legend>"Videos"</legend>
                <ul class="checklist">{video_rows}</ul>
                <FieldError message=Signal::derive(move || field_error("video_ids"))/>
            </fieldset>
            <fieldset>
                <legend>"Parameters"</legend>
                {move || {
                    // Re-drawn when the kind changes, not on every keystroke (that would lose focus).
                    kind.track();
                    let keys: Vec<String> = params.with_untracked(|p| p.keys().cloned().collect());
                    keys.into_iter().map(|key| {
                        let name = format!("params.{key}");
                        let error = Signal::derive(move || field_error(&name));
                        let choices = defaults.with_value(|all| {
                            all.iter().find(|i| i.kind == kind.get_untracked()).and_then(|i| i.choices.get(&key).cloned())
                        });
                        // a classifier per service: the project's models of that service
                        let choices = match key.strip_suffix("_model") {
                            Some(service) => Some(models.with_value(|all| {
                                let mut c = vec![String::new()];
                                c.extend(all.iter().filter(|m| m.service == service).map(|m| format!("{}\t{}", m.id, m.name)));
                                c
                            })),
                            None => choices,
                        };
                        view! { <ParamField key params choices error/> }
                    }).collect_view()
                }}
                // only what is about the parameters as a whole (the rest is shown at its field)
                <FieldError message=Signal::derive(move || {
                    failure.get().filter(|f| f.field.as_deref() == Some("params")).map(|f| f.error)
                })/>
            </fieldset>
            <label for="job-priority">"Priority (−100 to 100; higher runs first)"</label>
            <input id="job-priority" type="number" min="-100" max="100"
                prop:value=move || priority.get().to_string()
                on:input=move |ev| priority.set(event_target_value(&ev).parse().unwrap_or(0))/>
            <FieldError message=Signal::derive(move || field_error("priority"))/>
            {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! {
                <p class="error" role="alert">{f.error}</p>
            })}
            <button type="submit" class="primary" disabled=move || busy.get()>"Start job"</button>
        </form>
    }.into_any()
}

#[component]
fn FieldError(message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    }
}

/// One parameter: a checkbox, number or text box by the default's type; anything nested is
/// edited as JSON.
#[component]
fn ParamField(
    key: String,
    params: RwSignal<Map<String, Value>>,
    choices: Option<Vec<String>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("param-{key}");
    let label = key.replace('_', " ");
    let current = params.with_untracked(|p| p.get(&key).cloned().unwrap_or(Value::Null));
    let set = {
        let key = key.clone();
        move |v: Value| {
            params.update(|p| {
                p.insert(key.clone(), v);
            })
        }
    };
    let input = match current {
        Value::Bool(b) => view! {
            <input id=id.clone() type="checkbox" prop:checked=b
                on:change=move |ev| set(Value::Bool(event_target_checked(&ev)))/>
        }.into_any(),
        Value::Number(n) => view! {
            <input id=id.clone() type="number" step="any" value=readable(&n)
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    // Sent as typed when it is not a number, so the API names the problem.
                    set(text.parse::<f64>().ok().and_then(|f| {
                        if f.fract() == 0.0 && f.abs() < 1e15 { Some(Value::from(f as i64)) } else { serde_json::Number::from_f64(f).map(Value::Number) }
                    }).unwrap_or(Value::String(text)))
                }/>
        }.into_any(),
        // a choice among ids: "id\tname" per option, "" = none
        Value::Null if choices.is_some() => {
            let options = choices.unwrap_or_default();
            view! {
                <select id=id.clone() on:change=move |ev| {
                    let v = event_target_value(&ev);
                    set(if v.is_empty() { Value::Null } else { Value::String(v) })
                }>
                    {options.into_iter().map(|o| {
                        let (value, text) = o.split_once('\t').map_or((o.clone(), "none: the scorer alone".to_string()), |(v, t)| (v.to_string(), t.to_string()));
                        view! { <option value=value>{text}</option> }
                    }).collect_view()}
                </select>
            }.into_any()
        }
        Value::String(s) if choices.is_some() => {
            let options = choices.unwrap_or_default();
            view! {
                <select id=id.clone() on:change=move |ev| set(Value::String(event_target_value(&ev)))>
                    {options.into_iter().map(|o| {
                        let selected = o == s;
                        view! { <option value=o.clone() selected=selected>{o.clone()}</option> }
                    }).collect_view()}
                </select>
            }.into_any()
        }
        Value::String(s) => view! {
            <input id=id.clone() type="text" value=s on:input=move |ev| set(Value::String(event_target_value(&ev)))/>
        }.into_any(),
        // optional text (no default): empty means "not given"
        Value::Null => view! {
            <input id=id.clone() type="text" placeholder="optional"
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    set(if text.trim().is_empty() { Value::Null } else { Value::String(text) })
                }/>
        }.into_any(),
        other => {
            let text = serde_json::to_string(&other).unwrap_or_default();
            view! {
                <textarea id=id.clone() rows="2" spellcheck="false"
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        set(serde_json::from_str(&text).unwrap_or(Value::String(text)))
                    }>{text}</textarea>
            }.into_any()
        }
    };
    view! {
        <div class=move || if error.get().is_some() { "field invalid" } else { "field" }>
            <label for=id>{label}</label>
            {input}
            <FieldError message=error/>
        </div>
    }
}

/// Defaults stored as f32 read back as 0.20000000298023224; seven significant digits is what
/// they hold.
fn readable(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => format!("{f:.6e}")
            .parse::<f64>()
            .map_or_else(|_| n.to_string(), |r| r.to_string()),
        _ => n.to_string(),
    }
}
