//! Teleconsult's reference server.
//!
//! [`app`] builds the whole HTTP surface as one axum [`Router`] so that tests drive it with
//! `tower::ServiceExt::oneshot` exactly as a client would: the JSON API under `/api` (documented
//! at `/api/openapi.json`), `/healthz`, and the built single-page app with its SPA fallback.
//! [`AppState::open`] prepares everything a running server needs from its [`Config`].

pub mod admission;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod calls;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod connectivity;
pub mod csp;
pub mod db;
pub mod demo;
pub mod error;
pub mod extract;
pub mod livekit;
pub mod openapi;
pub mod presence;
pub mod room_cache;
pub mod rooms;
pub mod sessions;
pub mod signal;
pub mod static_files;
pub mod turn;
pub mod twilio;
pub mod users;
pub mod webhooks;

use std::sync::Arc;

use crate::db::Db;
use axum::http::{header, HeaderValue};
use axum::{
    extract::{DefaultBodyLimit, OriginalUri, State},
    http::Method,
    response::IntoResponse,
    routing::get,
    Json, Router,
};
use tower_http::{
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    trace::TraceLayer,
};

pub use config::Config;
pub use error::AppError;

use crate::{
    auth::{LoginLimiter, TokenKeys},
    clock::Clock,
    config::Provider,
    livekit::LiveKit,
    presence::Presence,
    twilio::Twilio,
};

/// Largest accepted API request body: 64 KiB (every request of the contract is far smaller).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Shared state of every request handler. Cloning is cheap (handles only).
#[derive(Clone)]
pub struct AppState {
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// The SQLite pool.
    pub db: Db,
    /// Access-token keys.
    pub keys: Arc<TokenKeys>,
    /// Source of "now".
    pub clock: Arc<dyn Clock>,
    /// Login rate limiter.
    pub login_limiter: Arc<LoginLimiter>,
    /// P2P room presence, written by the signaling hub.
    pub presence: Presence,
    /// Patients in waiting rooms, written by the join endpoint.
    pub waiting_rooms: admission::WaitingRooms,
    /// The LiveKit client, when the provider is LiveKit.
    pub livekit: Option<Arc<LiveKit>>,
    /// The Twilio client, when the provider is Twilio.
    pub twilio: Option<Arc<Twilio>>,
    /// The P2P signaling hub's live rooms (this instance's sockets).
    pub hub: Arc<signal::Hub>,
    /// Redis, when several instances share rooms, presence, waiting rooms and sign-in limits
    /// (`TELECONSULT_REDIS_URL`); `None`: this process alone.
    pub cluster: Option<cluster::Cluster>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is inconsistent.
    #[error("configuration: {0}")]
    Config(String),
    /// The data folder or a secret file cannot be used.
    #[error("data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database cannot be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Seeding the demo clinic failed.
    #[error("demo data: {0}")]
    Demo(AppError),
    /// The audit log's retention purge failed.
    #[error("audit log retention: {0}")]
    Audit(AppError),
    /// Redis (`TELECONSULT_REDIS_URL`) cannot be used.
    #[error("redis: {0}")]
    Redis(String),
}

