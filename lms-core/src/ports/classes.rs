use async_trait::async_trait;

use super::{Page, PageRequest, StoreResult};
use crate::domain::class::Class;
use crate::domain::events::DomainEvent;
use crate::ids::ClassId;

/// Stores classes.
#[async_trait]
pub trait ClassStore: Send + Sync + 'static {
    /// Stores a new class and its events.
    /// MUST fail with `Duplicate(UniqueKey::Id)` when the id exists.
    async fn insert_class(&self, class: &Class, events: &[DomainEvent]) -> StoreResult<()>;

    /// The class with this id, if any.
    async fn get_class(&self, id: ClassId) -> StoreResult<Option<Class>>;

    /// Replaces a class under the version rule of the module docs.
    async fn update_class(&self, class: &Class, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()>;

    /// Classes ordered by id.
    async fn list_classes(&self, page: PageRequest) -> StoreResult<Page<Class>>;
}
