//! The app's `Content-Security-Policy`, sent by the server that serves it.
//!
//! The standard defence against script injection (the access token lives in browser storage, so
//! one injected script is a stolen session): only this origin's scripts run, plus the page's own
//! inline `<script>`s (the bootstrap Trunk writes into each page, and the small scripts that ask
//! for the reader's catalogue and, on `consultation.html`, a remembered provider's SDK with the
//! page), each allowed by its SHA-256 hash; WebAssembly
//! may be compiled (`'wasm-unsafe-eval'`, not `'unsafe-eval'`); no inline styles, no plugins, no
//! framing; connections only to this origin and to the media server the clinic configured.
//!
//! The hashes are taken from the page as it is on disk when it is served, so a rebuilt app is
//! covered without a restart. A deployment that serves the app from a CDN must send the same
//! header from there (README, "Security and privacy").

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::config::{Config, Provider};

/// Where Twilio Video's SDK connects (signaling `wss://global.vss.twilio.com`, its REST and
/// insights endpoints under `twilio.com`).
pub const TWILIO_CONNECT_SOURCES: [&str; 2] = ["https://*.twilio.com", "wss://*.twilio.com"];

/// The sources a page may connect to besides its own origin, from the configuration: for a
/// LiveKit clinic its server's origin as a WebSocket and over HTTP(S) (the SDK asks
/// `/rtc/validate` when a connection fails), for a Twilio clinic Twilio's domains. A P2P clinic's
/// API and signaling hub are this origin.
pub fn connect_sources(config: &Config) -> Vec<String> {
    match config.provider {
        Provider::P2p => Vec::new(),
        Provider::Livekit => config
            .livekit_url
            .as_deref()
            .and_then(origin)
            .map(|(scheme, host)| {
                let http = if scheme == "wss" || scheme == "https" {
                    "https"
                } else {
                    "http"
                };
                let ws = if http == "https" { "wss" } else { "ws" };
                vec![format!("{ws}://{host}"), format!("{http}://{host}")]
            })
            .unwrap_or_default(),
        Provider::Twilio => TWILIO_CONNECT_SOURCES.map(str::to_string).to_vec(),
    }
}

/// What the policy allows beyond this origin, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct CspSettings {
    /// Extra `connect-src` sources ([`connect_sources`]).
    pub connect: Vec<String>,
    /// `'unsafe-eval'`: only for a Twilio clinic (see [`policy`]).
    pub unsafe_eval: bool,
}

impl CspSettings {
    /// The settings for `config`'s provider.
    pub fn for_config(config: &Config) -> CspSettings {
        CspSettings {
            connect: connect_sources(config),
            unsafe_eval: config.provider == Provider::Twilio,
        }
    }

    /// The policy for a page whose `index.html` is `html` ([`policy`]).
    pub fn policy(&self, html: &str) -> String {
        policy(html, &self.connect, self.unsafe_eval)
    }
}

/// `(scheme, host[:port])` of an absolute URL; `None` for anything else.
fn origin(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && !scheme.is_empty()).then_some((scheme, host))
}

/// `'sha256-…'` of every inline `<script>` (one without `src`) of `html`, hashing the text
/// between the tags exactly as the browser does (CSP Level 3, "script-src hash").
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close + "</script>".len()..];
    }
    hashes
}

/// The policy for a page whose `index.html` is `html`, allowing connections to `connect` beyond
/// this origin. `unsafe_eval`: only for the Twilio SDK, which builds a function from a string
/// when it loads (twilio-video 2.36.0's dynamic-import helper; measured: without it the SDK
/// does not load).
pub fn policy(html: &str, connect: &[String], unsafe_eval: bool) -> String {
    let mut script = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    if unsafe_eval {
        script.push("'unsafe-eval'".to_string());
    }
    script.extend(inline_script_hashes(html));
    let mut connect_src = vec!["'self'".to_string()];
    connect_src.extend(connect.iter().cloned());
    [
        "default-src 'self'".to_string(),
        format!("script-src {}", script.join(" ")),
        "style-src 'self'".to_string(),
        "img-src 'self' data: blob:".to_string(),
        "media-src 'self' blob: mediastream:".to_string(),
        "font-src 'self'".to_string(),
        format!("connect-src {}", connect_src.join(" ")),
        "worker-src 'self' blob:".to_string(),
        "object-src 'none'".to_string(),
        "base-uri 'self'".to_string(),
        "form-action 'self'".to_string(),
        "frame-ancestors 'none'".to_string(),
    ]
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "<html><head>\n<script type=\"module\">\nimport init from '/app-1.js';\nawait init();\n</script>\n<script src=\"/x.js\"></script><link rel=\"modulepreload\" href=\"/a.js\"></head></html>";

    #[test]
    fn the_inline_bootstrap_is_allowed_by_its_hash_and_nothing_else_inline() {
        let hashes = inline_script_hashes(INDEX);
        assert_eq!(hashes.len(), 1, "the src= script is not hashed");
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(
            "\nimport init from '/app-1.js';\nawait init();\n".as_bytes(),
        ));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        let p = policy(INDEX, &[], false);
        assert!(p.contains(&hashes[0]));
        assert!(p.contains("'wasm-unsafe-eval'"));
        assert!(!p.contains("'unsafe-inline'"));
        assert!(!p.contains("'unsafe-eval'"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(p.contains("object-src 'none'"));
    }

    #[test]
    fn a_changed_bootstrap_gets_another_hash() {
        let other = INDEX.replace("app-1", "app-2");
        assert_ne!(inline_script_hashes(INDEX), inline_script_hashes(&other));
    }

    #[test]
    fn unterminated_or_empty_documents_give_no_hashes_and_no_panic() {
        assert!(inline_script_hashes("").is_empty());
        assert!(inline_script_hashes("<script>never closed").is_empty());
        assert!(inline_script_hashes("<script").is_empty());
    }

    #[test]
    fn connections_follow_the_configured_provider() {
        use clap::Parser;
        let config = |args: &[&str]| {
            Config::try_parse_from(
                std::iter::once("teleconsult-server").chain(args.iter().copied()),
            )
            .unwrap()
        };
        assert!(connect_sources(&config(&[])).is_empty());
        assert_eq!(
            connect_sources(&config(&[
                "--provider",
                "livekit",
                "--livekit-url",
                "wss://lk.example.org/"
            ])),
            vec!["wss://lk.example.org", "https://lk.example.org"]
        );
        assert_eq!(
            connect_sources(&config(&[
                "--provider",
                "livekit",
                "--livekit-url",
                "ws://127.0.0.1:7880"
            ])),
            vec!["ws://127.0.0.1:7880", "http://127.0.0.1:7880"]
        );
        assert_eq!(
            connect_sources(&config(&["--provider", "twilio"])),
            vec!["https://*.twilio.com", "wss://*.twilio.com"]
        );
    }

    #[test]
    fn origins_are_read_from_urls() {
        assert_eq!(
            origin("wss://lk.example.org/rtc?x=1"),
            Some(("wss", "lk.example.org"))
        );
        assert_eq!(
            origin("ws://127.0.0.1:7880"),
            Some(("ws", "127.0.0.1:7880"))
        );
        assert_eq!(origin("not a url"), None);
        assert_eq!(origin("ws://"), None);
    }
}
