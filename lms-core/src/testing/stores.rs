//! The storage contract, port method by port method.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use futures::future::join_all;
use uuid::Uuid;

use super::fixtures::{complete_course_record, course_record, enrollment_record, tag, user_event, user_record};
use super::{behaviour_list, Behaviour, Ctx};
use crate::domain::course::{Course, CourseStatus};
use crate::domain::enrollment::{Enrollment, EnrollmentSource, EnrollmentStatus, LearningEvent};
use crate::domain::events::DomainEvent;
use crate::domain::lesson::{Lesson, LessonContent};
use crate::domain::text::{normalize_for_match, Description, DisplayName, Email, LessonBody, Title};
use crate::domain::user::Role;
use crate::domain::video::WatchInterval;
use crate::ids::{CourseId, EnrollmentId, EventId, LessonId, UserId};
use crate::ports::{CourseFilter, Page, PageRequest, StoreError, UniqueKey};

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        user_round_trips,
        missing_user_reads_as_none,
        duplicate_user_email_is_rejected,
        duplicate_user_id_is_rejected,
        user_inserted_with_a_password_hash_reads_it_back,
        rejected_user_insert_stores_no_password_hash_and_no_events,
        user_found_by_normalized_email,
        user_update_checks_version,
        user_update_of_missing_user_is_not_found,
        user_update_to_taken_email_is_rejected,
        user_email_change_frees_old_email,
        users_page_in_id_order,
        unicode_display_names_round_trip,
        course_round_trips_with_every_lesson_kind,
        missing_course_reads_as_none,
        duplicate_course_id_is_rejected,
        course_update_checks_version,
        course_update_of_missing_course_is_not_found,
        course_version_follows_updates,
        course_found_by_each_lesson,
        removed_lesson_no_longer_finds_course,
        lesson_id_moves_to_the_course_written_last,
        courses_fetched_in_batch_skip_missing,
        courses_filtered_by_owner_and_status,
        courses_filtered_by_category,
        courses_filtered_by_text,
        courses_page_in_id_order,
        course_summaries_count_lessons,
        large_course_round_trips,
        enrollment_round_trips,
        second_enrollment_in_same_course_is_rejected,
        enrollment_found_by_user_and_course,
        enrollments_found_for_several_courses,
        enrollment_update_checks_version,
        enrollment_update_of_missing_is_not_found,
        concurrent_enrollment_lookups_each_find_their_own,
        concurrent_enrollment_updates_each_get_their_outcome,
        concurrent_writes_with_events_append_the_events_of_the_writes_that_succeed,
        enrollments_page_by_user,
        enrollments_page_by_course,
        enrollment_found_by_certificate,
        events_are_stored_with_the_write,
        rejected_write_stores_no_events,
        outbox_is_read_after_a_position,
        purge_removes_old_events_up_to_a_position,
        outbox_limit_is_respected,
        backend_answers_ping,
    ]
}

pub(super) fn assert_version_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::VersionConflict)),
        "expected VersionConflict, got {result:?}"
    );
}

pub(super) fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

fn assert_duplicate<T: std::fmt::Debug>(result: Result<T, StoreError>, key: UniqueKey) {
    assert!(
        matches!(result, Err(StoreError::Duplicate(k)) if k == key),
        "expected Duplicate({key:?}), got {result:?}"
    );
}

/// Pages through a listing to the end, checking ids strictly increase across pages.
pub(super) async fn collect_pages<T, F, Fut>(limit: u32, id: impl Fn(&T) -> Uuid, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut all: Vec<T> = Vec::new();
    let mut after = None;
    for _ in 0..10_000 {
        let page = fetch(PageRequest { after, limit }).await.expect("list page");
        assert!(page.items.len() <= limit as usize, "page larger than its limit");
        for item in page.items {
            if let Some(last) = all.last() {
                assert!(id(last) < id(&item), "ids must increase across pages");
            }
            all.push(item);
        }
        match page.next_after {
            Some(next) => {
                assert_eq!(Some(next), all.last().map(&id), "next_after is the last id of the page");
                after = Some(next);
            }
            None => return all,
        }
    }
    panic!("paging did not end")
}

async fn user_round_trips(ctx: Ctx) {
    let mut user = user_record(Role::Instructor, ctx.clock_now());
    user.premium = true;
    ctx.stores.users.insert_user(&user, None, &[]).await.expect("insert");
    assert_eq!(ctx.stores.users.get_user(user.id).await.expect("get"), Some(user));
}

async fn missing_user_reads_as_none(ctx: Ctx) {
    assert_eq!(ctx.stores.users.get_user(UserId::new()).await.expect("get"), None);
    let email = Email::parse(&format!("nobody-{}@example.com", tag())).expect("email");
    assert_eq!(ctx.stores.users.find_user_by_email(&email).await.expect("find"), None);
}

async fn duplicate_user_email_is_rejected(ctx: Ctx) {
    let first = user_record(Role::Student, ctx.clock_now());
    ctx.stores.users.insert_user(&first, None, &[]).await.expect("insert");
    let mut second = user_record(Role::Student, ctx.clock_now());
    second.email = first.email.clone();
    assert_duplicate(
        ctx.stores.users.insert_user(&second, None, &[]).await,
        UniqueKey::UserEmail,
    );
    assert_eq!(ctx.stores.users.get_user(second.id).await.expect("get"), None);
}

async fn duplicate_user_id_is_rejected(ctx: Ctx) {
    let first = user_record(Role::Student, ctx.clock_now());
    ctx.stores.users.insert_user(&first, None, &[]).await.expect("insert");
    let mut second = user_record(Role::Student, ctx.clock_now());
    second.id = first.id;
    assert_duplicate(ctx.stores.users.insert_user(&second, None, &[]).await, UniqueKey::Id);
    // When the id and the email are both taken, the id is reported.
    assert_duplicate(ctx.stores.users.insert_user(&first, None, &[]).await, UniqueKey::Id);
    assert_eq!(ctx.stores.users.get_user(first.id).await.expect("get"), Some(first));
}

