//! The model catalog: what `models/manifest.toml` lists and what is in the model cache.
//!
//! The manifest is embedded at build time, so the binary knows its models wherever it runs;
//! `models fetch` puts the converted files into the cache directory.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::runtime::Runtime;

const MANIFEST: &str = include_str!("../../models/manifest.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct ModelSpec {
    pub name: String,
    pub what: String,
    pub file: String,
    pub licence: String,
    #[serde(default)]
    pub required: bool,
    /// Needed by a GPU worker's way (fixed shapes, batches): fetched with the required models
    /// where the runtime runs on CUDA.
    #[serde(default)]
    pub gpu: bool,
    pub source: Source,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
}

impl ModelSpec {
    /// Whether `models fetch` takes this model: every model, or with `required_only` the
    /// required ones — and on CUDA the GPU's (`make run` on a GPU machine).
    pub fn fetched(&self, required_only: bool, cuda: bool) -> bool {
        !required_only || self.required || (cuda && self.gpu)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    pub registry: String,
    pub package: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: String,
    /// -1 marks a free dimension.
    pub shape: Vec<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the embedded model manifest is invalid: {0}")]
    Manifest(#[from] toml::de::Error),
    #[error("model {name} is not in the cache ({path}); run `recognizer models fetch`")]
    NotFetched { name: String, path: PathBuf },
    #[error(
        "model file {path} cannot be loaded by ONNX Runtime: {reason}; delete it and run `recognizer models fetch`"
    )]
    Unloadable { path: PathBuf, reason: String },
    #[error(
        "model file {path} has {found}, the manifest expects {expected}; delete it and run `recognizer models fetch`"
    )]
    WrongSignature {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

#[derive(Debug, Deserialize)]
struct Manifest {
    model: Vec<ModelSpec>,
}

/// Presence of one model in the cache, as the health endpoint reports it.
#[derive(Debug, Clone, Serialize)]
pub struct ModelStatus {
    pub name: String,
    pub required: bool,
    pub present: bool,
    pub bytes: Option<u64>,
}

/// The manifest plus the cache directory it is resolved against.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub dir: PathBuf,
    pub models: Vec<ModelSpec>,
}

impl Catalog {
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, CatalogError> {
        let manifest: Manifest = toml::from_str(MANIFEST)?;
        Ok(Self {
            dir: dir.into(),
            models: manifest.model,
        })
    }

    pub fn get(&self, name: &str) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.name == name)
    }

    pub fn path_of(&self, spec: &ModelSpec) -> PathBuf {
        self.dir.join(&spec.file)
    }

    /// The path of a fetched model, or an error telling the user how to fetch it.
    pub fn require(&self, name: &str) -> Result<PathBuf, CatalogError> {
        let spec = self
            .get(name)
            .expect("model names come from code that matches the manifest");
        let path = self.path_of(spec);
        if path.is_file() {
            Ok(path)
        } else {
            Err(CatalogError::NotFetched {
                name: name.into(),
                path,
            })
        }
    }

    pub fn status(&self) -> Vec<ModelStatus> {
        self.models
            .iter()
            .map(|m| {
                let bytes = std::fs::metadata(self.path_of(m))
                    .ok()
                    .filter(|md| md.is_file())
                    .map(|md| md.len());
                ModelStatus {
                    name: m.name.clone(),
                    required: m.required,
                    present: bytes.is_some(),
                    bytes,
                }
            })
            .collect()
    }

    /// Loads a cached model and compares its input and output names with the manifest.
    pub fn verify(&self, runtime: &Runtime, spec: &ModelSpec) -> Result<(), CatalogError> {
        let path = self.path_of(spec);
        if !path.is_file() {
            return Err(CatalogError::NotFetched {
                name: spec.name.clone(),
                path,
            });
        }
        let session = runtime
            .session(&path)
            .map_err(|e| CatalogError::Unloadable {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        // Outputs are read by name, so their order does not matter.
        let names = |inputs: Vec<String>, mut outputs: Vec<String>| {
            outputs.sort();
            (inputs, outputs)
        };
        let found = names(
            session
                .inputs()
                .iter()
                .map(|o| o.name().to_string())
                .collect(),
            session
                .outputs()
                .iter()
                .map(|o| o.name().to_string())
                .collect(),
        );
        let expected = names(
            spec.inputs.iter().map(|t| t.name.clone()).collect(),
            spec.outputs.iter().map(|t| t.name.clone()).collect(),
        );
        if found != expected {
            return Err(CatalogError::WrongSignature {
                path,
                expected: format!("tensors {expected:?}"),
                found: format!("tensors {found:?}"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_lists_the_required_models_with_pinned_sources() {
        let catalog = Catalog::new("/nowhere").unwrap();
        for name in ["movenet-multipose", "centerface"] {
            let m = catalog.get(name).unwrap();
            assert!(m.required, "{name} must be fetched by make run");
            assert_eq!(m.source.sha256.len(), 64);
        }
        let names: Vec<_> = catalog.models.iter().map(|m| &m.name).collect();
        let mut dedup = names.clone();
        dedup.dedup();
        assert_eq!(names, dedup, "model names are unique");
    }

    #[test]
    fn a_gpu_machine_fetches_the_gpu_models_with_the_required_ones() {
        let catalog = Catalog::new("/nowhere").unwrap();
        let fetched = |cuda| -> Vec<&str> {
            let mut names: Vec<&str> = catalog
                .models
                .iter()
                .filter(|m| m.fetched(true, cuda))
                .map(|m| m.name.as_str())
                .collect();
            names.sort_unstable();
            names
        };
        assert_eq!(fetched(false), ["centerface", "movenet-multipose"]);
        assert_eq!(
            fetched(true),
            [
                "centerface",
                "centerface-frames",
                "movenet-multipose",
                "movenet-multipose-batch"
            ]
        );
        assert!(catalog.models.iter().all(|m| m.fetched(false, false)));
    }

    #[test]
    fn a_missing_model_says_how_to_fetch_it() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::new(dir.path()).unwrap();
        let err = catalog.require("centerface").unwrap_err().to_string();
        assert!(err.contains("recognizer models fetch"), "{err}");
        assert!(catalog.status().iter().all(|s| !s.present));
        std::fs::write(dir.path().join("centerface.onnx"), b"x").unwrap();
        assert!(
            catalog
                .status()
                .iter()
                .any(|s| s.name == "centerface" && s.present && s.bytes == Some(1))
        );
    }
}
