//! Domain events: facts recorded in the outbox in the same write as the change that
//! produced them, and delivered later through the notifier.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::course::CourseStatus;
use crate::domain::enrollment::{EnrollmentSource, EnrollmentStatus};
use crate::domain::user::Role;
use crate::flashcards::Rating;
use crate::ids::{
    CardId, CertificateId, ClassId, CourseId, DeckId, EnrollmentId, EventId, LessonId, OrderId, PlanId, QuestionId,
    SubscriptionId, UserId,
};
use crate::payments::SubscriptionStatus;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventPayload {
    /// A user registered.
    UserRegistered {
        /// The user.
        user_id: UserId,
    },
    /// An admin changed a user's role or premium flag.
    UserAccessChanged {
        /// The user.
        user_id: UserId,
        /// New role.
        role: Role,
        /// New premium flag.
        premium: bool,
        /// The admin.
        by: UserId,
    },
    /// A course was created.
    CourseCreated {
        /// The course.
        course_id: CourseId,
        /// Its owner.
        owner_id: UserId,
    },
    /// A course's details or lessons changed.
    CourseUpdated {
        /// The course.
        course_id: CourseId,
    },
    /// A course changed lifecycle state.
    CourseStatusChanged {
        /// The course.
        course_id: CourseId,
        /// New state.
        status: CourseStatus,
    },
    /// A class was created or changed.
    ClassUpdated {
        /// The class.
        class_id: ClassId,
    },
    /// A learner enrolled.
    Enrolled {
        /// The enrollment.
        enrollment_id: EnrollmentId,
        /// The learner.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
        /// How.
        source: EnrollmentSource,
    },
    /// An enrollment changed state (other than completing).
    EnrollmentStatusChanged {
        /// The enrollment.
        enrollment_id: EnrollmentId,
        /// The learner.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
        /// Previous state.
        from: EnrollmentStatus,
        /// New state.
        to: EnrollmentStatus,
    },
    /// A lesson was completed.
    LessonCompleted {
        /// The enrollment.
        enrollment_id: EnrollmentId,
        /// The learner.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
        /// The lesson.
        lesson_id: LessonId,
    },
    /// A quiz attempt was graded.
    QuizGraded {
        /// The enrollment.
        enrollment_id: EnrollmentId,
        /// The learner.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
        /// The quiz lesson.
        lesson_id: LessonId,
        /// Score in percent.
        score_percent: u8,
        /// Whether it passed.
        passed: bool,
        /// Per question, answered correctly or not.
        results: Vec<(QuestionId, bool)>,
    },
    /// Every required lesson was completed.
    EnrollmentCompleted {
        /// The enrollment.
        enrollment_id: EnrollmentId,
        /// The learner.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
    },
    /// A completion certificate was issued.
    CertificateIssued {
        /// The certificate.
        certificate_id: CertificateId,
        /// The enrollment.
        enrollment_id: EnrollmentId,
        /// The learner.
        user_id: UserId,
        /// The course.
        course_id: CourseId,
    },
    /// An order was paid (the buyer is then enrolled).
    OrderPaid {
        /// The order.
        order_id: OrderId,
        /// The buyer.
        buyer_id: UserId,
        /// The course bought; absent for a class order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        course_id: Option<CourseId>,
        /// The class bought; absent for a course order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class_id: Option<ClassId>,
        /// The amount, in minor units.
        amount_minor: i64,
        /// Its currency.
        currency: String,
    },
    /// An order's payment failed.
    OrderFailed {
        /// The order.
        order_id: OrderId,
        /// The buyer.
        buyer_id: UserId,
        /// The course bought; absent for a class order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        course_id: Option<CourseId>,
        /// The class bought; absent for a course order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class_id: Option<ClassId>,
    },
    /// (Part of) an order was refunded; a full refund ends the access it paid for.
    OrderRefunded {
        /// The order.
        order_id: OrderId,
        /// The buyer.
        buyer_id: UserId,
        /// The course bought; absent for a class order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        course_id: Option<CourseId>,
        /// The class bought; absent for a course order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class_id: Option<ClassId>,
        /// This refund's amount, in minor units.
        amount_minor: i64,
        /// Its currency.
        currency: String,
        /// Whether the order is now refunded in full.
        full: bool,
    },
    /// A premium subscription started or changed state.
    SubscriptionChanged {
        /// The subscription.
        subscription_id: SubscriptionId,
        /// The subscriber.
        user_id: UserId,
        /// The plan.
        plan_id: PlanId,
        /// Its state now.
        status: SubscriptionStatus,
        /// When the paid period ends.
        current_period_end: Option<DateTime<Utc>>,
    },
    /// A payment provider's webhook event was stored in the inbox, to be processed.
    PaymentEventReceived {
        /// The inbox record.
        inbox_id: uuid::Uuid,
        /// The provider.
        provider: String,
        /// The provider's event type.
        provider_event_type: String,
    },
    /// A user's erasure was requested; the privacy reaction runs it once its cool-off ends.
    ErasureRequested {
        /// The erasure request.
        erasure_id: uuid::Uuid,
        /// The user to erase.
        user_id: UserId,
        /// When the erasure may start (the end of the cool-off window).
        not_before: DateTime<Utc>,
    },
    /// A user's personal data was erased; only pseudonymous ids remain.
    UserErased {
        /// The erasure request.
        erasure_id: uuid::Uuid,
        /// The erased user.
        user_id: UserId,
    },
    /// A security signal (S11): repeated failed logins, a reused refresh token, a login burst.
    SecurityAlert {
        /// What was seen.
        signal: SecuritySignal,
        /// The account concerned, when one is.
        user_id: Option<UserId>,
        /// The client address concerned, when one is.
        client_address: Option<String>,
        /// How many occurrences raised it (failed logins, logins from the address …).
        count: u32,
    },
    /// A learner reviewed a flashcard.
    CardReviewed {
        /// The learner.
        user_id: UserId,
        /// The deck.
        deck_id: DeckId,
        /// The card.
        card_id: CardId,
        /// The answer as a rating (an SM-2 quality is mapped to its rating).
        rating: Rating,
        /// Whether the answer passed under the deck's scheduler.
        passed: bool,
        /// Whether the card was due for recall: reviewed before, on an earlier day. Passed
        /// recalls over all recalls is the deck's retention.
        recall: bool,
        /// How long the learner took to answer, as their client measured it, in
        /// milliseconds (at most [`MAX_REVIEW_MS`] is counted as study time).
        duration_ms: Option<u32>,
    },
}

