//! Every message a person can be shown when something goes wrong, in one table: the cause, how
//! the app recognises it, the seed note it answers, and the words shown (cause and what to do).
//!
//! The words themselves live with the rules that decide them (`media_error`, `call`, `twilio`,
//! `precall`, `quality`); this module only gathers them, so a clinic, a reviewer or a translator
//! can read them all at once. `docs/diagnoses.md` is rendered from [`table`] by
//! [`render_markdown`] and a host test fails when it is out of date (regenerate with
//! `UPDATE_DIAGNOSES=1 cargo test -p teleconsult-core diagnoses_document`).

use crate::{
    call::{CallError, Refusal},
    media_error::MediaError,
    precall::{self, CandidateType, Status},
    quality, twilio,
};

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// Where in the product it shows: `Before the call`, `Joining`, `In the call`,
    /// `Pre-call check`.
    pub shown: &'static str,
    /// The cause, in the field's words.
    pub cause: &'static str,
    /// How the app recognises it (the browser or SDK signal).
    pub recognised_by: &'static str,
    /// The seed troubleshooting note(s) that describe it; empty when none does.
    pub seed: &'static str,
    /// What the person reads: the cause in plain words and what to do.
    pub words: String,
}

fn row(
    shown: &'static str,
    cause: &'static str,
    recognised_by: &'static str,
    seed: &'static str,
    words: impl Into<String>,
) -> Diagnosis {
    Diagnosis {
        shown,
        cause,
        recognised_by,
        seed,
        words: words.into(),
    }
}

fn verdict_words(v: &precall::Verdict) -> String {
    match &v.fix {
        Some(fix) => format!("{} {}", v.meaning, fix),
        None => v.meaning.clone(),
    }
}

/// Every diagnosis, in the order a person meets them.
pub fn table() -> Vec<Diagnosis> {
    let media = |cause, by, seed, e: MediaError| {
        row(
            "Joining",
            cause,
            by,
            seed,
            CallError::Media { error: e }.user_message(),
        )
    };
    let call = |cause, by, seed, e: CallError| row("Joining", cause, by, seed, e.user_message());
    let in_call =
        |cause, by, seed, e: CallError| row("In the call", cause, by, seed, e.user_message());
    let check = |cause, by, seed, v: precall::Verdict| {
        debug_assert_ne!(v.status, Status::Good);
        row("Pre-call check", cause, by, seed, verdict_words(&v))
    };
    vec![
        media(
            "Camera and microphone permission denied",
            "getUserMedia rejects with NotAllowedError",
            "000 #1",
            MediaError::PermissionDenied,
        ),
        media(
            "Camera or microphone busy in another program or tab",
            "getUserMedia rejects with NotReadableError",
            "000 #2",
            MediaError::DeviceInUse,
        ),
        media(
            "No camera or microphone",
            "getUserMedia rejects with NotFoundError",
            "",
            MediaError::NotFound,
        ),
        media(
            "The chosen device is gone",
            "getUserMedia rejects with OverconstrainedError",
            "",
            MediaError::DeviceGone {
                constraint: "deviceId".into(),
            },
        ),
        media(
            "Insecure (http) page",
            "no navigator.mediaDevices, or SecurityError",
            "000",
            MediaError::InsecureContext,
        ),
        media(
            "Any other camera failure",
            "getUserMedia rejects with another DOMException",
            "",
            MediaError::Other {
                name: "AbortError".into(),
            },
        ),
        call(
            "Session expired or token refused",
            "API 401, signaling invalid_token, LiveKit 401, TwilioError 20101–20107",
            "002, 004",
            CallError::SessionExpired,
        ),
        call(
            "Teleconsult server unreachable",
            "the join request gets no answer",
            "003",
            CallError::Network,
        ),
        call(
            "Signaling WebSocket blocked",
            "the P2P socket does not open within 10 s",
            "004",
            CallError::SignalingUnreachable,
        ),
        call(
            "Video server (SFU) unreachable",
            "LiveKit connect fails; TwilioError 53000",
            "004",
            CallError::MediaServerUnreachable,
        ),
        call(
            "Room full (someone else on another device)",
            "TwilioError 53105; the hub's room_full",
            "000 #2",
            twilio::connect_error(Some(53105)),
        ),
        in_call(
            "Media cannot connect: firewall without a TURN path",
            "connectionState failed; not connected 20 s after both are present; TwilioError 53405",
            "000 #3, 003",
            CallError::ConnectionFailed,
        ),
        in_call(
            "The clinic closed the room",
            "LiveKit ROOM_DELETED / PARTICIPANT_REMOVED; TwilioError 53118",
            "",
            CallError::ClosedByClinic,
        ),
        in_call(
            "The video service refused a message as too large",
            "TwilioError 53002",
            "004",
            twilio::connect_error(Some(53002)),
        ),
        row(
            "In the call",
            "This person's connection is poor",
            "own getStats (P2P) or the SFU's grade: round trip > 800 ms, loss ≥ 8 %, usable \
             outgoing < 150 kbit/s or < 8 fps",
            "003",
            quality::poor_connection_words(true, "Dr. Amina Rahman"),
        ),
        row(
            "In the call",
            "The other party's connection is poor",
            "the other party's media:quality frame, or the SFU's grade of them",
            "003",
            quality::poor_connection_words(false, "Dr. Amina Rahman"),
        ),
        row(
            "In the call",
            "Too little bandwidth for video (own)",
            "usable outgoing bandwidth under 150 kbit/s for 10 s",
            "",
            quality::own_video_paused_words(),
        ),
        row(
            "In the call",
            "Too little bandwidth for video (the other party)",
            "media:quality with videoPaused",
            "",
            quality::remote_video_paused_words("Dr. Amina Rahman"),
        ),
        check(
            "Network blocks video calls",
            "no srflx and no relay ICE candidate with the clinic's STUN/TURN",
            "000 #3, 003",
            precall::ice_verdict(&[CandidateType::Host], true, true),
        ),
        check(
            "Only the relay gets through",
            "relay candidates but no srflx",
            "003",
            precall::ice_verdict(&[CandidateType::Host, CandidateType::Relay], true, true),
        ),
        check(
            "No STUN/TURN server configured",
            "the join answer hands out no ICE servers",
            "003",
            precall::ice_verdict(&[CandidateType::Host], false, false),
        ),
        check(
            "A path the call needs times out",
            "API, signaling socket or video server: no answer within 10 s",
            "004",
            precall::reachability_verdict("The call's signaling connection", Err(true)),
        ),
        check(
            "A path the call needs is refused",
            "API, signaling socket or video server: connection refused",
            "004",
            precall::reachability_verdict("The clinic's video server", Err(false)),
        ),
        check(
            "The sign-in ends before the consultation would",
            "the session's expiry against the appointment",
            "004",
            precall::session_verdict(10 * 60),
        ),
        check(
            "The sign-in has ended",
            "the session's expiry",
            "004",
            precall::session_verdict(0),
        ),
    ]
}

