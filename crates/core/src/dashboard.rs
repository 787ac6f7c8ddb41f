//! Dashboard rules: what a join button says, which rooms to watch, and when to poll.
//!
//! The polling of seed 002 (room status every 5 s) is kept, with what a clinic's network team
//! expects of it: one request per interval whatever the number of appointments, a slower cadence
//! while the tab is hidden (so the desktop notification still reaches someone on another tab),
//! nothing while no appointment is near its window, and backoff with jitter on errors.

use time::{Duration, OffsetDateTime};

use crate::{
    admission::Place,
    api::{Appointment, ProviderKind, RoomStatus},
    backoff,
    join_window::{check_join, window_for},
    AppointmentStatus, JoinRefusal, Role,
};

/// Interval of room-status polls while the dashboard's tab is hidden: 30 s, so at most 2
/// requests a minute reach the server from a background tab, and the desktop notification that
/// the other party is waiting fires within about 30 s (issue 14). Only while a room is watched.
pub const HIDDEN_POLL_MS: u32 = 30_000;

/// How long before a join window opens its room starts being watched: 5 minutes.
pub const WATCH_LEAD: Duration = Duration::minutes(5);

/// What an appointment's join button offers at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinAvailability {
    /// The room may be entered; the window closes at `closes_at` (UTC).
    Open {
        /// End of the join window.
        closes_at: OffsetDateTime,
    },
    /// Confirmed, but the window opens at `opens_at` (UTC).
    OpensAt {
        /// Start of the join window.
        opens_at: OffsetDateTime,
    },
    /// The window has closed.
    Closed,
    /// Waiting for the doctor to confirm.
    AwaitingConfirmation,
    /// Cancelled.
    Cancelled,
    /// The consultation took place.
    Completed,
}

/// The join button of `appointment` at `now` (the same rule the server enforces).
pub fn join_availability(
    status: AppointmentStatus,
    scheduled_at: OffsetDateTime,
    now: OffsetDateTime,
) -> JoinAvailability {
    match check_join(status, scheduled_at, now) {
        Ok(w) => JoinAvailability::Open {
            closes_at: w.closes_at,
        },
        Err(JoinRefusal::TooEarly { opens_at }) => JoinAvailability::OpensAt { opens_at },
        Err(JoinRefusal::TooLate { .. }) => JoinAvailability::Closed,
        Err(JoinRefusal::NotConfirmed) => JoinAvailability::AwaitingConfirmation,
        Err(JoinRefusal::Cancelled) => JoinAvailability::Cancelled,
        Err(JoinRefusal::Completed) => JoinAvailability::Completed,
    }
}

/// Whether the room of an appointment is worth polling at `now`: confirmed, and from
/// [`WATCH_LEAD`] before its window opens until the window closes.
pub fn is_watched(a: &Appointment, now: OffsetDateTime) -> bool {
    let w = window_for(a.scheduled_at);
    a.status == AppointmentStatus::Confirmed
        && now >= w.opens_at.saturating_sub(WATCH_LEAD)
        && now <= w.closes_at
}

/// Most rooms one status request may ask about (the server's limit, `rooms::MAX_APPOINTMENTS_PER_REQUEST`).
pub const MAX_WATCHED: usize = 50;

/// The ids of the appointments to poll at `now`, in list order (soonest first), at most
/// [`MAX_WATCHED`] so that one request always covers them.
pub fn watched_ids(appointments: &[Appointment], now: OffsetDateTime) -> Vec<i64> {
    appointments
        .iter()
        .filter(|a| is_watched(a, now))
        .map(|a| a.id)
        .take(MAX_WATCHED)
        .collect()
}

