//! Builders shared by the behaviours.

use chrono::{DateTime, Utc};

use super::Ctx;
use crate::domain::course::{Course, Difficulty};
use crate::domain::enrollment::{Enrollment, EnrollmentSource, LearningEvent};
use crate::domain::events::{DomainEvent, EventPayload};
use crate::domain::lesson::{Lesson, LessonContent};
use crate::domain::money::{Money, Price};
use crate::domain::quiz::{Answer, NewQuestion, QuestionKind, Quiz};
use crate::domain::text::{Category, Description, DisplayName, Email, LessonBody, Title};
use crate::domain::user::{Role, User};
use crate::domain::video::{Video, WatchInterval};
use crate::ids::{DeckId, LessonId, UserId};
use crate::services::{Actor, LessonInput, NewCourse, NewLesson};

/// A short random tag that keeps names unique across runs on a shared database.
pub fn tag() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// A user record with a unique email.
pub fn user_record(role: Role, now: DateTime<Utc>) -> User {
    User {
        id: UserId::new(),
        email: Email::parse(&format!("user-{}@example.com", tag())).expect("valid email"),
        display_name: DisplayName::parse("Test User").expect("valid name"),
        role,
        premium: false,
        created_at: now,
        updated_at: now,
        version: 1,
        sealed: None,
    }
}

/// Stores a user with the given role and returns it as an actor.
pub async fn actor(ctx: &Ctx, role: Role) -> Actor {
    let user = user_record(role, ctx.clock_now());
    ctx.stores
        .users
        .insert_user(&user, None, &[])
        .await
        .expect("insert user");
    Actor::of(&user)
}

/// A registered student.
pub async fn student(ctx: &Ctx) -> Actor {
    actor(ctx, Role::Student).await
}

/// A registered instructor.
pub async fn instructor(ctx: &Ctx) -> Actor {
    actor(ctx, Role::Instructor).await
}

/// A registered admin.
pub async fn admin(ctx: &Ctx) -> Actor {
    actor(ctx, Role::Admin).await
}

impl Ctx {
    /// The services' current time.
    pub fn clock_now(&self) -> DateTime<Utc> {
        use crate::ports::Clock;
        self.clock.now()
    }
}

/// A text lesson.
pub fn text(title: &str) -> NewLesson {
    NewLesson {
        title: title.into(),
        content: LessonInput::Text {
            body: format!("Body of {title}"),
        },
        required: None,
        prerequisites: None,
        position: None,
    }
}

/// A video lesson of `seconds` length.
pub fn video(title: &str, seconds: u32) -> NewLesson {
    NewLesson {
        title: title.into(),
        content: LessonInput::Video {
            youtube_id: "dQw4w9WgXcQ".into(),
            duration_seconds: seconds,
            completion_threshold_percent: None,
        },
        required: None,
        prerequisites: None,
        position: None,
    }
}

/// Two questions: single choice (answer index 1) and true/false (answer "False", index 1).
pub fn quiz_questions() -> Vec<NewQuestion> {
    vec![
        NewQuestion {
            prompt: "Which keyword declares an immutable binding?".into(),
            kind: Some(QuestionKind::SingleChoice),
            options: vec!["var".into(), "let".into(), "mut".into()],
            correct_options: vec![1],
            accepted_answers: vec![],
        },
        NewQuestion {
            prompt: "Rust has a garbage collector.".into(),
            kind: Some(QuestionKind::TrueFalse),
            options: vec![],
            correct_options: vec![1],
            accepted_answers: vec![],
        },
    ]
}

/// A quiz lesson built from [`quiz_questions`] with a 100 % pass mark.
pub fn quiz(title: &str, max_attempts: Option<u32>) -> NewLesson {
    NewLesson {
        title: title.into(),
        content: LessonInput::Quiz {
            pass_mark_percent: 100,
            max_attempts,
            questions: quiz_questions(),
        },
        required: None,
        prerequisites: None,
        position: None,
    }
}

/// Answers to a quiz from [`quiz_questions`]; all right when `correct`.
pub fn quiz_answers(quiz: &Quiz, correct: bool) -> Vec<Answer> {
    let picks = if correct { [1, 1] } else { [0, 0] };
    quiz.questions
        .iter()
        .zip(picks)
        .map(|(q, pick)| Answer {
            question_id: q.id,
            selected_options: vec![pick],
            text: None,
        })
        .collect()
}

/// Course creation input with a unique title.
pub fn new_course(title: &str) -> NewCourse {
    NewCourse {
        title: format!("{title} {}", tag()),
        description: "A course used by the conformance suite.".into(),
        category: "Testing".into(),
        difficulty: Difficulty::Beginner,
        price: None,
        metadata: Default::default(),
    }
}

