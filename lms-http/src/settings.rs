//! Configuration from `LMS_*` environment variables, and the production safety checks.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lms_core::privacy::encryption::{BlindIndex, KeyRing};
#[cfg(feature = "sqlite")]
use lms_storage_sqlite::Durability;

use crate::app::Driver;

/// A secret value: usable by the program, never printed (`Debug` and `Display` redact it).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; only for handing to the code that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The deployment environment (`LMS_ENV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// A developer's machine: safe defaults for a one-command start.
    Development,
    /// A production-like environment.
    Staging,
    /// Production: unsafe settings refuse to start.
    Production,
}

impl Environment {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Self::Development),
            "staging" => Ok(Self::Staging),
            "production" | "prod" => Ok(Self::Production),
            other => Err(format!(
                "LMS_ENV must be development, staging or production, not {other:?}"
            )),
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Staging => "staging",
            Self::Production => "production",
        }
    }
}

/// Shortest JWT secret accepted in staging and production.
pub const MIN_PRODUCTION_SECRET_CHARS: usize = 32;

/// Requests per minute and per caller, and failed logins per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Budget of every caller: per user when authenticated, per client address otherwise.
    pub per_minute: u32,
    /// Budget for login, registration and password-reset attempts, per client address:
    /// generous, because a classroom behind one NAT address logs in at once.
    pub login_per_minute: u32,
    /// Failed logins an account may have per [`RateLimits::login_failure_window`], from
    /// any address; past it every login to the account is refused until the window ends.
    pub login_failures_per_account: u32,
    /// Failed logins an account may have from one client address per window; lower than
    /// the account's budget, so one address alone cannot lock the account everywhere.
    pub login_failures_per_account_address: u32,
    /// The window over which failed logins are counted (whole minutes).
    pub login_failure_window: Duration,
}

/// Everything the server needs to start, read from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on (`LMS_BIND`, default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// Storage URL (`LMS_DATABASE_URL`): `sqlite:…` (default `sqlite:./lms-data/lms.db`) or
    /// `postgres://…`. Secret because it may hold credentials.
    pub database_url: Secret,
    /// Deployment environment (`LMS_ENV`, default development).
    pub environment: Environment,
    /// HS256 keys for access tokens, newest first: the first signs, every one verifies, so
    /// a key can be rotated without logging anyone out (`LMS_JWT_SECRETS`, comma separated;
    /// `LMS_JWT_SECRET` for a single key). Empty: development generates a random key under
    /// [`Settings::data_dir`]; staging and production refuse to start.
    pub jwt_secrets: Vec<Secret>,
    /// Where the server keeps files of its own, such as the development signing key
    /// (`LMS_DATA_DIR`, default `./lms-data`).
    pub data_dir: std::path::PathBuf,
    /// Browser origins allowed by CORS (`LMS_ALLOWED_ORIGINS`, comma separated).
    pub allowed_origins: Vec<String>,
    /// Log filter (`LMS_LOG`, default `info`).
    pub log_filter: String,
    /// Redis for shared rate-limit budgets (`LMS_REDIS_URL`, optional).
    pub redis_url: Option<Secret>,
    /// Inactivity after which a session ends (`LMS_SESSION_IDLE_MINUTES`, default 60).
    pub session_idle: Duration,
    /// How long after a request an erasure starts, during which the user can cancel it
    /// (`LMS_ERASURE_COOL_OFF_DAYS`, default 0: at once).
    pub erasure_cool_off: Duration,
    /// How long webhook delivery attempts are kept (`LMS_DELIVERY_ATTEMPT_RETENTION_DAYS`,
    /// default 90).
    pub delivery_attempt_retention: Duration,
    /// How long audit entries are kept (`LMS_AUDIT_RETENTION_DAYS`, default 2190: six
    /// years).
    pub audit_retention: Duration,
    /// Access-token lifetime (`LMS_ACCESS_TOKEN_MINUTES`, default 15).
    pub access_token_ttl: Duration,
    /// How often the sessions ended on any instance are fetched from storage
    /// (`LMS_SESSION_REVOCATION_POLL_MS`, default 1000, at least 10): a logout or other
    /// revocation made on another instance takes effect here within about this time (see
    /// [`crate::tokens`]).
    pub session_revocation_poll: Duration,
    /// What an SQLite commit waits for (`LMS_SQLITE_DURABILITY`: `full`, the default,
    /// syncs every commit; `normal` syncs at checkpoints, see [`Durability`]).
    #[cfg(feature = "sqlite")]
    pub sqlite_durability: Durability,
    /// How long a course read from storage is served from memory: the longest a course
    /// edit made through another instance stays unseen here (`LMS_COURSE_CACHE_SECONDS`,
    /// default 10; 0 turns the cache off).
    pub course_cache_ttl: Duration,
    /// Rate limits (`LMS_RATE_LIMIT_PER_MINUTE` default 100, `LMS_LOGIN_RATE_LIMIT_PER_MINUTE`
    /// default 60, `LMS_LOGIN_FAILURES_PER_ACCOUNT` default 10,
    /// `LMS_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS` default 5, `LMS_LOGIN_FAILURE_WINDOW_MINUTES`
    /// default 15).
    pub rate_limits: RateLimits,
    /// Largest accepted request body in bytes (`LMS_MAX_BODY_BYTES`, default 64 KiB).
    pub max_body_bytes: usize,
    /// Largest accepted body of the routes that carry content uploads, such as lesson
    /// bodies (`LMS_MAX_UPLOAD_BYTES`, default 2 MiB).
    pub max_upload_bytes: usize,
    /// Largest deck file accepted by `POST /api/v1/decks/import` (an Anki package with its
    /// media, a text or JSON deck), in bytes (`LMS_MAX_DECK_IMPORT_BYTES`, default 64 MiB).
    pub max_deck_import_bytes: usize,
    /// Time a request's headers may take to arrive, counted from its first byte
    /// (`LMS_HEADER_READ_TIMEOUT_SECONDS`, default 5); the connection is closed after it.
    pub header_read_timeout: Duration,
    /// Time a request's body may take to arrive once its headers have
    /// (`LMS_BODY_READ_TIMEOUT_SECONDS`, default 10); the answer is 408 after it.
    pub body_read_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request
    /// (`LMS_KEEP_ALIVE_SECONDS`, default 75).
    pub keep_alive_idle: Duration,
    /// Most connections open at once from one client address; more are closed as they
    /// arrive (`LMS_MAX_CONNECTIONS_PER_ADDRESS`, default 128; 0 for no limit). Trusted
    /// proxies are exempt.
    pub max_connections_per_address: usize,
    /// Proxies whose `X-Forwarded-For` names the client (`LMS_TRUSTED_PROXIES`, comma
    /// separated addresses or CIDR blocks). From any other peer the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Bearer token that opens `/metrics` and `/health/detailed` outside development
    /// (`LMS_OPS_TOKEN`).
    pub ops_token: Option<Secret>,
    /// A separate address serving the operations endpoints without a token
    /// (`LMS_OPS_BIND`); the main address then does not serve `/metrics` and
    /// `/health/detailed`.
    pub ops_bind: Option<SocketAddr>,
    /// Most requests worked on at once (`LMS_MAX_IN_FLIGHT_REQUESTS`, default 512); more
    /// wait in arrival order before any work starts, so a flood of connections queues
    /// instead of multiplying the memory held by half-done requests. Health and metrics
    /// requests never wait.
    pub max_in_flight_requests: usize,
    /// Debug mode (`LMS_DEBUG`): more detail in logs. Refused in production.
    pub debug: bool,
    /// Time in-flight requests get to finish after a shutdown signal
    /// (`LMS_SHUTDOWN_GRACE_SECONDS`, default 30).
    pub shutdown_grace: Duration,
    /// Time between a shutdown signal and the listeners closing, during which
    /// `/health/ready` answers 503 and the server keeps serving so load balancers take it
    /// out of rotation (`LMS_SHUTDOWN_DRAIN_SECONDS`, default 5; see [`crate::drain`]).
    pub shutdown_drain: Duration,
    /// HTTPS on the public listener (`LMS_TLS_CERT` and `LMS_TLS_KEY`, both or neither;
    /// `LMS_TLS_ALLOW_TLS12`); without it the server speaks plain HTTP (see [`crate::tls`]).
    pub tls: Option<crate::tls::TlsSettings>,
    /// How the event relay retries and keeps events (`LMS_DELIVERY_*`,
    /// `LMS_EVENT_RETENTION_DAYS`).
    pub delivery: DeliverySettings,
    /// Whether this instance runs the event relay (`LMS_RELAY`, default on). Instances
    /// with it off still write events; the others (or another process) deliver them.
    pub relay: bool,
    /// Whether the relay feeds the analytics reaction that keeps the learning and
    /// business rollups (`LMS_ANALYTICS`, default on). Off, the analytics reports stop
    /// moving; events stay in the outbox for the reaction until their retention ends.
    pub analytics: bool,
    /// How often the video watch time metered by this instance is added to the analytics
    /// (`LMS_ANALYTICS_FLUSH_SECONDS`, default 5): what an instance that dies loses at
    /// most of the aggregate watch time (a learner's own study time is never lost).
    pub analytics_flush: Duration,
    /// Alert evaluation and where incident notices go (`LMS_ALERT_*`; see
    /// [`crate::monitoring::MonitorSettings`]).
    pub monitor: crate::monitoring::MonitorSettings,
    /// Whether the server applies pending migrations when it starts
    /// (`LMS_MIGRATE_ON_START`, default true). Off, a server whose database lacks a
    /// migration refuses to start and names `lms-server migrate`, which a deployment then
    /// runs once as its own step.
    pub migrate_on_start: bool,
    /// Whether webhooks may target loopback, private and link-local addresses
    /// (`LMS_WEBHOOK_ALLOW_PRIVATE`, default false).
    pub webhook_allow_private: bool,
    /// Email over SMTP (`LMS_SMTP_URL`, `LMS_MAIL_FROM`, `LMS_PUBLIC_URL`); without it no
    /// mail is sent and password reset answers 503.
    pub mail: Option<MailConfig>,
    /// NATS server every event is published to (`LMS_NATS_URL`, optional).
    pub nats_url: Option<Secret>,
    /// Encryption at rest of emails and names (`LMS_ENCRYPTION_KEYS` and
    /// `LMS_BLIND_INDEX_KEY`, both or neither); required in production.
    pub encryption: Option<EncryptionKeys>,
    /// The secret the certificate-signing Ed25519 key is derived from
    /// (`LMS_CERTIFICATE_KEY`, at least 32 characters). Empty: development keeps a random
    /// one under [`Settings::data_dir`]; staging and production refuse to start.
    pub certificate_secret: Option<Secret>,
    /// Who takes payments (`LMS_PAYMENT_PROVIDER`) and the creator's share of a sale
    /// (`LMS_CREATOR_SHARE_PERCENT`).
    pub payments: PaymentConfig,
}

