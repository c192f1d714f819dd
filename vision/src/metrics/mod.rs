//! Evaluation metrics: multi-object tracking (CLEAR MOT and identity measures).

pub mod mot;
