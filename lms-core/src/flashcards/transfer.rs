//! Decks in and out: importing a whole deck (notes, note types, media, optionally the
//! importer's schedules) in one atomic write, and reading a whole deck back for export.
//!
//! File formats (Anki packages, Anki text files, JSON) are the caller's business: the
//! server maps each onto [`DeckImport`] and from [`DeckExport`]. What a file may hold is
//! checked here, note by note: a note the deck cannot hold is skipped and reported with
//! the reason, and either everything else is stored or nothing is.

use std::collections::HashSet;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::deck::{Card, Deck, Field, NoteType};
use super::media::{media_name_is_valid, media_references, DeckMedia, MAX_MEDIA_FILE_BYTES};
use super::schedule::{Schedule, MAX_INTERVAL_DAYS, MIN_EASE};
use super::service::{store_error, FlashcardService, NewDeck, MAX_TAGS};
use super::study::{CardState, DeckProgress};
use crate::domain::text::{CardTag, CardText};
use crate::error::{Entity, Error, FieldError, Result};
use crate::ids::{CardId, DeckId};
use crate::ports::UnitOfWork;
use crate::records::{IndexValue, Range};
use crate::services::Actor;

/// The most notes one import may hold.
pub const MAX_IMPORT_NOTES: usize = 100_000;
/// The most fields a note may have.
const MAX_FIELDS: usize = 64;
/// The longest field name.
const MAX_FIELD_NAME_CHARS: usize = 64;
/// Records read per page when reading a deck for export.
const EXPORT_PAGE: u32 = 1000;

/// A deck to import.
#[derive(Debug, Clone, Default)]
pub struct DeckImport {
    /// The new deck: title, course, scheduler and limits.
    pub deck: NewDeck,
    /// The note types the notes use (fields, templates, styling); a note naming a type
    /// not listed here is still imported.
    pub note_types: Vec<NoteType>,
    /// The notes, in study order.
    pub notes: Vec<ImportNote>,
    /// The media files the notes refer to.
    pub media: Vec<ImportMedia>,
}

/// A note to import: one card of the deck.
#[derive(Debug, Clone, Default)]
pub struct ImportNote {
    /// Where the note is in the file ("line 7", "note 3"), for the report of skipped notes.
    pub source: String,
    /// Anki's guid of the note, if it has one.
    pub guid: Option<String>,
    /// The note type's name.
    pub note_type: String,
    /// The fields, in order: the first is the card's front, the second its back.
    pub fields: Vec<Field>,
    /// Tags.
    pub tags: Vec<String>,
    /// The importer's schedule of the card, when the file carries one (JSON export).
    pub schedule: Option<Schedule>,
}

