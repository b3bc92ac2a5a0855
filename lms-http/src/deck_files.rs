//! Deck files in Anki's formats: reading an uploaded `.apkg` or text file (CSV/TSV with
//! Anki's headers) into the core's [`DeckImport`], and writing a [`DeckExport`] as one,
//! through `lms-anki`. The JSON document has its own module
//! ([`crate::api`]'s deck document); this one also tells the three apart.
//!
//! Reading and writing a package is CPU work (inflating, SQLite, zstd): callers run it on
//! the blocking pool.

use lms_anki::{AnkiError, Limits, Package, Separator, TextOptions};
use lms_core::flashcards::{DeckExport, DeckImport, Field, ImportMedia, ImportNote, NoteType, Skipped, Template};
use lms_core::{Error, FieldError};

/// The request field a deck file error names.
const FILE_FIELD: &str = "file";

/// What kind of deck file some bytes are, recognised by their content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeckFormat {
    /// An Anki package: a zip archive.
    Apkg,
    /// The JSON deck document.
    Json,
    /// An Anki text file: CSV, TSV or another separator, with or without headers.
    Text,
}

impl DeckFormat {
    /// The format of `bytes`: a zip's local-header signature is a package, a first
    /// non-blank character `{` the JSON document, anything else text (which reports
    /// what is wrong with it by line).
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            return Self::Apkg;
        }
        let first = bytes
            .strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .unwrap_or(bytes)
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            Self::Json
        } else {
            Self::Text
        }
    }
}

/// A deck read from a file: the import for the core, and the deck's name in the file.
#[derive(Debug, Clone, Default)]
pub struct FileDeck {
    /// The notes, note types and media; its `deck` is left for the caller to fill.
    pub import: DeckImport,
    /// The deck's name in the file, if it names one.
    pub title: Option<String>,
    /// Rows the reader already left out (text files), with the reason.
    pub skipped: Vec<Skipped>,
}

/// How many times its own size an uploaded package may inflate to (within `lms-anki`'s
/// default ceiling): a collection database compresses about tenfold, media hardly at all.
const MAX_INFLATION: u64 = 16;

/// The limits of reading one uploaded file of at most `max_bytes`: that size, at most
/// `MAX_INFLATION` times it once inflated, and at most as many notes as one import
/// stores.
pub fn limits(max_bytes: usize) -> Limits {
    let defaults = Limits::default();
    let max_package_bytes = max_bytes as u64;
    Limits {
        max_package_bytes,
        max_decompressed_bytes: defaults
            .max_decompressed_bytes
            .min(max_package_bytes.saturating_mul(MAX_INFLATION)),
        max_notes: lms_core::flashcards::MAX_IMPORT_NOTES,
        ..defaults
    }
}

/// Reads an Anki package.
pub fn read_package(bytes: &[u8], limits: &Limits) -> Result<FileDeck, Error> {
    let package = lms_anki::read_apkg(bytes, limits).map_err(file_error)?;
    Ok(from_package(package, Vec::new()))
}

/// Reads an Anki text file; its left-out rows are reported by line.
pub fn read_text(bytes: &[u8], limits: &Limits) -> Result<FileDeck, Error> {
    let text = lms_anki::read_text(bytes, limits).map_err(file_error)?;
    let skipped = text
        .skipped
        .into_iter()
        .map(|row| Skipped {
            source: format!("line {}", row.line),
            reason: row.reason,
        })
        .collect();
    Ok(from_package(text.package, skipped))
}

/// Writes `export` as an Anki package that current Anki imports.
pub fn write_package(export: &DeckExport) -> Result<Vec<u8>, Error> {
    lms_anki::write_apkg(&to_package(export)).map_err(write_error)
}

/// Writes `export` as an Anki text file with HTML fields: comma-separated (CSV) or
/// tab-separated (TSV, the layout of Anki's own exporter).
pub fn write_text(export: &DeckExport, separator: Separator) -> Result<Vec<u8>, Error> {
    let options = TextOptions { separator, html: true };
    lms_anki::write_text(&to_package(export), &options).map_err(write_error)
}

/// The 422 (or, for a machine fault, 500) of a file that cannot be read, naming the
/// field `file` with a code a client can act on and `lms-anki`'s reason (which names
/// the entry, note or line).
pub fn file_error(err: AnkiError) -> Error {
    if !err.is_invalid_input() {
        return Error::Internal(err.to_string().into());
    }
    let code = match &err {
        AnkiError::PackageTooLarge { .. }
        | AnkiError::DecompressedTooLarge { .. }
        | AnkiError::MediaTooLarge { .. } => "too_large",
        AnkiError::TooManyNotes { .. } | AnkiError::TooManyReviews { .. } => "too_many",
        AnkiError::NoNotes { .. } => "no_notes",
        _ => "invalid_file",
    };
    Error::Validation(vec![FieldError::new(FILE_FIELD, code, err.to_string())])
}

