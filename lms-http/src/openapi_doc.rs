//! The published OpenAPI document: what poem-openapi derives from the handlers, refined so
//! that client generators and fuzzers read it exactly.
//!
//! - poem-openapi describes a field whose type is a named schema as
//!   `{"description": …, "allOf": [{"$ref": …}, {"description": …}]}`; several generators
//!   (openapi-python-client among them) skip every operation and schema that uses it. The
//!   document is OpenAPI 3.0, where a `$ref` takes no siblings, so such a field becomes the
//!   plain `$ref`.
//! - poem-openapi lists every status of the shared error type on every operation. Here
//!   each operation lists only the errors it can answer, each with its codes: those of its
//!   kind (authenticated, with a body, with parameters, rate limited) and the domain
//!   errors of `DOMAIN_ERRORS`.
//! - Operations that read a bearer token when one is sent declare it as optional.
//! - JSON bodies are `application/json`; the error envelope's `details` is typed; fields
//!   where `null` means something are `nullable`; request objects are closed; constraints
//!   poem-openapi cannot state, examples and links between operations are added.

use serde_json::{json, Map, Value};

/// Errors every operation can answer: status, codes, meaning.
const ALWAYS: &[(u16, &[&str], &str)] = &[
    (
        500,
        &["INTERNAL_ERROR"],
        "An unexpected error; the detail is in the server log under the request id.",
    ),
    (
        503,
        &["SERVICE_UNAVAILABLE"],
        "A dependency (the database) is unavailable; retry later.",
    ),
];
/// Errors of operations that take a bearer token.
const AUTHENTICATED: &[(u16, &[&str], &str)] = &[(
    401,
    &["UNAUTHORIZED"],
    "Missing, invalid, expired or revoked credentials.",
)];
/// Errors of rate-limited operations (all but health and metrics).
const RATE_LIMITED: &[(u16, &[&str], &str)] = &[(
    429,
    &["RATE_LIMITED"],
    "Too many requests; retry after `Retry-After` seconds.",
)];
/// Errors of operations with a path or query parameter.
const WITH_PARAMETERS: &[(u16, &[&str], &str)] = &[(
    422,
    &["VALIDATION_ERROR"],
    "A value is missing, of the wrong type or out of bounds; `details.fields` names each \
     (`field`, `code`, `message`).",
)];
/// Errors of operations with a JSON body.
const WITH_BODY: &[(u16, &[&str], &str)] = &[
    (400, &["BAD_REQUEST"], "The body is not JSON."),
    (408, &["REQUEST_TIMEOUT"], "The body did not arrive in time."),
    (
        413,
        &["PAYLOAD_TOO_LARGE"],
        "The body is larger than the server accepts.",
    ),
    (415, &["UNSUPPORTED_MEDIA_TYPE"], "The body is not `application/json`."),
    (
        422,
        &["VALIDATION_ERROR"],
        "A field is missing, of the wrong type, out of bounds or refused by a business rule; \
         `details.fields` names each (`field`, `code`, `message`).",
    ),
];
/// Operations that reveal internals: outside development they need the operations token.
const OPERATIONS_TOKEN: &[(u16, &[&str], &str)] = &[(
    401,
    &["UNAUTHORIZED"],
    "The operations token (`LMS_OPS_TOKEN`) is required.",
)];

