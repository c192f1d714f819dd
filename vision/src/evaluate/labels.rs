//! Ground truth for evaluating events: label rules (`{video, label, start, end}`, the annotate
//! job's rules, as JSON or CSV), intervals written as `Falling (BW)[6.9 to 12]; Walking[0 to 3.6]`
//! (the GMDCSA24 CSV form), and a map from label names to services (`Falling* → fall`; a clip in
//! a folder named `fight` → fight for the whole clip). Each problem names the row.

use std::collections::BTreeMap;

use crate::annotate::labels::LabelRule;
use crate::events::Service;
use crate::metrics::events::Span;

/// Label names to services: patterns matched without regard to case, `*` at the end for a
/// prefix (`fall*` takes "Falling (BW)"). Labels no pattern takes (walking, sitting) are other
/// activities: ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMap(pub Vec<(String, Service)>);

impl Default for LabelMap {
    fn default() -> Self {
        Self(vec![
            ("fall*".into(), Service::Fall),
            ("fight*".into(), Service::Fight),
        ])
    }
}

impl LabelMap {
    pub fn service(&self, label: &str) -> Option<Service> {
        let label = label.trim().to_lowercase();
        self.0.iter().find_map(|(pattern, service)| {
            let pattern = pattern.to_lowercase();
            let hit = match pattern.strip_suffix('*') {
                Some(prefix) => label.starts_with(prefix),
                None => label == pattern,
            };
            hit.then_some(*service)
        })
    }
}

/// A video the labels may name (by file name or id) and its length.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledVideo {
    pub name: String,
    pub id: String,
    pub duration_secs: f64,
}

/// Each video's labelled intervals per service (index into the videos given).
pub type GroundTruth = BTreeMap<(usize, Service), Vec<Span>>;

/// Resolves rules (with the row each came from) against the videos: unknown videos, reversed
/// intervals, intervals outside the video and overlapping intervals of one service are refused,
/// naming the row.
pub fn ground_truth(
    rules: &[(usize, LabelRule)],
    map: &LabelMap,
    videos: &[LabelledVideo],
) -> Result<GroundTruth, String> {
    let mut truth: GroundTruth = BTreeMap::new();
    let mut rows: BTreeMap<(usize, Service), Vec<(usize, Span)>> = BTreeMap::new();
    for (row, rule) in rules {
        let Some(v) = videos
            .iter()
            .position(|v| v.name == rule.video || v.id == rule.video)
        else {
            let names: Vec<&str> = videos.iter().take(5).map(|v| v.name.as_str()).collect();
            return Err(format!(
                "labels row {row}: no video {:?} here (videos: {}{})",
                rule.video,
                names.join(", "),
                if videos.len() > 5 { ", …" } else { "" }
            ));
        };
        let Some(service) = map.service(&rule.label) else {
            continue;
        };
        let duration = videos[v].duration_secs;
        let span = Span::new(rule.start.unwrap_or(0.0), rule.end.unwrap_or(duration));
        if !(span.start >= 0.0 && span.end > span.start) {
            return Err(format!(
                "labels row {row}: interval {}–{} s of {} is reversed or empty",
                span.start, span.end, rule.video
            ));
        }
        if duration > 0.0 && span.start >= duration + 0.5 {
            return Err(format!(
                "labels row {row}: {} starts at {} s, after the end of {} ({duration:.1} s)",
                rule.label, span.start, rule.video
            ));
        }
        let seen = rows.entry((v, service)).or_default();
        if let Some((other, o)) = seen
            .iter()
            .find(|(_, o)| span.start < o.end && o.start < span.end)
        {
            return Err(format!(
                "labels rows {other} and {row} overlap: {} has {} {}–{} s and {}–{} s",
                rule.video,
                service.as_str(),
                o.start,
                o.end,
                span.start,
                span.end
            ));
        }
        seen.push((*row, span));
        truth.entry((v, service)).or_default().push(span);
    }
    for spans in truth.values_mut() {
        spans.sort_by(|a, b| a.start.total_cmp(&b.start));
    }
    Ok(truth)
}

