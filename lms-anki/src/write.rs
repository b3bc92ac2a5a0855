//! Writing an `.apkg` in the `collection.anki21` layout (schema 11), which every Anki
//! since 2.1 imports; current Anki upgrades it on import.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};
use serde_json::{json, Value as Json};
use sha1::{Digest, Sha1};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::collection::{DEFAULT_DECK_ID, FIELD_SEPARATOR};
use crate::model::media_name_is_safe;
use crate::{AnkiError, Note, NoteType, NoteTypeKind, Package};

/// The `meta` entry: protobuf `PackageMetadata { version: LEGACY_2 }`.
const META_LEGACY_2: [u8; 2] = [0x08, 0x02];

/// The name Anki gives its built-in deck, where notes without a deck go.
const DEFAULT_DECK_NAME: &str = "Default";

/// Anki's schema 11, as `rslib/src/storage/schema11.sql` creates it.
const SCHEMA_11: &str = "
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
  scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL,
  ls integer NOT NULL, conf text NOT NULL, models text NOT NULL, decks text NOT NULL,
  dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL,
  sfld integer NOT NULL, csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
  ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL,
  queue integer NOT NULL, due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL,
  reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
  odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
  ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL,
  time integer NOT NULL, type integer NOT NULL);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
";

/// Writes `package` as an Anki deck package and returns its bytes.
///
/// The layout is the legacy `collection.anki21` one (schema 11, a JSON media map, media
/// files stored as they are, and a `meta` entry saying so): Anki writes it for "support
/// older Anki versions", every Anki since 2.1 imports it, and the current one upgrades it
/// on import. Cards are new (unscheduled): one per template, or per cloze number for a
/// cloze note type. The review log is kept, so that an import with scheduling keeps the
/// history. Note types get ids derived from their name, fields and templates, so that a
/// second export of the same deck updates the first one's notes in Anki (matched by
/// guid) instead of adding a copy of the note type.
///
/// Fails with [`AnkiError::InvalidPackage`] when the content cannot be written faithfully:
/// a note whose field names differ from its note type's, a field containing U+001F
/// (Anki's field separator), a tag with a space, a duplicate guid, note type or media
/// name, a media name that is not a plain file name, a review of a card the note does not
/// get, an empty level in a deck name. [`AnkiError::Storage`] when a temporary file fails.
pub fn write_apkg(package: &Package) -> Result<Vec<u8>, AnkiError> {
    let plan = Plan::new(package)?;
    let collection = plan.build_collection()?;

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let zip_error = |e: zip::result::ZipError| AnkiError::storage(format!("writing the zip: {e}"));
    let io_error = |e: std::io::Error| AnkiError::storage(format!("writing the zip: {e}"));

    zip.start_file("meta", stored).map_err(zip_error)?;
    zip.write_all(&META_LEGACY_2).map_err(io_error)?;
    zip.start_file("collection.anki21", deflated).map_err(zip_error)?;
    zip.write_all(&collection).map_err(io_error)?;
    let media_map: serde_json::Map<String, Json> = package
        .media
        .iter()
        .enumerate()
        .map(|(i, file)| (i.to_string(), Json::from(file.name.as_str())))
        .collect();
    zip.start_file("media", stored).map_err(zip_error)?;
    zip.write_all(Json::Object(media_map).to_string().as_bytes())
        .map_err(io_error)?;
    for (i, file) in package.media.iter().enumerate() {
        zip.start_file(i.to_string(), stored).map_err(zip_error)?;
        zip.write_all(&file.bytes).map_err(io_error)?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

/// The package checked, with the ids and cards it will be written with.
struct Plan<'a> {
    package: &'a Package,
    now_ms: i64,
    /// Note type name → (id, note type).
    note_types: HashMap<&'a str, (i64, &'a NoteType)>,
    /// Deck name → id, parents included.
    decks: BTreeMap<String, i64>,
    /// Per note: the ordinals of its cards.
    card_ords: Vec<BTreeSet<u32>>,
}