/// A media file to import.
#[derive(Debug, Clone, Default)]
pub struct ImportMedia {
    /// The file name the fields use.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// A note left out of an import, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is in the file ("line 7", "note 3").
    pub source: String,
    /// Why it was left out.
    pub reason: String,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome {
    /// The new deck.
    pub deck: Deck,
    /// Cards stored.
    pub cards_imported: u32,
    /// Media files stored.
    pub media_imported: u32,
    /// Notes left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// A whole deck, for export: its cards in study order, the exporting learner's schedule
/// of each card they studied, and the media files.
#[derive(Debug, Clone, PartialEq)]
pub struct DeckExport {
    /// The deck.
    pub deck: Deck,
    /// The cards, in study order.
    pub cards: Vec<Card>,
    /// The exporter's schedules, by card.
    pub schedules: Vec<(CardId, Schedule)>,
    /// The media files.
    pub media: Vec<DeckMedia>,
}

impl DeckExport {
    /// The exporter's schedule of `card`, if they studied it.
    pub fn schedule(&self, card: CardId) -> Option<&Schedule> {
        self.schedules.iter().find(|(id, _)| *id == card).map(|(_, s)| s)
    }
}

/// Why a note cannot be imported, if it cannot.
fn refusal(note: &ImportNote) -> Option<String> {
    if note.fields.is_empty() {
        return Some("the note has no fields".into());
    }
    if note.fields.len() > MAX_FIELDS {
        return Some(format!("the note has more than {MAX_FIELDS} fields"));
    }
    if note.fields[0].value.trim().is_empty() {
        return Some(format!("the first field ({}) is empty", note.fields[0].name));
    }
    for field in &note.fields {
        let chars = field.name.chars().count();
        if chars == 0 || chars > MAX_FIELD_NAME_CHARS {
            return Some(format!("a field name must have 1 to {MAX_FIELD_NAME_CHARS} characters"));
        }
        if field.value.chars().count() > CardText::MAX_CHARS {
            return Some(format!(
                "field {} is longer than {} characters",
                field.name,
                CardText::MAX_CHARS
            ));
        }
        // Control characters only: imported HTML legitimately holds zero-width and other
        // invisible characters, which text typed into the platform may not.
        if field
            .value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Some(format!("field {} holds a control character", field.name));
        }
    }
    if note.tags.len() > MAX_TAGS {
        return Some(format!("the note has more than {MAX_TAGS} tags"));
    }
    if let Some(tag) = note.tags.iter().find(|t| CardTag::parse(t).is_err()) {
        return Some(format!("tag {tag:?} is not 1 to 64 characters on one line"));
    }
    if note.guid.as_ref().is_some_and(|g| g.is_empty() || g.len() > 64) {
        return Some("the guid must have 1 to 64 bytes".into());
    }
    note.schedule.as_ref().and_then(schedule_refusal)
}

/// The highest ease factor an imported schedule may have, in hundredths (10.0): SM-2
/// only ever adds 0.1 a review, so more is no schedule a scheduler made.
const MAX_IMPORTED_EASE: u32 = 1000;

/// Why an imported schedule cannot be a card's, if it cannot: what either scheduler
/// could not go on from.
fn schedule_refusal(schedule: &Schedule) -> Option<String> {
    if !(MIN_EASE..=MAX_IMPORTED_EASE).contains(&schedule.ease) {
        return Some(format!(
            "the ease factor {:.2} is not between {:.1} and {:.0}",
            f64::from(schedule.ease) / 100.0,
            f64::from(MIN_EASE) / 100.0,
            f64::from(MAX_IMPORTED_EASE) / 100.0
        ));
    }
    if schedule.interval_days > MAX_INTERVAL_DAYS {
        return Some(format!(
            "the interval of {} days is more than {MAX_INTERVAL_DAYS}",
            schedule.interval_days
        ));
    }
    match (schedule.stability, schedule.difficulty) {
        (None, None) => None,
        (Some(stability), Some(difficulty)) => {
            if !(stability.is_finite() && stability > 0.0) {
                Some("the stability must be a positive number of days".into())
            } else if !(1.0..=10.0).contains(&difficulty) {
                Some("the difficulty must be between 1 and 10".into())
            } else {
                None
            }
        }
        _ => Some("stability and difficulty come together".into()),
    }
}

/// Checks the media files: valid names, each once, each within the size limit.
fn check_media(media: &[ImportMedia]) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, file) in media.iter().enumerate() {
        let field = format!("media.{i}");
        if !media_name_is_valid(&file.name) {
            return Err(Error::invalid(
                field,
                "invalid_name",
                format!(
                    "{:?} is not a file name (one path component, no control characters)",
                    file.name
                ),
            ));
        }
        if !seen.insert(file.name.as_str()) {
            return Err(Error::invalid(
                field,
                "duplicate",
                format!("{:?} appears twice", file.name),
            ));
        }
        if file.bytes.len() > MAX_MEDIA_FILE_BYTES {
            return Err(Error::invalid(
                field,
                "too_large",
                format!("{:?} is larger than {MAX_MEDIA_FILE_BYTES} bytes", file.name),
            ));
        }
    }
    Ok(())
}

