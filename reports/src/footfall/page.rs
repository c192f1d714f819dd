//! `footfall.html`: the whole video's heatmap (inline PNG), the zone table per window, the line
//! counts and the charts (inline SVG), in one file that needs nothing else.

use std::fmt::Write;

use base64::Engine;
use image::RgbImage;

use super::{Summary, clock};
use crate::html::{STYLE, esc};
use vision::footfall::heatmap::Normalize;

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

fn png_data_url(picture: &RgbImage) -> String {
    let mut bytes = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("a picture in memory encodes");
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

pub fn page(s: &Summary, heatmap: &RgbImage, svgs: &[(&str, String)]) -> String {
    let mut h = String::new();
    let title = format!("Footfall · {}", s.video);
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><main><h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    let _ = write!(
        h,
        "<p class=\"note\">{} of video, a grid of {} × {} cells. The picture is the place without people (the median of frames spread over the video; \
         someone standing still for more than half of it would stay in it), coloured by the time people spent in each spot ({}) \
         up to the busiest cell ({:.0} person-seconds). Zones are outlined in white, counting lines in cyan with an arrow to their “in” side.</p>",
        clock(s.duration_secs),
        s.grid[0],
        s.grid[1],
        match s.scale {
            Normalize::Log => "on a log scale, so a few crowded spots do not wash out the rest",
            Normalize::Global => "on a linear scale",
            Normalize::PerWindow => "on a linear scale, each window to its own busiest spot",
        },
        s.max_presence_secs
    );
    let _ = write!(
        h,
        "<figure><img alt=\"heatmap of the whole video\" src=\"{}\" style=\"max-width:100%\"><figcaption>The whole video; each window's picture is a file of its own (heatmap-wNNN.png).</figcaption></figure>",
        png_data_url(heatmap)
    );
    if !s.zones.is_empty() {
        h.push_str("<h2>Zones</h2><table><thead><tr><th>zone</th><th>window</th><th>entries</th><th>exits</th><th>visitors</th><th>people inside (mean)</th><th>(max)</th><th>visit p50 (s)</th><th>visit p90 (s)</th></tr></thead><tbody>");
        for z in &s.zones {
            for (w, st) in s.windows.iter().zip(&z.stats) {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&z.name),
                    esc(&w.label),
                    st.entries,
                    st.exits,
                    st.visitors,
                    st.occupancy_mean,
                    st.occupancy_max,
                    num(st.dwell_p50_secs),
                    num(st.dwell_p90_secs)
                );
            }
        }
        h.push_str("</tbody></table>");
    }
    if !s.lines.is_empty() {
        h.push_str("<h2>Lines</h2><table><thead><tr><th>line</th><th>in</th><th>out</th></tr></thead><tbody>");
        for l in &s.lines {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&l.stats.name),
                l.stats.in_,
                l.stats.out
            );
        }
        h.push_str("</tbody></table>");
    }
    if !svgs.is_empty() {
        h.push_str("<h2>Charts</h2><div class=\"charts\">");
        for (name, svg) in svgs {
            let _ = write!(h, "<figure id=\"{name}\">{svg}</figure>");
        }
        h.push_str("</div>");
    }
    h.push_str("<p class=\"note\">The numbers behind this page: heatmap.csv (every cell of every window), zones.csv, occupancy.csv, lines.csv and footfall.json.</p></main></body></html>");
    h
}
