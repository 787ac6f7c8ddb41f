//! The patient's dashboard (`/patient`).

use leptos::{ev::SubmitEvent, prelude::*};
use teleconsult_core::{
    api::{Appointment, CreateAppointment, Party},
    i18n::{pieces, Piece},
    AppointmentAction, AppointmentStatus, Role,
};
use time::{Duration, OffsetDateTime};

use crate::{
    api::{expect_authorized_api, ApiError},
    components::{
        account_bar::AccountBar, call_history::CallHistory, dashboard_notices::DashboardNotices,
        join_button::JoinButton, precall_offer::PrecallOffer, request_error::RequestError,
        status_badge::StatusBadge,
    },
    config::expect_app_config,
    format::{appointment_time, local_day},
    hooks::dashboard::use_dashboard,
    i18n::{t, tr},
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
    let dash = use_dashboard(&session.user);
    let base_title = crate::hooks::page::use_page_title("patient.title");
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
    // One list view for both sections, so the keyed list is compiled once.
    let list = move |upcoming: bool| {
        view! {
            <ul class="appointments">
                <For
                    each=move || split(upcoming)
                    key=|a| (a.id, a.status)
                    children=move |a: Appointment| {
                        view! { <PatientAppointment appointment=a now=now reload=dash.reload /> }
                    }
                />
            </ul>
        }
    };
    view! {
        <main class="page dashboard">
            <h1>{t("patient.title")}</h1>
            <DashboardNotices dash=dash role=Role::Patient base_title=base_title />
            <PrecallOffer role=Role::Patient />
            <section aria-labelledby="upcoming-heading">
                <h2 id="upcoming-heading">{t("patient.upcoming")}</h2>
                {list(true)}
                <Show when=move || split(true).is_empty()>
                    <p class="hint">{t("patient.no_upcoming")}</p>
                </Show>
            </section>
            <BookingForm reload=dash.reload />
            <section aria-labelledby="past-heading">
                <h2 id="past-heading">{t("patient.past")}</h2>
                {list(false)}
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
    let (error, set_error) = signal(None::<ApiError>);
    let api = expect_authorized_api();
    let cancel = Action::new_local(move |_: &()| {
        let api = api.clone();
        async move { api.change_appointment(id, AppointmentAction::Cancel).await }
    });
    Effect::new(move |_| match cancel.value().get() {
        Some(Ok(_)) => reload.run(()),
        Some(Err(e)) => set_error.set(Some(e)),
        None => {}
    });
    // "<day> at <time>", both in bold, in the order the language puts them.
    let when = {
        let (day_at, clinic_zone) = (a.scheduled_at, expect_app_config().clinic_time_zone.clone());
        move || {
            pieces(&tr("patient.when"))
                .into_iter()
                .map(|piece| match piece {
                    Piece::Text(words) => words.into_any(),
                    Piece::Arg(arg) if arg == "day" => {
                        view! { <strong>{local_day(day_at)}</strong> }.into_any()
                    }
                    Piece::Arg(_) => view! {
                        <strong data-testid=format!("time-{id}")>
                            {appointment_time(day_at, clinic_zone.as_deref())}
                        </strong>
                    }
                    .into_any(),
                })
                .collect_view()
        }
    };
    view! {
        <li class="appointment" data-testid=format!("appointment-{id}")>
            <div class="when">{when}</div>
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
                            .confirm_with_message(&tr("patient.cancel_confirm"))
                            .unwrap_or(false);
                        if ok {
                            cancel.dispatch(());
                        }
                    }
                >
                    {t("patient.cancel")}
                </button>
            </Show>
            <RequestError error=error />
            <CallHistory appointment_id=id />
        </li>
    }
}

/// What the booking form says under its fields.
#[derive(Debug, Clone)]
enum BookingMessage {
    /// The request went through.
    Requested,
    /// No doctor chosen.
    NoDoctor,
    /// No date or no time.
    NoDateTime,
    /// The server refused or could not be reached.
    Failed(ApiError),
}

