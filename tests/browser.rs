//! Browser tests: real components mounted in headless Chromium (wasm-bindgen-test).
//! Run with `cargo test --target wasm32-unknown-unknown -p teleconsult-web`.

#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use leptos::prelude::*;
use teleconsult_core::{
    admission::Place,
    api::{Appointment, Party},
    AppointmentStatus, ClientConfigError, Role,
};
use teleconsult_web::{
    app::App,
    components::{
        config_error::ConfigErrorScreen, join_button::JoinButton, video_tile::VideoTile,
        waiting_notice::WaitingNotice,
    },
    config::ConfigLoadError,
    crash,
    hooks::{dashboard::WaitingEntry, waiting_alerts::use_waiting_alerts},
};
use time::{macros::datetime, Duration as Span, OffsetDateTime};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts `view` into a fresh element of the page and returns that element.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    leptos::mount::mount_to(root.clone(), view).forget();
    root
}

/// Polls `cond` every 20 ms for up to `timeout`; true as soon as it holds.
async fn eventually(timeout: Duration, cond: impl Fn() -> bool) -> bool {
    let step = 20;
    for _ in 0..(timeout.as_millis() as u32 / step) {
        if cond() {
            return true;
        }
        gloo_timers::future::TimeoutFuture::new(step).await;
    }
    cond()
}

fn text(el: &web_sys::HtmlElement) -> String {
    el.text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
fn config_error_screen_names_the_file_and_the_problem() {
    let error = ConfigLoadError::Invalid(ClientConfigError::Invalid {
        field: "roomStatusPollMs",
        problem: "must be between 1000 and 60000 ms, not 10".into(),
    });
    let root = mount(move || view! { <ConfigErrorScreen error=error /> });
    let t = text(&root);
    assert!(t.contains("can't start"), "{t}");
    assert!(t.contains("config.json has a bad value"), "{t}");
    assert!(t.contains("roomStatusPollMs"), "{t}");
    let alert = root.query_selector("[role=alert]").unwrap();
    assert!(alert.is_some(), "the screen is announced as an alert");
    let button = root.query_selector("button").unwrap().unwrap();
    assert_eq!(button.text_content().unwrap(), "Try again");
}

#[wasm_bindgen_test]
fn html_fallback_is_reported_as_a_missing_file() {
    let root = mount(|| view! { <ConfigErrorScreen error=ConfigLoadError::NotJson /> });
    assert!(
        text(&root).contains("config.json is missing"),
        "{}",
        text(&root)
    );
}

/// The test runner's server has no config.json: the real App must fetch it, fail, and say so,
/// instead of a blank page or a panic.
#[wasm_bindgen_test]
async fn app_without_config_json_shows_the_error_screen() {
    let root = mount(|| view! { <App /> });
    // The loading line waits a moment (it would show in English before a reader's catalogue).
    assert!(
        !text(&root).contains("Loading Teleconsult"),
        "{}",
        text(&root)
    );
    let shown = eventually(Duration::from_secs(5), || {
        text(&root).contains("config.json")
    })
    .await;
    assert!(
        shown,
        "error screen never appeared; page says: {}",
        text(&root)
    );
    assert!(text(&root).contains("can't start"), "{}", text(&root));
}

#[wasm_bindgen_test]
fn crash_screen_explains_and_offers_a_way_out() {
    // Rendered into a detached element: the test runner keeps its own output in <body>. The
    // screen replacing the page after a real trap is tested end to end (foundation.test.mjs).
    let document = web_sys::window().unwrap().document().unwrap();
    let target = document.create_element("div").unwrap();
    target.set_inner_html(&crash::screen_html());
    let t = target.text_content().unwrap();
    assert!(t.contains("Teleconsult stopped unexpectedly"), "{t}");
    assert!(target.query_selector("#crash-reload").unwrap().is_some());
    assert!(target.query_selector("[role=alert] h1").unwrap().is_some());
}

/// Lets Leptos run the effects scheduled by a signal change.
async fn settle() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

fn appointment(id: i64, status: AppointmentStatus, at: OffsetDateTime) -> Appointment {
    Appointment {
        id,
        patient: Party {
            id: 2,
            name: "Adib Hossain".into(),
        },
        doctor: Party {
            id: 1,
            name: "Dr. Amina Rahman".into(),
        },
        scheduled_at: at,
        duration_minutes: 20,
        status,
        reason: String::new(),
        room: format!("appointment_{id}_consultation"),
    }
}

#[wasm_bindgen_test]
async fn join_button_follows_the_clock() {
    let start = datetime!(2026-11-21 14:00 UTC);
    let now = RwSignal::new(start - Span::minutes(31));
    let a = appointment(5, AppointmentStatus::Confirmed, start);
    let root = mount(move || view! { <JoinButton appointment=a now=now role=Role::Patient /> });
    assert!(text(&root).starts_with("Opens at "), "{}", text(&root));
    assert!(root.query_selector("a").unwrap().is_none());

    now.set(start - Span::minutes(30));
    settle().await;
    let link = root
        .query_selector("a")
        .unwrap()
        .expect("a join link inside the window");
    assert_eq!(link.text_content().unwrap(), "Join consultation");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "/consultation/5?role=patient"
    );

    now.set(start + Span::hours(2) + Span::seconds(1));
    settle().await;
    assert_eq!(text(&root), "The consultation window has closed");
}

