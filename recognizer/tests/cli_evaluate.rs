//! The analyze job scored against the real labelled clips of ../shared/data: falls with the
//! intervals of their GMDCSA24 label files, fights by folder. The report's files exist, parse and
//! agree with each other; `recognizer evaluate` on the same results writes the same metrics;
//! labels that name no video or cannot be read are refused naming the row.

mod common;

use std::path::Path;

use common::platform::shared;
use vision::evaluate::labels::{LabelMap, folder_rule, gmdcsa_rules};

fn run(args: &[&str]) -> (bool, String, String) {
    common::output(args)
}

/// `Subject 1/Fall/13.mp4` of GMDCSA24 linked as `NAME`, with its labels from `Subject 1/Fall.csv`.
fn fall_clip(dir: &Path, subject: &str, kind: &str, clip: &str, name: &str, csv: &mut String) {
    let path = shared(&format!("falls-gmdcsa24/{subject}/{kind}/{clip}"));
    std::os::unix::fs::symlink(&path, dir.join(name)).unwrap();
    let labels = shared(&format!("falls-gmdcsa24/{subject}/{kind}.csv"));
    let rules = gmdcsa_rules(&std::fs::read_to_string(labels).unwrap()).unwrap();
    for (_, r) in rules.into_iter().filter(|(_, r)| r.video == clip) {
        csv.push_str(&format!(
            "{name},{},{},{}\n",
            r.label,
            r.start.unwrap(),
            r.end.unwrap()
        ));
    }
}

fn fight_clip(dir: &Path, folder: &str, clip: &str, csv: &mut String) {
    let path = shared(&format!("fights-scf/{folder}/{clip}"));
    std::os::unix::fs::symlink(&path, dir.join(clip)).unwrap();
    if let Some(r) = folder_rule(&path, &LabelMap::default()) {
        csv.push_str(&format!("{},{},,\n", r.video, r.label));
    }
}

fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_report_on_real_clips_is_complete_and_consistent() {
    let work = tempfile::tempdir().unwrap();
    let clips = work.path().join("clips");
    std::fs::create_dir(&clips).unwrap();
    let mut csv = String::from("video,label,start,end\n");
    fall_clip(
        &clips,
        "Subject 1",
        "Fall",
        "13.mp4",
        "s1-fall-13.mp4",
        &mut csv,
    );
    fall_clip(
        &clips,
        "Subject 2",
        "Fall",
        "12.mp4",
        "s2-fall-12.mp4",
        &mut csv,
    );
    fall_clip(
        &clips,
        "Subject 1",
        "ADL",
        "10.mp4",
        "s1-adl-10.mp4",
        &mut csv,
    );
    fight_clip(&clips, "fight", "fi001.mp4", &mut csv);
    fight_clip(&clips, "noFight", "nofi001.mp4", &mut csv);
    let labels = work.path().join("labels.csv");
    std::fs::write(&labels, &csv).unwrap();
    assert!(csv.contains("s1-fall-13.mp4,Falling"), "{csv}");
    assert!(csv.contains("fi001.mp4,fight,,"), "{csv}");
    assert!(!csv.contains("nofi001"), "{csv}");

    let out = work.path().join("out");
    let mut args: Vec<String> = vec!["run".into(), "analyze".into()];
    let mut names: Vec<String> = std::fs::read_dir(&clips)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    names.sort();
    args.extend(names);
    for a in [
        "--pose-input-size",
        "256",
        "--labels",
        labels.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ] {
        args.push(a.into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, stdout, stderr) = run(&args);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("fall: events ") && stdout.contains("report: "),
        "{stdout}"
    );

    let report = out.join("report");
    for f in reports::FILES {
        assert!(report.join(f).is_file(), "{f}");
    }
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(metrics["videos"], 5);
    let per_video = read_csv(&report.join("per_video.csv"));
    assert_eq!(per_video.len(), 5 * 2, "a row per video and service");
    let events_rows = read_csv(&report.join("events_vs_labels.csv"));
    for (s, service) in metrics["services"].as_array().unwrap().iter().enumerate() {
        let name = service["service"].as_str().unwrap();
        let totals = &service["events"][0]; // IoU ≥ 0.3, the tables' rule
        assert_eq!(totals["rule"]["min"], 0.3);
        let rows: Vec<&csv::StringRecord> = per_video.iter().filter(|r| &r[1] == name).collect();
        let sum = |col: usize| {
            rows.iter()
                .map(|r| r[col].parse::<u64>().unwrap())
                .sum::<u64>()
        };
        assert_eq!(
            sum(3),
            totals["labelled"].as_u64().unwrap(),
            "{name} labelled"
        );
        assert_eq!(
            sum(4),
            totals["detected"].as_u64().unwrap(),
            "{name} detected"
        );
        assert_eq!(
            sum(5),
            totals["matched"].as_u64().unwrap(),
            "{name} matched"
        );
        assert_eq!(sum(6), totals["missed"].as_u64().unwrap(), "{name} missed");
        assert_eq!(
            sum(7),
            totals["false_alarms"].as_u64().unwrap(),
            "{name} false"
        );
        for (outcome, key) in [
            ("matched", "matched"),
            ("missed", "missed"),
            ("false_alarm", "false_alarms"),
        ] {
            let n = events_rows
                .iter()
                .filter(|r| &r[1] == name && &r[2] == outcome)
                .count() as u64;
            assert_eq!(n, totals[key].as_u64().unwrap(), "{name} {outcome} rows");
        }
        // clips: one sample per video, as many positives as videos labelled for the service
        let clips = &service["clips"];
        assert_eq!(clips["samples"], 5);
        let c = &clips["at_threshold"]["confusion"];
        let positives = c["tp"].as_u64().unwrap() + c["fn"].as_u64().unwrap();
        let labelled_videos = rows.iter().filter(|r| &r[9] == "true").count() as u64;
        assert_eq!(positives, labelled_videos, "{name}");
        assert_eq!(
            labelled_videos,
            if s == 0 { 2 } else { 1 },
            "falls: two clips; fights: one"
        );
    }
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 5);
    for name in [
        "s1-fall-13.mp4",
        "s2-fall-12.mp4",
        "fi001.mp4",
        "nofi001.mp4",
    ] {
        assert!(html.contains(name), "{name} in the report");
    }

    // the same results scored again by `recognizer evaluate`: the same numbers
    let again = work.path().join("again");
    let (ok, stdout, stderr) = run(&[
        "evaluate",
        out.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("report: "), "{stdout}");
    let second: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(second, metrics, "evaluate agrees with the job's own report");

    // labels naming a video that is not there, or that cannot be read: refused, by row
    let bad = work.path().join("bad.csv");
    std::fs::write(&bad, format!("{csv}elsewhere.mp4,fall,1,2\n")).unwrap();
    let (ok, _, stderr) = run(&[
        "evaluate",
        out.to_str().unwrap(),
        "--labels",
        bad.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(!ok);
    let row = csv.lines().count() + 1;
    assert!(
        stderr.contains(&format!("labels row {row}: no video \"elsewhere.mp4\"")),
        "{stderr}"
    );
    std::fs::write(&bad, "File Name,Classes\n13.mp4,Falling[3 to x]\n").unwrap();
    let (ok, _, stderr) = run(&[
        "evaluate",
        out.to_str().unwrap(),
        "--labels",
        bad.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("labels row 2 (13.mp4)") && stderr.contains("\"x\" is not a number"),
        "{stderr}"
    );
}
