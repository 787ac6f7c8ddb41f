//! Signed-in sessions, one per role.
//!
//! A browser may hold a patient session and a doctor session at once (a clinic's front-desk
//! machine, or testing both sides). Each lives under its own key, `teleconsult.session.patient`
//! or `teleconsult.session.doctor`, and each page picks the session of *its* role. There is no
//! "doctor token, or else the patient token" fallback: that fallback sent the wrong token and
//! produced the 401s of seed 002.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use teleconsult_core::{api::User, Role};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Bearer access token. Kept in storage only; never logged or put in a URL.
    pub access_token: String,
    /// Expiry of the token, Unix time in seconds (UTC).
    pub expires_at: i64,
    /// The signed-in account.
    pub user: User,
}

impl Session {
    /// Whether the token is still valid at `now_s` (Unix seconds), keeping `margin_s` seconds of
    /// slack so that a request started now does not arrive with an expired token.
    pub fn is_valid_at(&self, now_s: i64, margin_s: i64) -> bool {
        now_s + margin_s < self.expires_at
    }
}

/// The storage key of `role`'s session.
pub fn storage_key(role: Role) -> String {
    format!("teleconsult.session.{role}")
}

/// Unix time now, in seconds, from the browser's clock.
pub fn now_s() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The stored session of `role`, if there is one that is well-formed, of that role and unexpired.
/// A stored value that fails any of these is removed.
pub fn load(role: Role) -> Option<Session> {
    let key = storage_key(role);
    match LocalStorage::get::<Session>(&key) {
        Ok(s) if s.user.role == role && s.is_valid_at(now_s(), 0) => Some(s),
        Ok(_) | Err(gloo_storage::errors::StorageError::SerdeError(_)) => {
            LocalStorage::delete(&key);
            None
        }
        Err(_) => None,
    }
}

/// Stores `session` under its role's key.
///
/// # Errors
/// The browser refused to store it (private mode quota, storage disabled), in plain words.
pub fn save(session: &Session) -> Result<(), String> {
    LocalStorage::set(storage_key(session.user.role), session).map_err(|_| {
        "Your browser refused to keep you signed in (site storage is blocked or full). Allow site \
         data for this page and try again."
            .to_string()
    })
}

/// Removes `role`'s session (sign out, or a 401).
pub fn clear(role: Role) {
    LocalStorage::delete(storage_key(role));
}

/// A safe in-app path to return to after login: only absolute paths within this app
/// (`/doctor`, `/consultation/3?role=doctor`), never `//host` or `https://…`, so a crafted
/// link cannot send someone elsewhere after they sign in.
pub fn safe_return_path(next: Option<&str>) -> Option<String> {
    let next = next?;
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.starts_with("/login");
    ok.then(|| next.to_string())
}
