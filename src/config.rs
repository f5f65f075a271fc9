//! Settings: defaults, overridden by an optional TOML file, by `BREAKROOM_*` variables and flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::auth::oidc::ProviderConfig;
use crate::auth::providers::OidcOptions;
use crate::tls::TlsFiles;

/// Where the built web app is looked for when `web_dir` is not set.
pub const DEFAULT_WEB_DIR: &str = "client-sdk/web/dist";

/// `Strict-Transport-Security` max-age when `hsts_max_age_s` is not set: a year.
pub const DEFAULT_HSTS_MAX_AGE_S: u64 = 365 * 24 * 60 * 60;

/// How long a web session lives unused when `session_idle_s` is not set: 8 hours.
pub const DEFAULT_SESSION_IDLE_S: u64 = 8 * 60 * 60;

/// How long a web session lives at most when `session_max_s` is not set: 7 days.
pub const DEFAULT_SESSION_MAX_S: u64 = 7 * 24 * 60 * 60;

/// Every setting, each optional so that sources can be layered. The same struct is the
/// command-line flags (with their `BREAKROOM_*` variables) and the TOML file's keys.
#[derive(Debug, Clone, Default, clap::Args, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct Settings {
    /// Address to listen on [default: 127.0.0.1:7878]
    #[arg(long, env = "BREAKROOM_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Folder of the embedded SQLite store [default: ./breakroom-data]
    #[arg(long, env = "BREAKROOM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL; overrides --data-dir [default: sqlite://<data-dir>/breakroom.db]
    #[arg(long, env = "BREAKROOM_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Base URL for join links [default: http://<listen>]
    #[arg(long, env = "BREAKROOM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// API key that signs access tokens (the JWT issuer) [default: generated once and kept in
    /// <data-dir>/api-key.json]
    #[arg(long, env = "BREAKROOM_API_KEY")]
    pub api_key: Option<String>,
    /// Secret of the API key (HS256); at least 32 bytes
    #[arg(long, env = "BREAKROOM_API_SECRET", hide_env_values = true)]
    pub api_secret: Option<String>,
    /// Browser origins allowed to open WebSockets, comma-separated; same-origin is always allowed
    #[arg(long, env = "BREAKROOM_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Option<Vec<String>>,
    /// Most open connections in total [default: 10000]
    #[arg(long, env = "BREAKROOM_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Most open connections per user [default: 4]
    #[arg(long, env = "BREAKROOM_MAX_CONNECTIONS_PER_USER")]
    pub max_connections_per_user: Option<usize>,
    /// Most pose frames per second per connection [default: 30]
    #[arg(long, env = "BREAKROOM_POSE_HZ")]
    pub pose_hz: Option<u16>,
    /// Most score reports per second per connection [default: 5]
    #[arg(long, env = "BREAKROOM_SCORE_HZ")]
    pub score_hz: Option<u16>,
    /// Most control, join, leave and reaction messages per second per connection [default: 5]
    #[arg(long, env = "BREAKROOM_CONTROL_HZ")]
    pub control_hz: Option<u16>,
    /// Messages queued for a connection before it is closed as too slow [default: 1024]
    #[arg(long, env = "BREAKROOM_OUTBOX_MESSAGES")]
    pub outbox_messages: Option<usize>,
    /// Kernel send buffer per connection, in bytes; bounds what a stalled reader can hold in
    /// the kernel [default: the kernel's autotuning, up to net.ipv4.tcp_wmem]
    #[arg(long, env = "BREAKROOM_SEND_BUFFER_BYTES")]
    pub send_buffer_bytes: Option<usize>,
    /// Milliseconds a new socket has to send a valid hello [default: 5000]
    #[arg(long, env = "BREAKROOM_HELLO_TIMEOUT_MS")]
    pub hello_timeout_ms: Option<u64>,
    /// Cue lead time in milliseconds [default: 300]
    #[arg(long, env = "BREAKROOM_CUE_LEAD_MS")]
    pub cue_lead_ms: Option<u64>,
    /// Skeleton relay rate of every room, in Hz [default: 30]
    #[arg(long, env = "BREAKROOM_TICK_HZ")]
    pub tick_hz: Option<u32>,
    /// Seconds a dropped participant keeps their place [default: 60]
    #[arg(long, env = "BREAKROOM_GRACE_S")]
    pub grace_s: Option<u64>,
    /// Seconds an empty room lives on [default: 300]
    #[arg(long, env = "BREAKROOM_IDLE_CLOSE_S")]
    pub idle_close_s: Option<u64>,
    /// Lifetime of dev tokens and of `breakroom token` tokens, in seconds [default: 3600]
    #[arg(long, env = "BREAKROOM_TOKEN_TTL_S")]
    pub token_ttl_s: Option<u64>,
    /// Longest lifetime (`exp` - `iat`) of an access token the server accepts, in seconds
    /// [default: 86400]
    #[arg(long, env = "BREAKROOM_MAX_TOKEN_LIFETIME_S")]
    pub max_token_lifetime_s: Option<u64>,
    /// Seconds graceful shutdown may take [default: 10]
    #[arg(long, env = "BREAKROOM_SHUTDOWN_TIMEOUT_S")]
    pub shutdown_timeout_s: Option<u64>,
    /// Log format: `text` or `json` [default: text]
    #[arg(long, env = "BREAKROOM_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Folder of the built web app, served at `/` [default: client-sdk/web/dist]
    #[arg(long, env = "BREAKROOM_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Runtime worker threads; 1 runs everything on one thread [default: the CPUs this
    /// process may use]
    #[arg(long, env = "BREAKROOM_WORKERS")]
    pub workers: Option<usize>,
    /// PEM certificate chain (server certificate first): serve HTTPS and WSS. Needs --tls-key.
    /// Reloaded on SIGHUP and when the file changes
    // Not `requires = "tls_key"`: the key may come from the file; `Config::resolve` checks.
    #[arg(long, env = "BREAKROOM_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate: PKCS#8, RSA or EC (SEC1). Needs --tls-cert
    #[arg(long, env = "BREAKROOM_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// `Strict-Transport-Security: max-age` sent with every answer over TLS, in seconds; 0 tells
    /// browsers to forget an earlier one [default: 31536000, a year]
    #[arg(long, env = "BREAKROOM_HSTS_MAX_AGE_S")]
    pub hsts_max_age_s: Option<u64>,
    /// A TLS-terminating proxy is in front: no warning for plain HTTP on a non-loopback address
    #[arg(long, env = "BREAKROOM_BEHIND_PROXY", num_args = 0..=1, default_missing_value = "true")]
    pub behind_proxy: Option<bool>,
    /// Seconds a web session (the sign-in cookie) lives without being used [default: 28800,
    /// 8 hours]
    #[arg(long, env = "BREAKROOM_SESSION_IDLE_S")]
    pub session_idle_s: Option<u64>,
    /// Seconds a web session lives at most, however much it is used [default: 604800, 7 days]
    #[arg(long, env = "BREAKROOM_SESSION_MAX_S")]
    pub session_max_s: Option<u64>,
    /// Sign-in with OpenID Connect: `[[oidc.providers]]` tables, in the config file only (see
    /// the README, "Sign-in").
    #[arg(skip)]
    pub oidc: Option<OidcSettings>,
}

