//! Reading a text notes file into a [`Package`].

use std::collections::{HashMap, HashSet};

use sha1::{Digest, Sha1};

use super::{
    default_field_name, has_cloze, is_valid_field_name, plain_to_html, Separator, SkippedRow, TextImport,
    DEFAULT_NOTE_TYPE, NOTE_TYPE_FIELDS_KEY,
};
use crate::{AnkiError, DeckInfo, Field, Limits, Note, NoteType, Package};

/// Reads a text notes file (Anki's "Notes in Plain Text" format) into a package.
///
/// The file is UTF-8 (a leading byte order mark is ignored), optionally starting with
/// header lines `#key:value`, as Anki reads them: only the leading block of lines that
/// start with `#` is headers (keys in any case; unknown keys, `#if matches:` among them,
/// and `#` lines without a colon are ignored); later lines starting with `#` are
/// comments. A first line `tags:…` is Anki's older form of `#tags:`. The headers:
///
/// - `#separator:` `tab`, `comma`, `semicolon`, `space`, `pipe`, `colon` (any case) or
///   the character itself. Without it, the first row decides: tab if it has one, else
///   semicolon, else comma, else tab (a file of one column);
/// - `#html:true|false`: whether fields are HTML. With `false` they are plain text and are
///   escaped as Anki does (`&`, `<`, `>`, `"`, `'` as entities, line feeds as `<br>`).
///   Without the header fields are taken as the HTML they are (Anki guesses instead);
/// - `#columns:` the column names, separated by the separator. The names of field
///   columns name the note type's fields. When the file has no `#… column:` header, the
///   columns named `tags`, `deck`, `notetype` (or `note type`) and `guid` (any case) are
///   those columns;
/// - `#tags column:`, `#deck column:`, `#notetype column:`, `#guid column:` N: the
///   column (from 1) holding a note's tags (separated by spaces), deck, note type name
///   and guid. All other columns are fields, in order;
/// - `#tags:` tags given to every note, `#deck:` the deck of notes with no deck column
///   (or an empty one), `#notetype:` the note type of notes with no note type column
///   (or an empty one), `Basic` by default;
/// - `#notetype fields:NAME<sep>FIELD<sep>…`, this crate's extension that
///   [`write_text`](crate::write_text) writes for a file of several note types: the
///   fields of note type NAME. Its rows may have more field columns (Anki pads every row
///   to the widest note type) as long as those are empty.
///
/// Without `#columns:` the fields are named Front, Back, "Field 3"… The fields of a
/// note type are the same for all its notes: a row with a different number of field
/// columns than the first row of its note type (or than `#columns:` names) is an error.
/// Rows whose cells are all empty are left out; rows with an empty first field (Anki
/// refuses those) or with a guid an earlier row has are left out and listed in
/// [`TextImport::skipped`]. A note without a guid column (or with an empty cell) gets a
/// guid derived from its note type and fields, so importing the same file again gives
/// the same guids. Deck names are normalised as Anki does (levels trimmed, empty levels
/// dropped).
///
/// The package has a note type per note type name used, with the fields found, Anki's
/// stock CSS and one template: `{{Front}}` / `{{FrontSide}}<hr id=answer>{{Back}}` (with
/// the first two field names), or a cloze template when a note has a cloze deletion
/// (`{{c1::…}}`) in its first field. Its decks are those the notes use, parents included.
///
/// Fails with [`AnkiError::PackageTooLarge`] over [`Limits::max_package_bytes`],
/// [`AnkiError::TooManyNotes`] over [`Limits::max_notes`], [`AnkiError::InvalidText`]
/// naming the line for bytes that are not UTF-8, a header with a bad value, a row with the
/// wrong number of field columns, a guid or tag with control characters, and
/// [`AnkiError::NoNotes`] when no row gives a note.
pub fn read_text(bytes: &[u8], limits: &Limits) -> Result<TextImport, AnkiError> {
    let size = bytes.len() as u64;
    if size > limits.max_package_bytes {
        return Err(AnkiError::PackageTooLarge {
            size,
            limit: limits.max_package_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let before = bytes.get(..offset).unwrap_or_default();
        AnkiError::InvalidText {
            line: line_count(before) + 1,
            reason: format!("the text is not UTF-8 (at byte offset {offset}); save the file as UTF-8"),
        }
    })?;
    // The byte order mark is no line break, so line numbers stay those of the file.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let header = Header::parse(text)?;
    let data = text.get(header.data_offset..).unwrap_or_default();
    let separator = header.separator.unwrap_or_else(|| detect_separator(data));
    let layout = Layout::new(&header, separator)?;
    let mut reader = Reader::new(&header, &layout, limits);

    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .delimiter(separator.byte())
        .from_reader(data.as_bytes());
    // csv's line numbers leave out blank and comment lines: see LineCounter.
    let mut lines = LineCounter::new(data, header.data_line);
    let mut record = csv::StringRecord::new();
    loop {
        let more = csv.read_record(&mut record).map_err(|e| {
            let offset = e.position().map_or(0, csv::Position::byte);
            AnkiError::InvalidText {
                line: lines.row_line(offset),
                reason: format!("the row cannot be read: {e}"),
            }
        })?;
        if !more {
            break;
        }
        let line = lines.row_line(record.position().map_or(0, csv::Position::byte));
        reader.row(line, &record)?;
    }
    reader.finish()
}

/// The number of line feeds in `bytes`.
fn line_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The line numbers of rows. csv's own leave out blank and comment lines, and the
/// position of a record is where the previous one ended, before the blank and comment
/// lines between them: lines are counted here, from that offset past those lines.
struct LineCounter<'a> {
    data: &'a [u8],
    /// The offset counted to, and its line.
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter for `data`, which starts after `lines_before` lines of the file.
    fn new(data: &'a str, lines_before: u64) -> Self {
        Self {
            data: data.as_bytes(),
            offset: 0,
            line: lines_before + 1,
        }
    }

    /// The line of the file (from 1) where the row starts whose record position is byte
    /// `offset` of the data. Offsets only go forward.
    fn row_line(&mut self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.data.len());
        if offset > self.offset {
            self.line += line_count(self.data.get(self.offset..offset).unwrap_or_default());
            self.offset = offset;
        }
        loop {
            let rest = self.data.get(self.offset..).unwrap_or_default();
            let skip = match rest.first() {
                Some(b'\n') => 1,
                Some(b'\r') if rest.get(1) == Some(&b'\n') => 2,
                Some(b'\r') => 1,
                Some(b'#') => rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |at| at + 1),
                _ => break,
            };
            self.line += line_count(rest.get(..skip).unwrap_or_default());
            self.offset += skip;
        }
        self.line
    }
}

