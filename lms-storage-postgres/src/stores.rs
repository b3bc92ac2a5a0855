//! The storage ports over Postgres.

use std::sync::Arc;

use async_trait::async_trait;
use lms_core::domain::course::{Course, CourseSummary};
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::text::Email;
use lms_core::domain::user::User;
use lms_core::ids::{CertificateId, CourseId, EnrollmentId, LessonId, UserId};
use lms_core::ports::{
    AuthStore, CourseFilter, CourseStore, EnrollmentStore, OutboxMessage, OutboxStore, Page, PageRequest, RefreshToken,
    RefreshTokenState, StoreHealth, StoreResult, UserStore,
};
use lms_storage_sql::records::RecordBackend;
use lms_storage_sql::{
    decode, distinct_uuids, missed_update, outbox_message, overfetch_limit, refresh_token_columns, refresh_token_from,
    sequence_columns, stored_version, token_state_name, version_column, CourseRow, EnrollmentRow, EventRow,
    RefreshTokenColumns, UserRow, VersionedEnrollment,
};
use serde::de::DeserializeOwned;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgQueryResult;
use sqlx::types::chrono::{DateTime, Utc};
use sqlx::{Encode, PgConnection, PgExecutor, Postgres, QueryBuilder, Transaction, Type};
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
async fn commit(mut tx: Transaction<'static, Postgres>, events: &[DomainEvent]) -> StoreResult<()> {
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

/// Points each lesson of the course to it (a lesson id held by another course moves here,
/// as lesson ids are unique across courses) and forgets the lessons it no longer has.
async fn replace_lessons(tx: &mut PgConnection, row: &CourseRow) -> StoreResult<()> {
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

/// Sets (inserts or replaces) a user's password hash.
async fn store_password_hash<'e>(executor: impl PgExecutor<'e>, user_id: Uuid, hash: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO password_hashes (user_id, hash) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash",
    )
    .bind(user_id)
    .bind(hash)
    .execute(executor)
    .await
    .map_err(classify)?;
    Ok(())
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn insert_user(&self, user: &User, password_hash: Option<&str>, events: &[DomainEvent]) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO users (id, email, version, doc) VALUES ($1, $2, $3, $4::jsonb)")
            .bind(row.id)
            .bind(row.email)
            .bind(row.version)
            .bind(&row.doc)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        if let Some(hash) = password_hash {
            store_password_hash(&mut *tx, row.id, hash).await?;
        }
        commit(tx, events).await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.doc_where("SELECT doc::text FROM users WHERE id = $1", id.as_uuid())
            .await
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.doc_where(
            "SELECT doc::text FROM users WHERE email = $1",
            email.as_str().to_owned(),
        )
        .await
    }

    async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut tx = self.begin().await?;
        let done =
            sqlx::query("UPDATE users SET email = $2, version = $3, doc = $4::jsonb WHERE id = $1 AND version = $5")
                .bind(row.id)
                .bind(row.email)
                .bind(row.version)
                .bind(&row.doc)
                .bind(version_column(expected_version)?)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        ensure_updated(
            &mut tx,
            done,
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)",
            row.id,
        )
        .await?;
        commit(tx, events).await
    }

    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        let query = QueryBuilder::new("SELECT doc::text FROM users WHERE TRUE");
        self.page(query, page, |u: &User| u.id.as_uuid()).await
    }
}

#[async_trait]
impl CourseStore for PostgresStore {
    async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO courses (id, owner_id, status, category_key, search_text, version, summary, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)",
        )
        .bind(row.id)
        .bind(row.owner_id)
        .bind(row.status)
        .bind(&row.category_key)
        .bind(&row.search_text)
        .bind(row.version)
        .bind(&row.summary)
        .bind(&row.doc)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        replace_lessons(&mut tx, &row).await?;
        commit(tx, events).await
    }

    async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where("SELECT doc::text FROM courses WHERE id = $1", id.as_uuid())
            .await
    }

    async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
        let version: Option<i64> = sqlx::query_scalar("SELECT version FROM courses WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?;
        version.map(stored_version).transpose()
    }

    async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = distinct_uuids(ids.iter().map(CourseId::as_uuid));
        let mut query = QueryBuilder::new("SELECT doc::text FROM courses WHERE id = ANY (");
        query.push_bind(ids).push(")");
        self.docs(query).await
    }

    async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where(
            "SELECT c.doc::text FROM course_lessons l JOIN courses c ON c.id = l.course_id WHERE l.lesson_id = $1",
            lesson_id.as_uuid(),
        )
        .await
    }

    async fn update_course(&self, course: &Course, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE courses SET owner_id = $2, status = $3, category_key = $4, search_text = $5, version = $6, \
             summary = $7::jsonb, doc = $8::jsonb WHERE id = $1 AND version = $9",
        )
        .bind(row.id)
        .bind(row.owner_id)
        .bind(row.status)
        .bind(&row.category_key)
        .bind(&row.search_text)
        .bind(row.version)
        .bind(&row.summary)
        .bind(&row.doc)
        .bind(version_column(expected_version)?)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        ensure_updated(
            &mut tx,
            done,
            "SELECT EXISTS (SELECT 1 FROM courses WHERE id = $1)",
            row.id,
        )
        .await?;
        replace_lessons(&mut tx, &row).await?;
        commit(tx, events).await
    }

    async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>> {
        let mut query = QueryBuilder::new("SELECT summary::text FROM courses WHERE TRUE");
        if let Some(status) = filter.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(owner_id) = filter.owner_id {
            query.push(" AND owner_id = ").push_bind(owner_id.as_uuid());
        }
        if let Some(category) = &filter.category {
            query.push(" AND category_key = ").push_bind(category.as_str());
        }
        if let Some(text) = &filter.text {
            query
                .push(" AND strpos(search_text, ")
                .push_bind(text.as_str())
                .push(") > 0");
        }
        self.page(query, page, |s: &CourseSummary| s.id.as_uuid()).await
    }
}

