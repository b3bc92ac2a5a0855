//! The shared SQL statements on SQLite: how they run, and the few SQLite spells its own
//! way.

use std::time::Duration;

use async_trait::async_trait;
use lms_core::domain::events::DomainEvent;
use lms_core::ports::{StoreError, StoreResult, UniqueKey};
use lms_storage_sql::row::{DriverRow, FromRow};
use lms_storage_sql::statement::{quote_identifier, Arg, Dialect, List, Placeholders, Statement, Value};
use lms_storage_sql::{Backend, CourseRow, EnrollmentKey, VersionedEnrollment};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Column, QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool, Transaction, TypeInfo, ValueRef};
use uuid::Uuid;

use crate::error::{classify, classify_write};
use crate::stores::{commit, BATCH};

/// Checkpoints [`Backend::scrub`] tries before it reports the log busy.
const CHECKPOINT_ATTEMPTS: u32 = 3;
/// The pause between two checkpoint attempts, on top of the busy timeout each may wait.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(200);

/// The connections of a store: a few readers, and the one writer every write queues for,
/// each write in a `BEGIN IMMEDIATE` transaction that holds the write lock from its start.
#[derive(Debug, Clone)]
pub(crate) struct Pools {
    pub(crate) reader: SqlitePool,
    pub(crate) writer: SqlitePool,
}

/// A statement as sqlx runs it, its values bound.
fn query<'q>(statement: &'q Statement<'_>) -> sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>> {
    statement
        .args()
        .iter()
        .fold(sqlx::query(statement.sql()), |query, arg| match *arg {
            Arg::Value(Value::Id(id)) => query.bind(id),
            Arg::Value(Value::MaybeId(id)) => query.bind(id),
            Arg::Value(Value::Int(n)) => query.bind(n),
            Arg::Value(Value::Text(text) | Value::Json(text)) => query.bind(text),
            Arg::Value(Value::Time(at)) => query.bind(at),
            Arg::List(List::Ids(ids)) => ids.iter().fold(query, |query, id| query.bind(*id)),
            Arg::List(List::Ints(ns)) => ns.iter().fold(query, |query, n| query.bind(*n)),
            Arg::List(List::Texts(texts)) => texts.iter().fold(query, |query, text| query.bind(*text)),
        })
}

#[async_trait]
impl Backend for Pools {
    type Connection = SqliteConnection;
    type Pooled = PoolConnection<Sqlite>;
    type Transaction = Transaction<'static, Sqlite>;

    const DIALECT: Dialect = Dialect {
        placeholders: Placeholders::Anonymous,
        max_list: BATCH,
        position: "instr",
        unique_before_primary_key: true,
        concurrent_writers: false,
        // Left to itself, the planner prefers scanning every token in family order (which
        // saves sorting the groups) to reading the few recent ones through this index.
        revoked_at_hint: " INDEXED BY refresh_tokens_revoked_at",
        tables: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        identity_override: "",
    };

