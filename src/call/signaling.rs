//! The signaling WebSocket: authenticates with the first frame, delivers typed frames, and
//! reconnects with jittered exponential backoff when the connection drops (the call's media goes
//! on meanwhile). Wire format: `teleconsult_core::signaling`, `docs/signaling.md`.

use std::{cell::RefCell, rc::Rc};

use gloo_timers::callback::Timeout;
use teleconsult_core::{
    backoff,
    signaling::{ClientFrame, ServerFrame, CLOSE_TAKEN_OVER, CLOSE_UNAUTHORIZED},
};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::api::TokenSource;

/// Connection events reported to the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketStatus {
    /// Connected and authenticated (`auth:ok`); send `room:join` now.
    Ready,
    /// The connection dropped; a reconnect is scheduled.
    Lost,
}

type FrameHandler = Rc<dyn Fn(ServerFrame)>;
type StatusHandler = Rc<dyn Fn(SocketStatus)>;

struct Inner {
    url: String,
    token: TokenSource,
    ws: Option<WebSocket>,
    on_frame: FrameHandler,
    on_status: StatusHandler,
    attempt: u32,
    closed: bool,
    reconnect: Option<Timeout>,
    // Kept alive as long as the socket they are attached to.
    #[allow(clippy::type_complexity)]
    handlers: Option<(
        Closure<dyn FnMut()>,
        Closure<dyn FnMut(MessageEvent)>,
        Closure<dyn FnMut(CloseEvent)>,
    )>,
}

/// A signaling connection. Dropping it closes the socket and cancels reconnects.
pub struct SignalingSocket(Rc<RefCell<Inner>>);

impl SignalingSocket {
    /// Connects to `url` (ws:// or wss://) and authenticates with `token`'s current access token,
    /// read again at every reconnect (it is renewed during a call). `on_frame` receives
    /// every frame after `auth:ok`; `on_status` hears of readiness and losses.
    pub fn connect(
        url: String,
        token: TokenSource,
        on_frame: impl Fn(ServerFrame) + 'static,
        on_status: impl Fn(SocketStatus) + 'static,
    ) -> SignalingSocket {
        let inner = Rc::new(RefCell::new(Inner {
            url,
            token,
            ws: None,
            on_frame: Rc::new(on_frame),
            on_status: Rc::new(on_status),
            attempt: 0,
            closed: false,
            reconnect: None,
            handlers: None,
        }));
        open(&inner);
        SignalingSocket(inner)
    }

    /// Sends `frame` if the socket is open; false otherwise (the frame is dropped: the call's
    /// state is re-sent after a reconnect).
    pub fn send(&self, frame: &ClientFrame) -> bool {
        let ws = self.0.borrow().ws.clone();
        match (ws, serde_json::to_string(frame)) {
            (Some(ws), Ok(text)) if ws.ready_state() == WebSocket::OPEN => {
                ws.send_with_str(&text).is_ok()
            }
            _ => false,
        }
    }

    /// Closes the socket for good.
    pub fn close(&self) {
        let mut inner = self.0.borrow_mut();
        inner.closed = true;
        inner.reconnect = None;
        if let Some(ws) = inner.ws.take() {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close_with_code(1000);
        }
        inner.handlers = None;
    }
}

impl Drop for SignalingSocket {
    fn drop(&mut self) {
        self.close();
    }
}

fn open(rc: &Rc<RefCell<Inner>>) {
    let url = rc.borrow().url.clone();
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(_) => {
            schedule_reconnect(rc);
            return;
        }
    };
    let weak = Rc::downgrade(rc);
    let on_open = Closure::<dyn FnMut()>::new({
        let weak = weak.clone();
        move || {
            let Some(rc) = weak.upgrade() else { return };
            let (ws, token) = {
                let i = rc.borrow();
                (i.ws.clone(), i.token.current())
            };
            if let (Some(ws), Ok(text)) = (ws, serde_json::to_string(&ClientFrame::Auth { token }))
            {
                let _ = ws.send_with_str(&text);
            }
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
        let weak = weak.clone();
        move |ev: MessageEvent| {
            let Some(rc) = weak.upgrade() else { return };
            let Some(text) = ev.data().as_string() else {
                return;
            };
            match serde_json::from_str::<ServerFrame>(&text) {
                Ok(ServerFrame::AuthOk { .. }) => {
                    let status = {
                        let mut i = rc.borrow_mut();
                        i.attempt = 0;
                        i.on_status.clone()
                    };
                    status(SocketStatus::Ready);
                }
                Ok(frame) => {
                    let handler = rc.borrow().on_frame.clone();
                    handler(frame);
                }
                Err(e) => leptos::logging::warn!("signaling: unreadable frame ignored ({e})"),
            }
        }
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
        let Some(rc) = weak.upgrade() else { return };
        let (closed, status) = {
            let mut i = rc.borrow_mut();
            i.ws = None;
            (i.closed, i.on_status.clone())
        };
        if closed {
            return;
        }
        status(SocketStatus::Lost);
        if ev.code() != CLOSE_UNAUTHORIZED && ev.code() != CLOSE_TAKEN_OVER {
            schedule_reconnect(&rc);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let mut inner = rc.borrow_mut();
    inner.ws = Some(ws);
    inner.handlers = Some((on_open, on_message, on_close));
}

fn schedule_reconnect(rc: &Rc<RefCell<Inner>>) {
    let mut inner = rc.borrow_mut();
    if inner.closed {
        return;
    }
    let delay = backoff::delay_ms(inner.attempt, 500, 8_000, 250, js_sys::Math::random());
    inner.attempt = inner.attempt.saturating_add(1);
    let weak = Rc::downgrade(rc);
    inner.reconnect = Some(Timeout::new(delay as u32, move || {
        if let Some(rc) = weak.upgrade() {
            open(&rc);
        }
    }));
}

/// The WebSocket URL of the hub: `signaling_url` from the join response, made absolute against
/// the API base (or this page's origin when the API is same-origin), with `http`→`ws`.
pub fn resolve_url(signaling_url: &str, api_base_url: &str, page_origin: &str) -> String {
    let absolute = if signaling_url.starts_with('/') {
        let base = if api_base_url.is_empty() {
            page_origin
        } else {
            api_base_url
        };
        format!("{}{signaling_url}", base.trim_end_matches('/'))
    } else {
        signaling_url.to_string()
    };
    if let Some(rest) = absolute.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = absolute.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        absolute
    }
}
