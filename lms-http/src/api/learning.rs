use lms_core::domain::quiz::Answer;
use lms_core::domain::video::WatchInterval;
use lms_core::ids::{ClassId, CourseId, EventId, LessonId, QuestionId, UserId};
use lms_core::ports::PageRequest;
use lms_core::services::{ClassPatch, NewClass, ProgressUpdate};
use lms_core::{Error, FieldError};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::types::{
    price_change, AddCourseRequest, ClassResponse, CreateClassRequest, EnrollmentPage, EnrollmentResponse,
    ProgressResponse, ProgressUpdateResponse, QuizAttemptRequest, UpdateClassRequest, VideoProgressRequest,
};
use super::{ApiResult, ApiTags, BearerAuth, State};

/// Enrollment, progress, lessons, quizzes, and instructors' views.
#[derive(Debug)]
pub struct LearningApi;

/// Classes of courses.
#[derive(Debug)]
pub struct ClassesApi;

#[derive(ApiResponse)]
enum Enrolled {
    /// The caller was already enrolled: the existing enrollment, unchanged (or
    /// reactivated after a cancellation).
    #[oai(status = 200)]
    Existing(Json<EnrollmentResponse>),
    /// The caller is now enrolled.
    #[oai(status = 201)]
    Created(Json<EnrollmentResponse>),
}

#[derive(ApiResponse)]
enum ClassCreated {
    /// The class was created.
    #[oai(status = 201)]
    Created(Json<ClassResponse>),
}

#[derive(ApiResponse)]
enum ClassEnrolled {
    /// The caller is enrolled in every published course of the class.
    #[oai(status = 201)]
    Created(Json<Vec<EnrollmentResponse>>),
}

fn page(limit: Option<u32>, after: Option<Uuid>) -> ApiResult<PageRequest> {
    Ok(PageRequest::new(after, limit)?)
}

fn enrollment_page(found: lms_core::ports::Page<lms_core::domain::enrollment::Enrollment>) -> Json<EnrollmentPage> {
    Json(EnrollmentPage {
        items: found.items.into_iter().map(EnrollmentResponse::from).collect(),
        next_after: found.next_after,
    })
}

/// Counts the business events of a learning update and describes it.
fn respond(state: &State, lesson_id: Uuid, update: ProgressUpdate) -> Json<ProgressUpdateResponse> {
    if update.lesson_completed {
        state.metrics.lesson_completions.inc();
    }
    if update.course_completed {
        state.metrics.course_completions.inc();
    }
    if let Some(grade) = &update.grade {
        let passed = if grade.passed { "true" } else { "false" };
        state.metrics.quiz_attempts.with_label_values(&[passed]).inc();
    }
    Json(ProgressUpdateResponse::new(lesson_id, update))
}

