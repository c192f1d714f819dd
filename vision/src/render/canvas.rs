//! A frame to draw on: anti-aliased shapes with tiny-skia (a port of Skia's rasteriser, the
//! well-kept choice for 2-D paths in Rust) and text in real fonts with ab_glyph. The fonts are
//! the ones egui ships (`epaint_default_fonts`: Hack, from DejaVu, and Ubuntu Light), so a render
//! looks the same on every machine, whatever fonts it has installed.

use std::collections::HashMap;

use ab_glyph::{Font as _, FontRef, GlyphId, PxScale, ScaleFont as _};
use image::RgbImage;
use tiny_skia::{
    FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, PixmapPaint, Rect, Stroke, StrokeDash,
    Transform,
};

/// An RGBA colour (alpha 255 = opaque).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub [u8; 4]);

impl Colour {
    pub const WHITE: Colour = Colour([255, 255, 255, 255]);
    pub const BLACK: Colour = Colour([0, 0, 0, 255]);

    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self([r, g, b, 255])
    }

    /// The same colour with alpha `a` (0–1) times its own.
    pub fn alpha(self, a: f32) -> Self {
        let [r, g, b, own] = self.0;
        Self([r, g, b, (f32::from(own) * a.clamp(0.0, 1.0)).round() as u8])
    }

    /// Black or white, whichever reads on this colour.
    pub fn ink(self) -> Self {
        let [r, g, b, _] = self.0;
        let luminance = 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
        if luminance > 150.0 {
            Self::BLACK
        } else {
            Self::WHITE
        }
    }

    fn paint(self) -> Paint<'static> {
        let mut paint = Paint::default();
        let [r, g, b, a] = self.0;
        paint.set_color_rgba8(r, g, b, a);
        paint.anti_alias = true;
        paint
    }
}

/// Which typeface text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Typeface {
    /// Hack: monospaced, sturdy at small sizes.
    Mono,
    /// Ubuntu Light: proportional, for large captions.
    Sans,
}

fn font(typeface: Typeface) -> FontRef<'static> {
    let bytes = match typeface {
        Typeface::Mono => epaint_default_fonts::HACK_REGULAR,
        Typeface::Sans => epaint_default_fonts::UBUNTU_LIGHT,
    };
    FontRef::try_from_slice(bytes).expect("the bundled fonts parse")
}

/// A rasterised glyph: its offset from the pen (whole pixels) and its coverage.
struct Glyph {
    dx: i32,
    dy: i32,
    width: usize,
    coverage: Vec<u8>,
}

/// The overlay being drawn: a transparent layer the size of the frame, kept from frame to
/// frame (cleared, not reallocated) with the glyphs already drawn, then laid over the frame by
/// `finish` — only covered pixels cost more than a look.
pub struct Canvas {
    pixmap: Pixmap,
    mono: FontRef<'static>,
    sans: FontRef<'static>,
    glyphs: HashMap<(Typeface, u16, u32), Option<Glyph>>,
}

