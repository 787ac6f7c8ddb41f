//! Two instances of the server on one database and one real Redis (`redis-server` on loopback,
//! started here unless `TELECONSULT_TEST_REDIS` names one): a doctor on one and a patient on the
//! other meet, their frames cross, both instances answer room status alike, the waiting room and
//! the sign-in limit are shared — and when an instance stops dead, the other tells the remaining
//! participant and takes the returning one in.
//!
//! Instance A runs on a runtime of its own, so that it can be stopped as abruptly as a killed
//! process: its tasks vanish without leaving a room, and its Redis entries stop being renewed.

mod common;

use std::{
    net::TcpListener as StdListener,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use common::{ws::Client, *};
use serde_json::json;
use teleconsult_server::{app, clock::ManualClock, AppState, Config};

/// A `redis-server` started for these tests, stopped when dropped.
struct RedisServer {
    child: Option<Child>,
    url: String,
    port: u16,
}

impl RedisServer {
    /// `TELECONSULT_TEST_REDIS` when set, else one of our own.
    fn start() -> RedisServer {
        if let Ok(url) = std::env::var("TELECONSULT_TEST_REDIS") {
            return RedisServer {
                child: None,
                url,
                port: 0,
            };
        }
        RedisServer::start_own()
    }

    /// Always one of our own (it may be stopped and started again).
    fn start_own() -> RedisServer {
        let port = StdListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        RedisServer::start_on(port)
    }

    fn start_on(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/setup.sh --scale)");
        let url = format!("redis://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        RedisServer {
            child: Some(child),
            url,
            port,
        }
    }

    /// Stops it dead (its data is lost, as in a restart without persistence).
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Serves `state` on a loopback port; the signaling URL.
async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/api/signal", listener.local_addr().unwrap());
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    url
}

/// Instance A on its own runtime (stopped with `shutdown_background`, like a killed process).
fn start_elsewhere(config: Config) -> (tokio::runtime::Runtime, AppState, String) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (state, url) = rt.block_on(async {
            let state = AppState::open(config, Arc::new(ManualClock::new(NOW)))
                .await
                .unwrap();
            let url = serve(state.clone()).await;
            (state, url)
        });
        (rt, state, url)
    })
    .join()
    .unwrap()
}

struct Pair {
    /// Kept alive for the test (stopped when dropped).
    _redis: RedisServer,
    /// Instance A, for requests (its own runtime serves its sockets).
    a: TestApp,
    b: TestApp,
    url_a: String,
    url_b: String,
    runtime_a: Option<tokio::runtime::Runtime>,
    id: i64,
}

impl Drop for Pair {
    fn drop(&mut self) {
        // A runtime may not be dropped (blocking) inside the test's async context.
        if let Some(rt) = self.runtime_a.take() {
            rt.shutdown_background();
        }
    }
}

/// Instance B (a [`TestApp`]) and instance A on the same data and the same Redis prefix; Adib's
/// open appointment admitted.
async fn pair() -> Pair {
    pair_admitted(true).await
}

/// [`pair`], with Adib's open appointment admitted or not.
async fn pair_admitted(admit: bool) -> Pair {
    pair_on(RedisServer::start(), admit).await
}

/// [`pair`] on `redis`.
async fn pair_on(redis: RedisServer, admit: bool) -> Pair {
    let url = redis.url.clone();
    let prefix = fresh_redis_prefix();
    let b = TestApp::with_config(|c| {
        c.redis_url = Some(url.parse().unwrap());
        c.redis_prefix = prefix;
    })
    .await;
    let id = b.appointment_id(Who::Adib, OPEN_NOW).await;
    if admit {
        b.admit(id).await;
    }
    let url_b = serve(b.state.clone()).await;
    let (runtime_a, state_a, url_a) = start_elsewhere((*b.state.config).clone());
    let a = TestApp {
        router: app(state_a.clone()),
        state: state_a,
        clock: Arc::new(ManualClock::new(NOW)),
        dir: tempfile::tempdir().unwrap(),
    };
    Pair {
        _redis: redis,
        a,
        b,
        url_a,
        url_b,
        runtime_a: Some(runtime_a),
        id,
    }
}

