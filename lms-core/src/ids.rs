//! Typed identifiers: a `CourseId` can never be passed where a `LessonId` is expected.
//!
//! Identifiers are UUIDv7, so they sort by creation time. Stores page by id
//! (keyset pagination), which makes listings stable and cheap on every backend.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (e.g. one loaded from storage).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for crate::records::IndexValue {
            fn from(id: $name) -> Self {
                crate::records::IndexValue::Uuid(id.0)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

typed_id!(
    /// Identifies a user (learner, instructor or admin).
    UserId
);
typed_id!(
    /// Identifies a course.
    CourseId
);
typed_id!(
    /// Identifies a lesson; unique across all courses.
    LessonId
);
typed_id!(
    /// Identifies a class (a program or cohort grouping courses).
    ClassId
);
typed_id!(
    /// Identifies an enrollment of one user in one course.
    EnrollmentId
);
typed_id!(
    /// Identifies a quiz question within a lesson.
    QuestionId
);
typed_id!(
    /// Identifies a completion certificate; the public verification key.
    CertificateId
);
typed_id!(
    /// Identifies a domain event; also the idempotency key of client events.
    EventId
);
typed_id!(
    /// Identifies an order (a purchase of a course).
    OrderId
);
typed_id!(
    /// Identifies a refund of an order.
    RefundId
);
typed_id!(
    /// Identifies a flashcard deck.
    DeckId
);
typed_id!(
    /// Identifies a flashcard.
    CardId
);
typed_id!(
    /// Identifies a subscription plan.
    PlanId
);
typed_id!(
    /// Identifies a premium subscription.
    SubscriptionId
);