impl AppState {
    /// Validates `config`, creates the data folder, opens and migrates the database, loads or
    /// creates the token secret, and seeds the demo clinic when asked.
    ///
    /// # Errors
    /// See [`StartError`].
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<AppState, StartError> {
        config.validate().map_err(StartError::Config)?;
        let data_err = |source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&config.data_dir).map_err(data_err)?;
        let db = db::open(&config.data_dir, config.database_url.as_ref()).await?;
        let secret = match &config.jwt_secret {
            Some(s) => s.expose().as_bytes().to_vec(),
            None => auth::load_or_create_secret(&config.data_dir).map_err(data_err)?,
        };
        audit::purge(&db, clock.now(), config.audit_retention_days)
            .await
            .map_err(StartError::Audit)?;
        if config.demo {
            demo::seed(&db, clock.now())
                .await
                .map_err(StartError::Demo)?;
        }
        let livekit = match (
            &config.livekit_url,
            &config.livekit_api_key,
            &config.livekit_api_secret,
        ) {
            (Some(url), Some(key), Some(secret)) => Some(Arc::new(LiveKit::new(
                url.clone(),
                key.clone(),
                secret.clone(),
                std::time::Duration::from_millis(config.room_status_cache_ms),
            ))),
            _ => None,
        };
        let twilio = match (
            config.provider,
            &config.twilio_account_sid,
            &config.twilio_api_key_sid,
            &config.twilio_api_key_secret,
        ) {
            (Provider::Twilio, Some(account), Some(key), Some(secret)) => {
                Some(Arc::new(Twilio::new(
                    account.clone(),
                    key.clone(),
                    secret.clone(),
                    config.twilio_api_base_url.clone(),
                    std::time::Duration::from_millis(config.room_status_cache_ms),
                )))
            }
            _ => None,
        };
        if config.redis_url.is_some() && config.jwt_secret.is_none() {
            tracing::warn!(
                "TELECONSULT_REDIS_URL is set but TELECONSULT_JWT_SECRET is not: each instance \
                 signs tokens with the secret of its own data folder, so a session started on one \
                 instance is refused by the others unless they share that folder"
            );
        }
        let (deliver, incoming) = tokio::sync::mpsc::unbounded_channel();
        let cluster = match &config.redis_url {
            Some(url) => Some(
                cluster::Cluster::connect(url, &config.redis_prefix, deliver)
                    .await
                    .map_err(StartError::Redis)?,
            ),
            None => None,
        };
        let state = AppState {
            config: Arc::new(config),
            db,
            keys: Arc::new(TokenKeys::from_secret(&secret)),
            clock,
            login_limiter: Arc::new(LoginLimiter::new(cluster.clone())),
            presence: Presence::default(),
            waiting_rooms: admission::WaitingRooms::new(cluster.clone()),
            livekit,
            twilio,
            hub: Arc::default(),
            cluster,
        };
        signal::cluster::spawn(state.clone(), incoming);
        Ok(state)
    }
}

/// The whole HTTP surface for `state`.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(auth::router())
        .merge(sessions::router())
        .merge(users::router())
        .merge(appointments::router())
        .merge(admission::router())
        .merge(audit::router())
        .merge(rooms::router())
        .merge(connectivity::router())
        .merge(openapi::router())
        .merge(signal::router())
        .merge(webhooks::router())
        .fallback(api_not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(&state.config.cors_origins));
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", api)
        .with_state(state.clone())
        .merge(static_files::router(
            state.config.dist_dir.clone(),
            csp::CspSettings::for_config(&state.config),
        ))
        .layer(axum::middleware::from_fn(strict_transport_security))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// `Strict-Transport-Security: max-age=31536000` (a year) on every answer to a request that
/// reached the TLS-terminating proxy over HTTPS (`X-Forwarded-Proto: https`): browsers then never
/// try the site over plain HTTP again. The reference server itself listens on loopback without
/// TLS; browsers ignore the header on plain HTTP (RFC 6797 §8.1), so a client that claims
/// `https` falsely gains nothing.
async fn strict_transport_security(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let https = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let mut res = next.run(req).await;
    if https {
        res.headers_mut().insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// CORS for an app served from another origin (a CDN): only the configured origins, only the
/// methods and headers the app uses, and `ETag` readable so conditional polling works.
/// Bearer tokens, not cookies, so credentials are not allowed.
fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG])
        .max_age(std::time::Duration::from_secs(3600))
}

/// `GET /healthz`: 200 `{"status":"ok"}` while the server can answer and reach its database.
async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

async fn api_not_found(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::not_found(format!("No such API endpoint: {method} {}", uri.path()))
}
