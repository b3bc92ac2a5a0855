//! Flashcards: decks, cards, the due queue, reviews and statistics.

use chrono::{DateTime, Utc};
use lms_core::flashcards::{
    Answer, Card, Deck, DeckChanges, DeckStats, DueCard, NewCard, NewDeck, Optimization, Rating, ReviewOutcome,
    SchedulerKind,
};
use lms_core::ids::{CardId, CourseId, DeckId};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Union};
use uuid::Uuid;

use super::types::{Line, Prose};
use super::{ApiResult, ApiTags, BearerAuth, State};

/// Flashcards.
#[derive(Debug)]
pub struct FlashcardsApi;

/// A deck's scheduling algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SchedulerName {
    /// SuperMemo 2 (quality 0–5, ease factor ≥ 1.3).
    Sm2,
    /// FSRS, at the deck's desired retention.
    Fsrs,
}

impl From<SchedulerName> for SchedulerKind {
    fn from(s: SchedulerName) -> Self {
        match s {
            SchedulerName::Sm2 => SchedulerKind::Sm2,
            SchedulerName::Fsrs => SchedulerKind::Fsrs,
        }
    }
}

impl From<SchedulerKind> for SchedulerName {
    fn from(s: SchedulerKind) -> Self {
        match s {
            SchedulerKind::Sm2 => SchedulerName::Sm2,
            SchedulerKind::Fsrs => SchedulerName::Fsrs,
        }
    }
}

/// A new deck.
#[derive(Debug, Object)]
pub struct CreateDeckRequest {
    /// The title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Line,
    /// The course it belongs to (its instructors author it, its learners study it); absent
    /// for a private deck.
    pub course_id: Option<Uuid>,
    /// `sm2` (default) or `fsrs`.
    pub scheduler: Option<SchedulerName>,
    /// The recall probability FSRS aims at, 0.7–0.99 (default 0.9).
    #[oai(validator(minimum(value = "0.7"), maximum(value = "0.99")))]
    pub desired_retention: Option<f64>,
    /// New cards per learner and day, 0–9999 (default 20).
    #[oai(validator(maximum(value = "9999")))]
    pub new_per_day: Option<u32>,
}

/// Changes to a deck's settings; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateDeckRequest {
    /// The title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<Line>,
    /// `sm2` or `fsrs`. Every learner keeps their progress: SM-2 schedules become FSRS
    /// memory states on their next review, FSRS schedules keep their SM-2 ease and interval.
    pub scheduler: Option<SchedulerName>,
    /// The recall probability FSRS aims at, 0.7–0.99.
    #[oai(validator(minimum(value = "0.7"), maximum(value = "0.99")))]
    pub desired_retention: Option<f64>,
    /// New cards per learner and day, 0–9999.
    #[oai(validator(maximum(value = "9999")))]
    pub new_per_day: Option<u32>,
}

/// FSRS parameters fitted to a deck's review log.
#[derive(Debug, Object)]
pub struct OptimizationResponse {
    /// The parameters, now the deck's.
    pub parameters: Vec<f32>,
    /// The reviews they were fitted to.
    pub reviews_used: u32,
    /// The review histories (one per learner and card) those reviews make up.
    pub histories: u32,
}

impl From<Optimization> for OptimizationResponse {
    fn from(o: Optimization) -> Self {
        Self {
            parameters: o.parameters,
            reviews_used: o.reviews_used,
            histories: o.cards,
        }
    }
}

