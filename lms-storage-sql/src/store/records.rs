//! The record store ([`lms_core::ports::RecordStore`]) over SQL: one implementation for
//! every record kind.
//!
//! Every kind shares three tables (see each adapter's `records` migrations):
//!
//! - `records (kind, id, version, owner_id, doc)`, primary key `(kind, id)`, and an index on
//!   `(owner_id, kind, id)` for privacy export and erasure;
//! - `record_unique (kind, key, value, id)`, primary key `(kind, key, value)`: the primary
//!   key is the uniqueness rule;
//! - `record_index (kind, key, value, id)`, primary key `(kind, key, value, id)`: lookups,
//!   counts and range scans are prefix scans of it, so they never read entries of other
//!   kinds or keys.
//!
//! Both entry tables also have an index on `(kind, id)`, to replace a record's entries.
//! Values are compared byte by byte (PostgreSQL declares them `COLLATE "C"`).
//!
//! Uniqueness is checked with `INSERT … ON CONFLICT DO NOTHING RETURNING`: the rows not
//! returned are the conflicts, so a batch of inserts names the exact kind and key that
//! clashed, in one statement and without aborting the transaction.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use lms_core::ids::UserId;
use lms_core::ports::{
    IndexEntry, KeyRole, Order, OwnedRecord, Page, PageRequest, RangeItem, RangeQuery, RecordDoc, RecordWrite,
    StoreError, StoreResult, StoredRecord, UniqueKey, UnitOfWork,
};
use uuid::Uuid;

use super::SqlStore;
use crate::backend::Backend;
use crate::row::FromRow;
use crate::statement::{List, Statement, Value};
use crate::{decode, encode, missed_update, overfetch_limit, version_column};

/// Most rows in one multi-row insert: at most five values a row, well under both drivers'
/// limits on bound values (32,766 and 65,535).
const ROWS_PER_STATEMENT: usize = 1000;

/// One entry row: the record's kind and id with the entry.
struct EntryRow<'a> {
    kind: &'static str,
    id: Uuid,
    entry: &'a IndexEntry,
}

impl<'a> EntryRow<'a> {
    /// The entries of `records` of one role (unique or not).
    fn of(records: &[&'a StoredRecord], unique: bool) -> Vec<Self> {
        records
            .iter()
            .flat_map(|r| {
                r.entries.iter().map(|entry| EntryRow {
                    kind: r.kind,
                    id: r.id,
                    entry,
                })
            })
            .filter(|row| (row.entry.role == KeyRole::Unique) == unique)
            .collect()
    }

    fn values(&self) -> [Value<'a>; 4] {
        [
            Value::Text(self.kind),
            Value::Text(self.entry.key),
            Value::Text(&self.entry.value),
            Value::Id(self.id),
        ]
    }
}

/// Records.
impl<B: Backend> SqlStore<B> {
    /// `RecordStore::write`: the unit in one transaction; consecutive inserts are batched,
    /// and the first failure rolls everything back (the transaction is dropped).
    pub async fn write_records(&self, unit: &UnitOfWork) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        let mut inserts: Vec<&StoredRecord> = Vec::new();
        for write in &unit.writes {
            match write {
                RecordWrite::Insert(record) => {
                    inserts.push(record);
                    continue;
                }
                RecordWrite::Update {
                    record,
                    expected_version,
                } => {
                    self.insert_records(&mut tx, &inserts).await?;
                    self.update_record(&mut tx, record, *expected_version).await?;
                }
                RecordWrite::Delete {
                    kind,
                    id,
                    expected_version,
                } => {
                    self.insert_records(&mut tx, &inserts).await?;
                    self.delete_record(&mut tx, kind, *id, *expected_version).await?;
                }
            }
            inserts.clear();
        }
        self.insert_records(&mut tx, &inserts).await?;
        self.backend.commit(tx, &unit.events).await
    }

    /// `RecordStore::get`.
    pub async fn get_record(&self, kind: &str, id: Uuid) -> StoreResult<Option<RecordDoc>> {
        let mut query = Self::statement("SELECT id, doc FROM records WHERE kind = ? AND id = ?");
        query.bind(Value::Text(kind)).bind(Value::Id(id));
        Ok(self.record_docs(&query).await?.pop())
    }

