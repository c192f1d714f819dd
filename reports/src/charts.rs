//! The report's charts, drawn with plotters on any backend (SVG for the page and the report,
//! PNG for slides): ROC and precision–recall curves, the confusion matrix at the threshold, the
//! score over time of each video with its labelled intervals shaded, and a per-video heatmap.

use plotters::coord::Shift;
use plotters::prelude::*;
use vision::evaluate::labels::GroundTruth;
use vision::evaluate::{Evaluation, VideoResult};
use vision::events::Service;

type Result<T, DB> =
    std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

pub const FONT: &str = "sans-serif";

/// Each service's colour.
pub fn colour(service: Service) -> RGBColor {
    match service {
        Service::Fall => RGBColor(214, 69, 65),
        Service::Fight => RGBColor(37, 99, 235),
    }
}

pub(crate) fn style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// ROC curves (clips solid, one-second windows dashed) with their areas in the legend.
pub fn roc<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, e: &Evaluation) -> Result<(), DB> {
    curves(
        root,
        e,
        "ROC",
        "false positive rate",
        "true positive rate",
        |level| level.curves.roc(),
        |level| level.curves.roc_auc.map(|a| format!("AUC {a:.2}")),
    )
}

/// Precision–recall curves with their average precision.
pub fn pr<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, e: &Evaluation) -> Result<(), DB> {
    curves(
        root,
        e,
        "Precision–recall",
        "recall",
        "precision",
        |level| level.curves.pr(),
        |level| level.curves.average_precision.map(|a| format!("AP {a:.2}")),
    )
}

fn curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    e: &Evaluation,
    title: &str,
    x: &str,
    y: &str,
    points: impl Fn(&vision::evaluate::Level) -> Vec<(f64, f64)>,
    area: impl Fn(&vision::evaluate::Level) -> Option<String>,
) -> Result<(), DB> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, style(20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..1f64, 0f64..1.02f64)?;
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .label_style(style(13))
        .axis_desc_style(style(14))
        .light_line_style(RGBColor(238, 240, 243))
        .draw()?;
    for s in &e.services {
        let c = colour(s.service);
        for (level, name, dashed) in [
            (&s.clips, "clips", false),
            (&s.windows, "1-s windows", true),
        ] {
            let pts = points(level);
            if pts.is_empty() {
                continue;
            }
            let label = format!(
                "{} {name}{}",
                s.service.as_str(),
                area(level).map(|a| format!(" ({a})")).unwrap_or_default()
            );
            let line_style = c.stroke_width(2);
            let series = if dashed {
                chart.draw_series(DashedLineSeries::new(pts, 6, 4, line_style))?
            } else {
                chart.draw_series(LineSeries::new(pts, line_style))?
            };
            series.label(label).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
            });
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(style(13))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    root.present()
}

/// The clip-level confusion matrix of each service at its threshold.
pub fn confusion<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    e: &Evaluation,
) -> Result<(), DB> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, e.services.len().max(1)));
    for (panel, s) in panels.iter().zip(&e.services) {
        let c = s.clips.at_threshold.confusion;
        let title = format!("{} clips at {:.2}", s.service.as_str(), s.threshold);
        let mut chart = ChartBuilder::on(panel)
            .caption(title, style(17))
            .margin(16)
            .x_label_area_size(30)
            .y_label_area_size(90)
            .build_cartesian_2d((0u32..1u32).into_segmented(), (0u32..1u32).into_segmented())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(0) => "predicted yes".into(),
                SegmentValue::CenterOf(1) => "predicted no".into(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(1) => "labelled yes".into(),
                SegmentValue::CenterOf(0) => "labelled no".into(),
                _ => String::new(),
            })
            .label_style(style(13))
            .draw()?;
        let max = [c.tp, c.fp, c.tn, c.fn_]
            .into_iter()
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let base = colour(s.service);
        // x 0 = predicted yes; y 1 = labelled yes
        for (x, y, n, name) in [
            (0, 1, c.tp, "TP"),
            (1, 1, c.fn_, "FN"),
            (0, 0, c.fp, "FP"),
            (1, 0, c.tn, "TN"),
        ] {
            let shade = 0.1 + 0.7 * n as f64 / max;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                base.mix(shade).filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{name} {n}"),
                (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                style(18).pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
    }
    root.present()
}

