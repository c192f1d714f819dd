//! Masks that follow people through time. Frames wait in a short buffer so that when a track is
//! detected again, the frames since its previous detection get interpolated masks, and a new track
//! also covers the frames just before it was first detected. After its last detection a track's
//! mask is held for `hold` frames. A face visible before and after a gap is never uncovered in it.

use std::collections::VecDeque;

use serde::Serialize;

use super::masks::{Region, Source};
use crate::assignment::assign;
use crate::pose::{BBox, iou};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mask {
    pub track: u64,
    pub bbox: BBox,
    pub score: f32,
    pub source: Source,
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    last_frame: u64,
    last_box: BBox,
    score: f32,
    /// frames its mask is held after its last detection
    hold: u64,
}

struct Pending<T> {
    index: u64,
    item: T,
    masks: Vec<Mask>,
}

/// Generic over what travels with each frame (the frame itself in the pipeline).
pub struct TemporalMasks<T> {
    hold: u64,
    pose_hold: u64,
    delay: usize,
    next_index: u64,
    next_track: u64,
    tracks: Vec<Track>,
    buffer: VecDeque<Pending<T>>,
}

fn grown(b: &BBox, s: f32) -> BBox {
    let (dw, dh) = ((b[2] - b[0]) * s, (b[3] - b[1]) * s);
    [b[0] - dw, b[1] - dh, b[2] + dw, b[3] + dh]
}

/// A held mask grows with every frame away from its detection (the person may have moved),
/// 15 % of its size per frame, up to twice its size; never smaller than 12 px.
fn held(b: &BBox, frames_away: u64) -> BBox {
    let g = (0.15 * frames_away as f32).min(1.0) / 2.0;
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    let (dw, dh) = (
        (w * g).max((12.0 - w) / 2.0).max(0.0),
        (h * g).max((12.0 - h) / 2.0).max(0.0),
    );
    [b[0] - dw, b[1] - dh, b[2] + dw, b[3] + dh]
}

/// The box between two detections, with a margin for what a straight line misses (a head's
/// motion is not linear, detections jitter by a pixel or two): 2 px a side. Measured on vtest
/// (faces ~10 px) with detection every 2nd frame: without it 395 of deface's 1,562 faces were
/// not fully inside our masks, with it 170. Not more: a blurred oval larger than the face reads
/// as a face to CenterFace again (cap12, 10 % margin: score 0.21).
fn lerp(a: &BBox, b: &BBox, t: f32) -> BBox {
    const MARGIN: f32 = 2.0;
    let m: BBox = std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t);
    [m[0] - MARGIN, m[1] - MARGIN, m[2] + MARGIN, m[3] + MARGIN]
}

impl<T> TemporalMasks<T> {
    /// `hold`: frames a mask stays before a track's first and after its last detection.
    /// `detect_every`: detection runs on every k-th frame (the buffer covers the gaps).
    pub fn new(hold: u32, detect_every: u32) -> Self {
        let delay = hold.max(detect_every).max(1) as usize;
        Self {
            hold: u64::from(hold),
            pose_hold: u64::from(hold),
            delay,
            next_index: 0,
            next_track: 1,
            tracks: Vec::new(),
            buffer: VecDeque::new(),
        }
    }

    /// Heads found only by the pose model are held this many frames instead (at least `hold`):
    /// the pose model runs less often than the face detector, and a head it sees in one run may
    /// escape it in the next.
    pub fn holding_pose_heads(mut self, frames: u32) -> Self {
        self.pose_hold = u64::from(frames).max(self.hold);
        self.delay = self.delay.max(self.pose_hold as usize);
        self
    }

    fn hold_for(&self, source: Source) -> u64 {
        if source == Source::Pose {
            self.pose_hold
        } else {
            self.hold
        }
    }

