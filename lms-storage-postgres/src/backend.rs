//! The shared SQL statements on PostgreSQL: how they run, the column types they bind and
//! read, and the few statements PostgreSQL spells its own way (arrays and `unnest` where
//! SQLite lists values).

use async_trait::async_trait;
use lms_core::domain::events::DomainEvent;
use lms_core::ports::{StoreError, StoreResult, UniqueKey};
use lms_storage_sql::row::{DriverRow, FromRow};
use lms_storage_sql::statement::{quote_identifier, Arg, Dialect, List, Placeholders, Statement, Value};
use lms_storage_sql::{Backend, CourseRow, EnrollmentKey, VersionedEnrollment};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgTypeInfo, PgValueFormat, PgValueRef};
use sqlx::{Decode, Encode, PgConnection, PgPool, Postgres, Transaction, Type, ValueRef};
use uuid::Uuid;

use crate::error::classify;
use crate::stores::commit;

/// The OID of `jsonb`, fixed in PostgreSQL's catalog.
const JSONB: Oid = Oid(3802);
/// The version byte that starts `jsonb`'s binary format.
const JSONB_VERSION: u8 = 1;

/// The connection pool of a store.
#[derive(Debug, Clone)]
pub(crate) struct Pool(pub(crate) PgPool);

/// A JSON document for a `jsonb` column, sent as `jsonb` so the column needs no cast.
struct Jsonb<'a>(&'a str);

impl Type<Postgres> for Jsonb<'_> {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(JSONB)
    }
}

impl Encode<'_, Postgres> for Jsonb<'_> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(JSONB_VERSION);
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}

/// A text column, or a `jsonb` document read as its text.
struct Text(String);

fn is_jsonb(ty: &PgTypeInfo) -> bool {
    ty.oid() == Some(JSONB)
}

impl Type<Postgres> for Text {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        is_jsonb(ty) || <String as Type<Postgres>>::compatible(ty)
    }
}

impl Decode<'_, Postgres> for Text {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        let binary_jsonb = value.format() == PgValueFormat::Binary && is_jsonb(&value.type_info());
        let bytes = value.as_bytes()?;
        let text = match (binary_jsonb, bytes.split_first()) {
            (false, _) => bytes,
            (true, Some((&JSONB_VERSION, json))) => json,
            (true, _) => return Err("unsupported jsonb format version".into()),
        };
        Ok(Self(String::from_utf8(text.to_vec())?))
    }
}

impl From<Text> for String {
    fn from(Text(text): Text) -> Self {
        text
    }
}

/// A statement as sqlx runs it, its values bound: lists as arrays, documents as `jsonb`.
fn query<'q>(statement: &'q Statement<'_>) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    statement
        .args()
        .iter()
        .fold(sqlx::query(statement.sql()), |query, arg| match *arg {
            Arg::Value(Value::Id(id)) => query.bind(id),
            Arg::Value(Value::MaybeId(id)) => query.bind(id),
            Arg::Value(Value::Int(n)) => query.bind(n),
            Arg::Value(Value::Text(text)) => query.bind(text),
            Arg::Value(Value::Json(doc)) => query.bind(Jsonb(doc)),
            Arg::Value(Value::Time(at)) => query.bind(at),
            Arg::List(List::Ids(ids)) => query.bind(ids),
            Arg::List(List::Ints(ns)) => query.bind(ns),
            Arg::List(List::Texts(texts)) => query.bind(texts),
        })
}

#[async_trait]
impl Backend for Pool {
    type Connection = PgConnection;
    type Pooled = PoolConnection<Postgres>;
    type Transaction = Transaction<'static, Postgres>;

    const DIALECT: Dialect = Dialect {
        placeholders: Placeholders::Numbered,
        max_list: usize::MAX,
        position: "strpos",
        unique_before_primary_key: false,
        concurrent_writers: true,
        revoked_at_hint: "",
        tables: "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
        identity_override: " OVERRIDING SYSTEM VALUE",
    };

    async fn begin(&self) -> StoreResult<Self::Transaction> {
        self.0.begin().await.map_err(classify)
    }

    /// `REPEATABLE READ, READ ONLY`: every statement sees the snapshot taken by the first.
    async fn begin_snapshot(&self) -> StoreResult<Self::Transaction> {
        let mut tx = self.0.begin().await.map_err(classify)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        sqlx::query("SELECT 1").execute(&mut *tx).await.map_err(classify)?;
        Ok(tx)
    }

    /// The identity sequence's last value. Sequences are outside transactions, so this is
    /// the value now, never below the snapshot's.
    async fn last_outbox_sequence(&self, conn: &mut PgConnection) -> StoreResult<u64> {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT pg_sequence_last_value(pg_get_serial_sequence('outbox', 'sequence')::regclass)")
                .fetch_one(conn)
                .await
                .map_err(classify)?;
        u64::try_from(last.unwrap_or(0)).map_err(StoreError::backend)
    }

