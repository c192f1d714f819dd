//! Parts of a fully convolutional model's input to run it on, instead of the whole input: around
//! given areas, aligned to the model's 32-pixel grid (so that an object well inside a crop gets
//! the same features as on the whole input), overlapping crops merged.

use ndarray::Array4;

use super::write_planar;
use crate::pose::BBox;

/// Pixels of context kept around each area, in model-input pixels, before snapping to the grid.
/// The crop's edge is padding to the model and lowers the scores of faces near it: on 300 vtest
/// frames, with 16 px 39 of 357 faces above 0.2 fell under 0.15, with 48 px 6 (`CROP_SCORE_KEPT`).
const CONTEXT: f32 = 48.0;
const GRID: u32 = 32;

/// A rectangle of the model input: x1, y1, x2, y2 (exclusive), multiples of 32 or the input's edge.
pub type Crop = [u32; 4];

/// Crops of a `width`×`height` model input covering `areas` (given in frame pixels; `sx`, `sy`
/// map frame pixels to input pixels), with `CONTEXT` around them, snapped outwards to the grid
/// and merged where they overlap.
pub fn grid_crops(areas: &[BBox], sx: f32, sy: f32, width: u32, height: u32) -> Vec<Crop> {
    let snap_down = |v: f32, edge: u32| ((v.max(0.0) as u32) / GRID * GRID).min(edge);
    let snap_up = |v: f32, edge: u32| ((v.max(0.0).ceil() as u32).div_ceil(GRID) * GRID).min(edge);
    let mut crops: Vec<Crop> = areas
        .iter()
        .filter(|a| a[2] > a[0] && a[3] > a[1])
        .map(|a| {
            [
                snap_down(a[0] * sx - CONTEXT, width),
                snap_down(a[1] * sy - CONTEXT, height),
                snap_up(a[2] * sx + CONTEXT, width),
                snap_up(a[3] * sy + CONTEXT, height),
            ]
        })
        .filter(|c| c[2] > c[0] && c[3] > c[1])
        .collect();
    // two crops become their bounding rectangle where that costs no more than both (a merged
    // crop may then absorb a third one); others may overlap: the overlap runs twice
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..crops.len() {
            for j in i + 1..crops.len() {
                let (a, b) = (crops[i], crops[j]);
                let union = [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ];
                if pixels(&union) <= pixels(&a) + pixels(&b) {
                    crops[i] = union;
                    crops.swap_remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
    crops
}

fn pixels(c: &Crop) -> u64 {
    u64::from(c[2] - c[0]) * u64::from(c[3] - c[1])
}

/// The `crop` of an interleaved RGB image `width` pixels wide, as a planar (NCHW) batch of one.
pub fn planar_crop(rgb: &[u8], width: u32, crop: &Crop) -> Array4<f32> {
    let (w, h) = ((crop[2] - crop[0]) as usize, (crop[3] - crop[1]) as usize);
    let row = width as usize * 3;
    let mut bytes = Vec::with_capacity(w * h * 3);
    for y in crop[1] as usize..crop[3] as usize {
        let start = y * row + crop[0] as usize * 3;
        bytes.extend_from_slice(&rgb[start..start + w * 3]);
    }
    let mut input = Array4::<f32>::zeros((1, 3, h, w));
    write_planar(&bytes, &mut input, 0, 1.0);
    input
}

/// Where a crop of a `width`×`height` input (from `grid_crops`) sits in a fixed-size model
/// input: a `tile`×`tile` square around it (a multiple of 32), on the grid and inside the input
/// where the input is larger than a tile, else from the input's top-left corner; `None` when
/// the crop does not fit in a tile or the input is no larger than one (then the whole input's
/// size is the shape to use). Only the crop's own pixels are written into it
/// (`write_planar_crop`): the model sees what it sees on the crop alone, at one of few shapes.
pub fn tile_for(crop: &Crop, tile: u32, width: u32, height: u32) -> Option<Crop> {
    let tile = tile.div_ceil(GRID).max(1) * GRID;
    if u64::from(width) * u64::from(height) <= u64::from(tile) * u64::from(tile)
        || crop[2] - crop[0] > tile
        || crop[3] - crop[1] > tile
    {
        return None;
    }
    // the tile's start along one side: covering [lo, hi), centred where it can be, on the grid
    let place = |lo: u32, hi: u32, edge: u32| -> u32 {
        if edge <= tile {
            return 0;
        }
        let centred = ((lo + hi) / 2).saturating_sub(tile / 2) / GRID * GRID;
        centred.clamp(hi.saturating_sub(tile), lo.min(edge - tile))
    };
    let (x, y) = (
        place(crop[0], crop[2], width),
        place(crop[1], crop[3], height),
    );
    Some([x, y, x + tile, y + tile])
}

/// Writes the `part` of an interleaved RGB input `size` = (width, height) into batch item `b`
/// of a planar batch whose items are the `canvas`'s size, where the canvas sits at its place
/// in the input; the rest of the item (outside the part, or outside the input) stays as it is
/// (zeros, black).
pub fn write_planar_crop(
    rgb: &[u8],
    size: (u32, u32),
    canvas: &Crop,
    part: &Crop,
    input: &mut ndarray::ArrayBase<impl ndarray::DataMut<Elem = f32>, ndarray::Ix4>,
    b: usize,
) {
    let (cw, ch) = (input.shape()[3], input.shape()[2]);
    let plane = cw * ch;
    let data = input
        .as_slice_mut()
        .expect("a freshly allocated array is contiguous");
    let item = &mut data[b * 3 * plane..(b + 1) * 3 * plane];
    let (w, h) = (size.0 as usize, size.1 as usize);
    let (x0, y0) = (canvas[0] as usize, canvas[1] as usize);
    let xs = (part[0] as usize).max(x0)..(part[2] as usize).min(w).min(x0 + cw);
    let ys = (part[1] as usize).max(y0)..(part[3] as usize).min(h).min(y0 + ch);
    if xs.is_empty() {
        return;
    }
    for y in ys {
        let src = &rgb[(y * w + xs.start) * 3..(y * w + xs.end) * 3];
        let row = (y - y0) * cw + (xs.start - x0);
        for (col, px) in src.chunks_exact(3).enumerate() {
            for c in 0..3 {
                item[c * plane + row + col] = f32::from(px[c]);
            }
        }
    }
}

/// Pixels the model runs on for these crops (overlaps counted twice).
pub fn covered(crops: &[Crop]) -> u64 {
    crops.iter().map(pixels).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_are_on_the_grid_inside_the_input_and_hold_their_area_with_context() {
        // frame 360×288 → input 384×288
        let (sx, sy) = (384.0 / 360.0, 1.0);
        let crops = grid_crops(&[[100.0, 50.0, 120.0, 70.0]], sx, sy, 384, 288);
        assert_eq!(crops.len(), 1);
        let c = crops[0];
        assert!(c.iter().all(|v| v % 32 == 0), "{c:?}");
        assert!(c[0] as f32 <= 100.0 * sx - 16.0 && c[2] as f32 >= 120.0 * sx + 16.0);
        assert!(c[1] as f32 <= 50.0 - 16.0 && c[3] as f32 >= 70.0 + 16.0);
        // at the edge: clamped to the input, not the grid
        let edge = grid_crops(&[[340.0, 270.0, 360.0, 288.0]], sx, sy, 384, 288)[0];
        assert_eq!((edge[2], edge[3]), (384, 288));
        assert!(grid_crops(&[[-50.0, -50.0, 10.0, 10.0]], 1.0, 1.0, 100, 100)[0][0] == 0);
    }

    #[test]
    fn overlapping_crops_merge_and_far_ones_stay_apart() {
        let areas = [
            [10.0, 10.0, 20.0, 20.0],
            [40.0, 10.0, 50.0, 20.0],
            [600.0, 400.0, 610.0, 410.0],
        ];
        let crops = grid_crops(&areas, 1.0, 1.0, 768, 576);
        assert_eq!(crops.len(), 2, "{crops:?}");
        assert!(covered(&crops) < 768 * 576 / 4);
        assert!(grid_crops(&[[5.0, 5.0, 5.0, 9.0]], 1.0, 1.0, 64, 64).is_empty());
    }

    #[test]
    fn a_tile_is_on_the_grid_inside_the_input_around_its_crop_or_none() {
        let crops = grid_crops(
            &[[100.0, 50.0, 180.0, 150.0], [1500.0, 900.0, 1600.0, 1000.0]],
            1.0,
            1.0,
            1920,
            1088,
        );
        for crop in &crops {
            let tile = tile_for(crop, 384, 1920, 1088).unwrap();
            assert_eq!((tile[2] - tile[0], tile[3] - tile[1]), (384, 384));
            assert!(
                tile[0].is_multiple_of(32) && tile[1].is_multiple_of(32),
                "{tile:?}"
            );
            assert!(
                tile[0] <= crop[0] && tile[1] <= crop[1],
                "{tile:?} {crop:?}"
            );
            assert!(
                tile[2] >= crop[2] && tile[3] >= crop[3],
                "{tile:?} {crop:?}"
            );
            assert!(tile[2] <= 1920 && tile[3] <= 1088, "{tile:?}");
        }
        // at the bottom-right corner the tile stays inside the input
        assert_eq!(
            tile_for(&[1856, 1024, 1920, 1088], 384, 1920, 1088),
            Some([1536, 704, 1920, 1088])
        );
        // a crop larger than a tile, an input no larger than one: the whole input's shape
        assert_eq!(tile_for(&[0, 0, 416, 64], 384, 1920, 1088), None);
        assert_eq!(tile_for(&[0, 0, 64, 64], 384, 384, 288), None);
        // a tile taller than the input starts at its top, the rest is padding
        let wide = tile_for(&[1000, 0, 1064, 64], 384, 4096, 256).unwrap();
        assert_eq!((wide[1], wide[3]), (0, 384));
    }

    #[test]
    fn a_part_written_into_a_canvas_is_the_part_with_black_around_it() {
        let rgb: Vec<u8> = (0..2u8)
            .flat_map(|y| (0..4u8).flat_map(move |x| [x, y, 10 + x]))
            .collect();
        let mut input = Array4::<f32>::zeros((2, 3, 2, 2));
        write_planar_crop(&rgb, (4, 2), &[3, 1, 5, 3], &[3, 1, 5, 3], &mut input, 1);
        assert_eq!(input[[1, 0, 0, 0]], 3.0);
        assert_eq!(input[[1, 1, 0, 0]], 1.0);
        assert_eq!(input[[1, 2, 0, 0]], 13.0);
        // right of and below the input, and batch item 0: untouched
        assert_eq!(input[[1, 2, 0, 1]] + input[[1, 0, 1, 0]], 0.0);
        assert!(
            input
                .slice(ndarray::s![0, .., .., ..])
                .iter()
                .all(|&v| v == 0.0)
        );
        // a canvas the part's size agrees with planar_crop
        let mut one = Array4::<f32>::zeros((1, 3, 1, 2));
        write_planar_crop(&rgb, (4, 2), &[1, 1, 3, 2], &[1, 1, 3, 2], &mut one, 0);
        assert_eq!(one, planar_crop(&rgb, 4, &[1, 1, 3, 2]));
        // only the part's pixels, at their place in a larger canvas
        let mut canvas = Array4::<f32>::zeros((1, 3, 2, 4));
        write_planar_crop(&rgb, (4, 2), &[0, 0, 4, 2], &[2, 1, 3, 2], &mut canvas, 0);
        let red: Vec<f32> = canvas
            .slice(ndarray::s![0, 0, .., ..])
            .iter()
            .copied()
            .collect();
        assert_eq!(red, vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
    }

    #[test]
    fn a_planar_crop_holds_the_crops_pixels_channel_by_channel() {
        // 4×2 image, pixel (x, y) = [x, y, 10 + x]
        let rgb: Vec<u8> = (0..2u8)
            .flat_map(|y| (0..4u8).flat_map(move |x| [x, y, 10 + x]))
            .collect();
        let p = planar_crop(&rgb, 4, &[1, 1, 3, 2]);
        assert_eq!(p.shape(), &[1, 3, 1, 2]);
        assert_eq!(
            (p[[0, 0, 0, 0]], p[[0, 1, 0, 1]], p[[0, 2, 0, 1]]),
            (1.0, 1.0, 12.0)
        );
    }
}
