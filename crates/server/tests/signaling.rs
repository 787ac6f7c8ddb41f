//! The signaling hub over real WebSockets on loopback: auth, join rules, relay, busy/takeover,
//! malformed frames, presence and the call log.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{ws::Client, *};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

struct Server {
    t: TestApp,
    url: String,
}

/// The demo clinic with Adib's open appointment already admitted (the waiting room has its own
/// test: `join_rules_match_the_join_endpoint`).
async fn serve() -> Server {
    let s = serve_unadmitted().await;
    let id = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    s.t.admit(id).await;
    s
}

async fn serve_unadmitted() -> Server {
    let t = TestApp::demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/api/signal", listener.local_addr().unwrap());
    let router = t.router.clone();
    // With the peer's address, as main.rs serves it (the audit log records it).
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    Server { t, url }
}

impl Client {
    async fn authed(s: &Server, who: Who) -> Client {
        Client::signed_in(&s.url, &s.t.token(who)).await
    }
}

#[tokio::test]
async fn two_participants_meet_and_frames_are_relayed_with_from() {
    let s = serve().await;
    let id = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    let mut doctor = Client::authed(&s, Who::Doctor).await;
    let joined = doctor.join(id, "doc-page-1").await;
    assert_eq!(joined["type"], "room:joined", "{joined}");
    assert_eq!(joined["room"], format!("appointment_{id}_consultation"));
    assert_eq!(joined["peers"], json!([]));
    let call_id = joined["callId"].as_str().unwrap().to_string();

    let mut patient = Client::authed(&s, Who::Adib).await;
    let joined = patient.join(id, "pat-page-1").await;
    assert_eq!(joined["callId"], call_id.as_str());
    assert_eq!(
        joined["peers"],
        json!([{"identity": "doctor_1", "role": "doctor", "name": "Dr. Amina Rahman", "sessionId": "doc-page-1"}])
    );
    let arrived = doctor.recv().await;
    assert_eq!(arrived["type"], "room:peer-joined");
    assert_eq!(arrived["peer"]["identity"], "patient_2");
    assert_eq!(arrived["peer"]["sessionId"], "pat-page-1");

    doctor
        .send(json!({"type": "call:offer", "callId": call_id, "sdp": "v=0 offer"}))
        .await;
    assert_eq!(
        patient.recv().await,
        json!({"type": "call:offer", "from": "doctor_1", "callId": call_id, "sdp": "v=0 offer"})
    );
    patient
        .send(json!({"type": "call:answer", "callId": call_id, "sdp": "v=0 answer"}))
        .await;
    assert_eq!(doctor.recv().await["sdp"], "v=0 answer");
    let candidate = json!({"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdpMid": "0", "sdpMLineIndex": 0});
    patient
        .send(json!({"type": "call:ice", "callId": call_id, "candidate": candidate}))
        .await;
    let ice = doctor.recv().await;
    assert_eq!(
        (ice["type"].as_str(), &ice["candidate"]),
        (Some("call:ice"), &candidate)
    );
    patient
        .send(json!({"type": "media:state", "callId": call_id, "audio": false, "video": true, "screen": false}))
        .await;
    assert_eq!(
        doctor.recv().await,
        json!({"type": "media:state", "from": "patient_2", "callId": call_id, "audio": false, "video": true, "screen": false})
    );
    doctor
        .send(json!({"type": "media:quality", "callId": call_id, "level": "poor", "videoPaused": true}))
        .await;
    assert_eq!(
        patient.recv().await,
        json!({"type": "media:quality", "from": "doctor_1", "callId": call_id, "level": "poor", "videoPaused": true})
    );
    // A level outside the documented three is a malformed frame, answered, not relayed.
    doctor
        .send(json!({"type": "media:quality", "callId": call_id, "level": "awful"}))
        .await;
    assert_eq!(doctor.recv().await["code"], "invalid_frame");

    // Presence feeds room status.
    let status =
        s.t.get(
            &format!("/api/rooms/status?appointment_ids={id}"),
            Some(&s.t.token(Who::Adib)),
        )
        .await;
    assert_eq!(status.status, StatusCode::OK);
    let people: Vec<&str> = status.json["rooms"][0]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identity"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["doctor_1", "patient_2"]);
}

