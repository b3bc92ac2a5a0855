//! The storage ports over any SQL [`Backend`], each statement written once.
//!
//! [`SqlStore`] holds the logic of every port method the SQL adapters share; each adapter
//! implements the ports for its own store type with [`impl_sql_ports!`](crate::impl_sql_ports),
//! which hands every call to its `SqlStore`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lms_core::domain::course::{Course, CourseSummary};
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::text::Email;
use lms_core::domain::user::User;
use lms_core::ids::{CertificateId, CourseId, EnrollmentId, LessonId, UserId};
use lms_core::ports::{
    CourseFilter, OutboxMessage, Page, PageRequest, RefreshToken, RefreshTokenState, StoreError, StoreResult, UniqueKey,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::backend::Backend;
use crate::batches::EnrollmentBatches;
use crate::row::FromRow;
use crate::statement::{List, Statement, Value};
use crate::{
    decode, distinct_uuids, missed_update, outbox_message, overfetch_limit, refresh_token_columns, refresh_token_from,
    sequence_columns, stored_version, token_state_name, version_column, CourseRow, EnrollmentRow, RefreshTokenColumns,
    UserRow, VersionedEnrollment,
};

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

/// Users.
impl<B: Backend> SqlStore<B> {
    /// `UserStore::insert_user`.
    pub async fn insert_user(&self, user: &User, events: &[DomainEvent]) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut insert = Self::statement("INSERT INTO users (id, email, version, doc) VALUES (?, ?, ?, ?)");
        insert
            .bind(Value::Id(row.id))
            .bind(Value::Text(row.email))
            .bind(Value::Int(row.version))
            .bind(Value::Json(&row.doc));
        let mut tx = self.backend.begin().await?;
        self.insert(&mut tx, &USERS, &insert, row.id).await?;
        self.backend.commit(tx, events).await
    }

    /// `UserStore::get_user`.
    pub async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.doc_where("SELECT doc FROM users WHERE id = ?", Value::Id(id.as_uuid()))
            .await
    }

    /// `UserStore::find_user_by_email`.
    pub async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.doc_where("SELECT doc FROM users WHERE email = ?", Value::Text(email.as_str()))
            .await
    }

    /// `UserStore::update_user`.
    pub async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let row = UserRow::new(user)?;
        let mut update =
            Self::statement("UPDATE users SET email = ?, version = ?, doc = ? WHERE id = ? AND version = ?");
        update
            .bind(Value::Text(row.email))
            .bind(Value::Int(row.version))
            .bind(Value::Json(&row.doc))
            .bind(Value::Id(row.id))
            .bind(Value::Int(version_column(expected_version)?));
        let mut tx = self.backend.begin().await?;
        self.update(&mut tx, &USERS, &update, row.id).await?;
        self.backend.commit(tx, events).await
    }

    /// `UserStore::list_users`.
    pub async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        let query = Self::statement("SELECT doc FROM users WHERE TRUE");
        self.page(query, page, |u: &User| u.id.as_uuid()).await
    }
}

/// The columns of a course, in the order of `COURSE_COLUMNS`, then its id.
fn bind_course<'a>(statement: &mut Statement<'a>, row: &'a CourseRow) {
    statement
        .bind(Value::Id(row.owner_id))
        .bind(Value::Text(row.status))
        .bind(Value::Text(&row.category_key))
        .bind(Value::Text(&row.search_text))
        .bind(Value::Int(row.version))
        .bind(Value::Json(&row.summary))
        .bind(Value::Json(&row.doc))
        .bind(Value::Id(row.id));
}

/// Courses.
impl<B: Backend> SqlStore<B> {
    /// `CourseStore::insert_course`.
    pub async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut insert = Self::statement(
            "INSERT INTO courses (owner_id, status, category_key, search_text, version, summary, doc, id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        );
        bind_course(&mut insert, &row);
        let mut tx = self.backend.begin().await?;
        self.insert(&mut tx, &COURSES, &insert, row.id).await?;
        self.backend.write_lessons(&mut tx, &row, true).await?;
        self.backend.commit(tx, events).await
    }

