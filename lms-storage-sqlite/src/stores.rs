//! The storage ports over SQLite.

use async_trait::async_trait;
use lms_core::domain::class::Class;
use lms_core::domain::events::DomainEvent;
use lms_core::ids::ClassId;
use lms_core::ports::{ClassStore, Page, PageRequest, StoreError, StoreResult, UniqueKey};
use lms_storage_sql::{decode, missed_update, overfetch_limit, version_column, ClassRow, EventRow};
use serde::de::DeserializeOwned;
use sqlx::sqlite::SqliteQueryResult;
use sqlx::{Encode, QueryBuilder, Sqlite, SqliteConnection, Transaction, Type};
use uuid::Uuid;

use crate::error::{classify, classify_write};
use crate::SqliteStore;

/// Most values bound in one `IN (…)` list or multi-row insert; larger batches are split.
pub(crate) const BATCH: usize = 500;

impl SqliteStore {
    /// Starts a write transaction holding the database write lock from its first statement.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(classify)
    }

    /// The decoded `doc` of the row a single-value query finds, if any.
    async fn doc_where<T, V>(&self, sql: &'static str, value: V) -> StoreResult<Option<T>>
    where
        T: DeserializeOwned,
        V: for<'q> Encode<'q, Sqlite> + Type<Sqlite> + Send,
    {
        let doc: Option<String> = sqlx::query_scalar(sql)
            .bind(value)
            .fetch_optional(&self.reader)
            .await
            .map_err(classify)?;
        doc.as_deref().map(decode).transpose()
    }

    /// The decoded documents (first column) of every row a query returns.
    async fn docs<T: DeserializeOwned>(&self, mut query: QueryBuilder<'_, Sqlite>) -> StoreResult<Vec<T>> {
        let docs: Vec<String> = query
            .build_query_scalar()
            .fetch_all(&self.reader)
            .await
            .map_err(classify)?;
        docs.iter().map(|doc| decode(doc)).collect()
    }

    /// One keyset page of the documents a query selects; its `WHERE` clause is open.
    async fn page<T: DeserializeOwned>(
        &self,
        mut query: QueryBuilder<'_, Sqlite>,
        page: PageRequest,
        id: impl Fn(&T) -> Uuid,
    ) -> StoreResult<Page<T>> {
        if let Some(after) = page.after {
            query.push(" AND id > ").push_bind(after);
        }
        query.push(" ORDER BY id LIMIT ").push_bind(overfetch_limit(page));
        Ok(Page::from_overfetch(self.docs(query).await?, page.limit, id))
    }
}

/// What writes need to know about an aggregate table.
struct Table {
    /// Whether a row with an id exists.
    exists: &'static str,
    /// The rule the table's UNIQUE constraint (besides the primary key) stands for.
    unique: Option<UniqueKey>,
}

const CLASSES: Table = Table {
    exists: "SELECT EXISTS (SELECT 1 FROM classes WHERE id = ?)",
    unique: None,
};

/// The outcome of an insert or update statement.
type Written = Result<SqliteQueryResult, sqlx::Error>;

impl Table {
    /// Whether the row exists, seen from inside the write transaction (which holds the
    /// write lock, so nothing changes in between).
    async fn has(&self, tx: &mut SqliteConnection, id: Uuid) -> StoreResult<bool> {
        sqlx::query_scalar(self.exists)
            .bind(id)
            .fetch_one(tx)
            .await
            .map_err(classify)
    }

    /// Checks the outcome of inserting the row `id`. SQLite may check the UNIQUE
    /// constraint before the primary key; the id rule comes first in every store, so a
    /// UNIQUE violation by a row whose id exists too is a duplicate id.
    async fn check_insert(&self, tx: &mut SqliteConnection, inserted: Written, id: Uuid) -> StoreResult<()> {
        let Err(err) = inserted else {
            return Ok(());
        };
        match classify_write(self.unique)(err) {
            StoreError::Duplicate(key) if key != UniqueKey::Id && self.has(tx, id).await? => {
                Err(StoreError::Duplicate(UniqueKey::Id))
            }
            err => Err(err),
        }
    }

    /// Checks the outcome of the versioned update of the row `id`: one that wrote no row
    /// fails with `NotFound` or `VersionConflict`, whichever holds.
    async fn check_update(&self, tx: &mut SqliteConnection, updated: Written, id: Uuid) -> StoreResult<()> {
        let done = updated.map_err(classify_write(self.unique))?;
        if done.rows_affected() > 0 {
            return Ok(());
        }
        Err(missed_update(self.has(tx, id).await?))
    }
}

/// Appends the events to the outbox and commits the write they belong to.
pub(crate) async fn commit(mut tx: Transaction<'static, Sqlite>, events: &[DomainEvent]) -> StoreResult<()> {
    let rows = EventRow::all(events)?;
    for batch in rows.chunks(BATCH / 4) {
        let mut query = QueryBuilder::new("INSERT INTO outbox (event_id, event_type, occurred_at, doc) ");
        query.push_values(batch, |mut row, event| {
            row.push_bind(event.event_id)
                .push_bind(event.event_type)
                .push_bind(event.occurred_at)
                .push_bind(event.doc.as_str());
        });
        query.build().execute(&mut *tx).await.map_err(classify)?;
    }
    tx.commit().await.map_err(classify)
}

#[async_trait]
impl ClassStore for SqliteStore {
    async fn insert_class(&self, class: &Class, events: &[DomainEvent]) -> StoreResult<()> {
        let row = ClassRow::new(class)?;
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query("INSERT INTO classes (id, version, doc) VALUES (?, ?, ?)")
            .bind(row.id)
            .bind(row.version)
            .bind(&row.doc)
            .execute(&mut *tx)
            .await;
        CLASSES.check_insert(&mut tx, inserted, row.id).await?;
        commit(tx, events).await
    }

    async fn get_class(&self, id: ClassId) -> StoreResult<Option<Class>> {
        self.doc_where("SELECT doc FROM classes WHERE id = ?", id.as_uuid())
            .await
    }

    async fn update_class(&self, class: &Class, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = ClassRow::new(class)?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query("UPDATE classes SET version = ?, doc = ? WHERE id = ? AND version = ?")
            .bind(row.version)
            .bind(&row.doc)
            .bind(row.id)
            .bind(version_column(expected_version)?)
            .execute(&mut *tx)
            .await;
        CLASSES.check_update(&mut tx, updated, row.id).await?;
        commit(tx, events).await
    }

    async fn list_classes(&self, page: PageRequest) -> StoreResult<Page<Class>> {
        let query = QueryBuilder::new("SELECT doc FROM classes WHERE 1");
        self.page(query, page, |c: &Class| c.id.as_uuid()).await
    }
}
