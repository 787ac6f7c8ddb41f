//! The patient's dashboard (`/patient`).

use leptos::{ev::SubmitEvent, prelude::*};
use teleconsult_core::{
    api::{Appointment, CreateAppointment},
    AppointmentAction, AppointmentStatus, Role,
};
use time::{Duration, OffsetDateTime};

use crate::{
    api::expect_authorized_api,
    components::{
        account_bar::AccountBar, call_history::CallHistory, dashboard_notices::DashboardNotices,
        join_button::JoinButton, precall_offer::PrecallOffer, status_badge::StatusBadge,
    },
    config::expect_app_config,
    format::{appointment_time, local_day},
    hooks::dashboard::use_dashboard,
    pages::with_session,
    session::Session,
};

/// The patient's dashboard, under the patient session: upcoming appointments with their join
/// buttons, the "doctor is waiting" notice, booking, cancelling, and past consultations.
#[component]
pub fn PatientDashboard() -> impl IntoView {
    with_session(Role::Patient, |session| {
        view! {
            <AccountBar session=session.clone() />
            <PatientHome session=session />
        }
    })
}

#[component]
fn PatientHome(session: Session) -> impl IntoView {
    let config = expect_app_config();
    let dash = use_dashboard(&session.user);
    let base_title = format!("Your appointments — {}", config.clinic_name);
    let now = dash.now;
    let split = move |upcoming: bool| {
        let list = dash
            .appointments
            .get()
            .and_then(Result::ok)
            .unwrap_or_default();
        let now = now.get();
        list.into_iter()
            .filter(|a| is_upcoming(a, now) == upcoming)
            .collect::<Vec<_>>()
    };
    let card = move |a: Appointment| {
        view! { <PatientAppointment appointment=a now=now reload=dash.reload /> }
    };
    view! {
        <main class="page dashboard">
            <h1>"Your appointments"</h1>
            <DashboardNotices dash=dash role=Role::Patient base_title=base_title />
            <PrecallOffer role=Role::Patient />
            <section aria-labelledby="upcoming-heading">
                <h2 id="upcoming-heading">"Upcoming"</h2>
                <ul class="appointments">
                    <For each=move || split(true) key=|a| (a.id, a.status) children=card />
                </ul>
                <Show when=move || split(true).is_empty()>
                    <p class="hint">"No upcoming appointments. Book one below."</p>
                </Show>
            </section>
            <BookingForm reload=dash.reload />
            <section aria-labelledby="past-heading">
                <h2 id="past-heading">"Past and cancelled"</h2>
                <ul class="appointments">
                    <For each=move || split(false) key=|a| (a.id, a.status) children=card />
                </ul>
            </section>
        </main>
    }
}

/// Still ahead (or its window still open), and not cancelled or completed.
fn is_upcoming(a: &Appointment, now: OffsetDateTime) -> bool {
    matches!(
        a.status,
        AppointmentStatus::Requested | AppointmentStatus::Confirmed
    ) && now <= a.scheduled_at + teleconsult_core::join_window::CLOSES_AFTER
}

#[component]
fn PatientAppointment(
    appointment: Appointment,
    now: Signal<OffsetDateTime>,
    reload: Callback<()>,
) -> impl IntoView {
    let a = appointment.clone();
    let id = a.id;
    let (status, scheduled_at) = (a.status, a.scheduled_at);
    let cancellable = move || {
        AppointmentAction::Cancel
            .check(Role::Patient, status, scheduled_at, now.get())
            .is_ok()
    };
    let (error, set_error) = signal(None::<String>);
    let api = expect_authorized_api();
    let cancel = Action::new_local(move |_: &()| {
        let api = api.clone();
        async move { api.change_appointment(id, AppointmentAction::Cancel).await }
    });
    Effect::new(move |_| match cancel.value().get() {
        Some(Ok(_)) => reload.run(()),
        Some(Err(e)) => set_error.set(Some(e.user_message())),
        None => {}
    });
    view! {
        <li class="appointment" data-testid=format!("appointment-{id}")>
            <div class="when">
                <strong>{local_day(a.scheduled_at)}</strong>
                " at "
                <strong data-testid=format!("time-{id}")>
                    {appointment_time(a.scheduled_at, expect_app_config().clinic_time_zone.as_deref())}
                </strong>
            </div>
            <div class="with">{a.doctor.name.clone()}</div>
            <StatusBadge status=a.status />
            <p class="reason">{a.reason.clone()}</p>
            <JoinButton appointment=appointment.clone() now=now role=Role::Patient />
            <Show when=cancellable>
                <button
                    type="button"
                    class="secondary"
                    disabled=move || cancel.pending().get()
                    on:click=move |_| {
                        let ok = window()
                            .confirm_with_message("Cancel this appointment?")
                            .unwrap_or(false);
                        if ok {
                            cancel.dispatch(());
                        }
                    }
                >
                    "Cancel appointment"
                </button>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <CallHistory appointment_id=id />
        </li>
    }
}