/// Statuses with the codes each can carry.
type Errors = &'static [(u16, &'static [&'static str])];

/// The domain errors of each operation (by operation id): status and codes.
/// Reading a deck or studying it: unknown, or neither authored nor studied by the caller.
const DECK: Errors = &[(404, &["DECK_NOT_FOUND", "COURSE_NOT_FOUND"])];
/// Asking for an erasure: the wrong password or no admin, a user that is not there (or
/// was erased), a request written concurrently.
const ERASURE_REQUEST: Errors = &[(403, &["FORBIDDEN"]), (404, &["USER_NOT_FOUND"]), (409, &["CONFLICT"])];
const DOMAIN_ERRORS: &[(&str, Errors)] = &[
    ("register", &[(409, &["USER_ALREADY_EXISTS"])]),
    ("login", &[(401, &["UNAUTHORIZED"])]),
    ("refresh", &[(401, &["UNAUTHORIZED"])]),
    ("logout", &[(401, &["UNAUTHORIZED"])]),
    ("getMe", &[(404, &["USER_NOT_FOUND"])]),
    (
        "updateMe",
        &[(404, &["USER_NOT_FOUND"]), (409, &["USER_ALREADY_EXISTS", "CONFLICT"])],
    ),
    ("exportMyData", &[(404, &["USER_NOT_FOUND"])]),
    ("exportUserData", &[(403, &["FORBIDDEN"]), (404, &["USER_NOT_FOUND"])]),
    ("requestMyErasure", ERASURE_REQUEST),
    ("requestUserErasure", ERASURE_REQUEST),
    ("getErasure", &[(404, &["ERASURE_NOT_FOUND"])]),
    (
        "cancelErasure",
        &[
            (403, &["FORBIDDEN"]),
            (404, &["ERASURE_NOT_FOUND"]),
            (409, &["CONFLICT"]),
        ],
    ),
    ("setMyConsent", &[(409, &["CONFLICT"])]),
    ("listAuditEntries", &[(403, &["FORBIDDEN"])]),
    ("getCertificate", &[(404, &["CERTIFICATE_NOT_FOUND"])]),
    ("createDeck", &[(403, &["FORBIDDEN"]), (404, &["COURSE_NOT_FOUND"])]),
    ("getDeck", DECK),
    ("listCards", DECK),
    ("getDueCards", DECK),
    ("getDeckStats", DECK),
    ("exportDeck", DECK),
    (
        "updateDeck",
        &[(403, &["FORBIDDEN"]), (404, &["DECK_NOT_FOUND"]), (409, &["CONFLICT"])],
    ),
    ("optimizeDeck", &[(403, &["FORBIDDEN"]), (404, &["DECK_NOT_FOUND"])]),
    ("importDeck", &[(403, &["FORBIDDEN"]), (404, &["COURSE_NOT_FOUND"])]),
    (
        "createCard",
        &[
            (403, &["FORBIDDEN"]),
            (404, &["DECK_NOT_FOUND", "COURSE_NOT_FOUND"]),
            (409, &["CONFLICT"]),
        ],
    ),
    (
        "reviewCard",
        &[(404, &["CARD_NOT_FOUND", "DECK_NOT_FOUND"]), (409, &["CONFLICT"])],
    ),
    ("createCertificateDownloadLink", &[(404, &["CERTIFICATE_NOT_FOUND"])]),
    (
        "downloadCertificate",
        &[(403, &["FORBIDDEN"]), (404, &["CERTIFICATE_NOT_FOUND"])],
    ),
    (
        "updateUserAccess",
        &[(403, &["FORBIDDEN"]), (404, &["USER_NOT_FOUND"]), (409, &["CONFLICT"])],
    ),
    ("listCourses", &[(401, &["UNAUTHORIZED"]), (403, &["FORBIDDEN"])]),
    ("createCourse", &[(403, &["FORBIDDEN"])]),
    ("getCourse", &[(401, &["UNAUTHORIZED"]), (404, &["COURSE_NOT_FOUND"])]),
    ("updateCourse", COURSE_CHANGE),
    ("publishCourse", COURSE_CHANGE),
    ("archiveCourse", COURSE_CHANGE),
    ("createLesson", COURSE_CHANGE),
    ("reorderLessons", COURSE_CHANGE),
    (
        "openLesson",
        &[
            (403, &["FORBIDDEN", "NOT_ENROLLED", "LESSON_LOCKED"]),
            (404, &["LESSON_NOT_FOUND", "COURSE_NOT_FOUND"]),
        ],
    ),
    ("updateLesson", LESSON_CHANGE),
    ("deleteLesson", LESSON_CHANGE),
    ("createClass", &[(403, &["FORBIDDEN"])]),
    ("getClass", &[(403, &["FORBIDDEN"]), (404, &["CLASS_NOT_FOUND"])]),
    (
        "updateClass",
        &[(403, &["FORBIDDEN"]), (404, &["CLASS_NOT_FOUND"]), (409, &["CONFLICT"])],
    ),
    (
        "addClassCourse",
        &[
            (403, &["FORBIDDEN"]),
            (404, &["CLASS_NOT_FOUND"]),
            (409, &["CONFLICT", "COURSE_STATE"]),
        ],
    ),
    (
        "enrollInClass",
        &[
            (402, &["PAYMENT_REQUIRED"]),
            (404, &["CLASS_NOT_FOUND", "USER_NOT_FOUND"]),
            (409, &["CONFLICT"]),
        ],
    ),
    (
        "enrollInCourse",
        &[
            (402, &["PAYMENT_REQUIRED"]),
            (404, &["COURSE_NOT_FOUND", "USER_NOT_FOUND"]),
            (409, &["CONFLICT", "COURSE_STATE", "INVALID_STATE_TRANSITION"]),
        ],
    ),
    (
        "listCourseEnrollments",
        &[(403, &["FORBIDDEN"]), (404, &["COURSE_NOT_FOUND"])],
    ),
    (
        "getCourseProgress",
        &[(403, &["FORBIDDEN", "NOT_ENROLLED"]), (404, &["COURSE_NOT_FOUND"])],
    ),
    ("completeLesson", LEARNING_EVENT),
    ("recordVideoProgress", LEARNING_EVENT),
    ("submitQuizAttempt", LEARNING_EVENT),
    ("listDeadLetters", &[(403, &["FORBIDDEN"])]),
    (
        "replayDeadLetter",
        &[
            (403, &["FORBIDDEN"]),
            (404, &["DEAD_LETTER_NOT_FOUND", "EVENT_NOT_FOUND"]),
        ],
    ),
    ("createWebhook", &[(403, &["FORBIDDEN"])]),
    ("listWebhooks", &[(403, &["FORBIDDEN"])]),
    ("getWebhook", WEBHOOK),
    ("updateWebhook", WEBHOOK_CHANGE),
    ("deleteWebhook", WEBHOOK_CHANGE),
    ("rotateWebhookSecret", WEBHOOK_CHANGE),
    ("listWebhookDeliveries", WEBHOOK),
    (
        "checkoutCourse",
        &[
            (402, &["CARD_DECLINED", "PAYMENT_FAILED"]),
            (404, &["COURSE_NOT_FOUND", "USER_NOT_FOUND"]),
            (
                409,
                &["COURSE_STATE", "ENROLLMENT_ALREADY_EXISTS", "PAYMENTS_UNSUPPORTED"],
            ),
        ],
    ),
    (
        "checkoutClass",
        &[
            (402, &["CARD_DECLINED", "PAYMENT_FAILED"]),
            (404, &["CLASS_NOT_FOUND", "USER_NOT_FOUND"]),
            (
                409,
                &["NOT_FOR_SALE", "ENROLLMENT_ALREADY_EXISTS", "PAYMENTS_UNSUPPORTED"],
            ),
        ],
    ),
    ("getOrder", ORDER),
    ("listOrderRefunds", ORDER),
    ("refundOrder", ORDER_CHANGE),
    ("markOrderPaid", ORDER_CHANGE),
    (
        "receiveStripeWebhook",
        &[(400, &["WEBHOOK_REJECTED"]), (409, &["PAYMENTS_UNSUPPORTED"])],
    ),
    (
        "createPlan",
        &[
            (402, &["PAYMENT_FAILED"]),
            (403, &["FORBIDDEN"]),
            (409, &["PAYMENTS_UNSUPPORTED"]),
        ],
    ),
    (
        "subscribe",
        &[
            (402, &["CARD_DECLINED", "PAYMENT_FAILED"]),
            (404, &["PLAN_NOT_FOUND", "USER_NOT_FOUND"]),
            (
                409,
                &["SUBSCRIPTION_ALREADY_EXISTS", "PAYMENTS_UNSUPPORTED", "CONFLICT"],
            ),
        ],
    ),
    ("getMySubscription", &[(404, &["SUBSCRIPTION_NOT_FOUND"])]),
    (
        "cancelSubscription",
        &[
            (402, &["PAYMENT_FAILED"]),
            (404, &["SUBSCRIPTION_NOT_FOUND"]),
            (409, &["PAYMENTS_UNSUPPORTED", "CONFLICT"]),
        ],
    ),
    ("salesReport", &[(403, &["FORBIDDEN"])]),
    ("mrrReport", &[(403, &["FORBIDDEN"])]),
    ("creatorRevenueReport", &[(403, &["FORBIDDEN"])]),
    ("courseAnalytics", COURSE_REPORT),
    ("courseQuestionAnalytics", COURSE_REPORT),
    ("analyticsOverview", &[(403, &["FORBIDDEN"])]),
    ("businessAnalytics", &[(403, &["FORBIDDEN"])]),
    ("learnerStudyAnalytics", &[(403, &["FORBIDDEN"])]),
    ("deckAnalytics", &[(403, &["FORBIDDEN"]), (404, &["DECK_NOT_FOUND"])]),
    ("getPerformance", &[(403, &["FORBIDDEN"])]),
    ("listAlertRules", &[(403, &["FORBIDDEN"])]),
    ("createAlertRule", &[(403, &["FORBIDDEN"])]),
    ("updateAlertRule", RULE_CHANGE),
    ("deleteAlertRule", RULE_CHANGE),
    ("listIncidents", &[(403, &["FORBIDDEN"])]),
    ("acknowledgeIncident", INCIDENT_CHANGE),
    ("resolveIncident", INCIDENT_CHANGE),
];
const COURSE_REPORT: Errors = &[(403, &["FORBIDDEN"]), (404, &["COURSE_NOT_FOUND"])];
const RULE_CHANGE: Errors = &[
    (403, &["FORBIDDEN"]),
    (404, &["ALERT_RULE_NOT_FOUND"]),
    (409, &["CONFLICT"]),
];
const INCIDENT_CHANGE: Errors = &[
    (403, &["FORBIDDEN"]),
    (404, &["INCIDENT_NOT_FOUND"]),
    (409, &["CONFLICT"]),
];
const ORDER: Errors = &[(404, &["ORDER_NOT_FOUND"])];
const ORDER_CHANGE: Errors = &[
    (402, &["CARD_DECLINED", "PAYMENT_FAILED"]),
    (403, &["FORBIDDEN"]),
    (404, &["ORDER_NOT_FOUND"]),
    (409, &["CONFLICT", "PAYMENTS_UNSUPPORTED"]),
];
const COURSE_CHANGE: Errors = &[
    (403, &["FORBIDDEN"]),
    (404, &["COURSE_NOT_FOUND"]),
    (409, &["CONFLICT", "COURSE_STATE"]),
];
const LESSON_CHANGE: Errors = &[
    (403, &["FORBIDDEN"]),
    (404, &["LESSON_NOT_FOUND", "COURSE_NOT_FOUND"]),
    (409, &["CONFLICT", "COURSE_STATE"]),
];
const LEARNING_EVENT: Errors = &[
    (403, &["FORBIDDEN", "NOT_ENROLLED", "LESSON_LOCKED"]),
    (404, &["LESSON_NOT_FOUND", "COURSE_NOT_FOUND"]),
    (
        409,
        &["CONFLICT", "INVALID_STATE_TRANSITION", "QUIZ_ATTEMPTS_EXHAUSTED"],
    ),
];
const WEBHOOK: Errors = &[(403, &["FORBIDDEN"]), (404, &["WEBHOOK_NOT_FOUND"])];
const WEBHOOK_CHANGE: Errors = &[
    (403, &["FORBIDDEN"]),
    (404, &["WEBHOOK_NOT_FOUND"]),
    (409, &["CONFLICT"]),
];

/// What a status means, for statuses only domain rules produce.
fn meaning(status: u16) -> &'static str {
    match status {
        401 => "Missing, invalid, expired or revoked credentials.",
        402 => {
            "Payment is required, or it failed: `CARD_DECLINED` (with `details.decline_code` \
                and a message the payer can act on) or `PAYMENT_FAILED`; retry with another \
                payment method."
        }
        403 => "Not allowed; `LESSON_LOCKED` lists the unmet requirements in `details.unmet`.",
        404 => "The resource does not exist or is hidden from the caller.",
        409 => "The request conflicts with the current state.",
        _ => "An error.",
    }
}

