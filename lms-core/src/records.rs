//! Records: how an aggregate is declared once and stored by every adapter through the one
//! [`RecordStore`] port.
//!
//! A kind is a [`Record`] implementation next to its domain type: a name, the keys it is
//! indexed by, and how to read its id, version, owner and key values. [`Records`] is the
//! typed face of the port that services use:
//!
//! ```
//! use lms_core::ids::UserId;
//! use lms_core::records::{Index, KeySpec, Record, RecordKind};
//! use serde::{Deserialize, Serialize};
//! use uuid::Uuid;
//!
//! #[derive(Serialize, Deserialize)]
//! struct Voucher {
//!     id: Uuid,
//!     version: u64,
//!     code: String,
//!     holder: UserId,
//!     expires_at: chrono::DateTime<chrono::Utc>,
//! }
//!
//! impl Record for Voucher {
//!     const KIND: RecordKind = RecordKind {
//!         name: "voucher",
//!         keys: &[KeySpec::unique("code"), KeySpec::lookup("holder"), KeySpec::ordered("expires_at")],
//!     };
//!     fn id(&self) -> Uuid { self.id }
//!     fn version(&self) -> u64 { self.version }
//!     fn owner(&self) -> Option<UserId> { Some(self.holder) }
//!     fn index(&self, index: &mut Index) {
//!         index.set("code", self.code.as_str());
//!         index.set("holder", self.holder);
//!         index.set("expires_at", self.expires_at);
//!     }
//! }
//! ```
//!
//! Key values are encoded to strings whose byte order is the values' natural order
//! ([`IndexValue::encode`]), so every backend indexes and compares them the same way.

use std::fmt::Write as _;
use std::ops::Bound;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::events::DomainEvent;
use crate::ids::UserId;
use crate::ports::{
    IndexEntry, KeyRole, Order, OwnedRecord, Page, PageRequest, RangeCursor, RangeQuery, RecordDoc, RecordStore,
    RecordWrite, StoreError, StoreResult, StoredRecord, UnitOfWork,
};

/// A declared key of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// Its name, unique within the kind.
    pub name: &'static str,
    /// What it is for.
    pub role: KeyRole,
}

impl KeySpec {
    /// A unique key (its value may be compound: [`IndexValue::Compound`]).
    pub const fn unique(name: &'static str) -> Self {
        Self {
            name,
            role: KeyRole::Unique,
        }
    }

    /// A non-unique key records are listed and counted by.
    pub const fn lookup(name: &'static str) -> Self {
        Self {
            name,
            role: KeyRole::Lookup,
        }
    }

    /// A key records are scanned by in value order.
    pub const fn ordered(name: &'static str) -> Self {
        Self {
            name,
            role: KeyRole::Ordered,
        }
    }
}

/// The declaration of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKind {
    /// The kind's stored name; never change it once records are stored.
    pub name: &'static str,
    /// Its keys.
    pub keys: &'static [KeySpec],
}

impl RecordKind {
    /// The declared key with this name and one of these roles, else a backend error that
    /// names the mistake (a query on an undeclared key is a programming error).
    fn key(&self, name: &str, roles: &[KeyRole]) -> StoreResult<&'static KeySpec> {
        self.keys
            .iter()
            .find(|k| k.name == name && roles.contains(&k.role))
            .ok_or_else(|| StoreError::backend(format!("record kind {} has no {roles:?} key {name:?}", self.name)))
    }
}

/// An aggregate stored through the [`RecordStore`].
pub trait Record: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind's declaration.
    const KIND: RecordKind;

    /// Identifier, unique within the kind.
    fn id(&self) -> Uuid;

    /// Version as stored (1 after insertion).
    fn version(&self) -> u64;

    /// The user the record belongs to, if any: privacy export and erasure find it by this.
    fn owner(&self) -> Option<UserId> {
        None
    }

    /// Sets the values of the declared keys (a key left unset has no value and is not
    /// indexed for this record).
    fn index(&self, index: &mut Index) {
        let _ = index;
    }
}

/// A key value. Encoded so that byte order equals natural order within one variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexValue {
    /// Text, ordered by its UTF-8 bytes.
    Text(String),
    /// A signed integer (amounts in minor units, counts, …).
    Int(i64),
    /// A UUID (any typed id).
    Uuid(Uuid),
    /// A point in time, to the microsecond.
    Time(DateTime<Utc>),
    /// A flag.
    Bool(bool),
    /// Several values making one key (`(user, course)`); compared for equality.
    Compound(Vec<IndexValue>),
}

/// Separates the parts of a compound value; escaped inside text.
const PART_SEPARATOR: char = '\u{1f}';