    async fn raise_outbox_sequence(&self, conn: &mut PgConnection, last: u64) -> StoreResult<()> {
        let last = i64::try_from(last).map_err(StoreError::backend)?;
        if last == 0 {
            return Ok(());
        }
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('outbox', 'sequence'),              GREATEST($1, pg_sequence_last_value(pg_get_serial_sequence('outbox', 'sequence')::regclass)))",
        )
        .bind(last)
        .execute(conn)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn commit(&self, tx: Self::Transaction, events: &[DomainEvent]) -> StoreResult<()> {
        commit(tx, events).await
    }

    async fn writer(&self) -> StoreResult<Self::Pooled> {
        self.0.acquire().await.map_err(classify)
    }

    async fn execute(&self, conn: &mut PgConnection, statement: &Statement<'_>) -> Result<u64, sqlx::Error> {
        Ok(query(statement).execute(conn).await?.rows_affected())
    }

    /// One autocommit statement.
    async fn write(&self, statement: &Statement<'_>) -> StoreResult<u64> {
        let done = query(statement).execute(&self.0).await.map_err(classify)?;
        Ok(done.rows_affected())
    }

    async fn fetch<R: FromRow>(
        &self,
        conn: Option<&mut PgConnection>,
        statement: &Statement<'_>,
    ) -> StoreResult<Vec<R>> {
        let rows = match conn {
            Some(conn) => query(statement).fetch_all(conn).await,
            None => query(statement).fetch_all(&self.0).await,
        }
        .map_err(classify)?;
        rows.iter()
            .map(|row| R::from_row(&DriverRow::<_, Text>::new(row)))
            .collect()
    }

    /// By constraint name, whatever the table.
    fn classify(err: sqlx::Error, _: Option<UniqueKey>) -> StoreError {
        classify(err)
    }

    /// Forgets the lessons the course no longer has, then points each of its lessons to it
    /// (a lesson id held by another course moves here, as lesson ids are unique across
    /// courses), touching only the rows that change.
    async fn write_lessons(&self, tx: &mut PgConnection, row: &CourseRow, _: bool) -> StoreResult<()> {
        sqlx::query("DELETE FROM course_lessons WHERE course_id = $1 AND lesson_id <> ALL ($2)")
            .bind(row.id)
            .bind(&row.lesson_ids)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        sqlx::query(
            "INSERT INTO course_lessons (lesson_id, course_id) SELECT unnest($1::uuid[]), $2 \
             ON CONFLICT (lesson_id) DO UPDATE SET course_id = excluded.course_id \
             WHERE course_lessons.course_id <> excluded.course_id",
        )
        .bind(&row.lesson_ids)
        .bind(row.id)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        Ok(())
    }

    /// The keys join the `unnest` of two arrays.
    async fn find_enrollments(&self, keys: &[EnrollmentKey]) -> StoreResult<Vec<(Uuid, Uuid, String)>> {
        let (users, courses): (Vec<Uuid>, Vec<Uuid>) = keys.iter().copied().unzip();
        sqlx::query_as(
            "SELECT e.user_id, e.course_id, e.doc FROM enrollments AS e \
             JOIN unnest($1::uuid[], $2::uuid[]) AS k (user_id, course_id) \
             ON e.user_id = k.user_id AND e.course_id = k.course_id",
        )
        .bind(users)
        .bind(courses)
        .fetch_all(&self.0)
        .await
        .map_err(classify)
    }

    /// The new rows are the `unnest` of one array a column.
    async fn update_enrollments(
        &self,
        conn: &mut PgConnection,
        updates: &[&VersionedEnrollment],
    ) -> StoreResult<Vec<Uuid>> {
        let rows = updates.iter().map(|u| &u.row);
        sqlx::query_scalar(
            "UPDATE enrollments AS e \
             SET certificate_id = v.certificate_id, version = v.version, doc = v.doc \
             FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::int8[]) \
             AS v (id, certificate_id, version, doc, expected) \
             WHERE e.id = v.id AND e.version = v.expected \
             RETURNING e.id",
        )
        .bind(rows.clone().map(|r| r.id).collect::<Vec<_>>())
        .bind(rows.clone().map(|r| r.certificate_id).collect::<Vec<_>>())
        .bind(rows.clone().map(|r| r.version).collect::<Vec<_>>())
        .bind(rows.map(|r| r.doc.as_str()).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.expected_version).collect::<Vec<_>>())
        .fetch_all(conn)
        .await
        .map_err(classify)
    }

    /// Nothing. A deleted row stays in its page as a dead tuple, invisible to every query,
    /// until autovacuum reclaims the space and later writes reuse it; its image stays in
    /// the server's write-ahead log until the segment is recycled. Running `VACUUM` here
    /// would not overwrite the space either (it only marks it reusable), a checkpoint needs
    /// rights the application's role should not have, and archived WAL and backups keep
    /// copies whatever the application does: those are the operator's to expire.
    async fn scrub(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Each row as PostgreSQL renders a row value as text, `(value,value,…)`. The row is
    /// `ROW(r.*)` rather than the bare alias `r`, which a column of that name would shadow.
    async fn dump_table(&self, table: &str) -> StoreResult<Vec<String>> {
        let select = format!("SELECT ROW(r.*)::text FROM {} AS r", quote_identifier(table));
        sqlx::query_scalar(&select)
            .persistent(false)
            .fetch_all(&self.0)
            .await
            .map_err(classify)
    }
}
