//! The MMAction2 / PYSKL skeleton dataset as a Python pickle: `{"split": {...}, "annotations":
//! [...]}` whose arrays load as real, writable `numpy.ndarray`s.
//!
//! Written by hand (protocol 3, a dozen opcodes): serde-pickle cannot express numpy arrays. Each
//! array is `numpy.ndarray(shape, "<f4", bytearray(raw))` — only public, stable names, so any
//! numpy version loads it.

use std::io::Write;

use super::tensors::{Sample, Split, V};

/// A small pickle value tree.
pub enum Py {
    Int(i64),
    Str(String),
    Tuple(Vec<Py>),
    List(Vec<Py>),
    /// Keys are strings, in order.
    Dict(Vec<(String, Py)>),
    /// float32, little-endian, C order.
    Array {
        shape: Vec<usize>,
        data: Vec<f32>,
    },
}

pub fn dataset(samples: &[Sample], split: &Split) -> Py {
    let names = |v: &[String]| Py::List(v.iter().map(|s| Py::Str(s.clone())).collect());
    let mut subsets = vec![
        ("train".to_string(), names(&split.train)),
        ("val".to_string(), names(&split.val)),
    ];
    if !split.test.is_empty() {
        subsets.push(("test".to_string(), names(&split.test)));
    }
    let annotations = samples
        .iter()
        .map(|s| {
            let (m, t) = (s.persons(), s.total_frames);
            let shape = |(h, w): (u32, u32)| Py::Tuple(vec![Py::Int(h.into()), Py::Int(w.into())]);
            Py::Dict(vec![
                ("frame_dir".into(), Py::Str(s.frame_dir.clone())),
                ("label".into(), Py::Int(s.label)),
                ("img_shape".into(), shape(s.img_shape)),
                ("original_shape".into(), shape(s.original_shape)),
                ("total_frames".into(), Py::Int(t as i64)),
                (
                    "keypoint".into(),
                    Py::Array {
                        shape: vec![m, t, V, 2],
                        data: s.keypoint.clone(),
                    },
                ),
                (
                    "keypoint_score".into(),
                    Py::Array {
                        shape: vec![m, t, V],
                        data: s.keypoint_score.clone(),
                    },
                ),
            ])
        })
        .collect();
    Py::Dict(vec![
        ("split".into(), Py::Dict(subsets)),
        ("annotations".into(), Py::List(annotations)),
    ])
}

const PROTO: u8 = 0x80;
const STOP: u8 = b'.';
const MARK: u8 = b'(';
const EMPTY_DICT: u8 = b'}';
const SETITEMS: u8 = b'u';
const EMPTY_LIST: u8 = b']';
const APPENDS: u8 = b'e';
const TUPLE: u8 = b't';
const BININT: u8 = b'J';
const LONG1: u8 = 0x8a;
const BINUNICODE: u8 = b'X';
const BINBYTES: u8 = b'B';
const GLOBAL: u8 = b'c';
const REDUCE: u8 = b'R';

pub fn write(value: &Py, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(&[PROTO, 3])?;
    put(value, out)?;
    out.write_all(&[STOP])
}

fn put(value: &Py, out: &mut impl Write) -> std::io::Result<()> {
    match value {
        Py::Int(i) => match i32::try_from(*i) {
            Ok(small) => {
                out.write_all(&[BININT])?;
                out.write_all(&small.to_le_bytes())
            }
            Err(_) => {
                out.write_all(&[LONG1, 8])?;
                out.write_all(&i.to_le_bytes())
            }
        },
        Py::Str(s) => {
            out.write_all(&[BINUNICODE])?;
            out.write_all(&(s.len() as u32).to_le_bytes())?;
            out.write_all(s.as_bytes())
        }
        Py::Tuple(items) => {
            out.write_all(&[MARK])?;
            for item in items {
                put(item, out)?;
            }
            out.write_all(&[TUPLE])
        }
        Py::List(items) => {
            out.write_all(&[EMPTY_LIST])?;
            for chunk in items.chunks(1000) {
                out.write_all(&[MARK])?;
                for item in chunk {
                    put(item, out)?;
                }
                out.write_all(&[APPENDS])?;
            }
            Ok(())
        }
        Py::Dict(entries) => {
            out.write_all(&[EMPTY_DICT, MARK])?;
            for (k, v) in entries {
                put(&Py::Str(k.clone()), out)?;
                put(v, out)?;
            }
            out.write_all(&[SETITEMS])
        }
        Py::Array { shape, data } => {
            assert_eq!(
                shape.iter().product::<usize>(),
                data.len(),
                "array shape and data agree"
            );
            // numpy.ndarray(shape, "<f4", bytearray(raw))
            out.write_all(&[GLOBAL])?;
            out.write_all(b"numpy\nndarray\n")?;
            out.write_all(&[MARK])?;
            put(
                &Py::Tuple(shape.iter().map(|&d| Py::Int(d as i64)).collect()),
                out,
            )?;
            put(&Py::Str("<f4".into()), out)?;
            out.write_all(&[GLOBAL])?;
            out.write_all(b"builtins\nbytearray\n")?;
            out.write_all(&[MARK, BINBYTES])?;
            out.write_all(&((data.len() * 4) as u32).to_le_bytes())?;
            for v in data {
                out.write_all(&v.to_le_bytes())?;
            }
            out.write_all(&[TUPLE, REDUCE])?;
            out.write_all(&[TUPLE, REDUCE])
        }
    }
}