    /// Adds the next frame; `regions` is `Some` on frames where detection ran. Returns the frames
    /// whose masks are final, oldest first.
    pub fn push(&mut self, item: T, regions: Option<Vec<Region>>) -> Vec<(T, Vec<Mask>)> {
        let index = self.next_index;
        self.next_index += 1;
        let mut masks = Vec::new();
        if let Some(regions) = regions {
            masks = self.associate(index, &regions);
        }
        self.buffer.push_back(Pending { index, item, masks });
        let mut out = Vec::new();
        while self.buffer.len() > self.delay {
            out.push(self.release());
        }
        out
    }

    /// All frames still waiting.
    pub fn finish(&mut self) -> Vec<(T, Vec<Mask>)> {
        let mut out = Vec::new();
        while !self.buffer.is_empty() {
            out.push(self.release());
        }
        out
    }

    fn associate(&mut self, index: u64, regions: &[Region]) -> Vec<Mask> {
        // live tracks: seen within the hold window
        let live: Vec<usize> = (0..self.tracks.len())
            .filter(|&i| {
                let t = &self.tracks[i];
                index - t.last_frame <= t.hold.max(1) + self.delay as u64
            })
            .collect();
        let cost: Vec<Vec<f32>> = live
            .iter()
            .map(|&t| {
                regions
                    .iter()
                    .map(|r| 1.0 - iou(&grown(&self.tracks[t].last_box, 0.5), &grown(&r.bbox, 0.5)))
                    .collect()
            })
            .collect();
        let pairs = assign(&cost, 0.9);
        let mut masks = Vec::with_capacity(regions.len());
        for (ri, region) in regions.iter().enumerate() {
            let matched = pairs.iter().find(|&&(_, r)| r == ri).map(|&(t, _)| live[t]);
            let track = match matched {
                Some(t) => {
                    let prev = self.tracks[t].clone();
                    // frames since the previous detection: interpolate
                    for p in self
                        .buffer
                        .iter_mut()
                        .filter(|p| p.index > prev.last_frame && p.index < index)
                    {
                        let t =
                            (p.index - prev.last_frame) as f32 / (index - prev.last_frame) as f32;
                        p.masks.retain(|m| m.track != prev.id);
                        p.masks.push(Mask {
                            track: prev.id,
                            bbox: lerp(&prev.last_box, &region.bbox, t),
                            score: prev.score.min(region.score),
                            source: Source::Interpolated,
                        });
                    }
                    prev.id
                }
                None => {
                    let id = self.next_track;
                    self.next_track += 1;
                    let hold = self.hold_for(region.source);
                    // a new face was probably there a little before it was detected
                    for p in self.buffer.iter_mut().filter(|p| index - p.index <= hold) {
                        p.masks.push(Mask {
                            track: id,
                            bbox: held(&region.bbox, index - p.index),
                            score: region.score,
                            source: Source::Held,
                        });
                    }
                    self.tracks.push(Track {
                        id,
                        last_frame: index,
                        last_box: region.bbox,
                        score: region.score,
                        hold,
                    });
                    id
                }
            };
            let hold = self.hold_for(region.source);
            if let Some(t) = self.tracks.iter_mut().find(|t| t.id == track) {
                t.hold = hold;
                t.last_frame = index;
                t.last_box = region.bbox;
                t.score = region.score;
            }
            masks.push(Mask {
                track,
                bbox: region.bbox,
                score: region.score,
                source: region.source,
            });
        }
        masks
    }

