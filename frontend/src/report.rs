//! An analyze job's evaluation against its labels: per service, a threshold slider that
//! recomputes the clip and window numbers in the browser from `metrics.json`'s curves, the event
//! numbers at the job's threshold, the charts, and report.html to download.

use api::Artifact;
use leptos::prelude::*;
use serde_json::Value;

use crate::http;

/// TP, FP, TN, FN at `threshold` from a level's curve points (highest threshold first).
fn confusion_at(level: &Value, threshold: f64) -> [u64; 4] {
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0);
    let curves = &level["curves"];
    let mut at = [0, 0, n(curves, "negatives"), n(curves, "positives")];
    for p in curves["points"].as_array().into_iter().flatten() {
        if p["threshold"].as_f64().unwrap_or(0.0) < threshold {
            break;
        }
        let c = &p["confusion"];
        at = [n(c, "tp"), n(c, "fp"), n(c, "tn"), n(c, "fn")];
    }
    at
}

fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.2}", a as f64 / b as f64)
    }
}

fn num(v: &Value) -> String {
    v.as_f64().map_or_else(|| "—".into(), |v| format!("{v:.2}"))
}

#[component]
pub fn Report(artifacts: Vec<Artifact>) -> impl IntoView {
    let url = |name: &str| {
        artifacts
            .iter()
            .find(|a| a.filename == name && a.video_id.is_none())
            .map(|a| format!("/api/artifacts/{}/download", a.id))
    };
    let metrics_url = url("metrics.json").unwrap_or_default();
    let html_url = url("report.html");
    let charts: Vec<(&str, &str, Option<String>)> = [
        ("roc", "ROC: clips solid, one-second windows dashed"),
        ("pr", "Precision–recall"),
        ("confusion", "Clips at the job's threshold"),
        (
            "scores",
            "Score over time: labelled intervals shaded, events as bars",
        ),
        ("heatmap", "Per video: red wrong or missed, green right"),
    ]
    .into_iter()
    .map(|(name, caption)| (name, caption, url(&format!("{name}.svg"))))
    .collect();
    let files: Vec<(String, String)> = artifacts
        .iter()
        .filter(|a| a.video_id.is_none() && matches!(a.kind.as_str(), "metrics" | "report-part"))
        .map(|a| {
            (
                a.filename.clone(),
                format!("/api/artifacts/{}/download", a.id),
            )
        })
        .collect();
    let metrics = LocalResource::new(move || http::get::<Value>(metrics_url.clone()));
    view! {
        <section class="report" aria-labelledby="report-title">
            <h2 id="report-title">"Evaluation against the labels"</h2>
            {html_url.map(|u| view! {
                <p><a class="button" href=u download="report.html">"Download report.html"</a>
                   <span class="muted">" one file with the tables and charts, opens offline"</span></p>
            })}
            <Suspense fallback=|| view! { <p>"Loading the evaluation…"</p> }>
                {move || metrics.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(m) => {
                        let services = m["services"].as_array().cloned().unwrap_or_default();
                        let summary = format!("{} videos, {:.1} minutes of footage", m["videos"], m["footage_secs"].as_f64().unwrap_or(0.0) / 60.0);
                        view! {
                            <p class="muted">{summary}</p>
                            {services.into_iter().map(|s| view! { <ServiceReport service=s/> }).collect_view()}
                        }.into_any()
                    }
                })}
            </Suspense>
            <p class="files">"Files: "
                {files.into_iter().map(|(name, href)| view! {
                    <a href=href download=name.clone()>{name.clone()}</a>" "
                }).collect_view()}
            </p>
            <ChartFigures charts/>
        </section>
    }
}

