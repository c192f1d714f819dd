//! Faces to blur when no anonymize job's mask log is given: the face detector on the frame
//! (at the anonymize job's default settings) and the heads of the people tracked in it.

use super::{FaceFinder, RenderError};
use crate::anonymize::{AnonymizeConfig, masks};
use crate::models::ModelError;
use crate::models::centerface::{CenterFace, CenterFaceConfig};
use crate::{Catalog, Runtime};

pub fn face_finder(runtime: &Runtime, catalog: &Catalog) -> Result<FaceFinder, ModelError> {
    let defaults = AnonymizeConfig::default();
    let mut detector = CenterFace::new(
        runtime,
        catalog,
        CenterFaceConfig {
            input_size: defaults.face_input_size,
            threshold: defaults.threshold,
            ..CenterFaceConfig::default()
        },
    )?;
    Ok(Box::new(move |image, people| {
        let faces = detector
            .detect(image)
            .map_err(|e| RenderError::Faces(e.to_string()))?;
        Ok(masks::regions(&faces, people, defaults.mode, 0.3)
            .into_iter()
            .map(|r| r.bbox)
            .collect())
    }))
}
