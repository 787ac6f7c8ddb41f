//! The waiting room, through the HTTP API: a patient is kept out (no connection details) until
//! the doctor's Admit, the doctor's queue sees them in arrival order, and the rules of who may
//! admit and when.

mod common;

use axum::http::StatusCode;
use common::{TestApp, Who, LATER_TODAY, NADIA_SOON, OPEN_NOW};
use time::Duration;

async fn join(t: &TestApp, id: i64, who: Who) -> common::Reply {
    t.post(
        &format!("/api/appointments/{id}/join"),
        Some(&t.token(who)),
        None,
    )
    .await
}

async fn waiting_room(t: &TestApp, ids: &[i64]) -> Vec<Vec<String>> {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let r = t
        .get(
            &format!("/api/rooms/status?appointment_ids={}", ids.join(",")),
            Some(&t.token(Who::Doctor)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|room| {
            room["waiting_room"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["identity"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_patient_waits_without_a_connection_until_the_doctor_admits() {
    let t = TestApp::demo().await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;

    let r = join(&t, id, Who::Adib).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.json);
    assert_eq!(r.json["doctor_name"], "Dr. Amina Rahman");
    assert_eq!(r.json["waiting_since"], "2026-11-21T14:00:00Z");
    assert_eq!(r.json["retry_after_ms"], 2000);
    assert!(r.json.get("connection").is_none(), "{}", r.json);
    assert_eq!(waiting_room(&t, &[id]).await, [["patient_2"]]);

    // Asking again keeps the first arrival.
    t.clock.set(common::NOW + Duration::seconds(4));
    let again = join(&t, id, Who::Adib).await;
    assert_eq!(again.json["waiting_since"], "2026-11-21T14:00:00Z");

    // The doctor never waits; the patient may not let themself in.
    assert_eq!(join(&t, id, Who::Doctor).await.status, StatusCode::OK);
    let path = format!("/api/appointments/{id}/admit");
    let selfish = t.post(&path, Some(&t.token(Who::Adib)), None).await;
    assert_eq!(selfish.status, StatusCode::FORBIDDEN);
    assert_eq!(selfish.json["error"]["code"], "forbidden");
    let stranger = t.post(&path, Some(&t.token(Who::Nadia)), None).await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    assert_eq!(waiting_room(&t, &[id]).await, [["patient_2"]]);

    t.admit(id).await;
    let r = join(&t, id, Who::Adib).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["connection"]["provider"], "p2p");
    // Let in: out of the waiting room, and admitted for the rest of the appointment.
    assert_eq!(waiting_room(&t, &[id]).await, [Vec::<String>::new()]);
    t.clock.set(common::NOW + Duration::minutes(30));
    assert_eq!(join(&t, id, Who::Adib).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_queue_keeps_arrival_order_and_forgets_who_stopped_asking() {
    let t = TestApp::demo().await;
    let adibs = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let nadias = t.appointment_id(Who::Nadia, NADIA_SOON).await;
    // Nadia's appointment starts in an hour: both windows are open 35 minutes from now.
    let base = common::NOW + Duration::minutes(35);
    t.clock.set(base);
    assert_eq!(
        join(&t, nadias, Who::Nadia).await.status,
        StatusCode::ACCEPTED
    );
    t.clock.set(base + Duration::seconds(3));
    assert_eq!(
        join(&t, adibs, Who::Adib).await.status,
        StatusCode::ACCEPTED
    );
    let r = t
        .get(
            &format!("/api/rooms/status?appointment_ids={adibs},{nadias}"),
            Some(&t.token(Who::Doctor)),
        )
        .await;
    assert_eq!(
        r.json["rooms"][1]["waiting_room"][0]["joined_at"],
        "2026-11-21T14:35:00Z"
    );
    assert_eq!(
        r.json["rooms"][0]["waiting_room"][0]["joined_at"],
        "2026-11-21T14:35:03Z"
    );
    assert_eq!(r.json["rooms"][0]["waiting_room"][0]["role"], "patient");
    // Nobody is in the call rooms: a waiting room does not make a room active.
    assert_eq!(r.json["rooms"][0]["active"], false);

    // Adib keeps asking; Nadia closed her page: gone after 10 s without a request.
    t.clock.set(base + Duration::seconds(9));
    join(&t, adibs, Who::Adib).await;
    t.clock.set(base + Duration::seconds(11));
    assert_eq!(
        waiting_room(&t, &[adibs, nadias]).await,
        [vec!["patient_2".to_string()], vec![]]
    );
}

#[tokio::test]
async fn admitting_follows_the_join_window() {
    let t = TestApp::demo().await;
    let later = t.appointment_id(Who::Adib, LATER_TODAY).await;
    let r = t
        .post(
            &format!("/api/appointments/{later}/admit"),
            Some(&t.token(Who::Doctor)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
    assert_eq!(r.json["error"]["code"], "too_early");
    let missing = t
        .post(
            "/api/appointments/999/admit",
            Some(&t.token(Who::Doctor)),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_clinic_without_a_waiting_room_lets_patients_straight_in() {
    let t = TestApp::with_config(|c| c.waiting_room = false).await;
    let id = t.appointment_id(Who::Adib, OPEN_NOW).await;
    let r = join(&t, id, Who::Adib).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(waiting_room(&t, &[id]).await, [Vec::<String>::new()]);
}
