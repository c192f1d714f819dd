//! A worker's job handler run on local files, so `recognizer run KIND` is the very code the
//! workers run. Local inputs are linked (not copied) into a private object store on disk; the
//! handler reads and writes it as it would S3; its artifacts are then moved to the output
//! directory, each video's under `OUTPUT/<video file name>/`, the job's under `OUTPUT/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use store::ObjectStorage;
use uuid::Uuid;
use workers::jobs::annotate::AnnotateInput;
use workers::jobs::{Artifact, FoundEvent, JobContext, JobProgress};

use super::services;
use crate::config::Config;

/// One offline run of a job handler.
pub struct LocalJob {
    pub job_id: Uuid,
    pub storage: ObjectStorage,
    root: tempfile::TempDir,
    /// video id → its file name
    names: HashMap<Uuid, String>,
    events: Arc<Mutex<Vec<FoundEvent>>>,
    bar: ProgressBar,
}

/// The name a path or URL is known by in the output.
pub fn file_name(input: &str) -> String {
    input
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(input)
        .to_string()
}

impl LocalJob {
    /// A run whose working store lives in a hidden directory of `output` (removed afterwards),
    /// so moving results out of it never crosses file systems.
    pub fn new(output: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(output)
            .with_context(|| format!("cannot create {}", output.display()))?;
        let root = tempfile::Builder::new()
            .prefix(".recognizer-work-")
            .tempdir_in(output)
            .with_context(|| format!("cannot write in {}", output.display()))?;
        let storage = ObjectStorage::local(root.path())?;
        let bar = ProgressBar::new(1);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:40} {bar:30} {pos}/{len} frames  ETA {eta}",
            )
            .expect("valid template"),
        );
        Ok(Self {
            job_id: Uuid::new_v4(),
            storage,
            root,
            names: HashMap::new(),
            events: Arc::default(),
            bar,
        })
    }

    /// No progress bar (several jobs at once in a benchmark).
    pub fn hide_progress(&self) {
        self.bar
            .set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }

    /// Links a local file into the store under `key`.
    pub fn stage(&self, key: &str, file: &Path) -> anyhow::Result<()> {
        let file = std::fs::canonicalize(file)
            .with_context(|| format!("{}: no such file", file.display()))?;
        let at = self.root.path().join(key);
        std::fs::create_dir_all(at.parent().expect("keys have a folder"))?;
        std::os::unix::fs::symlink(&file, &at)
            .with_context(|| format!("cannot link {} into the work store", file.display()))?;
        Ok(())
    }

    /// A local video as one of the job's inputs. Its id is derived from its file name, so
    /// every run over the same files names (and splits) them the same way.
    pub fn input(&mut self, path: &str) -> anyhow::Result<AnnotateInput> {
        anyhow::ensure!(
            !path.contains("://"),
            "{path}: offline jobs read local files; register a stream for live video"
        );
        let name = file_name(path);
        let info = vision::media::probe(path)?;
        let video_id = Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes());
        anyhow::ensure!(
            self.names.insert(video_id, name.clone()).is_none(),
            "two inputs are named {name}: their results would share OUTPUT/{name}/; rename one"
        );
        let key = format!("inputs/{video_id}/{name}");
        self.stage(&key, Path::new(path))?;
        Ok(AnnotateInput {
            video_id,
            filename: name,
            input_key: key,
            frames: info.frames.max(1),
        })
    }

    /// The handler's context: this store, the configured runtime and models, progress to the bar.
    pub fn context(&self, config: &Config) -> anyhow::Result<JobContext> {
        let bar = self.bar.clone();
        let events = self.events.clone();
        Ok(JobContext {
            job_id: self.job_id,
            storage: self.storage.clone(),
            runtime: services::runtime(config)?,
            catalog: services::catalog(config)?,
            scratch: self.root.path().join("scratch"),
            output_prefix: format!("jobs/{}", self.job_id),
            progress: Arc::new(move |p: JobProgress| {
                bar.set_message(p.stage);
                bar.set_length(p.frames_total.max(1));
                bar.set_position(p.frames_done);
                true
            }),
            on_event: Arc::new(move |e| events.lock().expect("not poisoned").push(e)),
        })
    }

    /// Runs the handler's future to its end on a runtime of its own.
    pub fn block_on<T>(&self, work: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let out = rt.block_on(work);
        self.bar.finish_and_clear();
        Ok(out)
    }

    /// The events the handler reported, in order.
    pub fn events(&self) -> Vec<FoundEvent> {
        self.events.lock().expect("not poisoned").clone()
    }

    /// Moves the artifacts out of the store: `jobs/<job>/<video id>/x` → `OUTPUT/<video>/x`,
    /// `jobs/<job>/x` → `OUTPUT/x`. Returns where they went.
    pub fn collect(&self, artifacts: &[Artifact], output: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let prefix = format!("jobs/{}/", self.job_id);
        let mut out = Vec::new();
        for a in artifacts {
            let rest = a.key.strip_prefix(&prefix).unwrap_or(&a.key);
            let target = match rest.split_once('/') {
                Some((head, tail)) => match Uuid::parse_str(head)
                    .ok()
                    .and_then(|id| self.names.get(&id))
                {
                    Some(name) => output.join(name).join(tail),
                    None => output.join(rest),
                },
                None => output.join(rest),
            };
            std::fs::create_dir_all(target.parent().expect("inside OUTPUT"))?;
            std::fs::rename(self.root.path().join(&a.key), &target)
                .with_context(|| format!("cannot move {} to {}", a.key, target.display()))?;
            out.push(target);
        }
        Ok(out)
    }
}
