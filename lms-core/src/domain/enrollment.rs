//! Enrollments: one learner in one course, with all their progress. The enrollment is the
//! aggregate every learning event writes, so a progress update, the unlocks it causes, the
//! course completion and the certificate land in one atomic, versioned write.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::course::Course;
use crate::domain::events::EventPayload;
use crate::domain::lesson::LessonContent;
use crate::domain::quiz::{Answer, Grade};
use crate::domain::unlock::{evaluate, Evaluation, LessonState};
use crate::domain::video::{VideoProgress, WatchInterval, WatchTime};
use crate::error::{Entity, Error, Result};
use crate::ids::{CertificateId, ClassId, CourseId, EnrollmentId, EventId, LessonId, UserId};

/// Where an enrollment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    /// Learning.
    Active,
    /// Every required lesson done; the certificate is issued.
    Completed,
    /// The learner left.
    Cancelled,
    /// The purchase was refunded; access is revoked.
    Refunded,
    /// Access ran out (e.g. a subscription lapsed).
    Expired,
}

impl EnrollmentStatus {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentStatus::Active => "active",
            EnrollmentStatus::Completed => "completed",
            EnrollmentStatus::Cancelled => "cancelled",
            EnrollmentStatus::Refunded => "refunded",
            EnrollmentStatus::Expired => "expired",
        }
    }

    /// Whether the learner may study (and record progress) in this state.
    pub fn grants_access(self) -> bool {
        matches!(self, EnrollmentStatus::Active | EnrollmentStatus::Completed)
    }
}

impl fmt::Display for EnrollmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the learner got access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EnrollmentSource {
    /// Self-enrollment in a free course.
    Free,
    /// Through membership of a class.
    Class {
        /// The class.
        class_id: ClassId,
    },
    /// Granted by an admin.
    Grant {
        /// The admin who granted it.
        by: UserId,
    },
    /// Through a completed purchase.
    Purchase {
        /// The payment provider's order reference.
        order_ref: String,
    },
    /// Through an active premium subscription.
    Subscription,
}

/// A verifiable record that a learner completed a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Public verification id.
    pub id: CertificateId,
    /// The learner.
    pub user_id: UserId,
    /// The course.
    pub course_id: CourseId,
    /// The course title when the certificate was issued.
    pub course_title: String,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Set when a refund revoked the certificate.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Quiz attempts on one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizProgress {
    /// Attempts submitted.
    pub attempts: u32,
    /// Best score so far, in percent.
    pub best_score_percent: u8,
    /// The latest attempt's grade.
    pub last_grade: Option<Grade>,
}

/// A learner's progress on one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// When the lesson was completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Watch tracking (video lessons).
    pub video: Option<VideoProgress>,
    /// Attempts (quiz lessons).
    pub quiz: Option<QuizProgress>,
}

/// A learning event on one lesson.
#[derive(Debug, Clone, PartialEq)]
pub enum LearningEvent {
    /// The player reports watched spans.
    VideoWatched(Vec<WatchInterval>),
    /// The learner finished reading a text lesson.
    TextCompleted,
    /// The learner submits quiz answers.
    QuizSubmitted(Vec<Answer>),
    /// Every card of a flashcard lesson's deck has had a passing review by the learner.
    DeckPassed,
}

/// What applying a learning event did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// False when the event id had been applied before (nothing changed).
    pub changed: bool,
    /// The lesson became complete with this event.
    pub lesson_completed: bool,
    /// The course became complete with this event.
    pub course_completed: bool,
    /// The grade, for quiz submissions that were applied.
    pub grade: Option<Grade>,
    /// Domain events to record with the write.
    pub events: Vec<EventPayload>,
    /// Playback a video heartbeat added (zero for other events).
    pub watched: WatchTime,
}

/// Days of study time an enrollment keeps: a year and a few weeks, enough for any report
/// period ([`crate::analytics::MAX_PERIOD_DAYS`]) and the weeks it starts and ends in.
pub const STUDY_DAYS_KEPT: usize = 380;

/// How many recent client event ids an enrollment remembers for idempotency.
pub const REMEMBERED_EVENT_IDS: usize = 64;

