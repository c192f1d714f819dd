//! Administration: the queue and the workers, users and their global roles, projects and their
//! members.

use api::{AddMember, CreateProject, CreateUser, Member, Project, Queue, Role, UpdateUser, User};
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{format, http, session, session::use_session};

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = use_session();
    view! {
        <Show when=move || session.is_admin()
            fallback=|| view! {
                <h1>"Admin"</h1>
                <p class="notice" role="alert">"Only administrators can open this page."</p>
            }>
            <h1>"Admin"</h1>
            <QueuePanel/>
            <UsersPanel/>
            <ProjectsPanel/>
            <StoragePanel/>
        </Show>
    }
}

#[component]
fn QueuePanel() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let queue = LocalResource::new(move || {
        tick.track();
        http::get::<Queue>("/api/admin/queue")
    });
    // Heartbeats move on their own: look again every few seconds while the page is open.
    let interval = gloo_timers::callback::Interval::new(5_000, move || tick.update(|t| *t += 1));
    let interval = send_wrapper::SendWrapper::new(interval);
    on_cleanup(move || drop(interval));
    view! {
        <section aria-labelledby="queue-title">
            <h2 id="queue-title">"Queue and workers"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || queue.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(q) => view! {
                        <p class="stats"><strong data-testid="queued">{q.queued}</strong>" queued · "
                            <strong data-testid="running">{q.running}</strong>" running"</p>
                        <table class="workers">
                            <thead><tr><th>"Worker"</th><th>"Host"</th><th>"State"</th><th>"Current job"</th><th>"Last heartbeat"</th><th>"Started"</th></tr></thead>
                            <tbody>
                                {q.workers.into_iter().map(|w| view! {
                                    <tr>
                                        <td>{w.id.clone()}</td>
                                        <td>{w.hostname}</td>
                                        <td><span class=if w.alive { "badge ok" } else { "badge bad" }>{if w.alive { "alive" } else { "gone" }}</span></td>
                                        <td>{w.current_job.map(|j| view! { <A href=format!("/jobs/{j}")>{format::short_id(&j)}</A> })}</td>
                                        <td>{format::time(&w.heartbeat_at)}</td>
                                        <td>{format::time(&w.started_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    [Role::Reviewer, Role::Uploader, Role::Admin]
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.as_str()}</option> })
        .collect_view()
}

#[component]
fn UsersPanel() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        version.track();
        http::get::<Vec<User>>("/api/users")
    });
    let error = RwSignal::new(None::<String>);
    let update = move |id: Uuid, change: UpdateUser| {
        spawn_local(async move {
            match http::patch::<User>(&format!("/api/users/{id}"), &change).await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some(e.error)),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section aria-labelledby="users-title">
            <h2 id="users-title">"Users"</h2>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || users.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="users">
                            <thead><tr><th>"Email"</th><th>"Name"</th><th>"Role"</th><th>"Disabled"</th><th>"Since"</th></tr></thead>
                            <tbody>{list.into_iter().map(|u| {
                                let id = u.id;
                                view! {
                                    <tr data-user=u.email.clone()>
                                        <td>{u.email.clone()}</td>
                                        <td>{u.display_name}</td>
                                        <td><select aria-label=format!("role of {}", u.email)
                                            on:change=move |ev| if let Some(role) = Role::parse(&event_target_value(&ev)) {
                                                update(id, UpdateUser { role: Some(role), ..Default::default() })
                                            }>{role_options(u.role)}</select></td>
                                        <td><input type="checkbox" aria-label=format!("{} disabled", u.email) prop:checked=u.disabled
                                            on:change=move |ev| update(id, UpdateUser { disabled: Some(event_target_checked(&ev)), ..Default::default() })/></td>
                                        <td>{format::time(&u.created_at)}</td>
                                    </tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                })}
            </Suspense>
            <NewUserForm on_created=move || version.update(|v| *v += 1)/>
        </section>
    }
}

#[component]
fn NewUserForm(on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Uploader);
    let failure = RwSignal::new(None::<http::Failure>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CreateUser {
            email: email.get_untracked(),
            password: password.get_untracked(),
            display_name: name.get_untracked(),
            role: role.get_untracked(),
        };
        spawn_local(async move {
            match http::post::<User>("/api/users", &request).await {
                Ok(_) => {
                    failure.set(None);
                    email.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    on_created();
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let error_for = move |f: &str| http::field_alert(failure, f);
    view! {
        <form class="inline-form" aria-label="New user" on:submit=submit>
            <h3>"New user"</h3>
            <label for="new-user-email">"Email"</label>
            <input id="new-user-email" type="email" required bind:value=email/>
            {move || error_for("email")}
            <label for="new-user-name">"Name"</label>
            <input id="new-user-name" type="text" bind:value=name/>
            <label for="new-user-password">"Password"</label>
            <input id="new-user-password" type="password" autocomplete="new-password" required bind:value=password/>
            {move || error_for("password")}
            <label for="new-user-role">"Global role"</label>
            <select id="new-user-role" on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                {role_options(Role::Uploader)}
            </select>
            {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
            <button type="submit" class="primary">"Create user"</button>
        </form>
    }
}

#[component]
fn ProjectsPanel() -> impl IntoView {
    let session = use_session();
    let name = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<http::Failure>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CreateProject {
            name: name.get_untracked(),
            description: String::new(),
        };
        spawn_local(async move {
            match http::post::<Project>("/api/projects", &request).await {
                Ok(p) => {
                    failure.set(None);
                    name.set(String::new());
                    session::refresh().await;
                    session.choose_project(p.id);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <section aria-labelledby="projects-title">
            <h2 id="projects-title">"Projects"</h2>
            <ul class="projects">
                {move || session.projects().into_iter().map(|p| view! { <ProjectMembers project=p/> }).collect_view()}
            </ul>
            <form class="inline-form" aria-label="New project" on:submit=create>
                <label for="new-project-name">"Project name"</label>
                <input id="new-project-name" type="text" required bind:value=name/>
                <button type="submit" class="primary">"Create project"</button>
                {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
            </form>
        </section>
    }
}

#[component]
fn ProjectMembers(project: Project) -> impl IntoView {
    let id = project.id;
    let version = RwSignal::new(0u32);
    let members = LocalResource::new(move || {
        version.track();
        http::get::<Vec<Member>>(format!("/api/projects/{id}/members"))
    });
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Uploader);
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = AddMember {
            email: email.get_untracked(),
            role: role.get_untracked(),
        };
        spawn_local(async move {
            // the answer is the project's members after the change
            match http::post::<Vec<Member>>(&format!("/api/projects/{id}/members"), &request).await
            {
                Ok(_) => {
                    error.set(None);
                    email.set(String::new());
                }
                Err(e) => error.set(Some(e.error)),
            }
            version.update(|v| *v += 1);
        });
    };
    let remove = move |user: Uuid| {
        spawn_local(async move {
            if let Err(e) = http::call(
                Method::DELETE,
                &format!("/api/projects/{id}/members/{user}"),
            )
            .await
            {
                error.set(Some(e.error));
            }
            version.update(|v| *v += 1);
        });
    };
    let email_id = format!("member-email-{id}");
    let role_id = format!("member-role-{id}");
    view! {
        <li class="card project-card" data-project=project.name.clone()>
            <h3>{project.name.clone()}</h3>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || members.get().map(|r| match r {
                    Err(e) => view! { <p class="error">{e.error}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No members yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="members">{list.into_iter().map(|m| {
                            let user = m.user_id;
                            view! {
                                <li>{m.email.clone()}" · "{m.role.as_str()}" "
                                    <button class="small" aria-label=format!("remove {}", m.email)
                                        on:click=move |_| remove(user)>"Remove"</button></li>
                            }
                        }).collect_view()}</ul>
                    }.into_any(),
                })}
            </Suspense>
            <form class="inline-form" aria-label=format!("Add member to {}", project.name) on:submit=add>
                <label for=email_id.clone()>"Member email"</label>
                <input id=email_id type="email" required bind:value=email/>
                <label for=role_id.clone()>"Role"</label>
                <select id=role_id on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                    <option value="uploader" selected>"uploader"</option>
                    <option value="reviewer">"reviewer"</option>
                </select>
                <button type="submit">"Add"</button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </form>
        </li>
    }
}

/// Storage per project and how long each keeps videos and results; what sweeps removed.
#[component]
fn StoragePanel() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let usage = LocalResource::new(move || {
        version.track();
        http::get::<Vec<api::ProjectStorage>>("/api/admin/storage")
    });
    let removed = LocalResource::new(move || {
        version.track();
        http::get::<Vec<api::Removal>>("/api/admin/removals")
    });
    view! {
        <section aria-labelledby="storage-title">
            <h2 id="storage-title">"Storage and retention"</h2>
            <p class="hint">"Workers remove, once a day, source videos and job results older than a project's limit — live streams' events, with their pictures and clips, count as results; pinned videos and jobs and events still going on stay. Empty: keep forever."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || usage.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="storage">
                            <thead><tr><th>"Project"</th><th>"Videos"</th><th>"Results"</th><th>"Keep videos (days)"</th><th>"Keep results (days)"</th><th></th></tr></thead>
                            <tbody>{list.into_iter().map(|p| view! { <RetentionRow project=p/> }).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                })}
            </Suspense>
            <h3>"Recently removed"</h3>
            {move || removed.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing yet."</p> }.into_any(),
                Ok(list) => view! {
                    <ul class="removals">{list.into_iter().take(20).map(|r| view! {
                        <li>{format!("{} · {} {} · {}", crate::format::time(&r.removed_at), r.kind, r.name, crate::format::bytes(r.bytes as f64))}</li>
                    }).collect_view()}</ul>
                }.into_any(),
            })}
        </section>
    }
}

#[component]
fn RetentionRow(project: api::ProjectStorage) -> impl IntoView {
    let id = project.project_id;
    let days = |d: Option<i32>| d.map(|d| d.to_string()).unwrap_or_default();
    let videos = RwSignal::new(days(project.retention.videos_days));
    let results = RwSignal::new(days(project.retention.artifacts_days));
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let save = move |_| {
        let parse = |s: String| s.trim().parse::<i32>().ok();
        let body = api::Retention {
            videos_days: parse(videos.get_untracked()),
            artifacts_days: parse(results.get_untracked()),
        };
        spawn_local(async move {
            match http::send_no_content(
                Method::PUT,
                &format!("/api/admin/projects/{id}/retention"),
                &body,
            )
            .await
            {
                Ok(()) => {
                    error.set(None);
                    saved.set(true);
                }
                Err(e) => error.set(Some(e.error)),
            }
        });
    };
    let label = project.name.clone();
    view! {
        <tr data-project=project.name.clone()>
            <td>{project.name.clone()}</td>
            <td>{format!("{} · {}", project.videos, crate::format::bytes(project.video_bytes as f64))}</td>
            <td>{format!("{} · {}", project.artifacts, crate::format::bytes(project.artifact_bytes as f64))}</td>
            <td><input type="number" min="1" aria-label=format!("keep videos of {label} (days)") bind:value=videos/></td>
            <td><input type="number" min="1" aria-label=format!("keep results of {} (days)", project.name) bind:value=results/></td>
            <td><button on:click=save>"Save"</button>
                {move || saved.get().then(|| view! { <span class="ok">" saved"</span> })}
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}</td>
        </tr>
    }
}
