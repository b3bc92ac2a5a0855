//! The storage ports of an SQL adapter's store, handed to its [`SqlStore`](crate::SqlStore).

/// What the expansion of [`impl_sql_ports!`](crate::impl_sql_ports) names, reachable
/// from the adapter crates.
#[doc(hidden)]
pub mod __private {
    pub use async_trait::async_trait;
    pub use chrono::{DateTime, Utc};
    pub use lms_core::domain::course::{Course, CourseSummary};
    pub use lms_core::domain::enrollment::Enrollment;
    pub use lms_core::domain::events::DomainEvent;
    pub use lms_core::domain::text::Email;
    pub use lms_core::domain::user::User;
    pub use lms_core::ids::{CertificateId, CourseId, EnrollmentId, LessonId, UserId};
    pub use lms_core::ports::{
        AuthStore, BackupReader, BackupStore, CourseFilter, CourseStore, DataDump, EnrollmentStore, ErasureStore,
        OutboxMessage, OutboxStore, OwnedRecord, Page, PageRequest, RangeItem, RangeQuery, RecordDoc, RecordStore,
        RefreshToken, Section, StoreHealth, StoreResult, UnitOfWork, UserStore,
    };
    pub use serde_json::Value;
    pub use std::sync::Arc;
    pub use uuid::Uuid;
}

