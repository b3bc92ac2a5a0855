//! Access tokens: HS256 JWTs issued at login and refresh, verified on every request.
//!
//! Only HS256 is accepted (tokens with `alg: none` or any other algorithm are rejected).
//! Every claim is required and checked without leeway: the signature against each
//! configured key in turn (newest first, so a key can be rotated), `exp`, `nbf`, the
//! issuer `lms` and the audience `lms-api`; a token may live no longer than the access
//! lifetime (`exp - iat`) and may not be issued in the future. The session the token
//! belongs to (`sid`, the refresh-token family) must not have been ended by a logout, a
//! logout everywhere, a password change or refresh-token reuse detection.
//!
//! Asking storage about the session on every request would cost a query per request, so
//! each instance keeps the set of recently ended sessions instead, fed by polling the
//! revocation feed ([`lms_core::services::AuthService::ended_sessions_since`]) every
//! `LMS_SESSION_REVOCATION_POLL_MS` (default 1000). A session ended on another instance
//! is refused here within one poll interval (plus the time a poll takes); one ended
//! through this instance at once, because the handler that ended it polls before it
//! answers ([`TokenService::ended_here`]).
//!
//! - Each poll asks for the sessions ended since the previous successful poll started,
//!   less an overlap ([`TokenService::overlap`]) that covers clock differences between
//!   instances and revocations that were still committing; the first asks for one
//!   access-token lifetime back.
//! - Ended sessions are forgotten an access-token lifetime (plus [`PRUNE_MARGIN`]) after
//!   they ended: every access token issued before then has expired, and no token is
//!   issued for an ended session.
//! - While the set is stale (no successful poll for [`TokenService::stale_after`], e.g.
//!   storage is down) or not loaded yet, each request asks storage as it did before the
//!   feed, so a revocation is never silently missed; if storage cannot answer, the
//!   request is refused with [`TokenError::Unavailable`].

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lms_core::domain::user::{Role, User};
use lms_core::ids::UserId;
use lms_core::{Actor, Lms};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's role when the token was issued.
    pub role: String,
    /// The session (refresh-token family) the token belongs to.
    pub sid: String,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Not valid before, seconds since the epoch (the issue time).
    pub nbf: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issuer, always [`ISSUER`].
    pub iss: String,
    /// Audience, always [`AUDIENCE`].
    pub aud: String,
}

/// The issuer of every access token.
pub const ISSUER: &str = "lms";

/// The audience of every access token: this API.
pub const AUDIENCE: &str = "lms-api";

/// How far in the future a token's issue time may lie: clock differences between the
/// instances that issue and verify tokens.
const MAX_CLOCK_SKEW_SECONDS: i64 = 30;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Malformed, wrongly signed, of another algorithm, or with invalid claims.
    #[error("invalid access token")]
    Invalid,
    /// Past its expiry.
    #[error("access token expired")]
    Expired,
    /// The session was ended (logout, reuse detection, password change).
    #[error("session ended")]
    Revoked,
    /// Storage could not confirm the session.
    #[error("session could not be checked")]
    Unavailable,
}

/// How long past an access-token lifetime an ended session is remembered: covers a token
/// issued just as its session ended and clock differences between instances.
pub const PRUNE_MARGIN: Duration = Duration::from_secs(60);

/// The shortest overlap between consecutive polls of the revocation feed.
const MIN_OVERLAP: Duration = Duration::from_secs(1);

/// The shortest time without a successful poll after which the set counts as stale.
const MIN_STALE_AFTER: Duration = Duration::from_secs(5);

/// Sessions ended recently, as the revocation feed reported them, and how fresh that is.
#[derive(Debug, Default)]
struct EndedSessions {
    /// Session id and when it ended.
    ended: HashMap<Uuid, DateTime<Utc>>,
    /// Wall-clock start of the latest successful poll: the next one asks from there.
    polled_from: Option<DateTime<Utc>>,
    /// Start of the latest successful poll that vouches for the set.
    fresh_at: Option<Instant>,
    /// Polls started before this vouch for nothing: a session ended here after they
    /// started could not be confirmed.
    distrust_before: Option<Instant>,
}

