//! The job kinds' parameters for people: every parameter has a label, help and input in
//! `GET /api/job-kinds`, the OpenAPI document carries the same table, the API refuses every
//! number outside the range the form shows (naming the field), and every preset is accepted.

mod common;

use common::platform::Platform;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// `{"a": {"b": v}}` for path `a.b`.
fn at(path: &str, v: Value) -> Value {
    path.rsplit('.').fold(v, |inner, key| {
        let mut m = Map::new();
        m.insert(key.to_string(), inner);
        Value::Object(m)
    })
}

#[tokio::test]
async fn parameters_are_described_ranged_and_presets_accepted() {
    let p = Platform::start().await;
    let admin = p.admin().await;
    let (alice, project) = p
        .member(&admin, "alice@example.org", "uploader", None)
        .await;
    let (s, kinds) = alice.get("/api/job-kinds").await;
    assert_eq!(s, StatusCode::OK);
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", p.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // no video of this id exists: a job the parameters pass is refused at its videos instead
    let nowhere = Uuid::new_v4();
    let mut checked = 0;
    for kind in kinds.as_array().unwrap() {
        let name = kind["kind"].as_str().unwrap();
        if kind["implemented"] != true {
            continue;
        }
        let params = kind["params"].as_array().unwrap();
        assert!(params.len() >= 10, "{name}: {} parameters", params.len());
        assert!(
            !params[0]["advanced"].as_bool().unwrap(),
            "{name}: basic ones first"
        );
        let schema_name = format!("{}{}Params", name[..1].to_uppercase(), &name[1..]);
        let schema = &doc["components"]["schemas"][&schema_name];
        for param in params {
            let path = param["path"].as_str().unwrap();
            assert!(
                param["label"].as_str().is_some_and(|l| !l.is_empty())
                    && param["help"].as_str().is_some_and(|h| h.len() > 10),
                "{name}.{path}: {param}"
            );
            // the OpenAPI document has the same label and help at the same place
            let property = path.split('.').fold(schema, |s, key| &s["properties"][key]);
            assert_eq!(property["title"], param["label"], "{schema_name}.{path}");
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(param["help"].as_str().unwrap())),
                "{schema_name}.{path}: {property}"
            );
            let input = &param["input"];
            let (Some(min), Some(max)) = (input["min"].as_f64(), input["max"].as_f64()) else {
                continue;
            };
            assert_eq!(property["minimum"].as_f64(), Some(min), "{path}");
            assert_eq!(property["maximum"].as_f64(), Some(max), "{path}");
            // just outside each end of the range: refused, at that field
            let above = if input["type"] == "integer" {
                json!(max as i64 + 1)
            } else {
                json!(max + max.abs().max(1.0) * 0.5)
            };
            let below = if input["type"] == "integer" {
                json!(min as i64 - 1)
            } else {
                json!(min - min.abs().max(0.01) * 0.5)
            };
            for value in [above, below] {
                if value.as_i64() == Some(i64::MIN) || value.as_f64().is_some_and(f64::is_infinite)
                {
                    continue;
                }
                let (s, e) = alice
                    .post(
                        "/api/jobs",
                        &json!({"project_id": project, "kind": name, "video_ids": [nowhere], "params": at(path, value.clone())}),
                    )
                    .await;
                assert_eq!(
                    s,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{name}.{path}={value}: {e}"
                );
                assert_eq!(
                    e["field"],
                    format!("params.{path}"),
                    "{name}.{path}={value}: {e}"
                );
                checked += 1;
            }
        }
        // presets: the first is the defaults; each is accepted as it is
        let presets = kind["presets"].as_array().unwrap();
        assert!(presets.len() >= 3, "{name}: {presets:?}");
        assert_eq!(presets[0]["params"], json!({}), "{name}");
        for preset in presets {
            let mut params = preset["params"].clone();
            if name == "annotate" && params.get("to_stage").is_none() {
                params["label"] = json!("walk"); // a training set needs the user's label
            }
            let (s, e) = alice
                .post(
                    "/api/jobs",
                    &json!({"project_id": project, "kind": name, "video_ids": [nowhere], "params": params}),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}/{preset}: {e}");
            assert_eq!(
                e["field"], "video_ids",
                "{name} preset {}: {e}",
                preset["name"]
            );
        }
    }
    assert!(checked > 50, "ranges tried: {checked}");
    let anonymize = kinds
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "anonymize")
        .unwrap();
    let names: Vec<&str> = anonymize["presets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["standard", "fast", "thorough", "eyes_only"]);
}
