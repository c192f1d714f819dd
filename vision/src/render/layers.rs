//! The layers, each a small function drawing one kind of thing from the stored results (the
//! supervision way: composable annotators). The renderer calls them in `Layer::ALL`'s order.

use super::canvas::{Canvas, Colour};
use super::results::Results;
use super::style::{SkeletonColour, Style, side_colour};
use crate::annotate::stages::TrackedPerson;
use crate::events::Service;
use crate::footfall::ground_point;
use crate::pose::SKELETON;

/// What one frame's layers draw from.
pub struct Scene<'a> {
    pub number: u64,
    /// Seconds from the video's start.
    pub time: f64,
    /// The whole video's length, for the timeline.
    pub duration: f64,
    pub people: &'a [TrackedPerson],
    pub results: &'a Results,
    /// From the results' pixels (the source video's) to the canvas'.
    pub scale: f32,
    /// Canvas height / 720: sizes in a style are for 720 p.
    pub unit: f32,
    pub min_keypoint_score: f32,
}

impl Scene<'_> {
    fn at(&self, x: f32, y: f32) -> (f32, f32) {
        (x * self.scale, y * self.scale)
    }

    fn bbox(&self, b: &[f32; 4]) -> [f32; 4] {
        b.map(|v| v * self.scale)
    }
}

pub fn skeleton(canvas: &mut Canvas, scene: &Scene, style: &Style) {
    let width = (style.line * scene.unit).max(1.0);
    for p in scene.people {
        let person = &p.person;
        let own = style.track_colour(person.track_id);
        for &(a, b) in &SKELETON {
            let (ka, kb) = (person.keypoints[a], person.keypoints[b]);
            if ka[2] < scene.min_keypoint_score || kb[2] < scene.min_keypoint_score {
                continue;
            }
            let mut colour = match style.skeleton {
                SkeletonColour::Track => own,
                SkeletonColour::BodySide => side_colour(a, b),
            };
            if style.confidence_alpha {
                colour = colour.alpha(0.35 + 0.65 * ka[2].min(kb[2]));
            }
            canvas.line(
                scene.at(ka[0], ka[1]),
                scene.at(kb[0], kb[1]),
                colour,
                width,
            );
        }
        if style.joint > 0.0 {
            for k in &person.keypoints {
                if k[2] >= scene.min_keypoint_score {
                    let c = if style.confidence_alpha {
                        Colour::WHITE.alpha(0.35 + 0.65 * k[2])
                    } else {
                        Colour::WHITE
                    };
                    canvas.circle(
                        scene.at(k[0], k[1]),
                        style.joint * scene.unit * 0.5 + 0.5,
                        c,
                    );
                }
            }
        }
    }
}

pub fn boxes(canvas: &mut Canvas, scene: &Scene, style: &Style) {
    let width = (style.line * scene.unit).max(1.0);
    for p in scene.people {
        let b = scene.bbox(&p.person.bbox);
        let colour = style.track_colour(p.person.track_id);
        if style.corner_boxes {
            let arm = ((b[2] - b[0]).min(b[3] - b[1]) * 0.2).max(4.0 * scene.unit);
            canvas.corners(b, arm, colour, width * 1.5);
        } else {
            canvas.rect(b, colour, width);
        }
    }
}

/// The words of a person's label: id, then what the style asks for.
pub fn person_label(scene: &Scene, style: &Style, p: &TrackedPerson) -> String {
    let mut text = match p.person.track_id {
        Some(id) => format!("#{id}"),
        None => "?".into(),
    };
    if style.show_confidence {
        text.push_str(&format!(" {:.2}", p.person.confidence));
    }
    if style.show_scores
        && let Some(id) = p.person.track_id
    {
        for s in scene.results.scores_at(scene.time) {
            if s.tracks.contains(&id) {
                text.push_str(&format!(" {} {:.2}", s.service.as_str(), s.score));
            }
        }
    }
    text
}