/// What the set says about a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Ended recently: refuse its tokens.
    Ended,
    /// Not ended as of a recent poll.
    Live,
    /// The set is stale or not loaded: ask storage.
    Unknown,
}

impl EndedSessions {
    fn verdict(&self, sid: Uuid, now: Instant, stale_after: Duration) -> Verdict {
        if self.ended.contains_key(&sid) {
            Verdict::Ended
        } else if self.fresh_at.is_some_and(|at| now.duration_since(at) <= stale_after) {
            Verdict::Live
        } else {
            Verdict::Unknown
        }
    }

    /// Where the next poll starts: `overlap` before the previous successful poll started,
    /// or `window` back from `now` when there was none.
    fn since(&self, now: DateTime<Utc>, overlap: Duration, window: Duration) -> DateTime<Utc> {
        match self.polled_from {
            Some(from) => before(from, overlap),
            None => before(now, window),
        }
    }

    /// Takes in what a poll started at `started` (wall clock and instant) found, and forgets
    /// sessions that ended before `keep_from`.
    fn merge(
        &mut self,
        found: Vec<(Uuid, DateTime<Utc>)>,
        started: (DateTime<Utc>, Instant),
        keep_from: DateTime<Utc>,
    ) {
        for (sid, at) in found {
            let ended = self.ended.entry(sid).or_insert(at);
            *ended = (*ended).max(at);
        }
        self.ended.retain(|_, at| *at >= keep_from);
        let (wall, instant) = started;
        self.polled_from = self.polled_from.max(Some(wall));
        if self.distrust_before.is_none_or(|d| instant >= d) {
            self.fresh_at = self.fresh_at.max(Some(instant));
        }
    }

    /// Stops trusting the set until a poll that starts after `now` succeeds.
    fn distrust(&mut self, now: Instant) {
        self.fresh_at = None;
        self.distrust_before = Some(now);
    }
}

