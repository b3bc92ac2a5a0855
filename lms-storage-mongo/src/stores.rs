//! The storage ports over MongoDB.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::{FutureExt, TryStreamExt};
use lms_core::domain::course::{Course, CourseSummary};
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::text::Email;
use lms_core::domain::user::User;
use lms_core::ids::{CertificateId, CourseId, EnrollmentId, LessonId, UserId};
use lms_core::ports::{
    AuthStore, CourseFilter, CourseStore, EnrollmentStore, OutboxMessage, OutboxStore, Page, PageRequest, RefreshToken,
    RefreshTokenState, StoreError, StoreHealth, StoreResult, UserStore,
};
use mongodb::bson::raw::CString;
use mongodb::bson::{doc, Bson, Document, Regex};
use mongodb::{ClientSession, Collection};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::codec::{decode_field, encode, from_micros, int64, literal_pattern, micros, uint64, uuid, uuid_from, uuids};
use crate::error::classify;
use crate::schema::{COURSES, ENROLLMENTS, OCCURRED_AT, OUTBOX, PASSWORD_HASHES, REFRESH_TOKENS, USERS};
use crate::tx::{Update, Write};
use crate::MongoStore;

/// The field holding the whole aggregate.
pub(crate) const DOC: &str = "doc";
/// The field holding a course's listing view.
const SUMMARY: &str = "summary";

impl MongoStore {
    fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    /// The decoded `field` of the first document `filter` selects, if any.
    async fn one<T: DeserializeOwned>(
        &self,
        collection: &str,
        filter: Document,
        field: &str,
    ) -> StoreResult<Option<T>> {
        let found = self
            .coll(collection)
            .find_one(filter)
            .projection(doc! { field: 1 })
            .await
            .map_err(classify)?;
        found.map(|d| decode_field(d, field)).transpose()
    }

    /// The decoded `field` of every document `filter` selects, in id order, up to `limit`.
    async fn many<T: DeserializeOwned>(
        &self,
        collection: &str,
        filter: Document,
        field: &str,
        limit: Option<i64>,
    ) -> StoreResult<Vec<T>> {
        let coll = self.coll(collection);
        let mut find = coll.find(filter).projection(doc! { field: 1 }).sort(doc! { "_id": 1 });
        if let Some(limit) = limit {
            find = find.limit(limit);
        }
        let docs: Vec<Document> = find.await.map_err(classify)?.try_collect().await.map_err(classify)?;
        docs.into_iter().map(|d| decode_field(d, field)).collect()
    }

    /// One keyset page of the `field` of the documents `filter` selects.
    async fn page<T: DeserializeOwned>(
        &self,
        collection: &str,
        mut filter: Document,
        field: &str,
        page: PageRequest,
        id: impl Fn(&T) -> Uuid,
    ) -> StoreResult<Page<T>> {
        if let Some(after) = page.after {
            filter.insert("_id", doc! { "$gt": uuid(after) });
        }
        let items = self
            .many(collection, filter, field, Some(i64::from(page.limit) + 1))
            .await?;
        Ok(Page::from_overfetch(items, page.limit, id))
    }
}

/// `{ "$in": ids }` over distinct UUIDs.
fn any_of(ids: impl IntoIterator<Item = Uuid>) -> Document {
    let distinct: std::collections::BTreeSet<Uuid> = ids.into_iter().collect();
    doc! { "$in": uuids(distinct) }
}

pub(crate) fn user_doc(user: &User) -> StoreResult<Document> {
    Ok(doc! {
        "_id": uuid(user.id.as_uuid()),
        "email": user.email.as_str(),
        "version": int64(user.version)?,
        DOC: encode(user)?,
    })
}

pub(crate) fn course_doc(course: &Course) -> StoreResult<Document> {
    let keys = course.search_keys();
    Ok(doc! {
        "_id": uuid(course.id.as_uuid()),
        "owner_id": uuid(course.owner_id.as_uuid()),
        "status": course.status().as_str(),
        "category_key": keys.category,
        "search_text": keys.text,
        "lesson_ids": uuids(course.lessons.iter().map(|l| l.id.as_uuid())),
        "version": int64(course.version())?,
        SUMMARY: encode(&course.summary())?,
        DOC: encode(course)?,
    })
}