/// Fields where `null` has a meaning of its own (schema, property). In requests: a
/// course's price set to `null` makes it free, a class's stops selling it whole. In a
/// checkout's answer, every field of the contract is present, `null` when it has no value
/// (a class order has no `course_id`, a manual payment no `client_secret`). Everywhere
/// else an optional field is left out, and `null` is refused.
const NULLABLE: &[(&str, &str)] = &[
    ("UpdateCourseRequest", "price"),
    ("UpdateClassRequest", "price"),
    ("CheckoutResponse", "course_id"),
    ("CheckoutResponse", "class_id"),
    ("CheckoutResponse", "provider_reference"),
    ("CheckoutResponse", "client_secret"),
    ("SubscriptionResponse", "current_period_end"),
    ("CourseAnalyticsResponse", "completion_rate"),
    ("CourseAnalyticsResponse", "median_days_to_complete"),
    ("QuestionStatsResponse", "correct_rate"),
    ("QuestionStatsResponse", "discrimination"),
    ("OverviewResponse", "conversion_rate"),
    ("OverviewResponse", "retention"),
    ("DeckAnalyticsResponse", "retention"),
    ("IncidentResponse", "acknowledged_at"),
    ("IncidentResponse", "resolved_at"),
    ("IncidentResponse", "related_to"),
    ("IncidentResponse", "escalated_at"),
    ("IncidentResponse", "time_to_resolve_seconds"),
    ("StatusResponse", "mttr_seconds"),
];

