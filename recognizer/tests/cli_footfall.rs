//! `recognizer run analyze --services footfall` on a real clip (vtest.avi, a campus crossing):
//! the heatmap grid, zone, occupancy and line tables are written and agree with each other;
//! zones and lines that make no sense are refused naming the field.

mod common;

use common::output;
use common::platform::data;

fn read(path: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn footfall_tables_on_a_real_clip_and_bad_shapes_refused() {
    let work = tempfile::tempdir().unwrap();
    let zones = work.path().join("zones.json");
    std::fs::write(
        &zones,
        r#"[{"name": "lower half", "points": [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]}]"#,
    )
    .unwrap();
    let lines = work.path().join("lines.json");
    std::fs::write(
        &lines,
        r#"[{"name": "middle", "a": [0.5, 0], "b": [0.5, 1]}]"#,
    )
    .unwrap();
    let out = work.path().join("out");
    let clip = data("vtest.avi");
    let (ok, stdout, stderr) = output(&[
        "run",
        "analyze",
        clip.to_str().unwrap(),
        "--services",
        "footfall",
        "--pose-input-size",
        "320",
        "--zones",
        zones.to_str().unwrap(),
        "--lines",
        lines.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("vtest.avi:"), "{stdout}");
    let dir = out.join("vtest.avi").join("footfall");
    // the whole video in one window of 32 × 18 cells
    let heatmap = read(&dir.join("heatmap.csv"));
    assert_eq!(heatmap.len(), 32 * 18);
    let presence: f64 = heatmap.iter().map(|r| r[5].parse::<f64>().unwrap()).sum();
    let occupancy = read(&dir.join("occupancy.csv"));
    let frames = occupancy.len();
    assert!(frames > 700, "a row per frame: {frames}");
    // people walk the crossing the whole clip: more person-seconds than seconds
    let seconds = occupancy.last().unwrap()[0].parse::<f64>().unwrap();
    assert!(
        presence > seconds,
        "{presence} person-seconds in {seconds} s"
    );
    let zone = &read(&dir.join("zones.csv"))[0];
    assert_eq!((zone[0].as_str(), zone[1].as_str()), ("lower half", "all"));
    let (entries, visitors): (u64, u64) = (zone[4].parse().unwrap(), zone[6].parse().unwrap());
    assert!(entries >= visitors && visitors >= 3, "{zone:?}");
    // the mean occupancy of the table is the mean of the time series
    let mean: f64 = occupancy
        .iter()
        .map(|r| r[2].parse::<f64>().unwrap())
        .sum::<f64>()
        / frames as f64;
    assert!(
        (mean - zone[7].parse::<f64>().unwrap()).abs() < 0.001,
        "{mean} vs {zone:?}"
    );
    let line = &read(&dir.join("lines.csv"))[0];
    assert_eq!(line[0], "middle");
    let crossings: u64 = line[1].parse::<u64>().unwrap() + line[2].parse::<u64>().unwrap();
    assert!(crossings >= 2, "people cross the middle of vtest: {line:?}");
    // the pictures and the page: the heatmap is the background plus its legend strip
    let heatmap = image::open(dir.join("heatmap.png")).unwrap();
    let background = image::open(dir.join("background.jpg")).unwrap();
    assert_eq!(heatmap.height(), background.height());
    assert!(heatmap.width() > background.width());
    let page = std::fs::read_to_string(dir.join("footfall.html")).unwrap();
    assert!(page.contains("lower half") && page.contains("data:image/png;base64,"));
    assert!(page.contains("id=\"occupancy\"") && page.contains("id=\"dwell\""));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("footfall.json")).unwrap()).unwrap();
    assert_eq!(summary["windows"][0]["picture"], "heatmap.png");
    assert_eq!(
        summary["zones"][0]["stats"][0]["entries"].as_u64(),
        Some(entries)
    );
    println!("vtest.avi footfall: zone {zone:?}, line {line:?}, {presence:.0} person-seconds");

    // a bow-tie zone and a line of no length: refused, naming the field
    std::fs::write(
        &zones,
        r#"[{"name": "bow", "points": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]}]"#,
    )
    .unwrap();
    let (ok, _, stderr) = output(&[
        "run",
        "analyze",
        clip.to_str().unwrap(),
        "--services",
        "footfall",
        "--zones",
        zones.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("crosses itself"), "{stderr}");
    std::fs::write(&zones, "[]").unwrap();
    std::fs::write(
        &lines,
        r#"[{"name": "dot", "a": [0.5, 0.5], "b": [0.5, 0.5]}]"#,
    )
    .unwrap();
    let (ok, _, stderr) = output(&[
        "run",
        "analyze",
        clip.to_str().unwrap(),
        "--services",
        "footfall",
        "--lines",
        lines.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("footfall.lines[0]") && stderr.contains("starts where it ends"),
        "{stderr}"
    );
}
