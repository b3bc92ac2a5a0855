//! The record store ([`lms_core::ports::RecordStore`]) over SQL, written once for SQLite
//! and PostgreSQL.
//!
//! Every kind shares three tables (see each adapter's migration `records`):
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
//! Statements use `$n` placeholders, which both drivers accept. Uniqueness is checked with
//! `INSERT … ON CONFLICT DO NOTHING RETURNING`: the rows not returned are the conflicts,
//! so a batch of inserts names the exact kind and key that clashed, in one statement and
//! without aborting the transaction. A backend provides the connections, its transaction
//! and its outbox append ([`RecordBackend`]); nothing else differs.

use std::collections::HashSet;
use std::ops::Bound;

use async_trait::async_trait;
use lms_core::domain::events::DomainEvent;
use lms_core::ids::UserId;
use lms_core::ports::{
    IndexEntry, KeyRole, Order, OwnedRecord, Page, PageRequest, RangeItem, RangeQuery, RecordDoc, RecordWrite,
    StoreError, StoreResult, StoredRecord, UniqueKey, UnitOfWork,
};
use uuid::Uuid;

use crate::{missed_update, overfetch_limit, version_column};

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A UUID (a BLOB in SQLite, `uuid` in PostgreSQL).
    Uuid(Uuid),
    /// A UUID or NULL.
    OptionalUuid(Option<Uuid>),
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
}

/// The type of a column read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// A UUID.
    Uuid,
    /// Text.
    Text,
    /// A 64-bit integer.
    Int,
}

/// A column value read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A UUID.
    Uuid(Uuid),
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
}

impl Cell {
    fn uuid(&self) -> StoreResult<Uuid> {
        match self {
            Cell::Uuid(id) => Ok(*id),
            other => Err(StoreError::backend(format!("expected a UUID column, got {other:?}"))),
        }
    }

    fn text(self) -> StoreResult<String> {
        match self {
            Cell::Text(text) => Ok(text),
            other => Err(StoreError::backend(format!("expected a text column, got {other:?}"))),
        }
    }

    fn int(&self) -> StoreResult<i64> {
        match self {
            Cell::Int(n) => Ok(*n),
            other => Err(StoreError::backend(format!(
                "expected an integer column, got {other:?}"
            ))),
        }
    }
}

/// A statement being built: SQL text with numbered placeholders, and their values.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sql {
    /// The SQL text.
    pub text: String,
    /// The values of `$1`, `$2`, …
    pub args: Vec<Arg>,
}

impl Sql {
    /// A statement starting with `text`.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(…), (…)` rows of placeholders, one row per item.
    fn values<T>(&mut self, items: &[T], row: impl Fn(&T) -> Vec<Arg>) -> &mut Self {
        for (i, item) in items.iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            for (j, arg) in row(item).into_iter().enumerate() {
                if j > 0 {
                    self.push(", ");
                }
                self.bind(arg);
            }
            self.push(")");
        }
        self
    }
}

/// Runs statements on one connection or transaction. Implemented for the connections and
/// transactions of each enabled driver.
#[async_trait]
pub trait SqlConn: Send {
    /// Runs a statement; returns the number of rows it changed.
    async fn execute(&mut self, sql: &Sql) -> Result<u64, sqlx::Error>;

    /// Runs a query; returns its rows as `columns`.
    async fn fetch(&mut self, sql: &Sql, columns: &[Column]) -> Result<Vec<Vec<Cell>>, sqlx::Error>;
}

