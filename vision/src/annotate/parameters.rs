//! The annotate job's parameters for people (labels, help, units, ranges) and its presets; see
//! [`crate::params`].

use serde_json::json;

use crate::params::{Input, Param, Preset};

pub fn parameters() -> Vec<Param> {
    vec![
        Param::new("label", "Label", "One class for every video without a rule below (e.g. fall, walk).").input(Input::Text),
        Param::new("labels", "Labels per video",
            "A class for a video, or for part of it (seconds); these win over the label above.")
            .input(Input::Labels),
        Param::new("to_stage", "Run up to", "1 poses, 2 tracks (people followed through time), 3 a training set of windows.")
            .integer(1, 3),
        Param::new("val_fraction", "Validation share", "Share of the videos kept for validation (split by video, never by window).")
            .number(0.0, 1.0, 0.05),
        Param::new("from_stage", "Start at stage", "Above 1, the previous stage's results are read from the source job instead of computed again.")
            .integer(1, 3).advanced(),
        Param::new("source_job", "Source job", "The annotate job whose results the first stage reads (when starting above stage 1).")
            .input(Input::Job).advanced(),
        Param::new("pose_input_size", "Pose model input size",
            "Longer side of the picture the pose model sees; 0 = the video's own size (finds far people, slowest).")
            .unit("px").integer(0, 4096).advanced(),
        Param::new("track_score", "Track people scored from",
            "The person score a detection needs to start a track; people scored lower only continue one. Lower follows faint, small or lying people, at the risk of tracks on things that are not people.")
            .number(0.15, 1.0, 0.05).advanced(),
        Param::new("window", "Window length", "Frames per training window (T).").unit("frames").integer(8, 10_000).advanced(),
        Param::new("stride", "Window stride", "Frames between the starts of consecutive windows.").unit("frames").integer(1, 100_000).advanced(),
        Param::new("max_persons", "People per window", "At most this many people per window (M), ranked by presence and motion.")
            .integer(1, 16).advanced(),
        Param::new("normalize", "Coordinates", "Keypoints relative to the frame, or to the person's box over the window.")
            .choice(&["frame", "bbox"]).advanced(),
        Param::new("min_keypoint_score", "Keypoint confidence", "Keypoints scored below this count as missing.")
            .number(0.0, 0.99, 0.01).advanced(),
        Param::new("max_gap", "Fill gaps up to", "Missing stretches up to this long are interpolated; longer ones stay zero.")
            .unit("frames").integer(0, 1000).advanced(),
        Param::new("labels_csv", "Labels as CSV", "The same rules as CSV lines: video,label[,start,end] (seconds).")
            .input(Input::LongText).advanced(),
        Param::new("test_fraction", "Test share", "Share of the videos kept for testing.").number(0.0, 1.0, 0.05).advanced(),
        Param::new("seed", "Split seed", "The same seed splits the same videos the same way.").integer(0, u32::MAX as i64).advanced(),
    ]
}

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            name: "training_set",
            label: "Training set",
            help: "Poses, tracks and an ST-GCN training set (MMAction2 / PYSKL pickle) of 100-frame windows every 50 frames, poses at full resolution.",
            params: json!({}),
        },
        Preset {
            name: "tracks_only",
            label: "Poses and tracks",
            help: "Stops after tracking: poses (COCO JSON), tracks (JSON lines, MOT text) to look at or to label later; no labels needed.",
            params: json!({"to_stage": 2}),
        },
        Preset {
            name: "quick",
            label: "Quick look",
            help: "Poses and tracks with the pose model at 256 px: several times faster, misses people far from the camera.",
            params: json!({"to_stage": 2, "pose_input_size": 256}),
        },
    ]
}

#[cfg(test)]
mod tests {
    use crate::annotate::AnnotateConfig;

    #[test]
    fn the_table_describes_the_settings_and_presets_are_valid() {
        crate::params::checks::table_holds(
            &super::parameters(),
            &super::presets(),
            AnnotateConfig::problems,
            // a training set needs the user's label
            |c: &mut AnnotateConfig| c.label = Some("walk".into()),
        );
    }
}