/// Payments: the provider and the revenue rule.
#[derive(Debug, Clone)]
pub struct PaymentConfig {
    /// The provider (`LMS_PAYMENT_PROVIDER`: `none`, the default, `manual` or `stripe`).
    pub provider: PaymentProvider,
    /// The creator's percentage of each sale (`LMS_CREATOR_SHARE_PERCENT`, 0–100, default
    /// 70).
    pub creator_share_percent: u8,
}

/// Who takes payments.
#[derive(Debug, Clone)]
pub enum PaymentProvider {
    /// Nothing is sold: paid courses need premium or an admin.
    None,
    /// Bank transfers an admin marks paid.
    Manual,
    /// Stripe.
    Stripe {
        /// The API's address (`LMS_STRIPE_API_BASE`, default `https://api.stripe.com`).
        api_base: String,
        /// The secret API key (`LMS_STRIPE_SECRET_KEY`, required).
        secret_key: Secret,
        /// The webhook signing secrets (`LMS_STRIPE_WEBHOOK_SECRETS`, comma separated;
        /// two during a rotation).
        webhook_secrets: Vec<Secret>,
    },
}

/// How the server sends email.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The SMTP server (`LMS_SMTP_URL`): `smtp://host:port` (plain, for a local relay),
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://host:465`, with optional
    /// `user:password@`.
    pub smtp_url: Secret,
    /// The sender (`LMS_MAIL_FROM`, required with `LMS_SMTP_URL`): `no-reply@example.com`
    /// or `Academy <no-reply@example.com>`.
    pub from: String,
    /// Where learners reach the product (`LMS_PUBLIC_URL`, optional), for links in mail.
    pub public_url: Option<String>,
    /// CA certificates (PEM) the SMTP server's certificate may chain to besides the
    /// Mozilla roots (`LMS_SMTP_CA_FILE`, optional): for a relay with a private CA.
    pub ca_file: Option<std::path::PathBuf>,
}

