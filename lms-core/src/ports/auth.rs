use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use async_trait::async_trait;

use super::StoreResult;
use crate::ids::UserId;

/// Where a refresh token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshTokenState {
    /// May be exchanged once for a new pair.
    Active,
    /// Already exchanged; presenting it again means it was stolen.
    Rotated,
    /// Revoked by logout, reuse detection or an admin.
    Revoked,
}

/// A stored refresh token. Only a hash of the secret token is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    /// SHA-256 of the token the client holds, hex-encoded; the lookup key.
    pub token_hash: String,
    /// All tokens descending from one login share a family; reuse revokes the family.
    pub family_id: Uuid,
    /// The user.
    pub user_id: UserId,
    /// Issue time (also the session's last activity).
    pub issued_at: DateTime<Utc>,
    /// Absolute expiry.
    pub expires_at: DateTime<Utc>,
    /// State.
    pub state: RefreshTokenState,
}

/// Stores credentials and refresh-token sessions.
#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Sets (inserts or replaces) a user's password hash (a PHC string).
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()>;

    /// The user's password hash, if one was set.
    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>>;

    /// Stores a new token. MUST fail with `Duplicate(UniqueKey::Id)` when the hash exists.
    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()>;

    /// The token with this hash, if any.
    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>>;

    /// Atomically marks the token `Rotated` and stores `next`, only if the token is still
    /// `Active`; otherwise MUST fail with `VersionConflict` and store nothing (so of two
    /// concurrent refreshes with one token, exactly one wins). `NotFound` if absent.
    async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()>;

    /// Whether the family (one login's session) still has an `Active` token, i.e. was
    /// neither revoked nor ended by reuse detection.
    async fn session_active(&self, family_id: Uuid) -> StoreResult<bool>;

    /// Marks every token of the family `Revoked`; returns how many were active before.
    /// Tokens that become revoked MUST record `at` as their revocation time (the core's
    /// clock, see [`AuthStore::sessions_ended_since`]); tokens already revoked keep theirs.
    async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64>;

    /// Marks every token of the user `Revoked`; returns how many were active before. Tokens
    /// that become revoked MUST record `at` as their revocation time; tokens already revoked
    /// keep theirs.
    async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64>;

    /// The revocation feed: every family with a token whose recorded revocation time is at
    /// or after `since`, each family once, with the latest such time (to the microsecond),
    /// in no particular order.
    ///
    /// Rotation alone MUST NOT list a family (a `Rotated` token has no revocation time);
    /// revocation by [`AuthStore::revoke_token_family`] or [`AuthStore::revoke_user_tokens`]
    /// MUST. Servers poll it every second or so with `since` a little in the past, so it
    /// MUST be served by an index on the revocation time, not a scan of every token. The
    /// result is not paged: callers ask for short windows (at most an access-token
    /// lifetime).
    async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>>;
}
