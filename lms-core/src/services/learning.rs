use std::sync::Arc;

use tracing::instrument;

use super::catalog::{course_by_lesson, load_course};
use super::{retry_on_conflict, Actor, Deps};
use crate::domain::course::{Course, CourseStatus};
use crate::domain::enrollment::{
    Certificate, Enrollment, EnrollmentSource, EnrollmentStatus, LearningEvent, LessonProgress,
};
use crate::domain::events::EventPayload;
use crate::domain::lesson::{LessonContent, LessonKind};
use crate::domain::quiz::{Answer, Grade, QuizView};
use crate::domain::unlock::{Evaluation, LessonState};
use crate::domain::video::WatchInterval;
use crate::error::{Entity, Error, Result};
use crate::ids::{CertificateId, CourseId, DeckId, EventId, LessonId, UserId};
use crate::payments::{Order, OrderStatus};
use crate::ports::{Page, PageRequest, StoreError, UniqueKey};

/// A learner's course outline: the course, the enrollment and every lesson's state.
#[derive(Debug, Clone)]
pub struct CourseProgress {
    /// The course, shared with the course cache.
    pub course: Arc<Course>,
    /// The learner's enrollment.
    pub enrollment: Enrollment,
    /// Lesson states, percent, next lesson.
    pub evaluation: Evaluation,
}

/// What a lesson shows a learner. Quizzes come without answers.
#[derive(Debug, Clone, PartialEq)]
pub enum LessonViewContent {
    /// A video to embed.
    Video {
        /// YouTube id.
        youtube_id: String,
        /// Embed URL with the required player parameters.
        embed_url: String,
        /// Length in seconds.
        duration_seconds: u32,
        /// Completion threshold in percent.
        completion_threshold_percent: u8,
        /// Where to resume, in seconds.
        resume_position_seconds: f64,
        /// Distinct seconds watched so far.
        watched_seconds: f64,
    },
    /// An article.
    Text {
        /// The text.
        body: String,
    },
    /// A quiz to answer.
    Quiz {
        /// Questions without answers.
        quiz: QuizView,
        /// Attempts already used.
        attempts_used: u32,
    },
    /// A deck to study (through the flashcard API).
    Flashcards {
        /// The deck.
        deck_id: DeckId,
    },
}

/// A lesson opened by a learner (or previewed by its course's manager).
#[derive(Debug, Clone, PartialEq)]
pub struct LessonView {
    /// The course.
    pub course_id: CourseId,
    /// The lesson.
    pub lesson_id: LessonId,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: LessonKind,
    /// Zero-based position in the course.
    pub position: u32,
    /// The viewer's state on it (`Unlocked` for previews).
    pub state: LessonState,
    /// The content.
    pub content: LessonViewContent,
    /// The viewer's progress on it.
    pub progress: Option<LessonProgress>,
}

/// The result of a learning event.
#[derive(Debug, Clone)]
pub struct ProgressUpdate {
    /// The enrollment after the event.
    pub enrollment: Enrollment,
    /// Lesson states after the event.
    pub evaluation: Evaluation,
    /// The lesson became complete with this event.
    pub lesson_completed: bool,
    /// The course became complete with this event.
    pub course_completed: bool,
    /// The grade of a quiz submission (absent for re-sent events).
    pub grade: Option<Grade>,
    /// The event id had been applied before; nothing changed.
    pub duplicate: bool,
}

/// The answer to an enrollment request: a new enrollment, or the one the learner already
/// had (returned unchanged, or reactivated after a cancellation).
#[derive(Debug, Clone)]
pub enum Enrolled {
    /// A new enrollment was created.
    Created(Enrollment),
    /// The learner's existing enrollment.
    Existing(Enrollment),
}

impl Enrolled {
    /// The enrollment, new or existing.
    pub fn into_enrollment(self) -> Enrollment {
        match self {
            Self::Created(enrollment) | Self::Existing(enrollment) => enrollment,
        }
    }
}

/// Enrollment, progress, quizzes and certificates.
#[derive(Debug, Clone)]
pub struct LearningService {
    deps: Deps,
}

impl LearningService {
    pub(crate) fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Enrolls the actor in a published course. Free courses enroll directly; paid
    /// courses need a premium subscription (purchases come through payments). Enrolling
    /// again returns the existing enrollment; a cancelled or expired one is reactivated.
    pub async fn enroll(&self, actor: &Actor, course_id: CourseId) -> Result<Enrollment> {
        Ok(self.request_enrollment(actor, course_id).await?.into_enrollment())
    }