/// The longest answer time counted as study time for one review: a minute, as Anki
/// counts it, so a card left on screen does not count as an hour of study.
pub const MAX_REVIEW_MS: u32 = 60_000;

/// The kinds of security alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecuritySignal {
    /// Failed logins on one account reached the account's limit.
    RepeatedLoginFailures,
    /// A refresh token was presented after it had been exchanged; its session was revoked.
    RefreshTokenReuse,
    /// Login attempts from one client address reached the address's limit.
    LoginBurst,
}

impl EventPayload {
    /// The snake-case event type, as in the serialized `type` field.
    pub fn event_type(&self) -> &'static str {
        match self {
            EventPayload::UserRegistered { .. } => "user_registered",
            EventPayload::UserAccessChanged { .. } => "user_access_changed",
            EventPayload::CourseCreated { .. } => "course_created",
            EventPayload::CourseUpdated { .. } => "course_updated",
            EventPayload::CourseStatusChanged { .. } => "course_status_changed",
            EventPayload::ClassUpdated { .. } => "class_updated",
            EventPayload::Enrolled { .. } => "enrolled",
            EventPayload::EnrollmentStatusChanged { .. } => "enrollment_status_changed",
            EventPayload::LessonCompleted { .. } => "lesson_completed",
            EventPayload::QuizGraded { .. } => "quiz_graded",
            EventPayload::EnrollmentCompleted { .. } => "enrollment_completed",
            EventPayload::CertificateIssued { .. } => "certificate_issued",
            EventPayload::OrderPaid { .. } => "order_paid",
            EventPayload::OrderFailed { .. } => "order_failed",
            EventPayload::OrderRefunded { .. } => "order_refunded",
            EventPayload::SubscriptionChanged { .. } => "subscription_changed",
            EventPayload::PaymentEventReceived { .. } => "payment_event_received",
            EventPayload::ErasureRequested { .. } => "erasure_requested",
            EventPayload::UserErased { .. } => "user_erased",
            EventPayload::SecurityAlert { .. } => "security_alert",
            EventPayload::CardReviewed { .. } => "card_reviewed",
        }
    }
}