pub fn track_ids(canvas: &mut Canvas, scene: &Scene, style: &Style) {
    let size = (style.text * scene.unit).max(9.0);
    for p in scene.people {
        let b = scene.bbox(&p.person.bbox);
        let colour = style.track_colour(p.person.track_id);
        let text = person_label(scene, style, p);
        let (_, h) = canvas.measure(&text, size, style.typeface);
        let y = if b[1] - h - size * 0.3 >= 0.0 {
            b[1] - h - size * 0.3
        } else {
            b[1]
        };
        canvas.label(
            (b[0], y),
            &text,
            size,
            style.typeface,
            colour.ink(),
            colour.alpha(0.85),
        );
    }
}

/// Each person's path on the floor over the last `secs` seconds, fading with age.
pub fn trajectory(canvas: &mut Canvas, scene: &Scene, style: &Style, secs: f64) {
    let width = (style.line * scene.unit * 1.2).max(1.0);
    let past = scene.results.frames_between(scene.time - secs, scene.time);
    for p in scene.people {
        let Some(id) = p.person.track_id else {
            continue;
        };
        let colour = style.track_colour(Some(id));
        let points: Vec<(f64, (f32, f32))> = past
            .iter()
            .filter_map(|f| {
                let person = Results::person_of(f, id)?;
                let (h, w, _) = f.frame_shape;
                let g = ground_point(person, w, h, scene.min_keypoint_score);
                Some((f.timestamp, scene.at(g[0] * w as f32, g[1] * h as f32)))
            })
            .collect();
        for pair in points.windows(2) {
            let age = (scene.time - pair[1].0) / secs.max(1e-6);
            let alpha = (1.0 - age as f32).clamp(0.1, 1.0);
            canvas.line(pair[0].1, pair[1].1, colour.alpha(alpha), width);
        }
        if let Some((_, last)) = points.last() {
            canvas.circle(*last, width * 1.2, colour);
        }
    }
}

/// Where people have stood so far: person-seconds per cell of a grid over the floor, growing
/// frame by frame.
pub struct Heat {
    cols: usize,
    rows: usize,
    cells: Vec<f32>,
    /// Index into the results' frames already added.
    next: usize,
}

impl Heat {
    pub fn new(cols: usize, rows: usize) -> Self {
        Self {
            cols,
            rows,
            cells: vec![0.0; cols * rows],
            next: 0,
        }
    }

    /// Adds the frames up to `time` (starting again when the time went back: a preview).
    fn advance(&mut self, results: &Results, time: f64, min_score: f32) {
        if self
            .next
            .checked_sub(1)
            .and_then(|i| results.frames.get(i))
            .is_some_and(|f| f.timestamp > time)
        {
            self.cells.iter_mut().for_each(|c| *c = 0.0);
            self.next = 0;
        }
        while let Some(f) = results.frames.get(self.next) {
            if f.timestamp > time {
                break;
            }
            let dt = results
                .frames
                .get(self.next + 1)
                .map(|n| (n.timestamp - f.timestamp).clamp(0.0, 1.0))
                .unwrap_or(0.0) as f32;
            let (h, w, _) = f.frame_shape;
            for p in &f.persons {
                let g = ground_point(&p.person, w, h, min_score);
                let c = ((g[0] * self.cols as f32) as usize).min(self.cols - 1);
                let r = ((g[1] * self.rows as f32) as usize).min(self.rows - 1);
                self.cells[r * self.cols + c] += dt;
            }
            self.next += 1;
        }
    }

    pub fn total(&self) -> f32 {
        self.cells.iter().sum()
    }
}

