//! Zones drawn with the mouse on a video's poster: click the corners, name the zone, save.
//! Coordinates are relative (0–1) so they fit any resolution; analyze jobs that run on the video
//! afterwards raise no fall inside them (a bed, a sofa).

use api::{Video, Zone};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::http::{self, Failure};

/// `"x1,y1 x2,y2 …"` for an SVG polygon in the 0–1 view box.
fn svg_points(points: &[[f32; 2]]) -> String {
    points
        .iter()
        .map(|[x, y]| format!("{x:.4},{y:.4}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The aspect ratio of a video's frame for CSS (`16 / 9` when unknown).
pub fn aspect(video: &Video) -> String {
    match (video.width, video.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => format!("{w} / {h}"),
        _ => "16 / 9".into(),
    }
}

/// Zones drawn on a picture: click corners, name the zone, finish it; remove one from the list.
/// `id` prefixes the inputs' ids so two can live on one page.
#[component]
pub fn ZoneDrawing(
    zones: RwSignal<Vec<Zone>>,
    poster: Option<String>,
    aspect: String,
    editable: bool,
    #[prop(into)] id: String,
) -> impl IntoView {
    let draft = RwSignal::new(Vec::<[f32; 2]>::new());
    let name = RwSignal::new(String::new());
    let click = move |ev: leptos::ev::MouseEvent| {
        if !editable {
            return;
        }
        let Some(target) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let r = target.get_bounding_client_rect();
        if r.width() <= 0.0 || r.height() <= 0.0 {
            return;
        }
        let x = ((ev.client_x() as f64 - r.left()) / r.width()).clamp(0.0, 1.0) as f32;
        let y = ((ev.client_y() as f64 - r.top()) / r.height()).clamp(0.0, 1.0) as f32;
        draft.update(|d| d.push([x, y]));
    };
    let finish = move |_| {
        let points = draft.get_untracked();
        if points.len() < 3 {
            return;
        }
        let mut label = name.get_untracked().trim().to_string();
        if label.is_empty() {
            label = format!("zone {}", zones.with_untracked(Vec::len) + 1);
        }
        zones.update(|z| {
            z.push(Zone {
                name: label,
                points,
            })
        });
        draft.set(Vec::new());
        name.set(String::new());
    };
    let name_id = format!("{id}-name");
    view! {
        <div class="zone-canvas" style=format!("aspect-ratio: {aspect}") on:click=click
            role="img" aria-label="The video's poster with its zones">
            {poster.map(|src| view! { <img src=src alt=""/> })}
            <svg viewBox="0 0 1 1" preserveAspectRatio="none">
                {move || zones.get().into_iter().map(|z| view! {
                    <polygon class="zone" points=svg_points(&z.points) data-zone=z.name.clone()></polygon>
                }).collect_view()}
                {move || {
                    let d = draft.get();
                    (!d.is_empty()).then(|| view! {
                        <polyline class="draft" points=svg_points(&d)></polyline>
                    })
                }}
            </svg>
            {move || zones.get().into_iter().map(|z| {
                let [x, y] = z.points[0];
                view! { <span class="zone-name" style=format!("left:{:.2}%;top:{:.2}%", x * 100.0, y * 100.0)>{z.name}</span> }
            }).collect_view()}
            {move || draft.get().into_iter().map(|[x, y]| view! {
                <span class="corner" style=format!("left:{:.2}%;top:{:.2}%", x * 100.0, y * 100.0)></span>
            }).collect_view()}
        </div>
        <ul class="zone-list">
            {move || zones.get().into_iter().enumerate().map(|(i, z)| view! {
                <li data-zone=z.name.clone()>{z.name.clone()}
                    <span class="muted">{format!(" · {} corners", z.points.len())}</span>
                    {editable.then(|| view! {
                        <button type="button" on:click=move |_| zones.update(|all| { all.remove(i); })>"Remove"</button>
                    })}
                </li>
            }).collect_view()}
        </ul>
        {editable.then(|| view! {
            <div class="actions">
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id type="text" placeholder="e.g. bed" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <button type="button" on:click=finish disabled={move || draft.get().len() < 3}>"Finish zone"</button>
                <button type="button" on:click=move |_| draft.update(|d| { d.pop(); }) disabled=move || draft.get().is_empty()>"Undo corner"</button>
            </div>
        })}
    }
}

/// A video's saved zones, drawn on its poster.
#[component]
pub fn ZoneEditor(video: Video, may_write: bool) -> impl IntoView {
    let id = video.id;
    let zones = RwSignal::new(video.zones.clone());
    let stored = RwSignal::new(video.zones.clone());
    let failure = RwSignal::new(None::<Failure>);
    let save = move |_| {
        failure.set(None);
        let body = zones.get_untracked();
        spawn_local(async move {
            match http::send::<Video>(
                gloo_net::http::Method::PUT,
                &format!("/api/videos/{id}/zones"),
                &body,
            )
            .await
            {
                Ok(v) => {
                    zones.set(v.zones.clone());
                    stored.set(v.zones);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let poster = video.has_poster.then(|| format!("/api/videos/{id}/poster"));
    view! {
        <section class="zones" aria-labelledby="zones-title">
            <h2 id="zones-title">"Zones"</h2>
            <p class="hint">{if may_write {
                "Click the corners of an area where falls are expected (a bed, a sofa), name it and save: analyze jobs started afterwards raise no fall inside it."
            } else {
                "Areas where analyze jobs raise no fall."
            }}</p>
            <ZoneDrawing zones poster aspect=aspect(&video) editable=may_write id="zone"/>
            {may_write.then(|| view! {
                <div class="actions">
                    <button type="button" class="primary" on:click=save>"Save zones"</button>
                    {move || (zones.get() == stored.get()).then(|| view! { <span class="ok" role="status">"Saved"</span> })}
                </div>
            })}
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
        </section>
    }
}