impl<'a> Plan<'a> {
    fn new(package: &'a Package) -> Result<Self, AnkiError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(AnkiError::storage)?
            .as_millis()
            .try_into()
            .map_err(AnkiError::storage)?;

        let mut note_types = HashMap::new();
        let mut used_ids = HashSet::new();
        for note_type in &package.note_types {
            check_note_type(note_type)?;
            let mut id = note_type_id(note_type);
            while !used_ids.insert(id) {
                id += 1;
            }
            if note_types.insert(note_type.name.as_str(), (id, note_type)).is_some() {
                return Err(AnkiError::invalid(format!(
                    "two note types are named {:?}",
                    note_type.name
                )));
            }
        }

        let mut deck_names: BTreeSet<String> = BTreeSet::new();
        for deck in &package.decks {
            deck_names.insert(check_deck_name(&deck.name)?);
        }
        let mut guids = HashSet::new();
        let mut card_ords = Vec::with_capacity(package.notes.len());
        for note in &package.notes {
            let what = || format!("note {:?}", note.guid);
            if note.guid.is_empty() || note.guid.chars().any(char::is_control) {
                return Err(AnkiError::invalid(format!(
                    "{} needs a non-empty guid without control characters",
                    what()
                )));
            }
            if !guids.insert(note.guid.as_str()) {
                return Err(AnkiError::invalid(format!("{} appears twice", what())));
            }
            let (_, note_type) = note_types.get(note.note_type.as_str()).ok_or_else(|| {
                AnkiError::invalid(format!(
                    "{} has note type {:?}, which the package lacks",
                    what(),
                    note.note_type
                ))
            })?;
            check_note(note, note_type)?;
            if let Some(deck) = &note.deck {
                deck_names.insert(check_deck_name(deck)?);
            }
            card_ords.push(card_ordinals(note, note_type));
        }
        // Every parent of a deck is a deck too.
        for name in deck_names.clone() {
            let mut parent = name.as_str();
            while let Some((head, _)) = parent.rsplit_once("::") {
                deck_names.insert(head.to_owned());
                parent = head;
            }
        }
        deck_names.remove(DEFAULT_DECK_NAME);
        let decks = deck_names
            .into_iter()
            .zip(1..)
            .map(|(name, i)| (name, now_ms + i))
            .collect();

        let mut seen_media = HashSet::new();
        for file in &package.media {
            if !media_name_is_safe(&file.name) {
                return Err(AnkiError::invalid(format!(
                    "media file name {:?} is not a plain file name",
                    file.name
                )));
            }
            if !seen_media.insert(file.name.as_str()) {
                return Err(AnkiError::invalid(format!("media file {:?} appears twice", file.name)));
            }
        }

        let plan = Self {
            package,
            now_ms,
            note_types,
            decks,
            card_ords,
        };
        plan.check_reviews()?;
        Ok(plan)
    }

