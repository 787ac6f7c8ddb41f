//! The one error type of the HTTP API and its JSON shape.
//!
//! Every error the API returns has the body
//! `{"error": {"code": "too_early", "message": "…", "opens_at": "2026-11-21T13:30:00Z"}}`:
//! `code` is stable and machine-readable, `message` is for people, and some codes carry extra
//! fields (documented with the endpoint). Bad input is a 4xx in this shape, never a 500.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::{Map, Value};

/// An API error: an HTTP status, a stable code, a human message and optional extra fields.
#[derive(Debug, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct AppError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// Stable, machine-readable code (`snake_case`), e.g. `not_found`.
    pub code: &'static str,
    /// Plain-language explanation.
    pub message: String,
    /// Extra members of the `error` object (e.g. `opens_at` for `too_early`).
    pub details: Map<String, Value>,
}

impl AppError {
    /// An error with no extra fields.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    /// Adds the members of `details` (an object) to the `error` object.
    pub fn with_details(mut self, details: impl Serialize) -> AppError {
        if let Ok(Value::Object(map)) = serde_json::to_value(details) {
            for (k, v) in map {
                if k != "code" && k != "message" {
                    self.details.insert(k, v);
                }
            }
        }
        self
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401 with `code` (`unauthorized`, `invalid_token`, `token_expired`, `invalid_credentials`).
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409 `conflict`-family error with `code`.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 `invalid_input`.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
    }

    /// 500 `internal`: the cause goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %cause, "internal error");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The server had a problem. Please try again; if it keeps happening, contact the clinic.",
        )
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> AppError {
        AppError::internal(format!("database: {e}"))
    }
}

impl From<redis::RedisError> for AppError {
    fn from(e: redis::RedisError) -> AppError {
        tracing::error!(error = %e, "redis");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The service is briefly unavailable. Please try again in a moment.",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("code".into(), Value::from(self.code));
        error.insert("message".into(), Value::from(self.message));
        error.extend(self.details);
        let mut res = (self.status, Json(serde_json::json!({ "error": error }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"teleconsult\""),
            );
        }
        res
    }
}

/// The JSON body of every API error and its `error` member: one definition, shared with the app
/// (`teleconsult_core::api`), so the client cannot read a shape the server does not write.
pub use teleconsult_core::api::{ErrorBody, ErrorDetail};
