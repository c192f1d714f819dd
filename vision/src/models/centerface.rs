//! CenterFace: faces and 5 landmarks (eyes, nose, mouth corners).
//!
//! Input float32 [B,3,H,W] RGB 0–255, H and W multiples of 32 (the manifest's conversion made
//! them symbolic). Outputs at stride 4: heatmap [B,1], scale [B,2], offset [B,2], landmarks [B,10].

use image::RgbImage;
use ndarray::Array4;
use ort::value::Tensor;
use serde::{Deserialize, Serialize};

use super::crops::{Crop, covered, grid_crops, planar_crop, tile_for, write_planar_crop};
use super::{ModelError, inference, multiple_of_32, planar_item, resized};
use crate::catalog::Catalog;
use crate::pose::{BBox, nms};
use crate::runtime::{CudaTuning, InputBuffers, ModelSessions, Runtime};

pub const NAME: &str = "centerface";
/// The same model for whole frames where shapes are fixed (a GPU): uint8 frames in, resized and
/// normalised inside the graph, only the heatmap cells above the threshold out
/// (models/onnx_centerface_frames.py). Measured on the H200 (bench/RESULTS.md): preparing 1080p
/// frames as planar floats on one CPU thread and copying all 15 maps back bound the GPU way.
pub const FRAMES: &str = "centerface-frames";

/// On a crop (`detect_within`), a face can score lower than on the whole frame: the crop's edge
/// is padding to the model. On 300 frames of vtest.avi (~10 px faces), of 357 faces above 0.2
/// on the whole frame, 6 scored 0.15 or less on crops, 4 scored 0.12 or less: compare crop
/// scores against this share of a threshold. Measured on the benchmark clips (bench/RESULTS.md,
/// fourth round): 0.9 left 9 of vtest's deface faces uncovered, 0.75 and 0.6 one each; 0.75
/// masked a third as much that deface does not, but left two blurred cap12 faces that our
/// CenterFace still scores just above 0.2 (the acceptance test), 0.6 none.
pub const CROP_SCORE_KEPT: f32 = 0.6;
/// With tiles (fixed shapes), tiles run in batches of exactly this many (padded with black
/// ones) and whole frames in batches of `FRAME_BATCH`: every run of a video has one of a few
/// shapes, each with a session of its own (`ShapedSessions`).
pub const TILE_BATCH: usize = 8;
/// 5: the frames between two keyframes at the default `detect_every` (6), so that keyframes
/// and the frames between them share one shape (each shape's first run on the H200 costs
/// 1.4–3 s of cuDNN planning).
pub const FRAME_BATCH: usize = 5;
const OUT_HEAT: &str = "537";
const OUT_SCALE: &str = "538";
const OUT_OFFSET: &str = "539";
const OUT_LANDMARKS: &str = "540";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Face {
    pub bbox: BBox,
    pub score: f32,
    /// left eye, right eye, nose, left mouth corner, right mouth corner (x, y pixels)
    pub landmarks: [[f32; 2]; 5],
}

#[derive(Debug, Clone)]
pub struct CenterFaceConfig {
    /// Longer side of the model input; 0 = native resolution.
    pub input_size: u32,
    /// Heatmap threshold (deface uses 0.2).
    pub threshold: f32,
    pub nms_iou: f32,
    /// 0: `detect_within` runs the model on each crop at its own size (cheapest on a CPU).
    /// Otherwise the side of the square tile each crop is written into (`crops::tile_for`; the
    /// whole input's size where it does not fit), so that every run has one of a few input
    /// shapes and runs are batched (what CUDA needs: `Runtime::fixed_shapes`).
    pub tile: u32,
}

impl Default for CenterFaceConfig {
    fn default() -> Self {
        Self {
            input_size: 640,
            threshold: 0.2,
            nms_iou: 0.3,
            tile: 0,
        }
    }
}

/// Time inside the model's runs (ONNX Runtime: copies in and out, the network).
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelTime {
    pub runs: u64,
    pub seconds: f64,
    /// Of `seconds`, the first run at each input shape (cuDNN planning on a GPU).
    pub first_runs: f64,
}

impl ModelTime {
    fn add(&mut self, started: std::time::Instant, first: bool) {
        let s = started.elapsed().as_secs_f64();
        self.runs += 1;
        self.seconds += s;
        if first {
            self.first_runs += s;
        }
    }
}