#[wasm_bindgen_test]
fn join_button_explains_status_in_words() {
    let start = datetime!(2026-11-21 14:00 UTC);
    let cases = [
        (
            AppointmentStatus::Requested,
            Role::Patient,
            "Waiting for the doctor to confirm",
        ),
        (
            AppointmentStatus::Requested,
            Role::Doctor,
            "Waiting for you to confirm",
        ),
        (
            AppointmentStatus::Cancelled,
            Role::Patient,
            "This appointment was cancelled",
        ),
        (
            AppointmentStatus::Completed,
            Role::Doctor,
            "This consultation has taken place",
        ),
    ];
    for (status, role, expected) in cases {
        let a = appointment(6, status, start);
        let root = mount(move || view! { <JoinButton appointment=a now=start role=role /> });
        assert_eq!(text(&root), expected);
    }
    let a = appointment(7, AppointmentStatus::Confirmed, start);
    let root = mount(move || view! { <JoinButton appointment=a now=start role=Role::Doctor /> });
    assert_eq!(text(&root), "Start consultation");
}

#[wasm_bindgen_test]
async fn waiting_notice_appears_counts_in_the_title_and_goes_away() {
    let waiting = RwSignal::new(Vec::<WaitingEntry>::new());
    let root = mount(move || {
        view! { <WaitingNotice waiting=waiting role=Role::Patient base_title="Your appointments".to_string() /> }
    });
    settle().await;
    let document = web_sys::window().unwrap().document().unwrap();
    assert_eq!(text(&root), "");
    assert_eq!(document.title(), "Your appointments");
    let region = root.query_selector("[aria-live=polite]").unwrap();
    assert!(
        region.is_some(),
        "an ARIA live region exists before any notice"
    );

    waiting.set(vec![WaitingEntry {
        appointment_id: 9,
        name: "Dr. Amina Rahman".into(),
        since: datetime!(2026-11-21 14:00 UTC),
        place: Place::CallRoom,
    }]);
    settle().await;
    assert!(
        text(&root).contains("Dr. Amina Rahman is waiting in your consultation room"),
        "{}",
        text(&root)
    );
    let link = root.query_selector("a").unwrap().unwrap();
    assert_eq!(link.text_content().unwrap(), "Join now");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "/consultation/9?role=patient"
    );
    assert_eq!(document.title(), "(1) Your appointments");

    waiting.set(vec![]);
    settle().await;
    assert_eq!(text(&root), "");
    assert_eq!(document.title(), "Your appointments");
}

/// Counts the `AudioContext`s that play a sound and those that are closed, through their
/// prototype (what the app reaches whatever way its bindings construct a context).
fn count_audio_contexts() -> js_sys::Object {
    js_sys::eval(
        "(() => {
            const proto = AudioContext.prototype;
            const base = Object.getPrototypeOf(proto);
            const counts = { made: 0, closed: 0, playing: new Set() };
            const realOsc = base.createOscillator;
            const realClose = proto.close;
            base.createOscillator = function () {
                if (!counts.playing.has(this)) { counts.playing.add(this); counts.made++; }
                return realOsc.call(this);
            };
            proto.close = function () { counts.closed++; return realClose.call(this); };
            return counts;
        })()",
    )
    .unwrap()
    .unchecked_into()
}

fn count(counts: &js_sys::Object, key: &str) -> f64 {
    js_sys::Reflect::get(counts, &key.into())
        .unwrap()
        .as_f64()
        .unwrap()
}

