//! The app's runtime configuration, `config.json`.
//!
//! The built `dist/` is deployed unchanged to any static host or CDN; everything that differs
//! between deployments lives in `config.json` beside `index.html`, fetched at start-up. This module
//! parses and validates it so that a deployment mistake produces a message naming the field,
//! never a blank page.

use serde::Deserialize;

/// Default room-status polling interval: 5 000 ms (the 5-second polling of seed 002).
pub const DEFAULT_ROOM_STATUS_POLL_MS: u32 = 5_000;

/// Validated contents of `config.json`.
///
/// Shape (camelCase JSON, unknown fields rejected so that a typo is caught):
/// ```json
/// { "apiBaseUrl": "", "clinicName": "Teleconsult demo clinic", "roomStatusPollMs": 5000,
///   "clinicTimeZone": "Asia/Dhaka" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Base URL of the Teleconsult API, without a trailing slash. Empty means "same origin as the
    /// app" (the reference server serves both).
    pub api_base_url: String,
    /// Name shown in the header and the page title.
    pub clinic_name: String,
    /// Room-status polling interval in milliseconds, 1 000 to 60 000.
    pub room_status_poll_ms: u32,
    /// The clinic's IANA time zone (e.g. `Asia/Dhaka`), if set: someone whose own zone differs
    /// sees appointment times in both. Shape-checked here; that the browser knows the zone is
    /// checked by the app at start (`Intl`), with the same error screen.
    pub clinic_time_zone: Option<String>,
}