/// The keys of encryption at rest ([`lms_core::privacy::encryption`]).
#[derive(Debug, Clone)]
pub struct EncryptionKeys {
    /// The data keys, newest first (`LMS_ENCRYPTION_KEYS`: `id:base64key,…`).
    pub keys: Arc<KeyRing>,
    /// The blind index of emails, keyed from `LMS_BLIND_INDEX_KEY` (at least 32 bytes).
    pub blind: Arc<BlindIndex>,
}

/// A number of days as a duration (saturating: a huge setting means "forever").
fn days(n: u64) -> Duration {
    Duration::from_secs(n.saturating_mul(24 * 3600))
}

/// The event relay's retry and retention settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Attempts before an event becomes a dead letter (`LMS_DELIVERY_MAX_ATTEMPTS`,
    /// default 12).
    pub max_attempts: u32,
    /// The wait before the first retry (`LMS_DELIVERY_RETRY_BASE_MS`, default 1000); it
    /// doubles with each failure, with jitter.
    pub retry_base: Duration,
    /// The longest wait between attempts (`LMS_DELIVERY_RETRY_MAX_MS`, default one hour).
    pub retry_max: Duration,
    /// How long delivered events stay in the outbox, and webhook attempts in their log
    /// (`LMS_EVENT_RETENTION_DAYS`, default 7).
    pub retention: Duration,
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

