//! Flashcards on every backend: authoring rules, the due queue's order and daily limit,
//! reviews that replay from their log, statistics, changing a deck's settings and
//! scheduler, reading a deck's whole review log to optimize it.

use std::ops::Bound;

use chrono::Duration;

use super::fixtures::{admin, draft_course, enrolled, instructor, quiz, student, text};
use super::{behaviour_list, Behaviour, Ctx};
use crate::flashcards::schedule::{elapsed_days, interval_days, DEFAULT_RETENTION};
use crate::flashcards::{
    Answer, Deck, DeckChanges, DeckImport, Field, ImportMedia, ImportNote, NewCard, NewDeck, Rating, ReviewLog,
    Schedule, Scheduler, SchedulerKind, Sm2, StudyState, MIN_OPTIMIZATION_REVIEWS,
};
use crate::ids::{CardId, DeckId};
use crate::records::{IndexValue, Range, Records};
use crate::services::{Actor, LessonInput, NewLesson};
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        decks_are_authored_by_their_owners_and_course_instructors,
        the_due_queue_puts_relearning_first_and_limits_new_cards,
        reviews_replay_from_their_log_to_the_stored_schedule,
        deck_statistics_count_today_and_retention,
        a_flashcard_lesson_completes_by_passing_reviews_and_unlocks_the_next,
        an_import_stores_every_fitting_note_with_its_media_or_nothing,
        only_a_decks_authors_change_or_optimize_it,
        deck_changes_are_checked_as_a_new_decks_settings,
        switching_the_scheduler_keeps_every_learners_progress,
        optimizing_a_deck_counts_every_learners_reviews_and_needs_enough,
    ]
}

/// A private deck of `owner` titled `title`, otherwise as `new`.
async fn deck_of(ctx: &Ctx, owner: &Actor, title: &str, new: NewDeck) -> Deck {
    ctx.lms
        .flashcards()
        .create_deck(
            owner,
            NewDeck {
                title: title.to_owned(),
                ..new
            },
        )
        .await
        .expect("deck")
}

fn card(front: &str) -> NewCard {
    NewCard {
        front: front.to_owned(),
        back: format!("{front} (back)"),
        tags: vec!["conformance".to_owned()],
    }
}

async fn decks_are_authored_by_their_owners_and_course_instructors(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let learner = student(&ctx).await;
    let private = deck_of(&ctx, &learner, "My words", NewDeck::default()).await;
    for front in ["uno", "dos", "tres"] {
        flashcards
            .add_card(&learner, private.id, card(front))
            .await
            .expect("card");
    }
    let cards = flashcards.cards(&learner, private.id, None, 10).await.expect("cards");
    let fronts: Vec<&str> = cards.iter().map(|c| c.front()).collect();
    assert_eq!(fronts, ["uno", "dos", "tres"], "in the order added");
    assert_eq!(flashcards.deck(&learner, private.id).await.expect("deck").card_count, 3);
    let next = flashcards
        .cards(&learner, private.id, Some(cards[0].position), 10)
        .await
        .expect("after");
    assert_eq!(next.len(), 2);

    let other = student(&ctx).await;
    let hidden = flashcards.deck(&other, private.id).await;
    assert!(matches!(hidden, Err(Error::NotFound { .. })), "got {hidden:?}");

    let (owner, course, enrolled_learner) = enrolled(&ctx, vec![text("Intro")]).await;
    let course_deck = NewDeck {
        title: "Course deck".into(),
        course_id: Some(course.id),
        scheduler: SchedulerKind::Fsrs,
        ..NewDeck::default()
    };
    let refused = flashcards.create_deck(&learner, course_deck.clone()).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "got {refused:?}");
    let deck = flashcards
        .create_deck(&owner, course_deck)
        .await
        .expect("the instructor's");
    flashcards.add_card(&owner, deck.id, card("hola")).await.expect("card");
    let by_learner = flashcards.add_card(&enrolled_learner, deck.id, card("adios")).await;
    assert!(matches!(by_learner, Err(Error::Forbidden(_))), "got {by_learner:?}");
    flashcards
        .due(&enrolled_learner, deck.id, 10)
        .await
        .expect("enrolled learners study it");
    let outsider = flashcards.due(&learner, deck.id, 10).await;
    assert!(matches!(outsider, Err(Error::NotFound { .. })), "got {outsider:?}");
    let invalid = flashcards.add_card(&owner, deck.id, NewCard::default()).await;
    assert!(
        matches!(invalid, Err(Error::Validation(ref f)) if f.len() == 2),
        "got {invalid:?}"
    );
    let other_instructor = instructor(&ctx).await;
    let not_theirs = flashcards.add_card(&other_instructor, deck.id, card("x")).await;
    assert!(not_theirs.is_err(), "got {not_theirs:?}");
}

