//! The app's in-app addresses, built in one place. The router's table is in `app.rs`; these
//! functions build links to it, so a route's shape is written once.

use teleconsult_core::Role;

/// The dashboard of `role`: `/patient` or `/doctor`.
pub fn dashboard(role: Role) -> &'static str {
    match role {
        Role::Patient => "/patient",
        Role::Doctor => "/doctor",
    }
}

/// The consultation room of an appointment under `role`'s session:
/// `/consultation/{appointment_id}?role={role}`.
pub fn consultation(appointment_id: i64, role: Role) -> String {
    format!("/consultation/{appointment_id}?role={role}")
}

/// The pre-call check under `role`'s session: `/check?role={role}`.
pub fn check(role: Role) -> String {
    format!("/check?role={role}")
}

/// The sign-in page for `role` that returns to `next` (an in-app path, URI-encoded here) after
/// signing in: `/login?role={role}&next={next}`.
pub fn login(role: Role, next: &str) -> String {
    format!(
        "/login?role={role}&next={}",
        js_sys::encode_uri_component(next)
    )
}
