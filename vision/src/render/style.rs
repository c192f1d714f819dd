//! Styles: colours, line widths, fonts and which words appear. Sizes are for a 720-pixel-high
//! frame and scale with the frame, so a 360p and a 1080p render look alike.

use serde::{Deserialize, Serialize};

use super::canvas::{Colour, Typeface};
use crate::events::Service;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StyleName {
    /// Quiet: corner marks, thin lines, small id plates — for reviewers.
    #[default]
    Professional,
    /// Measured: skeleton by body side with keypoint confidence as opacity, full boxes with
    /// the detector's confidence, each service's score curve on the timeline.
    Scientific,
    /// For a room: thick lines, large type, a banner while an event is on.
    Presentation,
    /// Everything: each person's scores and the event rules' states.
    Debug,
}

impl StyleName {
    pub const ALL: [StyleName; 4] = [
        StyleName::Professional,
        StyleName::Scientific,
        StyleName::Presentation,
        StyleName::Debug,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StyleName::Professional => "professional",
            StyleName::Scientific => "scientific",
            StyleName::Presentation => "presentation",
            StyleName::Debug => "debug",
        }
    }
}

/// How a person's skeleton is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkeletonColour {
    /// The track's colour, so a person is one colour throughout.
    Track,
    /// Left side, right side and centre, as in pose-estimation papers.
    BodySide,
}

#[derive(Debug, Clone)]
pub struct Style {
    pub name: StyleName,
    /// Line width at 720 px.
    pub line: f32,
    /// Text size at 720 px.
    pub text: f32,
    pub typeface: Typeface,
    pub skeleton: SkeletonColour,
    /// Keypoint dots' radius at 720 px (0: none).
    pub joint: f32,
    /// Keypoint confidence sets the bone's opacity.
    pub confidence_alpha: bool,
    /// Boxes as corner marks rather than whole rectangles.
    pub corner_boxes: bool,
    /// The plate under text: black at this opacity.
    pub plate: f32,
    /// The person's label shows the detector's confidence.
    pub show_confidence: bool,
    /// The person's label shows their service scores; the panel the rules' states.
    pub show_scores: bool,
    /// The timeline draws each service's score curve.
    pub score_curves: bool,
    /// A banner naming the event while one is on.
    pub banner: bool,
    /// Timeline height at 720 px.
    pub timeline: f32,
    pub palette: &'static [[u8; 3]],
}

/// Distinct colours that read on video (Sasha Trubetskoy's list, the first ten).
pub(crate) const VIVID: [[u8; 3]; 10] = [
    [230, 25, 75],
    [60, 180, 75],
    [255, 225, 25],
    [0, 130, 200],
    [245, 130, 48],
    [145, 30, 180],
    [70, 240, 240],
    [240, 50, 230],
    [210, 245, 60],
    [250, 190, 212],
];

/// Softer colours for reviewers (Tableau 10).
const MUTED: [[u8; 3]; 10] = [
    [78, 121, 167],
    [242, 142, 43],
    [225, 87, 89],
    [118, 183, 178],
    [89, 161, 79],
    [237, 201, 72],
    [176, 122, 161],
    [255, 157, 167],
    [156, 117, 95],
    [186, 176, 172],
];

impl Style {
    pub fn named(name: StyleName) -> Self {
        let base = Style {
            name,
            line: 2.0,
            text: 15.0,
            typeface: Typeface::Mono,
            skeleton: SkeletonColour::Track,
            joint: 2.5,
            confidence_alpha: false,
            corner_boxes: true,
            plate: 0.55,
            show_confidence: false,
            show_scores: false,
            score_curves: false,
            banner: false,
            timeline: 34.0,
            palette: &MUTED,
        };
        match name {
            StyleName::Professional => base,
            StyleName::Scientific => Style {
                skeleton: SkeletonColour::BodySide,
                confidence_alpha: true,
                corner_boxes: false,
                line: 1.5,
                text: 13.0,
                joint: 3.0,
                show_confidence: true,
                score_curves: true,
                timeline: 48.0,
                plate: 0.7,
                ..base
            },
            StyleName::Presentation => Style {
                line: 4.5,
                text: 26.0,
                typeface: Typeface::Sans,
                joint: 4.5,
                corner_boxes: false,
                banner: true,
                timeline: 44.0,
                plate: 0.65,
                palette: &VIVID,
                ..base
            },
            StyleName::Debug => Style {
                line: 1.5,
                text: 12.0,
                corner_boxes: false,
                show_confidence: true,
                show_scores: true,
                score_curves: true,
                timeline: 56.0,
                plate: 0.75,
                palette: &VIVID,
                ..base
            },
        }
    }

    /// A stable colour per track id (grey for people no tracker followed).
    pub fn track_colour(&self, id: Option<u64>) -> Colour {
        match id {
            Some(i) => {
                let [r, g, b] = self.palette[(i as usize) % self.palette.len()];
                Colour::rgb(r, g, b)
            }
            None => Colour::rgb(170, 170, 170),
        }
    }

    pub fn service_colour(service: Service) -> Colour {
        match service {
            Service::Fall => Colour::rgb(235, 64, 52),
            Service::Fight => Colour::rgb(250, 160, 30),
        }
    }
}

/// COCO keypoints on the body's left (odd indices from 1) and right (even from 2); 0 is the nose.
pub fn side_colour(a: usize, b: usize) -> Colour {
    let side = |k: usize| {
        if k == 0 {
            0
        } else if k % 2 == 1 {
            1
        } else {
            2
        }
    };
    match (side(a), side(b)) {
        (1, 1) => Colour::rgb(66, 135, 245),
        (2, 2) => Colour::rgb(255, 140, 50),
        _ => Colour::rgb(90, 220, 120),
    }
}
