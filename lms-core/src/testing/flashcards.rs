//! Flashcards on every backend: authoring rules, the due queue's order and daily limit,
//! reviews that replay from their log, statistics.

use std::ops::Bound;

use chrono::Duration;

use super::fixtures::{draft_course, enrolled, instructor, quiz, student, text};
use super::{behaviour_list, Behaviour, Ctx};
use crate::flashcards::{
    Answer, Deck, DeckImport, Field, ImportMedia, ImportNote, NewCard, NewDeck, Rating, ReviewLog, Schedule, Scheduler,
    SchedulerKind, Sm2, StudyState,
};
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
    assert_eq!(limited.len(), 2);
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
    let private = deck_of(&ctx, &owner, "Not the course's", NewDeck::default()).await;
    for (deck_id, code) in [
        (private.id, "foreign_deck"),
        (crate::ids::DeckId::new(), "unknown_deck"),
    ] {
        match ctx.lms.catalog.add_lesson(&owner, course.id, lesson(deck_id)).await {
            Err(Error::Validation(errors)) => assert_eq!(errors[0].code, code),
            other => panic!("a lesson of deck {deck_id} was not refused: {other:?}"),
        }
    }
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
    ];
    notes[3].schedule = Some(studied.clone());
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
    assert_eq!(skipped, ["note 2", "note 3"], "{:?}", outcome.skipped);
    assert!(outcome.skipped[1].reason.contains("twice"), "{:?}", outcome.skipped);

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
