//! A small viewer for text results: JSON pretty-printed, JSON Lines one record per row, CSV as a
//! table. Shows the first rows of large files.

use leptos::prelude::*;

use crate::http;

const MAX_ROWS: usize = 200;

#[component]
pub fn Viewer(url: String, filename: String) -> impl IntoView {
    let text = LocalResource::new(move || {
        let url = url.clone();
        async move { http::text(&url).await }
    });
    view! {
        <div class="viewer">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || text.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.error}</p> }.into_any(),
                    Ok(text) => render(&filename, &text),
                })}
            </Suspense>
        </div>
    }
}

/// Bigger texts are cut here (the download has all of it).
const MAX_BYTES: usize = 512 * 1024;

fn render(filename: &str, text: &str) -> AnyView {
    if text.len() > MAX_BYTES && !filename.ends_with(".jsonl") && !filename.ends_with(".csv") {
        let mut cut = MAX_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        return view! {
            <p class="muted">{format!("first {} of {} KB shown; download for the rest", MAX_BYTES / 1024, text.len() / 1024)}</p>
            <pre class="code">{text[..cut].to_string()}</pre>
        }
        .into_any();
    }
    if filename.ends_with(".csv") {
        return csv_table(text);
    }
    if filename.ends_with(".jsonl") {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let total = lines.len();
        let shown: Vec<String> = lines.iter().take(MAX_ROWS).map(|l| l.to_string()).collect();
        return view! {
            <p class="muted">{format!("{total} records{}", if total > MAX_ROWS { format!(", first {MAX_ROWS} shown") } else { String::new() })}</p>
            <ol class="records">{shown.into_iter().map(|l| view! { <li><code>{l}</code></li> }).collect_view()}</ol>
        }
        .into_any();
    }
    let pretty = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string());
    view! { <pre class="code">{pretty}</pre> }.into_any()
}

fn csv_table(text: &str) -> AnyView {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            return view! { <p class="error">{format!("not readable as CSV: {e}")}</p> }.into_any();
        }
    };
    let body: Vec<Vec<String>> = reader
        .records()
        .take(MAX_ROWS)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .collect();
    view! {
        <table>
            <thead><tr>{header.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
            <tbody>{body.into_iter().map(|r| view! {
                <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
            }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}