pub fn heatmap(canvas: &mut Canvas, scene: &Scene, heat: &mut Heat) {
    heat.advance(scene.results, scene.time, scene.min_keypoint_score);
    let max = heat.cells.iter().cloned().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return;
    }
    // log scale: a few crowded cells do not wash out the rest
    let mut rgba = Vec::with_capacity(heat.cells.len() * 4);
    for &v in &heat.cells {
        let level = (1.0 + v).ln() / (1.0 + max).ln();
        let c = colorous::INFERNO.eval_continuous(f64::from(0.25 + 0.75 * level));
        let a = if v > 0.0 {
            (60.0 + 130.0 * level) as u8
        } else {
            0
        };
        rgba.extend_from_slice(&[c.r, c.g, c.b, a]);
    }
    let (w, h) = (canvas.width(), canvas.height());
    canvas.picture(
        &rgba,
        (heat.cols as u32, heat.rows as u32),
        [0.0, 0.0, w, h],
    );
}

/// Seconds into a video as mm:ss.s; a live stream's Unix seconds as the UTC time of day.
pub(crate) fn clock(t: f64) -> String {
    let t = t.max(0.0);
    if t >= 1e9 {
        let day = t % 86_400.0;
        return format!(
            "{:02}:{:02}:{:04.1} UTC",
            (day / 3600.0).floor() as u64,
            (day % 3600.0 / 60.0).floor() as u64,
            day % 60.0
        );
    }
    format!("{:02}:{:04.1}", (t / 60.0).floor() as u64, t % 60.0)
}

/// A strip at the bottom: a lane per service with its events as spans (and, per style, its
/// score curve), the playhead, and the time.
pub fn timeline(canvas: &mut Canvas, scene: &Scene, style: &Style) {
    let (w, h) = (canvas.width(), canvas.height());
    let height = (style.timeline * scene.unit).max(24.0).min(h / 3.0);
    let top = h - height;
    let size = (style.text * scene.unit * 0.8).max(8.0);
    canvas.fill_rect([0.0, top, w, h], Colour::BLACK.alpha(style.plate));
    let gutter = canvas.measure("fight", size, style.typeface).0 + size;
    let (x0, x1) = (gutter, w - size * 0.5);
    let duration = scene.duration.max(1e-6);
    let x_of = |t: f64| x0 + (x1 - x0) * (t / duration).clamp(0.0, 1.0) as f32;
    let lane_h = (height - size * 0.6) / 2.0;
    for (lane, service) in Service::ALL.into_iter().enumerate() {
        let y = top + size * 0.3 + lane as f32 * lane_h;
        let colour = Style::service_colour(service);
        canvas.text(
            (size * 0.4, y + (lane_h - size) / 2.0),
            service.as_str(),
            size,
            style.typeface,
            Colour::WHITE.alpha(0.85),
        );
        canvas.fill_rect(
            [x0, y + lane_h * 0.2, x1, y + lane_h * 0.8],
            Colour::WHITE.alpha(0.08),
        );
        for (s, e) in &scene.results.events {
            if *s != service {
                continue;
            }
            let (a, b) = (x_of(e.start_time), x_of(e.end_time.max(e.start_time)));
            let on = e.start_time <= scene.time && scene.time <= e.end_time;
            let r = [a, y + lane_h * 0.15, b.max(a + 2.0), y + lane_h * 0.85];
            canvas.fill_rect(r, colour.alpha(if on { 1.0 } else { 0.7 }));
        }
        if style.score_curves {
            let points: Vec<(f32, f32)> = scene
                .results
                .scores
                .iter()
                .filter(|s| s.service == service)
                .map(|s| {
                    (
                        x_of(s.time),
                        y + lane_h * (0.9 - 0.8 * s.score.clamp(0.0, 1.0)),
                    )
                })
                .collect();
            canvas.polyline(
                &points,
                Colour::WHITE.alpha(0.8),
                scene.unit.max(1.0),
                false,
            );
        }
    }
    let x = x_of(scene.time);
    let line = (2.0 * scene.unit).max(1.5);
    canvas.line((x, top + 1.0), (x, h - 1.0), Colour::WHITE, line);
    let now = clock(scene.time);
    let (tw, _) = canvas.measure(&now, size, style.typeface);
    let tx = (x - tw / 2.0).clamp(0.0, w - tw - 2.0);
    canvas.label(
        (tx, (top - size * 1.5).max(0.0)),
        &now,
        size,
        style.typeface,
        Colour::WHITE,
        Colour::BLACK.alpha(style.plate),
    );
}

