//! Stage 2 results in the formats other tools read: MOTChallenge text for the tracks, COCO
//! keypoints JSON (with track ids) for the poses.

use serde_json::{Value, json};

use super::stages::TrackFrame;
use crate::pose::{KEYPOINT_NAMES, SKELETON};

/// `frame,id,left,top,width,height,conf,-1,-1,-1` per tracked person; frames count from 1.
pub fn mot(frames: &[TrackFrame]) -> String {
    let mut out = String::new();
    for f in frames {
        for p in &f.persons {
            let Some(id) = p.person.track_id else {
                continue;
            };
            let b = p.person.bbox;
            out.push_str(&format!(
                "{},{id},{:.2},{:.2},{:.2},{:.2},{:.4},-1,-1,-1\n",
                f.frame_number + 1,
                b[0],
                b[1],
                b[2] - b[0],
                b[3] - b[1],
                p.person.confidence
            ));
        }
    }
    out
}

/// COCO keypoints: one image per frame (`<video>/<frame>.jpg`, not written), one annotation per
/// tracked person. Keypoints under `min_score` are "not labelled" (0,0,0); others visible (2).
pub fn coco(video: &str, frames: &[TrackFrame], min_score: f32) -> Value {
    let mut images = Vec::new();
    let mut annotations = Vec::new();
    for f in frames {
        let image_id = f.frame_number + 1;
        let (h, w, _) = f.frame_shape;
        images.push(json!({
            "id": image_id, "file_name": format!("{video}/{:06}.jpg", f.frame_number),
            "width": w, "height": h, "frame_id": f.frame_number, "timestamp": f.timestamp,
        }));
        for p in &f.persons {
            let Some(track_id) = p.person.track_id else {
                continue;
            };
            let mut keypoints = Vec::with_capacity(51);
            let mut visible = 0;
            for [x, y, c] in p.person.keypoints {
                if c >= min_score {
                    keypoints.extend([json!(x), json!(y), json!(2)]);
                    visible += 1;
                } else {
                    keypoints.extend([json!(0), json!(0), json!(0)]);
                }
            }
            let b = p.person.bbox;
            let (bw, bh) = (b[2] - b[0], b[3] - b[1]);
            annotations.push(json!({
                "id": annotations.len() + 1, "image_id": image_id, "category_id": 1,
                "keypoints": keypoints, "num_keypoints": visible,
                "bbox": [b[0], b[1], bw, bh], "area": bw * bh, "iscrowd": 0,
                "score": p.person.confidence, "track_id": track_id,
            }));
        }
    }
    json!({
        "info": { "description": format!("Recognizer poses and tracks of {video}") },
        "images": images,
        "annotations": annotations,
        "categories": [{
            "id": 1, "name": "person", "supercategory": "person",
            "keypoints": KEYPOINT_NAMES,
            // COCO numbers keypoints from 1
            "skeleton": SKELETON.iter().map(|(a, b)| [a + 1, b + 1]).collect::<Vec<_>>(),
        }],
    })
}