async fn user_inserted_with_a_password_hash_reads_it_back(ctx: Ctx) {
    let with = user_record(Role::Student, ctx.clock_now());
    ctx.stores
        .users
        .insert_user(&with, Some("$argon2id$registered"), &[])
        .await
        .expect("insert with a hash");
    assert_eq!(
        ctx.stores.users.get_user(with.id).await.expect("get"),
        Some(with.clone())
    );
    assert_eq!(
        ctx.stores.auth.password_hash(with.id).await.expect("hash").as_deref(),
        Some("$argon2id$registered")
    );
    let without = user_record(Role::Student, ctx.clock_now());
    ctx.stores
        .users
        .insert_user(&without, None, &[])
        .await
        .expect("insert without a hash");
    assert_eq!(ctx.stores.auth.password_hash(without.id).await.expect("no hash"), None);
}

async fn rejected_user_insert_stores_no_password_hash_and_no_events(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let (users, auth) = (&ctx.stores.users, &ctx.stores.auth);
    let first = user_record(Role::Student, ctx.clock_now());
    users
        .insert_user(&first, Some("$argon2id$first"), &[])
        .await
        .expect("insert");
    let mut same_email = user_record(Role::Student, ctx.clock_now());
    same_email.email = first.email.clone();
    let same_email_event = user_event(same_email.id, ctx.clock_now());
    let rejected = users
        .insert_user(
            &same_email,
            Some("$argon2id$same-email"),
            std::slice::from_ref(&same_email_event),
        )
        .await;
    assert_duplicate(rejected, UniqueKey::UserEmail);
    let mut same_id = user_record(Role::Student, ctx.clock_now());
    same_id.id = first.id;
    let same_id_event = user_event(first.id, ctx.clock_now());
    let rejected = users
        .insert_user(
            &same_id,
            Some("$argon2id$same-id"),
            std::slice::from_ref(&same_id_event),
        )
        .await;
    assert_duplicate(rejected, UniqueKey::Id);
    assert_eq!(users.get_user(same_email.id).await.expect("get"), None);
    assert_eq!(auth.password_hash(same_email.id).await.expect("no hash"), None);
    assert_eq!(users.get_user(first.id).await.expect("get"), Some(first.clone()));
    assert_eq!(
        auth.password_hash(first.id).await.expect("hash").as_deref(),
        Some("$argon2id$first"),
        "a rejected insert leaves the existing user's hash as it was"
    );
    let pending = ctx.stores.outbox.events_after(end, 100).await.expect("pending");
    let rejected_events = [same_email_event.id, same_id_event.id];
    assert!(
        pending.iter().all(|m| !rejected_events.contains(&m.event.id)),
        "a rejected insert stores no events"
    );
}

async fn user_found_by_normalized_email(ctx: Ctx) {
    let user = user_record(Role::Student, ctx.clock_now());
    ctx.stores.users.insert_user(&user, None, &[]).await.expect("insert");
    let upper = Email::parse(&user.email.as_str().to_uppercase()).expect("email");
    assert_eq!(
        ctx.stores.users.find_user_by_email(&upper).await.expect("find"),
        Some(user)
    );
}

async fn user_update_checks_version(ctx: Ctx) {
    let mut user = user_record(Role::Student, ctx.clock_now());
    ctx.stores.users.insert_user(&user, None, &[]).await.expect("insert");
    user.role = Role::Instructor;
    user.version = 2;
    ctx.stores.users.update_user(&user, 1, &[]).await.expect("first update");
    let mut stale = user.clone();
    stale.premium = true;
    stale.version = 2;
    assert_version_conflict(ctx.stores.users.update_user(&stale, 1, &[]).await);
    assert_eq!(ctx.stores.users.get_user(user.id).await.expect("get"), Some(user));
}

async fn user_update_of_missing_user_is_not_found(ctx: Ctx) {
    let mut user = user_record(Role::Student, ctx.clock_now());
    user.version = 2;
    assert_not_found(ctx.stores.users.update_user(&user, 1, &[]).await);
}

async fn user_update_to_taken_email_is_rejected(ctx: Ctx) {
    let a = user_record(Role::Student, ctx.clock_now());
    let mut b = user_record(Role::Student, ctx.clock_now());
    ctx.stores.users.insert_user(&a, None, &[]).await.expect("insert a");
    ctx.stores.users.insert_user(&b, None, &[]).await.expect("insert b");
    let original = b.clone();
    b.email = a.email.clone();
    b.version = 2;
    assert_duplicate(ctx.stores.users.update_user(&b, 1, &[]).await, UniqueKey::UserEmail);
    assert_eq!(ctx.stores.users.get_user(b.id).await.expect("get"), Some(original));
}

async fn user_email_change_frees_old_email(ctx: Ctx) {
    let mut user = user_record(Role::Student, ctx.clock_now());
    ctx.stores.users.insert_user(&user, None, &[]).await.expect("insert");
    let old = user.email.clone();
    user.email = Email::parse(&format!("renamed-{}@example.com", tag())).expect("email");
    user.version = 2;
    ctx.stores.users.update_user(&user, 1, &[]).await.expect("update");
    assert_eq!(ctx.stores.users.find_user_by_email(&old).await.expect("find old"), None);
    assert_eq!(
        ctx.stores
            .users
            .find_user_by_email(&user.email)
            .await
            .expect("find new")
            .map(|u| u.id),
        Some(user.id)
    );
    let mut other = user_record(Role::Student, ctx.clock_now());
    other.email = old;
    ctx.stores
        .users
        .insert_user(&other, None, &[])
        .await
        .expect("old email is free again");
}