/// The panel in the top-left corner: people in frame, events going on, the time (and, in the
/// debug style, each service's score and its rule state); with the banner, the event's name.
pub fn statistics(canvas: &mut Canvas, scene: &Scene, style: &Style) {
    let size = (style.text * scene.unit * 0.9).max(9.0);
    let active: Vec<_> = scene.results.events_at(scene.time).collect();
    let mut lines = vec![
        format!("people {}", scene.people.len()),
        format!("t {}  frame {}", clock(scene.time), scene.number),
    ];
    if active.is_empty() {
        lines.push("no event".into());
    } else {
        for (s, e) in &active {
            lines.push(format!(
                "{} since {}  peak {:.2}",
                s.as_str().to_uppercase(),
                clock(e.start_time),
                e.peak_score
            ));
        }
    }
    if style.show_scores {
        for s in scene.results.scores_at(scene.time) {
            let state = match active.iter().find(|(service, _)| *service == s.service) {
                Some((_, e)) => format!("open ({})", e.opened_by),
                None => "quiet".into(),
            };
            lines.push(format!("{} {:.2} {state}", s.service.as_str(), s.score));
        }
        for (s, e) in &active {
            let parts: Vec<String> = e
                .components_at_peak
                .iter()
                .map(|(k, v)| format!("{k} {v:.2}"))
                .collect();
            lines.push(format!("{} why: {}", s.as_str(), parts.join(", ")));
        }
    }
    let line_h = canvas.measure("Ag", size, style.typeface).1 + size * 0.2;
    let width = lines
        .iter()
        .map(|l| canvas.measure(l, size, style.typeface).0)
        .fold(0.0, f32::max)
        .min(canvas.width() - size);
    let pad = size * 0.5;
    let (pw, ph) = (pad * 2.0 + width, pad * 2.0 + line_h * lines.len() as f32);
    // the top corner that hides fewer people
    let covered = |x0: f32| -> f32 {
        scene
            .people
            .iter()
            .map(|p| {
                let b = scene.bbox(&p.person.bbox);
                let w = (b[2].min(x0 + pw) - b[0].max(x0)).max(0.0);
                let h = (b[3].min(pad + ph) - b[1].max(pad)).max(0.0);
                w * h
            })
            .sum()
    };
    let right = canvas.width() - pad - pw;
    let x0 = if right > pad && covered(right) < covered(pad) {
        right
    } else {
        pad
    };
    canvas.fill_rect(
        [x0, pad, x0 + pw, pad + ph],
        Colour::BLACK.alpha(style.plate),
    );
    for (i, l) in lines.iter().enumerate() {
        canvas.text(
            (x0 + pad, pad * 2.0 + i as f32 * line_h),
            l,
            size,
            style.typeface,
            Colour::WHITE,
        );
    }
    if style.banner
        && let Some((s, _)) = active.first()
    {
        let big = size * 1.6;
        let text = match s {
            Service::Fall => "FALL",
            Service::Fight => "FIGHT",
        };
        let (tw, _) = canvas.measure(text, big, style.typeface);
        let colour = Style::service_colour(*s);
        canvas.label(
            ((canvas.width() - tw) / 2.0, pad),
            text,
            big,
            style.typeface,
            colour.ink(),
            colour.alpha(0.9),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn video_times_and_live_times_read_as_clocks() {
        assert_eq!(super::clock(75.25), "01:15.2");
        // 2026-11-30 22:47:26.9 UTC
        assert_eq!(super::clock(1_796_078_846.9), "22:47:26.9 UTC");
    }
}