impl FlashcardService {
    /// Imports a deck: creates it (for a course the actor manages, or private) with every
    /// note that fits, its media files and the actor's schedules, in one atomic write.
    /// Notes that do not fit are skipped and reported; a file with nothing to import, or
    /// a bad media file, is refused and nothing is stored.
    pub async fn import_deck(&self, actor: &Actor, import: DeckImport) -> Result<ImportOutcome> {
        if import.notes.len() > MAX_IMPORT_NOTES {
            return Err(Error::invalid(
                "notes",
                "too_many",
                format!("at most {MAX_IMPORT_NOTES} notes per import"),
            ));
        }
        check_media(&import.media)?;
        let mut deck = self.new_deck(actor, import.deck).await?;
        let now = self.deps.clock.now();
        let owner = deck.course_id.is_none().then_some(deck.created_by);
        let mut cards = UnitOfWork::default();
        let mut passed_cards = 0u32;
        let mut studied = false;
        let mut skipped = Vec::new();
        let mut guids = HashSet::new();
        let media_names: HashSet<&str> = import.media.iter().map(|m| m.name.as_str()).collect();
        for note in import.notes {
            let reason = refusal(&note).or_else(|| {
                let guid = note.guid.as_deref()?;
                (!guids.insert(guid.to_owned())).then(|| format!("guid {guid} appears twice"))
            });
            if let Some(reason) = reason {
                skipped.push(Skipped {
                    source: note.source,
                    reason,
                });
                continue;
            }
            let mut media: Vec<String> = Vec::new();
            for field in &note.fields {
                for name in media_references(&field.value) {
                    if media_names.contains(name.as_str()) && !media.contains(&name) {
                        media.push(name);
                    }
                }
            }
            let card = Card {
                id: CardId::new(),
                version: 1,
                deck_id: deck.id,
                owner,
                guid: note.guid,
                note_type: if note.note_type.trim().is_empty() {
                    "Basic".to_owned()
                } else {
                    note.note_type
                },
                fields: note.fields,
                tags: note.tags,
                media,
                position: deck.next_position,
                created_at: now,
            };
            deck.next_position += 1;
            deck.card_count += 1;
            cards.insert(&card).map_err(store_error(Entity::Card, card.id))?;
            if let Some(schedule) = note.schedule {
                let state = imported_state(actor, &deck, card.id, schedule);
                studied = true;
                passed_cards += u32::from(state.passed);
                cards.insert(&state).map_err(store_error(Entity::Card, card.id))?;
            }
        }
        if deck.card_count == 0 {
            let first = skipped
                .first()
                .map_or(String::new(), |s| format!(" ({}: {})", s.source, s.reason));
            return Err(Error::Validation(vec![FieldError::new(
                "file",
                "no_notes",
                format!("the file has no note that can be imported{first}"),
            )]));
        }
        deck.note_types = import.note_types;
        let mut unit = UnitOfWork::default();
        unit.insert(&deck).map_err(store_error(Entity::Deck, deck.id))?;
        unit.writes.append(&mut cards.writes);
        if studied {
            unit.insert(&DeckProgress {
                id: Uuid::now_v7(),
                version: 1,
                user_id: actor.user_id,
                deck_id: deck.id,
                next_new_position: i64::MIN,
                day: now.date_naive(),
                new_today: 0,
                passed_cards,
            })
            .map_err(store_error(Entity::Deck, deck.id))?;
        }
        let media_imported = import.media.len() as u32;
        for file in import.media {
            unit.insert(&DeckMedia {
                id: Uuid::now_v7(),
                version: 1,
                deck_id: deck.id,
                owner,
                name: file.name,
                bytes: file.bytes,
            })
            .map_err(store_error(Entity::Deck, deck.id))?;
        }
        self.deps
            .records
            .write(&unit)
            .await
            .map_err(store_error(Entity::Deck, deck.id))?;
        Ok(ImportOutcome {
            cards_imported: deck.card_count,
            media_imported,
            deck,
            skipped,
        })
    }

    /// The whole deck for export, with the actor's schedules of its cards.
    pub async fn export_deck(&self, actor: &Actor, deck_id: DeckId) -> Result<DeckExport> {
        let deck = self.deck(actor, deck_id).await?;
        let mut cards = Vec::with_capacity(deck.card_count as usize);
        let mut from = Bound::Unbounded;
        loop {
            let page = self.cards_from(deck_id, from, EXPORT_PAGE).await?;
            let Some(last) = page.last() else { break };
            from = Bound::Excluded(last.position);
            let full = page.len() as u32 == EXPORT_PAGE;
            cards.extend(page);
            if !full {
                break;
            }
        }
        let mut schedules = Vec::new();
        let mut after = None;
        loop {
            let (states, next) = self
                .due_states(actor.user_id, deck_id, DateTime::<Utc>::MAX_UTC, EXPORT_PAGE, after)
                .await?;
            schedules.extend(states.into_iter().map(|s| (s.card_id, s.schedule)));
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let media = self.media_of(deck_id).await?;
        Ok(DeckExport {
            deck,
            cards,
            schedules,
            media,
        })
    }

    /// A media file of a deck the actor may study.
    pub async fn media(&self, actor: &Actor, deck_id: DeckId, name: &str) -> Result<DeckMedia> {
        self.deck(actor, deck_id).await?;
        self.deps
            .records
            .get_unique::<DeckMedia>("deck_name", (deck_id.as_uuid(), name))
            .await
            .map_err(store_error(Entity::Deck, deck_id))?
            .ok_or_else(|| Error::not_found(Entity::Media, name))
    }

    async fn media_of(&self, deck_id: DeckId) -> Result<Vec<DeckMedia>> {
        let key = |name: &str| IndexValue::from((deck_id.as_uuid(), name));
        let mut media = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .deps
                .records
                .range::<DeckMedia>(
                    Range::all("deck", 100)
                        .between(Bound::Included(key("")), Bound::Included(key("\u{10ffff}")))
                        .after(after),
                )
                .await
                .map_err(store_error(Entity::Deck, deck_id))?;
            media.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(media),
            }
        }
    }
}

/// The importer's state of an imported card: the schedule the file carries; a card
/// reviewed successfully before counts as passed.
fn imported_state(actor: &Actor, deck: &Deck, card_id: CardId, schedule: Schedule) -> CardState {
    CardState {
        id: Uuid::now_v7(),
        version: 1,
        user_id: actor.user_id,
        deck_id: deck.id,
        card_id,
        passed: schedule.repetitions > 0,
        reviews: 0,
        schedule,
    }
}
