//! Writing a [`Package`]'s notes as a text notes file.

use std::collections::{HashMap, HashSet};

use super::{html_to_plain, is_valid_field_name, Separator, TextOptions, NOTE_TYPE_FIELDS_KEY};
use crate::{AnkiError, Note, NoteType, Package};

/// Writes the notes of `package` as a text notes file that Anki imports ("Notes in Plain
/// Text"), and [`read_text`](crate::read_text) reads back into the same notes.
///
/// The header lines are those Anki's exporter writes: `#separator:`, `#html:`, then
/// `#guid column:1`, `#notetype column:2` (when the notes have several note types),
/// `#deck column:` (when a note has a deck) and `#tags column:` (the last column), so
/// that Anki imports the notes with their guids (updating notes it already has), note
/// types, decks and tags. The columns are in that order with the fields between deck and
/// tags; as in Anki's export, every row has as many field columns as the widest note
/// type, the others empty. When all notes have one note type, `#notetype:` names it and
/// `#columns:` names every column, so that Anki maps the fields by name; otherwise a
/// `#notetype fields:` line per note type (this crate's extension, which Anki ignores)
/// keeps the field names. Note type templates and CSS, media and reviews are not written:
/// the format has no place for them.
///
/// A note with an empty first field is written, but neither Anki nor
/// [`read_text`](crate::read_text) imports it.
///
/// Fails with [`AnkiError::InvalidPackage`] when the notes cannot be written so that they
/// read back the same: a note whose note type the package lacks or whose field names
/// differ from its note type's, an empty, padded or repeated guid or one with control
/// characters, an empty or padded note type name or one with a line break, a note type
/// without fields or with a field name Anki does not accept (as for
/// [`write_apkg`](crate::write_apkg)), a tag that is empty or has whitespace or control characters, a deck name
/// with an empty or padded level.
pub fn write_text(package: &Package, options: &TextOptions) -> Result<Vec<u8>, AnkiError> {
    let note_types = check(package)?;
    let single = note_types.len() <= 1;
    let with_deck = package.notes.iter().any(|n| n.deck.is_some());
    let field_columns = note_types.iter().map(|nt| nt.fields.len()).max().unwrap_or(0);

    let note_type_column = (!single).then_some(2);
    let deck_column = with_deck.then(|| note_type_column.unwrap_or(1) + 1);
    let tags_column = deck_column.or(note_type_column).unwrap_or(1) + field_columns + 1;

    let separator = options.separator;
    let mut out = Vec::new();
    out.extend_from_slice(format!("#separator:{}\n#html:{}\n", separator.name(), options.html).as_bytes());
    if let (true, Some(note_type)) = (single, note_types.first()) {
        out.extend_from_slice(format!("#notetype:{}\n", note_type.name).as_bytes());
    }
    out.extend_from_slice(b"#guid column:1\n");
    if let Some(column) = note_type_column {
        out.extend_from_slice(format!("#notetype column:{column}\n").as_bytes());
    }
    if let Some(column) = deck_column {
        out.extend_from_slice(format!("#deck column:{column}\n").as_bytes());
    }
    out.extend_from_slice(format!("#tags column:{tags_column}\n").as_bytes());
    if single {
        let mut labels = vec!["guid"];
        if with_deck {
            labels.push("deck");
        }
        if let Some(note_type) = note_types.first() {
            labels.extend(note_type.fields.iter().map(String::as_str));
        }
        labels.push("tags");
        out.extend_from_slice(b"#columns:");
        out.extend_from_slice(&header_row(&labels, separator)?);
    } else {
        for note_type in &note_types {
            let mut values = vec![note_type.name.as_str()];
            values.extend(note_type.fields.iter().map(String::as_str));
            out.extend_from_slice(format!("#{NOTE_TYPE_FIELDS_KEY}:").as_bytes());
            out.extend_from_slice(&header_row(&values, separator)?);
        }
    }

    let mut writer = writer(separator, out);
    for note in &package.notes {
        let mut row: Vec<String> = Vec::with_capacity(tags_column);
        row.push(note.guid.clone());
        if note_type_column.is_some() {
            row.push(note.note_type.clone());
        }
        if with_deck {
            row.push(note.deck.clone().unwrap_or_default());
        }
        for field in &note.fields {
            row.push(if options.html {
                field.value.clone()
            } else {
                html_to_plain(&field.value)
            });
        }
        for _ in note.fields.len()..field_columns {
            row.push(String::new());
        }
        row.push(note.tags.join(" "));
        writer.write_record(&row).map_err(AnkiError::storage)?;
    }
    writer.into_inner().map_err(|e| AnkiError::storage(e.error()))
}

