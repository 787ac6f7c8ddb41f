//! Test harness: a real server state on a fresh database, the demo clinic, an injected clock,
//! and requests sent through the whole router with `oneshot`.
//!
//! The database is a fresh SQLite file in a temp dir, or — when `TELECONSULT_TEST_POSTGRES` holds
//! the URL of a PostgreSQL server's maintenance database (`postgres://user@127.0.0.1:port/postgres`,
//! as `scripts/test.sh` starts one) — a fresh database created on that server for each test, so
//! the same tests prove both engines.
//!
//! With `TELECONSULT_TEST_REDIS` (`redis://127.0.0.1:port`), each test's server keeps its rooms,
//! presence, waiting rooms and sign-in limits in that Redis, under a prefix of its own
//! ([`fresh_redis_prefix`]): the same tests then prove the multi-instance mode.
#![allow(dead_code)] // each test file uses a different part of the harness

pub mod ws;

use std::sync::Arc;

use axum::{
    body::Body,
    http::{header, HeaderMap, Method, Request, StatusCode},
    Router,
};
use http_body_util::BodyExt;
use serde_json::Value;
use teleconsult_core::{api::User, Role};
use teleconsult_server::{app, clock::ManualClock, AppState, Config};
use time::{macros::datetime, Duration, OffsetDateTime};
use tower::ServiceExt;

/// The instant the tests stand at unless they move the clock.
pub const NOW: OffsetDateTime = datetime!(2026-11-21 14:00 UTC);

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

/// A new, empty database on the PostgreSQL server named by `TELECONSULT_TEST_POSTGRES`; `None`
/// (SQLite) when that is unset.
pub async fn fresh_postgres_database() -> Option<teleconsult_server::config::Secret> {
    use sqlx::Connection;
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let admin = std::env::var("TELECONSULT_TEST_POSTGRES").ok()?;
    let name = format!(
        "tc_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("TELECONSULT_TEST_POSTGRES must reach a PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}").parse().unwrap())
}

/// A Redis key prefix no other test uses.
pub fn fresh_redis_prefix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "tc_test_{}_{}_{}:",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    )
}

/// Whether the tests run on PostgreSQL (`TELECONSULT_TEST_POSTGRES` set) rather than SQLite.
pub fn on_postgres() -> bool {
    std::env::var_os("TELECONSULT_TEST_POSTGRES").is_some()
}

impl TestApp {
    /// The demo clinic at [`NOW`], P2P provider.
    pub async fn demo() -> TestApp {
        TestApp::with_config(|_| {}).await
    }

    /// The demo clinic at [`NOW`], with `tweak` applied to the configuration.
    pub async fn with_config(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::with_dirs(dir.path().join("data"), dir.path().join("dist"));
        config.demo = true;
        config.database_url = fresh_postgres_database().await;
        if let Ok(url) = std::env::var("TELECONSULT_TEST_REDIS") {
            config.redis_url = Some(url.parse().unwrap());
            config.redis_prefix = fresh_redis_prefix();
        }
        tweak(&mut config);
        TestApp::open(dir, config).await
    }

    /// Opens a server state on `dir` with `config` (used to restart on the same data).
    pub async fn open(dir: tempfile::TempDir, config: Config) -> TestApp {
        let clock = Arc::new(ManualClock::new(NOW));
        let state = AppState::open(config, clock.clone()).await.unwrap();
        TestApp {
            router: app(state.clone()),
            state,
            clock,
            dir,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(&v).unwrap())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.request(Method::POST, path, token, body).await
    }

    /// Signs in through the API.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/auth/login",
                None,
                Some(serde_json::json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        r.json["access_token"].as_str().unwrap().to_string()
    }

    /// A token minted at the clock's current time, without the rate-limited login.
    pub fn token(&self, who: Who) -> String {
        let user = who.user();
        self.state
            .keys
            .issue(&user, self.clock_now(), Duration::hours(1))
            .unwrap()
            .0
    }

    pub fn clock_now(&self) -> OffsetDateTime {
        use teleconsult_server::clock::Clock;
        self.clock.now()
    }

    /// The doctor lets the patient of appointment `id` in from the waiting room.
    pub async fn admit(&self, id: i64) {
        let r = self
            .post(
                &format!("/api/appointments/{id}/admit"),
                Some(&self.token(Who::Doctor)),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    }

    /// The id of the demo appointment with `reason`, seen by `who`.
    pub async fn appointment_id(&self, who: Who, reason: &str) -> i64 {
        let r = self.get("/api/appointments", Some(&self.token(who))).await;
        r.json["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["reason"] == reason)
            .unwrap_or_else(|| panic!("no appointment {reason:?} for {who:?}"))["id"]
            .as_i64()
            .unwrap()
    }
}

/// The demo accounts (ids in seeding order).
#[derive(Debug, Clone, Copy)]
pub enum Who {
    Doctor,
    Adib,
    Nadia,
}

impl Who {
    pub fn user(self) -> User {
        match self {
            Who::Doctor => User {
                id: 1,
                name: "Dr. Amina Rahman".into(),
                role: Role::Doctor,
            },
            Who::Adib => User {
                id: 2,
                name: "Adib Hossain".into(),
                role: Role::Patient,
            },
            Who::Nadia => User {
                id: 3,
                name: "Nadia Karim".into(),
                role: Role::Patient,
            },
        }
    }
}

/// Demo appointment notes (see `demo.rs`).
pub const OPEN_NOW: &str = "Follow-up on blood pressure";
pub const LATER_TODAY: &str = "Test results";
pub const REQUESTED: &str = "Persistent cough";
pub const CANCELLED: &str = "Skin rash";
pub const NADIA_SOON: &str = "Headaches";