/// The separator of a file without `#separator:`: tab, semicolon or comma, the first
/// found in the first row; tab if none is.
fn detect_separator(data: &str) -> Separator {
    let first_row = data
        .lines()
        .find(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .unwrap_or_default();
    [Separator::Tab, Separator::Semicolon, Separator::Comma]
        .into_iter()
        .find(|s| first_row.as_bytes().contains(&s.byte()))
        .unwrap_or(Separator::Tab)
}

/// A header value with the line it is on.
#[derive(Debug, Clone)]
struct AtLine<T> {
    line: u64,
    value: T,
}

/// The header lines of a file.
#[derive(Debug, Default)]
struct Header {
    separator: Option<Separator>,
    html: bool,
    global_tags: Vec<String>,
    /// The raw `#columns:` value, split once the separator is known.
    columns: Option<AtLine<String>>,
    note_type: Option<String>,
    deck: Option<String>,
    tags_column: Option<AtLine<usize>>,
    deck_column: Option<AtLine<usize>>,
    note_type_column: Option<AtLine<usize>>,
    guid_column: Option<AtLine<usize>>,
    /// The raw `#notetype fields:` values.
    note_type_fields: Vec<AtLine<String>>,
    /// Where the rows start: the byte offset, and the number of lines before it.
    data_offset: usize,
    data_line: u64,
}

impl Header {
    fn parse(text: &str) -> Result<Self, AnkiError> {
        let mut header = Self {
            html: true,
            ..Self::default()
        };
        for (index, raw) in text.split_inclusive('\n').enumerate() {
            let line_no = index as u64 + 1;
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if let (0, Some(tags)) = (index, line.strip_prefix("tags:")) {
                header.global_tags = tags.split_whitespace().map(str::to_owned).collect();
            } else if let Some(meta) = line.strip_prefix('#') {
                if let Some((key, value)) = meta.split_once(':') {
                    header.set(line_no, &key.trim().to_ascii_lowercase(), value)?;
                }
            } else {
                break;
            }
            header.data_offset += raw.len();
            header.data_line = line_no;
        }
        Ok(header)
    }

    fn set(&mut self, line: u64, key: &str, value: &str) -> Result<(), AnkiError> {
        let bad = |reason: String| AnkiError::InvalidText { line, reason };
        let column = |value: &str| match value.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(AtLine { line, value: n - 1 })),
            _ => Err(bad(format!("#{key}: needs a column number from 1, not {value:?}"))),
        };
        let name = |value: &str| match value.trim() {
            "" => Err(bad(format!("#{key}: needs a name"))),
            name => Ok(Some(name.to_owned())),
        };
        match key {
            "separator" => {
                let separator = Separator::from_header(value).ok_or_else(|| {
                    bad(format!(
                        "unknown #separator: {value:?}; Anki knows tab, comma, semicolon, space, pipe and colon"
                    ))
                })?;
                self.separator = Some(separator);
            }
            "html" => {
                self.html = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(format!("#html: must be true or false, not {value:?}"))),
                };
            }
            "tags" => self.global_tags = value.split_whitespace().map(str::to_owned).collect(),
            "columns" => {
                if value.trim().is_empty() {
                    return Err(bad("#columns: names no column".to_owned()));
                }
                self.columns = Some(AtLine {
                    line,
                    value: value.to_owned(),
                });
            }
            "notetype" => self.note_type = name(value)?,
            "deck" => {
                let deck = normalize_deck(value, line)?;
                if deck.is_none() {
                    return Err(bad("#deck: needs a name".to_owned()));
                }
                self.deck = deck;
            }
            "tags column" => self.tags_column = column(value)?,
            "deck column" => self.deck_column = column(value)?,
            "notetype column" => self.note_type_column = column(value)?,
            "guid column" => self.guid_column = column(value)?,
            NOTE_TYPE_FIELDS_KEY => self.note_type_fields.push(AtLine {
                line,
                value: value.to_owned(),
            }),
            _ => {}
        }
        Ok(())
    }
}

