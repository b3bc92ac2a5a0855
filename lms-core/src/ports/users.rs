use async_trait::async_trait;

use super::{Page, PageRequest, StoreResult};
use crate::domain::events::DomainEvent;
use crate::domain::text::Email;
use crate::domain::user::User;
use crate::ids::UserId;

/// Stores user accounts.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Stores a new user, its password hash (a PHC string) when it has one, and its events
    /// in one atomic write, so that no account exists without the credential it was
    /// registered with. The hash is then what [`AuthStore::password_hash`] returns.
    ///
    /// MUST fail with `Duplicate(UniqueKey::Id)` when the id exists (checked first), and
    /// `Duplicate(UniqueKey::UserEmail)` when another user has the same email. A rejected
    /// insert MUST store nothing: no user, no hash (an existing user's stays as it was),
    /// no event.
    ///
    /// [`AuthStore::password_hash`]: super::AuthStore::password_hash
    async fn insert_user(&self, user: &User, password_hash: Option<&str>, events: &[DomainEvent]) -> StoreResult<()>;

    /// The user with this id, if any.
    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>>;

    /// The user with this (normalized) email, if any.
    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;

    /// Replaces a user under the version rule of the module docs. MUST fail with
    /// `Duplicate(UniqueKey::UserEmail)` when the new email belongs to another user.
    async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()>;

    /// Users ordered by id.
    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>>;
}
