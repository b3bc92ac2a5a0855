//! A realistic data set: courses of 30 mixed lessons, learners enrolled with varied progress;
//! besides, for the load benchmark's completion scenario, courses of text lessons only with
//! one fresh enrollment of each learner, and an admin.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use lms_core::domain::course::{Course, Difficulty};
use lms_core::domain::enrollment::{Enrollment, EnrollmentSource, LearningEvent};
use lms_core::domain::lesson::{Lesson, LessonContent};
use lms_core::domain::money::Price;
use lms_core::domain::quiz::{Answer, NewQuestion, QuestionKind, Quiz};
use lms_core::domain::text::{Category, Description, DisplayName, Email, LessonBody, Title};
use lms_core::domain::user::{Role, User};
use lms_core::domain::video::{Video, WatchInterval};
use lms_core::ids::{CourseId, LessonId, UserId};
use lms_core::ports::{StoreError, Stores};

/// How big a data set to build.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Courses.
    pub courses: usize,
    /// Lessons per course (a third each video, text and quiz).
    pub lessons_per_course: usize,
    /// Enrollments, spread over the courses.
    pub enrollments: usize,
    /// Enrollments per learner.
    pub enrollments_per_learner: usize,
}

impl Spec {
    /// The size the storage benchmarks use by default: 1,000 courses × 30 lessons and
    /// 100,000 enrollments of 50,000 learners.
    pub fn standard() -> Self {
        Self {
            courses: 1_000,
            lessons_per_course: 30,
            enrollments: 100_000,
            enrollments_per_learner: 2,
        }
    }

    /// The same shape with another number of enrollments.
    pub fn with_enrollments(self, enrollments: usize) -> Self {
        Self { enrollments, ..self }
    }
}

/// One learner's enrollment, for benchmarks to pick from.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// The learner.
    pub user_id: UserId,
    /// The course.
    pub course_id: CourseId,
    /// The course's first lesson, a video.
    pub video_lesson_id: LessonId,
}

/// What was seeded.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The instructor who owns every course.
    pub instructor: UserId,
    /// Every enrollment, in creation order.
    pub samples: Vec<Sample>,
}

impl Dataset {
    /// A sample chosen by a pseudo-random index.
    pub fn pick(&self, rng: &mut fastrand::Rng) -> Sample {
        self.samples[rng.usize(..self.samples.len())]
    }

    /// Each learner once, in the order of their first enrollment.
    pub fn learners(&self) -> Vec<UserId> {
        let mut seen = std::collections::HashSet::new();
        self.samples
            .iter()
            .map(|s| s.user_id)
            .filter(|id| seen.insert(*id))
            .collect()
    }
}

/// A learner's enrollment in a course of text lessons only, with no progress: its lessons
/// can be completed one after the other with `POST /api/v1/lessons/{id}/complete`, each
/// completion writing a `lesson.completed` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionSample {
    /// The learner.
    pub user_id: UserId,
    /// The course.
    pub course_id: CourseId,
    /// The course's lessons, in order (they unlock one after the other).
    pub lesson_ids: Vec<LessonId>,
}

fn text<T>(parse: fn(&str) -> lms_core::Result<T>, value: &str) -> T {
    parse(value).expect("seed text is valid")
}

fn quiz() -> Quiz {
    let questions = (0..5)
        .map(|q| NewQuestion {
            prompt: format!("Question {q}?"),
            kind: Some(QuestionKind::SingleChoice),
            options: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            correct_options: vec![q % 4],
            accepted_answers: vec![],
        })
        .collect();
    Quiz::new(60, None, questions).expect("seed quiz is valid")
}

fn course(index: usize, spec: &Spec, owner: UserId, now: DateTime<Utc>) -> Course {
    let mut course = Course::new(
        owner,
        text(Title::parse, &format!("Course {index}: a practical introduction")),
        text(Description::parse, &"A course of the benchmark data set. ".repeat(10)),
        text(
            Category::parse,
            ["Programming", "Data", "Design", "Business"][index % 4],
        ),
        Difficulty::Intermediate,
        Price::Free,
        now,
    );
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(36);
    for i in 0..spec.lessons_per_course {
        let content = match i % 3 {
            0 => LessonContent::Video(Video::new("dQw4w9WgXcQ", 600, None).expect("seed video is valid")),
            1 => LessonContent::Text {
                body: text(LessonBody::parse, &body),
            },
            _ => LessonContent::Quiz(quiz()),
        };
        let title = text(Title::parse, &format!("Lesson {}", i + 1));
        course
            .insert_lesson(Lesson::new(title, content), None)
            .expect("seed lesson is valid");
    }
    course.publish(now).expect("seed course has required lessons");
    course
}

/// A published course of `lessons` text lessons.
fn text_course(index: usize, lessons: usize, owner: UserId, now: DateTime<Utc>) -> Course {
    let mut course = Course::new(
        owner,
        text(Title::parse, &format!("Reading course {index}: every lesson a text")),
        text(
            Description::parse,
            &"A course of text lessons of the benchmark data set. ".repeat(8),
        ),
        text(Category::parse, "Reading"),
        Difficulty::Beginner,
        Price::Free,
        now,
    );
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(36);
    for i in 0..lessons {
        let content = LessonContent::Text {
            body: text(LessonBody::parse, &body),
        };
        let title = text(Title::parse, &format!("Reading {}", i + 1));
        course
            .insert_lesson(Lesson::new(title, content), None)
            .expect("seed lesson is valid");
    }
    course.publish(now).expect("seed course has required lessons");
    course
}

