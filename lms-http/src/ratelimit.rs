//! Rate limiting with fixed windows: each caller key (a user, or a client address when
//! anonymous) has a budget per minute, and each account a budget of failed logins per
//! longer window. Counters live in process by default, or in Redis when `LMS_REDIS_URL`
//! is set, so that every instance shares one budget.

use std::collections::HashMap;
use std::fmt::Display;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lms_core::domain::events::SecuritySignal;
use lms_core::domain::text::Email;
use lms_core::ids::UserId;
use lms_core::Lms;
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

use crate::settings::RateLimits;

/// Length of the request windows of [`RateLimiter::check`] in seconds.
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
    /// Requests counted in the window, this one included (0 when the counters could not
    /// be reached).
    pub count: u32,
}

impl Decision {
    /// The decision for the `count`th request of a window.
    fn new(count: u32, limit: u32, reset_seconds: u64) -> Self {
        Self {
            allowed: count <= limit,
            limit,
            remaining: limit.saturating_sub(count),
            reset_seconds,
            count,
        }
    }

    /// Whether this request used the last of the budget. Counted requests of one key and
    /// window see each count once, so this holds for exactly one of them: the moment to
    /// raise an alert once per window.
    pub fn used_up_budget(&self) -> bool {
        self.count == self.limit
    }
}

/// A fixed window of some length, aligned to the Unix epoch, as of now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    /// Length in seconds (at least one).
    seconds: u64,
    /// Which window of that length it is since the epoch.
    index: u64,
    /// Seconds until it ends.
    reset_seconds: u64,
}

impl Window {
    /// The window of `length` that is current.
    fn current(length: Duration) -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let seconds = length.as_secs().max(1);
        let index = now / seconds;
        Self {
            seconds,
            index,
            reset_seconds: (index + 1) * seconds - now,
        }
    }
}

/// Whether a request is counted or only looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Count,
    Peek,
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

/// The in-process counters: per window length, those of the current window only. A new
/// window starts them all from zero at once, so a request never scans counters, however
/// many callers there are.
#[derive(Debug, Default)]
pub struct LocalCounters {
    lengths: HashMap<u64, Generation>,
}

/// The counters of the current window of one length.
#[derive(Debug, Default)]
struct Generation {
    index: u64,
    counts: HashMap<String, u32>,
}

impl LocalCounters {
    /// The counters of `window`, emptied when it has replaced the previous window.
    fn generation(&mut self, window: Window) -> &mut Generation {
        let generation = self.lengths.entry(window.seconds).or_default();
        if generation.index != window.index {
            generation.index = window.index;
            generation.counts.clear();
        }
        generation
    }

    /// Counts one request of `key` in `window`; returns its count in the window.
    fn count(&mut self, key: &str, window: Window) -> u32 {
        let counts = &mut self.generation(window).counts;
        let count = match counts.get_mut(key) {
            Some(count) => count,
            None => counts.entry(key.to_owned()).or_insert(0),
        };
        *count = count.saturating_add(1);
        *count
    }

    /// The count of `key` in `window`, unchanged.
    fn peek(&mut self, key: &str, window: Window) -> u32 {
        self.generation(window).counts.get(key).copied().unwrap_or(0)
    }
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

    /// Counts one request of `key` against `limit` per minute.
    pub async fn check(&self, key: &str, limit: u32) -> Decision {
        self.count(key, limit, Duration::from_secs(WINDOW_SECONDS)).await
    }

    /// Counts one request of `key` against `limit` per window of `length` (whole
    /// seconds, at least one).
    pub async fn count(&self, key: &str, limit: u32, length: Duration) -> Decision {
        let window = Window::current(length);
        let count = self.access(key, window, Access::Count).await;
        Decision::new(count, limit, window.reset_seconds)
    }

    /// The decision the next request of `key` would get from [`RateLimiter::count`],
    /// without counting it: for budgets that only some outcomes use up, checked before
    /// the outcome is known.
    pub async fn peek(&self, key: &str, limit: u32, length: Duration) -> Decision {
        let window = Window::current(length);
        let count = self.access(key, window, Access::Peek).await;
        Decision::new(count.saturating_add(1), limit, window.reset_seconds)
    }

