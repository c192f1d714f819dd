//! The websocket `/api/ws`: keeps every visible job up to date and tells pages when videos or
//! events change.
//! Reconnects after a drop (the server starts each connection with a fresh snapshot).

use std::collections::HashMap;

use api::{Job, ServerEvent};
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::{JsCast, prelude::Closure};
use web_sys::{MessageEvent, WebSocket};

#[derive(Clone, Copy)]
pub struct Live {
    pub jobs: RwSignal<HashMap<Uuid, Job>>,
    /// Bumped on every video event: pages that list videos refetch.
    pub videos_changed: RwSignal<u64>,
    /// Bumped whenever an analysis stores an event: event lists refetch.
    pub events_changed: RwSignal<u64>,
    /// Streams as last pushed (health every couple of seconds).
    pub streams: RwSignal<HashMap<Uuid, api::Stream>>,
    /// Bumped when a stream is added or removed: stream lists refetch.
    pub streams_changed: RwSignal<u64>,
    pub connected: RwSignal<bool>,
    /// Whether the session still wants the connection (false after sign-out).
    wanted: RwSignal<bool>,
}

pub fn provide() -> Live {
    let live = Live {
        jobs: RwSignal::new(HashMap::new()),
        videos_changed: RwSignal::new(0),
        events_changed: RwSignal::new(0),
        streams: RwSignal::new(HashMap::new()),
        streams_changed: RwSignal::new(0),
        connected: RwSignal::new(false),
        wanted: RwSignal::new(false),
    };
    provide_context(live);
    live
}

pub fn use_live() -> Live {
    expect_context::<Live>()
}

impl Live {
    pub fn start(self) {
        if !self.wanted.get_untracked() {
            self.wanted.set(true);
            connect(self);
        }
    }

    pub fn stop(self) {
        self.wanted.set(false);
        self.jobs.set(HashMap::new());
        if let Some(ws) = SOCKET.with(|s| s.borrow_mut().take()) {
            ws.set_onclose(None);
            let _ = ws.close();
        }
        self.connected.set(false);
    }

    /// Jobs newest first.
    pub fn job_list(self) -> Vec<Job> {
        let mut jobs: Vec<Job> = self.jobs.get().into_values().collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.created_at));
        jobs
    }

    /// A job fetched over HTTP (e.g. right after creating it) until its events arrive.
    pub fn remember(self, job: Job) {
        self.jobs.update(|jobs| {
            let newer = jobs
                .get(&job.id)
                .is_none_or(|old| old.updated_at <= job.updated_at);
            if newer {
                jobs.insert(job.id, job);
            }
        });
    }

    fn apply(self, event: ServerEvent) {
        match event {
            ServerEvent::Snapshot { jobs } => {
                self.jobs.set(jobs.into_iter().map(|j| (j.id, j)).collect());
            }
            ServerEvent::Job { job } => self.remember(job),
            ServerEvent::JobDeleted { id, .. } => self.jobs.update(|jobs| {
                jobs.remove(&id);
            }),
            ServerEvent::Video { .. } | ServerEvent::VideoDeleted { .. } => {
                self.videos_changed.update(|n| *n += 1)
            }
            ServerEvent::Event { .. } => self.events_changed.update(|n| *n += 1),
            ServerEvent::Stream { stream } => {
                let known = self.streams.with_untracked(|s| s.contains_key(&stream.id));
                self.streams.update(|s| {
                    s.insert(stream.id, stream);
                });
                if !known {
                    self.streams_changed.update(|n| *n += 1);
                }
            }
            ServerEvent::StreamDeleted { id, .. } => {
                self.streams.update(|s| {
                    s.remove(&id);
                });
                self.streams_changed.update(|n| *n += 1);
            }
        }
    }
}

fn url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/api/ws", location.host().ok()?))
}

fn connect(live: Live) {
    let Some(url) = url() else { return };
    let Ok(ws) = WebSocket::new(&url) else {
        retry(live);
        return;
    };
    let on_open = Closure::<dyn FnMut()>::new(move || live.connected.set(true));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(text) = e.data().as_string() {
            match serde_json::from_str::<ServerEvent>(&text) {
                Ok(event) => live.apply(event),
                Err(err) => leptos::logging::warn!("unreadable event from the server: {err}"),
            }
        }
    });
    let on_close = Closure::<dyn FnMut()>::new(move || {
        live.connected.set(false);
        retry(live);
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket lives as long as the page; so do its callbacks.
    on_open.forget();
    on_message.forget();
    on_close.forget();
    SOCKET.with(|s| *s.borrow_mut() = Some(ws));
}

thread_local! {
    static SOCKET: std::cell::RefCell<Option<WebSocket>> = const { std::cell::RefCell::new(None) };
}

fn retry(live: Live) {
    if live.wanted.get_untracked() {
        gloo_timers::callback::Timeout::new(2_000, move || {
            if live.wanted.get_untracked() {
                connect(live)
            }
        })
        .forget();
    }
}
