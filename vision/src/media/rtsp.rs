//! RTSP cameras read with `retina` (an RTSP client in Rust) instead of FFmpeg's demuxer, for
//! latency and for whole pictures. FFmpeg re-parses RTP/H.264 with its H.264 parser, which can only tell that a
//! picture is complete when the next one starts — a frame waits up to one frame interval (67 ms
//! at 15 fps) before it reaches the decoder (bench/RESULTS.md: p50 145 → 120 ms, p99 239 → 142 ms
//! from the camera's clock to the result). Retina ends an access unit on the RTP marker bit,
//! so a picture goes to the decoder the moment its last packet arrives — and whole: a camera
//! that cuts each picture into several slices decodes cleanly (FFmpeg's RTSP, reading the same
//! GStreamer server, decoded only the last slice of each picture; test in tests/live.rs).
//! Decoding stays FFmpeg's (Annex B with the parameter sets before every keyframe, so no
//! extradata is needed).
//!
//! H.264 only; for anything else (H.265, MJPEG) the caller falls back to FFmpeg's own RTSP.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use retina::client::{
    Credentials, Demuxed, PlayOptions, Session, SessionOptions, SetupOptions, TeardownPolicy,
};
use retina::codec::{CodecItem, FrameFormat};

/// One picture, as the decoder takes it.
pub struct Picture {
    /// Annex B H.264; parameter sets precede every keyframe.
    pub data: Vec<u8>,
    pub keyframe: bool,
    /// In the RTP clock's 1/90,000 s from the start of the session.
    pub pts: i64,
}

/// Why reading stopped or could not start.
#[derive(Debug)]
pub enum RtspError {
    /// The reader was told to stop.
    Stopped,
    /// The camera answered but refused (status 401, 403, 404): retrying soon will not help.
    Refused(String),
    /// Lost, timed out, or broken: worth another try.
    Lost(String),
    /// The camera sends something other than H.264: read it with FFmpeg instead.
    NotH264(String),
}

pub struct RtspSource {
    // declared before `runtime`: dropped first, inside it
    session: Option<Pin<Box<Demuxed>>>,
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
}

/// How often a wait looks at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(100);

impl RtspSource {
    /// DESCRIBE, SETUP of the first video stream (interleaved over the RTSP connection), PLAY;
    /// each step under `timeout`. User name and password come out of the URL.
    pub fn open(url: &str, timeout: Duration, stop: &AtomicBool) -> Result<Self, RtspError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RtspError::Lost(format!("cannot start the RTSP client: {e}")))?;
        let (url, creds) = split_credentials(url)?;
        let session = runtime.block_on(async {
            let options = SessionOptions::default()
                .creds(creds)
                .teardown(TeardownPolicy::Never)
                .user_agent("recognizer".into());
            let mut session = within(
                timeout,
                stop,
                request(Session::describe(url, options)),
                "no answer to DESCRIBE",
            )
            .await?;
            let Some(video) = session.streams().iter().position(|s| s.media() == "video") else {
                return Err(RtspError::Refused(
                    "the camera offers no video stream".into(),
                ));
            };
            let encoding = session.streams()[video]
                .encoding_name()
                .to_ascii_lowercase();
            if encoding != "h264" {
                return Err(RtspError::NotH264(encoding));
            }
            let setup = SetupOptions::default().frame_format(FrameFormat::SIMPLE);
            within(
                timeout,
                stop,
                request(session.setup(video, setup)),
                "no answer to SETUP",
            )
            .await?;
            let playing = within(
                timeout,
                stop,
                request(session.play(PlayOptions::default())),
                "no answer to PLAY",
            )
            .await?;
            playing
                .demuxed()
                .map_err(|e| RtspError::Lost(first_line(&e.to_string())))
        })?;
        Ok(Self {
            session: Some(Box::pin(session)),
            runtime,
            timeout,
        })
    }

    /// The next complete picture, waiting at most the timeout without one.
    pub fn next(&mut self, stop: &AtomicBool) -> Result<Picture, RtspError> {
        let session = self.session.as_mut().expect("open until dropped");
        let picture = async {
            loop {
                match session.next().await {
                    None => return Err(RtspError::Lost("the camera ended the stream".into())),
                    // a broken packet (joining mid-picture, a lost fragment): retina starts
                    // over at the next picture
                    Some(Err(e)) if is_packet_error(&e) => {
                        tracing::debug!(error = %first_line(&e.to_string()), "an RTP packet was skipped");
                    }
                    Some(Err(e)) => return Err(classify(&e)),
                    Some(Ok(CodecItem::VideoFrame(frame))) => {
                        let t = frame.timestamp();
                        return Ok(Picture {
                            keyframe: frame.is_random_access_point(),
                            pts: t.elapsed(),
                            data: frame.into_data(),
                        });
                    }
                    Some(Ok(_)) => {} // RTCP, audio
                }
            }
        };
        self.runtime
            .block_on(within(self.timeout, stop, picture, "no picture"))
    }
}