/// A deck.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeckResponse {
    /// Identifier.
    pub id: Uuid,
    /// The title.
    pub title: String,
    /// The scheduling algorithm.
    pub scheduler: SchedulerName,
    /// Cards in the deck.
    pub card_count: u32,
    /// The course it belongs to.
    pub course_id: Option<Uuid>,
    /// Who created it.
    pub created_by: Uuid,
    /// FSRS's desired retention.
    pub desired_retention: f32,
    /// New cards per learner and day.
    pub new_per_day: u32,
    /// Whether FSRS uses parameters fitted to the deck's reviews (else the defaults).
    pub fsrs_optimized: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Deck> for DeckResponse {
    fn from(d: Deck) -> Self {
        Self {
            id: d.id.as_uuid(),
            title: d.title,
            scheduler: d.scheduler.into(),
            card_count: d.card_count,
            course_id: d.course_id.map(|c| c.as_uuid()),
            created_by: d.created_by.as_uuid(),
            desired_retention: d.desired_retention,
            new_per_day: d.new_per_day,
            fsrs_optimized: !d.fsrs_parameters.is_empty(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// A new card.
#[derive(Debug, Object)]
pub struct CreateCardRequest {
    /// The front, 1–20,000 characters.
    #[oai(validator(min_length = 1, max_length = 20000))]
    pub front: Prose,
    /// The back, 1–20,000 characters.
    #[oai(validator(min_length = 1, max_length = 20000))]
    pub back: Prose,
    /// Up to 32 tags, each 1–64 characters.
    #[oai(validator(max_items = 32, min_length = 1, max_length = 64))]
    pub tags: Option<Vec<Line>>,
}

/// A named field of a card's note.
#[derive(Debug, Object)]
pub struct CardFieldResponse {
    /// The field's name.
    pub name: String,
    /// Its content.
    pub value: String,
}

/// A card.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CardResponse {
    /// Identifier.
    pub id: Uuid,
    /// The deck.
    pub deck_id: Uuid,
    /// Anki's id of the card's note, for cards imported from Anki (kept so that Anki
    /// recognises the note when the deck goes back to it).
    pub guid: Option<String>,
    /// The first field.
    pub front: String,
    /// The second field.
    pub back: String,
    /// Every field of the note, in order.
    pub fields: Vec<CardFieldResponse>,
    /// The note type.
    pub note_type: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Study order within the deck; pass the last one as `after` for the next page.
    pub position: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Card> for CardResponse {
    fn from(c: Card) -> Self {
        Self {
            id: c.id.as_uuid(),
            deck_id: c.deck_id.as_uuid(),
            guid: c.guid.clone(),
            front: c.front().to_owned(),
            back: c.back().to_owned(),
            note_type: c.note_type,
            fields: c
                .fields
                .into_iter()
                .map(|f| CardFieldResponse {
                    name: f.name,
                    value: f.value,
                })
                .collect(),
            tags: c.tags,
            position: c.position,
            created_at: c.created_at,
        }
    }
}

/// A page of cards.
#[derive(Debug, Object)]
pub struct CardPage {
    /// The cards, in study order.
    pub items: Vec<CardResponse>,
}

/// Where a card stands for the learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StudyStateName {
    /// Never studied.
    New,
    /// Its last answer failed.
    Learning,
    /// Due for review.
    Review,
}

/// A card to study now.
#[derive(Debug, Object)]
pub struct DueCardResponse {
    /// The card.
    pub card_id: Uuid,
    /// Its front.
    pub front: String,
    /// Its back.
    pub back: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Where it stands.
    pub state: StudyStateName,
    /// Since when it is due.
    pub due_at: DateTime<Utc>,
}

impl From<DueCard> for DueCardResponse {
    fn from(d: DueCard) -> Self {
        use lms_core::flashcards::StudyState as S;
        Self {
            card_id: d.card.id.as_uuid(),
            front: d.card.front().to_owned(),
            back: d.card.back().to_owned(),
            state: match d.state {
                S::New => StudyStateName::New,
                S::Learning => StudyStateName::Learning,
                S::Review => StudyStateName::Review,
            },
            tags: d.card.tags,
            due_at: d.due_at,
        }
    }
}

/// The due queue.
#[derive(Debug, Object)]
pub struct DueResponse {
    /// Cards being learnt again first, then cards due for review (earliest first), then
    /// new cards within the deck's daily limit.
    pub cards: Vec<DueCardResponse>,
}

/// A rating of a recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RatingName {
    /// Forgotten.
    Again,
    /// Recalled with serious difficulty.
    Hard,
    /// Recalled.
    Good,
    /// Recalled easily.
    Easy,
}

/// An SM-2 quality answer.
#[derive(Debug, Object)]
pub struct QualityAnswer {
    /// 0–2 failed, 3 hard, 4 good, 5 easy.
    #[oai(validator(maximum(value = "5")))]
    pub quality: u8,
    /// How long the learner took to answer, in milliseconds, as the client measured it:
    /// the review's study time in the analytics (a minute at most is counted).
    #[oai(validator(maximum(value = "86400000")))]
    pub duration_ms: Option<u32>,
}

/// A rating answer.
#[derive(Debug, Object)]
pub struct RatingAnswer {
    /// `again`, `hard`, `good` or `easy`.
    pub rating: RatingName,
    /// How long the learner took to answer, in milliseconds, as the client measured it:
    /// the review's study time in the analytics (a minute at most is counted).
    #[oai(validator(maximum(value = "86400000")))]
    pub duration_ms: Option<u32>,
}

/// A review: a quality or a rating; either scheduler takes either.
#[derive(Debug, Union)]
pub enum ReviewRequest {
    /// By quality.
    Quality(QualityAnswer),
    /// By rating.
    Rating(RatingAnswer),
}

/// The schedule a review gave.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReviewResponse {
    /// The card.
    pub card_id: Uuid,
    /// When it is due next.
    pub due_at: DateTime<Utc>,
    /// The interval until then, in days.
    pub interval_days: u32,
    /// Whether the answer passed (SM-2 quality ≥ 3; FSRS good or easy).
    pub passed: bool,
    /// SM-2 successful reviews in a row.
    pub repetitions: u32,
    /// SM-2 ease factor (≥ 1.3).
    pub ease_factor: f64,
    /// FSRS memory stability.
    pub stability: Option<f32>,
    /// FSRS memory difficulty.
    pub difficulty: Option<f32>,
    /// Whether this review completed the course's flashcard lesson of the deck (every card
    /// has now had a passing answer), which unlocks the lessons after it.
    pub lesson_completed: bool,
}

impl From<ReviewOutcome> for ReviewResponse {
    fn from(r: ReviewOutcome) -> Self {
        Self {
            card_id: r.card_id.as_uuid(),
            due_at: r.schedule.due_at,
            interval_days: r.schedule.interval_days,
            passed: r.passed,
            repetitions: r.schedule.repetitions,
            ease_factor: f64::from(r.schedule.ease) / 100.0,
            stability: r.schedule.stability,
            difficulty: r.schedule.difficulty,
            lesson_completed: r.lesson_completed,
        }
    }
}

/// A learner's statistics of a deck.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeckStatsResponse {
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
    /// Passing answers among reviews of studied cards in the last 30 days, in percent.
    pub retention_30_days: Option<f64>,
}

