//! The audit log (issue 18): every read, grant, change and refusal of an appointment, with who,
//! when and from which address; readable by the appointment's doctor; append-only in the
//! database; purged only past its retention.

mod common;

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{header, Method, Request, StatusCode},
};
use common::*;
use serde_json::Value;
use teleconsult_server::audit;
use time::Duration;

/// `method path` with `token`, arriving from `from` (as `main.rs` serves with connection info).
async fn from(t: &TestApp, from: &str, method: Method, path: &str, token: &str) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let addr: SocketAddr = format!("{from}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    t.send(req).await
}

/// `actor action address` of each event, oldest first.
fn lines(log: &Value) -> Vec<String> {
    let mut v: Vec<String> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["address"].as_str().unwrap_or("-")
            )
        })
        .collect();
    v.reverse();
    v
}

#[tokio::test]
async fn reads_grants_changes_and_refusals_reach_the_doctors_access_log_with_their_address() {
    let t = TestApp::demo().await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let requested = t.appointment_id(Who::Adib, REQUESTED).await;
    let (doctor, adib, nadia) = (
        t.token(Who::Doctor),
        t.token(Who::Adib),
        t.token(Who::Nadia),
    );

    let r = from(&t, "198.51.100.7", Method::GET, "/api/appointments", &adib).await;
    assert_eq!(r.status, StatusCode::OK);
    let admit = format!("/api/appointments/{open}/admit");
    for _ in 0..2 {
        let r = from(&t, "192.0.2.1", Method::POST, &admit, &doctor).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    }
    let path = format!("/api/appointments/{open}/join");
    assert_eq!(
        from(&t, "198.51.100.7", Method::POST, &path, &adib)
            .await
            .status,
        StatusCode::OK
    );
    let calls = format!("/api/appointments/{open}/calls");
    assert_eq!(
        from(&t, "198.51.100.7", Method::GET, &calls, &adib)
            .await
            .status,
        StatusCode::OK
    );
    // Nadia is no party of it: refused, and the attempt is recorded.
    let refused = from(&t, "203.0.113.9", Method::POST, &path, &nadia).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let confirm = format!("/api/appointments/{requested}/confirm");
    assert_eq!(
        from(&t, "192.0.2.1", Method::POST, &confirm, &doctor)
            .await
            .status,
        StatusCode::OK
    );

    let log_path = format!("/api/appointments/{open}/access-log");
    let log = from(&t, "192.0.2.1", Method::GET, &log_path, &doctor).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.json);
    let got = lines(&log.json);
    // The harness's own listing (no address) comes first.
    assert_eq!(
        got[got.len() - 6..],
        [
            "patient_2 viewed 198.51.100.7",
            // The second Admit changed nothing and is not recorded.
            "doctor_1 admitted 192.0.2.1",
            "patient_2 join_granted 198.51.100.7",
            "patient_2 call_log_viewed 198.51.100.7",
            "patient_3 access_refused 203.0.113.9",
            "doctor_1 access_log_viewed 192.0.2.1",
        ],
        "{got:?}"
    );
    let at = log.json["events"][0]["at"].as_str().unwrap();
    assert_eq!(at, "2026-11-21T14:00:00Z", "the server's clock, RFC 3339");
    let granted = log.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "join_granted")
        .unwrap();
    assert_eq!(granted["detail"], Value::Null);

    let other = format!("/api/appointments/{requested}/access-log");
    let other = lines(
        &from(&t, "192.0.2.1", Method::GET, &other, &doctor)
            .await
            .json,
    );
    assert!(
        other.contains(&"doctor_1 confirmed 192.0.2.1".to_string()),
        "{other:?}"
    );
    assert!(
        other.contains(&"patient_2 viewed 198.51.100.7".to_string()),
        "{other:?}"
    );
}

#[tokio::test]
async fn only_the_appointments_doctor_reads_its_access_log_in_pages() {
    let t = TestApp::demo().await;
    let open = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let path = format!("/api/appointments/{open}/access-log");

    let patient = t.get(&path, Some(&t.token(Who::Adib))).await;
    assert_eq!(patient.status, StatusCode::FORBIDDEN);
    assert_eq!(patient.json["error"]["code"], "forbidden");
    let stranger = t.get(&path, Some(&t.token(Who::Nadia))).await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&path, None).await.status, StatusCode::UNAUTHORIZED);
    let doctor = t.token(Who::Doctor);
    assert_eq!(
        t.get("/api/appointments/999999/access-log", Some(&doctor))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for bad in [
        "?limit=0",
        "?limit=501",
        "?limit=x",
        "?before=y",
        "?sort=asc",
    ] {
        let r = t.get(&format!("{path}{bad}"), Some(&doctor)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.json);
    }

    for _ in 0..4 {
        t.get("/api/appointments", Some(&t.token(Who::Adib))).await;
    }
    let all = t
        .get(&format!("{path}?limit=500"), Some(&doctor))
        .await
        .json;
    let all_ids: Vec<i64> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(
        all_ids.windows(2).all(|w| w[0] > w[1]),
        "newest first: {all_ids:?}"
    );
    assert_eq!(all["next_before"], Value::Null);

    // Pages of 2 cover the same events (the reads of the log add their own, newest, entries).
    let mut paged = vec![];
    let mut before: Option<i64> = Some(all_ids[0] + 1);
    while let Some(b) = before {
        let page = t
            .get(&format!("{path}?limit=2&before={b}"), Some(&doctor))
            .await
            .json;
        let events = page["events"].as_array().unwrap();
        assert!(events.len() <= 2);
        paged.extend(events.iter().map(|e| e["id"].as_i64().unwrap()));
        before = page["next_before"].as_i64();
    }
    assert_eq!(paged, all_ids);
}

#[tokio::test]
async fn the_audit_log_cannot_be_rewritten_or_deleted_by_the_application() {
    let t = TestApp::demo().await;
    t.get("/api/appointments", Some(&t.token(Who::Adib))).await;
    let update = sqlx::query("UPDATE audit_events SET actor = 'nobody'")
        .execute(&t.state.db)
        .await
        .unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = sqlx::query("DELETE FROM audit_events")
        .execute(&t.state.db)
        .await
        .unwrap_err();
    assert!(delete.to_string().contains("append-only"), "{delete}");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
        .fetch_one(&t.state.db)
        .await
        .unwrap();
    assert!(n >= 5, "still all there: {n}");
}

#[tokio::test]
async fn the_retention_purge_deletes_only_events_past_it() {
    let t = TestApp::demo().await;
    let adib = t.token(Who::Adib);
    t.get("/api/appointments", Some(&adib)).await;
    let count = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&t.state.db)
            .await
            .unwrap();
        n
    };
    let old = count().await;
    assert!(old > 0);

    t.clock.advance(Duration::days(10));
    let adib = t.token(Who::Adib);
    t.get("/api/appointments", Some(&adib)).await;
    let total = count().await;
    assert_eq!(
        audit::purge(&t.state.db, t.clock_now(), 30).await.unwrap(),
        0,
        "none is 30 days old"
    );
    assert_eq!(
        audit::purge(&t.state.db, t.clock_now(), 7).await.unwrap(),
        old as u64
    );
    assert_eq!(count().await, total - old, "the recent ones stay");
    // The horizon never moves back: a shorter purge later cannot re-open a deleted range, and a
    // recent event is still protected.
    assert!(sqlx::query("DELETE FROM audit_events")
        .execute(&t.state.db)
        .await
        .is_err());
}
