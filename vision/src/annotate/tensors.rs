//! Stage 3: windows of T frames with up to M people each, as float32 tensors
//! `keypoint [M,T,V,2]` and `keypoint_score [M,T,V]` (V = 17 COCO keypoints), and the split of
//! videos into train / val / test.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::labels::{Interval, Labels};
use super::stages::TrackFrame;
use super::{AnnotateConfig, AnnotateError, Normalize};

pub const V: usize = 17;

/// One training example, as PYSKL / MMAction2 expect it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Unique name: `<video stem>_<first frame>`.
    pub frame_dir: String,
    pub video: String,
    pub label: i64,
    pub label_name: String,
    pub start_frame: u64,
    /// (height, width)
    pub img_shape: (u32, u32),
    pub original_shape: (u32, u32),
    /// T
    pub total_frames: usize,
    /// The track ids of the M people, in tensor order.
    pub track_ids: Vec<u64>,
    /// M·T·V·2, row-major.
    pub keypoint: Vec<f32>,
    /// M·T·V, row-major.
    pub keypoint_score: Vec<f32>,
}

impl Sample {
    pub fn persons(&self) -> usize {
        self.track_ids.len()
    }
}

/// Which `frame_dir`s go to which subset (by video, so no video is in two).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split {
    pub train: Vec<String>,
    pub val: Vec<String>,
    pub test: Vec<String>,
}

/// One video's Stage 2 result and how to name it.
pub struct VideoTracks<'a> {
    pub name: &'a str,
    pub id: &'a str,
    pub frames: &'a [TrackFrame],
}

/// Samples of every video, and the split.
pub fn build(
    videos: &[VideoTracks],
    labels: &Labels,
    config: &AnnotateConfig,
) -> Result<(Vec<Sample>, Split), AnnotateError> {
    let mut samples = Vec::new();
    let mut by_video: Vec<(String, Vec<String>)> = Vec::new();
    for v in videos {
        let intervals = labels
            .intervals(v.name, v.id)
            .map_err(AnnotateError::Labels)?;
        let mine = windows(v, &intervals, labels, config);
        by_video.push((
            v.name.to_string(),
            mine.iter().map(|s| s.frame_dir.clone()).collect(),
        ));
        samples.extend(mine);
    }
    Ok((samples, split(by_video, config)))
}

fn stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.')
        .map_or(base, |(s, _)| s)
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
}

fn windows(
    v: &VideoTracks,
    intervals: &[Interval],
    labels: &Labels,
    config: &AnnotateConfig,
) -> Vec<Sample> {
    let t = config.window as usize;
    let stride = config.stride as usize;
    let mut out = Vec::new();
    for interval in intervals {
        let idx: Vec<usize> = (0..v.frames.len())
            .filter(|&i| {
                v.frames[i].timestamp >= interval.start && v.frames[i].timestamp < interval.end
            })
            .collect();
        let n = idx.len();
        let mut start = 0;
        while start < n {
            let end = (start + t).min(n);
            // a last partial window only if it holds at least half a window (or is all there is)
            if end - start < t && start > 0 && end - start < t / 2 {
                break;
            }
            let frames: Vec<&TrackFrame> = idx[start..end].iter().map(|&i| &v.frames[i]).collect();
            if let Some(sample) = window(v.name, &frames, interval, labels, config) {
                out.push(sample);
            }
            if end == n {
                break;
            }
            start += stride;
        }
    }
    out
}

/// The M people of a window: most frames present first, then most motion, then lowest id.
fn choose_people(frames: &[&TrackFrame], max: usize) -> Vec<u64> {
    let mut stats: HashMap<u64, (usize, f32)> = HashMap::new();
    for f in frames {
        for p in &f.persons {
            if let Some(id) = p.person.track_id {
                let e = stats.entry(id).or_default();
                e.0 += 1;
                e.1 += p.motion.map_or(0.0, |m| m.motion);
            }
        }
    }
    let mut ranked: Vec<(u64, usize, f32)> = stats
        .into_iter()
        .map(|(id, (n, m))| (id, n, m / n as f32))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(max).map(|(id, ..)| id).collect()
}