/// `docs/diagnoses.md`: the table as Markdown.
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# What the app tells people when something goes wrong\n\n\
         Generated from `teleconsult_core::diagnosis::table()` (`crates/core/src/diagnosis.rs`); \
         do not edit by hand. A test fails when this file is out of date: regenerate with \
         `UPDATE_DIAGNOSES=1 cargo test -p teleconsult-core diagnoses_document`.\n\n\
         Seeds are the troubleshooting notes in `shared/seeds/` (000, 001 and 002 a LiveKit app, 003 a \
         plain P2P app, 004 a Twilio app). Names shown as \"Dr. Amina Rahman\" are the other party's \
         name in the real message.\n\n\
         | Shown | Cause | Recognised by | Seed | What the person reads |\n\
         |---|---|---|---|---|\n",
    );
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for d in table() {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            d.shown,
            cell(d.cause),
            cell(d.recognised_by),
            if d.seed.is_empty() { "–" } else { d.seed },
            cell(&d.words)
        ));
    }
    let codes: Vec<String> = Refusal::ALL
        .iter()
        .map(|r| format!("`{}`", r.code()))
        .collect();
    out.push_str(&format!(
        "\nJoin refusals ({}) are worded by the server in its error body's `message` and shown \
         as they come.\n",
        codes.join(", ")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_says_what_happened_and_what_to_do_in_full_sentences() {
        let rows = table();
        assert!(rows.len() >= 20);
        for d in &rows {
            assert!(d.words.len() > 40, "{}: {}", d.cause, d.words);
            assert!(d.words.ends_with('.'), "{}: {}", d.cause, d.words);
            // Nobody should ever need the browser console, nor read developer words.
            for jargon in ["console", "ICE", "SDP", "DOMException", "undefined", "null"] {
                assert!(!d.words.contains(jargon), "{}: {jargon}", d.cause);
            }
        }
    }

    #[test]
    fn causes_are_not_listed_twice() {
        let rows = table();
        for (i, a) in rows.iter().enumerate() {
            assert!(
                rows[i + 1..].iter().all(|b| b.cause != a.cause),
                "{}",
                a.cause
            );
        }
    }

    #[test]
    fn the_document_names_every_refusal_code() {
        let doc = render_markdown();
        for r in Refusal::ALL {
            assert!(doc.contains(&format!("`{}`", r.code())), "{}", r.code());
        }
    }

    #[test]
    fn diagnoses_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/diagnoses.md");
        let rendered = render_markdown();
        if std::env::var_os("UPDATE_DIAGNOSES").is_some() {
            std::fs::write(path, &rendered).unwrap();
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == rendered,
            "docs/diagnoses.md is out of date: run UPDATE_DIAGNOSES=1 cargo test -p teleconsult-core diagnoses_document"
        );
    }
}