fn identities(status: &serde_json::Value, key: &str) -> Vec<String> {
    status["rooms"][0][key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identity"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn participants_on_two_instances_meet_and_their_frames_cross() {
    let p = pair().await;
    let t = &p.b;
    let mut doctor = Client::signed_in(&p.url_a, &t.token(Who::Doctor)).await;
    let joined = doctor.join(p.id, "doc-page").await;
    assert_eq!(joined["type"], "room:joined", "{joined}");
    let call_id = joined["callId"].as_str().unwrap().to_string();

    let mut patient = Client::signed_in(&p.url_b, &t.token(Who::Adib)).await;
    let joined = patient.join(p.id, "pat-page").await;
    assert_eq!(joined["callId"], call_id.as_str(), "one call for the room");
    assert_eq!(joined["peers"][0]["identity"], "doctor_1", "{joined}");
    let arrived = doctor.recv().await;
    assert_eq!(arrived["type"], "room:peer-joined", "{arrived}");
    assert_eq!(arrived["peer"]["identity"], "patient_2");

    // Frames cross both ways, with `from`, as on one instance.
    doctor
        .send(json!({"type": "call:offer", "callId": call_id, "sdp": "v=0 offer"}))
        .await;
    assert_eq!(
        patient.recv().await,
        json!({"type": "call:offer", "from": "doctor_1", "callId": call_id, "sdp": "v=0 offer"})
    );
    patient
        .send(json!({"type": "media:state", "callId": call_id, "audio": false, "video": true, "screen": false}))
        .await;
    assert_eq!(
        doctor.recv().await,
        json!({"type": "media:state", "from": "patient_2", "callId": call_id, "audio": false, "video": true, "screen": false})
    );

    // Both instances answer room status alike.
    let path = format!("/api/rooms/status?appointment_ids={}", p.id);
    let on_b = t.get(&path, Some(&t.token(Who::Doctor))).await;
    let on_a = p.a.get(&path, Some(&t.token(Who::Doctor))).await;
    assert_eq!(
        identities(&on_b.json, "participants"),
        ["doctor_1", "patient_2"]
    );
    assert_eq!(on_a.json, on_b.json);

    // A second tab of the doctor on instance B is busy; with takeover it moves the call there,
    // and instance A's socket is told and closed.
    let mut second = Client::signed_in(&p.url_b, &t.token(Who::Doctor)).await;
    let busy = second.join(p.id, "doc-tab-2").await;
    assert_eq!(busy["type"], "call:busy", "{busy}");
    second
        .send(json!({"type": "room:join", "appointmentId": p.id, "sessionId": "doc-tab-2", "takeover": true}))
        .await;
    assert_eq!(second.recv().await["type"], "room:joined");
    let told = doctor.recv().await;
    assert_eq!(told["type"], "room:taken-over", "{told}");
    assert!(doctor.closed_within(Duration::from_secs(2)).await);
    let left = patient.recv().await;
    assert_eq!(
        left,
        json!({"type": "room:peer-left", "identity": "doctor_1", "reason": "moved"})
    );
    assert_eq!(patient.recv().await["type"], "room:peer-joined");
}

#[tokio::test]
async fn the_waiting_room_and_the_sign_in_limit_are_shared() {
    let p = pair_admitted(false).await;
    let t = &p.b;
    // Adib's open appointment is not admitted: his join on A puts him in the waiting room that
    // B's room status shows.
    let open_id = p.id;
    let join =
        p.a.post(
            &format!("/api/appointments/{open_id}/join"),
            Some(&t.token(Who::Adib)),
            None,
        )
        .await;
    assert_eq!(join.status, StatusCode::ACCEPTED, "{}", join.json);
    let status = t
        .get(
            &format!("/api/rooms/status?appointment_ids={open_id}"),
            Some(&t.token(Who::Doctor)),
        )
        .await;
    assert_eq!(identities(&status.json, "waiting_room"), ["patient_2"]);

    // Ten wrong passwords on A, then the eleventh attempt on B is refused.
    for _ in 0..10 {
        let r =
            p.a.post(
                "/api/auth/login",
                None,
                Some(json!({"email": "doctor@example.com", "password": "wrong"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    }
    let r = t
        .post(
            "/api/auth/login",
            None,
            Some(json!({"email": "Doctor@Example.com", "password": "wrong"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.json);
}

#[tokio::test]
async fn when_an_instance_dies_the_other_tells_the_room_and_takes_the_page_back() {
    let mut p = pair().await;
    let runtime_a = p.runtime_a.take().unwrap();
    let t = &p.b;
    let mut doctor = Client::signed_in(&p.url_a, &t.token(Who::Doctor)).await;
    let call_id = doctor.join(p.id, "doc-page").await["callId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut patient = Client::signed_in(&p.url_b, &t.token(Who::Adib)).await;
    patient.join(p.id, "pat-page").await;
    doctor.recv().await; // peer-joined

    // Instance A stops dead: nothing of it leaves the room.
    runtime_a.shutdown_background();
    drop(doctor);

    // The doctor's page comes back through B within a second, as its reconnect does: the same
    // page replaces its stale entry (no "busy"), and the patient is only told it is back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut doctor = Client::signed_in(&p.url_b, &t.token(Who::Doctor)).await;
    let joined = doctor.join(p.id, "doc-page").await;
    assert_eq!(joined["type"], "room:joined", "{joined}");
    assert_eq!(joined["callId"], call_id.as_str(), "the same call goes on");
    let back = patient.recv().await;
    assert_eq!(back["type"], "room:peer-joined", "{back}");
    assert_eq!(
        back["peer"]["sessionId"], "doc-page",
        "the same page: keep the connection"
    );
    doctor
        .send(json!({"type": "media:state", "callId": call_id, "audio": false, "video": false, "screen": false}))
        .await;
    assert_eq!(patient.recv().await["from"], "doctor_1");

    // A participant whose instance dies and who does not come back is swept: the doctor is
    // told once the entry is stale (STALE_MS, 6 s) at the next heartbeat of B (every 2 s).
    drop(patient); // leaves B cleanly: told at once
    assert_eq!(
        doctor.recv().await,
        json!({"type": "room:peer-left", "identity": "patient_2", "reason": "disconnected"})
    );
    let (runtime_c, _state_c, url_c) = start_elsewhere((*t.state.config).clone());
    let mut patient = Client::signed_in(&url_c, &t.token(Who::Adib)).await;
    assert_eq!(
        patient.join(p.id, "pat-page-2").await["type"],
        "room:joined"
    );
    assert_eq!(doctor.recv().await["type"], "room:peer-joined");
    runtime_c.shutdown_background();
    drop(patient);
    let started = Instant::now();
    let swept = doctor
        .recv_within(Duration::from_secs(12))
        .await
        .expect("peer-left within 12 s");
    let took = started.elapsed();
    assert_eq!(
        swept,
        json!({"type": "room:peer-left", "identity": "patient_2", "reason": "disconnected"})
    );
    // C's tasks were dropped mid-flight, so this can only be B's sweep of the stale entry.
    println!("a dead instance's participant was swept after {took:?}");

    // The call log has each departure once (the sweep's entry is written just after the
    // room is told, so it is waited for).
    let mut kinds: Vec<String> = Vec::new();
    for _ in 0..50 {
        let log = t
            .get(
                &format!("/api/appointments/{}/calls", p.id),
                Some(&t.token(Who::Doctor)),
            )
            .await;
        kinds = log
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e["identity"].as_str().unwrap(),
                    e["kind"].as_str().unwrap(),
                    e["reason"].as_str().unwrap_or("")
                )
            })
            .collect();
        if kinds
            .iter()
            .filter(|k| k.starts_with("patient_2 left"))
            .count()
            >= 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        kinds
            .iter()
            .filter(|k| k.starts_with("patient_2 left"))
            .count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| k.starts_with("doctor_1 ")).count(),
        1,
        "the doctor never left the call: one arrival, {kinds:?}"
    );
}

#[tokio::test]
async fn a_redis_restart_is_told_as_unavailable_then_rooms_rebuild_and_frames_cross_again() {
    let mut p = pair_on(RedisServer::start_own(), true).await;
    let t = &p.b;
    let mut doctor = Client::signed_in(&p.url_a, &t.token(Who::Doctor)).await;
    let call_id = doctor.join(p.id, "doc-page").await["callId"].clone();
    let mut patient = Client::signed_in(&p.url_b, &t.token(Who::Adib)).await;
    patient.join(p.id, "pat-page").await;
    assert_eq!(doctor.recv().await["type"], "room:peer-joined");

    // Redis goes away, with everything it held.
    let port = p._redis.port;
    p._redis.kill();
    let path = format!("/api/rooms/status?appointment_ids={}", p.id);
    let down = t.get(&path, Some(&t.token(Who::Doctor))).await;
    assert_eq!(
        down.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        down.json
    );
    assert_eq!(down.json["error"]["code"], "unavailable");
    let login =
        p.a.post(
            "/api/auth/login",
            None,
            Some(json!({"email": "doctor@example.com", "password": "doctor-demo"})),
        )
        .await;
    assert_eq!(
        login.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        login.json
    );

    // It comes back empty: the instances write their sockets' entries again at their next
    // heartbeat, and room status shows both participants.
    p._redis = RedisServer::start_on(port);
    let started = Instant::now();
    loop {
        let up = t.get(&path, Some(&t.token(Who::Doctor))).await;
        if up.status == StatusCode::OK && identities(&up.json, "participants").len() == 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "rooms not rebuilt: {} {}",
            up.status,
            up.json
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "rooms rebuilt {:?} after Redis came back",
        started.elapsed()
    );

    // The pub/sub connections are back: a frame crosses again (sent until it does, as frames
    // sent while an instance resubscribes are lost).
    let crossed = loop {
        doctor
            .send(json!({"type": "media:state", "callId": call_id, "audio": false, "video": true, "screen": false}))
            .await;
        if let Some(frame) = patient.recv_within(Duration::from_millis(500)).await {
            break frame;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no frame crossed after Redis came back"
        );
    };
    assert_eq!(crossed["type"], "media:state", "{crossed}");
    assert_eq!(crossed["from"], "doctor_1");
}