impl Canvas {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            pixmap: Pixmap::new(width.max(1), height.max(1)).expect("a frame has a size"),
            mono: font(Typeface::Mono),
            sans: font(Typeface::Sans),
            glyphs: HashMap::new(),
        }
    }

    /// A clear layer for a frame of this size.
    pub fn begin(&mut self, width: u32, height: u32) {
        if (self.pixmap.width(), self.pixmap.height()) != (width.max(1), height.max(1)) {
            self.pixmap = Pixmap::new(width.max(1), height.max(1)).expect("a frame has a size");
        } else {
            self.pixmap.data_mut().fill(0);
        }
    }

    pub fn width(&self) -> f32 {
        self.pixmap.width() as f32
    }

    pub fn height(&self) -> f32 {
        self.pixmap.height() as f32
    }

    /// Lays the drawing over `image` (premultiplied "over": what is drawn, then the frame
    /// through what it leaves uncovered).
    pub fn finish(&self, image: &mut RgbImage) {
        let layer = self.pixmap.data();
        for (px, src) in image.chunks_exact_mut(3).zip(layer.chunks_exact(4)) {
            let a = src[3];
            if a == 0 {
                continue;
            }
            let keep = 255 - u16::from(a);
            for c in 0..3 {
                px[c] = (u16::from(src[c]) + (u16::from(px[c]) * keep + 127) / 255).min(255) as u8;
            }
        }
    }

    pub fn line(&mut self, a: (f32, f32), b: (f32, f32), colour: Colour, width: f32) {
        self.polyline(&[a, b], colour, width, false);
    }

    /// Connected segments; `dashed` for things that are estimates (a box held between
    /// detections, a future path).
    pub fn polyline(&mut self, points: &[(f32, f32)], colour: Colour, width: f32, dashed: bool) {
        if points.len() < 2 {
            return;
        }
        let mut pb = PathBuilder::new();
        pb.move_to(points[0].0, points[0].1);
        for p in &points[1..] {
            pb.line_to(p.0, p.1);
        }
        let Some(path) = pb.finish() else { return };
        let stroke = Stroke {
            width,
            line_cap: LineCap::Round,
            line_join: LineJoin::Round,
            dash: if dashed {
                StrokeDash::new(vec![3.0 * width, 2.0 * width], 0.0)
            } else {
                None
            },
            ..Stroke::default()
        };
        self.pixmap
            .stroke_path(&path, &colour.paint(), &stroke, Transform::identity(), None);
    }

    /// A rectangle's outline (x0, y0, x1, y1).
    pub fn rect(&mut self, r: [f32; 4], colour: Colour, width: f32) {
        let [x0, y0, x1, y1] = r;
        let points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
        self.polyline(&points, colour, width, false);
    }

    /// Only a rectangle's corners, each arm `arm` long: a box that does not hide the person.
    pub fn corners(&mut self, r: [f32; 4], arm: f32, colour: Colour, width: f32) {
        let [x0, y0, x1, y1] = r;
        let arm = arm.min((x1 - x0) / 2.0).min((y1 - y0) / 2.0).max(0.0);
        for (cx, cy, dx, dy) in [
            (x0, y0, 1.0, 1.0),
            (x1, y0, -1.0, 1.0),
            (x1, y1, -1.0, -1.0),
            (x0, y1, 1.0, -1.0),
        ] {
            self.polyline(
                &[(cx + dx * arm, cy), (cx, cy), (cx, cy + dy * arm)],
                colour,
                width,
                false,
            );
        }
    }

    pub fn fill_rect(&mut self, r: [f32; 4], colour: Colour) {
        let [x0, y0, x1, y1] = r;
        if let Some(rect) = Rect::from_ltrb(x0, y0, x1.max(x0 + 0.5), y1.max(y0 + 0.5)) {
            self.pixmap
                .fill_rect(rect, &colour.paint(), Transform::identity(), None);
        }
    }

    pub fn circle(&mut self, centre: (f32, f32), radius: f32, colour: Colour) {
        if let Some(path) = PathBuilder::from_circle(centre.0, centre.1, radius.max(0.5)) {
            self.pixmap.fill_path(
                &path,
                &colour.paint(),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }

    /// A filled polygon (relative zones, once scaled to pixels).
    pub fn polygon(&mut self, points: &[(f32, f32)], fill: Colour, outline: Colour, width: f32) {
        if points.len() < 3 {
            return;
        }
        let mut pb = PathBuilder::new();
        pb.move_to(points[0].0, points[0].1);
        for p in &points[1..] {
            pb.line_to(p.0, p.1);
        }
        pb.close();
        if let Some(path) = pb.finish() {
            self.pixmap.fill_path(
                &path,
                &fill.paint(),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
        let mut closed = points.to_vec();
        closed.push(points[0]);
        self.polyline(&closed, outline, width, false);
    }

    /// An RGBA picture (straight alpha) stretched over `r` with bilinear filtering: a coarse
    /// grid becomes a smooth overlay.
    pub fn picture(&mut self, rgba: &[u8], size: (u32, u32), r: [f32; 4]) {
        let Some(mut small) = Pixmap::new(size.0.max(1), size.1.max(1)) else {
            return;
        };
        for (out, src) in small
            .data_mut()
            .chunks_exact_mut(4)
            .zip(rgba.chunks_exact(4))
        {
            let a = u16::from(src[3]);
            for c in 0..3 {
                out[c] = ((u16::from(src[c]) * a + 127) / 255) as u8;
            }
            out[3] = src[3];
        }
        let (sx, sy) = ((r[2] - r[0]) / size.0 as f32, (r[3] - r[1]) / size.1 as f32);
        let paint = PixmapPaint {
            quality: tiny_skia::FilterQuality::Bilinear,
            ..PixmapPaint::default()
        };
        self.pixmap.draw_pixmap(
            0,
            0,
            small.as_ref(),
            &paint,
            Transform::from_row(sx, 0.0, 0.0, sy, r[0], r[1]),
            None,
        );
    }

    /// The width and height of `text` at `size` px.
    pub fn measure(&self, text: &str, size: f32, typeface: Typeface) -> (f32, f32) {
        let font = self.font(typeface);
        let scaled = font.as_scaled(PxScale::from(size));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                width += scaled.kern(p, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        (width, scaled.ascent() - scaled.descent())
    }

    fn font(&self, typeface: Typeface) -> &FontRef<'static> {
        match typeface {
            Typeface::Mono => &self.mono,
            Typeface::Sans => &self.sans,
        }
    }

    /// `text` with its top-left corner at (x, y); returns its width. Glyphs are rasterised once
    /// per size and kept; the pen moves in whole pixels.
    pub fn text(
        &mut self,
        (x, y): (f32, f32),
        text: &str,
        size: f32,
        typeface: Typeface,
        colour: Colour,
    ) -> f32 {
        let font = self.font(typeface).clone();
        let scale = PxScale::from(size);
        let scaled = font.as_scaled(scale);
        let baseline = (y + scaled.ascent()).round() as i32;
        let (w, h) = (self.pixmap.width() as i32, self.pixmap.height() as i32);
        let [r, g, b, a] = colour.0;
        let size_key = (size * 4.0).round() as u32;
        let mut pen = x;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                pen += scaled.kern(p, id);
            }
            let origin = pen.round() as i32;
            pen += scaled.h_advance(id);
            previous = Some(id);
            let glyph = self
                .glyphs
                .entry((typeface, id.0, size_key))
                .or_insert_with(|| rasterise(&font, id, scale));
            let Some(glyph) = glyph else { continue };
            let pixels = self.pixmap.data_mut();
            for (row, line) in glyph.coverage.chunks_exact(glyph.width).enumerate() {
                let py = baseline + glyph.dy + row as i32;
                if py < 0 || py >= h {
                    continue;
                }
                for (col, &cov) in line.iter().enumerate() {
                    let px = origin + glyph.dx + col as i32;
                    if cov == 0 || px < 0 || px >= w {
                        continue;
                    }
                    // premultiplied "over"
                    let k = u32::from(cov) * u32::from(a) / 255;
                    let i = (py * w + px) as usize * 4;
                    let keep = 255 - k;
                    for (c, ink) in [r, g, b, 255].into_iter().enumerate() {
                        let under = u32::from(pixels[i + c]);
                        pixels[i + c] = ((u32::from(ink) * k + under * keep + 127) / 255) as u8;
                    }
                }
            }
        }
        pen - x
    }

    /// Text on a plate (rounded to the pixel) so it reads on any background; returns the plate.
    #[allow(clippy::too_many_arguments)]
    pub fn label(
        &mut self,
        (x, y): (f32, f32),
        text: &str,
        size: f32,
        typeface: Typeface,
        ink: Colour,
        plate: Colour,
    ) -> [f32; 4] {
        let (tw, th) = self.measure(text, size, typeface);
        let pad = (size * 0.25).max(1.0);
        let r = [x, y, x + tw + 2.0 * pad, y + th + pad];
        self.fill_rect(r, plate);
        self.text((x + pad, y + pad * 0.5), text, size, typeface, ink);
        r
    }
}

/// A glyph's coverage around its origin (the pen on the baseline).
fn rasterise(font: &FontRef<'static>, id: GlyphId, scale: PxScale) -> Option<Glyph> {
    let outline =
        font.outline_glyph(id.with_scale_and_position(scale, ab_glyph::point(0.0, 0.0)))?;
    let bounds = outline.px_bounds();
    let (width, height) = (bounds.width() as usize, bounds.height() as usize);
    if width == 0 || height == 0 {
        return None;
    }
    let mut coverage = vec![0u8; width * height];
    outline.draw(|x, y, c| {
        if let Some(v) = coverage.get_mut(y as usize * width + x as usize) {
            *v = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    });
    Some(Glyph {
        dx: bounds.min.x as i32,
        dy: bounds.min.y as i32,
        width,
        coverage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey() -> RgbImage {
        RgbImage::from_pixel(200, 100, image::Rgb([90, 90, 90]))
    }

    #[test]
    fn shapes_and_text_change_only_the_pixels_they_cover() {
        let mut image = grey();
        let mut canvas = Canvas::new(image.width(), image.height());
        canvas.line((10.0, 50.0), (90.0, 50.0), Colour::rgb(255, 0, 0), 3.0);
        let width = canvas.text(
            (110.0, 10.0),
            "Fall 12",
            20.0,
            Typeface::Mono,
            Colour::WHITE,
        );
        canvas.finish(&mut image);
        assert_eq!(image.get_pixel(50, 50).0, [255, 0, 0]);
        assert_eq!(image.get_pixel(50, 80).0, [90, 90, 90]);
        // the text left ink inside its box and nothing far below it
        let inked = (110..110 + width as u32)
            .flat_map(|x| (10..32).map(move |y| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0[0] > 200)
            .count();
        assert!(inked > 40, "{inked} white pixels");
        assert!(width > 50.0 && width < 100.0, "{width}");
        assert_eq!(image.get_pixel(150, 90).0, [90, 90, 90]);
    }

    #[test]
    fn edges_are_anti_aliased() {
        let mut image = grey();
        let mut canvas = Canvas::new(image.width(), image.height());
        canvas.line((10.0, 10.0), (190.0, 60.0), Colour::WHITE, 2.0);
        canvas.finish(&mut image);
        let between = image
            .pixels()
            .filter(|p| p.0[0] > 100 && p.0[0] < 240)
            .count();
        assert!(between > 50, "only {between} partly covered pixels");
    }

    #[test]
    fn a_translucent_fill_blends() {
        let mut image = grey();
        let mut canvas = Canvas::new(image.width(), image.height());
        canvas.fill_rect([0.0, 0.0, 50.0, 50.0], Colour::BLACK.alpha(0.5));
        canvas.finish(&mut image);
        let v = image.get_pixel(20, 20).0[0];
        assert!((40..=50).contains(&v), "{v}");
    }
}