/// A yes/no setting: `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off` (any case);
/// `default` when unset. Anything else is an error rather than a guess.
fn flag(name: &str, value: Option<String>, default: bool) -> Result<bool, String> {
    match value.map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(_) => Err(format!("{name} must be true or false")),
    }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().filter(|(k, _)| k.starts_with("LMS_")).collect())
    }

    /// Reads the settings from a map of `LMS_*` variables (absent ones take defaults).
    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut errors = Vec::new();
        let get = |name: &str| vars.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut number = |name: &str, default: u64, min: u64| -> u64 {
            match get(name).map(|v| v.parse::<u64>()) {
                None => default,
                Some(Ok(n)) if n >= min => n,
                Some(_) => {
                    errors.push(format!("{name} must be a whole number of at least {min}"));
                    default
                }
            }
        };
        let session_idle_minutes = number("LMS_SESSION_IDLE_MINUTES", 60, 1);
        let evaluation_seconds = number("LMS_ALERT_EVALUATION_SECONDS", 5, 1).min(300);
        let analytics_flush_seconds = number("LMS_ANALYTICS_FLUSH_SECONDS", 5, 1).min(3600);
        let escalation_minutes = number("LMS_ALERT_ESCALATION_MINUTES", 15, 1);
        let erasure_cool_off_days = number("LMS_ERASURE_COOL_OFF_DAYS", 0, 0);
        let attempt_retention_days = number("LMS_DELIVERY_ATTEMPT_RETENTION_DAYS", 90, 1);
        let audit_retention_days = number("LMS_AUDIT_RETENTION_DAYS", 2190, 1);
        let access_minutes = number("LMS_ACCESS_TOKEN_MINUTES", 15, 1);
        let revocation_poll_ms = number("LMS_SESSION_REVOCATION_POLL_MS", 1000, 10);
        let course_cache_seconds = number("LMS_COURSE_CACHE_SECONDS", 10, 0);
        let per_minute = number("LMS_RATE_LIMIT_PER_MINUTE", 100, 1);
        let login_per_minute = number("LMS_LOGIN_RATE_LIMIT_PER_MINUTE", 60, 1);
        let failures_per_account = number("LMS_LOGIN_FAILURES_PER_ACCOUNT", 10, 1);
        let failures_per_account_address = number("LMS_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", 5, 1);
        let failure_window_minutes = number("LMS_LOGIN_FAILURE_WINDOW_MINUTES", 15, 1);
        let max_body_bytes = number("LMS_MAX_BODY_BYTES", 64 * 1024, 1024);
        let max_upload_bytes = number("LMS_MAX_UPLOAD_BYTES", 2 * 1024 * 1024, 1024);
        let max_deck_import_bytes = number("LMS_MAX_DECK_IMPORT_BYTES", 64 * 1024 * 1024, 1024);
        let header_read_seconds = number("LMS_HEADER_READ_TIMEOUT_SECONDS", 5, 1);
        let body_read_seconds = number("LMS_BODY_READ_TIMEOUT_SECONDS", 10, 1);
        let keep_alive_seconds = number("LMS_KEEP_ALIVE_SECONDS", 75, 1);
        let per_address = number("LMS_MAX_CONNECTIONS_PER_ADDRESS", 128, 0);
        let grace_seconds = number("LMS_SHUTDOWN_GRACE_SECONDS", 30, 0);
        let drain_seconds = number("LMS_SHUTDOWN_DRAIN_SECONDS", 5, 0);
        let max_in_flight = number("LMS_MAX_IN_FLIGHT_REQUESTS", 512, 1);
        let max_attempts = number("LMS_DELIVERY_MAX_ATTEMPTS", 12, 1);
        let retry_base_ms = number("LMS_DELIVERY_RETRY_BASE_MS", 1000, 1);
        let retry_max_ms = number("LMS_DELIVERY_RETRY_MAX_MS", 3_600_000, 1);
        let retention_days = number("LMS_EVENT_RETENTION_DAYS", 7, 0);
        let creator_share_percent = number("LMS_CREATOR_SHARE_PERCENT", 70, 0);
        #[cfg(feature = "sqlite")]
        let sqlite_durability = match get("LMS_SQLITE_DURABILITY").map(|d| d.parse::<Durability>()) {
            None => Durability::Full,
            Some(Ok(durability)) => durability,
            Some(Err(e)) => {
                errors.push(format!("LMS_SQLITE_DURABILITY: {e}"));
                Durability::Full
            }
        };
        let bind = match get("LMS_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()).parse() {
            Ok(addr) => addr,
            Err(_) => {
                errors.push("LMS_BIND must be an address such as 127.0.0.1:8080".into());
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }
        };
        let ops_bind = get("LMS_OPS_BIND").and_then(|raw| match raw.parse() {
            Ok(addr) => Some(addr),
            Err(_) => {
                errors.push("LMS_OPS_BIND must be an address such as 127.0.0.1:9090".into());
                None
            }
        });
        let trusted_proxies = list(get("LMS_TRUSTED_PROXIES"))
            .into_iter()
            .filter_map(|entry| match parse_network(&entry) {
                Some(net) => Some(net),
                None => {
                    errors.push(format!(
                        "LMS_TRUSTED_PROXIES: {entry:?} is not an address or CIDR block"
                    ));
                    None
                }
            })
            .collect();
        let jwt_secrets: Vec<Secret> = match get("LMS_JWT_SECRETS") {
            Some(many) => list(Some(many)).into_iter().map(Secret::new).collect(),
            None => get("LMS_JWT_SECRET").map(Secret::new).into_iter().collect(),
        };
        let environment = match get("LMS_ENV").map(|e| Environment::parse(&e)) {
            None => Environment::Development,
            Some(Ok(env)) => env,
            Some(Err(e)) => {
                errors.push(e);
                Environment::Development
            }
        };
        let mut flag = |name: &str, default: bool| {
            flag(name, get(name), default).unwrap_or_else(|e| {
                errors.push(e);
                default
            })
        };
        let webhook_allow_private = flag("LMS_WEBHOOK_ALLOW_PRIVATE", false);
        let relay = flag("LMS_RELAY", true);
        let analytics = flag("LMS_ANALYTICS", true);

        let debug = flag("LMS_DEBUG", false);
        let migrate_on_start = flag("LMS_MIGRATE_ON_START", true);
        let allow_tls12 = flag("LMS_TLS_ALLOW_TLS12", false);
        let database_url = get("LMS_DATABASE_URL").unwrap_or_else(|| "sqlite:./lms-data/lms.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("mongodb://")
            || database_url.starts_with("mongodb+srv://"))
        {
            errors.push("LMS_DATABASE_URL must start with sqlite:, postgres:// or mongodb://".into());
        } else if !Driver::for_url(&database_url).is_built_in() {
            errors.push(format!(
                "LMS_DATABASE_URL: {}",
                Driver::for_url(&database_url).missing()
            ));
        }
        let mail = get("LMS_SMTP_URL").and_then(|smtp_url| match get("LMS_MAIL_FROM") {
            Some(from) => Some(MailConfig {
                smtp_url: Secret::new(smtp_url),
                from,
                public_url: get("LMS_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
                ca_file: get("LMS_SMTP_CA_FILE").map(Into::into),
            }),
            None => {
                errors.push("LMS_MAIL_FROM must name the sender when LMS_SMTP_URL is set".into());
                None
            }
        });
        if creator_share_percent > 100 {
            errors.push("LMS_CREATOR_SHARE_PERCENT must be between 0 and 100".into());
        }
        let provider = match get("LMS_PAYMENT_PROVIDER").map(|p| p.to_ascii_lowercase()).as_deref() {
            None | Some("none") => PaymentProvider::None,
            Some("manual") => PaymentProvider::Manual,
            Some("stripe") => {
                let webhook_secrets: Vec<Secret> = list(get("LMS_STRIPE_WEBHOOK_SECRETS"))
                    .into_iter()
                    .map(Secret::new)
                    .collect();
                let secret_key = get("LMS_STRIPE_SECRET_KEY").unwrap_or_default();
                if secret_key.is_empty() {
                    errors.push("LMS_STRIPE_SECRET_KEY is required with LMS_PAYMENT_PROVIDER=stripe".into());
                }
                if webhook_secrets.is_empty() {
                    errors.push("LMS_STRIPE_WEBHOOK_SECRETS is required with LMS_PAYMENT_PROVIDER=stripe".into());
                }
                let api_base = get("LMS_STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com".into());
                if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
                    errors.push("LMS_STRIPE_API_BASE must be an http(s) URL".into());
                }
                PaymentProvider::Stripe {
                    api_base: api_base.trim_end_matches('/').to_owned(),
                    secret_key: Secret::new(secret_key),
                    webhook_secrets,
                }
            }
            Some(other) => {
                errors.push(format!(
                    "LMS_PAYMENT_PROVIDER must be none, manual or stripe, not {other:?}"
                ));
                PaymentProvider::None
            }
        };
        let encryption = match (get("LMS_ENCRYPTION_KEYS"), get("LMS_BLIND_INDEX_KEY")) {
            (None, None) => None,
            (Some(keys), Some(blind)) => {
                let keys = KeyRing::parse(&keys).map_err(|e| format!("LMS_ENCRYPTION_KEYS: {e}"));
                let blind = BlindIndex::new(blind.as_bytes()).map_err(|e| format!("LMS_BLIND_INDEX_KEY: {e}"));
                match (keys, blind) {
                    (Ok(keys), Ok(blind)) => Some(EncryptionKeys {
                        keys: Arc::new(keys),
                        blind: Arc::new(blind),
                    }),
                    (keys, blind) => {
                        errors.extend(keys.err());
                        errors.extend(blind.err());
                        None
                    }
                }
            }
            _ => {
                errors.push("LMS_ENCRYPTION_KEYS and LMS_BLIND_INDEX_KEY are set together or not at all".into());
                None
            }
        };
        let certificate_secret = get("LMS_CERTIFICATE_KEY").map(Secret::new);
        if certificate_secret
            .as_ref()
            .is_some_and(|s| s.expose().len() < MIN_PRODUCTION_SECRET_CHARS)
        {
            errors.push(format!(
                "LMS_CERTIFICATE_KEY must have at least {MIN_PRODUCTION_SECRET_CHARS} characters"
            ));
        }
        let tls = crate::tls::TlsSettings::from_vars(get("LMS_TLS_CERT"), get("LMS_TLS_KEY"), allow_tls12)
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        let allowed_origins = list(get("LMS_ALLOWED_ORIGINS"))
            .into_iter()
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        Ok(Self {
            bind,
            database_url: Secret::new(database_url),
            environment,
            jwt_secrets,
            data_dir: get("LMS_DATA_DIR").unwrap_or_else(|| "./lms-data".into()).into(),
            allowed_origins,
            log_filter: get("LMS_LOG").unwrap_or_else(|| "info".into()),
            redis_url: get("LMS_REDIS_URL").map(Secret::new),
            session_idle: Duration::from_secs(session_idle_minutes * 60),
            erasure_cool_off: days(erasure_cool_off_days),
            delivery_attempt_retention: days(attempt_retention_days),
            audit_retention: days(audit_retention_days),
            access_token_ttl: Duration::from_secs(access_minutes * 60),
            session_revocation_poll: Duration::from_millis(revocation_poll_ms),
            #[cfg(feature = "sqlite")]
            sqlite_durability,
            course_cache_ttl: Duration::from_secs(course_cache_seconds),
            rate_limits: RateLimits {
                per_minute: u32::try_from(per_minute).unwrap_or(u32::MAX),
                login_per_minute: u32::try_from(login_per_minute).unwrap_or(u32::MAX),
                login_failures_per_account: u32::try_from(failures_per_account).unwrap_or(u32::MAX),
                login_failures_per_account_address: u32::try_from(failures_per_account_address).unwrap_or(u32::MAX),
                login_failure_window: Duration::from_secs(failure_window_minutes.saturating_mul(60)),
            },
            max_body_bytes: usize::try_from(max_body_bytes).unwrap_or(usize::MAX),
            max_upload_bytes: usize::try_from(max_upload_bytes).unwrap_or(usize::MAX),
            max_deck_import_bytes: usize::try_from(max_deck_import_bytes).unwrap_or(usize::MAX),
            header_read_timeout: Duration::from_secs(header_read_seconds),
            body_read_timeout: Duration::from_secs(body_read_seconds),
            keep_alive_idle: Duration::from_secs(keep_alive_seconds),
            max_connections_per_address: usize::try_from(per_address).unwrap_or(usize::MAX),
            trusted_proxies,
            ops_token: get("LMS_OPS_TOKEN").map(Secret::new),
            ops_bind,
            // Tokio's semaphore holds at most usize::MAX >> 3 permits.
            max_in_flight_requests: usize::try_from(max_in_flight).map_or(usize::MAX >> 3, |n| n.min(usize::MAX >> 3)),
            debug,
            shutdown_grace: Duration::from_secs(grace_seconds),
            shutdown_drain: Duration::from_secs(drain_seconds),
            tls,
            delivery: DeliverySettings {
                max_attempts: u32::try_from(max_attempts).unwrap_or(u32::MAX),
                retry_base: Duration::from_millis(retry_base_ms),
                retry_max: Duration::from_millis(retry_max_ms.max(retry_base_ms)),
                retention: Duration::from_secs(retention_days.saturating_mul(24 * 3600)),
            },
            webhook_allow_private,
            relay,
            analytics,
            analytics_flush: Duration::from_secs(analytics_flush_seconds),
            monitor: crate::monitoring::MonitorSettings {
                evaluation_interval: Duration::from_secs(evaluation_seconds),
                webhook_url: get("LMS_ALERT_WEBHOOK_URL"),
                webhook_secret: get("LMS_ALERT_WEBHOOK_SECRET"),
                email: get("LMS_ALERT_EMAIL"),
                escalation_webhook_url: get("LMS_ALERT_ESCALATION_WEBHOOK_URL"),
                escalation_email: get("LMS_ALERT_ESCALATION_EMAIL"),
                escalate_after: Duration::from_secs(escalation_minutes.saturating_mul(60)),
            },
            migrate_on_start,
            mail,
            nats_url: get("LMS_NATS_URL").map(Secret::new),
            encryption,
            certificate_secret,
            payments: PaymentConfig {
                provider,
                creator_share_percent: u8::try_from(creator_share_percent.min(100)).unwrap_or(100),
            },
        })
    }

    /// Development settings for tests and embedding: an SQLite file at `database_url`,
    /// port 0 on loopback, a random signing key of this process, no drain delay at shutdown.
    pub fn for_tests(database_url: &str) -> Self {
        let mut vars = HashMap::new();
        vars.insert("LMS_DATABASE_URL".to_owned(), database_url.to_owned());
        vars.insert("LMS_BIND".to_owned(), "127.0.0.1:0".to_owned());
        vars.insert("LMS_JWT_SECRET".to_owned(), crate::signing_key::random_secret());
        vars.insert("LMS_CERTIFICATE_KEY".to_owned(), crate::signing_key::random_secret());
        // Nothing balances load in front of a test server: it stops at once.
        vars.insert("LMS_SHUTDOWN_DRAIN_SECONDS".to_owned(), "0".to_owned());
        Self::from_vars(vars).unwrap_or_else(|e| unreachable!("test settings are valid: {e}"))
    }

    /// Whether `/metrics` and `/health/detailed` need [`Settings::ops_token`] (or the
    /// separate [`Settings::ops_bind`] address): everywhere but development.
    pub fn ops_endpoints_protected(&self) -> bool {
        self.environment != Environment::Development
    }

    /// Every setting that is unsafe for this environment; each one stops the server from
    /// starting. Staging and production need strong signing keys; production also needs
    /// the rest of S8. Empty when all is well.
    pub fn unsafe_settings(&self) -> Vec<String> {
        if self.environment == Environment::Development {
            return Vec::new();
        }
        let mut problems = Vec::new();
        if self.jwt_secrets.is_empty() {
            problems.push(format!(
                "LMS_JWT_SECRET (or LMS_JWT_SECRETS) is not set: {} needs a configured key",
                self.environment.as_str()
            ));
        }
        for (index, secret) in self.jwt_secrets.iter().enumerate() {
            let which = if self.jwt_secrets.len() == 1 {
                "LMS_JWT_SECRET".to_owned()
            } else {
                format!("LMS_JWT_SECRETS entry {}", index + 1)
            };
            let secret = secret.expose();
            if secret.chars().count() < MIN_PRODUCTION_SECRET_CHARS {
                problems.push(format!(
                    "{which} is weak: it needs at least {MIN_PRODUCTION_SECRET_CHARS} characters"
                ));
            } else if is_trivial_secret(secret) {
                problems.push(format!("{which} is a default or trivial value"));
            }
        }
        if self.certificate_secret.is_none() {
            problems.push(format!(
                "LMS_CERTIFICATE_KEY is not set: {} signs certificates with a configured key",
                self.environment.as_str()
            ));
        }
        if self.environment != Environment::Production {
            return problems;
        }
        if self.debug {
            problems.push("LMS_DEBUG is on".to_owned());
        }
        if self.allowed_origins.is_empty() {
            problems.push("LMS_ALLOWED_ORIGINS is not set (required in production)".to_owned());
        }
        if self.encryption.is_none() {
            problems.push(
                "LMS_ENCRYPTION_KEYS and LMS_BLIND_INDEX_KEY are not set: production stores emails and names encrypted"
                    .to_owned(),
            );
        }
        if self.allowed_origins.iter().any(|o| o == "*") {
            problems.push("LMS_ALLOWED_ORIGINS must list origins, not *".to_owned());
        }
        problems.extend(database_problems(self.database_url.expose()));
        problems
    }
}

