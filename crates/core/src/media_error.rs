//! Why the camera or microphone could not be used, and what to tell the person.
//!
//! `getUserMedia` rejects with a `DOMException` whose `name` identifies the cause (W3C Media
//! Capture and Streams, §10): the mapping below turns it into a cause in the field's words and a
//! plain-language message with the fix. Seed 000 lists permissions and "device busy in another
//! tab" as the two most common reasons a consultation fails to start.

use serde::{Deserialize, Serialize};

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

    /// What to tell the person: the cause in plain words and what to do.
    pub fn user_message(&self) -> &'static str {
        match self {
            MediaError::PermissionDenied => {
                "Your browser is blocking the camera and microphone for this site. Click the \
                 camera icon in the address bar (or open the site settings), choose Allow for \
                 camera and microphone, then try again."
            }
            MediaError::DeviceInUse => {
                "Your camera or microphone is being used by another program or another browser \
                 tab. Close other video calls and tabs with this consultation, then try again."
            }
            MediaError::NotFound => {
                "We can't find a camera or microphone. Connect one (or check that it is switched \
                 on), then try again."
            }
            MediaError::DeviceGone { .. } => {
                "The camera or microphone you chose is no longer available. Reconnect it or \
                 choose another device, then try again."
            }
            MediaError::InsecureContext => {
                "The camera can only be used on a secure (https) page. Open the consultation \
                 through the clinic's https link."
            }
            MediaError::Other { .. } => {
                "The camera or microphone could not be started. Reload the page and try again; \
                 if it keeps happening, restart the browser."
            }
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
