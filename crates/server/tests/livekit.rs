//! The LiveKit provider: minted join tokens, and room status through RoomService against a fake
//! Twirp server on loopback that checks tokens and grants the way LiveKit does (401
//! `unauthenticated` for a bad token, 403 `permission_denied` without the needed grant; snake_case
//! JSON with int64 as strings, as LiveKit's Twirp JSON is written).

mod common;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
    Json, Router,
};
use common::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use teleconsult_server::{config::Provider, livekit::LiveKitClaims};

const KEY: &str = "APIdemoKey";
const SECRET: &str = "livekit-demo-secret-of-reasonable-length";

/// room → [(identity, joined_at Unix seconds)]
type Rooms = HashMap<String, Vec<(String, u64)>>;

#[derive(Clone, Default)]
struct FakeLiveKit {
    rooms: Arc<Mutex<Rooms>>,
    list_rooms_calls: Arc<AtomicUsize>,
    list_participants_calls: Arc<AtomicUsize>,
}

fn twirp_error(status: StatusCode, code: &str, msg: &str) -> (StatusCode, Json<Value>) {
    (status, Json(json!({"code": code, "msg": msg})))
}

fn claims(headers: &HeaderMap) -> Result<LiveKitClaims, (StatusCode, Json<Value>)> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| twirp_error(StatusCode::UNAUTHORIZED, "unauthenticated", "no token"))?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "iss"]);
    validation.validate_exp = false; // the server under test runs on an injected clock
    let data = jsonwebtoken::decode::<LiveKitClaims>(
        token,
        &DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .map_err(|_| twirp_error(StatusCode::UNAUTHORIZED, "unauthenticated", "invalid token"))?;
    if data.claims.iss != KEY {
        return Err(twirp_error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "unknown API key",
        ));
    }
    Ok(data.claims)
}

async fn list_rooms(
    State(fake): State<FakeLiveKit>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let c = claims(&headers)?;
    if !c.video.room_list {
        return Err(twirp_error(
            StatusCode::FORBIDDEN,
            "permission_denied",
            "no permissions to access the room",
        ));
    }
    fake.list_rooms_calls.fetch_add(1, Ordering::SeqCst);
    let names: Vec<String> = serde_json::from_value(body["names"].clone()).unwrap_or_default();
    let rooms = fake.rooms.lock().unwrap();
    let out: Vec<Value> = rooms
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .map(|(name, people)| {
            json!({"sid": format!("RM_{name}"), "name": name,
                   "num_participants": people.len(), "creation_time": "1763730000"})
        })
        .collect();
    Ok(Json(json!({ "rooms": out })))
}

