//! ONNX Runtime: loading the shared library, execution-provider choice, session options.
//!
//! `ort` is built with `load-dynamic`: the library is found at run time (`ORT_DYLIB_PATH` or the
//! configured path). Loading checks the file first so a missing library is a clear error, not a panic.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::{Deserialize, Serialize};

/// Where inference runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionProvider {
    #[default]
    Cpu,
    /// CUDA, falling back to CPU with a logged warning when it cannot be used.
    Cuda,
}

/// The `[runtime]` section of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeConfig {
    pub execution_provider: ExecutionProvider,
    /// Path of `libonnxruntime.so`; empty means `ORT_DYLIB_PATH`.
    pub library: Option<PathBuf>,
    /// Intra-op threads per session (spinning is always off).
    pub intra_threads: usize,
    /// How cuDNN picks a convolution algorithm for each new input shape (CUDA only).
    pub conv_search: ConvSearch,
    /// Write ONNX Runtime's profile (per-node times and shapes, JSON) of every session into this
    /// folder when the session ends: `<model>_<time>.json`. For diagnosis; it slows inference.
    pub profile_dir: Option<PathBuf>,
    /// Feed models a few fixed input shapes, batched (`Runtime::fixed_shapes`); unset: on CUDA
    /// only. `false` on CUDA reproduces the slow path the GPU benchmark starts from.
    pub fixed_shapes: Option<bool>,
    /// Let CUDA convolutions use TF32 (faster on tensor cores, ~3 significant digits). Unset:
    /// each model's own measured choice ([`CudaTuning`]: on for the batched pose model, off for
    /// the others); `false` keeps every model's GPU results closest to the CPU's.
    pub tf32: Option<bool>,
    /// Let CUDA convolutions run in channels-last layout (ONNX Runtime's `prefer_nhwc`). Unset:
    /// each model's own measured choice, as `tf32`.
    pub prefer_nhwc: Option<bool>,
    /// Frames per pose model call in annotate's pose stage (`Runtime::pose_batch`), 1–256;
    /// unset: 16 where shapes are fixed (CUDA), 1 (frame by frame) on the CPU.
    pub pose_batch: Option<usize>,
    /// The pose pipelines of one process that run the batched pose model share its sessions
    /// (one per input shape) instead of making their own, their runs taking turns. Unset: shared
    /// where shapes are fixed (CUDA) — on the H200 eight jobs' own sessions left the GPU idle for
    /// 49 s while their first runs went one at a time (bench/RESULTS.md, GPU rounds 7–8) — and
    /// not on the CPU, where each job's runs use threads of their own.
    pub share_sessions: Option<bool>,
}

impl RuntimeConfig {
    /// `fixed_shapes`, or its default: on CUDA only ([`Runtime::fixed_shapes`]).
    pub fn fixed_shapes(&self) -> bool {
        self.fixed_shapes
            .unwrap_or(self.execution_provider == ExecutionProvider::Cuda)
    }

    /// `share_sessions`, or its default: where shapes are fixed.
    pub fn share_sessions(&self) -> bool {
        self.share_sessions.unwrap_or(self.fixed_shapes())
    }

    /// A model's CUDA tuning with what this configuration sets (`tf32`, `prefer_nhwc`) put over
    /// it.
    pub fn cuda_tuning(&self, model: CudaTuning) -> CudaTuning {
        CudaTuning {
            tf32: self.tf32.unwrap_or(model.tf32),
            channels_last: self.prefer_nhwc.unwrap_or(model.channels_last),
        }
    }
}

/// The most frames a pose model call may take (`RuntimeConfig::pose_batch`): 256 frames of
/// 1080p at the video's own size are ~6 GB of input.
pub const MAX_POSE_BATCH: usize = 256;

