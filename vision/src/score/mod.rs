//! Scorers over tracked people.

pub mod motion;

pub use motion::{MotionScore, MotionScorer};
