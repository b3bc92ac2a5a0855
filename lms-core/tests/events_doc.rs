//! docs/events.md lists every public event type with an example of the body subscribers
//! receive; this test keeps it current. Regenerate with
//! `LMS_UPDATE_EVENTS_DOC=1 cargo test -p lms-core --test events_doc`.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use lms_core::domain::course::CourseStatus;
use lms_core::domain::enrollment::{EnrollmentSource, EnrollmentStatus};
use lms_core::domain::events::{DomainEvent, EventPayload, SecuritySignal};
use lms_core::domain::user::Role;
use lms_core::flashcards::Rating;
use lms_core::ids::{
    CardId, CertificateId, ClassId, CourseId, DeckId, EnrollmentId, EventId, LessonId, OrderId, PlanId, QuestionId,
    SubscriptionId, UserId,
};
use lms_core::payments::SubscriptionStatus;
use uuid::Uuid;

/// A fixed id, so the document does not change from run to run.
fn id<T: From<Uuid>>(n: u128) -> T {
    T::from(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n))
}

/// One example of every payload, every course status included.
fn examples() -> Vec<EventPayload> {
    let (user, course, enrollment): (UserId, CourseId, EnrollmentId) = (id(1), id(2), id(3));
    let mut all = vec![
        EventPayload::UserRegistered { user_id: user },
        EventPayload::UserAccessChanged {
            user_id: user,
            role: Role::Instructor,
            premium: false,
            by: id(9),
        },
        EventPayload::CourseCreated {
            course_id: course,
            owner_id: user,
        },
        EventPayload::CourseUpdated { course_id: course },
    ];
    for status in [CourseStatus::Draft, CourseStatus::Published, CourseStatus::Archived] {
        all.push(EventPayload::CourseStatusChanged {
            course_id: course,
            status,
        });
    }
    all.extend([
        EventPayload::ClassUpdated {
            class_id: id::<ClassId>(4),
        },
        EventPayload::Enrolled {
            enrollment_id: enrollment,
            user_id: user,
            course_id: course,
            source: EnrollmentSource::Free,
        },
        EventPayload::EnrollmentStatusChanged {
            enrollment_id: enrollment,
            user_id: user,
            course_id: course,
            from: EnrollmentStatus::Active,
            to: EnrollmentStatus::Cancelled,
        },
        EventPayload::LessonCompleted {
            enrollment_id: enrollment,
            user_id: user,
            course_id: course,
            lesson_id: id::<LessonId>(5),
        },
        EventPayload::QuizGraded {
            enrollment_id: enrollment,
            user_id: user,
            course_id: course,
            lesson_id: id::<LessonId>(6),
            score_percent: 80,
            passed: true,
            results: vec![(id::<QuestionId>(7), true), (id::<QuestionId>(8), false)],
        },
        EventPayload::EnrollmentCompleted {
            enrollment_id: enrollment,
            user_id: user,
            course_id: course,
        },
        EventPayload::CertificateIssued {
            certificate_id: id::<CertificateId>(10),
            enrollment_id: enrollment,
            user_id: user,
            course_id: course,
        },
        EventPayload::OrderPaid {
            order_id: id::<OrderId>(11),
            buyer_id: user,
            course_id: Some(course),
            class_id: None,
            amount_minor: 4900,
            currency: "EUR".to_owned(),
        },
        EventPayload::OrderFailed {
            order_id: id::<OrderId>(11),
            buyer_id: user,
            course_id: Some(course),
            class_id: None,
        },
        EventPayload::OrderRefunded {
            order_id: id::<OrderId>(11),
            buyer_id: user,
            course_id: Some(course),
            class_id: None,
            amount_minor: 4900,
            currency: "EUR".to_owned(),
            full: true,
        },
        EventPayload::SubscriptionChanged {
            subscription_id: id::<SubscriptionId>(12),
            user_id: user,
            plan_id: id::<PlanId>(13),
            status: SubscriptionStatus::Active,
            current_period_end: Utc.with_ymd_and_hms(2027, 1, 1, 9, 30, 0).single(),
        },
        EventPayload::PaymentEventReceived {
            inbox_id: id::<Uuid>(14),
            provider: "stripe".to_owned(),
            provider_event_type: "payment_intent.succeeded".to_owned(),
        },
        EventPayload::ErasureRequested {
            erasure_id: id::<Uuid>(15),
            user_id: user,
            not_before: Utc.with_ymd_and_hms(2026, 12, 5, 9, 30, 0).unwrap(),
        },
        EventPayload::UserErased {
            erasure_id: id::<Uuid>(15),
            user_id: user,
        },
        EventPayload::SecurityAlert {
            signal: SecuritySignal::RepeatedLoginFailures,
            user_id: Some(user),
            client_address: Some("203.0.113.7".to_owned()),
            count: 5,
        },
        EventPayload::CardReviewed {
            user_id: user,
            deck_id: id::<DeckId>(16),
            card_id: id::<CardId>(17),
            rating: Rating::Good,
            passed: true,
            recall: true,
            duration_ms: Some(4_200),
        },
    ]);
    all
}

