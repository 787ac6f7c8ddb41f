//! Accounts visible to others: the doctors a patient can book.

use axum::{extract::State, routing::get, Json, Router};
use teleconsult_core::api::Party;

use crate::{
    auth::AuthUser,
    error::{AppError, ErrorBody},
    AppState,
};

/// Routes: `GET /doctors`.
pub fn router() -> Router<AppState> {
    Router::new().route("/doctors", get(doctors))
}

/// The clinic's doctors, by name.
#[utoipa::path(
    get, path = "/api/doctors", tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Doctors, by name", body = Vec<Party>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn doctors(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<Party>>, AppError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM users WHERE role = 'doctor' ORDER BY name")
            .fetch_all(&state.db)
            .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, name)| Party { id, name })
            .collect(),
    ))
}