/// The time `span` before `at` (the earliest time there is, if that is earlier).
fn before(at: DateTime<Utc>, span: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(span)
        .ok()
        .and_then(|span| at.checked_sub_signed(span))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Issues access tokens, and verifies them against the recently ended sessions.
pub struct TokenService {
    encoding: EncodingKey,
    /// Every key that verifies, newest (the signing key) first.
    decoding: Vec<DecodingKey>,
    validation: Validation,
    ttl: Duration,
    poll_interval: Duration,
    ended: RwLock<EndedSessions>,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("ttl", &self.ttl)
            .field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// A token service signing with the first of `keys` and verifying with any of them,
    /// issuing tokens that live `ttl`, for a server that polls the revocation feed every
    /// `poll_interval` ([`TokenService::sync_ended_sessions`]). Until a poll succeeds, every
    /// request asks storage.
    ///
    /// # Panics
    /// When `keys` is empty: a server without a signing key cannot start.
    pub fn new(keys: &[&[u8]], ttl: Duration, poll_interval: Duration) -> Self {
        assert!(!keys.is_empty(), "a token service needs a signing key");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub", "iss", "aud"]);
        Self {
            encoding: EncodingKey::from_secret(keys[0]),
            decoding: keys.iter().map(|key| DecodingKey::from_secret(key)).collect(),
            validation,
            ttl,
            poll_interval,
            ended: RwLock::new(EndedSessions::default()),
        }
    }

    /// How often the revocation feed is polled.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    /// How far each poll reaches back before the previous one started: two poll
    /// intervals, at least a second.
    pub fn overlap(&self) -> Duration {
        self.poll_interval.saturating_mul(2).max(MIN_OVERLAP)
    }

    /// How long the set of ended sessions is trusted without a successful poll: ten poll
    /// intervals, at least five seconds. After that, requests ask storage.
    pub fn stale_after(&self) -> Duration {
        self.poll_interval.saturating_mul(10).max(MIN_STALE_AFTER)
    }

    /// Lifetime of issued tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A token for `user` in session `family_id`.
    pub fn issue(&self, user: &User, family_id: Uuid) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.id.to_string(),
            role: user.role.as_str().to_owned(),
            sid: family_id.to_string(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    fn ttl_seconds(&self) -> i64 {
        i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2)
    }

    /// Checks signature, algorithm and claims; returns the actor and session id. Does
    /// not check that the session is live (see [`TokenService::authenticate`]).
    pub fn decode(&self, token: &str) -> Result<(Actor, Uuid), TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        let mut verified = Err(TokenError::Invalid);
        for key in &self.decoding {
            match decode::<Claims>(token, key, &self.validation) {
                Ok(data) => {
                    verified = Ok(data.claims);
                    break;
                }
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => continue,
                Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => return Err(TokenError::Expired),
                Err(_) => return Err(TokenError::Invalid),
            }
        }
        let claims = verified?;
        let now = chrono::Utc::now().timestamp();
        if claims.exp.saturating_sub(claims.iat) > self.ttl_seconds() || claims.iat > now + MAX_CLOCK_SKEW_SECONDS {
            return Err(TokenError::Invalid);
        }
        let user_id = UserId::from_str(&claims.sub).map_err(|_| TokenError::Invalid)?;
        let role = Role::from_str(&claims.role).map_err(|_| TokenError::Invalid)?;
        let sid = Uuid::parse_str(&claims.sid).map_err(|_| TokenError::Invalid)?;
        Ok((Actor { user_id, role }, sid))
    }

    /// Decodes the token and confirms its session was not ended
    /// ([`TokenService::check_live`]).
    pub async fn authenticate(&self, lms: &Lms, token: &str) -> Result<Actor, TokenError> {
        let (actor, sid) = self.decode(token)?;
        self.check_live(lms, actor, sid).await
    }

    /// Confirms that session `sid` of an already decoded token was not ended: from the
    /// set of ended sessions while it is fresh, otherwise by asking storage.
    pub async fn check_live(&self, lms: &Lms, actor: Actor, sid: Uuid) -> Result<Actor, TokenError> {
        match self.read().verdict(sid, Instant::now(), self.stale_after()) {
            Verdict::Ended => return Err(TokenError::Revoked),
            Verdict::Live => return Ok(actor),
            Verdict::Unknown => {}
        }
        match lms.auth.check_session(sid).await {
            Ok(()) => Ok(actor),
            Err(lms_core::Error::Unauthenticated(_)) => Err(TokenError::Revoked),
            Err(_) => Err(TokenError::Unavailable),
        }
    }

    /// Polls the revocation feed once: adds the sessions ended since the previous
    /// successful poll (less the overlap) and forgets those ended more than an
    /// access-token lifetime ago. The server calls it every poll interval.
    pub async fn sync_ended_sessions(&self, lms: &Lms) -> Result<(), lms_core::Error> {
        let started = (Utc::now(), Instant::now());
        let window = self.ttl.saturating_add(PRUNE_MARGIN);
        let since = self.read().since(started.0, self.overlap(), window);
        let found = lms.auth.ended_sessions_since(since).await?;
        let keep_from = before(Utc::now(), window);
        self.write().merge(found, started, keep_from);
        Ok(())
    }

    /// Makes sessions just ended through this instance (logout, reuse detection) take
    /// effect at once: polls the feed now. If that fails, requests ask storage until a
    /// later poll succeeds.
    pub async fn ended_here(&self, lms: &Lms) {
        let now = Instant::now();
        if let Err(error) = self.sync_ended_sessions(lms).await {
            tracing::warn!(%error, "revocation feed unavailable; checking sessions in storage");
            self.write().distrust(now);
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, EndedSessions> {
        self.ended.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, EndedSessions> {
        self.ended.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use lms_core::domain::text::{DisplayName, Email};
    use lms_core::memory::MemoryStore;
    use lms_core::ports::{RefreshToken, RefreshTokenState, Stores};
    #[cfg(feature = "sqlite")]
    use lms_storage_sqlite::SqliteStore;

    const TTL: Duration = Duration::from_secs(900);

    /// A fixed wall-clock time `secs` seconds from an arbitrary origin.
    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    /// A new session (token family) of `actor` in `stores`.
    async fn start_session(stores: &Stores, actor: Actor) -> Uuid {
        let family_id = Uuid::now_v7();
        let now = Utc::now();
        let token = RefreshToken {
            token_hash: format!("{:064x}", family_id.as_u128()),
            family_id,
            user_id: actor.user_id,
            issued_at: now,
            expires_at: now + chrono::Duration::days(7),
            state: RefreshTokenState::Active,
        };
        stores.auth.insert_refresh_token(&token).await.unwrap();
        family_id
    }

    fn student() -> Actor {
        Actor {
            user_id: UserId::new(),
            role: Role::Student,
        }
    }

    #[test]
    fn the_set_keeps_each_sessions_latest_end_and_forgets_old_ones() {
        let mut set = EndedSessions::default();
        let (old, recent) = (Uuid::now_v7(), Uuid::now_v7());
        let polled = Instant::now();
        set.merge(
            vec![(old, at(0)), (recent, at(100)), (recent, at(50))],
            (at(120), polled),
            at(-1000),
        );
        assert_eq!(set.ended.len(), 2);
        assert_eq!(set.ended.get(&recent), Some(&at(100)), "the latest end");
        // A later poll forgets what ended before its cut-off, whichever poll found it.
        set.merge(vec![(recent, at(60))], (at(1000), polled), at(10));
        assert_eq!(set.ended.keys().collect::<Vec<_>>(), [&recent]);
        assert_eq!(set.ended.get(&recent), Some(&at(100)), "an earlier end changes nothing");
        let stale_after = Duration::from_secs(5);
        assert_eq!(set.verdict(recent, polled, stale_after), Verdict::Ended);
        assert_eq!(
            set.verdict(old, polled, stale_after),
            Verdict::Live,
            "forgotten: its access tokens have expired"
        );
    }

    #[test]
    fn polls_reach_one_lifetime_back_then_overlap_the_previous_poll() {
        let mut set = EndedSessions::default();
        let (overlap, window) = (Duration::from_secs(2), Duration::from_secs(960));
        assert_eq!(set.since(at(5000), overlap, window), at(5000 - 960));
        set.merge(Vec::new(), (at(6000), Instant::now()), at(0));
        assert_eq!(set.since(at(7000), overlap, window), at(5998));
        // A poll that started earlier but finished later does not move the start back.
        set.merge(Vec::new(), (at(5500), Instant::now()), at(0));
        assert_eq!(set.since(at(7000), overlap, window), at(5998));
        assert_eq!(
            set.since(at(7000), Duration::MAX, window),
            DateTime::<Utc>::MIN_UTC,
            "no overflow"
        );
    }

    #[test]
    fn a_stale_or_distrusted_set_defers_to_storage() {
        let stale_after = Duration::from_secs(10);
        let mut set = EndedSessions::default();
        let sid = Uuid::now_v7();
        let t0 = Instant::now();
        assert_eq!(set.verdict(sid, t0, stale_after), Verdict::Unknown, "not loaded yet");
        set.merge(Vec::new(), (at(0), t0), at(-1000));
        assert_eq!(set.verdict(sid, t0 + stale_after, stale_after), Verdict::Live);
        assert_eq!(
            set.verdict(sid, t0 + stale_after + Duration::from_millis(1), stale_after),
            Verdict::Unknown,
            "stale"
        );
        let t1 = t0 + Duration::from_secs(1);
        set.distrust(t1);
        assert_eq!(set.verdict(sid, t1, stale_after), Verdict::Unknown);
        set.merge(Vec::new(), (at(0), t1 - Duration::from_millis(1)), at(-1000));
        assert_eq!(
            set.verdict(sid, t1, stale_after),
            Verdict::Unknown,
            "a poll started before the distrust vouches for nothing"
        );
        set.merge(Vec::new(), (at(2), t1), at(-1000));
        assert_eq!(set.verdict(sid, t1, stale_after), Verdict::Live);
    }

    #[test]
    fn overlap_and_staleness_follow_the_poll_interval() {
        let fast = TokenService::new(&[b"k"], TTL, Duration::from_millis(100));
        assert_eq!(
            (fast.overlap(), fast.stale_after()),
            (Duration::from_secs(1), Duration::from_secs(5))
        );
        let slow = TokenService::new(&[b"k"], TTL, Duration::from_secs(2));
        assert_eq!(
            (slow.overlap(), slow.stale_after()),
            (Duration::from_secs(4), Duration::from_secs(20))
        );
    }

    #[tokio::test]
    async fn sessions_are_checked_in_storage_until_the_first_poll_then_in_the_set() {
        let stores = Stores::from_backend(Arc::new(MemoryStore::new()));
        let lms = Lms::with_system_clock(stores.clone());
        let tokens = TokenService::new(&[b"k"], TTL, Duration::from_secs(1));
        let actor = student();
        let (ended_first, ended_later) = (start_session(&stores, actor).await, start_session(&stores, actor).await);
        stores.auth.revoke_token_family(ended_first, Utc::now()).await.unwrap();
        assert_eq!(
            tokens.check_live(&lms, actor, ended_first).await,
            Err(TokenError::Revoked)
        );
        assert_eq!(tokens.check_live(&lms, actor, ended_later).await, Ok(actor));

        tokens.sync_ended_sessions(&lms).await.unwrap();
        assert_eq!(
            tokens.check_live(&lms, actor, ended_first).await,
            Err(TokenError::Revoked),
            "the first poll reaches back an access-token lifetime"
        );
        // Ended elsewhere: the set answers alone until the next poll brings it in.
        stores.auth.revoke_token_family(ended_later, Utc::now()).await.unwrap();
        assert_eq!(tokens.check_live(&lms, actor, ended_later).await, Ok(actor));
        tokens.sync_ended_sessions(&lms).await.unwrap();
        assert_eq!(
            tokens.check_live(&lms, actor, ended_later).await,
            Err(TokenError::Revoked)
        );
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn sessions_ended_here_are_refused_at_once_and_unconfirmed_ones_ask_storage() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::connect(&format!("sqlite:{}", dir.path().join("lms.db").display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let stores = Stores::from_backend(Arc::new(store.clone()));
        let lms = Lms::with_system_clock(stores.clone());
        let tokens = TokenService::new(&[b"k"], TTL, Duration::from_secs(1));
        let actor = student();
        let (live, ended) = (start_session(&stores, actor).await, start_session(&stores, actor).await);
        tokens.sync_ended_sessions(&lms).await.unwrap();
        stores.auth.revoke_token_family(ended, Utc::now()).await.unwrap();
        tokens.ended_here(&lms).await;
        assert_eq!(tokens.check_live(&lms, actor, ended).await, Err(TokenError::Revoked));
        assert_eq!(tokens.check_live(&lms, actor, live).await, Ok(actor));

        // Storage goes away: a session ended here cannot be confirmed, so every request
        // asks storage, and is refused as unavailable rather than let through.
        store.close().await;
        assert!(tokens.sync_ended_sessions(&lms).await.is_err());
        tokens.ended_here(&lms).await;
        assert_eq!(tokens.check_live(&lms, actor, live).await, Err(TokenError::Unavailable));
        assert_eq!(
            tokens.check_live(&lms, actor, ended).await,
            Err(TokenError::Revoked),
            "still known as ended"
        );
    }

    fn user() -> User {
        let now = chrono::Utc::now();
        User {
            id: UserId::new(),
            email: Email::parse("a@example.com").unwrap(),
            display_name: DisplayName::parse("A").unwrap(),
            role: Role::Instructor,
            premium: false,
            created_at: now,
            updated_at: now,
            version: 1,
            sealed: None,
        }
    }

    #[test]
    fn issued_tokens_decode_to_the_same_actor() {
        let tokens = TokenService::new(&[b"k"], TTL, Duration::from_secs(1));
        let user = user();
        let sid = Uuid::now_v7();
        let (actor, got_sid) = tokens.decode(&tokens.issue(&user, sid).unwrap()).unwrap();
        assert_eq!((actor.user_id, actor.role, got_sid), (user.id, Role::Instructor, sid));
    }

    /// Claims as the server issues them for a fresh student token of `user`.
    fn claims_of(user: &User) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: user.id.to_string(),
            role: "student".into(),
            sid: Uuid::now_v7().to_string(),
            iat: now,
            nbf: now,
            exp: now + 900,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        }
    }

    fn sign(claims: &impl Serialize, key: &[u8]) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key)).unwrap()
    }

    #[test]
    fn other_keys_algorithms_and_expired_tokens_are_refused() {
        let tokens = TokenService::new(&[b"k"], TTL, Duration::from_secs(1));
        let other = TokenService::new(&[b"other"], TTL, Duration::from_secs(1));
        let token = other.issue(&user(), Uuid::now_v7()).unwrap();
        assert_eq!(tokens.decode(&token), Err(TokenError::Invalid));
        let user = user();
        let now = chrono::Utc::now().timestamp();
        let expired = Claims {
            iat: now - 901,
            nbf: now - 901,
            exp: now - 1,
            ..claims_of(&user)
        };
        assert_eq!(tokens.decode(&sign(&expired, b"k")), Err(TokenError::Expired));
        let good = tokens.issue(&user, Uuid::now_v7()).unwrap();
        let payload = good.split('.').nth(1).unwrap();
        // {"alg":"none","typ":"JWT"}
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(tokens.decode(&none), Err(TokenError::Invalid));
        assert_eq!(tokens.decode("garbage"), Err(TokenError::Invalid));
    }

    #[test]
    fn every_claim_is_enforced() {
        let tokens = TokenService::new(&[b"k"], TTL, Duration::from_secs(1));
        let user = user();
        let fresh = claims_of(&user);
        assert!(
            tokens.decode(&sign(&fresh, b"k")).is_ok(),
            "the control token is accepted"
        );
        let now = fresh.iat;
        let refused = [
            (
                "not yet valid",
                Claims {
                    nbf: now + 600,
                    ..fresh.clone()
                },
            ),
            (
                "valid until 2100",
                Claims {
                    exp: 4_102_444_800,
                    ..fresh.clone()
                },
            ),
            (
                "issued in the future",
                Claims {
                    iat: now + 3600,
                    nbf: now,
                    exp: now + 3600 + 900,
                    ..fresh.clone()
                },
            ),
            (
                "another issuer",
                Claims {
                    iss: "someone".into(),
                    ..fresh.clone()
                },
            ),
            (
                "another audience",
                Claims {
                    aud: "another-api".into(),
                    ..fresh.clone()
                },
            ),
        ];
        for (what, claims) in refused {
            assert_eq!(tokens.decode(&sign(&claims, b"k")), Err(TokenError::Invalid), "{what}");
        }
        let mut missing = serde_json::to_value(&fresh).unwrap();
        for claim in ["nbf", "iat", "aud", "iss"] {
            let mut without = missing.clone();
            without.as_object_mut().unwrap().remove(claim);
            assert_eq!(
                tokens.decode(&sign(&without, b"k")),
                Err(TokenError::Invalid),
                "without {claim}"
            );
        }
        missing["aud"] = serde_json::json!(["lms-api", "another-api"]);
        assert!(
            tokens.decode(&sign(&missing, b"k")).is_err(),
            "an audience list does not deserialize"
        );
    }

    #[test]
    fn the_newest_key_signs_and_every_configured_key_verifies() {
        let rotated = TokenService::new(&[b"new", b"old"], TTL, Duration::from_secs(1));
        let before = TokenService::new(&[b"old"], TTL, Duration::from_secs(1));
        let user = user();
        let old_token = before.issue(&user, Uuid::now_v7()).unwrap();
        assert!(
            rotated.decode(&old_token).is_ok(),
            "tokens of the previous key still verify"
        );
        let new_token = rotated.issue(&user, Uuid::now_v7()).unwrap();
        assert_eq!(
            before.decode(&new_token),
            Err(TokenError::Invalid),
            "signed with the new key"
        );
        let after = TokenService::new(&[b"new"], TTL, Duration::from_secs(1));
        assert!(after.decode(&new_token).is_ok());
        assert_eq!(
            after.decode(&old_token),
            Err(TokenError::Invalid),
            "a retired key verifies nothing"
        );
    }
}
