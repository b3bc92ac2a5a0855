//! Use cases through the services: accounts, authoring, catalog visibility, classes and
//! event delivery.

use std::sync::Arc;

use super::fixtures::{
    admin, draft_course, instructor, lesson_ids, new_course, published_course, student, tag, text, video,
};
use super::{behaviour_list, Behaviour, Ctx};
use crate::delivery::{Relay, RelaySettings, Subscriber};
use crate::domain::course::CourseStatus;
use crate::domain::events::EventPayload;
use crate::domain::user::Role;
use crate::ports::{PageRequest, RecordingNotifier};
use crate::services::{
    AccessChange, CoursePatch, CourseQuery, LessonInput, LessonPatch, NewClass, NewUser, PriceInput, ProfilePatch,
};
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        registration_normalizes_and_rejects_duplicate_email,
        registration_reports_every_invalid_field,
        provisioned_accounts_get_their_role,
        users_see_only_their_own_account,
        only_admins_change_roles,
        profile_rectification_changes_email,
        students_cannot_author_courses,
        instructors_cannot_change_others_courses,
        admins_can_change_any_course,
        course_input_is_validated_with_field_details,
        drafts_are_hidden_from_the_public,
        publishing_needs_a_required_lesson,
        course_lifecycle_is_enforced,
        published_course_lessons_keep_their_kind,
        lessons_are_removed_only_from_drafts,
        lesson_reordering_requires_a_permutation,
        catalog_lists_published_courses_with_filters,
        catalog_hides_other_statuses_from_learners,
        course_prerequisite_cycles_are_rejected,
        class_enrollment_covers_published_courses,
        only_class_owner_changes_class,
        use_case_events_reach_a_subscriber_in_order_once,
    ]
}

async fn registration_normalizes_and_rejects_duplicate_email(ctx: Ctx) {
    let email = format!("Learner-{}@Example.COM", tag());
    let user = ctx
        .lms
        .users
        .register(NewUser {
            email: email.clone(),
            display_name: "  Learner ".into(),
        })
        .await
        .expect("register");
    assert_eq!(user.email.as_str(), email.to_lowercase());
    assert_eq!(user.display_name.as_str(), "Learner");
    assert_eq!(user.role, Role::Student);
    let again = ctx
        .lms
        .users
        .register(NewUser {
            email: email.to_uppercase(),
            display_name: "Other".into(),
        })
        .await;
    assert!(matches!(again, Err(Error::AlreadyExists { .. })), "got {again:?}");
    assert_eq!(again.unwrap_err().code(), "USER_ALREADY_EXISTS");
    let found = ctx.lms.users.find_by_email(&email).await.expect("find");
    assert_eq!(found.map(|u| u.id), Some(user.id));
}

async fn registration_reports_every_invalid_field(ctx: Ctx) {
    let result = ctx
        .lms
        .users
        .register(NewUser {
            email: "not-an-email".into(),
            display_name: " ".into(),
        })
        .await;
    match result {
        Err(Error::Validation(fields)) => {
            let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["email", "display_name"]);
        }
        other => panic!("expected validation error, got {other:?}"),
    }
}

async fn provisioned_accounts_get_their_role(ctx: Ctx) {
    let input = NewUser {
        email: format!("ops-{}@example.com", tag()),
        display_name: "Operator".into(),
    };
    let user = ctx
        .lms
        .users
        .provision(input.clone(), Role::Admin)
        .await
        .expect("provision");
    assert_eq!(user.role, Role::Admin);
    assert_eq!(ctx.lms.users.load(user.id).await.expect("load"), user);
    let again = ctx.lms.users.provision(input, Role::Instructor).await;
    assert!(matches!(again, Err(Error::AlreadyExists { .. })), "got {again:?}");
}

