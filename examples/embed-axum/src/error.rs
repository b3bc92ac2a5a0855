//! The application's errors and their HTTP answers.
//!
//! Every answer is a status and a small JSON body `{"error": code, "message": text}`,
//! with `fields` for invalid input and `unmet` for a locked lesson. The codes are this
//! application's own; [`core_error_response`] is the one place where the core's errors
//! are turned into them.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// What a request can fail with.
#[derive(Debug)]
pub enum AppError {
    /// A use case of the core failed.
    Core(lms_core::Error),
    /// No valid session token came with a request that needs one.
    NoSession,
    /// The request body is not the JSON the route takes: 400 when it is not JSON, 415
    /// without a JSON content type, 422 when fields are missing or mistyped.
    BadBody(StatusCode, String),
    /// A path segment is not an id.
    BadId(&'static str),
}

impl From<lms_core::Error> for AppError {
    fn from(err: lms_core::Error) -> Self {
        Self::Core(err)
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        Self::BadBody(rejection.status(), rejection.body_text())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            Self::Core(err) => core_error_response(&err),
            Self::NoSession => answer(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "log in first: send `Authorization: Bearer <token>`",
                json!({}),
            ),
            Self::BadBody(status, reason) => answer(status, "bad_request", &reason, json!({})),
            Self::BadId(what) => answer(
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("no such {what}: the id is malformed"),
                json!({}),
            ),
        }
    }
}

/// The mapping from the core's errors to this application's HTTP answers: status, code,
/// message and details. Server-side failures answer an opaque message; their cause goes
/// to the log.
pub fn core_error_response(err: &lms_core::Error) -> Response {
    use lms_core::Error as E;
    let message = err.to_string();
    let (status, code, details) = match err {
        E::Validation(fields) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            json!({ "fields": fields }),
        ),
        E::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", json!({})),
        E::AlreadyExists { .. } => (StatusCode::CONFLICT, "already_exists", json!({})),
        E::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated", json!({})),
        E::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", json!({})),
        E::NotEnrolled => (StatusCode::FORBIDDEN, "not_enrolled", json!({})),
        E::LessonLocked { unmet, .. } => (StatusCode::FORBIDDEN, "lesson_locked", json!({ "unmet": unmet })),
        E::Conflict { .. } | E::InvalidTransition { .. } | E::CourseState { .. } | E::AttemptsExhausted { .. } => {
            (StatusCode::CONFLICT, "conflict", json!({}))
        }
        E::PaymentRequired => (StatusCode::PAYMENT_REQUIRED, "payment_required", json!({})),
        E::Unavailable(source) => {
            tracing::error!(error = %source, "storage unavailable");
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "temporarily unavailable; retry later",
                json!({}),
            );
        }
        // Internal failures, and what this application never asks for (payments,
        // webhooks): the detail is logged, the answer says nothing of it.
        other => {
            tracing::error!(error = %other, code = %other.code(), "request failed");
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
                json!({}),
            );
        }
    };
    answer(status, code, &message, details)
}

/// `{"error": code, "message": message, …details}` with `status`.
fn answer(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    let mut body = json!({ "error": code, "message": message });
    if let (Some(body), Value::Object(details)) = (body.as_object_mut(), details) {
        body.extend(details);
    }
    (status, Json(body)).into_response()
}
