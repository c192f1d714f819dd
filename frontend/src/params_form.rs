//! One job parameter as a form field, from the API's description of it: a checkbox, a number with
//! its unit and range, a drop-down, checkboxes, a text box — and sub-forms for the nested ones
//! (the anonymize filter, label rules, zones drawn on a poster, a scorer's weights). Values are
//! written into the job's parameters at the parameter's dotted path.

use api::{CountingLine, Model, ParamInfo, ParamInput, Video, Zone};
use leptos::prelude::*;
use serde_json::{Map, Value, json};

use crate::job_form::FieldError;
use crate::zones::{ZoneDrawing, aspect, ratio};

/// The value at a dotted path.
pub fn get_at(root: &Value, path: &str) -> Value {
    path.split('.')
        .try_fold(root, |v, key| v.get(key))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Sets the value at a dotted path, making the objects on the way.
pub fn set_at(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let object = node.as_object_mut().expect("made an object above");
        if keys.peek().is_none() {
            object.insert(key.to_string(), value);
            return;
        }
        node = object.entry(key.to_string()).or_insert(Value::Null);
    }
}

/// `over` laid on `base`: objects merged key by key, anything else replaced (a preset over the
/// defaults).
pub fn merged(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let next = b.get(k).map_or_else(|| v.clone(), |old| merged(old, v));
                out.insert(k.clone(), next);
            }
            Value::Object(out)
        }
        (_, o) => o.clone(),
    }
}

/// A number as typed: an integer when it is one, the text itself when it is no number (so the
/// API names the problem at this field).
fn typed_number(text: String) -> Value {
    match text.trim().parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
        Ok(f) => serde_json::Number::from_f64(f).map_or(Value::String(text), Value::Number),
        Err(_) => Value::String(text),
    }
}

/// Settings stored as f32 read back as 0.20000000298023224; seven significant digits is what
/// they hold.
fn readable(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if v.is_f64() => format!("{f:.6e}")
            .parse::<f64>()
            .map_or_else(|_| v.to_string(), |r| r.to_string()),
        Some(_) => v.to_string(),
        None => v.as_str().map(str::to_string).unwrap_or_default(),
    }
}