/// Implements [`SqlConn`] for a driver's pooled connections and transactions.
macro_rules! sql_conn {
    ($db:ty) => {
        sql_conn!(@impl $db, sqlx::pool::PoolConnection<$db>);
        sql_conn!(@impl $db, sqlx::Transaction<'static, $db>);
    };
    (@impl $db:ty, $conn:ty) => {
        #[async_trait]
        impl SqlConn for $conn {
            async fn execute(&mut self, sql: &Sql) -> Result<u64, sqlx::Error> {
                use sqlx::Executor as _;
                let query = bind_all::<$db>(&sql.text, &sql.args);
                Ok((&mut **self).execute(query).await?.rows_affected())
            }

            async fn fetch(&mut self, sql: &Sql, columns: &[Column]) -> Result<Vec<Vec<Cell>>, sqlx::Error> {
                use sqlx::{Executor as _, Row as _};
                let query = bind_all::<$db>(&sql.text, &sql.args);
                let rows = (&mut **self).fetch_all(query).await?;
                rows.iter()
                    .map(|row| {
                        columns
                            .iter()
                            .enumerate()
                            .map(|(i, column)| {
                                Ok(match column {
                                    Column::Uuid => Cell::Uuid(row.try_get(i)?),
                                    Column::Text => Cell::Text(row.try_get(i)?),
                                    Column::Int => Cell::Int(row.try_get(i)?),
                                })
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    };
}

/// A query with its arguments bound.
fn bind_all<'q, DB>(text: &'q str, args: &'q [Arg]) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Uuid>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    args.iter().fold(sqlx::query::<DB>(text), |query, arg| match arg {
        Arg::Uuid(id) => query.bind(*id),
        Arg::OptionalUuid(id) => query.bind(*id),
        Arg::Text(text) => query.bind(text.as_str()),
        Arg::Int(n) => query.bind(*n),
    })
}

#[cfg(feature = "sqlite")]
sql_conn!(sqlx::Sqlite);
#[cfg(feature = "postgres")]
sql_conn!(sqlx::Postgres);

/// What a backend provides to store records: connections, its write transaction and its
/// outbox append.
#[async_trait]
pub trait RecordBackend: Send + Sync + 'static {
    /// A write transaction.
    type Tx: SqlConn;
    /// A connection for reads.
    type Reader: SqlConn;

    /// Starts a write transaction.
    async fn begin_records(&self) -> StoreResult<Self::Tx>;

    /// Appends the events to the outbox and commits.
    async fn commit_records(&self, tx: Self::Tx, events: &[DomainEvent]) -> StoreResult<()>;

    /// A connection to read with.
    async fn reader(&self) -> StoreResult<Self::Reader>;

    /// Classifies a driver error.
    fn classify(&self, err: sqlx::Error) -> StoreError;
}

/// Most rows in one multi-row statement (the bound values stay well under both drivers'
/// limits).
const ROWS_PER_STATEMENT: usize = 1000;

/// Applies a unit of work in one transaction: consecutive inserts are batched; the first
/// failure rolls everything back (the transaction is dropped) and is returned.
pub async fn write<B: RecordBackend>(backend: &B, unit: &UnitOfWork) -> StoreResult<()> {
    let mut tx = backend.begin_records().await?;
    let mut inserts: Vec<&StoredRecord> = Vec::new();
    for write in &unit.writes {
        if let RecordWrite::Insert(record) = write {
            inserts.push(record);
            continue;
        }
        insert_all(backend, &mut tx, &inserts).await?;
        inserts.clear();
        match write {
            RecordWrite::Insert(_) => unreachable!("collected above"),
            RecordWrite::Update {
                record,
                expected_version,
            } => update(backend, &mut tx, record, *expected_version).await?,
            RecordWrite::Delete {
                kind,
                id,
                expected_version,
            } => delete(backend, &mut tx, kind, *id, *expected_version).await?,
        }
    }
    insert_all(backend, &mut tx, &inserts).await?;
    backend.commit_records(tx, &unit.events).await
}

fn encode_doc(record: &StoredRecord) -> StoreResult<String> {
    serde_json::to_string(&record.doc).map_err(StoreError::backend)
}

fn decode_doc(doc: String) -> StoreResult<serde_json::Value> {
    serde_json::from_str(&doc).map_err(StoreError::backend)
}

async fn fetch<C: SqlConn>(
    backend: &impl RecordBackend,
    conn: &mut C,
    sql: &Sql,
    columns: &[Column],
) -> StoreResult<Vec<Vec<Cell>>> {
    conn.fetch(sql, columns).await.map_err(|e| backend.classify(e))
}

async fn execute<C: SqlConn>(backend: &impl RecordBackend, conn: &mut C, sql: &Sql) -> StoreResult<u64> {
    conn.execute(sql).await.map_err(|e| backend.classify(e))
}

/// Inserts new records and their entries; the first clash, in write order, is the error.
async fn insert_all<B: RecordBackend>(backend: &B, tx: &mut B::Tx, records: &[&StoredRecord]) -> StoreResult<()> {
    for batch in records.chunks(ROWS_PER_STATEMENT) {
        let rows = batch
            .iter()
            .map(|r| {
                Ok(vec![
                    Arg::Text(r.kind.to_owned()),
                    Arg::Uuid(r.id),
                    Arg::Int(version_column(r.version)?),
                    Arg::OptionalUuid(r.owner.map(|o| o.as_uuid())),
                    Arg::Text(encode_doc(r)?),
                ])
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let mut sql = Sql::new("INSERT INTO records (kind, id, version, owner_id, doc) VALUES ");
        sql.values(&rows, Clone::clone)
            .push(" ON CONFLICT DO NOTHING RETURNING kind, id");
        let inserted: HashSet<(String, Uuid)> = fetch(backend, tx, &sql, &[Column::Text, Column::Uuid])
            .await?
            .into_iter()
            .map(key_of)
            .collect::<StoreResult<_>>()?;
        let mut seen = HashSet::new();
        if let Some(clash) = batch
            .iter()
            .find(|r| !inserted.contains(&(r.kind.to_owned(), r.id)) || !seen.insert((r.kind, r.id)))
        {
            return Err(StoreError::Duplicate(UniqueKey::Record {
                kind: clash.kind,
                key: "id",
            }));
        }
    }
    insert_entries(backend, tx, records).await
}

/// The `(kind, id)` of a `RETURNING kind, id` row.
fn key_of(row: Vec<Cell>) -> StoreResult<(String, Uuid)> {
    let mut cells = row.into_iter();
    match (cells.next(), cells.next()) {
        (Some(kind), Some(id)) => Ok((kind.text()?, id.uuid()?)),
        _ => Err(StoreError::backend("short row")),
    }
}

/// One entry row: the record's kind and id with the entry.
struct EntryRow<'a> {
    kind: &'static str,
    id: Uuid,
    entry: &'a IndexEntry,
}

impl EntryRow<'_> {
    fn args(&self) -> Vec<Arg> {
        vec![
            Arg::Text(self.kind.to_owned()),
            Arg::Text(self.entry.key.to_owned()),
            Arg::Text(self.entry.value.clone()),
            Arg::Uuid(self.id),
        ]
    }
}

/// Stores the unique and index entries of records whose rows are written; a unique value
/// held by another record is the error.
async fn insert_entries<B: RecordBackend>(backend: &B, tx: &mut B::Tx, records: &[&StoredRecord]) -> StoreResult<()> {
    let entries = |unique: bool| -> Vec<EntryRow<'_>> {
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
    };
    for batch in entries(true).chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new("INSERT INTO record_unique (kind, key, value, id) VALUES ");
        sql.values(batch, EntryRow::args)
            .push(" ON CONFLICT DO NOTHING RETURNING kind, key, value");
        let rows = fetch(backend, tx, &sql, &[Column::Text, Column::Text, Column::Text]).await?;
        let mut inserted = HashSet::new();
        for row in rows {
            let mut cells = row.into_iter().map(Cell::text);
            if let (Some(kind), Some(key), Some(value)) = (cells.next(), cells.next(), cells.next()) {
                inserted.insert((kind?, key?, value?));
            }
        }
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
    for batch in entries(false).chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new("INSERT INTO record_index (kind, key, value, id) VALUES ");
        sql.values(batch, EntryRow::args);
        execute(backend, tx, &sql).await?;
    }
    Ok(())
}

/// Whether the record exists, for telling a missing record from a stale version.
async fn exists<B: RecordBackend>(backend: &B, tx: &mut B::Tx, kind: &str, id: Uuid) -> StoreResult<bool> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM records WHERE kind = ");
    sql.bind(Arg::Text(kind.to_owned()))
        .push(" AND id = ")
        .bind(Arg::Uuid(id));
    let rows = fetch(backend, tx, &sql, &[Column::Int]).await?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .map(Cell::int)
        .transpose()?
        .unwrap_or(0)
        > 0)
}