impl Drop for RtspSource {
    fn drop(&mut self) {
        // the session's connection belongs to this runtime
        let _guard = self.runtime.enter();
        self.session.take();
    }
}

/// Runs `work` under the timeout, giving up early when told to stop; `missing` says what did
/// not come in time.
async fn within<T>(
    timeout: Duration,
    stop: &AtomicBool,
    work: impl std::future::Future<Output = Result<T, RtspError>>,
    missing: &str,
) -> Result<T, RtspError> {
    // polled again after each stop check, never dropped half-way
    let mut work = std::pin::pin!(work);
    let deadline = Instant::now() + timeout;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Err(RtspError::Stopped);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(RtspError::Lost(format!(
                "{missing} within the read timeout"
            )));
        }
        if let Ok(done) = tokio::time::timeout(left.min(STOP_CHECK), work.as_mut()).await {
            return done;
        }
    }
}

/// A retina request's outcome in our terms.
async fn request<T>(
    request: impl std::future::Future<Output = Result<T, retina::Error>>,
) -> Result<T, RtspError> {
    request.await.map_err(|e| classify(&e))
}

fn classify(e: &retina::Error) -> RtspError {
    let text = first_line(&e.to_string());
    match e.status_code() {
        Some(401) => RtspError::Refused(format!("{text}: wrong user name or password")),
        Some(403) => RtspError::Refused(format!("{text}: the camera refuses this client")),
        Some(404) => RtspError::Refused(format!(
            "{text}: no such stream at this address (check the path)"
        )),
        _ => RtspError::Lost(text),
    }
}

/// An error in one RTP packet (retina can go on after it) rather than in the connection. Retina
/// does not expose its error kinds; its packet errors are the ones that name the sequence number.
fn is_packet_error(e: &retina::Error) -> bool {
    e.status_code().is_none() && e.to_string().contains("\nseq: ")
}

/// Retina's messages carry connection details on further lines; the first says what happened.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).trim().to_string()
}

/// The URL without user name and password, and those (percent-decoded) as credentials.
fn split_credentials(url: &str) -> Result<(url::Url, Option<Credentials>), RtspError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|e| RtspError::Refused(format!("not a valid RTSP URL: {e}")))?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let creds = (!parsed.username().is_empty()).then(|| Credentials {
        username: decode(parsed.username()),
        password: decode(parsed.password().unwrap_or("")),
    });
    // cannot fail for rtsp:// URLs with a host
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    Ok((parsed, creds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url_decoded() {
        let (url, creds) = split_credentials("rtsp://ad%40min:p%3Ass@cam.local:554/live").unwrap();
        assert_eq!(url.as_str(), "rtsp://cam.local:554/live");
        let creds = creds.unwrap();
        assert_eq!(creds.username, "ad@min");
        assert_eq!(creds.password, "p:ss");
        let (url, creds) = split_credentials("rtsp://cam.local/live").unwrap();
        assert_eq!(url.as_str(), "rtsp://cam.local/live");
        assert!(creds.is_none());
        assert!(matches!(
            split_credentials("rtsp://[::1/cam"),
            Err(RtspError::Refused(_))
        ));
    }
}
