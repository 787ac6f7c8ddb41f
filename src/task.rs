//! Starting async work before the page renders.

use std::{
    future::Future,
    task::{Context, Waker},
};

/// Runs `task` at once up to its first `.await` that is not ready, then hands it to the page's
/// executor (`leptos::task::spawn_local`), which goes on with it as usual.
///
/// `spawn_local` alone first polls a task on a later microtask, after the component that spawned
/// it has rendered: a browser request the task makes before it first waits (the camera's
/// `getUserMedia`, the join request's `fetch`) then waits for that render. On the consultation
/// page, that was 20–35 ms of the call room's first render before the join request went out
/// (measured in a Chromium trace, 2026-12-04, issue 13).
///
/// Sound by the contract of [`Future::poll`]: a future wakes only the waker of its latest poll,
/// and the executor polls the task once when it first runs it, so the first poll's waker (a
/// no-op one) is never the one that matters.
pub fn spawn_started(task: impl Future<Output = ()> + 'static) {
    let mut task = Box::pin(task);
    if task
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending()
    {
        leptos::task::spawn_local(task);
    }
}
