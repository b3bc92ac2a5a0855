//! Configuration from `LMS_*` environment variables, and the production safety checks.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use lms_storage_sqlite::Durability;

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

/// The JWT secret used when none is configured outside production. Never accepted in
/// production.
pub const DEVELOPMENT_JWT_SECRET: &str = "lms-development-secret-do-not-use-in-production";

/// Shortest JWT secret accepted in production.
pub const MIN_PRODUCTION_SECRET_CHARS: usize = 32;

/// Requests per minute and per caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Budget of every caller: per user when authenticated, per client address otherwise.
    pub per_minute: u32,
    /// Budget for login and registration attempts, per client address.
    pub login_per_minute: u32,
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
    /// HS256 key for access tokens (`LMS_JWT_SECRET`).
    pub jwt_secret: Secret,
    /// Browser origins allowed by CORS (`LMS_ALLOWED_ORIGINS`, comma separated).
    pub allowed_origins: Vec<String>,
    /// Log filter (`LMS_LOG`, default `info`).
    pub log_filter: String,
    /// Redis for shared rate-limit budgets (`LMS_REDIS_URL`, optional).
    pub redis_url: Option<Secret>,
    /// Inactivity after which a session ends (`LMS_SESSION_IDLE_MINUTES`, default 60).
    pub session_idle: Duration,
    /// Access-token lifetime (`LMS_ACCESS_TOKEN_MINUTES`, default 15).
    pub access_token_ttl: Duration,
    /// How often the sessions ended on any instance are fetched from storage
    /// (`LMS_SESSION_REVOCATION_POLL_MS`, default 1000, at least 10): a logout or other
    /// revocation made on another instance takes effect here within about this time (see
    /// [`crate::tokens`]).
    pub session_revocation_poll: Duration,
    /// What an SQLite commit waits for (`LMS_SQLITE_DURABILITY`: `full`, the default,
    /// syncs every commit; `normal` syncs at checkpoints, see [`Durability`]).
    pub sqlite_durability: Durability,
    /// How long a course read from storage is served from memory: the longest a course
    /// edit made through another instance stays unseen here (`LMS_COURSE_CACHE_SECONDS`,
    /// default 10; 0 turns the cache off).
    pub course_cache_ttl: Duration,
    /// Rate limits (`LMS_RATE_LIMIT_PER_MINUTE` default 100, `LMS_LOGIN_RATE_LIMIT_PER_MINUTE`
    /// default 10).
    pub rate_limits: RateLimits,
    /// Largest accepted request body in bytes (`LMS_MAX_BODY_BYTES`, default 2 MiB).
    pub max_body_bytes: usize,
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
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

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
        let access_minutes = number("LMS_ACCESS_TOKEN_MINUTES", 15, 1);
        let revocation_poll_ms = number("LMS_SESSION_REVOCATION_POLL_MS", 1000, 10);
        let course_cache_seconds = number("LMS_COURSE_CACHE_SECONDS", 10, 0);
        let per_minute = number("LMS_RATE_LIMIT_PER_MINUTE", 100, 1);
        let login_per_minute = number("LMS_LOGIN_RATE_LIMIT_PER_MINUTE", 10, 1);
        let max_body_bytes = number("LMS_MAX_BODY_BYTES", 2 * 1024 * 1024, 1024);
        let grace_seconds = number("LMS_SHUTDOWN_GRACE_SECONDS", 30, 0);
        let max_in_flight = number("LMS_MAX_IN_FLIGHT_REQUESTS", 512, 1);
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
        let environment = match get("LMS_ENV").map(|e| Environment::parse(&e)) {
            None => Environment::Development,
            Some(Ok(env)) => env,
            Some(Err(e)) => {
                errors.push(e);
                Environment::Development
            }
        };
        let debug = match get("LMS_DEBUG").map(|d| d.to_ascii_lowercase()) {
            None => false,
            Some(d) => matches!(d.as_str(), "1" | "true" | "yes" | "on"),
        };
        let database_url = get("LMS_DATABASE_URL").unwrap_or_else(|| "sqlite:./lms-data/lms.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("mongodb://")
            || database_url.starts_with("mongodb+srv://"))
        {
            errors.push("LMS_DATABASE_URL must start with sqlite:, postgres:// or mongodb://".into());
        }
        let allowed_origins = get("LMS_ALLOWED_ORIGINS")
            .map(|o| {
                o.split(',')
                    .map(|s| s.trim().trim_end_matches('/').to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        Ok(Self {
            bind,
            database_url: Secret::new(database_url),
            environment,
            jwt_secret: Secret::new(get("LMS_JWT_SECRET").unwrap_or_else(|| DEVELOPMENT_JWT_SECRET.into())),
            allowed_origins,
            log_filter: get("LMS_LOG").unwrap_or_else(|| "info".into()),
            redis_url: get("LMS_REDIS_URL").map(Secret::new),
            session_idle: Duration::from_secs(session_idle_minutes * 60),
            access_token_ttl: Duration::from_secs(access_minutes * 60),
            session_revocation_poll: Duration::from_millis(revocation_poll_ms),
            sqlite_durability,
            course_cache_ttl: Duration::from_secs(course_cache_seconds),
            rate_limits: RateLimits {
                per_minute: u32::try_from(per_minute).unwrap_or(u32::MAX),
                login_per_minute: u32::try_from(login_per_minute).unwrap_or(u32::MAX),
            },
            max_body_bytes: usize::try_from(max_body_bytes).unwrap_or(usize::MAX),
            // Tokio's semaphore holds at most usize::MAX >> 3 permits.
            max_in_flight_requests: usize::try_from(max_in_flight).map_or(usize::MAX >> 3, |n| n.min(usize::MAX >> 3)),
            debug,
            shutdown_grace: Duration::from_secs(grace_seconds),
        })
    }

    /// Development settings for tests and embedding: an SQLite file at `database_url`,
    /// port 0 on loopback.
    pub fn for_tests(database_url: &str) -> Self {
        let mut vars = HashMap::new();
        vars.insert("LMS_DATABASE_URL".to_owned(), database_url.to_owned());
        vars.insert("LMS_BIND".to_owned(), "127.0.0.1:0".to_owned());
        Self::from_vars(vars).unwrap_or_else(|e| unreachable!("test settings are valid: {e}"))
    }

    /// Every setting that is unsafe for this environment; in production each one stops
    /// the server from starting. Empty when all is well.
    pub fn unsafe_settings(&self) -> Vec<String> {
        if self.environment != Environment::Production {
            return Vec::new();
        }
        let mut problems = Vec::new();
        let secret = self.jwt_secret.expose();
        if secret == DEVELOPMENT_JWT_SECRET {
            problems.push("LMS_JWT_SECRET is not set (the development default is refused)".to_owned());
        } else if secret.chars().count() < MIN_PRODUCTION_SECRET_CHARS {
            problems.push(format!(
                "LMS_JWT_SECRET is weak: it needs at least {MIN_PRODUCTION_SECRET_CHARS} characters"
            ));
        } else if is_trivial_secret(secret) {
            problems.push("LMS_JWT_SECRET is a default or trivial value".to_owned());
        }
        if self.debug {
            problems.push("LMS_DEBUG is on".to_owned());
        }
        if self.allowed_origins.is_empty() {
            problems.push("LMS_ALLOWED_ORIGINS is not set (required in production)".to_owned());
        }
        if self.allowed_origins.iter().any(|o| o == "*") {
            problems.push("LMS_ALLOWED_ORIGINS must list origins, not *".to_owned());
        }
        problems.extend(database_problems(self.database_url.expose()));
        problems
    }
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
        assert!(s.unsafe_settings().is_empty());
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
            .any(|p| p.contains("LMS_JWT_SECRET is not set")));
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
