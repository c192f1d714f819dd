//! Zones drawn with the mouse on a video's poster: click the corners, name the zone, save.
//! Coordinates are relative (0–1) so they fit any resolution; analyze jobs that run on the video
//! afterwards raise no fall inside them (a bed, a sofa).

use api::{CountingLine, FootfallLayout, Video, Zone};
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

/// The frame's width over its height (16 / 9 when unknown).
pub fn ratio(video: &Video) -> f64 {
    match (video.width, video.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => w as f64 / h as f64,
        _ => 16.0 / 9.0,
    }
}

/// What a click on the picture adds to.
#[derive(Clone, Copy, PartialEq)]
enum Drawing {
    Zone,
    Line,
}

/// Zones (and, when `lines` is given, counting lines) drawn on a picture: click corners (or a
/// line's two ends), name it, finish it; remove one from the list. `id` prefixes the inputs' ids
/// so two can live on one page.
#[component]
pub fn ZoneDrawing(
    zones: RwSignal<Vec<Zone>>,
    poster: Option<String>,
    aspect: String,
    editable: bool,
    #[prop(into)] id: String,
    /// Counting lines drawn on the same picture; none: zones only.
    #[prop(default = None)]
    lines: Option<RwSignal<Vec<CountingLine>>>,
    /// The frame's width over its height (for the lines' "in" arrows).
    #[prop(default = 16.0 / 9.0)]
    ratio: f64,
    /// Lines only (no zone to draw).
    #[prop(optional)]
    only_lines: bool,
) -> impl IntoView {
    let draft = RwSignal::new(Vec::<[f32; 2]>::new());
    let name = RwSignal::new(String::new());
    let mode = RwSignal::new(if only_lines {
        Drawing::Line
    } else {
        Drawing::Zone
    });
    let wanted = move || match mode.get() {
        Drawing::Zone => 3,
        Drawing::Line => 2,
    };
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
        let line = mode.get_untracked() == Drawing::Line;
        draft.update(|d| {
            // a line has two ends: a third click starts it again from there
            if line && d.len() == 2 {
                d.clear();
            }
            d.push([x, y])
        });
    };
    let finish = move |_| {
        let points = draft.get_untracked();
        let mut label = name.get_untracked().trim().to_string();
        match (mode.get_untracked(), lines) {
            (Drawing::Line, Some(lines)) if points.len() == 2 => {
                if label.is_empty() {
                    label = format!("line {}", lines.with_untracked(Vec::len) + 1);
                }
                lines.update(|l| {
                    l.push(CountingLine {
                        name: label,
                        a: points[0],
                        b: points[1],
                    })
                });
            }
            (Drawing::Zone, _) if points.len() >= 3 => {
                if label.is_empty() {
                    label = format!("zone {}", zones.with_untracked(Vec::len) + 1);
                }
                zones.update(|z| {
                    z.push(Zone {
                        name: label,
                        points,
                    })
                });
            }
            _ => return,
        }
        draft.set(Vec::new());
        name.set(String::new());
    };
    let name_id = format!("{id}-name");
    let mode_name = format!("{id}-mode");
    let all_lines = move || lines.map(|l| l.get()).unwrap_or_default();
    view! {
        <div class="zone-canvas" style=format!("aspect-ratio: {aspect}") on:click=click
            role="img" aria-label="The video's poster with its zones">
            {poster.map(|src| view! { <img src=src alt=""/> })}
            <svg viewBox="0 0 1 1" preserveAspectRatio="none">
                {move || zones.get().into_iter().map(|z| view! {
                    <polygon class="zone" points=svg_points(&z.points) data-zone=z.name.clone()></polygon>
                }).collect_view()}
                {move || all_lines().into_iter().map(|l| view! {
                    <line class="count-line" x1=l.a[0] y1=l.a[1] x2=l.b[0] y2=l.b[1] data-line=l.name.clone()></line>
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
            {move || all_lines().into_iter().map(|l| {
                // "in" is a crossing to the right of a → b; the arrow points there
                let (dx, dy) = (((l.b[0] - l.a[0]) as f64) * ratio, (l.b[1] - l.a[1]) as f64);
                let degrees = dx.atan2(-dy).to_degrees();
                let mid = ((l.a[0] + l.b[0]) * 50.0, (l.a[1] + l.b[1]) * 50.0);
                view! {
                    <span class="line-name" style=format!("left:{:.2}%;top:{:.2}%", l.a[0] * 100.0, l.a[1] * 100.0)>{l.name.clone()}</span>
                    <span class="line-in" title="crossing this way counts as in"
                        style=format!("left:{:.2}%;top:{:.2}%;transform:translate(-50%,-50%) rotate({degrees:.0}deg) translateX(14px)", mid.0, mid.1)>"➜"</span>
                }
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
            {move || all_lines().into_iter().enumerate().map(|(i, l)| view! {
                <li data-line=l.name.clone()>{l.name.clone()}
                    <span class="muted">" · line"</span>
                    {editable.then(|| view! {
                        <button type="button" on:click=move |_| if let Some(lines) = lines { lines.update(|all| { all.remove(i); }) }>"Remove"</button>
                    })}
                </li>
            }).collect_view()}
        </ul>
        {editable.then(|| view! {
            <div class="actions">
                {(lines.is_some() && !only_lines).then(|| view! {
                    <span role="radiogroup" aria-label="What a click draws">
                        <label><input type="radio" name=mode_name.clone() checked=true
                            on:change=move |_| { mode.set(Drawing::Zone); draft.set(Vec::new()); }/>" Zone"</label>
                        <label><input type="radio" name=mode_name.clone()
                            on:change=move |_| { mode.set(Drawing::Line); draft.set(Vec::new()); }/>" Line"</label>
                    </span>
                })}
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id type="text" placeholder=move || if mode.get() == Drawing::Line { "e.g. door" } else { "e.g. bed" }
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <button type="button" on:click=finish disabled=move || draft.get().len() < wanted()>
                    {move || if mode.get() == Drawing::Line { "Finish line" } else { "Finish zone" }}</button>
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
            <h2 id="zones-title">"Zones without falls"</h2>
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

/// A video's footfall zones and counting lines, drawn on its poster.
#[component]
pub fn FootfallEditor(video: Video, may_write: bool) -> impl IntoView {
    let id = video.id;
    let zones = RwSignal::new(video.footfall.zones.clone());
    let lines = RwSignal::new(video.footfall.lines.clone());
    let stored = RwSignal::new(video.footfall.clone());
    let failure = RwSignal::new(None::<Failure>);
    let save = move |_| {
        failure.set(None);
        let body = FootfallLayout {
            zones: zones.get_untracked(),
            lines: lines.get_untracked(),
        };
        spawn_local(async move {
            match http::send::<Video>(
                gloo_net::http::Method::PUT,
                &format!("/api/videos/{id}/footfall"),
                &body,
            )
            .await
            {
                Ok(v) => {
                    zones.set(v.footfall.zones.clone());
                    lines.set(v.footfall.lines.clone());
                    stored.set(v.footfall);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let poster = video.has_poster.then(|| format!("/api/videos/{id}/poster"));
    let saved = move || {
        let s = stored.get();
        zones.get() == s.zones && lines.get() == s.lines
    };
    view! {
        <section class="zones footfall-layout" aria-labelledby="footfall-title">
            <h2 id="footfall-title">"Footfall: zones and lines"</h2>
            <p class="hint">{if may_write {
                "Where to count people: draw zones (a shop's aisle, a queue) and counting lines (a door) and save. Analyze jobs with footfall on count them on this video: entries, visits, time spent, crossings in and out (the arrow points to “in”)."
            } else {
                "Where analyze jobs count people on this video."
            }}</p>
            <ZoneDrawing zones lines=Some(lines) poster aspect=aspect(&video) ratio=ratio(&video) editable=may_write id="footfall"/>
            {may_write.then(|| view! {
                <div class="actions">
                    <button type="button" class="primary" on:click=save>"Save zones and lines"</button>
                    {move || saved().then(|| view! { <span class="ok" role="status">"Saved"</span> })}
                </div>
            })}
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.error}</p> })}
        </section>
    }
}