/// The `[oidc]` table of the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// The OpenID Providers people sign in with, in the order their buttons show.
    pub providers: Vec<ProviderConfig>,
    /// After a fetch of a provider's signing keys, a token naming an unknown key id causes
    /// no new fetch for this many seconds [default: 30]
    pub key_refetch_min_s: Option<u64>,
    /// Seconds between attempts to reach a provider that was unreachable at start
    /// [default: 30]
    pub discovery_retry_s: Option<u64>,
}

impl Settings {
    /// Reads a TOML file of settings.
    pub fn from_file(path: &Path) -> anyhow::Result<Settings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
    }

    /// Fills every unset field of `self` from `lower`.
    pub fn or(self, lower: Settings) -> Settings {
        macro_rules! pick {
            ($($f:ident),*) => { Settings { $($f: self.$f.or(lower.$f)),* } };
        }
        pick!(
            listen,
            data_dir,
            database_url,
            public_url,
            api_key,
            api_secret,
            allowed_origins,
            max_connections,
            max_connections_per_user,
            pose_hz,
            score_hz,
            control_hz,
            outbox_messages,
            send_buffer_bytes,
            hello_timeout_ms,
            cue_lead_ms,
            tick_hz,
            grace_s,
            idle_close_s,
            token_ttl_s,
            max_token_lifetime_s,
            shutdown_timeout_s,
            log_format,
            web_dir,
            workers,
            tls_cert,
            tls_key,
            hsts_max_age_s,
            behind_proxy,
            session_idle_s,
            session_max_s,
            oidc
        )
    }
}

