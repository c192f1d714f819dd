//! `recognizer bench annotate VIDEO…` and `recognizer bench anonymize VIDEO`: the workers'
//! handler run as N jobs at once in this one process — as a worker with `worker.concurrency = N`
//! runs them: one ONNX Runtime, on a GPU one CUDA context, the models' sessions (shared or kept
//! between jobs) as a worker has them. Prints the frames per second of all jobs together, and
//! each job's.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use vision::annotate::AnnotateConfig;
use vision::anonymize::AnonymizeConfig;
use workers::jobs::annotate::AnnotateJob;
use workers::jobs::anonymize::AnonymizeJob;
use workers::jobs::{Artifact, Job, JobContext, JobError};

use super::local_job::{LocalJob, file_name};
use crate::config::Config;

#[derive(clap::Args)]
pub struct AnnotateBenchArgs {
    /// The videos each job annotates, one after the other.
    #[arg(required = true)]
    pub videos: Vec<String>,
    /// Jobs at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Last stage (2: poses and tracks, the part a GPU speeds up).
    #[arg(long = "to", default_value_t = 2)]
    pub to_stage: u8,
    /// Longer side of the pose model's input (0 = the video's own size).
    #[arg(long, default_value_t = 640)]
    pub pose_input_size: u32,
    /// Where the jobs write (OUTPUT/job-N/); a folder of its own under the system's temporary
    /// one by default, removed at the end.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct AnonymizeBenchArgs {
    /// The video each job anonymizes (default settings: faces blurred).
    pub video: String,
    /// Jobs at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Where the jobs write (OUTPUT/job-N/); a temporary folder by default, removed at the end.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn annotate(config: &Config, args: AnnotateBenchArgs) -> anyhow::Result<()> {
    let settings = AnnotateConfig {
        to_stage: args.to_stage,
        pose_input_size: args.pose_input_size,
        ..AnnotateConfig::default()
    };
    settings
        .validate()
        .map_err(|e| anyhow::anyhow!("{}", e.join("; ")))?;
    let (frames, seconds) = at_once(config, args.jobs, args.output.clone(), |job| {
        let inputs = args
            .videos
            .iter()
            .map(|v| job.input(v))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let frames = inputs.iter().map(|i| i.frames).sum();
        let handler = AnnotateJob {
            inputs,
            settings: settings.clone(),
        };
        Ok((Handler::Annotate(handler), frames))
    })?;
    println!(
        "annotate, {} job(s) at once in one process, {} video(s) each, stages 1–{}, pose input {}: \
         {frames} frames in {seconds:.1} s = {:.1} frames/s",
        args.jobs,
        args.videos.len(),
        args.to_stage,
        args.pose_input_size,
        frames as f64 / seconds
    );
    Ok(())
}

pub fn anonymize(config: &Config, args: AnonymizeBenchArgs) -> anyhow::Result<()> {
    let frames_each = vision::media::probe(&args.video)?.frames.max(1);
    let key = format!("inputs/{}", file_name(&args.video));
    let (frames, seconds) = at_once(config, args.jobs, args.output.clone(), |job| {
        job.stage(&key, std::path::Path::new(&args.video))?;
        let handler = AnonymizeJob {
            input_key: key.clone(),
            settings: AnonymizeConfig::default(),
        };
        Ok((Handler::Anonymize(handler), frames_each))
    })?;
    println!(
        "anonymize, {} job(s) at once in one process: {frames} frames in {seconds:.1} s = {:.1} frames/s",
        args.jobs,
        frames as f64 / seconds
    );
    Ok(())
}

/// A workers' handler, as a worker runs it.
enum Handler {
    Annotate(AnnotateJob),
    Anonymize(AnonymizeJob),
}

impl Handler {
    async fn run(&self, ctx: &JobContext) -> Result<Vec<Artifact>, JobError> {
        match self {
            Handler::Annotate(job) => job.run(ctx).await,
            Handler::Anonymize(job) => job.run(ctx).await,
        }
    }
}

/// `jobs` handlers made by `make` (each with the frames it works through) run at once; each
/// job's frames/s printed. Returns all jobs' frames and the seconds until the last ended.
fn at_once(
    config: &Config,
    jobs: usize,
    output: Option<PathBuf>,
    make: impl Fn(&mut LocalJob) -> anyhow::Result<(Handler, u64)>,
) -> anyhow::Result<(u64, f64)> {
    anyhow::ensure!(jobs >= 1, "--jobs: at least one job");
    // removed at the end; unused when --output names a folder
    let temporary = tempfile::tempdir().context("cannot make a temporary folder")?;
    let root = output.unwrap_or_else(|| temporary.path().to_path_buf());
    let mut runs = Vec::new();
    for n in 1..=jobs {
        let out = root.join(format!("job-{n}"));
        let mut job = LocalJob::new(&out)?;
        job.hide_progress();
        let (handler, frames) = make(&mut job)?;
        let ctx = job.context(config)?;
        runs.push((job, ctx, handler, frames, out));
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = Instant::now();
    let results = rt.block_on(futures::future::join_all(runs.iter().map(
        |(_, ctx, handler, _, _)| async move {
            let began = Instant::now();
            let result = handler.run(ctx).await;
            (result, began.elapsed().as_secs_f64())
        },
    )));
    let seconds = started.elapsed().as_secs_f64();

    let mut frames = 0;
    for (n, ((result, secs), (job, _, _, each, out))) in results.into_iter().zip(&runs).enumerate()
    {
        let artifacts = result.map_err(|e| anyhow::anyhow!("job {}: {e}", n + 1))?;
        job.collect(&artifacts, out)?;
        println!(
            "job {}: {each} frames in {secs:.1} s ({:.1} frames/s)",
            n + 1,
            *each as f64 / secs
        );
        frames += each;
    }
    Ok((frames, seconds))
}
