//! `recognizer bench pose VIDEO`: frames per second of each stage of the pose pipeline on this
//! machine — decode only, pose detection, pose + tracking — and the tracker alone at 20 people.

use std::time::Instant;

use anyhow::Context;

use vision::media::VideoReader;
use vision::pipeline::{PoseConfig, PosePipeline};
use vision::track::{ByteTrackConfig, ByteTracker, Detection};

use super::services;
use crate::config::Config;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Video to measure on.
    pub video: String,
    /// Stop after this many frames (0 = whole video).
    #[arg(long, default_value_t = 0)]
    pub frames: u64,
    /// Longer side of the pose model's input (0 = native size).
    #[arg(long, default_value_t = 0)]
    pub input_size: u32,
    /// Also time the pose model alone on decoded frames: the full model frame by frame against
    /// the batched model (movenet-multipose-batch) with this many frames a call (0 = not).
    #[arg(long, default_value_t = 0)]
    pub batch: usize,
}

#[derive(clap::Args)]
pub struct ClassifierArgs {
    /// The ONNX model; its contract is MODEL.json beside it.
    pub model: std::path::PathBuf,
    /// Windows to time (after 5 warm-up windows).
    #[arg(long, default_value_t = 200)]
    pub windows: usize,
}

/// Times whole classifier windows as the event pipeline asks for them: the window built from
/// the remembered frames (layout, normalisation) and run through the model.
pub fn classifier(config: &Config, args: ClassifierArgs) -> anyhow::Result<()> {
    use vision::models::skeleton::{ClassifierContract, SkeletonClassifier};
    use vision::pose::Person;
    let contract_path = args.model.with_extension("json");
    let contract: ClassifierContract =
        serde_json::from_str(&std::fs::read_to_string(&contract_path).with_context(|| {
            format!("the contract {} cannot be read", contract_path.display())
        })?)?;
    let runtime = services::runtime(config)?;
    let mut model = SkeletonClassifier::load(runtime, &args.model, contract.clone())?;
    let persons = contract.persons.max(1) as u64;
    // people walking across a 1280x720 frame, one frame per 1/30 s
    for f in 0..contract.frames as u64 * 2 {
        let people: Vec<Person> = (0..persons)
            .map(|m| {
                let x0 = 200.0 + 4.0 * f as f32 + 300.0 * m as f32;
                let mut keypoints = [[0.0f32; 3]; 17];
                for (v, k) in keypoints.iter_mut().enumerate() {
                    *k = [x0 + (v % 5) as f32 * 10.0, 200.0 + v as f32 * 20.0, 0.8];
                }
                Person {
                    keypoints,
                    bbox: [x0 - 20.0, 180.0, x0 + 80.0, 560.0],
                    confidence: 0.9,
                    track_id: Some(m + 1),
                }
            })
            .collect();
        model.push(f as f64 / 30.0, (1280, 720), &people);
    }
    let subject: Vec<u64> = (1..=persons).collect();
    for _ in 0..5 {
        model.event_probability(&subject)?;
    }
    let mut ms = Vec::with_capacity(args.windows);
    for _ in 0..args.windows.max(1) {
        let started = Instant::now();
        model.event_probability(&subject)?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{}: {} windows of [1, {}, {}, 17, {}] ({:?}, {} intra-op threads): median {:.2} ms, p95 {:.2} ms, min {:.2} ms",
        args.model.display(),
        ms.len(),
        contract.persons,
        contract.frames,
        contract.channels,
        contract.layout,
        runtime.config.intra_threads,
        at(0.5),
        at(0.95),
        ms[0]
    );
    Ok(())
}

pub fn pose(config: &Config, args: BenchArgs) -> anyhow::Result<()> {
    let limit = if args.frames == 0 {
        u64::MAX
    } else {
        args.frames
    };
    let runtime = services::runtime(config)?;
    let catalog = services::catalog(config)?;

    let started = Instant::now();
    let mut n = 0u64;
    for frame in VideoReader::open(&args.video)? {
        frame?;
        n += 1;
        if n >= limit {
            break;
        }
    }
    report("decode only", n, started);

    let pose_config = PoseConfig {
        input_size: args.input_size,
        ..Default::default()
    };
    let mut pipeline = PosePipeline::new(runtime, &catalog, pose_config.clone())?;
    let started = Instant::now();
    let (mut n, mut people) = (0u64, 0usize);
    for frame in VideoReader::open(&args.video)? {
        people += pipeline.detect(&frame?.image)?.len();
        n += 1;
        if n >= limit {
            break;
        }
    }
    report(
        &format!(
            "decode + pose ({:.1} people/frame)",
            people as f64 / n as f64
        ),
        n,
        started,
    );

    let mut pipeline = PosePipeline::new(runtime, &catalog, pose_config)?;
    let started = Instant::now();
    let (mut n, mut tracks) = (0u64, std::collections::BTreeSet::new());
    for frame in VideoReader::open(&args.video)? {
        let out = pipeline.process(&frame?)?;
        tracks.extend(out.poses.persons.iter().filter_map(|p| p.track_id));
        n += 1;
        if n >= limit {
            break;
        }
    }
    report(
        &format!("decode + pose + track ({} tracks)", tracks.len()),
        n,
        started,
    );

    if args.batch > 0 {
        model_alone(runtime, &catalog, &args, limit)?;
    }
    tracker_alone(20, 5000);
    Ok(())
}