/// The resolved configuration of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// SQLite or other database URL.
    pub database_url: String,
    /// Base URL for join links; `None` means derive from the bound address.
    pub public_url: Option<String>,
    /// API key (JWT issuer) and secret.
    pub api_key: String,
    /// Secret of the API key.
    pub api_secret: String,
    /// The data folder (where a generated API key is kept).
    pub data_dir: PathBuf,
    /// Extra allowed browser origins (`*` allows any).
    pub allowed_origins: Vec<String>,
    /// Whether development mode is on (guest tokens on loopback).
    pub dev: bool,
    /// Connection caps.
    pub max_connections: usize,
    /// Connection cap per user.
    pub max_connections_per_user: usize,
    /// Rate limits per connection.
    pub pose_hz: u16,
    /// Score reports per second.
    pub score_hz: u16,
    /// Control-like messages per second.
    pub control_hz: u16,
    /// Outbox bound per connection, in messages.
    pub outbox_messages: usize,
    /// Kernel send buffer per connection, if set.
    pub send_buffer_bytes: Option<usize>,
    /// Time to send hello.
    pub hello_timeout: Duration,
    /// Cue lead time.
    pub cue_lead: Duration,
    /// Relay tick rate.
    pub tick_hz: u32,
    /// Runtime worker threads (1: a single-threaded runtime).
    pub workers: usize,
    /// Reconnect grace.
    pub grace: Duration,
    /// Empty-room lifetime.
    pub idle_close: Duration,
    /// Token lifetime for minted tokens.
    pub token_ttl: Duration,
    /// Longest token lifetime accepted.
    pub max_token_lifetime: Duration,
    /// Bound on graceful shutdown.
    pub shutdown_timeout: Duration,
    /// JSON logs instead of text.
    pub json_logs: bool,
    /// Folder of the built web app (its `index.html` and assets).
    pub web_dir: PathBuf,
    /// Certificate and key: serve HTTPS and WSS. `None`: plain HTTP.
    pub tls: Option<TlsFiles>,
    /// `Strict-Transport-Security` max-age in seconds, sent over TLS only.
    pub hsts_max_age_s: u64,
    /// Whether a TLS-terminating proxy is in front (silences the plain-HTTP warning).
    pub behind_proxy: bool,
    /// A web session ends after this long unused.
    pub session_idle: Duration,
    /// A web session ends after this long, however much it is used.
    pub session_max: Duration,
    /// The OpenID Providers people sign in with, in the order their buttons show.
    pub providers: Vec<ProviderConfig>,
    /// Sign-in settings beside the providers.
    pub oidc: OidcOptions,
}

