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
    Local(std::sync::Arc<Mutex<HashMap<String, (u64, u32)>>>),
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

/// Keys kept in process before the counters of past windows are dropped.
const LOCAL_PRUNE_AT: usize = 50_000;

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
            Self::Local(counters) => {
                let mut counters = counters.lock().unwrap_or_else(|e| e.into_inner());
                if counters.len() >= LOCAL_PRUNE_AT {
                    counters.retain(|_, (w, _)| *w == window);
                }
                let entry = counters.entry(key.to_owned()).or_insert((window, 0));
                if entry.0 != window {
                    *entry = (window, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                entry.1
            }
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
}