async fn users_page_in_id_order(ctx: Ctx) {
    let mut mine = HashSet::new();
    for _ in 0..5 {
        let user = user_record(Role::Student, ctx.clock_now());
        ctx.stores.users.insert_user(&user, None, &[]).await.expect("insert");
        mine.insert(user.id);
    }
    let all = collect_pages(
        3,
        |u: &crate::domain::user::User| u.id.as_uuid(),
        |page| ctx.stores.users.list_users(page),
    )
    .await;
    let seen: Vec<_> = all.iter().filter(|u| mine.contains(&u.id)).collect();
    assert_eq!(seen.len(), 5, "each user listed exactly once");
}

async fn unicode_display_names_round_trip(ctx: Ctx) {
    let mut user = user_record(Role::Student, ctx.clock_now());
    user.display_name = DisplayName::parse("Zoë 李 🦀 O'Brien \"quoted\" ; DROP TABLE users; --").expect("name");
    ctx.stores.users.insert_user(&user, None, &[]).await.expect("insert");
    assert_eq!(ctx.stores.users.get_user(user.id).await.expect("get"), Some(user));
}

async fn course_round_trips_with_every_lesson_kind(ctx: Ctx) {
    let course = course_record(UserId::new(), ctx.clock_now());
    ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
    assert_eq!(
        ctx.stores.courses.get_course(course.id).await.expect("get").as_deref(),
        Some(&course)
    );
}

async fn missing_course_reads_as_none(ctx: Ctx) {
    assert_eq!(ctx.stores.courses.get_course(CourseId::new()).await.expect("get"), None);
    assert_eq!(
        ctx.stores
            .courses
            .find_course_by_lesson(LessonId::new())
            .await
            .expect("find"),
        None
    );
}

async fn duplicate_course_id_is_rejected(ctx: Ctx) {
    let course = course_record(UserId::new(), ctx.clock_now());
    ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
    let mut again = course_record(UserId::new(), ctx.clock_now());
    again.id = course.id;
    assert_duplicate(ctx.stores.courses.insert_course(&again, &[]).await, UniqueKey::Id);
    assert_eq!(
        ctx.stores.courses.get_course(course.id).await.expect("get").as_deref(),
        Some(&course)
    );
}

async fn course_update_checks_version(ctx: Ctx) {
    let mut course = course_record(UserId::new(), ctx.clock_now());
    ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
    course.publish(ctx.clock_now()).expect("publish");
    let expected = course.next_version();
    ctx.stores
        .courses
        .update_course(&course, expected, &[])
        .await
        .expect("update");
    let mut stale = course.clone();
    stale.title = Title::parse("Stale").expect("title");
    assert_version_conflict(ctx.stores.courses.update_course(&stale, 1, &[]).await);
    assert_eq!(
        ctx.stores.courses.get_course(course.id).await.expect("get").as_deref(),
        Some(&course)
    );
}

async fn course_update_of_missing_course_is_not_found(ctx: Ctx) {
    let mut course = course_record(UserId::new(), ctx.clock_now());
    let expected = course.next_version();
    assert_not_found(ctx.stores.courses.update_course(&course, expected, &[]).await);
}

async fn course_version_follows_updates(ctx: Ctx) {
    let courses = &ctx.stores.courses;
    let mut course = course_record(UserId::new(), ctx.clock_now());
    assert_eq!(courses.course_version(course.id).await.expect("missing"), None);
    courses.insert_course(&course, &[]).await.expect("insert");
    assert_eq!(courses.course_version(course.id).await.expect("inserted"), Some(1));
    let expected = course.next_version();
    courses.update_course(&course, expected, &[]).await.expect("update");
    assert_eq!(courses.course_version(course.id).await.expect("updated"), Some(2));
    let mut stale = course.clone();
    stale.next_version();
    assert_version_conflict(courses.update_course(&stale, expected, &[]).await);
    assert_eq!(
        courses.course_version(course.id).await.expect("after a conflict"),
        Some(2)
    );
}

async fn course_found_by_each_lesson(ctx: Ctx) {
    let course = course_record(UserId::new(), ctx.clock_now());
    ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
    for lesson in &course.lessons {
        let found = ctx.stores.courses.find_course_by_lesson(lesson.id).await.expect("find");
        assert_eq!(found.map(|c| c.id), Some(course.id));
    }
}

async fn removed_lesson_no_longer_finds_course(ctx: Ctx) {
    let mut course = course_record(UserId::new(), ctx.clock_now());
    ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
    let removed = course.lessons.remove(1).id;
    let added = Lesson::new(
        Title::parse("Added").expect("title"),
        LessonContent::Text {
            body: LessonBody::parse("new").expect("body"),
        },
    );
    let added_id = added.id;
    course.lessons.push(added);
    let expected = course.next_version();
    ctx.stores
        .courses
        .update_course(&course, expected, &[])
        .await
        .expect("update");
    assert_eq!(
        ctx.stores.courses.find_course_by_lesson(removed).await.expect("find"),
        None
    );
    let found = ctx
        .stores
        .courses
        .find_course_by_lesson(added_id)
        .await
        .expect("find added");
    assert_eq!(found.as_deref(), Some(&course));
}

/// The id of the course `find_course_by_lesson` finds by `lesson`.
async fn course_of(ctx: &Ctx, lesson: LessonId) -> Option<CourseId> {
    let found = ctx.stores.courses.find_course_by_lesson(lesson).await.expect("find");
    found.map(|course| course.id)
}