    /// `CourseStore::get_course`.
    pub async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where("SELECT doc FROM courses WHERE id = ?", Value::Id(id.as_uuid()))
            .await
    }

    /// `CourseStore::course_version`.
    pub async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
        let mut query = Self::statement("SELECT version FROM courses WHERE id = ?");
        query.bind(Value::Id(id.as_uuid()));
        let version: Option<i64> = self.row(&query).await?;
        version.map(stored_version).transpose()
    }

    /// `CourseStore::get_courses`.
    pub async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
        let ids = distinct_uuids(ids.iter().map(CourseId::as_uuid));
        self.docs_in(&ids, |mut query| {
            query.push("SELECT doc FROM courses WHERE id");
            query
        })
        .await
    }

    /// `CourseStore::find_course_by_lesson`.
    pub async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
        self.doc_where(
            "SELECT c.doc FROM course_lessons l JOIN courses c ON c.id = l.course_id WHERE l.lesson_id = ?",
            Value::Id(lesson_id.as_uuid()),
        )
        .await
    }

    /// `CourseStore::update_course`.
    pub async fn update_course(
        &self,
        course: &Course,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let row = CourseRow::new(course)?;
        let mut update = Self::statement(
            "UPDATE courses SET owner_id = ?, status = ?, category_key = ?, search_text = ?, version = ?, \
             summary = ?, doc = ? WHERE id = ? AND version = ?",
        );
        bind_course(&mut update, &row);
        update.bind(Value::Int(version_column(expected_version)?));
        let mut tx = self.backend.begin().await?;
        self.update(&mut tx, &COURSES, &update, row.id).await?;
        self.backend.write_lessons(&mut tx, &row, false).await?;
        self.backend.commit(tx, events).await
    }

    /// `CourseStore::list_courses`.
    pub async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>> {
        let mut query = Self::statement("SELECT summary FROM courses WHERE TRUE");
        if let Some(status) = filter.status {
            query.push(" AND status = ?").bind(Value::Text(status.as_str()));
        }
        if let Some(owner_id) = filter.owner_id {
            query.push(" AND owner_id = ?").bind(Value::Id(owner_id.as_uuid()));
        }
        if let Some(category) = &filter.category {
            query.push(" AND category_key = ?").bind(Value::Text(category.as_str()));
        }
        if let Some(text) = &filter.text {
            query
                .push(" AND ")
                .push(B::DIALECT.position)
                .push("(search_text, ?) > 0")
                .bind(Value::Text(text.as_str()));
        }
        self.page(query, page, |s: &CourseSummary| s.id.as_uuid()).await
    }
}

/// Enrollments.
impl<B: Backend> SqlStore<B> {
    /// `EnrollmentStore::insert_enrollment`.
    pub async fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()> {
        let row = EnrollmentRow::new(enrollment)?;
        let mut insert = Self::statement(
            "INSERT INTO enrollments (id, user_id, course_id, certificate_id, version, doc) VALUES (?, ?, ?, ?, ?, ?)",
        );
        insert
            .bind(Value::Id(row.id))
            .bind(Value::Id(row.user_id))
            .bind(Value::Id(row.course_id))
            .bind(Value::MaybeId(row.certificate_id))
            .bind(Value::Int(row.version))
            .bind(Value::Text(&row.doc));
        let mut tx = self.backend.begin().await?;
        self.insert(&mut tx, &ENROLLMENTS, &insert, row.id).await?;
        self.backend.commit(tx, events).await
    }

    /// `EnrollmentStore::get_enrollment`.
    pub async fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>> {
        self.doc_where("SELECT doc FROM enrollments WHERE id = ?", Value::Id(id.as_uuid()))
            .await
    }

    /// `EnrollmentStore::find_enrollment`, coalesced with the lookups under way.
    pub async fn find_enrollment(&self, user_id: UserId, course_id: CourseId) -> StoreResult<Option<Enrollment>> {
        let key = (user_id.as_uuid(), course_id.as_uuid());
        let doc = self.enrollment_batches.finds.call(key).await?;
        doc.as_deref().map(decode).transpose()
    }

    /// `EnrollmentStore::find_enrollments`.
    pub async fn find_enrollments(&self, user_id: UserId, course_ids: &[CourseId]) -> StoreResult<Vec<Enrollment>> {
        let ids = distinct_uuids(course_ids.iter().map(CourseId::as_uuid));
        self.docs_in(&ids, |mut query| {
            query
                .push("SELECT doc FROM enrollments WHERE user_id = ?")
                .bind(Value::Id(user_id.as_uuid()))
                .push(" AND course_id");
            query
        })
        .await
    }

    /// `EnrollmentStore::find_enrollment_by_certificate`.
    pub async fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>> {
        self.doc_where(
            "SELECT doc FROM enrollments WHERE certificate_id = ? LIMIT 1",
            Value::Id(id.as_uuid()),
        )
        .await
    }