    fn check_reviews(&self) -> Result<(), AnkiError> {
        let by_guid: HashMap<&str, usize> = self
            .package
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.guid.as_str(), i))
            .collect();
        for review in &self.package.reviews {
            let what = || format!("the review at {} of note {:?}", review.reviewed_at_ms, review.note_guid);
            let ords = by_guid
                .get(review.note_guid.as_str())
                .and_then(|&i| self.card_ords.get(i))
                .ok_or_else(|| AnkiError::invalid(format!("{} is of a note the package lacks", what())))?;
            if !ords.contains(&review.card_ordinal) {
                return Err(AnkiError::invalid(format!(
                    "{} is of card {}, which the note does not have",
                    what(),
                    review.card_ordinal
                )));
            }
            if review.rating > 4 {
                return Err(AnkiError::invalid(format!(
                    "{} has rating {}, not 0 to 4",
                    what(),
                    review.rating
                )));
            }
        }
        Ok(())
    }

    fn deck_id(&self, name: Option<&str>) -> i64 {
        match name {
            Some(name) if name != DEFAULT_DECK_NAME => self.decks.get(name).copied().unwrap_or(DEFAULT_DECK_ID),
            _ => DEFAULT_DECK_ID,
        }
    }

    /// The schema 11 collection database, as bytes.
    fn build_collection(&self) -> Result<Vec<u8>, AnkiError> {
        let dir = tempfile::tempdir().map_err(AnkiError::storage)?;
        let path = dir.path().join("collection.anki21");
        let db_error = |e: rusqlite::Error| AnkiError::storage(format!("building the collection: {e}"));
        let mut db = Connection::open(&path).map_err(db_error)?;
        db.execute_batch(SCHEMA_11).map_err(db_error)?;
        let tx = db.transaction().map_err(db_error)?;
        let now_secs = self.now_ms / 1000;
        tx.execute(
            "INSERT INTO col VALUES (1, ?1, ?2, ?2, 11, 0, 0, 0, ?3, ?4, ?5, ?6, '{}')",
            params![
                now_secs - now_secs % 86_400,
                self.now_ms,
                json!({"nextPos": self.package.notes.len() + 1, "schedVer": 2}).to_string(),
                self.models_json().to_string(),
                self.decks_json().to_string(),
                json!({}).to_string(),
            ],
        )
        .map_err(db_error)?;

        let mut card_ids: HashMap<(&str, u32), i64> = HashMap::new();
        let mut next_card_id = self.now_ms;
        for (i, (note, ords)) in self.package.notes.iter().zip(&self.card_ords).enumerate() {
            let (mid, _) = self.note_types.get(note.note_type.as_str()).copied().ok_or_else(|| {
                AnkiError::invalid(format!(
                    "note {:?} has note type {:?}, which the package lacks",
                    note.guid, note.note_type
                ))
            })?;
            let note_id = self.now_ms + i as i64;
            let values: Vec<&str> = note.fields.iter().map(|f| f.value.as_str()).collect();
            let first = strip_html(values.first().copied().unwrap_or_default());
            let checksum = first_field_checksum(&first);
            let tags = if note.tags.is_empty() {
                String::new()
            } else {
                format!(" {} ", note.tags.join(" "))
            };
            tx.execute(
                "INSERT INTO notes VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, 0, '')",
                params![
                    note_id,
                    note.guid,
                    mid,
                    now_secs,
                    tags,
                    values.join("\x1f"),
                    first,
                    checksum
                ],
            )
            .map_err(db_error)?;
            let deck_id = self.deck_id(note.deck.as_deref());
            for &ord in ords {
                tx.execute(
                    "INSERT INTO cards VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 0, ?6, 0, 0, 0, 0, 0, 0, 0, 0, '')",
                    params![next_card_id, note_id, deck_id, ord, now_secs, i as i64 + 1],
                )
                .map_err(db_error)?;
                card_ids.insert((note.guid.as_str(), ord), next_card_id);
                next_card_id += 1;
            }
        }

        let mut review_ids = HashSet::new();
        for review in &self.package.reviews {
            let card_id = card_ids
                .get(&(review.note_guid.as_str(), review.card_ordinal))
                .copied()
                .ok_or_else(|| {
                    AnkiError::invalid(format!(
                        "a review of note {:?} is of a card the note lacks",
                        review.note_guid
                    ))
                })?;
            // The log's id is its time; two entries of one millisecond move one apart.
            let mut id = review.reviewed_at_ms;
            while !review_ids.insert(id) {
                id += 1;
            }
            tx.execute(
                "INSERT INTO revlog VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    card_id,
                    review.rating,
                    review.interval,
                    review.last_interval,
                    review.factor,
                    review.duration_ms,
                    review.kind.to_anki()
                ],
            )
            .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)?;
        db.close().map_err(|(_, e)| db_error(e))?;
        std::fs::read(&path).map_err(AnkiError::storage)
    }

    /// `col.models`: the note types as Anki 2.1's JSON.
    fn models_json(&self) -> Json {
        let now_secs = self.now_ms / 1000;
        let models: serde_json::Map<String, Json> = self
            .note_types
            .values()
            .map(|&(id, note_type)| {
                let fields: Vec<Json> = note_type
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(ord, name)| {
                        json!({"name": name, "ord": ord, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": []})
                    })
                    .collect();
                let templates: Vec<Json> = note_type
                    .templates
                    .iter()
                    .enumerate()
                    .map(|(ord, t)| {
                        json!({"name": t.name, "ord": ord, "qfmt": t.front, "afmt": t.back, "bqfmt": "", "bafmt": "",
                               "did": null, "bfont": "", "bsize": 0})
                    })
                    .collect();
                let model = json!({
                    "id": id,
                    "name": note_type.name,
                    "type": match note_type.kind { NoteTypeKind::Standard => 0, NoteTypeKind::Cloze => 1 },
                    "mod": now_secs,
                    "usn": 0,
                    "sortf": 0,
                    "did": null,
                    "tmpls": templates,
                    "flds": fields,
                    "css": note_type.css,
                    "latexPre": "",
                    "latexPost": "",
                    "latexsvg": false,
                    "req": [],
                    "tags": [],
                    "vers": [],
                });
                (id.to_string(), model)
            })
            .collect();
        Json::Object(models)
    }

    /// `col.decks`: Anki's Default deck and the package's decks as Anki 2.1's JSON.
    fn decks_json(&self) -> Json {
        let descriptions: HashMap<&str, &str> = self
            .package
            .decks
            .iter()
            .map(|d| (d.name.as_str(), d.description.as_str()))
            .collect();
        let deck = |id: i64, name: &str| {
            json!({
                "id": id, "name": name, "mod": self.now_ms / 1000, "usn": 0,
                "lrnToday": [0, 0], "revToday": [0, 0], "newToday": [0, 0], "timeToday": [0, 0],
                "collapsed": false, "browserCollapsed": false,
                "desc": descriptions.get(name).copied().unwrap_or_default(),
                "dyn": 0, "conf": 1, "extendNew": 0, "extendRev": 0,
            })
        };
        let mut decks = serde_json::Map::new();
        decks.insert(DEFAULT_DECK_ID.to_string(), deck(DEFAULT_DECK_ID, DEFAULT_DECK_NAME));
        for (name, &id) in &self.decks {
            decks.insert(id.to_string(), deck(id, name));
        }
        Json::Object(decks)
    }
}

