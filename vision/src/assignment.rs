//! Linear assignment (Hungarian / Kuhn–Munkres, from the `pathfinding` crate) with a cost gate:
//! pairs costing more than the gate are never matched, and as many pairs as possible are matched
//! before cost is minimised (what lapsolver and ByteTrack's lapjv with `cost_limit` do).

use pathfinding::kuhn_munkres::kuhn_munkres_min;
use pathfinding::matrix::Matrix;

/// Matched (row, col) pairs, sorted by row.
pub fn assign(cost: &[Vec<f32>], gate: f32) -> Vec<(usize, usize)> {
    let rows = cost.len();
    let cols = cost.first().map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    // Integer costs: allowed pairs cost ≤ SCALE; a forbidden pair costs more than any set of allowed ones.
    const SCALE: f64 = 1_000_000.0;
    let forbidden = (SCALE as i64 + 1) * (rows.min(cols) as i64 + 1);
    let value = |r: usize, c: usize| {
        let v = cost[r][c];
        if v.is_finite() && v <= gate {
            (f64::from(v) * SCALE).round() as i64
        } else {
            forbidden
        }
    };
    // kuhn_munkres needs rows ≤ columns.
    let transpose = rows > cols;
    let (n, m) = if transpose {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let matrix = Matrix::from_fn(
        n,
        m,
        |(i, j)| if transpose { value(j, i) } else { value(i, j) },
    );
    let (_, assignment) = kuhn_munkres_min(&matrix);
    let mut pairs: Vec<(usize, usize)> = assignment
        .into_iter()
        .enumerate()
        .map(|(i, j)| if transpose { (j, i) } else { (i, j) })
        .filter(|&(r, c)| value(r, c) < forbidden)
        .collect();
    pairs.sort_unstable();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_cost_within_the_gate() {
        let cost = vec![vec![0.1, 0.2], vec![0.15, 0.9]];
        assert_eq!(assign(&cost, 0.5), vec![(0, 1), (1, 0)]);
        // the cheaper-looking pair is gated out
        let cost = vec![vec![0.1, 0.9], vec![0.2, 0.95]];
        assert_eq!(assign(&cost, 0.5), vec![(0, 0)]);
        // rectangular both ways
        assert_eq!(
            assign(&[vec![0.3], vec![0.1], vec![0.2]], 0.5),
            vec![(1, 0)]
        );
        assert_eq!(assign(&[vec![0.3, 0.1, 0.2]], 0.5), vec![(0, 1)]);
        assert!(assign(&[], 0.5).is_empty());
        // more matches beat a lower total: (0,1),(1,0) = 0.8 rather than (0,0) alone = 0.1
        let cost = vec![vec![0.1, 0.4], vec![0.4, f32::NAN]];
        assert_eq!(assign(&cost, 0.5), vec![(0, 1), (1, 0)]);
    }
}