/// cuDNN's convolution algorithm choice, per new input shape (ONNX Runtime's
/// `cudnn_conv_algo_search`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ConvSearch {
    /// Time every algorithm once per shape (ONNX Runtime's default): the fastest kernels, a
    /// costly first call per shape.
    #[default]
    Exhaustive,
    /// cuDNN's heuristics: cheaper first calls.
    Heuristic,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            execution_provider: ExecutionProvider::Cpu,
            library: None,
            intra_threads: 2,
            conv_search: ConvSearch::Exhaustive,
            profile_dir: None,
            fixed_shapes: None,
            tf32: None,
            prefer_nhwc: None,
            pose_batch: None,
            share_sessions: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot open model {path}: {reason}")]
    Session { path: PathBuf, reason: String },
    #[error(
        "ONNX Runtime library not configured: set runtime.library (or ORT_DYLIB_PATH) to libonnxruntime.so.1.31.x \
         (`make run` installs it under ~/.cache/recognizer/tools)"
    )]
    NotConfigured,
    #[error(
        "ONNX Runtime library {0} does not exist (runtime.library / ORT_DYLIB_PATH); run `scripts/setup.sh` to install it"
    )]
    Missing(PathBuf),
    #[error("cannot load ONNX Runtime from {path}: {reason}")]
    Load { path: PathBuf, reason: String },
}

/// The loaded ONNX Runtime: one per process.
pub struct Runtime {
    /// Sessions are built from this environment.
    pub environment: ort::environment::Environment,
    pub library: PathBuf,
    pub version: String,
    pub config: RuntimeConfig,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// Runs hold it shared, the making of a CUDA session alone: on the H200 a session made while
/// another thread's session ran failed now and then with "CUDA failure 900: operation not
/// permitted when stream is capturing" (one of four anonymize jobs started at once in one
/// process, bench/RESULTS.md GPU round 8). Sessions are made seldom (a job's start, a new input
/// shape), so runs wait for that rarely.
static SESSIONS_AT_WORK: RwLock<()> = RwLock::new(());

/// Held while a session runs (`Runtime::running`).
pub type Running = RwLockReadGuard<'static, ()>;

/// Held while a CUDA session is made: no session runs meanwhile.
fn making() -> RwLockWriteGuard<'static, ()> {
    SESSIONS_AT_WORK.write().unwrap_or_else(|e| e.into_inner())
}

