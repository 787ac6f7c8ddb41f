//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations and the shared
//! wire types, served at `GET /api/openapi.json`.

use axum::{routing::get, Json, Router};
use utoipa::{
    openapi::{
        path::{Operation, ParameterIn},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, Ref, RefOr, Response, ResponseBuilder,
    },
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
        crate::sessions::refresh,
        crate::sessions::logout,
        crate::users::doctors,
        crate::appointments::list,
        crate::appointments::create,
        crate::appointments::confirm,
        crate::appointments::cancel,
        crate::appointments::complete,
        crate::appointments::join,
        crate::admission::admit,
        crate::appointments::call_log,
        crate::audit::access_log,
        crate::rooms::status,
        crate::connectivity::connectivity,
        crate::webhooks::receive,
    ),
    modifiers(&BearerAuth, &CommonErrors),
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

/// The errors every operation of a kind can answer, added where the handler's own list lacks
/// them, so the contract lists every status the server can send (schemathesis
/// `status_code_conformance`):
/// - signed-in operations: 401 `unauthorized`, `invalid_token` or `token_expired`;
/// - operations with path parameters: 400 `invalid_path`;
/// - operations with query parameters: 400 `invalid_query`;
/// - operations with a JSON body: 400 `invalid_json`, 413 `payload_too_large` (over 64 KiB),
///   415 `unsupported_media_type` (no `Content-Type: application/json`).
struct CommonErrors;

impl CommonErrors {
    fn add(op: &mut Operation, status: &str, text: &str) {
        let entry = op
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("")
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build(),
                )
            });
        if let RefOr::T(Response { description, .. }) = entry {
            if !description.contains(text) {
                if !description.is_empty() {
                    description.push_str("; ");
                }
                description.push_str(text);
            }
        }
    }
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let params = op.parameters.clone().unwrap_or_default();
                let has = |at: ParameterIn| {
                    params.iter().any(|p| {
                        std::mem::discriminant(&p.parameter_in) == std::mem::discriminant(&at)
                    })
                };
                if secured {
                    Self::add(
                        op,
                        "401",
                        "`unauthorized`, `invalid_token` or `token_expired`: no valid access token",
                    );
                }
                if has(ParameterIn::Path) {
                    Self::add(
                        op,
                        "400",
                        "`invalid_path`: a path parameter of the wrong type",
                    );
                }
                if has(ParameterIn::Query) {
                    Self::add(
                        op,
                        "400",
                        "`invalid_query`: a query parameter missing or unreadable",
                    );
                }
                if op.request_body.is_some() {
                    Self::add(
                        op,
                        "400",
                        "`invalid_json`: the body is not the documented JSON",
                    );
                    Self::add(op, "413", "`payload_too_large`: the body is over 64 KiB");
                    Self::add(
                        op,
                        "415",
                        "`unsupported_media_type`: the body is not sent as `application/json`",
                    );
                }
            }
        }
    }
}

/// Routes: `GET /openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