/// Removes a record's unique and index entries.
async fn delete_entries<B: RecordBackend>(backend: &B, tx: &mut B::Tx, kind: &str, id: Uuid) -> StoreResult<()> {
    for table in ["record_unique", "record_index"] {
        let mut sql = Sql::new(&format!("DELETE FROM {table} WHERE kind = "));
        sql.bind(Arg::Text(kind.to_owned()))
            .push(" AND id = ")
            .bind(Arg::Uuid(id));
        execute(backend, tx, &sql).await?;
    }
    Ok(())
}

async fn update<B: RecordBackend>(
    backend: &B,
    tx: &mut B::Tx,
    record: &StoredRecord,
    expected_version: u64,
) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE records SET version = ");
    sql.bind(Arg::Int(version_column(record.version)?))
        .push(", owner_id = ")
        .bind(Arg::OptionalUuid(record.owner.map(|o| o.as_uuid())))
        .push(", doc = ")
        .bind(Arg::Text(encode_doc(record)?))
        .push(" WHERE kind = ")
        .bind(Arg::Text(record.kind.to_owned()))
        .push(" AND id = ")
        .bind(Arg::Uuid(record.id))
        .push(" AND version = ")
        .bind(Arg::Int(version_column(expected_version)?));
    if execute(backend, tx, &sql).await? == 0 {
        return Err(missed_update(exists(backend, tx, record.kind, record.id).await?));
    }
    delete_entries(backend, tx, record.kind, record.id).await?;
    insert_entries(backend, tx, &[record]).await
}