#[tokio::test]
async fn a_closed_tab_is_reported_at_once_and_logged() {
    let s = serve().await;
    let id = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    let mut doctor = Client::authed(&s, Who::Doctor).await;
    doctor.join(id, "d").await;
    let mut patient = Client::authed(&s, Who::Adib).await;
    patient.join(id, "p").await;
    doctor.recv().await; // peer-joined

    let started = Instant::now();
    drop(patient); // the TCP connection goes away, as when a tab is closed
    let left = doctor.recv().await;
    let took = started.elapsed();
    assert_eq!(
        left,
        json!({"type": "room:peer-left", "identity": "patient_2", "reason": "disconnected"})
    );
    assert!(took < Duration::from_secs(1), "peer-left after {took:?}");

    let status =
        s.t.get(
            &format!("/api/rooms/status?appointment_ids={id}"),
            Some(&s.t.token(Who::Doctor)),
        )
        .await;
    assert_eq!(
        status.json["rooms"][0]["participants"][0]["identity"],
        "doctor_1"
    );
    assert_eq!(
        status.json["rooms"][0]["participants"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    drop(doctor);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log =
        s.t.get(
            &format!("/api/appointments/{id}/calls"),
            Some(&s.t.token(Who::Doctor)),
        )
        .await;
    let kinds: Vec<String> = log
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["identity"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["reason"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "doctor_1 joined -",
            "patient_2 joined -",
            "patient_2 left disconnected",
            "doctor_1 left disconnected",
            "doctor_1 ended all_left"
        ]
    );

    // The same events are in the audit log, with the socket's address.
    let audit =
        s.t.get(
            &format!("/api/appointments/{id}/access-log"),
            Some(&s.t.token(Who::Doctor)),
        )
        .await;
    let mut calls: Vec<String> = audit.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["action"].as_str().unwrap().starts_with("call_") && e["action"] != "call_log_viewed"
        })
        .map(|e| {
            format!(
                "{} {} {}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["address"].as_str().unwrap_or("-")
            )
        })
        .collect();
    calls.reverse(); // the access log is newest first
    assert_eq!(
        calls,
        [
            "doctor_1 call_joined 127.0.0.1",
            "patient_2 call_joined 127.0.0.1",
            "patient_2 call_left 127.0.0.1",
            "doctor_1 call_left 127.0.0.1",
            "doctor_1 call_ended 127.0.0.1"
        ]
    );
}

#[tokio::test]
async fn call_end_is_relayed_with_its_reason_logged_and_removes_the_sender() {
    // `media_unavailable`: a P2P patient entered the room while the camera opened, and it could
    // not start.
    for reason in ["hangup", "media_unavailable"] {
        let s = serve().await;
        let (id, call_id, mut doctor, mut patient) = doctor_then_patient_in_room(&s).await;
        patient
            .send(json!({"type": "call:end", "callId": call_id, "reason": reason}))
            .await;
        assert_eq!(
            doctor.recv().await,
            json!({"type": "call:end", "from": "patient_2", "callId": call_id, "reason": reason})
        );
        assert_eq!(
            doctor.recv().await,
            json!({"type": "room:peer-left", "identity": "patient_2", "reason": reason})
        );
        // The patient is out of the room: relaying now is refused.
        patient
            .send(json!({"type": "call:offer", "callId": call_id, "sdp": "x"}))
            .await;
        assert_eq!(patient.recv().await["code"], "not_in_room");
        assert_eq!(left_reasons(&s, id).await, [reason]);
    }
}

