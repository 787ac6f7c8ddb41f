//! Server configuration: every setting is a flag and a `TELECONSULT_`-prefixed environment
//! variable, read in this one place. The README's configuration table mirrors this file.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use clap::{Parser, Subcommand, ValueEnum};

/// A secret setting. Its `Debug` and `Display` never show the value, so configuration can be
/// logged safely.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret's value, for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl FromStr for Secret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            Err("must not be empty".into())
        } else {
            Ok(Secret(s.to_string()))
        }
    }
}

/// Which media path the join endpoint hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// Peer to peer: the app connects through this server's signaling hub (`/api/signal`).
    P2p,
    /// A LiveKit SFU: the app gets a LiveKit URL and an access token.
    Livekit,
    /// Twilio Video (Twilio's cloud): the app gets a Twilio Access Token with a video grant.
    Twilio,
}

/// Settings of the reference server.
/// What to do instead of serving.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Writes a consistent copy of the database in the data folder to FILE, also while a server
    /// runs on it (SQLite `VACUUM INTO`), and exits. Restore: stop the server and put the copy
    /// in place of `<data dir>/teleconsult.sqlite3` (with the folder's secrets alongside).
    /// PostgreSQL is backed up with its own tools (`pg_dump`, point-in-time recovery).
    Backup {
        /// The new file to write; must not exist.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Parser)]
#[command(name = "teleconsult-server", version, about)]
pub struct Config {
    /// Without a command, the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on (host:port). Loopback by default: put a TLS-terminating proxy in
    /// front to expose it.
    #[arg(long, env = "TELECONSULT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Folder for the SQLite database and generated secrets; created if missing.
    #[arg(long, env = "TELECONSULT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// The database: `postgres://user:password@host/db` for several instances on one PostgreSQL,
    /// or `sqlite://path`. Unset: the SQLite file `<data dir>/teleconsult.sqlite3`. Each engine
    /// has its own migrations, applied at start.
    #[arg(long, env = "TELECONSULT_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// Redis shared by several instances (`redis://[:password@]host:port[/db]`): signaling frames
    /// between participants on different instances travel over its pub/sub, room presence and
    /// waiting rooms live in it with a TTL their instance refreshes, and the sign-in limits are
    /// counted in it. Unset: all of that stays in this process (one instance).
    #[arg(long, env = "TELECONSULT_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret>,

    /// Prefix of every Redis key and channel of this deployment, so that several may share one
    /// Redis.
    #[arg(long, env = "TELECONSULT_REDIS_PREFIX", default_value = "tc:")]
    pub redis_prefix: String,

    /// Folder of the built app (Trunk's `dist/`), served with index.html as the SPA fallback.
    #[arg(long, env = "TELECONSULT_DIST_DIR", default_value = "./dist")]
    pub dist_dir: PathBuf,

    /// Seed the demo clinic (one doctor, two patients, appointments around now) at start-up.
    /// Idempotent: the demo appointments are put back in their demo state on every start.
    #[arg(long, env = "TELECONSULT_DEMO")]
    pub demo: bool,

    /// HS256 secret for access tokens. If unset, one is generated once and kept in
    /// `<data dir>/jwt-secret`.
    #[arg(long, env = "TELECONSULT_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Lifetime of access tokens, in seconds (20–3600). The app refreshes them before they end.
    #[arg(long, env = "TELECONSULT_TOKEN_TTL_SECS", default_value_t = 900,
          value_parser = clap::value_parser!(u32).range(20..=3600))]
    pub token_ttl_secs: u32,

    /// Lifetime of a session from sign-in, in seconds (60 s to 7 days; default 12 h, a clinic
    /// day): its refresh tokens rotate within it and never extend it.
    #[arg(long, env = "TELECONSULT_SESSION_TTL_SECS", default_value_t = 43_200,
          value_parser = clap::value_parser!(u32).range(60..=604_800))]
    pub session_ttl_secs: u32,

    /// A waiting room: patients who join are let in by the doctor's Admit (`true`, the default),
    /// or go straight into the consultation room (`false`).
    #[arg(long, env = "TELECONSULT_WAITING_ROOM", default_value_t = true,
          action = clap::ArgAction::Set)]
    pub waiting_room: bool,

    /// Media provider handed out by the join endpoint.
    #[arg(long, env = "TELECONSULT_PROVIDER", value_enum, default_value = "p2p")]
    pub provider: Provider,

    /// Signaling URL given to P2P clients: absolute (`wss://signal.clinic.example/api/signal`) or
    /// a path on the API's origin.
    #[arg(long, env = "TELECONSULT_SIGNALING_URL", default_value = "/api/signal")]
    pub signaling_url: String,

    /// STUN server URLs for P2P calls, comma-separated (e.g. `stun:stun.clinic.example:3478`).
    #[arg(long, env = "TELECONSULT_STUN_URLS", value_delimiter = ',')]
    pub stun_urls: Vec<String>,

    /// TURN server URLs for P2P calls, comma-separated (e.g. `turn:turn.clinic.example:3478?transport=udp`).
    #[arg(long, env = "TELECONSULT_TURN_URLS", value_delimiter = ',')]
    pub turn_urls: Vec<String>,

    /// Shared secret of the TURN server's REST API (coturn `static-auth-secret`): each join then
    /// carries short-lived TURN credentials.
    #[arg(long, env = "TELECONSULT_TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<Secret>,

    /// Lifetime of TURN credentials, in seconds.
    #[arg(long, env = "TELECONSULT_TURN_TTL_SECS", default_value_t = 3600,
          value_parser = clap::value_parser!(u32).range(60..=86_400))]
    pub turn_ttl_secs: u32,

    /// LiveKit server URL given to clients (`wss://…`); required with `--provider livekit`.
    #[arg(long, env = "TELECONSULT_LIVEKIT_URL")]
    pub livekit_url: Option<String>,

    /// LiveKit API key (the `iss` of the tokens); required with `--provider livekit`.
    #[arg(long, env = "TELECONSULT_LIVEKIT_API_KEY")]
    pub livekit_api_key: Option<String>,

    /// LiveKit API secret; required with `--provider livekit`.
    #[arg(long, env = "TELECONSULT_LIVEKIT_API_SECRET", hide_env_values = true)]
    pub livekit_api_secret: Option<Secret>,

    /// Turns on end-to-end encryption of LiveKit consultations (livekit-client's E2EE): each
    /// appointment's media key is HMAC-SHA256 of its room name with this secret, handed to its two
    /// participants with the join answer. The SFU never sees it. At least 32 characters; unset:
    /// off.
    #[arg(long, env = "TELECONSULT_LIVEKIT_E2EE_SECRET", hide_env_values = true)]
    pub livekit_e2ee_secret: Option<Secret>,

    /// Twilio account SID (`AC` + 32 hex digits, the `sub` of the tokens); required with
    /// `--provider twilio`.
    #[arg(long, env = "TELECONSULT_TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,

    /// Twilio API key SID (`SK` + 32 hex digits, the `iss` of the tokens and the user of the REST
    /// API); required with `--provider twilio`.
    #[arg(long, env = "TELECONSULT_TWILIO_API_KEY_SID")]
    pub twilio_api_key_sid: Option<String>,

    /// Twilio API key secret (signs the Access Tokens, authenticates the REST calls); required
    /// with `--provider twilio`.
    #[arg(
        long,
        env = "TELECONSULT_TWILIO_API_KEY_SECRET",
        hide_env_values = true
    )]
    pub twilio_api_key_secret: Option<Secret>,

    /// Base URL of Twilio's Video REST API (room status); tests point it at a local stand-in.
    #[arg(
        long,
        env = "TELECONSULT_TWILIO_API_BASE_URL",
        default_value = "https://video.twilio.com"
    )]
    pub twilio_api_base_url: String,

    /// Origins allowed to call the API from a browser when the app is served from elsewhere
    /// (e.g. a CDN), comma-separated: `https://app.clinic.example`. Empty: same origin only.
    #[arg(long, env = "TELECONSULT_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// How long a room-status answer from LiveKit or Twilio is reused, in milliseconds: many polling
    /// clients then cost at most one upstream call per room per interval.
    #[arg(long, env = "TELECONSULT_ROOM_STATUS_CACHE_MS", default_value_t = 2000)]
    pub room_status_cache_ms: u64,

    /// How long audit events are kept, in days; older ones are deleted at start and then daily.
    /// The default, 2190 days (6 years), is the retention HIPAA sets for required documentation
    /// (45 CFR 164.316(b)(2)(i)); a clinic's own law may ask for more.
    #[arg(
        long,
        env = "TELECONSULT_AUDIT_RETENTION_DAYS",
        default_value_t = 2190,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub audit_retention_days: u32,
}