impl EventPayload {
    /// The type as subscribers see it: dotted lower case, `<aggregate>.<what happened>`
    /// (`user.registered`, `lesson.completed`). A course's status change is named by the
    /// status it reached; an enrollment's completion is `course.completed`. docs/events.md
    /// lists every type with an example.
    pub fn public_type(&self) -> &'static str {
        match self {
            EventPayload::UserRegistered { .. } => "user.registered",
            EventPayload::UserAccessChanged { .. } => "user.access_changed",
            EventPayload::CourseCreated { .. } => "course.created",
            EventPayload::CourseUpdated { .. } => "course.updated",
            EventPayload::CourseStatusChanged { status, .. } => match status {
                CourseStatus::Draft => "course.drafted",
                CourseStatus::Published => "course.published",
                CourseStatus::Archived => "course.archived",
            },
            EventPayload::ClassUpdated { .. } => "class.updated",
            EventPayload::Enrolled { .. } => "enrollment.created",
            EventPayload::EnrollmentStatusChanged { .. } => "enrollment.status_changed",
            EventPayload::LessonCompleted { .. } => "lesson.completed",
            EventPayload::QuizGraded { .. } => "quiz.graded",
            EventPayload::EnrollmentCompleted { .. } => "course.completed",
            EventPayload::CertificateIssued { .. } => "certificate.issued",
            EventPayload::OrderPaid { .. } => "order.paid",
            EventPayload::OrderFailed { .. } => "order.failed",
            EventPayload::OrderRefunded { .. } => "order.refunded",
            EventPayload::SubscriptionChanged { .. } => "subscription.changed",
            EventPayload::PaymentEventReceived { .. } => "payment.event_received",
            EventPayload::ErasureRequested { .. } => "erasure.requested",
            EventPayload::UserErased { .. } => "user.erased",
            EventPayload::SecurityAlert { .. } => "security.alert",
            EventPayload::CardReviewed { .. } => "card.reviewed",
        }
    }

    /// Every public type, in the order of the variants.
    pub const PUBLIC_TYPES: &'static [&'static str] = &[
        "user.registered",
        "user.access_changed",
        "course.created",
        "course.updated",
        "course.drafted",
        "course.published",
        "course.archived",
        "class.updated",
        "enrollment.created",
        "enrollment.status_changed",
        "lesson.completed",
        "quiz.graded",
        "course.completed",
        "certificate.issued",
        "order.paid",
        "order.failed",
        "order.refunded",
        "subscription.changed",
        "payment.event_received",
        "erasure.requested",
        "user.erased",
        "security.alert",
        "card.reviewed",
    ];

    /// The payload's fields, without the type tag: the `data` of a delivered event.
    pub fn data(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.remove("type");
        }
        value
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainEvent {
    /// Unique id (consumers de-duplicate by it).
    pub id: EventId,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// What happened.
    pub payload: EventPayload,
}

impl DomainEvent {
    /// The event as it leaves the process (a webhook body, a bus message):
    /// `{"id", "type", "occurred_at", "data": {…}}`, with the public type.
    pub fn delivered_body(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "type": self.payload.public_type(),
            "occurred_at": self.occurred_at,
            "data": self.payload.data(),
        })
    }

    /// Stamps a payload with a fresh id and the time.
    pub fn new(payload: EventPayload, occurred_at: DateTime<Utc>) -> Self {
        Self {
            id: EventId::new(),
            occurred_at,
            payload,
        }
    }
}