pub(crate) fn enrollment_doc(enrollment: &Enrollment) -> StoreResult<Document> {
    let mut stored = doc! {
        "_id": uuid(enrollment.id().as_uuid()),
        "user_id": uuid(enrollment.user_id().as_uuid()),
        "course_id": uuid(enrollment.course_id().as_uuid()),
        "version": int64(enrollment.version())?,
        DOC: encode(enrollment)?,
    };
    // Left out rather than null, so the sparse certificate index holds issued ones only.
    if let Some(certificate) = &enrollment.certificate() {
        stored.insert("certificate_id", uuid(certificate.id.as_uuid()));
    }
    Ok(stored)
}

fn by_id(id: Uuid) -> Document {
    doc! { "_id": uuid(id) }
}

/// Sets (inserts or replaces) a user's password hash.
fn password_hash_update(user_id: UserId, hash: &str) -> Update {
    Update {
        collection: PASSWORD_HASHES,
        filter: by_id(user_id.as_uuid()),
        update: doc! { "$set": { "hash": hash } },
        upsert: true,
    }
}

#[async_trait]
impl UserStore for MongoStore {
    async fn insert_user(&self, user: &User, password_hash: Option<&str>, events: &[DomainEvent]) -> StoreResult<()> {
        let also = password_hash
            .map(|hash| password_hash_update(user.id, hash))
            .into_iter()
            .collect();
        self.write_with(USERS, Write::Insert(user_doc(user)?), also, events)
            .await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.one(USERS, by_id(id.as_uuid()), DOC).await
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.one(USERS, doc! { "email": email.as_str() }, DOC).await
    }

    async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let write = Write::replace(expected_version, user_doc(user)?)?;
        self.write(USERS, write, events).await
    }

    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        self.page(USERS, doc! {}, DOC, page, |u: &User| u.id.as_uuid()).await
    }
}

/// Takes the lesson ids of `course` out of every other course's `lesson_ids`, in the
/// course write's transaction. Lesson ids are unique across courses, so one that another
/// course holds moves to the course written last, as in the SQL adapters; the other
/// course's document stays as it was (its `doc` keeps the lesson, as the SQL adapters
/// keep its `courses` row). Nothing to take for a course without lessons.
fn take_lessons(course: &Course) -> Vec<Update> {
    if course.lessons.is_empty() {
        return Vec::new();
    }
    let ids = any_of(course.lessons.iter().map(|l| l.id.as_uuid()));
    vec![Update {
        collection: COURSES,
        filter: doc! { "_id": { "$ne": uuid(course.id.as_uuid()) }, "lesson_ids": ids.clone() },
        update: doc! { "$pull": { "lesson_ids": ids } },
        upsert: false,
    }]
}

#[async_trait]
impl CourseStore for MongoStore {
    async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
        self.write_with(
            COURSES,
            Write::Insert(course_doc(course)?),
            take_lessons(course),
            events,
        )
        .await
    }

    async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
        self.one(COURSES, by_id(id.as_uuid()), DOC).await
    }

    async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
        let found = self
            .coll(COURSES)
            .find_one(by_id(id.as_uuid()))
            .projection(doc! { "version": 1 })
            .await
            .map_err(classify)?;
        found
            .map(|d| uint64(d.get("version").unwrap_or(&Bson::Null)))
            .transpose()
    }

    async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = doc! { "_id": any_of(ids.iter().map(CourseId::as_uuid)) };
        self.many(COURSES, filter, DOC, None).await
    }

    async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
        self.one(COURSES, doc! { "lesson_ids": uuid(lesson_id.as_uuid()) }, DOC)
            .await
    }

    async fn update_course(&self, course: &Course, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let write = Write::replace(expected_version, course_doc(course)?)?;
        self.write_with(COURSES, write, take_lessons(course), events).await
    }

    async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>> {
        let mut query = Document::new();
        if let Some(status) = filter.status {
            query.insert("status", status.as_str());
        }
        if let Some(owner) = filter.owner_id {
            query.insert("owner_id", uuid(owner.as_uuid()));
        }
        if let Some(category) = &filter.category {
            query.insert("category_key", category.as_str());
        }
        if let Some(text) = &filter.text {
            // A NUL cannot be part of a BSON pattern, and no stored search text holds one
            // (the core rejects control characters), so nothing matches.
            let Ok(pattern) = CString::try_from(literal_pattern(text)) else {
                return Ok(Page {
                    items: Vec::new(),
                    next_after: None,
                });
            };
            let options = CString::try_from(String::new()).map_err(StoreError::backend)?;
            query.insert("search_text", Bson::RegularExpression(Regex { pattern, options }));
        }
        self.page(COURSES, query, SUMMARY, page, |c: &CourseSummary| c.id.as_uuid())
            .await
    }
}

