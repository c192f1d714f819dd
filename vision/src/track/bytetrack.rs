//! ByteTrack (Zhang et al., 2022), following the reference implementation's update step.

use serde::{Deserialize, Serialize};

use super::appearance::{self, Appearance};
use super::kalman::{KalmanState, to_xyxy, xyah};
use crate::assignment::assign;
use crate::pose::{BBox, iou};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ByteTrackConfig {
    /// Detections at or above this score are "high" (first association, may start tracks).
    pub high_score: f32,
    /// Detections between this and `high_score` are only used to continue tracks.
    pub low_score: f32,
    /// A new track needs at least this score.
    pub new_track_score: f32,
    /// IoU distance (1 − IoU) gates for the three associations.
    pub first_gate: f32,
    pub second_gate: f32,
    pub unconfirmed_gate: f32,
    /// Frames a lost track is kept for re-identification.
    pub lost_buffer: u64,
    /// Weigh IoU by detection score in the first association (ByteTrack's MOT17 setting).
    pub fuse_score: bool,
    /// Lost tracks are matched with both boxes enlarged by this fraction of their size on each
    /// side (buffered IoU, C-BIoU): a person who stopped or turned while hidden is still found
    /// although the motion model predicted them elsewhere. 0 = plain ByteTrack.
    pub lost_buffer_scale: f32,
    /// Weight of the appearance cue (torso colours) against IoU in the first association, for
    /// pairs that overlap enough to be candidates at all; 0 = IoU only (plain ByteTrack).
    pub appearance_weight: f32,
    /// With the appearance cue on, a lost track may also be matched (by appearance, with the IoU
    /// cost at its worst) to a detection whose centre is within this many box heights of where
    /// the track was predicted — a person who walked on behind an obstacle.
    pub reid_distance: f32,
}

impl Default for ByteTrackConfig {
    fn default() -> Self {
        Self {
            high_score: 0.5,
            low_score: 0.1,
            new_track_score: 0.6,
            first_gate: 0.8,
            second_gate: 0.5,
            unconfirmed_gate: 0.7,
            lost_buffer: 30,
            fuse_score: true,
            lost_buffer_scale: 0.0,
            appearance_weight: 0.0,
            reid_distance: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub bbox: BBox,
    pub score: f32,
    /// See [`super::appearance`]; None = IoU only for this detection.
    pub appearance: Option<Appearance>,
}

/// A confirmed track updated in this frame.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedObject {
    pub track_id: u64,
    /// Index into the detections passed to `update`.
    pub detection: usize,
    /// The filtered box.
    pub bbox: BBox,
    pub score: f32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Tracked,
    Lost,
    Removed,
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    kalman: KalmanState,
    state: State,
    activated: bool,
    score: f32,
    last_frame: u64,
    start_frame: u64,
    detection: Option<usize>,
    appearance: Option<Appearance>,
}

impl Track {
    fn bbox(&self) -> BBox {
        to_xyxy(&self.kalman.mean)
    }

    fn update(&mut self, det: &Detection, index: usize, frame: u64) {
        self.kalman.update(xyah(&det.bbox));
        self.state = State::Tracked;
        self.activated = true;
        self.score = det.score;
        self.last_frame = frame;
        self.detection = Some(index);
        match (&mut self.appearance, &det.appearance) {
            (Some(mine), Some(seen)) => appearance::blend(mine, seen, 0.9),
            (mine, seen) => *mine = mine.or(*seen),
        }
    }
}

pub struct ByteTracker {
    config: ByteTrackConfig,
    frame: u64,
    next_id: u64,
    tracked: Vec<Track>,
    lost: Vec<Track>,
}

/// Centres within one box height: where a person hidden for a while may plausibly reappear.
fn near(track: &BBox, det: &BBox) -> f32 {
    let h = (track[3] - track[1]).max(1.0);
    let (tx, ty) = ((track[0] + track[2]) / 2.0, (track[1] + track[3]) / 2.0);
    let (dx, dy) = ((det[0] + det[2]) / 2.0, (det[1] + det[3]) / 2.0);
    ((tx - dx).powi(2) + (ty - dy).powi(2)).sqrt() / h
}

fn buffered(b: &BBox, scale: f32) -> BBox {
    let (dw, dh) = ((b[2] - b[0]) * scale, (b[3] - b[1]) * scale);
    [b[0] - dw, b[1] - dh, b[2] + dw, b[3] + dh]
}

/// Appearance weighed in as `(weight, gate, reid distance)`: for pairs whose IoU cost is under
/// the gate, and for lost tracks near the detection.
fn distances(
    tracks: &[&Track],
    dets: &[(usize, &Detection)],
    fuse: bool,
    lost_scale: f32,
    look: Option<(f32, f32, f32)>,
) -> Vec<Vec<f32>> {
    tracks
        .iter()
        .map(|t| {
            let scale = if t.state == State::Lost {
                lost_scale
            } else {
                0.0
            };
            let tb = buffered(&t.bbox(), scale);
            dets.iter()
                .map(|(_, d)| {
                    let sim = iou(&tb, &buffered(&d.bbox, scale));
                    let cost = 1.0 - if fuse { sim * d.score } else { sim };
                    match (look, &t.appearance, &d.appearance) {
                        (Some((w, gate, reid)), Some(a), Some(b))
                            if cost < gate
                                || (t.state == State::Lost && near(&t.bbox(), &d.bbox) < reid) =>
                        {
                            (1.0 - w) * cost + w * appearance::distance(a, b)
                        }
                        _ => cost,
                    }
                })
                .collect()
        })
        .collect()
}

impl ByteTracker {
    pub fn new(config: ByteTrackConfig) -> Self {
        Self {
            config,
            frame: 0,
            next_id: 1,
            tracked: Vec::new(),
            lost: Vec::new(),
        }
    }

