//! An appointment's status as a labelled badge.

use leptos::prelude::*;
use teleconsult_core::AppointmentStatus;

/// "Requested", "Confirmed", "Cancelled" or "Completed", styled by status.
#[component]
pub fn StatusBadge(
    /// The status to show.
    status: AppointmentStatus,
) -> impl IntoView {
    let label = match status {
        AppointmentStatus::Requested => "Requested",
        AppointmentStatus::Confirmed => "Confirmed",
        AppointmentStatus::Cancelled => "Cancelled",
        AppointmentStatus::Completed => "Completed",
    };
    view! { <div class=format!("status status-{}", status.as_str())>{label}</div> }
}
