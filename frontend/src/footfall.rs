//! An analyze job's footfall, per video: the heatmap on the place's people-free picture with a
//! window selector (the whole video or each time window), the zone table for the chosen window,
//! the line counts, the occupancy and dwell charts, and footfall.html to download.

use api::Artifact;
use leptos::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::http;

/// A count, or a dash where the window has none (the fading picture has no zone numbers).
fn count(v: &Value) -> String {
    v.as_u64().map_or_else(|| "—".into(), |n| n.to_string())
}

fn seconds(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "—".into(), |v| format!("{v:.1} s"))
}

/// One section per video with footfall in `artifacts`.
#[component]
pub fn FootfallResults(artifacts: Vec<Artifact>) -> impl IntoView {
    let mut videos: Vec<Uuid> = artifacts
        .iter()
        .filter(|a| a.filename == "footfall.json")
        .filter_map(|a| a.video_id)
        .collect();
    videos.dedup();
    videos
        .into_iter()
        .map(|video| {
            let files: Vec<Artifact> = artifacts
                .iter()
                .filter(|a| a.video_id == Some(video) && a.kind.starts_with("footfall"))
                .cloned()
                .collect();
            view! { <VideoFootfall files/> }
        })
        .collect_view()
}

#[component]
fn VideoFootfall(files: Vec<Artifact>) -> impl IntoView {
    let url = |name: &str| {
        files
            .iter()
            .find(|a| a.filename == name)
            .map(|a| format!("/api/artifacts/{}/download", a.id))
    };
    let summary_url = url("footfall.json").unwrap_or_default();
    let page_url = url("footfall.html");
    let pictures: Vec<(String, Option<String>)> = files
        .iter()
        .filter(|a| a.filename.ends_with(".png") && a.filename.starts_with("heatmap"))
        .map(|a| {
            (
                a.filename.clone(),
                Some(format!("/api/artifacts/{}/download", a.id)),
            )
        })
        .collect();
    let charts: Vec<(&str, &str, Option<String>)> = [
        ("occupancy", "People inside each zone over time"),
        ("dwell", "How long visits lasted, per zone"),
    ]
    .into_iter()
    .map(|(name, caption)| (name, caption, url(&format!("{name}.svg"))))
    .collect();
    let downloads: Vec<(String, String)> = files
        .iter()
        .filter(|a| a.filename.ends_with(".csv") || a.filename == "footfall.json")
        .map(|a| {
            (
                a.filename.clone(),
                format!("/api/artifacts/{}/download", a.id),
            )
        })
        .collect();
    let summary = LocalResource::new(move || http::get::<Value>(summary_url.clone()));
    let window = RwSignal::new(0usize);
    view! {
        <section class="footfall" aria-label="Footfall">
            <Suspense fallback=|| view! { <p>"Loading the footfall…"</p> }>
                {move || summary.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(s) => {
                        let windows = s["windows"].as_array().cloned().unwrap_or_default();
                        let zones = s["zones"].as_array().cloned().unwrap_or_default();
                        let lines = s["lines"].as_array().cloned().unwrap_or_default();
                        let title = format!("Footfall · {}", s["video"].as_str().unwrap_or_default());
                        let pictures = pictures.clone();
                        let names: Vec<(String, Option<String>)> = windows.iter().map(|w| {
                            let file = w["picture"].as_str().map(str::to_string);
                            let src = file.and_then(|f| pictures.iter().find(|(n, _)| *n == f).and_then(|(_, u)| u.clone()));
                            (w["label"].as_str().unwrap_or_default().to_string(), src)
                        }).collect();
                        let labels = names.clone();
                        let select_id = format!("footfall-window-{}", s["video"].as_str().unwrap_or_default().replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
                        view! {
                            <h2>{title}</h2>
                            <p class="muted">{format!(
                                "Where people were, on the place without them; colour is time spent, on a log scale up to {:.0} person-seconds in the busiest cell.",
                                s["max_presence_secs"].as_f64().unwrap_or(0.0))}</p>
                            {(labels.len() > 1).then(|| view! {
                                <p class="slider">
                                    <label for=select_id.clone()>"Window"</label>
                                    <select id=select_id on:change=move |ev| window.set(event_target_value(&ev).parse().unwrap_or(0))>
                                        {labels.iter().enumerate().map(|(i, (label, _))| view! {
                                            <option value=i.to_string() selected=move || window.get() == i>{label.clone()}</option>
                                        }).collect_view()}
                                    </select>
                                </p>
                            })}
                            {move || {
                                let (label, src) = names.get(window.get()).cloned().unwrap_or_default();
                                match src {
                                    Some(src) => view! { <img class="heatmap-picture" src=src alt=format!("Heatmap, {label}")/> }.into_any(),
                                    None => view! { <p class="muted">"No picture for this window (the numbers are in heatmap.csv)."</p> }.into_any(),
                                }
                            }}
                            {(!zones.is_empty()).then(|| {
                                let zones = zones.clone();
                                view! {
                                    <table class="zone-table">
                                        <thead><tr><th>"Zone"</th><th>"Entries"</th><th>"Exits"</th><th>"Visitors"</th><th>"Inside (mean)"</th><th>"Inside (max)"</th><th>"Visit p50"</th><th>"Visit p90"</th></tr></thead>
                                        <tbody>
                                            {move || zones.iter().map(|z| {
                                                let st = z["stats"][window.get()].clone();
                                                view! {
                                                    <tr data-zone=z["name"].as_str().unwrap_or_default().to_string()>
                                                        <td>{z["name"].as_str().unwrap_or_default().to_string()}</td>
                                                        <td>{count(&st["entries"])}</td>
                                                        <td>{count(&st["exits"])}</td>
                                                        <td>{count(&st["visitors"])}</td>
                                                        <td>{st["occupancy_mean"].as_f64().map_or_else(|| "—".into(), |v| format!("{v:.2}"))}</td>
                                                        <td>{count(&st["occupancy_max"])}</td>
                                                        <td>{seconds(&st["dwell_p50_secs"])}</td>
                                                        <td>{seconds(&st["dwell_p90_secs"])}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }
                            })}
                            {(!lines.is_empty()).then(|| view! {
                                <table class="line-table">
                                    <thead><tr><th>"Line (whole video)"</th><th>"In"</th><th>"Out"</th></tr></thead>
                                    <tbody>
                                        {lines.iter().map(|l| view! {
                                            <tr data-line=l["name"].as_str().unwrap_or_default().to_string()>
                                                <td>{l["name"].as_str().unwrap_or_default().to_string()}</td>
                                                <td>{l["in"].to_string()}</td>
                                                <td>{l["out"].to_string()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })}
                        }.into_any()
                    }
                })}
            </Suspense>
            <crate::report::ChartFigures charts/>
            <p class="files">
                {page_url.map(|u| view! { <a class="button" href=u download="footfall.html">"Download footfall.html"</a>" " })}
                "Data: "
                {downloads.into_iter().map(|(name, href)| view! {
                    <a href=href download=name.clone()>{name.clone()}</a>" "
                }).collect_view()}
            </p>
        </section>
    }
}