async fn delete<B: RecordBackend>(
    backend: &B,
    tx: &mut B::Tx,
    kind: &'static str,
    id: Uuid,
    expected_version: u64,
) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM records WHERE kind = ");
    sql.bind(Arg::Text(kind.to_owned()))
        .push(" AND id = ")
        .bind(Arg::Uuid(id))
        .push(" AND version = ")
        .bind(Arg::Int(version_column(expected_version)?));
    if execute(backend, tx, &sql).await? == 0 {
        return Err(missed_update(exists(backend, tx, kind, id).await?));
    }
    delete_entries(backend, tx, kind, id).await
}

/// Runs a read on a reader connection.
async fn read(backend: &impl RecordBackend, sql: &Sql, columns: &[Column]) -> StoreResult<Vec<Vec<Cell>>> {
    let mut reader = backend.reader().await?;
    fetch(backend, &mut reader, sql, columns).await
}

/// Rows of `(id, doc)` as record documents.
async fn read_docs(backend: &impl RecordBackend, sql: &Sql) -> StoreResult<Vec<RecordDoc>> {
    read(backend, sql, &[Column::Uuid, Column::Text])
        .await?
        .into_iter()
        .map(|row| {
            let mut cells = row.into_iter();
            match (cells.next(), cells.next()) {
                (Some(id), Some(doc)) => Ok(RecordDoc {
                    id: id.uuid()?,
                    doc: decode_doc(doc.text()?)?,
                }),
                _ => Err(StoreError::backend("short row")),
            }
        })
        .collect()
}

/// The record of this kind and id.
pub async fn get(backend: &impl RecordBackend, kind: &str, id: Uuid) -> StoreResult<Option<RecordDoc>> {
    let mut sql = Sql::new("SELECT id, doc FROM records WHERE kind = ");
    sql.bind(Arg::Text(kind.to_owned()))
        .push(" AND id = ")
        .bind(Arg::Uuid(id));
    Ok(read_docs(backend, &sql).await?.pop())
}