/// What each column is: the meta columns (0-based), and the field names the headers
/// give.
#[derive(Debug)]
struct Layout {
    tags: Option<usize>,
    deck: Option<usize>,
    note_type: Option<usize>,
    guid: Option<usize>,
    /// From `#columns:`: the line, and the names of the field columns (a positional name
    /// for an empty one).
    field_names: Option<AtLine<Vec<String>>>,
    /// From `#notetype fields:`: note type → field names.
    declared: HashMap<String, Vec<String>>,
}

impl Layout {
    fn new(header: &Header, separator: Separator) -> Result<Self, AnkiError> {
        let mut layout = Self {
            tags: header.tags_column.as_ref().map(|c| c.value),
            deck: header.deck_column.as_ref().map(|c| c.value),
            note_type: header.note_type_column.as_ref().map(|c| c.value),
            guid: header.guid_column.as_ref().map(|c| c.value),
            field_names: None,
            declared: HashMap::new(),
        };
        let explicit = [
            ("tags", &header.tags_column),
            ("deck", &header.deck_column),
            ("notetype", &header.note_type_column),
            ("guid", &header.guid_column),
        ];
        for (i, (name, column)) in explicit.iter().enumerate() {
            let Some(column) = column else { continue };
            for (other, other_column) in explicit.iter().skip(i + 1) {
                if let Some(other_column) = other_column.as_ref().filter(|c| c.value == column.value) {
                    return Err(AnkiError::InvalidText {
                        line: column.line.max(other_column.line),
                        reason: format!(
                            "column {} is both the {name} column and the {other} column",
                            column.value + 1
                        ),
                    });
                }
            }
        }

        if let Some(columns) = &header.columns {
            let line = columns.line;
            let labels = split_header_value(&columns.value, separator, line)?;
            if explicit.iter().all(|(_, c)| c.is_none()) {
                layout.infer_meta_columns(&labels, line)?;
            }
            let names = labels
                .iter()
                .enumerate()
                .filter(|(i, _)| !layout.is_meta(*i))
                .map(|(_, label)| label.trim())
                .enumerate()
                .map(|(i, label)| match label {
                    "" => default_field_name(i),
                    label => label.to_owned(),
                })
                .collect();
            layout.field_names = Some(AtLine {
                line,
                value: check_field_names(names, line)?,
            });
        }
        for declared in &header.note_type_fields {
            let line = declared.line;
            let mut values = split_header_value(&declared.value, separator, line)?.into_iter();
            let name = values.next().map(|n| n.trim().to_owned()).unwrap_or_default();
            let names: Vec<String> = values.map(|n| n.trim().to_owned()).collect();
            if name.is_empty() || names.is_empty() {
                return Err(AnkiError::InvalidText {
                    line,
                    reason: format!("#{NOTE_TYPE_FIELDS_KEY}: needs a note type name and its field names"),
                });
            }
            layout.declared.insert(name, check_field_names(names, line)?);
        }
        Ok(layout)
    }