impl Config {
    /// Checks combinations that flags alone cannot express.
    ///
    /// # Errors
    /// A sentence naming the missing or conflicting settings.
    pub fn validate(&self) -> Result<(), String> {
        if self.provider == Provider::Livekit {
            let missing: Vec<&str> = [
                ("TELECONSULT_LIVEKIT_URL", self.livekit_url.is_none()),
                (
                    "TELECONSULT_LIVEKIT_API_KEY",
                    self.livekit_api_key.is_none(),
                ),
                (
                    "TELECONSULT_LIVEKIT_API_SECRET",
                    self.livekit_api_secret.is_none(),
                ),
            ]
            .into_iter()
            .filter_map(|(name, absent)| absent.then_some(name))
            .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "provider livekit needs {} to be set",
                    missing.join(", ")
                ));
            }
            let url = self.livekit_url.as_deref().unwrap_or_default();
            if !(url.starts_with("wss://") || url.starts_with("ws://")) {
                return Err(format!(
                    "TELECONSULT_LIVEKIT_URL must start with wss:// (or ws:// for a local server), not {url:?}"
                ));
            }
        }
        if self.provider == Provider::Twilio {
            self.validate_twilio()?;
        }
        for origin in &self.cors_origins {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            if !host.is_some_and(|h| !h.is_empty() && !h.contains(['/', '*'])) {
                return Err(format!(
                    "TELECONSULT_CORS_ORIGINS entries must be origins like https://app.clinic.example (no path, no wildcard), not {origin:?}"
                ));
            }
        }
        if let Some(secret) = &self.livekit_e2ee_secret {
            if self.provider != Provider::Livekit {
                return Err(
                    "TELECONSULT_LIVEKIT_E2EE_SECRET is set but the provider is not livekit".into(),
                );
            }
            if secret.expose().chars().count() < 32 {
                return Err(
                    "TELECONSULT_LIVEKIT_E2EE_SECRET must be at least 32 characters".into(),
                );
            }
        }
        if let Some(url) = &self.database_url {
            crate::db::Engine::of(url.expose())?;
        }
        if let Some(url) = &self.redis_url {
            let u = url.expose();
            if !(u.starts_with("redis://") || u.starts_with("rediss://")) {
                return Err("TELECONSULT_REDIS_URL must start with redis:// or rediss://".into());
            }
        }
        if self.turn_secret.is_some() && self.turn_urls.is_empty() {
            return Err("TELECONSULT_TURN_SECRET is set but TELECONSULT_TURN_URLS is empty".into());
        }
        Ok(())
    }

    fn validate_twilio(&self) -> Result<(), String> {
        let missing: Vec<&str> = [
            (
                "TELECONSULT_TWILIO_ACCOUNT_SID",
                self.twilio_account_sid.is_none(),
            ),
            (
                "TELECONSULT_TWILIO_API_KEY_SID",
                self.twilio_api_key_sid.is_none(),
            ),
            (
                "TELECONSULT_TWILIO_API_KEY_SECRET",
                self.twilio_api_key_secret.is_none(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
        if !missing.is_empty() {
            return Err(format!(
                "provider twilio needs {} to be set",
                missing.join(", ")
            ));
        }
        // Twilio's SIDs: a two-letter type prefix and 32 hex digits (Twilio, "Glossary: SID").
        for (name, value, prefix) in [
            (
                "TELECONSULT_TWILIO_ACCOUNT_SID",
                &self.twilio_account_sid,
                "AC",
            ),
            (
                "TELECONSULT_TWILIO_API_KEY_SID",
                &self.twilio_api_key_sid,
                "SK",
            ),
        ] {
            let value = value.as_deref().unwrap_or_default();
            let well_formed = value.len() == 34
                && value.starts_with(prefix)
                && value[2..].chars().all(|c| c.is_ascii_hexdigit());
            if !well_formed {
                return Err(format!(
                    "{name} must be {prefix} followed by 32 hex digits (from the Twilio console), not {value:?}"
                ));
            }
        }
        let base = &self.twilio_api_base_url;
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(format!(
                "TELECONSULT_TWILIO_API_BASE_URL must be an http(s) URL, not {base:?}"
            ));
        }
        Ok(())
    }

    /// A configuration with every default and the given data and dist folders (for tests and tools).
    pub fn with_dirs(data_dir: PathBuf, dist_dir: PathBuf) -> Config {
        let mut c = Config::parse_from(["teleconsult-server"]);
        c.data_dir = data_dir;
        c.dist_dir = dist_dir;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_loopback_p2p_and_local_folders() {
        let c = Config::try_parse_from(["teleconsult-server"]).unwrap();
        assert_eq!(c.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.dist_dir, PathBuf::from("./dist"));
        assert_eq!(c.provider, Provider::P2p);
        assert!(!c.demo);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn flags_override_and_bad_values_are_rejected() {
        let c = Config::try_parse_from([
            "teleconsult-server",
            "--addr",
            "127.0.0.1:0",
            "--dist-dir",
            "/srv/app",
            "--stun-urls",
            "stun:a:3478,stun:b:3478",
        ])
        .unwrap();
        assert_eq!(c.addr.port(), 0);
        assert_eq!(c.dist_dir, PathBuf::from("/srv/app"));
        assert_eq!(c.stun_urls, vec!["stun:a:3478", "stun:b:3478"]);
        let err =
            Config::try_parse_from(["teleconsult-server", "--addr", "localhost"]).unwrap_err();
        assert!(err.to_string().contains("--addr"), "{err}");
        assert!(Config::try_parse_from(["x", "--token-ttl-secs", "7200"]).is_err());
    }

    #[test]
    fn livekit_needs_url_key_and_secret() {
        let c = Config::try_parse_from(["x", "--provider", "livekit"]).unwrap();
        let err = c.validate().unwrap_err();
        assert!(err.contains("TELECONSULT_LIVEKIT_API_SECRET"), "{err}");
        let c = Config::try_parse_from([
            "x",
            "--provider",
            "livekit",
            "--livekit-url",
            "https://lk.example",
            "--livekit-api-key",
            "k",
            "--livekit-api-secret",
            "s",
        ])
        .unwrap();
        assert!(c.validate().unwrap_err().contains("wss://"));
    }

    #[test]
    fn twilio_needs_well_formed_sids_and_a_secret() {
        let c = Config::try_parse_from(["x", "--provider", "twilio"]).unwrap();
        let err = c.validate().unwrap_err();
        assert!(err.contains("TELECONSULT_TWILIO_ACCOUNT_SID"), "{err}");
        assert!(err.contains("TELECONSULT_TWILIO_API_KEY_SECRET"), "{err}");
        let with = |account: &str, key: &str| {
            Config::try_parse_from([
                "x",
                "--provider",
                "twilio",
                "--twilio-account-sid",
                account,
                "--twilio-api-key-sid",
                key,
                "--twilio-api-key-secret",
                "twilio-secret-value",
            ])
            .unwrap()
        };
        let account = format!("AC{}", "0123456789abcdef".repeat(2));
        let key = format!("SK{}", "fedcba9876543210".repeat(2));
        assert!(with(&account, &key).validate().is_ok());
        let err = with(&key, &key).validate().unwrap_err();
        assert!(
            err.contains("TELECONSULT_TWILIO_ACCOUNT_SID must be AC"),
            "{err}"
        );
        let err = with(&account, "SK123").validate().unwrap_err();
        assert!(err.contains("TELECONSULT_TWILIO_API_KEY_SID"), "{err}");
        let debug = format!("{:?}", with(&account, &key));
        assert!(!debug.contains("twilio-secret-value"), "{debug}");
    }

    #[test]
    fn cors_origins_must_be_bare_origins() {
        let ok = Config::try_parse_from([
            "x",
            "--cors-origins",
            "https://app.clinic.example,http://localhost:8081",
        ])
        .unwrap();
        assert!(ok.validate().is_ok());
        for bad in [
            "*",
            "https://app.clinic.example/",
            "https://app.clinic.example/path",
            "app.clinic.example",
        ] {
            let c = Config::try_parse_from(["x", "--cors-origins", bad]).unwrap();
            assert!(c.validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = Config::try_parse_from(["x", "--jwt-secret", "hunter2-very-secret"]).unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(c.jwt_secret.unwrap().expose(), "hunter2-very-secret");
    }
}