    /// [`enroll`](Self::enroll), telling a new enrollment from the learner's existing one,
    /// so that repeating the request is answered (and counted) as what it is.
    #[instrument(skip_all, fields(course_id = %course_id))]
    pub async fn request_enrollment(&self, actor: &Actor, course_id: CourseId) -> Result<Enrolled> {
        let course = load_course(&self.deps, course_id).await?;
        self.enroll_in(actor.user_id, &course, None).await
    }

    /// Enrolls a learner on an admin's authority, regardless of price.
    #[instrument(skip_all, fields(course_id = %course_id, user_id = %user_id))]
    pub async fn grant_enrollment(&self, actor: &Actor, user_id: UserId, course_id: CourseId) -> Result<Enrollment> {
        actor.require_admin()?;
        let course = load_course(&self.deps, course_id).await?;
        self.enroll_in(user_id, &course, Some(EnrollmentSource::Grant { by: actor.user_id }))
            .await
            .map(Enrolled::into_enrollment)
    }

    /// Enrolls `user_id` in `course`; `source` overrides the price rules when given.
    /// An enrollment that already grants access is returned unchanged.
    pub(crate) async fn enroll_in(
        &self,
        user_id: UserId,
        course: &Course,
        source: Option<EnrollmentSource>,
    ) -> Result<Enrolled> {
        if course.status() != CourseStatus::Published {
            return Err(Error::CourseState {
                status: course.status(),
                reason: "only published courses accept enrollments",
            });
        }
        if let Some(existing) = self.find(user_id, course.id).await? {
            if existing.status().grants_access() {
                return Ok(Enrolled::Existing(existing));
            }
        }
        let source = match source {
            Some(source) => source,
            None => self.price_rule_source(user_id, course).await?,
        };
        retry_on_conflict(|| async {
            let now = self.deps.clock.now();
            if let Some(mut existing) = self.find(user_id, course.id).await? {
                if existing.status().grants_access() {
                    return Ok(Enrolled::Existing(existing));
                }
                let event = existing.reactivate(source.clone(), now)?;
                self.save(&mut existing, vec![event]).await?;
                return Ok(Enrolled::Existing(existing));
            }
            let enrollment = Enrollment::new(user_id, course.id, source.clone(), now);
            let events = self.deps.events([EventPayload::Enrolled {
                enrollment_id: enrollment.id(),
                user_id,
                course_id: course.id,
                source: source.clone(),
            }]);
            match self
                .deps
                .stores
                .enrollments
                .insert_enrollment(&enrollment, &events)
                .await
            {
                Ok(()) => Ok(Enrolled::Created(enrollment)),
                // Lost a race with a concurrent enrollment: retry, which finds it.
                Err(StoreError::Duplicate(UniqueKey::UserCourse)) => Err(Error::Conflict {
                    entity: Entity::Enrollment,
                    id: enrollment.id().to_string(),
                }),
                Err(e) => Err(e.about(Entity::Enrollment, enrollment.id())),
            }
        })
        .await
    }

    /// How a learner may enroll by the course's price: free courses directly, paid ones
    /// through a premium subscription; otherwise `PaymentRequired`.
    async fn price_rule_source(&self, user_id: UserId, course: &Course) -> Result<EnrollmentSource> {
        if course.price.is_free() {
            return Ok(EnrollmentSource::Free);
        }
        let user = self
            .deps
            .stores
            .users
            .get_user(user_id)
            .await
            .map_err(|e| e.about(Entity::User, user_id))?
            .ok_or_else(|| Error::not_found(Entity::User, user_id))?;
        if user.premium {
            Ok(EnrollmentSource::Subscription)
        } else {
            Err(Error::PaymentRequired)
        }
    }

    /// Whether the learner has an enrollment in the course that grants access.
    pub(crate) async fn has_access(&self, user_id: UserId, course_id: CourseId) -> Result<bool> {
        Ok(self
            .find(user_id, course_id)
            .await?
            .is_some_and(|e| e.status().grants_access()))
    }

    /// Brings the buyer's enrollments in line with an order, in each course it gives
    /// access to: an order that was ever paid gives an enrollment from the purchase; a
    /// fully refunded one leaves it refunded. Idempotent, and right whatever order the
    /// order's events are handled in, so a purchase refunded before its payment was
    /// processed still ends with exactly one, refunded, enrollment. Access from elsewhere
    /// (a grant, a free course, another order) is never revoked by this order's refund.
    pub(crate) async fn reconcile_purchase(&self, order: &Order) -> Result<()> {
        if order.paid_at.is_none() {
            return Ok(());
        }
        let source = EnrollmentSource::Purchase {
            order_ref: order.id.to_string(),
        };
        for course_id in order.courses() {
            self.reconcile_purchased_course(order, course_id, &source).await?;
        }
        Ok(())
    }

