//! What each job parameter means to a person: a label, one line of help, its unit, whether it is
//! a basic or an advanced setting, its range and the kind of input it takes; and named presets.
//!
//! Each job kind's settings type has a table of these (`parameters()` and `presets()` beside its
//! `Default`). The API's `GET /api/job-kinds`, the OpenAPI document, the web form and the CLI
//! (`recognizer params KIND`, `--preset`) all read the same table, so they never disagree; the
//! API also refuses numbers outside the ranges given here, naming the field.

use serde::Serialize;
use serde_json::Value;

/// One parameter, by its dotted path in the settings (`events.fall_rules.threshold`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub path: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// Shown under "Advanced" in the form.
    pub advanced: bool,
    pub input: Input,
}

/// The input a parameter takes; the nested ones are sub-forms, never JSON text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    Toggle,
    Integer {
        min: i64,
        max: i64,
    },
    Number {
        min: f64,
        max: f64,
        step: f64,
    },
    /// One word of these.
    Choice {
        options: Vec<&'static str>,
    },
    /// Any of these words, at least one.
    Several {
        options: Vec<&'static str>,
    },
    /// Optional free text (empty = not given).
    Text,
    /// Several lines of optional text (CSV).
    LongText,
    /// A job of the same project (its id).
    Job,
    /// A registered skeleton classifier of this service (its id), or none.
    Model {
        service: &'static str,
    },
    /// Three weights 0–1 of a scorer's components, named.
    Weights {
        parts: [&'static str; 3],
    },
    /// The anonymize filter: `{"kind": "blur", "strength"}`, `mosaic` with `block`, `solid`
    /// with `colour` [r, g, b].
    Filter,
    /// Label rules: `[{"video", "label", "start"?, "end"?}]`, seconds.
    Labels,
    /// Polygons in relative coordinates: `[{"name", "points": [[x, y], …]}]`.
    Zones,
    /// Counting lines in relative coordinates: `[{"name", "a": [x, y], "b": [x, y]}]`.
    Lines,
}

impl Param {
    pub const fn new(path: &'static str, label: &'static str, help: &'static str) -> Self {
        Self {
            path,
            label,
            help,
            unit: None,
            advanced: false,
            input: Input::Text,
        }
    }
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }
    pub const fn advanced(mut self) -> Self {
        self.advanced = true;
        self
    }
    pub fn input(mut self, input: Input) -> Self {
        self.input = input;
        self
    }
    pub fn integer(self, min: i64, max: i64) -> Self {
        self.input(Input::Integer { min, max })
    }
    pub fn number(self, min: f64, max: f64, step: f64) -> Self {
        self.input(Input::Number { min, max, step })
    }
    pub fn toggle(self) -> Self {
        self.input(Input::Toggle)
    }
    pub fn choice(self, options: &[&'static str]) -> Self {
        self.input(Input::Choice {
            options: options.to_vec(),
        })
    }

    /// `(min, max)` of a number or integer parameter.
    pub fn range(&self) -> Option<(f64, f64)> {
        match self.input {
            Input::Integer { min, max } => Some((min as f64, max as f64)),
            Input::Number { min, max, .. } => Some((min, max)),
            _ => None,
        }
    }
}

/// A named set of values over the defaults (only the parameters it changes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preset {
    pub name: &'static str,
    pub label: &'static str,
    /// What it does and its measured effect.
    pub help: &'static str,
    pub params: Value,
}

/// The value at a dotted path, if there is one.
pub fn value_at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// `over` laid on `base`: objects merged key by key, anything else replaced.
pub fn merged(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let next = match b.get(k) {
                    Some(old) => merged(old, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), next);
            }
            Value::Object(out)
        }
        (_, o) => o.clone(),
    }
}

/// Numbers outside their parameter's range: `(path, message)` for each, in table order.
pub fn out_of_range(params: &[Param], settings: &Value) -> Vec<(&'static str, String)> {
    params
        .iter()
        .filter_map(|p| {
            let (min, max) = p.range()?;
            let v = value_at(settings, p.path)?.as_f64()?;
            (!(min..=max).contains(&v)).then(|| {
                // "4 px", "4 s", but "4×"
                let unit = match p.unit {
                    Some(u) if u.starts_with(char::is_alphabetic) => format!(" {u}"),
                    Some(u) => u.to_string(),
                    None => String::new(),
                };
                (
                    p.path,
                    format!("{} {v} must be between {min} and {max}{unit}", p.path),
                )
            })
        })
        .collect()
}