fn window(
    video: &str,
    frames: &[&TrackFrame],
    interval: &Interval,
    labels: &Labels,
    config: &AnnotateConfig,
) -> Option<Sample> {
    let t = config.window as usize;
    let people = choose_people(frames, config.max_persons as usize);
    if people.is_empty() {
        return None;
    }
    let (h, w, _) = frames[0].frame_shape;
    let m = people.len();
    let mut keypoint = vec![0f32; m * t * V * 2];
    let mut keypoint_score = vec![0f32; m * t * V];
    for (pi, id) in people.iter().enumerate() {
        let found: Vec<Option<&crate::pose::Person>> = frames
            .iter()
            .map(|f| {
                f.persons
                    .iter()
                    .map(|p| &p.person)
                    .find(|p| p.track_id == Some(*id))
            })
            .collect();
        // where coordinates are measured from, and in what unit
        let (ox, oy, sx, sy) = match config.normalize {
            Normalize::Frame => (0.0, 0.0, w as f32, h as f32),
            Normalize::Bbox => {
                let boxes = found.iter().flatten().map(|p| p.bbox);
                let (x1, y1, x2, y2) = boxes
                    .fold((f32::MAX, f32::MAX, f32::MIN, f32::MIN), |a, b| {
                        (a.0.min(b[0]), a.1.min(b[1]), a.2.max(b[2]), a.3.max(b[3]))
                    });
                (x1, y1, (x2 - x1).max(1.0), (y2 - y1).max(1.0))
            }
        };
        for k in 0..V {
            let known: Vec<Option<[f32; 3]>> = (0..t)
                .map(|ti| {
                    let p = found.get(ti).copied().flatten()?;
                    let [x, y, c] = p.keypoints[k];
                    (c >= config.min_keypoint_score).then(|| [(x - ox) / sx, (y - oy) / sy, c])
                })
                .collect();
            for (ti, value) in fill_gaps(&known, config.max_gap as usize)
                .into_iter()
                .enumerate()
            {
                if let Some([x, y, c]) = value {
                    let at = ((pi * t + ti) * V + k) * 2;
                    keypoint[at] = x;
                    keypoint[at + 1] = y;
                    keypoint_score[(pi * t + ti) * V + k] = c;
                }
            }
        }
    }
    let start_frame = frames[0].frame_number;
    Some(Sample {
        frame_dir: format!("{}_{start_frame:06}", stem(video)),
        video: video.to_string(),
        label: labels.class_index(&interval.label),
        label_name: interval.label.clone(),
        start_frame,
        img_shape: (h, w),
        original_shape: (h, w),
        total_frames: t,
        track_ids: people,
        keypoint,
        keypoint_score,
    })
}

/// Linear interpolation across missing stretches of at most `max_gap` between two known values;
/// longer stretches and the ends stay missing (zero).
pub fn fill_gaps(values: &[Option<[f32; 3]>], max_gap: usize) -> Vec<Option<[f32; 3]>> {
    let mut out = values.to_vec();
    let mut last: Option<usize> = None;
    for i in 0..values.len() {
        if values[i].is_none() {
            continue;
        }
        if let Some(j) = last {
            let gap = i - j - 1;
            if gap > 0 && gap <= max_gap {
                let (a, b) = (values[j].unwrap(), values[i].unwrap());
                for g in 1..=gap {
                    let f = g as f32 / (gap + 1) as f32;
                    out[j + g] = Some([0, 1, 2].map(|c| a[c] + (b[c] - a[c]) * f));
                }
            }
        }
        last = Some(i);
    }
    out
}

/// Videos ordered by a hash of (seed, name): the first go to val, then test, the rest train.
fn split(by_video: Vec<(String, Vec<String>)>, config: &AnnotateConfig) -> Split {
    let n = by_video.len();
    let count = |fraction: f32| -> usize {
        let c = (fraction * n as f32).round() as usize;
        if fraction > 0.0 && n >= 2 {
            c.max(1)
        } else {
            c
        }
    };
    let (n_val, mut n_test) = (
        count(config.val_fraction).min(n.saturating_sub(1)),
        count(config.test_fraction),
    );
    n_test = n_test.min(n.saturating_sub(1 + n_val));
    let mut order: Vec<(Vec<u8>, String, Vec<String>)> = by_video
        .into_iter()
        .map(|(name, dirs)| {
            let key = Sha256::digest(format!("{}:{name}", config.seed)).to_vec();
            (key, name, dirs)
        })
        .collect();
    order.sort();
    let mut s = Split::default();
    for (i, (_, _, dirs)) in order.into_iter().enumerate() {
        let target = if i < n_val {
            &mut s.val
        } else if i < n_val + n_test {
            &mut s.test
        } else {
            &mut s.train
        };
        target.extend(dirs);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_gaps_are_interpolated_long_ones_stay_zero() {
        let k = |x: f32| Some([x, x, 1.0]);
        let filled = fill_gaps(
            &[
                None,
                k(0.0),
                None,
                None,
                k(3.0),
                None,
                None,
                None,
                None,
                k(9.0),
                None,
            ],
            3,
        );
        assert_eq!(filled[0], None, "nothing before the first value");
        assert_eq!(filled[2], k(1.0));
        assert_eq!(filled[3], k(2.0));
        assert!(
            filled[5..9].iter().all(Option::is_none),
            "a gap of 4 > 3 stays empty"
        );
        assert_eq!(filled[10], None);
    }
}
