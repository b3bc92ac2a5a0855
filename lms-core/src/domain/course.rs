//! Courses: the catalog aggregate. A course owns its ordered lessons, so every structural
//! change (add, edit, reorder) is validated as a whole and written atomically.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::lesson::{Lesson, Prerequisites};
use crate::domain::money::Price;
use crate::domain::text::{forbidden_character, normalize_for_match, Category, Description, Title};
use crate::error::{Error, FieldError, Result, Validator};
use crate::ids::{CourseId, LessonId, UserId};

/// Lifecycle: draft → published → archived (an archived course may be republished).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    /// Being authored; visible to its owner and admins only.
    Draft,
    /// Open for enrollment.
    Published,
    /// Closed to new enrollments; enrolled learners keep access.
    Archived,
}

impl CourseStatus {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CourseStatus::Draft => "draft",
            CourseStatus::Published => "published",
            CourseStatus::Archived => "archived",
        }
    }
}

impl fmt::Display for CourseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How demanding a course is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    /// No prior knowledge needed.
    #[default]
    Beginner,
    /// Some experience expected.
    Intermediate,
    /// For experienced learners.
    Advanced,
}

/// Free-form key/value metadata on a course, bounded in size.
pub type Metadata = BTreeMap<String, String>;

/// Most lessons in one course.
pub const MAX_LESSONS: usize = 1_000;
/// Most course prerequisites of one course.
pub const MAX_COURSE_PREREQUISITES: usize = 20;
const MAX_METADATA_ENTRIES: usize = 50;
const MAX_METADATA_KEY: usize = 64;
const MAX_METADATA_VALUE: usize = 1_000;

/// Checks metadata bounds.
pub fn validate_metadata(metadata: &Metadata) -> Result<()> {
    let mut v = Validator::new();
    if metadata.len() > MAX_METADATA_ENTRIES {
        v.push(FieldError::new(
            "",
            "too_many",
            format!("at most {MAX_METADATA_ENTRIES} entries"),
        ));
    }
    for (key, value) in metadata {
        if key.is_empty() || key.chars().count() > MAX_METADATA_KEY || forbidden_character(key, false).is_some() {
            v.push(FieldError::new(
                key.as_str(),
                "invalid_key",
                format!("keys have 1 to {MAX_METADATA_KEY} characters and no control or invisible characters"),
            ));
        }
        if value.chars().count() > MAX_METADATA_VALUE {
            v.push(FieldError::new(
                key.as_str(),
                "too_long",
                format!("values have at most {MAX_METADATA_VALUE} characters"),
            ));
        } else if let Some(found) = forbidden_character(value, true) {
            v.push(found.field_error(key.as_str()));
        }
    }
    v.finish()
}

/// A course with its lessons in order.
///
/// Its lifecycle state, first publication time and version are private: only
/// [`Course::publish`] (which needs a required lesson) and [`Course::archive`] move the
/// state, so no caller can publish an empty course.
///
/// ```compile_fail,E0616
/// # use lms_core::domain::course::{Course, CourseStatus, Difficulty};
/// # use lms_core::domain::money::Price;
/// # use lms_core::domain::text::{Category, Description, Title};
/// # use lms_core::ids::UserId;
/// let mut course = Course::new(
///     UserId::new(),
///     Title::parse("Empty").unwrap(),
///     Description::parse("").unwrap(),
///     Category::parse("cat").unwrap(),
///     Difficulty::Beginner,
///     Price::Free,
///     chrono::Utc::now(),
/// );
/// course.status = CourseStatus::Published;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    /// Identifier.
    pub id: CourseId,
    /// The instructor who created and owns it.
    pub owner_id: UserId,
    /// Title.
    pub title: Title,
    /// Description.
    pub description: Description,
    /// Category.
    pub category: Category,
    /// Difficulty.
    pub difficulty: Difficulty,
    /// Lifecycle state.
    status: CourseStatus,
    /// Price.
    pub price: Price,
    /// Free-form metadata.
    pub metadata: Metadata,
    /// Courses a learner must complete before this course's lessons unlock.
    pub prerequisites: Vec<CourseId>,
    /// Lessons in learning order.
    pub lessons: Vec<Lesson>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First publication time.
    published_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version as stored (1 after creation).
    version: u64,
}

