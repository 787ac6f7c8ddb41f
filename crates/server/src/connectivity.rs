//! `GET /api/connectivity`: what the app's pre-call check tests the network against — the
//! signaling URL and ICE servers of a P2P call, or the video service of an SFU clinic.

use axum::{extract::State, routing::get, Json, Router};
use teleconsult_core::api::{ConnectivityInfo, ProviderKind};

use crate::{
    auth::AuthUser,
    config::Provider,
    error::{AppError, ErrorBody},
    turn, AppState,
};

/// Twilio's signaling gateway, the service seed 004's blocked WebSocket went to.
const TWILIO_SIGNALING_URL: &str = "https://global.vss.twilio.com/signaling";

/// Routes: `GET /connectivity`.
pub fn router() -> Router<AppState> {
    Router::new().route("/connectivity", get(connectivity))
}

/// What the pre-call check should test: the same paths this clinic's consultations use. TURN
/// credentials are minted for the caller as for a join. A dashboard with a consultation near
/// reads its `provider` to fetch that provider's SDK ahead.
#[utoipa::path(
    get, path = "/api/connectivity", tag = "calls",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The paths a consultation of this clinic uses", body = ConnectivityInfo),
        (status = 401, description = "`unauthorized`, `invalid_token` or `token_expired`", body = ErrorBody),
    )
)]
pub async fn connectivity(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ConnectivityInfo>, AppError> {
    let config = &state.config;
    let info = match config.provider {
        Provider::P2p => ConnectivityInfo {
            provider: ProviderKind::P2p,
            signaling_url: Some(config.signaling_url.clone()),
            ice_servers: turn::ice_servers(config, &user.identity(), state.clock.now()),
            media_server_url: None,
        },
        Provider::Livekit => ConnectivityInfo {
            provider: ProviderKind::Livekit,
            signaling_url: None,
            ice_servers: Vec::new(),
            media_server_url: state.livekit.as_ref().map(|lk| lk.http_url()),
        },
        Provider::Twilio => ConnectivityInfo {
            provider: ProviderKind::Twilio,
            signaling_url: None,
            ice_servers: Vec::new(),
            media_server_url: Some(TWILIO_SIGNALING_URL.to_string()),
        },
    };
    Ok(Json(info))
}