#[wasm_bindgen_test]
async fn chimes_share_one_audio_context_closed_when_the_dashboard_goes() {
    let counts = count_audio_contexts();
    let document = web_sys::window().unwrap().document().unwrap();
    let owner = Owner::new();
    let waiting = owner.with(|| {
        let waiting = RwSignal::new(Vec::<WaitingEntry>::new());
        use_waiting_alerts(waiting.into(), Role::Doctor, "Clinic".to_string());
        waiting
    });
    settle().await;
    for id in 1..=3 {
        waiting.update(|w| {
            w.push(WaitingEntry {
                appointment_id: id,
                name: format!("Patient {id}"),
                since: datetime!(2026-11-21 14:00 UTC),
                place: Place::WaitingRoom,
            })
        });
        settle().await;
    }
    assert_eq!(document.title(), "(3) Clinic");
    assert_eq!(count(&counts, "made"), 1.0, "three chimes, one context");
    assert_eq!(count(&counts, "closed"), 0.0);
    owner.cleanup();
    assert_eq!(count(&counts, "closed"), 1.0, "closed with the dashboard");
}

/// A live video stream from a canvas, standing in for a captured screen or a remote camera.
fn canvas_stream() -> web_sys::MediaStream {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: web_sys::HtmlCanvasElement =
        document.create_element("canvas").unwrap().unchecked_into();
    js_sys::Reflect::get(&canvas, &"captureStream".into())
        .unwrap()
        .unchecked_into::<js_sys::Function>()
        .call0(&canvas)
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn a_released_screen_share_unsets_its_ended_handler_and_stops_the_capture() {
    use teleconsult_web::call::media::ScreenShare;
    let capture = canvas_stream();
    let share = ScreenShare::from_stream(capture, || {}).expect("a video track");
    let track = Clone::clone(share.track());
    assert!(
        track.onended().is_some(),
        "the browser's Stop button is handled"
    );
    drop(share);
    assert!(
        track.onended().is_none(),
        "no handler may call into a dropped closure"
    );
    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Ended);
}

#[wasm_bindgen_test]
async fn a_tile_whose_playback_the_browser_blocks_offers_a_button_that_starts_it() {
    // Chromium here lets a page that captures the camera play sound without a click (so the real
    // refusal cannot be produced in the end-to-end tests); Safari and a receive-only page refuse
    // with NotAllowedError. That refusal is stood in for here, the rest is real.
    let capture = canvas_stream();
    js_sys::eval(
        "window.__realPlay = HTMLMediaElement.prototype.play;
         HTMLMediaElement.prototype.play = function () {
           return Promise.reject(new DOMException('needs a gesture', 'NotAllowedError'));
         };",
    )
    .unwrap();
    let stream = RwSignal::new_local(Some(capture));
    let root = mount(move || {
        view! {
            <VideoTile stream=stream video_on=true label="Video of the doctor" placeholder="" test_id="remote-video" />
        }
    });
    let button = || root.query_selector("button.play-blocked").unwrap();
    assert!(
        eventually(Duration::from_secs(2), || button().is_some()).await,
        "{}",
        text(&root)
    );
    // The click (a gesture, when a person makes it) asks the browser to play again.
    js_sys::eval(
        "window.__plays = 0;
         HTMLMediaElement.prototype.play = function () {
           window.__plays++;
           return window.__realPlay.call(this).catch(() => {});
         };",
    )
    .unwrap();
    button()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    settle().await;
    assert!(button().is_none(), "the button goes once clicked");
    let plays = js_sys::eval("window.__plays").unwrap().as_f64().unwrap();
    js_sys::eval("HTMLMediaElement.prototype.play = window.__realPlay;").unwrap();
    assert_eq!(plays, 1.0, "the click played the video");
}

/// `task::spawn_started` runs a task up to its first wait before it returns (the join request
/// goes out before the call room renders), and the page's executor then finishes it although
/// the first wait was registered with a no-op waker.
#[wasm_bindgen_test]
async fn spawn_started_runs_at_once_up_to_the_first_wait_then_finishes() {
    use std::{cell::Cell, rc::Rc};
    let step = Rc::new(Cell::new(0));
    let task_step = step.clone();
    teleconsult_web::task::spawn_started(async move {
        task_step.set(1);
        gloo_timers::future::TimeoutFuture::new(30).await;
        task_step.set(2);
    });
    assert_eq!(step.get(), 1, "the task ran up to its first wait at once");
    assert!(
        eventually(Duration::from_secs(2), || step.get() == 2).await,
        "the task finished"
    );

    // A task that never waits is finished before spawn_started returns.
    let done = Rc::new(Cell::new(false));
    let task_done = done.clone();
    teleconsult_web::task::spawn_started(async move { task_done.set(true) });
    assert!(done.get());
}