/// Request an appointment with a doctor.
#[component]
fn BookingForm(reload: Callback<()>) -> impl IntoView {
    let api = expect_authorized_api();
    let doctors = LocalResource::new({
        let api = api.clone();
        move || {
            let api = api.clone();
            async move { api.doctors().await }
        }
    });
    let (doctor, set_doctor) = signal(String::new());
    let (date, set_date) = signal(String::new());
    let (time_of_day, set_time) = signal(String::new());
    let (note, set_note) = signal(String::new());
    let (message, set_message) = signal(None::<(bool, String)>);
    let book = Action::new_local(move |req: &CreateAppointment| {
        let (api, req) = (api.clone(), req.clone());
        async move { api.request_appointment(&req).await }
    });
    Effect::new(move |_| match book.value().get() {
        Some(Ok(_)) => {
            set_message.set(Some((
                true,
                "Requested. The doctor will confirm it.".into(),
            )));
            set_note.set(String::new());
            reload.run(());
        }
        Some(Err(e)) => set_message.set(Some((false, e.user_message()))),
        None => {}
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(doctor_id) = doctor.get_untracked().parse::<i64>() else {
            set_message.set(Some((false, "Choose a doctor.".into())));
            return;
        };
        let Some(at) = local_datetime(&date.get_untracked(), &time_of_day.get_untracked()) else {
            set_message.set(Some((false, "Choose a date and a time.".into())));
            return;
        };
        book.dispatch(CreateAppointment {
            doctor_id,
            scheduled_at: at,
            duration_minutes: None,
            reason: note.get_untracked(),
        });
    };
    view! {
        <section aria-labelledby="book-heading" class="booking">
            <h2 id="book-heading">"Book an appointment"</h2>
            <form on:submit=submit>
                <label for="book-doctor">"Doctor"</label>
                <select id="book-doctor" on:change=move |ev| set_doctor.set(event_target_value(&ev))>
                    <option value="">"Choose a doctor"</option>
                    {move || {
                        doctors
                            .get()
                            .and_then(Result::ok)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|d| view! { <option value=d.id.to_string()>{d.name}</option> })
                            .collect_view()
                    }}
                </select>
                <label for="book-date">"Date"</label>
                <input id="book-date" type="date" on:input=move |ev| set_date.set(event_target_value(&ev)) />
                <label for="book-time">"Time"</label>
                <input id="book-time" type="time" on:input=move |ev| set_time.set(event_target_value(&ev)) />
                <label for="book-note">"What is it about? (optional)"</label>
                <textarea
                    id="book-note"
                    maxlength="500"
                    prop:value=note
                    on:input=move |ev| set_note.set(event_target_value(&ev))
                ></textarea>
                <p role="status" class=move || match message.get() { Some((false, _)) => "form-error", _ => "hint" }>
                    {move || message.get().map(|(_, m)| m)}
                </p>
                <button type="submit" disabled=move || book.pending().get()>"Request appointment"</button>
            </form>
        </section>
    }
}

/// The instant of a local `YYYY-MM-DD` date and `HH:MM` time, through the browser's time zone.
fn local_datetime(date: &str, time_of_day: &str) -> Option<OffsetDateTime> {
    if date.is_empty() || time_of_day.is_empty() {
        return None;
    }
    // Without a zone designator, Date parses date-time strings as local time.
    let ms = js_sys::Date::new(&format!("{date}T{time_of_day}").into()).get_time();
    if ms.is_nan() {
        return None;
    }
    Some(OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(ms as i64))
}