impl Runtime {
    /// Loads the library once per process; later calls return the same runtime.
    pub fn load(config: &RuntimeConfig) -> Result<&'static Runtime, RuntimeError> {
        if let Some(rt) = RUNTIME.get() {
            return Ok(rt);
        }
        let library = resolve_library(config)?;
        let builder = ort::init_from(&library).map_err(|e| RuntimeError::Load {
            path: library.clone(),
            reason: e.to_string(),
        })?;
        let environment =
            builder
                .with_name("recognizer")
                .build()
                .map_err(|e| RuntimeError::Load {
                    path: library.clone(),
                    reason: e.to_string(),
                })?;
        let version = library_version(&library).unwrap_or_else(|| "unknown".into());
        tracing::info!(%version, library = %library.display(), "ONNX Runtime loaded");
        Ok(RUNTIME.get_or_init(|| Runtime {
            environment,
            library,
            version,
            config: config.clone(),
        }))
    }

    /// A session for one model: intra-op threads as configured, spinning off (it only burns CPU
    /// that the decoder and other sessions need), CUDA when asked for and usable, else CPU.
    pub fn session(&self, path: &Path) -> Result<ort::session::Session, RuntimeError> {
        self.tuned_session(path, CudaTuning::default())
    }

    /// A session as [`Runtime::session`], its CUDA convolutions tuned as `tuning` says where the
    /// configuration leaves that open.
    pub fn tuned_session(
        &self,
        path: &Path,
        tuning: CudaTuning,
    ) -> Result<ort::session::Session, RuntimeError> {
        use ort::ep::ExecutionProvider as _;
        use ort::session::builder::GraphOptimizationLevel;
        let fail = |e: ort::Error| RuntimeError::Session {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        if !path.is_file() {
            return Err(RuntimeError::Session {
                path: path.to_path_buf(),
                reason: "file does not exist; run `recognizer models fetch`".into(),
            });
        }
        let mut builder = ort::session::Session::builder(&self.environment)
            .map_err(fail)?
            .with_intra_threads(self.config.intra_threads.max(1))
            .map_err(|e| fail(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| fail(e.into()))?
            .with_intra_op_spinning(false)
            .map_err(|e| fail(e.into()))?
            .with_inter_op_spinning(false)
            .map_err(|e| fail(e.into()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| fail(e.into()))?;
        if let Some(dir) = &self.config.profile_dir {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            builder = builder
                .with_profiling(dir.join(stem.as_ref()))
                .map_err(|e| fail(e.into()))?;
        }
        if self.config.execution_provider == ExecutionProvider::Cuda {
            let tuning = self.config.cuda_tuning(tuning);
            let search = match self.config.conv_search {
                ConvSearch::Exhaustive => ort::ep::cuda::ConvAlgorithmSearch::Exhaustive,
                ConvSearch::Heuristic => ort::ep::cuda::ConvAlgorithmSearch::Heuristic,
            };
            let cuda = ort::ep::CUDA::default()
                .with_conv_algorithm_search(search)
                .with_tf32(tuning.tf32)
                .with_prefer_nhwc(tuning.channels_last);
            match cuda.register(&mut builder) {
                Ok(()) => tracing::info!(model = %path.display(), "using CUDA"),
                Err(e) => {
                    tracing::warn!(model = %path.display(), error = %e, "CUDA is not usable here; running on the CPU")
                }
            }
        }
        let _alone = (self.config.execution_provider == ExecutionProvider::Cuda).then(making);
        builder.commit_from_file(path).map_err(fail)
    }

    /// To hold while a session runs (taken after the session is got: getting one may make it),
    /// so that no CUDA session is made meanwhile ([`SESSIONS_AT_WORK`]).
    pub fn running() -> Running {
        SESSIONS_AT_WORK.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Sessions of the model at `path` for [`ShapedSessions`]: one per input shape where
    /// shapes are fixed, else one for all; each tuned as `tuning` says
    /// ([`Runtime::tuned_session`]).
    pub fn shaped_sessions(
        &self,
        path: &Path,
        tuning: CudaTuning,
    ) -> Result<ShapedSessions, RuntimeError> {
        let first = self.tuned_session(path, tuning)?;
        Ok(ShapedSessions {
            path: path.to_path_buf(),
            tuning,
            per_shape: self.fixed_shapes(),
            any: Some(first),
            sessions: Vec::new(),
            ran: Vec::new(),
        })
    }

    /// Whether models should be fed inputs of a few fixed shapes, batched: on CUDA every new
    /// input shape costs about a second of cuDNN planning (bench/RESULTS.md, GPU section), so
    /// crops are padded to fixed tiles there. On the CPU a crop of its own size is cheapest.
    pub fn fixed_shapes(&self) -> bool {
        self.config.fixed_shapes()
    }

    /// Frames per pose model call where a job runs pose on a whole video (annotate): batches
    /// where shapes are fixed (on the H200, 1,500 frames of 720p × 8 jobs: 486 frames/s in calls
    /// of 16, 227 frame by frame; bench/RESULTS.md), frame by frame on the CPU, where a batch
    /// buys little.
    pub fn pose_batch(&self) -> usize {
        self.config
            .pose_batch
            .unwrap_or(if self.fixed_shapes() {
                crate::pipeline::GPU_BATCH
            } else {
                1
            })
            .clamp(1, MAX_POSE_BATCH)
    }

    /// Whether pipelines of one model share its sessions (`RuntimeConfig::share_sessions`).
    pub fn share_sessions(&self) -> bool {
        self.config.share_sessions()
    }

    /// The sessions of the model at `path` that this process's pipelines share, made by the
    /// first to ask.
    pub fn shared_sessions(
        &self,
        path: &Path,
        tuning: CudaTuning,
    ) -> Result<SharedSessions, RuntimeError> {
        static SHARED: Mutex<Vec<(PathBuf, CudaTuning, SharedSessions)>> = Mutex::new(Vec::new());
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, sessions)) = shared.iter().find(|(p, t, _)| p == path && *t == tuning) {
            return Ok(sessions.clone());
        }
        let sessions = Arc::new(Mutex::new(self.shaped_sessions(path, tuning)?));
        shared.push((path.to_path_buf(), tuning, sessions.clone()));
        Ok(sessions)
    }

    /// The runtime if it was loaded earlier in this process.
    pub fn get() -> Option<&'static Runtime> {
        RUNTIME.get()
    }
}

/// How a model's CUDA convolutions run best, measured per model (bench/RESULTS.md): the
/// configuration's `runtime.tf32` / `runtime.prefer_nhwc` override it when set. On the CPU it
/// changes nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CudaTuning {
    /// TF32 on tensor cores.
    pub tf32: bool,
    /// Channels-last (NHWC) convolutions.
    pub channels_last: bool,
}

