//! The flashcard use cases: decks, cards, the due queue, reviews and statistics.

use std::ops::Bound;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use uuid::Uuid;

use super::deck::{Card, Deck, Field, DEFAULT_NEW_PER_DAY, MAX_NEW_PER_DAY};
use super::schedule::{Answer, Fsrs, Schedule, Scheduler, SchedulerKind, Sm2, DEFAULT_RETENTION};
use super::study::{CardState, DeckProgress, ReviewLog};
use crate::analytics::{deck_analytics, DeckAnalytics};
use crate::domain::events::EventPayload;
use crate::domain::text::{CardTag, CardText, Title};
use crate::error::{Entity, Error, Result, Validator};
use crate::ids::{CardId, CourseId, DeckId, UserId};
use crate::ports::{RangeCursor, RangeQuery, StoreError, UnitOfWork};
use crate::records::{IndexValue, Range};
use crate::services::catalog::load_course;
use crate::services::{retry_on_conflict, Actor, Deps, LearningService};

/// Most cards one due-queue read returns.
pub const MAX_DUE: u32 = 200;
/// Most tags on a card.
pub(super) const MAX_TAGS: usize = 32;
/// Records read per page when counting for statistics.
const COUNT_PAGE: u32 = 1000;

/// A new deck.
#[derive(Debug, Clone, Default)]
pub struct NewDeck {
    /// The title.
    pub title: String,
    /// The course it belongs to (its instructors author it); none for a private deck.
    pub course_id: Option<CourseId>,
    /// The scheduler.
    pub scheduler: SchedulerKind,
    /// FSRS's desired retention (default 0.9).
    pub desired_retention: Option<f32>,
    /// New cards per learner and day (default 20).
    pub new_per_day: Option<u32>,
}

/// Changes to a deck's settings ([`FlashcardService::update_deck`]); `None` leaves a
/// setting as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeckChanges {
    /// A new title.
    pub title: Option<String>,
    /// Another scheduler; learners keep their progress.
    pub scheduler: Option<SchedulerKind>,
    /// FSRS's desired retention, 0.7–0.99.
    pub desired_retention: Option<f32>,
    /// New cards per learner and day, at most [`MAX_NEW_PER_DAY`].
    pub new_per_day: Option<u32>,
}

impl DeckChanges {
    /// The changes with the title as it is stored (trimmed by [`Title::parse`]), if every
    /// setting given is valid; else all the invalid ones in one validation error. The one
    /// place a deck's settings are checked: a new deck's go through it too.
    fn checked(self) -> Result<Self> {
        let mut v = Validator::new();
        let title = self
            .title
            .as_deref()
            .and_then(|t| v.field("title", Title::parse(t)))
            .map(|t| t.as_str().to_owned());
        if self.desired_retention.is_some_and(|r| !(0.7..=0.99).contains(&r)) {
            v.push(crate::FieldError::new(
                "desired_retention",
                "out_of_range",
                "must be between 0.7 and 0.99",
            ));
        }
        if self.new_per_day.is_some_and(|n| n > MAX_NEW_PER_DAY) {
            v.push(crate::FieldError::new(
                "new_per_day",
                "out_of_range",
                format!("must be at most {MAX_NEW_PER_DAY}"),
            ));
        }
        v.finish()?;
        Ok(Self { title, ..self })
    }

    /// Sets every setting given on `deck`.
    fn apply(self, deck: &mut Deck) {
        if let Some(title) = self.title {
            deck.title = title;
        }
        if let Some(scheduler) = self.scheduler {
            deck.scheduler = scheduler;
        }
        if let Some(desired_retention) = self.desired_retention {
            deck.desired_retention = desired_retention;
        }
        if let Some(new_per_day) = self.new_per_day {
            deck.new_per_day = new_per_day;
        }
    }
}

/// A new card: its front and back, and tags.
#[derive(Debug, Clone, Default)]
pub struct NewCard {
    /// The front.
    pub front: String,
    /// The back.
    pub back: String,
    /// Tags.
    pub tags: Vec<String>,
}