fn user(role: Role, now: DateTime<Utc>) -> User {
    let id = UserId::new();
    User {
        id,
        email: text(Email::parse, &format!("{id}@bench.example.com")),
        display_name: text(DisplayName::parse, "Bench User"),
        role,
        premium: false,
        created_at: now,
        updated_at: now,
        version: 1,
        sealed: None,
    }
}

/// Completes the first `done` lessons of an enrollment, as a learner who got that far would:
/// through the domain, with the whole video watched, the text read, the quiz passed.
fn with_progress(mut enrollment: Enrollment, course: &Course, done: usize, now: DateTime<Utc>) -> Enrollment {
    for lesson in course.lessons.iter().take(done) {
        let event = match &lesson.content {
            LessonContent::Video(video) => LearningEvent::VideoWatched(vec![WatchInterval::from_seconds(
                0.0,
                f64::from(video.duration_seconds),
            )
            .expect("seed interval is valid")]),
            LessonContent::Text { .. } => LearningEvent::TextCompleted,
            LessonContent::Quiz(quiz) => LearningEvent::QuizSubmitted(
                quiz.questions
                    .iter()
                    .map(|question| Answer {
                        question_id: question.id,
                        selected_options: question.correct_options.iter().copied().collect(),
                        text: None,
                    })
                    .collect(),
            ),
            LessonContent::Flashcards { .. } => LearningEvent::DeckPassed,
        };
        enrollment
            .apply(course, lesson.id, &event, None, &[], now)
            .expect("seed progress is valid");
    }
    enrollment
}

/// Writes a data set through the storage ports with `concurrency` writers in flight.
pub async fn seed(stores: &Stores, spec: Spec, concurrency: usize) -> Result<Dataset, StoreError> {
    let now = Utc::now();
    let instructor = user(Role::Instructor, now);
    stores.users.insert_user(&instructor, None, &[]).await?;
    let courses: Arc<Vec<Course>> = Arc::new(
        (0..spec.courses)
            .map(|i| course(i, &spec, instructor.id, now))
            .collect(),
    );
    stream::iter(courses.iter().map(Ok))
        .try_for_each_concurrent(concurrency, |course| async move {
            stores.courses.insert_course(course, &[]).await
        })
        .await?;

    let learners = spec.enrollments.div_ceil(spec.enrollments_per_learner);
    let samples: Vec<Sample> = stream::iter(0..learners)
        .map(|learner| {
            let courses = courses.clone();
            async move {
                let learner_record = user(Role::Student, now);
                stores.users.insert_user(&learner_record, None, &[]).await?;
                let mut rng = fastrand::Rng::with_seed(learner as u64);
                let mut samples = Vec::new();
                for k in 0..spec.enrollments_per_learner {
                    if learner * spec.enrollments_per_learner + k >= spec.enrollments {
                        break;
                    }
                    let course = &courses[(learner * spec.enrollments_per_learner + k) % courses.len()];
                    let fresh = Enrollment::new(learner_record.id, course.id, EnrollmentSource::Free, now);
                    let done = rng.usize(..=course.lessons.len());
                    stores
                        .enrollments
                        .insert_enrollment(&with_progress(fresh, course, done, now), &[])
                        .await?;
                    samples.push(Sample {
                        user_id: learner_record.id,
                        course_id: course.id,
                        video_lesson_id: course.lessons[0].id,
                    });
                }
                Ok::<_, StoreError>(samples)
            }
        })
        .buffer_unordered(concurrency)
        .try_concat()
        .await?;
    Ok(Dataset {
        instructor: instructor.id,
        samples,
    })
}

/// Writes `courses` published courses of `lessons` text lessons each, owned by `owner`, and
/// enrolls each of `learners` in one of them (the i-th in course i modulo `courses`) with no
/// progress, `concurrency` writes in flight. Returns the enrollments in the order of
/// `learners`.
pub async fn seed_completions(
    stores: &Stores,
    owner: UserId,
    learners: &[UserId],
    courses: usize,
    lessons: usize,
    concurrency: usize,
) -> Result<Vec<CompletionSample>, StoreError> {
    let now = Utc::now();
    let courses: Vec<Course> = (0..courses.max(1))
        .map(|i| text_course(i, lessons, owner, now))
        .collect();
    stream::iter(courses.iter().map(Ok))
        .try_for_each_concurrent(concurrency, |course| async move {
            stores.courses.insert_course(course, &[]).await
        })
        .await?;
    let courses = &courses;
    stream::iter(learners.iter().enumerate())
        .map(|(i, &user_id)| async move {
            let course = &courses[i % courses.len()];
            let enrollment = Enrollment::new(user_id, course.id, EnrollmentSource::Free, now);
            stores.enrollments.insert_enrollment(&enrollment, &[]).await?;
            Ok::<_, StoreError>(CompletionSample {
                user_id,
                course_id: course.id,
                lesson_ids: course.lessons.iter().map(|l| l.id).collect(),
            })
        })
        .buffered(concurrency)
        .try_collect()
        .await
}

/// Writes an admin account (who may register webhooks) and returns its id.
pub async fn seed_admin(stores: &Stores) -> Result<UserId, StoreError> {
    let admin = user(Role::Admin, Utc::now());
    stores.users.insert_user(&admin, None, &[]).await?;
    Ok(admin.id)
}
