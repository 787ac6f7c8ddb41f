//! The HTTP API against a real SQLite file: every endpoint, the authorization matrix, the join
//! window's boundaries under an injected clock, bad input, and restarts.

mod common;

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use common::*;
use serde_json::json;
use time::{format_description::well_known::Rfc3339, Duration, OffsetDateTime};

// ---------------------------------------------------------------- sign-in and tokens

#[tokio::test]
async fn login_returns_a_short_lived_token_and_the_user() {
    let t = TestApp::demo().await;
    let r = t
        .post(
            "/api/auth/login",
            None,
            Some(json!({"email": "Doctor@Example.com", "password": "doctor-demo"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(
        r.json["user"],
        json!({"id": 1, "name": "Dr. Amina Rahman", "role": "doctor"})
    );
    let expires = OffsetDateTime::parse(r.json["expires_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(expires - NOW <= Duration::hours(1) && expires > NOW);
    let token = r.json["access_token"].as_str().unwrap();
    let me = t.get("/api/me", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["name"], "Dr. Amina Rahman");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let t = TestApp::demo().await;
    for (email, password) in [
        ("patient@example.com", "wrong"),
        ("nobody@example.com", "x"),
    ] {
        let r = t
            .post(
                "/api/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json["error"]["code"], "invalid_credentials");
    }
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_account() {
    let t = TestApp::demo().await;
    let attempt = |pw: &'static str| {
        t.post(
            "/api/auth/login",
            None,
            Some(json!({"email": "patient2@example.com", "password": pw})),
        )
    };
    for _ in 0..teleconsult_server::auth::LOGIN_ATTEMPTS_PER_MINUTE {
        assert_eq!(attempt("wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now: the limit is on attempts, not on failures.
    let limited = attempt("patient2-demo").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json["error"]["code"], "rate_limited");
    // Another account is not affected.
    t.login("patient@example.com", "patient-demo").await;
}

#[tokio::test]
async fn missing_expired_tampered_and_foreign_tokens_are_401_with_distinct_codes() {
    let t = TestApp::demo().await;
    let good = t.token(Who::Adib);

    let r = t.get("/api/me", None).await;
    assert_eq!(
        (r.status, r.json["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));

    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let foreign = teleconsult_server::auth::TokenKeys::from_secret(b"another clinic's secret")
        .issue(&Who::Adib.user(), NOW, Duration::hours(1))
        .unwrap()
        .0;
    for token in [tampered.as_str(), foreign.as_str(), "not-a-jwt"] {
        let r = t.get("/api/me", Some(token)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(r.json["error"]["code"], "invalid_token", "{token}");
    }

    t.clock.advance(Duration::hours(1));
    let r = t.get("/api/me", Some(&good)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json["error"]["code"], "token_expired");
}

#[tokio::test]
async fn the_token_secret_is_generated_once_and_kept() {
    let t = TestApp::demo().await;
    let token = t.token(Who::Adib);
    let path = t.dir.path().join("data/jwt-secret");
    let secret = std::fs::read_to_string(&path).unwrap();
    assert!(secret.len() >= 64, "a generated secret, not a default");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // A restart on the same data accepts tokens issued before it.
    let config = (*t.state.config).clone();
    let restarted = TestApp::open(t.dir, config).await;
    assert_eq!(
        restarted.get("/api/me", Some(&token)).await.status,
        StatusCode::OK
    );
}

// ---------------------------------------------------------------- authorization matrix

#[tokio::test]
async fn only_the_appointments_parties_may_touch_it() {
    let t = TestApp::demo().await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    // Valid now; expired once the clock moves an hour on (checked at the end).
    let expired = t.token(Who::Adib);
    let tampered = format!("{}x", t.token(Who::Adib));
    t.admit(id).await;
    let endpoints: Vec<(Method, String)> = vec![
        (Method::GET, format!("/api/appointments/{id}/calls")),
        (Method::POST, format!("/api/appointments/{id}/join")),
        (
            Method::GET,
            format!("/api/rooms/status?appointment_ids={id}"),
        ),
    ];
    for (method, path) in &endpoints {
        let expect = [
            (Some(t.token(Who::Adib)), StatusCode::OK),
            (Some(t.token(Who::Doctor)), StatusCode::OK),
            (Some(t.token(Who::Nadia)), StatusCode::FORBIDDEN),
            (None, StatusCode::UNAUTHORIZED),
            (Some(tampered.clone()), StatusCode::UNAUTHORIZED),
        ];
        for (token, status) in expect {
            let r = t
                .request(method.clone(), path, token.as_deref(), None)
                .await;
            assert_eq!(r.status, status, "{method} {path}: {}", r.json);
            assert!(
                r.json.get("error").is_some() == (status != StatusCode::OK),
                "{}",
                r.json
            );
        }
    }
    // Expired: the same token an hour later.
    t.clock.advance(Duration::hours(1));
    for (method, path) in &endpoints {
        let r = t.request(method.clone(), path, Some(&expired), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(r.json["error"]["code"], "token_expired");
    }
}

#[tokio::test]
async fn unknown_appointments_are_404_and_malformed_ids_400() {
    let t = TestApp::demo().await;
    let tok = t.token(Who::Adib);
    for path in ["/api/appointments/999/join", "/api/appointments/999/cancel"] {
        let r = t.post(path, Some(&tok), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json["error"]["code"], "not_found");
    }
    let r = t.get("/api/appointments/999/calls", Some(&tok)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t.post("/api/appointments/abc/join", Some(&tok), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"]["code"], "invalid_path");
    let r = t
        .get("/api/rooms/status?appointment_ids=999", Some(&tok))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- the join window

#[tokio::test]
async fn join_window_boundaries_to_the_second() {
    let t = TestApp::demo().await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let listed = t.get("/api/appointments", Some(&t.token(Who::Adib))).await;
    let start = listed.json["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()["scheduled_at"]
        .as_str()
        .unwrap()
        .to_string();
    let start = OffsetDateTime::parse(&start, &Rfc3339).unwrap();
    let path = format!("/api/appointments/{id}/join");
    t.admit(id).await;
    let cases = [
        (
            -(Duration::minutes(30) + Duration::seconds(1)),
            Some("too_early"),
        ),
        (-Duration::minutes(30), None),
        (-(Duration::minutes(29) + Duration::seconds(59)), None),
        (Duration::hours(2), None),
        (Duration::hours(2) + Duration::seconds(1), Some("too_late")),
    ];
    for (offset, refusal) in cases {
        t.clock.set(start + offset);
        let r = t.post(&path, Some(&t.token(Who::Adib)), None).await;
        match refusal {
            None => assert_eq!(r.status, StatusCode::OK, "{offset}: {}", r.json),
            Some(code) => {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{offset}");
                assert_eq!(r.json["error"]["code"], code, "{offset}");
            }
        }
    }
    t.clock.set(start - Duration::hours(1));
    let r = t.post(&path, Some(&t.token(Who::Adib)), None).await;
    let opens_at = (start - Duration::minutes(30)).format(&Rfc3339).unwrap();
    assert_eq!(r.json["error"]["opens_at"], opens_at.as_str());
    t.clock.set(start + Duration::hours(3));
    let r = t.post(&path, Some(&t.token(Who::Adib)), None).await;
    assert!(r.json["error"]["closed_at"].is_string(), "{}", r.json);
}

#[tokio::test]
async fn unconfirmed_and_cancelled_appointments_cannot_be_joined() {
    let t = TestApp::demo().await;
    let tok = t.token(Who::Adib);
    for (reason, code) in [(REQUESTED, "not_confirmed"), (CANCELLED, "cancelled")] {
        let id = t.appointment_id(Who::Adib, reason).await;
        let r = t
            .post(&format!("/api/appointments/{id}/join"), Some(&tok), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json["error"]["code"], code);
    }
}

#[tokio::test]
async fn p2p_join_hands_out_signaling_and_ice_servers_and_logs_the_grant() {
    let t = TestApp::with_config(|c| {
        c.stun_urls = vec!["stun:stun.clinic.example:3478".into()];
        c.turn_urls = vec!["turn:turn.clinic.example:3478?transport=udp".into()];
        c.turn_secret = Some("turn-shared-secret".parse().unwrap());
    })
    .await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    t.admit(id).await;
    let r = t
        .post(
            &format!("/api/appointments/{id}/join"),
            Some(&t.token(Who::Adib)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["room"], format!("appointment_{id}_consultation"));
    assert_eq!(r.json["identity"], "patient_2");
    let c = &r.json["connection"];
    assert_eq!(c["provider"], "p2p");
    assert_eq!(c["signaling_url"], "/api/signal");
    assert!(
        r.json.get("already_in_room").is_none(),
        "the signaling hub answers this itself: {}",
        r.json
    );
    assert_eq!(
        c["ice_servers"][0],
        json!({"urls": ["stun:stun.clinic.example:3478"]})
    );
    let turn = &c["ice_servers"][1];
    let expiry = (NOW + Duration::hours(1)).unix_timestamp();
    assert_eq!(turn["username"], format!("{expiry}:patient_2"));
    assert!(turn["credential"].as_str().unwrap().len() >= 28);

    let log = t
        .get(
            &format!("/api/appointments/{id}/calls"),
            Some(&t.token(Who::Doctor)),
        )
        .await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(log.json[0]["identity"], "patient_2");
    assert_eq!(log.json[0]["kind"], "join_granted");
}

// ---------------------------------------------------------------- appointments

#[tokio::test]
async fn lists_are_scoped_to_the_caller_and_carry_the_server_time() {
    let t = TestApp::demo().await;
    let adib = t.get("/api/appointments", Some(&t.token(Who::Adib))).await;
    let nadia = t.get("/api/appointments", Some(&t.token(Who::Nadia))).await;
    let doctor = t
        .get("/api/appointments", Some(&t.token(Who::Doctor)))
        .await;
    let count = |r: &Reply| r.json["appointments"].as_array().unwrap().len();
    assert_eq!((count(&adib), count(&nadia), count(&doctor)), (6, 1, 7));
    assert!(adib.json["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["patient"]["id"] == 2));
    assert_eq!(
        adib.json["appointments"][0]["doctor"]["name"],
        "Dr. Amina Rahman"
    );
    assert_eq!(adib.json["server_time"], "2026-11-21T14:00:00Z");
    let times: Vec<&str> = doctor.json["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["scheduled_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "soonest first");
}

#[tokio::test]
async fn a_patient_books_the_doctor_confirms_either_cancels() {
    let t = TestApp::demo().await;
    let adib = t.token(Who::Adib);
    let doctor = t.token(Who::Doctor);
    let doctors = t.get("/api/doctors", Some(&adib)).await;
    assert_eq!(doctors.json, json!([{"id": 1, "name": "Dr. Amina Rahman"}]));

    let when = (NOW + Duration::days(3)).format(&Rfc3339).unwrap();
    let body = json!({"doctor_id": 1, "scheduled_at": when, "reason": "Back pain"});
    let created = t
        .post("/api/appointments", Some(&adib), Some(body.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert_eq!(created.json["status"], "requested");
    assert_eq!(created.json["duration_minutes"], 20);
    let id = created.json["id"].as_i64().unwrap();

    let by_doctor = t.post("/api/appointments", Some(&doctor), Some(body)).await;
    assert_eq!(by_doctor.status, StatusCode::FORBIDDEN);

    let confirm = format!("/api/appointments/{id}/confirm");
    assert_eq!(
        t.post(&confirm, Some(&adib), None).await.status,
        StatusCode::FORBIDDEN
    );
    let ok = t.post(&confirm, Some(&doctor), None).await;
    assert_eq!(
        (ok.status, ok.json["status"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    let again = t.post(&confirm, Some(&doctor), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json["error"]["code"], "invalid_transition");

    let cancel = format!("/api/appointments/{id}/cancel");
    assert_eq!(
        t.post(&cancel, Some(&t.token(Who::Nadia)), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let ok = t.post(&cancel, Some(&adib), None).await;
    assert_eq!(
        (ok.status, ok.json["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    assert_eq!(
        t.post(&cancel, Some(&doctor), None).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn bookings_with_bad_values_are_422_not_500() {
    let t = TestApp::demo().await;
    let adib = t.token(Who::Adib);
    let future = (NOW + Duration::days(1)).format(&Rfc3339).unwrap();
    let past = (NOW - Duration::hours(1)).format(&Rfc3339).unwrap();
    let cases = [
        json!({"doctor_id": 1, "scheduled_at": past}),
        json!({"doctor_id": 2, "scheduled_at": future}),
        json!({"doctor_id": 1, "scheduled_at": future, "duration_minutes": 600}),
        json!({"doctor_id": 1, "scheduled_at": future, "reason": "x".repeat(501)}),
    ];
    for body in cases {
        let r = t
            .post("/api/appointments", Some(&adib), Some(body.clone()))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.json
        );
        assert_eq!(r.json["error"]["code"], "invalid_input");
    }
}

#[tokio::test]
async fn malformed_bodies_get_the_error_shape() {
    let t = TestApp::demo().await;
    let adib = t.token(Who::Adib);
    let raw = |body: &'static [u8], content_type: Option<&str>| {
        let mut req = Request::post("/api/appointments")
            .header(header::AUTHORIZATION, format!("Bearer {adib}"));
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        req.body(Body::from(body)).unwrap()
    };
    let r = t.send(raw(b"{not json", Some("application/json"))).await;
    assert_eq!(
        (r.status, r.json["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json"))
    );
    let r = t
        .send(raw(br#"{"doctor_id": "one"}"#, Some("application/json")))
        .await;
    assert_eq!(
        (r.status, r.json["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json"))
    );
    let r = t.send(raw(br#"{"doctor_id": 1}"#, None)).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json["error"]["code"], "unsupported_media_type");

    let big = format!(r#"{{"email":"a","password":"{}"}}"#, "x".repeat(100 * 1024));
    let r = t
        .send(
            Request::post("/api/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json["error"]["code"], "payload_too_large");
}

// ---------------------------------------------------------------- storage

#[tokio::test]
async fn data_survives_a_restart_and_demo_seeding_is_idempotent() {
    let t = TestApp::demo().await;
    let when = (NOW + Duration::days(2)).format(&Rfc3339).unwrap();
    let created = t
        .post(
            "/api/appointments",
            Some(&t.token(Who::Nadia)),
            Some(json!({"doctor_id": 1, "scheduled_at": when, "reason": "Kept"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let config = (*t.state.config).clone();
    let dir = t.dir;
    let restarted = TestApp::open(dir, config).await;
    let list = restarted
        .get("/api/appointments", Some(&restarted.token(Who::Doctor)))
        .await;
    let all = list.json["appointments"].as_array().unwrap();
    assert_eq!(
        all.len(),
        8,
        "7 demo appointments + the booked one, none duplicated"
    );
    assert!(all.iter().any(|a| a["reason"] == "Kept"));
    if !common::on_postgres() {
        let journal: (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&restarted.state.db)
            .await
            .unwrap();
        assert_eq!(journal.0, "wal");
    }
}

// ---------------------------------------------------------------- contract and hygiene

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let t = TestApp::demo().await;
    let r = t.get("/api/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json["openapi"].as_str().unwrap().starts_with("3."));
    let paths = r.json["paths"].as_object().unwrap();
    for p in [
        "/api/auth/login",
        "/api/me",
        "/api/doctors",
        "/api/appointments",
        "/api/appointments/{id}/confirm",
        "/api/appointments/{id}/cancel",
        "/api/appointments/{id}/complete",
        "/api/appointments/{id}/join",
        "/api/appointments/{id}/calls",
        "/api/rooms/status",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(r.json["components"]["schemas"]["JoinResponse"].is_object());
    assert!(r.json["components"]["securitySchemes"]["bearer"].is_object());
}

/// Collects everything the server logs during a test.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn passwords_and_tokens_never_reach_the_logs() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let t = TestApp::with_config(|c| {
        c.turn_urls = vec!["turn:turn.clinic.example:3478".into()];
        c.turn_secret = Some("turn-shared-secret".parse().unwrap());
    })
    .await;
    let token = t.login("patient@example.com", "patient-demo").await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    t.admit(id).await;
    let join = t
        .post(&format!("/api/appointments/{id}/join"), Some(&token), None)
        .await;
    let credential = join.json["connection"]["ice_servers"][0]["credential"]
        .as_str()
        .unwrap()
        .to_string();
    t.get("/api/me", Some(&format!("{token}tampered"))).await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("signed in"),
        "the test must see the logs: {text}"
    );
    for secret in [
        "patient-demo",
        token.as_str(),
        credential.as_str(),
        "turn-shared-secret",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the logs");
    }
}

// ---------------------------------------------------------------- room status

#[tokio::test]
async fn p2p_room_status_follows_presence_with_etags() {
    use teleconsult_core::{api::RoomParticipant, Role};
    // The in-process presence store, written directly; with Redis, presence is the hub's room
    // hash, which `signaling::two_participants_meet_and_frames_are_relayed_with_from` drives
    // through real sockets.
    let t = TestApp::with_config(|c| c.redis_url = None).await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let later = t.appointment_id(Who::Adib, LATER_TODAY).await;
    let path = format!("/api/rooms/status?appointment_ids={open},{later},{open}");
    let tok = t.token(Who::Adib);
    let get_with = |etag: Option<String>| {
        let mut req =
            Request::get(path.as_str()).header(header::AUTHORIZATION, format!("Bearer {tok}"));
        if let Some(e) = etag {
            req = req.header(header::IF_NONE_MATCH, e);
        }
        t.send(req.body(Body::empty()).unwrap())
    };

    let empty = get_with(None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(
        empty.json["rooms"].as_array().unwrap().len(),
        2,
        "duplicates collapse"
    );
    assert_eq!(empty.json["rooms"][0]["active"], false);
    let etag1 = empty.headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(
        get_with(Some(etag1.clone())).await.status,
        StatusCode::NOT_MODIFIED
    );

    t.state.presence.enter(
        &format!("appointment_{open}_consultation"),
        RoomParticipant {
            identity: "doctor_1".into(),
            role: Some(Role::Doctor),
            joined_at: NOW,
        },
    );
    let busy = get_with(Some(etag1.clone())).await;
    assert_eq!(
        busy.status,
        StatusCode::OK,
        "a change invalidates the old ETag"
    );
    assert_eq!(busy.json["rooms"][0]["active"], true);
    assert_eq!(
        busy.json["rooms"][0]["participants"][0]["identity"],
        "doctor_1"
    );
    assert_eq!(busy.json["rooms"][1]["active"], false);
    let etag2 = busy.headers[header::ETAG].to_str().unwrap().to_string();
    assert_ne!(etag1, etag2);
    let unchanged = get_with(Some(etag2)).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.json, serde_json::Value::Null, "304 has no body");
}

#[tokio::test]
async fn room_status_rejects_bad_batches() {
    let t = TestApp::demo().await;
    let tok = t.token(Who::Adib);
    let too_many = (1..=51)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    for query in [
        "",
        "?appointment_ids=",
        "?appointment_ids=1,x",
        &format!("?appointment_ids={too_many}"),
    ] {
        let r = t
            .get(&format!("/api/rooms/status{query}"), Some(&tok))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(r.json["error"]["code"], "invalid_query", "{query}");
    }
    let mine = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let nadias = t.appointment_id(Who::Nadia, NADIA_SOON).await;
    let r = t
        .get(
            &format!("/api/rooms/status?appointment_ids={mine},{nadias}"),
            Some(&tok),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "one foreign id refuses the batch"
    );
}

/// `docs/openapi.json` is the generated document, committed for readers of the repository.
/// Regenerate after an API change with:
/// `UPDATE_OPENAPI=1 cargo test -p teleconsult-server --test api openapi_snapshot`
#[test]
fn openapi_snapshot_in_docs_is_current() {
    use utoipa::OpenApi;
    let generated = serde_json::to_string_pretty(&teleconsult_server::openapi::ApiDoc::openapi())
        .unwrap()
        + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run UPDATE_OPENAPI=1 cargo test -p teleconsult-server --test api openapi_snapshot"
    );
}

#[tokio::test]
async fn cors_allows_only_the_configured_app_origin() {
    let t =
        TestApp::with_config(|c| c.cors_origins = vec!["https://app.clinic.example".into()]).await;
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/rooms/status?appointment_ids=1")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,if-none-match",
            )
            .body(Body::empty())
            .unwrap()
    };
    let ok = t.send(preflight("https://app.clinic.example")).await;
    assert_eq!(
        ok.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.clinic.example"
    );
    let allowed = ok.headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("if-none-match"),
        "{allowed}"
    );
    let other = t.send(preflight("https://evil.example")).await;
    assert!(!other
        .headers
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

    let r = t
        .send(
            Request::get("/api/appointments")
                .header(header::ORIGIN, "https://app.clinic.example")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", t.token(Who::Adib)),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
            .to_str()
            .unwrap()
            .to_lowercase(),
        "etag"
    );
}

#[tokio::test]
async fn the_doctor_marks_a_consultation_completed_once_its_window_opened() {
    let t = TestApp::demo().await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let later = t.appointment_id(Who::Adib, LATER_TODAY).await;
    let requested = t.appointment_id(Who::Adib, REQUESTED).await;
    let doctor = t.token(Who::Doctor);
    let complete = |id: i64| format!("/api/appointments/{id}/complete");

    let by_patient = t
        .post(&complete(open), Some(&t.token(Who::Adib)), None)
        .await;
    assert_eq!(by_patient.status, StatusCode::FORBIDDEN);
    let too_early = t.post(&complete(later), Some(&doctor), None).await;
    assert_eq!(too_early.status, StatusCode::CONFLICT);
    assert!(too_early.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("window has opened"));
    let not_confirmed = t.post(&complete(requested), Some(&doctor), None).await;
    assert_eq!(not_confirmed.status, StatusCode::CONFLICT);

    let done = t.post(&complete(open), Some(&doctor), None).await;
    assert_eq!(
        (done.status, done.json["status"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
    let join = t
        .post(
            &format!("/api/appointments/{open}/join"),
            Some(&t.token(Who::Adib)),
            None,
        )
        .await;
    assert_eq!(
        (join.status, join.json["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("completed"))
    );
}

#[tokio::test]
async fn one_client_trying_many_accounts_is_rate_limited() {
    use axum::extract::connect_info::MockConnectInfo;
    use tower::ServiceExt;
    let t = TestApp::demo().await;
    let attempt = |ip: [u8; 4], n: usize| {
        let router = t
            .router
            .clone()
            .layer(MockConnectInfo(std::net::SocketAddr::from((ip, 40000))));
        async move {
            let body = json!({"email": format!("nobody{n}@example.com"), "password": "x"});
            let req = Request::post("/api/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            router.oneshot(req).await.unwrap().status()
        }
    };
    let burst = teleconsult_server::auth::LOGIN_ATTEMPTS_PER_CLIENT_PER_MINUTE as usize;
    for n in 0..burst {
        assert_eq!(
            attempt([192, 0, 2, 1], n).await,
            StatusCode::UNAUTHORIZED,
            "attempt {n}"
        );
    }
    // The quota refills while the burst is spent (one attempt per 60/quota s), so allow a few.
    let mut limited_at = None;
    for n in burst..burst + 10 {
        if attempt([192, 0, 2, 1], n).await == StatusCode::TOO_MANY_REQUESTS {
            limited_at = Some(n);
            break;
        }
    }
    assert!(
        limited_at.is_some(),
        "no 429 within 10 attempts past the burst of {burst}"
    );
    assert_eq!(
        attempt([192, 0, 2, 2], 999).await,
        StatusCode::UNAUTHORIZED,
        "another client is not affected"
    );
}

#[tokio::test]
async fn connectivity_names_the_paths_a_p2p_call_uses_outside_any_join_window() {
    let t = TestApp::with_config(|c| {
        c.stun_urls = vec!["stun:stun.clinic.example:3478".into()];
        c.turn_urls = vec!["turn:turn.clinic.example:3478?transport=udp".into()];
        c.turn_secret = Some("turn-shared-secret".parse().unwrap());
    })
    .await;
    let r = t.get("/api/connectivity", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Nadia's appointment is an hour away: the check works without an open window.
    let r = t.get("/api/connectivity", Some(&t.token(Who::Nadia))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["provider"], "p2p");
    assert_eq!(r.json["signaling_url"], "/api/signal");
    assert_eq!(
        r.json["ice_servers"][0],
        json!({"urls": ["stun:stun.clinic.example:3478"]})
    );
    let expiry = (NOW + Duration::hours(1)).unix_timestamp();
    assert_eq!(
        r.json["ice_servers"][1]["username"],
        format!("{expiry}:patient_3")
    );
    assert!(r.json.get("media_server_url").is_none());
}
