//! Fitting a deck's FSRS parameters to its learners' reviews.
//!
//! FSRS predicts how likely a card is to be recalled from 21 parameters; the fsrs crate's
//! defaults fit the average Anki user. Fitted to a deck's own review log (every learner's
//! reviews of its cards), they describe how this deck's material is remembered, and the
//! deck's FSRS reviews schedule with them from then on.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use fsrs::{ComputeParametersInput, FSRSError, FSRSItem, FSRSReview};

use super::schedule::elapsed_days;
use super::service::{store_error, FlashcardService};
use super::study::ReviewLog;
use crate::error::{Entity, Error, Result};
use crate::ids::{CardId, DeckId, UserId};
use crate::records::{IndexValue, Range};
use crate::services::{retry_on_conflict, Actor};

/// The fewest usable reviews ([`Optimization::reviews_used`]) a deck's parameters are
/// optimized from. The fsrs crate sets no minimum of its own (with fewer than 8 training
/// items it returns its defaults, with fewer than 64 it fits only the initial
/// stabilities); 400 reviews is the minimum Anki required (from version 24.04) before it
/// optimized a preset's parameters.
pub const MIN_OPTIMIZATION_REVIEWS: u32 = 400;

/// Review log entries read per page.
const LOG_PAGE: u32 = 1000;

/// What optimizing a deck's FSRS parameters gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimization {
    /// The parameters, now the deck's `fsrs_parameters`: as many as the fsrs crate
    /// computes (21 for FSRS 6).
    pub parameters: Vec<f32>,
    /// The reviews they were fitted to: every review of each learner's history of a card
    /// that was reviewed again on a later day than its first review, and whose history
    /// starts in the log (a card imported with its schedule has its first reviews
    /// elsewhere).
    pub reviews_used: u32,
    /// The histories those reviews make up, one per learner and card (a card three
    /// learners studied counts three times).
    pub cards: u32,
}

impl FlashcardService {
    /// Optimizes the deck's FSRS parameters from every learner's reviews of it and stores
    /// them in the deck, whose FSRS reviews schedule with them from then on (admins and
    /// the deck's authors; others who may study the deck are forbidden, anyone else gets
    /// `DECK_NOT_FOUND`). A deck scheduled by SM-2 can be optimized too, before it
    /// switches: both schedulers' answers map to FSRS ratings.
    ///
    /// This is an administrative job, run from an admin's API action or the command line
    /// and never in a learner's request: it reads the deck's whole review log (a range
    /// scan of `(deck, time)`, in pages) and runs the fsrs crate's optimizer
    /// (`fsrs::compute_parameters`, on a blocking thread), whose time and memory grow with
    /// the log. Each learner's reviews of a card become one FSRS review history (ratings
    /// 1–4, days between reviews counted as scheduling counts them,
    /// [`super::schedule::elapsed_days`]); from its first review on a later day than the
    /// first, each review gives one training item (the history up to it), in time order.
    ///
    /// The parameters are stored version-checked: a concurrent change of the deck is read
    /// again and the parameters set on it.
    ///
    /// # Errors
    ///
    /// A validation error (422) with code `not_enough_reviews` when fewer than
    /// [`MIN_OPTIMIZATION_REVIEWS`] reviews are usable (the message says how many there
    /// are and how many are needed), or when FSRS finds too few it can fit parameters to
    /// (first reviews followed by another after a delay common for that first answer; it
    /// leaves the others out as outliers). The deck is then left as it was.
    #[tracing::instrument(skip_all, fields(deck_id = %id))]
    pub async fn optimize_deck(&self, actor: &Actor, id: DeckId) -> Result<Optimization> {
        let deck = self.deck(actor, id).await?;
        if !self.may_author(actor, &deck).await? {
            return Err(Error::Forbidden("only the deck's authors optimize it".into()));
        }
        let training = self.training_set(id).await?;
        let (reviews_used, cards) = (training.reviews_used(), training.cards());
        if reviews_used < MIN_OPTIMIZATION_REVIEWS {
            return Err(not_enough_reviews(format!(
                "the deck's log has {reviews_used} usable reviews ({} in all; a learner's reviews of a card are \
                 usable once the card was reviewed again on a later day), and optimizing needs at least \
                 {MIN_OPTIMIZATION_REVIEWS}",
                training.logged
            )));
        }
        let train_set = training.items;
        let parameters = tokio::task::spawn_blocking(move || {
            fsrs::compute_parameters(ComputeParametersInput {
                train_set,
                ..ComputeParametersInput::default()
            })
        })
        .await
        .map_err(|e| Error::Internal(Box::new(e)))?
        .map_err(|e| match e {
            FSRSError::NotEnoughData => too_few_to_fit(reviews_used),
            other => Error::Internal(format!("FSRS could not optimize the deck's parameters: {other:?}").into()),
        })?;
        // The optimizer answers with its defaults when too little of the log is left to fit
        // to (it leaves out unusual delays as outliers): it learnt nothing from the deck.
        if parameters.as_slice() == fsrs::DEFAULT_PARAMETERS.as_slice() {
            return Err(too_few_to_fit(reviews_used));
        }
        // Parameters the scheduler refused would fail every later review of the deck.
        fsrs::FSRS::new(&parameters)
            .map_err(|e| Error::Internal(format!("FSRS computed parameters it does not accept: {e:?}").into()))?;
        retry_on_conflict(|| async {
            let mut deck = self.load_deck(id).await?;
            let expected = deck.version;
            deck.version += 1;
            deck.fsrs_parameters = parameters.clone();
            deck.updated_at = self.deps.clock.now();
            self.deps
                .records
                .update(&deck, expected, &[])
                .await
                .map_err(store_error(Entity::Deck, id))
        })
        .await?;
        Ok(Optimization {
            parameters,
            reviews_used,
            cards,
        })
    }