impl BookingMessage {
    fn is_error(&self) -> bool {
        !matches!(self, BookingMessage::Requested)
    }

    /// The words, in the page's language.
    fn text(&self) -> String {
        match self {
            BookingMessage::Requested => tr("patient.booking.requested"),
            BookingMessage::NoDoctor => tr("patient.booking.no_doctor"),
            BookingMessage::NoDateTime => tr("patient.booking.no_date_time"),
            BookingMessage::Failed(e) => e.user_message(),
        }
    }
}

/// Request an appointment with a doctor.
#[component]
fn BookingForm(reload: Callback<()>) -> impl IntoView {
    let api = expect_authorized_api();
    // The clinic's doctors, fetched once when the form shows. A plain task: nothing it reads
    // changes, and a `LocalResource` (made to refetch) cost the first load 0.9 KB gzip more.
    let doctors = RwSignal::new(Vec::<Party>::new());
    let doctors_error = RwSignal::new(None::<ApiError>);
    leptos::task::spawn_local({
        let api = api.clone();
        async move {
            match api.doctors().await {
                Ok(list) => {
                    doctors.try_set(list);
                }
                Err(e) => {
                    doctors_error.try_set(Some(e));
                }
            }
        }
    });
    let (doctor, set_doctor) = signal(String::new());
    let (date, set_date) = signal(String::new());
    let (time_of_day, set_time) = signal(String::new());
    let (note, set_note) = signal(String::new());
    let (message, set_message) = signal(None::<BookingMessage>);
    let book = Action::new_local(move |req: &CreateAppointment| {
        let (api, req) = (api.clone(), req.clone());
        async move { api.request_appointment(&req).await }
    });
    Effect::new(move |_| match book.value().get() {
        Some(Ok(_)) => {
            set_message.set(Some(BookingMessage::Requested));
            set_note.set(String::new());
            reload.run(());
        }
        Some(Err(e)) => set_message.set(Some(BookingMessage::Failed(e))),
        None => {}
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(doctor_id) = doctor.get_untracked().parse::<i64>() else {
            set_message.set(Some(BookingMessage::NoDoctor));
            return;
        };
        let Some(at) = local_datetime(&date.get_untracked(), &time_of_day.get_untracked()) else {
            set_message.set(Some(BookingMessage::NoDateTime));
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
            <h2 id="book-heading">{t("patient.booking.heading")}</h2>
            <form on:submit=submit>
                <label for="book-doctor">{t("patient.booking.doctor")}</label>
                <select id="book-doctor" on:change=move |ev| set_doctor.set(event_target_value(&ev))>
                    <option value="">{t("patient.booking.choose_doctor")}</option>
                    {move || {
                        doctors
                            .get()
                            .into_iter()
                            .map(|d| view! { <option value=d.id.to_string()>{d.name}</option> })
                            .collect_view()
                    }}
                </select>
                <RequestError error=doctors_error.read_only() />
                <label for="book-date">{t("patient.booking.date")}</label>
                <input id="book-date" type="date" on:input=move |ev| set_date.set(event_target_value(&ev)) />
                <label for="book-time">{t("patient.booking.time")}</label>
                <input id="book-time" type="time" on:input=move |ev| set_time.set(event_target_value(&ev)) />
                <label for="book-note">{t("patient.booking.note")}</label>
                <textarea
                    id="book-note"
                    maxlength="500"
                    prop:value=note
                    on:input=move |ev| set_note.set(event_target_value(&ev))
                ></textarea>
                <p
                    role="status"
                    class=move || {
                        if message.with(|m| m.as_ref().is_some_and(BookingMessage::is_error)) {
                            "form-error"
                        } else {
                            "hint"
                        }
                    }
                >
                    {move || message.get().map(|m| m.text())}
                </p>
                <button type="submit" disabled=move || book.pending().get()>
                    {t("patient.booking.submit")}
                </button>
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
