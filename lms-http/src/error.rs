//! The one error format of the API (`{"error":{code,message,details,timestamp,request_id}}`)
//! and the one place where domain and framework errors become HTTP statuses.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::Any;
use poem_openapi::{ApiResponse, Object};
use serde_json::{json, Value};

use lms_core::FieldError;

use crate::request_id::current_request_id;

/// The body of every error response.
#[derive(Debug, Clone, Object)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// What went wrong.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    /// Stable machine-readable code (`COURSE_NOT_FOUND`, `LESSON_LOCKED`, `VALIDATION_ERROR`…).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Structured detail: invalid fields, unmet requirements, retry time; `{}` when none.
    pub details: Any<Box<Value>>,
    /// When the error happened.
    pub timestamp: DateTime<Utc>,
    /// The request's id, also in the `X-Request-Id` header and the logs.
    pub request_id: String,
}

/// An error response. Every operation documents all of these statuses; the body is always
/// an [`ErrorEnvelope`].
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed: unparsable JSON, wrong types, missing fields, bad parameters.
    #[oai(status = 400)]
    BadRequest(Json<ErrorEnvelope>),
    /// Missing, invalid, expired or revoked credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorEnvelope>),
    /// The course must be paid for first (`PAYMENT_REQUIRED`).
    #[oai(status = 402)]
    PaymentRequired(Json<ErrorEnvelope>),
    /// Not allowed (`FORBIDDEN`, `LESSON_LOCKED` with the unmet requirements, `NOT_ENROLLED`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorEnvelope>),
    /// The resource does not exist or is hidden from the caller (`COURSE_NOT_FOUND` …).
    #[oai(status = 404)]
    NotFound(Json<ErrorEnvelope>),
    /// The request conflicts with the current state (duplicates, lifecycle, attempts).
    #[oai(status = 409)]
    Conflict(Json<ErrorEnvelope>),
    /// The request body is larger than the server accepts.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorEnvelope>),
    /// The request body is not JSON.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorEnvelope>),
    /// Input failed validation; `details.fields` lists every invalid field.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorEnvelope>),
    /// Too many requests; retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorEnvelope>),
    /// An unexpected server error; the detail is in the server log under the request id.
    #[oai(status = 500)]
    Internal(Json<ErrorEnvelope>),
    /// A dependency (the database) is unavailable; retry later.
    #[oai(status = 503)]
    Unavailable(Json<ErrorEnvelope>),
}

impl ApiError {
    /// An error with this status, code, message and details, stamped with the current
    /// request id and time. Statuses without a documented variant become 500.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>, details: Value) -> Self {
        let envelope = Json(ErrorEnvelope {
            error: ErrorBody {
                code: code.into(),
                message: message.into(),
                details: Any(Box::new(details)),
                timestamp: Utc::now(),
                request_id: current_request_id(),
            },
        });
        match status.as_u16() {
            400 => Self::BadRequest(envelope),
            401 => Self::Unauthorized(envelope),
            402 => Self::PaymentRequired(envelope),
            403 => Self::Forbidden(envelope),
            404 => Self::NotFound(envelope),
            409 => Self::Conflict(envelope),
            413 => Self::PayloadTooLarge(envelope),
            415 => Self::UnsupportedMediaType(envelope),
            422 => Self::Unprocessable(envelope),
            429 => Self::TooManyRequests(envelope),
            503 => Self::Unavailable(envelope),
            _ => Self::Internal(envelope),
        }
    }

    /// 401 with a message.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message, json!({}))
    }

    /// 500 with an opaque body; `detail` goes to the log with the request id.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "an unexpected error occurred",
            json!({}),
        )
    }

    /// The envelope, whatever the status.
    pub fn envelope(&self) -> &ErrorEnvelope {
        match self {
            Self::BadRequest(e)
            | Self::Unauthorized(e)
            | Self::PaymentRequired(e)
            | Self::Forbidden(e)
            | Self::NotFound(e)
            | Self::Conflict(e)
            | Self::PayloadTooLarge(e)
            | Self::UnsupportedMediaType(e)
            | Self::Unprocessable(e)
            | Self::TooManyRequests(e)
            | Self::Internal(e)
            | Self::Unavailable(e) => &e.0,
        }
    }
}

