//! The live reader against a real RTSP server (GStreamer) serving real footage, read with retina
//! (the default for rtsp://) and with FFmpeg's client: it goes live, keeps only the newest
//! frame, survives the server being killed and restarted or stalled, and a bad address or wrong
//! password ends in a clear state instead of a reconnect storm.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::camera::{Camera, camera_clip, camera_clip_sliced, wait_for};
use vision::media::{LiveOptions, LiveReader, LiveState};

fn options() -> LiveOptions {
    LiveOptions {
        read_timeout: Duration::from_secs(2),
        ..LiveOptions::default()
    }
}

fn clip() -> std::path::PathBuf {
    camera_clip(&common::data("vtest.avi"), 20)
}

fn state(r: &LiveReader) -> LiveState {
    r.health().state
}

#[test]
fn goes_live_and_a_slow_consumer_gets_the_newest_frame_not_a_queue() {
    let camera = Camera::start(&clip(), None);
    let reader = LiveReader::start(&camera.url, options());
    wait_for(Duration::from_secs(15), "live", || {
        state(&reader) == LiveState::Live
    });
    // a consumer 4× slower than the camera: every frame it gets is fresh, the rest are counted
    let mut numbers = Vec::new();
    for _ in 0..8 {
        std::thread::sleep(Duration::from_millis(250));
        let f = reader
            .latest(Duration::from_secs(2))
            .expect("a frame within 2 s");
        assert_eq!(f.frame.image.dimensions(), (640, 480)); // vtest is 4:3
        let age = SystemTime::now()
            .duration_since(f.decoded_at)
            .unwrap_or_default();
        assert!(age < Duration::from_millis(150), "a frame {age:?} old");
        numbers.push(f.frame.number);
    }
    assert!(numbers.windows(2).all(|w| w[1] > w[0] + 1), "{numbers:?}");
    let h = reader.health();
    assert!(h.dropped >= 16, "dropped {} of {}", h.dropped, h.frames);
    assert!(
        (12.0..18.0).contains(&h.input_fps),
        "input fps {}",
        h.input_fps
    );
    assert_eq!(h.reconnects_last_hour, 0);
}

#[test]
fn ffmpeg_reads_the_camera_too_when_asked() {
    // the default reads rtsp:// with retina (the test above); FFmpeg's client stays available
    let camera = Camera::start(&clip(), Some(("viewer", "right-one")));
    let reader = LiveReader::start(
        &camera.url_with("viewer", "right-one"),
        LiveOptions {
            native_rtsp: false,
            ..options()
        },
    );
    wait_for(Duration::from_secs(15), "live", || {
        state(&reader) == LiveState::Live
    });
    let f = reader
        .latest(Duration::from_secs(2))
        .expect("a frame within 2 s");
    assert_eq!(f.frame.image.dimensions(), (640, 480));
    std::thread::sleep(Duration::from_secs(1));
    let h = reader.health();
    assert!(h.frames >= 10, "{h:?}");
    assert_eq!(h.reconnects_last_hour, 0);
}

/// Mean absolute difference between vertically adjacent pixels over the top three quarters: a
/// picture whose first slices were lost is smeared down its columns there (near 0).
fn vertical_detail(image: &image::RgbImage) -> f64 {
    let (w, h) = image.dimensions();
    let mut sum = 0u64;
    for y in 1..h * 3 / 4 {
        for x in 0..w {
            let (a, b) = (image.get_pixel(x, y - 1), image.get_pixel(x, y));
            sum += (0..3).map(|c| a[c].abs_diff(b[c]) as u64).sum::<u64>();
        }
    }
    sum as f64 / (w as f64 * (h * 3 / 4 - 1) as f64 * 3.0)
}

#[test]
fn a_camera_that_sends_several_slices_a_picture_decodes_whole() {
    // four slices a picture, as many IP cameras send: FFmpeg's RTSP client decoded only the last
    // slice of each picture from this server (the rest smeared down the columns); retina hands
    // over whole pictures
    let clip = camera_clip_sliced(&common::data("vtest.avi"), 20, 4);
    let reference = vision::media::VideoReader::open(clip.to_str().unwrap())
        .unwrap()
        .next_frame()
        .unwrap()
        .expect("a first frame");
    let whole = vertical_detail(&reference.image);
    let camera = Camera::start(&clip, None);
    let reader = LiveReader::start(&camera.url, options());
    wait_for(Duration::from_secs(15), "live", || {
        state(&reader) == LiveState::Live
    });
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(300));
        let f = reader
            .latest(Duration::from_secs(2))
            .expect("a frame within 2 s");
        let detail = vertical_detail(&f.frame.image);
        assert!(
            detail > 0.6 * whole,
            "frame {}: vertical detail {detail:.2}, the clip's first frame {whole:.2}",
            f.frame.number
        );
    }
}

