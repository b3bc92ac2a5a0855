//! The JSON deck document: a whole deck in one JSON object, the lossless one of the
//! export formats (note types with templates, every field, tags, the exporter's review
//! state of each card, media as base64), and an import format.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use lms_core::flashcards::{DeckExport, DeckImport, Field, ImportMedia, ImportNote, NoteType, Schedule, Template};
use lms_core::{Error, FieldError};
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use super::flashcards::SchedulerName;
use crate::deck_files::FileDeck;

/// What `format` says of a deck document.
pub const DOCUMENT_FORMAT: &str = "lms-deck";
/// The document version this server writes and reads.
pub const DOCUMENT_VERSION: u32 = 1;

/// A whole deck as one JSON document (`GET /decks/{id}/export?format=json`, and
/// accepted by `POST /decks/import`).
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DeckDocument {
    /// Always `lms-deck`.
    pub format: String,
    /// The document version, 1.
    pub version: u32,
    /// The deck's title.
    pub title: String,
    /// The scheduling algorithm.
    #[serde(default)]
    pub scheduler: Option<SchedulerName>,
    /// FSRS's desired retention.
    #[serde(default)]
    pub desired_retention: Option<f64>,
    /// New cards per learner and day.
    #[serde(default)]
    pub new_per_day: Option<u32>,
    /// The note types of the cards (fields, card templates, styling). Cards naming a type
    /// not listed are kept as they are.
    #[serde(default)]
    pub note_types: Vec<DocumentNoteType>,
    /// The cards, in study order.
    pub cards: Vec<DocumentCard>,
    /// The media files the cards' fields refer to.
    #[serde(default)]
    pub media: Vec<DocumentMedia>,
}

/// A note type: fields and card templates, as Anki defines them.
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
pub struct DocumentNoteType {
    /// The name.
    pub name: String,
    /// Whether cards come from cloze deletions (`{{c1::…}}`).
    #[serde(default)]
    pub cloze: bool,
    /// The field names, in order.
    pub fields: Vec<String>,
    /// The card templates.
    #[serde(default)]
    pub templates: Vec<DocumentTemplate>,
    /// The styling shared by the templates.
    #[serde(default)]
    pub css: String,
}

/// A card template, in Anki's template language.
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
pub struct DocumentTemplate {
    /// The name.
    pub name: String,
    /// The question side.
    pub front: String,
    /// The answer side.
    pub back: String,
}

/// A card: its note's fields, tags and, in an export, the exporter's review state.
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DocumentCard {
    /// Anki's globally unique id of the note, when it came from Anki.
    #[serde(default)]
    pub guid: Option<String>,
    /// The note type's name (`Basic` when absent).
    #[serde(default)]
    pub note_type: Option<String>,
    /// The fields, in order: the first is the front, the second the back.
    pub fields: Vec<DocumentField>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The review state of the learner who exported the deck; imported as the
    /// importer's own.
    #[serde(default)]
    pub review: Option<DocumentReview>,
}

/// A named field.
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
pub struct DocumentField {
    /// The field's name.
    pub name: String,
    /// Its content (HTML).
    pub value: String,
}

/// A card's review state for one learner: what both schedulers need.
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DocumentReview {
    /// SM-2 successful reviews in a row.
    pub repetitions: u32,
    /// The current interval in days.
    pub interval_days: u32,
    /// SM-2 ease factor (≥ 1.3).
    pub ease_factor: f64,
    /// FSRS memory stability in days.
    #[serde(default)]
    pub stability: Option<f32>,
    /// FSRS memory difficulty (1–10).
    #[serde(default)]
    pub difficulty: Option<f32>,
    /// Failed answers after the card had been learnt.
    #[serde(default)]
    pub lapses: u32,
    /// The last review.
    #[serde(default)]
    pub last_reviewed_at: Option<DateTime<Utc>>,
    /// When the card is due next.
    pub due_at: DateTime<Utc>,
}

/// A media file.
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
pub struct DocumentMedia {
    /// The file name the fields use.
    pub name: String,
    /// The content, base64 (standard alphabet, padded).
    pub data: String,
}

impl DeckDocument {
    /// The document of an export.
    pub fn of(export: &DeckExport) -> Self {
        let deck = &export.deck;
        Self {
            format: DOCUMENT_FORMAT.to_owned(),
            version: DOCUMENT_VERSION,
            title: deck.title.clone(),
            scheduler: Some(deck.scheduler.into()),
            desired_retention: Some(f64::from(deck.desired_retention)),
            new_per_day: Some(deck.new_per_day),
            note_types: deck
                .note_types
                .iter()
                .map(|nt| DocumentNoteType {
                    name: nt.name.clone(),
                    cloze: nt.cloze,
                    fields: nt.fields.clone(),
                    templates: nt
                        .templates
                        .iter()
                        .map(|t| DocumentTemplate {
                            name: t.name.clone(),
                            front: t.front.clone(),
                            back: t.back.clone(),
                        })
                        .collect(),
                    css: nt.css.clone(),
                })
                .collect(),
            cards: export
                .cards
                .iter()
                .map(|card| DocumentCard {
                    guid: card.guid.clone(),
                    note_type: Some(card.note_type.clone()),
                    fields: card
                        .fields
                        .iter()
                        .map(|f| DocumentField {
                            name: f.name.clone(),
                            value: f.value.clone(),
                        })
                        .collect(),
                    tags: card.tags.clone(),
                    review: export.schedule(card.id).map(DocumentReview::of),
                })
                .collect(),
            media: export
                .media
                .iter()
                .map(|m| DocumentMedia {
                    name: m.name.clone(),
                    data: BASE64.encode(&m.bytes),
                })
                .collect(),
        }
    }