impl Config {
    /// Resolves settings into a configuration. Without an API key, the one kept in the data
    /// folder is used (generated on first run).
    pub fn resolve(s: Settings, dev: bool) -> anyhow::Result<Config> {
        let data_dir = s
            .data_dir
            .unwrap_or_else(|| PathBuf::from("./breakroom-data"));
        let database_url = match s.database_url {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(&data_dir)
                    .with_context(|| format!("creating data dir {}", data_dir.display()))?;
                format!("sqlite://{}/breakroom.db?mode=rwc", data_dir.display())
            }
        };
        let (api_key, api_secret) = match (s.api_key, s.api_secret) {
            (Some(k), Some(s)) => (k, s),
            (None, None) => {
                let generated = crate::auth::load_or_create_key(&data_dir)?;
                (generated.key, generated.secret)
            }
            _ => anyhow::bail!("set both BREAKROOM_API_KEY and BREAKROOM_API_SECRET, or neither"),
        };
        if api_secret.len() < 32 {
            anyhow::bail!("the API secret must be at least 32 bytes long");
        }
        let log_format = s.log_format.unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            anyhow::bail!("log format must be `text` or `json`, not `{log_format}`");
        }
        let tls = match (s.tls_cert, s.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => anyhow::bail!(
                "set both the TLS certificate and its key (--tls-cert and --tls-key), or neither"
            ),
        };
        let token_ttl = s.token_ttl_s.unwrap_or(3600);
        let max_token_lifetime = s
            .max_token_lifetime_s
            .unwrap_or(crate::auth::DEFAULT_MAX_LIFETIME_S);
        if token_ttl > max_token_lifetime {
            anyhow::bail!(
                "the token TTL ({token_ttl} s) is over the longest token lifetime accepted \
                 ({max_token_lifetime} s)"
            );
        }
        let session_idle = Duration::from_secs(s.session_idle_s.unwrap_or(DEFAULT_SESSION_IDLE_S));
        let session_max = Duration::from_secs(s.session_max_s.unwrap_or(DEFAULT_SESSION_MAX_S));
        if session_idle.is_zero() || session_max.is_zero() {
            anyhow::bail!("session_idle_s and session_max_s must be above 0");
        }
        let oidc_settings = s.oidc.unwrap_or_default();
        let mut oidc = OidcOptions::default();
        if let Some(s) = oidc_settings.key_refetch_min_s {
            oidc = oidc.with_key_refetch_interval(Duration::from_secs(s));
        }
        if let Some(s) = oidc_settings.discovery_retry_s {
            oidc.discovery_retry = Duration::from_secs(s.max(1));
        }
        let providers = oidc_settings.providers;
        for (i, p) in providers.iter().enumerate() {
            if p.id.is_empty()
                || !p
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                anyhow::bail!(
                    "provider id {:?}: use letters, digits, `-` and `_` (it is a URL path segment)",
                    p.id
                );
            }
            if providers[..i].iter().any(|q| q.id == p.id) {
                anyhow::bail!("two providers have the id {:?}", p.id);
            }
        }
        Ok(Config {
            listen: s
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 7878))),
            database_url,
            public_url: s.public_url,
            api_key,
            api_secret,
            data_dir,
            allowed_origins: s.allowed_origins.unwrap_or_default(),
            dev,
            max_connections: s.max_connections.unwrap_or(10_000).max(1),
            max_connections_per_user: s.max_connections_per_user.unwrap_or(4).max(1),
            pose_hz: s.pose_hz.unwrap_or(30),
            score_hz: s.score_hz.unwrap_or(5),
            control_hz: s.control_hz.unwrap_or(5),
            outbox_messages: s.outbox_messages.unwrap_or(1024).max(8),
            send_buffer_bytes: s.send_buffer_bytes,
            hello_timeout: Duration::from_millis(s.hello_timeout_ms.unwrap_or(5000)),
            cue_lead: Duration::from_millis(s.cue_lead_ms.unwrap_or(300)),
            tick_hz: s.tick_hz.unwrap_or(30).clamp(1, 60),
            workers: s
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
                .clamp(1, 1024),
            grace: Duration::from_secs(s.grace_s.unwrap_or(60)),
            idle_close: Duration::from_secs(s.idle_close_s.unwrap_or(300)),
            token_ttl: Duration::from_secs(token_ttl),
            max_token_lifetime: Duration::from_secs(max_token_lifetime),
            shutdown_timeout: Duration::from_secs(s.shutdown_timeout_s.unwrap_or(10)),
            json_logs: log_format == "json",
            web_dir: s.web_dir.unwrap_or_else(|| PathBuf::from(DEFAULT_WEB_DIR)),
            tls,
            hsts_max_age_s: s.hsts_max_age_s.unwrap_or(DEFAULT_HSTS_MAX_AGE_S),
            behind_proxy: s.behind_proxy.unwrap_or(false),
            session_idle,
            session_max,
            providers,
            oidc,
        })
    }
}