    /// The meta columns named in `#columns:`, for a file without `#… column:` headers.
    fn infer_meta_columns(&mut self, labels: &[String], line: u64) -> Result<(), AnkiError> {
        for (i, label) in labels.iter().enumerate() {
            let slot = match label.trim().to_lowercase().as_str() {
                "tags" => &mut self.tags,
                "deck" => &mut self.deck,
                "notetype" | "note type" => &mut self.note_type,
                "guid" => &mut self.guid,
                _ => continue,
            };
            if slot.replace(i).is_some() {
                return Err(AnkiError::InvalidText {
                    line,
                    reason: format!("#columns: names two {:?} columns", label.trim()),
                });
            }
        }
        Ok(())
    }

    fn is_meta(&self, column: usize) -> bool {
        [self.tags, self.deck, self.note_type, self.guid].contains(&Some(column))
    }
}

/// The cells of a header value written as one row (`#columns:`, `#notetype fields:`).
fn split_header_value(value: &str, separator: Separator, line: u64) -> Result<Vec<String>, AnkiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator.byte())
        .from_reader(value.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(_) => Ok(record.iter().map(str::to_owned).collect()),
        Err(e) => Err(AnkiError::InvalidText {
            line,
            reason: format!("the header value cannot be read: {e}"),
        }),
    }
}

/// `names` if Anki accepts them as the field names of a note type (see
/// [`is_valid_field_name`]), no two alike.
fn check_field_names(names: Vec<String>, line: u64) -> Result<Vec<String>, AnkiError> {
    let mut seen = HashSet::new();
    for name in &names {
        let reason = if !is_valid_field_name(name) {
            format!("{name:?} is not a field name Anki accepts (no :, \", {{ or }}, not starting with #, / or ^)")
        } else if !seen.insert(name.to_lowercase()) {
            format!("two fields are named {name:?}")
        } else {
            continue;
        };
        return Err(AnkiError::InvalidText { line, reason });
    }
    Ok(names)
}

/// A deck name as Anki keeps it: levels trimmed, empty levels dropped; `None` when
/// nothing is left.
fn normalize_deck(name: &str, line: u64) -> Result<Option<String>, AnkiError> {
    if name.chars().any(char::is_control) {
        return Err(AnkiError::InvalidText {
            line,
            reason: format!("deck name {name:?} has a control character"),
        });
    }
    let levels: Vec<&str> = name.split("::").map(str::trim).filter(|l| !l.is_empty()).collect();
    Ok((!levels.is_empty()).then(|| levels.join("::")))
}

