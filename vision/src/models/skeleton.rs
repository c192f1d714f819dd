//! A user's skeleton action classifier (ST-GCN, PoseC3D's GCN heads, PP-Human's action model…) as
//! an ONNX file with a declared contract, so models exported by MMAction2
//! (`tools/deployment/export_onnx_gcn.py`: `[N, M, T, V, C]`, C = x, y, score, `PreNormalize2D`)
//! or PaddleVideo / PP-Human (`[N, C, T, V, M]`, C = x, y) run as they are.
//!
//! The classifier keeps the last frames of every track; asked about a subject (one track for a
//! fall, a pair for a fight) it builds one window in the model's layout, runs it and returns the
//! probability of the contract's event class.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use ort::session::Session;
use ort::value::Tensor;
use serde::{Deserialize, Serialize};

use crate::pose::Person;
use crate::runtime::Runtime;

/// The order of the input tensor's axes (N = batch, M = people, T = frames, V = keypoints,
/// C = channels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layout {
    /// MMAction2's GCN export.
    #[serde(rename = "NMTVC")]
    Nmtvc,
    /// PaddleVideo / PP-Human.
    #[serde(rename = "NCTVM")]
    Nctvm,
}

/// How keypoint coordinates are scaled before they reach the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalization {
    /// MMAction2 `PreNormalize2D`: `(x - w/2) / (w/2)`, `(y - h/2) / (h/2)`, so −1…1 over the frame.
    ImageCentered,
    /// `x / w`, `y / h`: 0…1 over the frame.
    Image,
    /// Relative to the person's own box in that frame: 0…1 from its left/top to its right/bottom.
    Box,
    /// Pixels of the frame, unchanged.
    Pixels,
}

/// What the model's output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// Already probabilities (softmax inside the model).
    Probabilities,
    /// Raw class scores: a softmax is applied here.
    Logits,
}

/// What a classifier expects and returns; checked against the model when it is registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierContract {
    pub layout: Layout,
    /// 2 = x, y; 3 = x, y, keypoint score.
    pub channels: u32,
    /// Frames per window (T).
    pub frames: u32,
    /// People per window (M): 1 for a fall model, 2 for a fight model is usual; unused places
    /// are zeros.
    pub persons: u32,
    /// Keypoints per person (V): 17, COCO order.
    #[serde(default = "coco")]
    pub keypoints: u32,
    pub normalization: Normalization,
    /// The class names, in the order of the model's output.
    pub classes: Vec<String>,
    /// Which class is the event (e.g. `Falling`, `fight`).
    pub event_class: String,
    #[serde(default = "probabilities")]
    pub output: OutputKind,
    /// The frame rate the model was trained at: windows are sampled at this rate whatever the
    /// video's, so 15, 25 and 30 fps video look alike to it. None: the last T frames as decoded.
    #[serde(default)]
    pub fps: Option<f64>,
}

fn coco() -> u32 {
    17
}

fn probabilities() -> OutputKind {
    OutputKind::Probabilities
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("contract: {0}")]
    Contract(String),
    #[error("the model is not an ONNX model ONNX Runtime can load: {0}")]
    NotOnnx(String),
    #[error("the model and its contract disagree: {0}")]
    Disagrees(String),
    #[error("the classifier failed on a window: {0}")]
    Inference(String),
}

impl ClassifierContract {
    /// Every problem of the contract itself.
    pub fn problems(&self) -> Vec<String> {
        let mut e = Vec::new();
        if !(2..=3).contains(&self.channels) {
            e.push(format!(
                "channels {} must be 2 (x, y) or 3 (x, y, score)",
                self.channels
            ));
        }
        if !(1..=1000).contains(&self.frames) {
            e.push(format!("frames {} must be 1–1000", self.frames));
        }
        if !(1..=10).contains(&self.persons) {
            e.push(format!("persons {} must be 1–10", self.persons));
        }
        if self.keypoints != 17 {
            e.push(format!(
                "keypoints {}: only the 17 COCO keypoints are produced here",
                self.keypoints
            ));
        }
        if self.classes.len() < 2 || self.classes.iter().any(|c| c.trim().is_empty()) {
            e.push("classes: name at least two classes, none empty".into());
        }
        if !self.classes.contains(&self.event_class) {
            e.push(format!(
                "event_class {:?} is not one of the classes {:?}",
                self.event_class, self.classes
            ));
        }
        if let Some(fps) = self.fps
            && !(1.0..=240.0).contains(&fps)
        {
            e.push(format!("fps {fps} must be 1–240"));
        }
        e
    }

