//! A read-through cache in front of a [`CourseStore`].
//!
//! Course structure is read on every learner request (outline, lesson, heartbeat, quiz)
//! and changes rarely, while loading it means decoding and re-validating the whole course
//! document. [`CachedCourseStore`] keeps recently read courses in memory.
//!
//! # Freshness
//!
//! - Writes made through the cache evict what they change before they return, so this
//!   process never serves a course older than its own last write.
//! - A version conflict on `update_course` evicts the course too: someone else wrote it,
//!   so the next read goes to storage and the caller's retry sees the new version.
//! - Writes made elsewhere (another server instance, a script on the database) are
//!   seen once the entry's time to live ([`CourseCacheSettings::ttl`]) has passed. The
//!   first read after that asks storage for the course's version only
//!   ([`CourseStore::course_version`]): the entry is kept for another time to live when
//!   the version is the one it holds, and the course is read again otherwise. Courses
//!   change rarely, so most expiries cost a lookup of one number instead of loading and
//!   decoding the whole course.
//! - A read that raced with an eviction is not cached, so a slow read that started before
//!   a write cannot put the older course back.
//! - A lesson id that a write made elsewhere moves to another course (see
//!   [`CourseStore::insert_course`]; the services give every lesson a fresh id, so only
//!   a direct store write does that) keeps finding its old course here while that course
//!   stays cached unchanged.
//!
//! The cache is behaviourally transparent otherwise: it passes the conformance suite.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use quick_cache::sync::Cache;

use crate::domain::course::{Course, CourseSummary};
use crate::domain::events::DomainEvent;
use crate::ids::{CourseId, LessonId};
use crate::ports::{CourseFilter, CourseStore, Page, PageRequest, StoreResult};

/// How long and how many courses are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseCacheSettings {
    /// How long a course read from storage is served from memory: the longest a change
    /// made by another process stays unseen here.
    pub ttl: Duration,
    /// Most courses kept; the least useful are dropped beyond it.
    pub capacity: usize,
}

impl Default for CourseCacheSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(10),
            capacity: 10_000,
        }
    }
}

#[derive(Clone)]
struct Entry {
    course: Arc<Course>,
    loaded: Instant,
}

/// A [`CourseStore`] that serves recently read courses from memory. See the module docs.
pub struct CachedCourseStore {
    inner: Arc<dyn CourseStore>,
    settings: CourseCacheSettings,
    courses: Cache<CourseId, Entry>,
    lessons: Cache<LessonId, CourseId>,
    /// Bumped by every eviction; a read that saw it change does not fill the cache.
    evictions: AtomicU64,
}

impl std::fmt::Debug for CachedCourseStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedCourseStore")
            .field("settings", &self.settings)
            .field("cached", &self.courses.len())
            .finish_non_exhaustive()
    }
}

impl CachedCourseStore {
    /// Caches the courses of `inner`.
    pub fn new(inner: Arc<dyn CourseStore>, settings: CourseCacheSettings) -> Self {
        let capacity = settings.capacity.max(1);
        Self {
            inner,
            settings,
            courses: Cache::new(capacity),
            // Thirty-odd lessons per course is typical; ids are small.
            lessons: Cache::new(capacity.saturating_mul(32)),
            evictions: AtomicU64::new(0),
        }
    }

    /// An expired course: kept, for another time to live, when storage still holds its
    /// version; read again otherwise.
    async fn revalidate(&self, course: Arc<Course>) -> StoreResult<Option<Arc<Course>>> {
        let evictions_before = self.evictions.load(Ordering::Acquire);
        if self.inner.course_version(course.id).await? == Some(course.version()) {
            self.fill(&course, evictions_before);
            return Ok(Some(course));
        }
        self.read_through(self.inner.get_course(course.id)).await
    }

    /// Remembers a course read from storage, unless an eviction happened since the read
    /// began (`evictions_before`): the course read may then be older than the write.
    fn fill(&self, course: &Arc<Course>, evictions_before: u64) {
        if self.evictions.load(Ordering::Acquire) != evictions_before {
            return;
        }
        for lesson in &course.lessons {
            self.lessons.insert(lesson.id, course.id);
        }
        self.courses.insert(
            course.id,
            Entry {
                course: course.clone(),
                loaded: Instant::now(),
            },
        );
    }

