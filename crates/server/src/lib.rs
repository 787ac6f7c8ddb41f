//! Teleconsult's reference server.
//!
//! [`app`] builds the whole HTTP surface as one axum [`Router`] so that tests drive it with
//! `tower::ServiceExt::oneshot` exactly as a client would: the JSON API under `/api`, `/healthz`,
//! and the built single-page app with its SPA fallback.

pub mod config;
pub mod error;
pub mod static_files;

use axum::{
    extract::OriginalUri, http::Method, response::IntoResponse, routing::get, Json, Router,
};
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

pub use config::Config;
pub use error::AppError;

/// Shared state of every request handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The configuration the server started with.
    pub config: Config,
}

/// The whole HTTP surface for `state`.
pub fn app(state: AppState) -> Router {
    let api = Router::new().fallback(api_not_found);
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", api)
        .merge(static_files::router(state.config.dist_dir.clone()))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// `GET /healthz`: 200 `{"status":"ok"}` while the server can answer.
async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn api_not_found(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::not_found(format!("No such API endpoint: {method} {}", uri.path()))
}
