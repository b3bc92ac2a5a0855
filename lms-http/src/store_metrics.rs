//! Storage timing: every store operation the services call is measured into the
//! `lms_store_operation_duration_seconds` histogram, labelled by operation name and
//! outcome (bounded labels; no ids).

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::domain::course::{Course, CourseSummary};
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::text::Email;
use lms_core::domain::user::User;
use lms_core::ids::{CertificateId, CourseId, EnrollmentId, LessonId, UserId};
use lms_core::ports::{
    AuthStore, CourseFilter, CourseStore, EnrollmentStore, ErasureStore, OutboxMessage, OutboxStore, OwnedRecord, Page,
    PageRequest, RangeItem, RangeQuery, RecordDoc, RecordStore, RefreshToken, StoreResult, Stores, UnitOfWork,
    UserStore,
};
use uuid::Uuid;

use crate::metrics::Metrics;

/// Stores that time every operation of the stores they wrap.
#[derive(Debug)]
pub struct TimedStores {
    inner: Stores,
    metrics: Metrics,
}

impl TimedStores {
    /// Wraps `inner`; the result uses the same backend for everything.
    pub fn wrap(inner: Stores, metrics: Metrics) -> Stores {
        let health = inner.health.clone();
        let inner_dump = inner.dump.clone();
        let timed = Arc::new(Self { inner, metrics });
        Stores {
            users: timed.clone(),
            courses: timed.clone(),
            records: timed.clone(),
            enrollments: timed.clone(),
            outbox: timed.clone(),
            auth: timed.clone(),
            erasure: timed,
            dump: inner_dump,
            health,
        }
    }
}

/// Implements a port by timing each call to the same method of the wrapped store. The
/// operation label is the method's name, after an optional prefix (`record_`) where the
/// bare name would not say which store it is.
macro_rules! timed {
    ($port:ident via $field:ident { $($body:tt)+ }) => {
        timed!($port via $field as "" { $($body)+ });
    };
    ($port:ident via $field:ident as $prefix:literal { $(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)+ }) => {
        #[async_trait]
        impl $port for TimedStores {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    let started = Instant::now();
                    let result = self.inner.$field.$name($($arg),*).await;
                    self.metrics.observe_store(
                        concat!($prefix, stringify!($name)),
                        result.is_ok(),
                        started.elapsed().as_secs_f64(),
                    );
                    result
                }
            )+
        }
    };
}

timed!(UserStore via users {
    fn insert_user(&self, user: &User, password_hash: Option<&str>, events: &[DomainEvent]) -> StoreResult<()>;
    fn get_user(&self, id: UserId) -> StoreResult<Option<User>>;
    fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()>;
    fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>>;
});

timed!(CourseStore via courses {
    fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()>;
    fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>>;
    fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>>;
    fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>>;
    fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>>;
    fn update_course(&self, course: &Course, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()>;
    fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>>;
});

timed!(RecordStore via records as "record_" {
    fn write(&self, unit: &UnitOfWork) -> StoreResult<()>;
    fn get(&self, kind: &'static str, id: Uuid) -> StoreResult<Option<RecordDoc>>;
    fn get_unique(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<Option<RecordDoc>>;
    fn list(&self, kind: &'static str, by: Option<(&'static str, &str)>, page: PageRequest) -> StoreResult<Page<RecordDoc>>;
    fn range(&self, query: &RangeQuery) -> StoreResult<Vec<RangeItem>>;
    fn count(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<u64>;
    fn owned_by(&self, owner: UserId) -> StoreResult<Vec<OwnedRecord>>;
});

timed!(EnrollmentStore via enrollments {
    fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()>;
    fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>>;
    fn find_enrollment(&self, user_id: UserId, course_id: CourseId) -> StoreResult<Option<Enrollment>>;
    fn find_enrollments(&self, user_id: UserId, course_ids: &[CourseId]) -> StoreResult<Vec<Enrollment>>;
    fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>>;
    fn update_enrollment(&self, enrollment: &Enrollment, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()>;
    fn list_enrollments_for_user(&self, user_id: UserId, page: PageRequest) -> StoreResult<Page<Enrollment>>;
    fn list_enrollments_for_course(&self, course_id: CourseId, page: PageRequest) -> StoreResult<Page<Enrollment>>;
});

timed!(OutboxStore via outbox {
    fn events_after(&self, after: u64, limit: u32) -> StoreResult<Vec<OutboxMessage>>;
    fn count_events_after(&self, after: u64) -> StoreResult<u64>;
    fn last_sequence(&self) -> StoreResult<u64>;
    fn purge_events(&self, through: u64, occurred_before: DateTime<Utc>) -> StoreResult<u64>;
});

timed!(AuthStore via auth {
    fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()>;
    fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>>;
    fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()>;
    fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>>;
    fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()>;
    fn session_active(&self, family_id: Uuid) -> StoreResult<bool>;
    fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64>;
    fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64>;
    fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>>;
});

timed!(ErasureStore via erasure {
    fn delete_user_enrollments(&self, user_id: UserId) -> StoreResult<u64>;
    fn delete_owned_records(&self, owner: UserId, keep: &[&str]) -> StoreResult<u64>;
    fn scrub_deleted_data(&self) -> StoreResult<()>;
});
