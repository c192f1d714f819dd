//! Applying a mask to pixels: blur, mosaic or solid fill, inside a box or its inscribed ellipse.

use image::{Rgb, RgbImage};
use serde::{Deserialize, Serialize};

use crate::pose::BBox;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Filter {
    /// Gaussian-like blur; `strength` is the blur radius as a fraction of the mask size
    /// (0.1 = light, 0.5 = nothing recognisable survives).
    Blur { strength: f32 },
    /// Blocks of `block` pixels (at least 4 blocks across the mask).
    Mosaic { block: u32 },
    /// A flat colour.
    Solid { colour: [u8; 3] },
}

impl Default for Filter {
    fn default() -> Self {
        Filter::Blur { strength: 0.5 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    #[default]
    Ellipse,
    Box,
}

/// The `window` (x, y, w, h) of a Gaussian-like blur of standard deviation `sigma` of the
/// image's `region` around it, computed small: the region is shrunk by `sigma / 4`
/// (antialiased), blurred there with sigma 4, and only the window enlarged back (bilinearly;
/// the two resizes add ~2 % to sigma), so the cost does not grow with the mask. The blur runs
/// on floats: 8-bit box passes round at every pass, and with detection on every 3rd frame the
/// banded ovals they left scored 0.20-0.22 as faces in 2 of cap12's 1,337 frames (none since).
fn smooth(image: &RgbImage, region: Rect, window: Rect, sigma: f32) -> RgbImage {
    use crate::models::resized_part;
    const SMALL_SIGMA: f32 = 4.0;
    let factor = (sigma / SMALL_SIGMA).max(1.0);
    let (rx, ry, rw, rh) = region;
    let (sw, sh) = (
        ((rw as f32 / factor).round() as u32).max(1),
        ((rh as f32 / factor).round() as u32).max(1),
    );
    let part = |r: Rect| [r.0, r.1, r.2, r.3].map(f64::from);
    let small = resized_part(image, part(region), sw, sh);
    // image's float pixels run from 0 to 1: its blur clamps to that (with 0-255 values every
    // blurred oval came out black)
    let floats = image::Rgb32FImage::from_raw(
        sw,
        sh,
        small.iter().map(|&v| f32::from(v) / 255.0).collect(),
    )
    .expect("sw × sh × 3 values");
    let blurred = image::imageops::fast_blur(&floats, sigma / factor);
    let bytes = blurred
        .as_raw()
        .iter()
        .map(|v| (v * 255.0).round().clamp(0.0, 255.0) as u8)
        .collect();
    let small = RgbImage::from_raw(sw, sh, bytes).expect("sw × sh × 3 bytes");
    // the window, in the small image's pixels
    let (kx, ky) = (f64::from(sw) / f64::from(rw), f64::from(sh) / f64::from(rh));
    let (x, y, w, h) = window;
    let inside = [
        f64::from(x - rx) * kx,
        f64::from(y - ry) * ky,
        f64::from(w) * kx,
        f64::from(h) * ky,
    ];
    RgbImage::from_raw(w, h, resized_part(&small, inside, w, h)).expect("w × h × 3 bytes")
}

/// x, y, width, height in pixels.
type Rect = (u32, u32, u32, u32);

/// Integer pixel rectangle clipped to the image, or None when nothing of it is inside.
fn clip(b: &BBox, w: u32, h: u32) -> Option<Rect> {
    let x1 = b[0].floor().max(0.0) as u32;
    let y1 = b[1].floor().max(0.0) as u32;
    let x2 = (b[2].ceil().max(0.0) as u32).min(w);
    let y2 = (b[3].ceil().max(0.0) as u32).min(h);
    (x2 > x1 && y2 > y1).then(|| (x1, y1, x2 - x1, y2 - y1))
}

pub fn apply(image: &mut RgbImage, bbox: &BBox, filter: Filter, shape: Shape) {
    let Some((x, y, w, h)) = clip(bbox, image.width(), image.height()) else {
        return;
    };
    let size = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]).max(1.0);
    let filtered: RgbImage = match filter {
        Filter::Blur { strength } => {
            let sigma = (size * strength.clamp(0.01, 1.0) / 2.0).max(1.0);
            // Blur a padded region so the inside takes colour from around the mask too: a flat
            // skin-coloured oval still reads as a face to a detector (measured with CenterFace:
            // cap12 frame 4 scored 0.21 with a pad of 1.5 sigma, 0.07 with 3 sigma).
            let pad = (sigma * 3.0) as u32;
            let (px, py) = (x.saturating_sub(pad), y.saturating_sub(pad));
            let (pw, ph) = (
                (x + w + pad).min(image.width()) - px,
                (y + h + pad).min(image.height()) - py,
            );
            smooth(image, (px, py, pw, ph), (x, y, w, h), sigma)
        }
        Filter::Mosaic { block } => {
            let block = block.max(1).min((w.min(h) / 4).max(1));
            let crop = image::imageops::crop_imm(image, x, y, w, h).to_image();
            let small = image::imageops::resize(
                &crop,
                w.div_ceil(block),
                h.div_ceil(block),
                image::imageops::FilterType::Triangle,
            );
            image::imageops::resize(&small, w, h, image::imageops::FilterType::Nearest)
        }
        Filter::Solid { colour } => RgbImage::from_pixel(w, h, Rgb(colour)),
    };
    // ellipse inscribed in the (unclipped) box; a hard edge: a feathered one lets the face's
    // outline through (measured)
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    let (rx, ry) = (
        ((bbox[2] - bbox[0]) / 2.0).max(0.5),
        ((bbox[3] - bbox[1]) / 2.0).max(0.5),
    );
    let stride = image.width() as usize * 3;
    let pixels: &mut [u8] = image;
    for dy in 0..h {
        // the row's pixels px with (px + 0.5 - cx)² / rx² + ny² <= 1
        let (from, to) = match shape {
            Shape::Box => (x, x + w),
            Shape::Ellipse => {
                let ny = ((y + dy) as f32 + 0.5 - cy) / ry;
                if ny * ny > 1.0 {
                    continue;
                }
                let half = rx * (1.0 - ny * ny).sqrt();
                let first = (cx - half - 0.5).ceil().max(x as f32) as u32;
                let end = ((cx + half - 0.5).floor() + 1.0).clamp(0.0, (x + w) as f32) as u32;
                (first, end)
            }
        };
        if to <= from {
            continue;
        }
        let row = (y + dy) as usize * stride;
        let src = (dy * w + (from - x)) as usize * 3;
        let len = (to - from) as usize * 3;
        pixels[row + from as usize * 3..row + from as usize * 3 + len]
            .copy_from_slice(&filtered.as_raw()[src..src + len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> RgbImage {
        RgbImage::from_fn(100, 100, |x, y| {
            if (x / 2 + y / 2) % 2 == 0 {
                Rgb([255, 255, 255])
            } else {
                Rgb([0, 0, 0])
            }
        })
    }

    #[test]
    fn each_filter_changes_the_inside_only() {
        for filter in [
            Filter::Blur { strength: 0.3 },
            Filter::Mosaic { block: 8 },
            Filter::Solid {
                colour: [255, 0, 0],
            },
        ] {
            for shape in [Shape::Box, Shape::Ellipse] {
                let original = checker();
                let mut img = original.clone();
                apply(&mut img, &[20.0, 20.0, 60.0, 60.0], filter, shape);
                assert_ne!(
                    img.get_pixel(40, 40),
                    original.get_pixel(40, 40),
                    "{filter:?} {shape:?} centre"
                );
                assert_eq!(
                    img.get_pixel(10, 10),
                    original.get_pixel(10, 10),
                    "{filter:?} outside"
                );
                assert_eq!(
                    img.get_pixel(70, 40),
                    original.get_pixel(70, 40),
                    "{filter:?} outside"
                );
                // a box corner is outside the ellipse
                let corner_changed = img.get_pixel(21, 21) != original.get_pixel(21, 21);
                assert_eq!(
                    corner_changed,
                    shape == Shape::Box,
                    "{filter:?} {shape:?} corner"
                );
            }
        }
    }

    #[test]
    fn an_ellipse_covers_the_pixels_whose_centres_are_inside_it() {
        let b = [10.3, 5.7, 47.9, 31.2];
        let mut img = RgbImage::new(60, 40);
        let colour = [255, 0, 0];
        apply(&mut img, &b, Filter::Solid { colour }, Shape::Ellipse);
        let (cx, cy, rx, ry) = (
            (b[0] + b[2]) / 2.0,
            (b[1] + b[3]) / 2.0,
            (b[2] - b[0]) / 2.0,
            (b[3] - b[1]) / 2.0,
        );
        let mismatched = img
            .enumerate_pixels()
            .filter(|(x, y, p)| {
                let (nx, ny) = ((*x as f32 + 0.5 - cx) / rx, (*y as f32 + 0.5 - cy) / ry);
                (nx * nx + ny * ny <= 1.0) != (p.0 == colour)
            })
            .count();
        assert_eq!(mismatched, 0);
    }

    #[test]
    fn a_blur_keeps_the_colours_it_mixes() {
        // the checker's mean is mid-grey: a blur gives grey, not black or white
        let mut img = checker();
        apply(
            &mut img,
            &[20.0, 20.0, 60.0, 60.0],
            Filter::Blur { strength: 0.5 },
            Shape::Box,
        );
        for (x, y) in [(40, 40), (25, 30), (55, 50)] {
            let p = img.get_pixel(x, y);
            assert!(
                p.0.iter().all(|&v| (96..=160).contains(&v)),
                "({x}, {y}): {p:?}"
            );
        }
        // a flat colour stays that colour
        let mut flat = RgbImage::from_pixel(80, 80, Rgb([200, 120, 40]));
        apply(
            &mut flat,
            &[10.0, 10.0, 70.0, 70.0],
            Filter::Blur { strength: 0.5 },
            Shape::Ellipse,
        );
        let p = flat.get_pixel(40, 40).0;
        assert!(
            p.iter()
                .zip([200, 120, 40])
                .all(|(&v, w)| v.abs_diff(w) <= 2),
            "{p:?}"
        );
    }

    #[test]
    fn masks_partly_outside_the_frame_are_clipped() {
        let mut img = checker();
        apply(
            &mut img,
            &[-30.0, -30.0, 10.0, 10.0],
            Filter::Solid { colour: [1, 2, 3] },
            Shape::Box,
        );
        assert_eq!(*img.get_pixel(0, 0), Rgb([1, 2, 3]));
        apply(
            &mut img,
            &[200.0, 200.0, 300.0, 300.0],
            Filter::Solid { colour: [1, 2, 3] },
            Shape::Box,
        );
    }
}