    async fn reconcile_purchased_course(
        &self,
        order: &Order,
        course_id: CourseId,
        source: &EnrollmentSource,
    ) -> Result<()> {
        let course = load_course(&self.deps, course_id).await?;
        if order.status != OrderStatus::Refunded {
            self.enroll_in(order.buyer_id, &course, Some(source.clone())).await?;
            return Ok(());
        }
        if self.find(order.buyer_id, course_id).await?.is_none() {
            self.enroll_in(order.buyer_id, &course, Some(source.clone())).await?;
        }
        retry_on_conflict(|| async {
            let Some(mut enrollment) = self.find(order.buyer_id, course_id).await? else {
                return Ok(());
            };
            if enrollment.source() != source || !enrollment.status().grants_access() {
                return Ok(());
            }
            let event = enrollment.refund(self.deps.clock.now())?;
            self.save(&mut enrollment, vec![event]).await
        })
        .await
    }

    /// Expires the learner's active enrollments that a premium subscription gave, when
    /// premium ends (C4). Completed ones keep their certificate.
    pub(crate) async fn expire_premium_enrollments(&self, user_id: UserId) -> Result<()> {
        let mut page = PageRequest::first();
        loop {
            let found = self
                .deps
                .stores
                .enrollments
                .list_enrollments_for_user(user_id, page)
                .await
                .map_err(|e| e.about(Entity::Enrollment, user_id))?;
            for enrollment in &found.items {
                if enrollment.source() == &EnrollmentSource::Subscription
                    && enrollment.status() == EnrollmentStatus::Active
                {
                    self.expire(user_id, enrollment.course_id()).await?;
                }
            }
            match found.next_after {
                Some(after) => page.after = Some(after),
                None => return Ok(()),
            }
        }
    }

    async fn expire(&self, user_id: UserId, course_id: CourseId) -> Result<()> {
        retry_on_conflict(|| async {
            let Some(mut enrollment) = self.find(user_id, course_id).await? else {
                return Ok(());
            };
            if enrollment.source() != &EnrollmentSource::Subscription || enrollment.status() != EnrollmentStatus::Active
            {
                return Ok(());
            }
            let event = enrollment.expire(self.deps.clock.now())?;
            self.save(&mut enrollment, vec![event]).await
        })
        .await
    }

    /// Leaves a course (active → cancelled). Progress is kept for a later return.
    #[instrument(skip_all, fields(course_id = %course_id))]
    pub async fn cancel_enrollment(&self, actor: &Actor, course_id: CourseId) -> Result<Enrollment> {
        retry_on_conflict(|| async {
            let mut enrollment = self.find(actor.user_id, course_id).await?.ok_or(Error::NotEnrolled)?;
            let event = enrollment.cancel(self.deps.clock.now())?;
            self.save(&mut enrollment, vec![event]).await?;
            Ok(enrollment)
        })
        .await
    }

    /// The outline of a course for a learner: every lesson's state, why locked, percent,
    /// next lesson. Learners see their own; the course's manager and admins anyone's.
    pub async fn progress(
        &self,
        actor: &Actor,
        course_id: CourseId,
        learner: Option<UserId>,
    ) -> Result<CourseProgress> {
        let course = load_course(&self.deps, course_id).await?;
        let learner = learner.unwrap_or(actor.user_id);
        if learner != actor.user_id && !actor.manages(&course) {
            return Err(Error::Forbidden("this belongs to another user".into()));
        }
        let enrollment = self.find(learner, course_id).await?.ok_or(Error::NotEnrolled)?;
        let unmet = self.unmet_courses(learner, &course).await?;
        let evaluation = enrollment.evaluate(&course, &unmet);
        Ok(CourseProgress {
            course,
            enrollment,
            evaluation,
        })
    }

