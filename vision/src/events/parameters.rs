//! The analyze job's parameters for people (labels, help, units, ranges) and its presets; see
//! [`crate::params`].

use serde_json::json;

use crate::params::{Input, Param, Preset};

const FALL_PARTS: [&str; 3] = ["height ratio", "torso orientation", "downward velocity"];
const FIGHT_PARTS: [&str; 3] = ["limb motion", "interaction", "approach"];

pub fn parameters() -> Vec<Param> {
    let mut all = vec![
        Param::new("events.services", "Look for", "The events to raise.")
            .input(Input::Several { options: vec!["fall", "fight"] }),
        Param::new("events.exclusion_zones", "Zones without falls",
            "Areas where lying down is expected (a bed, a sofa): no fall is raised inside them. Zones saved on a video apply too.")
            .input(Input::Zones),
        Param::new("footfall.enabled", "Count footfall",
            "A heatmap of where people walk and linger on a picture of the place without them, visits and dwell in zones, crossings of lines; the zones and lines saved on each video's page count too.")
            .toggle(),
        Param::new("footfall.zones", "Footfall zones", "Areas to count visits, occupancy and dwell in, on every video of the job (besides those saved on each video).")
            .input(Input::Zones),
        Param::new("footfall.lines", "Counting lines",
            "Lines to count crossings of, by direction: from its left to its right (seen from its start) is in; every video of the job (besides those saved on each video).")
            .input(Input::Lines),
        Param::new("fall_model", "Fall classifier", "A registered skeleton classifier fused with the fall scorer; none = the scorer alone.")
            .input(Input::Model { service: "fall" }),
        Param::new("fight_model", "Fight classifier", "A registered skeleton classifier fused with the fight scorer; none = the scorer alone.")
            .input(Input::Model { service: "fight" }),
        Param::new("labels", "Labels to score against",
            "Labelled intervals (video, fall or fight, from, to): the job then writes an evaluation report — precision, recall, latency, false alarms per hour.")
            .input(Input::Labels).advanced(),
        Param::new("labels_csv", "Labels as CSV", "The same as CSV lines video,label[,start,end] (seconds), or a GMDCSA24 label file.")
            .input(Input::LongText).advanced(),
        Param::new("pose_input_size", "Pose model input size",
            "Longer side of the picture the pose model sees; 0 = the video's own size. 512 found the most falls per second of CPU on GMDCSA24.")
            .unit("px").integer(0, 4096).advanced(),
        Param::new("track_score", "Track people scored from",
            "The person score a detection needs to start a track; people scored lower only continue one. Lower than annotate's default: fighters tangled together, people lying and far figures score low.")
            .number(0.15, 1.0, 0.05).advanced(),
        Param::new("source_job", "Tracks from job", "An annotate job of this project whose stored tracks to analyze instead of estimating poses again.")
            .input(Input::Job).advanced(),
        Param::new("footfall.heatmap.cols", "Heatmap columns", "Cells across the frame.").integer(1, 256).advanced(),
        Param::new("footfall.heatmap.rows", "Heatmap rows", "Cells down the frame.").integer(1, 256).advanced(),
        Param::new("footfall.heatmap.window_secs", "Heatmap window", "One heatmap per this much time; 0 = one for the whole video.")
            .unit("s").number(0.0, 604_800.0, 60.0).advanced(),
        Param::new("footfall.heatmap.half_life_secs", "Heatmap half-life", "Presence fades by half over this long in the decayed heatmap; 0 = no fading.")
            .unit("s").number(0.0, 86_400.0, 1.0).advanced(),
        Param::new("footfall.heatmap.normalize", "Heatmap scale",
            "How colour follows time spent: log (a few crowded spots do not wash out the rest), global (linear, windows compare) or per_window (each window to its own busiest spot).")
            .choice(&["log", "global", "per_window"]).advanced(),
        Param::new("footfall.heatmap.gap_secs", "Visit gap", "A person missing longer than this starts a new visit to a cell.")
            .unit("s").number(0.0, 60.0, 0.1).advanced(),
        Param::new("footfall.inertia_frames", "Count after", "Frames in a row a person must be inside (or across) before it counts: a tracker's flicker does not.")
            .unit("frames").integer(1, 100).advanced(),
        Param::new("footfall.min_keypoint_score", "Ankle confidence", "Ankles scored below this are not used for where a person stands (the box's bottom is).")
            .number(0.0, 0.99, 0.01).advanced(),
        Param::new("events.smooth_secs", "Smoothing", "Event rules see each person's mean score over this trailing span: one noisy frame neither opens nor breaks an event.")
            .unit("s").number(0.0, 5.0, 0.1).advanced(),
        Param::new("events.classifier_weight", "Classifier share", "With a classifier: its share of the score (scorer × (1 − w) + classifier × w).")
            .number(0.0, 1.0, 0.05).advanced(),
        Param::new("events.classifier_every_secs", "Classify every", "With a classifier: how often each person's window is classified.")
            .unit("s").number(0.0, 10.0, 0.1).advanced(),
        Param::new("events.fall.weights", "Fall score weights", "How much each part counts in the fall score (0–1 each).")
            .input(Input::Weights { parts: FALL_PARTS }).advanced(),
        Param::new("events.fall.window_secs", "Upright height looked back", "How far back the person's upright height is looked for.")
            .unit("s").number(0.5, 60.0, 0.1).advanced(),
        Param::new("events.fall.velocity_secs", "Fall speed measured over", "Over how long the downward speed is measured.")
            .unit("s").number(0.1, 5.0, 0.1).advanced(),
        Param::new("events.fall.full_drop", "Full drop", "A person this much shorter than upright counts fully (0.5 = half their height).")
            .number(0.05, 1.0, 0.05).advanced(),
        Param::new("events.fall.full_speed", "Full fall speed", "Downward speed that counts fully.")
            .unit("heights/s").number(0.1, 10.0, 0.1).advanced(),
        Param::new("events.fall.min_keypoint_score", "Fall keypoint confidence", "Keypoints scored below this are not used by the fall scorer.")
            .number(0.0, 0.99, 0.01).advanced(),
        Param::new("events.fall.handover_secs", "Follow a lost person", "Someone found lying where the tracker lost a person this recently is taken for that person (trackers often lose people as they fall); 0 = off.")
            .unit("s").number(0.0, 60.0, 0.1).advanced(),
    ];
    all.extend(rules("fall", FALL_RULES));
    all.extend(vec![
        Param::new(
            "events.fight.weights",
            "Fight score weights",
            "How much each part counts in the fight score (0–1 each).",
        )
        .input(Input::Weights { parts: FIGHT_PARTS })
        .advanced(),
        Param::new(
            "events.fight.reach",
            "Reach",
            "Two people closer than this can reach each other.",
        )
        .unit("body heights")
        .number(0.1, 5.0, 0.1)
        .advanced(),
        Param::new(
            "events.fight.full_limb_speed",
            "Full limb speed",
            "Speed of the limbs against the body that counts fully.",
        )
        .unit("heights/s")
        .number(0.1, 20.0, 0.1)
        .advanced(),
        Param::new(
            "events.fight.full_approach",
            "Full approach speed",
            "Speed of two people closing in that counts fully.",
        )
        .unit("heights/s")
        .number(0.05, 10.0, 0.05)
        .advanced(),
        Param::new(
            "events.fight.velocity_secs",
            "Fight speeds measured over",
            "Over how long limb and approach speeds are measured.",
        )
        .unit("s")
        .number(0.05, 5.0, 0.05)
        .advanced(),
        Param::new(
            "events.fight.min_keypoint_score",
            "Fight keypoint confidence",
            "Keypoints scored below this are not used by the fight scorer.",
        )
        .number(0.0, 0.99, 0.01)
        .advanced(),
    ]);
    all.extend(rules("fight", FIGHT_RULES));
    all
}