async fn lesson_id_moves_to_the_course_written_last(ctx: Ctx) {
    let courses = &ctx.stores.courses;
    let mut first = course_record(UserId::new(), ctx.clock_now());
    courses.insert_course(&first, &[]).await.expect("insert first");
    let (moved, kept) = (first.lessons[0].id, first.lessons[1].id);
    assert_eq!(course_of(&ctx, moved).await, Some(first.id));
    let mut second = course_record(UserId::new(), ctx.clock_now());
    second.lessons.push(first.lessons[0].clone());
    courses.insert_course(&second, &[]).await.expect("insert second");
    assert_eq!(course_of(&ctx, moved).await, Some(second.id), "an insert takes the id");
    assert_eq!(course_of(&ctx, kept).await, Some(first.id));
    assert_eq!(
        courses.get_course(first.id).await.expect("get").as_deref(),
        Some(&first),
        "the course the id left is stored as it was"
    );
    let expected = first.next_version();
    courses
        .update_course(&first, expected, &[])
        .await
        .expect("update first");
    assert_eq!(course_of(&ctx, moved).await, Some(first.id), "an update takes it back");
    second.lessons.pop();
    let expected = second.next_version();
    courses
        .update_course(&second, expected, &[])
        .await
        .expect("update second");
    assert_eq!(
        course_of(&ctx, moved).await,
        Some(first.id),
        "dropping an id another course holds leaves it there"
    );
    let mut third = course_record(UserId::new(), ctx.clock_now());
    third.lessons.push(first.lessons[0].clone());
    courses.insert_course(&third, &[]).await.expect("insert third");
    first.lessons.remove(0);
    let expected = first.next_version();
    courses
        .update_course(&first, expected, &[])
        .await
        .expect("update first again");
    assert_eq!(course_of(&ctx, moved).await, Some(third.id));
    assert_eq!(course_of(&ctx, kept).await, Some(first.id));
}

async fn courses_fetched_in_batch_skip_missing(ctx: Ctx) {
    let a = course_record(UserId::new(), ctx.clock_now());
    let b = course_record(UserId::new(), ctx.clock_now());
    ctx.stores.courses.insert_course(&a, &[]).await.expect("insert a");
    ctx.stores.courses.insert_course(&b, &[]).await.expect("insert b");
    let mut found = ctx
        .stores
        .courses
        .get_courses(&[b.id, CourseId::new(), a.id, b.id])
        .await
        .expect("batch");
    found.sort_by_key(|c| c.id);
    found.dedup_by_key(|c| c.id);
    let mut expected = vec![Arc::new(a), Arc::new(b)];
    expected.sort_by_key(|c| c.id);
    assert_eq!(found, expected);
    assert!(ctx
        .stores
        .courses
        .get_courses(&[])
        .await
        .expect("empty batch")
        .is_empty());
}

async fn insert_courses(
    ctx: &Ctx,
    owner: UserId,
    n: usize,
    change: impl Fn(usize, &mut crate::domain::course::Course),
) -> Vec<CourseId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut course = course_record(owner, ctx.clock_now());
        change(i, &mut course);
        ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
        ids.push(course.id);
    }
    ids
}

async fn list_all(ctx: &Ctx, filter: CourseFilter) -> Vec<CourseId> {
    collect_pages(
        7,
        |c: &crate::domain::course::CourseSummary| c.id.as_uuid(),
        |page| {
            let filter = filter.clone();
            let courses = ctx.stores.courses.clone();
            async move { courses.list_courses(&filter, page).await }
        },
    )
    .await
    .into_iter()
    .map(|c| c.id)
    .collect()
}

