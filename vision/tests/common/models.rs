//! The runtime and model catalog for tests (models fetched by `make test`).

#![allow(dead_code)]

use vision::{Catalog, Runtime, RuntimeConfig};

pub fn runtime() -> &'static Runtime {
    Runtime::load(&RuntimeConfig {
        intra_threads: 2,
        ..Default::default()
    })
    .expect("ONNX Runtime (ORT_DYLIB_PATH) — make test sets it")
}

pub fn catalog() -> Catalog {
    let dir = std::env::var_os("RECOGNIZER_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/recognizer/models")
        });
    Catalog::new(dir).unwrap()
}

pub fn frame(path: &str, number: u64) -> image::RgbImage {
    let reader = vision::media::VideoReader::open(path).unwrap();
    for f in reader {
        let f = f.unwrap();
        if f.number == number {
            return f.image;
        }
    }
    panic!("{path} has no frame {number}");
}