/// The listing view of a course: no lesson content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseSummary {
    /// Identifier.
    pub id: CourseId,
    /// Owner.
    pub owner_id: UserId,
    /// Title.
    pub title: Title,
    /// Description.
    pub description: Description,
    /// Category.
    pub category: Category,
    /// Difficulty.
    pub difficulty: Difficulty,
    /// Lifecycle state.
    pub status: CourseStatus,
    /// Price.
    pub price: Price,
    /// Number of lessons.
    pub lesson_count: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First publication time.
    pub published_at: Option<DateTime<Utc>>,
}

/// Derived search keys a store persists beside a course so that filters match the
/// same way on every backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseSearchKeys {
    /// Normalized category (`normalize_for_match`), compared for equality.
    pub category: String,
    /// Normalized title and description, searched by substring.
    pub text: String,
}

impl Course {
    /// A new draft course without lessons.
    pub fn new(
        owner_id: UserId,
        title: Title,
        description: Description,
        category: Category,
        difficulty: Difficulty,
        price: Price,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: CourseId::new(),
            owner_id,
            title,
            description,
            category,
            difficulty,
            status: CourseStatus::Draft,
            price,
            metadata: Metadata::new(),
            prerequisites: Vec::new(),
            lessons: Vec::new(),
            created_at: now,
            updated_at: now,
            published_at: None,
            version: 1,
        }
    }

    /// Lifecycle state; only [`Course::publish`] and [`Course::archive`] change it.
    pub fn status(&self) -> CourseStatus {
        self.status
    }

    /// First publication time.
    pub fn published_at(&self) -> Option<DateTime<Utc>> {
        self.published_at
    }

    /// Optimistic-concurrency version as stored (1 after creation).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Moves to the next version before a versioned write, returning the version the
    /// store must still hold for the write to succeed.
    pub(crate) fn next_version(&mut self) -> u64 {
        let expected = self.version;
        self.version += 1;
        expected
    }

    /// The listing view.
    pub fn summary(&self) -> CourseSummary {
        CourseSummary {
            id: self.id,
            owner_id: self.owner_id,
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            difficulty: self.difficulty,
            status: self.status,
            price: self.price,
            lesson_count: self.lessons.len() as u32,
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
        }
    }

    /// The keys stores index for filtering.
    pub fn search_keys(&self) -> CourseSearchKeys {
        CourseSearchKeys {
            category: normalize_for_match(self.category.as_str()),
            text: normalize_for_match(&format!("{} {}", self.title, self.description)),
        }
    }

    /// Finds a lesson and its position.
    pub fn lesson(&self, id: LessonId) -> Option<(usize, &Lesson)> {
        self.lessons.iter().enumerate().find(|(_, l)| l.id == id)
    }

    /// Lessons that count toward completion.
    pub fn required_lessons(&self) -> impl Iterator<Item = &Lesson> {
        self.lessons.iter().filter(|l| l.required)
    }

    /// Draft → published, or archived → published. Needs at least one required lesson.
    pub fn publish(&mut self, now: DateTime<Utc>) -> Result<()> {
        if self.status == CourseStatus::Published {
            return Err(Error::CourseState {
                status: self.status,
                reason: "already published",
            });
        }
        if self.required_lessons().next().is_none() {
            return Err(Error::invalid(
                "lessons",
                "required",
                "a course needs at least one required lesson to be published",
            ));
        }
        self.status = CourseStatus::Published;
        self.published_at.get_or_insert(now);
        Ok(())
    }

    /// Draft or published → archived.
    pub fn archive(&mut self) -> Result<()> {
        if self.status == CourseStatus::Archived {
            return Err(Error::CourseState {
                status: self.status,
                reason: "already archived",
            });
        }
        self.status = CourseStatus::Archived;
        Ok(())
    }

    /// Inserts a lesson at `position` (end when `None` or past the end), then validates.
    pub fn insert_lesson(&mut self, lesson: Lesson, position: Option<usize>) -> Result<usize> {
        if self.lessons.len() >= MAX_LESSONS {
            return Err(Error::invalid(
                "lessons",
                "too_many",
                format!("a course has at most {MAX_LESSONS} lessons"),
            ));
        }
        let position = position.unwrap_or(self.lessons.len()).min(self.lessons.len());
        self.lessons.insert(position, lesson);
        self.validate_structure()?;
        Ok(position)
    }

    /// Removes a lesson. Only drafts lose lessons, so no learner's progress can point to a
    /// lesson that vanished; lessons named as another lesson's prerequisite stay.
    pub fn remove_lesson(&mut self, id: LessonId) -> Result<Lesson> {
        if self.status != CourseStatus::Draft {
            return Err(Error::CourseState {
                status: self.status,
                reason: "lessons can only be removed from draft courses",
            });
        }
        let (position, _) = self
            .lesson(id)
            .ok_or_else(|| Error::not_found(crate::error::Entity::Lesson, id))?;
        let referenced = self.lessons.iter().any(|l| match &l.prerequisites {
            Prerequisites::Lessons(ids) => ids.contains(&id),
            Prerequisites::Previous => false,
        });
        if referenced {
            return Err(Error::invalid(
                "lesson_id",
                "in_use",
                "another lesson names this lesson as a prerequisite",
            ));
        }
        Ok(self.lessons.remove(position))
    }

    /// Puts lessons in the given order, which must list every lesson exactly once.
    pub fn reorder_lessons(&mut self, order: &[LessonId]) -> Result<()> {
        let current: HashSet<LessonId> = self.lessons.iter().map(|l| l.id).collect();
        let requested: HashSet<LessonId> = order.iter().copied().collect();
        if order.len() != self.lessons.len() || requested != current {
            return Err(Error::invalid(
                "lesson_ids",
                "not_a_permutation",
                "must list every lesson of the course exactly once",
            ));
        }
        let mut by_id: HashMap<LessonId, Lesson> = self.lessons.drain(..).map(|l| (l.id, l)).collect();
        self.lessons = order.iter().filter_map(|id| by_id.remove(id)).collect();
        self.validate_structure()
    }

    /// The lessons each lesson waits for, by index, after resolving `Previous`.
    pub(crate) fn prerequisite_indexes(&self) -> Vec<Vec<usize>> {
        let index: HashMap<LessonId, usize> = self.lessons.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
        let mut previous_required: Option<usize> = None;
        self.lessons
            .iter()
            .enumerate()
            .map(|(i, lesson)| {
                let deps = match &lesson.prerequisites {
                    Prerequisites::Previous => previous_required.into_iter().collect(),
                    Prerequisites::Lessons(ids) => ids.iter().filter_map(|id| index.get(id).copied()).collect(),
                };
                if lesson.required {
                    previous_required = Some(i);
                }
                deps
            })
            .collect()
    }

    /// Checks lesson prerequisites: they exist in this course, do not repeat or name
    /// the lesson itself, and form no cycle (together with the sequential rule).
    pub fn validate_structure(&self) -> Result<()> {
        let ids: HashSet<LessonId> = self.lessons.iter().map(|l| l.id).collect();
        if ids.len() != self.lessons.len() {
            return Err(Error::invalid("lessons", "duplicate", "lesson ids must be unique"));
        }
        let mut v = Validator::new();
        for (i, lesson) in self.lessons.iter().enumerate() {
            if let Prerequisites::Lessons(deps) = &lesson.prerequisites {
                let field = format!("lessons.{i}.prerequisites");
                let distinct: HashSet<&LessonId> = deps.iter().collect();
                if distinct.len() != deps.len() {
                    v.push(FieldError::new(
                        field.clone(),
                        "duplicate",
                        "a prerequisite is listed twice",
                    ));
                }
                if deps.contains(&lesson.id) {
                    v.push(FieldError::new(
                        field.clone(),
                        "self_reference",
                        "a lesson cannot require itself",
                    ));
                }
                if deps.iter().any(|d| !ids.contains(d)) {
                    v.push(FieldError::new(
                        field,
                        "unknown_lesson",
                        "prerequisites must be lessons of the same course",
                    ));
                }
            }
        }
        v.finish()?;
        if let Some(i) = find_cycle(&self.prerequisite_indexes()) {
            return Err(Error::invalid(
                format!("lessons.{i}.prerequisites"),
                "cycle",
                "lesson prerequisites form a cycle",
            ));
        }
        Ok(())
    }

    /// Checks course-level prerequisites that can be decided without other courses.
    pub fn validate_course_prerequisites(&self) -> Result<()> {
        let distinct: HashSet<&CourseId> = self.prerequisites.iter().collect();
        if self.prerequisites.len() > MAX_COURSE_PREREQUISITES {
            return Err(Error::invalid(
                "prerequisites",
                "too_many",
                format!("at most {MAX_COURSE_PREREQUISITES} prerequisites"),
            ));
        }
        if distinct.len() != self.prerequisites.len() {
            return Err(Error::invalid(
                "prerequisites",
                "duplicate",
                "a prerequisite is listed twice",
            ));
        }
        if distinct.contains(&self.id) {
            return Err(Error::invalid(
                "prerequisites",
                "self_reference",
                "a course cannot require itself",
            ));
        }
        Ok(())
    }
}

