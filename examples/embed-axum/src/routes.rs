//! The routes: JSON in, JSON out, each a thin call into the core's services.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /signup` | `{email, display_name, password}` → 201 `{token, user_id}` |
//! | `POST /login` | `{email, password}` → 200 `{token, user_id}` |
//! | `POST /logout` | ends the session → 204 |
//! | `GET /courses` | the published courses |
//! | `POST /courses/{id}/enroll` | 201 when new, 200 when already enrolled |
//! | `GET /courses/{id}/outline` | every lesson with its state: `locked`, `unlocked`, `completed` |
//! | `POST /lessons/{id}/complete` | marks a text lesson as read; the next one unlocks |
//! | `GET /me/activity` | the caller's activity, fed by the relay |
//!
//! All but signup, login and the course list need `Authorization: Bearer <token>`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use lms_core::domain::lesson::LessonKind;
use lms_core::domain::unlock::{LessonState, UnmetRequirement};
use lms_core::ids::{CourseId, EnrollmentId, LessonId, UserId};
use lms_core::ports::PageRequest;
use lms_core::services::{CourseQuery, Enrolled, NewUser};
use serde::{Deserialize, Serialize};

use crate::activity::ActivityItem;
use crate::error::AppError;
use crate::session::CurrentUser;
use crate::AppState;

/// Every route of the application, over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/courses", get(courses))
        .route("/courses/{id}/enroll", post(enroll))
        .route("/courses/{id}/outline", get(outline))
        .route("/lessons/{id}/complete", post(complete))
        .route("/me/activity", get(activity))
        .with_state(state)
}

/// A new account.
#[derive(Debug, Deserialize)]
pub struct SignupRequest {
    /// Email, unique.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Password, checked against the core's policy.
    pub password: String,
}

/// Credentials.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A session this application issued.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The account.
    pub user_id: UserId,
}

/// A course in the list.
#[derive(Debug, Serialize, Deserialize)]
pub struct CourseItem {
    /// Id.
    pub id: CourseId,
    /// Title.
    pub title: String,
    /// Number of lessons.
    pub lesson_count: u32,
}

/// An enrollment.
#[derive(Debug, Serialize, Deserialize)]
pub struct EnrollmentResponse {
    /// Id.
    pub enrollment_id: EnrollmentId,
    /// The course.
    pub course_id: CourseId,
    /// `active`, `completed`, …
    pub status: String,
}

/// A learner's view of a course.
#[derive(Debug, Serialize, Deserialize)]
pub struct Outline {
    /// The course.
    pub course_id: CourseId,
    /// Its title.
    pub title: String,
    /// Required lessons completed, in whole percent.
    pub percent: u8,
    /// Where to continue.
    pub next_lesson_id: Option<LessonId>,
    /// Every lesson, in course order.
    pub lessons: Vec<OutlineLesson>,
}

/// One lesson of an outline.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutlineLesson {
    /// Id.
    pub id: LessonId,
    /// Title.
    pub title: String,
    /// `video`, `text`, `quiz` or `flashcards`.
    pub kind: LessonKind,
    /// `locked`, `unlocked` or `completed`.
    pub state: LessonState,
    /// Why it is locked (empty unless locked).
    pub unmet: Vec<UnmetRequirement>,
}

/// What completing a lesson changed.
#[derive(Debug, Serialize, Deserialize)]
pub struct CompletionResponse {
    /// The lesson became complete with this request.
    pub lesson_completed: bool,
    /// The course became complete with this request.
    pub course_completed: bool,
    /// Required lessons completed, in whole percent.
    pub percent: u8,
    /// Where to continue.
    pub next_lesson_id: Option<LessonId>,
}