/// When the next room-status poll should run, in milliseconds, or `None` for "don't poll".
///
/// - nothing to watch: `None` (polling resumes when that changes);
/// - after `consecutive_errors` ≥ 1 failures: exponential backoff from the interval, with full
///   jitter (`jitter` in `[0, 1)`), capped at 60 s and never below 1 s;
/// - otherwise: `interval_ms` while visible, [`HIDDEN_POLL_MS`] (or `interval_ms` if longer)
///   while hidden.
pub fn next_poll_delay_ms(
    visible: bool,
    watching: bool,
    consecutive_errors: u32,
    interval_ms: u32,
    jitter: f64,
) -> Option<u64> {
    if !watching {
        return None;
    }
    let interval_ms = if visible {
        interval_ms
    } else {
        interval_ms.max(HIDDEN_POLL_MS)
    };
    if consecutive_errors == 0 {
        return Some(u64::from(interval_ms));
    }
    Some(backoff::delay_ms(
        consecutive_errors,
        u64::from(interval_ms),
        60_000,
        1_000,
        jitter,
    ))
}

/// First delay before the appointment list is loaded again after a failed load, in ms.
pub const LIST_RETRY_BASE_MS: u64 = 2_000;

/// When to load the appointment list again after `consecutive_errors` (≥ 1) failed loads in a
/// row (offline, a 5xx or 429 from a proxy, an answer that does not parse), in milliseconds:
/// exponential backoff from [`LIST_RETRY_BASE_MS`] with full jitter (`jitter` in `[0, 1)`),
/// capped at 60 s and never below 1 s — the room-status polling's rule
/// ([`next_poll_delay_ms`]), so a dashboard left open through an outage recovers by itself
/// without a reload and without hammering a server that is coming back. A 401 is not retried:
/// the session is over (the caller signs the person in again).
pub fn list_retry_delay_ms(consecutive_errors: u32, jitter: f64) -> u64 {
    backoff::delay_ms(
        consecutive_errors.saturating_sub(1),
        LIST_RETRY_BASE_MS,
        60_000,
        1_000,
        jitter,
    )
}

