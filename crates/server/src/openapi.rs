//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations and the shared
//! wire types, served at `GET /api/openapi.json`.

use axum::{routing::get, Json, Router};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::AppState;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Teleconsult API",
        description = "The contract between the Teleconsult app and its backend. Errors always have the shape {\"error\": {\"code\", \"message\", …}}. Times are RFC 3339 in UTC.",
    ),
    paths(
        crate::auth::login,
        crate::auth::me,
        crate::users::doctors,
        crate::appointments::list,
        crate::appointments::create,
        crate::appointments::confirm,
        crate::appointments::cancel,
        crate::appointments::complete,
        crate::appointments::join,
        crate::appointments::call_log,
        crate::audit::access_log,
        crate::rooms::status,
        crate::connectivity::connectivity,
        crate::webhooks::receive,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in and the current account"),
        (name = "accounts", description = "Other accounts"),
        (name = "appointments", description = "Appointments, joining and the call log"),
        (name = "rooms", description = "Who is in the consultation rooms"),
        (name = "calls", description = "What the pre-call check tests"),
        (name = "livekit", description = "LiveKit's webhooks (the call log of LiveKit consultations)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Routes: `GET /openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
