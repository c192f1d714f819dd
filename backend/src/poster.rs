//! A JPEG poster for the library: the frame at about one second (or the first), 320 px wide.

use image::codecs::jpeg::JpegEncoder;
use vision::media::{MediaError, VideoReader};

pub fn poster_jpeg(source: &str) -> Result<Option<Vec<u8>>, MediaError> {
    let mut reader = VideoReader::open(source)?;
    let wanted = (reader.info().fps.max(1.0)).round() as u64;
    let mut chosen = None;
    while let Some(frame) = reader.next_frame()? {
        let last = frame.number >= wanted;
        chosen = Some(frame.image);
        if last {
            break;
        }
    }
    let Some(image) = chosen else {
        return Err(MediaError::NoVideo {
            source_name: source.into(),
        });
    };
    let width = 320.min(image.width()).max(1);
    let height =
        ((image.height() as f64 * width as f64 / image.width() as f64).round() as u32).max(1);
    let small =
        image::imageops::resize(&image, width, height, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small)
        .map_err(|e| MediaError::Unreadable {
            source_name: source.into(),
            reason: e.to_string(),
        })?;
    Ok(Some(out))
}
