//! The join button of an appointment, or the reason it is not available, in words.

use leptos::prelude::*;
use teleconsult_core::{
    api::Appointment,
    dashboard::{join_availability, JoinAvailability},
    Role,
};
use time::OffsetDateTime;

use crate::{
    format::local_time,
    i18n::{tr, tr_with},
    routes,
};

/// "Join consultation" (patient) / "Start consultation" (doctor) inside the join window;
/// otherwise why not and when: "Opens at 13:30", "Waiting for the doctor to confirm",
/// "This appointment was cancelled". The rule is `teleconsult_core::dashboard::join_availability`,
/// the one the server enforces.
#[component]
pub fn JoinButton(
    /// The appointment.
    appointment: Appointment,
    /// Now, on the server's clock.
    #[prop(into)]
    now: Signal<OffsetDateTime>,
    /// Whose dashboard this is.
    role: Role,
) -> impl IntoView {
    let id = appointment.id;
    let href = routes::consultation(id, role);
    let label = move || match role {
        Role::Patient => tr("join.join"),
        Role::Doctor => tr("join.start"),
    };
    move || match join_availability(appointment.status, appointment.scheduled_at, now.get()) {
        JoinAvailability::Open { .. } => view! {
            <a class="button" href=href.clone() data-testid=format!("join-{id}")>{label}</a>
        }
        .into_any(),
        availability => {
            let text = match availability {
                JoinAvailability::OpensAt { opens_at } => {
                    tr_with("join.opens_at", &[("time", &local_time(opens_at))])
                }
                JoinAvailability::Closed => tr("join.closed"),
                JoinAvailability::AwaitingConfirmation => match role {
                    Role::Patient => tr("join.awaiting_doctor"),
                    Role::Doctor => tr("join.awaiting_you"),
                },
                JoinAvailability::Cancelled => tr("join.cancelled"),
                JoinAvailability::Completed => tr("join.completed"),
                JoinAvailability::Open { .. } => String::new(),
            };
            view! { <p class="join-note" data-testid=format!("join-note-{id}")>{text}</p> }
                .into_any()
        }
    }
}
