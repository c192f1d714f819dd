//! The visualize job's parameters for people (labels, help, units, ranges) and its presets; see
//! [`crate::params`].

use serde_json::json;

use crate::params::{Input, Param, Preset};

const LAYERS: [&str; 8] = [
    "anonymize",
    "heatmap",
    "trajectory",
    "bbox",
    "skeleton",
    "track_id",
    "statistics",
    "timeline",
];

pub fn parameters() -> Vec<Param> {
    vec![
        Param::new("source_job", "Results of job",
            "The annotate or analyze job whose tracks (and events and scores) are drawn; it must have run on this video.")
            .input(Input::Job),
        Param::new("mode", "Mode",
            "Which layers: full (people, paths, statistics, timeline), skeleton_only, minimal (boxes, ids, timeline), debug (every layer), raw (the video untouched, faces too).")
            .choice(&["full", "skeleton_only", "minimal", "debug", "raw"]),
        Param::new("style", "Style",
            "professional (quiet corner marks), scientific (body sides, confidences, score curves), presentation (large type, event banner), debug (scores and rule states).")
            .choice(&["professional", "scientific", "presentation", "debug"]),
        Param::new("masks_job", "Faces from anonymize job",
            "An anonymize job of this video whose mask log says which faces to blur; without one, faces are found while rendering (slower).")
            .input(Input::Job).advanced(),
        Param::new("layers_on", "Add layers", "Layers drawn besides the mode's.")
            .input(Input::Several { options: LAYERS.to_vec() }).advanced(),
        Param::new("layers_off", "Leave out layers", "The mode's layers not drawn (leaving out anonymize shows faces).")
            .input(Input::Several { options: LAYERS.to_vec() }).advanced(),
        Param::new("trajectory_secs", "Path length", "Seconds of path drawn behind each person.")
            .unit("s").number(0.0, 600.0, 0.5).advanced(),
        Param::new("from_secs", "From", "Render from this second of the video.").unit("s").number(0.0, 86_400.0, 0.1).advanced(),
        Param::new("to_secs", "To", "Render up to this second (0 = the end). A part of the video has no sound.")
            .unit("s").number(0.0, 86_400.0, 0.1).advanced(),
        Param::new("width", "Output width", "Pixels across (0 = the video's own); the height keeps the shape.")
            .unit("px").integer(0, 7680).advanced(),
        Param::new("min_keypoint_score", "Keypoint confidence", "Keypoints scored below this are not drawn.")
            .number(0.0, 1.0, 0.05).advanced(),
    ]
}

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            name: "review",
            label: "Review",
            help: "Everything a reviewer needs: people, paths, statistics and the event timeline, faces blurred.",
            params: json!({}),
        },
        Preset {
            name: "presentation",
            label: "Presentation",
            help: "Large type and a banner while an event is on, for showing on a screen.",
            params: json!({"style": "presentation"}),
        },
        Preset {
            name: "debug",
            label: "Debug",
            help: "Every layer with each person's scores and the rules' states: why an event fired.",
            params: json!({"mode": "debug", "style": "debug"}),
        },
    ]
}

#[cfg(test)]
mod tests {
    use crate::render::RenderConfig;

    #[test]
    fn the_table_describes_the_settings_and_presets_are_valid() {
        crate::params::checks::table_holds(
            &super::parameters(),
            &super::presets(),
            RenderConfig::problems,
            |_| {},
        );
    }
}