/// One row per video (at most `max_rows`): each service's score over time, its threshold, and
/// the labelled intervals shaded.
pub fn scores<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    e: &Evaluation,
    results: &[(usize, &VideoResult)],
    truth: &GroundTruth,
) -> Result<(), DB> {
    root.fill(&WHITE)?;
    let rows = root.split_evenly((results.len().max(1), 1));
    for (area, (index, r)) in rows.iter().zip(results) {
        let end = r.duration_secs.max(0.1);
        let mut chart = ChartBuilder::on(area)
            .margin(4)
            .x_label_area_size(18)
            .y_label_area_size(150)
            .build_cartesian_2d(0f64..end, 0f64..1f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .y_labels(0)
            .x_labels(6)
            .label_style(style(11))
            .draw()?;
        area.draw(&Text::new(r.name.clone(), (6, 8), style(13)))?;
        for s in &e.services {
            let c = colour(s.service);
            for span in truth.get(&(*index, s.service)).into_iter().flatten() {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(span.start, 0.0), (span.end.min(end), 1.0)],
                    c.mix(0.15).filled(),
                )))?;
            }
            for (service, span) in &r.events {
                if *service == s.service {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(span.start, 0.93), (span.end.min(end), 1.0)],
                        c.filled(),
                    )))?;
                }
            }
            let line: Vec<(f64, f64)> = r
                .scores
                .iter()
                .filter(|p| p.service == s.service)
                .map(|p| (p.time, p.score as f64))
                .collect();
            chart.draw_series(LineSeries::new(line, c.stroke_width(1)))?;
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, s.threshold), (end, s.threshold)],
                3,
                3,
                c.mix(0.6).stroke_width(1),
            ))?;
        }
    }
    root.present()
}

/// Videos × measures, coloured from bad (red) to good (green): per service, whether the clip
/// was right, the share of labelled events found, and false alarms (none = good); grey where a
/// measure does not apply (nothing labelled to find).
pub fn heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    e: &Evaluation,
    videos: &[String],
) -> Result<(), DB> {
    root.fill(&WHITE)?;
    let columns: Vec<(Service, &str)> = e
        .services
        .iter()
        .flat_map(|s| {
            [
                (s.service, "clip right"),
                (s.service, "found"),
                (s.service, "no false alarm"),
            ]
        })
        .collect();
    let rows = videos.len().max(1) as u32;
    let mut chart = ChartBuilder::on(root)
        .caption("Per video", style(18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(170)
        .build_cartesian_2d(
            (0u32..(columns.len().max(1) as u32 - 1)).into_segmented(),
            // one row still needs a range of two values: a segmented 0..0 draws nothing
            (0u32..(rows - 1).max(1)).into_segmented(),
        )?;
    let heads: Vec<String> = columns
        .iter()
        .map(|(s, m)| format!("{} {m}", s.as_str()))
        .collect();
    // the first video at the top
    let name_at = |y: u32| {
        (rows - 1)
            .checked_sub(y)
            .and_then(|i| videos.get(i as usize))
            .cloned()
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(columns.len() * 2)
        .y_labels(rows as usize * 2)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(x) => heads.get(*x as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(y) => name_at(*y),
            _ => String::new(),
        })
        .label_style(style(11))
        .draw()?;
    for y in 0..rows {
        let name = name_at(y);
        for (x, (service, measure)) in columns.iter().enumerate() {
            let Some(v) = e
                .per_video
                .iter()
                .find(|r| r.video == name && r.service == *service)
            else {
                continue;
            };
            let good = match *measure {
                "clip right" => Some(if v.clip_correct { 1.0 } else { 0.0 }),
                "found" => (v.labelled > 0).then(|| v.matched as f64 / v.labelled as f64),
                _ => Some(if v.false_alarms == 0 { 1.0 } else { 0.0 }),
            };
            let fill = match good {
                Some(g) => RGBColor((220.0 - 170.0 * g) as u8, (80.0 + 120.0 * g) as u8, 90),
                None => RGBColor(230, 232, 236),
            };
            let x = x as u32;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                fill.filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                WHITE.stroke_width(1),
            )))?;
        }
    }
    root.present()
}