    /// Every learner's reviews of the deck, read in time order into FSRS's training set.
    async fn training_set(&self, deck_id: DeckId) -> Result<TrainingSet> {
        let key = |at: DateTime<Utc>| IndexValue::from((deck_id.as_uuid(), at));
        let mut training = TrainingSet::default();
        let mut after = None;
        loop {
            let page = self
                .deps
                .records
                .range::<ReviewLog>(
                    Range::all("deck_time", LOG_PAGE)
                        .between(
                            Bound::Included(key(DateTime::<Utc>::MIN_UTC)),
                            Bound::Included(key(DateTime::<Utc>::MAX_UTC)),
                        )
                        .after(after),
                )
                .await
                .map_err(store_error(Entity::Deck, deck_id))?;
            for log in &page.items {
                training.add(log);
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(training),
            }
        }
    }
}

fn not_enough_reviews(message: String) -> Error {
    Error::invalid("reviews", "not_enough_reviews", message)
}

/// Enough reviews, but not of the kind FSRS fits its parameters to.
fn too_few_to_fit(reviews_used: u32) -> Error {
    not_enough_reviews(format!(
        "FSRS could not fit parameters to the deck's {reviews_used} usable reviews: too few of them are a card's \
         first review followed by another after a delay common for that first answer (FSRS leaves the others out as \
         outliers)"
    ))
}

/// FSRS's training set, built from a deck's review log read in time order.
///
/// Each learner's reviews of a card are one history. From the history's first review on a
/// later day than its first review (the first with `delta_t > 0`) on, every review gives
/// one training item: the history up to and including it. Items come out in the order of their
/// last review, as the optimizer expects (it weighs recent reviews more). A history whose
/// first logged review already had a schedule (a card imported with its schedule) lacks
/// its beginning, which FSRS needs, and is left out.
#[derive(Debug, Default)]
struct TrainingSet {
    histories: HashMap<(UserId, CardId), History>,
    items: Vec<FSRSItem>,
    logged: u32,
}

/// One learner's reviews of one card so far.
#[derive(Debug)]
struct History {
    /// Empty for a history left out.
    reviews: Vec<FSRSReview>,
    last_reviewed_at: DateTime<Utc>,
}

impl History {
    /// Whether its reviews are used: it has a review on a later day than its first.
    fn used(&self) -> bool {
        self.reviews.iter().any(|r| r.delta_t > 0)
    }
}

