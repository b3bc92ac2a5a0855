//! The one error type of `lms-core`: what went wrong, in terms a caller can act on.

use std::fmt;

use serde::Serialize;

use crate::domain::enrollment::EnrollmentStatus;
use crate::domain::unlock::UnmetRequirement;
use crate::ids::LessonId;

/// Boxed error from a backend (database driver, network, …).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout `lms-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kinds of things that can be looked up, for `NotFound` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Entity {
    /// A user account.
    User,
    /// A course.
    Course,
    /// A lesson.
    Lesson,
    /// A class.
    Class,
    /// An enrollment.
    Enrollment,
    /// A certificate.
    Certificate,
    /// A domain event in the outbox.
    Event,
    /// An event a subscriber failed to take in every attempt.
    DeadLetter,
    /// A webhook endpoint.
    Webhook,
    /// An order (a purchase).
    Order,
    /// A refund of an order.
    Refund,
    /// A subscription plan.
    Plan,
    /// A premium subscription.
    Subscription,
    /// A request to erase a user's data.
    Erasure,
    /// The audit log.
    Audit,
    /// A flashcard deck.
    Deck,
    /// A flashcard.
    Card,
    /// A deck's media file.
    Media,
    /// Learning analytics and business metrics.
    Analytics,
    /// An alert rule.
    AlertRule,
    /// An incident.
    Incident,
}

impl Entity {
    /// Upper-case name used in error codes (`COURSE_NOT_FOUND`).
    pub fn code_name(self) -> &'static str {
        match self {
            Entity::User => "USER",
            Entity::Course => "COURSE",
            Entity::Lesson => "LESSON",
            Entity::Class => "CLASS",
            Entity::Enrollment => "ENROLLMENT",
            Entity::Certificate => "CERTIFICATE",
            Entity::Event => "EVENT",
            Entity::DeadLetter => "DEAD_LETTER",
            Entity::Webhook => "WEBHOOK",
            Entity::Order => "ORDER",
            Entity::Refund => "REFUND",
            Entity::Plan => "PLAN",
            Entity::Subscription => "SUBSCRIPTION",
            Entity::Erasure => "ERASURE",
            Entity::Audit => "AUDIT",
            Entity::Deck => "DECK",
            Entity::Card => "CARD",
            Entity::Media => "MEDIA",
            Entity::Analytics => "ANALYTICS",
            Entity::AlertRule => "ALERT_RULE",
            Entity::Incident => "INCIDENT",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::User => "user",
            Entity::Course => "course",
            Entity::Lesson => "lesson",
            Entity::Class => "class",
            Entity::Enrollment => "enrollment",
            Entity::Certificate => "certificate",
            Entity::Event => "event",
            Entity::DeadLetter => "dead letter",
            Entity::Webhook => "webhook",
            Entity::Order => "order",
            Entity::Refund => "refund",
            Entity::Plan => "plan",
            Entity::Subscription => "subscription",
            Entity::Erasure => "erasure",
            Entity::Audit => "audit log",
            Entity::Deck => "deck",
            Entity::Card => "card",
            Entity::Media => "media file",
            Entity::Analytics => "analytics",
            Entity::AlertRule => "alert rule",
            Entity::Incident => "incident",
        })
    }
}