async fn the_due_queue_puts_relearning_first_and_limits_new_cards(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let learner = student(&ctx).await;
    let limited = NewDeck {
        new_per_day: Some(3),
        ..NewDeck::default()
    };
    let deck = deck_of(&ctx, &learner, "Limited", limited).await;
    let mut ids = Vec::new();
    for front in ["a", "b", "c", "d", "e"] {
        ids.push(
            flashcards
                .add_card(&learner, deck.id, card(front))
                .await
                .expect("card")
                .id,
        );
    }
    let first = flashcards.due(&learner, deck.id, 50).await.expect("due");
    assert_eq!(
        first.iter().map(|d| d.card.id).collect::<Vec<_>>(),
        ids[..3],
        "three new cards a day"
    );
    assert!(first.iter().all(|d| d.state == StudyState::New));
    for (id, quality) in [(ids[0], 5), (ids[1], 2), (ids[2], 4)] {
        flashcards
            .review(&learner, id, Answer::quality(quality).expect("quality"))
            .await
            .expect("review");
        ctx.clock.advance(Duration::seconds(1));
    }
    assert!(
        flashcards.due(&learner, deck.id, 50).await.expect("due").is_empty(),
        "the day's new cards are used"
    );

    ctx.clock.advance(Duration::days(1));
    let next_day = flashcards.due(&learner, deck.id, 50).await.expect("due");
    let order: Vec<_> = next_day.iter().map(|d| (d.card.id, d.state)).collect();
    assert_eq!(
        order,
        [
            (ids[1], StudyState::Learning),
            (ids[0], StudyState::Review),
            (ids[2], StudyState::Review),
            (ids[3], StudyState::New),
            (ids[4], StudyState::New),
        ]
    );
    let limited = flashcards.due(&learner, deck.id, 2).await.expect("due");
    assert_eq!(
        limited.iter().map(|d| (d.card.id, d.state)).collect::<Vec<_>>(),
        [(ids[1], StudyState::Learning), (ids[0], StudyState::Review)],
        "a limit cuts the queue in study order"
    );
    // The relearning card fell due last of the three; it still comes first when the limit
    // leaves room for one card only.
    let one = flashcards.due(&learner, deck.id, 1).await.expect("due");
    assert_eq!(
        one.iter().map(|d| (d.card.id, d.state)).collect::<Vec<_>>(),
        [(ids[1], StudyState::Learning)]
    );
}

async fn reviews_replay_from_their_log_to_the_stored_schedule(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let learner = student(&ctx).await;
    let deck = deck_of(&ctx, &learner, "Replay", NewDeck::default()).await;
    let id = flashcards
        .add_card(&learner, deck.id, card("replay"))
        .await
        .expect("card")
        .id;
    let mut outcome = None;
    for quality in [5, 5, 5, 4, 3, 2, 5] {
        let reviewed = flashcards
            .review(&learner, id, Answer::quality(quality).expect("quality"))
            .await
            .expect("review");
        ctx.clock
            .advance(Duration::days(i64::from(reviewed.schedule.interval_days)));
        outcome = Some(reviewed);
    }
    let key = |at| IndexValue::from((learner.user_id, id.as_uuid(), at));
    let logs = Records::new(ctx.stores.records.clone())
        .range::<ReviewLog>(Range::all("user_card_time", 100).between(
            Bound::Included(key(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH)),
            Bound::Included(key(chrono::DateTime::<chrono::Utc>::MAX_UTC)),
        ))
        .await
        .expect("log");
    assert_eq!(logs.items.len(), 7);
    let mut replayed = Schedule::new(logs.items[0].reviewed_at);
    for log in &logs.items {
        assert_eq!(
            log.before, replayed,
            "each review starts from the previous one's result"
        );
        replayed = Sm2.next(&replayed, log.answer, log.reviewed_at).expect("replay");
        assert_eq!(log.after, replayed);
    }
    let stored = outcome.expect("reviewed").schedule;
    assert_eq!(replayed, stored, "the log replays to the stored schedule");
    assert_eq!(
        (stored.interval_days, stored.ease),
        (1, 244),
        "the SM-2 table's last row"
    );

    // A deck switched to FSRS schedules on from the SM-2 state; ratings work on either.
    let fsrs_deck = NewDeck {
        scheduler: SchedulerKind::Fsrs,
        ..NewDeck::default()
    };
    let fsrs = deck_of(&ctx, &learner, "FSRS", fsrs_deck).await;
    let fsrs_card = flashcards
        .add_card(&learner, fsrs.id, card("f"))
        .await
        .expect("card")
        .id;
    let good = flashcards
        .review(&learner, fsrs_card, Answer::Rating(Rating::Good))
        .await
        .expect("review");
    assert!(good.passed && good.schedule.stability.is_some(), "{good:?}");
    let hard = flashcards
        .review(&learner, fsrs_card, Answer::Quality(3))
        .await
        .expect("review");
    assert!(!hard.passed, "hard does not pass under FSRS");
}