/// Whether `zone` has the shape of an IANA time-zone name (`Area/Location`, `UTC`,
/// `America/Argentina/Buenos_Aires`, `Etc/GMT+6`): ASCII letters, digits, `_`, `+`, `-` in
/// `/`-separated parts, starting with a letter, at most 64 characters.
pub fn is_time_zone_name(zone: &str) -> bool {
    zone.len() <= 64
        && zone.starts_with(|c: char| c.is_ascii_alphabetic())
        && zone.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawClientConfig {
    api_base_url: String,
    #[serde(default)]
    clinic_name: Option<String>,
    #[serde(default)]
    room_status_poll_ms: Option<u32>,
    #[serde(default)]
    clinic_time_zone: Option<String>,
}

/// What is wrong with a `config.json`. The `Display` text is written for the engineer deploying
/// the app: it names the field and the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientConfigError {
    /// Not valid JSON, or a field of the wrong type, missing or unknown.
    #[error("is not valid JSON of the expected shape: {message} (line {line}, column {column})")]
    Malformed {
        /// serde_json's description, e.g. ``missing field `apiBaseUrl` ``.
        message: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
    /// Well-formed, but a value is out of range.
    #[error("has a bad value: `{field}` {problem}")]
    Invalid {
        /// The JSON field name, e.g. `apiBaseUrl`.
        field: &'static str,
        /// What is wrong and what is expected.
        problem: String,
    },
}

impl ClientConfig {
    /// Parses and validates the text of `config.json`.
    ///
    /// # Errors
    /// [`ClientConfigError::Malformed`] for JSON or type errors (including unknown fields),
    /// [`ClientConfigError::Invalid`] for values out of range: an `apiBaseUrl` that is neither empty
    /// nor an absolute `http(s)://` URL, or a `roomStatusPollMs` outside 1 000–60 000.
    pub fn parse(text: &str) -> Result<ClientConfig, ClientConfigError> {
        let raw: RawClientConfig =
            serde_json::from_str(text).map_err(|e| ClientConfigError::Malformed {
                message: strip_position(&e.to_string()),
                line: e.line(),
                column: e.column(),
            })?;

        let api_base_url = raw.api_base_url.trim().trim_end_matches('/').to_string();
        if !(api_base_url.is_empty()
            || api_base_url.starts_with("https://")
            || api_base_url.starts_with("http://"))
            || api_base_url.chars().any(char::is_whitespace)
        {
            return Err(ClientConfigError::Invalid {
                field: "apiBaseUrl",
                problem: format!(
                    "must be empty (same origin) or an absolute http(s):// URL, not {:?}",
                    raw.api_base_url
                ),
            });
        }

        let room_status_poll_ms = raw
            .room_status_poll_ms
            .unwrap_or(DEFAULT_ROOM_STATUS_POLL_MS);
        if !(1_000..=60_000).contains(&room_status_poll_ms) {
            return Err(ClientConfigError::Invalid {
                field: "roomStatusPollMs",
                problem: format!("must be between 1000 and 60000 ms, not {room_status_poll_ms}"),
            });
        }

        let clinic_name = raw
            .clinic_name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Teleconsult".to_string());

        let clinic_time_zone = raw
            .clinic_time_zone
            .map(|z| z.trim().to_string())
            .filter(|z| !z.is_empty());
        if let Some(zone) = clinic_time_zone
            .as_deref()
            .filter(|z| !is_time_zone_name(z))
        {
            return Err(ClientConfigError::Invalid {
                field: "clinicTimeZone",
                problem: format!(
                    "must be an IANA time-zone name such as \"Asia/Dhaka\", not {zone:?}"
                ),
            });
        }

        Ok(ClientConfig {
            api_base_url,
            clinic_name,
            room_status_poll_ms,
            clinic_time_zone,
        })
    }

    /// The absolute or same-origin URL of an API path such as `/api/me`.
    pub fn api_url(&self, path: &str) -> String {
        format!("{}{}", self.api_base_url, path)
    }
}

/// serde_json appends " at line L column C"; the error carries those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_gets_defaults() {
        let c = ClientConfig::parse(r#"{"apiBaseUrl": ""}"#).unwrap();
        assert_eq!(c.api_base_url, "");
        assert_eq!(c.clinic_name, "Teleconsult");
        assert_eq!(c.room_status_poll_ms, 5_000);
        assert_eq!(c.api_url("/api/me"), "/api/me");
    }

    #[test]
    fn absolute_base_url_loses_trailing_slash() {
        let c = ClientConfig::parse(
            r#"{"apiBaseUrl": "https://api.clinic.example/", "clinicName": " North ", "roomStatusPollMs": 2000}"#,
        )
        .unwrap();
        assert_eq!(c.api_url("/api/me"), "https://api.clinic.example/api/me");
        assert_eq!(c.clinic_name, "North");
        assert_eq!(c.room_status_poll_ms, 2_000);
    }

    #[test]
    fn syntax_error_reports_position() {
        let err = ClientConfig::parse("{\n  \"apiBaseUrl\": \"\",\n}").unwrap_err();
        match err {
            ClientConfigError::Malformed { line, .. } => assert_eq!(line, 3),
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        let missing = ClientConfig::parse("{}").unwrap_err().to_string();
        assert!(missing.contains("apiBaseUrl"), "{missing}");
        let typo = ClientConfig::parse(r#"{"apiBaseUrl": "", "apiBaseURL": "x"}"#)
            .unwrap_err()
            .to_string();
        assert!(typo.contains("apiBaseURL"), "{typo}");
    }

    #[test]
    fn wrong_types_and_ranges_are_rejected() {
        assert!(matches!(
            ClientConfig::parse(r#"{"apiBaseUrl": 5}"#),
            Err(ClientConfigError::Malformed { .. })
        ));
        let relative = ClientConfig::parse(r#"{"apiBaseUrl": "api.example"}"#).unwrap_err();
        assert!(matches!(
            relative,
            ClientConfigError::Invalid {
                field: "apiBaseUrl",
                ..
            }
        ));
        let fast = ClientConfig::parse(r#"{"apiBaseUrl": "", "roomStatusPollMs": 10}"#)
            .unwrap_err()
            .to_string();
        assert!(fast.contains("roomStatusPollMs"), "{fast}");
        assert!(ClientConfig::parse(r#"{"apiBaseUrl": "", "roomStatusPollMs": -1}"#).is_err());
    }

    #[test]
    fn html_instead_of_json_is_malformed_not_a_panic() {
        // A CDN that serves index.html for a missing config.json must give a clear error.
        assert!(matches!(
            ClientConfig::parse("<!doctype html><html></html>"),
            Err(ClientConfigError::Malformed { line: 1, .. })
        ));
    }

    #[test]
    fn the_clinic_time_zone_is_optional_and_must_look_like_an_iana_name() {
        let with = |zone: &str| {
            ClientConfig::parse(&format!(
                r#"{{"apiBaseUrl": "", "clinicTimeZone": {zone}}}"#
            ))
        };
        assert_eq!(
            with(r#""Asia/Dhaka""#).unwrap().clinic_time_zone.as_deref(),
            Some("Asia/Dhaka")
        );
        assert_eq!(
            with(r#""America/Argentina/Buenos_Aires""#)
                .unwrap()
                .clinic_time_zone
                .as_deref(),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(
            with(r#""Etc/GMT+6""#).unwrap().clinic_time_zone.as_deref(),
            Some("Etc/GMT+6")
        );
        assert_eq!(with(r#""  ""#).unwrap().clinic_time_zone, None);
        assert_eq!(with("null").unwrap().clinic_time_zone, None);
        assert_eq!(
            ClientConfig::parse(r#"{"apiBaseUrl": ""}"#)
                .unwrap()
                .clinic_time_zone,
            None
        );
        for bad in [
            r#""Asia//Dhaka""#,
            r#""GMT +6""#,
            r#""../etc/passwd""#,
            r#""/Asia""#,
            r#""6/Dhaka""#,
        ] {
            match with(bad) {
                Err(ClientConfigError::Invalid { field, .. }) => {
                    assert_eq!(field, "clinicTimeZone", "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
