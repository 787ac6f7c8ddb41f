//! The Twilio provider: Access Tokens decoded claim by claim, and room status through a local
//! stand-in of Twilio's Rooms REST API that answers as Twilio documents it
//! (twilio.com/docs/video/api/participants): HTTP Basic with the API key, `{participants, meta}`
//! pages with ISO 8601 times, 404 with Twilio error 20404 for a room not in progress, 401 with
//! error 20003 for bad credentials.
//!
//! Verified against documentation only: Twilio's cloud cannot run here.

mod common;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    routing::get,
    Json, Router,
};
use base64::Engine as _;
use common::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use teleconsult_server::config::Provider;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const KEY: &str = "SKfedcba9876543210fedcba9876543210";
const SECRET: &str = "twilio-api-key-secret-for-tests";

/// room unique name → [(identity, start_time)]
type Rooms = HashMap<String, Vec<(String, String)>>;

#[derive(Clone, Default)]
struct StandIn {
    rooms: Arc<Mutex<Rooms>>,
    calls: Arc<AtomicUsize>,
}

fn twilio_error(status: StatusCode, code: u32, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({"code": code, "message": message,
                    "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
                    "status": status.as_u16()})),
    )
}

async fn participants(
    State(standin): State<StandIn>,
    Path(room): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return Err(twilio_error(
            StatusCode::UNAUTHORIZED,
            20003,
            "Authenticate",
        ));
    }
    standin.calls.fetch_add(1, Ordering::SeqCst);
    let rooms = standin.rooms.lock().unwrap();
    let Some(people) = rooms.get(&room) else {
        return Err(twilio_error(
            StatusCode::NOT_FOUND,
            20404,
            &format!("The requested resource /v1/Rooms/{room}/Participants was not found"),
        ));
    };
    let status = query
        .get("Status")
        .map(String::as_str)
        .unwrap_or("connected");
    let list: Vec<Value> = people
        .iter()
        .map(|(identity, start)| {
            json!({"sid": "PA00000000000000000000000000000001", "room_sid": "RM00000000000000000000000000000001",
                   "account_sid": ACCOUNT, "identity": identity, "status": "connected",
                   "start_time": start, "end_time": null, "duration": null,
                   "date_created": start, "date_updated": start})
        })
        .filter(|p| p["status"] == status)
        .collect();
    Ok(Json(json!({
        "participants": list,
        "meta": {"page": 0, "page_size": 50, "first_page_url": "", "previous_page_url": null,
                 "url": "", "next_page_url": null, "key": "participants"}
    })))
}