/// The single mapping from domain errors to HTTP.
impl From<lms_core::Error> for ApiError {
    fn from(err: lms_core::Error) -> Self {
        use lms_core::Error as E;
        let code = err.code();
        let (status, details) = match &err {
            E::Validation(fields) => (StatusCode::UNPROCESSABLE_ENTITY, json!({ "fields": fields })),
            E::NotFound { entity, id } => (StatusCode::NOT_FOUND, json!({ "entity": entity, "id": id })),
            E::AlreadyExists { entity, key } => (StatusCode::CONFLICT, json!({ "entity": entity, "key": key })),
            E::Conflict { entity, .. } => (StatusCode::CONFLICT, json!({ "entity": entity })),
            E::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, json!({})),
            E::Forbidden(_) | E::NotEnrolled => (StatusCode::FORBIDDEN, json!({})),
            E::LessonLocked { lesson_id, unmet } => {
                (StatusCode::FORBIDDEN, json!({ "lesson_id": lesson_id, "unmet": unmet }))
            }
            E::InvalidTransition { from, action } => (StatusCode::CONFLICT, json!({ "from": from, "action": action })),
            E::CourseState { status, .. } => (StatusCode::CONFLICT, json!({ "status": status })),
            E::PaymentRequired | E::PaymentFailed(_) => (StatusCode::PAYMENT_REQUIRED, json!({})),
            E::CardDeclined { decline_code, .. } => {
                (StatusCode::PAYMENT_REQUIRED, json!({ "decline_code": decline_code }))
            }
            E::PaymentsUnsupported(_) | E::NotForSale(_) => (StatusCode::CONFLICT, json!({})),
            E::WebhookRejected(_) => (StatusCode::BAD_REQUEST, json!({})),
            E::AttemptsExhausted { limit } => (StatusCode::CONFLICT, json!({ "limit": limit })),
            E::Unavailable(source) => {
                tracing::error!(request_id = %current_request_id(), error = %source, "storage unavailable");
                return Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code,
                    "the service is temporarily unavailable; retry later",
                    json!({}),
                );
            }
            E::Internal(source) => return Self::internal(source),
            _ => return Self::internal(&err),
        };
        Self::new(status, code, err.to_string(), details)
    }
}

impl From<ApiError> for poem::Response {
    fn from(err: ApiError) -> Self {
        poem::IntoResponse::into_response(err)
    }
}

/// Maps a framework error (routing, parsing, content type, authorization, CORS, body size)
/// to an enveloped response with the error's own status. 5xx bodies are opaque; their
/// detail is logged.
pub fn poem_error_response(err: &poem::Error) -> poem::Response {
    let status = err.status();
    let status = if status.is_client_error() || status.is_server_error() {
        status
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    let api_error = from_poem_error(err);
    // The mapped error's own status where it has one (a parameter poem-openapi calls 400
    // is a 422 here); the framework's for statuses without a variant (405 …).
    let status = match &api_error {
        ApiError::Internal(_) => status,
        mapped => status_of(mapped),
    };
    envelope_response(status, &api_error)
}

fn from_poem_error(err: &poem::Error) -> ApiError {
    use poem::error::{MethodNotAllowedError, NotFoundError};
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
    };
    let status = err.status();
    let reason = err.to_string();
    if err.is::<NotFoundError>() {
        return ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route", json!({}));
    }
    if err.is::<MethodNotAllowedError>() {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "this route does not accept the method",
            json!({}),
        );
    }
    // Values of the wrong type or out of bounds: 422 naming the parameter (the gateway
    // names a body's fields itself when it can; see `field_errors`).
    let invalid = err
        .downcast_ref::<ParseParamError>()
        .map(|p| (p.name, &p.reason))
        .or_else(|| err.downcast_ref::<ParsePathError>().map(|p| (p.name, &p.reason)))
        .or_else(|| {
            err.downcast_ref::<ParseRequestPayloadError>()
                .map(|p| ("body", &p.reason))
        })
        .map(|(name, reason)| FieldError::new(name, "invalid", reason.clone()));
    if let Some(field) = invalid {
        return ApiError::from(lms_core::Error::Validation(vec![field]));
    }
    if err.is::<ContentTypeError>() {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            reason,
            json!({}),
        );
    }
    if err.is::<AuthorizationError>() {
        return ApiError::unauthorized("a valid bearer token is required");
    }
    if status.is_server_error() {
        return ApiError::internal(&reason);
    }
    let code = status
        .canonical_reason()
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_");
    ApiError::new(status, code, reason, json!({}))
}

/// The envelope as a response with an exact status (for statuses such as 405 that no
/// operation documents).
pub fn envelope_response(status: StatusCode, err: &ApiError) -> poem::Response {
    let body = serde_json::to_vec(&poem_openapi::types::ToJSON::to_json(err.envelope())).unwrap_or_default();
    poem::Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body)
}

/// The envelope's JSON for an error answered outside any request scope (a request the
/// HTTP layer could not parse), with its own request id.
pub fn envelope_json(code: &str, message: &str, request_id: &str) -> Vec<u8> {
    let envelope = ErrorEnvelope {
        error: ErrorBody {
            code: code.to_owned(),
            message: message.to_owned(),
            details: Any(Box::new(json!({}))),
            timestamp: Utc::now(),
            request_id: request_id.to_owned(),
        },
    };
    serde_json::to_vec(&poem_openapi::types::ToJSON::to_json(&envelope)).unwrap_or_default()
}

/// The status an [`ApiError`] is sent with.
pub fn status_of(err: &ApiError) -> StatusCode {
    match err {
        ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        ApiError::PaymentRequired(_) => StatusCode::PAYMENT_REQUIRED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Conflict(_) => StatusCode::CONFLICT,
        ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}