/// Creates a draft course owned by `owner` with these lessons, in order.
pub async fn draft_course(ctx: &Ctx, owner: &Actor, lessons: Vec<NewLesson>) -> Course {
    let mut course = ctx
        .lms
        .catalog
        .create_course(owner, new_course("Course"))
        .await
        .expect("create course");
    for lesson in lessons {
        course = ctx
            .lms
            .catalog
            .add_lesson(owner, course.id, lesson)
            .await
            .expect("add lesson")
            .0;
    }
    course
}

/// Creates and publishes a course.
pub async fn published_course(ctx: &Ctx, owner: &Actor, lessons: Vec<NewLesson>) -> Course {
    let course = draft_course(ctx, owner, lessons).await;
    ctx.lms.catalog.publish(owner, course.id).await.expect("publish")
}

/// A published course and a student enrolled in it.
pub async fn enrolled(ctx: &Ctx, lessons: Vec<NewLesson>) -> (Actor, Course, Actor) {
    let owner = instructor(ctx).await;
    let course = published_course(ctx, &owner, lessons).await;
    let learner = student(ctx).await;
    ctx.lms.learning.enroll(&learner, course.id).await.expect("enroll");
    (owner, course, learner)
}

/// The lesson ids of a course, in order.
pub fn lesson_ids(course: &Course) -> Vec<LessonId> {
    course.lessons.iter().map(|l| l.id).collect()
}

/// The quiz of a quiz lesson.
pub fn quiz_of(course: &Course, lesson_id: LessonId) -> Quiz {
    match &course.lesson(lesson_id).expect("lesson").1.content {
        LessonContent::Quiz(quiz) => quiz.clone(),
        other => panic!("not a quiz: {other:?}"),
    }
}

/// A course record (not stored) with one lesson of each kind, a price and metadata.
pub fn course_record(owner_id: UserId, now: DateTime<Utc>) -> Course {
    let mut course = Course::new(
        owner_id,
        Title::parse(&format!("Stored course {}", tag())).expect("title"),
        Description::parse("Multi-line\ndescription with ünïcödé ✓").expect("description"),
        Category::parse("Programming").expect("category"),
        Difficulty::Intermediate,
        Price::Paid(Money::new(4_999, "EUR").expect("money")),
        now,
    );
    course.metadata.insert("language".into(), "en".into());
    course.metadata.insert("level".into(), "2".into());
    let lessons = [
        LessonContent::Video(Video::new("dQw4w9WgXcQ", 600, Some(80)).expect("video")),
        LessonContent::Text {
            body: LessonBody::parse("Read me — 読んでください").expect("body"),
        },
        LessonContent::Quiz(Quiz::new(50, Some(3), quiz_questions()).expect("quiz")),
        LessonContent::Flashcards { deck_id: DeckId::new() },
    ];
    for (i, content) in lessons.into_iter().enumerate() {
        let lesson = Lesson::new(Title::parse(&format!("Lesson {i}")).expect("title"), content);
        course.insert_lesson(lesson, None).expect("lesson");
    }
    course
}

/// An enrollment record (not stored).
pub fn enrollment_record(user_id: UserId, course: &Course, now: DateTime<Utc>) -> Enrollment {
    Enrollment::new(user_id, course.id, EnrollmentSource::Free, now)
}

/// Completes every lesson of a course whose quizzes ask [`quiz_questions`] (such as a
/// [`course_record`]) through the domain, which completes the enrollment and issues its
/// certificate.
pub fn complete_course_record(enrollment: &mut Enrollment, course: &Course, now: DateTime<Utc>) {
    for lesson in &course.lessons {
        let event = match &lesson.content {
            LessonContent::Video(video) => LearningEvent::VideoWatched(vec![WatchInterval::from_seconds(
                0.0,
                f64::from(video.duration_seconds),
            )
            .expect("interval")]),
            LessonContent::Text { .. } => LearningEvent::TextCompleted,
            LessonContent::Quiz(quiz) => LearningEvent::QuizSubmitted(quiz_answers(quiz, true)),
            LessonContent::Flashcards { .. } => LearningEvent::DeckPassed,
        };
        enrollment
            .apply(course, lesson.id, &event, None, &[], now)
            .expect("learn");
    }
}

/// An event about a user, for outbox checks.
pub fn user_event(user_id: UserId, now: DateTime<Utc>) -> DomainEvent {
    DomainEvent::new(EventPayload::UserRegistered { user_id }, now)
}