/// The non-empty, trimmed entries of a comma-separated setting.
fn list(raw: Option<String>) -> Vec<String> {
    raw.map(|raw| {
        raw.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// An address (a network of one) or a CIDR block.
fn parse_network(raw: &str) -> Option<ipnet::IpNet> {
    raw.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| raw.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

/// Secrets that are long enough but obviously not random.
fn is_trivial_secret(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    let distinct: std::collections::HashSet<char> = secret.chars().collect();
    distinct.len() < 8
        || ["changeme", "secret", "password", "example", "default"]
            .iter()
            .any(|w| lower.contains(w))
}

/// S8's database checks for server databases (SQLite has neither credentials nor a
/// network connection): default credentials and connections without TLS.
fn database_problems(url: &str) -> Vec<String> {
    let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
    let mongo = url.starts_with("mongodb:") || url.starts_with("mongodb+srv:");
    if !(postgres || mongo) {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let credentials = authority.rsplit_once('@').map(|(c, _)| c);
    let (user, password) = match credentials {
        Some(c) => c.split_once(':').map_or((c, ""), |(u, p)| (u, p)),
        None => ("", ""),
    };
    const DEFAULT_PASSWORDS: [&str; 6] = ["", "postgres", "password", "admin", "root", "lms"];
    if DEFAULT_PASSWORDS.contains(&password)
        && (user.is_empty() || ["postgres", "admin", "root", "lms", "mongo"].contains(&user))
    {
        problems.push("LMS_DATABASE_URL uses default database credentials".to_owned());
    }
    let query = url
        .split_once('?')
        .map_or(String::new(), |(_, q)| q.to_ascii_lowercase());
    let option = |name: &str| query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='));
    let tls = if postgres {
        matches!(option("sslmode"), Some("require" | "verify-ca" | "verify-full"))
    } else {
        // SRV connection strings turn TLS on unless told otherwise.
        let explicit = option("tls").or_else(|| option("ssl"));
        explicit == Some("true") || (url.starts_with("mongodb+srv:") && explicit != Some("false"))
    };
    if !tls {
        problems.push(if postgres {
            "LMS_DATABASE_URL has no TLS (add sslmode=require or stricter)".to_owned()
        } else {
            "LMS_DATABASE_URL has no TLS (add tls=true)".to_owned()
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "Xq8v2LmT9wPz4RbN7cYk1JhD5sGf3UaE";

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_start_in_development_on_sqlite() {
        let s = Settings::from_vars(HashMap::new()).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url.expose(), "sqlite:./lms-data/lms.db");
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.rate_limits.per_minute, 100);
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.session_revocation_poll, Duration::from_secs(1));
        assert_eq!(s.max_in_flight_requests, 512);
        assert_eq!(s.max_body_bytes, 64 * 1024);
        assert_eq!(s.header_read_timeout, Duration::from_secs(5));
        assert_eq!(s.body_read_timeout, Duration::from_secs(10));
        assert_eq!(s.max_connections_per_address, 128);
        assert_eq!(s.shutdown_drain, Duration::from_secs(5));
        assert_eq!(s.shutdown_grace, Duration::from_secs(30));
        assert!(s.tls.is_none(), "plain HTTP unless certificate and key are set");
        assert!(s.jwt_secrets.is_empty(), "development generates its key at start");
        assert_eq!(s.data_dir, std::path::PathBuf::from("./lms-data"));
        assert!(s.unsafe_settings().is_empty());
    }

    #[test]
    fn staging_like_production_needs_a_strong_configured_key() {
        let staging = |extra: &[(&str, &str)]| {
            let mut pairs = vec![("LMS_ENV", "staging"), CERTIFICATE_KEY];
            pairs.extend_from_slice(extra);
            Settings::from_vars(vars(&pairs)).unwrap().unsafe_settings()
        };
        assert!(staging(&[]).iter().any(|p| p.contains("is not set")));
        assert!(staging(&[("LMS_JWT_SECRET", "short")])
            .iter()
            .any(|p| p.contains("weak")));
        assert_eq!(
            staging(&[("LMS_JWT_SECRET", STRONG)]),
            Vec::<String>::new(),
            "CORS and TLS are production's"
        );
        let rotated = staging(&[("LMS_JWT_SECRETS", &format!("{STRONG}, short"))]);
        assert_eq!(rotated.len(), 1, "{rotated:?}");
        assert!(rotated[0].contains("LMS_JWT_SECRETS entry 2"), "{rotated:?}");
    }

    #[test]
    fn key_lists_proxies_and_the_operations_address_are_read() {
        let s = Settings::from_vars(vars(&[
            ("LMS_JWT_SECRETS", "newest-key, previous-key"),
            ("LMS_JWT_SECRET", "ignored-when-the-list-is-set"),
            ("LMS_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32"),
            ("LMS_OPS_BIND", "127.0.0.1:9090"),
            ("LMS_MAX_CONNECTIONS_PER_ADDRESS", "0"),
        ]))
        .unwrap();
        let keys: Vec<&str> = s.jwt_secrets.iter().map(Secret::expose).collect();
        assert_eq!(keys, ["newest-key", "previous-key"]);
        assert_eq!(s.trusted_proxies.len(), 3);
        assert!(s.trusted_proxies[1].contains(&"192.0.2.7".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(s.ops_bind, Some("127.0.0.1:9090".parse().unwrap()));
        assert_eq!(s.max_connections_per_address, 0);
        let err = Settings::from_vars(vars(&[("LMS_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local")])).unwrap_err();
        assert!(format!("{err}").contains("proxy.local"), "{err}");
    }

    #[test]
    fn privacy_periods_default_and_are_read() {
        let days = |n: u64| Duration::from_secs(n * 24 * 3600);
        let defaults = Settings::from_vars(HashMap::new()).unwrap();
        assert_eq!(
            (
                defaults.erasure_cool_off,
                defaults.delivery_attempt_retention,
                defaults.audit_retention
            ),
            (Duration::ZERO, days(90), days(2190))
        );
        let set = Settings::from_vars(vars(&[
            ("LMS_ERASURE_COOL_OFF_DAYS", "14"),
            ("LMS_DELIVERY_ATTEMPT_RETENTION_DAYS", "30"),
            ("LMS_AUDIT_RETENTION_DAYS", "3650"),
        ]))
        .unwrap();
        assert_eq!(
            (
                set.erasure_cool_off,
                set.delivery_attempt_retention,
                set.audit_retention
            ),
            (days(14), days(30), days(3650))
        );
        for (name, value) in [
            ("LMS_AUDIT_RETENTION_DAYS", "0"),
            ("LMS_DELIVERY_ATTEMPT_RETENTION_DAYS", "0"),
            ("LMS_ERASURE_COOL_OFF_DAYS", "soon"),
        ] {
            let err = Settings::from_vars(vars(&[(name, value)])).unwrap_err();
            assert!(format!("{err}").contains(name), "{name}={value}: {err}");
        }
    }

    #[test]
    fn payment_settings_default_and_are_read() {
        let defaults = Settings::from_vars(HashMap::new()).unwrap().payments;
        assert!(matches!(defaults.provider, PaymentProvider::None));
        assert_eq!(defaults.creator_share_percent, 70);
        let stripe = Settings::from_vars(vars(&[
            ("LMS_PAYMENT_PROVIDER", "Stripe"),
            ("LMS_STRIPE_API_BASE", "http://127.0.0.1:8420"),
            ("LMS_STRIPE_SECRET_KEY", "sk_test_123"),
            ("LMS_STRIPE_WEBHOOK_SECRETS", "whsec_new, whsec_old"),
            ("LMS_CREATOR_SHARE_PERCENT", "85"),
        ]))
        .unwrap()
        .payments;
        assert_eq!(stripe.creator_share_percent, 85);
        match stripe.provider {
            PaymentProvider::Stripe {
                api_base,
                secret_key,
                webhook_secrets,
                ..
            } => {
                assert_eq!(api_base, "http://127.0.0.1:8420");
                assert_eq!(secret_key.expose(), "sk_test_123");
                let secrets: Vec<&str> = webhook_secrets.iter().map(Secret::expose).collect();
                assert_eq!(secrets, ["whsec_new", "whsec_old"]);
            }
            other => panic!("expected Stripe, got {other:?}"),
        }
        let manual = Settings::from_vars(vars(&[("LMS_PAYMENT_PROVIDER", "manual")])).unwrap();
        assert!(matches!(manual.payments.provider, PaymentProvider::Manual));
        for (pairs, named) in [
            (vec![("LMS_CREATOR_SHARE_PERCENT", "101")], "LMS_CREATOR_SHARE_PERCENT"),
            (vec![("LMS_PAYMENT_PROVIDER", "paypal")], "LMS_PAYMENT_PROVIDER"),
            (
                vec![
                    ("LMS_PAYMENT_PROVIDER", "stripe"),
                    ("LMS_STRIPE_WEBHOOK_SECRETS", "whsec_x"),
                ],
                "LMS_STRIPE_SECRET_KEY",
            ),
            (
                vec![
                    ("LMS_PAYMENT_PROVIDER", "stripe"),
                    ("LMS_STRIPE_SECRET_KEY", "sk_test_1"),
                ],
                "LMS_STRIPE_WEBHOOK_SECRETS",
            ),
        ] {
            let err = Settings::from_vars(vars(&pairs)).unwrap_err();
            assert!(format!("{err}").contains(named), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn delivery_settings_default_and_are_read() {
        let defaults = Settings::from_vars(HashMap::new()).unwrap().delivery;
        assert_eq!(
            defaults,
            DeliverySettings {
                max_attempts: 12,
                retry_base: Duration::from_secs(1),
                retry_max: Duration::from_secs(3600),
                retention: Duration::from_secs(7 * 24 * 3600),
            }
        );
        let set = Settings::from_vars(vars(&[
            ("LMS_DELIVERY_MAX_ATTEMPTS", "3"),
            ("LMS_DELIVERY_RETRY_BASE_MS", "50"),
            ("LMS_DELIVERY_RETRY_MAX_MS", "400"),
            ("LMS_EVENT_RETENTION_DAYS", "1"),
        ]))
        .unwrap()
        .delivery;
        assert_eq!(
            (set.max_attempts, set.retry_base, set.retry_max, set.retention),
            (
                3,
                Duration::from_millis(50),
                Duration::from_millis(400),
                Duration::from_secs(24 * 3600)
            )
        );
        let err = Settings::from_vars(vars(&[("LMS_DELIVERY_MAX_ATTEMPTS", "0")])).unwrap_err();
        assert!(format!("{err}").contains("LMS_DELIVERY_MAX_ATTEMPTS"), "{err}");
    }

    #[test]
    fn notifiers_and_the_relay_are_configured_by_their_variables() {
        let defaults = Settings::from_vars(vars(&[])).unwrap();
        assert!(defaults.relay && defaults.mail.is_none() && defaults.nats_url.is_none());
        let set = Settings::from_vars(vars(&[
            ("LMS_RELAY", "off"),
            ("LMS_SMTP_URL", "smtp://user:pw@127.0.0.1:2525"),
            ("LMS_MAIL_FROM", "Academy <no-reply@example.com>"),
            ("LMS_PUBLIC_URL", "https://learn.example.com/"),
            ("LMS_NATS_URL", "nats://127.0.0.1:4222"),
        ]))
        .unwrap();
        assert!(!set.relay);
        let mail = set.mail.expect("mail");
        assert_eq!(mail.from, "Academy <no-reply@example.com>");
        assert_eq!(mail.public_url.as_deref(), Some("https://learn.example.com"));
        assert!(!format!("{mail:?}").contains("pw"), "the SMTP URL is a secret");
        let err = Settings::from_vars(vars(&[("LMS_SMTP_URL", "smtp://127.0.0.1:2525")])).unwrap_err();
        assert!(format!("{err}").contains("LMS_MAIL_FROM"), "{err}");
    }

    #[test]
    fn login_limits_default_for_a_classroom_and_are_read() {
        let defaults = Settings::from_vars(HashMap::new()).unwrap().rate_limits;
        assert_eq!(
            defaults,
            RateLimits {
                per_minute: 100,
                login_per_minute: 60,
                login_failures_per_account: 10,
                login_failures_per_account_address: 5,
                login_failure_window: Duration::from_secs(15 * 60),
            }
        );
        let set = Settings::from_vars(vars(&[
            ("LMS_LOGIN_RATE_LIMIT_PER_MINUTE", "120"),
            ("LMS_LOGIN_FAILURES_PER_ACCOUNT", "20"),
            ("LMS_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", "3"),
            ("LMS_LOGIN_FAILURE_WINDOW_MINUTES", "60"),
        ]))
        .unwrap()
        .rate_limits;
        assert_eq!(
            (
                set.login_per_minute,
                set.login_failures_per_account,
                set.login_failures_per_account_address,
                set.login_failure_window
            ),
            (120, 20, 3, Duration::from_secs(3600))
        );
        let err = Settings::from_vars(vars(&[
            ("LMS_LOGIN_FAILURES_PER_ACCOUNT", "0"),
            ("LMS_LOGIN_FAILURE_WINDOW_MINUTES", "soon"),
        ]))
        .unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
    }

    #[test]
    fn the_in_flight_limit_is_a_positive_number() {
        let read = |value| Settings::from_vars(vars(&[("LMS_MAX_IN_FLIGHT_REQUESTS", value)]));
        assert_eq!(read("64").unwrap().max_in_flight_requests, 64);
        for bad in ["0", "-3", "many"] {
            let err = read(bad).unwrap_err();
            assert!(
                format!("{err:?}").contains("LMS_MAX_IN_FLIGHT_REQUESTS"),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn secrets_never_print() {
        let s = Settings::from_vars(vars(&[
            ("LMS_JWT_SECRET", "a-very-secret-value-that-must-not-leak"),
            ("LMS_DATABASE_URL", "postgres://app:hunter2hunter2@db/lms"),
            ("LMS_REDIS_URL", "redis://:redispw@cache"),
        ]))
        .unwrap();
        let printed = format!("{s:?}");
        for secret in ["a-very-secret-value", "hunter2", "redispw"] {
            assert!(!printed.contains(secret), "{secret} leaked in {printed}");
        }
        assert!(printed.contains("<redacted>"));
    }

    #[test]
    fn production_names_every_unsafe_setting() {
        let s = Settings::from_vars(vars(&[
            ("LMS_ENV", "production"),
            ("LMS_JWT_SECRET", "short"),
            ("LMS_DEBUG", "true"),
            ("LMS_DATABASE_URL", "postgres://postgres:postgres@db/lms"),
        ]))
        .unwrap();
        let problems = s.unsafe_settings().join("\n");
        for name in [
            "LMS_JWT_SECRET",
            "LMS_DEBUG",
            "LMS_ALLOWED_ORIGINS",
            "default database credentials",
            "TLS",
        ] {
            assert!(problems.contains(name), "{name} not reported in {problems}");
        }
        let unset = Settings::from_vars(vars(&[("LMS_ENV", "production")])).unwrap();
        assert!(unset
            .unsafe_settings()
            .iter()
            .any(|p| p.contains("LMS_JWT_SECRET (or LMS_JWT_SECRETS) is not set")));
    }

    /// A valid key ring and blind-index key.
    const ENCRYPTION_KEYS: (&str, &str) = ("LMS_ENCRYPTION_KEYS", "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    const BLIND_INDEX_KEY: (&str, &str) = ("LMS_BLIND_INDEX_KEY", "a-blind-index-key-of-32-bytes-or-more");
    const CERTIFICATE_KEY: (&str, &str) = ("LMS_CERTIFICATE_KEY", "Zr5pW1nQ8sKd3VbT6yHx2MfJ9cLg4AeU");

    #[test]
    fn encryption_keys_come_together_and_valid() {
        let both = Settings::from_vars(vars(&[ENCRYPTION_KEYS, BLIND_INDEX_KEY])).unwrap();
        assert_eq!(
            both.encryption.map(|e| e.keys.newest_id().to_owned()).as_deref(),
            Some("k1")
        );
        let alone = Settings::from_vars(vars(&[ENCRYPTION_KEYS])).unwrap_err().to_string();
        assert!(alone.contains("together"), "{alone}");
        let short = Settings::from_vars(vars(&[
            ("LMS_ENCRYPTION_KEYS", "k1:c2hvcnQ="),
            ("LMS_BLIND_INDEX_KEY", "short"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            short.contains("LMS_ENCRYPTION_KEYS") && short.contains("LMS_BLIND_INDEX_KEY"),
            "{short}"
        );
        let production = Settings::from_vars(vars(&[("LMS_ENV", "production")])).unwrap();
        assert!(production
            .unsafe_settings()
            .iter()
            .any(|p| p.contains("LMS_ENCRYPTION_KEYS")));
    }

    #[test]
    fn production_accepts_safe_settings() {
        let s = Settings::from_vars(vars(&[
            ("LMS_ENV", "production"),
            ("LMS_JWT_SECRET", "Xq8v2LmT9wPz4RbN7cYk1JhD5sGf3UaE"),
            ("LMS_ALLOWED_ORIGINS", "https://app.example.org"),
            (
                "LMS_DATABASE_URL",
                "postgres://lms_app:Vb7s9Qk2Lx@db.internal/lms?sslmode=require",
            ),
            ENCRYPTION_KEYS,
            BLIND_INDEX_KEY,
            CERTIFICATE_KEY,
        ]))
        .unwrap();
        assert_eq!(s.unsafe_settings(), Vec::<String>::new());
    }

    #[test]
    fn mongodb_urls_select_mongo_and_are_checked_in_production() {
        let production = |url: &str| {
            Settings::from_vars(vars(&[
                ("LMS_ENV", "production"),
                ("LMS_JWT_SECRET", "Xq8v2LmT9wPz4RbN7cYk1JhD5sGf3UaE"),
                ("LMS_ALLOWED_ORIGINS", "https://app.example.org"),
                ("LMS_DATABASE_URL", url),
                ENCRYPTION_KEYS,
                BLIND_INDEX_KEY,
                CERTIFICATE_KEY,
            ]))
            .unwrap()
            .unsafe_settings()
        };
        assert_eq!(
            production("mongodb://lms_app:Vb7s9Qk2Lx@db1,db2/lms?replicaSet=rs0&tls=true"),
            Vec::<String>::new()
        );
        assert_eq!(
            production("mongodb+srv://lms_app:Vb7s9Qk2Lx@cluster.example.org/lms"),
            Vec::<String>::new()
        );
        let plain = production("mongodb://db/lms").join("\n");
        assert!(
            plain.contains("default database credentials") && plain.contains("tls=true"),
            "{plain}"
        );
        assert!(
            production("mongodb+srv://lms_app:Vb7s9Qk2Lx@c.example.org/lms?tls=false")
                .iter()
                .any(|p| p.contains("TLS"))
        );
    }

    #[test]
    fn invalid_values_are_reported_together() {
        let err = Settings::from_vars(vars(&[
            ("LMS_BIND", "nowhere"),
            ("LMS_ENV", "moon"),
            ("LMS_RATE_LIMIT_PER_MINUTE", "lots"),
            ("LMS_DATABASE_URL", "mysql://x"),
            ("LMS_SESSION_REVOCATION_POLL_MS", "0"),
        ]))
        .unwrap_err();
        assert_eq!(err.0.len(), 5, "{err}");
    }
}