#[test]
fn a_killed_server_is_reconnected_when_it_comes_back() {
    let mut camera = Camera::start(&clip(), None);
    let reader = LiveReader::start(&camera.url, options());
    wait_for(Duration::from_secs(15), "live", || {
        state(&reader) == LiveState::Live
    });
    camera.kill_server();
    wait_for(Duration::from_secs(5), "noticing the loss", || {
        state(&reader) != LiveState::Live
    });
    assert_eq!(state(&reader), LiveState::Reconnecting);
    std::thread::sleep(Duration::from_secs(3));
    let h = reader.health();
    assert!(h.last_error.is_some());
    // 1 s waits: about three attempts in 3 s, not a storm
    assert!((1..=5).contains(&h.reconnects_last_hour), "{h:?}");
    camera.start_server();
    let back = wait_for(Duration::from_secs(15), "live again", || {
        state(&reader) == LiveState::Live
    });
    eprintln!("live again {back:?} after the restart");
    let before = reader.health().frames;
    std::thread::sleep(Duration::from_secs(1));
    assert!(reader.health().frames > before + 5);
}

#[test]
fn a_stalled_server_times_out_instead_of_hanging_and_is_read_again_when_it_resumes() {
    let camera = Camera::start(&clip(), None);
    let reader = LiveReader::start(&camera.url, options());
    wait_for(Duration::from_secs(15), "live", || {
        state(&reader) == LiveState::Live
    });
    camera.stall();
    let noticed = wait_for(Duration::from_secs(6), "the read timing out", || {
        state(&reader) != LiveState::Live
    });
    eprintln!("stall noticed after {noticed:?}");
    camera.resume();
    wait_for(Duration::from_secs(20), "live after the stall", || {
        state(&reader) == LiveState::Live
    });
    assert!(reader.health().reconnects_last_hour >= 1);
}

#[test]
fn wrong_credentials_and_bad_addresses_end_in_a_clear_state_without_a_storm() {
    let camera = Camera::start(&clip(), Some(("viewer", "right-one")));
    let good = LiveReader::start(&camera.url_with("viewer", "right-one"), options());
    let wrong = LiveReader::start(&camera.url_with("viewer", "wrong-one"), options());
    wait_for(
        Duration::from_secs(15),
        "live with the right password",
        || state(&good) == LiveState::Live,
    );
    wait_for(
        Duration::from_secs(10),
        "offline with the wrong password",
        || state(&wrong) == LiveState::Offline,
    );
    let h = wrong.health();
    let error = h.last_error.clone().unwrap();
    assert!(error.contains("password"), "{error}");
    assert!(!error.contains("wrong-one"), "the password leaked: {error}");
    assert_eq!(h.frames, 0);
    // refused: the next attempt waits for the slow end of the backoff (60 s), no storm
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(wrong.health().reconnects_last_hour, 0);

    let nobody = LiveReader::start("rtsp://127.0.0.1:9/cam", options());
    wait_for(Duration::from_secs(10), "a failed first attempt", || {
        nobody.health().last_error.is_some()
    });
    assert_ne!(state(&nobody), LiveState::Live);
    let started = Instant::now();
    drop(nobody);
    assert!(started.elapsed() < Duration::from_secs(1), "stopping hung");
}

#[test]
fn a_file_plays_at_its_own_pace_in_a_loop() {
    let clip = camera_clip(&common::data("vtest.avi"), 2);
    let reader = LiveReader::start(clip.to_str().unwrap(), options());
    let mut last = None;
    let start = Instant::now();
    let mut count = 0;
    while start.elapsed() < Duration::from_secs(4) {
        if let Some(f) = reader.latest(Duration::from_millis(500)) {
            count += 1;
            last = Some(f.frame.number);
        }
    }
    // 4 s of a 2 s clip at 15 fps: it looped, and it was not read as fast as it decodes
    assert!((45..70).contains(&count), "{count} frames in 4 s");
    assert!(last.unwrap() >= 45);
    assert_eq!(reader.health().dropped, 0);
}