/// One model's sessions. On CUDA (fixed shapes), one session per input shape: measured on the
/// H200 (bench/RESULTS.md, GPU section), a CenterFace session whose input shape changed from one
/// run to the next spent ~2 s a run in cuDNN convolutions whatever the size — every shape change
/// re-plans every convolution — while a session that always sees one shape runs in
/// milliseconds. Shapes are few there (fixed tiles, padded batches), so sessions are few.
/// On the CPU one session takes every shape.
pub struct ShapedSessions {
    path: PathBuf,
    tuning: CudaTuning,
    per_shape: bool,
    /// The session made first, not yet tied to a shape.
    any: Option<ort::session::Session>,
    sessions: Vec<(Vec<usize>, ort::session::Session)>,
    /// Shapes that a run was counted at ([`ShapedSessions::first_run`]).
    ran: Vec<Vec<usize>>,
}

impl ShapedSessions {
    /// Whether a run at this shape, about to start, is the first (counted once per shape).
    pub fn first_run(&mut self, shape: &[usize]) -> bool {
        let first = !self.ran.iter().any(|s| s == shape);
        if first {
            self.ran.push(shape.to_vec());
        }
        first
    }

    /// The session for an input of this shape.
    pub fn get(&mut self, shape: &[usize]) -> Result<&mut ort::session::Session, RuntimeError> {
        if !self.per_shape {
            return Ok(self.any.as_mut().expect("the one session"));
        }
        let at = match self.sessions.iter().position(|(s, _)| s == shape) {
            Some(at) => at,
            None => {
                let session = match self.any.take() {
                    Some(session) => session,
                    None => Runtime::get()
                        .expect("a runtime made these sessions")
                        .tuned_session(&self.path, self.tuning)?,
                };
                if self.sessions.len() == 8 {
                    tracing::warn!(model = %self.path.display(), ?shape, "a ninth input shape: each costs a session and a slow first run");
                }
                self.sessions.push((shape.to_vec(), session));
                self.sessions.len() - 1
            }
        };
        Ok(&mut self.sessions[at].1)
    }
}

/// One model's sessions shared by the pipelines of a process ([`Runtime::shared_sessions`]).
pub type SharedSessions = Arc<Mutex<ShapedSessions>>;

/// A pipeline's sessions of one model: its own, or the process's shared ones (then its runs
/// take turns with the other pipelines').
pub enum ModelSessions {
    Own(ShapedSessions),
    Shared(SharedSessions),
}

impl ModelSessions {
    /// The sessions of the model at `path`, shared when `share` says so.
    pub fn new(
        runtime: &Runtime,
        path: &Path,
        tuning: CudaTuning,
        share: bool,
    ) -> Result<Self, RuntimeError> {
        Ok(if share {
            Self::Shared(runtime.shared_sessions(path, tuning)?)
        } else {
            Self::Own(runtime.shaped_sessions(path, tuning)?)
        })
    }