    /// Forgets which course the lessons of `course` belong to, as an eviction does: a
    /// write of `course` may have taken one of its lesson ids from another course.
    fn forget_lessons(&self, course: &Course) {
        self.evictions.fetch_add(1, Ordering::AcqRel);
        for lesson in &course.lessons {
            self.lessons.remove(&lesson.id);
        }
    }

    fn evict(&self, id: CourseId) {
        self.evictions.fetch_add(1, Ordering::AcqRel);
        self.courses.remove(&id);
    }

    /// Runs a storage read and caches the course it finds (unless it raced an eviction).
    async fn read_through(
        &self,
        read: impl Future<Output = StoreResult<Option<Arc<Course>>>>,
    ) -> StoreResult<Option<Arc<Course>>> {
        let evictions_before = self.evictions.load(Ordering::Acquire);
        let course = read.await?;
        if let Some(course) = &course {
            self.fill(course, evictions_before);
        }
        Ok(course)
    }
}

#[async_trait]
impl CourseStore for CachedCourseStore {
    async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
        let result = self.inner.insert_course(course, events).await;
        self.forget_lessons(course);
        result
    }

    async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
        match self.courses.get(&id) {
            Some(entry) if entry.loaded.elapsed() < self.settings.ttl => Ok(Some(entry.course)),
            Some(entry) => self.revalidate(entry.course).await,
            None => self.read_through(self.inner.get_course(id)).await,
        }
    }

    async fn course_version(&self, id: CourseId) -> StoreResult<Option<u64>> {
        self.inner.course_version(id).await
    }

    async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
        let before = self.evictions.load(Ordering::Acquire);
        let courses = self.inner.get_courses(ids).await?;
        for course in &courses {
            self.fill(course, before);
        }
        Ok(courses)
    }

    async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
        if let Some(course_id) = self.lessons.get(&lesson_id) {
            // A lesson leaves a course by an edit of it or by a write of another course
            // that takes its id; both evict here. Confirm anyway.
            let course = self.get_course(course_id).await?;
            if let Some(course) = course.filter(|c| c.lesson(lesson_id).is_some()) {
                return Ok(Some(course));
            }
            self.lessons.remove(&lesson_id);
        }
        self.read_through(self.inner.find_course_by_lesson(lesson_id)).await
    }

    async fn update_course(&self, course: &Course, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let result = self.inner.update_course(course, expected_version, events).await;
        // Evict on success and on failure alike: a version conflict means the course
        // changed elsewhere, and the caller's retry must read the new version.
        self.evict(course.id);
        self.forget_lessons(course);
        result
    }

    async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>> {
        self.inner.list_courses(filter, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Title;
    use crate::ids::UserId;
    use crate::memory::MemoryStore;
    use crate::ports::StoreError;
    use crate::testing::fixtures::course_record;

    /// A cache over a memory store, and the store itself: writes to the store directly
    /// stand for another process's writes.
    fn cached(ttl: Duration) -> (CachedCourseStore, Arc<MemoryStore>) {
        let store = Arc::new(MemoryStore::new());
        let settings = CourseCacheSettings { ttl, capacity: 100 };
        (CachedCourseStore::new(store.clone(), settings), store)
    }

    async fn stored_course(cache: &CachedCourseStore) -> Course {
        let course = course_record(UserId::new(), chrono::Utc::now());
        cache.insert_course(&course, &[]).await.expect("insert");
        course
    }

    /// `course` retitled and one version on, as a use case would write it.
    fn renamed(course: &Course, title: &str) -> Course {
        let mut next = course.clone();
        next.title = Title::parse(title).expect("title");
        next.next_version();
        next
    }

    async fn title_of(cache: &CachedCourseStore, id: CourseId) -> String {
        let course = cache.get_course(id).await.expect("get").expect("exists");
        course.title.as_str().to_owned()
    }

    #[tokio::test]
    async fn serves_repeated_reads_from_memory_until_the_ttl() {
        let (cache, store) = cached(Duration::from_secs(3600));
        let course = stored_course(&cache).await;
        let original = title_of(&cache, course.id).await;
        store
            .update_course(&renamed(&course, "Elsewhere"), 1, &[])
            .await
            .expect("update");
        assert_eq!(title_of(&cache, course.id).await, original, "served from memory");

        let (fresh, store) = cached(Duration::ZERO);
        let course = stored_course(&fresh).await;
        title_of(&fresh, course.id).await;
        store
            .update_course(&renamed(&course, "Elsewhere"), 1, &[])
            .await
            .expect("update");
        assert_eq!(title_of(&fresh, course.id).await, "Elsewhere", "expired at once");
    }

    #[tokio::test]
    async fn an_expired_course_is_kept_while_its_stored_version_is_unchanged() {
        let (cache, store) = cached(Duration::ZERO);
        let course = stored_course(&cache).await;
        let first = cache.get_course(course.id).await.expect("get").expect("exists");
        let again = cache.get_course(course.id).await.expect("get").expect("exists");
        assert!(Arc::ptr_eq(&first, &again), "confirmed by its version, not read again");

        store
            .update_course(&renamed(&course, "Elsewhere"), 1, &[])
            .await
            .expect("update");
        assert_eq!(title_of(&cache, course.id).await, "Elsewhere", "a new version is read");
    }

    #[tokio::test]
    async fn own_writes_are_read_back_at_once() {
        let (cache, _) = cached(Duration::from_secs(3600));
        let course = stored_course(&cache).await;
        title_of(&cache, course.id).await;
        cache
            .update_course(&renamed(&course, "Mine"), 1, &[])
            .await
            .expect("update");
        assert_eq!(title_of(&cache, course.id).await, "Mine");
        let lesson = course.lessons[0].id;
        let by_lesson = cache.find_course_by_lesson(lesson).await.expect("find").expect("found");
        assert_eq!(by_lesson.title.as_str(), "Mine");
    }

    #[tokio::test]
    async fn a_version_conflict_evicts_so_the_retry_reads_the_new_version() {
        let (cache, store) = cached(Duration::from_secs(3600));
        let course = stored_course(&cache).await;
        title_of(&cache, course.id).await;
        store
            .update_course(&renamed(&course, "Elsewhere"), 1, &[])
            .await
            .expect("update");
        let lost = cache.update_course(&renamed(&course, "Mine"), 1, &[]).await;
        assert!(matches!(lost, Err(StoreError::VersionConflict)), "got {lost:?}");
        let current = cache.get_course(course.id).await.expect("get").expect("exists");
        assert_eq!((current.title.as_str(), current.version()), ("Elsewhere", 2));
    }

    #[tokio::test]
    async fn a_read_that_raced_with_an_eviction_is_not_cached() {
        let (cache, store) = cached(Duration::from_secs(3600));
        let course = stored_course(&cache).await;
        let before = cache.evictions.load(Ordering::Acquire);
        cache.evict(course.id);
        cache.fill(&Arc::new(course.clone()), before);
        store
            .update_course(&renamed(&course, "Newer"), 1, &[])
            .await
            .expect("update");
        assert_eq!(title_of(&cache, course.id).await, "Newer");
    }

    #[tokio::test]
    async fn lessons_find_their_course_through_the_cache_and_removed_ones_do_not() {
        let (cache, store) = cached(Duration::from_secs(3600));
        let course = stored_course(&cache).await;
        let removed = course.lessons.last().expect("lessons").id;
        assert!(cache.find_course_by_lesson(removed).await.expect("find").is_some());
        let mut shorter = renamed(&course, "Shorter");
        shorter.lessons.pop();
        store.update_course(&shorter, 1, &[]).await.expect("update");
        cache.evict(course.id);
        assert!(cache.find_course_by_lesson(removed).await.expect("find").is_none());
        let kept = course.lessons[0].id;
        let found = cache.find_course_by_lesson(kept).await.expect("find").expect("found");
        assert_eq!(found.title.as_str(), "Shorter");
    }
}
