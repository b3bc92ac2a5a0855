//! The storage ports over Postgres.

use async_trait::async_trait;
use lms_core::domain::class::Class;
use lms_core::domain::events::DomainEvent;
use lms_core::ids::ClassId;
use lms_core::ports::{ClassStore, Page, PageRequest, StoreResult};
use lms_storage_sql::{decode, missed_update, overfetch_limit, version_column, ClassRow, EventRow};
use serde::de::DeserializeOwned;
use sqlx::postgres::PgQueryResult;
use sqlx::{Encode, PgConnection, Postgres, QueryBuilder, Transaction, Type};
use uuid::Uuid;

use crate::error::classify;
use crate::PostgresStore;

/// Key of the transaction-scoped advisory lock that orders outbox appends ("lmsoutbx").
const OUTBOX_LOCK: i64 = 0x6c6d_736f_7574_6278;

impl PostgresStore {
    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(classify)
    }

    /// The decoded `doc` of the row a single-value query finds, if any.
    async fn doc_where<T, V>(&self, sql: &'static str, value: V) -> StoreResult<Option<T>>
    where
        T: DeserializeOwned,
        V: for<'q> Encode<'q, Postgres> + Type<Postgres> + Send,
    {
        let doc: Option<String> = sqlx::query_scalar(sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?;
        doc.as_deref().map(decode).transpose()
    }

    /// The decoded documents (first column, as text) of every row a query returns.
    async fn docs<T: DeserializeOwned>(&self, mut query: QueryBuilder<'_, Postgres>) -> StoreResult<Vec<T>> {
        let docs: Vec<String> = query
            .build_query_scalar()
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        docs.iter().map(|doc| decode(doc)).collect()
    }

    /// One keyset page of the documents a query selects; its `WHERE` clause is open.
    async fn page<T: DeserializeOwned>(
        &self,
        mut query: QueryBuilder<'_, Postgres>,
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

/// Fails an update that wrote no row with `NotFound` or `VersionConflict`, whichever holds.
async fn ensure_updated(
    tx: &mut PgConnection,
    done: PgQueryResult,
    exists_sql: &'static str,
    id: Uuid,
) -> StoreResult<()> {
    if done.rows_affected() > 0 {
        return Ok(());
    }
    let exists: bool = sqlx::query_scalar(exists_sql)
        .bind(id)
        .fetch_one(tx)
        .await
        .map_err(classify)?;
    Err(missed_update(exists))
}

/// Appends the events to the outbox and commits the write they belong to.
///
/// Identity values are drawn when rows are inserted, not when they commit, so two
/// concurrent writers could commit their sequences out of order and a relay could deliver
/// the later one first. Appending under a transaction-scoped advisory lock, held from the
/// append to the commit, makes sequence order the commit order. The lock is taken last, after
/// the aggregate's row lock, and nothing waits for a row lock while holding it, so it cannot
/// deadlock; it only serializes the append-and-commit step of writes that have events.
pub(crate) async fn commit(mut tx: Transaction<'static, Postgres>, events: &[DomainEvent]) -> StoreResult<()> {
    if !events.is_empty() {
        let rows = EventRow::all(events)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(OUTBOX_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        sqlx::query(
            "INSERT INTO outbox (event_id, event_type, occurred_at, doc) \
             SELECT e.event_id, e.event_type, e.occurred_at, e.doc::jsonb \
             FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) \
                  WITH ORDINALITY AS e (event_id, event_type, occurred_at, doc, position) \
             ORDER BY e.position",
        )
        .bind(rows.iter().map(|e| e.event_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|e| e.event_type).collect::<Vec<_>>())
        .bind(rows.iter().map(|e| e.occurred_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|e| e.doc.as_str()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
    }
    tx.commit().await.map_err(classify)
}

#[async_trait]
impl ClassStore for PostgresStore {
    async fn insert_class(&self, class: &Class, events: &[DomainEvent]) -> StoreResult<()> {
        let row = ClassRow::new(class)?;
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO classes (id, version, doc) VALUES ($1, $2, $3::jsonb)")
            .bind(row.id)
            .bind(row.version)
            .bind(&row.doc)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        commit(tx, events).await
    }

    async fn get_class(&self, id: ClassId) -> StoreResult<Option<Class>> {
        self.doc_where("SELECT doc::text FROM classes WHERE id = $1", id.as_uuid())
            .await
    }

    async fn update_class(&self, class: &Class, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = ClassRow::new(class)?;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE classes SET version = $2, doc = $3::jsonb WHERE id = $1 AND version = $4")
            .bind(row.id)
            .bind(row.version)
            .bind(&row.doc)
            .bind(version_column(expected_version)?)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        ensure_updated(
            &mut tx,
            done,
            "SELECT EXISTS (SELECT 1 FROM classes WHERE id = $1)",
            row.id,
        )
        .await?;
        commit(tx, events).await
    }

    async fn list_classes(&self, page: PageRequest) -> StoreResult<Page<Class>> {
        let query = QueryBuilder::new("SELECT doc::text FROM classes WHERE TRUE");
        self.page(query, page, |c: &Class| c.id.as_uuid()).await
    }
}
