//! Footfall charts: people inside each zone over time, and how long visits lasted.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use crate::charts::style;

type Result<T, DB> =
    std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The zones' legend, top right (it covered the data in the middle).
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), DB> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(style(12))
        .draw()
}

/// A zone's colour in the charts (and the page's tables).
pub fn zone_colour(i: usize) -> RGBColor {
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// Occupancy of each zone over time, as steps.
pub fn occupancy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    zones: &[(&str, &[(f64, u32)])],
) -> Result<(), DB> {
    root.fill(&WHITE)?;
    let end = zones
        .iter()
        .filter_map(|(_, s)| s.last().map(|(t, _)| *t))
        .fold(1.0, f64::max);
    let top = zones
        .iter()
        .flat_map(|(_, s)| s.iter().map(|(_, n)| *n))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut chart = ChartBuilder::on(root)
        .caption("People inside each zone", style(18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(46)
        .build_cartesian_2d(0.0..end, 0u32..top + 1)?;
    chart
        .configure_mesh()
        .x_desc("seconds into the video")
        .y_desc("people")
        .label_style(style(12))
        .draw()?;
    for (i, (name, series)) in zones.iter().enumerate() {
        let colour = zone_colour(i);
        // each frame's count, held until the next frame
        let steps = series
            .windows(2)
            .flat_map(|w| [(w[0].0, w[0].1), (w[1].0, w[0].1)]);
        chart
            .draw_series(LineSeries::new(steps, colour.stroke_width(2)))?
            .label(name.to_string())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
    }
    legend(&mut chart)?;
    root.present()
}

/// Visit-length bins, in seconds (the last is open-ended).
pub const DWELL_BINS: [f64; 9] = [0.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];

fn bin_label(i: usize) -> String {
    let value = |v: f64| {
        if v >= 60.0 {
            (v / 60.0, "min")
        } else {
            (v, "s")
        }
    };
    let from = value(DWELL_BINS[i]);
    match DWELL_BINS.get(i + 1).map(|v| value(*v)) {
        Some(to) if to.1 == from.1 => format!("{}–{} {}", from.0, to.0, to.1),
        Some(to) => format!("{} {}–{} {}", from.0, from.1, to.0, to.1),
        None => format!("≥ {} {}", from.0, from.1),
    }
}

/// How many visits of each zone fall in each bin.
pub fn dwell_counts(dwell: &[f64]) -> Vec<u32> {
    let mut counts = vec![0; DWELL_BINS.len()];
    for d in dwell {
        let bin = DWELL_BINS.iter().rposition(|edge| d >= edge).unwrap_or(0);
        counts[bin] += 1;
    }
    counts
}

/// A histogram of visit lengths, the zones' bars side by side in each bin.
pub fn dwell<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    zones: &[(&str, &[f64])],
) -> Result<(), DB> {
    root.fill(&WHITE)?;
    let counts: Vec<Vec<u32>> = zones.iter().map(|(_, d)| dwell_counts(d)).collect();
    let top = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let bins = DWELL_BINS.len() as u32;
    let mut chart = ChartBuilder::on(root)
        .caption("How long visits lasted", style(18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(46)
        .build_cartesian_2d((0u32..bins - 1).into_segmented(), 0u32..top + 1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bins as usize * 2)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => bin_label(*i as usize),
            _ => String::new(),
        })
        .x_desc("visit length")
        .y_desc("visits")
        .label_style(style(12))
        .draw()?;
    let n = zones.len().max(1) as f64;
    for (z, ((name, _), counts)) in zones.iter().zip(&counts).enumerate() {
        let colour = zone_colour(z);
        // each zone's bar takes its share of the bin's middle 80 %
        let plot = chart.plotting_area();
        let map = |bin: u32, share: f64, v: u32| {
            let (x0, y0) = plot.map_coordinate(&(SegmentValue::Exact(bin), v));
            let (x1, _) = plot.map_coordinate(&(SegmentValue::Exact(bin + 1), v));
            let w = (x1 - x0) as f64;
            ((x0 as f64 + w * (0.1 + 0.8 * share)) as i32, y0)
        };
        for (bin, count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            let bin = bin as u32;
            let (left, top) = map(bin, z as f64 / n, *count);
            let (right, bottom) = map(bin, (z + 1) as f64 / n, 0);
            root.draw(&Rectangle::new(
                [(left, top), (right - 1, bottom)],
                colour.filled(),
            ))?;
        }
        chart
            .draw_series(std::iter::empty::<Rectangle<(SegmentValue<u32>, u32)>>())?
            .label(name.to_string())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    legend(&mut chart)?;
    root.present()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_fall_in_their_bins() {
        let c = dwell_counts(&[0.5, 1.9, 2.0, 45.0, 3600.0]);
        assert_eq!(c, vec![2, 1, 0, 0, 1, 0, 0, 0, 1]);
        assert_eq!(bin_label(0), "0–2 s");
        assert_eq!(bin_label(4), "30 s–1 min");
        assert_eq!(bin_label(5), "1–2 min");
        assert_eq!(bin_label(8), "≥ 10 min");
    }
}