impl IndexValue {
    /// The stored form: text whose byte order is the natural order of values of the same
    /// variant. Integers and times are offset-binary hexadecimal (16 digits); UUIDs are
    /// lower-case hyphenated; text escapes `%`, NUL and the part separator as `%25`,
    /// `%00` and `%1F` (NUL cannot be stored in PostgreSQL text).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut String) {
        match self {
            IndexValue::Text(text) => {
                for c in text.chars() {
                    match c {
                        '%' => out.push_str("%25"),
                        '\0' => out.push_str("%00"),
                        PART_SEPARATOR => out.push_str("%1F"),
                        c => out.push(c),
                    }
                }
            }
            IndexValue::Int(n) => encode_int(*n, out),
            IndexValue::Time(t) => encode_int(t.timestamp_micros(), out),
            IndexValue::Uuid(id) => {
                let _ = write!(out, "{}", id.hyphenated());
            }
            IndexValue::Bool(b) => out.push(if *b { '1' } else { '0' }),
            IndexValue::Compound(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push(PART_SEPARATOR);
                    }
                    part.encode_into(out);
                }
            }
        }
    }
}

/// Offset binary: flipping the sign bit maps `i64::MIN..=i64::MAX` onto `0..=u64::MAX` in
/// order, and fixed-width hex keeps that order byte by byte.
fn encode_int(n: i64, out: &mut String) {
    let _ = write!(out, "{:016x}", (n as u64) ^ (1 << 63));
}

impl From<&str> for IndexValue {
    fn from(value: &str) -> Self {
        IndexValue::Text(value.to_owned())
    }
}

impl From<String> for IndexValue {
    fn from(value: String) -> Self {
        IndexValue::Text(value)
    }
}

impl From<i64> for IndexValue {
    fn from(value: i64) -> Self {
        IndexValue::Int(value)
    }
}

impl From<u32> for IndexValue {
    fn from(value: u32) -> Self {
        IndexValue::Int(i64::from(value))
    }
}

impl From<Uuid> for IndexValue {
    fn from(value: Uuid) -> Self {
        IndexValue::Uuid(value)
    }
}

impl From<DateTime<Utc>> for IndexValue {
    fn from(value: DateTime<Utc>) -> Self {
        IndexValue::Time(value)
    }
}

impl From<bool> for IndexValue {
    fn from(value: bool) -> Self {
        IndexValue::Bool(value)
    }
}

impl<A: Into<IndexValue>, B: Into<IndexValue>> From<(A, B)> for IndexValue {
    fn from((a, b): (A, B)) -> Self {
        IndexValue::Compound(vec![a.into(), b.into()])
    }
}

impl<A: Into<IndexValue>, B: Into<IndexValue>, C: Into<IndexValue>> From<(A, B, C)> for IndexValue {
    fn from((a, b, c): (A, B, C)) -> Self {
        IndexValue::Compound(vec![a.into(), b.into(), c.into()])
    }
}

/// Collects a record's key values, checked against its declaration.
#[derive(Debug)]
pub struct Index {
    kind: RecordKind,
    entries: Vec<IndexEntry>,
    undeclared: Vec<&'static str>,
}

impl Index {
    fn of<R: Record>(record: &R) -> StoreResult<Vec<IndexEntry>> {
        let mut index = Index {
            kind: R::KIND,
            entries: Vec::new(),
            undeclared: Vec::new(),
        };
        record.index(&mut index);
        if !index.undeclared.is_empty() {
            return Err(StoreError::backend(format!(
                "record kind {} sets undeclared keys {:?}",
                R::KIND.name,
                index.undeclared
            )));
        }
        Ok(index.entries)
    }

    /// Sets a declared key's value. Setting a value twice keeps one entry.
    pub fn set(&mut self, key: &'static str, value: impl Into<IndexValue>) {
        let Some(spec) = self.kind.keys.iter().find(|k| k.name == key) else {
            self.undeclared.push(key);
            return;
        };
        let entry = IndexEntry {
            key: spec.name,
            role: spec.role,
            value: value.into().encode(),
        };
        if !self.entries.contains(&entry) {
            self.entries.push(entry);
        }
    }

    /// Sets a declared key's value when there is one.
    pub fn set_some(&mut self, key: &'static str, value: Option<impl Into<IndexValue>>) {
        if let Some(value) = value {
            self.set(key, value);
        }
    }
}

/// A record as the port stores it.
fn stored<R: Record>(record: &R) -> StoreResult<StoredRecord> {
    Ok(StoredRecord {
        kind: R::KIND.name,
        id: record.id(),
        version: record.version(),
        owner: record.owner(),
        doc: serde_json::to_value(record).map_err(StoreError::backend)?,
        entries: Index::of(record)?,
    })
}

