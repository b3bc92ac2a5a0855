//! Checks every SQL adapter runs on top of the core's conformance suite: the cases where
//! a database's own constraint checking could classify a write differently than the
//! reference store, and what erasure deletes from the adapter's own tables.

use chrono::{SubsecRound, Utc};
use lms_core::domain::course::{Course, Difficulty};
use lms_core::domain::enrollment::{Enrollment, EnrollmentSource, LearningEvent};
use lms_core::domain::lesson::{Lesson, LessonContent};
use lms_core::domain::money::Price;
use lms_core::domain::text::{Category, Description, DisplayName, Email, LessonBody, Title};
use lms_core::domain::user::{Role, User};
use lms_core::ids::{CourseId, UserId};
use lms_core::ports::{
    DataDump, EnrollmentStore, ErasureStore, IndexEntry, KeyRole, RecordStore, RecordWrite, StoreError, StoredRecord,
    UniqueKey, UnitOfWork, UserStore,
};
use uuid::Uuid;

/// A new student record (not stored) with this email.
pub fn user(email: &str) -> User {
    let now = Utc::now().trunc_subsecs(6);
    User {
        id: UserId::new(),
        email: Email::parse(email).expect("valid email"),
        display_name: DisplayName::parse("Someone").expect("valid name"),
        role: Role::Student,
        premium: false,
        created_at: now,
        updated_at: now,
        version: 1,
        sealed: None,
    }
}

fn assert_duplicate(result: Result<(), StoreError>, key: UniqueKey) {
    assert!(
        matches!(result, Err(StoreError::Duplicate(k)) if k == key),
        "expected Duplicate({key:?}), got {result:?}"
    );
}

/// Each broken uniqueness rule is reported as its own key: a taken email on insert and on
/// update, a second enrollment in a course, and a re-inserted user (whose id and email
/// both exist) as a duplicate id, the rule the reference store checks first.
pub async fn unique_violations_are_classified<S: UserStore + EnrollmentStore>(store: &S) {
    let tag = format!("{:016x}", fastrand::u64(..));
    let ada = user(&format!("ada-{tag}@example.com"));
    store.insert_user(&ada, None, &[]).await.expect("insert");

    assert_duplicate(
        store.insert_user(&user(ada.email.as_str()), None, &[]).await,
        UniqueKey::UserEmail,
    );
    assert_duplicate(store.insert_user(&ada, None, &[]).await, UniqueKey::Id);

    let mut bob = user(&format!("bob-{tag}@example.com"));
    store.insert_user(&bob, None, &[]).await.expect("insert");
    bob.email = ada.email.clone();
    bob.version = 2;
    assert_duplicate(store.update_user(&bob, 1, &[]).await, UniqueKey::UserEmail);

    let course = CourseId::new();
    let enroll = || Enrollment::new(ada.id, course, EnrollmentSource::Free, Utc::now().trunc_subsecs(6));
    store.insert_enrollment(&enroll(), &[]).await.expect("enroll");
    assert_duplicate(store.insert_enrollment(&enroll(), &[]).await, UniqueKey::UserCourse);
}

/// A class as the releases before records stored it in the `classes` table: its id,
/// version and JSON document.
pub fn class_stored_before_records() -> (lms_core::domain::class::Class, String) {
    use lms_core::domain::class::Class;
    use lms_core::domain::text::{Description, Title};
    let mut class = Class::new(
        UserId::new(),
        Title::parse("Cohort of 2025").expect("valid title"),
        Description::parse("Stored before records existed").expect("valid description"),
        Utc::now().trunc_subsecs(6),
    );
    class.add_course(CourseId::new()).expect("room for a course");
    class.version = 3;
    let doc = serde_json::to_string(&class).expect("a class encodes");
    (class, doc)
}