impl From<DeckStats> for DeckStatsResponse {
    fn from(s: DeckStats) -> Self {
        Self {
            cards: s.cards,
            studied: s.studied,
            due_today: s.due_today,
            new_available_today: s.new_available_today,
            reviewed_today: s.reviewed_today,
            retention_30_days: s.retention_30_days,
        }
    }
}

#[derive(ApiResponse)]
enum DeckCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<DeckResponse>),
}

#[derive(ApiResponse)]
enum CardCreated {
    /// Added at the end of the deck.
    #[oai(status = 201)]
    Created(Json<CardResponse>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Flashcards")]
impl FlashcardsApi {
    /// Create a deck: a private one, or for a course you teach.
    #[oai(path = "/decks", method = "post", operation_id = "createDeck")]
    async fn create_deck(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<CreateDeckRequest>,
    ) -> ApiResult<DeckCreated> {
        let body = body.0;
        let new = NewDeck {
            title: body.title.into(),
            course_id: body.course_id.map(CourseId::from),
            scheduler: body.scheduler.map(Into::into).unwrap_or_default(),
            // Within the validated bounds, f32 keeps every value the core accepts.
            desired_retention: body.desired_retention.map(|r| r as f32),
            new_per_day: body.new_per_day,
        };
        let deck = state.lms.flashcards().create_deck(&auth.0, new).await?;
        Ok(DeckCreated::Created(Json(deck.into())))
    }

    /// A deck you study or author.
    #[oai(path = "/decks/:id", method = "get", operation_id = "getDeck")]
    async fn get_deck(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<DeckResponse>> {
        Ok(Json(
            state.lms.flashcards().deck(&auth.0, DeckId::from(id.0)).await?.into(),
        ))
    }

    /// Change a deck's settings (its authors only): title, scheduler, desired retention,
    /// new cards per day.
    #[oai(path = "/decks/:id", method = "patch", operation_id = "updateDeck")]
    async fn update_deck(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UpdateDeckRequest>,
    ) -> ApiResult<Json<DeckResponse>> {
        let body = body.0;
        let changes = DeckChanges {
            title: body.title.map(Into::into),
            scheduler: body.scheduler.map(Into::into),
            // Within the validated bounds, f32 keeps every value the core accepts.
            desired_retention: body.desired_retention.map(|r| r as f32),
            new_per_day: body.new_per_day,
        };
        let deck = state
            .lms
            .flashcards()
            .update_deck(&auth.0, DeckId::from(id.0), changes)
            .await?;
        Ok(Json(deck.into()))
    }

    /// Fit the deck's FSRS parameters to every learner's reviews of it and keep them
    /// (admins and the deck's authors). Needs at least 400 reviews (422
    /// `not_enough_reviews` before); takes seconds on a large log.
    #[oai(path = "/decks/:id/optimize", method = "post", operation_id = "optimizeDeck")]
    async fn optimize_deck(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<OptimizationResponse>> {
        let optimization = state
            .lms
            .flashcards()
            .optimize_deck(&auth.0, DeckId::from(id.0))
            .await?;
        Ok(Json(optimization.into()))
    }

    /// Add a card at the end of a deck (its authors only).
    #[oai(path = "/decks/:id/cards", method = "post", operation_id = "createCard")]
    async fn create_card(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<CreateCardRequest>,
    ) -> ApiResult<CardCreated> {
        let body = body.0;
        let new = NewCard {
            front: body.front.into(),
            back: body.back.into(),
            tags: body.tags.unwrap_or_default().into_iter().map(Into::into).collect(),
        };
        let card = state
            .lms
            .flashcards()
            .add_card(&auth.0, DeckId::from(id.0), new)
            .await?;
        Ok(CardCreated::Created(Json(card.into())))
    }

    /// A deck's cards in study order.
    #[oai(path = "/decks/:id/cards", method = "get", operation_id = "listCards")]
    async fn list_cards(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Page size, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// The last `position` of the previous page.
        after: Query<Option<i64>>,
    ) -> ApiResult<Json<CardPage>> {
        let cards = state
            .lms
            .flashcards()
            .cards(&auth.0, DeckId::from(id.0), after.0, limit.0.unwrap_or(100))
            .await?;
        Ok(Json(CardPage {
            items: cards.into_iter().map(Into::into).collect(),
        }))
    }

    /// The cards to study now, in study order.
    #[oai(path = "/decks/:id/due", method = "get", operation_id = "getDueCards")]
    async fn due(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Most cards, 1–200 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<DueResponse>> {
        let due = state
            .lms
            .flashcards()
            .due(&auth.0, DeckId::from(id.0), limit.0.unwrap_or(20))
            .await?;
        Ok(Json(DueResponse {
            cards: due.into_iter().map(Into::into).collect(),
        }))
    }

    /// Answer a card: `{quality}` (0–5) or `{rating}` (`again|hard|good|easy`); the answer
    /// is scheduled by the deck's algorithm and logged.
    #[oai(path = "/cards/:id/reviews", method = "post", operation_id = "reviewCard")]
    async fn review(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ReviewRequest>,
    ) -> ApiResult<Json<ReviewResponse>> {
        let (answer, duration_ms) = match body.0 {
            ReviewRequest::Quality(q) => (Answer::quality(q.quality)?, q.duration_ms),
            ReviewRequest::Rating(r) => (
                Answer::Rating(match r.rating {
                    RatingName::Again => Rating::Again,
                    RatingName::Hard => Rating::Hard,
                    RatingName::Good => Rating::Good,
                    RatingName::Easy => Rating::Easy,
                }),
                r.duration_ms,
            ),
        };
        let outcome = state
            .lms
            .flashcards()
            .review_timed(&auth.0, CardId::from(id.0), answer, duration_ms)
            .await?;
        Ok(Json(outcome.into()))
    }

    /// My statistics of a deck: due today, reviewed today, retention over 30 days.
    #[oai(path = "/decks/:id/stats", method = "get", operation_id = "getDeckStats")]
    async fn stats(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<DeckStatsResponse>> {
        Ok(Json(
            state.lms.flashcards().stats(&auth.0, DeckId::from(id.0)).await?.into(),
        ))
    }
}
