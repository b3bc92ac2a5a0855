//! The storage ports over SQLite.

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
    RefreshTokenState, StoreError, StoreHealth, StoreResult, UniqueKey, UserStore,
};
use lms_storage_sql::records::RecordBackend;
use lms_storage_sql::{
    decode, distinct_uuids, missed_update, outbox_message, overfetch_limit, refresh_token_columns, refresh_token_from,
    sequence_columns, stored_version, token_state_name, version_column, CourseRow, EnrollmentRow, EventRow,
    RefreshTokenColumns, UserRow, VersionedEnrollment,
};
use serde::de::DeserializeOwned;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteQueryResult;
use sqlx::types::chrono::{DateTime, Utc};
use sqlx::{Encode, QueryBuilder, Sqlite, SqliteConnection, Transaction, Type};
use uuid::Uuid;

use crate::error::{classify, classify_write};
use crate::SqliteStore;

/// Most values bound in one `IN (…)` list or multi-row insert; larger batches are split.
const BATCH: usize = 500;

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

    /// The documents of the rows whose key is one of `ids`, queried in batches: `open`
    /// starts a query that ends in `IN (`.
    async fn docs_in<T: DeserializeOwned>(
        &self,
        ids: &[Uuid],
        open: impl Fn() -> QueryBuilder<'static, Sqlite>,
    ) -> StoreResult<Vec<T>> {
        let mut found = Vec::new();
        for batch in ids.chunks(BATCH) {
            let mut query = open();
            let mut list = query.separated(", ");
            for id in batch {
                list.push_bind(*id);
            }
            query.push(")");
            found.extend(self.docs(query).await?);
        }
        Ok(found)
    }
}

/// What writes need to know about an aggregate table.
struct Table {
    /// Whether a row with an id exists.
    exists: &'static str,
    /// The rule the table's UNIQUE constraint (besides the primary key) stands for.
    unique: Option<UniqueKey>,
}

const USERS: Table = Table {
    exists: "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)",
    unique: Some(UniqueKey::UserEmail),
};
const COURSES: Table = Table {
    exists: "SELECT EXISTS (SELECT 1 FROM courses WHERE id = ?)",
    unique: None,
};
const ENROLLMENTS: Table = Table {
    exists: "SELECT EXISTS (SELECT 1 FROM enrollments WHERE id = ?)",
    unique: Some(UniqueKey::UserCourse),
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
async fn commit(mut tx: Transaction<'static, Sqlite>, events: &[DomainEvent]) -> StoreResult<()> {
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

/// Points each lesson of the course to it; a lesson id held by another course moves
/// here, as lesson ids are unique across courses.
async fn insert_lessons(tx: &mut SqliteConnection, row: &CourseRow) -> StoreResult<()> {
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

/// Sets (inserts or replaces) a user's password hash.
async fn store_password_hash(tx: &mut SqliteConnection, user_id: Uuid, hash: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO password_hashes (user_id, hash) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash",
    )
    .bind(user_id)
    .bind(hash)
    .execute(tx)
    .await
    .map_err(classify)?;
    Ok(())
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(&self, user: &User, password_hash: Option<&str>, events: &[DomainEvent]) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query("INSERT INTO users (id, email, version, doc) VALUES (?, ?, ?, ?)")
            .bind(row.id)
            .bind(row.email)
            .bind(row.version)
            .bind(&row.doc)
            .execute(&mut *tx)
            .await;
        USERS.check_insert(&mut tx, inserted, row.id).await?;
        if let Some(hash) = password_hash {
            store_password_hash(&mut tx, row.id, hash).await?;
        }
        commit(tx, events).await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.doc_where("SELECT doc FROM users WHERE id = ?", id.as_uuid()).await
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.doc_where("SELECT doc FROM users WHERE email = ?", email.as_str().to_owned())
            .await
    }

    async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query("UPDATE users SET email = ?, version = ?, doc = ? WHERE id = ? AND version = ?")
            .bind(row.email)
            .bind(row.version)
            .bind(&row.doc)
            .bind(row.id)
            .bind(version_column(expected_version)?)
            .execute(&mut *tx)
            .await;
        USERS.check_update(&mut tx, updated, row.id).await?;
        commit(tx, events).await
    }

    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        let query = QueryBuilder::new("SELECT doc FROM users WHERE 1");
        self.page(query, page, |u: &User| u.id.as_uuid()).await
    }
}