/// The files a page preloads, in document order: the `href` of each `<link rel="modulepreload">`
/// and `<link rel="preload">` in `page_html` (as Trunk writes them into `consultation.html`: its
/// wasm, its JavaScript glue and snippets). The dashboard fetches these ahead when a
/// consultation is near (`hooks::call_prefetch` in the web app). Attributes are read as Trunk
/// writes them (double quotes); a tag without an `href`, or any other link, is skipped, and text
/// that is no HTML yields an empty list.
pub fn preloaded_files(page_html: &str) -> Vec<&str> {
    page_html
        .split("<link ")
        .skip(1)
        .filter_map(|rest| {
            let tag = rest.split('>').next()?;
            let preload =
                tag.contains(r#"rel="modulepreload""#) || tag.contains(r#"rel="preload""#);
            let href = tag.split(r#" href=""#).nth(1)?.split('"').next()?;
            (preload && !href.is_empty()).then_some(href)
        })
        .collect()
}

/// The file of `provider`'s SDK that `page_html` names (`<meta name="teleconsult-livekit-sdk"
/// content="livekit-client-….js">`, see [`ProviderKind::sdk_meta`]): what a call of that provider
/// loads first. The dashboard fetches it ahead with the consultation page's own files when a
/// consultation is near. `None` for P2P, without the tag, or when its `content` is empty (a page
/// built without the SDKs). Attributes are read as `consultation.html` writes them (double quotes,
/// `name` before `content`).
pub fn provider_sdk_file(page_html: &str, provider: ProviderKind) -> Option<&str> {
    let name = provider.sdk_meta()?;
    page_html.split("<meta ").skip(1).find_map(|rest| {
        let tag = rest.split('>').next()?;
        if !tag.contains(&format!(r#"name="{name}""#)) {
            return None;
        }
        let content = tag.split(r#" content=""#).nth(1)?.split('"').next()?;
        (!content.is_empty()).then_some(content)
    })
}

/// Someone of the other role is waiting for this person: in an appointment's room that this
/// person is not in ("… is waiting in your consultation room"), or, for a doctor, a patient in
/// the waiting room. A doctor's list is their live queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// The appointment.
    pub appointment_id: i64,
    /// When they arrived (UTC): in the waiting room, or else in the room.
    pub since: OffsetDateTime,
    /// Where they are.
    pub place: Place,
}

/// Who of the other role waits for `me` (`{role}_{id}`), in arrival order (earliest first; ties
/// by appointment id): people in a room `me` is not in, and people in a waiting room (a waiting
/// room holds only patients, so only a doctor sees those). One entry per appointment; someone in
/// the waiting room counts from their arrival there.
pub fn others_waiting(my_role: Role, me: &str, rooms: &[RoomStatus]) -> Vec<Waiting> {
    let other = |p: &&crate::api::RoomParticipant| p.role.is_some_and(|role| role != my_role);
    let mut list: Vec<Waiting> = rooms
        .iter()
        .filter_map(|r| {
            if let Some(p) = r.waiting_room.iter().find(other) {
                return Some(Waiting {
                    appointment_id: r.appointment_id,
                    since: p.joined_at,
                    place: Place::WaitingRoom,
                });
            }
            if r.participants.iter().any(|p| p.identity == me) {
                return None;
            }
            let p = r.participants.iter().find(other)?;
            Some(Waiting {
                appointment_id: r.appointment_id,
                since: p.joined_at,
                place: Place::CallRoom,
            })
        })
        .collect();
    list.sort_by_key(|w| (w.since, w.appointment_id));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Party, RoomParticipant};
    use time::macros::datetime;

    const START: OffsetDateTime = datetime!(2026-11-21 14:00 UTC);

    fn appointment(id: i64, status: AppointmentStatus, at: OffsetDateTime) -> Appointment {
        Appointment {
            id,
            patient: Party {
                id: 2,
                name: "Adib".into(),
            },
            doctor: Party {
                id: 1,
                name: "Dr. Amina Rahman".into(),
            },
            scheduled_at: at,
            duration_minutes: 20,
            status,
            reason: String::new(),
            room: crate::appointment::room_name(id),
        }
    }

    #[test]
    fn an_appointment_at_the_start_of_time_is_watched_without_a_panic() {
        let first = OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT);
        let a = appointment(1, AppointmentStatus::Confirmed, first);
        assert!(is_watched(&a, first));
    }

    #[test]
    fn button_states_follow_status_then_time() {
        use AppointmentStatus::*;
        let at = |m: i64| START + Duration::minutes(m);
        assert_eq!(
            join_availability(Confirmed, START, at(-31)),
            JoinAvailability::OpensAt { opens_at: at(-30) }
        );
        assert_eq!(
            join_availability(Confirmed, START, at(-30)),
            JoinAvailability::Open { closes_at: at(120) }
        );
        assert_eq!(
            join_availability(Confirmed, START, at(121)),
            JoinAvailability::Closed
        );
        assert_eq!(
            join_availability(Requested, START, at(0)),
            JoinAvailability::AwaitingConfirmation
        );
        assert_eq!(
            join_availability(Cancelled, START, at(0)),
            JoinAvailability::Cancelled
        );
        assert_eq!(
            join_availability(Completed, START, at(0)),
            JoinAvailability::Completed
        );
    }

    #[test]
    fn rooms_are_watched_from_five_minutes_before_the_window() {
        let a = appointment(1, AppointmentStatus::Confirmed, START);
        assert!(!is_watched(&a, START - Duration::minutes(36)));
        assert!(is_watched(&a, START - Duration::minutes(35)));
        assert!(is_watched(&a, START + Duration::hours(2)));
        assert!(!is_watched(
            &a,
            START + Duration::hours(2) + Duration::seconds(1)
        ));
        let requested = appointment(2, AppointmentStatus::Requested, START);
        assert!(!is_watched(&requested, START));
        let list = [
            a,
            requested,
            appointment(3, AppointmentStatus::Confirmed, START + Duration::days(1)),
        ];
        assert_eq!(watched_ids(&list, START), vec![1]);
        let many: Vec<_> = (0..60)
            .map(|i| appointment(i, AppointmentStatus::Confirmed, START))
            .collect();
        assert_eq!(watched_ids(&many, START).len(), MAX_WATCHED);
    }

    #[test]
    fn polling_slows_hidden_stops_idle_and_backs_off_on_errors() {
        assert_eq!(next_poll_delay_ms(false, true, 0, 5_000, 0.5), Some(30_000));
        assert_eq!(
            next_poll_delay_ms(false, true, 0, 45_000, 0.5),
            Some(45_000)
        );
        assert_eq!(next_poll_delay_ms(false, false, 0, 5_000, 0.5), None);
        assert!(next_poll_delay_ms(false, true, 2, 5_000, 0.999).unwrap() <= 60_000);
        assert_eq!(next_poll_delay_ms(true, false, 0, 5_000, 0.5), None);
        assert_eq!(next_poll_delay_ms(true, true, 0, 5_000, 0.5), Some(5_000));
        assert_eq!(next_poll_delay_ms(true, true, 1, 5_000, 0.999), Some(9_990));
        assert_eq!(
            next_poll_delay_ms(true, true, 10, 5_000, 0.999),
            Some(59_940)
        );
        assert_eq!(next_poll_delay_ms(true, true, 3, 5_000, 0.0), Some(1_000));
    }

    #[test]
    fn the_files_a_page_preloads_are_read_from_its_links() {
        // The head of a consultation.html as Trunk 0.21 writes it (names shortened).
        let page = r#"<head><link rel="stylesheet" href="/main-bf.css" integrity="sha384-x"/>
            <link rel="icon" href="favicon.png" type="image/png" />
            <link rel="modulepreload" href="/teleconsult-call-77.js" crossorigin="anonymous" integrity="sha384-a"><link rel="modulepreload" href="/snippets/teleconsult-web-e7/inline0.js" crossorigin="anonymous"><link rel="preload" href="/teleconsult-call-77_bg.wasm" crossorigin="anonymous" as="fetch" type="application/wasm"></head>"#;
        assert_eq!(
            preloaded_files(page),
            [
                "/teleconsult-call-77.js",
                "/snippets/teleconsult-web-e7/inline0.js",
                "/teleconsult-call-77_bg.wasm"
            ]
        );
        // Not HTML, a link without href, an empty href: nothing.
        assert!(preloaded_files("{\"apiBaseUrl\": \"\"}").is_empty());
        assert!(preloaded_files(r#"<link rel="preload" as="fetch">"#).is_empty());
        assert!(preloaded_files(r#"<link rel="preload" href="">"#).is_empty());
        assert!(preloaded_files("<link ").is_empty());
    }

    #[test]
    fn the_sdk_of_the_clinics_provider_is_read_from_its_meta_tag() {
        // As scripts/trunk-post-build.mjs fills consultation.html's meta tags (names shortened).
        let page = r#"<link rel="icon" href="favicon.png" type="image/png" />
            <meta name="teleconsult-livekit-sdk" content="livekit-client-fb.js" />
            <meta name="teleconsult-livekit-e2ee-worker" content="livekit-e2ee-worker-1f.js" />
            <meta name="teleconsult-twilio-sdk" content="twilio-video-74.js" />"#;
        assert_eq!(
            provider_sdk_file(page, ProviderKind::Livekit),
            Some("livekit-client-fb.js")
        );
        assert_eq!(
            provider_sdk_file(page, ProviderKind::Twilio),
            Some("twilio-video-74.js")
        );
        assert_eq!(provider_sdk_file(page, ProviderKind::P2p), None, "no SDK");
        // Unfilled (a build without the SDKs), or no such tag: nothing.
        let unfilled = r#"<meta name="teleconsult-livekit-sdk" content="" />"#;
        assert_eq!(provider_sdk_file(unfilled, ProviderKind::Livekit), None);
        assert_eq!(provider_sdk_file(unfilled, ProviderKind::Twilio), None);
        assert_eq!(provider_sdk_file("<meta ", ProviderKind::Livekit), None);
        assert_eq!(provider_sdk_file("{}", ProviderKind::Livekit), None);
    }

    #[test]
    fn a_failed_list_load_is_retried_with_growing_jittered_delays() {
        assert_eq!(list_retry_delay_ms(1, 0.999_999), 1_999);
        assert_eq!(list_retry_delay_ms(2, 0.999_999), 3_999);
        assert_eq!(list_retry_delay_ms(6, 0.999_999), 59_999);
        assert_eq!(list_retry_delay_ms(40, 0.999_999), 59_999);
        // Full jitter, but never a spin: at least 1 s.
        assert_eq!(list_retry_delay_ms(1, 0.0), 1_000);
        assert_eq!(list_retry_delay_ms(0, 0.5), 1_000);
        assert_eq!(list_retry_delay_ms(3, 0.5), 4_000);
    }

    #[test]
    fn the_other_party_waiting_is_noticed_until_i_join() {
        let doctor_in = RoomStatus {
            appointment_id: 7,
            room: "appointment_7_consultation".into(),
            active: true,
            participants: vec![RoomParticipant {
                identity: "doctor_1".into(),
                role: Some(Role::Doctor),
                joined_at: START,
            }],
            waiting_room: vec![],
        };
        assert_eq!(
            others_waiting(Role::Patient, "patient_2", std::slice::from_ref(&doctor_in)),
            vec![Waiting {
                appointment_id: 7,
                since: START,
                place: Place::CallRoom,
            }]
        );
        // The doctor does not get a notice about themself.
        assert!(
            others_waiting(Role::Doctor, "doctor_1", std::slice::from_ref(&doctor_in)).is_empty()
        );
        // Once the patient is in too, the notice goes away.
        let mut both = doctor_in.clone();
        both.participants.push(RoomParticipant {
            identity: "patient_2".into(),
            role: Some(Role::Patient),
            joined_at: START,
        });
        assert!(others_waiting(Role::Patient, "patient_2", &[both]).is_empty());
        let empty = RoomStatus {
            active: false,
            participants: vec![],
            ..doctor_in
        };
        assert!(others_waiting(Role::Patient, "patient_2", &[empty]).is_empty());
    }

    #[test]
    fn the_doctors_queue_holds_the_waiting_room_and_the_rooms_in_arrival_order() {
        let person = |identity: &str, role: Role, minutes: i64| RoomParticipant {
            identity: identity.into(),
            role: Some(role),
            joined_at: START + Duration::minutes(minutes),
        };
        let room = |id: i64, participants, waiting_room| RoomStatus {
            appointment_id: id,
            room: crate::appointment::room_name(id),
            active: false,
            participants,
            waiting_room,
        };
        let rooms = [
            // Arrived third, in the waiting room.
            room(1, vec![], vec![person("patient_4", Role::Patient, 3)]),
            // Arrived first, let in earlier: waits in the room.
            room(2, vec![person("patient_5", Role::Patient, 1)], vec![]),
            // In the waiting room while the doctor waits in the room: still to admit.
            room(
                3,
                vec![person("doctor_1", Role::Doctor, 0)],
                vec![person("patient_6", Role::Patient, 2)],
            ),
            // Already in the call with the doctor: not waiting.
            room(
                4,
                vec![
                    person("doctor_1", Role::Doctor, 0),
                    person("patient_7", Role::Patient, 0),
                ],
                vec![],
            ),
        ];
        let queue = others_waiting(Role::Doctor, "doctor_1", &rooms);
        let got: Vec<(i64, Place)> = queue.iter().map(|w| (w.appointment_id, w.place)).collect();
        assert_eq!(
            got,
            [
                (2, Place::CallRoom),
                (3, Place::WaitingRoom),
                (1, Place::WaitingRoom)
            ]
        );
        assert_eq!(queue[2].since, START + Duration::minutes(3));
        // A patient never sees a waiting room (it holds only patients), nor themself.
        assert!(others_waiting(Role::Patient, "patient_4", &rooms[..1]).is_empty());
    }
}