pub struct CenterFace {
    /// Time inside the model so far.
    pub time: ModelTime,
    /// Shared with the process's other face detectors where `Runtime::share_sessions` says so
    /// (their runs take turns).
    sessions: ModelSessions,
    /// `FRAMES`, with tiles (fixed shapes) when it was fetched: whole frames go through it.
    frames: Option<ModelSessions>,
    /// Its inputs, kept from run to run (pinned on CUDA).
    frame_buffers: InputBuffers<u8>,
    /// Tile batches' inputs, kept likewise (fixed shapes only).
    tile_buffers: InputBuffers<f32>,
    pub config: CenterFaceConfig,
}

impl CenterFace {
    pub fn new(
        runtime: &Runtime,
        catalog: &Catalog,
        config: CenterFaceConfig,
    ) -> Result<Self, ModelError> {
        Self::sharing(runtime, catalog, config, runtime.share_sessions())
    }

    /// As [`CenterFace::new`], with the process's shared sessions when `share` says so
    /// (`runtime.share_sessions` chooses for `new`).
    pub fn sharing(
        runtime: &Runtime,
        catalog: &Catalog,
        config: CenterFaceConfig,
        share: bool,
    ) -> Result<Self, ModelError> {
        let sessions = |path: &std::path::Path| {
            ModelSessions::new(runtime, path, CudaTuning::default(), share)
        };
        let full = sessions(&catalog.require(NAME)?)?;
        // only the GPU's way (tiles) uses it
        let frames = match (config.tile > 0).then(|| catalog.require(FRAMES)) {
            Some(Ok(path)) => Some(sessions(&path)?),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "whole frames are prepared for the face detector on the CPU (slower with a GPU)");
                None
            }
            None => None,
        };
        Ok(Self {
            time: ModelTime::default(),
            sessions: full,
            frames,
            frame_buffers: InputBuffers::default(),
            tile_buffers: InputBuffers::default(),
            config,
        })
    }

    /// Whether whole frames go through `FRAMES` (prepared inside the graph).
    pub fn prepares_frames_in_the_graph(&self) -> bool {
        self.frames.is_some()
    }

    /// The model input for a `width`×`height` frame, times `scale` (1 = as configured).
    fn input_dims(&self, width: u32, height: u32, scale: f32) -> (u32, u32) {
        let longer = width.max(height) as f32;
        let target = if self.config.input_size == 0 {
            longer
        } else {
            (self.config.input_size as f32).min(longer.max(32.0))
        };
        let s = target / longer * scale;
        (
            multiple_of_32((width as f32 * s).round() as u32),
            multiple_of_32((height as f32 * s).round() as u32),
        )
    }

    pub fn detect(&mut self, frame: &RgbImage) -> Result<Vec<Face>, ModelError> {
        Ok(self.detect_frames(&[frame])?.pop().unwrap_or_default())
    }

    /// Several frames of the same size in one call.
    pub fn detect_batch(&mut self, frames: &[RgbImage]) -> Result<Vec<Vec<Face>>, ModelError> {
        self.detect_frames(&frames.iter().collect::<Vec<_>>())
    }

    /// Several frames of the same size in one call.
    pub fn detect_frames(&mut self, frames: &[&RgbImage]) -> Result<Vec<Vec<Face>>, ModelError> {
        let Some(first) = frames.first() else {
            return Ok(Vec::new());
        };
        let (w, h) = self.input_dims(first.width(), first.height(), 1.0);
        if let Some(found) = self.whole_frames(frames, (w, h))? {
            return Ok(self.faces_per_frame(frames, found, (w, h)));
        }
        let batch = if self.config.tile > 0 && frames.len() <= FRAME_BATCH {
            FRAME_BATCH
        } else {
            frames.len()
        };
        let mut input = Array4::<f32>::zeros((batch, 3, h as usize, w as usize));
        let data = input
            .as_slice_mut()
            .expect("a freshly allocated array is contiguous");
        // stretched to the model's multiples of 32, as deface feeds it (letterboxing changes
        // the scores of borderline faces: we want at least what deface finds); the frames of
        // a batch on threads of their own (resizing and converting 1080p takes milliseconds)
        let items = data.chunks_mut(3 * (w * h) as usize);
        if frames.len() == 1 {
            planar_item(
                &resized(frames[0], w, h),
                &mut data[..3 * (w * h) as usize],
                1.0,
            );
        } else {
            std::thread::scope(|scope| {
                for (frame, item) in frames.iter().zip(items) {
                    scope.spawn(move || planar_item(&resized(frame, w, h), item, 1.0));
                }
            });
        }
        let heads = self.run(input)?;
        Ok(frames
            .iter()
            .enumerate()
            .map(|(b, frame)| {
                let found = heads.candidates(b, [0, 0], (w, h), self.config.threshold);
                self.faces(found, frame, (w, h))
            })
            .collect())
    }

    /// Faces inside `areas` (frame pixels) only: the model runs on crops of its input around
    /// them (`crops::grid_crops`), so a face well inside an area scores as on the whole frame
    /// at a fraction of the cost; on the whole input when the crops would cover half of it.
    /// `scale` (≤ 1) shrinks the input first, for areas around large faces.
    pub fn detect_within(
        &mut self,
        frame: &RgbImage,
        areas: &[BBox],
        scale: f32,
    ) -> Result<Vec<Face>, ModelError> {
        Ok(self
            .detect_within_frames(&[frame], areas, scale)?
            .pop()
            .unwrap_or_default())
    }

    /// `detect_within` for several frames of the same size and the same areas (the frames
    /// between two keyframes). With `tile` set, every crop of every frame is one item of a
    /// batch of equal tiles (`TILE_BATCH` a run, padded, so the shapes stay few); without,
    /// each crop of each frame is a run of its own.
    pub fn detect_within_frames(
        &mut self,
        frames: &[&RgbImage],
        areas: &[BBox],
        scale: f32,
    ) -> Result<Vec<Vec<Face>>, ModelError> {
        let Some(first) = frames.first() else {
            return Ok(Vec::new());
        };
        let (fw, fh) = first.dimensions();
        let (w, h) = self.input_dims(fw, fh, scale.clamp(0.05, 1.0));
        let (sx, sy) = (w as f32 / fw as f32, h as f32 / fh as f32);
        let mut crops = grid_crops(areas, sx, sy, w, h);
        if crops.is_empty() {
            return Ok(vec![Vec::new(); frames.len()]);
        }
        let whole_input = covered(&crops) * 2 >= u64::from(w) * u64::from(h);
        if whole_input {
            crops = vec![[0, 0, w, h]];
        }
        // With tiles, a crop no tile holds took a canvas the size of the whole input, one per
        // such crop (87 ms per 8 at 1088x1920 on the H200, several a frame in crowded scenes):
        // through `FRAMES` each frame runs whole once and keeps what lies in its crops.
        let tile = self.config.tile;
        let untiled = tile > 0 && crops.iter().any(|c| tile_for(c, tile, w, h).is_none());
        if (whole_input || untiled)
            && let Some(found) = self.whole_frames(frames, (w, h))?
        {
            return Ok(frames
                .iter()
                .zip(found)
                .map(|(frame, found)| {
                    let inside = found
                        .into_iter()
                        .filter(|c| crops.iter().any(|crop| c.centred_in(crop)))
                        .collect();
                    self.faces(inside, frame, (w, h))
                })
                .collect());
        }
        let wholes: Vec<_> = if frames.len() == 1 {
            vec![resized(frames[0], w, h)]
        } else {
            std::thread::scope(|scope| {
                let resizing: Vec<_> = frames
                    .iter()
                    .map(|f| scope.spawn(move || resized(f, w, h)))
                    .collect();
                resizing
                    .into_iter()
                    .map(|t| t.join().expect("resizing does not panic"))
                    .collect()
            })
        };
        let mut found: Vec<Vec<Candidate>> = frames.iter().map(|_| Vec::new()).collect();
        let threshold = self.config.threshold;
        if self.config.tile > 0 {
            // each crop of each frame in a canvas of a fixed shape: a tile around it, or the
            // whole input where it does not fit one; runs of canvases of one shape
            let (whole, tile) = ([0, 0, w, h], self.config.tile);
            let mut items: Vec<(usize, Crop, Crop)> = (0..frames.len())
                .flat_map(|f| {
                    crops.iter().map(move |c| {
                        let canvas = tile_for(c, tile, w, h).unwrap_or(whole);
                        (f, *c, canvas)
                    })
                })
                .collect();
            items.sort_by_key(|(_, _, canvas)| (canvas[2] - canvas[0], canvas[3] - canvas[1]));
            for group in items.chunk_by(|a, b| {
                (a.2[2] - a.2[0], a.2[3] - a.2[1]) == (b.2[2] - b.2[0], b.2[3] - b.2[1])
            }) {
                let (cw, ch) = (group[0].2[2] - group[0].2[0], group[0].2[3] - group[0].2[1]);
                for chunk in group.chunks(TILE_BATCH) {
                    let shape = (TILE_BATCH, 3, ch as usize, cw as usize);
                    let heads = self.run_kept(shape, |input| {
                        for (b, (f, crop, canvas)) in chunk.iter().enumerate() {
                            // black around the crop (the buffer holds an earlier run's tiles)
                            input.index_axis_mut(ndarray::Axis(0), b).fill(0.0);
                            write_planar_crop(&wholes[*f], (w, h), canvas, crop, input, b);
                        }
                    })?;
                    for (b, (f, crop, canvas)) in chunk.iter().enumerate() {
                        let seen = heads.candidates(b, [canvas[0], canvas[1]], (w, h), threshold);
                        // what the crop alone would have seen: centred inside it
                        found[*f].extend(seen.into_iter().filter(|c| c.centred_in(crop)));
                    }
                }
            }
        } else {
            for (f, whole) in wholes.iter().enumerate() {
                for c in &crops {
                    let heads = self.run(planar_crop(whole, w, c))?;
                    found[f].extend(heads.candidates(0, [c[0], c[1]], (w, h), threshold));
                }
            }
        }
        Ok(self.faces_per_frame(frames, found, (w, h)))
    }

    /// `faces` for each frame and its candidates.
    fn faces_per_frame(
        &self,
        frames: &[&RgbImage],
        found: Vec<Vec<Candidate>>,
        input: (u32, u32),
    ) -> Vec<Vec<Face>> {
        frames
            .iter()
            .zip(found)
            .map(|(frame, found)| self.faces(found, frame, input))
            .collect()
    }

    /// Candidates on each of `frames` (all of one size) on the model input of `w`×`h`, through
    /// `FRAMES` (None without it): the frames are copied as they are into one uint8 batch of at
    /// least `FRAME_BATCH` (padded: the padding items' outputs are not read), the graph resizes
    /// them and returns each item's best cells, best first; those above the threshold are kept.
    fn whole_frames(
        &mut self,
        frames: &[&RgbImage],
        (w, h): (u32, u32),
    ) -> Result<Option<Vec<Vec<Candidate>>>, ModelError> {
        let Self {
            frames: Some(sessions),
            frame_buffers,
            time,
            config,
            ..
        } = self
        else {
            return Ok(None);
        };
        let (fw, fh) = frames[0].dimensions();
        let batch = frames.len().max(FRAME_BATCH);
        // the output size is part of the shape: cuDNN plans the convolutions for it
        let key = [batch, fh as usize, fw as usize, h as usize, w as usize];
        let input = sessions.with(move |sessions| {
            let session = sessions.get(&key)?;
            frame_buffers
                .get(session, &[batch, fh as usize, fw as usize, 3])
                .map_err(inference(FRAMES))
        })?;
        // one thread a frame: copying 6 MB of 1080p takes a millisecond or two
        let data = input.extract_tensor_mut().1;
        std::thread::scope(|scope| {
            for (frame, item) in frames.iter().zip(data.chunks_mut((fw * fh * 3) as usize)) {
                scope.spawn(move || item.copy_from_slice(frame.as_raw()));
            }
        });
        let size = ndarray::arr1(&[i64::from(h), i64::from(w)]);
        let size = Tensor::from_array(size).map_err(inference(FRAMES))?;
        let ran = sessions.run(&key, |session| {
            let outputs = session
                .run(ort::inputs!["frames" => &*input, "size" => &size])
                .map_err(inference(FRAMES))?;
            let output = |name: &str, e: ort::Error| ModelError::Output {
                model: FRAMES,
                name: name.into(),
                reason: e.to_string(),
            };
            let (_, cells) = outputs["cells"]
                .try_extract_tensor::<i64>()
                .map_err(|e| output("cells", e))?;
            let (_, values) = outputs["values"]
                .try_extract_tensor::<f32>()
                .map_err(|e| output("values", e))?;
            Ok::<_, ModelError>((cells.to_vec(), values.to_vec()))
        })?;
        time.add(ran.started, ran.first);
        let (cells, values) = ran.output;
        // per item the best cells, best first: those above the threshold (padding items are
        // never read)
        let best = cells.len() / batch;
        let map_width = (w / 4) as usize;
        let threshold = config.threshold;
        let found = (0..frames.len())
            .map(|b| {
                let value = |c: usize, k: usize| values[(b * MAPS + c) * best + k];
                let above = (0..best)
                    .take_while(|&k| value(0, k) > threshold)
                    .count();
                if above == best && best > 0 {
                    tracing::warn!(cells = best, "more heatmap cells above the threshold than the face detector returns: the weakest are dropped");
                }
                (0..above)
                    .map(|k| {
                        let cell = cells[b * best + k] as usize;
                        let v: [f32; MAPS] = std::array::from_fn(|c| value(c, k));
                        let (row, col) = ((cell / map_width) as f32, (cell % map_width) as f32);
                        Candidate::at(row, col, &v, [0, 0], (w, h))
                    })
                    .collect()
            })
            .collect();
        Ok(Some(found))
    }

    fn run(&mut self, input: Array4<f32>) -> Result<Heads, ModelError> {
        let shape = input.shape().to_vec();
        let tensor = Tensor::from_array(input).map_err(inference(NAME))?;
        let ran = self.sessions.run(&shape, |session| {
            let outputs = session
                .run(ort::inputs!["input.1" => tensor])
                .map_err(inference(NAME))?;
            Heads::from_outputs(&outputs)
        })?;
        self.time.add(ran.started, ran.first);
        Ok(ran.output)
    }

    /// `run` on an input of `shape` kept from run to run (fixed shapes: pinned on CUDA), which
    /// `fill` writes.
    fn run_kept(
        &mut self,
        shape: (usize, usize, usize, usize),
        fill: impl FnOnce(&mut ndarray::ArrayViewMut4<f32>),
    ) -> Result<Heads, ModelError> {
        let dims = [shape.0, shape.1, shape.2, shape.3];
        let Self {
            sessions,
            tile_buffers,
            time,
            ..
        } = self;
        let input = sessions.with(move |sessions| {
            let session = sessions.get(&dims)?;
            tile_buffers.get(session, &dims).map_err(inference(NAME))
        })?;
        let mut view = ndarray::ArrayViewMut4::from_shape(shape, input.extract_tensor_mut().1)
            .expect("the buffer has the shape it was made with");
        fill(&mut view);
        let ran = sessions.run(&dims, |session| {
            let outputs = session
                .run(ort::inputs!["input.1" => &*input])
                .map_err(inference(NAME))?;
            Heads::from_outputs(&outputs)
        })?;
        time.add(ran.started, ran.first);
        Ok(ran.output)
    }

    /// Candidates (input pixels) → faces (frame pixels), overlapping ones suppressed.
    fn faces(&self, found: Vec<Candidate>, frame: &RgbImage, (w, h): (u32, u32)) -> Vec<Face> {
        let (fw, fh) = (frame.width() as f32, frame.height() as f32);
        let (sx, sy) = (w as f32 / fw, h as f32 / fh);
        let boxes: Vec<BBox> = found.iter().map(|c| c.bbox).collect();
        let scores: Vec<f32> = found.iter().map(|c| c.score).collect();
        nms(&boxes, &scores, self.config.nms_iou)
            .into_iter()
            .map(|k| {
                let c = &found[k];
                let bx = c.bbox;
                Face {
                    bbox: [
                        (bx[0] / sx).min(fw),
                        (bx[1] / sy).min(fh),
                        (bx[2] / sx).min(fw),
                        (bx[3] / sy).min(fh),
                    ],
                    score: c.score,
                    landmarks: c.landmarks.map(|[x, y]| [x / sx, y / sy]),
                }
            })
            .collect()
    }
}