/// A deck the platform stored that `lms-anki` cannot write is the platform's fault.
fn write_error(err: AnkiError) -> Error {
    Error::Internal(format!("writing the deck file failed: {err}").into())
}

fn from_package(package: Package, skipped: Vec<Skipped>) -> FileDeck {
    let title = package
        .notes
        .iter()
        .find_map(|n| n.deck.clone())
        .or_else(|| package.decks.first().map(|d| d.name.clone()));
    let note_types = package
        .note_types
        .into_iter()
        .map(|nt| NoteType {
            cloze: nt.kind == lms_anki::NoteTypeKind::Cloze,
            name: nt.name,
            fields: nt.fields,
            templates: nt
                .templates
                .into_iter()
                .map(|t| Template {
                    name: t.name,
                    front: t.front,
                    back: t.back,
                })
                .collect(),
            css: nt.css,
        })
        .collect();
    let notes = package
        .notes
        .into_iter()
        .enumerate()
        .map(|(i, note)| ImportNote {
            source: format!("note {} (guid {})", i + 1, note.guid),
            guid: Some(note.guid),
            note_type: note.note_type,
            fields: note
                .fields
                .into_iter()
                .map(|f| Field {
                    name: f.name,
                    value: f.value,
                })
                .collect(),
            tags: note.tags,
            schedule: None,
        })
        .collect();
    let media = package
        .media
        .into_iter()
        .map(|m| ImportMedia {
            name: m.name,
            bytes: m.bytes,
        })
        .collect();
    FileDeck {
        import: DeckImport {
            note_types,
            notes,
            media,
            ..DeckImport::default()
        },
        title,
        skipped,
    }
}

/// The package of a deck: its note types (a `Basic`-like type made from the fields of
/// cards whose type the deck does not keep, such as cards made through the API), one
/// note per card in study order (the card's Anki guid, or its id for cards made here),
/// the deck's name and its media files. No review history: Anki would replay it as the
/// learner's, and an export is for everyone.
fn to_package(export: &DeckExport) -> Package {
    let mut note_types: Vec<lms_anki::NoteType> = export
        .deck
        .note_types
        .iter()
        .map(|nt| lms_anki::NoteType {
            name: nt.name.clone(),
            kind: if nt.cloze {
                lms_anki::NoteTypeKind::Cloze
            } else {
                lms_anki::NoteTypeKind::Standard
            },
            fields: nt.fields.clone(),
            templates: nt
                .templates
                .iter()
                .map(|t| lms_anki::Template {
                    name: t.name.clone(),
                    front: t.front.clone(),
                    back: t.back.clone(),
                })
                .collect(),
            css: nt.css.clone(),
        })
        .collect();
    for card in &export.cards {
        if !note_types.iter().any(|nt| nt.name == card.note_type) {
            let fields = card.fields.iter().map(|f| f.name.clone()).collect();
            note_types.push(lms_anki::NoteType::with_fields(&card.note_type, fields, false));
        }
    }
    let deck_name = export.deck.title.clone();
    let notes = export
        .cards
        .iter()
        .map(|card| lms_anki::Note {
            guid: card
                .guid
                .clone()
                .unwrap_or_else(|| card.id.as_uuid().simple().to_string()),
            note_type: card.note_type.clone(),
            deck: Some(deck_name.clone()),
            fields: card
                .fields
                .iter()
                .map(|f| lms_anki::Field {
                    name: f.name.clone(),
                    value: f.value.clone(),
                })
                .collect(),
            tags: card.tags.clone(),
        })
        .collect();
    Package {
        notes,
        note_types,
        decks: vec![lms_anki::DeckInfo {
            name: deck_name,
            description: String::new(),
        }],
        media: export
            .media
            .iter()
            .map(|m| lms_anki::MediaFile {
                name: m.name.clone(),
                bytes: m.bytes.clone(),
            })
            .collect(),
        reviews: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_recognised_by_content() {
        assert_eq!(DeckFormat::sniff(b"PK\x03\x04rest"), DeckFormat::Apkg);
        assert_eq!(DeckFormat::sniff(b"\xEF\xBB\xBF \n{\"format\":1}"), DeckFormat::Json);
        assert_eq!(DeckFormat::sniff(b"#separator:tab\nfront\tback\n"), DeckFormat::Text);
        assert_eq!(DeckFormat::sniff(b""), DeckFormat::Text);
    }

    #[test]
    fn a_zip_bomb_is_a_422_naming_the_file() {
        let err = file_error(AnkiError::DecompressedTooLarge {
            entry: "collection.anki21b".into(),
            limit: 10,
        });
        match err {
            Error::Validation(fields) => {
                assert_eq!(fields[0].field, "file");
                assert_eq!(fields[0].code, "too_large");
                assert!(
                    fields[0].message.contains("collection.anki21b"),
                    "{}",
                    fields[0].message
                );
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        assert!(matches!(
            file_error(AnkiError::Storage {
                reason: "disk full".into()
            }),
            Error::Internal(_)
        ));
    }
}