    /// The input shape with a batch of one.
    pub fn input_shape(&self) -> [usize; 5] {
        let (m, t, v, c) = (
            self.persons as usize,
            self.frames as usize,
            self.keypoints as usize,
            self.channels as usize,
        );
        match self.layout {
            Layout::Nmtvc => [1, m, t, v, c],
            Layout::Nctvm => [1, c, t, v, m],
        }
    }

    fn index(&self, m: usize, t: usize, v: usize, c: usize) -> [usize; 5] {
        match self.layout {
            Layout::Nmtvc => [0, m, t, v, c],
            Layout::Nctvm => [0, c, t, v, m],
        }
    }

    /// One keypoint's channels as the model wants them.
    fn channels_of(&self, p: &Person, v: usize, frame: (u32, u32)) -> [f32; 3] {
        let [x, y, s] = p.keypoints[v];
        let (w, h) = (frame.0.max(1) as f32, frame.1.max(1) as f32);
        let (x, y) = match self.normalization {
            Normalization::ImageCentered => ((x - w / 2.0) / (w / 2.0), (y - h / 2.0) / (h / 2.0)),
            Normalization::Image => (x / w, y / h),
            Normalization::Box => {
                let b = p.bbox;
                (
                    (x - b[0]) / (b[2] - b[0]).max(1.0),
                    (y - b[1]) / (b[3] - b[1]).max(1.0),
                )
            }
            Normalization::Pixels => (x, y),
        };
        [x, y, s]
    }
}

/// One frame as the classifier remembers it.
struct Seen {
    time: f64,
    size: (u32, u32),
    people: HashMap<u64, Person>,
}

/// A loaded classifier and the recent frames it classifies.
pub struct SkeletonClassifier {
    session: Session,
    input: String,
    output: String,
    contract: ClassifierContract,
    event_index: usize,
    recent: VecDeque<Seen>,
}

impl SkeletonClassifier {
    /// Loads the model and checks it against its contract: input rank and sizes, and one window
    /// of zeros through it giving one score per class.
    pub fn load(
        runtime: &Runtime,
        path: &Path,
        contract: ClassifierContract,
    ) -> Result<Self, ClassifierError> {
        let problems = contract.problems();
        if !problems.is_empty() {
            return Err(ClassifierError::Contract(problems.join("; ")));
        }
        let session = runtime
            .session(path)
            .map_err(|e| ClassifierError::NotOnnx(without_path(&e.to_string(), path)))?;
        let (inputs, outputs) = (session.inputs(), session.outputs());
        if inputs.len() != 1 || outputs.is_empty() {
            return Err(ClassifierError::Disagrees(format!(
                "the model has {} inputs and {} outputs; a skeleton classifier has one input and one output",
                inputs.len(),
                outputs.len()
            )));
        }
        let input = inputs[0].name().to_string();
        let output = outputs[0].name().to_string();
        let expected = contract.input_shape();
        if let Some(shape) = inputs[0].dtype().tensor_shape() {
            let dims: Vec<i64> = shape.iter().copied().collect();
            if dims.len() != 5 {
                return Err(ClassifierError::Disagrees(format!(
                    "input {input} has rank {} {dims:?}; the contract's layout {:?} needs rank 5 {expected:?}",
                    dims.len(),
                    contract.layout
                )));
            }
            let names = match contract.layout {
                Layout::Nmtvc => [
                    "N",
                    "M (persons)",
                    "T (frames)",
                    "V (keypoints)",
                    "C (channels)",
                ],
                Layout::Nctvm => [
                    "N",
                    "C (channels)",
                    "T (frames)",
                    "V (keypoints)",
                    "M (persons)",
                ],
            };
            for (i, (&d, &want)) in dims.iter().zip(&expected).enumerate().skip(1) {
                if d >= 0 && d as usize != want {
                    return Err(ClassifierError::Disagrees(format!(
                        "input {input} is {dims:?}: its axis {} is {d} where the contract says {want}",
                        names[i]
                    )));
                }
            }
        }
        let event_index = contract
            .classes
            .iter()
            .position(|c| *c == contract.event_class)
            .expect("checked by problems()");
        let mut classifier = Self {
            session,
            input,
            output,
            contract,
            event_index,
            recent: VecDeque::new(),
        };
        let zeros = ArrayD::<f32>::zeros(IxDyn(&classifier.contract.input_shape()));
        classifier.scores(zeros)?;
        Ok(classifier)
    }