    /// `RecordStore::get_unique`.
    pub async fn get_unique_record(&self, kind: &str, key: &str, value: &str) -> StoreResult<Option<RecordDoc>> {
        let mut query = Self::statement(
            "SELECT r.id, r.doc FROM record_unique u JOIN records r ON r.kind = u.kind AND r.id = u.id \
             WHERE u.kind = ? AND u.key = ? AND u.value = ?",
        );
        query
            .bind(Value::Text(kind))
            .bind(Value::Text(key))
            .bind(Value::Text(value));
        Ok(self.record_docs(&query).await?.pop())
    }

    /// `RecordStore::list`: records of a kind in id order, optionally only those with an
    /// equal lookup value.
    pub async fn list_records(
        &self,
        kind: &str,
        by: Option<(&str, &str)>,
        page: PageRequest,
    ) -> StoreResult<Page<RecordDoc>> {
        let mut query = match by {
            None => {
                let mut query = Self::statement("SELECT id, doc FROM records WHERE kind = ?");
                query.bind(Value::Text(kind));
                if let Some(after) = page.after {
                    query.push(" AND id > ?").bind(Value::Id(after));
                }
                query.push(" ORDER BY id");
                query
            }
            Some((key, value)) => {
                let mut query = Self::statement(
                    "SELECT r.id, r.doc FROM record_index i JOIN records r ON r.kind = i.kind AND r.id = i.id \
                     WHERE i.kind = ? AND i.key = ? AND i.value = ?",
                );
                query
                    .bind(Value::Text(kind))
                    .bind(Value::Text(key))
                    .bind(Value::Text(value));
                if let Some(after) = page.after {
                    query.push(" AND i.id > ?").bind(Value::Id(after));
                }
                query.push(" ORDER BY i.id");
                query
            }
        };
        query.push(" LIMIT ?").bind(Value::Int(overfetch_limit(page)));
        let docs = self.record_docs(&query).await?;
        Ok(Page::from_overfetch(docs, page.limit, |r| r.id))
    }

    /// `RecordStore::range`: records whose ordered value is within the query's bounds, in
    /// its order.
    pub async fn range_records(&self, range: &RangeQuery) -> StoreResult<Vec<RangeItem>> {
        let mut query = Self::statement(
            "SELECT i.value, r.id, r.doc FROM record_index i JOIN records r ON r.kind = i.kind AND r.id = i.id \
             WHERE i.kind = ? AND i.key = ?",
        );
        query.bind(Value::Text(range.kind)).bind(Value::Text(range.key));
        for (bound, inclusive, exclusive) in [(&range.lower, " >= ?", " > ?"), (&range.upper, " <= ?", " < ?")] {
            let (op, value) = match bound {
                Bound::Included(value) => (inclusive, value),
                Bound::Excluded(value) => (exclusive, value),
                Bound::Unbounded => continue,
            };
            query.push(" AND i.value").push(op).bind(Value::Text(value));
        }
        let (past, direction) = match range.order {
            Order::Ascending => (" AND (i.value, i.id) > (?, ?)", "ASC"),
            Order::Descending => (" AND (i.value, i.id) < (?, ?)", "DESC"),
        };
        if let Some(after) = &range.after {
            query
                .push(past)
                .bind(Value::Text(&after.value))
                .bind(Value::Id(after.id));
        }
        query
            .push(&format!(" ORDER BY i.value {direction}, i.id {direction} LIMIT ?"))
            .bind(Value::Int(i64::from(range.limit)));
        let rows: Vec<(String, Uuid, String)> = self.rows(&query).await?;
        rows.into_iter()
            .map(|(value, id, doc)| {
                Ok(RangeItem {
                    value,
                    id,
                    doc: decode(&doc)?,
                })
            })
            .collect()
    }

    /// `RecordStore::count`: how many records of a kind have a lookup or ordered value.
    pub async fn count_records(&self, kind: &str, key: &str, value: &str) -> StoreResult<u64> {
        let mut query = Self::statement("SELECT COUNT(*) FROM record_index WHERE kind = ? AND key = ? AND value = ?");
        query
            .bind(Value::Text(kind))
            .bind(Value::Text(key))
            .bind(Value::Text(value));
        let count: Option<i64> = self.row(&query).await?;
        u64::try_from(count.unwrap_or(0)).map_err(StoreError::backend)
    }

