//! Drawing results onto frames: boxes, skeletons, track ids, face masks. Kept apart from inference
//! so the visualize job can compose layers and styles.

use image::{Rgb, RgbImage};
use imageproc::drawing::{
    draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_rect_mut, draw_line_segment_mut,
};
use imageproc::rect::Rect;

use crate::pose::{BBox, FramePoses, SKELETON};

#[derive(Debug, Clone)]
pub struct Style {
    pub boxes: bool,
    pub skeleton: bool,
    pub labels: bool,
    /// Keypoints below this confidence are not drawn.
    pub min_keypoint_score: f32,
    /// Line thickness in pixels.
    pub thickness: u32,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            boxes: true,
            skeleton: true,
            labels: true,
            min_keypoint_score: 0.25,
            thickness: 2,
        }
    }
}

/// A distinct, stable colour per track id (untracked people are grey).
pub fn track_colour(id: Option<u64>) -> Rgb<u8> {
    const PALETTE: [[u8; 3]; 10] = [
        [230, 25, 75],
        [60, 180, 75],
        [255, 225, 25],
        [0, 130, 200],
        [245, 130, 48],
        [145, 30, 180],
        [70, 240, 240],
        [240, 50, 230],
        [210, 245, 60],
        [250, 190, 212],
    ];
    match id {
        Some(i) => Rgb(PALETTE[(i as usize) % PALETTE.len()]),
        None => Rgb([160, 160, 160]),
    }
}

pub fn draw_poses(image: &mut RgbImage, poses: &FramePoses, style: &Style) {
    for p in &poses.persons {
        let colour = track_colour(p.track_id);
        if style.boxes {
            draw_box(image, &p.bbox, colour, style.thickness);
        }
        if style.skeleton {
            for &(a, b) in &SKELETON {
                let (ka, kb) = (p.keypoints[a], p.keypoints[b]);
                if ka[2] >= style.min_keypoint_score && kb[2] >= style.min_keypoint_score {
                    thick_line(
                        image,
                        (ka[0], ka[1]),
                        (kb[0], kb[1]),
                        colour,
                        style.thickness,
                    );
                }
            }
            for kp in &p.keypoints {
                if kp[2] >= style.min_keypoint_score {
                    draw_filled_circle_mut(
                        image,
                        (kp[0] as i32, kp[1] as i32),
                        style.thickness as i32 + 1,
                        Rgb([255, 255, 255]),
                    );
                }
            }
        }
        if style.labels {
            if let Some(id) = p.track_id {
                label(
                    image,
                    p.bbox[0] as i32,
                    p.bbox[1] as i32 - 12,
                    &format!("#{id}"),
                    colour,
                );
            }
        }
    }
}

pub fn draw_box(image: &mut RgbImage, b: &BBox, colour: Rgb<u8>, thickness: u32) {
    for t in 0..thickness as i32 {
        let (x, y) = (b[0] as i32 - t, b[1] as i32 - t);
        let (w, h) = ((b[2] - b[0]) as i32 + 2 * t, (b[3] - b[1]) as i32 + 2 * t);
        if w > 0 && h > 0 {
            draw_hollow_rect_mut(image, Rect::at(x, y).of_size(w as u32, h as u32), colour);
        }
    }
}

fn thick_line(image: &mut RgbImage, a: (f32, f32), b: (f32, f32), colour: Rgb<u8>, thickness: u32) {
    let half = thickness as f32 / 2.0;
    let mut o = -half + 0.5;
    while o < half {
        draw_line_segment_mut(image, (a.0 + o, a.1), (b.0 + o, b.1), colour);
        draw_line_segment_mut(image, (a.0, a.1 + o), (b.0, b.1 + o), colour);
        o += 1.0;
    }
}

/// Text in an 8×8 bitmap font (font8x8), on a filled background, clipped to the image.
pub fn label(image: &mut RgbImage, x: i32, y: i32, text: &str, background: Rgb<u8>) {
    use font8x8::UnicodeFonts;
    let (w, h) = (text.chars().count() as u32 * 8 + 4, 12);
    let y = y.max(0);
    draw_filled_rect_mut(image, Rect::at(x, y).of_size(w, h), background);
    let luminance = 0.299 * f32::from(background[0])
        + 0.587 * f32::from(background[1])
        + 0.114 * f32::from(background[2]);
    let ink = if luminance > 140.0 {
        Rgb([0, 0, 0])
    } else {
        Rgb([255, 255, 255])
    };
    for (i, c) in text.chars().enumerate() {
        let Some(glyph) = font8x8::BASIC_FONTS.get(c) else {
            continue;
        };
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    let (px, py) = (x + 2 + i as i32 * 8 + col, y + 2 + row as i32);
                    if px >= 0
                        && py >= 0
                        && (px as u32) < image.width()
                        && (py as u32) < image.height()
                    {
                        image.put_pixel(px as u32, py as u32, ink);
                    }
                }
            }
        }
    }
}
