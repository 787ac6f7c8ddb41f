//! `use_room_status`: the dashboards' polling of `GET /api/rooms/status`.
//!
//! One request per interval for all watched appointments (seed 002's 5-second polling), every
//! 30 s while the tab is hidden (`dashboard::HIDDEN_POLL_MS`) (so a background dashboard still learns who waits and can raise
//! the desktop notification) and refreshed at once when it is shown again, stopped when nothing
//! is watched, backing off with jitter after errors (`teleconsult_core::dashboard::next_poll_delay_ms`),
//! and sending the last ETag so an unchanged answer costs a 304. Visibility comes from leptos-use;
//! the timer is a gloo `Timeout` rather than a fixed interval because the delay changes with errors.

use std::{cell::RefCell, rc::Rc};

use gloo_timers::callback::Timeout;
use leptos::{prelude::*, task::spawn_local};
use leptos_use_document_visibility::use_document_visibility;
use teleconsult_core::{api::RoomStatus, dashboard::next_poll_delay_ms};
use web_sys::VisibilityState;

use crate::api::{expect_authorized_api, ApiError, AuthorizedApi, RoomStatusReply};

/// Options of [`use_room_status`].
#[derive(Debug, Clone)]
pub struct UseRoomStatusOptions {
    /// Interval between polls in ms (`roomStatusPollMs` of config.json).
    pub interval_ms: u32,
}

/// What [`use_room_status`] gives back.
#[derive(Clone, Copy)]
pub struct UseRoomStatusReturn {
    /// The latest status of each watched room.
    pub rooms: Signal<Vec<RoomStatus>>,
    /// True after a failed poll, until one succeeds ("reconnecting…").
    pub reconnecting: Signal<bool>,
    /// True once the server answered 401: the session ended.
    pub unauthorized: Signal<bool>,
}

struct Poller {
    timer: Option<Timeout>,
    etag: Option<String>,
    errors: u32,
    in_flight: Option<web_sys::AbortController>,
    disposed: bool,
}

/// Polls the room status of the appointments in `ids`, with the page's [`AuthorizedApi`].
pub fn use_room_status(
    ids: Signal<Vec<i64>>,
    options: UseRoomStatusOptions,
) -> UseRoomStatusReturn {
    let visibility = use_document_visibility();
    let rooms = RwSignal::new(Vec::<RoomStatus>::new());
    let reconnecting = RwSignal::new(false);
    let unauthorized = RwSignal::new(false);
    let poller = Rc::new(RefCell::new(Poller {
        timer: None,
        etag: None,
        errors: 0,
        in_flight: None,
        disposed: false,
    }));
    let options = Rc::new(options);
    let api: Rc<AuthorizedApi> = Rc::new(expect_authorized_api());

    // Runs one poll now, then schedules the next according to the policy.
    type Tick = Rc<dyn Fn()>;
    let tick: Rc<RefCell<Option<Tick>>> = Rc::new(RefCell::new(None));
    let tick_fn: Tick = {
        let poller = poller.clone();
        let options = options.clone();
        let api = api.clone();
        let tick = Rc::downgrade(&tick);
        Rc::new(move || {
            let watched = ids.get_untracked();
            {
                let mut p = poller.borrow_mut();
                p.timer = None;
                if p.disposed || unauthorized.get_untracked() || watched.is_empty() {
                    return;
                }
                if let Some(previous) = p.in_flight.take() {
                    previous.abort();
                }
            }
            let abort = web_sys::AbortController::new().ok();
            let signal = abort.as_ref().map(|a| a.signal());
            poller.borrow_mut().in_flight = abort;
            let etag = poller.borrow().etag.clone();
            let poller = poller.clone();
            let options = options.clone();
            let api = api.clone();
            let tick = tick.clone();
            spawn_local(async move {
                let result = api
                    .room_status(&watched, etag.as_deref(), signal.as_ref())
                    .await;
                let errors = {
                    let mut p = poller.borrow_mut();
                    if p.disposed {
                        return;
                    }
                    p.in_flight = None;
                    match result {
                        Ok(RoomStatusReply::NotModified) => p.errors = 0,
                        Ok(RoomStatusReply::Changed(body, etag)) => {
                            p.errors = 0;
                            p.etag = etag;
                            rooms.set(body.rooms);
                        }
                        Err(ApiError::Unauthorized(_)) => {
                            unauthorized.set(true);
                            return;
                        }
                        Err(ApiError::Network(m)) if m.contains("abort") => return,
                        Err(_) => p.errors += 1,
                    }
                    p.errors
                };
                reconnecting.set(errors > 0);
                let visible = visibility.get_untracked() == VisibilityState::Visible;
                let delay = next_poll_delay_ms(
                    visible,
                    !ids.get_untracked().is_empty(),
                    errors,
                    options.interval_ms,
                    js_sys::Math::random(),
                );
                if let (Some(delay), Some(tick)) = (delay, tick.upgrade()) {
                    let next = tick.borrow().clone();
                    if let Some(next) = next {
                        poller.borrow_mut().timer =
                            Some(Timeout::new(delay as u32, move || next()));
                    }
                }
            });
        })
    };
    *tick.borrow_mut() = Some(tick_fn.clone());

    // Poll at once when the watched set changes or the tab becomes visible; when it is hidden,
    // poll next after the hidden cadence instead.
    Effect::new({
        let poller = poller.clone();
        let tick_fn = tick_fn.clone();
        let options = options.clone();
        move |previous: Option<Vec<i64>>| {
            let watched = ids.get();
            let visible = visibility.get() == VisibilityState::Visible;
            let mut p = poller.borrow_mut();
            if previous.as_ref() != Some(&watched) {
                p.etag = None;
                if watched.is_empty() {
                    rooms.set(Vec::new());
                }
            }
            p.timer = None;
            drop(p);
            if visible {
                tick_fn();
            } else {
                let mut p = poller.borrow_mut();
                if let Some(inflight) = p.in_flight.take() {
                    inflight.abort();
                }
                let delay =
                    next_poll_delay_ms(false, !watched.is_empty(), 0, options.interval_ms, 0.0);
                if let (Some(delay), false) = (delay, p.disposed) {
                    let next = tick_fn.clone();
                    p.timer = Some(Timeout::new(delay as u32, move || next()));
                }
            }
            watched
        }
    });

    // Single-threaded wasm: the wrapper only satisfies on_cleanup's Send bound.
    let cleanup = send_wrapper::SendWrapper::new({
        let poller = poller.clone();
        move || {
            let mut p = poller.borrow_mut();
            p.disposed = true;
            p.timer = None;
            if let Some(a) = p.in_flight.take() {
                a.abort();
            }
            drop(p);
            // Break the tick's self-reference.
            tick.borrow_mut().take();
        }
    });
    on_cleanup(move || cleanup.take()());

    UseRoomStatusReturn {
        rooms: rooms.into(),
        reconnecting: reconnecting.into(),
        unauthorized: unauthorized.into(),
    }
}