/// The record holding a unique value.
pub async fn get_unique(
    backend: &impl RecordBackend,
    kind: &str,
    key: &str,
    value: &str,
) -> StoreResult<Option<RecordDoc>> {
    let mut sql = Sql::new(
        "SELECT r.id, r.doc FROM record_unique u JOIN records r ON r.kind = u.kind AND r.id = u.id WHERE u.kind = ",
    );
    sql.bind(Arg::Text(kind.to_owned()))
        .push(" AND u.key = ")
        .bind(Arg::Text(key.to_owned()))
        .push(" AND u.value = ")
        .bind(Arg::Text(value.to_owned()));
    Ok(read_docs(backend, &sql).await?.pop())
}

/// Records of a kind in id order, optionally only those with an equal lookup value.
pub async fn list(
    backend: &impl RecordBackend,
    kind: &str,
    by: Option<(&str, &str)>,
    page: PageRequest,
) -> StoreResult<Page<RecordDoc>> {
    let mut sql = match by {
        None => {
            let mut sql = Sql::new("SELECT id, doc FROM records WHERE kind = ");
            sql.bind(Arg::Text(kind.to_owned()));
            if let Some(after) = page.after {
                sql.push(" AND id > ").bind(Arg::Uuid(after));
            }
            sql.push(" ORDER BY id");
            sql
        }
        Some((key, value)) => {
            let mut sql = Sql::new(
                "SELECT r.id, r.doc FROM record_index i JOIN records r ON r.kind = i.kind AND r.id = i.id \
                 WHERE i.kind = ",
            );
            sql.bind(Arg::Text(kind.to_owned()))
                .push(" AND i.key = ")
                .bind(Arg::Text(key.to_owned()))
                .push(" AND i.value = ")
                .bind(Arg::Text(value.to_owned()));
            if let Some(after) = page.after {
                sql.push(" AND i.id > ").bind(Arg::Uuid(after));
            }
            sql.push(" ORDER BY i.id");
            sql
        }
    };
    sql.push(" LIMIT ").bind(Arg::Int(overfetch_limit(page)));
    let docs = read_docs(backend, &sql).await?;
    Ok(Page::from_overfetch(docs, page.limit, |r| r.id))
}

/// Records whose ordered value is within the query's bounds, in its order.
pub async fn range(backend: &impl RecordBackend, query: &RangeQuery) -> StoreResult<Vec<RangeItem>> {
    let mut sql = Sql::new(
        "SELECT i.value, r.id, r.doc FROM record_index i JOIN records r ON r.kind = i.kind AND r.id = i.id \
         WHERE i.kind = ",
    );
    sql.bind(Arg::Text(query.kind.to_owned()))
        .push(" AND i.key = ")
        .bind(Arg::Text(query.key.to_owned()));
    for (bound, inclusive, exclusive) in [(&query.lower, " >= ", " > "), (&query.upper, " <= ", " < ")] {
        match bound {
            Bound::Included(v) => sql.push(" AND i.value").push(inclusive).bind(Arg::Text(v.clone())),
            Bound::Excluded(v) => sql.push(" AND i.value").push(exclusive).bind(Arg::Text(v.clone())),
            Bound::Unbounded => &mut sql,
        };
    }
    let (past, direction) = match query.order {
        Order::Ascending => (" > ", "ASC"),
        Order::Descending => (" < ", "DESC"),
    };
    if let Some(after) = &query.after {
        sql.push(" AND (i.value, i.id)")
            .push(past)
            .push("(")
            .bind(Arg::Text(after.value.clone()))
            .push(", ")
            .bind(Arg::Uuid(after.id))
            .push(")");
    }
    sql.push(&format!(" ORDER BY i.value {direction}, i.id {direction} LIMIT "))
        .bind(Arg::Int(i64::from(query.limit)));
    let rows = read(backend, &sql, &[Column::Text, Column::Uuid, Column::Text]).await?;
    rows.into_iter()
        .map(|row| {
            let (value, id, doc) = text_id_doc(row)?;
            Ok(RangeItem { value, id, doc })
        })
        .collect()
}