/// Constraints the core enforces that poem-openapi's attributes cannot state, merged into
/// the schema at each JSON pointer.
const CONSTRAINTS: &[(&str, &str)] = &[
    (
        "/components/schemas/VideoProgressRequest/properties/intervals/items",
        r#"{"minItems": 2, "maxItems": 2}"#,
    ),
    (
        "/components/schemas/RegisterRequest/properties/email",
        r#"{"format": "email"}"#,
    ),
    (
        "/components/schemas/PasswordResetRequest/properties/email",
        r#"{"format": "email", "maxLength": 254}"#,
    ),
    (
        "/components/schemas/ProfileRequest/properties/email",
        r#"{"format": "email"}"#,
    ),
    (
        "/components/schemas/CreateWebhookRequest/properties/url",
        r#"{"pattern": "^https?://"}"#,
    ),
    (
        "/components/schemas/UpdateWebhookRequest/properties/url",
        r#"{"pattern": "^https?://"}"#,
    ),
];

/// An example of each main request and response body (schema name, JSON), shown by
/// documentation tools, used by generators and by schemathesis' examples phase.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "RegisterRequest",
        r#"{"email": "ada@example.com", "password": "maple-chalk-orbit-violet-31", "display_name": "Ada Lovelace"}"#,
    ),
    (
        "LoginRequest",
        r#"{"email": "ada@example.com", "password": "maple-chalk-orbit-violet-31"}"#,
    ),
    ("PasswordResetRequest", r#"{"email": "ada@example.com"}"#),
    ("AccessPatch", r#"{"role": "instructor"}"#),
    ("PriceDto", r#"{"amount_minor": 4900, "currency": "EUR"}"#),
    (
        "CreateCourseRequest",
        r#"{"title": "Rust in a week", "description": "From ownership to async.", "category": "programming", "difficulty": "beginner", "metadata": {"level": "1"}}"#,
    ),
    (
        "UpdateCourseRequest",
        r#"{"title": "Rust in two weeks", "price": null}"#,
    ),
    (
        "CreateLessonRequest",
        r#"{"title": "Ownership", "kind": "video", "video": {"youtube_id": "dQw4w9WgXcQ", "duration_seconds": 600}}"#,
    ),
    ("UpdateLessonRequest", r#"{"title": "Ownership and borrowing"}"#),
    (
        "CreateClassRequest",
        r#"{"title": "Autumn cohort", "description": "Rust from zero, September to December.", "price": {"amount_minor": 19900, "currency": "EUR"}}"#,
    ),
    (
        "UpdateClassRequest",
        r#"{"title": "Autumn cohort 2027", "price": {"amount_minor": 14900, "currency": "EUR"}}"#,
    ),
    ("VideoProgressRequest", r#"{"intervals": [[0, 30], [30, 60]]}"#),
    (
        "QuizAttemptRequest",
        r#"{"answers": [{"question_id": "01a241de-cb4f-778e-9e32-6f7196a01305", "selected_options": [0]}]}"#,
    ),
    (
        "TokenResponse",
        r#"{"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.signature", "refresh_token": "rt_2mVbQ1", "token_type": "Bearer", "expires_in": 900, "refresh_expires_at": "2026-12-11T09:00:00Z", "user": {"id": "01a2082b-c740-7a3c-9a10-0c2b3f4e5d6a", "email": "ada@example.com", "display_name": "Ada Lovelace", "role": "student", "premium": false, "created_at": "2026-12-04T09:00:00Z"}}"#,
    ),
    (
        "EnrollmentResponse",
        r#"{"id": "01a2082b-c889-7b2d-8e11-1d2c3b4a5f6e", "user_id": "01a2082b-c740-7a3c-9a10-0c2b3f4e5d6a", "course_id": "01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f", "status": "active", "source": "free", "enrolled_at": "2026-12-04T09:05:00Z", "completed_lessons": 0}"#,
    ),
    (
        "ProgressUpdateResponse",
        r#"{"lesson_id": "01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f", "lesson_completed": true, "course_completed": false, "duplicate": false, "percent": 50, "enrollment_status": "active", "next_lesson_id": "01a2082b-c8b8-7d5f-8a33-3f4e5d6c7b80"}"#,
    ),
    ("CheckoutRequest", r#"{"payment_method": "pm_card_visa"}"#),
    (
        "CheckoutResponse",
        r#"{"id": "01a2082b-d001-7a3c-9a10-0c2b3f4e5d6a", "status": "paid", "course_id": "01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f", "class_id": null, "course_ids": ["01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f"], "amount_minor": 4900, "currency": "EUR", "provider": "stripe", "provider_reference": "pi_3QfX2bL0aZ", "client_secret": "pi_3QfX2bL0aZ_secret_Kq9"}"#,
    ),
    (
        "RefundRequest",
        r#"{"amount_minor": 2000, "reason": "Requested within 14 days"}"#,
    ),
    (
        "RefundResponse",
        r#"{"id": "01a2082b-d0a2-7b2d-8e11-1d2c3b4a5f6e", "order_id": "01a2082b-d001-7a3c-9a10-0c2b3f4e5d6a", "amount_minor": 2000, "currency": "EUR", "status": "succeeded", "reason": "Requested within 14 days", "created_at": "2026-12-04T10:00:00Z"}"#,
    ),
    (
        "CreatePlanRequest",
        r#"{"name": "Premium monthly", "amount_minor": 1500, "currency": "EUR", "interval": "month"}"#,
    ),
    (
        "SubscribeRequest",
        r#"{"plan_id": "01a2082b-d0f0-7c4e-9f22-2e3d4c5b6a7f", "payment_method": "pm_card_visa"}"#,
    ),
    (
        "SubscriptionResponse",
        r#"{"id": "01a2082b-d111-7d5f-8a33-3f4e5d6c7b80", "status": "active", "plan_id": "01a2082b-d0f0-7c4e-9f22-2e3d4c5b6a7f", "current_period_end": "2027-01-04T10:00:00Z", "cancel_at_period_end": false}"#,
    ),
    (
        "ErrorEnvelope",
        r#"{"error": {"code": "LESSON_LOCKED", "message": "lesson 01a2082b-c8b8-7d5f-8a33-3f4e5d6c7b80 is locked", "details": {"lesson_id": "01a2082b-c8b8-7d5f-8a33-3f4e5d6c7b80", "unmet": [{"kind": "lesson", "lesson_id": "01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f", "title": "Ownership"}]}, "timestamp": "2026-12-04T09:10:00Z", "request_id": "01a2082b-c942-7e60-9b44-405f6e7d8c91"}}"#,
    ),
];

/// Links from a created or changed resource to what a client does next (OpenAPI `links`):
/// operation, status, link name, target operation, and where the target's `id` comes
/// from. Generators and schemathesis' stateful phase follow them (create a course → add a
/// lesson → publish → enroll → progress).
const LINKS: &[(&str, &str, &str, &str, &str)] = &[
    ("createCourse", "201", "GetCourse", "getCourse", "$response.body#/id"),
    ("createCourse", "201", "AddLesson", "createLesson", "$response.body#/id"),
    (
        "createCourse",
        "201",
        "PublishCourse",
        "publishCourse",
        "$response.body#/id",
    ),
    ("createLesson", "201", "OpenLesson", "openLesson", "$response.body#/id"),
    (
        "createLesson",
        "201",
        "UpdateLesson",
        "updateLesson",
        "$response.body#/id",
    ),
    (
        "publishCourse",
        "200",
        "EnrollInCourse",
        "enrollInCourse",
        "$response.body#/id",
    ),
    (
        "enrollInCourse",
        "201",
        "GetCourseProgress",
        "getCourseProgress",
        "$response.body#/course_id",
    ),
    ("createClass", "201", "GetClass", "getClass", "$response.body#/id"),
    (
        "createClass",
        "201",
        "AddClassCourse",
        "addClassCourse",
        "$response.body#/id",
    ),
    ("createClass", "201", "UpdateClass", "updateClass", "$response.body#/id"),
    (
        "createClass",
        "201",
        "CheckoutClass",
        "checkoutClass",
        "$response.body#/id",
    ),
    (
        "createClass",
        "201",
        "EnrollInClass",
        "enrollInClass",
        "$response.body#/id",
    ),
    ("createWebhook", "201", "GetWebhook", "getWebhook", "$response.body#/id"),
    (
        "createWebhook",
        "201",
        "ListWebhookDeliveries",
        "listWebhookDeliveries",
        "$response.body#/id",
    ),
];

/// Operations that read a bearer token when one is sent, and answer anonymous callers too.
const OPTIONAL_AUTH: &[&str] = &["listCourses", "getCourse"];
/// Paths of the operations that reveal internals.
const REVEALING: &[&str] = &["/metrics", "/health/detailed"];

/// The document served at `/openapi.json`, checked in as `docs/openapi.json`.
pub fn refine(raw: &str) -> String {
    let mut document: Value = match serde_json::from_str(raw) {
        Ok(document) => document,
        // The framework's own output; if it ever failed to parse, serving it unrefined
        // beats serving nothing.
        Err(_) => return raw.to_owned(),
    };
    plain_refs(&mut document);
    plain_json(&mut document);
    describe_error_details(&mut document);
    unsigned_minimum(&mut document);
    for (schema, property) in NULLABLE {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        if let Some(field) = document.pointer_mut(&pointer) {
            // OpenAPI 3.0 gives a `$ref` no siblings: the nullable reference is a one-member `allOf`.
            let described = match field.get("$ref") {
                Some(reference) => json!({"allOf": [{"$ref": reference}]}),
                None => field.clone(),
            };
            *field = described;
            field["nullable"] = Value::Bool(true);
        }
    }
    for (pointer, constraint) in CONSTRAINTS {
        let extra: Value = serde_json::from_str(constraint).unwrap_or_default();
        if let (Some(Value::Object(target)), Value::Object(extra)) = (document.pointer_mut(pointer), extra) {
            target.extend(extra);
        }
    }
    closed_request_objects(&mut document);
    for (schema, example) in EXAMPLES {
        let example: Value = serde_json::from_str(example).unwrap_or_default();
        if let Some(Value::Object(target)) = document.pointer_mut(&format!("/components/schemas/{schema}")) {
            target.insert("example".to_owned(), example);
        }
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for operation in item.as_object_mut().into_iter().flat_map(|i| i.values_mut()) {
                if let Some(operation) = operation.as_object_mut() {
                    refine_operation(path, operation);
                }
            }
        }
    }
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| raw.to_owned())
}

/// Lists the errors an operation can answer, declares optional authentication, and names
/// its success responses.
fn refine_operation(path: &str, operation: &mut Map<String, Value>) {
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if OPTIONAL_AUTH.contains(&id.as_str()) {
        operation.insert("security".to_owned(), json!([{}, {"BearerAuth": []}]));
    }
    let authenticated = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| r.get("BearerAuth").is_some()));
    let mut errors: Vec<(u16, Vec<&str>, &str)> = Vec::new();
    let mut add = |status: u16, codes: &[&'static str], text: &'static str| match errors
        .iter_mut()
        .find(|(s, _, _)| *s == status)
    {
        Some((_, known, _)) => {
            for code in codes {
                if !known.contains(code) {
                    known.push(code);
                }
            }
        }
        None => errors.push((status, codes.to_vec(), text)),
    };
    let mut groups = vec![ALWAYS];
    if authenticated {
        groups.push(AUTHENTICATED);
    }
    if path != "/metrics" && path != "/health" && !path.starts_with("/health/") {
        groups.push(RATE_LIMITED);
    }
    if operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty())
    {
        groups.push(WITH_PARAMETERS);
    }
    if operation.contains_key("requestBody") {
        groups.push(WITH_BODY);
    }
    if REVEALING.contains(&path) {
        groups.push(OPERATIONS_TOKEN);
    }
    for group in groups {
        for &(status, codes, text) in group {
            add(status, codes, text);
        }
    }
    let domain = DOMAIN_ERRORS
        .iter()
        .find(|(op, _)| *op == id)
        .map_or(&[][..], |(_, e)| e);
    for &(status, codes) in domain {
        add(status, codes, meaning(status));
    }
    errors.sort_by_key(|(status, _, _)| *status);
    let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (_, status, name, target, source) in LINKS.iter().filter(|(from, ..)| *from == id) {
        if let Some(Value::Object(response)) = responses.get_mut(*status) {
            let links = response.entry("links").or_insert_with(|| json!({}));
            links[*name] = json!({"operationId": target, "parameters": {"id": source}});
        }
    }
    // poem-openapi's error statuses go; the operation's own answers (2xx, and 503 from
    // readiness) stay.
    let envelope = json!({"$ref": "#/components/schemas/ErrorEnvelope"});
    responses.retain(|status, response| {
        !status.starts_with(['4', '5']) || !is_envelope(response, &envelope) || status == "503"
    });
    for (status, codes, text) in errors {
        let key = status.to_string();
        if responses.contains_key(&key) {
            continue;
        }
        let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        responses.insert(
            key,
            json!({
                "description": format!("{text} Codes: {}.", listed.join(", ")),
                "x-error-codes": codes,
                "content": {"application/json": {"schema": envelope}},
            }),
        );
    }
    for (status, response) in responses.iter_mut() {
        let empty = response
            .get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if status.starts_with('2') && empty {
            response["description"] = Value::String("Success.".to_owned());
        }
    }
}

/// Marks every object schema a request body uses `additionalProperties: false`: the
/// gateway refuses undeclared fields (`unknown_field`). Maps (with an
/// `additionalProperties` schema) keep theirs.
fn closed_request_objects(document: &mut Value) {
    // Inline schemas (multipart forms) are closed where they stand.
    let operations = document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|path| path.values_mut());
    for operation in operations {
        let media = operation
            .pointer_mut("/requestBody/content")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|content| content.values_mut());
        for schema in media
            .filter_map(|m| m.get_mut("schema"))
            .filter_map(Value::as_object_mut)
        {
            if schema.contains_key("properties") && !schema.contains_key("additionalProperties") {
                schema.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
        }
    }
    let mut pending: Vec<String> = Vec::new();
    for body in document.get("paths").map(request_bodies).unwrap_or_default() {
        collect_refs(&body, &mut pending);
    }
    let mut seen = std::collections::HashSet::new();
    while let Some(reference) = pending.pop() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        let Some(pointer) = reference.strip_prefix('#') else {
            continue;
        };
        if let Some(schema) = document.pointer(pointer) {
            collect_refs(schema, &mut pending);
        }
        if let Some(schema) = document.pointer_mut(pointer) {
            for_each_object_mut(schema, &mut |object| {
                let is_object = object.get("type").is_some_and(|t| t == "object") || object.contains_key("properties");
                // A union is closed by its branches: closing it too would refuse every branch.
                let is_union = object.contains_key("anyOf") || object.contains_key("oneOf");
                if is_object && !is_union && !object.contains_key("additionalProperties") {
                    object.insert("additionalProperties".to_owned(), Value::Bool(false));
                }
            });
        }
    }
}

