//! `use_session_keeper`: renews the page's access token before it ends, for as long as the
//! signed-in page is shown — also when the page makes no request (a call in progress, an idle
//! dashboard), so the signaling socket's next reconnect and the next request find a valid token.
//!
//! When: `teleconsult_core::session::refresh_delay_s` (half the remaining life, at most a minute
//! before the end). A failed renewal for lack of network is tried again 10 s later while the
//! token lives; an ended session stops the keeper (the next request's 401 then signs out as
//! before).

use std::{cell::RefCell, rc::Rc};

use gloo_timers::callback::Timeout;
use leptos::{prelude::*, task::spawn_local};
use teleconsult_core::session::{refresh_delay_s, REFRESH_RETRY_S};

use crate::{
    api::{ApiError, AuthorizedApi},
    session,
};

/// Keeps `api`'s session renewed until the calling owner is disposed.
pub fn use_session_keeper(api: AuthorizedApi) {
    let timer: Rc<RefCell<Option<Timeout>>> = Rc::new(RefCell::new(None));
    schedule(api, Rc::downgrade(&timer), None);
    // Single-threaded wasm: the wrapper only satisfies on_cleanup's Send bound.
    let cleanup = send_wrapper::SendWrapper::new(timer);
    on_cleanup(move || {
        cleanup.take().borrow_mut().take();
    });
}

/// Arms the timer for the next renewal (`after_s`, or the policy's delay).
fn schedule(
    api: AuthorizedApi,
    timer: std::rc::Weak<RefCell<Option<Timeout>>>,
    after_s: Option<i64>,
) {
    let Some(slot) = timer.upgrade() else {
        return; // the page is gone
    };
    let delay_s =
        after_s.unwrap_or_else(|| refresh_delay_s(session::now_s(), api.token_expires_at()));
    // setTimeout takes at most 2^31 - 1 ms (about 24 days).
    let ms = delay_s.clamp(0, i64::from(i32::MAX) / 1000) as u32 * 1000;
    let next = Timeout::new(ms, move || {
        spawn_local(async move {
            match api.refresh().await {
                Ok(()) => schedule(api, timer, None),
                Err(ApiError::Network(_)) if api.token_expires_at() > session::now_s() => {
                    schedule(api, timer, Some(REFRESH_RETRY_S));
                }
                Err(_) => {}
            }
        });
    });
    *slot.borrow_mut() = Some(next);
}