impl TrainingSet {
    /// Adds the next review of the log (in time order).
    fn add(&mut self, log: &ReviewLog) {
        self.logged = self.logged.saturating_add(1);
        let rating = log.answer.as_rating().grade();
        match self.histories.entry((log.user_id, log.card_id)) {
            Entry::Vacant(entry) => {
                let complete = log.before.last_reviewed_at.is_none();
                entry.insert(History {
                    reviews: if complete {
                        vec![FSRSReview { rating, delta_t: 0 }]
                    } else {
                        Vec::new()
                    },
                    last_reviewed_at: log.reviewed_at,
                });
            }
            Entry::Occupied(entry) => {
                let history = entry.into_mut();
                if history.reviews.is_empty() {
                    return;
                }
                let delta_t = elapsed_days(history.last_reviewed_at, log.reviewed_at);
                history.reviews.push(FSRSReview { rating, delta_t });
                history.last_reviewed_at = log.reviewed_at;
                if history.used() {
                    self.items.push(FSRSItem {
                        reviews: history.reviews.clone(),
                    });
                }
            }
        }
    }

    /// Reviews of the histories used.
    fn reviews_used(&self) -> u32 {
        let reviews: usize = self
            .histories
            .values()
            .filter(|h| h.used())
            .map(|h| h.reviews.len())
            .sum();
        u32::try_from(reviews).unwrap_or(u32::MAX)
    }

    /// Histories used.
    fn cards(&self) -> u32 {
        let cards = self.histories.values().filter(|h| h.used()).count();
        u32::try_from(cards).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    use super::*;
    use crate::flashcards::{
        Answer, Deck, DeckChanges, Fsrs, NewCard, NewDeck, Rating, Schedule, Scheduler, SchedulerKind,
    };
    use crate::memory::MemoryStore;
    use crate::ports::{ManualClock, Stores, UnitOfWork};
    use crate::records::Records;
    use crate::testing::fixtures::{instructor, student};
    use crate::testing::Ctx;
    use crate::{Actor, Lms};

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
    }

    fn ctx() -> Ctx {
        let stores = Stores::from_backend(Arc::new(MemoryStore::new()));
        let clock = Arc::new(ManualClock::new(start()));
        Ctx {
            lms: Lms::new(stores.clone(), clock.clone()),
            stores,
            clock,
        }
    }

    fn log(user_id: UserId, card_id: CardId, at: DateTime<Utc>, rating: Rating, before: Schedule) -> ReviewLog {
        let answer = Answer::Rating(rating);
        let after = Fsrs::new(&[], 0.9).unwrap().next(&before, answer, at).unwrap();
        ReviewLog {
            id: Uuid::now_v7(),
            version: 1,
            user_id,
            deck_id: DeckId::new(),
            card_id,
            reviewed_at: at,
            answer,
            scheduler: SchedulerKind::Fsrs,
            passed: answer.passes(SchedulerKind::Fsrs),
            before,
            after,
        }
    }

    #[test]
    fn histories_become_items_from_their_first_review_on_a_later_day() {
        let (learner, card, other_card, imported) = (UserId::new(), CardId::new(), CardId::new(), CardId::new());
        let at = |days: i64, hours: i64| start() + Duration::days(days) + Duration::hours(hours);
        let mut studied = Schedule::new(start());
        studied.last_reviewed_at = Some(start() - Duration::days(30));
        let mut training = TrainingSet::default();
        for log in [
            log(learner, card, at(0, 0), Rating::Again, Schedule::new(start())),
            log(learner, other_card, at(0, 1), Rating::Good, Schedule::new(start())),
            log(learner, imported, at(0, 2), Rating::Good, studied.clone()),
            log(learner, card, at(0, 3), Rating::Good, studied.clone()),
            log(learner, card, at(1, 5), Rating::Hard, studied.clone()),
            log(learner, imported, at(3, 0), Rating::Good, studied.clone()),
            log(learner, card, at(4, 4), Rating::Easy, studied.clone()),
        ] {
            training.add(&log);
        }
        let review = |rating, delta_t| FSRSReview { rating, delta_t };
        assert_eq!(
            training.items,
            [
                FSRSItem {
                    reviews: vec![review(1, 0), review(3, 0), review(2, 1)]
                },
                FSRSItem {
                    reviews: vec![review(1, 0), review(3, 0), review(2, 1), review(4, 2)]
                },
            ],
            "from the card's first review on a later day, in time order; days are whole 24 hours"
        );
        assert_eq!(training.logged, 7);
        assert_eq!(
            (training.reviews_used(), training.cards()),
            (4, 1),
            "a card reviewed on one day only and an imported card's history are not used"
        );
    }

