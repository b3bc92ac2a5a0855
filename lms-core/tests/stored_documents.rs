//! Stored documents survive upgrades.
//!
//! Every aggregate is stored as its serde JSON form (a `doc` column in SQL, a BSON
//! document built from the same JSON in MongoDB). `tests/fixtures/documents/` keeps, per
//! release of the stored form, one file per aggregate: a JSON array of realistic documents
//! written by that release, with every optional field set and every enum variant present.
//! The sets are append-only history (see "Stored documents and upgrades" in
//! `docs/architecture.md`): they are never regenerated, and every set must keep decoding.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use lms_core::domain::class::Class;
use lms_core::domain::course::{Course, CourseSummary};
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::user::User;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// Decodes a document as `T` and encodes the result again.
type RoundTrip = fn(&Value) -> Result<Value, serde_json::Error>;

fn round_trip<T: DeserializeOwned + Serialize>(doc: &Value) -> Result<Value, serde_json::Error> {
    let value: T = serde_json::from_value(doc.clone())?;
    serde_json::to_value(&value)
}

/// Each stored aggregate: its fixture file name and its type.
const KINDS: &[(&str, RoundTrip)] = &[
    ("users", round_trip::<User>),
    ("courses", round_trip::<Course>),
    ("course_summaries", round_trip::<CourseSummary>),
    ("classes", round_trip::<Class>),
    ("enrollments", round_trip::<Enrollment>),
    ("events", round_trip::<DomainEvent>),
];

/// The fixture sets (`v1`, `v2`, …), oldest first.
fn sets() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/documents");
    let mut sets: Vec<(u32, PathBuf)> = fs::read_dir(&root)
        .expect("fixture directory")
        .map(|entry| entry.expect("fixture entry").path())
        .filter_map(|path| {
            let release = path.file_name()?.to_str()?.strip_prefix('v')?.parse().ok()?;
            Some((release, path))
        })
        .collect();
    sets.sort();
    assert!(!sets.is_empty(), "no fixture sets under {}", root.display());
    sets.into_iter().map(|(_, path)| path).collect()
}

/// The documents of one aggregate in one set; `None` when the set has no file for it
/// (a later set only holds the aggregates whose stored form changed).
fn documents(set: &Path, kind: &str) -> Option<Vec<Value>> {
    let path = set.join(format!("{kind}.json"));
    let text = fs::read_to_string(&path).ok()?;
    match serde_json::from_str(&text) {
        Ok(Value::Array(docs)) if !docs.is_empty() => Some(docs),
        other => panic!("{} must hold a non-empty JSON array, found {other:?}", path.display()),
    }
}

/// Today's documents of each aggregate: those of the newest set that has its file.
fn current() -> Vec<(&'static str, RoundTrip, Vec<Value>)> {
    let sets = sets();
    KINDS
        .iter()
        .map(|&(kind, round_trip)| {
            let docs = sets
                .iter()
                .rev()
                .find_map(|set| documents(set, kind))
                .unwrap_or_else(|| panic!("no fixture set holds {kind}.json"));
            (kind, round_trip, docs)
        })
        .collect()
}

#[test]
fn every_stored_document_of_every_release_decodes() {
    let mut decoded = 0;
    for set in sets() {
        for &(kind, round_trip) in KINDS {
            for (i, doc) in documents(&set, kind).into_iter().flatten().enumerate() {
                if let Err(error) = round_trip(&doc) {
                    panic!("{}/{kind}.json[{i}] no longer decodes: {error}", set.display());
                }
                decoded += 1;
            }
        }
    }
    assert!(decoded >= KINDS.len());
}

/// Decoding and encoding today's documents gives back exactly the same JSON, so no field
/// is silently dropped or changed. (Map comparison ignores key order, which no store keeps
/// meaningful.) Older sets only need to decode: their form is allowed to differ.
#[test]
fn todays_documents_re_encode_to_the_same_json() {
    for (kind, round_trip, docs) in current() {
        for (i, doc) in docs.iter().enumerate() {
            let again = round_trip(doc).unwrap_or_else(|e| panic!("{kind}[{i}]: {e}"));
            assert_eq!(&again, doc, "{kind}[{i}] changed on a decode/encode round trip");
        }
    }
}

