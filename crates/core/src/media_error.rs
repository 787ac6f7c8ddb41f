//! Why the camera or microphone could not be used, and what to tell the person.
//!
//! `getUserMedia` rejects with a `DOMException` whose `name` identifies the cause (W3C Media
//! Capture and Streams, §10): the mapping below turns it into a cause in the field's words and a
//! plain-language message with the fix. Seed 000 lists permissions and "device busy in another
//! tab" as the two most common reasons a consultation fails to start.

use serde::{Deserialize, Serialize};

use crate::i18n::text;

/// A camera or microphone failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MediaError {
    /// `NotAllowedError`: the person or the browser's settings denied access.
    #[error("camera/microphone permission denied")]
    PermissionDenied,
    /// `NotReadableError` / `TrackStartError`: the hardware is in use (another app, another tab)
    /// or failed.
    #[error("camera/microphone is in use or not readable")]
    DeviceInUse,
    /// `NotFoundError`: no camera or microphone is connected.
    #[error("no camera/microphone found")]
    NotFound,
    /// `OverconstrainedError`: the chosen device (or setting) is no longer available.
    #[error("the chosen device is not available (constraint {constraint})")]
    DeviceGone {
        /// The constraint that failed, e.g. `deviceId`.
        constraint: String,
    },
    /// `SecurityError` or no `mediaDevices` at all: the page is not in a secure context (https).
    #[error("camera/microphone not available on an insecure page")]
    InsecureContext,
    /// `AbortError` or anything else.
    #[error("camera/microphone failed: {name}")]
    Other {
        /// The DOMException name.
        name: String,
    },
}

impl MediaError {
    /// Maps a `DOMException` name (and, for `OverconstrainedError`, its `constraint`).
    pub fn from_dom_exception(name: &str, constraint: Option<&str>) -> MediaError {
        match name {
            "NotAllowedError" | "PermissionDeniedError" => MediaError::PermissionDenied,
            "NotReadableError" | "TrackStartError" => MediaError::DeviceInUse,
            "NotFoundError" | "DevicesNotFoundError" => MediaError::NotFound,
            "OverconstrainedError" | "ConstraintNotSatisfiedError" => MediaError::DeviceGone {
                constraint: constraint.unwrap_or("unknown").to_string(),
            },
            "SecurityError" => MediaError::InsecureContext,
            other => MediaError::Other {
                name: other.to_string(),
            },
        }
    }

    /// What to tell the person: the cause in plain words and what to do, in the current
    /// language ([`crate::i18n`]).
    pub fn user_message(&self) -> String {
        match self {
            MediaError::PermissionDenied => text("media.error.permission_denied"),
            MediaError::DeviceInUse => text("media.error.device_in_use"),
            MediaError::NotFound => text("media.error.not_found"),
            MediaError::DeviceGone { .. } => text("media.error.device_gone"),
            MediaError::InsecureContext => text("media.error.insecure_context"),
            MediaError::Other { .. } => text("media.error.other"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dom_exception_names_map_to_causes() {
        let cases = [
            ("NotAllowedError", MediaError::PermissionDenied),
            ("NotReadableError", MediaError::DeviceInUse),
            ("NotFoundError", MediaError::NotFound),
            ("SecurityError", MediaError::InsecureContext),
        ];
        for (name, expected) in cases {
            assert_eq!(
                MediaError::from_dom_exception(name, None),
                expected,
                "{name}"
            );
        }
        assert_eq!(
            MediaError::from_dom_exception("OverconstrainedError", Some("deviceId")),
            MediaError::DeviceGone {
                constraint: "deviceId".into()
            }
        );
        assert!(matches!(
            MediaError::from_dom_exception("AbortError", None),
            MediaError::Other { .. }
        ));
    }

    #[test]
    fn messages_say_what_to_do() {
        assert!(MediaError::PermissionDenied
            .user_message()
            .contains("Allow"));
        assert!(MediaError::DeviceInUse
            .user_message()
            .contains("another browser tab"));
    }
}