/// One learner's enrollment in one course.
///
/// Its fields are private: the status, the progress and the certificate change only through
/// the domain methods ([`Enrollment::apply`], [`Enrollment::cancel`], [`Enrollment::refund`],
/// …), so no caller can reach a state the state machine forbids. They are read through
/// accessors and stored through serde, in the same form as when they were public.
///
/// ```
/// # use lms_core::domain::enrollment::{Enrollment, EnrollmentSource, EnrollmentStatus};
/// # use lms_core::ids::{CourseId, UserId};
/// let now = chrono::Utc::now();
/// let mut enrollment = Enrollment::new(UserId::new(), CourseId::new(), EnrollmentSource::Free, now);
/// enrollment.cancel(now).unwrap();
/// assert_eq!(enrollment.status(), EnrollmentStatus::Cancelled);
/// ```
///
/// Setting a state directly does not compile:
///
/// ```compile_fail,E0616
/// # use lms_core::domain::enrollment::{Enrollment, EnrollmentSource, EnrollmentStatus};
/// # use lms_core::ids::{CourseId, UserId};
/// let now = chrono::Utc::now();
/// let mut enrollment = Enrollment::new(UserId::new(), CourseId::new(), EnrollmentSource::Free, now);
/// enrollment.status = EnrollmentStatus::Completed;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// Identifier.
    id: EnrollmentId,
    /// The learner.
    user_id: UserId,
    /// The course.
    course_id: CourseId,
    /// State.
    status: EnrollmentStatus,
    /// How access was obtained.
    source: EnrollmentSource,
    /// Enrollment time.
    enrolled_at: DateTime<Utc>,
    /// Last change.
    updated_at: DateTime<Utc>,
    /// Course completion time.
    completed_at: Option<DateTime<Utc>>,
    /// Progress per lesson (only lessons the learner touched).
    lessons: BTreeMap<LessonId, LessonProgress>,
    /// The lesson the learner worked on last (to resume).
    last_lesson_id: Option<LessonId>,
    /// Issued on completion.
    certificate: Option<Certificate>,
    /// Recently applied client event ids (newest last), for idempotent re-sends.
    recent_event_ids: VecDeque<EventId>,
    /// Video playback per day (UTC) over the last [`STUDY_DAYS_KEPT`] days with any: the
    /// learner's study time, stored with the heartbeats that report it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    study: BTreeMap<NaiveDate, WatchTime>,
    /// Optimistic-concurrency version as stored (1 after creation).
    version: u64,
}

impl Enrollment {
    /// A new active enrollment.
    pub fn new(user_id: UserId, course_id: CourseId, source: EnrollmentSource, now: DateTime<Utc>) -> Self {
        Self {
            id: EnrollmentId::new(),
            user_id,
            course_id,
            status: EnrollmentStatus::Active,
            source,
            enrolled_at: now,
            updated_at: now,
            completed_at: None,
            lessons: BTreeMap::new(),
            last_lesson_id: None,
            certificate: None,
            recent_event_ids: VecDeque::new(),
            study: BTreeMap::new(),
            version: 1,
        }
    }

    /// Identifier.
    pub fn id(&self) -> EnrollmentId {
        self.id
    }

    /// The learner.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The course.
    pub fn course_id(&self) -> CourseId {
        self.course_id
    }

    /// Where the enrollment stands; only the transition methods change it.
    pub fn status(&self) -> EnrollmentStatus {
        self.status
    }

    /// How access was obtained (the latest way, after a reactivation).
    pub fn source(&self) -> &EnrollmentSource {
        &self.source
    }

    /// Enrollment time.
    pub fn enrolled_at(&self) -> DateTime<Utc> {
        self.enrolled_at
    }