    /// Learners who forget faster than FSRS's default parameters predict: each card's
    /// recall probability is the default model's at 40% of its stability. Reviews are
    /// written to the log directly, each learner reviewing each card when it is due and up
    /// to two days late.
    async fn seed_reviews(ctx: &Ctx, deck: &Deck, cards: &[CardId], learners: usize) -> usize {
        let fsrs = Fsrs::new(&[], deck.desired_retention).unwrap();
        let mut rng = fastrand::Rng::with_seed(2026);
        let mut logs = Vec::new();
        for _ in 0..learners {
            let user_id = UserId::new();
            for &card_id in cards {
                let mut at = start() + Duration::days(rng.i64(0..20)) + Duration::hours(rng.i64(0..12));
                let mut schedule = Schedule::new(at);
                for _ in 0..7 {
                    let rating = match (schedule.stability, schedule.difficulty, schedule.last_reviewed_at) {
                        (Some(stability), Some(difficulty), Some(last)) => {
                            let memory = fsrs::MemoryState {
                                stability: stability * 0.4,
                                difficulty,
                            };
                            let days = elapsed_days(last, at) as f32;
                            let recall = fsrs::current_retrievability(memory, days, fsrs::FSRS6_DEFAULT_DECAY);
                            match (rng.f32() < recall, rng.u8(0..10)) {
                                (false, _) => Rating::Again,
                                (true, 0) => Rating::Hard,
                                (true, 1) => Rating::Easy,
                                (true, _) => Rating::Good,
                            }
                        }
                        _ => [Rating::Again, Rating::Hard, Rating::Good, Rating::Good, Rating::Easy][rng.usize(0..5)],
                    };
                    let answer = Answer::Rating(rating);
                    let after = fsrs.next(&schedule, answer, at).unwrap();
                    logs.push(ReviewLog {
                        id: Uuid::now_v7(),
                        version: 1,
                        user_id,
                        deck_id: deck.id,
                        card_id,
                        reviewed_at: at,
                        answer,
                        scheduler: SchedulerKind::Fsrs,
                        passed: answer.passes(SchedulerKind::Fsrs),
                        before: schedule,
                        after: after.clone(),
                    });
                    at = after.due_at + Duration::days(rng.i64(0..=2)) + Duration::minutes(rng.i64(0..120));
                    schedule = after;
                }
            }
        }
        write(ctx, &logs).await;
        logs.len()
    }

    async fn write(ctx: &Ctx, logs: &[ReviewLog]) {
        let records = Records::new(ctx.stores.records.clone());
        for chunk in logs.chunks(500) {
            let mut unit = UnitOfWork::default();
            for log in chunk {
                unit.insert(log).unwrap();
            }
            records.write(&unit).await.unwrap();
        }
    }

    async fn private_deck(ctx: &Ctx, owner: &Actor) -> Deck {
        let new = NewDeck {
            title: "Optimized".into(),
            ..NewDeck::default()
        };
        ctx.lms.flashcards().create_deck(owner, new).await.unwrap()
    }

    #[tokio::test]
    async fn reviews_fsrs_leaves_out_as_outliers_are_not_enough() {
        let ctx = ctx();
        let owner = instructor(&ctx).await;
        let deck = private_deck(&ctx, &owner).await;
        // Every card's second review after a delay no other card had: FSRS takes each
        // first answer's rare delays for outliers, and here every delay is rare.
        let learner = UserId::new();
        let mut logs = Vec::new();
        for card in 0..80 {
            let card_id = CardId::new();
            let mut schedule = Schedule::new(start());
            let mut at = start();
            for review in 0..6 {
                let mut log = log(learner, card_id, at, Rating::Good, schedule);
                log.deck_id = deck.id;
                schedule = log.after.clone();
                logs.push(log);
                at += Duration::days(if review == 0 { card + 1 } else { 10 });
            }
        }
        write(&ctx, &logs).await;
        let refused = ctx.lms.flashcards().optimize_deck(&owner, deck.id).await;
        assert!(
            matches!(&refused, Err(Error::Validation(e)) if e[0].code == "not_enough_reviews"
                && e[0].message.contains("480 usable reviews")),
            "{refused:?}"
        );
        let stored = ctx.lms.flashcards().deck(&owner, deck.id).await.unwrap();
        assert!(stored.fsrs_parameters.is_empty() && stored.version == deck.version);
    }

