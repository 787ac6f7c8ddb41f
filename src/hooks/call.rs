//! `use_call`: the consultation call of one appointment, for as long as the calling component
//! lives.
//!
//! Starts joining at once through `call::connect` (which picks the provider), hands the UI a
//! read-only [`CallView`] and the controls, leaves the call when the component unmounts (Back
//! button, navigation), and — when the server says the session is over — clears that role's
//! session and goes to sign-in, which brings the person straight back here.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use teleconsult_core::call::{self as core_call, CallError, CallEvent, CallState};

use crate::{
    api::expect_authorized_api,
    call::{
        self,
        transport::{CallReporter, CallSignals, CallTransport, CallView},
    },
    routes, session,
};

/// What [`use_call`] gives back: the call to read, and what the person can do.
#[derive(Clone, Copy)]
pub struct UseCallReturn {
    /// The call, read-only.
    pub call: CallView,
    /// Mute (false) or unmute (true) the microphone.
    pub set_microphone: Callback<bool>,
    /// Turn the camera off (false) or on (true).
    pub set_camera: Callback<bool>,
    /// Start or stop sharing the screen.
    pub toggle_screen_share: Callback<()>,
    /// Switch to the camera with this `deviceId`.
    pub switch_camera: Callback<String>,
    /// After "busy": continue the call here.
    pub take_over: Callback<()>,
    /// After low-bandwidth mode paused this person's video: send video again anyway.
    pub resume_video: Callback<()>,
    /// Send a chat message (trimmed; an empty one or one over
    /// `teleconsult_core::chat::MAX_CHAT_CHARS` is ignored: the form does not allow them).
    pub send_chat: Callback<String>,
    /// Open (true) or close the chat panel: opening reads every message.
    pub set_chat_open: Callback<bool>,
    /// Leave the call.
    pub leave: Callback<()>,
}

/// The transport once `connect` has returned it; until then, a leave is remembered.
struct CallSlot {
    reporter: Rc<CallReporter>,
    transport: RefCell<Option<Box<dyn CallTransport>>>,
    left: Cell<bool>,
}

impl CallSlot {
    fn with(&self, f: impl FnOnce(&dyn CallTransport)) {
        if let Some(t) = self.transport.borrow().as_deref() {
            f(t);
        }
    }

    fn leave(&self) {
        self.left.set(true);
        match self.transport.borrow().as_deref() {
            Some(t) => t.leave(),
            None => {
                self.reporter.dispatch(CallEvent::Leave);
            }
        }
    }
}

/// Joins the consultation of `appointment_id` with the page's `AuthorizedApi`. See the module
/// documentation.
pub fn use_call(appointment_id: i64) -> UseCallReturn {
    let api = expect_authorized_api();
    let role = api.role();
    let signals = CallSignals::new();
    let reporter = Rc::new(CallReporter::new(signals));
    let slot = Rc::new(CallSlot {
        reporter: reporter.clone(),
        transport: RefCell::new(None),
        left: Cell::new(false),
    });
    for effect in reporter.dispatch(CallEvent::Start) {
        if let core_call::Effect::Join { .. } = effect {
            let (api, slot, reporter) = (api.clone(), slot.clone(), reporter.clone());
            // Started now, not after the call room has rendered: the camera's request and the
            // join request go out first.
            crate::task::spawn_started(async move {
                match call::connect(&api, appointment_id, reporter.clone()).await {
                    Ok(transport) if slot.left.get() => transport.leave(),
                    Ok(transport) => *slot.transport.borrow_mut() = Some(transport),
                    Err(error) => {
                        reporter.dispatch(CallEvent::Failed(error));
                    }
                }
            });
        }
    }

    // A session the server no longer accepts: sign in again and come straight back.
    let navigate = use_navigate();
    Effect::new(move |_| {
        let expired = matches!(
            signals.state.get(),
            CallState::Failed {
                error: CallError::SessionExpired
            }
        );
        if expired {
            session::clear(role);
            navigate(
                &routes::login(role, &routes::consultation(appointment_id, role)),
                Default::default(),
            );
        }
    });

    // Leaving the page (or any unmount) ends the call cleanly: call:end, tracks stopped. The
    // cleanup holds the slot itself, not the reactive store below, which may be disposed first.
    // Single-threaded wasm: the wrapper only satisfies on_cleanup's Send bound.
    let for_cleanup = send_wrapper::SendWrapper::new(slot.clone());
    on_cleanup(move || for_cleanup.leave());
    let slot = StoredValue::new_local(slot);
    let with = move |f: &dyn Fn(&dyn CallTransport)| slot.with_value(|s| s.with(f));
    UseCallReturn {
        call: signals.view(),
        set_microphone: Callback::new(move |on| with(&|t| t.set_microphone(on))),
        set_camera: Callback::new(move |on| with(&|t| t.set_camera(on))),
        toggle_screen_share: Callback::new(move |_| with(&|t| t.toggle_screen_share())),
        switch_camera: Callback::new(move |id: String| with(&|t| t.switch_camera(id.clone()))),
        take_over: Callback::new(move |_| with(&|t| t.take_over())),
        resume_video: Callback::new(move |_| with(&|t| t.resume_video())),
        send_chat: Callback::new(move |text: String| {
            let id = format!(
                "{:08x}{:08x}",
                (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
                (js_sys::Math::random() * f64::from(u32::MAX)) as u32
            );
            let now = js_sys::Date::now() as i64;
            let added = signals
                .chat
                .try_update(|log| log.compose(id, &text, now).is_ok())
                .unwrap_or(false);
            if added {
                with(&|t| t.flush_chat());
            }
        }),
        set_chat_open: Callback::new(move |open| {
            signals.chat.update(|log| log.set_open(open));
        }),
        leave: Callback::new(move |_| slot.with_value(|s| s.leave())),
    }
}