#[async_trait]
impl EnrollmentStore for PostgresStore {
    async fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()> {
        let row = EnrollmentRow::new(enrollment)?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO enrollments (id, user_id, course_id, certificate_id, version, doc) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.id)
        .bind(row.user_id)
        .bind(row.course_id)
        .bind(row.certificate_id)
        .bind(row.version)
        .bind(&row.doc)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        commit(tx, events).await
    }

    async fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>> {
        self.doc_where("SELECT doc FROM enrollments WHERE id = $1", id.as_uuid())
            .await
    }

    async fn find_enrollment(&self, user_id: UserId, course_id: CourseId) -> StoreResult<Option<Enrollment>> {
        let key = (user_id.as_uuid(), course_id.as_uuid());
        let doc = self.enrollment_batches.finds.call(key).await?;
        doc.as_deref().map(decode).transpose()
    }

    async fn find_enrollments(&self, user_id: UserId, course_ids: &[CourseId]) -> StoreResult<Vec<Enrollment>> {
        if course_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = distinct_uuids(course_ids.iter().map(CourseId::as_uuid));
        let mut query = QueryBuilder::new("SELECT doc FROM enrollments WHERE user_id = ");
        query
            .push_bind(user_id.as_uuid())
            .push(" AND course_id = ANY (")
            .push_bind(ids)
            .push(")");
        self.docs(query).await
    }

    async fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>> {
        self.doc_where(
            "SELECT doc FROM enrollments WHERE certificate_id = $1 LIMIT 1",
            id.as_uuid(),
        )
        .await
    }

    async fn update_enrollment(
        &self,
        enrollment: &Enrollment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let row = EnrollmentRow::new(enrollment)?;
        let expected_version = version_column(expected_version)?;
        if events.is_empty() {
            // The most frequent write (a heartbeat that completes nothing) has nothing to
            // append, so it can share one statement and one commit with the other such
            // writes under way.
            let update = VersionedEnrollment { row, expected_version };
            return self.enrollment_batches.updates.call(update).await;
        }
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE enrollments SET certificate_id = $2, version = $3, doc = $4 WHERE id = $1 AND version = $5",
        )
        .bind(row.id)
        .bind(row.certificate_id)
        .bind(row.version)
        .bind(&row.doc)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        ensure_updated(
            &mut tx,
            done,
            "SELECT EXISTS (SELECT 1 FROM enrollments WHERE id = $1)",
            row.id,
        )
        .await?;
        commit(tx, events).await
    }

    async fn list_enrollments_for_user(&self, user_id: UserId, page: PageRequest) -> StoreResult<Page<Enrollment>> {
        let mut query = QueryBuilder::new("SELECT doc FROM enrollments WHERE user_id = ");
        query.push_bind(user_id.as_uuid());
        self.page(query, page, |e: &Enrollment| e.id().as_uuid()).await
    }

    async fn list_enrollments_for_course(
        &self,
        course_id: CourseId,
        page: PageRequest,
    ) -> StoreResult<Page<Enrollment>> {
        let mut query = QueryBuilder::new("SELECT doc FROM enrollments WHERE course_id = ");
        query.push_bind(course_id.as_uuid());
        self.page(query, page, |e: &Enrollment| e.id().as_uuid()).await
    }
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT sequence, doc::text FROM outbox ORDER BY sequence LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(classify)?;
        rows.iter()
            .map(|(sequence, doc)| outbox_message(*sequence, doc))
            .collect()
    }

    async fn mark_events_delivered(&self, sequences: &[u64]) -> StoreResult<()> {
        let sequences = sequence_columns(sequences);
        if sequences.is_empty() {
            return Ok(());
        }
        sqlx::query("DELETE FROM outbox WHERE sequence = ANY ($1)")
            .bind(sequences)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }
}