async fn courses_filtered_by_owner_and_status(ctx: Ctx) {
    let owner = UserId::new();
    let ids = insert_courses(&ctx, owner, 4, |i, c| {
        if i % 2 == 0 {
            c.publish(ctx.clock_now()).expect("publish");
        }
    })
    .await;
    let owned = list_all(
        &ctx,
        CourseFilter {
            owner_id: Some(owner),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(owned, ids);
    let published = list_all(
        &ctx,
        CourseFilter {
            owner_id: Some(owner),
            status: Some(CourseStatus::Published),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(published, vec![ids[0], ids[2]]);
}

async fn courses_filtered_by_category(ctx: Ctx) {
    let owner = UserId::new();
    let ids = insert_courses(&ctx, owner, 3, |i, c| {
        let category = if i == 1 { "Data Science" } else { "Programming" };
        c.category = crate::domain::text::Category::parse(category).expect("category");
    })
    .await;
    let filter = CourseFilter {
        owner_id: Some(owner),
        category: Some(normalize_for_match("  data   SCIENCE ")),
        ..Default::default()
    };
    assert_eq!(list_all(&ctx, filter).await, vec![ids[1]]);
}

async fn courses_filtered_by_text(ctx: Ctx) {
    let owner = UserId::new();
    let ids = insert_courses(&ctx, owner, 3, |i, c| {
        c.title = Title::parse(&format!("Course {i}")).expect("title");
        c.description = Description::parse(if i == 2 {
            "Über Straße – 50% off_now"
        } else {
            "plain"
        })
        .expect("d");
    })
    .await;
    let search = |text: &str| CourseFilter {
        owner_id: Some(owner),
        text: Some(normalize_for_match(text)),
        ..Default::default()
    };
    assert_eq!(list_all(&ctx, search("ÜBER straße")).await, vec![ids[2]]);
    // `%` and `_` are literal characters, not wildcards.
    assert_eq!(list_all(&ctx, search("50% off_")).await, vec![ids[2]]);
    assert_eq!(list_all(&ctx, search("5_%")).await, Vec::<CourseId>::new());
    assert_eq!(list_all(&ctx, search("course 1")).await, vec![ids[1]]);
    assert_eq!(list_all(&ctx, search("course")).await, ids);
}

async fn courses_page_in_id_order(ctx: Ctx) {
    let owner = UserId::new();
    let ids = insert_courses(&ctx, owner, 25, |_, _| {}).await;
    let filter = CourseFilter {
        owner_id: Some(owner),
        ..Default::default()
    };
    let first = ctx
        .stores
        .courses
        .list_courses(&filter, PageRequest { after: None, limit: 10 })
        .await
        .expect("page 1");
    assert_eq!(first.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids[..10]);
    assert_eq!(first.next_after, Some(ids[9].as_uuid()));
    let last = ctx
        .stores
        .courses
        .list_courses(
            &filter,
            PageRequest {
                after: Some(ids[19].as_uuid()),
                limit: 10,
            },
        )
        .await
        .expect("last page");
    assert_eq!(last.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids[20..]);
    assert_eq!(last.next_after, None);
    let exact = ctx
        .stores
        .courses
        .list_courses(
            &filter,
            PageRequest {
                after: Some(ids[14].as_uuid()),
                limit: 10,
            },
        )
        .await
        .expect("exact page");
    assert_eq!(exact.items.len(), 10);
    assert_eq!(
        exact.next_after, None,
        "no further page when exactly `limit` items remain"
    );
}

async fn course_summaries_count_lessons(ctx: Ctx) {
    let course = course_record(UserId::new(), ctx.clock_now());
    ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
    let filter = CourseFilter {
        owner_id: Some(course.owner_id),
        ..Default::default()
    };
    let page = ctx
        .stores
        .courses
        .list_courses(&filter, PageRequest::first())
        .await
        .expect("list");
    assert_eq!(page.items, vec![course.summary()]);
    assert_eq!(page.items[0].lesson_count, 4);
}

async fn large_course_round_trips(ctx: Ctx) {
    let mut course = course_record(UserId::new(), ctx.clock_now());
    let longest: String = "Lorem ipsum — ünïcödé ✓ 🦀 "
        .chars()
        .cycle()
        .take(LessonBody::MAX_CHARS)
        .collect();
    let ordinary = "Lorem ipsum dolor sit amet. ".repeat(70);
    for i in 0..300 {
        let body = if i == 0 { &longest } else { &ordinary };
        let lesson = Lesson::new(
            Title::parse(&format!("Lesson {i}")).expect("title"),
            LessonContent::Text {
                body: LessonBody::parse(body).expect("body"),
            },
        );
        course.insert_lesson(lesson, None).expect("lesson");
    }
    ctx.stores.courses.insert_course(&course, &[]).await.expect("insert");
    let loaded = ctx
        .stores
        .courses
        .get_course(course.id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(loaded.lessons.len(), 304);
    assert_eq!(*loaded, course);
}

/// A stored new enrollment in a course record (the course itself is not stored).
async fn stored_enrollment_in_course(ctx: &Ctx) -> (Course, Enrollment) {
    let course = course_record(UserId::new(), ctx.clock_now());
    let enrollment = enrollment_record(UserId::new(), &course, ctx.clock_now());
    ctx.stores
        .enrollments
        .insert_enrollment(&enrollment, &[])
        .await
        .expect("insert");
    (course, enrollment)
}

/// A stored new enrollment.
async fn stored_enrollment(ctx: &Ctx) -> Enrollment {
    stored_enrollment_in_course(ctx).await.1
}

/// A change to an enrollment of a [`course_record`]: `seconds` more of its video watched,
/// under a fresh client event id.
fn watch(enrollment: &mut Enrollment, course: &Course, seconds: (f64, f64), now: DateTime<Utc>) {
    let interval = WatchInterval::from_seconds(seconds.0, seconds.1).expect("interval");
    let event = LearningEvent::VideoWatched(vec![interval]);
    enrollment
        .apply(course, course.lessons[0].id, &event, Some(EventId::new()), &[], now)
        .expect("watch");
}

/// The same enrollment (same id) as if it were in another course. No domain method
/// moves an enrollment, so only a stored document can say so: it is decoded from one.
fn in_another_course(enrollment: &Enrollment) -> Enrollment {
    let mut doc = serde_json::to_value(enrollment).expect("encode");
    doc["course_id"] = serde_json::to_value(CourseId::new()).expect("encode id");
    serde_json::from_value(doc).expect("decode")
}

async fn enrollment_round_trips(ctx: Ctx) {
    let (course, mut enrollment) = stored_enrollment_in_course(&ctx).await;
    assert_eq!(
        ctx.stores
            .enrollments
            .get_enrollment(enrollment.id())
            .await
            .expect("get"),
        Some(enrollment.clone())
    );
    // Disjoint spans, a replay, then the video completed: every progress field is set.
    watch(&mut enrollment, &course, (0.0, 1.5), ctx.clock_now());
    watch(&mut enrollment, &course, (3.0, 9.0), ctx.clock_now());
    watch(&mut enrollment, &course, (0.0, 600.0), ctx.clock_now());
    let progress = enrollment.lesson(course.lessons[0].id).expect("progress");
    assert!(progress.completed_at.is_some() && progress.video.is_some());
    let expected = enrollment.next_version();
    ctx.stores
        .enrollments
        .update_enrollment(&enrollment, expected, &[])
        .await
        .expect("update");
    assert_eq!(
        ctx.stores
            .enrollments
            .get_enrollment(enrollment.id())
            .await
            .expect("get"),
        Some(enrollment)
    );
    assert_eq!(
        ctx.stores
            .enrollments
            .get_enrollment(EnrollmentId::new())
            .await
            .expect("missing"),
        None
    );
}

async fn second_enrollment_in_same_course_is_rejected(ctx: Ctx) {
    let enrollment = stored_enrollment(&ctx).await;
    let again = Enrollment::new(
        enrollment.user_id(),
        enrollment.course_id(),
        EnrollmentSource::Subscription,
        ctx.clock_now(),
    );
    assert_duplicate(
        ctx.stores.enrollments.insert_enrollment(&again, &[]).await,
        UniqueKey::UserCourse,
    );
    assert_duplicate(
        ctx.stores
            .enrollments
            .insert_enrollment(&in_another_course(&enrollment), &[])
            .await,
        UniqueKey::Id,
    );
}

async fn enrollment_found_by_user_and_course(ctx: Ctx) {
    let enrollment = stored_enrollment(&ctx).await;
    let found = ctx
        .stores
        .enrollments
        .find_enrollment(enrollment.user_id(), enrollment.course_id())
        .await
        .expect("find");
    assert_eq!(found, Some(enrollment.clone()));
    let other = ctx
        .stores
        .enrollments
        .find_enrollment(enrollment.user_id(), CourseId::new())
        .await
        .expect("find other");
    assert_eq!(other, None);
}

async fn enrollments_found_for_several_courses(ctx: Ctx) {
    let user = UserId::new();
    let mut ids = Vec::new();
    let mut courses = Vec::new();
    for _ in 0..3 {
        let course = course_record(UserId::new(), ctx.clock_now());
        let enrollment = enrollment_record(user, &course, ctx.clock_now());
        ctx.stores
            .enrollments
            .insert_enrollment(&enrollment, &[])
            .await
            .expect("insert");
        ids.push(enrollment.id());
        courses.push(course.id);
    }
    let mut found: Vec<_> = ctx
        .stores
        .enrollments
        .find_enrollments(user, &[courses[2], CourseId::new(), courses[0]])
        .await
        .expect("find many")
        .into_iter()
        .map(|e| e.id())
        .collect();
    found.sort();
    let mut expected = vec![ids[0], ids[2]];
    expected.sort();
    assert_eq!(found, expected);
    assert!(ctx
        .stores
        .enrollments
        .find_enrollments(UserId::new(), &courses)
        .await
        .expect("other user")
        .is_empty());
    assert!(ctx
        .stores
        .enrollments
        .find_enrollments(user, &[])
        .await
        .expect("none")
        .is_empty());
}

async fn enrollment_update_checks_version(ctx: Ctx) {
    let mut enrollment = stored_enrollment(&ctx).await;
    let mut stale = enrollment.clone();
    enrollment.cancel(ctx.clock_now()).expect("cancel");
    let expected = enrollment.next_version();
    ctx.stores
        .enrollments
        .update_enrollment(&enrollment, expected, &[])
        .await
        .expect("update");
    stale.expire(ctx.clock_now()).expect("expire");
    let expected = stale.next_version();
    assert_version_conflict(ctx.stores.enrollments.update_enrollment(&stale, expected, &[]).await);
    assert_eq!(
        ctx.stores
            .enrollments
            .get_enrollment(enrollment.id())
            .await
            .expect("get"),
        Some(enrollment)
    );
}

async fn enrollment_update_of_missing_is_not_found(ctx: Ctx) {
    let course = course_record(UserId::new(), ctx.clock_now());
    let mut enrollment = enrollment_record(UserId::new(), &course, ctx.clock_now());
    let expected = enrollment.next_version();
    assert_not_found(
        ctx.stores
            .enrollments
            .update_enrollment(&enrollment, expected, &[])
            .await,
    );
}

/// Stores `n` enrollments of different learners in different courses.
async fn stored_enrollments(ctx: &Ctx, n: usize) -> Vec<Enrollment> {
    let mut stored = Vec::new();
    for _ in 0..n {
        stored.push(stored_enrollment(ctx).await);
    }
    stored
}

async fn concurrent_enrollment_lookups_each_find_their_own(ctx: Ctx) {
    let stored = stored_enrollments(&ctx, 12).await;
    // Every enrollment three times, and as many keys that match nothing, all at once.
    let mut lookups: Vec<(UserId, CourseId, Option<&Enrollment>)> = Vec::new();
    for _ in 0..3 {
        for e in &stored {
            lookups.push((e.user_id(), e.course_id(), Some(e)));
            lookups.push((e.user_id(), CourseId::new(), None));
        }
    }
    let found = join_all(
        lookups
            .iter()
            .map(|(user, course, _)| ctx.stores.enrollments.find_enrollment(*user, *course)),
    )
    .await;
    for ((_, _, expected), found) in lookups.iter().zip(found) {
        assert_eq!(found.expect("find").as_ref(), *expected);
    }
}

async fn concurrent_enrollment_updates_each_get_their_outcome(ctx: Ctx) {
    let (course, contested) = stored_enrollment_in_course(&ctx).await;
    let others = stored_enrollments(&ctx, 7).await;
    // Five writers of the same version of one enrollment, each with other progress, one
    // writer of each other enrollment, and one of an enrollment that does not exist, all
    // at once.
    let mut writes = Vec::new();
    for i in 0..5 {
        let mut next = contested.clone();
        let start = f64::from(i) * 10.0;
        watch(&mut next, &course, (start, start + 5.0), ctx.clock_now());
        next.next_version();
        writes.push(next);
    }
    for e in &others {
        let mut next = e.clone();
        next.cancel(ctx.clock_now()).expect("cancel");
        next.next_version();
        writes.push(next);
    }
    let mut missing = enrollment_record(UserId::new(), &course, ctx.clock_now());
    missing.next_version();
    writes.push(missing);
    let outcomes = join_all(
        writes
            .iter()
            .map(|w| ctx.stores.enrollments.update_enrollment(w, 1, &[])),
    )
    .await;

    let (contested_outcomes, rest) = outcomes.split_at(5);
    let winners: Vec<&Enrollment> = contested_outcomes
        .iter()
        .zip(&writes)
        .filter(|(outcome, _)| outcome.is_ok())
        .map(|(_, write)| write)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one writer of version 1 wins: {contested_outcomes:?}"
    );
    for outcome in contested_outcomes.iter().filter(|o| o.is_err()) {
        assert!(matches!(outcome, Err(StoreError::VersionConflict)), "{outcome:?}");
    }
    let (others, missing_outcome) = rest.split_at(rest.len() - 1);
    assert!(others.iter().all(Result::is_ok), "{others:?}");
    assert!(
        matches!(missing_outcome[0], Err(StoreError::NotFound)),
        "{missing_outcome:?}"
    );

    let read = |id| ctx.stores.enrollments.get_enrollment(id);
    assert_eq!(read(contested.id()).await.expect("get").as_ref(), Some(winners[0]));
    for write in &writes[5..writes.len() - 1] {
        assert_eq!(read(write.id()).await.expect("get").as_ref(), Some(write));
    }
}

/// Writes that carry events, at once (an adapter may commit them together): each write
/// that succeeds appends exactly its events, once and contiguous in their order; a write
/// that loses its version check or finds nothing appends none.
async fn concurrent_writes_with_events_append_the_events_of_the_writes_that_succeed(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let (course, contested) = stored_enrollment_in_course(&ctx).await;
    let others = stored_enrollments(&ctx, 12).await;
    let now = ctx.clock_now();
    let events_for = |e: &Enrollment, n: usize| (0..n).map(|_| user_event(e.user_id(), now)).collect::<Vec<_>>();
    let mut writes: Vec<(Enrollment, Vec<DomainEvent>)> = Vec::new();
    for i in 0..5 {
        let mut next = contested.clone();
        let start = f64::from(i) * 10.0;
        watch(&mut next, &course, (start, start + 5.0), now);
        next.next_version();
        let events = events_for(&next, 2);
        writes.push((next, events));
    }
    for (k, e) in others.iter().enumerate() {
        let mut next = e.clone();
        next.cancel(now).expect("cancel");
        next.next_version();
        // Some without events, mixed in with those that have one, two or three.
        let events = events_for(&next, k % 4);
        writes.push((next, events));
    }
    let mut missing = enrollment_record(UserId::new(), &course, now);
    missing.next_version();
    let events = events_for(&missing, 1);
    writes.push((missing, events));
    let outcomes = join_all(
        writes
            .iter()
            .map(|(w, events)| ctx.stores.enrollments.update_enrollment(w, 1, events)),
    )
    .await;

    assert_eq!(outcomes[..5].iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes[5..5 + others.len()].iter().all(Result::is_ok), "{outcomes:?}");
    assert!(
        matches!(outcomes.last(), Some(Err(StoreError::NotFound))),
        "{outcomes:?}"
    );
    let stored: Vec<EventId> = ctx
        .stores
        .outbox
        .events_after(end, 1000)
        .await
        .expect("events")
        .into_iter()
        .map(|m| m.event.id)
        .collect();
    let written: Vec<&Vec<DomainEvent>> = writes
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|((_, events), _)| events)
        .collect();
    assert_eq!(
        stored.len(),
        written.iter().map(|events| events.len()).sum::<usize>(),
        "exactly the events of the writes that succeeded"
    );
    for events in written.iter().filter(|events| !events.is_empty()) {
        let first = stored
            .iter()
            .position(|id| *id == events[0].id)
            .expect("a successful write's events are stored");
        let ids: Vec<EventId> = events.iter().map(|e| e.id).collect();
        assert_eq!(stored[first..first + ids.len()], ids[..], "contiguous, in order");
    }
}

async fn enrollments_page_by_user(ctx: Ctx) {
    let user = UserId::new();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let course = course_record(UserId::new(), ctx.clock_now());
        let enrollment = enrollment_record(user, &course, ctx.clock_now());
        ctx.stores
            .enrollments
            .insert_enrollment(&enrollment, &[])
            .await
            .expect("insert");
        ids.push(enrollment.id());
    }
    stored_enrollment(&ctx).await;
    let all = collect_pages(
        2,
        |e: &Enrollment| e.id().as_uuid(),
        |page| ctx.stores.enrollments.list_enrollments_for_user(user, page),
    )
    .await;
    assert_eq!(all.iter().map(|e| e.id()).collect::<Vec<_>>(), ids);
}

async fn enrollments_page_by_course(ctx: Ctx) {
    let course = course_record(UserId::new(), ctx.clock_now());
    let mut ids = Vec::new();
    for _ in 0..5 {
        let enrollment = enrollment_record(UserId::new(), &course, ctx.clock_now());
        ctx.stores
            .enrollments
            .insert_enrollment(&enrollment, &[])
            .await
            .expect("insert");
        ids.push(enrollment.id());
    }
    stored_enrollment(&ctx).await;
    let all = collect_pages(
        2,
        |e: &Enrollment| e.id().as_uuid(),
        |page| ctx.stores.enrollments.list_enrollments_for_course(course.id, page),
    )
    .await;
    assert_eq!(all.iter().map(|e| e.id()).collect::<Vec<_>>(), ids);
}

async fn enrollment_found_by_certificate(ctx: Ctx) {
    let (course, mut enrollment) = stored_enrollment_in_course(&ctx).await;
    complete_course_record(&mut enrollment, &course, ctx.clock_now());
    assert_eq!(enrollment.status(), EnrollmentStatus::Completed);
    let certificate_id = enrollment.certificate().expect("certificate").id;
    assert_eq!(
        ctx.stores
            .enrollments
            .find_enrollment_by_certificate(certificate_id)
            .await
            .expect("before"),
        None
    );
    let expected = enrollment.next_version();
    ctx.stores
        .enrollments
        .update_enrollment(&enrollment, expected, &[])
        .await
        .expect("update");
    let found = ctx
        .stores
        .enrollments
        .find_enrollment_by_certificate(certificate_id)
        .await
        .expect("find");
    assert_eq!(found, Some(enrollment));
}

/// The end of the outbox now: the events a behaviour writes after it are its own.
pub(super) async fn outbox_end(ctx: &Ctx) -> u64 {
    ctx.stores.outbox.last_sequence().await.expect("last sequence")
}

async fn events_are_stored_with_the_write(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let user = user_record(Role::Student, ctx.clock_now());
    let events = vec![
        user_event(user.id, ctx.clock_now()),
        user_event(user.id, ctx.clock_now()),
    ];
    ctx.stores
        .users
        .insert_user(&user, None, &events)
        .await
        .expect("insert");
    let mut course = course_record(user.id, ctx.clock_now());
    let course_events = vec![user_event(user.id, ctx.clock_now())];
    ctx.stores
        .courses
        .insert_course(&course, &[])
        .await
        .expect("insert course");
    let expected = course.next_version();
    ctx.stores
        .courses
        .update_course(&course, expected, &course_events)
        .await
        .expect("update course");
    let pending = ctx.stores.outbox.events_after(end, 100).await.expect("pending");
    let got: Vec<_> = pending.iter().map(|m| m.event.clone()).collect();
    assert_eq!(got, [events, course_events].concat());
    assert!(
        pending.windows(2).all(|w| w[0].sequence < w[1].sequence),
        "sequences increase"
    );
}

async fn rejected_write_stores_no_events(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let user = user_record(Role::Student, ctx.clock_now());
    ctx.stores.users.insert_user(&user, None, &[]).await.expect("insert");
    let mut duplicate = user_record(Role::Student, ctx.clock_now());
    duplicate.email = user.email.clone();
    let event = user_event(duplicate.id, ctx.clock_now());
    assert!(ctx
        .stores
        .users
        .insert_user(&duplicate, None, std::slice::from_ref(&event))
        .await
        .is_err());
    let mut stale = user.clone();
    stale.version = 5;
    assert!(ctx
        .stores
        .users
        .update_user(&stale, 4, std::slice::from_ref(&event))
        .await
        .is_err());
    let enrollment = stored_enrollment(&ctx).await;
    let mut conflicting = enrollment.clone();
    conflicting.next_version();
    // Expects version 2 where version 1 is stored.
    let expected = conflicting.next_version();
    assert!(ctx
        .stores
        .enrollments
        .update_enrollment(&conflicting, expected, std::slice::from_ref(&event))
        .await
        .is_err());
    assert!(ctx
        .stores
        .outbox
        .events_after(end, 100)
        .await
        .expect("pending")
        .is_empty());
}

async fn outbox_is_read_after_a_position(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let user = user_record(Role::Student, ctx.clock_now());
    let events: Vec<_> = (0..3).map(|_| user_event(user.id, ctx.clock_now())).collect();
    ctx.stores
        .users
        .insert_user(&user, None, &events)
        .await
        .expect("insert");
    let outbox = &ctx.stores.outbox;
    let all = outbox.events_after(end, 100).await.expect("events");
    assert_eq!(all.iter().map(|m| m.event.clone()).collect::<Vec<_>>(), events);
    assert_eq!(outbox.last_sequence().await.expect("last"), all[2].sequence);
    assert_eq!(outbox.count_events_after(end).await.expect("count"), 3);
    assert_eq!(outbox.count_events_after(all[0].sequence).await.expect("count"), 2);
    let rest = outbox.events_after(all[0].sequence, 100).await.expect("rest");
    assert_eq!(rest, all[1..].to_vec());
    assert!(outbox
        .events_after(all[2].sequence, 100)
        .await
        .expect("none")
        .is_empty());
    assert!(outbox.events_after(u64::MAX, 100).await.expect("beyond").is_empty());
}

async fn purge_removes_old_events_up_to_a_position(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let user = user_record(Role::Student, ctx.clock_now());
    let old = ctx.clock_now() - chrono::Duration::days(8);
    let events = vec![
        user_event(user.id, old),
        user_event(user.id, old),
        user_event(user.id, ctx.clock_now()),
        user_event(user.id, old),
    ];
    ctx.stores
        .users
        .insert_user(&user, None, &events)
        .await
        .expect("insert");
    let outbox = &ctx.stores.outbox;
    let stored = outbox.events_after(end, 100).await.expect("events");
    let cutoff = ctx.clock_now() - chrono::Duration::days(7);
    // Up to the third event: the two old ones go, the recent one stays; the fourth is
    // past the position and stays although it is old.
    let purged = outbox.purge_events(stored[2].sequence, cutoff).await.expect("purge");
    assert!(purged >= 2, "purged {purged}");
    let left = outbox.events_after(end, 100).await.expect("left");
    assert_eq!(left, vec![stored[2].clone(), stored[3].clone()]);
    assert_eq!(outbox.purge_events(stored[2].sequence, cutoff).await.expect("again"), 0);
}

async fn outbox_limit_is_respected(ctx: Ctx) {
    let end = outbox_end(&ctx).await;
    let user = user_record(Role::Student, ctx.clock_now());
    let events: Vec<_> = (0..5).map(|_| user_event(user.id, ctx.clock_now())).collect();
    ctx.stores
        .users
        .insert_user(&user, None, &events)
        .await
        .expect("insert");
    let first = ctx.stores.outbox.events_after(end, 2).await.expect("pending");
    assert_eq!(first.iter().map(|m| m.event.clone()).collect::<Vec<_>>(), events[..2]);
}

async fn backend_answers_ping(ctx: Ctx) {
    ctx.stores.health.ping().await.expect("ping");
}