/// A note type met in the file.
#[derive(Debug)]
struct TypeSeen {
    /// The line of its first note.
    first_line: u64,
    /// The number of field columns of its rows.
    columns: usize,
    fields: Vec<String>,
    cloze: bool,
}

/// The rows read so far.
struct Reader<'a> {
    header: &'a Header,
    layout: &'a Layout,
    limits: &'a Limits,
    notes: Vec<Note>,
    skipped: Vec<SkippedRow>,
    /// Note types in order of first use.
    type_order: Vec<String>,
    types: HashMap<String, TypeSeen>,
    /// Guid → the line of its note.
    guids: HashMap<String, u64>,
}

impl<'a> Reader<'a> {
    fn new(header: &'a Header, layout: &'a Layout, limits: &'a Limits) -> Self {
        Self {
            header,
            layout,
            limits,
            notes: Vec::new(),
            skipped: Vec::new(),
            type_order: Vec::new(),
            types: HashMap::new(),
            guids: HashMap::new(),
        }
    }

    fn row(&mut self, line: u64, record: &csv::StringRecord) -> Result<(), AnkiError> {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            return Ok(());
        }
        let bad = |reason: String| AnkiError::InvalidText { line, reason };
        let layout = self.layout;
        let cell = |column: Option<usize>| column.and_then(|c| record.get(c)).filter(|c| !c.trim().is_empty());
        let cells: Vec<&str> = record
            .iter()
            .enumerate()
            .filter(|(i, _)| !layout.is_meta(*i))
            .map(|(_, c)| c)
            .collect();
        if cells.is_empty() {
            return Err(bad("the row has no field column".to_owned()));
        }

        let note_type = cell(layout.note_type)
            .map(str::trim)
            .or(self.header.note_type.as_deref())
            .unwrap_or(DEFAULT_NOTE_TYPE)
            .to_owned();
        let fields = self.fields(line, &note_type, &cells)?;

        if fields.first().is_none_or(|f| f.value.trim().is_empty()) {
            self.skipped.push(SkippedRow {
                line,
                reason: "the first field is empty, and Anki imports no note without one".to_owned(),
            });
            return Ok(());
        }

        let guid = match cell(layout.guid).map(str::trim) {
            Some(guid) => {
                if guid.chars().any(char::is_control) {
                    return Err(bad(format!("guid {guid:?} has a control character")));
                }
                if let Some(first) = self.guids.get(guid) {
                    self.skipped.push(SkippedRow {
                        line,
                        reason: format!("guid {guid:?} is already that of the note on line {first}"),
                    });
                    return Ok(());
                }
                guid.to_owned()
            }
            None => self.derived_guid(&note_type, &fields),
        };

        let deck = match cell(layout.deck) {
            Some(deck) => normalize_deck(deck, line)?,
            None => None,
        }
        .or_else(|| self.header.deck.clone());

        let mut tags: Vec<String> = Vec::new();
        let mut seen_tags = HashSet::new();
        let row_tags = cell(layout.tags).unwrap_or_default().split_whitespace();
        for tag in row_tags.chain(self.header.global_tags.iter().map(String::as_str)) {
            if tag.chars().any(char::is_control) {
                return Err(bad(format!("tag {tag:?} has a control character")));
            }
            if seen_tags.insert(tag) {
                tags.push(tag.to_owned());
            }
        }