/// Checks that the records migration carried the class over: found by id and by owner.
pub async fn assert_class_became_a_record(
    store: std::sync::Arc<dyn lms_core::ports::RecordStore>,
    class: &lms_core::domain::class::Class,
) {
    use lms_core::domain::class::Class;
    use lms_core::ports::PageRequest;
    let records = lms_core::records::Records::new(store);
    assert_eq!(records.get::<Class>(class.id).await.expect("get").as_ref(), Some(class));
    let by_owner = records
        .list_by::<Class>("owner_id", class.owner_id, PageRequest::first())
        .await
        .expect("by owner");
    assert_eq!(by_owner.items, vec![class.clone()]);
    assert_eq!(
        records.owned_by(class.owner_id).await.expect("owned").len(),
        1,
        "the owner column was filled"
    );
}

/// The record kind [`erasure_deletes_enrollments_and_owned_records`] erases.
const NOTE: &str = "erasure_note";
/// The record kind it keeps.
const RECEIPT: &str = "erasure_receipt";

/// A new record (not stored) of `kind`, owned by `owner`, whose document holds `text` and
/// whose entries are a unique `code` and a lookup `topic`.
fn owned_record(kind: &'static str, owner: Option<UserId>, text: &str, code: &str, topic: &str) -> StoredRecord {
    StoredRecord {
        kind,
        id: Uuid::now_v7(),
        version: 1,
        owner,
        doc: serde_json::json!({ "text": text }),
        entries: vec![
            IndexEntry {
                key: "code",
                role: KeyRole::Unique,
                value: code.to_owned(),
            },
            IndexEntry {
                key: "topic",
                role: KeyRole::Lookup,
                value: topic.to_owned(),
            },
        ],
    }
}

