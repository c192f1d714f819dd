//! Evaluation metrics: binary classification (clips, windows), events against labelled
//! intervals, and multi-object tracking (CLEAR MOT and identity measures).

pub mod classification;
pub mod events;
pub mod mot;