    /// Tracks alive (confirmed and seen in this frame) — the count shown to users.
    pub fn active(&self) -> usize {
        self.tracked.iter().filter(|t| t.activated).count()
    }

    pub fn update(&mut self, detections: &[Detection]) -> Vec<TrackedObject> {
        self.frame += 1;
        let frame = self.frame;
        let cfg = self.config.clone();
        let high: Vec<(usize, &Detection)> = detections
            .iter()
            .enumerate()
            .filter(|(_, d)| d.score >= cfg.high_score)
            .collect();
        let low: Vec<(usize, &Detection)> = detections
            .iter()
            .enumerate()
            .filter(|(_, d)| d.score > cfg.low_score && d.score < cfg.high_score)
            .collect();

        let (mut pool, mut unconfirmed): (Vec<Track>, Vec<Track>) =
            std::mem::take(&mut self.tracked)
                .into_iter()
                .partition(|t| t.activated);
        pool.append(&mut self.lost);
        for t in pool.iter_mut() {
            t.detection = None;
            if t.state != State::Tracked {
                t.kalman.mean[7] = 0.0; // a lost track's height stops changing (as in the reference)
            }
            t.kalman.predict();
        }
        for t in unconfirmed.iter_mut() {
            t.detection = None;
        }

        // 1. confident detections against every track (tracked and lost)
        let refs: Vec<&Track> = pool.iter().collect();
        let matches = assign(
            &distances(
                &refs,
                &high,
                cfg.fuse_score,
                cfg.lost_buffer_scale,
                (cfg.appearance_weight > 0.0).then_some((
                    cfg.appearance_weight,
                    cfg.first_gate,
                    cfg.reid_distance,
                )),
            ),
            cfg.first_gate,
        );
        let mut pool_matched = vec![false; pool.len()];
        let mut high_matched = vec![false; high.len()];
        for &(ti, di) in &matches {
            let (index, det) = high[di];
            pool[ti].update(det, index, frame);
            pool_matched[ti] = true;
            high_matched[di] = true;
        }

        // 2. weak detections continue the remaining tracked (not lost) tracks
        let remaining: Vec<usize> = (0..pool.len())
            .filter(|&i| !pool_matched[i] && pool[i].state == State::Tracked)
            .collect();
        let refs: Vec<&Track> = remaining.iter().map(|&i| &pool[i]).collect();
        for (ri, di) in assign(&distances(&refs, &low, false, 0.0, None), cfg.second_gate) {
            let (index, det) = low[di];
            pool[remaining[ri]].update(det, index, frame);
            pool_matched[remaining[ri]] = true;
        }
        for (i, t) in pool.iter_mut().enumerate() {
            if !pool_matched[i] && t.state == State::Tracked {
                t.state = State::Lost;
            }
        }

        // 3. tracks seen once (unconfirmed) against the confident detections left
        let left: Vec<(usize, &Detection)> = high
            .iter()
            .enumerate()
            .filter(|(i, _)| !high_matched[*i])
            .map(|(_, d)| *d)
            .collect();
        let refs: Vec<&Track> = unconfirmed.iter().collect();
        let matches = assign(
            &distances(&refs, &left, cfg.fuse_score, 0.0, None),
            cfg.unconfirmed_gate,
        );
        let mut left_matched = vec![false; left.len()];
        let mut unconfirmed_matched = vec![false; unconfirmed.len()];
        for &(ui, li) in &matches {
            let (index, det) = left[li];
            unconfirmed[ui].update(det, index, frame);
            unconfirmed_matched[ui] = true;
            left_matched[li] = true;
        }
        for (i, t) in unconfirmed.iter_mut().enumerate() {
            if !unconfirmed_matched[i] {
                t.state = State::Removed;
            }
        }

        // 4. new tracks from confident detections nobody claimed
        let mut born = Vec::new();
        for (li, &(index, det)) in left.iter().enumerate() {
            if left_matched[li] || det.score < cfg.new_track_score {
                continue;
            }
            born.push(Track {
                id: 0, // numbered once confirmed, so users see 1, 2, 3… without gaps
                kalman: KalmanState::initiate(xyah(&det.bbox)),
                state: State::Tracked,
                activated: frame == 1,
                score: det.score,
                last_frame: frame,
                start_frame: frame,
                detection: Some(index),
                appearance: det.appearance,
            });
        }

        // 5. lost tracks expire
        for t in pool.iter_mut() {
            if t.state == State::Lost && frame - t.last_frame > cfg.lost_buffer {
                t.state = State::Removed;
            }
        }

        let all = pool.into_iter().chain(unconfirmed).chain(born);
        let (mut tracked, mut lost): (Vec<Track>, Vec<Track>) = all
            .filter(|t| t.state != State::Removed)
            .partition(|t| t.state == State::Tracked);
        remove_duplicates(&mut tracked, &mut lost);
        for t in tracked.iter_mut().filter(|t| t.activated && t.id == 0) {
            t.id = self.next_id;
            self.next_id += 1;
        }
        self.tracked = tracked;
        self.lost = lost;

        self.tracked
            .iter()
            .filter(|t| t.activated)
            .filter_map(|t| {
                t.detection.map(|d| TrackedObject {
                    track_id: t.id,
                    detection: d,
                    bbox: t.bbox(),
                    score: t.score,
                })
            })
            .collect()
    }
}

/// A tracked and a lost track on the same spot: keep the one followed for longer.
fn remove_duplicates(tracked: &mut Vec<Track>, lost: &mut Vec<Track>) {
    let mut drop_tracked = vec![false; tracked.len()];
    let mut drop_lost = vec![false; lost.len()];
    for (i, a) in tracked.iter().enumerate() {
        for (j, b) in lost.iter().enumerate() {
            if 1.0 - iou(&a.bbox(), &b.bbox()) < 0.15 {
                if a.last_frame - a.start_frame > b.last_frame - b.start_frame {
                    drop_lost[j] = true;
                } else {
                    drop_tracked[i] = true;
                }
            }
        }
    }
    let mut k = 0;
    tracked.retain(|_| (!drop_tracked[k], k += 1).0);
    let mut k = 0;
    lost.retain(|_| (!drop_lost[k], k += 1).0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(x: f32, score: f32) -> Detection {
        Detection {
            bbox: [x, 10.0, x + 20.0, 60.0],
            score,
            appearance: None,
        }
    }

    #[test]
    fn keeps_identities_through_a_weak_frame_and_a_short_gap() {
        let mut t = ByteTracker::new(ByteTrackConfig::default());
        let first = t.update(&[det(0.0, 0.9), det(100.0, 0.9)]);
        assert_eq!(
            first.iter().map(|o| o.track_id).collect::<Vec<_>>(),
            vec![1, 2]
        );
        for step in 1..10 {
            let x = step as f32 * 2.0;
            // person 2 is weakly detected in frame 5 (occluded): the second association keeps it
            let s2 = if step == 5 { 0.3 } else { 0.9 };
            let out = t.update(&[det(x, 0.9), det(100.0 + x, s2)]);
            assert_eq!(out.len(), 2, "step {step}: {out:?}");
            assert_eq!(out[0].track_id, 1);
            assert_eq!(out[1].track_id, 2);
        }
        // person 1 missing for 3 frames, then back where its motion predicts
        for _ in 0..3 {
            let out = t.update(&[det(150.0, 0.9)]);
            assert!(out.iter().all(|o| o.track_id != 1));
        }
        let out = t.update(&[det(26.0, 0.9)]);
        assert_eq!(
            out.iter().find(|o| o.detection == 0).map(|o| o.track_id),
            Some(1)
        );
    }

    #[test]
    fn weak_detections_alone_never_start_tracks() {
        let mut t = ByteTracker::new(ByteTrackConfig::default());
        for _ in 0..5 {
            assert!(t.update(&[det(0.0, 0.4)]).is_empty());
        }
    }
}
