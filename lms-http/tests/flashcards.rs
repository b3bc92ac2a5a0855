//! Flashcards through HTTP: decks, cards, the due queue, reviews by quality and rating,
//! statistics, and who may see what.

mod support;

use lms_core::domain::user::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{envelope_code, Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_studies_a_private_deck_with_sm2_and_fsrs() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, learner) = app.user(Role::Student).await;
    let (status, deck) = app
        .call(
            Method::POST,
            "/api/v1/decks",
            Some(&learner),
            Some(json!({"title": "Spanish", "scheduler": "sm2"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deck}");
    assert_eq!(
        (
            deck["title"].as_str(),
            deck["scheduler"].as_str(),
            deck["card_count"].as_u64()
        ),
        (Some("Spanish"), Some("sm2"), Some(0))
    );
    let deck_id = deck["id"].as_str().unwrap().to_owned();
    let mut cards = Vec::new();
    for (front, back) in [("uno", "one"), ("dos", "two")] {
        let (status, card) = app
            .call(
                Method::POST,
                &format!("/api/v1/decks/{deck_id}/cards"),
                Some(&learner),
                Some(json!({"front": front, "back": back, "tags": ["numbers"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{card}");
        assert_eq!(card["front"], front);
        cards.push(card["id"].as_str().unwrap().to_owned());
    }
    let (status, listed) = app
        .call(
            Method::GET,
            &format!("/api/v1/decks/{deck_id}/cards"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed["items"][0]["fields"][1], json!({"name": "Back", "value": "one"}));

    let (status, due) = app
        .call(
            Method::GET,
            &format!("/api/v1/decks/{deck_id}/due?limit=10"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{due}");
    let first = &due["cards"][0];
    assert_eq!(
        (first["card_id"].as_str(), first["state"].as_str()),
        (Some(cards[0].as_str()), Some("new"))
    );
    assert_eq!(
        (first["front"].as_str(), first["back"].as_str()),
        (Some("uno"), Some("one"))
    );
    assert_eq!(first["tags"], json!(["numbers"]));

    let review = |card: &str, body: serde_json::Value| {
        let path = format!("/api/v1/cards/{card}/reviews");
        let app = &app;
        let learner = learner.clone();
        async move { app.call(Method::POST, &path, Some(&learner), Some(body)).await }
    };
    let (status, reviewed) = review(&cards[0], json!({"quality": 5})).await;
    assert_eq!(status, StatusCode::OK, "{reviewed}");
    assert_eq!(
        (reviewed["interval_days"].as_u64(), reviewed["passed"].as_bool()),
        (Some(1), Some(true))
    );
    assert!(reviewed["due_at"].is_string());
    let (status, rated) = review(&cards[1], json!({"rating": "again"})).await;
    assert_eq!(status, StatusCode::OK, "{rated}");
    assert_eq!(rated["passed"], false);
    for bad in [json!({"quality": 6}), json!({}), json!({"rating": "perfect"})] {
        let (status, body) = review(&cards[0], bad.clone()).await;
        assert!(
            status.is_client_error() && status != StatusCode::NOT_FOUND,
            "{bad}: {status} {body}"
        );
        assert!(!envelope_code(&body).is_empty());
    }
    let (status, stats) = app
        .call(
            Method::GET,
            &format!("/api/v1/decks/{deck_id}/stats"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(
        (
            stats["cards"].as_u64(),
            stats["studied"].as_u64(),
            stats["reviewed_today"].as_u64()
        ),
        (Some(2), Some(2), Some(2))
    );

    let (status, fsrs) = app
        .call(
            Method::POST,
            "/api/v1/decks",
            Some(&learner),
            Some(json!({"title": "FSRS", "scheduler": "fsrs", "desired_retention": 0.85})),
        )
        .await;
    assert_eq!(
        (status, fsrs["scheduler"].as_str()),
        (StatusCode::CREATED, Some("fsrs")),
        "{fsrs}"
    );
    let fsrs_id = fsrs["id"].as_str().unwrap();
    let (_, card) = app
        .call(
            Method::POST,
            &format!("/api/v1/decks/{fsrs_id}/cards"),
            Some(&learner),
            Some(json!({"front": "f", "back": "b"})),
        )
        .await;
    let (status, good) = review(card["id"].as_str().unwrap(), json!({"rating": "good"})).await;
    assert_eq!(status, StatusCode::OK, "{good}");
    assert!(
        good["stability"].is_number() && good["interval_days"].as_u64() >= Some(1),
        "{good}"
    );

    let (_, other) = app.user(Role::Student).await;
    let (status, body) = app
        .call(Method::GET, &format!("/api/v1/decks/{deck_id}/due"), Some(&other), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::NOT_FOUND, "DECK_NOT_FOUND".to_owned())
    );
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/cards/{}/reviews", cards[0]),
            Some(&other),
            Some(json!({"quality": 4})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::NOT_FOUND, "DECK_NOT_FOUND".to_owned())
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn course_decks_are_written_by_instructors_and_studied_by_enrolled_learners() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, instructor) = app.user(Role::Instructor).await;
    let (course_id, _) = app.published_course(&instructor).await;
    let (_, learner) = app.user(Role::Student).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/decks",
            Some(&learner),
            Some(json!({"title": "Mine?", "course_id": course_id})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".to_owned())
    );
    let (status, deck) = app
        .call(
            Method::POST,
            "/api/v1/decks",
            Some(&instructor),
            Some(json!({"title": "Course words", "course_id": course_id})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deck}");
    let deck_id = deck["id"].as_str().unwrap();
    app.call(
        Method::POST,
        &format!("/api/v1/decks/{deck_id}/cards"),
        Some(&instructor),
        Some(json!({"front": "q", "back": "a"})),
    )
    .await;
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/decks/{deck_id}/due"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not enrolled yet");
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{course_id}/enrollments"),
            Some(&learner),
            None,
        )
        .await;
    assert!(status.is_success());
    let (status, due) = app
        .call(
            Method::GET,
            &format!("/api/v1/decks/{deck_id}/due"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(
        (status, due["cards"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1)),
        "{due}"
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/decks/{deck_id}/cards"),
            Some(&learner),
            Some(json!({"front": "x", "back": "y"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "learners study, instructors write");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiz_after_a_flashcard_lesson_unlocks_when_the_deck_is_passed() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, instructor) = app.user(Role::Instructor).await;
    let post = |path: String, token: String, body: serde_json::Value| {
        let app = &app;
        async move { app.call(Method::POST, &path, Some(&token), Some(body)).await }
    };
    let (status, course) = post(
        "/api/v1/courses".into(),
        instructor.clone(),
        json!({"title": "Words", "description": "d", "category": "languages", "difficulty": "beginner"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{course}");
    let course_id = course["id"].as_str().unwrap().to_owned();
    let (status, deck) = post(
        "/api/v1/decks".into(),
        instructor.clone(),
        json!({"title": "Vocabulary", "course_id": course_id, "scheduler": "fsrs"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{deck}");
    let deck_id = deck["id"].as_str().unwrap().to_owned();
    let mut cards = Vec::new();
    for (front, back) in [("perro", "dog"), ("gato", "cat")] {
        let (status, card) = post(
            format!("/api/v1/decks/{deck_id}/cards"),
            instructor.clone(),
            json!({"front": front, "back": back}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{card}");
        cards.push(card["id"].as_str().unwrap().to_owned());
    }
    let lessons_path = format!("/api/v1/courses/{course_id}/lessons");
    let (status, refused) = post(
        lessons_path.clone(),
        instructor.clone(),
        json!({"title": "Nowhere", "kind": "flashcards", "deck_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["details"]["fields"][0]["code"], "unknown_deck");
    let mut lesson_ids = Vec::new();
    for lesson in [
        json!({"title": "Read", "kind": "text", "text": {"body": "Los animales"}}),
        json!({"title": "Learn the words", "kind": "flashcards", "flashcards": {"deck_id": deck_id}}),
        json!({"title": "Check", "kind": "quiz", "quiz": {"pass_mark_percent": 100, "questions": [
            {"prompt": "perro?", "kind": "single_choice", "options": ["cat", "dog"], "correct_options": [1]}
        ]}}),
    ] {
        let (status, body) = post(lessons_path.clone(), instructor.clone(), lesson).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        lesson_ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let (status, _) = post(
        format!("/api/v1/courses/{course_id}/publish"),
        instructor.clone(),
        json!({}),
    )
    .await;
    assert!(status.is_success());
    let (_, learner) = app.user(Role::Student).await;
    let (status, _) = post(
        format!("/api/v1/courses/{course_id}/enrollments"),
        learner.clone(),
        json!({}),
    )
    .await;
    assert!(status.is_success());

    let open = |lesson: String| {
        let (app, learner) = (&app, learner.clone());
        async move {
            app.call(Method::GET, &format!("/api/v1/lessons/{lesson}"), Some(&learner), None)
                .await
        }
    };
    let (status, view) = open(lesson_ids[1].clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "locked behind the text lesson: {view}");
    let (status, _) = post(
        format!("/api/v1/lessons/{}/complete", lesson_ids[0]),
        learner.clone(),
        json!({}),
    )
    .await;
    assert!(status.is_success());
    let (status, view) = open(lesson_ids[1].clone()).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        (view["kind"].as_str(), view["flashcards"]["deck_id"].as_str()),
        (Some("flashcards"), Some(deck_id.as_str()))
    );
    let (status, locked) = open(lesson_ids[2].clone()).await;
    assert_eq!(envelope_code(&locked), "LESSON_LOCKED", "{status}");

    let review =
        |card: String, body: serde_json::Value| post(format!("/api/v1/cards/{card}/reviews"), learner.clone(), body);
    let (status, first) = review(cards[0].clone(), json!({"rating": "good"})).await;
    assert_eq!(
        (status, first["lesson_completed"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{first}"
    );
    let (_, failed) = review(cards[1].clone(), json!({"rating": "again"})).await;
    assert_eq!(failed["lesson_completed"], false, "{failed}");
    let (status, quiz) = open(lesson_ids[2].clone()).await;
    assert_eq!(
        envelope_code(&quiz),
        "LESSON_LOCKED",
        "one card not passed yet: {status}"
    );
    let (_, last) = review(cards[1].clone(), json!({"quality": 4})).await;
    assert_eq!(last["lesson_completed"], true, "{last}");
    let (status, quiz) = open(lesson_ids[2].clone()).await;
    assert_eq!(status, StatusCode::OK, "the quiz unlocks: {quiz}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decks_author_switches_its_scheduler_and_learners_keep_their_progress() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, learner) = app.user(Role::Student).await;
    let (_, stranger) = app.user(Role::Student).await;
    let (_, deck) = app
        .call(
            Method::POST,
            "/api/v1/decks",
            Some(&learner),
            Some(json!({"title": "Verbs", "scheduler": "sm2"})),
        )
        .await;
    let deck_id = deck["id"].as_str().unwrap().to_owned();
    assert_eq!(deck["fsrs_optimized"], false);
    let (_, card) = app
        .call(
            Method::POST,
            &format!("/api/v1/decks/{deck_id}/cards"),
            Some(&learner),
            Some(json!({"front": "ir", "back": "to go"})),
        )
        .await;
    let review_path = format!("/api/v1/cards/{}/reviews", card["id"].as_str().unwrap());
    let (status, first) = app
        .call(Method::POST, &review_path, Some(&learner), Some(json!({"quality": 4})))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(first.get("stability").is_none(), "SM-2 scheduled it: {first}");

    let deck_path = format!("/api/v1/decks/{deck_id}");
    let (status, changed) = app
        .call(
            Method::PATCH,
            &deck_path,
            Some(&learner),
            Some(json!({"scheduler": "fsrs", "desired_retention": 0.85, "title": "Spanish verbs"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (
            changed["scheduler"].as_str(),
            changed["title"].as_str(),
            changed["desired_retention"].as_f64().map(|r| (r * 100.0).round())
        ),
        (Some("fsrs"), Some("Spanish verbs"), Some(85.0))
    );
    // The SM-2 schedule becomes an FSRS memory state on the next review.
    let (status, second) = app
        .call(
            Method::POST,
            &review_path,
            Some(&learner),
            Some(json!({"rating": "good"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert!(second["stability"].as_f64().is_some_and(|s| s > 0.0), "{second}");
    assert_eq!(second["repetitions"], 2, "the SM-2 count carries on: {second}");

    // Only the deck's authors change it; out-of-range settings are refused.
    let (status, refused) = app
        .call(
            Method::PATCH,
            &deck_path,
            Some(&stranger),
            Some(json!({"title": "Mine"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{refused}");
    let (status, refused) = app
        .call(
            Method::PATCH,
            &deck_path,
            Some(&learner),
            Some(json!({"desired_retention": 0.5})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // Two reviews are far from enough to fit FSRS parameters to.
    let (status, refused) = app
        .call(Method::POST, &format!("{deck_path}/optimize"), Some(&learner), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        refused["error"]["details"]["fields"][0]["code"], "not_enough_reviews",
        "{refused}"
    );
    app.stop().await;
}