#[async_trait]
impl CourseStore for SqliteStore {
    async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO courses (id, owner_id, status, category_key, search_text, version, summary, doc) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
        .await;
        COURSES.check_insert(&mut tx, inserted, row.id).await?;
        insert_lessons(&mut tx, &row).await?;
        commit(tx, events).await
    }

    async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where("SELECT doc FROM courses WHERE id = ?", id.as_uuid())
            .await
    }

    async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
        let version: Option<i64> = sqlx::query_scalar("SELECT version FROM courses WHERE id = ?")
            .bind(id.as_uuid())
            .fetch_optional(&self.reader)
            .await
            .map_err(classify)?;
        version.map(stored_version).transpose()
    }

    async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
        let ids = distinct_uuids(ids.iter().map(CourseId::as_uuid));
        self.docs_in(&ids, || QueryBuilder::new("SELECT doc FROM courses WHERE id IN ("))
            .await
    }

    async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where(
            "SELECT c.doc FROM course_lessons l JOIN courses c ON c.id = l.course_id WHERE l.lesson_id = ?",
            lesson_id.as_uuid(),
        )
        .await
    }

    async fn update_course(&self, course: &Course, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE courses SET owner_id = ?, status = ?, category_key = ?, search_text = ?, version = ?, summary = ?, doc = ? \
             WHERE id = ? AND version = ?",
        )
        .bind(row.owner_id)
        .bind(row.status)
        .bind(&row.category_key)
        .bind(&row.search_text)
        .bind(row.version)
        .bind(&row.summary)
        .bind(&row.doc)
        .bind(row.id)
        .bind(version_column(expected_version)?)
        .execute(&mut *tx)
        .await;
        COURSES.check_update(&mut tx, updated, row.id).await?;
        sqlx::query("DELETE FROM course_lessons WHERE course_id = ?")
            .bind(row.id)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        insert_lessons(&mut tx, &row).await?;
        commit(tx, events).await
    }

    async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>> {
        let mut query = QueryBuilder::new("SELECT summary FROM courses WHERE 1");
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
                .push(" AND instr(search_text, ")
                .push_bind(text.as_str())
                .push(") > 0");
        }
        self.page(query, page, |s: &CourseSummary| s.id.as_uuid()).await
    }
}

#[async_trait]
impl EnrollmentStore for SqliteStore {
    async fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()> {
        let row = EnrollmentRow::new(enrollment)?;
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO enrollments (id, user_id, course_id, certificate_id, version, doc) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(row.id)
        .bind(row.user_id)
        .bind(row.course_id)
        .bind(row.certificate_id)
        .bind(row.version)
        .bind(&row.doc)
        .execute(&mut *tx)
        .await;
        ENROLLMENTS.check_insert(&mut tx, inserted, row.id).await?;
        commit(tx, events).await
    }

    async fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>> {
        self.doc_where("SELECT doc FROM enrollments WHERE id = ?", id.as_uuid())
            .await
    }

    async fn find_enrollment(&self, user_id: UserId, course_id: CourseId) -> StoreResult<Option<Enrollment>> {
        let key = (user_id.as_uuid(), course_id.as_uuid());
        let doc = self.enrollment_batches.finds.call(key).await?;
        doc.as_deref().map(decode).transpose()
    }

    async fn find_enrollments(&self, user_id: UserId, course_ids: &[CourseId]) -> StoreResult<Vec<Enrollment>> {
        let ids = distinct_uuids(course_ids.iter().map(CourseId::as_uuid));
        self.docs_in(&ids, || {
            let mut query = QueryBuilder::new("SELECT doc FROM enrollments WHERE user_id = ");
            query.push_bind(user_id.as_uuid()).push(" AND course_id IN (");
            query
        })
        .await
    }