async fn users_see_only_their_own_account(ctx: Ctx) {
    let a = student(&ctx).await;
    let b = student(&ctx).await;
    let boss = admin(&ctx).await;
    assert_eq!(ctx.lms.users.get(&a, a.user_id).await.expect("own").id, a.user_id);
    assert!(matches!(
        ctx.lms.users.get(&a, b.user_id).await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(ctx.lms.users.get(&boss, b.user_id).await.expect("admin").id, b.user_id);
    assert!(matches!(
        ctx.lms.users.list(&a, PageRequest::first()).await,
        Err(Error::Forbidden(_))
    ));
    assert!(ctx.lms.users.list(&boss, PageRequest::first()).await.is_ok());
}

async fn only_admins_change_roles(ctx: Ctx) {
    let learner = student(&ctx).await;
    let teacher = instructor(&ctx).await;
    let boss = admin(&ctx).await;
    let promote = AccessChange {
        role: Some(Role::Admin),
        premium: None,
    };
    assert!(matches!(
        ctx.lms.users.change_access(&learner, learner.user_id, promote).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        ctx.lms.users.change_access(&teacher, learner.user_id, promote).await,
        Err(Error::Forbidden(_))
    ));
    let change = AccessChange {
        role: Some(Role::Instructor),
        premium: Some(true),
    };
    let user = ctx
        .lms
        .users
        .change_access(&boss, learner.user_id, change)
        .await
        .expect("admin changes");
    assert_eq!((user.role, user.premium, user.version), (Role::Instructor, true, 2));
    assert_eq!(ctx.lms.users.load(learner.user_id).await.expect("load"), user);
}

async fn profile_rectification_changes_email(ctx: Ctx) {
    let learner = student(&ctx).await;
    let other = student(&ctx).await;
    let new_email = format!("fixed-{}@example.com", tag());
    let patch = ProfilePatch {
        email: Some(new_email.clone()),
        display_name: Some("Fixed Name".into()),
    };
    assert!(matches!(
        ctx.lms
            .users
            .update_profile(&other, learner.user_id, patch.clone())
            .await,
        Err(Error::Forbidden(_))
    ));
    let user = ctx
        .lms
        .users
        .update_profile(&learner, learner.user_id, patch)
        .await
        .expect("update");
    assert_eq!(
        (user.email.as_str(), user.display_name.as_str()),
        (new_email.as_str(), "Fixed Name")
    );
    let taken = ProfilePatch {
        email: Some(new_email),
        ..Default::default()
    };
    let clash = ctx.lms.users.update_profile(&other, other.user_id, taken).await;
    assert!(matches!(clash, Err(Error::AlreadyExists { .. })), "got {clash:?}");
}

async fn students_cannot_author_courses(ctx: Ctx) {
    let learner = student(&ctx).await;
    let result = ctx.lms.catalog.create_course(&learner, new_course("Nope")).await;
    assert!(matches!(result, Err(Error::Forbidden(_))), "got {result:?}");
    let class = ctx.lms.classes.create_class(&learner, NewClass::default()).await;
    assert!(matches!(class, Err(Error::Forbidden(_))));
}

fn forbidden<T>(result: Result<T, Error>) -> bool {
    matches!(result, Err(Error::Forbidden(_)))
}

async fn instructors_cannot_change_others_courses(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let intruder = instructor(&ctx).await;
    let course = draft_course(&ctx, &owner, vec![text("One")]).await;
    let lesson = course.lessons[0].id;
    let patch = CoursePatch {
        title: Some("Hijacked".into()),
        ..Default::default()
    };
    assert!(forbidden(
        ctx.lms.catalog.update_course(&intruder, course.id, patch).await
    ));
    assert!(forbidden(
        ctx.lms.catalog.add_lesson(&intruder, course.id, text("x")).await
    ));
    assert!(forbidden(
        ctx.lms
            .catalog
            .update_lesson(&intruder, lesson, LessonPatch::default())
            .await
    ));
    assert!(forbidden(ctx.lms.catalog.remove_lesson(&intruder, lesson).await));
    assert!(forbidden(
        ctx.lms
            .catalog
            .reorder_lessons(&intruder, course.id, vec![lesson])
            .await
    ));
    assert!(forbidden(ctx.lms.catalog.publish(&intruder, course.id).await));
    assert!(forbidden(ctx.lms.catalog.archive(&intruder, course.id).await));
    let unchanged = ctx.lms.catalog.get_course(Some(&owner), course.id).await.expect("get");
    assert_eq!(*unchanged, course);
}

async fn admins_can_change_any_course(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let boss = admin(&ctx).await;
    let course = draft_course(&ctx, &owner, vec![text("One")]).await;
    let patch = CoursePatch {
        title: Some("Edited by admin".into()),
        price: Some(Some(PriceInput {
            amount_minor: 1_000,
            currency: "usd".into(),
        })),
        ..Default::default()
    };
    let edited = ctx
        .lms
        .catalog
        .update_course(&boss, course.id, patch)
        .await
        .expect("admin edits");
    assert_eq!(edited.title.as_str(), "Edited by admin");
    assert!(!edited.price.is_free());
    assert_eq!(edited.version(), course.version() + 1);
    assert_eq!(
        ctx.lms
            .catalog
            .publish(&boss, course.id)
            .await
            .expect("admin publishes")
            .status(),
        CourseStatus::Published
    );
}

async fn course_input_is_validated_with_field_details(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let mut input = new_course("x");
    input.title = "x".repeat(201);
    input.category = String::new();
    input.price = Some(PriceInput {
        amount_minor: -1,
        currency: "EURO".into(),
    });
    match ctx.lms.catalog.create_course(&owner, input).await {
        Err(Error::Validation(fields)) => {
            let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["title", "category", "price.amount_minor", "price.currency"]);
        }
        other => panic!("expected validation error, got {other:?}"),
    }
    let course = draft_course(&ctx, &owner, vec![]).await;
    let bad_video = video("Bad", 0);
    match ctx.lms.catalog.add_lesson(&owner, course.id, bad_video).await {
        Err(Error::Validation(fields)) => assert_eq!(fields[0].field, "content.duration_seconds"),
        other => panic!("expected validation error, got {other:?}"),
    }
    let mut bad_id = video("Bad id", 10);
    bad_id.content = LessonInput::Video {
        youtube_id: "<script>".into(),
        duration_seconds: 10,
        completion_threshold_percent: Some(101),
    };
    match ctx.lms.catalog.add_lesson(&owner, course.id, bad_id).await {
        Err(Error::Validation(fields)) => assert_eq!(fields.len(), 2),
        other => panic!("expected validation error, got {other:?}"),
    }
    let mut control = new_course("Control");
    control.metadata.insert("ref".into(), "a\u{0}b".into());
    match ctx.lms.catalog.create_course(&owner, control).await {
        Err(Error::Validation(fields)) => assert_eq!(fields[0].field, "metadata.ref"),
        other => panic!("expected validation error, got {other:?}"),
    }
    let mut nul_quiz = super::fixtures::quiz("Quiz", None);
    if let LessonInput::Quiz { questions, .. } = &mut nul_quiz.content {
        questions[0].prompt = "Which\u{0}?".into();
    }
    match ctx.lms.catalog.add_lesson(&owner, course.id, nul_quiz).await {
        Err(Error::Validation(fields)) => assert_eq!(fields[0].field, "content.questions.0.prompt"),
        other => panic!("expected validation error, got {other:?}"),
    }
}

async fn drafts_are_hidden_from_the_public(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let learner = student(&ctx).await;
    let course = draft_course(&ctx, &owner, vec![text("One")]).await;
    assert!(matches!(
        ctx.lms.catalog.get_course(None, course.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        ctx.lms.catalog.get_course(Some(&learner), course.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(ctx.lms.catalog.get_course(Some(&owner), course.id).await.is_ok());
    let enroll = ctx.lms.learning.enroll(&learner, course.id).await;
    assert!(matches!(enroll, Err(Error::CourseState { .. })), "got {enroll:?}");
}

async fn publishing_needs_a_required_lesson(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let empty = draft_course(&ctx, &owner, vec![]).await;
    assert!(matches!(
        ctx.lms.catalog.publish(&owner, empty.id).await,
        Err(Error::Validation(_))
    ));
    let mut optional = text("Optional");
    optional.required = Some(false);
    let only_optional = draft_course(&ctx, &owner, vec![optional]).await;
    assert!(matches!(
        ctx.lms.catalog.publish(&owner, only_optional.id).await,
        Err(Error::Validation(_))
    ));
}

async fn course_lifecycle_is_enforced(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("One")]).await;
    assert!(course.published_at().is_some());
    assert!(matches!(
        ctx.lms.catalog.publish(&owner, course.id).await,
        Err(Error::CourseState { .. })
    ));
    let archived = ctx.lms.catalog.archive(&owner, course.id).await.expect("archive");
    assert_eq!(archived.status(), CourseStatus::Archived);
    assert!(matches!(
        ctx.lms.catalog.archive(&owner, course.id).await,
        Err(Error::CourseState { .. })
    ));
    let learner = student(&ctx).await;
    assert!(matches!(
        ctx.lms.learning.enroll(&learner, course.id).await,
        Err(Error::CourseState { .. })
    ));
    assert!(matches!(
        ctx.lms.catalog.add_lesson(&owner, course.id, text("Late")).await,
        Err(Error::CourseState { .. })
    ));
    let again = ctx.lms.catalog.publish(&owner, course.id).await.expect("republish");
    assert_eq!(
        again.published_at(),
        course.published_at(),
        "first publication time is kept"
    );
}

async fn published_course_lessons_keep_their_kind(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("One")]).await;
    let lesson = course.lessons[0].id;
    let to_video = LessonPatch {
        content: Some(LessonInput::Video {
            youtube_id: "dQw4w9WgXcQ".into(),
            duration_seconds: 60,
            completion_threshold_percent: None,
        }),
        ..Default::default()
    };
    assert!(matches!(
        ctx.lms.catalog.update_lesson(&owner, lesson, to_video).await,
        Err(Error::Validation(_))
    ));
    let retitle = LessonPatch {
        title: Some("Renamed".into()),
        content: Some(LessonInput::Text {
            body: "New body".into(),
        }),
        ..Default::default()
    };
    let updated = ctx
        .lms
        .catalog
        .update_lesson(&owner, lesson, retitle)
        .await
        .expect("edit");
    assert_eq!(updated.lessons[0].title.as_str(), "Renamed");
}

async fn lessons_are_removed_only_from_drafts(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let draft = draft_course(&ctx, &owner, vec![text("One"), text("Two")]).await;
    let removed = draft.lessons[0].id;
    let after = ctx.lms.catalog.remove_lesson(&owner, removed).await.expect("remove");
    assert_eq!(after.lessons.len(), 1);
    assert!(matches!(
        ctx.lms.catalog.remove_lesson(&owner, removed).await,
        Err(Error::NotFound { .. })
    ));
    let published = ctx.lms.catalog.publish(&owner, draft.id).await.expect("publish");
    assert!(matches!(
        ctx.lms.catalog.remove_lesson(&owner, published.lessons[0].id).await,
        Err(Error::CourseState { .. })
    ));
}

async fn lesson_reordering_requires_a_permutation(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = draft_course(&ctx, &owner, vec![text("A"), text("B"), text("C")]).await;
    let ids = lesson_ids(&course);
    let partial = ctx
        .lms
        .catalog
        .reorder_lessons(&owner, course.id, ids[..2].to_vec())
        .await;
    assert!(matches!(partial, Err(Error::Validation(_))));
    let reordered = ctx
        .lms
        .catalog
        .reorder_lessons(&owner, course.id, vec![ids[2], ids[0], ids[1]])
        .await
        .expect("reorder");
    assert_eq!(lesson_ids(&reordered), vec![ids[2], ids[0], ids[1]]);
    let mut at_front = text("Front");
    at_front.position = Some(0);
    let (course, front) = ctx
        .lms
        .catalog
        .add_lesson(&owner, course.id, at_front)
        .await
        .expect("insert");
    assert_eq!(course.lessons[0].id, front);
}

async fn catalog_lists_published_courses_with_filters(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let marker = tag();
    let mut input = new_course(&format!("Searchable {marker}"));
    input.category = format!("Cat {marker}");
    let course = ctx.lms.catalog.create_course(&owner, input).await.expect("create");
    ctx.lms
        .catalog
        .add_lesson(&owner, course.id, text("One"))
        .await
        .expect("lesson");
    let query = || CourseQuery {
        text: Some(format!("SEARCHABLE {}", marker.to_uppercase())),
        ..Default::default()
    };
    let before = ctx
        .lms
        .catalog
        .list_courses(None, query(), PageRequest::first())
        .await
        .expect("list");
    assert!(before.items.is_empty(), "drafts are not listed");
    ctx.lms.catalog.publish(&owner, course.id).await.expect("publish");
    let after = ctx
        .lms
        .catalog
        .list_courses(None, query(), PageRequest::first())
        .await
        .expect("list");
    assert_eq!(after.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![course.id]);
    let by_category = CourseQuery {
        category: Some(format!("cat {}", marker.to_uppercase())),
        ..Default::default()
    };
    let listed = ctx
        .lms
        .catalog
        .list_courses(None, by_category, PageRequest::first())
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    let nul = CourseQuery {
        text: Some("a\u{0}b".into()),
        ..Default::default()
    };
    assert!(matches!(
        ctx.lms.catalog.list_courses(None, nul, PageRequest::first()).await,
        Err(Error::Validation(_))
    ));
    let too_long = CourseQuery {
        text: Some("x".repeat(201)),
        ..Default::default()
    };
    assert!(matches!(
        ctx.lms.catalog.list_courses(None, too_long, PageRequest::first()).await,
        Err(Error::Validation(_))
    ));
}

async fn catalog_hides_other_statuses_from_learners(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let learner = student(&ctx).await;
    let boss = admin(&ctx).await;
    draft_course(&ctx, &owner, vec![]).await;
    published_course(&ctx, &owner, vec![text("One")]).await;
    let drafts = CourseQuery {
        status: Some(CourseStatus::Draft),
        ..Default::default()
    };
    assert!(matches!(
        ctx.lms
            .catalog
            .list_courses(Some(&learner), drafts.clone(), PageRequest::first())
            .await,
        Err(Error::Forbidden(_))
    ));
    let own = CourseQuery {
        owner_id: Some(owner.user_id),
        ..Default::default()
    };
    let mine = ctx
        .lms
        .catalog
        .list_courses(Some(&owner), own.clone(), PageRequest::first())
        .await
        .expect("own");
    assert_eq!(mine.items.len(), 2, "owners see their drafts too");
    let public = ctx
        .lms
        .catalog
        .list_courses(Some(&learner), own.clone(), PageRequest::first())
        .await
        .expect("public");
    assert_eq!(public.items.len(), 1, "others see only the published one");
    let as_admin = ctx
        .lms
        .catalog
        .list_courses(Some(&boss), own, PageRequest::first())
        .await
        .expect("admin");
    assert_eq!(as_admin.items.len(), 2);
}

async fn course_prerequisite_cycles_are_rejected(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let a = draft_course(&ctx, &owner, vec![text("A")]).await;
    let b = draft_course(&ctx, &owner, vec![text("B")]).await;
    let c = draft_course(&ctx, &owner, vec![text("C")]).await;
    ctx.lms
        .catalog
        .set_course_prerequisites(&owner, b.id, vec![a.id])
        .await
        .expect("b needs a");
    ctx.lms
        .catalog
        .set_course_prerequisites(&owner, c.id, vec![b.id])
        .await
        .expect("c needs b");
    let cycle = ctx.lms.catalog.set_course_prerequisites(&owner, a.id, vec![c.id]).await;
    assert!(matches!(cycle, Err(Error::Validation(_))), "got {cycle:?}");
    let own = ctx.lms.catalog.set_course_prerequisites(&owner, a.id, vec![a.id]).await;
    assert!(matches!(own, Err(Error::Validation(_))));
    let unknown = ctx
        .lms
        .catalog
        .set_course_prerequisites(&owner, a.id, vec![crate::ids::CourseId::new()])
        .await;
    assert!(matches!(unknown, Err(Error::Validation(_))));
}

async fn class_enrollment_covers_published_courses(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let learner = student(&ctx).await;
    let one = published_course(&ctx, &owner, vec![text("One")]).await;
    let two = published_course(&ctx, &owner, vec![text("Two")]).await;
    let draft = draft_course(&ctx, &owner, vec![text("Draft")]).await;
    let class = ctx
        .lms
        .classes
        .create_class(
            &owner,
            NewClass {
                title: "Cohort".into(),
                description: String::new(),
                price: None,
            },
        )
        .await
        .expect("class");
    for course in [one.id, draft.id, one.id] {
        ctx.lms.classes.add_course(&owner, class.id, course).await.expect("add");
    }
    let enrolled = ctx.lms.classes.enroll(&learner, class.id).await.expect("enroll");
    assert_eq!(enrolled.iter().map(|e| e.course_id()).collect::<Vec<_>>(), vec![one.id]);
    ctx.lms
        .classes
        .add_course(&owner, class.id, two.id)
        .await
        .expect("add later");
    let again = ctx.lms.classes.enroll(&learner, class.id).await.expect("enroll again");
    let mut courses: Vec<_> = again.iter().map(|e| e.course_id()).collect();
    courses.sort();
    let mut expected = vec![one.id, two.id];
    expected.sort();
    assert_eq!(courses, expected);
    assert_eq!(
        again.iter().find(|e| e.course_id() == one.id).map(|e| e.id()),
        Some(enrolled[0].id())
    );
    let stored = ctx.lms.classes.get_class(&learner, class.id).await.expect("get");
    assert_eq!(stored.course_ids.len(), 3);
}

async fn only_class_owner_changes_class(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let other = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("One")]).await;
    let class = ctx
        .lms
        .classes
        .create_class(
            &owner,
            NewClass {
                title: "Mine".into(),
                description: String::new(),
                price: None,
            },
        )
        .await
        .expect("class");
    let result = ctx.lms.classes.add_course(&other, class.id, course.id).await;
    assert!(matches!(result, Err(Error::Forbidden(_))), "got {result:?}");
    let removed = ctx
        .lms
        .classes
        .remove_course(&owner, class.id, course.id)
        .await
        .expect("remove absent");
    assert!(removed.course_ids.is_empty());
}

