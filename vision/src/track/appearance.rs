//! A cheap appearance cue for telling apart people who crossed or were hidden: the colour
//! histogram of their torso (4×4×4 RGB bins), compared with the Bhattacharyya coefficient.

use image::RgbImage;

use crate::pose::Person;

pub const BINS: usize = 64;
pub type Appearance = [f32; BINS];

/// Torso colours of `person`: between shoulders and hips when those keypoints are confident,
/// else the upper-middle part of the box. None when the region is (nearly) empty.
pub fn torso_histogram(image: &RgbImage, person: &Person) -> Option<Appearance> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let points: Vec<[f32; 2]> = [5, 6, 11, 12]
        .iter()
        .map(|&k| person.keypoints[k])
        .filter(|k| k[2] >= 0.2)
        .map(|k| [k[0], k[1]])
        .collect();
    let b = person.bbox;
    let (x1, y1, x2, y2) = if points.len() >= 3 {
        let xs = points.iter().map(|p| p[0]);
        let ys = points.iter().map(|p| p[1]);
        (
            xs.clone().fold(f32::MAX, f32::min),
            ys.clone().fold(f32::MAX, f32::min),
            xs.fold(f32::MIN, f32::max),
            ys.fold(f32::MIN, f32::max),
        )
    } else {
        let (bw, bh) = (b[2] - b[0], b[3] - b[1]);
        (
            b[0] + 0.25 * bw,
            b[1] + 0.2 * bh,
            b[2] - 0.25 * bw,
            b[1] + 0.6 * bh,
        )
    };
    let (x1, y1) = (x1.max(0.0) as u32, y1.max(0.0) as u32);
    let (x2, y2) = (
        x2.min(w - 1.0).max(0.0) as u32,
        y2.min(h - 1.0).max(0.0) as u32,
    );
    if x2 < x1 + 2 || y2 < y1 + 2 {
        return None;
    }
    let mut hist = [0f32; BINS];
    for y in y1..=y2 {
        for x in x1..=x2 {
            let [r, g, b] = image.get_pixel(x, y).0;
            hist[((r >> 6) as usize) << 4 | ((g >> 6) as usize) << 2 | (b >> 6) as usize] += 1.0;
        }
    }
    let total: f32 = hist.iter().sum();
    hist.iter_mut().for_each(|v| *v /= total);
    Some(hist)
}

/// 0 for identical colour distributions, 1 for disjoint ones.
pub fn distance(a: &Appearance, b: &Appearance) -> f32 {
    let bc: f32 = a.iter().zip(b).map(|(p, q)| (p * q).sqrt()).sum();
    (1.0 - bc).clamp(0.0, 1.0)
}

/// Exponential moving average, as DeepSORT-style trackers keep a track's look.
pub fn blend(track: &mut Appearance, seen: &Appearance, keep: f32) {
    for (t, s) in track.iter_mut().zip(seen) {
        *t = keep * *t + (1.0 - keep) * s;
    }
}