/// Returns a node on a cycle of the dependency graph, if there is one
/// (iterative depth-first search with three colours).
fn find_cycle(deps: &[Vec<usize>]) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; deps.len()];
    for root in 0..deps.len() {
        if marks[root] != Mark::New {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        marks[root] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = deps[node].get(*next) {
                *next += 1;
                match marks[dep] {
                    Mark::Active => return Some(dep),
                    Mark::New => {
                        marks[dep] = Mark::Active;
                        stack.push((dep, 0));
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lesson::LessonContent;
    use crate::domain::text::LessonBody;

    fn course(n: usize) -> Course {
        let mut c = Course::new(
            UserId::new(),
            Title::parse("Course").unwrap(),
            Description::parse("").unwrap(),
            Category::parse("cat").unwrap(),
            Difficulty::Beginner,
            Price::Free,
            Utc::now(),
        );
        for i in 0..n {
            let body = LessonContent::Text {
                body: LessonBody::parse("body").unwrap(),
            };
            c.insert_lesson(Lesson::new(Title::parse(&format!("L{i}")).unwrap(), body), None)
                .unwrap();
        }
        c
    }

    #[test]
    fn cycles_are_rejected_including_through_the_sequential_rule() {
        let mut c = course(3);
        let (first, last) = (c.lessons[0].id, c.lessons[2].id);
        // Lesson 0 requiring lesson 2 closes the loop 0 → 2 → 1 → 0.
        c.lessons[0].prerequisites = Prerequisites::Lessons(vec![last]);
        assert!(matches!(c.validate_structure(), Err(Error::Validation(_))));
        c.lessons[0].prerequisites = Prerequisites::Lessons(vec![]);
        c.lessons[2].prerequisites = Prerequisites::Lessons(vec![first]);
        assert!(c.validate_structure().is_ok());
        c.lessons[0].prerequisites = Prerequisites::Lessons(vec![c.lessons[0].id]);
        assert!(c.validate_structure().is_err());
    }

    #[test]
    fn reorder_requires_a_permutation() {
        let mut c = course(3);
        let ids: Vec<_> = c.lessons.iter().map(|l| l.id).collect();
        assert!(c.reorder_lessons(&[ids[0], ids[1]]).is_err());
        assert!(c.reorder_lessons(&[ids[0], ids[0], ids[1]]).is_err());
        c.reorder_lessons(&[ids[2], ids[0], ids[1]]).unwrap();
        assert_eq!(c.lessons[0].id, ids[2]);
    }

    #[test]
    fn lifecycle_transitions() {
        let mut c = course(0);
        assert!(c.publish(Utc::now()).is_err());
        assert_eq!((c.status(), c.published_at()), (CourseStatus::Draft, None));
        let mut c = course(1);
        c.publish(Utc::now()).unwrap();
        assert!(c.publish(Utc::now()).is_err());
        c.archive().unwrap();
        assert!(c.archive().is_err());
        c.publish(Utc::now()).unwrap();
        assert!(c.remove_lesson(c.lessons[0].id).is_err());
    }
}