async fn deck_statistics_count_today_and_retention(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let learner = student(&ctx).await;
    let deck = deck_of(&ctx, &learner, "Stats", NewDeck::default()).await;
    let mut ids = Vec::new();
    for front in ["p", "q", "r"] {
        ids.push(
            flashcards
                .add_card(&learner, deck.id, card(front))
                .await
                .expect("card")
                .id,
        );
    }
    let empty = flashcards.stats(&learner, deck.id).await.expect("stats");
    assert_eq!(
        (
            empty.cards,
            empty.studied,
            empty.due_today,
            empty.new_available_today,
            empty.reviewed_today
        ),
        (3, 0, 0, 3, 0)
    );
    assert_eq!(empty.retention_30_days, None);
    for id in &ids[..2] {
        flashcards
            .review(&learner, *id, Answer::quality(4).expect("q"))
            .await
            .expect("review");
    }
    ctx.clock.advance(Duration::days(1));
    flashcards
        .review(&learner, ids[0], Answer::quality(5).expect("q"))
        .await
        .expect("review");
    flashcards
        .review(&learner, ids[1], Answer::quality(1).expect("q"))
        .await
        .expect("review");
    let stats = flashcards.stats(&learner, deck.id).await.expect("stats");
    assert_eq!(stats.studied, 2);
    assert_eq!(stats.reviewed_today, 2);
    assert_eq!(stats.due_today, 0, "both were just rescheduled to tomorrow or later");
    assert_eq!(stats.new_available_today, 1, "one card never studied");
    assert_eq!(
        stats.retention_30_days,
        Some(50.0),
        "one of two reviews of studied cards passed"
    );
}