    /// `EnrollmentStore::update_enrollment`: without events, coalesced with the updates
    /// under way.
    pub async fn update_enrollment(
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
        let mut update = Self::statement(
            "UPDATE enrollments SET certificate_id = ?, version = ?, doc = ? WHERE id = ? AND version = ?",
        );
        update
            .bind(Value::MaybeId(row.certificate_id))
            .bind(Value::Int(row.version))
            .bind(Value::Text(&row.doc))
            .bind(Value::Id(row.id))
            .bind(Value::Int(expected_version));
        let mut tx = self.backend.begin().await?;
        self.update(&mut tx, &ENROLLMENTS, &update, row.id).await?;
        self.backend.commit(tx, events).await
    }

    /// `EnrollmentStore::list_enrollments_for_user`.
    pub async fn list_enrollments_for_user(&self, user_id: UserId, page: PageRequest) -> StoreResult<Page<Enrollment>> {
        let mut query = Self::statement("SELECT doc FROM enrollments WHERE user_id = ?");
        query.bind(Value::Id(user_id.as_uuid()));
        self.page(query, page, |e: &Enrollment| e.id.as_uuid()).await
    }

    /// `EnrollmentStore::list_enrollments_for_course`.
    pub async fn list_enrollments_for_course(
        &self,
        course_id: CourseId,
        page: PageRequest,
    ) -> StoreResult<Page<Enrollment>> {
        let mut query = Self::statement("SELECT doc FROM enrollments WHERE course_id = ?");
        query.bind(Value::Id(course_id.as_uuid()));
        self.page(query, page, |e: &Enrollment| e.id.as_uuid()).await
    }
}

/// The outbox.
impl<B: Backend> SqlStore<B> {
    /// `OutboxStore::pending_events`.
    pub async fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        let mut query = Self::statement("SELECT sequence, doc FROM outbox ORDER BY sequence LIMIT ?");
        query.bind(Value::Int(i64::from(limit)));
        let rows: Vec<(i64, String)> = self.rows(&query).await?;
        rows.iter()
            .map(|(sequence, doc)| outbox_message(*sequence, doc))
            .collect()
    }

    /// `OutboxStore::mark_events_delivered`: one statement on its own where the dialect
    /// takes every sequence at once, else one transaction.
    pub async fn mark_events_delivered(&self, sequences: &[u64]) -> StoreResult<()> {
        let sequences = sequence_columns(sequences);
        let deletes: Vec<Statement<'_>> = sequences
            .chunks(B::DIALECT.max_list)
            .map(|batch| {
                let mut delete = Self::statement("DELETE FROM outbox WHERE sequence");
                delete.push_in(List::Ints(batch));
                delete
            })
            .collect();
        match deletes.as_slice() {
            [] => Ok(()),
            [delete] => self.backend.write(delete).await.map(drop),
            deletes => {
                let mut tx = self.backend.begin().await?;
                for delete in deletes {
                    self.backend
                        .execute(&mut tx, delete)
                        .await
                        .map_err(|err| B::classify(err, None))?;
                }
                self.backend.commit(tx, &[]).await
            }
        }
    }
}

/// The statement inserting a refresh token; an existing hash is a duplicate id.
fn insert_token(dialect: crate::statement::Dialect, columns: &RefreshTokenColumns) -> Statement<'_> {
    let (token_hash, family_id, user_id, issued_at, expires_at, state) = columns;
    let mut insert = Statement::new(
        dialect,
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at, state) \
         VALUES (?, ?, ?, ?, ?, ?)",
    );
    insert
        .bind(Value::Text(token_hash))
        .bind(Value::Id(*family_id))
        .bind(Value::Id(*user_id))
        .bind(Value::Time(*issued_at))
        .bind(Value::Time(*expires_at))
        .bind(Value::Text(state));
    insert
}

/// Authentication records.
impl<B: Backend> SqlStore<B> {
    /// `AuthStore::set_password_hash`.
    pub async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()> {
        let mut upsert = Self::statement(
            "INSERT INTO password_hashes (user_id, hash) VALUES (?, ?) \
             ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash",
        );
        upsert.bind(Value::Id(user_id.as_uuid())).bind(Value::Text(hash));
        self.backend.write(&upsert).await.map(drop)
    }

    /// `AuthStore::password_hash`.
    pub async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>> {
        let mut query = Self::statement("SELECT hash FROM password_hashes WHERE user_id = ?");
        query.bind(Value::Id(user_id.as_uuid()));
        self.row(&query).await
    }

