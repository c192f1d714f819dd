//! `report.html`: the headline numbers, the charts (inline SVG) and the tables, in one file that
//! needs nothing else — no scripts, fonts or pictures from anywhere.

use std::fmt::Write;

use vision::evaluate::{Evaluation, Level, Outcome};

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

fn level_row(name: &str, l: &Level) -> String {
    let m = &l.at_threshold;
    let c = m.confusion;
    format!(
        "<tr><th>{name}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {} / {} / {}</td></tr>",
        l.samples,
        num(m.accuracy),
        num(m.precision),
        num(m.recall),
        num(m.f1),
        num(m.specificity),
        num(m.balanced_accuracy),
        num(l.curves.roc_auc),
        num(l.curves.average_precision),
        c.tp,
        c.fp,
        c.tn,
        c.fn_
    )
}

pub(crate) const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}\
main{max-width:1100px;margin:0 auto;padding:1.2rem}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}\
table{border-collapse:collapse;background:#fff;margin:.5rem 0 1rem;font-size:.9rem}\
th,td{border:1px solid #dde1e6;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}\
thead th{background:#eef1f5}.charts{display:flex;flex-wrap:wrap;gap:1rem}\
figure{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:0;padding:.5rem;max-width:100%;overflow:auto}\
figcaption{color:#5b6573;font-size:.85rem}.note{color:#5b6573;font-size:.9rem}\
.missed{color:#b3261e}.false_alarm{color:#8a5a00}.matched{color:#1f7a3f}";

pub fn page(title: &str, e: &Evaluation, svgs: &[(&str, String)], truncated: bool) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><main>",
        esc(title)
    );
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"note\">{} videos, {:.1} minutes of footage. Clips: a video's highest score against whether it has a labelled interval. \
         Windows: each second's highest score against whether its middle is labelled. Events: matched one-to-one to labelled intervals.</p>",
        esc(title),
        e.videos,
        e.footage_secs / 60.0
    );
    for s in &e.services {
        let _ = write!(
            h,
            "<h2>{} (threshold {:.2})</h2><table><thead><tr><th></th><th>samples</th><th>accuracy</th><th>precision</th><th>recall</th><th>F1</th>\
             <th>specificity</th><th>balanced acc.</th><th>ROC-AUC</th><th>PR-AUC</th><th>TP / FP / TN / FN</th></tr></thead><tbody>{}{}</tbody></table>",
            s.service.as_str(),
            s.threshold,
            level_row("clips", &s.clips),
            level_row(&format!("{} s windows", s.window_secs), &s.windows)
        );
        h.push_str("<table><thead><tr><th>events matched by</th><th>labelled</th><th>detected</th><th>matched</th><th>missed</th><th>false alarms</th>\
                    <th>precision</th><th>recall</th><th>F1</th><th>latency median s</th><th>latency p95 s</th><th>false alarms / hour</th></tr></thead><tbody>");
        for m in &s.events {
            let _ = write!(
                h,
                "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.rule.name()),
                m.labelled,
                m.detected,
                m.matched,
                m.missed,
                m.false_alarms,
                num(m.precision),
                num(m.recall),
                num(m.f1),
                num(m.latency_median_secs),
                num(m.latency_p95_secs),
                num(m.false_alarms_per_hour)
            );
        }
        h.push_str("</tbody></table><table><thead><tr><th>position in the video</th>");
        for b in &s.temporal {
            let _ = write!(h, "<th>{:.0}–{:.0} %</th>", b.from * 100.0, b.to * 100.0);
        }
        h.push_str("</tr></thead><tbody><tr><th>window accuracy</th>");
        for b in &s.temporal {
            let _ = write!(h, "<td>{}</td>", num(b.accuracy));
        }
        h.push_str("</tr></tbody></table>");
    }
    h.push_str("<h2>Charts</h2><div class=\"charts\">");
    for (name, svg) in svgs {
        let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let caption = match *name {
            "roc" => "ROC: clips solid, one-second windows dashed",
            "pr" => "Precision–recall",
            "confusion" => "Clips at the threshold",
            "scores" => {
                "Score over time: labelled intervals shaded, events as bars at the top, the threshold dashed"
            }
            _ => "Per video: red wrong or missed, green right",
        };
        let _ = write!(
            h,
            "<figure data-chart=\"{name}\">{body}<figcaption>{caption}</figcaption></figure>"
        );
    }
    h.push_str("</div>");
    if truncated {
        let _ = write!(
            h,
            "<p class=\"note\">The scores chart and the heatmap show the {} videos with the most errors; the tables below have them all.</p>",
            crate::MAX_ROWS
        );
    }
    h.push_str("<h2>Per video (events matched at IoU ≥ 0.3)</h2><table><thead><tr><th>video</th><th>service</th><th>seconds</th><th>labelled</th><th>detected</th>\
                <th>matched</th><th>missed</th><th>false alarms</th><th>clip score</th><th>clip right</th><th>latency s</th></tr></thead><tbody>");
    for r in &e.per_video {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.video),
            r.service.as_str(),
            r.duration_secs,
            r.labelled,
            r.detected,
            r.matched,
            r.missed,
            r.false_alarms,
            r.clip_score,
            if r.clip_correct { "yes" } else { "no" },
            num(r.latency_secs)
        );
    }
    h.push_str("</tbody></table><h2>Events against labels</h2><table><thead><tr><th>video</th><th>service</th><th>outcome</th><th>labelled s</th><th>event s</th><th>IoU</th><th>latency s</th></tr></thead><tbody>");
    for r in &e.events_vs_labels {
        let class = match r.outcome {
            Outcome::Matched => "matched",
            Outcome::Missed => "missed",
            Outcome::FalseAlarm => "false_alarm",
        };
        let span = |s: Option<vision::metrics::events::Span>| {
            s.map(|s| format!("{:.1}–{:.1}", s.start, s.end))
                .unwrap_or_else(|| "—".into())
        };
        let _ = write!(
            h,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.video),
            r.service.as_str(),
            class.replace('_', " "),
            span(r.label),
            span(r.event),
            num(r.iou),
            num(r.latency_secs)
        );
    }
    h.push_str("</tbody></table></main></body></html>\n");
    h
}
