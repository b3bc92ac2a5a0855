//! The storage ports over any SQL [`Backend`], each statement written once.
//!
//! [`SqlStore`] holds the logic of every port method the SQL adapters share; each adapter
//! implements the ports for its own store type with [`impl_sql_ports!`](crate::impl_sql_ports),
//! which hands every call to its `SqlStore`.

mod auth;
mod backup;
mod courses;
mod enrollments;
mod outbox;
mod privacy;
mod records;
mod users;

pub use backup::SqlBackup;

use lms_core::ports::{Page, PageRequest, StoreError, StoreResult, UniqueKey};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::backend::Backend;
use crate::batches::EnrollmentBatches;
use crate::row::FromRow;
use crate::statement::{List, Statement, Value};
use crate::{decode, missed_update, overfetch_limit};

/// What writes need to know about an aggregate table.
struct Table {
    /// Whether a row with an id exists.
    exists: &'static str,
    /// The rule the table's UNIQUE constraint (besides the primary key) stands for.
    unique: Option<UniqueKey>,
}

/// The storage ports over an SQL backend, with its coalesced enrollment statements.
#[derive(Debug, Clone)]
pub struct SqlStore<B> {
    backend: B,
    enrollment_batches: EnrollmentBatches,
}

impl<B: Backend> SqlStore<B> {
    /// The store over `backend`, running up to `find_concurrency` coalesced enrollment
    /// lookups at once.
    pub fn new(backend: B, find_concurrency: usize) -> Self {
        Self {
            enrollment_batches: EnrollmentBatches::new(&backend, find_concurrency),
            backend,
        }
    }

    /// A statement in this backend's dialect.
    fn statement(sql: &str) -> Statement<'static> {
        Statement::new(B::DIALECT, sql)
    }

    /// The rows a query returns, read on a reader.
    async fn rows<R: FromRow>(&self, statement: &Statement<'_>) -> StoreResult<Vec<R>> {
        self.backend.fetch(None, statement).await
    }

    /// The first row a query returns, if any.
    async fn row<R: FromRow>(&self, statement: &Statement<'_>) -> StoreResult<Option<R>> {
        Ok(self.rows(statement).await?.into_iter().next())
    }

    /// The decoded `doc` of the row a single-value query finds, if any.
    async fn doc_where<T: DeserializeOwned>(&self, sql: &'static str, value: Value<'_>) -> StoreResult<Option<T>> {
        let mut query = Self::statement(sql);
        query.bind(value);
        let doc: Option<String> = self.row(&query).await?;
        doc.as_deref().map(decode).transpose()
    }

    /// The decoded documents (first column) of every row a query returns.
    async fn docs<T: DeserializeOwned>(&self, query: &Statement<'_>) -> StoreResult<Vec<T>> {
        let docs: Vec<String> = self.rows(query).await?;
        docs.iter().map(|doc| decode(doc)).collect()
    }

    /// One keyset page of the documents a query selects; its `WHERE` clause is open.
    async fn page<T: DeserializeOwned>(
        &self,
        mut query: Statement<'_>,
        page: PageRequest,
        id: impl Fn(&T) -> Uuid,
    ) -> StoreResult<Page<T>> {
        if let Some(after) = page.after {
            query.push(" AND id > ?").bind(Value::Id(after));
        }
        query
            .push(" ORDER BY id LIMIT ?")
            .bind(Value::Int(overfetch_limit(page)));
        Ok(Page::from_overfetch(self.docs(&query).await?, page.limit, id))
    }

    /// The documents of the rows whose key is one of `ids`: `open` starts a query that
    /// ends in the key, looked up in as few statements as the dialect allows.
    async fn docs_in<T: DeserializeOwned>(
        &self,
        ids: &[Uuid],
        open: impl for<'a> Fn(Statement<'a>) -> Statement<'a>,
    ) -> StoreResult<Vec<T>> {
        let mut found = Vec::new();
        for batch in ids.chunks(B::DIALECT.max_list) {
            let mut query = open(Statement::new(B::DIALECT, ""));
            query.push_in(List::Ids(batch));
            found.extend(self.docs(&query).await?);
        }
        Ok(found)
    }

    /// Whether the row `id` exists, seen from inside the write transaction.
    async fn has(&self, tx: &mut B::Connection, table: &Table, id: Uuid) -> StoreResult<bool> {
        let mut query = Self::statement(table.exists);
        query.bind(Value::Id(id));
        let found: Vec<bool> = self.backend.fetch(Some(tx), &query).await?;
        Ok(found.first().copied().unwrap_or(false))
    }

    /// Inserts the row `id` of `table`. Where the dialect may report the table's UNIQUE
    /// constraint before the primary key, a duplicate whose id exists too is a duplicate
    /// id, the rule every store checks first.
    async fn insert(
        &self,
        tx: &mut B::Connection,
        table: &Table,
        statement: &Statement<'_>,
        id: Uuid,
    ) -> StoreResult<()> {
        let Err(err) = self.backend.execute(tx, statement).await else {
            return Ok(());
        };
        match B::classify(err, table.unique) {
            StoreError::Duplicate(key)
                if key != UniqueKey::Id && B::DIALECT.unique_before_primary_key && self.has(tx, table, id).await? =>
            {
                Err(StoreError::Duplicate(UniqueKey::Id))
            }
            err => Err(err),
        }
    }

    /// Runs the versioned update of the row `id` of `table`: one that wrote no row fails
    /// with `NotFound` or `VersionConflict`, whichever holds.
    async fn update(
        &self,
        tx: &mut B::Connection,
        table: &Table,
        statement: &Statement<'_>,
        id: Uuid,
    ) -> StoreResult<()> {
        let updated = self
            .backend
            .execute(tx, statement)
            .await
            .map_err(|err| B::classify(err, table.unique))?;
        if updated > 0 {
            return Ok(());
        }
        Err(missed_update(self.has(tx, table, id).await?))
    }
}

/// Health.
impl<B: Backend> SqlStore<B> {
    /// `StoreHealth::ping`.
    pub async fn ping(&self) -> StoreResult<()> {
        self.rows::<()>(&Self::statement("SELECT 1")).await.map(drop)
    }
}