    pub fn contract(&self) -> &ClassifierContract {
        &self.contract
    }

    /// Remembers one frame's tracked people.
    pub fn push(&mut self, time: f64, size: (u32, u32), persons: &[Person]) {
        let people = persons
            .iter()
            .filter_map(|p| Some((p.track_id?, p.clone())))
            .collect();
        self.recent.push_back(Seen { time, size, people });
        let span = self.span();
        while self.recent.len() > self.contract.frames as usize
            && self.recent.front().is_some_and(|f| time - f.time > span)
        {
            self.recent.pop_front();
        }
    }

    /// Seconds a window covers (with `fps`), else 0 (the last T frames).
    fn span(&self) -> f64 {
        self.contract.fps.map_or(0.0, |fps| {
            (self.contract.frames as f64 - 1.0) / fps + 0.5 / fps
        })
    }

    /// The frames of the current window, oldest first: T of them, repeating the oldest one seen
    /// when less history exists (a person who just appeared looks as if they stood still before).
    fn window_frames(&self) -> Vec<&Seen> {
        let t = self.contract.frames as usize;
        let Some(now) = self.recent.back() else {
            return Vec::new();
        };
        match self.contract.fps {
            Some(fps) => (0..t)
                .map(|i| {
                    let at = now.time - (t - 1 - i) as f64 / fps;
                    self.recent
                        .iter()
                        .min_by(|a, b| (a.time - at).abs().total_cmp(&(b.time - at).abs()))
                        .expect("not empty")
                })
                .collect(),
            None => {
                let have = self.recent.len().min(t);
                let first = self.recent.len() - have;
                (0..t)
                    .map(|i| &self.recent[first + i.saturating_sub(t - have)])
                    .collect()
            }
        }
    }

    /// The window of `subject` (track ids, in the order of M) in the model's layout.
    pub fn window(&self, subject: &[u64]) -> ArrayD<f32> {
        let c = &self.contract;
        let mut x = ArrayD::<f32>::zeros(IxDyn(&c.input_shape()));
        for (t, seen) in self.window_frames().into_iter().enumerate() {
            for (m, track) in subject.iter().take(c.persons as usize).enumerate() {
                let Some(p) = seen.people.get(track) else {
                    continue;
                };
                for v in 0..c.keypoints as usize {
                    let values = c.channels_of(p, v, seen.size);
                    for (ch, value) in values.iter().take(c.channels as usize).enumerate() {
                        x[c.index(m, t, v, ch).as_slice()] = *value;
                    }
                }
            }
        }
        x
    }

    /// Whether `subject`'s first track has been seen for at least half a window (before that
    /// the window would be mostly padding, and the classifier is not asked).
    pub fn has_history(&self, subject: &[u64]) -> bool {
        let (Some(first), Some(now)) = (subject.first(), self.recent.back()) else {
            return false;
        };
        let mut seen = self.recent.iter().filter(|f| f.people.contains_key(first));
        match self.contract.fps {
            Some(_) => seen
                .next()
                .is_some_and(|f| now.time - f.time >= self.span() / 2.0),
            None => seen.count() * 2 >= self.contract.frames as usize,
        }
    }

    /// The probability of the event class for `subject` now.
    pub fn event_probability(&mut self, subject: &[u64]) -> Result<f32, ClassifierError> {
        let window = self.window(subject);
        let scores = self.scores(window)?;
        Ok(scores[self.event_index])
    }