    /// Opens a lesson. Learners need access and an unlocked (or completed) lesson, else
    /// `LessonLocked` with the unmet requirements; course managers may preview any lesson.
    pub async fn open_lesson(&self, actor: &Actor, lesson_id: LessonId) -> Result<LessonView> {
        let course = course_by_lesson(&self.deps, lesson_id).await?;
        let (position, lesson) = course
            .lesson(lesson_id)
            .ok_or_else(|| Error::not_found(Entity::Lesson, lesson_id))?;
        let enrollment = self.find(actor.user_id, course.id).await?;
        let access = enrollment.as_ref().filter(|e| e.status().grants_access());
        let (state, progress) = match access {
            Some(enrollment) => {
                let unmet = self.unmet_courses(actor.user_id, &course).await?;
                let evaluation = enrollment.evaluate(&course, &unmet);
                let status = evaluation
                    .status(lesson_id)
                    .ok_or_else(|| Error::not_found(Entity::Lesson, lesson_id))?;
                if status.state == LessonState::Locked && !actor.manages(&course) {
                    return Err(Error::LessonLocked {
                        lesson_id,
                        unmet: status.unmet.clone(),
                    });
                }
                (status.state, enrollment.lessons().get(&lesson_id).cloned())
            }
            None if actor.manages(&course) => (LessonState::Unlocked, None),
            None if course.status() == CourseStatus::Draft => return Err(Error::not_found(Entity::Lesson, lesson_id)),
            None => return Err(Error::NotEnrolled),
        };
        let seconds = |ms: u64| ms as f64 / 1000.0;
        let content = match &lesson.content {
            LessonContent::Video(video) => {
                let watch = progress.as_ref().and_then(|p| p.video.as_ref());
                LessonViewContent::Video {
                    youtube_id: video.youtube_id.as_str().to_owned(),
                    embed_url: video.embed_url(),
                    duration_seconds: video.duration_seconds,
                    completion_threshold_percent: video.completion_threshold_percent,
                    resume_position_seconds: seconds(watch.map_or(0, |w| w.resume_position_ms)),
                    watched_seconds: seconds(watch.map_or(0, |w| w.watched.covered_ms())),
                }
            }
            LessonContent::Text { body } => LessonViewContent::Text { body: body.to_string() },
            LessonContent::Quiz(quiz) => LessonViewContent::Quiz {
                quiz: quiz.learner_view(),
                attempts_used: progress
                    .as_ref()
                    .and_then(|p| p.quiz.as_ref())
                    .map_or(0, |q| q.attempts),
            },
            LessonContent::Flashcards { deck_id } => LessonViewContent::Flashcards { deck_id: *deck_id },
        };
        Ok(LessonView {
            course_id: course.id,
            lesson_id,
            title: lesson.title.to_string(),
            kind: lesson.kind(),
            position: position as u32,
            state,
            content,
            progress,
        })
    }

    /// Records watched spans of a video lesson; completes it once enough distinct
    /// seconds are covered.
    #[instrument(skip_all, fields(lesson_id = %lesson_id))]
    pub async fn record_video_progress(
        &self,
        actor: &Actor,
        lesson_id: LessonId,
        intervals: Vec<WatchInterval>,
        event_id: Option<EventId>,
    ) -> Result<ProgressUpdate> {
        self.record(actor, lesson_id, LearningEvent::VideoWatched(intervals), event_id)
            .await
    }

    /// Marks a text lesson as read.
    #[instrument(skip_all, fields(lesson_id = %lesson_id))]
    pub async fn complete_lesson(
        &self,
        actor: &Actor,
        lesson_id: LessonId,
        event_id: Option<EventId>,
    ) -> Result<ProgressUpdate> {
        self.record(actor, lesson_id, LearningEvent::TextCompleted, event_id)
            .await
    }

    /// Grades a quiz attempt on the server; a passing attempt completes the lesson.
    #[instrument(skip_all, fields(lesson_id = %lesson_id))]
    pub async fn submit_quiz(
        &self,
        actor: &Actor,
        lesson_id: LessonId,
        answers: Vec<Answer>,
        event_id: Option<EventId>,
    ) -> Result<ProgressUpdate> {
        self.record(actor, lesson_id, LearningEvent::QuizSubmitted(answers), event_id)
            .await
    }