#[component]
fn ServiceReport(service: Value) -> impl IntoView {
    let name = service["service"].as_str().unwrap_or_default().to_string();
    let threshold = RwSignal::new(service["threshold"].as_f64().unwrap_or(0.5));
    let id = format!("threshold-{name}");
    let levels: Vec<(String, Value)> = vec![
        ("clips".into(), service["clips"].clone()),
        (
            format!(
                "{} s windows",
                service["window_secs"].as_f64().unwrap_or(1.0)
            ),
            service["windows"].clone(),
        ),
    ];
    let events = service["events"].as_array().cloned().unwrap_or_default();
    view! {
        <div class="service-report" data-service=name.clone()>
            <h3>{name.clone()}</h3>
            <div class="slider">
                <label for=id.clone()>"Threshold"</label>
                <input id=id.clone() type="range" min="0" max="1" step="0.01"
                    prop:value=move || threshold.get().to_string()
                    on:input=move |ev| threshold.set(event_target_value(&ev).parse().unwrap_or(0.5))/>
                <output for=id>{move || format!("{:.2}", threshold.get())}</output>
            </div>
            <table class="measures">
                <thead><tr><th></th><th>"accuracy"</th><th>"precision"</th><th>"recall"</th><th>"F1"</th><th>"specificity"</th><th>"TP / FP / TN / FN"</th><th>"ROC-AUC"</th></tr></thead>
                <tbody>
                    {levels.into_iter().map(|(label, level)| {
                        let auc = num(&level["curves"]["roc_auc"]);
                        let row = move || {
                            let [tp, fp, tn, fn_] = confusion_at(&level, threshold.get());
                            view! {
                                <td data-measure="accuracy">{ratio(tp + tn, tp + fp + tn + fn_)}</td>
                                <td data-measure="precision">{ratio(tp, tp + fp)}</td>
                                <td data-measure="recall">{ratio(tp, tp + fn_)}</td>
                                <td data-measure="f1">{ratio(2 * tp, 2 * tp + fp + fn_)}</td>
                                <td data-measure="specificity">{ratio(tn, tn + fp)}</td>
                                <td data-measure="confusion">{format!("{tp} / {fp} / {tn} / {fn_}")}</td>
                            }
                        };
                        view! { <tr data-level=label.clone()><th>{label.clone()}</th>{row}<td>{auc}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
            <table class="measures">
                <thead><tr><th>"events matched by"</th><th>"found"</th><th>"false alarms"</th><th>"precision"</th><th>"recall"</th><th>"latency median s"</th><th>"false alarms / hour"</th></tr></thead>
                <tbody>
                    {events.into_iter().map(|e| {
                        let rule = match (e["rule"]["rule"].as_str(), e["rule"]["min"].as_f64(), e["rule"]["collar_secs"].as_f64()) {
                            (Some("iou"), Some(m), _) => format!("IoU ≥ {m}"),
                            (_, _, Some(c)) => format!("onset ± {c} s"),
                            _ => String::new(),
                        };
                        view! {
                            <tr>
                                <th>{rule}</th>
                                <td>{format!("{} of {}", e["matched"], e["labelled"])}</td>
                                <td>{e["false_alarms"].to_string()}</td>
                                <td>{num(&e["precision"])}</td>
                                <td>{num(&e["recall"])}</td>
                                <td>{num(&e["latency_median_secs"])}</td>
                                <td>{num(&e["false_alarms_per_hour"])}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="hint">"The slider moves the clip and window numbers; events were raised at the job's threshold (re-run from this job with another threshold to score them again)."</p>
        </div>
    }
}

/// Charts (SVG files of the job) with their captions; those the job did not write are left out.
#[component]
pub fn ChartFigures(charts: Vec<(&'static str, &'static str, Option<String>)>) -> impl IntoView {
    view! {
        <div class="charts">
            {charts.into_iter().filter_map(|(name, caption, src)| src.map(|src| view! {
                <figure data-chart=name>
                    <img src=src alt=caption/>
                    <figcaption>{caption}</figcaption>
                </figure>
            })).collect_view()}
        </div>
    }
}