    fn release(&mut self) -> (T, Vec<Mask>) {
        let mut p = self
            .buffer
            .pop_front()
            .expect("called with a non-empty buffer");
        // tracks last seen shortly before this frame keep their mask (hold after the last detection)
        for t in &self.tracks {
            if t.last_frame < p.index
                && p.index - t.last_frame <= t.hold
                && !p.masks.iter().any(|m| m.track == t.id)
            {
                p.masks.push(Mask {
                    track: t.id,
                    bbox: held(&t.last_box, p.index - t.last_frame),
                    score: t.score,
                    source: Source::Held,
                });
            }
        }
        let oldest = p.index;
        self.tracks
            .retain(|t| oldest <= t.last_frame + t.hold + self.delay as u64);
        (p.item, p.masks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(x: f32) -> Region {
        Region {
            bbox: [x, 0.0, x + 20.0, 20.0],
            score: 0.9,
            source: Source::Face,
        }
    }

    fn run(detections: &[Option<Vec<Region>>], hold: u32, every: u32) -> Vec<Vec<Mask>> {
        let mut t = TemporalMasks::new(hold, every);
        let mut out: Vec<(usize, Vec<Mask>)> = Vec::new();
        for (i, d) in detections.iter().enumerate() {
            out.extend(t.push(i, d.clone()));
        }
        out.extend(t.finish());
        assert!(
            out.windows(2).all(|w| w[0].0 + 1 == w[1].0),
            "frames come out in order, none lost"
        );
        out.into_iter().map(|(_, m)| m).collect()
    }

    #[test]
    fn heads_from_the_pose_model_are_held_longer_than_faces() {
        let head = Region {
            source: Source::Pose,
            ..region(100.0)
        };
        let mut d: Vec<Option<Vec<Region>>> = vec![Some(vec![region(0.0), head])];
        d.extend((1..20).map(|_| Some(vec![])));
        let mut t = TemporalMasks::new(2, 6).holding_pose_heads(12);
        let mut out = Vec::new();
        for (i, r) in d.into_iter().enumerate() {
            out.extend(t.push(i, r));
        }
        out.extend(t.finish());
        let has = |frame: usize, x: f32| {
            out[frame]
                .1
                .iter()
                .any(|m| m.bbox[0] <= x && m.bbox[2] >= x + 20.0)
        };
        assert!(has(2, 0.0) && !has(3, 0.0), "a face: 2 frames");
        assert!(has(12, 100.0) && !has(13, 100.0), "a head: 12 frames");
    }

    #[test]
    fn a_missed_detection_between_two_is_interpolated() {
        let d = vec![
            Some(vec![region(0.0)]),
            Some(vec![]),
            Some(vec![]),
            Some(vec![region(30.0)]),
            Some(vec![]),
        ];
        let masks = run(&d, 5, 1);
        assert_eq!(masks[1].len(), 1);
        assert_eq!(masks[1][0].source, Source::Interpolated);
        // a third and two thirds of the way, with a 2 px margin a side (20 px boxes)
        assert!(
            (masks[1][0].bbox[0] - 8.0).abs() < 1e-4 && (masks[2][0].bbox[0] - 18.0).abs() < 1e-4
        );
        assert!((masks[1][0].bbox[2] - masks[1][0].bbox[0] - 24.0).abs() < 1e-4);
        assert!(
            masks[1]
                .iter()
                .chain(&masks[2])
                .all(|m| m.track == masks[0][0].track)
        );
        assert_eq!(
            masks[4][0].source,
            Source::Held,
            "held after the last detection"
        );
    }

    #[test]
    fn detecting_every_third_frame_covers_every_frame() {
        let d: Vec<Option<Vec<Region>>> = (0..12)
            .map(|i| (i % 3 == 0).then(|| vec![region(i as f32 * 2.0)]))
            .collect();
        let masks = run(&d, 2, 3);
        for (i, m) in masks.iter().enumerate() {
            assert_eq!(m.len(), 1, "frame {i}: {m:?}");
        }
    }

    #[test]
    fn a_new_face_covers_the_frames_just_before_its_first_detection_and_holds_end() {
        let d = vec![
            Some(vec![]),
            Some(vec![]),
            Some(vec![]),
            Some(vec![region(0.0)]),
            None,
            None,
            None,
            None,
            None,
            None,
        ];
        let masks = run(&d, 2, 1);
        assert!(masks[0].is_empty());
        assert_eq!(masks[1].len(), 1);
        assert_eq!(masks[2].len(), 1);
        assert_eq!(masks[3][0].source, Source::Face);
        assert_eq!(masks[5].len(), 1);
        assert!(masks[6].is_empty(), "held for 2 frames only");
    }
}
