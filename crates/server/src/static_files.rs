//! Serving the built app (`dist/`): files, the SPA fallback and caching rules.
//!
//! Caching: Trunk names the wasm, JS and CSS with a content hash (`teleconsult-web-<hex hash>.js`, up to 16 digits),
//! so those are cached for a year as `immutable`; everything else — `index.html`, `config.json`,
//! and deep links that fall back to `index.html` — is `no-cache`, so a deploy or a config change
//! is seen on the next load.
//!
//! Content-Security-Policy: every HTML answer carries the app's policy (`crate::csp`), with the
//! hash of `index.html`'s inline bootstrap as it is on disk now.
//!
//! Compression: the build writes brotli and gzip copies of the assets (`<file>.br`, `<file>.gz`),
//! served by `Accept-Encoding` with `Content-Encoding` and `Vary: accept-encoding`; the dynamic
//! compression layer skips responses that are already encoded.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue, StatusCode, Uri},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

use crate::csp::CspSettings;

/// `Cache-Control` for content-hashed assets: one year, never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else: always revalidate.
pub const NO_CACHE: &str = "no-cache";

/// A router that serves `dist` with the SPA fallback: a path whose last segment has no file
/// extension (a client-side route such as `/doctor` or `/consultation/12`) gets `index.html`;
/// a missing file (`/missing.js`) is a 404. HTML answers carry the policy of `csp`.
pub fn router(dist: PathBuf, csp: CspSettings) -> Router {
    let policy = Arc::new((dist.clone(), csp));
    let fallback = {
        let dist = dist.clone();
        move |uri: Uri| spa_fallback(page_for(&dist, uri.path()), uri)
    };
    let files = ServeDir::new(&dist)
        .append_index_html_on_directories(true)
        // `<file>.br` / `<file>.gz` written at build time (scripts/trunk-post-build.mjs).
        .precompressed_br()
        .precompressed_gzip()
        .fallback(axum::handler::HandlerWithoutStateExt::into_service(
            fallback,
        ));
    let mut router = Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_control))
        .layer(axum::middleware::from_fn_with_state(
            policy,
            content_security_policy,
        ));
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    router
}

/// Headers on every page and asset: the app must not be framed by another site (clickjacking a
/// consultation), content types are not sniffed, no referrer leaves the app, and only this origin
/// may use the camera, microphone and screen capture.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
    ),
];

/// The page of the built app that serves `path`: `consultation.html` for `/consultation/…` and
/// `/check` when the build has it (the consultation and the pre-call check are a half of the app
/// of their own, issue 13), the `.html` file itself when asked by name, else `index.html`.
pub fn page_for(dist: &Path, path: &str) -> PathBuf {
    let named = path
        .strip_prefix('/')
        .filter(|p| p.ends_with(".html") && !p.contains('/') && !p.contains(".."));
    let page = match named {
        Some(file) => file,
        None if path.starts_with("/consultation/") || path.split('?').next() == Some("/check") => {
            "consultation.html"
        }
        None => "index.html",
    };
    let candidate = dist.join(page);
    if candidate.is_file() {
        candidate
    } else {
        dist.join("index.html")
    }
}

async fn spa_fallback(index: PathBuf, uri: Uri) -> Response {
    let last = uri.path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    match tokio::fs::read(&index).await {
        Ok(html) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Body::from(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(path = %index.display(), error = %e, "index.html is missing");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "The web app has not been built: {} is missing. Run ./scripts/run.sh, or set \
                     TELECONSULT_DIST_DIR to the folder produced by `trunk build --release`.",
                    index.display()
                ),
            )
                .into_response()
        }
    }
}

/// Whether a request path names a content-hashed Trunk asset (`name-<hex>.ext`). Trunk writes its
/// 64-bit hash in hex without zero padding, so the hash has up to 16 digits (15 in one build out of
/// 16); 8 to 16 are accepted.
pub fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = file.split_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => {
            (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

async fn cache_control(req: Request, next: Next) -> Response {
    let immutable = is_hashed_asset(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        let value = if immutable { IMMUTABLE } else { NO_CACHE };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        // The body depends on Accept-Encoding (precompressed copies): caches must key on it.
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// Adds the Content-Security-Policy to HTML answers, hashing `index.html` as it is now (a
/// rebuilt app is covered without a restart; the file is a few KB).
async fn content_security_policy(
    State(policy): State<Arc<(PathBuf, CspSettings)>>,
    req: Request,
    next: Next,
) -> Response {
    let (dist, csp) = &*policy;
    let index = page_for(dist, req.uri().path());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        let page = tokio::fs::read_to_string(&index).await.unwrap_or_default();
        let value = csp.policy(&page);
        if let Ok(value) = HeaderValue::from_str(&value) {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    res
}

/// Whether `dist` holds a built app; used to warn at start-up.
pub fn is_built(dist: &Path) -> bool {
    dist.join("index.html").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("/teleconsult-web-0123456789abcdef.js"));
        assert!(is_hashed_asset("/teleconsult-web-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("/main-fedcba9876543210.css"));
        // A hash whose top digit is 0 loses it: Trunk does not pad.
        assert!(is_hashed_asset("/teleconsult-web-a804fd55a15642e_bg.wasm"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/config.json"));
        assert!(!is_hashed_asset("/doctor"));
        assert!(!is_hashed_asset("/teleconsult-web-xyz.js"));
    }
}
