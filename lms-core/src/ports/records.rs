//! The record store: one storage port for every aggregate declared as a record
//! ([`crate::records::Record`]). Adapters implement it once and store any kind through it;
//! a new kind needs no adapter code.
//!
//! The port is untyped: a record travels as its kind name, id, version, owner, JSON
//! document and index entries, all derived from the declaration by
//! [`crate::records::Records`], which is what services use.
//!
//! # Contract
//!
//! - A record is identified by `(kind, id)`. Inserting an existing one fails with
//!   `Duplicate(UniqueKey::Record { kind, key: "id" })`.
//! - A unique key `(kind, key, value)` belongs to at most one record; a write that would
//!   give it to a second fails with `Duplicate(UniqueKey::Record { kind, key })`.
//! - Updates and deletes carry the version the stored record must have: a missing record
//!   is `NotFound`, another version is `VersionConflict`. The caller stores the new
//!   version (usually `expected + 1`) in the record.
//! - Index values are opaque strings compared byte by byte (the encoding of
//!   [`crate::records::IndexValue`] makes that the values' natural order). Equality
//!   lookups and range scans MUST be served by an index whose prefix is
//!   `(kind, key, value)`, so their cost does not depend on how many records of other
//!   kinds, or with other keys, are stored.
//! - [`RecordStore::write`] applies a [`UnitOfWork`] atomically, with its outbox events:
//!   everything or, on the first failure, nothing; the error is that failure's.
//! - Reads of a missing record return `Ok(None)`.

use std::ops::Bound;

use async_trait::async_trait;
use uuid::Uuid;

use super::{Page, PageRequest, StoreResult};
use crate::domain::events::DomainEvent;
use crate::ids::UserId;

/// What a unique or index entry is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// At most one record of the kind has a given value.
    Unique,
    /// Records are found, listed and counted by an equal value.
    Lookup,
    /// Records are scanned in value order between bounds (and found by equal value).
    Ordered,
}

/// One indexed value of a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    /// The key's declared name.
    pub key: &'static str,
    /// Unique, lookup or ordered.
    pub role: KeyRole,
    /// The encoded value ([`crate::records::IndexValue::encode`]).
    pub value: String,
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The kind's name.
    pub kind: &'static str,
    /// Identifier, unique within the kind.
    pub id: Uuid,
    /// The version this write stores.
    pub version: u64,
    /// The user the record belongs to, for privacy export and erasure.
    pub owner: Option<UserId>,
    /// The whole record.
    pub doc: serde_json::Value,
    /// Its unique, lookup and ordered values; each `(key, value)` at most once.
    pub entries: Vec<IndexEntry>,
}

/// A record as read back: its id and document.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDoc {
    /// Identifier.
    pub id: Uuid,
    /// The whole record.
    pub doc: serde_json::Value,
}

/// A record found among everything a user owns.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedRecord {
    /// The kind's name.
    pub kind: String,
    /// Identifier.
    pub id: Uuid,
    /// The whole record.
    pub doc: serde_json::Value,
}

/// One write of a unit of work.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordWrite {
    /// Stores a new record.
    Insert(StoredRecord),
    /// Replaces a record (and all its index entries) if its stored version is `expected_version`.
    Update {
        /// The new record.
        record: StoredRecord,
        /// The version the stored record must have.
        expected_version: u64,
    },
    /// Removes a record and its index entries if its stored version is `expected_version`.
    Delete {
        /// The kind's name.
        kind: &'static str,
        /// Identifier.
        id: Uuid,
        /// The version the stored record must have.
        expected_version: u64,
    },
}

/// Writes applied together with their events: all or nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitOfWork {
    /// The writes, applied in order.
    pub writes: Vec<RecordWrite>,
    /// Events appended to the outbox in the same atomic write.
    pub events: Vec<DomainEvent>,
}

impl UnitOfWork {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.events.is_empty()
    }
}

/// Scan direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Lowest value first (ties by id ascending).
    #[default]
    Ascending,
    /// Highest value first (ties by id descending).
    Descending,
}

/// Where a range scan resumes: after this `(value, id)` in scan order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RangeCursor {
    /// The encoded value of the last record returned.
    pub value: String,
    /// Its id.
    pub id: Uuid,
}

/// A scan of one ordered key between bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeQuery {
    /// The kind's name.
    pub kind: &'static str,
    /// The ordered key.
    pub key: &'static str,
    /// Lower bound on the encoded value.
    pub lower: Bound<String>,
    /// Upper bound on the encoded value.
    pub upper: Bound<String>,
    /// Direction.
    pub order: Order,
    /// Most records returned.
    pub limit: u32,
    /// Resume after this position (the previous page's `next`).
    pub after: Option<RangeCursor>,
}

impl RangeQuery {
    /// Largest page of a typed range scan ([`crate::records::Records::range`]).
    pub const MAX_LIMIT: u32 = 1000;
}

/// A record found by a range scan, with its key value.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeItem {
    /// The encoded value of the scanned key.
    pub value: String,
    /// Identifier.
    pub id: Uuid,
    /// The whole record.
    pub doc: serde_json::Value,
}

/// Stores records of every declared kind.
#[async_trait]
pub trait RecordStore: Send + Sync + 'static {
    /// Applies every write of `unit` and appends its events, atomically (see the module
    /// docs for the errors).
    async fn write(&self, unit: &UnitOfWork) -> StoreResult<()>;

    /// The record of this kind and id, if any.
    async fn get(&self, kind: &'static str, id: Uuid) -> StoreResult<Option<RecordDoc>>;

    /// The record holding this unique value, if any.
    async fn get_unique(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<Option<RecordDoc>>;

    /// Records of the kind in id order; with `by`, only those whose lookup or ordered key
    /// `by.0` equals `by.1`.
    async fn list(
        &self,
        kind: &'static str,
        by: Option<(&'static str, &str)>,
        page: PageRequest,
    ) -> StoreResult<Page<RecordDoc>>;

    /// Up to `query.limit` records whose ordered key is within bounds, in scan order.
    async fn range(&self, query: &RangeQuery) -> StoreResult<Vec<RangeItem>>;

    /// How many records of the kind have this lookup or ordered value.
    async fn count(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<u64>;

    /// Every record the user owns, of every kind, ordered by kind then id.
    async fn owned_by(&self, owner: UserId) -> StoreResult<Vec<OwnedRecord>>;
}