/// A service's event rules (the event manager's settings), after its scorer's.
fn rules(service: &str, names: [Rule; 5]) -> Vec<Param> {
    {
        let [threshold, duration, gap, recovery, upright] = names;
        vec![
            Param::new(threshold.0, threshold.1, "A score at or above this counts; lower raises more events, and more false ones.")
                .number(0.0, 1.0, 0.05).advanced(),
            Param::new(duration.0, duration.1, "The score must stay at or above the threshold this long before an event is raised.")
                .unit("s").number(0.0, 600.0, 0.1).advanced(),
            Param::new(gap.0, gap.1, "Dips below the threshold shorter than this do not end an event.")
                .unit("s").number(0.0, 600.0, 0.1).advanced(),
            Param::new(recovery.0, recovery.1, if service == "fall" {
                "The person upright again within this long: the event is kept, marked recovered, and closed. 0 = no such rule."
            } else {
                "Fights: not used (0 = no recovery rule)."
            })
            .unit("s").number(0.0, 600.0, 0.5).advanced(),
            Param::new(upright.0, upright.1, if service == "fall" {
                "Only someone seen standing or sitting up before can fall (a person already lying on a bed raises none)."
            } else {
                "Fights: not used."
            })
            .toggle().advanced(),
        ]
    }
}

type Rule = (&'static str, &'static str);
const FALL_RULES: [Rule; 5] = [
    ("events.fall_rules.threshold", "Fall threshold"),
    ("events.fall_rules.min_duration_secs", "Fall lasts at least"),
    ("events.fall_rules.merge_gap_secs", "Fall merge gap"),
    ("events.fall_rules.recovery_secs", "Recovery within"),
    (
        "events.fall_rules.needs_upright_before",
        "Upright before a fall",
    ),
];
const FIGHT_RULES: [Rule; 5] = [
    ("events.fight_rules.threshold", "Fight threshold"),
    (
        "events.fight_rules.min_duration_secs",
        "Fight lasts at least",
    ),
    ("events.fight_rules.merge_gap_secs", "Fight merge gap"),
    ("events.fight_rules.recovery_secs", "Fight recovery"),
    (
        "events.fight_rules.needs_upright_before",
        "Fight: upright before",
    ),
];

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            name: "standard",
            label: "Falls and fights",
            help: "Both services with the scorers' defaults. On the labelled clips we have: 5 of 9 falls found, 1 false fall in 4 everyday clips; \
                   fights are not found at these defaults yet (bench/RESULTS.md).",
            params: json!({}),
        },
        Preset {
            name: "falls_only",
            label: "Falls only",
            help: "Falls only (care homes, hospital rooms): half the scoring work, no fight alerts.",
            params: json!({"events": {"services": ["fall"]}}),
        },
        Preset {
            name: "fights_only",
            label: "Fights only",
            help: "Fights only (public spaces); experimental: the fight scorer misses most fights at its defaults.",
            params: json!({"events": {"services": ["fight"]}}),
        },
    ]
}

#[cfg(test)]
mod tests {
    use crate::events::AnalyzeConfig;

    #[test]
    fn the_table_describes_the_settings_and_presets_are_valid() {
        crate::params::checks::table_holds(
            &super::parameters(),
            &super::presets(),
            AnalyzeConfig::problems,
            |_| {},
        );
    }
}