    /// `AuthStore::insert_refresh_token`.
    pub async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let columns = refresh_token_columns(token);
        self.backend.write(&insert_token(B::DIALECT, &columns)).await.map(drop)
    }

    /// `AuthStore::refresh_token`.
    pub async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
        let mut query = Self::statement(
            "SELECT token_hash, family_id, user_id, issued_at, expires_at, state FROM refresh_tokens WHERE token_hash = ?",
        );
        query.bind(Value::Text(token_hash));
        let row: Option<RefreshTokenColumns> = self.row(&query).await?;
        row.map(refresh_token_from).transpose()
    }

    /// `AuthStore::rotate_refresh_token`.
    pub async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()> {
        let mut rotate = Self::statement("UPDATE refresh_tokens SET state = ? WHERE token_hash = ? AND state = ?");
        rotate
            .bind(Value::Text(token_state_name(RefreshTokenState::Rotated)))
            .bind(Value::Text(token_hash))
            .bind(Value::Text(token_state_name(RefreshTokenState::Active)));
        let columns = refresh_token_columns(next);
        let mut tx = self.backend.begin().await?;
        let rotated = self
            .backend
            .execute(&mut tx, &rotate)
            .await
            .map_err(|err| B::classify(err, None))?;
        if rotated == 0 {
            let mut query = Self::statement("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = ?)");
            query.bind(Value::Text(token_hash));
            let exists: Vec<bool> = self.backend.fetch(Some(&mut tx), &query).await?;
            return Err(missed_update(exists.first().copied().unwrap_or(false)));
        }
        self.backend
            .execute(&mut tx, &insert_token(B::DIALECT, &columns))
            .await
            .map_err(|err| B::classify(err, None))?;
        self.backend.commit(tx, &[]).await
    }

    /// `AuthStore::session_active`.
    pub async fn session_active(&self, family_id: Uuid) -> StoreResult<bool> {
        let mut query =
            Self::statement("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = ? AND state = ?)");
        query
            .bind(Value::Id(family_id))
            .bind(Value::Text(token_state_name(RefreshTokenState::Active)));
        Ok(self.row(&query).await?.unwrap_or(false))
    }

    /// Revokes at `at` the tokens whose `key_column` is `key` and counts those that were
    /// active.
    ///
    /// First the active tokens are revoked and counted, then every other unrevoked one.
    /// Where writers run concurrently, that repeats until a pass finds nothing: a rotation
    /// racing with this one may commit a new token that an earlier statement's snapshot
    /// could not see. Rotations start from an active token; once a pass finds nothing,
    /// every token such a rotation could start from is revoked and locked by this
    /// transaction, so none can follow.
    async fn revoke_tokens(&self, key_column: &str, key: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        let active = [token_state_name(RefreshTokenState::Active)];
        let unrevoked = [
            token_state_name(RefreshTokenState::Active),
            token_state_name(RefreshTokenState::Rotated),
        ];
        let revoke = |from| {
            let mut revoke = Self::statement("UPDATE refresh_tokens SET state = ?, revoked_at = ? WHERE ");
            revoke
                .bind(Value::Text(token_state_name(RefreshTokenState::Revoked)))
                .bind(Value::Time(at))
                .push(key_column)
                .push(" = ?")
                .bind(Value::Id(key))
                .push(" AND state")
                .push_in(List::Texts(from));
            revoke
        };
        let (revoke_active, revoke_unrevoked) = (revoke(&active), revoke(&unrevoked));
        let mut tx = self.backend.begin().await?;
        let execute = async |tx: &mut B::Transaction, statement| {
            self.backend
                .execute(tx, statement)
                .await
                .map_err(|err| B::classify(err, None))
        };
        let revoked = execute(&mut tx, &revoke_active).await?;
        while execute(&mut tx, &revoke_unrevoked).await? > 0 && B::DIALECT.concurrent_writers {}
        self.backend.commit(tx, &[]).await?;
        Ok(revoked)
    }

    /// `AuthStore::revoke_token_family`.
    pub async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens("family_id", family_id, at).await
    }

    /// `AuthStore::revoke_user_tokens`.
    pub async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens("user_id", user_id.as_uuid(), at).await
    }

    /// `AuthStore::sessions_ended_since`.
    pub async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
        let mut query = Self::statement("SELECT family_id, MAX(revoked_at) FROM refresh_tokens");
        query
            .push(B::DIALECT.revoked_at_hint)
            .push(" WHERE revoked_at >= ? GROUP BY family_id")
            .bind(Value::Time(since));
        self.rows(&query).await
    }

    /// `StoreHealth::ping`.
    pub async fn ping(&self) -> StoreResult<()> {
        self.rows::<()>(&Self::statement("SELECT 1")).await.map(drop)
    }
}
