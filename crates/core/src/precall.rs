//! The pre-call check's verdicts ("Check camera, microphone and connection"): what each finding
//! means for a consultation and what to do, in plain words. The browser gathers the facts (ICE
//! candidate types, whether a socket opened, how long the session lasts); these functions judge
//! them, so the rules are host-tested and the same for every page that shows them.
//!
//! Sources of the rules: ICE candidate types per RFC 8445 §5.1.1 (host, server reflexive,
//! relayed); a server-reflexive candidate means the network lets UDP out to the internet, so the
//! two browsers can usually connect directly; only relayed candidates mean every call must go
//! through the TURN relay; neither means the network blocks what WebRTC needs (seeds 001–003:
//! "connection closes immediately", "remote video never appears").

use serde::{Deserialize, Serialize};

use crate::i18n::{text, text_with};

/// How one line of the check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Still being checked.
    Checking,
    /// Fine.
    Good,
    /// Works, with a caveat worth knowing.
    Warning,
    /// Will stop the consultation; the fix says what to do.
    Problem,
}

/// One line of the check: its status, what it means, and (unless good) what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// How it came out.
    pub status: Status,
    /// What was found, in plain words.
    pub meaning: String,
    /// What to do about it; `None` when nothing needs doing.
    pub fix: Option<String>,
}

impl Verdict {
    fn new(status: Status, meaning: String, fix: Option<String>) -> Verdict {
        Verdict {
            status,
            meaning,
            fix,
        }
    }

    /// A line still being checked, in the current language ([`crate::i18n`]).
    pub fn checking() -> Verdict {
        Verdict::new(Status::Checking, text("precall.checking"), None)
    }
}

/// The type of a gathered ICE candidate (`RTCIceCandidate.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CandidateType {
    /// An address of this device.
    Host,
    /// This device's public address, learned from a STUN server.
    Srflx,
    /// A public address learned from the other side.
    Prflx,
    /// An address on the TURN relay.
    Relay,
}

impl CandidateType {
    /// The type of `"host"`, `"srflx"`, `"prflx"` or `"relay"`.
    pub fn parse(s: &str) -> Option<CandidateType> {
        match s {
            "host" => Some(CandidateType::Host),
            "srflx" => Some(CandidateType::Srflx),
            "prflx" => Some(CandidateType::Prflx),
            "relay" => Some(CandidateType::Relay),
            _ => None,
        }
    }
}

/// What the gathered candidates say about this network, given whether the clinic handed out a
/// STUN server (`stun`) and a TURN relay (`turn`), in the current language ([`crate::i18n`]).
pub fn ice_verdict(candidates: &[CandidateType], stun: bool, turn: bool) -> Verdict {
    let has = |t: CandidateType| candidates.contains(&t);
    if has(CandidateType::Srflx) || has(CandidateType::Prflx) {
        return Verdict::new(Status::Good, text("precall.ice.direct"), None);
    }
    if has(CandidateType::Relay) {
        return Verdict::new(
            Status::Warning,
            text("precall.ice.relay_only"),
            Some(text("precall.ice.relay_only_fix")),
        );
    }
    if !stun && !turn {
        return Verdict::new(
            Status::Warning,
            text("precall.ice.untested"),
            Some(text("precall.ice.untested_fix")),
        );
    }
    Verdict::new(
        Status::Problem,
        text("precall.ice.blocked"),
        Some(text("precall.ice.blocked_fix")),
    )
}

/// Whether a connection the call needs (the API, the signaling socket, the video server) could
/// be opened: `Ok(())`, or `Err(timed_out)`. `what` names it in the words (already in the
/// current language); the verdict is in the current language ([`crate::i18n`]).
pub fn reachability_verdict(what: &str, result: Result<(), bool>) -> Verdict {
    match result {
        Ok(()) => Verdict::new(
            Status::Good,
            text_with("precall.reachability.reached", &[("what", &what)]),
            None,
        ),
        Err(timed_out) => Verdict::new(
            Status::Problem,
            if timed_out {
                text_with("precall.reachability.timed_out", &[("what", &what)])
            } else {
                text_with("precall.reachability.unreachable", &[("what", &what)])
            },
            Some(text("precall.reachability.fix")),
        ),
    }
}

/// How long this sign-in lasts, `remaining_s` seconds from now, against a consultation's need,
/// in the current language ([`crate::i18n`]).
pub fn session_verdict(remaining_s: i64) -> Verdict {
    let minutes = remaining_s.max(0) / 60;
    if remaining_s <= 0 {
        Verdict::new(
            Status::Problem,
            text("precall.session.ended"),
            Some(text("precall.session.ended_fix")),
        )
    } else if minutes < 30 {
        let meaning = if minutes == 1 {
            text_with("precall.session.ends_in_one", &[("minutes", &minutes)])
        } else {
            text_with("precall.session.ends_in_other", &[("minutes", &minutes)])
        };
        Verdict::new(
            Status::Warning,
            meaning,
            Some(text("precall.session.ends_soon_fix")),
        )
    } else {
        Verdict::new(
            Status::Good,
            text_with("precall.session.lasts", &[("minutes", &minutes)]),
            None,
        )
    }
}

/// The local date (`YYYY-MM-DD`) a passed check is remembered for: one day.
pub fn pass_is_current(passed_on: Option<&str>, today: &str) -> bool {
    passed_on == Some(today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CandidateType::*;

    #[test]
    fn ice_verdicts_follow_the_candidate_types() {
        assert_eq!(
            ice_verdict(&[Host, Srflx], true, false).status,
            Status::Good
        );
        assert_eq!(
            ice_verdict(&[Host, Prflx], false, false).status,
            Status::Good
        );
        let relay = ice_verdict(&[Host, Relay], true, true);
        assert_eq!(relay.status, Status::Warning);
        assert!(relay.meaning.starts_with("Only through the relay"));
        let blocked = ice_verdict(&[Host], true, true);
        assert_eq!(blocked.status, Status::Problem);
        assert!(blocked.meaning.contains("blocks video calls"));
        assert!(blocked.fix.unwrap().contains("hotspot"));
        let untested = ice_verdict(&[Host], false, false);
        assert_eq!(untested.status, Status::Warning);
        assert!(untested.fix.unwrap().contains("no STUN or TURN"));
        assert_eq!(CandidateType::parse("relay"), Some(Relay));
        assert_eq!(CandidateType::parse("bogus"), None);
    }

    #[test]
    fn reachability_and_session_words() {
        let ok = reachability_verdict("The call's signaling server", Ok(()));
        assert_eq!(ok.status, Status::Good);
        let slow = reachability_verdict("The call's signaling server", Err(true));
        assert_eq!(slow.status, Status::Problem);
        assert!(slow.meaning.contains("10 seconds"));
        assert!(slow.fix.unwrap().contains("WebSockets"));
        assert_eq!(session_verdict(3600).status, Status::Good);
        let short = session_verdict(61);
        assert_eq!(short.status, Status::Warning);
        assert_eq!(short.meaning, "Your sign-in ends in 1 minute.");
        assert_eq!(session_verdict(0).status, Status::Problem);
        assert!(pass_is_current(Some("2026-12-02"), "2026-12-02"));
        assert!(!pass_is_current(Some("2026-12-01"), "2026-12-02"));
        assert!(!pass_is_current(None, "2026-12-02"));
    }
}
