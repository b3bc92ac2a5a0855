//! Reading the collection database inside a package: schema 11 (note types and decks as
//! JSON in `col`) and schema 18 (`notetypes`, `fields`, `templates` and `decks` tables
//! with protobuf settings).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde_json::Value as Json;

use crate::proto::{Fields, Value};
use crate::{AnkiError, DeckInfo, Field, Limits, Note, NoteType, NoteTypeKind, Review, ReviewKind, Template};

/// Anki's separator between the fields of a note in `notes.flds`.
pub(crate) const FIELD_SEPARATOR: char = '\x1f';

/// The id of Anki's built-in "Default" deck.
pub(crate) const DEFAULT_DECK_ID: i64 = 1;

/// What the collection database holds, in the crate's terms.
pub(crate) struct CollectionContent {
    pub(crate) notes: Vec<Note>,
    pub(crate) note_types: Vec<NoteType>,
    pub(crate) decks: Vec<DeckInfo>,
    pub(crate) reviews: Vec<Review>,
}

/// Reads the collection database at `path` (a temporary copy of the package's entry).
pub(crate) fn read_collection(path: &Path, limits: &Limits) -> Result<CollectionContent, AnkiError> {
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| db_error("the collection database cannot be opened", e))?;
    // Schema 18 declares Anki's case-insensitive `unicase` collation on name columns;
    // SQLite refuses statements on those tables unless a collation of that name exists.
    db.create_collation("unicase", |a, b| a.to_lowercase().cmp(&b.to_lowercase()))
        .map_err(|e| db_error("registering the unicase collation", e))?;
    // The database is untrusted: no functions from its schema, and checks of cell sizes
    // so that a damaged page is an error rather than a wrong answer.
    db.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA query_only = ON;")
        .map_err(|e| db_error("the collection database cannot be read", e))?;

    let tables = check_tables(&db)?;
    let (mut note_types, note_type_index, decks) = if tables.contains("notetypes") {
        read_schema18(&db)?
    } else {
        read_schema11(&db)?
    };
    make_note_type_names_unique(&mut note_types, &note_type_index);
    let notes = read_notes(&db, &note_types, &note_type_index, &decks, limits)?;
    let reviews = read_reviews(&db, limits)?;

    let used_decks: HashSet<&str> = notes.iter().filter_map(|n| n.deck.as_deref()).collect();
    let mut deck_list: Vec<DeckInfo> = decks
        .iter()
        .filter(|(id, deck)| **id != DEFAULT_DECK_ID || used_decks.contains(deck.name.as_str()))
        .map(|(_, deck)| deck.clone())
        .collect();
    deck_list.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(CollectionContent {
        notes,
        note_types,
        decks: deck_list,
        reviews,
    })
}