#[tokio::test]
async fn same_person_in_two_tabs_is_busy_until_taking_over() {
    let s = serve().await;
    let id = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    let mut doctor = Client::authed(&s, Who::Doctor).await;
    doctor.join(id, "d").await;
    let mut tab1 = Client::authed(&s, Who::Adib).await;
    tab1.join(id, "tab-1").await;
    doctor.recv().await;

    let mut tab2 = Client::authed(&s, Who::Adib).await;
    let busy = tab2.join(id, "tab-2").await;
    assert_eq!(busy["type"], "call:busy", "{busy}");

    tab2.send(
        json!({"type": "room:join", "appointmentId": id, "sessionId": "tab-2", "takeover": true}),
    )
    .await;
    assert_eq!(tab2.recv().await["type"], "room:joined");
    assert_eq!(tab1.recv().await["type"], "room:taken-over");
    assert!(
        tab1.closed_within(Duration::from_secs(1)).await,
        "the old tab's socket is closed"
    );
    assert_eq!(
        doctor.recv().await,
        json!({"type": "room:peer-left", "identity": "patient_2", "reason": "moved"})
    );
    let rejoined = doctor.recv().await;
    assert_eq!(rejoined["type"], "room:peer-joined");
    assert_eq!(rejoined["peer"]["sessionId"], "tab-2");
}

#[tokio::test]
async fn the_same_page_on_a_new_socket_replaces_its_old_one_without_busy() {
    let s = serve().await;
    let id = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    let mut doctor = Client::authed(&s, Who::Doctor).await;
    doctor.join(id, "d").await;
    let mut old = Client::authed(&s, Who::Adib).await;
    let call_id = old.join(id, "page-1").await["callId"].clone();
    doctor.recv().await; // peer-joined

    // The page's old socket is still open (say its network switched): the new one gets the room.
    let mut new = Client::authed(&s, Who::Adib).await;
    let joined = new.join(id, "page-1").await;
    assert_eq!(joined["type"], "room:joined", "{joined}");
    assert_eq!(joined["callId"], call_id, "the call goes on");
    assert!(
        old.closed_within(Duration::from_secs(2)).await,
        "the old socket is closed"
    );
    // The doctor is told the page is back (same session: keep the peer connection), nothing else.
    let back = doctor.recv().await;
    assert_eq!(back["type"], "room:peer-joined", "{back}");
    assert_eq!(back["peer"]["sessionId"], "page-1");
    drop(old);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        doctor
            .recv_within(Duration::from_millis(300))
            .await
            .is_none(),
        "no peer-left, before or after"
    );
    // The patient never left the call: one arrival, no departure.
    let log =
        s.t.get(
            &format!("/api/appointments/{id}/calls"),
            Some(&s.t.token(Who::Doctor)),
        )
        .await;
    let patients: Vec<&Value> = log
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["identity"] == "patient_2")
        .collect();
    assert_eq!(patients.len(), 1, "{}", log.json);
    assert_eq!(patients[0]["kind"], "joined");
}

#[tokio::test]
async fn join_rules_match_the_join_endpoint() {
    let s = serve_unadmitted().await;
    let adibs = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    let later = s.t.appointment_id(Who::Adib, LATER_TODAY).await;
    let mut nadia = Client::authed(&s, Who::Nadia).await;
    assert_eq!(nadia.join(adibs, "n").await["code"], "forbidden");
    assert_eq!(nadia.join(999, "n").await["code"], "not_found");
    let mut adib = Client::authed(&s, Who::Adib).await;
    let early = adib.join(later, "a").await;
    assert_eq!(
        (early["type"].as_str(), early["code"].as_str()),
        (Some("error"), Some("too_early"))
    );
    // The waiting room: no room for a patient before the doctor's Admit, whatever the client.
    let waiting = adib.join(adibs, "a").await;
    assert_eq!(waiting["code"], "not_admitted", "{waiting}");
    let mut doctor = Client::authed(&s, Who::Doctor).await;
    assert_eq!(doctor.join(adibs, "d").await["type"], "room:joined");
    s.t.admit(adibs).await;
    // Refusals leave the socket usable.
    assert_eq!(adib.join(adibs, "a").await["type"], "room:joined");
}