async fn a_flashcard_lesson_completes_by_passing_reviews_and_unlocks_the_next(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let owner = instructor(&ctx).await;
    let course = draft_course(&ctx, &owner, vec![text("Read first")]).await;
    let deck = flashcards
        .create_deck(
            &owner,
            NewDeck {
                title: "Lesson deck".into(),
                course_id: Some(course.id),
                ..NewDeck::default()
            },
        )
        .await
        .expect("course deck");
    let mut cards = Vec::new();
    for front in ["sol", "luna"] {
        cards.push(flashcards.add_card(&owner, deck.id, card(front)).await.expect("card"));
    }
    let lesson = |deck_id| NewLesson {
        title: "Words".into(),
        content: LessonInput::Flashcards { deck_id },
        required: None,
        prerequisites: None,
        position: None,
    };
    let someone = student(&ctx).await;
    let others = deck_of(&ctx, &someone, "Someone else's", NewDeck::default()).await;
    let other_course = draft_course(&ctx, &owner, vec![text("Elsewhere")]).await;
    let other_courses = flashcards
        .create_deck(
            &owner,
            NewDeck {
                title: "Another course's deck".into(),
                course_id: Some(other_course.id),
                ..NewDeck::default()
            },
        )
        .await
        .expect("course deck");
    for (deck_id, code) in [
        (others.id, "foreign_deck"),
        (other_courses.id, "foreign_deck"),
        (crate::ids::DeckId::new(), "unknown_deck"),
    ] {
        match ctx.lms.catalog.add_lesson(&owner, course.id, lesson(deck_id)).await {
            Err(Error::Validation(errors)) => assert_eq!(errors[0].code, code),
            other => panic!("a lesson of deck {deck_id} was not refused: {other:?}"),
        }
    }
    // The instructor's own private deck becomes the course's deck of a new lesson, and
    // only when the lesson is saved: a lesson refused for its prerequisites leaves it private.
    let mine = deck_of(&ctx, &owner, "Made before the course", NewDeck::default()).await;
    let refused = NewLesson {
        prerequisites: Some(crate::domain::lesson::Prerequisites::Lessons(vec![
            crate::ids::LessonId::new(),
        ])),
        ..lesson(mine.id)
    };
    assert!(matches!(
        ctx.lms.catalog.add_lesson(&owner, other_course.id, refused).await,
        Err(Error::Validation(_))
    ));
    let untouched = flashcards.deck(&owner, mine.id).await.expect("deck");
    assert_eq!(untouched.course_id, None, "a refused lesson attaches nothing");
    ctx.lms
        .catalog
        .add_lesson(&owner, other_course.id, lesson(mine.id))
        .await
        .expect("a lesson of the instructor's private deck");
    let attached = flashcards.deck(&owner, mine.id).await.expect("deck");
    assert_eq!(attached.course_id, Some(other_course.id));
    assert_eq!(attached.version, mine.version + 1);
    // A private deck is not attached to a course its owner does not manage.
    let own = deck_of(&ctx, &someone, "Learner's own", NewDeck::default()).await;
    match ctx.lms.catalog.add_lesson(&someone, course.id, lesson(own.id)).await {
        Err(Error::Forbidden(_)) => {}
        other => panic!("a learner added a lesson to another's course: {other:?}"),
    }
    let own = flashcards.deck(&someone, own.id).await.expect("deck");
    assert_eq!(own.course_id, None, "the refused deck stays private");
    let (course, deck_lesson) = ctx
        .lms
        .catalog
        .add_lesson(&owner, course.id, lesson(deck.id))
        .await
        .expect("flashcard lesson");
    let (course, quiz_lesson) = ctx
        .lms
        .catalog
        .add_lesson(&owner, course.id, quiz("After the words", None))
        .await
        .expect("quiz lesson");
    let course = ctx.lms.catalog.publish(&owner, course.id).await.expect("publish");
    let learner = student(&ctx).await;
    ctx.lms.learning.enroll(&learner, course.id).await.expect("enroll");
    let learning = &ctx.lms.learning;

    // Studying ahead is allowed, but a locked lesson does not complete.
    let early = flashcards
        .review(&learner, cards[0].id, Answer::Quality(5))
        .await
        .expect("review");
    assert!(early.passed && !early.lesson_completed);
    learning
        .complete_lesson(&learner, course.lessons[0].id, None)
        .await
        .expect("text lesson");
    let locked = learning.open_lesson(&learner, quiz_lesson).await;
    assert!(matches!(locked, Err(Error::LessonLocked { .. })), "got {locked:?}");

    let failed = flashcards
        .review(&learner, cards[1].id, Answer::Quality(1))
        .await
        .expect("review");
    assert!(
        !failed.passed && !failed.lesson_completed,
        "a failed answer completes nothing"
    );
    let passed = flashcards
        .review(&learner, cards[1].id, Answer::Rating(Rating::Good))
        .await
        .expect("review");
    assert!(passed.lesson_completed, "the last card passed completes the lesson");
    learning
        .open_lesson(&learner, quiz_lesson)
        .await
        .expect("the quiz unlocks");
    let progress = learning.progress(&learner, course.id, None).await.expect("progress");
    assert!(
        progress.enrollment.completed_lessons().contains(&deck_lesson),
        "the flashcard lesson is recorded as completed"
    );
    let again = flashcards
        .review(&learner, cards[0].id, Answer::Quality(4))
        .await
        .expect("review");
    assert!(!again.lesson_completed, "a completed lesson completes once");

    let wrong = learning.complete_lesson(&learner, deck_lesson, None).await;
    assert!(
        matches!(&wrong, Err(Error::Validation(e)) if e[0].code == "wrong_lesson_kind"),
        "a flashcard lesson is not marked read: {wrong:?}"
    );
}