    /// Completes the learner's flashcard lessons of `deck_id` in `course_id`, once every
    /// card of the deck has had a passing review (the flashcard service decides that).
    /// Idempotent: a completed lesson stays as it is. A lesson the learner cannot complete
    /// now (still locked, enrollment ended) is left for a later review; only a storage
    /// failure is an error.
    pub(crate) async fn complete_deck_lessons(
        &self,
        actor: &Actor,
        course_id: CourseId,
        deck_id: DeckId,
    ) -> Result<Vec<ProgressUpdate>> {
        let course = load_course(&self.deps, course_id).await?;
        let lessons = course
            .lessons
            .iter()
            .filter(|l| matches!(l.content, LessonContent::Flashcards { deck_id: d } if d == deck_id));
        let mut updates = Vec::new();
        for lesson in lessons {
            match self.record(actor, lesson.id, LearningEvent::DeckPassed, None).await {
                Ok(update) => updates.push(update),
                Err(e @ (Error::Unavailable(_) | Error::Internal(_) | Error::Conflict { .. })) => return Err(e),
                Err(_) => {}
            }
        }
        Ok(updates)
    }

    async fn record(
        &self,
        actor: &Actor,
        lesson_id: LessonId,
        event: LearningEvent,
        event_id: Option<EventId>,
    ) -> Result<ProgressUpdate> {
        let course = course_by_lesson(&self.deps, lesson_id).await?;
        let unmet = self.unmet_courses(actor.user_id, &course).await?;
        retry_on_conflict(|| async {
            let mut enrollment = self.find(actor.user_id, course.id).await?.ok_or(Error::NotEnrolled)?;
            let now = self.deps.clock.now();
            let applied = enrollment.apply(&course, lesson_id, &event, event_id, &unmet, now)?;
            if applied.changed {
                self.save(&mut enrollment, applied.events).await?;
                self.deps
                    .meter
                    .record(course.id, lesson_id, now.date_naive(), applied.watched);
            }
            Ok(ProgressUpdate {
                evaluation: enrollment.evaluate(&course, &unmet),
                enrollment,
                lesson_completed: applied.lesson_completed,
                course_completed: applied.course_completed,
                grade: applied.grade,
                duplicate: !applied.changed,
            })
        })
        .await
    }

    /// The actor's enrollments.
    pub async fn my_enrollments(&self, actor: &Actor, page: PageRequest) -> Result<Page<Enrollment>> {
        self.deps
            .stores
            .enrollments
            .list_enrollments_for_user(actor.user_id, page)
            .await
            .map_err(|e| e.about(Entity::Enrollment, actor.user_id))
    }

    /// A course's enrollments, for its instructor and admins only.
    pub async fn course_enrollments(
        &self,
        actor: &Actor,
        course_id: CourseId,
        page: PageRequest,
    ) -> Result<Page<Enrollment>> {
        let course = load_course(&self.deps, course_id).await?;
        actor.require_manager(&course)?;
        self.deps
            .stores
            .enrollments
            .list_enrollments_for_course(course_id, page)
            .await
            .map_err(|e| e.about(Entity::Enrollment, course_id))
    }

    /// Looks up a certificate by its public id, for anyone to verify.
    pub async fn verify_certificate(&self, id: CertificateId) -> Result<Certificate> {
        self.deps
            .stores
            .enrollments
            .find_enrollment_by_certificate(id)
            .await
            .map_err(|e| e.about(Entity::Certificate, id))?
            .and_then(|e| e.certificate().cloned())
            .filter(|c| c.id == id)
            .ok_or_else(|| Error::not_found(Entity::Certificate, id))
    }

    /// Prerequisite courses of `course` that the learner has not completed.
    async fn unmet_courses(&self, user_id: UserId, course: &Course) -> Result<Vec<CourseId>> {
        if course.prerequisites.is_empty() {
            return Ok(Vec::new());
        }
        let done = self
            .deps
            .stores
            .enrollments
            .find_enrollments(user_id, &course.prerequisites)
            .await
            .map_err(|e| e.about(Entity::Enrollment, user_id))?;
        Ok(course
            .prerequisites
            .iter()
            .copied()
            .filter(|c| {
                !done
                    .iter()
                    .any(|e| e.course_id() == *c && e.status() == EnrollmentStatus::Completed)
            })
            .collect())
    }

    async fn find(&self, user_id: UserId, course_id: CourseId) -> Result<Option<Enrollment>> {
        self.deps
            .stores
            .enrollments
            .find_enrollment(user_id, course_id)
            .await
            .map_err(|e| e.about(Entity::Enrollment, course_id))
    }

    /// Writes an enrollment with its events under the version check.
    async fn save(&self, enrollment: &mut Enrollment, payloads: Vec<EventPayload>) -> Result<()> {
        let events = self.deps.events(payloads);
        let expected = enrollment.next_version();
        self.deps
            .stores
            .enrollments
            .update_enrollment(enrollment, expected, &events)
            .await
            .map_err(|e| e.about(Entity::Enrollment, enrollment.id()))
    }
}