    async fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>> {
        self.doc_where(
            "SELECT doc FROM enrollments WHERE certificate_id = ? LIMIT 1",
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
            // append, so it can share one statement with the other such writes under way.
            let update = VersionedEnrollment { row, expected_version };
            return self.enrollment_batches.updates.call(update).await;
        }
        let mut tx = self.begin_write().await?;
        let updated =
            sqlx::query("UPDATE enrollments SET certificate_id = ?, version = ?, doc = ? WHERE id = ? AND version = ?")
                .bind(row.certificate_id)
                .bind(row.version)
                .bind(&row.doc)
                .bind(row.id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await;
        ENROLLMENTS.check_update(&mut tx, updated, row.id).await?;
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
impl OutboxStore for SqliteStore {
    async fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT sequence, doc FROM outbox ORDER BY sequence LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
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
        let mut tx = self.begin_write().await?;
        for batch in sequences.chunks(BATCH) {
            let mut query = QueryBuilder::new("DELETE FROM outbox WHERE sequence IN (");
            let mut list = query.separated(", ");
            for sequence in batch {
                list.push_bind(*sequence);
            }
            query.push(")");
            query.build().execute(&mut *tx).await.map_err(classify)?;
        }
        tx.commit().await.map_err(classify)
    }
}

/// Inserts a refresh token; an existing hash is a duplicate id.
async fn insert_token(tx: &mut SqliteConnection, token: &RefreshToken) -> StoreResult<()> {
    let (token_hash, family_id, user_id, issued_at, expires_at, state) = refresh_token_columns(token);
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(token_hash)
    .bind(family_id)
    .bind(user_id)
    .bind(issued_at)
    .bind(expires_at)
    .bind(state)
    .execute(tx)
    .await
    .map_err(classify_write(None))?;
    Ok(())
}

impl SqliteStore {
    /// Revokes the tokens a query selects by `key` at `at` (its placeholders: new state,
    /// revocation time, key, old state) and counts those that were active. The single
    /// writer runs nothing in between.
    async fn revoke_tokens(&self, sql: &'static str, key: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        let revoked = token_state_name(RefreshTokenState::Revoked);
        let mut tx = self.begin_write().await?;
        let mut active = 0;
        for from in [RefreshTokenState::Active, RefreshTokenState::Rotated] {
            let done = sqlx::query(sql)
                .bind(revoked)
                .bind(at)
                .bind(key)
                .bind(token_state_name(from))
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            if from == RefreshTokenState::Active {
                active = done.rows_affected();
            }
        }
        tx.commit().await.map_err(classify)?;
        Ok(active)
    }
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        store_password_hash(&mut tx, user_id.as_uuid(), hash).await?;
        tx.commit().await.map_err(classify)
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT hash FROM password_hashes WHERE user_id = ?")
            .bind(user_id.as_uuid())
            .fetch_optional(&self.reader)
            .await
            .map_err(classify)
    }

    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        insert_token(&mut tx, token).await?;
        tx.commit().await.map_err(classify)
    }

    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
        let row: Option<RefreshTokenColumns> = sqlx::query_as(
            "SELECT token_hash, family_id, user_id, issued_at, expires_at, state FROM refresh_tokens WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(classify)?;
        row.map(refresh_token_from).transpose()
    }

    async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE refresh_tokens SET state = ? WHERE token_hash = ? AND state = ?")
            .bind(token_state_name(RefreshTokenState::Rotated))
            .bind(token_hash)
            .bind(token_state_name(RefreshTokenState::Active))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        if done.rows_affected() == 0 {
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = ?)")
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
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = ? AND state = ?)")
            .bind(family_id)
            .bind(token_state_name(RefreshTokenState::Active))
            .fetch_one(&self.reader)
            .await
            .map_err(classify)
    }

    async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens(
            "UPDATE refresh_tokens SET state = ?, revoked_at = ? WHERE family_id = ? AND state = ?",
            family_id,
            at,
        )
        .await
    }

    async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens(
            "UPDATE refresh_tokens SET state = ?, revoked_at = ? WHERE user_id = ? AND state = ?",
            user_id.as_uuid(),
            at,
        )
        .await
    }

    async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
        // Left to itself, the planner prefers scanning every token in family order (which
        // saves sorting the groups) to reading the few recent ones through this index.
        sqlx::query_as(
            "SELECT family_id, MAX(revoked_at) FROM refresh_tokens INDEXED BY refresh_tokens_revoked_at \
             WHERE revoked_at >= ? GROUP BY family_id",
        )
        .bind(since)
        .fetch_all(&self.reader)
        .await
        .map_err(classify)
    }
}

#[async_trait]
impl StoreHealth for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(classify)?;
        Ok(())
    }
}

/// Records are written on the single writer connection, like every other write.
#[async_trait]
impl RecordBackend for SqliteStore {
    type Tx = Transaction<'static, Sqlite>;
    type Reader = PoolConnection<Sqlite>;

    async fn begin_records(&self) -> StoreResult<Self::Tx> {
        self.begin_write().await
    }

    async fn commit_records(&self, tx: Self::Tx, events: &[DomainEvent]) -> StoreResult<()> {
        commit(tx, events).await
    }

    async fn reader(&self) -> StoreResult<Self::Reader> {
        self.reader.acquire().await.map_err(classify)
    }

    fn classify(&self, err: sqlx::Error) -> StoreError {
        classify(err)
    }
}

lms_storage_sql::record_store!(SqliteStore);