/// The JSON pointers of every object in a document whose keys are field names (not the
/// keys of an id-keyed map such as an enrollment's per-lesson progress).
fn struct_objects(value: &Value, pointer: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if !map.keys().all(|key| uuid::Uuid::parse_str(key).is_ok()) {
                found.push(pointer.to_owned());
            }
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                struct_objects(child, &format!("{pointer}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                struct_objects(child, &format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// A copy of `doc` with the object at `pointer` changed by `edit`.
fn edited(doc: &Value, pointer: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
    let mut copy = doc.clone();
    let object = copy.pointer_mut(pointer).and_then(Value::as_object_mut);
    edit(object.expect("an object at the pointer"));
    copy
}

/// A document written by a later release, with a field this release does not know,
/// still decodes (a rollback, or an old instance during a rolling upgrade): stored types
/// never use `deny_unknown_fields`. The unknown field is dropped; in a free-form string
/// map (course metadata) it is an entry and is kept.
#[test]
fn fields_added_by_a_later_release_are_ignored() {
    const LATER: &str = "field_of_a_later_release";
    for (kind, round_trip, docs) in current() {
        for (i, doc) in docs.iter().enumerate() {
            let mut objects = Vec::new();
            struct_objects(doc, "", &mut objects);
            for path in objects {
                let newer = edited(doc, &path, |object| {
                    object.insert(LATER.to_owned(), Value::from("later"));
                });
                let decoded =
                    round_trip(&newer).unwrap_or_else(|e| panic!("{kind}[{i}] with an unknown field at `{path}`: {e}"));
                assert!(
                    &decoded == doc || decoded == newer,
                    "{kind}[{i}]: an unknown field at `{path}` changed the decoded value"
                );
            }
        }
    }
}

/// The nullable fields of today's documents (`Option`s, stored as `null` when unset)
/// decode when the field is missing altogether, as it is in every document written before
/// the field existed. This is how a field is added: as an `Option`, or with
/// `#[serde(default)]`; the older fixture sets then prove the documents without it decode.
#[test]
fn a_document_without_a_field_added_later_decodes() {
    let mut checked = BTreeSet::new();
    for (kind, round_trip, docs) in current() {
        for (i, doc) in docs.iter().enumerate() {
            let mut objects = Vec::new();
            struct_objects(doc, "", &mut objects);
            for path in objects {
                let object = doc.pointer(&path).and_then(Value::as_object).expect("an object");
                let nullable = object.iter().filter(|(_, value)| value.is_null());
                for (field, _) in nullable {
                    let older = edited(doc, &path, |object| {
                        object.remove(field);
                    });
                    let decoded =
                        round_trip(&older).unwrap_or_else(|e| panic!("{kind}[{i}] without `{field}` at `{path}`: {e}"));
                    assert_eq!(
                        &decoded, doc,
                        "{kind}[{i}]: a missing `{field}` did not decode as unset"
                    );
                    checked.insert(format!("{kind}.{field}"));
                }
            }
        }
    }
    // The fixtures leave each kind of optional field unset somewhere, so the check has
    // something to check.
    assert!(checked.len() >= 8, "too few nullable fields exercised: {checked:?}");
}

/// Today's fixtures hold every variant of the stored enums, so a variant whose stored form
/// changes is caught.
#[test]
fn todays_fixtures_cover_every_variant() {
    let values = |kind: &str, field: &str| -> BTreeSet<String> {
        let (_, _, docs) = current().into_iter().find(|(k, _, _)| *k == kind).expect("kind");
        let mut found = BTreeSet::new();
        collect(&Value::Array(docs), field, &mut found);
        found
    };
    fn collect(value: &Value, field: &str, found: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(name)) = map.get(field) {
                    found.insert(name.clone());
                }
                map.values().for_each(|child| collect(child, field, found));
            }
            Value::Array(items) => items.iter().for_each(|child| collect(child, field, found)),
            _ => {}
        }
    }
    let set = |names: &[&str]| names.iter().map(|name| name.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(values("users", "role"), set(&["admin", "instructor", "student"]));
    assert_eq!(values("courses", "status"), set(&["archived", "draft", "published"]));
    assert_eq!(
        values("courses", "difficulty"),
        set(&["advanced", "beginner", "intermediate"])
    );
    assert_eq!(values("courses", "rule"), set(&["lessons", "previous"]));
    assert_eq!(
        values("courses", "kind"),
        set(&[
            "free",
            "multiple_choice",
            "paid",
            "quiz",
            "short_answer",
            "single_choice",
            "text",
            "true_false",
            "video"
        ])
    );
    assert_eq!(
        values("enrollments", "status"),
        set(&["active", "cancelled", "completed", "expired", "refunded"])
    );
    assert_eq!(
        values("enrollments", "kind"),
        set(&["class", "free", "grant", "purchase", "subscription"])
    );
    assert_eq!(
        values("events", "type"),
        set(&[
            "certificate_issued",
            "class_updated",
            "course_created",
            "course_status_changed",
            "course_updated",
            "enrolled",
            "enrollment_completed",
            "enrollment_status_changed",
            "lesson_completed",
            "quiz_graded",
            "user_access_changed",
            "user_registered",
        ])
    );
}
