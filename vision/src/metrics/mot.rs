//! MOTA (CLEAR MOT) and IDF1, computed the way py-motmetrics 1.4 does so results compare with
//! published figures: IoU ≥ 0.5 to match; established correspondences are kept first, the rest
//! assigned by minimum cost; a switch is a ground-truth object matched to a different hypothesis
//! than before; IDF1 from the best one-to-one matching of identities over the whole sequence.

use std::collections::{BTreeMap, HashMap};

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;
use serde::Serialize;

use crate::assignment::assign;
use crate::pose::{BBox, iou};

/// One box of one identity in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct MotBox {
    pub frame: u64,
    pub id: u64,
    /// x1, y1, x2, y2
    pub bbox: BBox,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: line {line}: {reason} (expected MOTChallenge rows: frame,id,x,y,w,h,conf,…)")]
pub struct MotParseError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// Parses MOTChallenge text (`frame,id,x,y,w,h,conf,…`, commas or spaces). Rows with a
/// confidence below `min_confidence` are dropped (motmetrics loads ground truth with 1).
pub fn parse_mot(
    text: &str,
    file: &str,
    min_confidence: Option<f32>,
) -> Result<Vec<MotBox>, MotParseError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let err = |reason: String| MotParseError {
            file: file.into(),
            line: n + 1,
            reason,
        };
        let fields: Vec<f32> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<f32>()
                    .map_err(|_| err(format!("{s:?} is not a number")))
            })
            .collect::<Result<_, _>>()?;
        if fields.len() < 6 {
            return Err(err(format!("{} fields", fields.len())));
        }
        if let (Some(min), Some(conf)) = (min_confidence, fields.get(6)) {
            if *conf < min {
                continue;
            }
        }
        let (x, y, w, h) = (fields[2], fields[3], fields[4], fields[5]);
        out.push(MotBox {
            frame: fields[0] as u64,
            id: fields[1] as u64,
            bbox: [x, y, x + w, y + h],
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MotSummary {
    pub frames: usize,
    pub objects: usize,
    pub predictions: usize,
    pub matches: usize,
    pub misses: usize,
    pub false_positives: usize,
    pub switches: usize,
    pub mota: f64,
    pub idtp: usize,
    pub idf1: f64,
    pub recall: f64,
    pub precision: f64,
}

fn by_frame(boxes: &[MotBox]) -> BTreeMap<u64, Vec<&MotBox>> {
    let mut map: BTreeMap<u64, Vec<&MotBox>> = BTreeMap::new();
    for b in boxes {
        map.entry(b.frame).or_default().push(b);
    }
    map
}

pub fn evaluate(truth: &[MotBox], hypotheses: &[MotBox], min_iou: f32) -> MotSummary {
    let gt = by_frame(truth);
    let hy = by_frame(hypotheses);
    let gate = 1.0 - min_iou;
    let mut frames: Vec<u64> = gt.keys().chain(hy.keys()).copied().collect();
    frames.sort_unstable();
    frames.dedup();
    let empty = Vec::new();

    let mut last_match: HashMap<u64, u64> = HashMap::new();
    let (mut matches, mut misses, mut fps, mut switches) = (0, 0, 0, 0);
    // frames where an (object, hypothesis) pair could match: the IDF1 overlap counts
    let mut overlap: HashMap<(u64, u64), usize> = HashMap::new();

    for frame in &frames {
        let objs = gt.get(frame).unwrap_or(&empty);
        let hyps = hy.get(frame).unwrap_or(&empty);
        let dist: Vec<Vec<f32>> = objs
            .iter()
            .map(|o| {
                hyps.iter()
                    .map(|h| 1.0 - iou(&o.bbox, &h.bbox))
                    .map(|d| if d <= gate { d } else { f32::NAN })
                    .collect()
            })
            .collect();
        for (i, o) in objs.iter().enumerate() {
            for (j, h) in hyps.iter().enumerate() {
                if dist[i][j].is_finite() {
                    *overlap.entry((o.id, h.id)).or_default() += 1;
                }
            }
        }
        let mut obj_done = vec![false; objs.len()];
        let mut hyp_done = vec![false; hyps.len()];
        // 1. keep established correspondences
        for (i, o) in objs.iter().enumerate() {
            if let Some(&prev) = last_match.get(&o.id) {
                if let Some(j) = hyps
                    .iter()
                    .enumerate()
                    .position(|(j, h)| !hyp_done[j] && h.id == prev)
                {
                    if dist[i][j].is_finite() {
                        obj_done[i] = true;
                        hyp_done[j] = true;
                        matches += 1;
                    }
                }
            }
        }
        // 2. assign the rest
        let rest: Vec<Vec<f32>> = (0..objs.len())
            .map(|i| {
                (0..hyps.len())
                    .map(|j| {
                        if obj_done[i] || hyp_done[j] {
                            f32::NAN
                        } else {
                            dist[i][j]
                        }
                    })
                    .collect()
            })
            .collect();
        for (i, j) in assign(&rest, gate) {
            let (o, h) = (objs[i].id, hyps[j].id);
            if last_match.get(&o).is_some_and(|&prev| prev != h) {
                switches += 1;
            }
            last_match.insert(o, h);
            obj_done[i] = true;
            hyp_done[j] = true;
            matches += 1;
        }
        misses += obj_done.iter().filter(|d| !**d).count();
        fps += hyp_done.iter().filter(|d| !**d).count();
    }

    let idtp = identity_true_positives(&overlap);
    let (objects, predictions) = (truth.len(), hypotheses.len());
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    MotSummary {
        frames: frames.len(),
        objects,
        predictions,
        matches,
        misses,
        false_positives: fps,
        switches,
        mota: 1.0 - ratio(misses + fps + switches, objects),
        idtp,
        idf1: ratio(2 * idtp, objects + predictions),
        recall: ratio(matches, objects),
        precision: ratio(matches, predictions),
    }
}

/// The largest total overlap of a one-to-one matching between truth and hypothesis identities.
fn identity_true_positives(overlap: &HashMap<(u64, u64), usize>) -> usize {
    let mut objs: Vec<u64> = overlap.keys().map(|k| k.0).collect();
    let mut hyps: Vec<u64> = overlap.keys().map(|k| k.1).collect();
    objs.sort_unstable();
    objs.dedup();
    hyps.sort_unstable();
    hyps.dedup();
    if objs.is_empty() {
        return 0;
    }
    let transpose = objs.len() > hyps.len();
    let (rows, cols) = if transpose {
        (&hyps, &objs)
    } else {
        (&objs, &hyps)
    };
    let weights = Matrix::from_fn(rows.len(), cols.len(), |(i, j)| {
        let key = if transpose {
            (cols[j], rows[i])
        } else {
            (rows[i], cols[j])
        };
        overlap.get(&key).copied().unwrap_or(0) as i64
    });
    kuhn_munkres(&weights).0 as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(frame: u64, id: u64, x: f32) -> MotBox {
        MotBox {
            frame,
            id,
            bbox: [x, 0.0, x + 10.0, 10.0],
        }
    }

    #[test]
    fn perfect_tracking_scores_one() {
        let gt = vec![b(1, 1, 0.0), b(2, 1, 1.0), b(1, 2, 50.0), b(2, 2, 51.0)];
        let hyp = vec![b(1, 7, 0.0), b(2, 7, 1.0), b(1, 8, 50.0), b(2, 8, 51.0)];
        let s = evaluate(&gt, &hyp, 0.5);
        assert_eq!((s.mota, s.idf1, s.switches), (1.0, 1.0, 0));
    }

    #[test]
    fn a_switch_misses_and_false_positives_are_counted() {
        // object 1 is hypothesis 7, then hypothesis 9: one switch
        let gt = vec![b(1, 1, 0.0), b(2, 1, 0.0), b(3, 1, 0.0), b(3, 2, 100.0)];
        let hyp = vec![b(1, 7, 0.0), b(2, 9, 0.0), b(3, 9, 0.0), b(3, 5, 300.0)];
        let s = evaluate(&gt, &hyp, 0.5);
        assert_eq!(
            (s.switches, s.misses, s.false_positives, s.matches),
            (1, 1, 1, 3)
        );
        assert!((s.mota - (1.0 - 3.0 / 4.0)).abs() < 1e-9);
        // identity matching: 1↔9 covers 2 frames
        assert_eq!(s.idtp, 2);
        assert!((s.idf1 - 4.0 / 8.0).abs() < 1e-9);
    }

    #[test]
    fn malformed_rows_name_the_line() {
        let err = parse_mot("1,1,0,0,10,10,1\n2,x,0,0,1,1,1\n", "gt.txt", None).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("gt.txt"));
        let rows = parse_mot("1,1,0,0,10,10,1\n1,2,0,0,10,10,0\n", "gt.txt", Some(1.0)).unwrap();
        assert_eq!(rows.len(), 1);
    }
}
