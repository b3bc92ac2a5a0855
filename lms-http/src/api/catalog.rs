use lms_core::ids::{CourseId, LessonId, UserId};
use lms_core::ports::PageRequest;
use lms_core::services::{CoursePatch, CourseQuery, LessonPatch, NewCourse, NewLesson};
use lms_core::Actor;
use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::types::{
    metadata, price_change, CourseListItem, CoursePage, CourseResponse, CourseStatusDto, CreateCourseRequest,
    CreateLessonRequest, LessonResponse, LessonViewResponse, Line, ReorderRequest, UpdateCourseRequest,
    UpdateLessonRequest,
};
use super::{verified_actor, ApiResult, ApiTags, BearerAuth, DecodedToken, State};
use crate::error::ApiError;

/// Courses and lessons.
#[derive(Debug)]
pub struct CatalogApi;

#[derive(ApiResponse)]
enum CourseCreated {
    /// The course was created as a draft.
    #[oai(status = 201)]
    Created(Json<CourseResponse>),
}

#[derive(ApiResponse)]
enum LessonCreated {
    /// The lesson was added.
    #[oai(status = 201)]
    Created(Json<LessonResponse>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// The lesson was removed.
    #[oai(status = 204)]
    NoContent,
}

/// The caller if an `Authorization` header is present (and valid), for operations that
/// anonymous callers may use too.
pub(super) async fn optional_actor(state: &State, req: &Request) -> ApiResult<Option<Actor>> {
    let Some(header) = req.headers().get(poem::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <token>`"))?;
    let decoded = match req.data::<DecodedToken>() {
        Some(DecodedToken(decoded)) => *decoded,
        None => state.tokens.decode(token.trim()),
    };
    verified_actor(state, decoded).await.map(Some)
}

fn lesson_response(course: &lms_core::domain::course::Course, id: LessonId) -> ApiResult<Json<LessonResponse>> {
    LessonResponse::of(course, id)
        .map(Json)
        .ok_or_else(|| lms_core::Error::not_found(lms_core::Entity::Lesson, id).into())
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Catalog")]
impl CatalogApi {
    /// List courses: published ones, filtered by category and text, paged by id.
    /// Owners may list their own courses in any state (`owner_id` and `status`).
    #[oai(path = "/courses", method = "get", operation_id = "listCourses")]
    #[allow(clippy::too_many_arguments)]
    async fn list_courses(
        &self,
        state: Data<&State>,
        req: &Request,
        /// Category, ignoring case.
        #[oai(validator(max_length = 200))]
        category: Query<Option<Line>>,
        /// Text searched in title and description, ignoring case.
        #[oai(validator(max_length = 200))]
        q: Query<Option<Line>>,
        /// Lifecycle state (others than published only for owners and admins).
        status: Query<Option<CourseStatusDto>>,
        /// Only this owner's courses.
        owner_id: Query<Option<Uuid>>,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<CoursePage>> {
        let viewer = optional_actor(&state, req).await?;
        let page = PageRequest::new(after.0, limit.0)?;
        let query = CourseQuery {
            category: category.0.map(Into::into),
            text: q.0.map(Into::into),
            status: status.0.map(Into::into),
            owner_id: owner_id.0.map(UserId::from),
        };
        let found = state.lms.catalog.list_courses(viewer.as_ref(), query, page).await?;
        Ok(Json(CoursePage {
            items: found.items.into_iter().map(CourseListItem::from).collect(),
            next_after: found.next_after,
        }))
    }

    /// Create a draft course owned by the caller (instructors and admins).
    #[oai(path = "/courses", method = "post", operation_id = "createCourse")]
    async fn create_course(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<CreateCourseRequest>,
    ) -> ApiResult<CourseCreated> {
        let body = body.0;
        let input = NewCourse {
            title: body.title.into(),
            description: body.description.into(),
            category: body.category.into(),
            difficulty: body.difficulty.into(),
            price: body.price.map(Into::into),
            metadata: metadata(body.metadata),
        };
        let course = state.lms.catalog.create_course(&auth.0, input).await?;
        Ok(CourseCreated::Created(Json(CourseResponse::from(&course))))
    }

    /// A course with its outline. Drafts are visible to their managers only.
    #[oai(path = "/courses/:id", method = "get", operation_id = "getCourse")]
    async fn get_course(&self, state: Data<&State>, req: &Request, id: Path<Uuid>) -> ApiResult<Json<CourseResponse>> {
        let viewer = optional_actor(&state, req).await?;
        let course = state
            .lms
            .catalog
            .get_course(viewer.as_ref(), CourseId::from(id.0))
            .await?;
        Ok(Json(CourseResponse::from(&*course)))
    }

    /// Change a course (its instructor or an admin).
    #[oai(path = "/courses/:id", method = "patch", operation_id = "updateCourse")]
    async fn update_course(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UpdateCourseRequest>,
    ) -> ApiResult<Json<CourseResponse>> {
        let body = body.0;
        let price = price_change(body.price);
        let patch = CoursePatch {
            title: body.title.map(Into::into),
            description: body.description.map(Into::into),
            category: body.category.map(Into::into),
            difficulty: body.difficulty.map(Into::into),
            price,
            metadata: body.metadata.map(metadata),
        };
        let course = state
            .lms
            .catalog
            .update_course(&auth.0, CourseId::from(id.0), patch)
            .await?;
        Ok(Json(CourseResponse::from(&course)))
    }

    /// Publish a course (draft or archived → published).
    #[oai(path = "/courses/:id/publish", method = "post", operation_id = "publishCourse")]
    async fn publish(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<CourseResponse>> {
        let course = state.lms.catalog.publish(&auth.0, CourseId::from(id.0)).await?;
        Ok(Json(CourseResponse::from(&course)))
    }

    /// Archive a course: no new enrollments; enrolled learners keep access.
    #[oai(path = "/courses/:id/archive", method = "post", operation_id = "archiveCourse")]
    async fn archive(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<CourseResponse>> {
        let course = state.lms.catalog.archive(&auth.0, CourseId::from(id.0)).await?;
        Ok(Json(CourseResponse::from(&course)))
    }

    /// Add a lesson to a course.
    #[oai(path = "/courses/:id/lessons", method = "post", operation_id = "createLesson")]
    async fn add_lesson(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<CreateLessonRequest>,
    ) -> ApiResult<LessonCreated> {
        let mut body = body.0;
        let content = body.content()?;
        let input = NewLesson {
            title: body.title.into(),
            content,
            required: body.required,
            prerequisites: None,
            position: body.position,
        };
        let (course, lesson_id) = state
            .lms
            .catalog
            .add_lesson(&auth.0, CourseId::from(id.0), input)
            .await?;
        Ok(LessonCreated::Created(lesson_response(&course, lesson_id)?))
    }

    /// Put a course's lessons in a new order.
    #[oai(path = "/courses/:id/lessons/order", method = "put", operation_id = "reorderLessons")]
    async fn reorder(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ReorderRequest>,
    ) -> ApiResult<Json<CourseResponse>> {
        let order = body.0.lesson_ids.into_iter().map(LessonId::from).collect();
        let course = state
            .lms
            .catalog
            .reorder_lessons(&auth.0, CourseId::from(id.0), order)
            .await?;
        Ok(Json(CourseResponse::from(&course)))
    }

    // Opening a lesson shares its path with the authoring operations below, and one
    // path must be declared by one API group to appear whole in the document.
    /// Open a lesson. Locked lessons are refused with 403 `LESSON_LOCKED` and the unmet
    /// requirements; quizzes come without answers.
    #[oai(path = "/lessons/:id", method = "get", operation_id = "openLesson")]
    async fn open_lesson(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<LessonViewResponse>> {
        let view = state.lms.learning.open_lesson(&auth.0, LessonId::from(id.0)).await?;
        Ok(Json(view.into()))
    }

    /// Change a lesson (its course's instructor or an admin).
    #[oai(path = "/lessons/:id", method = "patch", operation_id = "updateLesson")]
    async fn update_lesson(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UpdateLessonRequest>,
    ) -> ApiResult<Json<LessonResponse>> {
        let mut body = body.0;
        let patch = LessonPatch {
            content: body.content()?,
            title: body.title.map(Into::into),
            required: body.required,
            prerequisites: None,
        };
        let lesson_id = LessonId::from(id.0);
        let course = state.lms.catalog.update_lesson(&auth.0, lesson_id, patch).await?;
        lesson_response(&course, lesson_id)
    }

    /// Remove a lesson from a draft course.
    #[oai(path = "/lessons/:id", method = "delete", operation_id = "deleteLesson")]
    async fn delete_lesson(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Deleted> {
        state.lms.catalog.remove_lesson(&auth.0, LessonId::from(id.0)).await?;
        Ok(Deleted::NoContent)
    }
}