/// The cells of a `(text, id, doc)` row.
fn text_id_doc(row: Vec<Cell>) -> StoreResult<(String, Uuid, serde_json::Value)> {
    let mut cells = row.into_iter();
    match (cells.next(), cells.next(), cells.next()) {
        (Some(text), Some(id), Some(doc)) => Ok((text.text()?, id.uuid()?, decode_doc(doc.text()?)?)),
        _ => Err(StoreError::backend("short row")),
    }
}

/// How many records of a kind have a lookup or ordered value.
pub async fn count(backend: &impl RecordBackend, kind: &str, key: &str, value: &str) -> StoreResult<u64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM record_index WHERE kind = ");
    sql.bind(Arg::Text(kind.to_owned()))
        .push(" AND key = ")
        .bind(Arg::Text(key.to_owned()))
        .push(" AND value = ")
        .bind(Arg::Text(value.to_owned()));
    let rows = read(backend, &sql, &[Column::Int]).await?;
    let count = rows
        .first()
        .and_then(|r| r.first())
        .map(Cell::int)
        .transpose()?
        .unwrap_or(0);
    u64::try_from(count).map_err(StoreError::backend)
}

/// Every record a user owns, by kind then id.
pub async fn owned_by(backend: &impl RecordBackend, owner: UserId) -> StoreResult<Vec<OwnedRecord>> {
    let mut sql = Sql::new("SELECT kind, id, doc FROM records WHERE owner_id = ");
    sql.bind(Arg::Uuid(owner.as_uuid())).push(" ORDER BY kind, id");
    let rows = read(backend, &sql, &[Column::Text, Column::Uuid, Column::Text]).await?;
    rows.into_iter()
        .map(|row| {
            let (kind, id, doc) = text_id_doc(row)?;
            Ok(OwnedRecord { kind, id, doc })
        })
        .collect()
}

/// Implements [`lms_core::ports::RecordStore`] for an adapter type that implements
/// [`RecordBackend`], by the functions of this module.
#[macro_export]
macro_rules! record_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl lms_core::ports::RecordStore for $store {
            async fn write(&self, unit: &lms_core::ports::UnitOfWork) -> lms_core::ports::StoreResult<()> {
                $crate::records::write(self, unit).await
            }

            async fn get(
                &self,
                kind: &'static str,
                id: uuid::Uuid,
            ) -> lms_core::ports::StoreResult<Option<lms_core::ports::RecordDoc>> {
                $crate::records::get(self, kind, id).await
            }

            async fn get_unique(
                &self,
                kind: &'static str,
                key: &'static str,
                value: &str,
            ) -> lms_core::ports::StoreResult<Option<lms_core::ports::RecordDoc>> {
                $crate::records::get_unique(self, kind, key, value).await
            }

            async fn list(
                &self,
                kind: &'static str,
                by: Option<(&'static str, &str)>,
                page: lms_core::ports::PageRequest,
            ) -> lms_core::ports::StoreResult<lms_core::ports::Page<lms_core::ports::RecordDoc>> {
                $crate::records::list(self, kind, by, page).await
            }

            async fn range(
                &self,
                query: &lms_core::ports::RangeQuery,
            ) -> lms_core::ports::StoreResult<Vec<lms_core::ports::RangeItem>> {
                $crate::records::range(self, query).await
            }

            async fn count(
                &self,
                kind: &'static str,
                key: &'static str,
                value: &str,
            ) -> lms_core::ports::StoreResult<u64> {
                $crate::records::count(self, kind, key, value).await
            }

            async fn owned_by(
                &self,
                owner: lms_core::ids::UserId,
            ) -> lms_core::ports::StoreResult<Vec<lms_core::ports::OwnedRecord>> {
                $crate::records::owned_by(self, owner).await
            }
        }
    };
}