/// The request-body schemas of every operation.
fn request_bodies(paths: &Value) -> Vec<Value> {
    let operations = paths.as_object().into_iter().flat_map(|p| p.values());
    operations
        .flat_map(|item| item.as_object().into_iter().flat_map(|i| i.values()))
        .filter_map(|operation| operation.pointer("/requestBody/content"))
        .flat_map(|content| content.as_object().into_iter().flat_map(|c| c.values()))
        .filter_map(|media| media.get("schema").cloned())
        .collect()
}

/// Every `$ref` inside `value`.
fn collect_refs(value: &Value, into: &mut Vec<String>) {
    for_each_object(value, &mut |object| {
        if let Some(Value::String(reference)) = object.get("$ref") {
            into.push(reference.clone());
        }
    });
}

/// Calls `visit` on every object inside `value`, outer ones first.
pub(crate) fn for_each_object(value: &Value, visit: &mut impl FnMut(&Map<String, Value>)) {
    match value {
        Value::Object(object) => {
            visit(object);
            object.values().for_each(|v| for_each_object(v, visit));
        }
        Value::Array(items) => items.iter().for_each(|v| for_each_object(v, visit)),
        _ => {}
    }
}

/// Calls `visit` on every object inside `value`, outer ones first, then walks what the
/// visit left in it.
fn for_each_object_mut(value: &mut Value, visit: &mut impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(object) => {
            visit(object);
            object.values_mut().for_each(|v| for_each_object_mut(v, visit));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| for_each_object_mut(v, visit)),
        _ => {}
    }
}