    /// One window through the model: a probability per class.
    pub fn scores(&mut self, window: ArrayD<f32>) -> Result<Vec<f32>, ClassifierError> {
        let tensor =
            Tensor::from_array(window).map_err(|e| ClassifierError::Inference(e.to_string()))?;
        let _running = crate::runtime::Runtime::running();
        let outputs = self
            .session
            .run(ort::inputs![self.input.as_str() => tensor])
            .map_err(|e| {
                ClassifierError::Disagrees(format!("a window of the contract's shape fails: {e}"))
            })?;
        let (_, data) = outputs[self.output.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| {
                ClassifierError::Disagrees(format!("output {} is not float32: {e}", self.output))
            })?;
        if data.len() != self.contract.classes.len() {
            return Err(ClassifierError::Disagrees(format!(
                "output {} has {} values for one window; the contract names {} classes",
                self.output,
                data.len(),
                self.contract.classes.len()
            )));
        }
        Ok(match self.contract.output {
            OutputKind::Probabilities => data.to_vec(),
            OutputKind::Logits => softmax(data),
        })
    }
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|v| v / sum).collect()
}

/// ONNX Runtime's reason without the server's paths, its C++ source locations or its preamble
/// ("cannot open model …: Load model from … failed:").
fn without_path(message: &str, path: &Path) -> String {
    let mut message = message.replace(&*path.to_string_lossy(), "the file");
    if let Some(at) = message.find("/onnxruntime_src/") {
        let tail = &message[at..];
        let reason = tail.rsplit_once(") ").map_or(tail, |(_, r)| r).to_string();
        message = format!("{}{}", &message[..at], reason.trim());
    }
    match message.rsplit_once("failed:") {
        Some((_, reason)) if !reason.trim().is_empty() => reason.trim().to_string(),
        _ => message.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract() -> ClassifierContract {
        serde_json::from_value(serde_json::json!({
            "layout": "NMTVC", "channels": 3, "frames": 4, "persons": 2,
            "normalization": "image_centered", "classes": ["other", "fall"], "event_class": "fall"
        }))
        .unwrap()
    }

    #[test]
    fn a_contract_names_every_problem() {
        let mut c = contract();
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        c.channels = 4;
        c.keypoints = 18;
        c.event_class = "theft".into();
        c.fps = Some(0.0);
        let p = c.problems().join("; ");
        for word in ["channels 4", "keypoints 18", "theft", "fps 0"] {
            assert!(p.contains(word), "{p}");
        }
    }

    #[test]
    fn layouts_put_each_value_where_the_model_reads_it() {
        let mut c = contract();
        assert_eq!(c.input_shape(), [1, 2, 4, 17, 3]);
        assert_eq!(c.index(1, 2, 3, 0), [0, 1, 2, 3, 0]);
        c.layout = Layout::Nctvm;
        c.channels = 2;
        assert_eq!(c.input_shape(), [1, 2, 4, 17, 2]);
        assert_eq!(c.index(1, 2, 3, 0), [0, 0, 2, 3, 1]);
    }

    #[test]
    fn normalizations_match_their_definitions() {
        let mut p = Person {
            keypoints: [[0.0; 3]; 17],
            bbox: [100.0, 50.0, 300.0, 450.0],
            confidence: 1.0,
            track_id: Some(1),
        };
        p.keypoints[0] = [200.0, 150.0, 0.9];
        let mut c = contract();
        let frame = (640, 480);
        assert_eq!(c.channels_of(&p, 0, frame), [-0.375, -0.375, 0.9]);
        c.normalization = Normalization::Image;
        assert_eq!(c.channels_of(&p, 0, frame), [0.3125, 0.3125, 0.9]);
        c.normalization = Normalization::Box;
        assert_eq!(c.channels_of(&p, 0, frame), [0.5, 0.25, 0.9]);
        c.normalization = Normalization::Pixels;
        assert_eq!(c.channels_of(&p, 0, frame), [200.0, 150.0, 0.9]);
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_the_order() {
        let p = softmax(&[1.0, 3.0, 2.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[1] > p[2] && p[2] > p[0]);
    }
}