    #[tokio::test]
    async fn a_decks_reviews_optimize_the_parameters_its_fsrs_reviews_then_use() {
        let ctx = ctx();
        let flashcards = ctx.lms.flashcards();
        let owner = instructor(&ctx).await;
        let deck = private_deck(&ctx, &owner).await;
        let mut cards = Vec::new();
        for i in 0..41 {
            let new = NewCard {
                front: format!("card {i}"),
                back: "back".into(),
                tags: Vec::new(),
            };
            cards.push(flashcards.add_card(&owner, deck.id, new).await.unwrap().id);
        }
        let (fresh, studied) = cards.split_first().unwrap();

        let too_few = seed_reviews(&ctx, &deck, &studied[..8], 1).await;
        let refused = flashcards.optimize_deck(&owner, deck.id).await;
        match &refused {
            Err(e @ Error::Validation(fields)) => {
                assert_eq!(
                    (e.code().as_str(), fields[0].code),
                    ("VALIDATION_ERROR", "not_enough_reviews")
                );
                assert!(
                    fields[0].message.contains(&format!("{too_few} usable reviews"))
                        && fields[0]
                            .message
                            .contains(&format!("at least {MIN_OPTIMIZATION_REVIEWS}")),
                    "{}",
                    fields[0].message
                );
            }
            other => panic!("{too_few} reviews were optimized: {other:?}"),
        }
        assert!(flashcards
            .deck(&owner, deck.id)
            .await
            .unwrap()
            .fsrs_parameters
            .is_empty());

        let logged = too_few + seed_reviews(&ctx, &deck, studied, 4).await;
        assert!(logged > LOG_PAGE as usize, "the log is read in more than one page");
        let optimization = flashcards.optimize_deck(&owner, deck.id).await.unwrap();
        assert_eq!(optimization.cards, 8 + 4 * 40);
        assert!(optimization.reviews_used as usize <= logged && optimization.reviews_used > 1000);
        let parameters = &optimization.parameters;
        assert_eq!(parameters.len(), fsrs::DEFAULT_PARAMETERS.len());
        assert_ne!(parameters.as_slice(), fsrs::DEFAULT_PARAMETERS.as_slice());
        assert!(
            parameters[2] < fsrs::DEFAULT_PARAMETERS[2],
            "these learners forget faster than the defaults predict: a first good answer is remembered for less \
             long ({parameters:?})"
        );
        let stored = flashcards.deck(&owner, deck.id).await.unwrap();
        assert_eq!(&stored.fsrs_parameters, parameters);
        assert_eq!(stored.version, deck.version + 41 + 1, "41 cards, then the parameters");

        let deck = flashcards
            .update_deck(
                &owner,
                deck.id,
                DeckChanges {
                    scheduler: Some(SchedulerKind::Fsrs),
                    ..DeckChanges::default()
                },
            )
            .await
            .unwrap();
        let now = ctx.clock_now();
        let reviewed = flashcards
            .review(&owner, *fresh, Answer::Rating(Rating::Good))
            .await
            .unwrap();
        let answer = Answer::Rating(Rating::Good);
        let optimized = Fsrs::new(parameters, deck.desired_retention)
            .unwrap()
            .next(&Schedule::new(now), answer, now)
            .unwrap();
        let default = Fsrs::new(&[], deck.desired_retention)
            .unwrap()
            .next(&Schedule::new(now), answer, now)
            .unwrap();
        assert_eq!(reviewed.schedule, optimized, "scheduled with the optimized parameters");
        assert_ne!(reviewed.schedule.stability, default.stability);

        let learner = student(&ctx).await;
        let outsider = flashcards.optimize_deck(&learner, deck.id).await;
        assert!(matches!(outsider, Err(Error::NotFound { .. })), "{outsider:?}");
    }
}