/// `POST /signup`: registers a learner (the core validates the input and the password
/// policy) and logs them in.
async fn signup(
    State(state): State<AppState>,
    body: Result<Json<SignupRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SessionResponse>), AppError> {
    let Json(body) = body?;
    let new_user = NewUser {
        email: body.email.clone(),
        display_name: body.display_name,
    };
    state.lms.auth.register(new_user, &body.password).await?;
    let session = state.lms.auth.login(&body.email, &body.password).await?;
    let token = state.sessions.issue(&session)?;
    let user_id = session.user.id;
    Ok((StatusCode::CREATED, Json(SessionResponse { token, user_id })))
}

/// `POST /login`: checks the credentials with the core and issues a session.
async fn login(
    State(state): State<AppState>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<SessionResponse>, AppError> {
    let Json(body) = body?;
    let session = state.lms.auth.login(&body.email, &body.password).await?;
    let token = state.sessions.issue(&session)?;
    Ok(Json(SessionResponse {
        token,
        user_id: session.user.id,
    }))
}

/// `POST /logout`: ends the caller's session.
async fn logout(State(state): State<AppState>, user: CurrentUser) -> Result<StatusCode, AppError> {
    user.log_out(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /courses`: the first page of published courses.
async fn courses(State(state): State<AppState>) -> Result<Json<Vec<CourseItem>>, AppError> {
    let page = state
        .lms
        .catalog
        .list_courses(None, CourseQuery::default(), PageRequest::first())
        .await?;
    let items = page
        .items
        .into_iter()
        .map(|c| CourseItem {
            id: c.id,
            title: c.title.as_str().to_owned(),
            lesson_count: c.lesson_count,
        })
        .collect();
    Ok(Json(items))
}

/// `POST /courses/{id}/enroll`: enrolls the caller (201), or answers the enrollment they
/// already have (200).
async fn enroll(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<EnrollmentResponse>), AppError> {
    let course_id = parse_id::<CourseId>(&id, "course")?;
    let (status, enrollment) = match state.lms.learning.request_enrollment(&user.actor, course_id).await? {
        Enrolled::Created(enrollment) => (StatusCode::CREATED, enrollment),
        Enrolled::Existing(enrollment) => (StatusCode::OK, enrollment),
    };
    Ok((
        status,
        Json(EnrollmentResponse {
            enrollment_id: enrollment.id(),
            course_id: enrollment.course_id(),
            status: enrollment.status().to_string(),
        }),
    ))
}

/// `GET /courses/{id}/outline`: the caller's outline of a course they are enrolled in.
async fn outline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Outline>, AppError> {
    let course_id = parse_id::<CourseId>(&id, "course")?;
    let progress = state.lms.learning.progress(&user.actor, course_id, None).await?;
    let lessons = progress
        .course
        .lessons
        .iter()
        .map(|lesson| {
            let status = progress.evaluation.status(lesson.id);
            OutlineLesson {
                id: lesson.id,
                title: lesson.title.as_str().to_owned(),
                kind: lesson.kind(),
                state: status.map_or(LessonState::Locked, |s| s.state),
                unmet: status.map(|s| s.unmet.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(Json(Outline {
        course_id,
        title: progress.course.title.as_str().to_owned(),
        percent: progress.evaluation.percent,
        next_lesson_id: progress.evaluation.next_lesson_id,
        lessons,
    }))
}

/// `POST /lessons/{id}/complete`: marks a text lesson as read. A locked lesson answers
/// 403 `lesson_locked` with what is unmet.
async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<CompletionResponse>, AppError> {
    let lesson_id = parse_id::<LessonId>(&id, "lesson")?;
    let update = state.lms.learning.complete_lesson(&user.actor, lesson_id, None).await?;
    Ok(Json(CompletionResponse {
        lesson_completed: update.lesson_completed,
        course_completed: update.course_completed,
        percent: update.evaluation.percent,
        next_lesson_id: update.evaluation.next_lesson_id,
    }))
}

/// `GET /me/activity`: what the relay has delivered about the caller so far.
async fn activity(State(state): State<AppState>, user: CurrentUser) -> Json<Vec<ActivityItem>> {
    Json(state.activity.of(user.actor.user_id))
}

/// Parses a path segment as an id; a malformed one is answered like an unknown one.
fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::BadId(what))
}
