//! Rate limiting with fixed one-minute windows: each caller key (a user, or a client
//! address when anonymous) has a budget per window. Counters live in process by default,
//! or in Redis when `LMS_REDIS_URL` is set, so that every instance shares one budget.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;

/// Length of a window in seconds.
pub const WINDOW_SECONDS: u64 = 60;

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is within budget.
    pub allowed: bool,
    /// The budget of the window.
    pub limit: u32,
    /// Requests left in the window.
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_seconds: u64,
}

/// Where counters are kept.
#[derive(Clone)]
pub enum RateLimiter {
    /// In this process only.
    Local(std::sync::Arc<Mutex<LocalCounters>>),
    /// In Redis, shared by every instance using the same Redis.
    Redis {
        /// The connection.
        connection: ConnectionManager,
        /// Prefix of every key.
        prefix: String,
    },
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RateLimiter::Local(_) => "RateLimiter::Local",
            RateLimiter::Redis { .. } => "RateLimiter::Redis",
        })
    }
}

/// The in-process counters: those of the current window only. A new window starts them
/// all from zero at once, so a request never scans counters, however many callers there
/// are.
#[derive(Debug, Default)]
pub struct LocalCounters {
    window: u64,
    counts: HashMap<String, u32>,
}

impl LocalCounters {
    /// Counts one request of `key` in `window`; returns its count in the window.
    fn count(&mut self, key: &str, window: u64) -> u32 {
        if window != self.window {
            self.window = window;
            self.counts.clear();
        }
        let count = match self.counts.get_mut(key) {
            Some(count) => count,
            None => self.counts.entry(key.to_owned()).or_insert(0),
        };
        *count = count.saturating_add(1);
        *count
    }
}

fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl RateLimiter {
    /// Counters in process memory.
    pub fn local() -> Self {
        Self::Local(Default::default())
    }

    /// Counters in the Redis at `url`; fails when it cannot be reached.
    pub async fn redis(url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let connection = ConnectionManager::new(client).await?;
        Ok(Self::Redis {
            connection,
            prefix: "lms:ratelimit".to_owned(),
        })
    }

    /// The same limiter with another key prefix (tests isolate their budgets this way).
    pub fn with_prefix(self, new_prefix: &str) -> Self {
        match self {
            Self::Redis { connection, .. } => Self::Redis {
                connection,
                prefix: new_prefix.to_owned(),
            },
            local => local,
        }
    }

    /// Counts one request of `key` against `limit` per window. A Redis failure lets the
    /// request through (and is logged): losing the limiter must not take the API down.
    pub async fn check(&self, key: &str, limit: u32) -> Decision {
        let now = now_seconds();
        let window = now / WINDOW_SECONDS;
        let reset_seconds = (window + 1) * WINDOW_SECONDS - now;
        let count = match self {
            Self::Local(counters) => counters.lock().unwrap_or_else(|e| e.into_inner()).count(key, window),
            Self::Redis { connection, prefix } => {
                let redis_key = format!("{prefix}:{key}:{window}");
                let mut connection = connection.clone();
                let result: Result<(u32, bool), _> = redis::pipe()
                    .atomic()
                    .incr(&redis_key, 1u32)
                    .expire(&redis_key, (WINDOW_SECONDS + 5) as i64)
                    .query_async(&mut connection)
                    .await;
                match result {
                    Ok((count, _)) => count,
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limiter unavailable; request allowed");
                        0
                    }
                }
            }
        };
        Decision {
            allowed: count <= limit,
            limit,
            remaining: limit.saturating_sub(count),
            reset_seconds,
        }
    }

    /// Whether the backing store answers (always true in process).
    pub async fn ping(&self) -> Result<(), String> {
        match self {
            Self::Local(_) => Ok(()),
            Self::Redis { connection, .. } => {
                let mut connection = connection.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut connection)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// `"in_process"` or `"redis"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Local(_) => "in_process",
            Self::Redis { .. } => "redis",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn budgets_are_per_key() {
        let limiter = RateLimiter::local();
        for i in 0..3 {
            let d = limiter.check("a", 3).await;
            assert!(d.allowed);
            assert_eq!(d.remaining, 2 - i);
        }
        let d = limiter.check("a", 3).await;
        assert!(!d.allowed);
        assert!(d.reset_seconds >= 1 && d.reset_seconds <= WINDOW_SECONDS);
        assert!(limiter.check("b", 3).await.allowed);
    }

    #[test]
    fn a_new_window_starts_every_budget_again_and_forgets_the_old_callers() {
        let mut counters = LocalCounters::default();
        for caller in 0..1000 {
            assert_eq!(counters.count(&format!("user-{caller}"), 7), 1);
        }
        assert_eq!(counters.count("user-1", 7), 2);
        assert_eq!(counters.count("user-1", 8), 1);
        assert_eq!(counters.counts.len(), 1, "the previous window's callers are dropped");
    }
}