/// `Falling (BW)[6.9 to 12]; Walking[0 to 3.6]` → (label, start, end) each; typos around the
/// separators (`[1.8 to 5]:;`) are tolerated, a malformed interval is not.
pub fn parse_intervals(cell: &str) -> Result<Vec<(String, f64, f64)>, String> {
    let mut out = Vec::new();
    for item in cell.split(';') {
        let item = item
            .trim()
            .trim_matches(|c: char| c == ':' || c == ',' || c.is_whitespace());
        if item.is_empty() {
            continue;
        }
        let (label, rest) = item
            .split_once('[')
            .ok_or_else(|| format!("{item:?}: expected `Label[start to end]`"))?;
        let inside = rest
            .split_once(']')
            .map(|(inside, _)| inside)
            .ok_or_else(|| format!("{item:?}: no closing `]`"))?;
        // `6.9 to 12`, also the typos `0.9 4.6` and `6.9 - 12`
        let spaced = inside.replace("to", " ").replace(['–', '-'], " ");
        let parts: Vec<&str> = spaced.split_whitespace().collect();
        let [a, b] = parts[..] else {
            return Err(format!(
                "{item:?}: expected `start to end` inside the brackets"
            ));
        };
        let number = |s: &str| {
            s.parse::<f64>()
                .map_err(|_| format!("{item:?}: {s:?} is not a number of seconds"))
        };
        out.push((label.trim().to_string(), number(a)?, number(b)?));
    }
    Ok(out)
}

/// Label rules from a CSV in the GMDCSA24 form: a header, the file name in the first column and
/// the intervals in the last; (row, rule) per interval, rows counted from 1 with the header.
pub fn gmdcsa_rules(text: &str) -> Result<Vec<(usize, LabelRule)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rules = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| format!("labels row {row}: {e}"))?;
        let (Some(video), Some(cell)) = (record.get(0), record.iter().last()) else {
            continue;
        };
        if video.is_empty() {
            continue;
        }
        for (label, start, end) in
            parse_intervals(cell).map_err(|e| format!("labels row {row} ({video}): {e}"))?
        {
            rules.push((
                row,
                LabelRule {
                    video: video.to_string(),
                    label,
                    start: Some(start),
                    end: Some(end),
                },
            ));
        }
    }
    Ok(rules)
}

/// Label rules from text: the GMDCSA24 form when its header says so (`File Name,…,Classes`),
/// else `video,label[,start,end]` lines (the annotate job's CSV), else a JSON list of rules.
pub fn parse_rules(text: &str) -> Result<Vec<(usize, LabelRule)>, String> {
    let first = text.lines().next().unwrap_or_default().to_lowercase();
    if first.starts_with("file name") {
        return gmdcsa_rules(text);
    }
    if text.trim_start().starts_with('[') {
        let rules: Vec<LabelRule> =
            serde_json::from_str(text).map_err(|e| format!("labels JSON: {e}"))?;
        return Ok(rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .collect());
    }
    crate::annotate::labels::parse_csv_rows(text)
}