/// A CSV writer as Anki's exporter configures it: the separator, quotes only where
/// needed, and a field with `#` quoted, so that no row reads as a comment line.
fn writer(separator: Separator, out: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(separator.byte())
        .comment(Some(b'#'))
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// `values` as the value of a header line (`#columns:`), with its line feed.
fn header_row(values: &[&str], separator: Separator) -> Result<Vec<u8>, AnkiError> {
    let mut writer = writer(separator, Vec::new());
    writer.write_record(values).map_err(AnkiError::storage)?;
    writer.into_inner().map_err(|e| AnkiError::storage(e.error()))
}

/// The note types of the notes, in the package's order, once the notes are checked.
fn check(package: &Package) -> Result<Vec<&NoteType>, AnkiError> {
    let mut declared: HashMap<&str, &NoteType> = HashMap::new();
    for note_type in &package.note_types {
        if declared.insert(note_type.name.as_str(), note_type).is_some() {
            return Err(AnkiError::invalid(format!(
                "two note types are named {:?}",
                note_type.name
            )));
        }
    }
    let mut used = HashSet::new();
    let mut guids = HashSet::new();
    for note in &package.notes {
        let what = || format!("note {:?}", note.guid);
        let guid = &note.guid;
        if guid.trim().is_empty() || guid.trim() != guid || guid.chars().any(char::is_control) {
            return Err(AnkiError::invalid(format!(
                "{} needs a guid that is not empty or padded, without control characters",
                what()
            )));
        }
        if !guids.insert(guid.as_str()) {
            return Err(AnkiError::invalid(format!("{} appears twice", what())));
        }
        let note_type = declared.get(note.note_type.as_str()).ok_or_else(|| {
            AnkiError::invalid(format!(
                "{} has note type {:?}, which the package lacks",
                what(),
                note.note_type
            ))
        })?;
        if used.insert(note_type.name.as_str()) {
            check_note_type(note_type)?;
        }
        check_note(note, note_type)?;
    }
    Ok(package
        .note_types
        .iter()
        .filter(|nt| used.contains(nt.name.as_str()))
        .collect())
}

fn check_note_type(note_type: &NoteType) -> Result<(), AnkiError> {
    let name = &note_type.name;
    if name.trim().is_empty() || name.trim() != name || name.contains(['\n', '\r']) {
        return Err(AnkiError::invalid(format!(
            "note type name {name:?} is empty, padded or has a line break"
        )));
    }
    if note_type.fields.is_empty() {
        return Err(AnkiError::invalid(format!("note type {name:?} has no field")));
    }
    let mut seen = HashSet::new();
    for field in &note_type.fields {
        if !is_valid_field_name(field) || !seen.insert(field.to_lowercase()) {
            return Err(AnkiError::invalid(format!(
                "note type {name:?} has a field name Anki does not accept, or two alike: {field:?}"
            )));
        }
    }
    Ok(())
}

fn check_note(note: &Note, note_type: &NoteType) -> Result<(), AnkiError> {
    let what = || format!("note {:?}", note.guid);
    if !note.fields.iter().map(|f| &f.name).eq(note_type.fields.iter()) {
        let names: Vec<&str> = note.fields.iter().map(|f| f.name.as_str()).collect();
        return Err(AnkiError::invalid(format!(
            "{} has fields {names:?}, but its note type {:?} has {:?}",
            what(),
            note_type.name,
            note_type.fields
        )));
    }
    if let Some(tag) = note
        .tags
        .iter()
        .find(|t| t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(AnkiError::invalid(format!(
            "{} has a tag that is empty or has whitespace or control characters: {tag:?}",
            what()
        )));
    }
    if let Some(deck) = &note.deck {
        let bad = deck
            .split("::")
            .any(|level| level.trim().is_empty() || level.trim() != level || level.chars().any(char::is_control));
        if bad {
            return Err(AnkiError::invalid(format!(
                "{} has deck {deck:?}, a name with an empty or padded level",
                what()
            )));
        }
    }
    Ok(())
}