#[component]
pub fn ParamField(
    info: ParamInfo,
    params: RwSignal<Value>,
    error: Signal<Option<String>>,
    models: Vec<Model>,
    videos: Signal<Vec<Video>>,
) -> impl IntoView {
    let path = info.path.clone();
    let id = format!("param-{}", path.replace('.', "-"));
    let current = params.with_untracked(|p| get_at(p, &path));
    let set = {
        let path = path.clone();
        move |v: Value| params.update(|p| set_at(p, &path, v))
    };
    let unit = info
        .unit
        .clone()
        .map(|u| view! { <span class="unit">{u}</span> });
    let help = view! { <p class="help">{info.help.clone()}</p> };
    let label = info.label.clone();
    let body = match info.input.clone() {
        ParamInput::Toggle => view! {
            <div class="toggle">
                <input id=id.clone() type="checkbox" prop:checked=current.as_bool().unwrap_or(false)
                    on:change=move |ev| set(Value::Bool(event_target_checked(&ev)))/>
                <label for=id.clone()>{label}</label>
            </div>
            {help}
        }
        .into_any(),
        ParamInput::Integer { min, max } => view! {
            <label for=id.clone()>{label}</label>
            <div class="with-unit">
                <input id=id.clone() type="number" step="1" min=min max=max value=readable(&current)
                    on:input=move |ev| set(typed_number(event_target_value(&ev)))/>
                {unit}
            </div>
            {help}
        }
        .into_any(),
        ParamInput::Number { min, max, step } => view! {
            <label for=id.clone()>{label}</label>
            <div class="with-unit">
                <input id=id.clone() type="number" step=step min=min max=max value=readable(&current)
                    on:input=move |ev| set(typed_number(event_target_value(&ev)))/>
                {unit}
            </div>
            {help}
        }
        .into_any(),
        ParamInput::Choice { options } => {
            let now = current.as_str().unwrap_or_default().to_string();
            view! {
                <label for=id.clone()>{label}</label>
                <select id=id.clone() on:change=move |ev| set(Value::String(event_target_value(&ev)))>
                    {options.into_iter().map(|o| {
                        let selected = o == now;
                        view! { <option value=o.clone() selected=selected>{o.clone()}</option> }
                    }).collect_view()}
                </select>
                {help}
            }
            .into_any()
        }
        ParamInput::Several { options } => {
            let on: Vec<String> = current
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let chosen = RwSignal::new(on);
            view! {
                <fieldset class="several" id=id.clone()>
                    <legend>{label}</legend>
                    {options.into_iter().map(|o| {
                        let box_id = format!("{id}-{o}");
                        let word = o.clone();
                        let set = set.clone();
                        view! {
                            <span class="toggle">
                                <input type="checkbox" id=box_id.clone() prop:checked=chosen.get_untracked().contains(&o)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|x| *x != word); if on { c.push(word.clone()) } });
                                        set(json!(chosen.get_untracked()));
                                    }/>
                                <label for=box_id>{o.clone()}</label>
                            </span>
                        }
                    }).collect_view()}
                </fieldset>
                {help}
            }
            .into_any()
        }
        ParamInput::Text | ParamInput::Job => {
            let placeholder = if matches!(info.input, ParamInput::Job) {
                "a job id (optional)"
            } else {
                "optional"
            };
            view! {
                <label for=id.clone()>{label}</label>
                <input id=id.clone() type="text" placeholder=placeholder value=readable(&current)
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        set(if text.trim().is_empty() { Value::Null } else { Value::String(text) })
                    }/>
                {help}
            }
            .into_any()
        }
        ParamInput::LongText => view! {
            <label for=id.clone()>{label}</label>
            <textarea id=id.clone() rows="3" spellcheck="false" placeholder="optional"
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    set(if text.trim().is_empty() { Value::Null } else { Value::String(text) })
                }>{readable(&current)}</textarea>
            {help}
        }
        .into_any(),
        ParamInput::Model { service } => {
            let now = current.as_str().unwrap_or_default().to_string();
            let options: Vec<(String, String)> = models
                .iter()
                .filter(|m| m.service == service)
                .map(|m| (m.id.to_string(), m.name.clone()))
                .collect();
            view! {
                <label for=id.clone()>{label}</label>
                <select id=id.clone() on:change=move |ev| {
                    let v = event_target_value(&ev);
                    set(if v.is_empty() { Value::Null } else { Value::String(v) })
                }>
                    <option value="">"none: the scorer alone"</option>
                    {options.into_iter().map(|(value, text)| {
                        let selected = value == now;
                        view! { <option value=value selected=selected>{text}</option> }
                    }).collect_view()}
                </select>
                {help}
            }
            .into_any()
        }
        ParamInput::Weights { parts } => view! {
            <fieldset class="weights" id=id.clone()>
                <legend>{label}</legend>
                {parts.into_iter().enumerate().map(|(i, part)| {
                    let part_id = format!("{id}-{i}");
                    let value = current.get(i).map(readable).unwrap_or_default();
                    let path = path.clone();
                    view! {
                        <span class="weight">
                            <label for=part_id.clone()>{part}</label>
                            <input id=part_id type="number" min="0" max="1" step="0.05" value=value
                                on:input=move |ev| {
                                    let v = typed_number(event_target_value(&ev));
                                    params.update(|p| {
                                        let mut all = get_at(p, &path);
                                        if let Some(slot) = all.get_mut(i) { *slot = v; }
                                        set_at(p, &path, all);
                                    });
                                }/>
                        </span>
                    }
                }).collect_view()}
            </fieldset>
            {help}
        }
        .into_any(),
        ParamInput::Filter => view! { <FilterForm id label current set=Callback::new(set)/> {help} }.into_any(),
        ParamInput::Labels => view! { <LabelRules id label current set=Callback::new(set) videos/> {help} }.into_any(),
        ParamInput::Zones => view! { <DrawnField id label current set=Callback::new(set) videos lines=false/> {help} }.into_any(),
        ParamInput::Lines => view! { <DrawnField id label current set=Callback::new(set) videos lines=true/> {help} }.into_any(),
    };
    view! {
        <div class=move || if error.get().is_some() { "field invalid" } else { "field" } data-param=info.path.clone()>
            {body}
            <FieldError message=error/>
        </div>
    }
}