/// Names JSON bodies `application/json`, the media type generators look for; the server
/// sends them with `; charset=utf-8`, the same media type.
fn plain_json(document: &mut Value) {
    for_each_object_mut(document, &mut |object| {
        if let Some(Value::Object(content)) = object.get_mut("content") {
            if let Some(media) = content.remove(POEM_JSON) {
                content.insert("application/json".to_owned(), media);
            }
        }
    });
}

/// States the lower bound of unsigned integers: the framework names them `uint32` and the
/// like but gives no `minimum`, so a client (or a fuzzer) would take a negative value as valid
/// and the server refuses it.
fn unsigned_minimum(document: &mut Value) {
    for_each_object_mut(document, &mut |object| {
        let unsigned = object
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|format| format.starts_with("uint"));
        if unsigned && !object.contains_key("minimum") {
            object.insert("minimum".to_owned(), json!(0));
        }
    });
}

/// The media type poem-openapi names JSON bodies with.
const POEM_JSON: &str = "application/json; charset=utf-8";

/// Types the `details` of the error envelope: free-form in the handlers' types, it carries
/// these fields (`crate::error` and the gateway build them), and may carry others.
fn describe_error_details(document: &mut Value) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    schemas.insert(
        "FieldErrorDetail".to_owned(),
        json!({
            "type": "object",
            "title": "FieldErrorDetail",
            "description": "One invalid value of a request.",
            "required": ["field", "code", "message"],
            "properties": {
                "field": {"type": "string", "description": "Dotted path into the body (`quiz.questions.0.prompt`), or the path or query parameter's name."},
                "code": {"type": "string", "description": "Why: `required`, `invalid_type`, `too_long`, `out_of_range`, `unknown_field`, `weak_password` …"},
                "message": {"type": "string", "description": "Human-readable explanation."}
            }
        }),
    );
    schemas.insert(
        "ErrorDetails".to_owned(),
        json!({
            "type": "object",
            "title": "ErrorDetails",
            "description": "Structured detail of an error; `{}` when there is none.",
            "additionalProperties": true,
            "properties": {
                "fields": {"type": "array", "description": "`VALIDATION_ERROR`: every invalid value.", "items": {"$ref": "#/components/schemas/FieldErrorDetail"}},
                "lesson_id": {"type": "string", "format": "uuid", "description": "`LESSON_LOCKED`: the locked lesson."},
                "unmet": {"type": "array", "description": "`LESSON_LOCKED`: what to complete first.", "items": {"$ref": "#/components/schemas/UnmetDto"}},
                "entity": {"type": "string", "description": "`…_NOT_FOUND`, `…_ALREADY_EXISTS`, `CONFLICT`: the kind of thing."},
                "id": {"type": "string", "description": "`…_NOT_FOUND`: the identifier looked for."},
                "key": {"type": "string", "description": "`…_ALREADY_EXISTS`: the unique value taken."},
                "from": {"type": "string", "description": "`INVALID_STATE_TRANSITION`: the enrollment's state."},
                "action": {"type": "string", "description": "`INVALID_STATE_TRANSITION`: what was attempted."},
                "status": {"type": "string", "description": "`COURSE_STATE`: the course's state."},
                "limit": {"type": "integer", "description": "`QUIZ_ATTEMPTS_EXHAUSTED`: the attempt limit; `RATE_LIMITED`: requests per window."},
                "retry_after_seconds": {"type": "integer", "description": "`RATE_LIMITED`: seconds until the window resets."},
                "reason": {"type": "string", "description": "`BAD_REQUEST`: why the body could not be read."},
                "decline_code": {"type": "string", "description": "`CARD_DECLINED`: the payment provider's decline code."}
            }
        }),
    );
    if let Some(details) = schemas
        .get_mut("ErrorBody")
        .and_then(|b| b.pointer_mut("/properties/details"))
    {
        *details = json!({"$ref": "#/components/schemas/ErrorDetails"});
    }
}

