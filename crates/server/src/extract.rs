//! Extractors whose rejections use the API's JSON error shape instead of axum's plain text.

use axum::{
    extract::{
        rejection::{JsonRejection, PathRejection, QueryRejection},
        FromRequest, FromRequestParts, Request,
    },
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A JSON body. Malformed JSON or wrong types → 400 `invalid_json`; a missing
/// `Content-Type: application/json` → 415 `unsupported_media_type`; a body over the limit →
/// 413 `payload_too_large`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> AppError {
    let status = r.status();
    let code = match &r {
        JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
        _ if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        _ => "invalid_json",
    };
    let status = if code == "invalid_json" {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        status
    };
    AppError::new(status, code, r.body_text())
}

/// Path parameters. A value of the wrong type (`/api/appointments/abc`) → 400 `invalid_path`.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|r: PathRejection| {
                AppError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "invalid_path",
                    r.body_text(),
                )
            })
    }
}

/// Query parameters. Wrong or missing values → 400 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|r: QueryRejection| {
                AppError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "invalid_query",
                    r.body_text(),
                )
            })
    }
}