fn intervals(raw: Vec<Vec<f64>>) -> Result<Vec<WatchInterval>, Error> {
    let mut fields = Vec::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, pair) in raw.iter().enumerate() {
        match pair.as_slice() {
            [start, end] => match WatchInterval::from_seconds(*start, *end) {
                Ok(interval) => out.push(interval),
                Err(Error::Validation(errors)) => {
                    fields.extend(errors.into_iter().map(|e| e.under(&format!("intervals.{i}"))))
                }
                Err(other) => return Err(other),
            },
            _ => fields.push(FieldError::new(
                format!("intervals.{i}"),
                "invalid_interval",
                "must be [start_second, end_second]",
            )),
        }
    }
    if fields.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(fields))
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Learning")]
impl LearningApi {
    /// Enroll the caller in a published course (free courses, or paid ones with premium).
    /// Idempotent: enrolling again answers 200 with the existing enrollment.
    #[oai(path = "/courses/:id/enrollments", method = "post", operation_id = "enrollInCourse")]
    async fn enroll(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Enrolled> {
        let enrolled = state
            .lms
            .learning
            .request_enrollment(&auth.0, CourseId::from(id.0))
            .await?;
        Ok(match enrolled {
            lms_core::services::Enrolled::Created(enrollment) => {
                state.metrics.enrollments.inc();
                Enrolled::Created(Json(enrollment.into()))
            }
            lms_core::services::Enrolled::Existing(enrollment) => Enrolled::Existing(Json(enrollment.into())),
        })
    }

    /// The caller's outline of a course: each lesson's state, why locked, percent, next
    /// lesson. The course's instructor and admins may ask for a learner's (`user_id`).
    #[oai(path = "/courses/:id/progress", method = "get", operation_id = "getCourseProgress")]
    async fn progress(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Another learner (instructors of the course and admins only).
        user_id: Query<Option<Uuid>>,
    ) -> ApiResult<Json<ProgressResponse>> {
        let p = state
            .lms
            .learning
            .progress(&auth.0, CourseId::from(id.0), user_id.0.map(UserId::from))
            .await?;
        Ok(Json(ProgressResponse::new(
            &p.course,
            p.enrollment.status(),
            &p.evaluation,
        )))
    }

    /// Mark a text lesson as read.
    #[oai(path = "/lessons/:id/complete", method = "post", operation_id = "completeLesson")]
    async fn complete(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Idempotency key: the same event sent twice counts once.
        event_id: Query<Option<Uuid>>,
    ) -> ApiResult<Json<ProgressUpdateResponse>> {
        let event_id = event_id.0.map(EventId::from);
        let update = state
            .lms
            .learning
            .complete_lesson(&auth.0, LessonId::from(id.0), event_id)
            .await?;
        Ok(respond(&state, id.0, update))
    }

    /// Report watched spans of a video lesson; it completes when enough distinct seconds
    /// are covered.
    #[oai(
        path = "/lessons/:id/video-progress",
        method = "post",
        operation_id = "recordVideoProgress"
    )]
    async fn video_progress(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<VideoProgressRequest>,
    ) -> ApiResult<Json<ProgressUpdateResponse>> {
        let body = body.0;
        let spans = intervals(body.intervals)?;
        let update = state
            .lms
            .learning
            .record_video_progress(&auth.0, LessonId::from(id.0), spans, body.event_id.map(EventId::from))
            .await?;
        Ok(respond(&state, id.0, update))
    }

    /// Submit a quiz attempt, graded on the server; passing completes the lesson.
    #[oai(
        path = "/lessons/:id/quiz-attempts",
        method = "post",
        operation_id = "submitQuizAttempt"
    )]
    async fn quiz_attempt(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<QuizAttemptRequest>,
    ) -> ApiResult<Json<ProgressUpdateResponse>> {
        let body = body.0;
        let answers = body
            .answers
            .into_iter()
            .map(|a| Answer {
                question_id: QuestionId::from(a.question_id),
                selected_options: a.selected_options,
                text: a.text.map(Into::into),
            })
            .collect();
        let update = state
            .lms
            .learning
            .submit_quiz(&auth.0, LessonId::from(id.0), answers, body.event_id.map(EventId::from))
            .await?;
        Ok(respond(&state, id.0, update))
    }

    /// The caller's enrollments.
    #[oai(path = "/me/enrollments", method = "get", operation_id = "listMyEnrollments")]
    async fn my_enrollments(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<EnrollmentPage>> {
        let found = state
            .lms
            .learning
            .my_enrollments(&auth.0, page(limit.0, after.0)?)
            .await?;
        Ok(enrollment_page(found))
    }

    /// A course's enrollments (its instructor and admins only).
    #[oai(
        path = "/courses/:id/enrollments",
        method = "get",
        operation_id = "listCourseEnrollments"
    )]
    async fn course_enrollments(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<EnrollmentPage>> {
        let found = state
            .lms
            .learning
            .course_enrollments(&auth.0, CourseId::from(id.0), page(limit.0, after.0)?)
            .await?;
        Ok(enrollment_page(found))
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Classes")]
impl ClassesApi {
    /// Create a class (instructors and admins).
    #[oai(path = "/classes", method = "post", operation_id = "createClass")]
    async fn create(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<CreateClassRequest>,
    ) -> ApiResult<ClassCreated> {
        let body = body.0;
        let input = NewClass {
            title: body.title.into(),
            description: body.description.into(),
            price: body.price.map(Into::into),
        };
        let class = state.lms.classes.create_class(&auth.0, input).await?;
        Ok(ClassCreated::Created(Json(class.into())))
    }

    /// A class.
    #[oai(path = "/classes/:id", method = "get", operation_id = "getClass")]
    async fn get(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<ClassResponse>> {
        let class = state.lms.classes.get_class(&auth.0, ClassId::from(id.0)).await?;
        Ok(Json(class.into()))
    }

    /// Change a class's title, description or price (the class's owner or an admin).
    #[oai(path = "/classes/:id", method = "patch", operation_id = "updateClass")]
    async fn update(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UpdateClassRequest>,
    ) -> ApiResult<Json<ClassResponse>> {
        let body = body.0;
        let patch = ClassPatch {
            title: body.title.map(Into::into),
            description: body.description.map(Into::into),
            price: price_change(body.price),
        };
        let class = state
            .lms
            .classes
            .update_class(&auth.0, ClassId::from(id.0), patch)
            .await?;
        Ok(Json(class.into()))
    }

    /// Add a course to a class (the class's owner or an admin).
    #[oai(path = "/classes/:id/courses", method = "post", operation_id = "addClassCourse")]
    async fn add_course(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<AddCourseRequest>,
    ) -> ApiResult<Json<ClassResponse>> {
        let course_id = CourseId::from(body.course_id);
        let added = state
            .lms
            .classes
            .add_course(&auth.0, ClassId::from(id.0), course_id)
            .await;
        match added {
            Ok(class) => Ok(Json(class.into())),
            // The class in the path exists; the course named in the body does not.
            Err(Error::NotFound {
                entity: lms_core::Entity::Course,
                ..
            }) => Err(Error::invalid(
                "course_id",
                "unknown_course",
                format!("course {course_id} does not exist"),
            )
            .into()),
            Err(other) => Err(other.into()),
        }
    }

    /// Enroll the caller in every published course of a class.
    #[oai(path = "/classes/:id/enrollments", method = "post", operation_id = "enrollInClass")]
    async fn enroll(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<ClassEnrolled> {
        let enrollments = state.lms.classes.enroll(&auth.0, ClassId::from(id.0)).await?;
        Ok(ClassEnrolled::Created(Json(
            enrollments.into_iter().map(EnrollmentResponse::from).collect(),
        )))
    }
}