/// A whole-clip rule from the folder a clip lies in, when the map takes the folder's name
/// (`fight/fi001.mp4` → fight; `noFight/…` → none).
pub fn folder_rule(path: &std::path::Path, map: &LabelMap) -> Option<LabelRule> {
    let folder = path.parent()?.file_name()?.to_str()?;
    map.service(folder)?;
    Some(LabelRule {
        video: path.file_name()?.to_str()?.to_string(),
        label: folder.to_string(),
        start: None,
        end: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn videos() -> Vec<LabelledVideo> {
        vec![
            LabelledVideo {
                name: "01.mp4".into(),
                id: "a".into(),
                duration_secs: 6.0,
            },
            LabelledVideo {
                name: "02.mp4".into(),
                id: "b".into(),
                duration_secs: 4.0,
            },
        ]
    }

    fn rule(video: &str, label: &str, start: Option<f64>, end: Option<f64>) -> LabelRule {
        LabelRule {
            video: video.into(),
            label: label.into(),
            start,
            end,
        }
    }

    #[test]
    fn gmdcsa_cells_with_typos() {
        let got =
            parse_intervals("Falling (BW)[6.9 to 12]; Drinking[3.5 to 5.3]; Walking[0 to 3.6]")
                .unwrap();
        assert_eq!(got[0], ("Falling (BW)".into(), 6.9, 12.0));
        assert_eq!(got.len(), 3);
        assert_eq!(
            parse_intervals("Falling (FW)[1.8 to 5]:; Sitting[0 to 1.8]")
                .unwrap()
                .len(),
            2
        );
        assert!(
            parse_intervals("Falling[1.8 to x]")
                .unwrap_err()
                .contains("\"x\" is not a number")
        );
        assert!(
            parse_intervals("Falling 1.8 to 5")
                .unwrap_err()
                .contains("expected `Label[start to end]`")
        );
    }

    #[test]
    fn gmdcsa_csv_rows_and_mapping() {
        let csv = "File Name,Length (seconds),Time of Recording,Attire,Description, Classes\n\
                   01.mp4,06, Day,Shirt, Falling from a chair, Falling (SW)[3.4 to 6]; Sitting[0 to 3.4]\n\
                   02.mp4,04, Day,Shirt, Walking, Walking[0 to 4]\n";
        let rules = parse_rules(csv).unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].0, 2, "the first data row is row 2");
        let truth = ground_truth(&rules, &LabelMap::default(), &videos()).unwrap();
        assert_eq!(
            truth.get(&(0, Service::Fall)),
            Some(&vec![Span::new(3.4, 6.0)])
        );
        assert_eq!(truth.len(), 1, "walking and sitting are not a service");
        let bad = "File Name,Classes\n01.mp4,Falling[3 to]\n";
        assert!(
            parse_rules(bad)
                .unwrap_err()
                .starts_with("labels row 2 (01.mp4):")
        );
    }

    #[test]
    fn bad_rows_are_named() {
        let map = LabelMap::default();
        let unknown = [
            (1, rule("01.mp4", "fall", None, None)),
            (2, rule("09.mp4", "fall", None, None)),
        ];
        let e = ground_truth(&unknown, &map, &videos()).unwrap_err();
        assert!(
            e.starts_with("labels row 2: no video \"09.mp4\" here (videos: 01.mp4, 02.mp4)"),
            "{e}"
        );
        let reversed = [(4, rule("01.mp4", "fall", Some(5.0), Some(2.0)))];
        assert!(
            ground_truth(&reversed, &map, &videos())
                .unwrap_err()
                .starts_with("labels row 4: interval 5–2 s")
        );
        let late = [(3, rule("02.mp4", "fall", Some(9.0), Some(12.0)))];
        assert!(
            ground_truth(&late, &map, &videos())
                .unwrap_err()
                .contains("after the end of 02.mp4")
        );
        let overlap = [
            (2, rule("01.mp4", "fall", Some(1.0), Some(4.0))),
            (5, rule("a", "Falling", Some(3.0), Some(6.0))),
        ];
        let e = ground_truth(&overlap, &map, &videos()).unwrap_err();
        assert!(e.starts_with("labels rows 2 and 5 overlap"), "{e}");
        // a whole-clip rule spans the video; an id names the video as well as its name
        let whole = [(1, rule("b", "fight", None, None))];
        let t = ground_truth(&whole, &map, &videos()).unwrap();
        assert_eq!(
            t.get(&(1, Service::Fight)),
            Some(&vec![Span::new(0.0, 4.0)])
        );
    }

    #[test]
    fn folders_name_services() {
        let map = LabelMap::default();
        let r = folder_rule(std::path::Path::new("/d/fight/fi001.mp4"), &map).unwrap();
        assert_eq!(
            (r.video.as_str(), r.label.as_str(), r.start),
            ("fi001.mp4", "fight", None)
        );
        assert_eq!(
            folder_rule(std::path::Path::new("/d/noFight/nofi001.mp4"), &map),
            None
        );
    }
}
