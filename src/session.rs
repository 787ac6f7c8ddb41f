//! Signed-in sessions, one per role.
//!
//! A browser may hold a patient session and a doctor session at once (a clinic's front-desk
//! machine, or testing both sides). Each lives under its own key, `teleconsult.session.patient`
//! or `teleconsult.session.doctor`, and each page picks the session of *its* role. There is no
//! "doctor token, or else the patient token" fallback: that fallback sent the wrong token and
//! produced the 401s of seed 002.
//!
//! The access token is short-lived; the refresh token beside it renews it (`api::AuthorizedApi`
//! and `hooks::session_keeper`). Both live in `localStorage`, per role, so every tab of the
//! browser shares one session and a tab that renews it hands the new tokens to the others (why
//! not an HttpOnly cookie: docs/security.md).

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use teleconsult_core::{
    api::{LoginResponse, User},
    Role,
};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Bearer access token. Kept in storage only; never logged or put in a URL.
    pub access_token: String,
    /// Expiry of the token, Unix time in seconds (UTC).
    pub expires_at: i64,
    /// The signed-in account.
    pub user: User,
    /// Single-use token that renews the session (`POST /api/auth/refresh`); absent in sessions
    /// stored before sessions could be renewed.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When the session ends whatever the renewals, Unix seconds (UTC).
    #[serde(default)]
    pub session_expires_at: Option<i64>,
}

impl From<LoginResponse> for Session {
    fn from(res: LoginResponse) -> Session {
        Session {
            access_token: res.access_token,
            expires_at: res.expires_at.unix_timestamp(),
            user: res.user,
            refresh_token: res.refresh_token,
            session_expires_at: res.session_expires_at.map(|t| t.unix_timestamp()),
        }
    }
}

impl Session {
    /// Whether the token is still valid at `now_s` (Unix seconds), keeping `margin_s` seconds of
    /// slack so that a request started now does not arrive with an expired token.
    pub fn is_valid_at(&self, now_s: i64, margin_s: i64) -> bool {
        now_s + margin_s < self.expires_at
    }

    /// When the session ends: the session's own end when it can be renewed, else the token's.
    pub fn ends_at(&self) -> i64 {
        match (&self.refresh_token, self.session_expires_at) {
            (Some(_), Some(end)) => end,
            _ => self.expires_at,
        }
    }

    /// Whether the session can still be used at `now_s`: its token is valid, or it can be
    /// renewed.
    pub fn is_alive_at(&self, now_s: i64) -> bool {
        now_s < self.ends_at()
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
        Ok(s) if s.user.role == role && s.is_alive_at(now_s()) => Some(s),
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
/// The browser refused to store it (private mode quota, storage disabled). The caller puts it
/// into words when it shows it (`session.storage_refused`), so the words follow the language.
pub fn save(session: &Session) -> Result<(), gloo_storage::errors::StorageError> {
    LocalStorage::set(storage_key(session.user.role), session)
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
