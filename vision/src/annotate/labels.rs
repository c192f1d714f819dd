//! Labels given with an annotate job: one for every video, or rules per video (by file name or
//! id) with optional time intervals, as JSON or CSV.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    /// The video's file name (`vtest.avi`) or id.
    pub video: String,
    pub label: String,
    /// Seconds; the whole video when both are missing.
    #[serde(default)]
    pub start: Option<f64>,
    #[serde(default)]
    pub end: Option<f64>,
}

/// A labelled stretch of one video, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub label: String,
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    default: Option<String>,
    rules: Vec<LabelRule>,
}

impl Labels {
    pub fn new(
        default: Option<String>,
        rules: &[LabelRule],
        csv: Option<&str>,
    ) -> Result<Self, String> {
        let mut all = rules.to_vec();
        if let Some(text) = csv {
            all.extend(parse_csv(text)?);
        }
        for r in &all {
            if r.label.trim().is_empty() || r.video.trim().is_empty() {
                return Err(format!("a rule needs a video and a label: {r:?}"));
            }
            if let (Some(s), Some(e)) = (r.start, r.end)
                && !(s >= 0.0 && e > s)
            {
                return Err(format!(
                    "{}: interval {s}–{e} s is empty or negative",
                    r.video
                ));
            }
        }
        let default = default
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty());
        Ok(Self {
            default,
            rules: all,
        })
    }

    /// Class names in index order (sorted, so the same labels always give the same numbers).
    pub fn classes(&self) -> Vec<String> {
        let mut names: Vec<String> = self.rules.iter().map(|r| r.label.clone()).collect();
        names.extend(self.default.clone());
        names.sort();
        names.dedup();
        names
    }

    pub fn class_index(&self, label: &str) -> i64 {
        self.classes()
            .iter()
            .position(|c| c == label)
            .map_or(-1, |i| i as i64)
    }

    /// The labelled stretches of the video called `name` (or with id `id`).
    pub fn intervals(&self, name: &str, id: &str) -> Result<Vec<Interval>, String> {
        let matching: Vec<Interval> = self
            .rules
            .iter()
            .filter(|r| r.video == name || r.video == id)
            .map(|r| Interval {
                label: r.label.clone(),
                start: r.start.unwrap_or(0.0),
                end: r.end.unwrap_or(f64::INFINITY),
            })
            .collect();
        if !matching.is_empty() {
            return Ok(matching);
        }
        match &self.default {
            Some(label) => Ok(vec![Interval {
                label: label.clone(),
                start: 0.0,
                end: f64::INFINITY,
            }]),
            None => Err(format!(
                "{name} has no label: give `label` for every video or a rule naming this one"
            )),
        }
    }
}

/// `video,label[,start,end]` per line; a header line starting with `video` is skipped.
fn parse_csv(text: &str) -> Result<Vec<LabelRule>, String> {
    Ok(parse_csv_rows(text)?.into_iter().map(|(_, r)| r).collect())
}

/// The same, with each rule's line number (from 1, the header counted).
pub fn parse_csv_rows(text: &str) -> Result<Vec<(usize, LabelRule)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut rules = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("labels CSV line {}: {e}", i + 1))?;
        if i == 0 && record.get(0) == Some("video") {
            continue;
        }
        let field = |k: usize| record.get(k).filter(|s| !s.is_empty());
        let number = |k: usize| -> Result<Option<f64>, String> {
            field(k)
                .map(|s| {
                    s.parse::<f64>().map_err(|_| {
                        format!(
                            "labels CSV line {}: `{s}` is not a number of seconds",
                            i + 1
                        )
                    })
                })
                .transpose()
        };
        let (Some(video), Some(label)) = (field(0), field(1)) else {
            return Err(format!(
                "labels CSV line {}: expected `video,label[,start,end]`",
                i + 1
            ));
        };
        let line = record.position().map_or(i + 1, |p| p.line() as usize);
        rules.push((
            line,
            LabelRule {
                video: video.into(),
                label: label.into(),
                start: number(2)?,
                end: number(3)?,
            },
        ));
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_beat_the_default_and_classes_are_sorted() {
        let labels = Labels::new(
            Some("walk".into()),
            &[],
            Some("video,label,start,end\nbikes.mp4,ride,0,5\nbikes.mp4,stand,5,\n"),
        )
        .unwrap();
        assert_eq!(labels.classes(), ["ride", "stand", "walk"]);
        assert_eq!(labels.class_index("walk"), 2);
        let bikes = labels.intervals("bikes.mp4", "id").unwrap();
        assert_eq!(bikes.len(), 2);
        assert_eq!((bikes[1].start, bikes[1].end), (5.0, f64::INFINITY));
        assert_eq!(
            labels.intervals("vtest.avi", "id").unwrap()[0].label,
            "walk"
        );
    }

    #[test]
    fn bad_labels_say_what_is_wrong() {
        let err = Labels::new(None, &[], Some("a.mp4,fall,x,3")).unwrap_err();
        assert!(err.contains("line 1") && err.contains("`x`"), "{err}");
        let none = Labels::new(None, &[], None).unwrap();
        assert!(
            none.intervals("a.mp4", "1")
                .unwrap_err()
                .contains("a.mp4 has no label")
        );
        assert!(Labels::new(None, &[], Some("a.mp4,fall,3,1")).is_err());
    }
}
