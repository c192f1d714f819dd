//! The project's skeleton classifiers: what is registered (service, contract, size), a form to
//! register one — the ONNX file and its contract field by field, never JSON — and delete.
//! The server checks every upload against its contract; what disagrees shows at its field.

use api::Model;
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::http::{self, Failure, field_alert};
use crate::{format, session::use_session};

#[component]
pub fn ModelsPage() -> impl IntoView {
    let session = use_session();
    let changed = RwSignal::new(0u32);
    let models = LocalResource::new(move || {
        changed.get();
        let project = session.project.get();
        async move {
            match project {
                Some(p) => http::get::<Vec<Model>>(format!("/api/projects/{p}/models")).await,
                None => Ok(Vec::new()),
            }
        }
    });
    view! {
        <h1>"Models"</h1>
        <p class="hint">"Skeleton action classifiers (ST-GCN and the like, exported to ONNX) that analyze jobs fuse with the fall and fight scorers. Each is checked against its contract when uploaded."</p>
        {move || match session.project.get() {
            None => view! { <p class="notice">"Choose a project first."</p> }.into_any(),
            Some(project) => view! {
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || models.get().map(|r| match r {
                        Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                        Ok(list) => view! { <ModelList list may_write=session.can_write(project) changed/> }.into_any(),
                    })}
                </Suspense>
                {session.can_write(project).then(|| view! { <UploadModel project changed/> })}
            }.into_any(),
        }}
    }
}

