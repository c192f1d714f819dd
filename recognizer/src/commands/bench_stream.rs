//! `recognizer bench stream URL`: the workers' stream pipeline (live reader → pose → tracks →
//! events, the same code a worker runs for a registered stream) on N copies of one camera at
//! once, without the database. Prints each copy's health at the end: frames in and analysed,
//! frames dropped, and latency p50/p99 over the last 30 s — from decoding, or with
//! `--clock-barcode` from the moment the producer burned its wall clock into the frame.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use api::StreamHealth;
use tokio::sync::mpsc;
use vision::events::Service;
use vision::media::LiveOptions;
use workers::streams::clips::ClipPlan;
use workers::streams::pipeline::{self, Flags, StreamPlan, Update};

use super::services;
use crate::config::Config;

#[derive(clap::Args)]
pub struct StreamBenchArgs {
    /// The camera (rtsp://…), or a video file played in a loop at its own pace.
    pub url: String,
    /// Copies of the stream read and analysed at once.
    #[arg(long, default_value_t = 1)]
    pub streams: usize,
    /// How long to run; the numbers cover the last 30 s of it (the first seconds warm up).
    #[arg(long, default_value_t = 40)]
    pub seconds: u64,
    /// Longer side of the pose model's input (0 = the frame's size).
    #[arg(long, default_value_t = 320)]
    pub pose_input: u32,
    /// The producer drew its wall clock as a barcode (bench/streams.sh): measure from there.
    #[arg(long)]
    pub clock_barcode: bool,
    /// Read rtsp:// with FFmpeg's RTSP client instead of retina (for comparison).
    #[arg(long)]
    pub ffmpeg_rtsp: bool,
    /// Write the copies' health as JSON here too.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn stream(config: &Config, args: StreamBenchArgs) -> anyhow::Result<()> {
    let runtime = services::runtime(config)?;
    let catalog = services::catalog(config)?;
    let scratch =
        std::env::temp_dir().join(format!("recognizer-bench-stream-{}", std::process::id()));
    let mut copies = Vec::new();
    for n in 0..args.streams.max(1) {
        let plan = StreamPlan {
            url: args.url.clone(),
            services: Service::ALL.to_vec(),
            zones: Vec::new(),
            pose_input: args.pose_input,
            reader: LiveOptions {
                max_width: 1280,
                native_rtsp: !args.ffmpeg_rtsp,
                ..LiveOptions::default()
            },
            health_every: Duration::from_secs(1),
            blur_faces: false,
            live_fps: 4.0,
            clips: ClipPlan {
                dir: scratch.join(n.to_string()),
                ..ClipPlan::default()
            },
            clock_barcode: args.clock_barcode,
        };
        let flags = Arc::new(Flags::default());
        let (tx, rx) = mpsc::unbounded_channel();
        let (f, c) = (flags.clone(), catalog.clone());
        let thread = std::thread::spawn(move || pipeline::run(plan, runtime, c, f, tx));
        copies.push((flags, rx, thread));
    }
    let started = Instant::now();
    let mut last: Vec<Option<StreamHealth>> = vec![None; copies.len()];
    let mut upstream: Vec<Option<(f64, f64)>> = vec![None; copies.len()];
    let mut events = 0usize;
    while started.elapsed() < Duration::from_secs(args.seconds) {
        std::thread::sleep(Duration::from_millis(200));
        for (i, (_, rx, _)) in copies.iter_mut().enumerate() {
            while let Ok(u) = rx.try_recv() {
                match u {
                    Update::Health(h) => {
                        if last[i].as_ref().is_none_or(|l| l.state != h.state) {
                            let unix = std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .unwrap_or_default()
                                .as_secs_f64();
                            println!("state {unix:.1} stream {i} {}", h.state);
                        }
                        last[i] = Some(h);
                    }
                    Update::Upstream { p50_ms, p99_ms } => upstream[i] = Some((p50_ms, p99_ms)),
                    Update::Event { ongoing: true, .. } => events += 1,
                    Update::Failed(e) => anyhow::bail!("stream {i}: {e}"),
                    _ => {}
                }
            }
        }
    }
    for (flags, _, _) in &copies {
        flags.stop.store(true, Ordering::SeqCst);
    }
    for (_, rx, thread) in copies {
        drop(rx);
        let _ = thread.join();
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let from = if args.clock_barcode {
        "producer's clock"
    } else {
        "decoding"
    };
    let client = if args.ffmpeg_rtsp || !args.url.starts_with("rtsp://") {
        "FFmpeg"
    } else {
        "retina"
    };
    println!(
        "{} × {} ({client}) for {} s, pose input {}, latency from the {from}",
        args.streams, args.url, args.seconds, args.pose_input
    );
    println!(
        "stream  state  in fps  analysed fps  dropped  p50 ms  p99 ms  people  to decoded p50/p99 ms"
    );
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "–".into());
    for (i, h) in last.iter().enumerate() {
        match h {
            Some(h) => println!(
                "{i:>6}  {:>5}  {:>6.1}  {:>12.1}  {:>7}  {:>6}  {:>6}  {:>6}  {}",
                h.state,
                h.input_fps,
                h.processed_fps,
                h.dropped,
                ms(h.latency_p50_ms),
                ms(h.latency_p99_ms),
                h.people,
                upstream[i]
                    .map(|(a, b)| format!("{a:.0} / {b:.0}"))
                    .unwrap_or_else(|| "–".into())
            ),
            None => println!("{i:>6}  no health reported"),
        }
    }
    println!("events opened: {events}");
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&last)?)?;
    }
    Ok(())
}
