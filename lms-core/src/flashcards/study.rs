//! What a learner's study stores: each card's schedule, the deck's progress through new
//! cards, and the log of every review (enough to replay or recompute a schedule).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::schedule::{Answer, Schedule, SchedulerKind};
use crate::ids::{CardId, DeckId, UserId};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// A learner's schedule of one card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardState {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The learner.
    pub user_id: UserId,
    /// The deck.
    pub deck_id: DeckId,
    /// The card.
    pub card_id: CardId,
    /// The schedule.
    pub schedule: Schedule,
    /// Reviews so far.
    pub reviews: u32,
    /// Whether any answer passed (a flashcard lesson completes when every card has one).
    pub passed: bool,
}

impl Record for CardState {
    const KIND: RecordKind = RecordKind {
        name: "card_state",
        keys: &[
            KeySpec::unique("user_card"),
            KeySpec::ordered("user_deck_due"),
            // Only the states of cards being learnt again, so the due queue finds them
            // first however many reviews fall due before them.
            KeySpec::ordered("user_deck_relearning_due"),
        ],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.user_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("user_card", (self.user_id, self.card_id.as_uuid()));
        index.set(
            "user_deck_due",
            (self.user_id, self.deck_id.as_uuid(), self.schedule.due_at),
        );
        if self.schedule.relearning() {
            index.set(
                "user_deck_relearning_due",
                (self.user_id, self.deck_id.as_uuid(), self.schedule.due_at),
            );
        }
    }
}

/// A learner's progress through a deck's new cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeckProgress {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The learner.
    pub user_id: UserId,
    /// The deck.
    pub deck_id: DeckId,
    /// Position of the next card never studied.
    pub next_new_position: i64,
    /// The day `new_today` counts (UTC).
    pub day: NaiveDate,
    /// New cards started on `day`.
    pub new_today: u32,
    /// Cards with at least one passing answer (a flashcard lesson completes when this
    /// reaches the deck's card count).
    #[serde(default)]
    pub passed_cards: u32,
}

impl Record for DeckProgress {
    const KIND: RecordKind = RecordKind {
        name: "deck_progress",
        keys: &[KeySpec::unique("user_deck")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.user_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("user_deck", (self.user_id, self.deck_id.as_uuid()));
    }
}

/// One review, as answered and as scheduled.
///
/// Indexed by `(learner, card, time)` (a card's history), `(learner, deck, time)` (a
/// learner's statistics) and `(deck, time)`: every learner's reviews of a deck in time
/// order, which its FSRS parameters are optimized from
/// ([`super::FlashcardService::optimize_deck`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewLog {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The learner.
    pub user_id: UserId,
    /// The deck.
    pub deck_id: DeckId,
    /// The card.
    pub card_id: CardId,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// The answer.
    pub answer: Answer,
    /// The scheduler that scheduled it.
    pub scheduler: SchedulerKind,
    /// Whether it passed under that scheduler.
    pub passed: bool,
    /// The schedule before.
    pub before: Schedule,
    /// The schedule after.
    pub after: Schedule,
}

impl Record for ReviewLog {
    const KIND: RecordKind = RecordKind {
        name: "review_log",
        keys: &[
            KeySpec::ordered("user_card_time"),
            KeySpec::ordered("user_deck_time"),
            KeySpec::ordered("deck_time"),
        ],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.user_id)
    }

    fn index(&self, index: &mut Index) {
        index.set(
            "user_card_time",
            (self.user_id, self.card_id.as_uuid(), self.reviewed_at),
        );
        index.set(
            "user_deck_time",
            (self.user_id, self.deck_id.as_uuid(), self.reviewed_at),
        );
        index.set("deck_time", (self.deck_id.as_uuid(), self.reviewed_at));
    }
}
