//! A picture of each event: the video's frame at the event's peak with the people involved boxed
//! and labelled, as a JPEG small enough for a list of events. One pass over the video, whatever
//! the number of events.

use std::path::{Path, PathBuf};

use image::RgbImage;
use image::imageops::FilterType;

use super::{Event, Service};
use crate::media::{MediaError, VideoReader};
use crate::render::{draw_box, label, track_colour};

/// Width of the pictures (height follows the video); smaller videos keep their size.
pub const SNAPSHOT_WIDTH: u32 = 480;

/// Writes `dir/event-NNN.jpg` for each event (NNN = its index in `events`), in the order given.
/// Events whose peak frame the video does not reach get no picture (`None`).
pub fn write_peak_snapshots(
    video: &str,
    events: &[(Service, Event)],
    dir: &Path,
) -> Result<Vec<Option<PathBuf>>, MediaError> {
    let mut out = vec![None; events.len()];
    if events.is_empty() {
        return Ok(out);
    }
    let last = events.iter().map(|(_, e)| e.peak_frame).max().unwrap_or(0);
    let mut reader = VideoReader::open(video)?;
    while let Some(frame) = reader.next_frame()? {
        for (i, (service, event)) in events.iter().enumerate() {
            if event.peak_frame != frame.number {
                continue;
            }
            let picture = draw(&frame.image, *service, event);
            let path = dir.join(format!("event-{i:03}.jpg"));
            picture
                .save_with_format(&path, image::ImageFormat::Jpeg)
                .map_err(|e| MediaError::Write {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
            out[i] = Some(path);
        }
        if frame.number >= last {
            break;
        }
    }
    Ok(out)
}

/// The frame scaled to [`SNAPSHOT_WIDTH`] with each track's box and a caption.
pub fn draw(frame: &RgbImage, service: Service, event: &Event) -> RgbImage {
    let scale = (SNAPSHOT_WIDTH as f32 / frame.width().max(1) as f32).min(1.0);
    let mut picture = if scale < 1.0 {
        image::imageops::resize(
            frame,
            SNAPSHOT_WIDTH,
            ((frame.height() as f32 * scale).round() as u32).max(1),
            FilterType::Triangle,
        )
    } else {
        frame.clone()
    };
    for (track, b) in event.tracks.iter().zip(&event.boxes_at_peak) {
        let colour = track_colour(Some(*track));
        let scaled = [b[0] * scale, b[1] * scale, b[2] * scale, b[3] * scale];
        draw_box(&mut picture, &scaled, colour, 3);
        label(
            &mut picture,
            scaled[0] as i32,
            scaled[1] as i32 - 12,
            &format!("#{track}"),
            colour,
        );
    }
    let caption = format!(
        "{} {:.2} at {}",
        service.as_str(),
        event.peak_score,
        crate::render::layers::clock(event.peak_time)
    );
    label(
        &mut picture,
        0,
        0,
        &caption,
        image::Rgb(match service {
            Service::Fall => [200, 60, 20],
            Service::Fight => [160, 20, 60],
        }),
    );
    picture
}
