//! The join button of an appointment, or the reason it is not available, in words.

use leptos::prelude::*;
use teleconsult_core::{
    api::Appointment,
    dashboard::{join_availability, JoinAvailability},
    Role,
};
use time::OffsetDateTime;

use crate::{format::local_time, routes};

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
    let label = match role {
        Role::Patient => "Join consultation",
        Role::Doctor => "Start consultation",
    };
    let other = match role {
        Role::Patient => "the doctor",
        Role::Doctor => "you",
    };
    move || match join_availability(appointment.status, appointment.scheduled_at, now.get()) {
        JoinAvailability::Open { .. } => view! {
            <a class="button" href=href.clone() data-testid=format!("join-{id}")>{label}</a>
        }
        .into_any(),
        availability => {
            let text = match availability {
                JoinAvailability::OpensAt { opens_at } => {
                    format!("Opens at {}", local_time(opens_at))
                }
                JoinAvailability::Closed => "The consultation window has closed".to_string(),
                JoinAvailability::AwaitingConfirmation => format!("Waiting for {other} to confirm"),
                JoinAvailability::Cancelled => "This appointment was cancelled".to_string(),
                JoinAvailability::Completed => "This consultation has taken place".to_string(),
                JoinAvailability::Open { .. } => String::new(),
            };
            view! { <p class="join-note" data-testid=format!("join-note-{id}")>{text}</p> }
                .into_any()
        }
    }
}
