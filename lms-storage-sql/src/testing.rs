//! Checks every SQL adapter runs on top of the core's conformance suite: the cases where
//! a database's own constraint checking could classify a write differently than the
//! reference store.

use chrono::{SubsecRound, Utc};
use lms_core::domain::enrollment::{Enrollment, EnrollmentSource};
use lms_core::domain::text::{DisplayName, Email};
use lms_core::domain::user::{Role, User};
use lms_core::ids::{CourseId, UserId};
use lms_core::ports::{EnrollmentStore, StoreError, UniqueKey, UserStore};

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