async fn list_participants(
    State(fake): State<FakeLiveKit>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let c = claims(&headers)?;
    let room = body["room"].as_str().unwrap_or_default().to_string();
    if !c.video.room_admin || c.video.room.as_deref() != Some(room.as_str()) {
        return Err(twirp_error(
            StatusCode::FORBIDDEN,
            "permission_denied",
            "no permissions to access the room",
        ));
    }
    fake.list_participants_calls.fetch_add(1, Ordering::SeqCst);
    let rooms = fake.rooms.lock().unwrap();
    let people: Vec<Value> = rooms
        .get(&room)
        .map(|p| {
            p.iter()
                .map(|(id, at)| json!({"sid": format!("PA_{id}"), "identity": id, "state": "ACTIVE", "joined_at": at.to_string()}))
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(json!({ "participants": people })))
}

/// Starts the fake on a free loopback port; returns it and its ws:// URL.
async fn start_fake() -> (FakeLiveKit, String) {
    let fake = FakeLiveKit::default();
    let app = Router::new()
        .route("/twirp/livekit.RoomService/ListRooms", post(list_rooms))
        .route(
            "/twirp/livekit.RoomService/ListParticipants",
            post(list_participants),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, format!("ws://{addr}"))
}

async fn livekit_app(url: &str, secret: &str, cache_ms: u64) -> TestApp {
    let (url, secret) = (url.to_string(), secret.to_string());
    TestApp::with_config(move |c| {
        c.provider = Provider::Livekit;
        c.livekit_url = Some(url);
        c.livekit_api_key = Some(KEY.into());
        c.livekit_api_secret = Some(secret.parse().unwrap());
        c.room_status_cache_ms = cache_ms;
    })
    .await
}

#[tokio::test]
async fn join_token_carries_exactly_the_browser_grant_for_one_room() {
    let (_fake, url) = start_fake().await;
    let t = livekit_app(&url, SECRET, 2000).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let path = format!("/api/appointments/{id}/join");
    let token = t.token(Who::Adib);
    let join = || t.post(&path, Some(&token), None);
    // The waiting room: no LiveKit token before the doctor's Admit.
    let waiting = join().await;
    assert_eq!(waiting.status, StatusCode::ACCEPTED, "{}", waiting.json);
    assert!(waiting.json.get("connection").is_none(), "{}", waiting.json);
    assert!(
        !waiting.json.to_string().contains("token"),
        "{}",
        waiting.json
    );
    t.admit(id).await;
    let r = join().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let c = &r.json["connection"];
    assert_eq!(c["provider"], "livekit");
    assert_eq!(c["url"], url.as_str());
    let token = c["token"].as_str().unwrap();

    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    let raw = jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .expect("signed with the configured API secret")
    .claims;
    assert_eq!(raw["iss"], KEY);
    assert_eq!(raw["sub"], "patient_2");
    assert_eq!(raw["name"], "Adib Hossain");
    let (nbf, exp) = (raw["nbf"].as_i64().unwrap(), raw["exp"].as_i64().unwrap());
    assert_eq!(nbf, NOW.unix_timestamp());
    assert!(
        exp - nbf <= 600,
        "TTL at most 10 minutes, got {} s",
        exp - nbf
    );
    assert_eq!(
        raw["video"],
        json!({"roomJoin": true, "room": format!("appointment_{id}_consultation"),
               "canPublish": true, "canSubscribe": true, "canPublishData": true}),
        "no roomAdmin, no roomList, nothing else"
    );
    assert_eq!(
        c["token_expires_at"],
        (NOW + time::Duration::minutes(10))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
}

#[tokio::test]
async fn room_status_comes_from_roomservice_and_is_cached_for_many_pollers() {
    let (fake, url) = start_fake().await;
    let t = livekit_app(&url, SECRET, 60_000).await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let later = t.appointment_id(Who::Adib, LATER_TODAY).await;
    fake.rooms.lock().unwrap().insert(
        format!("appointment_{open}_consultation"),
        vec![("doctor_1".into(), 1_763_733_600)],
    );
    let path = format!("/api/rooms/status?appointment_ids={open},{later}");
    let tokens = [t.token(Who::Adib), t.token(Who::Doctor)];
    let replies =
        futures::future::join_all((0..40).map(|i| t.get(&path, Some(&tokens[i % 2])))).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    }
    let rooms = &replies[0].json["rooms"];
    assert_eq!(rooms[0]["appointment_id"], open);
    assert_eq!(rooms[0]["active"], true);
    assert_eq!(rooms[0]["participants"][0]["identity"], "doctor_1");
    assert_eq!(rooms[0]["participants"][0]["role"], "doctor");
    assert_eq!(
        rooms[0]["participants"][0]["joined_at"],
        "2025-11-21T14:00:00Z"
    );
    assert_eq!(rooms[1]["active"], false);
    assert_eq!(
        fake.list_rooms_calls.load(Ordering::SeqCst),
        1,
        "40 polls, one ListRooms"
    );
    assert_eq!(fake.list_participants_calls.load(Ordering::SeqCst), 1);
    assert_eq!(t.state.livekit.as_ref().unwrap().upstream_calls(), 2);
}

#[tokio::test]
async fn connectivity_points_the_check_at_the_livekit_server() {
    let (_fake, url) = start_fake().await;
    let t = livekit_app(&url, SECRET, 2000).await;
    let r = t.get("/api/connectivity", Some(&t.token(Who::Adib))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["provider"], "livekit");
    assert_eq!(r.json["media_server_url"], url.replace("ws://", "http://"));
}

#[tokio::test]
async fn the_cache_expires_and_a_left_doctor_is_seen() {
    let (fake, url) = start_fake().await;
    let t = livekit_app(&url, SECRET, 50).await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let room = format!("appointment_{open}_consultation");
    fake.rooms
        .lock()
        .unwrap()
        .insert(room.clone(), vec![("doctor_1".into(), 1)]);
    let path = format!("/api/rooms/status?appointment_ids={open}");
    let tok = t.token(Who::Adib);
    assert_eq!(
        t.get(&path, Some(&tok)).await.json["rooms"][0]["active"],
        true
    );
    fake.rooms.lock().unwrap().remove(&room);
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    assert_eq!(
        t.get(&path, Some(&tok)).await.json["rooms"][0]["active"],
        false
    );
    assert_eq!(fake.list_rooms_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_wrong_secret_or_an_unreachable_livekit_is_a_clear_502() {
    let (fake, url) = start_fake().await;
    let t = livekit_app(&url, "not-the-livekit-secret", 2000).await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let r = t
        .get(
            &format!("/api/rooms/status?appointment_ids={open}"),
            Some(&t.token(Who::Adib)),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(r.json["error"]["code"], "livekit_unavailable");
    assert_eq!(
        fake.list_rooms_calls.load(Ordering::SeqCst),
        0,
        "the fake refused it"
    );

    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let t = livekit_app(&format!("ws://{closed}"), SECRET, 2000).await;
    let r = t
        .get(
            &format!("/api/rooms/status?appointment_ids={open}"),
            Some(&t.token(Who::Adib)),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn the_join_answer_says_who_is_already_in_the_room() {
    let (fake, url) = start_fake().await;
    let t = livekit_app(&url, SECRET, 2000).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    t.admit(id).await;
    // The doctor is in the room from another tab; the patient is not.
    fake.rooms.lock().unwrap().insert(
        format!("appointment_{id}_consultation"),
        vec![("doctor_1".into(), 1_763_733_600)],
    );
    let path = format!("/api/appointments/{id}/join");
    let doctor = t.post(&path, Some(&t.token(Who::Doctor)), None).await;
    assert_eq!(doctor.status, StatusCode::OK, "{}", doctor.json);
    assert_eq!(doctor.json["already_in_room"], true, "{}", doctor.json);
    let patient = t.post(&path, Some(&t.token(Who::Adib)), None).await;
    assert_eq!(patient.status, StatusCode::OK, "{}", patient.json);
    assert_eq!(patient.json["already_in_room"], false, "{}", patient.json);
    // Both joins and a dashboard's poll share one RoomService read (the room-status cache).
    let status = format!("/api/rooms/status?appointment_ids={id}");
    let polled = t.get(&status, Some(&t.token(Who::Adib))).await;
    assert_eq!(
        polled.json["rooms"][0]["participants"][0]["identity"],
        "doctor_1"
    );
    assert_eq!(fake.list_rooms_calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_join_goes_on_without_presence_when_livekit_refuses_or_never_answers() {
    // Refused (a secret LiveKit does not know): granted, presence not known.
    let (fake, url) = start_fake().await;
    let t = livekit_app(&url, "not-the-livekit-secret", 2000).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let path = format!("/api/appointments/{id}/join");
    let r = t.post(&path, Some(&t.token(Who::Doctor)), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["connection"]["provider"], "livekit");
    assert!(r.json.get("already_in_room").is_none(), "{}", r.json);
    assert_eq!(fake.list_rooms_calls.load(Ordering::SeqCst), 0);

    // A LiveKit that accepts the connection and never answers: the join does not wait for it.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let t = livekit_app(&format!("ws://{silent_addr}"), SECRET, 2000).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let path = format!("/api/appointments/{id}/join");
    let r = t.post(&path, Some(&t.token(Who::Doctor)), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json.get("already_in_room").is_none(), "{}", r.json);
    held.abort();
}

#[tokio::test]
async fn the_fake_enforces_grants_like_livekit() {
    // Guards the fake itself: a browser-style token (roomJoin only) may not list rooms.
    let (_fake, url) = start_fake().await;
    let lk = teleconsult_server::livekit::LiveKit::new(
        url.clone(),
        KEY.into(),
        SECRET.parse().unwrap(),
        std::time::Duration::from_secs(1),
    );
    let (browser_token, _) = lk
        .join_token("patient_2", "Adib", "appointment_1_consultation", NOW)
        .unwrap();
    let http = url.replace("ws://", "http://");
    let res = reqwest::Client::new()
        .post(format!("{http}/twirp/livekit.RoomService/ListRooms"))
        .bearer_auth(browser_token)
        .json(&json!({"names": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "permission_denied");
}

/// A webhook request as LiveKit signs it: `Authorization` = JWT (HS256, `iss` = key, `sha256` =
/// base64 SHA-256 of the body).
fn signed_webhook(
    body: &str,
    key: &str,
    secret: &str,
    body_hash_of: &str,
) -> axum::http::Request<axum::body::Body> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": key,
        "nbf": now,
        "exp": now + 300,
        "sha256": base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body_hash_of.as_bytes())),
    });
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    axum::http::Request::builder()
        .method("POST")
        .uri("/api/livekit/webhook")
        .header("content-type", "application/webhook+json")
        .header("authorization", token)
        .body(axum::body::Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn webhooks_write_the_call_log_only_when_signed_by_livekit() {
    let (_fake, url) = start_fake().await;
    let t = livekit_app(&url, SECRET, 2000).await;
    let id = t
        .appointment_id(Who::Adib, "Follow-up on blood pressure")
        .await;
    let room = format!("appointment_{id}_consultation");
    let joined = json!({"event": "participant_joined", "id": "EV_1", "createdAt": "1796230000",
        "room": {"name": room, "sid": "RM_abc"},
        "participant": {"identity": "patient_2", "sid": "PA_1", "name": "Adib Hossain"}})
    .to_string();
    let left = json!({"event": "participant_left", "id": "EV_2",
        "room": {"name": room, "sid": "RM_abc"},
        "participant": {"identity": "patient_2", "sid": "PA_1", "disconnectReason": "CLIENT_INITIATED"}})
    .to_string();
    let finished =
        json!({"event": "room_finished", "id": "EV_3", "room": {"name": room, "sid": "RM_abc"}})
            .to_string();

    // Refused: another secret, another key, a body that is not the one signed, no signature.
    let forged = [
        signed_webhook(
            &joined,
            KEY,
            "some-other-secret-of-reasonable-length",
            &joined,
        ),
        signed_webhook(&joined, "APIotherKey", SECRET, &joined),
        signed_webhook(&joined, KEY, SECRET, &left),
    ];
    for req in forged {
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.json);
        assert_eq!(r.json["error"]["code"], "invalid_webhook");
    }
    let mut unsigned = signed_webhook(&joined, KEY, SECRET, &joined);
    unsigned.headers_mut().remove("authorization");
    assert_eq!(t.send(unsigned).await.status, StatusCode::UNAUTHORIZED);
    let bad_json = signed_webhook("not json", KEY, SECRET, "not json");
    assert_eq!(t.send(bad_json).await.status, StatusCode::BAD_REQUEST);

    for body in [&joined, &left, &finished] {
        let r = t.send(signed_webhook(body, KEY, SECRET, body)).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    }
    // A room that is not a consultation is acknowledged and ignored.
    let other = json!({"event": "participant_joined", "room": {"name": "lobby"}, "participant": {"identity": "x"}}).to_string();
    assert_eq!(
        t.send(signed_webhook(&other, KEY, SECRET, &other))
            .await
            .status,
        StatusCode::OK
    );

    let log = t
        .get(
            &format!("/api/appointments/{id}/calls"),
            Some(&t.token(Who::Doctor)),
        )
        .await;
    let entries: Vec<String> = log
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
        entries,
        [
            "patient_2 joined -",
            "patient_2 left hangup",
            " ended all_left"
        ]
    );
    assert_eq!(log.json[0]["call_id"], "RM_abc");
}

#[tokio::test]
async fn with_e2ee_both_parties_get_the_same_key_for_their_room_and_nobody_else_does() {
    let (_fake, url) = start_fake().await;
    let e2ee = "clinic-e2ee-secret-of-at-least-32-chars";
    let t = TestApp::with_config(|c| {
        c.provider = Provider::Livekit;
        c.livekit_url = Some(url.clone());
        c.livekit_api_key = Some(KEY.into());
        c.livekit_api_secret = Some(SECRET.parse().unwrap());
        c.livekit_e2ee_secret = Some(e2ee.parse().unwrap());
    })
    .await;
    let id = t
        .appointment_id(Who::Adib, "Follow-up on blood pressure")
        .await;
    t.admit(id).await;
    let join = |who| {
        let t = &t;
        async move {
            t.post(
                &format!("/api/appointments/{id}/join"),
                Some(&t.token(who)),
                None,
            )
            .await
            .json["connection"]["e2ee_key"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let patient = join(Who::Adib).await;
    let doctor = join(Who::Doctor).await;
    assert_eq!(patient, doctor);
    assert_eq!(patient.len(), 43, "32 bytes, base64url without padding");
    assert_ne!(
        patient,
        teleconsult_server::livekit::e2ee_key(
            &e2ee.parse().unwrap(),
            "appointment_999_consultation"
        )
    );
    assert!(!patient.contains(SECRET) && !patient.contains(e2ee));

    // Off unless set.
    let plain = livekit_app(&url, SECRET, 2000).await;
    let id = plain
        .appointment_id(Who::Adib, "Follow-up on blood pressure")
        .await;
    plain.admit(id).await;
    let r = plain
        .post(
            &format!("/api/appointments/{id}/join"),
            Some(&plain.token(Who::Adib)),
            None,
        )
        .await;
    assert!(
        r.json["connection"].get("e2ee_key").is_none(),
        "{:?}",
        r.json
    );
}