/// Blur with its strength, mosaic with its block size, or a flat colour.
#[component]
fn FilterForm(id: String, label: String, current: Value, set: Callback<Value>) -> impl IntoView {
    let filter = RwSignal::new(current);
    let kind = move || {
        filter.with(|f| {
            f.get("kind")
                .and_then(Value::as_str)
                .unwrap_or("blur")
                .to_string()
        })
    };
    let change = move |f: Value| {
        filter.set(f.clone());
        set.run(f);
    };
    let kind_id = format!("{id}-kind");
    let now = kind();
    view! {
        <label for=kind_id.clone()>{label}</label>
        <select id=kind_id on:change=move |ev| change(match event_target_value(&ev).as_str() {
            "mosaic" => json!({"kind": "mosaic", "block": 12}),
            "solid" => json!({"kind": "solid", "colour": [0, 0, 0]}),
            _ => json!({"kind": "blur", "strength": 0.5}),
        })>
            {["blur", "mosaic", "solid"].into_iter().map(|k| {
                view! { <option value=k selected={k == now}>{k}</option> }
            }).collect_view()}
        </select>
        {move || match kind().as_str() {
            "mosaic" => {
                let block = filter.with(|f| f.get("block").map(readable).unwrap_or_default());
                view! {
                    <label for="filter-block">"Block size"</label>
                    <div class="with-unit">
                        <input id="filter-block" type="number" min="2" max="256" step="1" value=block
                            on:input=move |ev| change(json!({"kind": "mosaic", "block": typed_number(event_target_value(&ev))}))/>
                        <span class="unit">"px"</span>
                    </div>
                }.into_any()
            }
            "solid" => {
                let rgb: Vec<u64> = filter.with(|f| {
                    f.get("colour").and_then(Value::as_array)
                        .map(|a| a.iter().map(|c| c.as_u64().unwrap_or(0)).collect())
                        .unwrap_or_default()
                });
                let hex = format!("#{:02x}{:02x}{:02x}", rgb.first().copied().unwrap_or(0), rgb.get(1).copied().unwrap_or(0), rgb.get(2).copied().unwrap_or(0));
                view! {
                    <label for="filter-colour">"Colour"</label>
                    <input id="filter-colour" type="color" value=hex
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            let byte = |i: usize| u8::from_str_radix(v.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
                            change(json!({"kind": "solid", "colour": [byte(1), byte(3), byte(5)]}));
                        }/>
                }.into_any()
            }
            _ => {
                let strength = filter.with(|f| f.get("strength").map(readable).unwrap_or_default());
                view! {
                    <label for="filter-strength">"Blur strength"</label>
                    <div class="with-unit">
                        <input id="filter-strength" type="number" min="0.01" max="1" step="0.05" value=strength
                            on:input=move |ev| change(json!({"kind": "blur", "strength": typed_number(event_target_value(&ev))}))/>
                        <span class="unit">"of the mask"</span>
                    </div>
                }.into_any()
            }
        }}
    }
}

