//! Decoding and encoding real footage; bad inputs give clear errors, never a panic.

mod common;

use common::{data, ffmpeg, ffprobe};
use vision::media::{EncodeOptions, MediaError, VideoReader, VideoWriter, probe};

#[test]
fn vtest_decodes_every_frame_with_exact_numbers_and_timestamps() {
    let path = data("vtest.avi");
    let info = probe(&path).unwrap();
    assert_eq!((info.width, info.height, info.frames), (768, 576, 795));
    assert!((info.fps - 10.0).abs() < 1e-6);
    assert!(!info.has_audio);
    let mut count = 0;
    for (i, frame) in VideoReader::open(&path).unwrap().enumerate() {
        let frame = frame.unwrap();
        assert_eq!(frame.number, i as u64);
        assert!(
            (frame.timestamp - i as f64 / 10.0).abs() < 1e-6,
            "frame {i} at {}",
            frame.timestamp
        );
        assert_eq!(frame.image.dimensions(), (768, 576));
        count += 1;
    }
    assert_eq!(count, 795);
}

#[test]
fn encoding_keeps_frame_count_duration_and_audio() {
    let dir = tempfile::tempdir().unwrap();
    // A real clip with an audio track added (none of the fetched clips has sound).
    let with_audio = dir
        .path()
        .join("bikes-audio.mp4")
        .to_string_lossy()
        .into_owned();
    ffmpeg(&[
        "-i",
        &data("bikes.mp4"),
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=10",
        "-c:v",
        "copy",
        "-c:a",
        "aac",
        "-shortest",
        &with_audio,
    ]);
    let (in_frames, in_duration, in_audio, w, h) = ffprobe(&with_audio);
    assert!(in_audio);

    let out = dir.path().join("out.mp4");
    let mut reader = VideoReader::open(&with_audio).unwrap();
    let fps = reader.info().fps;
    let options = EncodeOptions {
        audio_from: Some(with_audio.clone()),
        ..Default::default()
    };
    let mut writer = VideoWriter::create(&out, w, h, fps, options).unwrap();
    while let Some(frame) = reader.next_frame().unwrap() {
        writer.write(&frame.image, Some(frame.timestamp)).unwrap();
    }
    writer.finish().unwrap();

    let (frames, duration, audio, ow, oh) = ffprobe(out.to_str().unwrap());
    assert_eq!(frames, in_frames);
    assert!(
        (duration - in_duration).abs() <= 1.0 / fps + 1e-3,
        "duration {duration} vs {in_duration}"
    );
    assert!(audio, "audio kept");
    assert_eq!((ow, oh), (w, h));
    // Index at the front (faststart): the 'moov' box comes before 'mdat'.
    let bytes = std::fs::read(&out).unwrap();
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(
        find(b"moov") < find(b"mdat"),
        "moov must precede mdat for streaming playback"
    );
    // Nothing else left in the directory (temporary files removed).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn odd_dimensions_and_no_audio_work() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd.mkv").to_string_lossy().into_owned();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=321x241:rate=25",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv444p",
        &odd,
    ]);
    let out = dir.path().join("odd-out.mp4");
    let mut reader = VideoReader::open(&odd).unwrap();
    let mut writer = VideoWriter::create(
        &out,
        321,
        241,
        25.0,
        EncodeOptions {
            audio_from: Some(odd.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    while let Some(f) = reader.next_frame().unwrap() {
        assert_eq!(f.image.dimensions(), (321, 241));
        writer.write(&f.image, Some(f.timestamp)).unwrap();
    }
    writer.finish().unwrap();
    let (frames, _, audio, w, h) = ffprobe(out.to_str().unwrap());
    assert_eq!((frames, audio, w, h), (25, false, 320, 240));
}

#[test]
fn variable_frame_rate_timestamps_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let vfr = dir.path().join("vfr.mkv").to_string_lossy().into_owned();
    // 25 fps for 1 s, then 5 fps for 1 s: timestamps, not frame numbers, carry the timing.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=25",
        "-t",
        "2",
        "-vf",
        "select='lt(t,1)+gte(t,1)*not(mod(n,5))',setpts=N/TB/25*0+PTS",
        "-fps_mode",
        "vfr",
        "-c:v",
        "mjpeg",
        &vfr,
    ]);
    let frames: Vec<_> = VideoReader::open(&vfr)
        .unwrap()
        .map(|f| f.unwrap())
        .collect();
    assert_eq!(frames.len(), 25 + 5);
    assert!(
        (frames[24].timestamp - 0.96).abs() < 1e-3,
        "{}",
        frames[24].timestamp
    );
    assert!(
        (frames[25].timestamp - 1.0).abs() < 1e-3,
        "{}",
        frames[25].timestamp
    );
    assert!(
        (frames[29].timestamp - 1.8).abs() < 1e-3,
        "{}",
        frames[29].timestamp
    );
}