fn check_note_type(note_type: &NoteType) -> Result<(), AnkiError> {
    let what = || format!("note type {:?}", note_type.name);
    if note_type.name.trim().is_empty() {
        return Err(AnkiError::invalid("a note type has an empty name"));
    }
    if note_type.fields.is_empty() || note_type.templates.is_empty() {
        return Err(AnkiError::invalid(format!(
            "{} needs at least one field and one template",
            what()
        )));
    }
    let mut names = HashSet::new();
    for name in &note_type.fields {
        // Anki strips or refuses these in field names, so the names would not survive.
        let bad = name.trim() != name
            || name.is_empty()
            || name.starts_with(['#', '/', '^'])
            || name.contains([':', '"', '{', '}', FIELD_SEPARATOR]);
        if bad {
            return Err(AnkiError::invalid(format!(
                "{} has a field name Anki does not accept: {name:?}",
                what()
            )));
        }
        if !names.insert(name.to_lowercase()) {
            return Err(AnkiError::invalid(format!("{} has two fields named {name:?}", what())));
        }
    }
    let mut names = HashSet::new();
    for template in &note_type.templates {
        if template.name.trim().is_empty() || !names.insert(template.name.to_lowercase()) {
            return Err(AnkiError::invalid(format!(
                "{} has an empty or repeated template name {:?}",
                what(),
                template.name
            )));
        }
    }
    Ok(())
}

