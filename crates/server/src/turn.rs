//! ICE servers for P2P calls, with short-lived TURN credentials.
//!
//! TURN credentials follow the "TURN REST API" scheme (draft-uberti-behave-turn-rest-00, as
//! implemented by coturn's `use-auth-secret`): username = `<expiry Unix seconds>:<identity>`,
//! credential = base64(HMAC-SHA1(shared secret, username)). The TURN server recomputes the HMAC,
//! so no per-user state is shared, and a leaked credential dies at its expiry.

use base64::Engine;
use hmac::{Hmac, Mac};
use teleconsult_core::api::IceServer;
use time::{Duration, OffsetDateTime};

use crate::config::Config;

/// The ICE servers for `identity` at `now`: the configured STUN URLs, and the TURN URLs with
/// credentials valid for `turn_ttl_secs` when a TURN secret is configured (without a secret,
/// TURN URLs are not handed out: they would not work).
pub fn ice_servers(config: &Config, identity: &str, now: OffsetDateTime) -> Vec<IceServer> {
    let mut servers = Vec::new();
    if !config.stun_urls.is_empty() {
        servers.push(IceServer {
            urls: config.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let (Some(secret), false) = (&config.turn_secret, config.turn_urls.is_empty()) {
        let expiry = now + Duration::seconds(i64::from(config.turn_ttl_secs));
        let (username, credential) = turn_credentials(secret.expose(), identity, expiry);
        servers.push(IceServer {
            urls: config.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    servers
}

/// `(username, credential)` of the TURN REST scheme for `identity`, expiring at `expiry`.
pub fn turn_credentials(secret: &str, identity: &str, expiry: OffsetDateTime) -> (String, String) {
    let username = format!("{}:{identity}", expiry.unix_timestamp());
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(username.as_bytes());
    let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, credential)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use time::macros::datetime;

    #[test]
    fn credentials_match_the_turn_rest_scheme() {
        // Reference value computed independently:
        // printf '1700000000:patient_2' | openssl dgst -sha1 -hmac 'north-secret' -binary | base64
        let (user, cred) = turn_credentials(
            "north-secret",
            "patient_2",
            datetime!(2023-11-14 22:13:20 UTC),
        );
        assert_eq!(user, "1700000000:patient_2");
        assert_eq!(cred, "jKMSC5UpiPP0payheQfn8Z+GWmM=");
    }

    #[test]
    fn stun_only_without_a_secret_and_turn_with_one() {
        let now = datetime!(2026-11-21 12:00 UTC);
        let c = Config::parse_from([
            "x",
            "--stun-urls",
            "stun:stun.example:3478",
            "--turn-urls",
            "turn:turn.example:3478",
        ]);
        let servers = ice_servers(&c, "doctor_1", now);
        assert_eq!(servers.len(), 1, "TURN without a secret is not handed out");
        assert!(servers[0].username.is_none());

        let c = Config::parse_from([
            "x",
            "--turn-urls",
            "turn:turn.example:3478",
            "--turn-secret",
            "s3cret",
            "--turn-ttl-secs",
            "600",
        ]);
        let servers = ice_servers(&c, "doctor_1", now);
        assert_eq!(servers.len(), 1);
        let expected_expiry = (now + Duration::minutes(10)).unix_timestamp();
        assert_eq!(
            servers[0].username.as_deref(),
            Some(format!("{expected_expiry}:doctor_1").as_str())
        );
        assert!(servers[0].credential.is_some());
    }
}