async fn use_case_events_reach_a_subscriber_in_order_once(ctx: Ctx) {
    let notifier = Arc::new(RecordingNotifier::default());
    let start = ctx.stores.outbox.last_sequence().await.expect("last sequence");
    let subscriber = Subscriber::new(format!("use-cases-{}", tag()), notifier.clone()).starting_after(start);
    // One delivery at a time keeps the order of the outbox.
    let settings = RelaySettings {
        concurrency: 1,
        ..RelaySettings::default()
    };
    let relay = Relay::builder(&ctx.stores, ctx.clock.clone())
        .settings(settings)
        .subscribe(subscriber)
        .build();
    let user = ctx
        .lms
        .users
        .register(NewUser {
            email: format!("relay-{}@example.com", tag()),
            display_name: "Relay".into(),
        })
        .await
        .expect("register");
    let boss = admin(&ctx).await;
    let change = AccessChange {
        role: Some(Role::Instructor),
        premium: None,
    };
    ctx.lms
        .users
        .change_access(&boss, user.id, change)
        .await
        .expect("promote");
    let report = relay.run_once().await.expect("relay");
    let sent = notifier.sent();
    assert_eq!(report.counts.delivered as usize, sent.len());
    let ours: Vec<_> = sent
        .iter()
        .filter(|e| match &e.payload {
            EventPayload::UserRegistered { user_id } | EventPayload::UserAccessChanged { user_id, .. } => {
                *user_id == user.id
            }
            _ => false,
        })
        .map(|e| e.payload.event_type())
        .collect();
    assert_eq!(ours, ["user_registered", "user_access_changed"]);
    assert_eq!(
        relay.run_once().await.expect("again").counts.delivered,
        0,
        "each event once"
    );
}