/// Stores a learner with two enrollments (one with progress and a certificate) and owned
/// records of two kinds, and a bystander with an enrollment and a record; then checks
/// that erasing the learner's enrollments and records (keeping one kind) removes exactly
/// those, with every row and entry that indexed them, that each deletion counts what it
/// removed and removes nothing when run again, and that the dump shows the erased data
/// before and not after. Returns the marker only the erased data held, for checks of the
/// backend's files.
pub async fn erasure_deletes_enrollments_and_owned_records<S>(store: &S) -> String
where
    S: UserStore + EnrollmentStore + RecordStore + ErasureStore + DataDump,
{
    let tag = format!("{:016x}", fastrand::u64(..));
    let (marker, kept, bystander) = (
        format!("erased-{tag}"),
        format!("kept-{tag}"),
        format!("bystander-{tag}"),
    );
    let now = Utc::now().trunc_subsecs(6);
    let ada = user(&format!("ada-{tag}@example.com"));
    let bob = user(&format!("bob-{tag}@example.com"));
    for learner in [&ada, &bob] {
        store.insert_user(learner, None, &[]).await.expect("insert user");
    }

    // A course of one text lesson, titled with the marker: completing the lesson issues a
    // certificate that copies the title into the enrollment.
    let mut course = Course::new(
        bob.id,
        Title::parse(&format!("Course {marker}")).expect("title"),
        Description::parse("For erasure").expect("description"),
        Category::parse("Privacy").expect("category"),
        Difficulty::Beginner,
        Price::Free,
        now,
    );
    let body = LessonBody::parse("Read me").expect("body");
    let lesson = Lesson::new(
        Title::parse("Only lesson").expect("title"),
        LessonContent::Text { body },
    );
    let lesson_id = lesson.id;
    course.insert_lesson(lesson, None).expect("lesson");
    let mut completed = Enrollment::new(
        ada.id,
        course.id,
        EnrollmentSource::Purchase {
            order_ref: marker.clone(),
        },
        now,
    );
    completed
        .apply(&course, lesson_id, &LearningEvent::TextCompleted, None, &[], now)
        .expect("progress");
    let certificate = completed.certificate().expect("the course is complete").id;
    let started = Enrollment::new(ada.id, CourseId::new(), EnrollmentSource::Free, now);
    let bystanders = Enrollment::new(bob.id, course.id, EnrollmentSource::Free, now);
    for enrollment in [&completed, &started, &bystanders] {
        store.insert_enrollment(enrollment, &[]).await.expect("enroll");
    }

    let notes: Vec<StoredRecord> = (0..2)
        .map(|i| owned_record(NOTE, Some(ada.id), &marker, &format!("{marker}-{i}"), &marker))
        .collect();
    let receipt = owned_record(RECEIPT, Some(ada.id), &kept, &kept, &kept);
    let bobs_note = owned_record(NOTE, Some(bob.id), &bystander, &bystander, &bystander);
    let mut unit = UnitOfWork::default();
    for record in notes.iter().chain([&receipt, &bobs_note]) {
        unit.writes.push(RecordWrite::Insert(record.clone()));
    }
    store.write(&unit).await.expect("write records");

    let before = store.dump_all().await.expect("dump before");
    for text in [&marker, &kept, &bystander] {
        assert!(before.contains(text.as_str()), "the dump shows {text} before erasure");
    }
    assert!(
        before
            .lines()
            .any(|line| line.starts_with("records ") && line.contains(&kept)),
        "each line starts with its table's name"
    );

    assert_eq!(
        store.delete_user_enrollments(ada.id).await.expect("delete enrollments"),
        2
    );
    assert_eq!(
        store.delete_user_enrollments(ada.id).await.expect("again"),
        0,
        "idempotent"
    );
    assert_eq!(store.get_enrollment(completed.id()).await.expect("get"), None);
    assert_eq!(store.find_enrollment(ada.id, course.id).await.expect("find"), None);
    assert_eq!(
        store
            .find_enrollment_by_certificate(certificate)
            .await
            .expect("by certificate"),
        None,
        "the certificate is gone with its enrollment"
    );
    assert_eq!(
        store.get_enrollment(bystanders.id()).await.expect("get"),
        Some(bystanders.clone()),
        "other learners' enrollments stay"
    );

    assert_eq!(
        store
            .delete_owned_records(ada.id, &[RECEIPT])
            .await
            .expect("delete records"),
        2
    );
    assert_eq!(
        store.delete_owned_records(ada.id, &[RECEIPT]).await.expect("again"),
        0,
        "idempotent"
    );
    let owned = store.owned_by(ada.id).await.expect("owned");
    assert_eq!(
        owned.iter().map(|r| (r.kind.as_str(), r.id)).collect::<Vec<_>>(),
        vec![(RECEIPT, receipt.id)],
        "the kept kind survives"
    );
    assert_eq!(
        store.count(NOTE, "topic", &marker).await.expect("count"),
        0,
        "lookup entries are gone"
    );
    assert_eq!(store.count(RECEIPT, "topic", &kept).await.expect("count"), 1);
    assert!(store
        .get_unique(RECEIPT, "code", &kept)
        .await
        .expect("unique")
        .is_some());
    assert_eq!(
        store.owned_by(bob.id).await.expect("owned").len(),
        1,
        "other owners' records stay"
    );

    // The erased unique value is free again: no entry of the deleted record was left.
    let reuse = owned_record(NOTE, None, "reused", &format!("{marker}-0"), "reused");
    let mut unit = UnitOfWork::default();
    unit.writes.push(RecordWrite::Insert(reuse.clone()));
    store.write(&unit).await.expect("the unique value is free");
    let mut unit = UnitOfWork::default();
    unit.writes.push(RecordWrite::Delete {
        kind: NOTE,
        id: reuse.id,
        expected_version: 1,
    });
    store.write(&unit).await.expect("delete the reused value");

    let after = store.dump_all().await.expect("dump after");
    assert!(
        !after.contains(marker.as_str()),
        "the dump still shows erased data:\n{after}"
    );
    for text in [&kept, &bystander] {
        assert!(after.contains(text.as_str()), "the dump shows {text} after erasure");
    }
    marker
}
