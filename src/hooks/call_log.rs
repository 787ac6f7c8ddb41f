//! `use_call_log`: an appointment's call log (`GET /api/appointments/{id}/calls`), fetched only
//! while it is wanted (a closed "Call history" costs no request).

use leptos::prelude::*;
use teleconsult_core::api::CallEvent;

use crate::api::{expect_authorized_api, ApiError};

/// The call log of `appointment_id`, oldest first, loaded (again) each time `wanted` turns true;
/// `None` while not wanted or loading.
pub fn use_call_log(
    appointment_id: i64,
    wanted: Signal<bool>,
) -> Signal<Option<Result<Vec<CallEvent>, ApiError>>> {
    let api = expect_authorized_api();
    let log = LocalResource::new(move || {
        let api = api.clone();
        async move {
            if !wanted.get() {
                return None;
            }
            Some(api.call_log(appointment_id).await)
        }
    });
    Signal::derive(move || log.get().flatten())
}
