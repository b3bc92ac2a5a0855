//! Access tokens: HS256 JWTs issued at login and refresh, verified on every request.
//!
//! Only HS256 is accepted (tokens with `alg: none` or any other algorithm are rejected),
//! expiry is checked without leeway, and the session the token belongs to (`sid`, the
//! refresh-token family) must still be live. That last check asks storage, so a positive
//! answer is cached in process for a few seconds (`LMS_SESSION_CHECK_CACHE_SECONDS`,
//! default 5): a logout or revocation made on another instance takes effect there within
//! that time; on the instance that handled it, at once.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issuer, always `lms`.
    pub iss: String,
}

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

/// Issues and verifies access tokens.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    cache_ttl: Duration,
    live_sessions: Mutex<HashMap<Uuid, Instant>>,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("ttl", &self.ttl)
            .field("cache_ttl", &self.cache_ttl)
            .finish_non_exhaustive()
    }
}

/// Most sessions remembered as live; the cache is emptied when it grows past this.
const MAX_CACHED_SESSIONS: usize = 100_000;

impl TokenService {
    /// A token service signing with `secret`.
    pub fn new(secret: &[u8], ttl: Duration, cache_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.set_issuer(&["lms"]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
            cache_ttl,
            live_sessions: Mutex::new(HashMap::new()),
        }
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
            exp: now + i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iss: "lms".to_owned(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks signature, algorithm and expiry; returns the actor and session id. Does
    /// not check that the session is live (see [`TokenService::authenticate`]).
    pub fn decode(&self, token: &str) -> Result<(Actor, Uuid), TokenError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        let claims = data.claims;
        let user_id = UserId::from_str(&claims.sub).map_err(|_| TokenError::Invalid)?;
        let role = Role::from_str(&claims.role).map_err(|_| TokenError::Invalid)?;
        let sid = Uuid::parse_str(&claims.sid).map_err(|_| TokenError::Invalid)?;
        Ok((Actor { user_id, role }, sid))
    }

    /// Decodes the token and confirms its session is live (cached briefly).
    pub async fn authenticate(&self, lms: &Lms, token: &str) -> Result<Actor, TokenError> {
        let (actor, sid) = self.decode(token)?;
        if self.recently_live(sid) {
            return Ok(actor);
        }
        match lms.auth.check_session(sid).await {
            Ok(()) => {
                self.remember_live(sid);
                Ok(actor)
            }
            Err(lms_core::Error::Unauthenticated(_)) => Err(TokenError::Revoked),
            Err(_) => Err(TokenError::Unavailable),
        }
    }

    /// Forgets every cached session, so revocations made here apply at once.
    pub fn forget_sessions(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Instant>> {
        self.live_sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn recently_live(&self, sid: Uuid) -> bool {
        self.lock().get(&sid).is_some_and(|at| at.elapsed() < self.cache_ttl)
    }

    fn remember_live(&self, sid: Uuid) {
        if self.cache_ttl.is_zero() {
            return;
        }
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED_SESSIONS {
            cache.clear();
        }
        cache.insert(sid, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lms_core::domain::text::{DisplayName, Email};

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
        }
    }

    #[test]
    fn issued_tokens_decode_to_the_same_actor() {
        let tokens = TokenService::new(b"k", Duration::from_secs(900), Duration::ZERO);
        let user = user();
        let sid = Uuid::now_v7();
        let (actor, got_sid) = tokens.decode(&tokens.issue(&user, sid).unwrap()).unwrap();
        assert_eq!((actor.user_id, actor.role, got_sid), (user.id, Role::Instructor, sid));
    }

    #[test]
    fn other_keys_algorithms_and_expired_tokens_are_refused() {
        let tokens = TokenService::new(b"k", Duration::from_secs(900), Duration::ZERO);
        let other = TokenService::new(b"other", Duration::from_secs(900), Duration::ZERO);
        let token = other.issue(&user(), Uuid::now_v7()).unwrap();
        assert_eq!(tokens.decode(&token), Err(TokenError::Invalid));
        let now = chrono::Utc::now().timestamp();
        let user = user();
        let claims = Claims {
            sub: user.id.to_string(),
            role: "student".into(),
            sid: Uuid::now_v7().to_string(),
            iat: now - 901,
            exp: now - 1,
            iss: "lms".into(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(b"k")).unwrap();
        assert_eq!(tokens.decode(&token), Err(TokenError::Expired));
        let good = tokens.issue(&user, Uuid::now_v7()).unwrap();
        let payload = good.split('.').nth(1).unwrap();
        // {"alg":"none","typ":"JWT"}
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(tokens.decode(&none), Err(TokenError::Invalid));
        assert_eq!(tokens.decode("garbage"), Err(TokenError::Invalid));
    }
}
