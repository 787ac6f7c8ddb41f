//! Sessions that last a clinic day (issue 14): access tokens renewed with rotating refresh
//! tokens; reuse revokes the family; sign-out revokes it; nothing outlives the session lifetime.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use time::Duration;

async fn login(t: &TestApp) -> Value {
    let r = t
        .post(
            "/api/auth/login",
            None,
            Some(json!({"email": "doctor@example.com", "password": "doctor-demo"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json
}

async fn refresh(t: &TestApp, token: &Value) -> (StatusCode, Value) {
    let r = t
        .post(
            "/api/auth/refresh",
            None,
            Some(json!({"refresh_token": token})),
        )
        .await;
    (r.status, r.json)
}

#[tokio::test]
async fn a_refresh_renews_the_access_token_and_rotates_the_refresh_token() {
    let t = TestApp::demo().await;
    let first = login(&t).await;
    assert!(first["refresh_token"].as_str().unwrap().len() >= 40);
    assert_eq!(
        first["session_expires_at"], "2026-11-22T02:00:00Z",
        "sign-in + 12 h"
    );
    assert_eq!(
        first["expires_at"], "2026-11-21T14:15:00Z",
        "15-minute access tokens"
    );

    t.clock.advance(Duration::minutes(14));
    let (status, second) = refresh(&t, &first["refresh_token"]).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["expires_at"], "2026-11-21T14:29:00Z");
    assert_eq!(
        second["session_expires_at"], first["session_expires_at"],
        "never extended"
    );
    assert_eq!(second["user"]["id"], 1);
    let me = t.get("/api/me", second["access_token"].as_str()).await;
    assert_eq!(me.status, StatusCode::OK);

    // Within the leeway the old token is the same browser (a lost answer, a racing tab): another
    // successor, nothing revoked; both successors work.
    t.clock.advance(Duration::seconds(10));
    let (status, sibling) = refresh(&t, &first["refresh_token"]).await;
    assert_eq!(status, StatusCode::OK, "{sibling}");
    assert_ne!(sibling["refresh_token"], second["refresh_token"]);
    let (status, third) = refresh(&t, &second["refresh_token"]).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    let (status, _) = refresh(&t, &sibling["refresh_token"]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn presenting_a_used_refresh_token_again_signs_the_whole_session_out() {
    let t = TestApp::demo().await;
    let first = login(&t).await;
    let (_, second) = refresh(&t, &first["refresh_token"]).await;
    t.clock.advance(Duration::seconds(11));
    // Someone replays the first token after the leeway: a stolen copy.
    let (status, body) = refresh(&t, &first["refresh_token"]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_refresh_token");
    // The legitimate holder's newest token is revoked too.
    let (status, _) = refresh(&t, &second["refresh_token"]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Another sign-in is a new, unaffected session.
    let other = login(&t).await;
    assert_eq!(refresh(&t, &other["refresh_token"]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn sign_out_revokes_and_the_session_lifetime_bounds_every_refresh() {
    let t = TestApp::demo().await;
    let session = login(&t).await;
    let r = t
        .post(
            "/api/auth/logout",
            None,
            Some(json!({"refresh_token": session["refresh_token"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        refresh(&t, &session["refresh_token"]).await.0,
        StatusCode::UNAUTHORIZED
    );
    let unknown = t
        .post(
            "/api/auth/logout",
            None,
            Some(json!({"refresh_token": "nope"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NO_CONTENT);

    // A clinic day of refreshes every 14 minutes, then the session ends at 12 h.
    let mut current = login(&t).await;
    for _ in 0..51 {
        t.clock.advance(Duration::minutes(14));
        let (status, next) = refresh(&t, &current["refresh_token"]).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        current = next;
    }
    // 11 h 54 min after sign-in: the last access token ends with the session, not 15 min later.
    assert_eq!(current["expires_at"], "2026-11-22T02:00:00Z");
    t.clock.advance(Duration::minutes(7));
    let (status, body) = refresh(&t, &current["refresh_token"]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    for bad in [
        json!({}),
        json!({"refresh_token": 5}),
        json!({"refresh_token": "x", "more": 1}),
    ] {
        let r = t.post("/api/auth/refresh", None, Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}