/// A record decoded from its stored document. One that does not decode is a backend
/// failure: the store holds something this version cannot read.
fn decode<R: Record>(doc: serde_json::Value) -> StoreResult<R> {
    serde_json::from_value(doc).map_err(StoreError::backend)
}

impl UnitOfWork {
    /// An empty unit with these events.
    pub fn with_events(events: Vec<DomainEvent>) -> Self {
        Self {
            writes: Vec::new(),
            events,
        }
    }

    /// Adds the insertion of a new record (its version must be 1).
    pub fn insert<R: Record>(&mut self, record: &R) -> StoreResult<&mut Self> {
        self.writes.push(RecordWrite::Insert(stored(record)?));
        Ok(self)
    }

    /// Adds the replacement of a record stored at `expected_version` (the record carries
    /// its next version).
    pub fn update<R: Record>(&mut self, record: &R, expected_version: u64) -> StoreResult<&mut Self> {
        self.writes.push(RecordWrite::Update {
            record: stored(record)?,
            expected_version,
        });
        Ok(self)
    }

    /// Adds the removal of a record, which must still be stored at its version.
    pub fn delete<R: Record>(&mut self, record: &R) -> &mut Self {
        self.writes.push(RecordWrite::Delete {
            kind: R::KIND.name,
            id: record.id(),
            expected_version: record.version(),
        });
        self
    }
}

/// A scan of one ordered key, in typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// The ordered key.
    pub key: &'static str,
    /// Lower bound.
    pub lower: Bound<IndexValue>,
    /// Upper bound.
    pub upper: Bound<IndexValue>,
    /// Direction.
    pub order: Order,
    /// Most records returned, 1 to [`RangeQuery::MAX_LIMIT`].
    pub limit: u32,
    /// Resume after this position (the previous page's `next`).
    pub after: Option<RangeCursor>,
}

impl Range {
    /// Every value of `key`, ascending, up to `limit` records.
    pub fn all(key: &'static str, limit: u32) -> Self {
        Self {
            key,
            lower: Bound::Unbounded,
            upper: Bound::Unbounded,
            order: Order::Ascending,
            limit,
            after: None,
        }
    }

    /// Only values in `lower..upper` (each bound inclusive, exclusive or open).
    pub fn between(mut self, lower: Bound<IndexValue>, upper: Bound<IndexValue>) -> Self {
        self.lower = lower;
        self.upper = upper;
        self
    }

    /// Highest value first.
    pub fn descending(mut self) -> Self {
        self.order = Order::Descending;
        self
    }

    /// Resumes after a previous page.
    pub fn after(mut self, cursor: Option<RangeCursor>) -> Self {
        self.after = cursor;
        self
    }
}

/// One page of a range scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangePage<T> {
    /// The records, in scan order.
    pub items: Vec<T>,
    /// Pass to [`Range::after`] for the next page; `None` on the last page.
    pub next: Option<RangeCursor>,
}

