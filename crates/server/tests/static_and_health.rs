//! The static half of the server: SPA fallback, caching headers, compression, health, API 404s.

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    Router,
};
use std::sync::Arc;

use http_body_util::BodyExt;
use teleconsult_server::{app, clock::SystemClock, static_files::IMMUTABLE, AppState, Config};
use tower::ServiceExt;

const INDEX: &str = "<!doctype html><title>Teleconsult</title>";
const WASM: &str = "teleconsult-web-0123456789abcdef_bg.wasm";

async fn test_app(dist: &std::path::Path) -> Router {
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    std::fs::write(dist.join("config.json"), r#"{"apiBaseUrl":""}"#).unwrap();
    std::fs::write(dist.join(WASM), vec![0u8; 4096]).unwrap();
    app_with_dist(dist).await
}

async fn app_with_dist(dist: &std::path::Path) -> Router {
    let config = Config::with_dirs(dist.join("data"), dist.to_path_buf());
    app(AppState::open(config, Arc::new(SystemClock)).await.unwrap())
}

async fn get(
    app: &Router,
    path: &str,
    accept_encoding: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(path);
    if let Some(enc) = accept_encoding {
        req = req.header(header::ACCEPT_ENCODING, enc);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

fn cache_control(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn deep_links_fall_back_to_index_html_uncached() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    for path in [
        "/",
        "/doctor",
        "/patient",
        "/consultation/12",
        "/no/such/page",
    ] {
        let (status, headers, body) = get(&app, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, INDEX.as_bytes(), "{path}");
        assert_eq!(cache_control(&headers), "no-cache", "{path}");
        assert!(headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
}

#[tokio::test]
async fn the_consultation_and_the_check_are_served_by_their_own_page_with_its_own_script_hash() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    let call = "<!doctype html><title>Consultation</title><script>boot('call')</script>";
    std::fs::write(dir.path().join("consultation.html"), call).unwrap();
    for path in [
        "/consultation/12",
        "/consultation/12?role=doctor",
        "/consultation.html",
        "/check",
        "/check?role=patient",
    ] {
        let (status, headers, body) = get(&app, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, call.as_bytes(), "{path}");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        let hashes = teleconsult_server::csp::inline_script_hashes(call);
        assert!(csp.contains(&hashes[0]), "{path}: {csp}");
    }
    // Everything else is still the main app's.
    for path in [
        "/",
        "/doctor",
        "/consultation",
        "/login?next=/consultation/12",
        "/checkout",
        "/check/more",
    ] {
        let (_, _, body) = get(&app, path, None).await;
        assert_eq!(body, INDEX.as_bytes(), "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_config_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    let (status, headers, _) = get(&app, &format!("/{WASM}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cache_control(&headers),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");

    let (status, headers, body) = get(&app, "/config.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache_control(&headers), "no-cache");
    assert_eq!(body, br#"{"apiBaseUrl":""}"#);
}

#[tokio::test]
async fn missing_files_are_404_not_index_html() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    let (status, _, body) = get(&app, "/teleconsult-web-ffffffffffffffff.js", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_ne!(body, INDEX.as_bytes());
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    let (_, headers, body) = get(&app, &format!("/{WASM}"), Some("br")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert!(
        body.len() < 4096,
        "4 KiB of zeros compressed to {} bytes",
        body.len()
    );
    let (_, headers, _) = get(&app, &format!("/{WASM}"), Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn precompressed_copies_are_served_as_they_are_and_stay_immutable() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    // Marker bodies, so the test sees which file was sent (the build writes real brotli/gzip).
    std::fs::write(dir.path().join(format!("{WASM}.br")), b"brotli copy").unwrap();
    std::fs::write(dir.path().join(format!("{WASM}.gz")), b"gzip copy").unwrap();
    let path = format!("/{WASM}");
    let (status, headers, body) = get(&app, &path, Some("gzip, deflate, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, b"brotli copy", "sent as built, not compressed again");
    assert_eq!(cache_control(&headers), IMMUTABLE);
    assert!(headers[header::VARY]
        .to_str()
        .unwrap()
        .contains("accept-encoding"));
    let (_, headers, body) = get(&app, &path, Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, b"gzip copy");
    let (_, headers, body) = get(&app, &path, None).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body.len(), 4096);
}

#[tokio::test]
async fn healthz_answers_ok() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    let (status, _, body) = get(&app, "/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["status"], "ok");
}

#[tokio::test]
async fn unknown_api_paths_get_the_json_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    let (status, headers, body) = get(&app, "/api/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "not_found");
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/api/nope"));
}

#[tokio::test]
async fn unbuilt_app_answers_503_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_dist(&dir.path().join("missing")).await;
    let (status, _, body) = get(&app, "/doctor", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8(body).unwrap().contains("trunk build"));
}

#[tokio::test]
async fn strict_transport_security_only_behind_https() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    for (proto, expected) in [
        (Some("https"), Some("max-age=31536000")),
        (Some("http"), None),
        (None, None),
    ] {
        for path in ["/", "/api/openapi.json"] {
            let mut req = Request::builder().uri(path);
            if let Some(p) = proto {
                req = req.header("x-forwarded-proto", p);
            }
            let res = app
                .clone()
                .oneshot(req.body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(
                res.headers()
                    .get("strict-transport-security")
                    .map(|v| v.to_str().unwrap()),
                expected,
                "{path} via {proto:?}"
            );
        }
    }
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let app = test_app(dir.path()).await;
    for path in ["/", "/doctor", &format!("/{WASM}")] {
        let (_, headers, _) = get(&app, path, None).await;
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=(self)"));
    }
}
