//! The doctor's dashboard (`/doctor`).

use leptos::prelude::*;
use teleconsult_core::{api::Appointment, appointment::available_actions, AppointmentAction, Role};
use time::{Duration, OffsetDateTime};

use crate::{
    api::{expect_authorized_api, ApiError},
    components::{
        account_bar::AccountBar, call_history::CallHistory, dashboard_notices::DashboardNotices,
        join_button::JoinButton, precall_offer::PrecallOffer, request_error::RequestError,
        status_badge::StatusBadge,
    },
    config::expect_app_config,
    format::{appointment_time, local_day, local_day_key},
    hooks::dashboard::use_dashboard,
    i18n::{t, tr, tr_with},
    pages::with_session,
    session::Session,
};

/// The doctor's dashboard, under the doctor session: this week's appointments by day, requests
/// to confirm or cancel, "Start consultation" inside the join window, and a live marker when the
/// patient is already waiting in the room.
#[component]
pub fn DoctorDashboard() -> impl IntoView {
    with_session(Role::Doctor, |session| {
        view! {
            <AccountBar session=session.clone() />
            <DoctorHome session=session />
        }
    })
}

#[component]
fn DoctorHome(session: Session) -> impl IntoView {
    let dash = use_dashboard(&session.user);
    let base_title = crate::hooks::page::use_page_title("doctor.title");
    let now = dash.now;
    // Appointments from the start of today (local) for 7 days, grouped by local day.
    let days = move || {
        let list = dash
            .appointments
            .get()
            .and_then(Result::ok)
            .unwrap_or_default();
        let now = now.get();
        let window_start = now - Duration::hours(24);
        let window_end = now + Duration::days(7);
        let today = local_day_key(now);
        let mut days: Vec<Day> = Vec::new();
        for a in list {
            let key = local_day_key(a.scheduled_at);
            if a.scheduled_at < window_start || a.scheduled_at > window_end || key < today {
                continue;
            }
            match days.iter_mut().find(|d| d.0 == key) {
                Some(day) => day.2.push(a),
                None => days.push((key, a.scheduled_at, vec![a])),
            }
        }
        days
    };
    let waiting_ids = Memo::new(move |_| {
        dash.waiting
            .get()
            .into_iter()
            .map(|w| w.appointment_id)
            .collect::<Vec<_>>()
    });
    view! {
        <main class="page dashboard">
            <h1>{t("doctor.title")}</h1>
            <DashboardNotices dash=dash role=Role::Doctor base_title=base_title />
            <PrecallOffer role=Role::Doctor />
            <Show when=move || matches!(dash.appointments.get(), Some(Ok(_))) && days().is_empty()>
                <p class="hint">{t("doctor.no_appointments")}</p>
            </Show>
            <For
                each=days
                key=|d| (d.0, d.2.iter().map(|a| (a.id, a.status)).collect::<Vec<_>>())
                children={
                    move |(_, day, list)| {
                        view! {
                            <section class="day">
                                <h2>{move || local_day(day)}</h2>
                                <ul class="appointments">
                                    {list
                                        .into_iter()
                                        .map(|a| {
                                            view! {
                                                <DoctorAppointment
                                                    appointment=a
                                                    now=now
                                                    waiting=waiting_ids.into()
                                                    reload=dash.reload
                                                />
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    }
                }
            />
        </main>
    }
}

#[component]
fn DoctorAppointment(
    appointment: Appointment,
    now: Signal<OffsetDateTime>,
    waiting: Signal<Vec<i64>>,
    reload: Callback<()>,
) -> impl IntoView {
    let a = appointment.clone();
    let id = a.id;
    let (error, set_error) = signal(None::<ApiError>);
    let api = expect_authorized_api();
    let change = Action::new_local(move |action: &AppointmentAction| {
        let (api, action) = (api.clone(), *action);
        async move { api.change_appointment(id, action).await }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(_)) => reload.run(()),
        Some(Err(e)) => set_error.set(Some(e)),
        None => {}
    });
    let (status, scheduled_at) = (a.status, a.scheduled_at);
    let allows = move |action: AppointmentAction| {
        available_actions(Role::Doctor, status, scheduled_at, now.get()).contains(&action)
    };
    let patient = a.patient.name.clone();
    view! {
        <li class="appointment" data-testid=format!("appointment-{id}")>
            <div class="when">
                <strong data-testid=format!("time-{id}")>
                    {appointment_time(a.scheduled_at, expect_app_config().clinic_time_zone.as_deref())}
                </strong>
            </div>
            <div class="with">{a.patient.name.clone()}</div>
            <StatusBadge status=a.status />
            <p class="reason">{a.reason.clone()}</p>
            <Show when=move || waiting.get().contains(&id)>
                <p class="live-marker" data-testid=format!("live-{id}")>
                    <span class="dot" aria-hidden="true"></span>
                    {
                        let patient = patient.clone();
                        move || tr_with("doctor.is_waiting", &[("name", &patient)])
                    }
                </p>
            </Show>
            <JoinButton appointment=appointment.clone() now=now role=Role::Doctor />
            <div class="actions">
                {AppointmentAction::ALL
                    .map(|action| {
                        view! {
                            <Show when=move || allows(action)>
                                <button
                                    type="button"
                                    class=(action != AppointmentAction::Confirm).then_some("secondary")
                                    disabled=move || change.pending().get()
                                    on:click=move |_| {
                                        // Cancelling cannot be undone: the doctor confirms it first.
                                        let sure = action != AppointmentAction::Cancel
                                            || window()
                                                .confirm_with_message(&tr("doctor.cancel_confirm"))
                                                .unwrap_or(false);
                                        if sure {
                                            change.dispatch(action);
                                        }
                                    }
                                >
                                    {t(action_label(action))}
                                </button>
                            </Show>
                        }
                    })}
            </div>
            <RequestError error=error />
            <CallHistory appointment_id=id />
        </li>
    }
}

/// One local calendar day of appointments: (day key, an instant of that day for its heading,
/// appointments).
type Day = ((u32, u32, u32), OffsetDateTime, Vec<Appointment>);

/// The catalogue key of the button that takes `action` on an appointment.
fn action_label(action: AppointmentAction) -> &'static str {
    match action {
        AppointmentAction::Confirm => "doctor.confirm",
        AppointmentAction::Complete => "doctor.complete",
        AppointmentAction::Cancel => "doctor.cancel",
    }
}
