//! Embeds `lms-core` in a program with the in-memory adapter and walks one learner through
//! a course: a video, an article behind it (locked at first) and a quiz.
//!
//! Run with `cargo run -p embed-basic`.

use std::sync::Arc;

use lms_core::domain::quiz::{Answer, NewQuestion, QuestionKind};
use lms_core::domain::user::Role;
use lms_core::domain::video::WatchInterval;
use lms_core::memory::MemoryStore;
use lms_core::ports::Stores;
use lms_core::services::{LessonInput, LessonViewContent, NewCourse, NewLesson, NewUser};
use lms_core::{Actor, Error, Lms};

fn lesson(title: &str, content: LessonInput) -> NewLesson {
    NewLesson {
        title: title.into(),
        content,
        required: None,
        prerequisites: None,
        position: None,
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let lms = Lms::with_system_clock(Stores::from_backend(Arc::new(MemoryStore::new())));

    // An application that authenticates users itself provisions accounts with a role.
    let teacher = lms
        .users
        .provision(
            NewUser {
                email: "grace@example.com".into(),
                display_name: "Grace".into(),
            },
            Role::Instructor,
        )
        .await?;
    let teacher = Actor::of(&teacher);
    let learner = lms
        .auth
        .register(
            NewUser {
                email: "ada@example.com".into(),
                display_name: "Ada".into(),
            },
            "Analytical-Engine-1843",
        )
        .await?;
    let session = lms.auth.login("ada@example.com", "Analytical-Engine-1843").await?;
    let learner = Actor::of(&learner);
    println!(
        "registered Ada and Grace; Ada logged in (session {})",
        session.family_id
    );

    let course = lms
        .catalog
        .create_course(
            &teacher,
            NewCourse {
                title: "Rust in a day".into(),
                description: "Ownership, borrowing and a quiz.".into(),
                category: "Programming".into(),
                ..Default::default()
            },
        )
        .await?;
    let video = LessonInput::Video {
        youtube_id: "dQw4w9WgXcQ".into(),
        duration_seconds: 120,
        completion_threshold_percent: None,
    };
    let article = LessonInput::Text {
        body: "Every value has exactly one owner.".into(),
    };
    let quiz = LessonInput::Quiz {
        pass_mark_percent: 100,
        max_attempts: Some(3),
        questions: vec![NewQuestion {
            prompt: "How many owners does a value have?".into(),
            kind: Some(QuestionKind::SingleChoice),
            options: vec!["none".into(), "exactly one".into(), "any number".into()],
            correct_options: vec![1],
            accepted_answers: vec![],
        }],
    };
    let (_, video_id) = lms
        .catalog
        .add_lesson(&teacher, course.id, lesson("Welcome video", video))
        .await?;
    let (_, article_id) = lms
        .catalog
        .add_lesson(&teacher, course.id, lesson("Ownership", article))
        .await?;
    let (course, quiz_id) = lms
        .catalog
        .add_lesson(&teacher, course.id, lesson("Check yourself", quiz))
        .await?;
    lms.catalog.publish(&teacher, course.id).await?;
    println!(
        "Grace published \"{}\" with {} lessons",
        course.title,
        course.lessons.len()
    );

    lms.learning.enroll(&learner, course.id).await?;
    match lms.learning.open_lesson(&learner, article_id).await {
        Err(Error::LessonLocked { unmet, .. }) => println!("the article is locked until: {unmet:?}"),
        other => println!("unexpected: {other:?}"),
    }

    let seek = vec![WatchInterval::from_seconds(110.0, 120.0)?];
    let update = lms
        .learning
        .record_video_progress(&learner, video_id, seek, None)
        .await?;
    println!(
        "skipping to the end completes nothing: {}% done",
        update.evaluation.percent
    );
    let watch = vec![WatchInterval::from_seconds(0.0, 110.0)?];
    let update = lms
        .learning
        .record_video_progress(&learner, video_id, watch, None)
        .await?;
    println!(
        "watching the rest completes the video ({}), {}% done",
        update.lesson_completed, update.evaluation.percent
    );

    let view = lms.learning.open_lesson(&learner, article_id).await?;
    if let LessonViewContent::Text { body } = &view.content {
        println!("the article is open now: \"{body}\"");
    }
    lms.learning.complete_lesson(&learner, article_id, None).await?;

    let view = lms.learning.open_lesson(&learner, quiz_id).await?;
    let LessonViewContent::Quiz { quiz, .. } = view.content else {
        unreachable!("the third lesson is a quiz");
    };
    let question = &quiz.questions[0];
    println!(
        "quiz question (no answers sent): {} {:?}",
        question.prompt, question.options
    );
    let answer = |option| {
        vec![Answer {
            question_id: question.id,
            selected_options: vec![option],
            text: None,
        }]
    };
    let wrong = lms.learning.submit_quiz(&learner, quiz_id, answer(0), None).await?;
    println!("a wrong answer scores {}%", wrong.grade.map_or(0, |g| g.score_percent));
    let right = lms.learning.submit_quiz(&learner, quiz_id, answer(1), None).await?;
    println!(
        "the right answer scores {}% and completes the course: {}",
        right.grade.map_or(0, |g| g.score_percent),
        right.course_completed
    );

    let progress = lms.learning.progress(&learner, course.id, None).await?;
    let certificate = progress
        .enrollment
        .certificate()
        .expect("completion issues a certificate");
    let verified = lms.learning.verify_certificate(certificate.id).await?;
    println!(
        "{}% complete, enrollment {}, certificate {} for \"{}\" verified",
        progress.evaluation.percent,
        progress.enrollment.status(),
        verified.id,
        verified.course_title
    );
    Ok(())
}