/// The model's output maps for one run (batch items one after another, stride 4).
struct Heads {
    /// rows, columns of each map
    shape: (usize, usize),
    heat: Vec<f32>,
    scale: Vec<f32>,
    offset: Vec<f32>,
    landmarks: Vec<f32>,
}

/// Values per heatmap cell: heat, scale (2), offset (2), landmarks (10).
const MAPS: usize = 15;

/// A face in model-input pixels, before suppression.
struct Candidate {
    bbox: BBox,
    score: f32,
    landmarks: [[f32; 2]; 5],
}

impl Heads {
    /// The four output maps of a run of `NAME`.
    fn from_outputs(outputs: &ort::session::SessionOutputs) -> Result<Self, ModelError> {
        let get = |name: &str| {
            outputs[name]
                .try_extract_tensor::<f32>()
                .map(|(s, d)| (s.to_vec(), d.to_vec()))
                .map_err(|e| ModelError::Output {
                    model: NAME,
                    name: name.into(),
                    reason: e.to_string(),
                })
        };
        let (heat_shape, heat) = get(OUT_HEAT)?;
        let shape = (heat_shape[2] as usize, heat_shape[3] as usize);
        Ok(Heads {
            shape,
            heat,
            scale: get(OUT_SCALE)?.1,
            offset: get(OUT_OFFSET)?.1,
            landmarks: get(OUT_LANDMARKS)?.1,
        })
    }