    /// `RecordStore::owned_by`: every record a user owns, by kind then id.
    pub async fn owned_records(&self, owner: UserId) -> StoreResult<Vec<OwnedRecord>> {
        let mut query = Self::statement("SELECT kind, id, doc FROM records WHERE owner_id = ? ORDER BY kind, id");
        query.bind(Value::Id(owner.as_uuid()));
        let rows: Vec<(String, Uuid, String)> = self.rows(&query).await?;
        rows.into_iter()
            .map(|(kind, id, doc)| {
                Ok(OwnedRecord {
                    kind,
                    id,
                    doc: decode(&doc)?,
                })
            })
            .collect()
    }

    /// `ErasureStore::delete_owned_records`: in one transaction, deletes the records
    /// `owner` owns whose kind is not in `keep`, then the unique and index entries of
    /// exactly the records deleted (by the `(kind, id)` index of each entry table), so a
    /// record written meanwhile never loses its entries while keeping its row.
    pub async fn delete_owned_records(&self, owner: UserId, keep: &[&str]) -> StoreResult<u64> {
        let mut delete = Self::statement("DELETE FROM records WHERE owner_id = ?");
        delete.bind(Value::Id(owner.as_uuid()));
        for kept in keep.chunks(B::DIALECT.max_list) {
            delete.push(" AND NOT (kind").push_in(List::Texts(kept)).push(")");
        }
        delete.push(" RETURNING kind, id");
        let mut tx = self.backend.begin().await?;
        let deleted: Vec<(String, Uuid)> = self.rows_in(&mut tx, &delete).await?;
        let mut by_kind: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
        for (kind, id) in &deleted {
            by_kind.entry(kind).or_default().push(*id);
        }
        for (kind, ids) in &by_kind {
            for batch in ids.chunks(B::DIALECT.max_list) {
                for table in ["record_unique", "record_index"] {
                    let mut delete = Self::statement(&format!("DELETE FROM {table} WHERE kind = ? AND id"));
                    delete.bind(Value::Text(kind)).push_in(List::Ids(batch));
                    self.execute_in(&mut tx, &delete).await?;
                }
            }
        }
        self.backend.commit(tx, &[]).await?;
        u64::try_from(deleted.len()).map_err(StoreError::backend)
    }

    /// The `(id, doc)` rows a query returns, as record documents.
    async fn record_docs(&self, query: &Statement<'_>) -> StoreResult<Vec<RecordDoc>> {
        let rows: Vec<(Uuid, String)> = self.rows(query).await?;
        rows.into_iter()
            .map(|(id, doc)| Ok(RecordDoc { id, doc: decode(&doc)? }))
            .collect()
    }

    /// The rows a statement run inside the write transaction returns.
    async fn rows_in<R: FromRow>(&self, tx: &mut B::Connection, statement: &Statement<'_>) -> StoreResult<Vec<R>> {
        self.backend.fetch(Some(tx), statement).await
    }

    /// Runs a statement inside the write transaction.
    async fn execute_in(&self, tx: &mut B::Connection, statement: &Statement<'_>) -> StoreResult<u64> {
        self.backend
            .execute(tx, statement)
            .await
            .map_err(|err| B::classify(err, None))
    }

    /// Inserts new records and their entries; the first clash, in write order, is the
    /// error.
    async fn insert_records(&self, tx: &mut B::Connection, records: &[&StoredRecord]) -> StoreResult<()> {
        for batch in records.chunks(ROWS_PER_STATEMENT) {
            let docs = batch
                .iter()
                .map(|r| Ok((version_column(r.version)?, encode(&r.doc)?)))
                .collect::<StoreResult<Vec<_>>>()?;
            let mut insert = Self::statement("INSERT INTO records (kind, id, version, owner_id, doc) VALUES ");
            insert.push_rows(batch.iter().zip(&docs).map(|(r, (version, doc))| {
                [
                    Value::Text(r.kind),
                    Value::Id(r.id),
                    Value::Int(*version),
                    Value::MaybeId(r.owner.map(|o| o.as_uuid())),
                    Value::Text(doc),
                ]
            }));
            insert.push(" ON CONFLICT DO NOTHING RETURNING kind, id");
            let inserted: HashSet<(String, Uuid)> = self.rows_in(tx, &insert).await?.into_iter().collect();
            let mut seen = HashSet::new();
            if let Some(clash) = batch
                .iter()
                .find(|r| !seen.insert((r.kind, r.id)) || !inserted.contains(&(r.kind.to_owned(), r.id)))
            {
                return Err(StoreError::Duplicate(UniqueKey::Record {
                    kind: clash.kind,
                    key: "id",
                }));
            }
        }
        self.insert_entries(tx, records).await
    }