        if self.notes.len() >= self.limits.max_notes {
            return Err(AnkiError::TooManyNotes {
                limit: self.limits.max_notes,
            });
        }
        if let Some(seen) = self.types.get_mut(&note_type) {
            seen.cloze |= fields.first().is_some_and(|f| has_cloze(&f.value));
        }
        self.guids.insert(guid.clone(), line);
        self.notes.push(Note {
            guid,
            note_type,
            deck,
            fields,
            tags,
        });
        Ok(())
    }

    /// The named fields of a row of `note_type` whose field columns are `cells`, checked
    /// against the note type's earlier rows and the headers.
    fn fields(&mut self, line: u64, note_type: &str, cells: &[&str]) -> Result<Vec<Field>, AnkiError> {
        let bad = |reason: String| AnkiError::InvalidText { line, reason };
        let count = cells.len();
        if let Some(names) = &self.layout.field_names {
            if count != names.value.len() {
                return Err(bad(format!(
                    "the row has {count} field columns, but #columns: (line {}) names {}",
                    names.line,
                    names.value.len()
                )));
            }
        }
        let layout = self.layout;
        let type_order = &mut self.type_order;
        let seen = self.types.entry(note_type.to_owned()).or_insert_with(|| {
            type_order.push(note_type.to_owned());
            let fields = match (layout.declared.get(note_type), &layout.field_names) {
                (Some(declared), _) => declared.clone(),
                (None, Some(names)) => names.value.clone(),
                (None, None) => (0..count).map(default_field_name).collect(),
            };
            TypeSeen {
                first_line: line,
                columns: count,
                fields,
                cloze: false,
            }
        });
        if count != seen.columns {
            return Err(bad(format!(
                "the row has {count} field columns, but line {}, the first note of note type {note_type:?}, has {}",
                seen.first_line, seen.columns
            )));
        }
        let declared = seen.fields.len();
        if count < declared {
            return Err(bad(format!(
                "the row has {count} field columns, but note type {note_type:?} has {declared} fields"
            )));
        }
        if let Some(extra) = cells.iter().skip(declared).position(|c| !c.trim().is_empty()) {
            return Err(bad(format!(
                "field column {} has a value, but note type {note_type:?} has only {declared} fields",
                declared + extra + 1
            )));
        }
        let html = self.header.html;
        Ok(seen
            .fields
            .iter()
            .zip(cells)
            .map(|(name, value)| Field {
                name: name.clone(),
                value: if html {
                    (*value).to_owned()
                } else {
                    plain_to_html(value)
                },
            })
            .collect())
    }

    /// A guid from the note's content, so that the same file gives the same guids: the
    /// first 64 bits of the SHA-1 of note type and fields, in hex. A later note with the
    /// same content gets the hash with a counter.
    fn derived_guid(&self, note_type: &str, fields: &[Field]) -> String {
        let mut counter: u64 = 0;
        loop {
            let mut hasher = Sha1::new();
            hasher.update(note_type.as_bytes());
            for field in fields {
                hasher.update([0x1f]);
                hasher.update(field.value.as_bytes());
            }
            if counter > 0 {
                hasher.update([0x1e]);
                hasher.update(counter.to_string().as_bytes());
            }
            let guid: String = hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
            if !self.guids.contains_key(&guid) {
                return guid;
            }
            counter += 1;
        }
    }

    fn finish(self) -> Result<TextImport, AnkiError> {
        if self.notes.is_empty() {
            return Err(AnkiError::NoNotes {
                skipped: self.skipped.len(),
            });
        }
        let used: HashSet<&str> = self.notes.iter().map(|n| n.note_type.as_str()).collect();
        let note_types = self
            .type_order
            .iter()
            // A note type whose rows were all skipped has no note.
            .filter(|name| used.contains(name.as_str()))
            .filter_map(|name| self.types.get(name).map(|seen| note_type(name, seen)))
            .collect();
        let mut decks: Vec<DeckInfo> = Vec::new();
        let mut deck_names = HashSet::new();
        for deck in self.notes.iter().filter_map(|n| n.deck.as_deref()) {
            let mut end = 0;
            for level in deck.split("::") {
                end += level.len();
                let name = deck.get(..end).unwrap_or(deck);
                if deck_names.insert(name.to_owned()) {
                    decks.push(DeckInfo {
                        name: name.to_owned(),
                        description: String::new(),
                    });
                }
                end += 2;
            }
        }
        Ok(TextImport {
            package: Package {
                notes: self.notes,
                note_types,
                decks,
                media: Vec::new(),
                reviews: Vec::new(),
            },
            skipped: self.skipped,
        })
    }
}

/// The note type rebuilt for `name`: its fields, a Basic-like or cloze template.
fn note_type(name: &str, seen: &TypeSeen) -> NoteType {
    NoteType::with_fields(name, seen.fields.clone(), seen.cloze)
}