    /// Faces scoring above `threshold` in batch item `b`, shifted by `origin` (where the run's
    /// input sits in the whole `limit`-sized model input) and clipped to that input.
    fn candidates(
        &self,
        b: usize,
        origin: [u32; 2],
        limit: (u32, u32),
        threshold: f32,
    ) -> Vec<Candidate> {
        let (oh, ow) = self.shape;
        let plane = oh * ow;
        let at = |t: &[f32], channels: usize, c: usize, i: usize| t[(b * channels + c) * plane + i];
        let mut out = Vec::new();
        for i in 0..plane {
            let score = self.heat[b * plane + i];
            if score <= threshold {
                continue;
            }
            let mut v = [0.0f32; MAPS];
            v[0] = score;
            for c in 0..2 {
                v[1 + c] = at(&self.scale, 2, c, i);
                v[3 + c] = at(&self.offset, 2, c, i);
            }
            for c in 0..10 {
                v[5 + c] = at(&self.landmarks, 10, c, i);
            }
            let (row, col) = ((i / ow) as f32, (i % ow) as f32);
            out.push(Candidate::at(row, col, &v, origin, limit));
        }
        out
    }
}

impl Candidate {
    /// Whether the face's centre lies inside `crop`: what a run on the crop alone would see.
    fn centred_in(&self, crop: &Crop) -> bool {
        let x = (self.bbox[0] + self.bbox[2]) / 2.0;
        let y = (self.bbox[1] + self.bbox[3]) / 2.0;
        x >= crop[0] as f32 && x < crop[2] as f32 && y >= crop[1] as f32 && y < crop[3] as f32
    }

    /// The face of the heatmap cell at `row`, `col` with the maps' `v` there, shifted by
    /// `origin` and clipped to `limit` (see `Heads::candidates`).
    fn at(row: f32, col: f32, v: &[f32; MAPS], origin: [u32; 2], limit: (u32, u32)) -> Self {
        let (ox, oy) = (origin[0] as f32, origin[1] as f32);
        let bh = v[1].exp() * 4.0;
        let bw = v[2].exp() * 4.0;
        let cx = (col + v[4] + 0.5) * 4.0 + ox;
        let cy = (row + v[3] + 0.5) * 4.0 + oy;
        let x1 = (cx - bw / 2.0).max(0.0);
        let y1 = (cy - bh / 2.0).max(0.0);
        let mut landmarks = [[0.0f32; 2]; 5];
        for (j, p) in landmarks.iter_mut().enumerate() {
            *p = [v[5 + 2 * j + 1] * bw + x1, v[5 + 2 * j] * bh + y1];
        }
        Self {
            bbox: [
                x1,
                y1,
                (x1 + bw).min(limit.0 as f32),
                (y1 + bh).min(limit.1 as f32),
            ],
            score: v[0],
            landmarks,
        }
    }
}