    /// Last change.
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// Course completion time.
    pub fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.completed_at
    }

    /// Progress per lesson (only lessons the learner touched).
    pub fn lessons(&self) -> &BTreeMap<LessonId, LessonProgress> {
        &self.lessons
    }

    /// Progress on one lesson, if the learner touched it.
    pub fn lesson(&self, lesson_id: LessonId) -> Option<&LessonProgress> {
        self.lessons.get(&lesson_id)
    }

    /// The lesson the learner worked on last (to resume).
    pub fn last_lesson_id(&self) -> Option<LessonId> {
        self.last_lesson_id
    }

    /// The certificate issued on completion (kept, revoked, after a refund).
    pub fn certificate(&self) -> Option<&Certificate> {
        self.certificate.as_ref()
    }

    /// Recently applied client event ids (newest last), for idempotent re-sends.
    pub fn recent_event_ids(&self) -> &VecDeque<EventId> {
        &self.recent_event_ids
    }

    /// Video playback per day (UTC), the last [`STUDY_DAYS_KEPT`] days with any.
    pub fn study(&self) -> &BTreeMap<NaiveDate, WatchTime> {
        &self.study
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

    /// Lessons completed.
    pub fn completed_lessons(&self) -> HashSet<LessonId> {
        self.lessons
            .iter()
            .filter(|(_, p)| p.completed_at.is_some())
            .map(|(&id, _)| id)
            .collect()
    }

    /// Evaluates the course for this learner.
    pub fn evaluate(&self, course: &Course, unmet_courses: &[CourseId]) -> Evaluation {
        evaluate(course, &self.completed_lessons(), unmet_courses)
    }

    fn transition(
        &mut self,
        action: &'static str,
        allowed: &[EnrollmentStatus],
        to: EnrollmentStatus,
        now: DateTime<Utc>,
    ) -> Result<EventPayload> {
        if !allowed.contains(&self.status) {
            return Err(Error::InvalidTransition {
                from: self.status,
                action,
            });
        }
        let from = self.status;
        self.status = to;
        self.updated_at = now;
        Ok(EventPayload::EnrollmentStatusChanged {
            enrollment_id: self.id,
            user_id: self.user_id,
            course_id: self.course_id,
            from,
            to,
        })
    }

    /// Active → cancelled.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<EventPayload> {
        self.transition("cancel", &[EnrollmentStatus::Active], EnrollmentStatus::Cancelled, now)
    }

    /// Active → expired.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<EventPayload> {
        self.transition("expire", &[EnrollmentStatus::Active], EnrollmentStatus::Expired, now)
    }

    /// Active or completed → refunded; a certificate is revoked.
    pub fn refund(&mut self, now: DateTime<Utc>) -> Result<EventPayload> {
        let event = self.transition(
            "refund",
            &[EnrollmentStatus::Active, EnrollmentStatus::Completed],
            EnrollmentStatus::Refunded,
            now,
        )?;
        if let Some(certificate) = &mut self.certificate {
            certificate.revoked_at.get_or_insert(now);
        }
        Ok(event)
    }

    /// Cancelled, expired or refunded → active again, keeping earlier progress.
    pub fn reactivate(&mut self, source: EnrollmentSource, now: DateTime<Utc>) -> Result<EventPayload> {
        let event = self.transition(
            "reactivate",
            &[
                EnrollmentStatus::Cancelled,
                EnrollmentStatus::Expired,
                EnrollmentStatus::Refunded,
            ],
            EnrollmentStatus::Active,
            now,
        )?;
        self.source = source;
        Ok(event)
    }

    /// Applies a learning event to `lesson_id` of `course`.
    ///
    /// Refuses locked lessons (`LessonLocked`, with the unmet requirements), events of the
    /// wrong kind, and enrollments without access. A repeated `event_id` changes nothing.
    /// Completing the last required lesson completes the enrollment and issues the
    /// certificate in the same change.
    pub fn apply(
        &mut self,
        course: &Course,
        lesson_id: LessonId,
        event: &LearningEvent,
        event_id: Option<EventId>,
        unmet_courses: &[CourseId],
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        if !self.status.grants_access() {
            return Err(Error::InvalidTransition {
                from: self.status,
                action: "record progress on",
            });
        }
        let mut applied = Applied {
            changed: false,
            lesson_completed: false,
            course_completed: false,
            grade: None,
            events: Vec::new(),
            watched: WatchTime::default(),
        };
        if event_id.is_some_and(|id| self.recent_event_ids.contains(&id)) {
            return Ok(applied);
        }
        let (_, lesson) = course
            .lesson(lesson_id)
            .ok_or_else(|| Error::not_found(Entity::Lesson, lesson_id))?;
        let evaluation = self.evaluate(course, unmet_courses);
        let status = evaluation
            .status(lesson_id)
            .ok_or_else(|| Error::not_found(Entity::Lesson, lesson_id))?;
        if status.state == LessonState::Locked {
            return Err(Error::LessonLocked {
                lesson_id,
                unmet: status.unmet.clone(),
            });
        }
        let was_complete = status.state == LessonState::Completed;
        let progress = self.lessons.get(&lesson_id).cloned().unwrap_or_default();
        let (progress, lesson_done) = record(progress, &lesson.content, event, &mut applied)?;
        self.lessons.insert(lesson_id, progress);
        applied.changed = true;
        self.count_study(now.date_naive(), applied.watched);

        if lesson_done && !was_complete {
            self.lessons.entry(lesson_id).or_default().completed_at = Some(now);
            applied.lesson_completed = true;
            applied.events.push(EventPayload::LessonCompleted {
                enrollment_id: self.id,
                user_id: self.user_id,
                course_id: self.course_id,
                lesson_id,
            });
            if self.status == EnrollmentStatus::Active && self.evaluate(course, unmet_courses).all_required_complete() {
                applied.events.extend(self.complete_course(course, now));
                applied.course_completed = true;
            }
        }
        if let Some(grade) = &applied.grade {
            applied.events.push(EventPayload::QuizGraded {
                enrollment_id: self.id,
                user_id: self.user_id,
                course_id: self.course_id,
                lesson_id,
                score_percent: grade.score_percent,
                passed: grade.passed,
                results: grade.results.clone(),
            });
        }
        self.last_lesson_id = Some(lesson_id);
        self.updated_at = now;
        if let Some(id) = event_id {
            if self.recent_event_ids.len() == REMEMBERED_EVENT_IDS {
                self.recent_event_ids.pop_front();
            }
            self.recent_event_ids.push_back(id);
        }
        Ok(applied)
    }

    /// Adds playback to a day's study time, forgetting the oldest day beyond
    /// [`STUDY_DAYS_KEPT`], so the enrollment stays small however long it lasts.
    fn count_study(&mut self, day: NaiveDate, watched: WatchTime) {
        if watched.is_zero() {
            return;
        }
        self.study.entry(day).or_default().add(watched);
        while self.study.len() > STUDY_DAYS_KEPT {
            self.study.pop_first();
        }
    }

    fn complete_course(&mut self, course: &Course, now: DateTime<Utc>) -> [EventPayload; 2] {
        self.status = EnrollmentStatus::Completed;
        self.completed_at = Some(now);
        let certificate = Certificate {
            id: CertificateId::new(),
            user_id: self.user_id,
            course_id: self.course_id,
            course_title: course.title.to_string(),
            issued_at: now,
            revoked_at: None,
        };
        let certificate_id = certificate.id;
        self.certificate = Some(certificate);
        [
            EventPayload::EnrollmentCompleted {
                enrollment_id: self.id,
                user_id: self.user_id,
                course_id: self.course_id,
            },
            EventPayload::CertificateIssued {
                certificate_id,
                enrollment_id: self.id,
                user_id: self.user_id,
                course_id: self.course_id,
            },
        ]
    }
}