/// One row per rule: the video (one of those chosen), its class, and optionally a time span.
#[component]
fn LabelRules(
    id: String,
    label: String,
    current: Value,
    set: Callback<Value>,
    videos: Signal<Vec<Video>>,
) -> impl IntoView {
    let rows = RwSignal::new(current.as_array().cloned().unwrap_or_default());
    let save = move || set.run(Value::Array(rows.get_untracked()));
    let edit = move |i: usize, key: &'static str, v: Value| {
        rows.update(|r| {
            if let Some(row) = r.get_mut(i) {
                if v.is_null() {
                    row.as_object_mut().map(|o| o.remove(key));
                } else {
                    row[key] = v;
                }
            }
        });
        save();
    };
    let add = move |_| {
        let first = videos
            .get_untracked()
            .first()
            .map(|v| v.filename.clone())
            .unwrap_or_default();
        rows.update(|r| r.push(json!({"video": first, "label": ""})));
        save();
    };
    let number = |text: String| {
        if text.trim().is_empty() {
            Value::Null
        } else {
            typed_number(text)
        }
    };
    view! {
        <fieldset class="label-rules" id=id.clone()>
            <legend>{label}</legend>
            <table>
                <thead><tr><th>"Video"</th><th>"Class"</th><th>"From (s)"</th><th>"To (s)"</th><th></th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().enumerate().map(|(i, row)| {
                        let video = row["video"].as_str().unwrap_or_default().to_string();
                        let mut names: Vec<String> = videos.get().into_iter().map(|v| v.filename).collect();
                        if !video.is_empty() && !names.contains(&video) { names.insert(0, video.clone()); }
                        view! {
                            <tr>
                                <td><select aria-label=format!("Video of rule {}", i + 1)
                                    on:change=move |ev| edit(i, "video", Value::String(event_target_value(&ev)))>
                                    {names.into_iter().map(|n| {
                                        let selected = n == video;
                                        view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                                    }).collect_view()}
                                </select></td>
                                <td><input type="text" aria-label=format!("Class of rule {}", i + 1) value=readable(&row["label"])
                                    on:input=move |ev| edit(i, "label", Value::String(event_target_value(&ev)))/></td>
                                <td><input type="number" min="0" step="0.1" aria-label=format!("Start of rule {}", i + 1) value=readable(&row["start"])
                                    on:input=move |ev| edit(i, "start", number(event_target_value(&ev)))/></td>
                                <td><input type="number" min="0" step="0.1" aria-label=format!("End of rule {}", i + 1) value=readable(&row["end"])
                                    on:input=move |ev| edit(i, "end", number(event_target_value(&ev)))/></td>
                                <td><button type="button" on:click=move |_| { rows.update(|r| { r.remove(i); }); save(); }>"Remove"</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <button type="button" on:click=add>"Add a rule"</button>
        </fieldset>
    }
}

/// Zones (or, with `lines`, counting lines) drawn on the poster of the first video chosen;
/// they apply to every video of the job.
#[component]
fn DrawnField(
    id: String,
    label: String,
    current: Value,
    set: Callback<Value>,
    videos: Signal<Vec<Video>>,
    lines: bool,
) -> impl IntoView {
    let (zones, drawn_lines) = if lines {
        (
            Vec::new(),
            serde_json::from_value::<Vec<CountingLine>>(current).unwrap_or_default(),
        )
    } else {
        (
            serde_json::from_value::<Vec<Zone>>(current).unwrap_or_default(),
            Vec::new(),
        )
    };
    let (zones, drawn_lines) = (RwSignal::new(zones), RwSignal::new(drawn_lines));
    Effect::new(move |_| {
        let value = if lines {
            serde_json::to_value(drawn_lines.get())
        } else {
            serde_json::to_value(zones.get())
        };
        set.run(value.unwrap_or(Value::Array(Vec::new())));
    });
    let drawing_id = format!("{id}-{}", if lines { "line" } else { "zone" });
    let (what, arrow) = if lines {
        ("lines", " The arrow points to “in”.")
    } else {
        ("zones", "")
    };
    view! {
        <fieldset class="zones-field" id=id>
            <legend>{label}</legend>
            {move || match videos.get().into_iter().next() {
                Some(v) => {
                    let poster = v.has_poster.then(|| format!("/api/videos/{}/poster", v.id));
                    let lines = lines.then_some(drawn_lines);
                    view! {
                        <p class="hint">{format!("Drawn on {}; they apply to every video of the job.{arrow}", v.filename)}</p>
                        <ZoneDrawing zones lines poster aspect=aspect(&v) ratio=ratio(&v)
                            editable=true only_lines=lines.is_some() id=drawing_id.clone()/>
                    }.into_any()
                }
                None => view! { <p class="hint">{format!("Choose a video to draw {what} on its picture.")}</p> }.into_any(),
            }}
        </fieldset>
    }
}
