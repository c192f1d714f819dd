//! The event pictures' small helpers: boxes and captions in an 8×8 bitmap font on the JPEG of an
//! event's peak (the overlay videos use the layered renderer).

use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_rect_mut};
use imageproc::rect::Rect;

use super::style::VIVID;
use crate::pose::BBox;

/// A distinct, stable colour per track id (untracked people are grey), as the vivid styles
/// colour them.
pub fn track_colour(id: Option<u64>) -> Rgb<u8> {
    match id {
        Some(i) => Rgb(VIVID[(i as usize) % VIVID.len()]),
        None => Rgb([160, 160, 160]),
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