fn note(source: &str, guid: &str, fields: &[(&str, &str)], tags: &[&str]) -> ImportNote {
    ImportNote {
        source: source.to_owned(),
        guid: Some(guid.to_owned()),
        note_type: "Basic (and reversed card)".to_owned(),
        fields: fields
            .iter()
            .map(|(name, value)| Field {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
            })
            .collect(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        schedule: None,
    }
}

async fn an_import_stores_every_fitting_note_with_its_media_or_nothing(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let learner = student(&ctx).await;
    let studied = Sm2
        .next(&Schedule::new(ctx.clock_now()), Answer::Quality(5), ctx.clock_now())
        .expect("schedule");
    let mut notes = vec![
        note(
            "note 1",
            "g1",
            &[
                ("Front", "<b>gato</b> <img src=\"cat.png\">"),
                ("Back", "cat [sound:meow.mp3]"),
                ("Example", ""),
            ],
            &["animals", "es::nouns"],
        ),
        note("note 2", "g2", &[("Front", "  "), ("Back", "nothing in front")], &[]),
        note("note 3", "g1", &[("Front", "again g1"), ("Back", "b")], &[]),
        note("note 4", "g4", &[("Front", "perro"), ("Back", "dog")], &["animals"]),
        note("note 5", "g5", &[("Front", "pez"), ("Back", "fish")], &[]),
    ];
    notes[3].schedule = Some(studied.clone());
    notes[4].schedule = Some(Schedule {
        ease: 50,
        ..studied.clone()
    });
    let import = |notes: Vec<ImportNote>, media: Vec<ImportMedia>| DeckImport {
        deck: NewDeck {
            title: "Imported".into(),
            ..NewDeck::default()
        },
        note_types: Vec::new(),
        notes,
        media,
    };
    let media = vec![
        ImportMedia {
            name: "cat.png".into(),
            bytes: vec![0x89, b'P', b'N', b'G', 0, 255],
        },
        ImportMedia {
            name: "meow.mp3".into(),
            bytes: b"ID3 not really".to_vec(),
        },
    ];
    let outcome = flashcards
        .import_deck(&learner, import(notes.clone(), media.clone()))
        .await
        .expect("import");
    assert_eq!((outcome.cards_imported, outcome.media_imported), (2, 2));
    let skipped: Vec<&str> = outcome.skipped.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(skipped, ["note 2", "note 3", "note 5"], "{:?}", outcome.skipped);
    assert!(outcome.skipped[1].reason.contains("twice"), "{:?}", outcome.skipped);
    assert!(
        outcome.skipped[2].reason.contains("ease factor 0.50"),
        "{:?}",
        outcome.skipped
    );

    let export = flashcards.export_deck(&learner, outcome.deck.id).await.expect("export");
    assert_eq!(export.deck.card_count, 2);
    let first = &export.cards[0];
    assert_eq!(first.guid.as_deref(), Some("g1"));
    assert_eq!(first.note_type, "Basic (and reversed card)");
    assert_eq!(first.fields.len(), 3, "every field kept, empty ones too");
    assert_eq!(first.fields[2].name, "Example");
    assert_eq!(first.tags, ["animals", "es::nouns"]);
    assert_eq!(first.media, ["cat.png", "meow.mp3"]);
    assert_eq!(
        export.schedule(export.cards[1].id),
        Some(&studied),
        "the imported schedule"
    );
    assert_eq!(export.schedule(first.id), None);
    let mut names: Vec<(&str, &[u8])> = export
        .media
        .iter()
        .map(|m| (m.name.as_str(), m.bytes.as_slice()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("cat.png", media[0].bytes.as_slice()),
            ("meow.mp3", media[1].bytes.as_slice())
        ]
    );
    let cat = flashcards
        .media(&learner, outcome.deck.id, "cat.png")
        .await
        .expect("media");
    assert_eq!(cat.bytes, media[0].bytes);
    let due = flashcards.due(&learner, outcome.deck.id, 10).await.expect("due");
    assert_eq!(due.len(), 1, "the studied card is not new, and not due yet");
    let stranger = student(&ctx).await;
    assert!(matches!(
        flashcards.export_deck(&stranger, outcome.deck.id).await,
        Err(Error::NotFound { .. })
    ));

    // A bad media file, or nothing importable, stores nothing at all.
    let records = Records::new(ctx.stores.records.clone());
    let decks_before = records.count::<Deck>("creator", learner.user_id).await.expect("count");
    let bad_media = vec![ImportMedia {
        name: "../escape.png".into(),
        bytes: vec![1],
    }];
    let refused = flashcards.import_deck(&learner, import(notes.clone(), bad_media)).await;
    assert!(
        matches!(&refused, Err(Error::Validation(e)) if e[0].code == "invalid_name"),
        "{refused:?}"
    );
    let empty = flashcards
        .import_deck(&learner, import(vec![notes[1].clone()], Vec::new()))
        .await;
    assert!(
        matches!(&empty, Err(Error::Validation(e)) if e[0].code == "no_notes"),
        "{empty:?}"
    );
    let decks_after = records.count::<Deck>("creator", learner.user_id).await.expect("count");
    assert_eq!(decks_before, decks_after, "a refused import leaves no deck");
}

fn scheduler(kind: SchedulerKind) -> DeckChanges {
    DeckChanges {
        scheduler: Some(kind),
        ..DeckChanges::default()
    }
}

async fn course_deck(ctx: &Ctx, owner: &Actor, course_id: crate::ids::CourseId, title: &str) -> Deck {
    ctx.lms
        .flashcards()
        .create_deck(
            owner,
            NewDeck {
                title: title.to_owned(),
                course_id: Some(course_id),
                ..NewDeck::default()
            },
        )
        .await
        .expect("course deck")
}

async fn only_a_decks_authors_change_or_optimize_it(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let (owner, course, learner) = enrolled(&ctx, vec![text("Intro")]).await;
    let deck = course_deck(&ctx, &owner, course.id, "Authored").await;
    let rename = DeckChanges {
        title: Some("  Renamed  ".into()),
        ..DeckChanges::default()
    };
    let by_learner = flashcards.update_deck(&learner, deck.id, rename.clone()).await;
    assert!(matches!(by_learner, Err(Error::Forbidden(_))), "got {by_learner:?}");
    let optimized_by_learner = flashcards.optimize_deck(&learner, deck.id).await;
    assert!(
        matches!(optimized_by_learner, Err(Error::Forbidden(_))),
        "got {optimized_by_learner:?}"
    );
    let stranger = student(&ctx).await;
    let other_instructor = instructor(&ctx).await;
    for outsider in [&stranger, &other_instructor] {
        let changed = flashcards.update_deck(outsider, deck.id, rename.clone()).await;
        assert!(matches!(changed, Err(Error::NotFound { .. })), "got {changed:?}");
        let optimized = flashcards.optimize_deck(outsider, deck.id).await;
        assert!(matches!(optimized, Err(Error::NotFound { .. })), "got {optimized:?}");
    }
    assert_eq!(
        flashcards.deck(&owner, deck.id).await.expect("deck"),
        deck,
        "refused changes change nothing"
    );

    ctx.clock.advance(Duration::seconds(1));
    let renamed = flashcards
        .update_deck(&owner, deck.id, rename.clone())
        .await
        .expect("the course's instructor");
    assert_eq!(renamed.title, "Renamed", "the title is stored as a new deck's is");
    assert_eq!(
        (renamed.version, renamed.updated_at),
        (deck.version + 1, ctx.clock_now())
    );
    assert_eq!(flashcards.deck(&learner, deck.id).await.expect("deck"), renamed);
    let unchanged = flashcards
        .update_deck(&owner, deck.id, rename)
        .await
        .expect("same title");
    assert_eq!(unchanged, renamed, "a change that changes nothing stores nothing");
    let by_admin = flashcards
        .update_deck(
            &admin(&ctx).await,
            deck.id,
            DeckChanges {
                new_per_day: Some(5),
                desired_retention: Some(0.85),
                ..DeckChanges::default()
            },
        )
        .await
        .expect("an admin");
    assert_eq!(
        (
            by_admin.new_per_day,
            by_admin.desired_retention,
            by_admin.title.as_str()
        ),
        (5, 0.85, "Renamed")
    );

    let private = deck_of(&ctx, &stranger, "Mine", NewDeck::default()).await;
    flashcards
        .update_deck(&stranger, private.id, scheduler(SchedulerKind::Fsrs))
        .await
        .expect("a private deck's owner");
    let not_theirs = flashcards
        .update_deck(&learner, private.id, scheduler(SchedulerKind::Sm2))
        .await;
    assert!(matches!(not_theirs, Err(Error::NotFound { .. })), "got {not_theirs:?}");
    let unknown = flashcards
        .update_deck(&owner, DeckId::new(), DeckChanges::default())
        .await;
    assert!(matches!(unknown, Err(Error::NotFound { .. })), "got {unknown:?}");
}

async fn deck_changes_are_checked_as_a_new_decks_settings(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let owner = student(&ctx).await;
    let deck = deck_of(&ctx, &owner, "Checked", NewDeck::default()).await;
    let fields = |result: crate::Result<Deck>| match result {
        Err(Error::Validation(errors)) => errors.into_iter().map(|e| (e.field, e.code)).collect::<Vec<_>>(),
        other => panic!("invalid settings were accepted: {other:?}"),
    };
    let changed = flashcards
        .update_deck(
            &owner,
            deck.id,
            DeckChanges {
                title: Some(" ".into()),
                scheduler: Some(SchedulerKind::Fsrs),
                desired_retention: Some(1.5),
                new_per_day: Some(10_000),
            },
        )
        .await;
    let created = flashcards
        .create_deck(
            &owner,
            NewDeck {
                title: " ".into(),
                desired_retention: Some(1.5),
                new_per_day: Some(10_000),
                ..NewDeck::default()
            },
        )
        .await;
    let errors = fields(changed);
    assert_eq!(errors, fields(created), "the same checks as a new deck's");
    let codes: Vec<(&str, &str)> = errors.iter().map(|(f, c)| (f.as_str(), *c)).collect();
    assert_eq!(codes.len(), 3, "every invalid setting at once: {codes:?}");
    assert!(codes[0].0.starts_with("title"), "{codes:?}");
    assert_eq!(
        codes[1..],
        [("desired_retention", "out_of_range"), ("new_per_day", "out_of_range")]
    );
    let not_a_number = flashcards
        .update_deck(
            &owner,
            deck.id,
            DeckChanges {
                desired_retention: Some(f32::NAN),
                ..DeckChanges::default()
            },
        )
        .await;
    assert_eq!(fields(not_a_number), [("desired_retention".to_owned(), "out_of_range")]);
    assert_eq!(
        flashcards.deck(&owner, deck.id).await.expect("deck"),
        deck,
        "a refused change changes nothing, not even its valid part"
    );
    let limits = flashcards
        .update_deck(
            &owner,
            deck.id,
            DeckChanges {
                desired_retention: Some(0.99),
                new_per_day: Some(9999),
                ..DeckChanges::default()
            },
        )
        .await
        .expect("the limits themselves are valid");
    assert_eq!((limits.desired_retention, limits.new_per_day), (0.99, 9999));
}

/// Reviews `card` as `actor`, then moves the clock to when it is due.
async fn review_and_wait(ctx: &Ctx, actor: &Actor, card: CardId, answer: Answer) -> Schedule {
    let outcome = ctx.lms.flashcards().review(actor, card, answer).await.expect("review");
    ctx.clock
        .advance(Duration::days(i64::from(outcome.schedule.interval_days)));
    outcome.schedule
}

/// The schedule FSRS (default parameters) gives a card SM-2 scheduled, answered `good`
/// now: from the memory state FSRS estimates from its SM-2 ease and interval.
fn fsrs_from_sm2(sm2: &Schedule, now: chrono::DateTime<chrono::Utc>, retention: f32) -> fsrs::ItemState {
    let model = fsrs::FSRS::new(&[]).expect("default parameters");
    let memory = model
        .memory_state_from_sm2(sm2.ease as f32 / 100.0, sm2.interval_days as f32, DEFAULT_RETENTION)
        .expect("an SM-2 state converts");
    let elapsed = elapsed_days(sm2.last_reviewed_at.expect("reviewed"), now);
    model
        .next_states(Some(memory), retention, elapsed)
        .expect("next states")
        .good
}

async fn switching_the_scheduler_keeps_every_learners_progress(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let (owner, course, learner) = enrolled(&ctx, vec![text("Intro")]).await;
    let deck = course_deck(&ctx, &owner, course.id, "Switched").await;
    let card_id = flashcards
        .add_card(&owner, deck.id, card("cambio"))
        .await
        .expect("card")
        .id;
    let mut sm2 = Schedule::new(ctx.clock_now());
    for quality in [4, 5, 4] {
        sm2 = review_and_wait(&ctx, &learner, card_id, Answer::Quality(quality)).await;
    }
    assert_eq!((sm2.repetitions, sm2.stability), (3, None), "{sm2:?}");

    let switched = flashcards
        .update_deck(&owner, deck.id, scheduler(SchedulerKind::Fsrs))
        .await
        .expect("switch to FSRS");
    assert_eq!(
        (switched.scheduler, switched.version, switched.updated_at),
        (SchedulerKind::Fsrs, deck.version + 2, ctx.clock_now()),
        "one card added, then the switch"
    );
    let due = flashcards.due(&learner, deck.id, 10).await.expect("due");
    assert_eq!(
        due.iter().map(|d| (d.card.id, d.state)).collect::<Vec<_>>(),
        [(card_id, StudyState::Review)],
        "the card keeps its place in the learner's study"
    );

    // SM-2 → FSRS: the next review starts from the memory state of the SM-2 schedule.
    let now = ctx.clock_now();
    let expected = fsrs_from_sm2(&sm2, now, switched.desired_retention);
    let fsrs = review_and_wait(&ctx, &learner, card_id, Answer::Rating(Rating::Good)).await;
    assert_eq!(
        (fsrs.stability, fsrs.difficulty, fsrs.interval_days),
        (
            Some(expected.memory.stability),
            Some(expected.memory.difficulty),
            interval_days(expected.interval)
        ),
        "scheduled by FSRS from the memory state estimated from the SM-2 ease and interval"
    );
    assert_eq!(
        (fsrs.repetitions, fsrs.ease, fsrs.lapses),
        (sm2.repetitions + 1, sm2.ease, sm2.lapses),
        "the SM-2 fields carry on"
    );
    let key = |at| IndexValue::from((learner.user_id, card_id.as_uuid(), at));
    let last = Records::new(ctx.stores.records.clone())
        .range::<ReviewLog>(
            Range::all("user_card_time", 1)
                .between(
                    Bound::Included(key(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH)),
                    Bound::Included(key(chrono::DateTime::<chrono::Utc>::MAX_UTC)),
                )
                .descending(),
        )
        .await
        .expect("log");
    assert_eq!(
        (last.items[0].scheduler, &last.items[0].before),
        (SchedulerKind::Fsrs, &sm2),
        "the log says which scheduler took over from which schedule"
    );

    // FSRS → SM-2: SM-2 goes on from the repetitions, interval and ease.
    flashcards
        .update_deck(&owner, deck.id, scheduler(SchedulerKind::Sm2))
        .await
        .expect("switch back to SM-2");
    let now = ctx.clock_now();
    let back = review_and_wait(&ctx, &learner, card_id, Answer::Quality(4)).await;
    assert_eq!(back, Sm2.next(&fsrs, Answer::Quality(4), now).expect("sm2"));
    assert_eq!(
        (back.repetitions, back.interval_days, back.ease),
        (
            fsrs.repetitions + 1,
            (fsrs.interval_days * fsrs.ease).div_ceil(100),
            fsrs.ease
        ),
        "the FSRS interval times the ease, rounded up"
    );
    assert_eq!(
        (back.stability, back.difficulty),
        (None, None),
        "the FSRS memory state no longer describes the card"
    );

    // SM-2 → FSRS again: the memory state is estimated from the new SM-2 state, not the
    // one FSRS left before SM-2's review.
    flashcards
        .update_deck(&owner, deck.id, scheduler(SchedulerKind::Fsrs))
        .await
        .expect("switch to FSRS again");
    let now = ctx.clock_now();
    let expected = fsrs_from_sm2(&back, now, switched.desired_retention);
    let again = flashcards
        .review(&learner, card_id, Answer::Rating(Rating::Good))
        .await
        .expect("review");
    assert_eq!(again.schedule.stability, Some(expected.memory.stability));
    assert_eq!(again.schedule.interval_days, interval_days(expected.interval));
}

async fn optimizing_a_deck_counts_every_learners_reviews_and_needs_enough(ctx: Ctx) {
    let flashcards = ctx.lms.flashcards();
    let (owner, course, first) = enrolled(&ctx, vec![text("Intro")]).await;
    let second = student(&ctx).await;
    ctx.lms.learning.enroll(&second, course.id).await.expect("enroll");
    let deck = course_deck(&ctx, &owner, course.id, "Optimized").await;
    let mut cards = Vec::new();
    for front in ["uno", "dos", "tres"] {
        cards.push(
            flashcards
                .add_card(&owner, deck.id, card(front))
                .await
                .expect("card")
                .id,
        );
    }
    let elsewhere = deck_of(&ctx, &first, "Elsewhere", NewDeck::default()).await;
    let elsewhere_card = flashcards
        .add_card(&first, elsewhere.id, card("otro"))
        .await
        .expect("card")
        .id;
    let reviews = [
        (&first, cards[0]),
        (&first, cards[1]),
        (&second, cards[0]),
        (&second, cards[1]),
        (&first, elsewhere_card),
    ];
    for _day in 0..2 {
        for (learner, card_id) in reviews {
            flashcards
                .review(learner, card_id, Answer::Quality(4))
                .await
                .expect("review");
        }
        ctx.clock.advance(Duration::days(1));
    }
    flashcards
        .review(&first, cards[2], Answer::Quality(4))
        .await
        .expect("a card reviewed once");

    let refused = flashcards.optimize_deck(&owner, deck.id).await;
    match &refused {
        Err(Error::Validation(errors)) => {
            let error = &errors[0];
            assert_eq!((error.field.as_str(), error.code), ("reviews", "not_enough_reviews"));
            assert!(
                error.message.contains("8 usable reviews")
                    && error.message.contains("9 in all")
                    && error.message.contains(&format!("at least {MIN_OPTIMIZATION_REVIEWS}")),
                "both learners' reviews of the deck, and only of this deck, are counted: {}",
                error.message
            );
        }
        other => panic!("nine reviews were optimized: {other:?}"),
    }
    assert!(
        flashcards
            .deck(&owner, deck.id)
            .await
            .expect("deck")
            .fsrs_parameters
            .is_empty(),
        "the deck keeps the default parameters"
    );
}
