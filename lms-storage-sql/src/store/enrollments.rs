//! Enrollments over SQL.

use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::ids::{CertificateId, CourseId, EnrollmentId, UserId};
use lms_core::ports::{Page, PageRequest, StoreResult, UniqueKey};

use super::{SqlStore, Table};
use crate::backend::Backend;
use crate::statement::Value;
use crate::{decode, distinct_uuids, version_column, EnrollmentRow, VersionedEnrollment};

const ENROLLMENTS: Table = Table {
    exists: "SELECT EXISTS (SELECT 1 FROM enrollments WHERE id = ?)",
    unique: Some(UniqueKey::UserCourse),
};

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

    /// `EnrollmentStore::update_enrollment`, group-committed with the updates under way
    /// (see `batches`).
    pub async fn update_enrollment(
        &self,
        enrollment: &Enrollment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let update = VersionedEnrollment {
            row: EnrollmentRow::new(enrollment)?,
            expected_version: version_column(expected_version)?,
            events: events.to_vec(),
        };
        self.enrollment_batches.updates.call(update).await
    }

    /// `EnrollmentStore::list_enrollments_for_user`.
    pub async fn list_enrollments_for_user(&self, user_id: UserId, page: PageRequest) -> StoreResult<Page<Enrollment>> {
        let mut query = Self::statement("SELECT doc FROM enrollments WHERE user_id = ?");
        query.bind(Value::Id(user_id.as_uuid()));
        self.page(query, page, |e: &Enrollment| e.id().as_uuid()).await
    }

    /// `ErasureStore::delete_user_enrollments`: the user's `enrollments` rows, in one
    /// statement. A row is the whole enrollment: its document holds the progress, quiz
    /// answers and certificate, and the columns beside it (course, certificate id) are
    /// indexed only by the table's own indexes, which the deletion updates.
    pub async fn delete_user_enrollments(&self, user_id: UserId) -> StoreResult<u64> {
        let mut delete = Self::statement("DELETE FROM enrollments WHERE user_id = ?");
        delete.bind(Value::Id(user_id.as_uuid()));
        self.backend.write(&delete).await
    }

    /// `EnrollmentStore::list_enrollments_for_course`.
    pub async fn list_enrollments_for_course(
        &self,
        course_id: CourseId,
        page: PageRequest,
    ) -> StoreResult<Page<Enrollment>> {
        let mut query = Self::statement("SELECT doc FROM enrollments WHERE course_id = ?");
        query.bind(Value::Id(course_id.as_uuid()));
        self.page(query, page, |e: &Enrollment| e.id().as_uuid()).await
    }
}
