//! Pixel-format conversion (FFmpeg's swscale), on several threads for large pictures.
//!
//! ffmpeg-next's scaler runs `sws_scale` on the calling thread: a 1080p NV12/YUV → RGB24
//! conversion costs ~5 ms there (and RGB24 → YUV for the encoder as much), which bounded a
//! GPU job's decoding and encoding threads at ~200 frames/s each (bench/RESULTS.md, GPU
//! section). swscale has slice threads of its own (its `threads` option, FFmpeg ≥ 5.0), used by
//! `sws_scale_frame`; each thread converts a band of output rows with the same filters, so the
//! pictures are the same as on one thread (tested below).

use std::ffi::CStr;
use std::ptr;

use ffmpeg_next::ffi;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame;
use ffmpeg_next::software::scaling::Flags;

/// Pictures of at least this many pixels (1280×720) are converted on several threads.
const THREADED_PIXELS: u32 = 1280 * 720;
/// At most this many threads per conversion: more bands cost more start-up than they save.
const MAX_THREADS: usize = 4;

/// One conversion: a source format and size to a destination format and size.
pub(crate) struct Converter {
    context: *mut ffi::SwsContext,
    source: (Pixel, u32, u32),
    destination: (Pixel, u32, u32),
}

// SAFETY: the context is owned by this value alone and only used through `&mut self`.
unsafe impl Send for Converter {}

impl Converter {
    /// A bilinear conversion; `threads` 0 = chosen from the picture's size and the machine.
    pub fn new(
        source: (Pixel, u32, u32),
        destination: (Pixel, u32, u32),
        threads: usize,
    ) -> Result<Self, ffmpeg_next::Error> {
        let threads = if threads > 0 {
            threads
        } else if source.1 * source.2 >= THREADED_PIXELS {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
        } else {
            1
        };
        // SAFETY: a freshly allocated context is configured through its AVOptions (the names
        // swscale documents) before `sws_init_context`; it is freed on every error path.
        unsafe {
            let context = ffi::sws_alloc_context();
            if context.is_null() {
                return Err(ffmpeg_next::Error::Other {
                    errno: ffmpeg_next::util::error::ENOMEM,
                });
            }
            let options: [(&CStr, i64); 8] = [
                (c"srcw", source.1.into()),
                (c"srch", source.2.into()),
                (c"src_format", ffi::AVPixelFormat::from(source.0) as i64),
                (c"dstw", destination.1.into()),
                (c"dsth", destination.2.into()),
                (
                    c"dst_format",
                    ffi::AVPixelFormat::from(destination.0) as i64,
                ),
                (c"sws_flags", Flags::BILINEAR.bits().into()),
                (c"threads", threads as i64),
            ];
            for (name, value) in options {
                let err = ffi::av_opt_set_int(context.cast(), name.as_ptr(), value, 0);
                if err < 0 {
                    ffi::sws_freeContext(context);
                    return Err(ffmpeg_next::Error::from(err));
                }
            }
            let err = ffi::sws_init_context(context, ptr::null_mut(), ptr::null_mut());
            if err < 0 {
                ffi::sws_freeContext(context);
                return Err(ffmpeg_next::Error::from(err));
            }
            Ok(Self {
                context,
                source,
                destination,
            })
        }
    }

    /// Whether this converts `format` pictures of `width`×`height`.
    pub fn takes(&self, format: Pixel, width: u32, height: u32) -> bool {
        self.source == (format, width, height)
    }

    /// Converts `input` into `output` (allocated here when empty or of another shape).
    pub fn run(
        &mut self,
        input: &frame::Video,
        output: &mut frame::Video,
    ) -> Result<(), ffmpeg_next::Error> {
        if !self.takes(input.format(), input.width(), input.height()) {
            return Err(ffmpeg_next::Error::InputChanged);
        }
        let (format, width, height) = self.destination;
        // an empty frame has no format and a size of 0
        if (output.format(), output.width(), output.height()) != (format, width, height) {
            *output = frame::Video::new(format, width, height);
        }
        // SAFETY: both frames are allocated with the shapes the context was made for.
        let err =
            unsafe { ffi::sws_scale_frame(self.context, output.as_mut_ptr(), input.as_ptr()) };
        if err < 0 {
            return Err(ffmpeg_next::Error::from(err));
        }
        Ok(())
    }
}

impl Drop for Converter {
    fn drop(&mut self) {
        // SAFETY: made by sws_alloc_context, freed once.
        unsafe { ffi::sws_freeContext(self.context) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1280×720 NV12 picture with detail in every plane.
    fn nv12() -> frame::Video {
        crate::media::init();
        let mut f = frame::Video::new(Pixel::NV12, 1280, 720);
        for plane in 0..2 {
            let stride = f.stride(plane);
            let rows = if plane == 0 { 720 } else { 360 };
            let data = f.data_mut(plane);
            for y in 0..rows {
                for x in 0..1280 {
                    data[y * stride + x] = ((x * 7 + y * 13 + plane * 50) % 251) as u8;
                }
            }
        }
        f
    }

    #[test]
    fn threads_convert_to_the_same_picture_as_one_thread() {
        let source = nv12();
        let mut pictures = Vec::new();
        for threads in [1, 4] {
            let mut c =
                Converter::new((Pixel::NV12, 1280, 720), (Pixel::RGB24, 1280, 720), threads)
                    .unwrap();
            let mut out = frame::Video::empty();
            c.run(&source, &mut out).unwrap();
            assert_eq!(
                (out.width(), out.height(), out.format()),
                (1280, 720, Pixel::RGB24)
            );
            let stride = out.stride(0);
            let rows: Vec<u8> = (0..720)
                .flat_map(|y| out.data(0)[y * stride..y * stride + 1280 * 3].to_vec())
                .collect();
            pictures.push(rows);
        }
        assert!(pictures[0].iter().any(|&v| v > 0), "a picture came out");
        assert!(pictures[0] == pictures[1], "4 threads changed the picture");
        // and back to YUV for the encoder, with another size
        let mut rgb = frame::Video::empty();
        Converter::new((Pixel::NV12, 1280, 720), (Pixel::RGB24, 1280, 720), 4)
            .unwrap()
            .run(&source, &mut rgb)
            .unwrap();
        let mut down =
            Converter::new((Pixel::RGB24, 1280, 720), (Pixel::YUV420P, 640, 360), 4).unwrap();
        let mut yuv = frame::Video::empty();
        down.run(&rgb, &mut yuv).unwrap();
        assert_eq!((yuv.width(), yuv.height()), (640, 360));
    }

    #[test]
    fn a_picture_of_another_shape_is_refused() {
        let source = nv12();
        let mut c = Converter::new((Pixel::NV12, 640, 360), (Pixel::RGB24, 640, 360), 1).unwrap();
        let mut out = frame::Video::empty();
        assert!(c.run(&source, &mut out).is_err());
    }
}
