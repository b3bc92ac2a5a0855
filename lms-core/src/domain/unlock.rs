//! The unlock evaluator: for every lesson of a course, whether it is locked, unlocked or
//! completed, and when locked exactly which requirements are unmet. It is a pure function
//! of the course structure and the learner's completions, so every adapter and every
//! caller gets the same answer.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::domain::course::Course;
use crate::ids::{CourseId, LessonId};

/// Where a learner stands on one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonState {
    /// Requirements are unmet; the server refuses the content.
    Locked,
    /// Open to study.
    Unlocked,
    /// Done. Completion is never revoked by later edits of the course.
    Completed,
}

/// One requirement that keeps a lesson locked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UnmetRequirement {
    /// This lesson of the same course must be completed first.
    Lesson {
        /// The lesson to complete.
        lesson_id: LessonId,
        /// Its title, for the learner.
        title: String,
    },
    /// This course must be completed first.
    Course {
        /// The course to complete.
        course_id: CourseId,
    },
}

/// A lesson's state for one learner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonStatus {
    /// The lesson.
    pub lesson_id: LessonId,
    /// Its state.
    pub state: LessonState,
    /// Why it is locked (empty unless locked).
    pub unmet: Vec<UnmetRequirement>,
}

/// Every lesson's state plus the course-level numbers derived from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// One entry per lesson, in course order.
    pub lessons: Vec<LessonStatus>,
    /// Required lessons completed.
    pub completed_required: u32,
    /// Required lessons in the course.
    pub total_required: u32,
    /// `completed_required / total_required` in whole percent, rounded down;
    /// 100 only when every required lesson is complete.
    pub percent: u8,
    /// The first unlocked, not yet completed lesson: where to continue.
    pub next_lesson_id: Option<LessonId>,
}

impl Evaluation {
    /// The status of one lesson.
    pub fn status(&self, lesson_id: LessonId) -> Option<&LessonStatus> {
        self.lessons.iter().find(|s| s.lesson_id == lesson_id)
    }

    /// True when every required lesson is complete (and there is at least one).
    pub fn all_required_complete(&self) -> bool {
        self.total_required > 0 && self.completed_required == self.total_required
    }
}

/// Evaluates a course for a learner who has completed `completed` lessons and has not yet
/// completed the prerequisite courses in `unmet_courses`.
pub fn evaluate(course: &Course, completed: &HashSet<LessonId>, unmet_courses: &[CourseId]) -> Evaluation {
    let course_unmet: Vec<UnmetRequirement> = unmet_courses
        .iter()
        .map(|&course_id| UnmetRequirement::Course { course_id })
        .collect();
    let deps = course.prerequisite_indexes();
    let lessons: Vec<LessonStatus> = course
        .lessons
        .iter()
        .zip(&deps)
        .map(|(lesson, deps)| {
            if completed.contains(&lesson.id) {
                return LessonStatus {
                    lesson_id: lesson.id,
                    state: LessonState::Completed,
                    unmet: Vec::new(),
                };
            }
            let mut unmet = course_unmet.clone();
            unmet.extend(
                deps.iter()
                    .map(|&i| &course.lessons[i])
                    .filter(|dep| !completed.contains(&dep.id))
                    .map(|dep| UnmetRequirement::Lesson {
                        lesson_id: dep.id,
                        title: dep.title.to_string(),
                    }),
            );
            LessonStatus {
                lesson_id: lesson.id,
                state: if unmet.is_empty() {
                    LessonState::Unlocked
                } else {
                    LessonState::Locked
                },
                unmet,
            }
        })
        .collect();
    let total_required = course.required_lessons().count() as u32;
    let completed_required = course.required_lessons().filter(|l| completed.contains(&l.id)).count() as u32;
    let percent = (completed_required * 100).checked_div(total_required).unwrap_or(0) as u8;
    let next_lesson_id = lessons
        .iter()
        .find(|s| s.state == LessonState::Unlocked)
        .map(|s| s.lesson_id);
    Evaluation {
        lessons,
        completed_required,
        total_required,
        percent,
        next_lesson_id,
    }
}
