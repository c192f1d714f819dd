//! `recognizer bench annotate VIDEO…`: the workers' annotate handler run as N jobs at once in
//! this one process — as a worker with `worker.concurrency = N` runs them: one ONNX Runtime, on
//! a GPU one CUDA context, the pose pipelines kept between videos and jobs. Prints the frames
//! per second of all jobs together, and each job's.

use std::time::Instant;

use anyhow::Context;
use vision::annotate::AnnotateConfig;
use workers::jobs::annotate::AnnotateJob;

use super::local_job::LocalJob;
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
    pub output: Option<std::path::PathBuf>,
}

pub fn annotate(config: &Config, args: AnnotateBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.jobs >= 1, "--jobs: at least one job");
    // removed at the end; unused when --output names a folder
    let temporary = tempfile::tempdir().context("cannot make a temporary folder")?;
    let root = args
        .output
        .clone()
        .unwrap_or_else(|| temporary.path().to_path_buf());
    let settings = AnnotateConfig {
        to_stage: args.to_stage,
        pose_input_size: args.pose_input_size,
        ..AnnotateConfig::default()
    };
    settings
        .validate()
        .map_err(|e| anyhow::anyhow!("{}", e.join("; ")))?;

    let mut runs = Vec::new();
    for n in 1..=args.jobs {
        let out = root.join(format!("job-{n}"));
        let mut job = LocalJob::new(&out)?;
        job.hide_progress();
        let inputs = args
            .videos
            .iter()
            .map(|v| job.input(v))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let ctx = job.context(config)?;
        let handler = AnnotateJob {
            inputs,
            settings: settings.clone(),
        };
        runs.push((job, ctx, handler, out));
    }
    let frames_each: u64 = runs[0].2.inputs.iter().map(|i| i.frames).sum();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = Instant::now();
    let results = rt.block_on(futures::future::join_all(runs.iter().map(
        |(_, ctx, handler, _)| async move {
            let began = Instant::now();
            let result = handler.run(ctx).await;
            (result, began.elapsed().as_secs_f64())
        },
    )));
    let seconds = started.elapsed().as_secs_f64();

    for (n, ((result, secs), (job, _, _, out))) in results.into_iter().zip(&runs).enumerate() {
        let artifacts = result.map_err(|e| anyhow::anyhow!("job {}: {e}", n + 1))?;
        job.collect(&artifacts, out)?;
        println!(
            "job {}: {} frames in {secs:.1} s ({:.1} frames/s)",
            n + 1,
            frames_each,
            frames_each as f64 / secs
        );
    }
    let frames = frames_each * args.jobs as u64;
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
