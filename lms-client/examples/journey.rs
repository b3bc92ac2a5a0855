//! The learner journey (the steps of scripts/journey.sh) through the generated client,
//! against a running server:
//!
//! ```sh
//! LMS_URL=http://127.0.0.1:8080 LMS_ADMIN_EMAIL=admin@example.com LMS_ADMIN_PASSWORD=... \
//!   cargo run --release -p lms-client --example journey
//! ```
//!
//! Prints one line per step and exits non-zero with the failed assertion otherwise.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::num::NonZeroU32;
use std::process::ExitCode;

use lms_client::types::{
    AccessPatch, AnswerInput, CourseStatusDto, CreateCourseRequest, CreateLessonRequest, DifficultyDto,
    EnrollmentStatusDto, ErrorBody, ErrorEnvelope, LessonKindDto, LoginRequest, QuestionInput, QuestionKindDto,
    QuizAttemptRequest, QuizInput, RefreshRequest, RegisterRequest, RoleDto, TextInput, TokenResponse, VideoInput,
    VideoProgressRequest,
};
use lms_client::{authenticated, Client, Error, ResponseValue};
use uuid::Uuid;

type Failure = Box<dyn std::error::Error>;
type Outcome<T> = Result<T, Failure>;
type Answer<T> = Result<ResponseValue<T>, Error<ErrorEnvelope>>;

/// Fails the journey with a message unless the condition holds.
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+).into());
        }
    };
}

