//! `use_dashboard`: what both dashboards share — the appointment list on the server's clock (kept
//! through a failed reload and loaded again with backoff until it answers), the room-status
//! polling of the watched appointments, who is waiting, and a 401 sending the person back to
//! sign-in (and then back here).

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use teleconsult_core::{
    admission::Place,
    api::{Appointment, RoomStatus, User},
    dashboard::{list_retry_delay_ms, others_waiting, watched_ids},
    Role,
};
use time::OffsetDateTime;

use crate::{
    api::{expect_authorized_api, ApiError},
    config::expect_app_config,
    hooks::{
        now::use_server_now,
        room_status::{use_room_status, UseRoomStatusOptions},
    },
    routes, session,
};

/// One "… is waiting" notice, or one line of the doctor's live queue: who waits for which
/// appointment, since when and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingEntry {
    /// The appointment.
    pub appointment_id: i64,
    /// The other party's name.
    pub name: String,
    /// When they arrived (UTC, the server's clock).
    pub since: OffsetDateTime,
    /// In the waiting room (the doctor admits them) or in the consultation room.
    pub place: Place,
}

/// What [`use_dashboard`] gives back.
#[derive(Clone, Copy)]
pub struct UseDashboardReturn {
    /// The appointments, soonest first; `None` while loading. A reload that fails keeps the
    /// last list that loaded (`Some(Ok(_))`); only a first load that fails is `Some(Err(_))`.
    pub appointments: Signal<Option<Result<Vec<Appointment>, ApiError>>>,
    /// Why the latest load of the list failed, while it is being retried; `None` once it loads.
    pub list_error: Signal<Option<ApiError>>,
    /// Now on the server's clock.
    pub now: Signal<OffsetDateTime>,
    /// Room status of the watched appointments.
    pub rooms: Signal<Vec<RoomStatus>>,
    /// The other party waiting for this person, in arrival order: in a room this person is not
    /// in, or (for a doctor) in the waiting room.
    pub waiting: Signal<Vec<WaitingEntry>>,
    /// Room-status polling is failing and retrying.
    pub reconnecting: Signal<bool>,
    /// Reloads the appointment list (after booking, confirming, cancelling).
    pub reload: Callback<()>,
}

/// Loads and watches the appointments of `me`, the signed-in person, with the page's
/// `AuthorizedApi`.
pub fn use_dashboard(me: &User) -> UseDashboardReturn {
    let config = expect_app_config();
    let api = expect_authorized_api();
    let role = me.role;
    let me = role.identity(me.id);
    let version = RwSignal::new(0u32);
    let offset_ms = RwSignal::new(0i64);
    // A failed load is tried again by itself, with backoff (`list_retry_delay_ms`): a dashboard
    // left open through an outage or a proxy's 503 recovers without a reload. The pending timer
    // is owned here and cancelled with the dashboard.
    let retry = StoredValue::new_local((0u32, None::<Timeout>));
    // The last list that loaded: it stays on screen through a failed reload (a confirmation's
    // reload on a flaky link must not empty the dashboard).
    let kept = StoredValue::new(None::<Vec<Appointment>>);
    let list = LocalResource::new({
        move || {
            version.track();
            let api = api.clone();
            async move {
                let sent = js_sys::Date::now();
                let result = api.appointments().await;
                if let Ok(l) = &result {
                    // Server time − device time, taken at the middle of the request.
                    let device = (sent + js_sys::Date::now()) / 2.0;
                    let server = (l.server_time.unix_timestamp_nanos() / 1_000_000) as f64;
                    // try_: the dashboard may have unmounted while the request was out.
                    offset_ms.try_set((server - device) as i64);
                }
                // try_: as above, the dashboard may be gone; its timer then never starts.
                match &result {
                    Ok(l) => {
                        kept.try_set_value(Some(l.appointments.clone()));
                        retry.try_set_value((0, None));
                    }
                    Err(ApiError::Unauthorized(_)) => {}
                    Err(_) => {
                        retry.try_update_value(|(failures, timer)| {
                            *failures = failures.saturating_add(1);
                            let delay = list_retry_delay_ms(*failures, js_sys::Math::random());
                            *timer = Some(Timeout::new(delay as u32, move || {
                                version.try_update(|v| *v += 1);
                            }));
                        });
                    }
                }
                result.map(|l| l.appointments)
            }
        }
    });
    let appointments = Signal::derive(move || match list.get() {
        Some(Err(e)) if !matches!(e, ApiError::Unauthorized(_)) => {
            kept.get_value().map(Ok).or(Some(Err(e)))
        }
        latest => latest,
    });
    let list_error = Signal::derive(move || {
        list.with(|latest| match latest {
            Some(Err(e)) if !matches!(e, ApiError::Unauthorized(_)) => Some(e.clone()),
            _ => None,
        })
    });
    let now = use_server_now(offset_ms.into());
    let ids = Memo::new(move |_| match appointments.get() {
        Some(Ok(list)) => watched_ids(&list, now.get()),
        _ => Vec::new(),
    });
    // A consultation is near: its page's code is fetched now, not when "Join" is pressed.
    crate::hooks::call_prefetch::use_call_prefetch(Signal::derive(move || {
        !ids.with(Vec::is_empty)
    }));
    let status = use_room_status(
        ids.into(),
        UseRoomStatusOptions {
            interval_ms: config.room_status_poll_ms,
        },
    );
    let waiting = Memo::new(move |_| {
        let rooms = status.rooms.get();
        let list = appointments.get().and_then(Result::ok).unwrap_or_default();
        others_waiting(role, &me, &rooms)
            .into_iter()
            .filter_map(|w| {
                let a = list.iter().find(|a| a.id == w.appointment_id)?;
                let name = match role {
                    Role::Patient => a.doctor.name.clone(),
                    Role::Doctor => a.patient.name.clone(),
                };
                Some(WaitingEntry {
                    appointment_id: w.appointment_id,
                    name,
                    since: w.since,
                    place: w.place,
                })
            })
            .collect::<Vec<_>>()
    });

    // A 401 anywhere: this session is over; sign in again and come back.
    let navigate = use_navigate();
    Effect::new(move |_| {
        let expired = status.unauthorized.get()
            || list.with(|latest| matches!(latest, Some(Err(ApiError::Unauthorized(_)))));
        if expired {
            session::clear(role);
            navigate(
                &routes::login(role, routes::dashboard(role)),
                Default::default(),
            );
        }
    });

    UseDashboardReturn {
        appointments,
        list_error,
        now,
        rooms: status.rooms,
        waiting: waiting.into(),
        reconnecting: status.reconnecting,
        reload: Callback::new(move |_| version.update(|v| *v += 1)),
    }
}