/// Implements `UserStore`, `CourseStore`, `EnrollmentStore`, `OutboxStore`, `AuthStore`,
/// `RecordStore`, `ErasureStore`, `DataDump`, `StoreHealth` and `BackupStore` for an adapter's store type
/// by handing each call to the [`SqlStore`](crate::SqlStore) in one of its fields:
/// `impl_sql_ports!(SqliteStore, sql);`.
///
/// The ports are `lms-core`'s traits and the store type is the adapter's, so the impls
/// must be written in the adapter crate; the macro writes them once for both.
#[macro_export]
macro_rules! impl_sql_ports {
    ($store:ty, $sql:ident) => {
        const _: () = {
            use $crate::ports::__private::*;

            #[async_trait]
            impl UserStore for $store {
                async fn insert_user(
                    &self,
                    user: &User,
                    password_hash: Option<&str>,
                    events: &[DomainEvent],
                ) -> StoreResult<()> {
                    self.$sql.insert_user(user, password_hash, events).await
                }

                async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
                    self.$sql.get_user(id).await
                }

                async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
                    self.$sql.find_user_by_email(email).await
                }

                async fn update_user(&self, user: &User, expected: u64, events: &[DomainEvent]) -> StoreResult<()> {
                    self.$sql.update_user(user, expected, events).await
                }

                async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
                    self.$sql.list_users(page).await
                }
            }

            #[async_trait]
            impl CourseStore for $store {
                async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
                    self.$sql.insert_course(course, events).await
                }

                async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
                    self.$sql.get_course(id).await
                }

                async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
                    self.$sql.course_version(id).await
                }

                async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
                    self.$sql.get_courses(ids).await
                }

                async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
                    self.$sql.find_course_by_lesson(lesson_id).await
                }

                async fn update_course(
                    &self,
                    course: &Course,
                    expected: u64,
                    events: &[DomainEvent],
                ) -> StoreResult<()> {
                    self.$sql.update_course(course, expected, events).await
                }

                async fn list_courses(
                    &self,
                    filter: &CourseFilter,
                    page: PageRequest,
                ) -> StoreResult<Page<CourseSummary>> {
                    self.$sql.list_courses(filter, page).await
                }
            }

            #[async_trait]
            impl EnrollmentStore for $store {
                async fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()> {
                    self.$sql.insert_enrollment(enrollment, events).await
                }

                async fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>> {
                    self.$sql.get_enrollment(id).await
                }

                async fn find_enrollment(
                    &self,
                    user_id: UserId,
                    course_id: CourseId,
                ) -> StoreResult<Option<Enrollment>> {
                    self.$sql.find_enrollment(user_id, course_id).await
                }

                async fn find_enrollments(
                    &self,
                    user_id: UserId,
                    course_ids: &[CourseId],
                ) -> StoreResult<Vec<Enrollment>> {
                    self.$sql.find_enrollments(user_id, course_ids).await
                }

                async fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>> {
                    self.$sql.find_enrollment_by_certificate(id).await
                }

                async fn update_enrollment(
                    &self,
                    enrollment: &Enrollment,
                    expected: u64,
                    events: &[DomainEvent],
                ) -> StoreResult<()> {
                    self.$sql.update_enrollment(enrollment, expected, events).await
                }

                async fn list_enrollments_for_user(
                    &self,
                    user_id: UserId,
                    page: PageRequest,
                ) -> StoreResult<Page<Enrollment>> {
                    self.$sql.list_enrollments_for_user(user_id, page).await
                }

                async fn list_enrollments_for_course(
                    &self,
                    course_id: CourseId,
                    page: PageRequest,
                ) -> StoreResult<Page<Enrollment>> {
                    self.$sql.list_enrollments_for_course(course_id, page).await
                }
            }

            #[async_trait]
            impl OutboxStore for $store {
                async fn events_after(&self, after: u64, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
                    self.$sql.events_after(after, limit).await
                }

                async fn count_events_after(&self, after: u64) -> StoreResult<u64> {
                    self.$sql.count_events_after(after).await
                }

                async fn last_sequence(&self) -> StoreResult<u64> {
                    self.$sql.last_sequence().await
                }

                async fn purge_events(&self, through: u64, occurred_before: DateTime<Utc>) -> StoreResult<u64> {
                    self.$sql.purge_events(through, occurred_before).await
                }
            }

            #[async_trait]
            impl AuthStore for $store {
                async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()> {
                    self.$sql.set_password_hash(user_id, hash).await
                }

                async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>> {
                    self.$sql.password_hash(user_id).await
                }

                async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
                    self.$sql.insert_refresh_token(token).await
                }

                async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
                    self.$sql.refresh_token(token_hash).await
                }

                async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()> {
                    self.$sql.rotate_refresh_token(token_hash, next).await
                }

                async fn session_active(&self, family_id: Uuid) -> StoreResult<bool> {
                    self.$sql.session_active(family_id).await
                }

                async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
                    self.$sql.revoke_token_family(family_id, at).await
                }

                async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
                    self.$sql.revoke_user_tokens(user_id, at).await
                }

                async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
                    self.$sql.sessions_ended_since(since).await
                }
            }

            #[async_trait]
            impl RecordStore for $store {
                async fn write(&self, unit: &UnitOfWork) -> StoreResult<()> {
                    self.$sql.write_records(unit).await
                }

                async fn get(&self, kind: &'static str, id: Uuid) -> StoreResult<Option<RecordDoc>> {
                    self.$sql.get_record(kind, id).await
                }

                async fn get_unique(
                    &self,
                    kind: &'static str,
                    key: &'static str,
                    value: &str,
                ) -> StoreResult<Option<RecordDoc>> {
                    self.$sql.get_unique_record(kind, key, value).await
                }

                async fn list(
                    &self,
                    kind: &'static str,
                    by: Option<(&'static str, &str)>,
                    page: PageRequest,
                ) -> StoreResult<Page<RecordDoc>> {
                    self.$sql.list_records(kind, by, page).await
                }

                async fn range(&self, query: &RangeQuery) -> StoreResult<Vec<RangeItem>> {
                    self.$sql.range_records(query).await
                }

                async fn count(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<u64> {
                    self.$sql.count_records(kind, key, value).await
                }

                async fn owned_by(&self, owner: UserId) -> StoreResult<Vec<OwnedRecord>> {
                    self.$sql.owned_records(owner).await
                }
            }

            #[async_trait]
            impl ErasureStore for $store {
                async fn delete_user_enrollments(&self, user_id: UserId) -> StoreResult<u64> {
                    self.$sql.delete_user_enrollments(user_id).await
                }

                async fn delete_owned_records(&self, owner: UserId, keep: &[&str]) -> StoreResult<u64> {
                    self.$sql.delete_owned_records(owner, keep).await
                }

                async fn scrub_deleted_data(&self) -> StoreResult<()> {
                    self.$sql.scrub_deleted_data().await
                }
            }

            #[async_trait]
            impl DataDump for $store {
                async fn dump_all(&self) -> StoreResult<String> {
                    self.$sql.dump_all().await
                }
            }

            #[async_trait]
            impl BackupStore for $store {
                async fn begin_backup(&self) -> StoreResult<Box<dyn BackupReader>> {
                    Ok(Box::new(self.$sql.begin_backup().await?))
                }

                async fn is_empty(&self) -> StoreResult<bool> {
                    self.$sql.is_empty().await
                }

                async fn restore(&self, section: Section, items: &[Value]) -> StoreResult<()> {
                    self.$sql.restore(section, items).await
                }
            }

            #[async_trait]
            impl StoreHealth for $store {
                async fn ping(&self) -> StoreResult<()> {
                    self.$sql.ping().await
                }
            }
        };
    };
}
