//! A people-free picture of the place to draw the heatmap on: the per-pixel median of frames
//! sampled evenly over the video. People who walk through cover any one pixel in fewer than half
//! of the samples and vanish from it; so do their faces. Someone who stands still for more than
//! half of the video stays (a limit of the method, said in the job's report).

use image::RgbImage;

use crate::media::{MediaError, VideoReader};

/// Frames sampled by default: enough that a pixel is free in most of them, few enough to hold.
pub const SAMPLES: usize = 48;

/// The median of `samples` frames spread over `source`, at most `max_width` pixels wide (the
/// aspect ratio kept).
pub fn median_background(
    source: &str,
    samples: usize,
    max_width: u32,
) -> Result<RgbImage, MediaError> {
    let mut reader = VideoReader::open(source)?;
    let total = reader.info().frames.max(1);
    let samples = samples.clamp(1, total as usize) as u64;
    // frame numbers at the middle of each of `samples` equal stretches
    let picks: Vec<u64> = (0..samples)
        .map(|i| (2 * i + 1) * total / (2 * samples))
        .collect();
    let mut taken: Vec<RgbImage> = Vec::with_capacity(picks.len());
    let mut last = None;
    while let Some(frame) = reader.next_frame()? {
        if picks.binary_search(&frame.number).is_ok() {
            taken.push(shrink(&frame.image, max_width));
        }
        last = Some(frame.image);
        if taken.len() == picks.len() {
            break;
        }
    }
    // the header's count was high: the frames seen still make a background
    if taken.is_empty()
        && let Some(image) = last
    {
        taken.push(shrink(&image, max_width));
    }
    Ok(median(&taken))
}

fn shrink(image: &RgbImage, max_width: u32) -> RgbImage {
    if image.width() <= max_width {
        return image.clone();
    }
    let height = (image.height() as u64 * max_width as u64 / image.width() as u64).max(1) as u32;
    image::imageops::thumbnail(image, max_width, height)
}

/// Each pixel's and channel's median over pictures of one size (the lower middle of an even
/// count: a value one of the pictures has, never a blend of a person and the floor).
pub fn median(pictures: &[RgbImage]) -> RgbImage {
    let Some(first) = pictures.first() else {
        return RgbImage::new(1, 1);
    };
    let (w, h) = first.dimensions();
    let mut out = RgbImage::new(w, h);
    let mut values = vec![0u8; pictures.len()];
    let middle = (pictures.len() - 1) / 2;
    for (i, byte) in out.iter_mut().enumerate() {
        for (v, p) in values.iter_mut().zip(pictures) {
            *v = p.as_raw()[i];
        }
        *byte = *values.select_nth_unstable(middle).1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passer_by_vanishes_from_the_median() {
        // a grey floor; a dark "person" stands at a different spot in each of 5 pictures
        let pictures: Vec<RgbImage> = (0..5)
            .map(|i| {
                let mut p = RgbImage::from_pixel(10, 2, image::Rgb([120, 130, 140]));
                p.put_pixel(i * 2, 0, image::Rgb([10, 10, 10]));
                p
            })
            .collect();
        let m = median(&pictures);
        assert!(m.pixels().all(|p| p.0 == [120, 130, 140]));
        // one who stays put in most pictures is part of the picture
        let mut staying = pictures.clone();
        for p in staying.iter_mut().take(3) {
            p.put_pixel(9, 1, image::Rgb([10, 10, 10]));
        }
        assert_eq!(median(&staying).get_pixel(9, 1).0, [10, 10, 10]);
    }
}
