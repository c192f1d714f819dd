//! A heatmap picture: the background dimmed and greyed so the colours read, presence on a log
//! scale by default (a few crowded cells do not wash out the rest) or linear, in viridis, smoothed between cell
//! centres, the zones and lines drawn on top with their names, and a legend in person-seconds.

use image::RgbImage;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;
use vision::events::Zone;
use vision::footfall::counters::Line;
use vision::footfall::heatmap::Normalize;

use crate::charts::FONT;

/// Width of the legend strip right of the picture.
const LEGEND: u32 = 150;

pub struct Scene<'a> {
    pub cols: u32,
    pub rows: u32,
    /// The busiest cell's person-seconds: the top of the scale.
    pub max_presence: f64,
    pub normalize: Normalize,
    pub zones: Vec<&'a Zone>,
    pub lines: Vec<&'a Line>,
}

type DrawResult<T> =
    Result<T, DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>>;

impl Scene<'_> {
    /// 0–1 on the scale.
    pub fn level(&self, presence: f64) -> f64 {
        self.normalize.level(presence, self.max_presence)
    }

    /// The person-seconds at a level of the scale (the legend's ticks).
    pub fn presence_at(&self, level: f64) -> f64 {
        self.normalize.value_at(level, self.max_presence)
    }

    /// The level at a relative point, interpolated between the four nearest cell centres.
    fn level_at(&self, levels: &[f64], x: f64, y: f64) -> f64 {
        let (cols, rows) = (self.cols as usize, self.rows as usize);
        let gx = (x * cols as f64 - 0.5).clamp(0.0, (cols - 1) as f64);
        let gy = (y * rows as f64 - 0.5).clamp(0.0, (rows - 1) as f64);
        let (c0, r0) = (gx.floor() as usize, gy.floor() as usize);
        let (c1, r1) = ((c0 + 1).min(cols - 1), (r0 + 1).min(rows - 1));
        let (tx, ty) = (gx - c0 as f64, gy - r0 as f64);
        let at = |r: usize, c: usize| levels[r * cols + c];
        let top = at(r0, c0) * (1.0 - tx) + at(r0, c1) * tx;
        let bottom = at(r1, c0) * (1.0 - tx) + at(r1, c1) * tx;
        top * (1.0 - ty) + bottom * ty
    }

    /// The picture of one grid of presence (person-seconds per cell, row-major), titled `label`.
    pub fn draw(
        &self,
        background: &RgbImage,
        presence: &[f64],
        label: &str,
    ) -> DrawResult<RgbImage> {
        let (w, h) = background.dimensions();
        let levels: Vec<f64> = presence.iter().map(|p| self.level(*p)).collect();
        let width = w + LEGEND;
        let mut buffer = vec![255u8; (width * h * 3) as usize];
        for (x, y, px) in background.enumerate_pixels() {
            let [r, g, b] = px.0.map(f64::from);
            let grey = 0.299 * r + 0.587 * g + 0.114 * b;
            let mut out = [r, g, b].map(|c| 0.35 * c + 0.4 * grey);
            let v = self.level_at(
                &levels,
                (x as f64 + 0.5) / w as f64,
                (y as f64 + 0.5) / h as f64,
            );
            if v > 0.0 {
                let c = ViridisRGB::get_color(v as f32);
                // faint spots fade in instead of ending in a hard edge at a cell's border
                let alpha = (0.45 + 0.5 * v) * (v / 0.12).min(1.0);
                for (o, c) in out.iter_mut().zip([c.0, c.1, c.2]) {
                    *o = *o * (1.0 - alpha) + c as f64 * alpha;
                }
            }
            let i = ((y * width + x) * 3) as usize;
            for (k, o) in out.iter().enumerate() {
                buffer[i + k] = o.round().clamp(0.0, 255.0) as u8;
            }
        }
        {
            let root = BitMapBackend::with_buffer(&mut buffer, (width, h)).into_drawing_area();
            let at = |p: [f32; 2]| ((p[0] * w as f32) as i32, (p[1] * h as f32) as i32);
            let text = |size: u32, colour: &RGBColor| (FONT, size).into_font().color(colour);
            for z in &self.zones {
                let mut points: Vec<(i32, i32)> = z.points.iter().map(|p| at(*p)).collect();
                points.push(points[0]);
                root.draw(&PathElement::new(points.clone(), BLACK.stroke_width(4)))?;
                root.draw(&PathElement::new(points, WHITE.stroke_width(2)))?;
                let (x, y) = at(z.points[0]);
                root.draw(&Text::new(z.name.clone(), (x + 5, y + 4), text(15, &WHITE)))?;
            }
            let cyan = RGBColor(80, 220, 255);
            for l in &self.lines {
                let (a, b) = (at(l.a), at(l.b));
                root.draw(&PathElement::new(vec![a, b], BLACK.stroke_width(5)))?;
                root.draw(&PathElement::new(vec![a, b], cyan.stroke_width(3)))?;
                // "in" is a crossing to the right of a → b (image coordinates)
                let (dx, dy) = ((b.0 - a.0) as f32, (b.1 - a.1) as f32);
                let len = (dx * dx + dy * dy).sqrt().max(1.0);
                let mid = ((a.0 + b.0) / 2, (a.1 + b.1) / 2);
                let tip = (
                    mid.0 + (-dy / len * 28.0) as i32,
                    mid.1 + (dx / len * 28.0) as i32,
                );
                root.draw(&PathElement::new(vec![mid, tip], cyan.stroke_width(3)))?;
                root.draw(&Circle::new(tip, 4, cyan.filled()))?;
                root.draw(&Text::new("in", (tip.0 + 4, tip.1 - 8), text(13, &cyan)))?;
                root.draw(&Text::new(
                    l.name.clone(),
                    (a.0 + 5, a.1 + 4),
                    text(15, &cyan),
                ))?;
            }
            root.draw(&Rectangle::new(
                [(0, 0), (label.len() as i32 * 8 + 16, 26)],
                RGBAColor(0, 0, 0, 0.6).filled(),
            ))?;
            root.draw(&Text::new(label.to_string(), (8, 5), text(15, &WHITE)))?;

            // the legend: a colour bar from the top of the scale down to nothing
            let (x0, top, bottom) = (w as i32 + 18, 40, h as i32 - 20);
            root.draw(&Text::new("time spent", (x0 - 6, 6), text(14, &BLACK)))?;
            root.draw(&Text::new(
                "(person-s, log)",
                (x0 - 6, 22),
                text(11, &BLACK),
            ))?;
            for y in top..bottom {
                let v = 1.0 - (y - top) as f64 / (bottom - top).max(1) as f64;
                let c = ViridisRGB::get_color(v as f32);
                root.draw(&Rectangle::new([(x0, y), (x0 + 22, y + 1)], c.filled()))?;
            }
            root.draw(&Rectangle::new(
                [(x0, top), (x0 + 22, bottom)],
                BLACK.stroke_width(1),
            ))?;
            for k in 0..=4 {
                let v = k as f64 / 4.0;
                let y = bottom - ((bottom - top) as f64 * v) as i32;
                root.draw(&PathElement::new(vec![(x0 + 22, y), (x0 + 28, y)], BLACK))?;
                root.draw(&Text::new(
                    seconds(self.presence_at(v)),
                    (x0 + 32, y - 7),
                    text(13, &BLACK),
                ))?;
            }
            root.present()?;
        }
        Ok(RgbImage::from_raw(width, h, buffer).expect("the buffer is the picture's size"))
    }
}