/// The preset of this name, or a message naming the ones there are.
pub fn find_preset<'a>(presets: &'a [Preset], name: &str) -> Result<&'a Preset, String> {
    let wanted = name.replace(['-', ' '], "_");
    presets.iter().find(|p| p.name == wanted).ok_or_else(|| {
        let names: Vec<&str> = presets.iter().map(|p| p.name).collect();
        format!("no preset {name:?}; there are {}", names.join(", "))
    })
}

#[cfg(test)]
pub(crate) mod checks {
    //! What every kind's table must hold; each kind's tests call these on its own table.
    use super::*;

    /// A kind's table describes its settings type `T`, and each preset over `T`'s defaults is
    /// valid settings (after `complete`, which adds what only a user can give, e.g. a label).
    pub fn table_holds<T>(
        params: &[Param],
        presets: &[Preset],
        problems: fn(&T) -> Vec<(&'static str, String)>,
        complete: fn(&mut T),
    ) where
        T: Default + Serialize + serde::de::DeserializeOwned,
    {
        let defaults = serde_json::to_value(T::default()).unwrap();
        describes(params, &defaults);
        assert!(
            presets[0].params.as_object().is_some_and(|m| m.is_empty()),
            "the first preset is the defaults"
        );
        for p in presets {
            let mut config: T = serde_json::from_value(merged(&defaults, &p.params))
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            complete(&mut config);
            let value = serde_json::to_value(&config).unwrap();
            assert!(out_of_range(params, &value).is_empty(), "{}", p.name);
            let wrong: Vec<String> = problems(&config).into_iter().map(|(_, m)| m).collect();
            assert!(wrong.is_empty(), "{}: {wrong:?}", p.name);
            if p.name != presets[0].name {
                assert_ne!(value, defaults, "{} changes nothing", p.name);
            }
        }
    }

    /// Every leaf of the defaults is described once (a nested input covers its subtree), every
    /// description names a real setting, and every default is inside its range.
    pub fn describes(params: &[Param], defaults: &Value) {
        fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) if !m.is_empty() => {
                    for (k, v) in m {
                        let path = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        leaves(&path, v, out);
                    }
                }
                _ => out.push(prefix.to_string()),
            }
        }
        let mut all = Vec::new();
        leaves("", defaults, &mut all);
        for leaf in &all {
            let covering: Vec<&str> = params
                .iter()
                .map(|p| p.path)
                .filter(|p| leaf == p || leaf.starts_with(&format!("{p}.")))
                .collect();
            assert_eq!(covering.len(), 1, "{leaf} is described by {covering:?}");
        }
        for p in params {
            assert!(
                value_at(defaults, p.path).is_some(),
                "{} is not a setting",
                p.path
            );
            assert!(!p.label.is_empty() && !p.help.is_empty(), "{}", p.path);
            if let (Some((min, max)), Some(v)) = (
                p.range(),
                value_at(defaults, p.path).and_then(Value::as_f64),
            ) {
                assert!(
                    (min..=max).contains(&v),
                    "{} default {v} outside {min}–{max}",
                    p.path
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merged_keeps_what_the_preset_leaves_out() {
        let base = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]});
        let over = json!({"b": {"c": 9}, "e": [5]});
        assert_eq!(
            merged(&base, &over),
            json!({"a": 1, "b": {"c": 9, "d": 3}, "e": [5]})
        );
    }

    #[test]
    fn out_of_range_names_the_path_and_unit() {
        let params = [
            Param::new("a.b", "B", "b").unit("s").number(0.0, 5.0, 0.1),
            Param::new("c", "C", "c").integer(1, 3),
        ];
        let bad = out_of_range(&params, &json!({"a": {"b": 7.5}, "c": 2}));
        assert_eq!(
            bad,
            vec![("a.b", "a.b 7.5 must be between 0 and 5 s".into())]
        );
        assert!(out_of_range(&params, &json!({"a": {"b": 5}, "c": 1})).is_empty());
    }

    #[test]
    fn presets_are_found_by_their_spoken_names() {
        let presets = [Preset {
            name: "eyes_only",
            label: "Eyes only",
            help: "",
            params: json!({}),
        }];
        assert_eq!(
            find_preset(&presets, "eyes-only").unwrap().name,
            "eyes_only"
        );
        assert_eq!(
            find_preset(&presets, "ears").unwrap_err(),
            "no preset \"ears\"; there are eyes_only"
        );
    }
}
