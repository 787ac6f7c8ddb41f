//! An appointment's status as a labelled badge.

use leptos::prelude::*;
use teleconsult_core::AppointmentStatus;

use crate::i18n::tr;

/// "Requested", "Confirmed", "Cancelled" or "Completed", styled by status.
#[component]
pub fn StatusBadge(
    /// The status to show.
    status: AppointmentStatus,
) -> impl IntoView {
    let label = move || match status {
        AppointmentStatus::Requested => tr("status.requested"),
        AppointmentStatus::Confirmed => tr("status.confirmed"),
        AppointmentStatus::Cancelled => tr("status.cancelled"),
        AppointmentStatus::Completed => tr("status.completed"),
    };
    view! { <div class=format!("status status-{}", status.as_str())>{label}</div> }
}
