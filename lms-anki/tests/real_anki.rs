//! Against the real Anki (the `anki` package from PyPI) and genanki: packages they write
//! are read completely, and the packages this crate writes are imported by Anki intact.
//!
//! Needs the Python environment of `tests/anki/setup.sh`, named by `LMS_TEST_ANKI_PYTHON`;
//! without it every test here prints SKIPPED and passes, unless `LMS_REQUIRE_BACKENDS`
//! lists `anki`, which makes them fail instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use lms_anki::{read_apkg, write_apkg, Limits, Package, ReviewKind};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

const PYTHON_VAR: &str = "LMS_TEST_ANKI_PYTHON";
const REQUIRE_VAR: &str = "LMS_REQUIRE_BACKENDS";

/// The venv's python, or `None` after printing why `test` is skipped.
fn anki_python(test: &str) -> Option<PathBuf> {
    if let Some(python) = std::env::var_os(PYTHON_VAR).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(python));
    }
    let required = std::env::var(REQUIRE_VAR).unwrap_or_default();
    if required.split(',').any(|b| b.trim() == "anki") {
        panic!("{test}: {PYTHON_VAR} is not set, but {REQUIRE_VAR} requires anki (run lms-anki/tests/anki/setup.sh)");
    }
    println!("{test}: SKIPPED ({PYTHON_VAR} not set)");
    None
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/anki").join(name)
}

/// Runs a script of tests/anki with the venv's python and returns its stdout.
fn run_python(python: &Path, script_name: &str, args: &[&Path]) -> String {
    let output = Command::new(python)
        .arg(script(script_name))
        .args(args)
        // No __pycache__ in the source tree.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "{script_name} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the scripts print UTF-8")
}

/// The fixtures of make_fixtures.py, made once per test run.
fn fixtures(python: &Path) -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("anki-fixtures");
        // Made anew each run, so that no package of an earlier run is read.
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("old fixtures removed");
        }
        run_python(python, "make_fixtures.py", &[&dir]);
        dir
    })
}

fn read_fixture(dir: &Path, name: &str) -> Package {
    let bytes = std::fs::read(dir.join(name)).expect("fixture exists");
    read_apkg(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn expected(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name)).expect("expectation exists");
    serde_json::from_str(&text).expect("expectation is JSON")
}

/// The package in the shape of tests/anki/anki_dump.py, without what only a collection
/// has (card ordinals, file contents other than their hash).
fn dump(package: &Package) -> Value {
    let mut notes: Vec<&lms_anki::Note> = package.notes.iter().collect();
    notes.sort_by(|a, b| a.guid.cmp(&b.guid));
    let notes: Vec<Value> = notes
        .iter()
        .map(|note| {
            let mut tags = note.tags.clone();
            tags.sort();
            json!({
                "guid": note.guid,
                "notetype": note.note_type,
                "fields": note.fields.iter().map(|f| json!([f.name, f.value])).collect::<Vec<_>>(),
                "tags": tags,
                "deck": note.deck,
            })
        })
        .collect();
    let mut note_types: Vec<Value> = package
        .note_types
        .iter()
        .filter(|nt| package.notes.iter().any(|n| n.note_type == nt.name))
        .map(|nt| {
            json!({
                "name": nt.name,
                "kind": match nt.kind { lms_anki::NoteTypeKind::Standard => "standard", lms_anki::NoteTypeKind::Cloze => "cloze" },
                "fields": nt.fields,
                "templates": nt.templates.iter().map(|t| json!({"name": t.name, "front": t.front, "back": t.back})).collect::<Vec<_>>(),
                "css": nt.css,
            })
        })
        .collect();
    note_types.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut media: Vec<Value> = package
        .media
        .iter()
        .map(|m| {
            let sha1: String = Sha1::digest(&m.bytes).iter().map(|b| format!("{b:02x}")).collect();
            json!({"name": m.name, "sha1": sha1})
        })
        .collect();
    media.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let reviews: Vec<Value> = package
        .reviews
        .iter()
        .map(|r| {
            json!({
                "reviewed_at_ms": r.reviewed_at_ms,
                "note_guid": r.note_guid,
                "card_ord": r.card_ordinal,
                "ease": r.rating,
                "interval": r.interval,
                "last_interval": r.last_interval,
                "factor": r.factor,
                "duration_ms": r.duration_ms,
                "kind": r.kind.to_anki(),
            })
        })
        .collect();
    json!({"notes": notes, "notetypes": note_types, "media": media, "reviews": reviews})
}

/// An anki_dump.py dump without the parts [`dump`] leaves out.
fn comparable(mut anki: Value) -> Value {
    if let Some(object) = anki.as_object_mut() {
        object.remove("import_log");
    }
    for note in anki["notes"].as_array_mut().into_iter().flatten() {
        note.as_object_mut().map(|n| n.remove("card_ords"));
    }
    for file in anki["media"].as_array_mut().into_iter().flatten() {
        file.as_object_mut().map(|f| f.remove("base64"));
    }
    anki
}

fn assert_same(ours: &Value, anki: &Value, what: &str) {
    assert!(
        ours == anki,
        "{what} differs from the real Anki's view\nours: {}\nanki: {}",
        serde_json::to_string_pretty(ours).unwrap_or_default(),
        serde_json::to_string_pretty(anki).unwrap_or_default()
    );
}