#[tokio::main]
async fn main() -> ExitCode {
    match journey().await {
        Ok(()) => {
            println!("journey passed");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("FAILED: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn env(name: &str) -> Outcome<String> {
    std::env::var(name).map_err(|_| format!("{name} must be set").into())
}

fn step(what: &str) {
    println!("  {what:<66} ok");
}

/// The body of a successful answer with the expected status.
fn expect<T>(answer: Answer<T>, status: u16, what: &str) -> Outcome<T> {
    match answer {
        Ok(response) if response.status().as_u16() == status => Ok(response.into_inner()),
        Ok(response) => Err(format!("{what}: expected {status}, got {}", response.status()).into()),
        Err(error) => Err(format!("{what}: expected {status}, got {error}").into()),
    }
}

/// The error body of a failed answer with the expected status.
fn expect_error<T: Debug>(answer: Answer<T>, status: u16, what: &str) -> Outcome<ErrorBody> {
    match answer {
        Err(Error::ErrorResponse(response)) if response.status().as_u16() == status => Ok(response.into_inner().error),
        Err(error) => Err(format!("{what}: expected {status}, got {error}").into()),
        Ok(response) => Err(format!("{what}: expected {status}, got {}: {:?}", response.status(), *response).into()),
    }
}

async fn login(api: &Client, email: &str, password: &str) -> Outcome<TokenResponse> {
    let request = LoginRequest {
        email: email.parse()?,
        password: password.parse()?,
    };
    expect(api.login(&request).await, 200, &format!("log in as {email}"))
}

async fn journey() -> Outcome<()> {
    let url = env("LMS_URL")?;
    let url = url.trim_end_matches('/');
    let admin_email = env("LMS_ADMIN_EMAIL")?;
    let admin_password = env("LMS_ADMIN_PASSWORD")?;
    println!("journey against {url} (lms-client)");

    let anonymous = Client::new(url);
    let run = Uuid::now_v7().simple().to_string();
    let password = format!("Journey{}Pw1", &run[20..]);
    let teacher_email = format!("teacher{run}@example.com");
    let learner_email = format!("learner{run}@example.com");

    // 1. Registration; the second registration of an address is a conflict.
    let register = |email: &str, name: &str| -> Outcome<RegisterRequest> {
        Ok(RegisterRequest {
            email: email.parse()?,
            password: password.parse()?,
            display_name: name.parse()?,
        })
    };
    let teacher_user = expect(
        anonymous.register(&register(&teacher_email, "Teacher")?).await,
        201,
        "register",
    )?;
    ensure!(
        teacher_user.role == RoleDto::Student,
        "a new account is {:?}, not a student",
        teacher_user.role
    );
    expect(
        anonymous.register(&register(&learner_email, "Learner")?).await,
        201,
        "register the learner",
    )?;
    let duplicate = expect_error(
        anonymous.register(&register(&learner_email, "Again")?).await,
        409,
        "register again",
    )?;
    step(&format!(
        "register an instructor-to-be and a learner (duplicate → 409 {})",
        duplicate.code
    ));

    // 2. The admin promotes the instructor.
    let admin_tokens = login(&anonymous, &admin_email, &admin_password).await?;
    ensure!(
        admin_tokens.user.role == RoleDto::Admin,
        "{admin_email} is {:?}, not an admin",
        admin_tokens.user.role
    );
    let admin = authenticated(url, &admin_tokens.access_token)?;
    let promotion = AccessPatch {
        role: Some(RoleDto::Instructor),
        premium: None,
    };
    let promoted = expect(
        admin.update_user_access(&teacher_user.id, &promotion).await,
        200,
        "promote",
    )?;
    ensure!(
        promoted.role == RoleDto::Instructor,
        "promotion gave role {:?}",
        promoted.role
    );
    step("log in as admin and promote the instructor");

    // 3. Instructor and learner log in; the learner's token is refreshed and the new one used.
    let teacher = authenticated(url, &login(&anonymous, &teacher_email, &password).await?.access_token)?;
    let first = login(&anonymous, &learner_email, &password).await?;
    let refresh = RefreshRequest {
        refresh_token: first.refresh_token.parse()?,
    };
    let renewed = expect(anonymous.refresh(&refresh).await, 200, "refresh the learner's token")?;
    ensure!(
        renewed.refresh_token != first.refresh_token,
        "the refresh token was not rotated"
    );
    ensure!(
        renewed.user.id == first.user.id,
        "the refreshed token belongs to another user"
    );
    let learner = authenticated(url, &renewed.access_token)?;
    step("log in as instructor and learner; refresh the learner's token");

    // 4. A course with a video, a text and a quiz lesson, published.
    let course = CreateCourseRequest {
        title: "Journey course".parse()?,
        description: "From zero to done".parse()?,
        category: "testing".parse()?,
        difficulty: DifficultyDto::Beginner,
        metadata: Default::default(),
        price: None,
    };
    let course = expect(teacher.create_course(&course).await, 201, "create a course")?;
    ensure!(
        course.status == CourseStatusDto::Draft,
        "a new course is {:?}, not a draft",
        course.status
    );
    let lesson = |title: &str, kind: LessonKindDto| -> Outcome<CreateLessonRequest> {
        Ok(CreateLessonRequest {
            title: title.parse()?,
            kind,
            position: None,
            required: None,
            video: None,
            text: None,
            quiz: None,
            flashcards: None,
            deck_id: None,
        })
    };
    let video = CreateLessonRequest {
        video: Some(VideoInput {
            youtube_id: "dQw4w9WgXcQ".parse()?,
            duration_seconds: NonZeroU32::new(120).ok_or("zero")?,
            completion_threshold_percent: None,
        }),
        ..lesson("Watch", LessonKindDto::Video)?
    };
    let text = CreateLessonRequest {
        text: Some(TextInput {
            body: "Sequential learning unlocks one lesson at a time.".parse()?,
        }),
        ..lesson("Read", LessonKindDto::Text)?
    };
    let quiz = CreateLessonRequest {
        quiz: Some(QuizInput {
            pass_mark_percent: 100,
            max_attempts: None,
            questions: vec![
                QuestionInput {
                    prompt: "Is lesson 2 locked before lesson 1?".parse()?,
                    kind: QuestionKindDto::TrueFalse,
                    options: vec!["True".into(), "False".into()],
                    correct_options: vec![0],
                    accepted_answers: vec![],
                },
                QuestionInput {
                    prompt: "Name the unlock rule".parse()?,
                    kind: QuestionKindDto::ShortAnswer,
                    options: vec![],
                    correct_options: vec![],
                    accepted_answers: vec!["sequential".into()],
                },
            ],
        }),
        ..lesson("Check", LessonKindDto::Quiz)?
    };
    let video_id = expect(
        teacher.create_lesson(&course.id, &video).await,
        201,
        "add the video lesson",
    )?
    .id;
    let text_id = expect(
        teacher.create_lesson(&course.id, &text).await,
        201,
        "add the text lesson",
    )?
    .id;
    let quiz_id = expect(
        teacher.create_lesson(&course.id, &quiz).await,
        201,
        "add the quiz lesson",
    )?
    .id;
    let published = expect(teacher.publish_course(&course.id).await, 200, "publish")?;
    ensure!(
        published.status == CourseStatusDto::Published,
        "publishing left the course {:?}",
        published.status
    );
    step("create and publish a course with video, text and quiz lessons");

    // 5. Enrollment: 201 when created, 200 with the same enrollment when already enrolled.
    let enrollment = expect(learner.enroll_in_course(&course.id).await, 201, "enroll")?;
    let again = expect(learner.enroll_in_course(&course.id).await, 200, "enroll again")?;
    ensure!(
        again.id == enrollment.id,
        "enrolling again gave another enrollment ({} ≠ {})",
        again.id,
        enrollment.id
    );
    step("enroll the learner (201; again → 200 with the same enrollment)");

    // 6. The text lesson is locked until the video is watched.
    let locked = expect_error(learner.open_lesson(&text_id).await, 403, "open the text lesson early")?;
    ensure!(
        locked.code == "LESSON_LOCKED",
        "expected LESSON_LOCKED, got {}",
        locked.code
    );
    let unmet = locked.details.unmet.first().and_then(|unmet| unmet.lesson_id);
    ensure!(
        unmet == Some(video_id),
        "unmet should name the video: {:?}",
        locked.details
    );
    step("the text lesson is locked (403 LESSON_LOCKED, unmet = the video)");

    // 7. Heartbeats: skipping to the end does not count, watching does.
    let view = expect(learner.open_lesson(&video_id).await, 200, "open the video")?;
    let embed = view.video.ok_or("the video lesson has no video")?.embed_url;
    for parameter in ["controls=0", "disablekb=1", "modestbranding=1", "rel=0"] {
        ensure!(embed.contains(parameter), "embed url {embed} lacks {parameter}");
    }
    let heartbeat = |interval: [f64; 2]| VideoProgressRequest {
        intervals: vec![interval],
        event_id: None,
    };
    let skipped = expect(
        learner
            .record_video_progress(&video_id, &heartbeat([110.0, 120.0]))
            .await,
        200,
        "skip",
    )?;
    ensure!(!skipped.lesson_completed, "skipping to the end completed the video");
    let watched = expect(
        learner.record_video_progress(&video_id, &heartbeat([0.0, 110.0])).await,
        200,
        "watch",
    )?;
    ensure!(watched.lesson_completed, "watching the video did not complete it");
    step("watch the video (skipping ahead does not count)");

    // 8. The text lesson, then the quiz: a wrong attempt fails, the right one passes.
    expect(learner.open_lesson(&text_id).await, 200, "open the text lesson")?;
    let read = expect(
        learner.complete_lesson(&text_id, None).await,
        200,
        "complete the text lesson",
    )?;
    ensure!(read.lesson_completed, "completing the text lesson did not complete it");
    let quiz = expect(learner.open_lesson(&quiz_id).await, 200, "open the quiz")?
        .quiz
        .ok_or("no quiz in the view")?;
    let [q1, q2] = [quiz.questions[0].id, quiz.questions[1].id];
    let attempt = |choice: u32, text: &str| -> Outcome<QuizAttemptRequest> {
        Ok(QuizAttemptRequest {
            answers: vec![
                AnswerInput {
                    question_id: q1,
                    selected_options: vec![choice],
                    text: None,
                },
                AnswerInput {
                    question_id: q2,
                    selected_options: vec![],
                    text: Some(text.parse()?),
                },
            ],
            event_id: None,
        })
    };
    let wrong = expect(
        learner.submit_quiz_attempt(&quiz_id, &attempt(1, "random")?).await,
        200,
        "a wrong attempt",
    )?;
    ensure!(wrong.passed == Some(false), "a wrong attempt passed: {wrong:?}");
    let right = expect(
        learner
            .submit_quiz_attempt(&quiz_id, &attempt(0, " Sequential ")?)
            .await,
        200,
        "the right one",
    )?;
    ensure!(
        right.passed == Some(true) && right.score_percent == Some(100),
        "the right answers did not pass: {right:?}"
    );
    step("complete the text lesson; fail, then pass the quiz with 100");

    // 9. Progress 100 % and a completed enrollment.
    let progress = expect(learner.get_course_progress(&course.id, None).await, 200, "progress")?;
    ensure!(progress.percent == 100, "progress is {} %, not 100", progress.percent);
    ensure!(
        progress.enrollment_status == EnrollmentStatusDto::Completed,
        "enrollment is {:?}",
        progress.enrollment_status
    );
    let mine = expect(learner.list_my_enrollments(None, None).await, 200, "my enrollments")?;
    let status = mine.items.iter().find(|e| e.course_id == course.id).map(|e| e.status);
    ensure!(
        status == Some(EnrollmentStatusDto::Completed),
        "my enrollment is {status:?}"
    );
    step("progress is 100 % and the enrollment is completed");

    // 10. A second course, so that my enrollments page with limit=1 spans two pages.
    let second = CreateCourseRequest {
        title: "Journey sequel".parse()?,
        ..course_request_like(&course)?
    };
    let second = expect(teacher.create_course(&second).await, 201, "create the second course")?;
    let read_me = CreateLessonRequest {
        text: Some(TextInput {
            body: "The sequel.".parse()?,
        }),
        ..lesson("Read on", LessonKindDto::Text)?
    };
    expect(
        teacher.create_lesson(&second.id, &read_me).await,
        201,
        "add a lesson to the second course",
    )?;
    expect(
        teacher.publish_course(&second.id).await,
        200,
        "publish the second course",
    )?;
    let second_enrollment = expect(
        learner.enroll_in_course(&second.id).await,
        201,
        "enroll in the second course",
    )?;
    let one = NonZeroU32::new(1);
    let mut seen = Vec::new();
    let mut after = None;
    for page in 1.. {
        ensure!(page <= 3, "my enrollments did not end after 3 pages of 1");
        let answer = expect(
            learner.list_my_enrollments(after.as_ref(), one).await,
            200,
            "page my enrollments",
        )?;
        ensure!(
            answer.items.len() <= 1,
            "page {page} holds {} enrollments with limit=1",
            answer.items.len()
        );
        seen.extend(answer.items.iter().map(|e| e.id));
        match answer.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected = BTreeSet::from([enrollment.id, second_enrollment.id]);
    ensure!(
        seen.len() == 2 && seen.iter().copied().collect::<BTreeSet<_>>() == expected,
        "pages held {seen:?}"
    );
    step("my enrollments page by page (limit=1, after=next_after): both");

    // The instructor sees the course's enrollment; the learner may not list them.
    expect_error(
        learner.list_course_enrollments(&course.id, None, None).await,
        403,
        "learner lists",
    )?;
    let listed = expect(
        teacher.list_course_enrollments(&course.id, None, None).await,
        200,
        "instructor lists",
    )?;
    ensure!(
        listed.items.len() == 1,
        "the instructor sees {} enrollments",
        listed.items.len()
    );
    step("the instructor sees the enrollment; the learner may not");
    Ok(())
}

/// A course request with the same description, category and difficulty as `course`.
fn course_request_like(course: &lms_client::types::CourseResponse) -> Outcome<CreateCourseRequest> {
    Ok(CreateCourseRequest {
        title: course.title.parse()?,
        description: course.description.parse()?,
        category: course.category.parse()?,
        difficulty: course.difficulty,
        metadata: Default::default(),
        price: None,
    })
}