    /// The count of `key` in `window`, after counting one request when `access` says so.
    /// A Redis failure reads as 0, letting the request through (and is logged): losing
    /// the limiter must not take the API down.
    async fn access(&self, key: &str, window: Window, access: Access) -> u32 {
        match self {
            Self::Local(counters) => {
                let mut counters = counters.lock().unwrap_or_else(|e| e.into_inner());
                match access {
                    Access::Count => counters.count(key, window),
                    Access::Peek => counters.peek(key, window),
                }
            }
            Self::Redis { connection, prefix } => {
                let redis_key = format!("{prefix}:{key}:{}:{}", window.seconds, window.index);
                let mut connection = connection.clone();
                let result = match access {
                    Access::Count => redis::pipe()
                        .atomic()
                        .incr(&redis_key, 1u32)
                        .expire(&redis_key, i64::try_from(window.seconds + 5).unwrap_or(i64::MAX))
                        .ignore()
                        .query_async::<(u32,)>(&mut connection)
                        .await
                        .map(|(count,)| count),
                    Access::Peek => redis::cmd("GET")
                        .arg(&redis_key)
                        .query_async::<Option<u32>>(&mut connection)
                        .await
                        .map(Option::unwrap_or_default),
                };
                result.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "rate limiter unavailable; request allowed");
                    0
                })
            }
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

/// The failed-login budgets (S4) of the account a login names: one for the account
/// whoever tries it, one for the account from the client address. Only failures count,
/// over [`RateLimits::login_failure_window`]; nothing resets them before the window ends,
/// so a login that succeeds now and then does not buy an attacker new guesses.
///
/// Keys hold the SHA-256 of the normalized email, never the email itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailures {
    account: String,
    account_address: String,
}

impl LoginFailures {
    /// The budgets of a login for `email` from `client`. The email is normalized as the
    /// accounts' are ([`Email::parse`]), so spellings of one address share a budget; one
    /// that does not parse is trimmed and lower-cased.
    pub fn new(email: &str, client: &dyn Display) -> Self {
        let normalized = Email::parse(email).map_or_else(|_| email.trim().to_lowercase(), |e| e.as_str().to_owned());
        let account = format!("{:x}", Sha256::digest(normalized.as_bytes()));
        Self {
            account_address: format!("login-failures:account-address:{account}:{client}"),
            account: format!("login-failures:account:{account}"),
        }
    }

    /// The refusal of a login whose account has used up either budget, checked before the
    /// password and counting nothing; `None` when the login may go ahead.
    pub async fn refusal(&self, limiter: &RateLimiter, limits: &RateLimits) -> Option<Decision> {
        let window = limits.login_failure_window;
        let (account, account_address) = futures::join!(
            limiter.peek(&self.account, limits.login_failures_per_account, window),
            limiter.peek(&self.account_address, limits.login_failures_per_account_address, window),
        );
        [account, account_address].into_iter().find(|d| !d.allowed)
    }

    /// Counts a failed login against both budgets. Returns the account's failures in the
    /// window when this failure used up either budget (the moment for an alert, once per
    /// budget and window), `None` otherwise.
    pub async fn count_failure(&self, limiter: &RateLimiter, limits: &RateLimits) -> Option<u32> {
        let window = limits.login_failure_window;
        let (account, account_address) = futures::join!(
            limiter.count(&self.account, limits.login_failures_per_account, window),
            limiter.count(&self.account_address, limits.login_failures_per_account_address, window),
        );
        (account.used_up_budget() || account_address.used_up_budget()).then_some(account.count)
    }
}