/// The pose model alone (no tiling, no tracking) on frames decoded beforehand (at most 300):
/// frame by frame through the full model, then `batch` frames a call through the batched body
/// and the heads decoded in Rust; and how many people each found.
fn model_alone(
    runtime: &'static vision::Runtime,
    catalog: &vision::Catalog,
    args: &BenchArgs,
    limit: u64,
) -> anyhow::Result<()> {
    use vision::models::movenet::{MoveNet, MoveNetBatch, MoveNetConfig};
    let frames: Vec<_> = VideoReader::open(&args.video)?
        .take(limit.min(300) as usize)
        .map(|f| f.map(|f| f.image))
        .collect::<Result<_, _>>()?;
    let config = MoveNetConfig {
        input_size: args.input_size,
        ..MoveNetConfig::default()
    };
    let mut full = MoveNet::new(runtime, catalog, config.clone())?;
    let mut batched = MoveNetBatch::new(runtime, catalog, config, args.batch).context(
        "the batched model: run `recognizer models fetch --only movenet-multipose-batch`",
    )?;
    // warm up both with the shapes timed (a new input shape makes cuDNN plan again), and time
    // whole batches only
    let frames = &frames[..frames.len() / args.batch * args.batch];
    anyhow::ensure!(
        !frames.is_empty(),
        "fewer frames than one batch of {}",
        args.batch
    );
    full.detect(&frames[0])?;
    batched.detect_frames(&frames[..args.batch].iter().collect::<Vec<_>>())?;
    let started = Instant::now();
    let mut people = 0;
    for f in frames {
        people += full.detect(f)?.len();
    }
    report(
        &format!("pose model, frame by frame ({people} people)"),
        frames.len() as u64,
        started,
    );
    let started = Instant::now();
    let mut people = 0;
    for chunk in frames.chunks(args.batch) {
        let refs: Vec<_> = chunk.iter().collect();
        people += batched
            .detect_frames(&refs)?
            .iter()
            .map(Vec::len)
            .sum::<usize>();
    }
    report(
        &format!("pose model, {} frames a call ({people} people)", args.batch),
        frames.len() as u64,
        started,
    );
    Ok(())
}

/// 20 people walking straight lines with jittered boxes and 10 % missed detections.
fn tracker_alone(people: usize, frames: u64) {
    let mut rng = 12345u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % 10_000) as f32 / 10_000.0
    };
    let starts: Vec<(f32, f32, f32, f32)> = (0..people)
        .map(|_| {
            (
                next() * 1800.0,
                next() * 900.0,
                next() * 4.0 - 2.0,
                next() * 2.0 - 1.0,
            )
        })
        .collect();
    let mut tracker = ByteTracker::new(ByteTrackConfig::default());
    let started = Instant::now();
    for f in 0..frames {
        let mut dets = Vec::with_capacity(people);
        for &(x, y, vx, vy) in &starts {
            if next() < 0.1 {
                continue;
            }
            let (cx, cy) = (
                (x + vx * f as f32).rem_euclid(1900.0),
                (y + vy * f as f32).rem_euclid(1000.0),
            );
            let j = next() * 4.0 - 2.0;
            dets.push(Detection {
                bbox: [cx + j, cy + j, cx + 40.0 + j, cy + 100.0 + j],
                score: 0.5 + next() * 0.5,
                appearance: None,
            });
        }
        tracker.update(&dets);
    }
    report(&format!("tracker alone, {people} people"), frames, started);
}

fn report(what: &str, frames: u64, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{what:<45} {frames:>6} frames  {secs:>8.2} s  {:>9.1} frames/s",
        frames as f64 / secs
    );
}