/// Records one event on one lesson's progress; returns the new progress and whether the
/// lesson's completion rule is now met.
fn record(
    mut progress: LessonProgress,
    content: &LessonContent,
    event: &LearningEvent,
    applied: &mut Applied,
) -> Result<(LessonProgress, bool)> {
    let wrong_kind = |expected: &str| {
        Error::invalid(
            "lesson_id",
            "wrong_lesson_kind",
            format!("this lesson is not a {expected} lesson"),
        )
    };
    match (content, event) {
        (LessonContent::Video(video), LearningEvent::VideoWatched(intervals)) => {
            let watch = progress.video.get_or_insert_with(VideoProgress::default);
            applied.watched = watch.record(video, intervals)?;
            let done = video.is_complete(watch.watched.covered_ms());
            Ok((progress, done))
        }
        (LessonContent::Text { .. }, LearningEvent::TextCompleted) => Ok((progress, true)),
        (LessonContent::Flashcards { .. }, LearningEvent::DeckPassed) => Ok((progress, true)),
        (LessonContent::Quiz(quiz), LearningEvent::QuizSubmitted(answers)) => {
            let attempts = progress.quiz.get_or_insert_with(QuizProgress::default);
            if let Some(limit) = quiz.max_attempts {
                if attempts.attempts >= limit {
                    return Err(Error::AttemptsExhausted { limit });
                }
            }
            let grade = quiz.grade(answers)?;
            attempts.attempts += 1;
            attempts.best_score_percent = attempts.best_score_percent.max(grade.score_percent);
            attempts.last_grade = Some(grade.clone());
            let passed = grade.passed;
            applied.grade = Some(grade);
            Ok((progress, passed))
        }
        (_, LearningEvent::VideoWatched(_)) => Err(wrong_kind("video")),
        (_, LearningEvent::TextCompleted) => Err(wrong_kind("text")),
        (_, LearningEvent::QuizSubmitted(_)) => Err(wrong_kind("quiz")),
        (_, LearningEvent::DeckPassed) => Err(wrong_kind("flashcards")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::course::Difficulty;
    use crate::domain::lesson::Lesson;
    use crate::domain::money::Price;
    use crate::domain::text::{Category, Description, LessonBody, Title};

    fn course() -> Course {
        let mut course = Course::new(
            UserId::new(),
            Title::parse("Course").unwrap(),
            Description::parse("").unwrap(),
            Category::parse("cat").unwrap(),
            Difficulty::Beginner,
            Price::Free,
            Utc::now(),
        );
        let body = LessonBody::parse("body").unwrap();
        let lesson = Lesson::new(Title::parse("Read").unwrap(), LessonContent::Text { body });
        course.insert_lesson(lesson, None).unwrap();
        course
    }

    fn enrollment(course: &Course) -> Enrollment {
        Enrollment::new(UserId::new(), course.id, EnrollmentSource::Free, Utc::now())
    }

    fn completed(course: &Course) -> Enrollment {
        let mut enrollment = enrollment(course);
        let lesson = course.lessons[0].id;
        let applied = enrollment
            .apply(course, lesson, &LearningEvent::TextCompleted, None, &[], Utc::now())
            .unwrap();
        assert!(applied.course_completed);
        enrollment
    }

    /// A transition method, as the test calls it.
    type Transition = fn(&mut Enrollment, DateTime<Utc>) -> Result<EventPayload>;

    /// Every way out of `state` except the `allowed` ones is refused and changes nothing.
    fn only_allowed(state: &Enrollment, allowed: &[&str]) {
        let now = Utc::now();
        let attempts: [(&str, Transition); 4] = [
            ("cancel", Enrollment::cancel),
            ("expire", Enrollment::expire),
            ("refund", Enrollment::refund),
            ("reactivate", |e, now| e.reactivate(EnrollmentSource::Subscription, now)),
        ];
        for (action, attempt) in attempts {
            let mut changed = state.clone();
            let outcome = attempt(&mut changed, now);
            if allowed.contains(&action) {
                assert!(outcome.is_ok(), "{action} from {}: {outcome:?}", state.status());
            } else {
                assert!(
                    matches!(outcome, Err(Error::InvalidTransition { from, action: a }) if from == state.status() && a == action),
                    "{action} from {} must be refused: {outcome:?}",
                    state.status()
                );
                assert_eq!(&changed, state, "a refused {action} changed the enrollment");
            }
        }
    }

    #[test]
    fn forbidden_transitions_are_refused_and_change_nothing() {
        let course = course();
        let now = Utc::now();
        let active = enrollment(&course);
        only_allowed(&active, &["cancel", "expire", "refund"]);
        let completed = completed(&course);
        assert_eq!(completed.status(), EnrollmentStatus::Completed);
        only_allowed(&completed, &["refund"]);
        for leave in [Enrollment::cancel, Enrollment::expire, Enrollment::refund] {
            let mut left = enrollment(&course);
            leave(&mut left, now).unwrap();
            only_allowed(&left, &["reactivate"]);
        }
        let mut refunded = completed.clone();
        refunded.refund(now).unwrap();
        only_allowed(&refunded, &["reactivate"]);
    }

    #[test]
    fn reactivation_after_a_refund_keeps_the_certificate_revoked() {
        let course = course();
        let now = Utc::now();
        let mut refunded = completed(&course);
        let certificate = refunded.certificate().unwrap().id;
        refunded.refund(now).unwrap();
        assert_eq!(refunded.certificate().unwrap().revoked_at, Some(now));
        // Reactivation gives access back, not a valid certificate.
        refunded.reactivate(EnrollmentSource::Free, now).unwrap();
        assert_eq!(refunded.status(), EnrollmentStatus::Active);
        let kept = refunded.certificate().unwrap();
        assert_eq!((kept.id, kept.revoked_at), (certificate, Some(now)));
    }

    #[test]
    fn progress_is_refused_without_access() {
        let course = course();
        let mut cancelled = enrollment(&course);
        cancelled.cancel(Utc::now()).unwrap();
        let before = cancelled.clone();
        let lesson = course.lessons[0].id;
        let outcome = cancelled.apply(&course, lesson, &LearningEvent::TextCompleted, None, &[], Utc::now());
        assert!(matches!(
            outcome,
            Err(Error::InvalidTransition {
                from: EnrollmentStatus::Cancelled,
                ..
            })
        ));
        assert_eq!(cancelled, before);
    }

    #[test]
    fn next_version_returns_the_version_the_store_must_hold() {
        let mut enrollment = enrollment(&course());
        assert_eq!(enrollment.next_version(), 1);
        assert_eq!(enrollment.version(), 2);
    }
}
