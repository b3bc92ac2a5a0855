//! Decks and their cards, as records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::schedule::SchedulerKind;
use crate::ids::{CardId, CourseId, DeckId, UserId};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// New cards a learner is shown per deck and day unless the deck says otherwise.
pub const DEFAULT_NEW_PER_DAY: u32 = 20;
/// The most new cards per learner and day a deck may set.
pub const MAX_NEW_PER_DAY: u32 = 9999;

/// A deck of flashcards: a course's (authored by its instructors, studied by its
/// learners) or one owner's private deck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deck {
    /// Identifier.
    pub id: DeckId,
    /// Stored version.
    pub version: u64,
    /// The title.
    pub title: String,
    /// Who created it.
    pub created_by: UserId,
    /// The course it belongs to; `None` for a private deck of `created_by`.
    pub course_id: Option<CourseId>,
    /// Which algorithm schedules its reviews.
    pub scheduler: SchedulerKind,
    /// The recall probability FSRS aims at (0.7–0.99).
    pub desired_retention: f32,
    /// FSRS parameters optimized from the deck's reviews; empty: the crate's defaults.
    pub fsrs_parameters: Vec<f32>,
    /// New cards per learner and day.
    pub new_per_day: u32,
    /// Cards in the deck.
    pub card_count: u32,
    /// Position of the next card added (cards are studied in the order they were added).
    pub next_position: i64,
    /// The note types of imported notes (fields, card templates, styling), kept so an
    /// export gives them back as they came; cards made through the API are `Basic`.
    #[serde(default)]
    pub note_types: Vec<NoteType>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Record for Deck {
    const KIND: RecordKind = RecordKind {
        name: "deck",
        keys: &[KeySpec::lookup("creator"), KeySpec::lookup("course")],
    };

    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// A private deck is its owner's data; a course's deck is the course's content.
    fn owner(&self) -> Option<UserId> {
        self.course_id.is_none().then_some(self.created_by)
    }

    fn index(&self, index: &mut Index) {
        index.set("creator", self.created_by);
        index.set_some("course", self.course_id);
    }
}

/// A note type of an imported deck: its fields and card templates, as Anki defines them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteType {
    /// The name, unique within the deck.
    pub name: String,
    /// Whether cards come from cloze deletions (`{{c1::…}}`) rather than templates.
    pub cloze: bool,
    /// The field names, in order.
    pub fields: Vec<String>,
    /// The card templates, in order.
    pub templates: Vec<Template>,
    /// The styling shared by the templates.
    pub css: String,
}

/// A card template of a note type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// The name (e.g. "Card 1").
    pub name: String,
    /// The question side, in Anki's template language (e.g. `{{Front}}`).
    pub front: String,
    /// The answer side.
    pub back: String,
}

/// One named field of a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The field's name (`Front`, `Back`, `Example` …).
    pub name: String,
    /// Its content (may hold HTML from an import).
    pub value: String,
}

/// A flashcard: the note it shows, with all its fields; the first field is its front,
/// the second its back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// Identifier.
    pub id: CardId,
    /// Stored version.
    pub version: u64,
    /// The deck.
    pub deck_id: DeckId,
    /// The private deck's owner, if the deck is private.
    pub owner: Option<UserId>,
    /// The note's globally unique id in Anki, kept from an import so that Anki recognises
    /// the note when the deck goes back to it.
    #[serde(default)]
    pub guid: Option<String>,
    /// The note type's name (`Basic` for cards made through the API).
    pub note_type: String,
    /// The note's fields, in order.
    pub fields: Vec<Field>,
    /// Tags.
    pub tags: Vec<String>,
    /// Media files the fields refer to, by name.
    pub media: Vec<String>,
    /// Study order within the deck.
    pub position: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Card {
    /// The first field.
    pub fn front(&self) -> &str {
        self.fields.first().map_or("", |f| f.value.as_str())
    }

    /// The second field.
    pub fn back(&self) -> &str {
        self.fields.get(1).map_or("", |f| f.value.as_str())
    }
}

impl Record for Card {
    const KIND: RecordKind = RecordKind {
        name: "card",
        keys: &[KeySpec::ordered("deck_position")],
    };

    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        self.owner
    }

    fn index(&self, index: &mut Index) {
        index.set("deck_position", (self.deck_id.as_uuid(), self.position));
    }
}