/// Raises a security alert (S11) about `client`: a failure to record it is logged, never
/// the request's failure, since refusing logins because the outbox is down would turn an
/// alert into an outage.
pub async fn raise_alert(
    lms: &Lms,
    signal: SecuritySignal,
    user_id: Option<UserId>,
    client: Option<IpAddr>,
    count: u32,
) {
    let address = client.map(|ip| ip.to_string());
    if let Err(e) = lms.security.raise(signal, user_id, address, count).await {
        tracing::error!(target: "lms::security", error = %e, ?signal, "security alert not recorded");
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

    /// The window of `seconds` with this index.
    fn window(seconds: u64, index: u64) -> Window {
        Window {
            seconds,
            index,
            reset_seconds: seconds,
        }
    }

    #[test]
    fn a_new_window_starts_every_budget_again_and_forgets_the_old_callers() {
        let mut counters = LocalCounters::default();
        for caller in 0..1000 {
            assert_eq!(counters.count(&format!("user-{caller}"), window(60, 7)), 1);
        }
        assert_eq!(counters.count("user-1", window(60, 7)), 2);
        assert_eq!(counters.count("user-1", window(60, 8)), 1);
        assert_eq!(
            counters.lengths[&60].counts.len(),
            1,
            "the previous window's callers are dropped"
        );
    }

    #[test]
    fn windows_of_different_lengths_keep_their_own_counts() {
        let mut counters = LocalCounters::default();
        assert_eq!(counters.count("a", window(60, 7)), 1);
        assert_eq!(counters.count("a", window(900, 3)), 1);
        assert_eq!(counters.count("a", window(60, 8)), 1, "a new minute");
        assert_eq!(counters.peek("a", window(900, 3)), 1, "the longer window goes on");
        assert_eq!(counters.count("a", window(900, 3)), 2);
    }

    #[tokio::test]
    async fn peeking_counts_nothing_and_tells_whether_one_more_fits() {
        let limiter = RateLimiter::local();
        let length = Duration::from_secs(900);
        assert!(limiter.peek("k", 2, length).await.allowed);
        assert!(!limiter.count("k", 2, length).await.used_up_budget());
        let last = limiter.count("k", 2, length).await;
        assert!(last.allowed && last.used_up_budget());
        let next = limiter.peek("k", 2, length).await;
        assert!(!next.allowed);
        assert_eq!((next.count, next.remaining), (3, 0));
        assert!(next.reset_seconds >= 1 && next.reset_seconds <= 900);
        assert_eq!(limiter.count("k", 2, length).await.count, 3, "peeks were not counted");
    }

    #[tokio::test]
    async fn login_failures_lock_the_account_from_an_address_then_everywhere() {
        let limiter = RateLimiter::local();
        let limits = RateLimits {
            per_minute: 100,
            login_per_minute: 60,
            login_failures_per_account: 3,
            login_failures_per_account_address: 2,
            login_failure_window: Duration::from_secs(900),
        };
        let from_a = LoginFailures::new(" Ada@Example.COM ", &"192.0.2.1");
        let from_b = LoginFailures::new("ada@example.com", &"192.0.2.2");
        assert_eq!(from_a.count_failure(&limiter, &limits).await, None);
        assert_eq!(
            from_a.count_failure(&limiter, &limits).await,
            Some(2),
            "the address's budget is used up"
        );
        assert_eq!(from_a.refusal(&limiter, &limits).await.map(|d| d.limit), Some(2));
        assert_eq!(from_b.refusal(&limiter, &limits).await, None, "other addresses may try");
        assert_eq!(from_b.count_failure(&limiter, &limits).await, Some(3));
        assert_eq!(from_b.refusal(&limiter, &limits).await.map(|d| d.limit), Some(3));
        let other = LoginFailures::new("grace@example.com", &"192.0.2.1");
        assert_eq!(other.refusal(&limiter, &limits).await, None);
    }

    #[test]
    fn login_failure_keys_hold_no_email() {
        let keys = LoginFailures::new("Ada@Example.com", &"192.0.2.1");
        let printed = format!("{keys:?}");
        assert!(!printed.to_lowercase().contains("example"), "{printed}");
        assert_eq!(keys, LoginFailures::new("ada@example.com ", &"192.0.2.1"));
        assert_eq!(
            LoginFailures::new(" Not An Email ", &"192.0.2.1"),
            LoginFailures::new("not an email", &"192.0.2.1"),
            "unparseable input is trimmed and lower-cased"
        );
    }
}