/// One invalid input field: which field, a stable code and a readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field (`lessons.2.video.duration_seconds`).
    pub field: String,
    /// Stable machine-readable reason (`too_long`, `required`, …).
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same error, nested under a parent field (`title` → `lessons.0.title`).
    pub fn under(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Everything that can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input failed validation; every offending field is listed.
    #[error("validation failed: {}", join(.0))]
    Validation(Vec<FieldError>),
    /// The thing does not exist (or the actor may not know it exists).
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of thing.
        entity: Entity,
        /// Its identifier or key.
        id: String,
    },
    /// A uniqueness rule would be broken (e.g. an email already registered).
    #[error("{entity} already exists: {key}")]
    AlreadyExists {
        /// What kind of thing.
        entity: Entity,
        /// Which unique key clashed.
        key: String,
    },
    /// The aggregate changed concurrently more times than the retry budget allows.
    #[error("{entity} {id} was modified concurrently")]
    Conflict {
        /// What kind of thing.
        entity: Entity,
        /// Its identifier.
        id: String,
    },
    /// Credentials or tokens are missing, wrong, expired or revoked.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// The actor is known but not allowed to do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The lesson is locked; `unmet` says why.
    #[error("lesson {lesson_id} is locked")]
    LessonLocked {
        /// The locked lesson.
        lesson_id: LessonId,
        /// The requirements still to meet.
        unmet: Vec<UnmetRequirement>,
    },
    /// The learner is not enrolled in the course.
    #[error("not enrolled in this course")]
    NotEnrolled,
    /// The enrollment's state does not allow the operation.
    #[error("cannot {action} an enrollment that is {from}")]
    InvalidTransition {
        /// State the enrollment is in.
        from: EnrollmentStatus,
        /// What was attempted.
        action: &'static str,
    },
    /// The course's lifecycle state does not allow the operation.
    #[error("course is {status}: {reason}")]
    CourseState {
        /// Current lifecycle state.
        status: crate::domain::course::CourseStatus,
        /// Why the operation is refused.
        reason: &'static str,
    },
    /// What was to be bought is not sold (a class without a price, or with nothing left
    /// in it to buy).
    #[error("not for sale: {0}")]
    NotForSale(&'static str),
    /// A paid course needs a purchase or subscription before enrollment.
    #[error("course requires payment")]
    PaymentRequired,
    /// The payment did not go through (refused by the provider for a reason other than
    /// the card); the order can be retried.
    #[error("payment failed: {0}")]
    PaymentFailed(String),
    /// The card was declined; `message` says what the payer can do.
    #[error("{message}")]
    CardDeclined {
        /// The provider's decline code.
        decline_code: String,
        /// What the payer can do about it.
        message: String,
    },
    /// The configured payment provider cannot do this (no purchases without a provider,
    /// no subscriptions with manual payments).
    #[error("not supported by the payment provider: {0}")]
    PaymentsUnsupported(String),
    /// A payment provider's webhook failed verification (signature, timestamp, body);
    /// nothing of it was stored.
    #[error("webhook rejected: {0}")]
    WebhookRejected(String),
    /// The quiz attempt limit is used up.
    #[error("no quiz attempts left (limit {limit})")]
    AttemptsExhausted {
        /// The lesson's attempt limit.
        limit: u32,
    },
    /// Storage is unreachable; retrying later may succeed.
    #[error("storage unavailable")]
    Unavailable(#[source] BoxError),
    /// Unexpected backend failure.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

fn join(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl Error {
    /// A validation error about a single field.
    pub fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, code, message)])
    }

    /// `NotFound` for an entity and id.
    pub fn not_found(entity: Entity, id: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// Stable machine-readable code, used verbatim in API error bodies.
    pub fn code(&self) -> String {
        match self {
            Error::Validation(_) => "VALIDATION_ERROR".into(),
            Error::NotFound { entity, .. } => format!("{}_NOT_FOUND", entity.code_name()),
            Error::AlreadyExists { entity, .. } => format!("{}_ALREADY_EXISTS", entity.code_name()),
            Error::Conflict { .. } => "CONFLICT".into(),
            Error::Unauthenticated(_) => "UNAUTHORIZED".into(),
            Error::Forbidden(_) => "FORBIDDEN".into(),
            Error::LessonLocked { .. } => "LESSON_LOCKED".into(),
            Error::NotEnrolled => "NOT_ENROLLED".into(),
            Error::InvalidTransition { .. } => "INVALID_STATE_TRANSITION".into(),
            Error::CourseState { .. } => "COURSE_STATE".into(),
            Error::NotForSale(_) => "NOT_FOR_SALE".into(),
            Error::PaymentRequired => "PAYMENT_REQUIRED".into(),
            Error::PaymentFailed(_) => "PAYMENT_FAILED".into(),
            Error::CardDeclined { .. } => "CARD_DECLINED".into(),
            Error::PaymentsUnsupported(_) => "PAYMENTS_UNSUPPORTED".into(),
            Error::WebhookRejected(_) => "WEBHOOK_REJECTED".into(),
            Error::AttemptsExhausted { .. } => "QUIZ_ATTEMPTS_EXHAUSTED".into(),
            Error::Unavailable(_) => "SERVICE_UNAVAILABLE".into(),
            Error::Internal(_) => "INTERNAL_ERROR".into(),
        }
    }
}

/// Collects field errors, so one response can report every invalid field at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs a fallible parse; on failure records its field errors under `field`.
    pub fn field<T>(&mut self, field: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(Error::Validation(errors)) => {
                self.errors.extend(errors.into_iter().map(|e| e.under(field)));
                None
            }
            Err(other) => {
                self.errors.push(FieldError::new(field, "invalid", other.to_string()));
                None
            }
        }
    }

    /// Records a field error.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// `Ok` when nothing was recorded, else one `Validation` error with all of them.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }
}
