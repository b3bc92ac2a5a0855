use async_trait::async_trait;

use super::{Page, PageRequest, StoreResult};
use crate::domain::enrollment::Enrollment;
use crate::domain::events::DomainEvent;
use crate::ids::{CertificateId, CourseId, EnrollmentId, UserId};

/// Stores enrollments with their progress. This is the hot write path: every learning
/// event is one `update_enrollment`.
#[async_trait]
pub trait EnrollmentStore: Send + Sync + 'static {
    /// Stores a new enrollment and its events. MUST fail with `Duplicate(UniqueKey::Id)`
    /// when the id exists (checked first), and `Duplicate(UniqueKey::UserCourse)` when the
    /// user already has an enrollment in the course.
    async fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()>;

    /// The enrollment with this id, if any.
    async fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>>;

    /// The user's enrollment in the course, if any.
    async fn find_enrollment(&self, user_id: UserId, course_id: CourseId) -> StoreResult<Option<Enrollment>>;

    /// The user's enrollments in any of these courses, in any order.
    async fn find_enrollments(&self, user_id: UserId, course_ids: &[CourseId]) -> StoreResult<Vec<Enrollment>>;

    /// The enrollment holding this certificate, if any.
    async fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>>;

    /// Replaces an enrollment under the version rule of the module docs.
    async fn update_enrollment(
        &self,
        enrollment: &Enrollment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()>;

    /// A user's enrollments ordered by id.
    async fn list_enrollments_for_user(&self, user_id: UserId, page: PageRequest) -> StoreResult<Page<Enrollment>>;

    /// A course's enrollments ordered by id.
    async fn list_enrollments_for_course(
        &self,
        course_id: CourseId,
        page: PageRequest,
    ) -> StoreResult<Page<Enrollment>>;
}