#[async_trait]
impl EnrollmentStore for MongoStore {
    async fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()> {
        self.write(ENROLLMENTS, Write::Insert(enrollment_doc(enrollment)?), events)
            .await
    }

    async fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>> {
        self.one(ENROLLMENTS, by_id(id.as_uuid()), DOC).await
    }

    async fn find_enrollment(&self, user_id: UserId, course_id: CourseId) -> StoreResult<Option<Enrollment>> {
        let filter = doc! { "user_id": uuid(user_id.as_uuid()), "course_id": uuid(course_id.as_uuid()) };
        self.one(ENROLLMENTS, filter, DOC).await
    }

    async fn find_enrollments(&self, user_id: UserId, course_ids: &[CourseId]) -> StoreResult<Vec<Enrollment>> {
        if course_ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = doc! {
            "user_id": uuid(user_id.as_uuid()),
            "course_id": any_of(course_ids.iter().map(CourseId::as_uuid)),
        };
        self.many(ENROLLMENTS, filter, DOC, None).await
    }

    async fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>> {
        self.one(ENROLLMENTS, doc! { "certificate_id": uuid(id.as_uuid()) }, DOC)
            .await
    }

    async fn update_enrollment(
        &self,
        enrollment: &Enrollment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let write = Write::replace(expected_version, enrollment_doc(enrollment)?)?;
        self.write(ENROLLMENTS, write, events).await
    }

    async fn list_enrollments_for_user(&self, user_id: UserId, page: PageRequest) -> StoreResult<Page<Enrollment>> {
        let filter = doc! { "user_id": uuid(user_id.as_uuid()) };
        self.page(ENROLLMENTS, filter, DOC, page, |e: &Enrollment| e.id().as_uuid())
            .await
    }

    async fn list_enrollments_for_course(
        &self,
        course_id: CourseId,
        page: PageRequest,
    ) -> StoreResult<Page<Enrollment>> {
        let filter = doc! { "course_id": uuid(course_id.as_uuid()) };
        self.page(ENROLLMENTS, filter, DOC, page, |e: &Enrollment| e.id().as_uuid())
            .await
    }
}

#[async_trait]
impl OutboxStore for MongoStore {
    async fn events_after(&self, after: u64, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        let docs: Vec<Document> = self
            .coll(OUTBOX)
            .find(doc! { "_id": { "$gt": sequence_bound(after) } })
            .projection(doc! { DOC: 1 })
            .sort(doc! { "_id": 1 })
            .limit(i64::from(limit))
            .await
            .map_err(classify)?
            .try_collect()
            .await
            .map_err(classify)?;
        docs.into_iter()
            .map(|d| {
                let sequence = uint64(d.get("_id").unwrap_or(&Bson::Null))?;
                Ok(OutboxMessage {
                    sequence,
                    event: decode_field(d, DOC)?,
                })
            })
            .collect()
    }

    async fn count_events_after(&self, after: u64) -> StoreResult<u64> {
        self.coll(OUTBOX)
            .count_documents(doc! { "_id": { "$gt": sequence_bound(after) } })
            .await
            .map_err(classify)
    }

    async fn last_sequence(&self) -> StoreResult<u64> {
        let last = self
            .coll(OUTBOX)
            .find_one(doc! {})
            .projection(doc! { "_id": 1 })
            .sort(doc! { "_id": -1 })
            .await
            .map_err(classify)?;
        last.map_or(Ok(0), |d| uint64(d.get("_id").unwrap_or(&Bson::Null)))
    }