/// Whether a response's body is the error envelope.
fn is_envelope(response: &Value, envelope: &Value) -> bool {
    response
        .get("content")
        .and_then(Value::as_object)
        .is_some_and(|content| content.values().any(|media| media.get("schema") == Some(envelope)))
}

/// Replaces every `allOf` that wraps a single `$ref` (plus description-only parts) by
/// that `$ref`, everywhere in the document.
fn plain_refs(document: &mut Value) {
    for_each_object_mut(document, &mut |object| {
        if let Some(reference) = single_ref(object) {
            *object = Map::from_iter([("$ref".to_owned(), Value::String(reference))]);
        }
    });
}

/// The reference of `{"allOf": [{"$ref": r}, {"description": …}…], "description": …}`.
fn single_ref(object: &Map<String, Value>) -> Option<String> {
    if object.keys().any(|key| key != "allOf" && key != "description") {
        return None;
    }
    let parts = object.get("allOf")?.as_array()?;
    let mut references = parts.iter().filter_map(|part| part.get("$ref")?.as_str());
    let reference = references.next()?.to_owned();
    let rest_is_prose = parts.iter().all(|part| {
        part.as_object()
            .is_some_and(|p| p.keys().all(|key| key == "$ref" || key == "description"))
    });
    (references.next().is_none() && rest_is_prose).then_some(reference)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_described_reference_becomes_a_plain_reference() {
        let raw = json!({"properties": {"status": {
            "description": "State.",
            "allOf": [{"$ref": "#/components/schemas/Status"}, {"description": "State."}]
        }}});
        let refined: Value = serde_json::from_str(&refine(&raw.to_string())).unwrap();
        assert_eq!(
            refined,
            json!({"properties": {"status": {"$ref": "#/components/schemas/Status"}}})
        );
    }

    #[test]
    fn a_composition_of_two_schemas_is_kept() {
        let raw = json!({"allOf": [{"$ref": "#/a"}, {"$ref": "#/b"}]});
        let refined: Value = serde_json::from_str(&refine(&raw.to_string())).unwrap();
        assert_eq!(refined, raw);
        let constrained = json!({"allOf": [{"$ref": "#/a"}, {"maxLength": 3}]});
        let refined: Value = serde_json::from_str(&refine(&constrained.to_string())).unwrap();
        assert_eq!(refined, constrained);
    }

    #[test]
    fn an_unsigned_integer_states_its_lower_bound() {
        let raw = json!({"a": {"type": "integer", "format": "uint8", "maximum": 5}, "b": {"type": "integer", "format": "int32"}});
        let refined: Value = serde_json::from_str(&refine(&raw.to_string())).unwrap();
        assert_eq!(refined["a"]["minimum"], json!(0));
        assert_eq!(refined["a"]["maximum"], json!(5));
        assert!(refined["b"].get("minimum").is_none());
    }

    #[test]
    fn every_example_fits_its_schema_in_the_served_document() {
        let document: Value = serde_json::from_str(&crate::openapi_json()).unwrap();
        let schemas = crate::field_errors::RequestSchemas::from_document(&crate::openapi_json());
        for (name, example) in EXAMPLES {
            let example: Value = serde_json::from_str(example).unwrap_or_else(|e| panic!("{name}: {e}"));
            let schema = json!({"$ref": format!("#/components/schemas/{name}")});
            assert!(
                document.pointer(&format!("/components/schemas/{name}")).is_some(),
                "{name}"
            );
            let errors = schemas.schema_errors(&schema, &example);
            assert!(errors.is_empty(), "the {name} example breaks its schema: {errors:?}");
        }
    }

    #[test]
    fn an_operation_lists_only_the_errors_it_can_answer() {
        let envelope = json!({"content": {"application/json; charset=utf-8": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}});
        let raw = json!({"paths": {
            "/api/v1/courses/{id}": {"get": {"operationId": "getCourse",
                "parameters": [{"name": "id", "in": "path"}],
                "responses": {"200": {"description": ""}, "402": envelope, "415": envelope}}},
            "/health/ready": {"get": {"operationId": "getReadiness",
                "responses": {"200": {"description": "Ready."}, "503": {"description": "Not ready.", "content": {}}}}}
        }});
        let refined: Value = serde_json::from_str(&refine(&raw.to_string())).unwrap();
        let course = &refined["paths"]["/api/v1/courses/{id}"]["get"];
        let statuses: Vec<&String> = course["responses"].as_object().unwrap().keys().collect();
        assert_eq!(statuses, ["200", "401", "404", "422", "429", "500", "503"]);
        assert_eq!(course["responses"]["404"]["x-error-codes"], json!(["COURSE_NOT_FOUND"]));
        assert_eq!(course["responses"]["200"]["description"], "Success.");
        assert_eq!(course["security"], json!([{}, {"BearerAuth": []}]));
        let ready = &refined["paths"]["/health/ready"]["get"]["responses"];
        assert_eq!(
            ready["503"]["description"], "Not ready.",
            "an operation's own 503 stays"
        );
        assert!(ready.get("429").is_none(), "health is not rate limited");
    }
}
