//! Deck import and export through HTTP: packages the real Anki and genanki write are
//! imported with every field, tag and media file, our `.apkg` export goes back into the
//! real Anki intact, the JSON document and text files round-trip, and broken packages (a
//! zip bomb, a truncated file) are refused with 422 and leave nothing behind.
//!
//! The Anki tests need the Python environment of `lms-anki/tests/anki/setup.sh`, named by
//! `LMS_TEST_ANKI_PYTHON` (skipped without it unless `LMS_REQUIRE_BACKENDS` lists `anki`).

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use lms_core::domain::user::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use support::{Backend, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The scripts of lms-anki's real-Anki tests.
fn anki_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lms-anki/tests/anki")
        .join(name)
}

/// Runs an Anki script with the venv's python; its stdout.
fn run_python(python: &Path, script: &str, args: &[&Path]) -> String {
    let output = Command::new(python)
        .arg(anki_script(script))
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// A fresh directory of the fixtures make_fixtures.py writes with the real Anki and
/// genanki.
fn anki_fixtures(python: &Path, test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("deck-files-{test}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("old fixtures removed");
    }
    run_python(python, "make_fixtures.py", &[&dir]);
    dir
}

/// Imports `bytes` as a form upload named `file_name`.
async fn import_form(app: &TestApp, token: &str, file_name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let response = app
        .request(Method::POST, "/api/v1/decks/import", Some(token))
        .multipart(form)
        .send()
        .await
        .expect("import request");
    let status = response.status();
    (status, response.json().await.expect("JSON answer"))
}

/// Imports `bytes` as the body, with `content_type`, and `query`.
async fn import_body(
    app: &TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .request(Method::POST, &format!("/api/v1/decks/import{query}"), Some(token))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("import request");
    let status = response.status();
    (status, response.json().await.expect("JSON answer"))
}

/// The export of a deck in `format`: status, content type and body.
async fn export(app: &TestApp, token: &str, deck: &str, format: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/decks/{deck}/export?format={format}"),
            Some(token),
        )
        .send()
        .await
        .expect("export request");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.bytes().await.expect("body").to_vec())
}