/// A legend value: `0 s`, `4.2 s`, `38 s`, `6.5 min`, `2.1 h`.
pub fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s").replace(".0 s", " s")
    } else if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_logarithmic_and_its_legend_reads_back() {
        let scene = Scene {
            cols: 2,
            rows: 1,
            max_presence: 99.0,
            normalize: Normalize::Log,
            zones: vec![],
            lines: vec![],
        };
        assert_eq!(scene.level(0.0), 0.0);
        assert_eq!(scene.level(99.0), 1.0);
        // log: 9 person-seconds is half way to 99
        assert!((scene.level(9.0) - 0.5).abs() < 1e-9);
        assert!((scene.presence_at(0.5) - 9.0).abs() < 1e-9);
        assert_eq!(
            [0.0, 4.25, 38.0, 390.0, 7560.0].map(seconds),
            ["0 s", "4.2 s", "38 s", "6.5 min", "2.1 h"]
        );
    }

    #[test]
    fn colour_goes_where_people_were() {
        crate::font().unwrap();
        let scene = Scene {
            cols: 2,
            rows: 1,
            max_presence: 10.0,
            normalize: Normalize::Log,
            zones: vec![],
            lines: vec![],
        };
        let background = RgbImage::from_pixel(200, 100, image::Rgb([128, 128, 128]));
        // everyone stood in the right half
        let picture = scene.draw(&background, &[0.0, 10.0], "test").unwrap();
        assert_eq!(picture.width(), 200 + LEGEND);
        let (left, right) = (picture.get_pixel(20, 80).0, picture.get_pixel(180, 80).0);
        // the left is the dimmed grey floor, the right viridis' top (yellow: red and green high)
        assert!(left[0] == left[1] && left[1] == left[2], "{left:?}");
        assert!(
            right[0] > 150 && right[1] > 150 && right[2] < 120,
            "{right:?}"
        );
    }
}
