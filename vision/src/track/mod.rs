//! Multi-object tracking: ByteTrack (Kalman prediction, two-stage IoU association — confident
//! detections first, then the weak ones — Hungarian assignment, a buffer for lost tracks).

pub mod appearance;
mod bytetrack;
pub mod kalman;

pub use bytetrack::{ByteTrackConfig, ByteTracker, Detection, TrackedObject};
