//! `recognizer params KIND`: what each of a job kind's parameters means, its unit, range and
//! default, and the kind's presets — the table the web form and the API document show.

use api::JobKind;
use vision::params::{Input, Param};

/// One option's help from the table: the label, the help and the unit.
pub fn help(params: &[Param], path: &str) -> String {
    match params.iter().find(|p| p.path == path) {
        Some(p) => format!(
            "{}: {}{}",
            p.label,
            p.help,
            p.unit.map(|u| format!(" ({u})")).unwrap_or_default()
        ),
        None => String::new(),
    }
}

fn input(p: &Param) -> String {
    if let Some((min, max)) = p.range() {
        let unit = p.unit.map(|u| format!(" {u}")).unwrap_or_default();
        return format!("{min}–{max}{unit}");
    }
    match &p.input {
        Input::Toggle => "on/off".into(),
        Input::Choice { options } => options.join("|"),
        Input::Several { options } => format!("any of {}", options.join(", ")),
        Input::Text | Input::LongText => "text".into(),
        Input::Job => "a job id".into(),
        Input::Model { service } => format!("a {service} model id"),
        Input::Weights { parts } => format!("3 weights: {}", parts.join(", ")),
        Input::Filter => "blur / mosaic / solid".into(),
        Input::Labels => "label rules".into(),
        Input::Zones => "zones (0–1 polygons)".into(),
        Input::Lines => "lines (0–1 ends)".into(),
        Input::Integer { .. } | Input::Number { .. } => String::new(),
    }
}

pub fn print(kind: &str) -> anyhow::Result<()> {
    let kind = JobKind::parse(kind).ok_or_else(|| {
        anyhow::anyhow!("no job kind {kind:?}: anonymize, annotate, analyze or visualize")
    })?;
    let params = backend::jobs::parameters(kind);
    let defaults = backend::jobs::defaults(kind);
    println!(
        "{} presets (the web form's choices; `run anonymize --preset NAME`):",
        kind.as_str()
    );
    for p in backend::jobs::presets(kind) {
        println!(
            "  {:<14} {}: {}",
            p.name,
            p.label,
            p.help.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        if p.params.as_object().is_some_and(|m| !m.is_empty()) {
            println!("  {:<14} sets {}", "", p.params);
        }
    }
    for advanced in [false, true] {
        println!("\n{}:", if advanced { "Advanced" } else { "Basic" });
        for p in params.iter().filter(|p| p.advanced == advanced) {
            // settings stored as f32 read back as 0.20000000298023224: show them as f32
            let default = match vision::params::value_at(&defaults, p.path) {
                Some(v) if v.is_f64() => (v.as_f64().unwrap_or_default() as f32).to_string(),
                Some(v) => v.to_string(),
                None => String::new(),
            };
            println!("  {} — {}", p.path, p.label);
            println!("      {}", p.help);
            println!("      [{}; default {default}]", input(p));
        }
    }
    Ok(())
}
