//! One module per model: pre-processing, run, post-processing. Each takes RGB frames in pixels
//! and returns results in the frame's pixel coordinates.

pub mod centerface;
pub mod crops;
pub mod movenet;
pub mod nanodet;
pub mod skeleton;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use image::RgbImage;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Runtime(#[from] crate::runtime::RuntimeError),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{model}: inference failed: {reason}")]
    Inference { model: &'static str, reason: String },
    #[error(
        "{model}: unexpected output {name}: {reason}; the model file may not be the one the manifest describes"
    )]
    Output {
        model: &'static str,
        name: String,
        reason: String,
    },
}

pub(crate) fn inference(model: &'static str) -> impl Fn(ort::Error) -> ModelError {
    move |e| ModelError::Inference {
        model,
        reason: e.to_string(),
    }
}

/// An image resized to fit `(width, height)` keeping its aspect, anchored top-left, padded with
/// black to the right and bottom. `scale` maps input pixels to letterboxed pixels.
pub struct Letterbox {
    pub rgb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub scale: f32,
}

/// The largest model input side a job may ask for: 4K video's longer side. Larger sizes only cost
/// memory (a 4294967295-pixel side overflowed the input buffer's size and panicked).
pub const MAX_INPUT_SIZE: u32 = 4096;

/// A requested model input size: 0 (the video's own size) or 64 to [`MAX_INPUT_SIZE`].
pub fn check_input_size(size: u32) -> Result<(), String> {
    if size == 0 || (64..=MAX_INPUT_SIZE).contains(&size) {
        Ok(())
    } else {
        Err(format!(
            "must be 0 (the video's own size) or between 64 and {MAX_INPUT_SIZE}"
        ))
    }
}

pub fn letterbox(image: &RgbImage, width: u32, height: u32) -> Letterbox {
    let scale = (width as f32 / image.width() as f32).min(height as f32 / image.height() as f32);
    let rw = ((image.width() as f32 * scale).round() as u32).clamp(1, width);
    let rh = ((image.height() as f32 * scale).round() as u32).clamp(1, height);
    let resized = resized(image, rw, rh);
    let mut rgb = vec![0u8; (width * height * 3) as usize];
    let row = (rw * 3) as usize;
    for y in 0..rh as usize {
        let dst = y * (width * 3) as usize;
        rgb[dst..dst + row].copy_from_slice(&resized[y * row..(y + 1) * row]);
    }
    Letterbox {
        rgb,
        width,
        height,
        scale: rw as f32 / image.width() as f32,
    }
}

/// The image resized to exactly `width`×`height` (bilinear, antialiased when shrinking) as
/// interleaved RGB bytes; borrowed when it already has that size.
pub fn resized(image: &RgbImage, width: u32, height: u32) -> std::borrow::Cow<'_, [u8]> {
    if (width, height) == image.dimensions() {
        return std::borrow::Cow::Borrowed(image.as_raw());
    }
    let (w, h) = image.dimensions();
    std::borrow::Cow::Owned(resized_part(
        image,
        [0.0, 0.0, w.into(), h.into()],
        width,
        height,
    ))
}

/// The part `[left, top, width, height]` (source pixels, fractions allowed) of the image,
/// resized to exactly `width`×`height` as `resized` does, as interleaved RGB bytes.
/// The part is clipped to the image (rounding may take it a hair outside).
pub fn resized_part(image: &RgbImage, part: [f64; 4], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let (left, top) = (part[0].clamp(0.0, w), part[1].clamp(0.0, h));
    let part = [left, top, part[2].min(w - left), part[3].min(h - top)];
    let src = ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    )
    .expect("an RgbImage is a valid U8x3 buffer");
    let mut dst = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new()
                .resize_alg(fast_image_resize::ResizeAlg::Convolution(
                    fast_image_resize::FilterType::Bilinear,
                ))
                .crop(part[0], part[1], part[2], part[3]),
        )
        .expect("same pixel type");
    dst.into_vec()
}

/// Interleaved RGB bytes → planar (NCHW) f32 values for batch item `b`, times `scale`.
pub(crate) fn write_planar(rgb: &[u8], input: &mut ndarray::Array4<f32>, b: usize, scale: f32) {
    let plane = input.shape()[2] * input.shape()[3];
    let data = input
        .as_slice_mut()
        .expect("a freshly allocated array is contiguous");
    planar_item(rgb, &mut data[b * 3 * plane..(b + 1) * 3 * plane], scale);
}

/// Interleaved RGB bytes → one planar batch item (`item`: 3 planes of the image's size).
pub(crate) fn planar_item(rgb: &[u8], item: &mut [f32], scale: f32) {
    let plane = item.len() / 3;
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            item[c * plane + i] = f32::from(px[c]) * scale;
        }
    }
}

/// Rounds up to a multiple of 32 (what the fully convolutional models need).
pub fn multiple_of_32(v: u32) -> u32 {
    v.div_ceil(32).max(1) * 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterbox_keeps_aspect_and_pads_right_and_bottom() {
        let mut img = RgbImage::new(200, 100);
        img.put_pixel(199, 99, image::Rgb([255, 255, 255]));
        let lb = letterbox(&img, 64, 64);
        assert_eq!(lb.scale, 64.0 / 200.0);
        // content is 64×32; rows 32.. are padding
        assert!(lb.rgb[(40 * 64 * 3)..].iter().all(|&v| v == 0));
        assert_eq!(multiple_of_32(33), 64);
        assert_eq!(multiple_of_32(576), 576);
    }

    #[test]
    fn a_part_resized_to_its_own_size_is_a_copy_of_it() {
        let img = RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 5, y as u8 * 7, 9]));
        let part = resized_part(&img, [10.0, 4.0, 20.0, 12.0], 20, 12);
        let copy = image::imageops::crop_imm(&img, 10, 4, 20, 12).to_image();
        assert_eq!(part, copy.into_raw());
        // a part a hair outside the image (rounding) is clipped, not refused
        let edge = resized_part(&img, [30.0, 0.0, 10.000001, 30.0], 5, 15);
        assert_eq!(edge.len(), 5 * 15 * 3);
    }
}
