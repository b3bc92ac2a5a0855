//! What an SQL adapter provides so the shared statements run on its database.

use std::ops::DerefMut;

use async_trait::async_trait;
use lms_core::domain::events::DomainEvent;
use lms_core::ports::{StoreError, StoreResult, UniqueKey};
use uuid::Uuid;

use crate::row::FromRow;
use crate::statement::{Dialect, Statement};
use crate::{CourseRow, VersionedEnrollment};

/// A learner and a course: the key `find_enrollment` looks up.
pub type EnrollmentKey = (Uuid, Uuid);

/// An SQL database as the shared store uses it: how it runs a statement, a transaction
/// and the few statements whose shape differs between databases. Cloning is cheap and
/// shares the connections.
#[async_trait]
pub trait Backend: Clone + Send + Sync + 'static {
    /// A connection to the database.
    type Connection: Send + ?Sized;
    /// A connection held from the pool.
    type Pooled: DerefMut<Target = Self::Connection> + Send;
    /// A write transaction.
    type Transaction: DerefMut<Target = Self::Connection> + Send;

    /// What this database spells its own way.
    const DIALECT: Dialect;

    /// Starts a write transaction.
    async fn begin(&self) -> StoreResult<Self::Transaction>;

    /// Starts a read-only transaction on a reader that reads one snapshot of the whole
    /// database, taken no earlier than the call, until it ends; writers go on meanwhile.
    async fn begin_snapshot(&self) -> StoreResult<Self::Transaction>;

    /// The last outbox sequence handed out, 0 when none was, read on `conn`.
    async fn last_outbox_sequence(&self, conn: &mut Self::Connection) -> StoreResult<u64>;

    /// Makes the outbox hand out sequences above `last` from now on; never lowers them.
    async fn raise_outbox_sequence(&self, conn: &mut Self::Connection, last: u64) -> StoreResult<()>;

    /// Appends the events to the outbox, in order, and commits the write they belong to.
    async fn commit(&self, tx: Self::Transaction, events: &[DomainEvent]) -> StoreResult<()>;

    /// Takes the connection enrollment update batches run on.
    async fn writer(&self) -> StoreResult<Self::Pooled>;

    /// Runs a statement on `conn` and counts the rows it changed. The error is left
    /// unclassified: only the caller knows which uniqueness rule a write could break.
    async fn execute(&self, conn: &mut Self::Connection, statement: &Statement<'_>) -> Result<u64, sqlx::Error>;

    /// Runs a write statement on its own, committed when it returns, and counts the rows it
    /// changed.
    async fn write(&self, statement: &Statement<'_>) -> StoreResult<u64>;

    /// The rows a query returns, read on `conn` (inside a write) or else on a reader.
    async fn fetch<R: FromRow>(
        &self,
        conn: Option<&mut Self::Connection>,
        statement: &Statement<'_>,
    ) -> StoreResult<Vec<R>>;

    /// Classifies an error of a statement writing to a table whose UNIQUE constraint
    /// (besides the primary key), if any, stands for `unique`.
    fn classify(err: sqlx::Error, unique: Option<UniqueKey>) -> StoreError;

    /// Makes `course_lessons` point each lesson of the course to it, and no other lesson:
    /// `created` tells a new course from an updated one.
    async fn write_lessons(&self, tx: &mut Self::Connection, row: &CourseRow, created: bool) -> StoreResult<()>;

    /// The `(user_id, course_id, doc)` of the enrollments some keys name, in one query.
    async fn find_enrollments(&self, keys: &[EnrollmentKey]) -> StoreResult<Vec<(Uuid, Uuid, String)>>;

    /// Updates, in one autocommit statement, each enrollment whose stored version is the
    /// expected one (each appears once) and returns the ids it updated.
    async fn update_enrollments(
        &self,
        conn: &mut Self::Connection,
        updates: &[&VersionedEnrollment],
    ) -> StoreResult<Vec<Uuid>>;

    /// Makes the rows deleted so far unrecoverable from the database's own files, where
    /// the database keeps old row images there that its own maintenance does not reclaim
    /// (`ErasureStore::scrub_deleted_data`).
    async fn scrub(&self) -> StoreResult<()>;

    /// Every row of the table named `table` (a name read from the catalog, see
    /// [`Dialect::tables`]), each rendered as text, in no particular order.
    async fn dump_table(&self, table: &str) -> StoreResult<Vec<String>>;
}