fn open_all(path: &str) -> Result<u64, MediaError> {
    let mut reader = VideoReader::open(path)?;
    let mut n = 0;
    while reader.next_frame()?.is_some() {
        n += 1;
    }
    Ok(n)
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();

    std::fs::write(p("empty.mp4"), b"").unwrap();
    let err = open_all(&p("empty.mp4")).unwrap_err();
    assert!(matches!(err, MediaError::Empty { .. }), "{err}");
    assert!(err.to_string().contains("empty"));

    std::fs::write(
        p("notes.mp4"),
        "these are meeting notes, not a video\n".repeat(50),
    )
    .unwrap();
    let err = open_all(&p("notes.mp4")).unwrap_err();
    assert!(matches!(err, MediaError::Unreadable { .. }), "{err}");
    assert!(err.to_string().contains("notes.mp4"));

    let err = open_all(&p("missing.mp4")).unwrap_err();
    assert!(matches!(err, MediaError::Unreadable { .. }), "{err}");

    // Truncated: the first 40 % of a real AVI (its header announces 795 frames).
    let full = std::fs::read(data("vtest.avi")).unwrap();
    std::fs::write(p("truncated.avi"), &full[..full.len() * 2 / 5]).unwrap();
    let err = open_all(&p("truncated.avi")).unwrap_err();
    assert!(
        matches!(err, MediaError::Truncated { expected: 795, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("truncated"));

    // Truncated MP4: its index is lost, so it cannot be opened at all.
    let mp4 = std::fs::read(data("bikes.mp4")).unwrap();
    std::fs::write(p("truncated.mp4"), &mp4[..mp4.len() / 2]).unwrap();
    assert!(open_all(&p("truncated.mp4")).is_err());

    // Bytes flipped across the first half: garbage where the header was.
    let mut flipped = mp4.clone();
    for b in flipped[..mp4.len() / 2].iter_mut() {
        *b = !*b;
    }
    std::fs::write(p("flipped.mp4"), &flipped).unwrap();
    assert!(open_all(&p("flipped.mp4")).is_err());

    // Audio only: no video stream.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=1",
        "-c:a",
        "aac",
        &p("sound.m4a"),
    ]);
    let err = open_all(&p("sound.m4a")).unwrap_err();
    assert!(matches!(err, MediaError::NoVideo { .. }), "{err}");
}

#[test]
fn damaged_frames_in_the_middle_do_not_crash_decoding() {
    // Flip bytes inside the media data of a real clip: the decoder conceals or reports, never panics.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(data("bikes.mp4")).unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
    let start = mdat + (bytes.len() - mdat) / 2;
    for b in bytes[start..start + 4000].iter_mut() {
        *b ^= 0x5a;
    }
    let path = dir
        .path()
        .join("damaged.mp4")
        .to_string_lossy()
        .into_owned();
    std::fs::write(&path, &bytes).unwrap();
    match open_all(&path) {
        Ok(frames) => assert!(frames > 200, "most frames still decode: {frames}"),
        Err(e) => assert!(e.to_string().contains("damaged.mp4"), "{e}"),
    }
}

/// Browsers seek to a keyframe and decode from there: every keyframe must be an IDR frame (closed
/// GOPs). With open GOPs Chromium fails to decode after a seek.
#[test]
fn every_keyframe_of_the_output_is_an_idr_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bikes-out.mp4");
    let mut reader = VideoReader::open(&data("bikes.mp4")).unwrap();
    let mut writer = VideoWriter::create(&out, 640, 272, 25.0, EncodeOptions::default()).unwrap();
    while let Some(f) = reader.next_frame().unwrap() {
        writer.write(&f.image, Some(f.timestamp)).unwrap();
    }
    writer.finish().unwrap();

    let mut input = ffmpeg_next::format::input(&out).unwrap();
    let (mut keyframes, mut idr) = (0, 0);
    for (_, packet) in input.packets() {
        if !packet.is_key() {
            continue;
        }
        keyframes += 1;
        // MP4 holds H.264 as 4-byte length-prefixed NAL units; type 5 is an IDR slice.
        let mut data = packet.data().unwrap();
        while data.len() > 4 {
            let len = u32::from_be_bytes(data[..4].try_into().unwrap()) as usize;
            if data[4] & 0x1f == 5 {
                idr += 1;
                break;
            }
            data = &data[(4 + len).min(data.len())..];
        }
    }
    // bikes.mp4 has scene cuts: x264 starts several groups of pictures
    assert!(keyframes >= 3, "{keyframes} keyframes");
    assert_eq!(idr, keyframes, "keyframes that are not IDR frames");
}