#[component]
fn ModelList(list: Vec<Model>, may_write: bool, changed: RwSignal<u32>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    if list.is_empty() {
        return view! { <p class="muted">"No models in this project yet: analyze jobs use the scorers alone."</p> }
            .into_any();
    }
    view! {
        <table class="models">
            <thead><tr><th>"Name"</th><th>"Service"</th><th>"Input"</th><th>"Classes (event)"</th><th>"Size"</th><th>"Added"</th><th></th></tr></thead>
            <tbody>
                {list.into_iter().map(|m| {
                    let c = &m.contract;
                    let input = format!(
                        "{} · {} frames{} · {} persons · {} channels · {}",
                        c["layout"].as_str().unwrap_or("?"),
                        c["frames"],
                        c["fps"].as_f64().map(|f| format!(" at {f} fps")).unwrap_or_default(),
                        c["persons"],
                        c["channels"],
                        c["normalization"].as_str().unwrap_or("?").replace('_', " "),
                    );
                    let classes: Vec<String> = c["classes"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
                    let id = m.id;
                    let delete = move |_| {
                        spawn_local(async move {
                            match http::call(Method::DELETE, &format!("/api/models/{id}")).await {
                                Ok(()) => changed.update(|n| *n += 1),
                                Err(e) => error.set(Some(e.error)),
                            }
                        });
                    };
                    view! {
                        <tr data-model=m.name.clone()>
                            <td>{m.name.clone()}</td>
                            <td><strong class=format!("service {}", m.service)>{m.service.clone()}</strong></td>
                            <td>{input}</td>
                            <td>{classes.join(", ")}" ("{c["event_class"].as_str().unwrap_or("?").to_string()}")"</td>
                            <td>{format::bytes(m.bytes as f64)}</td>
                            <td>{format::time(&m.created_at)}</td>
                            <td>{may_write.then(|| view! { <button class="danger" on:click=delete>"Delete"</button> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
    .into_any()
}

/// A labelled control in the form's grid.
fn row(
    id: &'static str,
    label: &'static str,
    control: AnyView,
    failure: RwSignal<Option<Failure>>,
    field: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            {move || field_alert(failure, field)}
        </div>
    }
}

#[component]
fn UploadModel(project: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let file = NodeRef::<leptos::html::Input>::new();
    let (name, service, layout) = (
        RwSignal::new(String::new()),
        RwSignal::new("fall".to_string()),
        RwSignal::new("NMTVC".to_string()),
    );
    let (channels, frames, persons) = (
        RwSignal::new(3u32),
        RwSignal::new(100u32),
        RwSignal::new(1u32),
    );
    let normalization = RwSignal::new("image_centered".to_string());
    let (classes, event_class) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (output, fps) = (
        RwSignal::new("probabilities".to_string()),
        RwSignal::new(String::new()),
    );
    // the usual exports, one click each
    let mmaction = move |_| {
        layout.set("NMTVC".into());
        channels.set(3);
        normalization.set("image_centered".into());
        output.set("logits".into());
    };
    let paddle = move |_| {
        layout.set("NCTVM".into());
        channels.set(2);
        normalization.set("box".into());
        output.set("probabilities".into());
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let Some(input) = file.get() else { return };
        let Some(chosen) = input.files().and_then(|f| f.get(0)) else {
            failure.set(Some(Failure {
                status: 422,
                error: "choose the model's .onnx file".into(),
                field: Some("file".into()),
            }));
            return;
        };
        let class_list: Vec<String> = classes
            .get_untracked()
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        let mut contract = json!({
            "layout": layout.get_untracked(), "channels": channels.get_untracked(), "frames": frames.get_untracked(),
            "persons": persons.get_untracked(), "normalization": normalization.get_untracked(),
            "classes": class_list, "event_class": event_class.get_untracked().trim(), "output": output.get_untracked(),
        });
        if let Ok(f) = fps.get_untracked().trim().parse::<f64>() {
            contract["fps"] = json!(f);
        }
        let Ok(form) = web_sys::FormData::new() else {
            return;
        };
        let _ = form.append_with_str("name", name.get_untracked().trim());
        let _ = form.append_with_str("service", &service.get_untracked());
        let _ = form.append_with_str("contract", &contract.to_string());
        let _ = form.append_with_blob_and_filename("file", chosen.unchecked_ref(), &chosen.name());
        busy.set(true);
        spawn_local(async move {
            match http::post_form::<Model>(&format!("/api/projects/{project}/models"), form).await {
                Ok(_) => {
                    name.set(String::new());
                    if let Some(i) = file.get_untracked() {
                        i.set_value("");
                    }
                    changed.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let text = |signal: RwSignal<String>, id: &'static str, placeholder: &'static str| {
        view! { <input id=id type="text" placeholder=placeholder prop:value=move || signal.get()
        on:input=move |ev| signal.set(event_target_value(&ev))/> }
        .into_any()
    };
    let number = |signal: RwSignal<u32>, id: &'static str| {
        view! { <input id=id type="number" min="1" prop:value=move || signal.get().to_string()
        on:input=move |ev| signal.set(event_target_value(&ev).parse().unwrap_or(0))/> }
        .into_any()
    };
    let select = |signal: RwSignal<String>,
                  id: &'static str,
                  options: &'static [(&'static str, &'static str)]| {
        view! { <select id=id prop:value=move || signal.get() on:change=move |ev| signal.set(event_target_value(&ev))>
            {options.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
        </select> }.into_any()
    };
    view! {
        <form class="card job-form" aria-label="Add a model" on:submit=submit novalidate>
            <h2>"Add a model"</h2>
            {row("model-name", "Name", text(name, "model-name", "e.g. fall ST-GCN v2"), failure, "name")}
            {row("model-service", "Service", select(service, "model-service", &[("fall", "fall"), ("fight", "fight")]), failure, "service")}
            {row("model-file", "ONNX file", view! { <input id="model-file" type="file" accept=".onnx" node_ref=file/> }.into_any(), failure, "file")}
            <fieldset>
                <legend>"Contract: what the model reads and returns"</legend>
                <p class="hint">"Fill in from: "
                    <button type="button" on:click=mmaction>"MMAction2 export"</button>" "
                    <button type="button" on:click=paddle>"PaddleVideo / PP-Human"</button></p>
                {row("model-layout", "Input layout", select(layout, "model-layout", &[("NMTVC", "N, M, T, V, C (MMAction2)"), ("NCTVM", "N, C, T, V, M (PaddleVideo)")]), failure, "-")}
                {row("model-channels", "Channels", select_number(channels), failure, "-")}
                {row("model-frames", "Frames per window (T)", number(frames, "model-frames"), failure, "-")}
                {row("model-fps", "Trained at (fps)", text(fps, "model-fps", "optional: windows resampled to it"), failure, "-")}
                {row("model-persons", "People per window (M)", number(persons, "model-persons"), failure, "-")}
                {row("model-normalization", "Coordinates", select(normalization, "model-normalization", &[
                    ("image_centered", "−1…1 over the frame (PreNormalize2D)"), ("image", "0…1 over the frame"),
                    ("box", "0…1 over the person's box"), ("pixels", "pixels")]), failure, "-")}
                {row("model-classes", "Classes, in output order", text(classes, "model-classes", "e.g. normal, fall"), failure, "-")}
                {row("model-event-class", "Event class", text(event_class, "model-event-class", "e.g. fall"), failure, "-")}
                {row("model-output", "Output", select(output, "model-output", &[("probabilities", "probabilities"), ("logits", "logits (softmax applied)")]), failure, "-")}
                {move || field_alert(failure, "contract")}
            </fieldset>
            {move || failure.get().filter(|f| f.field.is_none()).map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>"Check and add"</button>
        </form>
    }
}

fn select_number(signal: RwSignal<u32>) -> AnyView {
    view! {
        <select id="model-channels" prop:value=move || signal.get().to_string()
            on:change=move |ev| signal.set(event_target_value(&ev).parse().unwrap_or(3))>
            <option value="3">"3: x, y, keypoint score"</option>
            <option value="2">"2: x, y"</option>
        </select>
    }
    .into_any()
}