async fn start_standin() -> (StandIn, String) {
    let standin = StandIn::default();
    let app = Router::new()
        .route("/v1/Rooms/{room}/Participants", get(participants))
        .with_state(standin.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (standin, format!("http://{addr}"))
}

async fn twilio_app(base: &str, secret: &str, cache_ms: u64) -> TestApp {
    let (base, secret) = (base.to_string(), secret.to_string());
    TestApp::with_config(move |c| {
        c.provider = Provider::Twilio;
        c.twilio_account_sid = Some(ACCOUNT.into());
        c.twilio_api_key_sid = Some(KEY.into());
        c.twilio_api_key_secret = Some(secret.parse().unwrap());
        c.twilio_api_base_url = base;
        c.room_status_cache_ms = cache_ms;
    })
    .await
}

#[tokio::test]
async fn access_token_has_every_documented_claim_and_header() {
    let (_standin, base) = start_standin().await;
    let t = twilio_app(&base, SECRET, 2000).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let path = format!("/api/appointments/{id}/join");
    let token = t.token(Who::Adib);
    let join = || t.post(&path, Some(&token), None);
    // The waiting room: no Twilio token before the doctor's Admit.
    let waiting = join().await;
    assert_eq!(waiting.status, StatusCode::ACCEPTED, "{}", waiting.json);
    assert!(
        !waiting.json.to_string().contains("token"),
        "{}",
        waiting.json
    );
    t.admit(id).await;
    let r = join().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let c = &r.json["connection"];
    assert_eq!(c["provider"], "twilio");
    assert_eq!(c["peer_name"], "Dr. Amina Rahman");
    let token = c["token"].as_str().unwrap();

    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.cty.as_deref(), Some("twilio-fpa;v=1"));

    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false; // issued on the test's clock
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .expect("signed with the API key secret")
    .claims;
    let iat = NOW.unix_timestamp();
    assert_eq!(claims["iss"], KEY);
    assert_eq!(claims["sub"], ACCOUNT);
    assert_eq!(claims["jti"], format!("{KEY}-{iat}"));
    assert_eq!(claims["iat"], iat);
    assert_eq!(claims["nbf"], iat);
    assert_eq!(
        claims["grants"],
        json!({"identity": "patient_2",
               "video": {"room": format!("appointment_{id}_consultation")}}),
        "one room, nothing else"
    );
    let exp = claims["exp"].as_i64().unwrap();
    let closes = time::OffsetDateTime::parse(
        r.json["window_closes_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp();
    assert!(exp - iat <= 3600, "at most one hour, got {} s", exp - iat);
    assert_eq!(exp, closes.min(iat + 3600), "lives as long as the window");
    assert_eq!(
        c["token_expires_at"],
        time::OffsetDateTime::from_unix_timestamp(exp)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );

    // The doctor's token names the doctor, and the doctor sees the patient's name.
    let r = t
        .post(
            &format!("/api/appointments/{id}/join"),
            Some(&t.token(Who::Doctor)),
            None,
        )
        .await;
    assert_eq!(r.json["connection"]["peer_name"], "Adib Hossain");
}

#[tokio::test]
async fn room_status_comes_from_the_rooms_api_and_is_cached() {
    let (standin, base) = start_standin().await;
    let t = twilio_app(&base, SECRET, 60_000).await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let later = t.appointment_id(Who::Adib, LATER_TODAY).await;
    standin.rooms.lock().unwrap().insert(
        format!("appointment_{open}_consultation"),
        vec![("doctor_1".into(), "2026-11-21T13:58:00Z".into())],
    );
    let path = format!("/api/rooms/status?appointment_ids={open},{later}");
    let tokens = [t.token(Who::Adib), t.token(Who::Doctor)];
    let replies =
        futures::future::join_all((0..20).map(|i| t.get(&path, Some(&tokens[i % 2])))).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    }
    let rooms = &replies[0].json["rooms"];
    assert_eq!(rooms[0]["active"], true);
    assert_eq!(rooms[0]["participants"][0]["identity"], "doctor_1");
    assert_eq!(rooms[0]["participants"][0]["role"], "doctor");
    assert_eq!(
        rooms[0]["participants"][0]["joined_at"],
        "2026-11-21T13:58:00Z"
    );
    assert_eq!(
        rooms[1]["active"], false,
        "404 from Twilio: no room in progress"
    );
    assert_eq!(
        standin.calls.load(Ordering::SeqCst),
        2,
        "20 polls of two rooms, one request per room"
    );
    assert_eq!(t.state.twilio.as_ref().unwrap().upstream_calls(), 2);
}

#[tokio::test]
async fn the_join_answer_says_who_is_already_in_the_room() {
    let (standin, base) = start_standin().await;
    let t = twilio_app(&base, SECRET, 2000).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    t.admit(id).await;
    standin.rooms.lock().unwrap().insert(
        format!("appointment_{id}_consultation"),
        vec![("patient_2".into(), "2026-11-21T13:58:00Z".into())],
    );
    let path = format!("/api/appointments/{id}/join");
    let patient = t.post(&path, Some(&t.token(Who::Adib)), None).await;
    assert_eq!(patient.status, StatusCode::OK, "{}", patient.json);
    assert_eq!(patient.json["already_in_room"], true, "{}", patient.json);
    let doctor = t.post(&path, Some(&t.token(Who::Doctor)), None).await;
    assert_eq!(doctor.json["already_in_room"], false, "{}", doctor.json);
    assert_eq!(
        standin.calls.load(Ordering::SeqCst),
        1,
        "one Rooms API read"
    );

    // Credentials Twilio refuses: the join is granted, presence not known.
    let t = twilio_app(&base, "not-the-key-secret", 2000).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let path = format!("/api/appointments/{id}/join");
    let r = t.post(&path, Some(&t.token(Who::Doctor)), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json.get("already_in_room").is_none(), "{}", r.json);
}

#[tokio::test]
async fn refused_credentials_or_an_unreachable_api_are_a_clear_502_without_the_secret() {
    let (standin, base) = start_standin().await;
    let t = twilio_app(&base, "not-the-key-secret", 2000).await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let path = format!("/api/rooms/status?appointment_ids={open}");
    let r = t.get(&path, Some(&t.token(Who::Adib))).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(r.json["error"]["code"], "twilio_unavailable");
    assert!(!r.json.to_string().contains("not-the-key-secret"));
    assert_eq!(standin.calls.load(Ordering::SeqCst), 0, "refused");

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let t = twilio_app(&format!("http://{closed}"), SECRET, 2000).await;
    let r = t.get(&path, Some(&t.token(Who::Adib))).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(r.json["error"]["code"], "twilio_unavailable");
}

#[tokio::test]
async fn connectivity_points_the_check_at_twilio() {
    let (_standin, base) = start_standin().await;
    let t = twilio_app(&base, SECRET, 2000).await;
    let r = t.get("/api/connectivity", Some(&t.token(Who::Adib))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["provider"], "twilio");
    assert_eq!(
        r.json["media_server_url"],
        "https://global.vss.twilio.com/signaling"
    );
    assert_eq!(r.json["ice_servers"], json!([]));
}

#[tokio::test]
async fn a_token_near_the_window_close_still_lives_a_minute() {
    let twilio = teleconsult_server::twilio::Twilio::new(
        ACCOUNT.into(),
        KEY.into(),
        SECRET.parse().unwrap(),
        "http://127.0.0.1:9".into(),
        std::time::Duration::from_secs(1),
    );
    let (_, exp) = twilio
        .join_token(
            "doctor_1",
            "appointment_1_consultation",
            NOW,
            NOW + time::Duration::seconds(5),
        )
        .unwrap();
    assert_eq!(exp, NOW + time::Duration::minutes(1));
    let (_, exp) = twilio
        .join_token(
            "doctor_1",
            "appointment_1_consultation",
            NOW,
            NOW + time::Duration::hours(3),
        )
        .unwrap();
    assert_eq!(exp, NOW + time::Duration::hours(1));
}