    /// Reads an uploaded document: a JSON error names its line and column; media that is
    /// not base64 refuses the file.
    pub fn read(bytes: &[u8]) -> Result<FileDeck, Error> {
        let invalid = |message: String| Error::Validation(vec![FieldError::new("file", "invalid_file", message)]);
        let doc: Self = serde_json::from_slice(bytes).map_err(|e| {
            invalid(format!(
                "not a deck document: line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        if doc.format != DOCUMENT_FORMAT || doc.version != DOCUMENT_VERSION {
            return Err(invalid(format!(
                "a deck document has format \"{DOCUMENT_FORMAT}\" and version {DOCUMENT_VERSION}, not {:?} and {}",
                doc.format, doc.version
            )));
        }
        let mut media = Vec::with_capacity(doc.media.len());
        for (i, file) in doc.media.into_iter().enumerate() {
            let bytes = BASE64
                .decode(file.data.as_bytes())
                .map_err(|e| invalid(format!("media {} ({:?}) is not base64: {e}", i + 1, file.name)))?;
            media.push(ImportMedia { name: file.name, bytes });
        }
        let notes = doc
            .cards
            .into_iter()
            .enumerate()
            .map(|(i, card)| ImportNote {
                source: format!("card {}", i + 1),
                guid: card.guid,
                note_type: card.note_type.unwrap_or_default(),
                fields: card
                    .fields
                    .into_iter()
                    .map(|f| Field {
                        name: f.name,
                        value: f.value,
                    })
                    .collect(),
                tags: card.tags,
                schedule: card.review.map(DocumentReview::schedule),
            })
            .collect();
        let note_types = doc
            .note_types
            .into_iter()
            .map(|nt| NoteType {
                name: nt.name,
                cloze: nt.cloze,
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
        let mut import = DeckImport {
            note_types,
            notes,
            media,
            ..DeckImport::default()
        };
        import.deck.scheduler = doc.scheduler.map(Into::into).unwrap_or_default();
        // Within the range the core checks, f32 keeps every value it accepts.
        import.deck.desired_retention = doc.desired_retention.map(|r| r as f32);
        import.deck.new_per_day = doc.new_per_day;
        Ok(FileDeck {
            import,
            title: Some(doc.title),
            skipped: Vec::new(),
        })
    }
}

impl DocumentReview {
    fn of(schedule: &Schedule) -> Self {
        Self {
            repetitions: schedule.repetitions,
            interval_days: schedule.interval_days,
            ease_factor: f64::from(schedule.ease) / 100.0,
            stability: schedule.stability,
            difficulty: schedule.difficulty,
            lapses: schedule.lapses,
            last_reviewed_at: schedule.last_reviewed_at,
            due_at: schedule.due_at,
        }
    }

    /// The schedule this state describes; whether a card can have it is the core's
    /// call ([`lms_core::flashcards::FlashcardService::import_deck`] skips the card).
    fn schedule(self) -> Schedule {
        Schedule {
            repetitions: self.repetitions,
            interval_days: self.interval_days,
            // Hundredths, the core's unit; out-of-range values (negative, NaN, huge)
            // saturate and are refused there.
            ease: (self.ease_factor * 100.0).round() as u32,
            stability: self.stability,
            difficulty: self.difficulty,
            lapses: self.lapses,
            last_reviewed_at: self.last_reviewed_at,
            due_at: self.due_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_error_names_line_and_column() {
        let err =
            DeckDocument::read(b"{\n  \"format\": \"lms-deck\",\n  \"version\": 1,\n  \"title\": 3\n}").unwrap_err();
        let Error::Validation(fields) = err else {
            panic!("not a validation error")
        };
        assert_eq!(fields[0].code, "invalid_file");
        assert!(fields[0].message.contains("line 4"), "{}", fields[0].message);
    }

    #[test]
    fn a_review_state_becomes_the_schedule_in_the_cores_units() {
        let doc = br#"{"format":"lms-deck","version":1,"title":"T","cards":[
            {"fields":[{"name":"Front","value":"a"},{"name":"Back","value":"b"}],
             "review":{"repetitions":2,"interval_days":6,"ease_factor":2.36,"due_at":"2026-01-01T00:00:00Z"}},
            {"fields":[{"name":"Front","value":"c"},{"name":"Back","value":"d"}],
             "review":{"repetitions":1,"interval_days":1,"ease_factor":-3.0,"due_at":"2026-01-01T00:00:00Z"}}]}"#;
        let deck = DeckDocument::read(doc).unwrap();
        let eases: Vec<Option<u32>> = deck
            .import
            .notes
            .iter()
            .map(|n| n.schedule.as_ref().map(|s| s.ease))
            .collect();
        assert_eq!(
            eases,
            [Some(236), Some(0)],
            "a negative ease saturates, for the core to refuse"
        );
        assert_eq!(deck.import.notes[1].source, "card 2");
    }

    #[test]
    fn another_format_is_refused() {
        let err = DeckDocument::read(br#"{"format":"other","version":1,"title":"T","cards":[]}"#).unwrap_err();
        assert!(matches!(err, Error::Validation(_)));
    }
}
