//! Streaming stored objects to clients, with single-range `Range` requests (video seeking).

use axum::body::Body;
use axum::http::header::{
    ACCEPT_RANGES, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use store::ObjectStorage;

use crate::error::{Error, Result};

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against an object of `size` bytes → `start..end`.
pub fn parse_range(header: &str, size: u64) -> Option<Result<std::ops::Range<u64>, ()>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // several ranges: answer with the whole object
    }
    let (a, b) = spec.split_once('-')?;
    let range = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            size.saturating_sub(n)..size
        }
        (a, "") => a.parse().ok()?..size,
        (a, b) => {
            let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
            if b < a {
                return Some(Err(()));
            }
            // RFC 9110 §14.1.2: a last position at or past the end means "to the end"
            a..b.saturating_add(1).min(size)
        }
    };
    Some(if range.start >= size || range.is_empty() {
        Err(())
    } else {
        Ok(range)
    })
}

pub async fn serve(
    storage: &ObjectStorage,
    key: &str,
    content_type: &str,
    filename: &str,
    headers: &HeaderMap,
) -> Result<Response> {
    let size = storage.size(key).await?;
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    response_headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // documents the workers wrote (report.html, charts) open in a sandbox: no scripts, nothing
    // fetched, no access to this site's session
    if content_type.starts_with("text/html") || content_type.starts_with("image/svg") {
        response_headers.insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        );
    }
    let safe_name: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{safe_name}\"")) {
        response_headers.insert(CONTENT_DISPOSITION, v);
    }
    let requested = headers
        .get(RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| parse_range(h, size));
    match requested {
        Some(Err(())) => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            r.headers_mut().insert(
                CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}")).unwrap(),
            );
            Ok(r)
        }
        Some(Ok(range)) => {
            let stream = storage.get_range_stream(key, range.clone()).await?;
            response_headers.insert(CONTENT_LENGTH, HeaderValue::from(range.end - range.start));
            response_headers.insert(
                CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {}-{}/{size}", range.start, range.end - 1))
                    .unwrap(),
            );
            Ok((
                StatusCode::PARTIAL_CONTENT,
                response_headers,
                Body::from_stream(stream),
            )
                .into_response())
        }
        None => {
            let (_, stream) = storage.get_stream(key).await?;
            response_headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
            Ok((StatusCode::OK, response_headers, Body::from_stream(stream)).into_response())
        }
    }
}

impl From<()> for Error {
    fn from(_: ()) -> Self {
        Error::new(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable")
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some(Ok(0..100)));
        assert_eq!(parse_range("bytes=900-", 1000), Some(Ok(900..1000)));
        assert_eq!(parse_range("bytes=-100", 1000), Some(Ok(900..1000)));
        assert_eq!(parse_range("bytes=990-2000", 1000), Some(Ok(990..1000)));
        assert_eq!(parse_range("bytes=1000-", 1000), Some(Err(())));
        assert_eq!(parse_range("bytes=5-1", 1000), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
        // the largest last position a client can send: clamped to the object, not an overflow
        assert_eq!(
            parse_range("bytes=0-18446744073709551615", 1000),
            Some(Ok(0..1000))
        );
        assert_eq!(
            parse_range("bytes=-18446744073709551615", 1000),
            Some(Ok(0..1000))
        );
    }
}
