//! Password hashes and refresh tokens over SQL.

use chrono::{DateTime, Utc};
use lms_core::ids::UserId;
use lms_core::ports::{RefreshToken, RefreshTokenState, StoreResult};
use uuid::Uuid;

use super::SqlStore;
use crate::backend::Backend;
use crate::statement::{Dialect, List, Statement, Value};
use crate::{missed_update, refresh_token_columns, refresh_token_from, token_state_name, RefreshTokenColumns};

/// The statement inserting a refresh token; an existing hash is a duplicate id.
fn insert_token(dialect: Dialect, columns: &RefreshTokenColumns) -> Statement<'_> {
    let (token_hash, family_id, user_id, issued_at, expires_at, state) = columns;
    let mut insert = Statement::new(
        dialect,
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at, state) \
         VALUES (?, ?, ?, ?, ?, ?)",
    );
    insert
        .bind(Value::Text(token_hash))
        .bind(Value::Id(*family_id))
        .bind(Value::Id(*user_id))
        .bind(Value::Time(*issued_at))
        .bind(Value::Time(*expires_at))
        .bind(Value::Text(state));
    insert
}

/// Authentication records.
impl<B: Backend> SqlStore<B> {
    /// `AuthStore::set_password_hash`.
    pub async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()> {
        self.backend
            .write(&Self::password_hash_upsert(user_id, hash))
            .await
            .map(drop)
    }

    /// The statement that sets (inserts or replaces) a user's password hash.
    pub(super) fn password_hash_upsert<'a>(user_id: UserId, hash: &'a str) -> Statement<'a> {
        let mut upsert = Self::statement(
            "INSERT INTO password_hashes (user_id, hash) VALUES (?, ?) \
             ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash",
        );
        upsert.bind(Value::Id(user_id.as_uuid())).bind(Value::Text(hash));
        upsert
    }

    /// `AuthStore::password_hash`.
    pub async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>> {
        let mut query = Self::statement("SELECT hash FROM password_hashes WHERE user_id = ?");
        query.bind(Value::Id(user_id.as_uuid()));
        self.row(&query).await
    }

    /// `AuthStore::insert_refresh_token`.
    pub async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let columns = refresh_token_columns(token);
        self.backend.write(&insert_token(B::DIALECT, &columns)).await.map(drop)
    }

    /// `AuthStore::refresh_token`.
    pub async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
        let mut query = Self::statement(
            "SELECT token_hash, family_id, user_id, issued_at, expires_at, state FROM refresh_tokens WHERE token_hash = ?",
        );
        query.bind(Value::Text(token_hash));
        let row: Option<RefreshTokenColumns> = self.row(&query).await?;
        row.map(refresh_token_from).transpose()
    }

    /// `AuthStore::rotate_refresh_token`.
    pub async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()> {
        let mut rotate = Self::statement("UPDATE refresh_tokens SET state = ? WHERE token_hash = ? AND state = ?");
        rotate
            .bind(Value::Text(token_state_name(RefreshTokenState::Rotated)))
            .bind(Value::Text(token_hash))
            .bind(Value::Text(token_state_name(RefreshTokenState::Active)));
        let columns = refresh_token_columns(next);
        let mut tx = self.backend.begin().await?;
        let rotated = self
            .backend
            .execute(&mut tx, &rotate)
            .await
            .map_err(|err| B::classify(err, None))?;
        if rotated == 0 {
            let mut query = Self::statement("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = ?)");
            query.bind(Value::Text(token_hash));
            let exists: Vec<bool> = self.backend.fetch(Some(&mut tx), &query).await?;
            return Err(missed_update(exists.first().copied().unwrap_or(false)));
        }
        self.backend
            .execute(&mut tx, &insert_token(B::DIALECT, &columns))
            .await
            .map_err(|err| B::classify(err, None))?;
        self.backend.commit(tx, &[]).await
    }

    /// `AuthStore::session_active`.
    pub async fn session_active(&self, family_id: Uuid) -> StoreResult<bool> {
        let mut query =
            Self::statement("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = ? AND state = ?)");
        query
            .bind(Value::Id(family_id))
            .bind(Value::Text(token_state_name(RefreshTokenState::Active)));
        Ok(self.row(&query).await?.unwrap_or(false))
    }

    /// Revokes at `at` the tokens whose `key_column` is `key` and counts those that were
    /// active.
    ///
    /// First the active tokens are revoked and counted, then every other unrevoked one.
    /// Where writers run concurrently, that repeats until a pass finds nothing: a rotation
    /// racing with this one may commit a new token that an earlier statement's snapshot
    /// could not see. Rotations start from an active token; once a pass finds nothing,
    /// every token such a rotation could start from is revoked and locked by this
    /// transaction, so none can follow.
    async fn revoke_tokens(&self, key_column: &str, key: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        let active = [token_state_name(RefreshTokenState::Active)];
        let unrevoked = [
            token_state_name(RefreshTokenState::Active),
            token_state_name(RefreshTokenState::Rotated),
        ];
        let revoke = |from| {
            let mut revoke = Self::statement("UPDATE refresh_tokens SET state = ?, revoked_at = ? WHERE ");
            revoke
                .bind(Value::Text(token_state_name(RefreshTokenState::Revoked)))
                .bind(Value::Time(at))
                .push(key_column)
                .push(" = ?")
                .bind(Value::Id(key))
                .push(" AND state")
                .push_in(List::Texts(from));
            revoke
        };
        let (revoke_active, revoke_unrevoked) = (revoke(&active), revoke(&unrevoked));
        let mut tx = self.backend.begin().await?;
        let execute = async |tx: &mut B::Transaction, statement| {
            self.backend
                .execute(tx, statement)
                .await
                .map_err(|err| B::classify(err, None))
        };
        let revoked = execute(&mut tx, &revoke_active).await?;
        while execute(&mut tx, &revoke_unrevoked).await? > 0 && B::DIALECT.concurrent_writers {}
        self.backend.commit(tx, &[]).await?;
        Ok(revoked)
    }

    /// `AuthStore::revoke_token_family`.
    pub async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens("family_id", family_id, at).await
    }

    /// `AuthStore::revoke_user_tokens`.
    pub async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens("user_id", user_id.as_uuid(), at).await
    }

    /// `AuthStore::sessions_ended_since`.
    pub async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
        let mut query = Self::statement("SELECT family_id, MAX(revoked_at) FROM refresh_tokens");
        query
            .push(B::DIALECT.revoked_at_hint)
            .push(" WHERE revoked_at >= ? GROUP BY family_id")
            .bind(Value::Time(since));
        self.rows(&query).await
    }
}
