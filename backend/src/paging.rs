//! Lists that page on the server: the `x-total-count` header every page carries, and the dates
//! their filters take.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue};

use crate::error::{Error, Result};

/// The response header that tells how many rows match in all (every page).
pub const TOTAL_COUNT: &str = "x-total-count";

/// A day (`2026-11-30`, its start; with `end`, the next day's start) or an RFC 3339 instant.
pub fn instant(field: &str, text: &str, end: bool) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| {
            let d = if end { d.succ_opt().unwrap_or(d) } else { d };
            d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
        })
        .map_err(|_| {
            Error::field(
                field,
                format!("{field} {text:?}: use a day like 2026-11-30 or an RFC 3339 time"),
            )
        })
}

/// One page of rows with the number of rows matching in all.
pub fn counted<T>(rows: Vec<T>, total: i64) -> (HeaderMap, Json<Vec<T>>) {
    let mut headers = HeaderMap::new();
    headers.insert(TOTAL_COUNT, HeaderValue::from(total));
    (headers, Json(rows))
}