fn check_note(note: &Note, note_type: &NoteType) -> Result<(), AnkiError> {
    let what = || format!("note {:?}", note.guid);
    let names: Vec<&str> = note.fields.iter().map(|f| f.name.as_str()).collect();
    if names != note_type.fields.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(AnkiError::invalid(format!(
            "{} has fields {names:?}, but its note type {:?} has {:?}",
            what(),
            note_type.name,
            note_type.fields
        )));
    }
    if let Some(field) = note.fields.iter().find(|f| f.value.contains(FIELD_SEPARATOR)) {
        return Err(AnkiError::invalid(format!(
            "field {:?} of {} contains the character U+001F",
            field.name,
            what()
        )));
    }
    if let Some(tag) = note
        .tags
        .iter()
        .find(|t| t.is_empty() || t.contains([' ', '\u{3000}']) || t.chars().any(char::is_control))
    {
        return Err(AnkiError::invalid(format!(
            "{} has a tag Anki cannot keep: {tag:?}",
            what()
        )));
    }
    Ok(())
}

/// The deck name as written: levels joined with `::`, none empty.
fn check_deck_name(name: &str) -> Result<String, AnkiError> {
    let levels: Vec<&str> = name.split("::").collect();
    if levels
        .iter()
        .any(|level| level.trim().is_empty() || level.trim() != *level || level.chars().any(char::is_control))
    {
        return Err(AnkiError::invalid(format!(
            "deck name {name:?} has an empty or padded level"
        )));
    }
    Ok(name.to_owned())
}

/// The cards a note gets: one per template, or one per cloze number in its fields (at
/// least the first).
fn card_ordinals(note: &Note, note_type: &NoteType) -> BTreeSet<u32> {
    match note_type.kind {
        NoteTypeKind::Standard => (0..note_type.templates.len() as u32).collect(),
        NoteTypeKind::Cloze => {
            let mut ords: BTreeSet<u32> = note
                .fields
                .iter()
                .flat_map(|f| cloze_numbers(&f.value))
                .map(|n| n - 1)
                .collect();
            if ords.is_empty() {
                ords.insert(0);
            }
            ords
        }
    }
}

/// The numbers `n` of the `{{cn::…}}` deletions in `text`, all at least 1.
fn cloze_numbers(text: &str) -> Vec<u32> {
    let mut numbers = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{c") {
        rest = &rest[start + 3..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if rest[digits..].starts_with("::") {
            if let Some(n) = rest[..digits].parse::<u32>().ok().filter(|&n| n >= 1) {
                numbers.push(n);
            }
        }
    }
    numbers
}

/// A note type's id: a hash of its name, fields and templates, in the range of Anki's
/// millisecond ids, so that the same note type gets the same id in every export.
fn note_type_id(note_type: &NoteType) -> i64 {
    // FNV-1a: stable across Rust versions, unlike the standard library's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let parts = std::iter::once(&note_type.name)
        .chain(&note_type.fields)
        .chain(note_type.templates.iter().map(|t| &t.name));
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    // Below 2^53, where JavaScript (Anki's editor) still represents ids exactly.
    1_000_000_000_000 + (hash % 1_000_000_000_000_000) as i64
}

/// The text of an HTML field without its tags, for Anki's sort field and checksum (Anki
/// recomputes both on import; these only keep the database consistent until then).
fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Anki's `csum`: the first 32 bits of the SHA-1 of the first field's text.
fn first_field_checksum(text: &str) -> i64 {
    let digest = Sha1::digest(text.as_bytes());
    let mut first = [0u8; 4];
    first.copy_from_slice(&digest[..4]);
    i64::from(u32::from_be_bytes(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloze_numbers_are_found() {
        assert_eq!(
            cloze_numbers("{{c1::a}} {{c3::b::hint}} {{c::x}} {{c0::y}} {{c2:z}}"),
            vec![1, 3]
        );
        assert_eq!(cloze_numbers("{{c"), Vec::<u32>::new());
    }

    #[test]
    fn html_is_stripped_for_the_sort_field() {
        assert_eq!(
            strip_html("<b>Bonjour</b> &amp; <img src=\"a.png\">x"),
            "Bonjour &amp; x"
        );
    }
}