    async fn begin(&self) -> StoreResult<Self::Transaction> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(classify)
    }

    /// A deferred transaction on a reader: in WAL mode its first read takes the snapshot
    /// every later read of it sees, while the writer goes on writing to the log (which
    /// cannot be checkpointed past that snapshot until the transaction ends).
    async fn begin_snapshot(&self) -> StoreResult<Self::Transaction> {
        let mut tx = self.reader.begin().await.map_err(classify)?;
        // The snapshot starts with the first read, made here, after every acknowledged write.
        sqlx::query("SELECT 1 FROM sqlite_master LIMIT 1")
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        Ok(tx)
    }

    /// `AUTOINCREMENT` keeps the last sequence in `sqlite_sequence`.
    async fn last_outbox_sequence(&self, conn: &mut SqliteConnection) -> StoreResult<u64> {
        let last: Option<i64> = sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
            .fetch_optional(conn)
            .await
            .map_err(classify)?;
        u64::try_from(last.unwrap_or(0)).map_err(StoreError::backend)
    }

    async fn raise_outbox_sequence(&self, conn: &mut SqliteConnection, last: u64) -> StoreResult<()> {
        let last = i64::try_from(last).map_err(StoreError::backend)?;
        let raised = sqlx::query("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'")
            .bind(last)
            .execute(&mut *conn)
            .await
            .map_err(classify)?;
        if raised.rows_affected() == 0 {
            sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)")
                .bind(last)
                .execute(&mut *conn)
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    async fn commit(&self, tx: Self::Transaction, events: &[DomainEvent]) -> StoreResult<()> {
        commit(tx, events).await
    }

    async fn writer(&self) -> StoreResult<Self::Pooled> {
        self.writer.acquire().await.map_err(classify)
    }

    async fn execute(&self, conn: &mut SqliteConnection, statement: &Statement<'_>) -> Result<u64, sqlx::Error> {
        Ok(query(statement).execute(conn).await?.rows_affected())
    }

    async fn write(&self, statement: &Statement<'_>) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let written = self.execute(&mut tx, statement).await.map_err(classify)?;
        tx.commit().await.map_err(classify)?;
        Ok(written)
    }

    async fn fetch<R: FromRow>(
        &self,
        conn: Option<&mut SqliteConnection>,
        statement: &Statement<'_>,
    ) -> StoreResult<Vec<R>> {
        let rows = match conn {
            Some(conn) => query(statement).fetch_all(conn).await,
            None => query(statement).fetch_all(&self.reader).await,
        }
        .map_err(classify)?;
        rows.iter().map(|row| R::from_row(&DriverRow::<_>::new(row))).collect()
    }

    fn classify(err: sqlx::Error, unique: Option<UniqueKey>) -> StoreError {
        classify_write(unique)(err)
    }

    /// Points each lesson of the course to it; a lesson id held by another course moves
    /// here, as lesson ids are unique across courses. An updated course first forgets
    /// every lesson it had.
    async fn write_lessons(&self, tx: &mut SqliteConnection, row: &CourseRow, created: bool) -> StoreResult<()> {
        if !created {
            sqlx::query("DELETE FROM course_lessons WHERE course_id = ?")
                .bind(row.id)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        for batch in row.lesson_ids.chunks(BATCH / 2) {
            let mut query = QueryBuilder::new("INSERT INTO course_lessons (lesson_id, course_id) ");
            query.push_values(batch, |mut values, lesson_id| {
                values.push_bind(*lesson_id).push_bind(row.id);
            });
            query.push(" ON CONFLICT (lesson_id) DO UPDATE SET course_id = excluded.course_id");
            query.build().execute(&mut *tx).await.map_err(classify)?;
        }
        Ok(())
    }

    /// The keys join a `VALUES` list.
    async fn find_enrollments(&self, keys: &[EnrollmentKey]) -> StoreResult<Vec<(Uuid, Uuid, String)>> {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT e.user_id, e.course_id, e.doc FROM enrollments AS e JOIN (");
        query.push_values(keys, |mut row, (user, course)| {
            row.push_bind(*user).push_bind(*course);
        });
        query.push(") AS k ON e.user_id = k.column1 AND e.course_id = k.column2");
        query.build_query_as().fetch_all(&self.reader).await.map_err(classify)
    }

    /// The new rows are a `VALUES` list the update reads `FROM`.
    async fn update_enrollments(
        &self,
        conn: &mut SqliteConnection,
        updates: &[&VersionedEnrollment],
    ) -> StoreResult<Vec<Uuid>> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "UPDATE enrollments SET certificate_id = v.column2, version = v.column3, doc = v.column4 FROM (",
        );
        query.push_values(updates, |mut row, u| {
            row.push_bind(u.row.id)
                .push_bind(u.row.certificate_id)
                .push_bind(u.row.version)
                .push_bind(u.row.doc.as_str())
                .push_bind(u.expected_version);
        });
        query.push(
            ") AS v WHERE enrollments.id = v.column1 AND enrollments.version = v.column5 RETURNING enrollments.id",
        );
        query.build_query_scalar().fetch_all(conn).await.map_err(classify)
    }

    /// Checkpoints the write-ahead log into the database file and truncates it
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so the log keeps no image of a page from
    /// before a deletion. The pages copied into the file hold zeros where deleted rows
    /// were, and freed pages are zeroed too, as every connection runs with
    /// `secure_delete` on.
    ///
    /// Runs on the writer, so no write of this store is under way. A checkpoint waits, up
    /// to the busy timeout, for readers of older snapshots and for writers in other
    /// processes; one that still could not finish is tried again, and after
    /// [`CHECKPOINT_ATTEMPTS`] the log may still hold deleted data, which is
    /// `StoreError::Unavailable`.
    async fn scrub(&self) -> StoreResult<()> {
        let mut writer = self.writer.acquire().await.map_err(classify)?;
        for attempt in 1..=CHECKPOINT_ATTEMPTS {
            // One row: (blocked, frames in the log, frames checkpointed).
            let outcome: Vec<(i64, i64, i64)> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_all(&mut *writer)
                .await
                .map_err(classify)?;
            if outcome.first().is_some_and(|(blocked, _, _)| *blocked == 0) {
                return Ok(());
            }
            if attempt < CHECKPOINT_ATTEMPTS {
                tokio::time::sleep(CHECKPOINT_PAUSE).await;
            }
        }
        Err(StoreError::unavailable(format!(
            "the write-ahead log could not be checkpointed and truncated in {CHECKPOINT_ATTEMPTS} attempts: \
             a reader or another process's writer kept it busy, so it may still hold deleted data"
        )))
    }

    /// `SELECT *`, each value rendered by its storage class ([`render_row`]).
    async fn dump_table(&self, table: &str) -> StoreResult<Vec<String>> {
        let select = format!("SELECT * FROM {}", quote_identifier(table));
        let rows = sqlx::query(&select)
            .persistent(false)
            .fetch_all(&self.reader)
            .await
            .map_err(classify)?;
        rows.iter().map(render_row).collect()
    }
}

/// A row of any table as `column=value` pairs separated by spaces. Values are rendered
/// by their storage class: `NULL`, integers and reals as SQL writes them, text as it is,
/// and BLOBs (ids, mostly) as `x'…'` hex followed by their bytes read as UTF-8 (invalid
/// sequences replaced), quoted and escaped, so text stored as a BLOB is found too.
fn render_row(row: &SqliteRow) -> StoreResult<String> {
    let mut rendered = String::new();
    for (index, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(index).map_err(StoreError::backend)?;
        let value = if raw.is_null() {
            "NULL".to_owned()
        } else {
            match raw.type_info().name() {
                "INTEGER" => row.try_get::<i64, _>(index).map_err(StoreError::backend)?.to_string(),
                "REAL" => row.try_get::<f64, _>(index).map_err(StoreError::backend)?.to_string(),
                "BLOB" => {
                    let bytes: Vec<u8> = row.try_get(index).map_err(StoreError::backend)?;
                    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                    format!("x'{hex}' {:?}", String::from_utf8_lossy(&bytes))
                }
                _ => row.try_get::<String, _>(index).map_err(StoreError::backend)?,
            }
        };
        if index > 0 {
            rendered.push(' ');
        }
        rendered.push_str(column.name());
        rendered.push('=');
        rendered.push_str(&value);
    }
    Ok(rendered)
}