/// The tables of the database. Fails if it has a view (which could run any query where
/// a table is expected) or lacks a table every schema has.
fn check_tables(db: &Connection) -> Result<HashSet<String>, AnkiError> {
    let mut stmt = db
        .prepare("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
        .map_err(|e| db_error("the collection database cannot be read", e))?;
    let mut rows = stmt.query([]).map_err(|e| db_error("listing tables", e))?;
    let mut tables = HashSet::new();
    while let Some(row) = rows.next().map_err(|e| db_error("listing tables", e))? {
        let name = text(row.get_ref(0), "a table name")?;
        let kind = text(row.get_ref(1), "a table type")?;
        if kind != "table" {
            return Err(AnkiError::corrupt(format!(
                "the collection database has a view {name:?}"
            )));
        }
        tables.insert(name);
    }
    for required in ["col", "notes", "cards", "revlog"] {
        if !tables.contains(required) {
            return Err(AnkiError::corrupt(format!(
                "the collection database has no {required} table"
            )));
        }
    }
    Ok(tables)
}

type NoteTypeIndex = HashMap<i64, usize>;
type Decks = HashMap<i64, DeckInfo>;

/// Schema 18: note types, fields and templates in their own tables, with protobuf
/// settings; deck names with `\x1f` between levels.
fn read_schema18(db: &Connection) -> Result<(Vec<NoteType>, NoteTypeIndex, Decks), AnkiError> {
    let mut note_types = Vec::new();
    let mut index = NoteTypeIndex::new();
    query(db, "SELECT id, name, config FROM notetypes ORDER BY id", |row| {
        let id = int(row.get_ref(0), "a note type id")?;
        let name = text(row.get_ref(1), "a note type name")?;
        let config = blob(row.get_ref(2), "a note type's settings")?;
        let what = || format!("the settings of note type {name:?}");
        let mut kind = NoteTypeKind::Standard;
        let mut css = String::new();
        for field in Fields::new(config) {
            match field.map_err(|_| AnkiError::corrupt(format!("{} are not valid protobuf", what())))? {
                (1, Value::Varint(1)) => kind = NoteTypeKind::Cloze,
                (3, Value::Bytes(bytes)) => css = utf8(bytes, &what)?,
                _ => {}
            }
        }
        index.insert(id, note_types.len());
        note_types.push(NoteType {
            name,
            kind,
            fields: Vec::new(),
            templates: Vec::new(),
            css,
        });
        Ok(())
    })?;
    // Anki's exporter leaves the `fields` and `templates` rows of the note types it
    // removed, so only rows of a note type in `notetypes` count.
    query(db, "SELECT ntid, ord, name FROM fields ORDER BY ntid, ord", |row| {
        let ntid = int(row.get_ref(0), "a field's note type")?;
        let ord = int(row.get_ref(1), "a field's position")?;
        let name = text(row.get_ref(2), "a field name")?;
        if let Some(note_type) = index.get(&ntid).and_then(|&i| note_types.get_mut(i)) {
            if ord != note_type.fields.len() as i64 {
                return Err(AnkiError::corrupt(format!(
                    "note type {:?} has a gap in its field positions at {ord}",
                    note_type.name
                )));
            }
            note_type.fields.push(name);
        }
        Ok(())
    })?;
    query(
        db,
        "SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord",
        |row| {
            let ntid = int(row.get_ref(0), "a template's note type")?;
            let ord = int(row.get_ref(1), "a template's position")?;
            let name = text(row.get_ref(2), "a template name")?;
            let Some(note_type) = index.get(&ntid).and_then(|&i| note_types.get_mut(i)) else {
                return Ok(());
            };
            if ord != note_type.templates.len() as i64 {
                return Err(AnkiError::corrupt(format!(
                    "note type {:?} has a gap in its template positions at {ord}",
                    note_type.name
                )));
            }
            let what = || format!("template {name:?} of note type {:?}", note_type.name);
            let mut template = Template {
                name: name.clone(),
                front: String::new(),
                back: String::new(),
            };
            for field in Fields::new(blob(row.get_ref(3), "a template's settings")?) {
                match field
                    .map_err(|_| AnkiError::corrupt(format!("the settings of {} are not valid protobuf", what())))?
                {
                    (1, Value::Bytes(bytes)) => template.front = utf8(bytes, &what)?,
                    (2, Value::Bytes(bytes)) => template.back = utf8(bytes, &what)?,
                    _ => {}
                }
            }
            note_type.templates.push(template);
            Ok(())
        },
    )?;

    let mut decks = Decks::new();
    query(db, "SELECT id, name, kind FROM decks", |row| {
        let id = int(row.get_ref(0), "a deck id")?;
        let name = text(row.get_ref(1), "a deck name")?.replace(FIELD_SEPARATOR, "::");
        let what = || format!("the settings of deck {name:?}");
        let mut normal = None;
        for field in Fields::new(blob(row.get_ref(2), "a deck's settings")?) {
            if let (1, Value::Bytes(bytes)) =
                field.map_err(|_| AnkiError::corrupt(format!("{} are not valid protobuf", what())))?
            {
                normal = Some(bytes);
            }
        }
        // Filtered decks only borrow cards; their cards' home decks are what count.
        let Some(normal) = normal else { return Ok(()) };
        let mut description = String::new();
        for field in Fields::new(normal) {
            if let (4, Value::Bytes(bytes)) =
                field.map_err(|_| AnkiError::corrupt(format!("{} are not valid protobuf", what())))?
            {
                description = utf8(bytes, &what)?;
            }
        }
        decks.insert(id, DeckInfo { name, description });
        Ok(())
    })?;
    Ok((note_types, index, decks))
}

/// Schema 11: note types ("models") and decks as JSON objects in the `col` row.
fn read_schema11(db: &Connection) -> Result<(Vec<NoteType>, NoteTypeIndex, Decks), AnkiError> {
    let (models, decks_json) = db
        .query_row("SELECT models, decks FROM col LIMIT 1", [], |row| {
            Ok((text(row.get_ref(0), "col.models"), text(row.get_ref(1), "col.decks")))
        })
        .map_err(|e| db_error("reading the col row", e))?;
    let models = parse_json_object(&models?, "col.models")?;
    let decks_json = parse_json_object(&decks_json?, "col.decks")?;

    let mut entries: Vec<(i64, NoteType)> = Vec::with_capacity(models.len());
    for (key, model) in &models {
        let what = format!("note type {key} in col.models");
        let id = key
            .parse::<i64>()
            .map_err(|_| AnkiError::corrupt(format!("{what} has a non-numeric id")))?;
        let name = json_str(model, "name", &what)?;
        let kind = if model.get("type").and_then(Json::as_i64) == Some(1) {
            NoteTypeKind::Cloze
        } else {
            NoteTypeKind::Standard
        };
        let fields = json_array(model, "flds", &what)?
            .iter()
            .map(|field| json_str(field, "name", &format!("a field of {what}")))
            .collect::<Result<Vec<_>, _>>()?;
        let templates = json_array(model, "tmpls", &what)?
            .iter()
            .map(|template| {
                let what = format!("a template of {what}");
                Ok(Template {
                    name: json_str(template, "name", &what)?,
                    front: json_str(template, "qfmt", &what)?,
                    back: template
                        .get("afmt")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
            })
            .collect::<Result<Vec<_>, AnkiError>>()?;
        let css = model.get("css").and_then(Json::as_str).unwrap_or_default().to_owned();
        entries.push((
            id,
            NoteType {
                name,
                kind,
                fields,
                templates,
                css,
            },
        ));
    }
    entries.sort_by_key(|(id, _)| *id);
    let index = entries.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    let note_types = entries.into_iter().map(|(_, nt)| nt).collect();

    let mut decks = Decks::new();
    for (key, deck) in &decks_json {
        let what = format!("deck {key} in col.decks");
        let id = key
            .parse::<i64>()
            .map_err(|_| AnkiError::corrupt(format!("{what} has a non-numeric id")))?;
        if matches!(deck.get("dyn"), Some(Json::Bool(true))) || deck.get("dyn").and_then(Json::as_i64) == Some(1) {
            continue;
        }
        let name = json_str(deck, "name", &what)?;
        let description = deck.get("desc").and_then(Json::as_str).unwrap_or_default().to_owned();
        decks.insert(id, DeckInfo { name, description });
    }
    Ok((note_types, index, decks))
}

/// Older collections could hold two note types of one name; the later ones get their
/// id appended, so that a name identifies one note type.
fn make_note_type_names_unique(note_types: &mut [NoteType], index: &NoteTypeIndex) {
    let mut seen = HashSet::new();
    let mut ids: Vec<(usize, i64)> = index.iter().map(|(&id, &i)| (i, id)).collect();
    ids.sort_unstable();
    for (i, id) in ids {
        if let Some(note_type) = note_types.get_mut(i) {
            if !seen.insert(note_type.name.to_lowercase()) {
                note_type.name = format!("{} ({id})", note_type.name);
                seen.insert(note_type.name.to_lowercase());
            }
        }
    }
}

fn read_notes(
    db: &Connection,
    note_types: &[NoteType],
    note_type_index: &NoteTypeIndex,
    decks: &Decks,
    limits: &Limits,
) -> Result<Vec<Note>, AnkiError> {
    let mut notes = Vec::new();
    let mut note_ids = HashMap::new();
    let mut guids = HashMap::new();
    let limit = i64::try_from(limits.max_notes).unwrap_or(i64::MAX).saturating_add(1);
    let mut stmt = db
        .prepare("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id LIMIT ?1")
        .map_err(|e| db_error("reading notes", e))?;
    let mut rows = stmt.query([limit]).map_err(|e| db_error("reading notes", e))?;
    while let Some(row) = rows.next().map_err(|e| db_error("reading notes", e))? {
        if notes.len() >= limits.max_notes {
            return Err(AnkiError::TooManyNotes {
                limit: limits.max_notes,
            });
        }
        let id = int(row.get_ref(0), "a note id")?;
        let what = format!("note {id}");
        let guid = text(row.get_ref(1), &format!("the guid of {what}"))?;
        let mid = int(row.get_ref(2), &format!("the note type of {what}"))?;
        let tags = text(row.get_ref(3), &format!("the tags of {what}"))?;
        let flds = text(row.get_ref(4), &format!("the fields of {what}"))?;
        let what = format!("note {id} (guid {guid:?})");
        if guid.is_empty() {
            return Err(AnkiError::corrupt(format!("{what} has an empty guid")));
        }
        if let Some(first) = guids.insert(guid.clone(), id) {
            return Err(AnkiError::corrupt(format!("{what} has the same guid as note {first}")));
        }
        let note_type = note_type_index
            .get(&mid)
            .and_then(|&i| note_types.get(i))
            .ok_or_else(|| {
                AnkiError::corrupt(format!("{what} uses note type {mid}, which the package does not have"))
            })?;
        let values: Vec<&str> = flds.split(FIELD_SEPARATOR).collect();
        if values.len() > note_type.fields.len() {
            return Err(AnkiError::corrupt(format!(
                "{what} has {} fields, but its note type {:?} has {}",
                values.len(),
                note_type.name,
                note_type.fields.len()
            )));
        }
        // Missing trailing fields are empty, as Anki treats them.
        let fields = note_type
            .fields
            .iter()
            .enumerate()
            .map(|(i, name)| Field {
                name: name.clone(),
                value: values.get(i).copied().unwrap_or_default().to_owned(),
            })
            .collect();
        note_ids.insert(id, notes.len());
        notes.push(Note {
            guid,
            note_type: note_type.name.clone(),
            deck: None,
            fields,
            tags: split_tags(&tags),
        });
    }
    drop(rows);
    drop(stmt);

    // A note's deck is its first card's; a card in a filtered deck counts in its home deck.
    let mut first_ord: HashMap<usize, i64> = HashMap::new();
    query(
        db,
        "SELECT nid, ord, CASE WHEN odid != 0 THEN odid ELSE did END FROM cards",
        |row| {
            let nid = int(row.get_ref(0), "a card's note")?;
            let ord = int(row.get_ref(1), "a card's position")?;
            let did = int(row.get_ref(2), "a card's deck")?;
            let Some(&i) = note_ids.get(&nid) else { return Ok(()) };
            if first_ord.get(&i).is_some_and(|&best| best <= ord) {
                return Ok(());
            }
            first_ord.insert(i, ord);
            if let Some(note) = notes.get_mut(i) {
                note.deck = decks.get(&did).map(|d| d.name.clone());
            }
            Ok(())
        },
    )?;
    Ok(notes)
}

fn read_reviews(db: &Connection, limits: &Limits) -> Result<Vec<Review>, AnkiError> {
    let mut reviews = Vec::new();
    let limit = i64::try_from(limits.max_reviews).unwrap_or(i64::MAX).saturating_add(1);
    let mut stmt = db
        .prepare(
            "SELECT r.id, n.guid, c.ord, r.ease, r.ivl, r.lastIvl, r.factor, r.time, r.type \
             FROM revlog r JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid \
             ORDER BY r.id LIMIT ?1",
        )
        .map_err(|e| db_error("reading the review log", e))?;
    let mut rows = stmt.query([limit]).map_err(|e| db_error("reading the review log", e))?;
    while let Some(row) = rows.next().map_err(|e| db_error("reading the review log", e))? {
        if reviews.len() >= limits.max_reviews {
            return Err(AnkiError::TooManyReviews {
                limit: limits.max_reviews,
            });
        }
        let id = int(row.get_ref(0), "a review log id")?;
        let what = format!("review log entry {id}");
        let out_of_range = |column: &str| AnkiError::corrupt(format!("{what} has an invalid {column}"));
        let kind_code = int(row.get_ref(8), &what)?;
        reviews.push(Review {
            reviewed_at_ms: id,
            note_guid: text(row.get_ref(1), &what)?,
            card_ordinal: u32::try_from(int(row.get_ref(2), &what)?).map_err(|_| out_of_range("card position"))?,
            rating: u8::try_from(int(row.get_ref(3), &what)?)
                .ok()
                .filter(|r| *r <= 4)
                .ok_or_else(|| out_of_range("rating"))?,
            interval: int(row.get_ref(4), &what)?,
            last_interval: int(row.get_ref(5), &what)?,
            factor: u32::try_from(int(row.get_ref(6), &what)?).map_err(|_| out_of_range("factor"))?,
            duration_ms: u32::try_from(int(row.get_ref(7), &what)?).map_err(|_| out_of_range("duration"))?,
            kind: ReviewKind::from_anki(kind_code).ok_or_else(|| out_of_range("type"))?,
        });
    }
    Ok(reviews)
}

/// Anki's tags: separated by spaces (or ideographic spaces), with empty ones ignored.
pub(crate) fn split_tags(tags: &str) -> Vec<String> {
    tags.split([' ', '\u{3000}'])
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Runs `sql` and hands each row to `each`.
fn query(
    db: &Connection,
    sql: &str,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), AnkiError>,
) -> Result<(), AnkiError> {
    let context = || format!("running {sql:?}");
    let mut stmt = db.prepare(sql).map_err(|e| db_error(&context(), e))?;
    let mut rows = stmt.query([]).map_err(|e| db_error(&context(), e))?;
    while let Some(row) = rows.next().map_err(|e| db_error(&context(), e))? {
        each(row)?;
    }
    Ok(())
}

/// A SQLite error as the crate's error: damage and unexpected content are the package's
/// fault, I/O and memory failures the machine's.
fn db_error(context: &str, err: rusqlite::Error) -> AnkiError {
    let machine = matches!(
        err.sqlite_error_code(),
        Some(
            ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::CannotOpen
                | ErrorCode::OutOfMemory
                | ErrorCode::PermissionDenied
                | ErrorCode::FileLockingProtocolFailed
        )
    );
    if machine {
        AnkiError::storage(format!("{context}: {err}"))
    } else {
        AnkiError::corrupt(format!("{context}: {err}"))
    }
}

fn text(value: rusqlite::Result<ValueRef<'_>>, what: &str) -> Result<String, AnkiError> {
    match value.map_err(|e| db_error(what, e))? {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => utf8(bytes, &|| what.to_owned()),
        ValueRef::Integer(i) => Ok(i.to_string()),
        _ => Err(AnkiError::corrupt(format!("{what} is not text"))),
    }
}

fn int(value: rusqlite::Result<ValueRef<'_>>, what: &str) -> Result<i64, AnkiError> {
    match value.map_err(|e| db_error(what, e))? {
        ValueRef::Integer(i) => Ok(i),
        _ => Err(AnkiError::corrupt(format!("{what} is not an integer"))),
    }
}

fn blob<'a>(value: rusqlite::Result<ValueRef<'a>>, what: &str) -> Result<&'a [u8], AnkiError> {
    match value.map_err(|e| db_error(what, e))? {
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Ok(bytes),
        ValueRef::Null => Ok(&[]),
        _ => Err(AnkiError::corrupt(format!("{what} is not a blob"))),
    }
}

fn utf8(bytes: &[u8], what: &dyn Fn() -> String) -> Result<String, AnkiError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| AnkiError::corrupt(format!("{} is not valid UTF-8", what())))
}

fn parse_json_object(json: &str, what: &str) -> Result<serde_json::Map<String, Json>, AnkiError> {
    match serde_json::from_str(json) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(AnkiError::corrupt(format!("{what} is not a JSON object"))),
        Err(e) => Err(AnkiError::corrupt(format!("{what} is not valid JSON: {e}"))),
    }
}

fn json_str(value: &Json, key: &str, what: &str) -> Result<String, AnkiError> {
    value
        .get(key)
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ok_or_else(|| AnkiError::corrupt(format!("{what} has no {key:?} string")))
}

fn json_array<'a>(value: &'a Json, key: &str, what: &str) -> Result<&'a Vec<Json>, AnkiError> {
    value
        .get(key)
        .and_then(Json::as_array)
        .ok_or_else(|| AnkiError::corrupt(format!("{what} has no {key:?} list")))
}