/// Inserts a refresh token; an existing hash is a duplicate id.
async fn insert_token(tx: &mut PgConnection, token: &RefreshToken) -> StoreResult<()> {
    let (token_hash, family_id, user_id, issued_at, expires_at, state) = refresh_token_columns(token);
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at, state) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(family_id)
    .bind(user_id)
    .bind(issued_at)
    .bind(expires_at)
    .bind(state)
    .execute(tx)
    .await
    .map_err(classify)?;
    Ok(())
}

impl PostgresStore {
    /// Revokes the tokens a query selects by `key` at `at` and counts those that were
    /// active. The query's parameters: the new state, the key, the states to revoke, the
    /// revocation time.
    ///
    /// First the active tokens are revoked and counted. Then every other unrevoked token
    /// is revoked, repeatedly until none is left: a rotation racing with this one may
    /// commit a new token that an earlier statement's snapshot could not see. Rotations
    /// start from an active token; once a pass finds nothing, every token such a rotation
    /// could start from is revoked and locked by this transaction, so none can follow.
    async fn revoke_tokens(&self, sql: &'static str, key: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        let states = |states: &[RefreshTokenState]| states.iter().map(|s| token_state_name(*s)).collect::<Vec<_>>();
        let unrevoked = states(&[RefreshTokenState::Active, RefreshTokenState::Rotated]);
        let mut tx = self.begin().await?;
        let mut revoke = async |from: &[&str]| {
            let done = sqlx::query(sql)
                .bind(token_state_name(RefreshTokenState::Revoked))
                .bind(key)
                .bind(from)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            StoreResult::Ok(done.rows_affected())
        };
        let active = revoke(&states(&[RefreshTokenState::Active])).await?;
        while revoke(&unrevoked).await? > 0 {}
        tx.commit().await.map_err(classify)?;
        Ok(active)
    }
}

#[async_trait]
impl AuthStore for PostgresStore {
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()> {
        store_password_hash(&self.pool, user_id.as_uuid(), hash).await
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT hash FROM password_hashes WHERE user_id = $1")
            .bind(user_id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)
    }

    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        insert_token(&mut conn, token).await
    }

    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
        let row: Option<RefreshTokenColumns> = sqlx::query_as(
            "SELECT token_hash, family_id, user_id, issued_at, expires_at, state FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        row.map(refresh_token_from).transpose()
    }

    async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE refresh_tokens SET state = $2 WHERE token_hash = $1 AND state = $3")
            .bind(token_hash)
            .bind(token_state_name(RefreshTokenState::Rotated))
            .bind(token_state_name(RefreshTokenState::Active))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        if done.rows_affected() == 0 {
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = $1)")
                .bind(token_hash)
                .fetch_one(&mut *tx)
                .await
                .map_err(classify)?;
            return Err(missed_update(exists));
        }
        insert_token(&mut tx, next).await?;
        tx.commit().await.map_err(classify)
    }

    async fn session_active(&self, family_id: Uuid) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND state = $2)")
            .bind(family_id)
            .bind(token_state_name(RefreshTokenState::Active))
            .fetch_one(&self.pool)
            .await
            .map_err(classify)
    }

    async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens(
            "UPDATE refresh_tokens SET state = $1, revoked_at = $4 WHERE family_id = $2 AND state = ANY ($3)",
            family_id,
            at,
        )
        .await
    }

    async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens(
            "UPDATE refresh_tokens SET state = $1, revoked_at = $4 WHERE user_id = $2 AND state = ANY ($3)",
            user_id.as_uuid(),
            at,
        )
        .await
    }

    async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
        sqlx::query_as(
            "SELECT family_id, max(revoked_at) FROM refresh_tokens WHERE revoked_at >= $1 GROUP BY family_id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)
    }
}

#[async_trait]
impl StoreHealth for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(classify)?;
        Ok(())
    }
}

#[async_trait]
impl RecordBackend for PostgresStore {
    type Tx = Transaction<'static, Postgres>;
    type Reader = PoolConnection<Postgres>;

    async fn begin_records(&self) -> StoreResult<Self::Tx> {
        self.begin().await
    }

    async fn commit_records(&self, tx: Self::Tx, events: &[DomainEvent]) -> StoreResult<()> {
        commit(tx, events).await
    }

    async fn reader(&self) -> StoreResult<Self::Reader> {
        self.pool.acquire().await.map_err(classify)
    }

    fn classify(&self, err: sqlx::Error) -> lms_core::ports::StoreError {
        classify(err)
    }
}

lms_storage_sql::record_store!(PostgresStore);
