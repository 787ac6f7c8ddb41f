//! A ticking "now" on the server's clock.

use leptos::prelude::*;
use time::{Duration, OffsetDateTime};

/// How often the clock ticks: every 10 s (join buttons change on whole minutes).
pub const TICK_MS: u64 = 10_000;

/// The current instant on the server's clock, re-read every [`TICK_MS`].
///
/// `offset_ms` is server time − device time, measured when the appointment list arrived, so join
/// buttons follow the server's rule even when the device's clock is wrong.
pub fn use_server_now(offset_ms: Signal<i64>) -> Signal<OffsetDateTime> {
    let (device_ms, set_device_ms) = signal(js_sys::Date::now());
    let handle = set_interval_with_handle(
        move || set_device_ms.set(js_sys::Date::now()),
        std::time::Duration::from_millis(TICK_MS),
    );
    on_cleanup(move || {
        if let Ok(h) = handle {
            h.clear();
        }
    });
    Signal::derive(move || {
        let ms = device_ms.get() as i64 + offset_ms.get();
        OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(ms)
    })
}