fn encode_bound(bound: Bound<IndexValue>) -> Bound<String> {
    match bound {
        Bound::Included(v) => Bound::Included(v.encode()),
        Bound::Excluded(v) => Bound::Excluded(v.encode()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The typed face of the [`RecordStore`]: what services use to store declared kinds.
#[derive(Clone)]
pub struct Records {
    store: Arc<dyn RecordStore>,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").finish_non_exhaustive()
    }
}

impl Records {
    /// Typed access to a record store.
    pub fn new(store: Arc<dyn RecordStore>) -> Self {
        Self { store }
    }

    /// The untyped port underneath.
    pub fn store(&self) -> &Arc<dyn RecordStore> {
        &self.store
    }

    /// Applies a unit of work atomically.
    pub async fn write(&self, unit: &UnitOfWork) -> StoreResult<()> {
        self.store.write(unit).await
    }

    /// Stores a new record with its events.
    pub async fn insert<R: Record>(&self, record: &R, events: &[DomainEvent]) -> StoreResult<()> {
        let mut unit = UnitOfWork::with_events(events.to_vec());
        unit.insert(record)?;
        self.write(&unit).await
    }

    /// Replaces a record stored at `expected_version`, with its events.
    pub async fn update<R: Record>(
        &self,
        record: &R,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut unit = UnitOfWork::with_events(events.to_vec());
        unit.update(record, expected_version)?;
        self.write(&unit).await
    }

    /// Removes a record still stored at its version, with its events.
    pub async fn delete<R: Record>(&self, record: &R, events: &[DomainEvent]) -> StoreResult<()> {
        let mut unit = UnitOfWork::with_events(events.to_vec());
        unit.delete(record);
        self.write(&unit).await
    }

    /// The record with this id, if any.
    pub async fn get<R: Record>(&self, id: impl Into<Uuid>) -> StoreResult<Option<R>> {
        let found = self.store.get(R::KIND.name, id.into()).await?;
        found.map(|r| decode(r.doc)).transpose()
    }

    /// The record holding this value of a unique key, if any.
    pub async fn get_unique<R: Record>(&self, key: &str, value: impl Into<IndexValue>) -> StoreResult<Option<R>> {
        let spec = R::KIND.key(key, &[KeyRole::Unique])?;
        let found = self
            .store
            .get_unique(R::KIND.name, spec.name, &value.into().encode())
            .await?;
        found.map(|r| decode(r.doc)).transpose()
    }

    /// Every record of the kind, in id order.
    pub async fn list<R: Record>(&self, page: PageRequest) -> StoreResult<Page<R>> {
        let found = self.store.list(R::KIND.name, None, page).await?;
        decode_page(found)
    }

    /// The records whose lookup or ordered key equals `value`, in id order.
    pub async fn list_by<R: Record>(
        &self,
        key: &str,
        value: impl Into<IndexValue>,
        page: PageRequest,
    ) -> StoreResult<Page<R>> {
        let spec = R::KIND.key(key, &[KeyRole::Lookup, KeyRole::Ordered])?;
        let value = value.into().encode();
        let found = self.store.list(R::KIND.name, Some((spec.name, &value)), page).await?;
        decode_page(found)
    }

    /// How many records have this lookup or ordered value.
    pub async fn count<R: Record>(&self, key: &str, value: impl Into<IndexValue>) -> StoreResult<u64> {
        let spec = R::KIND.key(key, &[KeyRole::Lookup, KeyRole::Ordered])?;
        self.store.count(R::KIND.name, spec.name, &value.into().encode()).await
    }

    /// The records whose ordered key is within the range's bounds, in its order.
    pub async fn range<R: Record>(&self, range: Range) -> StoreResult<RangePage<R>> {
        let spec = R::KIND.key(range.key, &[KeyRole::Ordered])?;
        if !(1..=RangeQuery::MAX_LIMIT).contains(&range.limit) {
            return Err(StoreError::backend(format!(
                "range limit {} is not between 1 and {}",
                range.limit,
                RangeQuery::MAX_LIMIT
            )));
        }
        let query = RangeQuery {
            kind: R::KIND.name,
            key: spec.name,
            lower: encode_bound(range.lower),
            upper: encode_bound(range.upper),
            order: range.order,
            limit: range.limit + 1,
            after: range.after,
        };
        let mut found = self.store.range(&query).await?;
        // One record more than the page tells whether another page follows.
        let next = if found.len() > range.limit as usize {
            found.truncate(range.limit as usize);
            found.last().map(|last| RangeCursor {
                value: last.value.clone(),
                id: last.id,
            })
        } else {
            None
        };
        let items = found
            .into_iter()
            .map(|item| decode(item.doc))
            .collect::<StoreResult<_>>()?;
        Ok(RangePage { items, next })
    }

    /// Everything the user owns, of every kind.
    pub async fn owned_by(&self, owner: UserId) -> StoreResult<Vec<OwnedRecord>> {
        self.store.owned_by(owner).await
    }
}

fn decode_page<R: Record>(page: Page<RecordDoc>) -> StoreResult<Page<R>> {
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| decode(r.doc))
            .collect::<StoreResult<_>>()?,
        next_after: page.next_after,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn integers_encode_in_order() {
        let values = [i64::MIN, -1_000, -1, 0, 1, 255, 256, 1_000_000, i64::MAX];
        let encoded: Vec<String> = values.iter().map(|&n| IndexValue::Int(n).encode()).collect();
        let mut sorted = encoded.clone();
        sorted.sort();
        assert_eq!(encoded, sorted);
        assert!(encoded.iter().all(|e| e.len() == 16));
    }

    #[test]
    fn times_encode_in_order_across_the_epoch() {
        let times = [
            Utc.with_ymd_and_hms(1960, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 1).unwrap(),
        ];
        let encoded: Vec<String> = times.iter().map(|&t| IndexValue::Time(t).encode()).collect();
        let mut sorted = encoded.clone();
        sorted.sort();
        assert_eq!(encoded, sorted);
    }

    #[test]
    fn text_escapes_what_backends_cannot_store_or_would_confuse() {
        assert_eq!(IndexValue::from("a%b\0c\u{1f}d").encode(), "a%25b%00c%1Fd");
        let compound = IndexValue::from(("a\u{1f}b", "c"));
        let other = IndexValue::from(("a", "b\u{1f}c"));
        assert_ne!(compound.encode(), other.encode());
    }

    #[test]
    fn uuids_encode_in_byte_order() {
        let a = Uuid::from_bytes([0; 16]);
        let b = Uuid::from_bytes([0xff; 16]);
        assert!(IndexValue::Uuid(a).encode() < IndexValue::Uuid(b).encode());
    }
}