    async fn purge_events(&self, through: u64, occurred_before: DateTime<Utc>) -> StoreResult<u64> {
        // Messages appended before `occurred_at` was stored alongside have none: they are
        // older than any that has it.
        let filter = doc! {
            "_id": { "$lte": sequence_bound(through) },
            "$or": [
                { OCCURRED_AT: { "$lt": micros(occurred_before) } },
                { OCCURRED_AT: { "$exists": false } },
            ],
        };
        let deleted = self.coll(OUTBOX).delete_many(filter).await.map_err(classify)?;
        Ok(deleted.deleted_count)
    }
}

/// A sequence as stored (a 64-bit signed integer); beyond that range, the largest.
fn sequence_bound(sequence: u64) -> i64 {
    i64::try_from(sequence).unwrap_or(i64::MAX)
}

/// The stored name of a refresh-token state: its serde name.
fn state_name(state: RefreshTokenState) -> String {
    match serde_json::to_value(state) {
        Ok(serde_json::Value::String(name)) => name,
        _ => unreachable!("refresh token states serialize as strings"),
    }
}

pub(crate) fn token_doc(token: &RefreshToken) -> Document {
    doc! {
        "_id": token.token_hash.as_str(),
        "family_id": uuid(token.family_id),
        "user_id": uuid(token.user_id.as_uuid()),
        "issued_at_us": micros(token.issued_at),
        "expires_at_us": micros(token.expires_at),
        "state": state_name(token.state),
    }
}

pub(crate) fn token_from(stored: &Document) -> StoreResult<RefreshToken> {
    let field = |name: &str| {
        stored
            .get(name)
            .ok_or_else(|| StoreError::backend(format!("stored refresh token has no `{name}`")))
    };
    let text = |name: &str| match field(name)? {
        Bson::String(s) => Ok(s.clone()),
        other => Err(StoreError::backend(format!("`{name}` is not a string: {other}"))),
    };
    let state: RefreshTokenState =
        serde_json::from_value(serde_json::Value::String(text("state")?)).map_err(StoreError::backend)?;
    Ok(RefreshToken {
        token_hash: text("_id")?,
        family_id: uuid_from(field("family_id")?)?,
        user_id: UserId::from_uuid(uuid_from(field("user_id")?)?),
        issued_at: from_micros(field("issued_at_us")?)?,
        expires_at: from_micros(field("expires_at_us")?)?,
        state,
    })
}

impl MongoStore {
    /// Revokes every unrevoked token `selector` picks at `at` and counts those that were
    /// active, in one transaction: a rotation racing with it writes one of the same
    /// documents, so one of the two is retried after the other, and no token rotated in
    /// between is left unrevoked.
    async fn revoke_tokens(&self, selector: Document, at: DateTime<Utc>) -> StoreResult<u64> {
        let coll = self.coll(REFRESH_TOKENS);
        self.transact(move |session: &mut ClientSession| {
            let (coll, selector) = (coll.clone(), selector.clone());
            async move {
                let revoked = doc! { "$set": {
                    "state": state_name(RefreshTokenState::Revoked),
                    "revoked_at_us": micros(at),
                } };
                let mut active = selector.clone();
                active.insert("state", state_name(RefreshTokenState::Active));
                let done = coll.update_many(active, revoked.clone()).session(&mut *session).await?;
                let mut rotated = selector;
                rotated.insert("state", state_name(RefreshTokenState::Rotated));
                coll.update_many(rotated, revoked).session(session).await?;
                Ok(Ok(done.modified_count))
            }
            .boxed()
        })
        .await
    }
}