/// Where a card stands for a learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyState {
    /// Never studied.
    New,
    /// Its last answer failed: being learnt again.
    Learning,
    /// Learnt, due for review.
    Review,
}

impl StudyState {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            StudyState::New => "new",
            StudyState::Learning => "learning",
            StudyState::Review => "review",
        }
    }
}

/// A card of the due queue.
#[derive(Debug, Clone, PartialEq)]
pub struct DueCard {
    /// The card.
    pub card: Card,
    /// Where it stands.
    pub state: StudyState,
    /// When it became due (new cards: now).
    pub due_at: DateTime<Utc>,
}

/// What a review decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewOutcome {
    /// The card.
    pub card_id: CardId,
    /// The schedule after the review.
    pub schedule: Schedule,
    /// Whether the answer passed.
    pub passed: bool,
    /// Whether this review completed a flashcard lesson of the deck's course: every card
    /// of the deck now has a passing answer.
    pub lesson_completed: bool,
}

/// A learner's statistics of a deck.
#[derive(Debug, Clone, PartialEq)]
pub struct DeckStats {
    /// Cards in the deck.
    pub cards: u32,
    /// Cards studied at least once.
    pub studied: u64,
    /// Studied cards due by the end of today (UTC).
    pub due_today: u64,
    /// New cards that may still be started today.
    pub new_available_today: u32,
    /// Reviews made today.
    pub reviewed_today: u64,
    /// Share of passing answers among the reviews of already studied cards in the last 30
    /// days, in percent; `None` without such reviews.
    pub retention_30_days: Option<f64>,
}

/// Decks, cards and study.
#[derive(Debug, Clone)]
pub struct FlashcardService {
    pub(super) deps: Deps,
    learning: LearningService,
}

pub(super) fn store_error(entity: Entity, id: impl std::fmt::Display) -> impl FnOnce(StoreError) -> Error {
    move |e| e.about(entity, id)
}

fn start_of_day(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.from_utc_datetime(&at.date_naive().and_time(NaiveTime::MIN))
}

impl FlashcardService {
    pub(crate) fn new(deps: Deps, learning: LearningService) -> Self {
        Self { deps, learning }
    }

    /// Creates a deck: for a course the actor manages, or a private one.
    pub async fn create_deck(&self, actor: &Actor, new: NewDeck) -> Result<Deck> {
        let deck = self.new_deck(actor, new).await?;
        self.deps
            .records
            .insert(&deck, &[])
            .await
            .map_err(store_error(Entity::Deck, deck.id))?;
        Ok(deck)
    }

