//! Users over SQL.

use lms_core::domain::events::DomainEvent;
use lms_core::domain::text::Email;
use lms_core::domain::user::User;
use lms_core::ids::UserId;
use lms_core::ports::{Page, PageRequest, StoreResult, UniqueKey};

use super::{SqlStore, Table};
use crate::backend::Backend;
use crate::statement::Value;
use crate::{version_column, UserRow};

const USERS: Table = Table {
    exists: "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)",
    unique: Some(UniqueKey::UserEmail),
};

/// Users.
impl<B: Backend> SqlStore<B> {
    /// `UserStore::insert_user`: the user, its password hash and its events in one
    /// transaction.
    pub async fn insert_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut insert = Self::statement("INSERT INTO users (id, email, version, doc) VALUES (?, ?, ?, ?)");
        insert
            .bind(Value::Id(row.id))
            .bind(Value::Text(row.email))
            .bind(Value::Int(row.version))
            .bind(Value::Json(&row.doc));
        let mut tx = self.backend.begin().await?;
        self.insert(&mut tx, &USERS, &insert, row.id).await?;
        if let Some(hash) = password_hash {
            let upsert = Self::password_hash_upsert(user.id, hash);
            self.backend
                .execute(&mut tx, &upsert)
                .await
                .map_err(|e| B::classify(e, None))?;
        }
        self.backend.commit(tx, events).await
    }

    /// `UserStore::get_user`.
    pub async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.doc_where("SELECT doc FROM users WHERE id = ?", Value::Id(id.as_uuid()))
            .await
    }

    /// `UserStore::find_user_by_email`.
    pub async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.doc_where("SELECT doc FROM users WHERE email = ?", Value::Text(email.as_str()))
            .await
    }

    /// `UserStore::update_user`.
    pub async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut update =
            Self::statement("UPDATE users SET email = ?, version = ?, doc = ? WHERE id = ? AND version = ?");
        update
            .bind(Value::Text(row.email))
            .bind(Value::Int(row.version))
            .bind(Value::Json(&row.doc))
            .bind(Value::Id(row.id))
            .bind(Value::Int(version_column(expected_version)?));
        let mut tx = self.backend.begin().await?;
        self.update(&mut tx, &USERS, &update, row.id).await?;
        self.backend.commit(tx, events).await
    }

    /// `UserStore::list_users`.
    pub async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        let query = Self::statement("SELECT doc FROM users WHERE TRUE");
        self.page(query, page, |u: &User| u.id.as_uuid()).await
    }
}
