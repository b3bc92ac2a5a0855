use std::sync::Arc;

use async_trait::async_trait;

use super::{Page, PageRequest, StoreResult};
use crate::domain::course::{Course, CourseStatus, CourseSummary};
use crate::domain::events::DomainEvent;
use crate::ids::{CourseId, LessonId, UserId};

/// Which courses a listing returns. Every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseFilter {
    /// Only courses in this state.
    pub status: Option<CourseStatus>,
    /// Only courses of this owner.
    pub owner_id: Option<UserId>,
    /// Only courses whose `search_keys().category` equals this (already normalized).
    pub category: Option<String>,
    /// Only courses whose `search_keys().text` contains this substring (already normalized).
    pub text: Option<String>,
}

impl CourseFilter {
    /// Whether a course passes the filter — the reference semantics adapters implement.
    pub fn matches(&self, course: &Course) -> bool {
        let keys = course.search_keys();
        self.status.is_none_or(|s| course.status() == s)
            && self.owner_id.is_none_or(|o| course.owner_id == o)
            && self.category.as_ref().is_none_or(|c| keys.category == *c)
            && self.text.as_ref().is_none_or(|t| keys.text.contains(t.as_str()))
    }
}

/// Stores courses together with their lessons.
#[async_trait]
pub trait CourseStore: Send + Sync + 'static {
    /// Stores a new course (with its lessons) and its events.
    /// MUST fail with `Duplicate(UniqueKey::Id)` when the id exists.
    ///
    /// Lesson ids are unique across courses: a lesson id another course holds moves to
    /// this one (`find_course_by_lesson` then finds this course by it), and the other
    /// course is otherwise stored as it was. `update_course` moves them alike.
    async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()>;

    /// The course with this id, lessons in order, if any.
    async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>>;

    /// The courses with these ids that exist, in any order; missing ids are skipped.
    async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>>;

    /// The stored version of the course with this id, if any: lets a cache confirm that
    /// the course it holds is current without loading it again. The default loads the
    /// course; adapters answer from the version alone.
    async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
        Ok(self.get_course(id).await?.map(|course| course.version()))
    }

    /// The course that contains this lesson, if any.
    async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>>;

    /// Replaces a course and its lessons under the version rule of the module docs.
    /// After it, `find_course_by_lesson` MUST find the course by each of its current
    /// lessons and by none of the removed ones; a removed lesson id that another course
    /// has taken since still finds that course.
    async fn update_course(&self, course: &Course, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()>;

    /// Summaries of the courses that pass `filter`, ordered by id.
    async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>>;
}