    /// `f` with the sessions, the shared ones held for as long as it runs.
    pub fn with<R>(&mut self, f: impl FnOnce(&mut ShapedSessions) -> R) -> R {
        match self {
            Self::Own(sessions) => f(sessions),
            Self::Shared(shared) => f(&mut shared.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    /// `run` with the session for inputs of `shape`, made if this is the shape's first, while
    /// no CUDA session is made ([`Runtime::running`]); with when `run` started and whether it
    /// was the shape's first run (where CUDA plans its convolutions).
    pub fn run<R, E: From<RuntimeError>>(
        &mut self,
        shape: &[usize],
        run: impl FnOnce(&mut ort::session::Session) -> Result<R, E>,
    ) -> Result<Ran<R>, E> {
        self.with(|sessions| {
            let first = sessions.first_run(shape);
            let session = sessions.get(shape)?;
            let started = std::time::Instant::now();
            let _running = Runtime::running();
            Ok(Ran {
                output: run(session)?,
                started,
                first,
            })
        })
    }
}

/// What [`ModelSessions::run`] returns: the run's output, when it started, whether it was its
/// shape's first.
pub struct Ran<R> {
    pub output: R,
    pub started: std::time::Instant,
    pub first: bool,
}

/// Model inputs kept from run to run, one tensor per input shape, in page-locked ("pinned")
/// host memory where the session runs on CUDA (ONNX Runtime's `CudaPinned` allocator), else in
/// ordinary memory. Measured on the H200 (bench/RESULTS.md, round 3): a run of five 1080p
/// frames spent ~5.5 ms copying its fresh 31 MB input from pageable memory, and allocating and
/// zeroing that input each run cost the CPU as much again. Items a run does not fill keep what
/// an earlier run wrote there (callers pad batches and never read those items' outputs).
pub struct InputBuffers<T: ort::value::PrimitiveTensorElementType + std::fmt::Debug> {
    buffers: Vec<(Vec<usize>, ort::value::Tensor<T>)>,
    /// Declared after the buffers: dropped after the memory it handed out.
    allocator: Option<ort::memory::Allocator>,
}

impl<T: ort::value::PrimitiveTensorElementType + std::fmt::Debug + Clone + Default> Default
    for InputBuffers<T>
{
    fn default() -> Self {
        Self {
            buffers: Vec::new(),
            allocator: None,
        }
    }
}

impl<T: ort::value::PrimitiveTensorElementType + std::fmt::Debug + Clone + Default>
    InputBuffers<T>
{
    /// The input of `shape` for `session` (zeroed when it is made).
    pub fn get(
        &mut self,
        session: &ort::session::Session,
        shape: &[usize],
    ) -> Result<&mut ort::value::Tensor<T>, ort::Error> {
        use ort::memory::{AllocationDevice, Allocator, AllocatorType, MemoryInfo, MemoryType};
        if let Some(at) = self.buffers.iter().position(|(s, _)| s == shape) {
            return Ok(&mut self.buffers[at].1);
        }
        if self.allocator.is_none() {
            let pinned = MemoryInfo::new(
                AllocationDevice::CUDA_PINNED,
                0,
                AllocatorType::Device,
                MemoryType::CPUInput,
            )
            .and_then(|info| Allocator::new(session, info));
            tracing::debug!(pinned = pinned.is_ok(), "model inputs kept from run to run");
            self.allocator = Some(pinned.unwrap_or_default());
        }
        let allocator = self.allocator.as_ref().expect("made above");
        let mut tensor = ort::value::Tensor::<T>::new(allocator, shape.to_vec())?;
        tensor.extract_tensor_mut().1.fill(T::default());
        self.buffers.push((shape.to_vec(), tensor));
        Ok(&mut self.buffers.last_mut().expect("pushed").1)
    }
}

fn resolve_library(config: &RuntimeConfig) -> Result<PathBuf, RuntimeError> {
    let path = match &config.library {
        Some(p) if !p.as_os_str().is_empty() => p.clone(),
        _ => std::env::var_os("ORT_DYLIB_PATH")
            .map(PathBuf::from)
            .ok_or(RuntimeError::NotConfigured)?,
    };
    if !Path::new(&path).is_file() {
        return Err(RuntimeError::Missing(path));
    }
    Ok(path)
}

/// The version the library reports (`OrtGetApiBase()->GetVersionString()`, e.g. "1.31.1"); the
/// build-info string only names a git branch. The library is already loaded, so this reuses it.
fn library_version(path: &Path) -> Option<String> {
    // SAFETY: the same library ort just loaded and checked; OrtGetApiBase takes no arguments and
    // returns a pointer to a static table whose version string is a static NUL-terminated string.
    unsafe {
        let lib = libloading::Library::new(path).ok()?;
        let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
            lib.get(b"OrtGetApiBase").ok()?;
        let base = get_base();
        if base.is_null() {
            return None;
        }
        let version = ((*base).GetVersionString)();
        (!version.is_null()).then(|| {
            std::ffi::CStr::from_ptr(version)
                .to_string_lossy()
                .into_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_session_is_made_while_one_runs() {
        let run = Runtime::running();
        // other runs go on side by side
        let other = std::thread::spawn(|| drop(Runtime::running()));
        other.join().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let maker = std::thread::spawn(move || {
            let _alone = making();
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "made while a session ran"
        );
        drop(run);
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("made once the run ended");
        maker.join().unwrap();
    }

    #[test]
    fn a_missing_library_is_a_clear_error() {
        let config = RuntimeConfig {
            library: Some("/nonexistent/libonnxruntime.so".into()),
            ..Default::default()
        };
        let err = resolve_library(&config).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/libonnxruntime.so"),
            "{err}"
        );
    }
}
