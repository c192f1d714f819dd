//! The new-job form: the kind, a preset, the videos, and the kind's parameters as the API
//! describes them (`GET /api/job-kinds`: label, help, unit, range, basic or advanced). Basic
//! settings first, the rest under "Advanced"; nested ones are sub-forms (`params_form`). The
//! API's validation message appears next to the field it names.

use api::{CreateJob, Job, JobKind, JobKindInfo, Model, Video};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::Value;
use uuid::Uuid;

use crate::http::{self, Failure};
use crate::params_form::{ParamField, merged};
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
    let all_videos = StoredValue::new(videos.clone());
    let session = use_session();
    let live = use_live();
    let navigate = use_navigate();
    let first = kinds.first().map(|k| k.kind).unwrap_or(JobKind::Anonymize);
    let kind = RwSignal::new(first);
    let infos = StoredValue::new(kinds.clone());
    let info = move || infos.with_value(|all| all.iter().find(|i| i.kind == kind.get()).cloned());
    let params = RwSignal::new(Value::Null);
    let preset = RwSignal::new(String::new());
    // bumped when the kind or the preset changes: the fields are drawn again from `params`
    // (not on every keystroke, which would lose the focus)
    let drawn = RwSignal::new(0u32);
    let apply = move |k: JobKind, name: Option<String>| {
        infos.with_value(|all| {
            let Some(i) = all.iter().find(|i| i.kind == k) else {
                return;
            };
            let chosen = name
                .and_then(|n| i.presets.iter().find(|p| p.name == n))
                .or(i.presets.first());
            preset.set(chosen.map(|p| p.name.clone()).unwrap_or_default());
            params.set(match chosen {
                Some(p) => merged(&i.defaults, &p.params),
                None => i.defaults.clone(),
            });
        });
        drawn.update(|d| *d += 1);
    };
    apply(first, None);
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
            params: params.get_untracked(),
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
    // the first chosen video: zones are drawn on its poster, labels name the chosen ones
    let chosen_videos = Signal::derive(move || {
        let ids = chosen.get();
        all_videos.with_value(|all| {
            ids.iter()
                .filter_map(|id| all.iter().find(|v| v.id == *id).cloned())
                .collect::<Vec<_>>()
        })
    });
    let fields = move |advanced: bool| {
        move || {
            drawn.track();
            let Some(i) = info() else {
                return ().into_any();
            };
            // a group with its own on/off toggle (`footfall.enabled`) shows its settings only
            // when it is on
            let toggles: Vec<String> = i
                .params
                .iter()
                .filter(|p| p.path.ends_with(".enabled"))
                .map(|p| p.path.trim_end_matches("enabled").to_string())
                .collect();
            i.params
                .into_iter()
                .filter(|p| p.advanced == advanced)
                .map(|p| {
                    let name = format!("params.{}", p.path);
                    let error = Signal::derive(move || field_error(&name));
                    let models = models.get_value();
                    let gate = toggles
                        .iter()
                        .find(|g| p.path.starts_with(g.as_str()) && !p.path.ends_with(".enabled"))
                        .map(|g| format!("{g}enabled"));
                    let hidden = move || {
                        gate.as_ref().is_some_and(|g| {
                            !params.with(|v| crate::params_form::get_at(v, g).as_bool().unwrap_or(false))
                        })
                    };
                    view! { <div class="param-gate" hidden=hidden><ParamField info=p params error models videos=chosen_videos/></div> }
                })
                .collect_view()
                .into_any()
        }
    };
    // an error in an advanced field opens "Advanced", so the message is seen
    let advanced_open = Signal::derive(move || {
        let Some(field) = failure.get().and_then(|f| f.field) else {
            return false;
        };
        info().is_some_and(|i| {
            i.params.iter().any(|p| {
                p.advanced
                    && (field == format!("params.{}", p.path)
                        || field.starts_with(&format!("params.{}.", p.path)))
            })
        }) || field == "priority"
    });
    let advanced = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        if advanced_open.get() {
            if let Some(d) = advanced.get() {
                d.set_open(true);
            }
        }
    });
    let preset_list = move || {
        drawn.track();
        let Some(i) = info() else {
            return ().into_any();
        };
        i.presets
            .into_iter()
            .map(|p| {
                let id = format!("preset-{}", p.name);
                let name = p.name.clone();
                let checked = preset.get_untracked() == p.name;
                view! {
                    <li>
                        <input type="radio" name="preset" id=id.clone() value=p.name.clone() checked=checked
                            on:change=move |_| apply(kind.get_untracked(), Some(name.clone()))/>
                        <label for=id>{p.label}</label>
                        <p class="help">{p.help}</p>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <form class="card job-form" on:submit=submit novalidate>
            <label for="job-kind">"Kind"</label>
            <select id="job-kind" on:change=move |ev| {
                if let Some(k) = JobKind::parse(&event_target_value(&ev)) { kind.set(k); apply(k, None); }
            }>
                {kinds.iter().map(|k| view! { <option value=k.kind.as_str()>{k.kind.as_str()}</option> }).collect_view()}
            </select>
            <fieldset class="presets">
                <legend>"Preset"</legend>
                <ul class="choices">{preset_list}</ul>
            </fieldset>
            <fieldset>
                <legend>"Videos"</legend>
                <ul class="checklist">{video_rows}</ul>
                <FieldError message=Signal::derive(move || field_error("video_ids"))/>
            </fieldset>
            <fieldset>
                <legend>"Settings"</legend>
                {fields(false)}
                // only what is about the parameters as a whole (the rest is shown at its field)
                <FieldError message=Signal::derive(move || {
                    failure.get().filter(|f| f.field.as_deref() == Some("params")).map(|f| f.error)
                })/>
            </fieldset>
            <details class="advanced" node_ref=advanced>
                <summary>"Advanced"</summary>
                {fields(true)}
                <div class="field">
                    <label for="job-priority">"Priority"</label>
                    <input id="job-priority" type="number" min="-100" max="100"
                        prop:value=move || priority.get().to_string()
                        on:input=move |ev| priority.set(event_target_value(&ev).parse().unwrap_or(0))/>
                    <p class="help">"−100 to 100; higher runs first."</p>
                    <FieldError message=Signal::derive(move || field_error("priority"))/>
                </div>
            </details>
            {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! {
                <p class="error" role="alert">{f.error}</p>
            })}
            <button type="submit" class="primary" disabled=move || busy.get()>"Start job"</button>
        </form>
    }.into_any()
}

#[component]
pub fn FieldError(message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    }
}