    /// A new deck's record, validated, if the actor may create it (not stored).
    pub(super) async fn new_deck(&self, actor: &Actor, new: NewDeck) -> Result<Deck> {
        let desired_retention = new.desired_retention.unwrap_or(DEFAULT_RETENTION);
        let new_per_day = new.new_per_day.unwrap_or(DEFAULT_NEW_PER_DAY);
        let settings = DeckChanges {
            title: Some(new.title),
            desired_retention: Some(desired_retention),
            new_per_day: Some(new_per_day),
            ..DeckChanges::default()
        }
        .checked()?;
        if let Some(course_id) = new.course_id {
            let course = load_course(&self.deps, course_id).await?;
            if !actor.manages(&course) {
                return Err(Error::Forbidden("only the course's instructors add its decks".into()));
            }
        }
        let now = self.deps.clock.now();
        let deck = Deck {
            id: DeckId::new(),
            version: 1,
            title: settings.title.expect("validated above"),
            created_by: actor.user_id,
            course_id: new.course_id,
            scheduler: new.scheduler,
            desired_retention,
            fsrs_parameters: Vec::new(),
            new_per_day,
            card_count: 0,
            next_position: 0,
            note_types: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        Ok(deck)
    }

    /// Changes a deck's title, scheduler, desired retention or daily limit of new cards
    /// (its authors only: a course's instructors, a private deck's owner, admins). The
    /// settings are checked as a new deck's are, every invalid one reported at once; the
    /// deck is stored version-checked (retried when another write got there first), with
    /// `updated_at` set. Changes that change nothing store nothing.
    ///
    /// Switching the scheduler keeps every learner's progress: card states are not
    /// touched, each card keeps its due date and is scheduled by the new scheduler at its
    /// next review. A card SM-2 scheduled enters FSRS with the memory state FSRS estimates
    /// from its ease and interval; a card FSRS scheduled enters SM-2 with its repetitions,
    /// interval and ease (FSRS keeps the first two up to date and leaves the ease as SM-2
    /// last set it). The deck's FSRS parameters are not a setting: [`Self::optimize_deck`]
    /// fits them to the deck's reviews.
    ///
    /// # Errors
    ///
    /// A validation error (422) listing every invalid setting; `Forbidden` for a learner
    /// who studies the deck; `DECK_NOT_FOUND` for anyone else.
    pub async fn update_deck(&self, actor: &Actor, id: DeckId, changes: DeckChanges) -> Result<Deck> {
        let changes = changes.checked()?;
        let deck = self.deck(actor, id).await?;
        if !self.may_author(actor, &deck).await? {
            return Err(Error::Forbidden("only the deck's authors change it".into()));
        }
        retry_on_conflict(|| async {
            let stored = self.load_deck(id).await?;
            let mut deck = stored.clone();
            changes.clone().apply(&mut deck);
            if deck == stored {
                return Ok(stored);
            }
            deck.version += 1;
            deck.updated_at = self.deps.clock.now();
            self.deps
                .records
                .update(&deck, stored.version, &[])
                .await
                .map_err(store_error(Entity::Deck, id))?;
            Ok(deck)
        })
        .await
    }

    pub(super) async fn load_deck(&self, id: DeckId) -> Result<Deck> {
        self.deps
            .records
            .get::<Deck>(id)
            .await
            .map_err(store_error(Entity::Deck, id))?
            .ok_or_else(|| Error::not_found(Entity::Deck, id))
    }

    /// Whether the actor may change the deck: its course's instructors, a private deck's
    /// owner, admins.
    pub(super) async fn may_author(&self, actor: &Actor, deck: &Deck) -> Result<bool> {
        if actor.is_admin() {
            return Ok(true);
        }
        match deck.course_id {
            Some(course_id) => Ok(actor.manages(&*load_course(&self.deps, course_id).await?)),
            None => Ok(deck.created_by == actor.user_id),
        }
    }

    /// The deck's reviews by every learner and its retention (A1): for its authors.
    pub async fn analytics(&self, actor: &Actor, id: DeckId) -> Result<DeckAnalytics> {
        let deck = self.deck(actor, id).await?;
        if !self.may_author(actor, &deck).await? {
            return Err(Error::Forbidden("only the deck's authors see its analytics".into()));
        }
        deck_analytics(&self.deps, &deck).await
    }

    /// The deck, if the actor may study it (authors, and a course's learners with access);
    /// others get `DECK_NOT_FOUND`.
    pub async fn deck(&self, actor: &Actor, id: DeckId) -> Result<Deck> {
        let deck = self.load_deck(id).await?;
        if self.may_author(actor, &deck).await? {
            return Ok(deck);
        }
        if let Some(course_id) = deck.course_id {
            if self.learning.has_access(actor.user_id, course_id).await? {
                return Ok(deck);
            }
        }
        Err(Error::not_found(Entity::Deck, id))
    }

    /// Adds a card at the end of the deck (authors only).
    pub async fn add_card(&self, actor: &Actor, deck_id: DeckId, new: NewCard) -> Result<Card> {
        let mut v = Validator::new();
        let front = v.field("front", CardText::parse(&new.front));
        let back = v.field("back", CardText::parse(&new.back));
        if new.tags.len() > MAX_TAGS {
            v.push(crate::FieldError::new(
                "tags",
                "too_many",
                format!("at most {MAX_TAGS} tags"),
            ));
        }
        let tags: Vec<String> = new
            .tags
            .iter()
            .enumerate()
            .filter_map(|(i, t)| v.field(&format!("tags.{i}"), CardTag::parse(t)))
            .map(|t| t.as_str().to_owned())
            .collect();
        v.finish()?;
        let fields = vec![
            Field {
                name: "Front".to_owned(),
                value: front.expect("validated above").as_str().to_owned(),
            },
            Field {
                name: "Back".to_owned(),
                value: back.expect("validated above").as_str().to_owned(),
            },
        ];
        let deck = self.deck(actor, deck_id).await?;
        if !self.may_author(actor, &deck).await? {
            return Err(Error::Forbidden("only the deck's authors add cards".into()));
        }
        retry_on_conflict(|| async {
            let mut deck = self.load_deck(deck_id).await?;
            let now = self.deps.clock.now();
            let card = Card {
                id: CardId::new(),
                version: 1,
                deck_id,
                owner: deck.course_id.is_none().then_some(deck.created_by),
                guid: None,
                note_type: "Basic".to_owned(),
                fields: fields.clone(),
                tags: tags.clone(),
                media: Vec::new(),
                position: deck.next_position,
                created_at: now,
            };
            let expected = deck.version;
            deck.version += 1;
            deck.card_count += 1;
            deck.next_position += 1;
            deck.updated_at = now;
            let mut unit = UnitOfWork::default();
            unit.insert(&card)
                .and_then(|u| u.update(&deck, expected))
                .map_err(store_error(Entity::Card, card.id))?;
            self.deps
                .records
                .write(&unit)
                .await
                .map_err(store_error(Entity::Deck, deck_id))?;
            Ok(card)
        })
        .await
    }

    /// The deck's cards in study order, `limit` (1–1000) after the position `after`.
    pub async fn cards(&self, actor: &Actor, deck_id: DeckId, after: Option<i64>, limit: u32) -> Result<Vec<Card>> {
        self.deck(actor, deck_id).await?;
        self.cards_from(deck_id, after.map_or(Bound::Unbounded, Bound::Excluded), limit)
            .await
    }

    pub(super) async fn cards_from(&self, deck_id: DeckId, from: Bound<i64>, limit: u32) -> Result<Vec<Card>> {
        let at = |p: i64| IndexValue::from((deck_id.as_uuid(), p));
        let lower = match from {
            Bound::Included(p) => Bound::Included(at(p)),
            Bound::Excluded(p) => Bound::Excluded(at(p)),
            Bound::Unbounded => Bound::Included(at(i64::MIN)),
        };
        let page = self
            .deps
            .records
            .range::<Card>(
                Range::all("deck_position", limit.clamp(1, RangeQuery::MAX_LIMIT))
                    .between(lower, Bound::Included(at(i64::MAX))),
            )
            .await
            .map_err(store_error(Entity::Deck, deck_id))?;
        Ok(page.items)
    }

    async fn load_card(&self, id: CardId) -> Result<Card> {
        self.deps
            .records
            .get::<Card>(id)
            .await
            .map_err(store_error(Entity::Card, id))?
            .ok_or_else(|| Error::not_found(Entity::Card, id))
    }

    async fn card_state(&self, user_id: UserId, card_id: CardId) -> Result<Option<CardState>> {
        self.deps
            .records
            .get_unique::<CardState>("user_card", (user_id, card_id.as_uuid()))
            .await
            .map_err(store_error(Entity::Card, card_id))
    }

    async fn progress(&self, user_id: UserId, deck_id: DeckId) -> Result<Option<DeckProgress>> {
        self.deps
            .records
            .get_unique::<DeckProgress>("user_deck", (user_id, deck_id.as_uuid()))
            .await
            .map_err(store_error(Entity::Deck, deck_id))
    }

    /// New cards the learner may still start today.
    fn new_allowance(deck: &Deck, progress: Option<&DeckProgress>, now: DateTime<Utc>) -> u32 {
        let started = progress
            .filter(|p| p.day == now.date_naive())
            .map_or(0, |p| p.new_today);
        deck.new_per_day.saturating_sub(started)
    }

    /// The states of the learner's studied cards of the deck due by `until`, earliest
    /// first: a range scan of `(learner, deck, due time)`.
    pub(super) async fn due_states(
        &self,
        user_id: UserId,
        deck_id: DeckId,
        until: DateTime<Utc>,
        limit: u32,
        after: Option<RangeCursor>,
    ) -> Result<(Vec<CardState>, Option<RangeCursor>)> {
        self.states_due_by("user_deck_due", user_id, deck_id, until, limit, after)
            .await
    }

    /// A page of a `(learner, deck, due time)` key of card states up to `until`.
    async fn states_due_by(
        &self,
        key_name: &'static str,
        user_id: UserId,
        deck_id: DeckId,
        until: DateTime<Utc>,
        limit: u32,
        after: Option<RangeCursor>,
    ) -> Result<(Vec<CardState>, Option<RangeCursor>)> {
        let key = |at: DateTime<Utc>| IndexValue::from((user_id, deck_id.as_uuid(), at));
        let page = self
            .deps
            .records
            .range::<CardState>(
                Range::all(key_name, limit)
                    .between(
                        Bound::Included(key(DateTime::<Utc>::UNIX_EPOCH)),
                        Bound::Included(key(until)),
                    )
                    .after(after),
            )
            .await
            .map_err(store_error(Entity::Deck, deck_id))?;
        Ok((page.items, page.next))
    }

    /// The cards to study now, in study order: cards being learnt again first, then cards
    /// due for review (earliest due first), then new cards within the deck's daily limit.
    pub async fn due(&self, actor: &Actor, deck_id: DeckId, limit: u32) -> Result<Vec<DueCard>> {
        let deck = self.deck(actor, deck_id).await?;
        let limit = limit.clamp(1, MAX_DUE);
        let now = self.deps.clock.now();
        let (mut states, _) = self
            .states_due_by("user_deck_relearning_due", actor.user_id, deck_id, now, limit, None)
            .await?;
        // Reviews fill the rest; the relearning cards among them were taken above.
        let mut after = None;
        while states.len() < limit as usize {
            let (page, next) = self.due_states(actor.user_id, deck_id, now, limit, after).await?;
            let room = limit as usize - states.len();
            states.extend(page.into_iter().filter(|s| !s.schedule.relearning()).take(room));
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let mut due = Vec::with_capacity(limit as usize);
        for state in states {
            let card = self.load_card(state.card_id).await?;
            let kind = if state.schedule.relearning() {
                StudyState::Learning
            } else {
                StudyState::Review
            };
            due.push(DueCard {
                card,
                state: kind,
                due_at: state.schedule.due_at,
            });
        }
        let progress = self.progress(actor.user_id, deck_id).await?;
        let wanted = (limit as usize - due.len()).min(Self::new_allowance(&deck, progress.as_ref(), now) as usize);
        let mut from = progress.map_or(i64::MIN, |p| p.next_new_position);
        let mut added = 0;
        while added < wanted {
            let candidates = self
                .cards_from(deck_id, Bound::Included(from), (wanted - added) as u32 + 8)
                .await?;
            let Some(last) = candidates.last() else { break };
            from = last.position + 1;
            for card in candidates {
                // A card reviewed out of order (by its id) is not new any more.
                if added < wanted && self.card_state(actor.user_id, card.id).await?.is_none() {
                    due.push(DueCard {
                        card,
                        state: StudyState::New,
                        due_at: now,
                    });
                    added += 1;
                }
            }
        }
        Ok(due)
    }

    /// Records an answer to a card: its next schedule by the deck's scheduler, the review
    /// in the log, and a new card's start in the deck's daily count, in one write.
    pub async fn review(&self, actor: &Actor, card_id: CardId, answer: Answer) -> Result<ReviewOutcome> {
        self.review_timed(actor, card_id, answer, None).await
    }

    /// [`Self::review`], with how long the learner took to answer as their client measured
    /// it: the review's study time in the analytics (A1), a minute at most.
    pub async fn review_timed(
        &self,
        actor: &Actor,
        card_id: CardId,
        answer: Answer,
        duration_ms: Option<u32>,
    ) -> Result<ReviewOutcome> {
        let card = self.load_card(card_id).await?;
        let deck = self.deck(actor, card.deck_id).await?;
        let scheduler: Box<dyn Scheduler> = match deck.scheduler {
            SchedulerKind::Sm2 => Box::new(Sm2),
            SchedulerKind::Fsrs => Box::new(Fsrs::new(&deck.fsrs_parameters, deck.desired_retention)?),
        };
        let outcome = retry_on_conflict(|| async {
            let now = self.deps.clock.now();
            let existing = self.card_state(actor.user_id, card_id).await?;
            let before = existing
                .as_ref()
                .map_or_else(|| Schedule::new(now), |s| s.schedule.clone());
            let after = scheduler.next(&before, answer, now)?;
            let passed = answer.passes(deck.scheduler);
            let started = existing.is_none();
            let newly_passed = passed && !existing.as_ref().is_some_and(|s| s.passed);
            let mut unit = UnitOfWork::default();
            let state_write = match existing {
                Some(mut state) => {
                    let expected = state.version;
                    state.version += 1;
                    state.schedule = after.clone();
                    state.reviews += 1;
                    state.passed |= passed;
                    unit.update(&state, expected).map(drop)
                }
                None => unit
                    .insert(&CardState {
                        id: Uuid::now_v7(),
                        version: 1,
                        user_id: actor.user_id,
                        deck_id: deck.id,
                        card_id,
                        schedule: after.clone(),
                        reviews: 1,
                        passed,
                    })
                    .map(drop),
            };
            state_write.map_err(store_error(Entity::Card, card_id))?;
            let passed_cards = self
                .update_progress(&mut unit, actor.user_id, &deck, &card, now, started, newly_passed)
                .await?;
            let log = ReviewLog {
                id: Uuid::now_v7(),
                version: 1,
                user_id: actor.user_id,
                deck_id: deck.id,
                card_id,
                reviewed_at: now,
                answer,
                scheduler: deck.scheduler,
                passed,
                before,
                after: after.clone(),
            };
            unit.insert(&log).map_err(store_error(Entity::Card, card_id))?;
            unit.events = self.deps.events([EventPayload::CardReviewed {
                user_id: actor.user_id,
                deck_id: deck.id,
                card_id,
                rating: answer.as_rating(),
                passed,
                recall: log
                    .before
                    .last_reviewed_at
                    .is_some_and(|at| at.date_naive() < now.date_naive()),
                duration_ms,
            }]);
            self.deps.records.write(&unit).await.map_err(|e| match e {
                // Another review of the card was stored first: read it and answer again.
                StoreError::Duplicate(_) => Error::Conflict {
                    entity: Entity::Card,
                    id: card_id.to_string(),
                },
                other => other.about(Entity::Card, card_id),
            })?;
            Ok((
                ReviewOutcome {
                    card_id,
                    schedule: after,
                    passed,
                    lesson_completed: false,
                },
                passed_cards,
            ))
        })
        .await;
        let (mut outcome, passed_cards) = outcome?;
        if let (Some(course_id), true) = (deck.course_id, outcome.passed && passed_cards >= deck.card_count) {
            // The review is stored either way; a lesson not completed now is completed by
            // the learner's next passing review.
            match self.learning.complete_deck_lessons(actor, course_id, deck.id).await {
                Ok(updates) => outcome.lesson_completed = updates.iter().any(|u| u.lesson_completed),
                Err(e) => tracing::warn!(error = %e, deck_id = %deck.id, "a flashcard lesson could not be completed"),
            }
        }
        Ok(outcome)
    }

    /// Updates the learner's progress through the deck in `unit`: a new card's start in the
    /// daily count, a card's first passing answer in the passed count. Returns the cards
    /// passed so far.
    #[allow(clippy::too_many_arguments)]
    async fn update_progress(
        &self,
        unit: &mut UnitOfWork,
        user_id: UserId,
        deck: &Deck,
        card: &Card,
        now: DateTime<Utc>,
        started: bool,
        newly_passed: bool,
    ) -> Result<u32> {
        let today = now.date_naive();
        let existing = self.progress(user_id, deck.id).await?;
        let passed_so_far = existing.as_ref().map_or(0, |p| p.passed_cards);
        if !started && !newly_passed {
            return Ok(passed_so_far);
        }
        let mut progress = existing.clone().unwrap_or_else(|| DeckProgress {
            id: Uuid::now_v7(),
            version: 1,
            user_id,
            deck_id: deck.id,
            next_new_position: i64::MIN,
            day: today,
            new_today: 0,
            passed_cards: 0,
        });
        if started {
            if progress.day != today {
                progress.day = today;
                progress.new_today = 0;
            }
            progress.new_today += 1;
            progress.next_new_position = progress.next_new_position.max(card.position + 1);
        }
        if newly_passed {
            progress.passed_cards += 1;
        }
        let written = match existing {
            Some(stored) => {
                progress.version = stored.version + 1;
                unit.update(&progress, stored.version).map(drop)
            }
            None => unit.insert(&progress).map(drop),
        };
        written.map_err(store_error(Entity::Deck, deck.id))?;
        Ok(progress.passed_cards)
    }

    /// The learner's statistics of the deck.
    pub async fn stats(&self, actor: &Actor, deck_id: DeckId) -> Result<DeckStats> {
        let deck = self.deck(actor, deck_id).await?;
        let now = self.deps.clock.now();
        let today = start_of_day(now);
        let mut due_today = 0;
        let mut after = None;
        loop {
            let (states, next) = self
                .due_states(
                    actor.user_id,
                    deck_id,
                    today + Duration::days(1) - Duration::microseconds(1),
                    COUNT_PAGE,
                    after,
                )
                .await?;
            due_today += states.len() as u64;
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let studied = self.studied(actor.user_id, deck_id).await?;
        let progress = self.progress(actor.user_id, deck_id).await?;
        let never_studied = u64::from(deck.card_count).saturating_sub(studied);
        let new_available_today =
            Self::new_allowance(&deck, progress.as_ref(), now).min(u32::try_from(never_studied).unwrap_or(u32::MAX));
        let mut reviewed_today = 0;
        let (mut passed, mut counted) = (0u64, 0u64);
        let mut after = None;
        loop {
            let key = |at: DateTime<Utc>| IndexValue::from((actor.user_id, deck_id.as_uuid(), at));
            let page = self
                .deps
                .records
                .range::<ReviewLog>(
                    Range::all("user_deck_time", COUNT_PAGE)
                        .between(
                            Bound::Included(key(now - Duration::days(30))),
                            Bound::Included(key(now)),
                        )
                        .after(after),
                )
                .await
                .map_err(store_error(Entity::Deck, deck_id))?;
            for log in &page.items {
                if log.reviewed_at >= today {
                    reviewed_today += 1;
                }
                if log.before.last_reviewed_at.is_some() {
                    counted += 1;
                    passed += u64::from(log.passed);
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(DeckStats {
            cards: deck.card_count,
            studied,
            due_today,
            new_available_today,
            reviewed_today,
            retention_30_days: (counted > 0).then(|| passed as f64 * 100.0 / counted as f64),
        })
    }

    /// How many of the deck's cards the learner has studied.
    async fn studied(&self, user_id: UserId, deck_id: DeckId) -> Result<u64> {
        let mut studied = 0;
        let mut after = None;
        loop {
            let (states, next) = self
                .due_states(user_id, deck_id, DateTime::<Utc>::MAX_UTC, COUNT_PAGE, after)
                .await?;
            studied += states.len() as u64;
            match next {
                Some(next) => after = Some(next),
                None => return Ok(studied),
            }
        }
    }
}