/// Every card of a deck, in study order.
async fn cards(app: &TestApp, token: &str, deck: &str) -> Vec<Value> {
    let (status, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/decks/{deck}/cards?limit=1000"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

/// Notes of an anki_dump.py dump as (guid, note type, fields, sorted tags).
fn dumped_notes(dump: &Value) -> Vec<Value> {
    dump["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| json!([n["guid"], n["notetype"], n["fields"], n["tags"]]))
        .collect()
}

/// The same of a deck's cards, sorted by guid as the dump is.
fn card_notes(cards: &[Value]) -> Vec<Value> {
    let mut notes: Vec<Value> = cards
        .iter()
        .map(|c| {
            let fields: Vec<Value> = c["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| json!([f["name"], f["value"]]))
                .collect();
            let mut tags: Vec<String> = c["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .map(|t| t.as_str().expect("tag").to_owned())
                .collect();
            tags.sort();
            json!([c["guid"], c["note_type"], fields, tags])
        })
        .collect();
    notes.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
    notes
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg_attr(lms_skip_anki, ignore = "LMS_TEST_ANKI_PYTHON is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anki_deck_goes_through_the_api_and_back_into_anki() {
    let Some(python) = support::anki_python() else { return };
    let dir = anki_fixtures(&python, "round-trip");
    let anki: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("current.json")).unwrap()).unwrap();
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, learner) = app.user(Role::Student).await;

    // Today's Anki package (zstd collection, schema 18): two note types, tags, HTML,
    // media and review history.
    let (status, imported) = import_form(
        &app,
        &learner,
        "fixture.apkg",
        std::fs::read(dir.join("current.apkg")).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["cards_imported"], 4, "{imported}");
    assert_eq!(imported["media_imported"], 2, "{imported}");
    assert_eq!(imported["skipped"], json!([]));
    assert_eq!(imported["title"], "LMS Fixture", "the deck's name in the package");
    let deck = imported["deck_id"].as_str().unwrap().to_owned();

    // Every field (named, in order, as HTML), tag and guid as Anki holds them.
    let stored = cards(&app, &learner, &deck).await;
    assert_eq!(card_notes(&stored), dumped_notes(&anki));
    // Every media file, byte for byte, in the JSON export.
    let (status, _, body) = export(&app, &learner, &deck, "json").await;
    assert_eq!(status, StatusCode::OK);
    let document: Value = serde_json::from_slice(&body).unwrap();
    let mut media: Vec<Value> = document["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let bytes = base64_decode(m["data"].as_str().unwrap());
            json!({"name": m["name"], "sha1": sha1_hex(&bytes)})
        })
        .collect();
    media.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let anki_media: Vec<Value> = anki["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| json!({"name": m["name"], "sha1": m["sha1"]}))
        .collect();
    assert_eq!(media, anki_media);

    // Our .apkg export, imported by the real Anki into an empty collection: the same
    // notes, fields, tags, note types and media.
    let (status, content_type, apkg) = export(&app, &learner, &deck, "apkg").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/zip");
    let path = dir.join("exported-by-lms.apkg");
    std::fs::write(&path, &apkg).unwrap();
    let reimported: Value = serde_json::from_str(&run_python(&python, "check_import.py", &[&path])).unwrap();
    assert_eq!(reimported["import_log"]["new"], 4, "{}", reimported["import_log"]);
    assert_eq!(dumped_notes(&reimported), dumped_notes(&anki));
    assert_eq!(reimported["notetypes"], anki["notetypes"]);
    let strip = |media: &Value| -> Vec<Value> {
        media
            .as_array()
            .unwrap()
            .iter()
            .map(|m| json!({"name": m["name"], "sha1": m["sha1"]}))
            .collect()
    };
    assert_eq!(strip(&reimported["media"]), strip(&anki["media"]));

    // genanki's legacy layout (collection.anki2, no meta entry), as the request body.
    let genanki: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("genanki.json")).unwrap()).unwrap();
    let (status, imported) = import_body(
        &app,
        &learner,
        "?title=From%20genanki&scheduler=fsrs",
        "application/octet-stream",
        std::fs::read(dir.join("genanki.apkg")).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["title"], "From genanki");
    let deck = imported["deck_id"].as_str().unwrap().to_owned();
    assert_eq!(card_notes(&cards(&app, &learner, &deck).await), dumped_notes(&genanki));
    let (_, deck_view) = app
        .call(Method::GET, &format!("/api/v1/decks/{deck}"), Some(&learner), None)
        .await;
    assert_eq!(deck_view["scheduler"], "fsrs");

    // A truncated package: 422 naming the file, and no new deck.
    let decks_before = count_decks(&app, &learner).await;
    let whole = std::fs::read(dir.join("current.apkg")).unwrap();
    let (status, refused) = import_form(&app, &learner, "cut.apkg", whole[..whole.len() / 2].to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let field = &refused["error"]["details"]["fields"][0];
    assert_eq!(
        (field["field"].as_str(), field["code"].as_str()),
        (Some("file"), Some("invalid_file")),
        "{refused}"
    );
    assert!(field["message"].as_str().unwrap().contains("Anki package"), "{refused}");
    assert_eq!(count_decks(&app, &learner).await, decks_before);
    app.stop().await;
}

/// The user's private decks, from their data export.
async fn count_decks(app: &TestApp, token: &str) -> usize {
    let response = app
        .request(Method::GET, "/api/v1/me/export", Some(token))
        .send()
        .await
        .expect("export request");
    let bytes = response.bytes().await.expect("zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let data: Value = serde_json::from_reader(zip.by_name("data.json").expect("data.json")).expect("JSON");
    data["records"]["deck"].as_array().map_or(0, Vec::len)
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64")
}

/// A zip whose one entry inflates from a few KiB to `inflated` bytes of zeros.
fn zip_bomb(inflated: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("collection.anki21", options).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..inflated / chunk.len() {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_bomb_is_refused_and_nothing_is_stored() {
    // 1 MiB uploads may inflate to 16 MiB.
    let app = TestApp::start(Backend::Sqlite, |s| s.max_deck_import_bytes = 1 << 20).await;
    let (_, learner) = app.user(Role::Student).await;
    let bomb = zip_bomb(64 << 20);
    assert!(bomb.len() < 1 << 20, "the bomb itself fits the upload limit");
    let (status, refused) = import_body(&app, &learner, "", "application/zip", bomb).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let field = &refused["error"]["details"]["fields"][0];
    assert_eq!(
        (field["field"].as_str(), field["code"].as_str()),
        (Some("file"), Some("too_large")),
        "{refused}"
    );
    assert!(
        field["message"].as_str().unwrap().contains("decompresses to more than"),
        "{refused}"
    );
    assert_eq!(count_decks(&app, &learner).await, 0);

    // Over the upload limit itself: 413 before anything is read. The request declares
    // 2 MiB and sends none of it, so only an answer given before reading can arrive (a
    // client still writing when the server closes could see a reset instead of the 413).
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /api/v1/decks/import HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {learner}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        2 << 20
    );
    stream.write_all(head.as_bytes()).await.expect("request head");
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("answered without the body")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_text_exports_import_back_with_review_state() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, learner) = app.user(Role::Student).await;
    let (status, deck) = app
        .call(
            Method::POST,
            "/api/v1/decks",
            Some(&learner),
            Some(json!({"title": "Capitals", "scheduler": "sm2", "new_per_day": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deck}");
    let deck = deck["id"].as_str().unwrap().to_owned();
    let mut first_card = String::new();
    for (front, back, tags) in [
        ("France", "Paris", json!(["europe"])),
        (
            "Peru, \"the\" country",
            "Lima<br>on the coast",
            json!(["americas", "south"]),
        ),
        ("Japan", "Tōkyō\tcity", json!([])),
    ] {
        let (status, card) = app
            .call(
                Method::POST,
                &format!("/api/v1/decks/{deck}/cards"),
                Some(&learner),
                Some(json!({"front": front, "back": back, "tags": tags})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{card}");
        if first_card.is_empty() {
            first_card = card["id"].as_str().unwrap().to_owned();
        }
    }
    let (status, reviewed) = app
        .call(
            Method::POST,
            &format!("/api/v1/cards/{first_card}/reviews"),
            Some(&learner),
            Some(json!({"quality": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reviewed}");
    let original = cards(&app, &learner, &deck).await;
    let fields_and_tags =
        |cards: &[Value]| -> Vec<Value> { cards.iter().map(|c| json!([c["fields"], c["tags"]])).collect() };

    // JSON: everything, with the exporter's review state, which the importer takes over.
    let (status, content_type, body) = export(&app, &learner, &deck, "json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let document: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (document["format"].as_str(), document["version"].as_u64()),
        (Some("lms-deck"), Some(1))
    );
    assert_eq!(document["new_per_day"], 5);
    let review = &document["cards"][0]["review"];
    assert_eq!(
        (review["repetitions"].as_u64(), review["interval_days"].as_u64()),
        (Some(1), Some(1)),
        "{review}"
    );
    assert_eq!(review["ease_factor"], 2.6);
    assert!(document["cards"][1].get("review").is_none());
    let (_, other) = app.user(Role::Student).await;
    let (status, imported) = import_body(&app, &other, "", "application/json", body).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(
        (imported["title"].as_str(), imported["cards_imported"].as_u64()),
        (Some("Capitals"), Some(3))
    );
    let copy = imported["deck_id"].as_str().unwrap().to_owned();
    assert_eq!(
        fields_and_tags(&cards(&app, &other, &copy).await),
        fields_and_tags(&original)
    );
    let (_, stats) = app
        .call(Method::GET, &format!("/api/v1/decks/{copy}/stats"), Some(&other), None)
        .await;
    assert_eq!(
        stats["studied"], 1,
        "the imported review state is the importer's: {stats}"
    );

    // CSV and TSV: Anki's text files, HTML fields, tags.
    for (format, media_type) in [("csv", "text/csv"), ("tsv", "text/tab-separated-values")] {
        let (status, content_type, body) = export(&app, &learner, &deck, format).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with(media_type), "{content_type}");
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(text.contains("#html:true"), "{text}");
        let (status, imported) = import_form(&app, &other, &format!("capitals.{format}"), body).await;
        assert_eq!(status, StatusCode::CREATED, "{format}: {imported}");
        let copy = imported["deck_id"].as_str().unwrap();
        assert_eq!(
            fields_and_tags(&cards(&app, &other, copy).await),
            fields_and_tags(&original),
            "{format}"
        );
    }

    // A plain two-column file with a bad row: the row is skipped and named, the rest stored.
    let text = "front\tback\n\tno front\nsecond\tcard\n";
    let (status, imported) = import_body(&app, &other, "?title=Plain", "text/tab-separated-values", text.into()).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["cards_imported"], 2);
    assert_eq!(imported["skipped"][0]["source"], "line 2", "{imported}");

    // Someone who may not read the deck cannot export it.
    let (status, _, _) = export(&app, &other, &deck, "json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