#[cfg_attr(lms_skip_anki, ignore = "LMS_TEST_ANKI_PYTHON is not set")]
#[test]
fn current_package_from_anki_is_read_completely() {
    let Some(python) = anki_python("current_package_from_anki_is_read_completely") else {
        return;
    };
    let dir = fixtures(&python);
    let package = read_fixture(dir, "current.apkg");
    let anki = expected(dir, "current.json");
    assert_same(&dump(&package), &comparable(anki.clone()), "current.apkg");

    // The content make_fixtures.py put in, spelled out as well.
    assert_eq!(package.notes.len(), 4);
    let bonjour = package
        .notes
        .iter()
        .find(|n| n.fields[0].value == "<b>Bonjour</b>")
        .expect("the Basic note");
    assert_eq!(bonjour.note_type, "Basic");
    assert_eq!(bonjour.fields[1].name, "Back");
    assert_eq!(bonjour.fields[1].value, "Hello &amp; welcome<br><i>greeting</i>");
    assert_eq!(bonjour.deck.as_deref(), Some("LMS Fixture"));
    let inu = package
        .notes
        .iter()
        .find(|n| n.fields[0].value == "犬")
        .expect("the vocab note");
    assert_eq!(inu.note_type, "LMS Vocab");
    assert_eq!(
        inu.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["Word", "Meaning", "Example"]
    );
    assert!(inu.fields[2].value.contains("[sound:inu.mp3]"));
    assert_eq!(inu.tags, ["JLPT_N5", "日本語"]);
    assert_eq!(inu.deck.as_deref(), Some("LMS Fixture::Vocabulary"));
    let vocab = package
        .note_types
        .iter()
        .find(|nt| nt.name == "LMS Vocab")
        .expect("the custom note type");
    assert_eq!(
        vocab.templates.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Recognition", "Recall"]
    );
    assert_eq!(
        package.decks.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["LMS Fixture", "LMS Fixture::Vocabulary"]
    );
    let mut media: Vec<&str> = package.media.iter().map(|m| m.name.as_str()).collect();
    media.sort_unstable();
    assert_eq!(media, ["cat.png", "inu.mp3"]);
    assert_eq!(package.reviews.len(), 9);
    assert!(package
        .reviews
        .iter()
        .all(|r| r.kind == ReviewKind::Learning && (1..=4).contains(&r.rating)));
}

#[cfg_attr(lms_skip_anki, ignore = "LMS_TEST_ANKI_PYTHON is not set")]
#[test]
fn legacy_package_from_anki_is_read_completely() {
    let Some(python) = anki_python("legacy_package_from_anki_is_read_completely") else {
        return;
    };
    let dir = fixtures(&python);
    let package = read_fixture(dir, "legacy.apkg");
    assert_same(
        &dump(&package),
        &comparable(expected(dir, "current.json")),
        "legacy.apkg",
    );
}

#[cfg_attr(lms_skip_anki, ignore = "LMS_TEST_ANKI_PYTHON is not set")]
#[test]
fn genanki_package_is_read_completely() {
    let Some(python) = anki_python("genanki_package_is_read_completely") else {
        return;
    };
    let dir = fixtures(&python);
    let package = read_fixture(dir, "genanki.apkg");
    let anki = expected(dir, "genanki.json");
    assert_eq!(anki["import_log"]["new"], 2, "Anki imported genanki's notes");
    assert_same(&dump(&package), &comparable(anki), "genanki.apkg");
    assert_eq!(package.media.first().map(|m| m.bytes.len()), Some(22));
}

/// Reads `fixture`, writes it with [`write_apkg`], has Anki import the result into an
/// empty collection, and returns Anki's dump of it.
fn written_and_imported_by_anki(python: &Path, dir: &Path, fixture: &str) -> Value {
    let package = read_fixture(dir, fixture);
    let written = write_apkg(&package).unwrap_or_else(|e| panic!("writing {fixture}: {e}"));
    let reread = read_apkg(&written, &Limits::default()).expect("our package reads back");
    assert_same(
        &dump(&reread),
        &dump(&package),
        &format!("{fixture} written and read back"),
    );
    let path = dir.join(format!("ours-{fixture}"));
    std::fs::write(&path, &written).expect("temp file");
    let output = run_python(python, "check_import.py", &[&path]);
    serde_json::from_str(&output).expect("check_import.py prints JSON")
}

#[cfg_attr(lms_skip_anki, ignore = "LMS_TEST_ANKI_PYTHON is not set")]
#[test]
fn our_package_of_anki_content_imports_into_anki() {
    let Some(python) = anki_python("our_package_of_anki_content_imports_into_anki") else {
        return;
    };
    let dir = fixtures(&python);
    let mut imported = written_and_imported_by_anki(&python, dir, "current.apkg");
    let log = imported
        .as_object_mut()
        .and_then(|o| o.remove("import_log"))
        .expect("import log");
    assert_eq!(log["new"], 4, "{log}");
    // Everything Anki holds after importing ours is what it held before exporting:
    // notes with fields, tags, decks and cards, note types, media bytes and review log.
    assert_same(
        &imported,
        &expected(dir, "current.json"),
        "Anki's import of our package",
    );
}

#[cfg_attr(lms_skip_anki, ignore = "LMS_TEST_ANKI_PYTHON is not set")]
#[test]
fn our_package_of_genanki_content_imports_into_anki() {
    let Some(python) = anki_python("our_package_of_genanki_content_imports_into_anki") else {
        return;
    };
    let dir = fixtures(&python);
    let imported = written_and_imported_by_anki(&python, dir, "genanki.apkg");
    assert_same(
        &imported,
        &expected(dir, "genanki.json"),
        "Anki's import of our package",
    );
}