    /// Stores the unique and index entries of records whose rows are written; a unique
    /// value held by another record is the error.
    async fn insert_entries(&self, tx: &mut B::Connection, records: &[&StoredRecord]) -> StoreResult<()> {
        for batch in EntryRow::of(records, true).chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement("INSERT INTO record_unique (kind, key, value, id) VALUES ");
            insert.push_rows(batch.iter().map(EntryRow::values));
            insert.push(" ON CONFLICT DO NOTHING RETURNING kind, key, value");
            let inserted: HashSet<(String, String, String)> = self.rows_in(tx, &insert).await?.into_iter().collect();
            let mut seen = HashSet::new();
            if let Some(clash) = batch.iter().find(|row| {
                let key = (row.kind.to_owned(), row.entry.key.to_owned(), row.entry.value.clone());
                !seen.insert(key.clone()) || !inserted.contains(&key)
            }) {
                return Err(StoreError::Duplicate(UniqueKey::Record {
                    kind: clash.kind,
                    key: clash.entry.key,
                }));
            }
        }
        for batch in EntryRow::of(records, false).chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement("INSERT INTO record_index (kind, key, value, id) VALUES ");
            insert.push_rows(batch.iter().map(EntryRow::values));
            self.execute_in(tx, &insert).await?;
        }
        Ok(())
    }

    /// Whether the record exists, for telling a missing record from a stale version.
    async fn record_exists(&self, tx: &mut B::Connection, kind: &str, id: Uuid) -> StoreResult<bool> {
        let mut query = Self::statement("SELECT COUNT(*) FROM records WHERE kind = ? AND id = ?");
        query.bind(Value::Text(kind)).bind(Value::Id(id));
        let found: Vec<i64> = self.rows_in(tx, &query).await?;
        Ok(found.first().is_some_and(|&n| n > 0))
    }

    /// Removes a record's unique and index entries.
    async fn delete_entries(&self, tx: &mut B::Connection, kind: &str, id: Uuid) -> StoreResult<()> {
        for delete in [
            "DELETE FROM record_unique WHERE kind = ? AND id = ?",
            "DELETE FROM record_index WHERE kind = ? AND id = ?",
        ] {
            let mut delete = Self::statement(delete);
            delete.bind(Value::Text(kind)).bind(Value::Id(id));
            self.execute_in(tx, &delete).await?;
        }
        Ok(())
    }

    /// The version-checked update of a record, its entries rewritten.
    async fn update_record(
        &self,
        tx: &mut B::Connection,
        record: &StoredRecord,
        expected_version: u64,
    ) -> StoreResult<()> {
        let doc = encode(&record.doc)?;
        let mut update = Self::statement(
            "UPDATE records SET version = ?, owner_id = ?, doc = ? WHERE kind = ? AND id = ? AND version = ?",
        );
        update
            .bind(Value::Int(version_column(record.version)?))
            .bind(Value::MaybeId(record.owner.map(|o| o.as_uuid())))
            .bind(Value::Text(&doc))
            .bind(Value::Text(record.kind))
            .bind(Value::Id(record.id))
            .bind(Value::Int(version_column(expected_version)?));
        if self.execute_in(tx, &update).await? == 0 {
            return Err(missed_update(self.record_exists(tx, record.kind, record.id).await?));
        }
        self.delete_entries(tx, record.kind, record.id).await?;
        self.insert_entries(tx, &[record]).await
    }

    /// The version-checked delete of a record and its entries.
    async fn delete_record(
        &self,
        tx: &mut B::Connection,
        kind: &str,
        id: Uuid,
        expected_version: u64,
    ) -> StoreResult<()> {
        let mut delete = Self::statement("DELETE FROM records WHERE kind = ? AND id = ? AND version = ?");
        delete
            .bind(Value::Text(kind))
            .bind(Value::Id(id))
            .bind(Value::Int(version_column(expected_version)?));
        if self.execute_in(tx, &delete).await? == 0 {
            return Err(missed_update(self.record_exists(tx, kind, id).await?));
        }
        self.delete_entries(tx, kind, id).await
    }
}
