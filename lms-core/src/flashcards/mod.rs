//! Flashcards with spaced repetition (C2, C8): decks of cards, each learner's schedule of
//! each card, the due queue, reviews scheduled by SM-2 or FSRS, and statistics.
//!
//! Decks, cards, card states, review logs and each learner's progress through a deck's
//! new cards are records ([`crate::records`]); the due queue is a range scan of a
//! learner's card states by `(learner, deck, due time)`, so its cost does not depend on
//! how many other learners or decks there are. A course's deck is the course's content
//! (its instructors author it, its learners with access study it); a private deck, its
//! cards and every learner's study data belong to their user (export, erasure).

pub mod deck;
pub mod media;
mod optimize;
pub mod schedule;
mod service;
pub mod study;
mod transfer;

pub use deck::{Card, Deck, Field, NoteType, Template};
pub use media::DeckMedia;
pub use optimize::{Optimization, MIN_OPTIMIZATION_REVIEWS};
pub use schedule::{Answer, Fsrs, Rating, Schedule, Scheduler, SchedulerKind, Sm2};
pub use service::{
    DeckChanges, DeckStats, DueCard, FlashcardService, NewCard, NewDeck, ReviewOutcome, StudyState, MAX_DUE,
};
pub use study::{CardState, DeckProgress, ReviewLog};
pub use transfer::{DeckExport, DeckImport, ImportMedia, ImportNote, ImportOutcome, Skipped, MAX_IMPORT_NOTES};