fn document() -> String {
    let mut doc = String::from(
        "# Events\n\n\
         Every change the LMS makes is recorded as an event in the same write, and the relay\n\
         (`lms_core::delivery`) delivers it to every subscriber at least once: receivers\n\
         de-duplicate by `id`. An event leaving the process is\n\
         `{\"id\", \"type\", \"occurred_at\", \"data\": {…}}` (`DomainEvent::delivered_body`).\n\
         Subscribers filter on `type`; an empty filter means every type. The `order.*`\n\
         events carry the `course_id` of a course order, or the `class_id` of a class order.\n\n\
         This file is generated from the code (`lms-core/tests/events_doc.rs`).\n",
    );
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 30, 0)
        .single()
        .expect("valid time");
    for (n, payload) in examples().into_iter().enumerate() {
        let event = DomainEvent {
            id: id::<EventId>(100 + n as u128),
            occurred_at: at,
            payload,
        };
        let body = serde_json::to_string_pretty(&event.delivered_body()).expect("JSON");
        doc.push_str(&format!(
            "\n## `{}`\n\n```json\n{body}\n```\n",
            event.payload.public_type()
        ));
    }
    doc
}

#[test]
fn every_public_type_has_an_example() {
    let documented: BTreeSet<&str> = examples().iter().map(EventPayload::public_type).collect();
    let declared: BTreeSet<&str> = EventPayload::PUBLIC_TYPES.iter().copied().collect();
    assert_eq!(documented, declared);
    assert_eq!(declared.len(), EventPayload::PUBLIC_TYPES.len(), "each type once");
    for name in &declared {
        let (aggregate, what) = name.split_once('.').expect("dotted");
        let lower = |s: &str| s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        assert!(lower(aggregate) && lower(what), "{name} is dotted lower case");
    }
}

#[test]
fn delivered_bodies_carry_the_public_type_and_the_fields() {
    let event = DomainEvent::new(
        EventPayload::LessonCompleted {
            enrollment_id: id(3),
            user_id: id(1),
            course_id: id(2),
            lesson_id: id(5),
        },
        Utc::now(),
    );
    let body = event.delivered_body();
    assert_eq!(body["id"], serde_json::json!(event.id));
    assert_eq!(body["type"], "lesson.completed");
    assert_eq!(body["data"]["lesson_id"], serde_json::json!(id::<LessonId>(5)));
    assert!(body["data"].get("type").is_none(), "the tag is not repeated in data");
}

#[test]
fn the_committed_events_document_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/events.md");
    let generated = document();
    if std::env::var("LMS_UPDATE_EVENTS_DOC").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write docs/events.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/events.md is not current; regenerate with LMS_UPDATE_EVENTS_DOC=1 cargo test -p lms-core --test events_doc"
    );
}