#[tokio::test]
async fn bad_frames_get_errors_and_the_socket_stays_healthy() {
    let s = serve().await;
    let mut c = Client::authed(&s, Who::Adib).await;
    c.send_raw("{not json".into()).await;
    assert_eq!(c.recv().await["code"], "invalid_frame");
    c.send(json!({"type": "call:dance"})).await;
    assert_eq!(c.recv().await["code"], "invalid_frame");
    c.send(json!({"type": "call:offer", "callId": "c", "sdp": "x".repeat(70 * 1024)}))
        .await;
    assert_eq!(c.recv().await["code"], "frame_too_large");
    c.send(json!({"type": "call:offer", "callId": "c", "sdp": "v=0"}))
        .await;
    assert_eq!(c.recv().await["code"], "not_in_room");
    c.0.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(c.recv().await["code"], "invalid_frame");
    c.send(json!({"type": "ping"})).await;
    assert_eq!(c.recv().await, json!({"type": "pong"}));
    // The server is fine too.
    assert_eq!(s.t.get("/healthz", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_call_id_is_refused() {
    let s = serve().await;
    let id = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    let mut c = Client::authed(&s, Who::Adib).await;
    c.join(id, "p").await;
    c.send(json!({"type": "call:offer", "callId": "stale", "sdp": "v=0"}))
        .await;
    assert_eq!(c.recv().await["code"], "wrong_call");
}

#[tokio::test]
async fn sockets_without_a_valid_auth_frame_are_closed() {
    let s = serve().await;
    let mut c = Client::connect(&s.url).await;
    c.send(json!({"type": "auth", "token": format!("{}x", s.t.token(Who::Adib))}))
        .await;
    assert_eq!(c.recv().await["code"], "invalid_token");
    assert!(c.closed_within(Duration::from_secs(1)).await);

    let mut c = Client::connect(&s.url).await;
    c.send(json!({"type": "room:join", "appointmentId": 1, "sessionId": "x"}))
        .await;
    assert_eq!(c.recv().await["code"], "unauthorized");
    assert!(c.closed_within(Duration::from_secs(1)).await);

    let mut silent = Client::connect(&s.url).await;
    let started = Instant::now();
    assert_eq!(silent.recv_slow().await["code"], "auth_timeout");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(4900) && waited < Duration::from_secs(7),
        "{waited:?}"
    );
    assert!(silent.closed_within(Duration::from_secs(1)).await);
}

impl Client {
    /// The next frame, waiting up to 7 s (for the auth timeout).
    async fn recv_slow(&mut self) -> Value {
        let msg = tokio::time::timeout(Duration::from_secs(7), self.0.next())
            .await
            .expect("a frame within 7 s")
            .unwrap()
            .unwrap();
        serde_json::from_str(msg.to_text().unwrap()).unwrap()
    }
}

#[tokio::test]
async fn a_reason_the_hub_does_not_know_or_may_not_be_claimed_is_relayed_and_logged_as_ended() {
    let s = serve().await;
    let (id, call_id, mut doctor, mut patient) = doctor_then_patient_in_room(&s).await;
    // "disconnected" is the hub's own observation, not a client's to claim.
    patient
        .send(json!({"type": "call:end", "callId": call_id, "reason": "disconnected"}))
        .await;
    assert_eq!(
        doctor.recv().await,
        json!({"type": "call:end", "from": "patient_2", "callId": call_id, "reason": "ended"})
    );
    assert_eq!(
        doctor.recv().await,
        json!({"type": "room:peer-left", "identity": "patient_2", "reason": "ended"})
    );
    let mut patient = Client::authed(&s, Who::Adib).await;
    patient.join(id, "p2").await;
    doctor.recv().await;
    patient
        .send(json!({"type": "call:end", "callId": call_id, "reason": "went_for_tea"}))
        .await;
    assert_eq!(
        doctor.recv().await,
        json!({"type": "call:end", "from": "patient_2", "callId": call_id, "reason": "ended"})
    );
    // room:peer-left follows the call log's write (the hub logs before it tells).
    assert_eq!(doctor.recv().await["type"], "room:peer-left");
    assert_eq!(left_reasons(&s, id).await, ["ended", "ended"]);
}

/// The doctor enters the room of Adib's open appointment, then Adib: the appointment id, the
/// call id and both clients, the doctor's "patient joined" frame already read.
async fn doctor_then_patient_in_room(s: &Server) -> (i64, String, Client, Client) {
    let id = s.t.appointment_id(Who::Adib, OPEN_NOW).await;
    let mut doctor = Client::authed(s, Who::Doctor).await;
    let call_id = doctor.join(id, "d").await["callId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut patient = Client::authed(s, Who::Adib).await;
    patient.join(id, "p").await;
    doctor.recv().await;
    (id, call_id, doctor, patient)
}

/// The `reason` of every `left` entry of appointment `id`'s call log, oldest first, as the
/// doctor reads it (`GET /api/appointments/{id}/calls`).
async fn left_reasons(s: &Server, id: i64) -> Vec<String> {
    let log =
        s.t.get(
            &format!("/api/appointments/{id}/calls"),
            Some(&s.t.token(Who::Doctor)),
        )
        .await;
    log.json
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "left")
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect()
}

/// The close code of the server's Close frame, reading past anything else, within 5 s.
async fn close_code(c: &mut Client) -> Option<u16> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        match tokio::time::timeout(deadline - Instant::now(), c.0.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
    None
}

#[tokio::test]
async fn a_frame_flood_closes_the_socket_with_1008_and_a_call_sized_burst_does_not() {
    let s = serve().await;
    // A call's worth at once: an offer, 60 ICE candidates, media states — all answered.
    let mut calm = Client::authed(&s, Who::Adib).await;
    for _ in 0..100 {
        calm.send(json!({"type": "ping"})).await;
    }
    for _ in 0..100 {
        assert_eq!(calm.recv().await, json!({"type": "pong"}));
    }

    let mut flood = Client::authed(&s, Who::Doctor).await;
    let mut sent = 0;
    for _ in 0..2_000 {
        if flood
            .0
            .send(Message::text(r#"{"type":"ping"}"#))
            .await
            .is_err()
        {
            break;
        }
        sent += 1;
    }
    let mut pongs = 0;
    let mut error = None;
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), flood.0.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                match v["type"].as_str() {
                    Some("pong") => pongs += 1,
                    Some("error") => error = Some(v["code"].clone()),
                    _ => {}
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            other => panic!("no close frame: {other:?}"),
        }
    };
    assert_eq!(code, Some(teleconsult_core::signaling::CLOSE_RATE_LIMITED));
    assert_eq!(error, Some(json!("rate_limited")));
    assert!(
        pongs <= teleconsult_core::signaling::FRAME_BURST as usize + 10,
        "{pongs} of {sent} frames were answered"
    );
    // The calm socket is unaffected.
    calm.send(json!({"type": "ping"})).await;
    assert_eq!(calm.recv().await, json!({"type": "pong"}));
}

#[tokio::test]
async fn oversized_messages_close_with_1009() {
    let s = serve().await;
    let mut c = Client::authed(&s, Who::Adib).await;
    let _ = c.0.send(Message::text("x".repeat(5 * 1024 * 1024))).await;
    assert_eq!(
        close_code(&mut c).await,
        Some(teleconsult_core::signaling::CLOSE_TOO_BIG)
    );
}

#[tokio::test]
async fn one_person_may_hold_a_bounded_number_of_sockets() {
    use teleconsult_core::signaling::{CLOSE_TOO_MANY_SOCKETS, MAX_SOCKETS_PER_IDENTITY};
    let s = serve().await;
    let mut open = Vec::new();
    for _ in 0..MAX_SOCKETS_PER_IDENTITY {
        open.push(Client::authed(&s, Who::Adib).await);
    }
    // One more for the same person: told why and closed with 4003.
    let mut extra = Client::connect(&s.url).await;
    extra
        .send(json!({"type": "auth", "token": s.t.token(Who::Adib)}))
        .await;
    let refusal = extra.recv().await;
    assert_eq!(refusal["code"], "too_many_connections", "{refusal}");
    assert_eq!(close_code(&mut extra).await, Some(CLOSE_TOO_MANY_SOCKETS));
    // Someone else is not affected.
    let mut doctor = Client::authed(&s, Who::Doctor).await;
    doctor.send(json!({"type": "ping"})).await;
    assert_eq!(doctor.recv().await, json!({"type": "pong"}));
    // A closed socket frees its place.
    let mut first = open.remove(0);
    let _ = first.0.close(None).await;
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut again = Client::connect(&s.url).await;
        again
            .send(json!({"type": "auth", "token": s.t.token(Who::Adib)}))
            .await;
        if again.recv().await["type"] == "auth:ok" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the closed socket's place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