#[async_trait]
impl AuthStore for MongoStore {
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()> {
        password_hash_update(user_id, hash)
            .run(&self.db, None)
            .await
            .map_err(classify)
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>> {
        let found = self
            .coll(PASSWORD_HASHES)
            .find_one(by_id(user_id.as_uuid()))
            .await
            .map_err(classify)?;
        match found.as_ref().map(|d| d.get_str("hash")) {
            None => Ok(None),
            Some(Ok(hash)) => Ok(Some(hash.to_owned())),
            Some(Err(err)) => Err(StoreError::backend(err)),
        }
    }

    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        self.write(REFRESH_TOKENS, Write::Insert(token_doc(token)), &[]).await
    }

    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
        let found = self
            .coll(REFRESH_TOKENS)
            .find_one(doc! { "_id": token_hash })
            .await
            .map_err(classify)?;
        found.as_ref().map(token_from).transpose()
    }

    async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()> {
        let coll = self.coll(REFRESH_TOKENS);
        let (hash, next) = (token_hash.to_owned(), token_doc(next));
        self.transact(move |session: &mut ClientSession| {
            let (coll, hash, next) = (coll.clone(), hash.clone(), next.clone());
            async move {
                let done = coll
                    .update_one(
                        doc! { "_id": &hash, "state": state_name(RefreshTokenState::Active) },
                        doc! { "$set": { "state": state_name(RefreshTokenState::Rotated) } },
                    )
                    .session(&mut *session)
                    .await?;
                if done.matched_count == 0 {
                    let exists = coll
                        .find_one(doc! { "_id": &hash })
                        .session(&mut *session)
                        .await?
                        .is_some();
                    return Ok(Err(if exists {
                        StoreError::VersionConflict
                    } else {
                        StoreError::NotFound
                    }));
                }
                Write::Insert(next).run(&coll, Some(session)).await
            }
            .boxed()
        })
        .await
    }

    async fn session_active(&self, family_id: Uuid) -> StoreResult<bool> {
        let found = self
            .coll(REFRESH_TOKENS)
            .find_one(doc! { "family_id": uuid(family_id), "state": state_name(RefreshTokenState::Active) })
            .projection(doc! { "_id": 1 })
            .await
            .map_err(classify)?;
        Ok(found.is_some())
    }

    async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens(doc! { "family_id": uuid(family_id) }, at).await
    }

    async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
        self.revoke_tokens(doc! { "user_id": uuid(user_id.as_uuid()) }, at)
            .await
    }

    async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
        let revoked: Vec<Document> = self
            .coll(REFRESH_TOKENS)
            .find(doc! { "revoked_at_us": { "$gte": micros(since) } })
            .projection(doc! { "_id": 0, "family_id": 1, "revoked_at_us": 1 })
            .await
            .map_err(classify)?
            .try_collect()
            .await
            .map_err(classify)?;
        let mut ended: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
        for token in &revoked {
            let field = |name: &str| {
                token
                    .get(name)
                    .ok_or_else(|| StoreError::backend(format!("revoked refresh token has no `{name}`")))
            };
            let (family, at) = (uuid_from(field("family_id")?)?, from_micros(field("revoked_at_us")?)?);
            let latest = ended.entry(family).or_insert(at);
            *latest = (*latest).max(at);
        }
        Ok(ended.into_iter().collect())
    }
}

#[async_trait]
impl StoreHealth for MongoStore {
    async fn ping(&self) -> StoreResult<()> {
        self.db.run_command(doc! { "ping": 1 }).await.map_err(classify)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{SubsecRound, Utc};

    use super::*;

    #[test]
    fn refresh_tokens_round_trip_through_their_documents() {
        let now = Utc::now().trunc_subsecs(6);
        for state in [
            RefreshTokenState::Active,
            RefreshTokenState::Rotated,
            RefreshTokenState::Revoked,
        ] {
            let token = RefreshToken {
                token_hash: "ab12".into(),
                family_id: Uuid::now_v7(),
                user_id: UserId::new(),
                issued_at: now,
                expires_at: now + chrono::Duration::days(7),
                state,
            };
            assert_eq!(token_from(&token_doc(&token)).unwrap(), token);
        }
        let mut stolen = token_doc(&RefreshToken {
            token_hash: "cd34".into(),
            family_id: Uuid::now_v7(),
            user_id: UserId::new(),
            issued_at: now,
            expires_at: now,
            state: RefreshTokenState::Active,
        });
        stolen.insert("state", "stolen");
        assert!(matches!(token_from(&stolen), Err(StoreError::Backend(_))));
    }
}
