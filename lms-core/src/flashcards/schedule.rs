//! Spaced repetition: a card's schedule for one learner, and the two schedulers a deck can
//! use, SM-2 and FSRS, behind one trait and one answer type.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The SM-2 ease factor a card starts with, in hundredths (2.5).
pub const INITIAL_EASE: u32 = 250;
/// The lowest SM-2 ease factor, in hundredths (1.3).
pub const MIN_EASE: u32 = 130;
/// The recall probability FSRS schedules for when a deck names none.
pub const DEFAULT_RETENTION: f32 = 0.9;
/// The longest interval, in days (100 years, Anki's maximum): beyond it a schedule would
/// leave the calendar, and no learner lives to see the review anyway.
pub const MAX_INTERVAL_DAYS: u32 = 36_500;

/// Which algorithm schedules a deck's reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchedulerKind {
    /// SuperMemo 2, as requirement C8 states it.
    #[default]
    Sm2,
    /// The Free Spaced Repetition Scheduler, through the `fsrs` crate.
    Fsrs,
}

/// An FSRS-style rating of a recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Forgotten.
    Again,
    /// Recalled with serious difficulty.
    Hard,
    /// Recalled.
    Good,
    /// Recalled easily.
    Easy,
}

impl Rating {
    /// The rating as FSRS numbers it in a review history (`fsrs::FSRSReview::rating`):
    /// again 1, hard 2, good 3, easy 4.
    pub fn grade(self) -> u32 {
        match self {
            Rating::Again => 1,
            Rating::Hard => 2,
            Rating::Good => 3,
            Rating::Easy => 4,
        }
    }
}

/// A learner's answer: an SM-2 quality (0–5) or a rating; either scheduler takes either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// SM-2 quality: 0–2 failed, 3 hard, 4 good, 5 easy.
    Quality(u8),
    /// A rating.
    Rating(Rating),
}

impl Answer {
    /// A quality answer, checked to be 0–5.
    pub fn quality(quality: u8) -> Result<Self> {
        if quality > 5 {
            return Err(Error::invalid("quality", "out_of_range", "must be between 0 and 5"));
        }
        Ok(Answer::Quality(quality))
    }

    /// As an SM-2 quality: again 1, hard 3, good 4, easy 5.
    pub fn as_quality(self) -> u8 {
        match self {
            Answer::Quality(q) => q,
            Answer::Rating(Rating::Again) => 1,
            Answer::Rating(Rating::Hard) => 3,
            Answer::Rating(Rating::Good) => 4,
            Answer::Rating(Rating::Easy) => 5,
        }
    }

    /// As a rating: qualities 0–2 again, 3 hard, 4 good, 5 easy.
    pub fn as_rating(self) -> Rating {
        match self {
            Answer::Rating(r) => r,
            Answer::Quality(0..=2) => Rating::Again,
            Answer::Quality(3) => Rating::Hard,
            Answer::Quality(4) => Rating::Good,
            Answer::Quality(_) => Rating::Easy,
        }
    }

    /// Whether the answer passes under `kind`: SM-2 quality 3 or more; FSRS good or easy.
    pub fn passes(self, kind: SchedulerKind) -> bool {
        match kind {
            SchedulerKind::Sm2 => self.as_quality() >= 3,
            SchedulerKind::Fsrs => matches!(self.as_rating(), Rating::Good | Rating::Easy),
        }
    }
}

/// A card's schedule for one learner: what both schedulers need, so a deck can switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// SM-2: successful reviews in a row.
    pub repetitions: u32,
    /// The current interval in days (0 before the first review).
    pub interval_days: u32,
    /// SM-2 ease factor in hundredths (250 = 2.5), never below 130.
    pub ease: u32,
    /// FSRS memory stability, once FSRS scheduled the card.
    pub stability: Option<f32>,
    /// FSRS memory difficulty, once FSRS scheduled the card.
    pub difficulty: Option<f32>,
    /// Failed answers after the card had been learnt.
    pub lapses: u32,
    /// The last review, if any.
    pub last_reviewed_at: Option<DateTime<Utc>>,
    /// When the card is due next.
    pub due_at: DateTime<Utc>,
}

impl Schedule {
    /// The schedule of a card never reviewed, due at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            repetitions: 0,
            interval_days: 0,
            ease: INITIAL_EASE,
            stability: None,
            difficulty: None,
            lapses: 0,
            last_reviewed_at: None,
            due_at: now,
        }
    }

    /// Whether the last answer failed (the card is being learnt again).
    pub fn relearning(&self) -> bool {
        self.last_reviewed_at.is_some() && self.repetitions == 0
    }
}

/// Computes a card's next schedule from an answer.
pub trait Scheduler: Send + Sync {
    /// The schedule after answering `answer` at `now`.
    fn next(&self, schedule: &Schedule, answer: Answer, now: DateTime<Utc>) -> Result<Schedule>;
}

/// SM-2 exactly as C8 and SuperMemo state it, in integer arithmetic (the ease in
/// hundredths: every change of the formula is a multiple of 0.02), so the results are
/// exact:
///
/// - quality below 3: repetitions restart and the interval is 1 day;
/// - otherwise the intervals are 1, 6, then the previous interval × EF, a fraction rounded
///   up to the next whole day (as SuperMemo's description says);
/// - after every answer EF += 0.1 − (5 − q) × (0.08 + (5 − q) × 0.02), never below 1.3;
/// - an interval never exceeds [`MAX_INTERVAL_DAYS`];
/// - the FSRS memory state (stability, difficulty) is cleared: it described the card before
///   this review, so if the deck switches (back) to FSRS, the card's memory is estimated
///   again from its SM-2 state ([`Fsrs`]) instead of resuming from a stale one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sm2;

impl Sm2 {
    /// The change of the ease, in hundredths, for quality `q`: 100 × (0.1 − d × (0.08 + d ×
    /// 0.02)) with d = 5 − q, i.e. 10 − d × (8 + 2d).
    fn ease_change(quality: u8) -> i64 {
        let d = 5 - i64::from(quality.min(5));
        10 - d * (8 + 2 * d)
    }
}

impl Scheduler for Sm2 {
    fn next(&self, schedule: &Schedule, answer: Answer, now: DateTime<Utc>) -> Result<Schedule> {
        let q = answer.as_quality();
        let mut next = schedule.clone();
        if q < 3 {
            if schedule.repetitions > 0 {
                next.lapses += 1;
            }
            next.repetitions = 0;
            next.interval_days = 1;
        } else {
            next.interval_days = match schedule.repetitions {
                0 => 1,
                1 => 6,
                _ => {
                    let product = u64::from(schedule.interval_days) * u64::from(schedule.ease);
                    u32::try_from(product.div_ceil(100)).map_or(MAX_INTERVAL_DAYS, |i| i.min(MAX_INTERVAL_DAYS))
                }
            };
            next.repetitions += 1;
        }
        let ease = i64::from(schedule.ease) + Self::ease_change(q);
        next.ease = u32::try_from(ease.max(i64::from(MIN_EASE))).unwrap_or(MIN_EASE);
        next.stability = None;
        next.difficulty = None;
        next.last_reviewed_at = Some(now);
        next.due_at = now + Duration::days(i64::from(next.interval_days));
        Ok(next)
    }
}

/// FSRS through the `fsrs` crate, at a desired retention.
pub struct Fsrs {
    model: fsrs::FSRS,
    desired_retention: f32,
}

impl std::fmt::Debug for Fsrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fsrs")
            .field("desired_retention", &self.desired_retention)
            .finish_non_exhaustive()
    }
}

impl Fsrs {
    /// The scheduler with `parameters` (the crate's defaults when empty) aiming at
    /// `desired_retention` (0.7–0.99).
    pub fn new(parameters: &[f32], desired_retention: f32) -> Result<Self> {
        if !(0.7..=0.99).contains(&desired_retention) {
            return Err(Error::invalid(
                "desired_retention",
                "out_of_range",
                "must be between 0.7 and 0.99",
            ));
        }
        let model =
            fsrs::FSRS::new(parameters).map_err(|e| Error::invalid("fsrs_parameters", "invalid", format!("{e:?}")))?;
        Ok(Self {
            model,
            desired_retention,
        })
    }

    /// The memory state a card carries into FSRS: its own, or one estimated from its SM-2
    /// ease and interval when SM-2 scheduled its last review (the deck switched from SM-2;
    /// [`Sm2`] clears the memory state it makes stale); none for a card never reviewed.
    fn memory(&self, schedule: &Schedule) -> Result<Option<fsrs::MemoryState>> {
        if let (Some(stability), Some(difficulty)) = (schedule.stability, schedule.difficulty) {
            return Ok(Some(fsrs::MemoryState { stability, difficulty }));
        }
        if schedule.last_reviewed_at.is_none() || schedule.interval_days == 0 {
            return Ok(None);
        }
        self.model
            .memory_state_from_sm2(
                schedule.ease as f32 / 100.0,
                schedule.interval_days as f32,
                DEFAULT_RETENTION,
            )
            .map(Some)
            .map_err(|e| Error::Internal(format!("FSRS could not migrate an SM-2 state: {e:?}").into()))
    }
}

impl Scheduler for Fsrs {
    fn next(&self, schedule: &Schedule, answer: Answer, now: DateTime<Utc>) -> Result<Schedule> {
        let memory = self.memory(schedule)?;
        let elapsed = schedule.last_reviewed_at.map_or(0, |at| elapsed_days(at, now));
        let states = self
            .model
            .next_states(memory, self.desired_retention, elapsed)
            .map_err(|e| Error::Internal(format!("FSRS could not schedule: {e:?}").into()))?;
        let rating = answer.as_rating();
        let state = match rating {
            Rating::Again => states.again,
            Rating::Hard => states.hard,
            Rating::Good => states.good,
            Rating::Easy => states.easy,
        };
        let mut next = schedule.clone();
        if rating == Rating::Again {
            if schedule.repetitions > 0 {
                next.lapses += 1;
            }
            next.repetitions = 0;
        } else {
            next.repetitions += 1;
        }
        next.interval_days = interval_days(state.interval);
        next.stability = Some(state.memory.stability);
        next.difficulty = Some(state.memory.difficulty);
        next.last_reviewed_at = Some(now);
        next.due_at = now + Duration::days(i64::from(next.interval_days));
        Ok(next)
    }
}

/// The days FSRS counts between two reviews: whole 24-hour periods (0 within a day, never
/// negative). Scheduling and the optimization of a deck's parameters
/// ([`crate::flashcards::FlashcardService::optimize_deck`]) count them the same way, so the
/// parameters are fitted to the elapsed times they are later applied to.
pub fn elapsed_days(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    u32::try_from((to - from).num_days().max(0)).unwrap_or(u32::MAX)
}

/// An FSRS interval as whole days: rounded, at least one, at most [`MAX_INTERVAL_DAYS`].
pub fn interval_days(interval: f32) -> u32 {
    if interval.is_finite() && interval >= 1.0 {
        interval.round().min(MAX_INTERVAL_DAYS as f32) as u32
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The table of C8's formula for the answers 5, 5, 5, 4, 3, 2, 5, worked by hand:
    ///
    /// | # | q | n before | interval | EF after |
    /// |---|---|---|---|---|
    /// | 1 | 5 | 0 | 1 | 2.5 + 0.1 = 2.6 |
    /// | 2 | 5 | 1 | 6 | 2.7 |
    /// | 3 | 5 | 2 | ⌈6 × 2.7⌉ = ⌈16.2⌉ = 17 | 2.8 |
    /// | 4 | 4 | 3 | ⌈17 × 2.8⌉ = ⌈47.6⌉ = 48 | 2.8 + 0.1 − 1 × (0.08 + 0.02) = 2.8 |
    /// | 5 | 3 | 4 | ⌈48 × 2.8⌉ = ⌈134.4⌉ = 135 | 2.8 + 0.1 − 2 × (0.08 + 0.04) = 2.66 |
    /// | 6 | 2 | 5 | 1 (restart) | 2.66 + 0.1 − 3 × (0.08 + 0.06) = 2.34 |
    /// | 7 | 5 | 0 | 1 | 2.44 |
    #[test]
    fn sm2_follows_the_formula_exactly() {
        let expected = [
            (5, 1, 260),
            (5, 6, 270),
            (5, 17, 280),
            (4, 48, 280),
            (3, 135, 266),
            (2, 1, 234),
            (5, 1, 244),
        ];
        let mut schedule = Schedule::new(start());
        let mut now = start();
        for (i, (quality, interval, ease)) in expected.into_iter().enumerate() {
            schedule = Sm2.next(&schedule, Answer::quality(quality).unwrap(), now).unwrap();
            assert_eq!(
                (schedule.interval_days, schedule.ease),
                (interval, ease),
                "answer {} (q={quality})",
                i + 1
            );
            assert_eq!(schedule.due_at, now + Duration::days(i64::from(interval)));
            now = schedule.due_at;
        }
        assert_eq!(schedule.lapses, 1, "the failure after five successes is a lapse");
    }

    #[test]
    fn the_ease_never_falls_below_1_3() {
        let mut schedule = Schedule::new(start());
        for _ in 0..10 {
            schedule = Sm2.next(&schedule, Answer::quality(0).unwrap(), start()).unwrap();
        }
        assert_eq!(schedule.ease, MIN_EASE);
    }

    #[test]
    fn answers_map_between_qualities_and_ratings() {
        assert_eq!(Answer::Rating(Rating::Again).as_quality(), 1);
        assert_eq!(Answer::Quality(2).as_rating(), Rating::Again);
        assert_eq!(Answer::Quality(3).as_rating(), Rating::Hard);
        assert!(Answer::Quality(3).passes(SchedulerKind::Sm2));
        assert!(
            !Answer::Quality(3).passes(SchedulerKind::Fsrs),
            "hard does not pass FSRS"
        );
        assert!(Answer::quality(6).is_err());
        let grades = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy].map(Rating::grade);
        assert_eq!(grades, [1, 2, 3, 4], "FSRS numbers ratings 1-4");
    }

    #[test]
    fn an_sm2_review_clears_the_fsrs_memory_it_makes_stale() {
        let fsrs = Fsrs::new(&[], 0.9).unwrap();
        let learnt = fsrs
            .next(&Schedule::new(start()), Answer::Rating(Rating::Good), start())
            .unwrap();
        let later = start() + Duration::days(i64::from(learnt.interval_days));
        let sm2 = Sm2.next(&learnt, Answer::quality(4).unwrap(), later).unwrap();
        assert_eq!((sm2.stability, sm2.difficulty), (None, None));
        let back = later + Duration::days(i64::from(sm2.interval_days));
        let resumed = fsrs.next(&sm2, Answer::Rating(Rating::Good), back).unwrap();
        let mut stale = sm2.clone();
        (stale.stability, stale.difficulty) = (learnt.stability, learnt.difficulty);
        assert_ne!(
            resumed.stability,
            fsrs.next(&stale, Answer::Rating(Rating::Good), back).unwrap().stability,
            "FSRS estimates the memory again from the SM-2 state, not from the one before SM-2's review"
        );
    }

    #[test]
    fn elapsed_days_are_whole_days_and_never_negative() {
        let at = |hours: i64| start() + Duration::hours(hours);
        assert_eq!(elapsed_days(at(0), at(23)), 0);
        assert_eq!(elapsed_days(at(0), at(24)), 1);
        assert_eq!(elapsed_days(at(0), at(71)), 2);
        assert_eq!(elapsed_days(at(5), at(0)), 0);
    }

    #[test]
    fn fsrs_first_intervals_are_the_crates_at_retention_0_9() {
        let crate_states = fsrs::FSRS::new(&[]).unwrap().next_states(None, 0.9, 0).unwrap();
        let ours = Fsrs::new(&[], 0.9).unwrap();
        for (rating, state) in [
            (Rating::Again, &crate_states.again),
            (Rating::Hard, &crate_states.hard),
            (Rating::Good, &crate_states.good),
            (Rating::Easy, &crate_states.easy),
        ] {
            let next = ours
                .next(&Schedule::new(start()), Answer::Rating(rating), start())
                .unwrap();
            assert_eq!(next.interval_days, interval_days(state.interval), "{rating:?}");
            assert_eq!(next.stability, Some(state.memory.stability));
            assert_eq!(next.difficulty, Some(state.memory.difficulty));
        }
    }

    #[test]
    fn an_sm2_card_carries_its_memory_into_fsrs() {
        let mut schedule = Schedule::new(start());
        for _ in 0..3 {
            schedule = Sm2.next(&schedule, Answer::quality(4).unwrap(), start()).unwrap();
        }
        let later = start() + Duration::days(i64::from(schedule.interval_days));
        let next = Fsrs::new(&[], 0.9)
            .unwrap()
            .next(&schedule, Answer::Rating(Rating::Good), later)
            .unwrap();
        assert!(
            next.interval_days > schedule.interval_days,
            "a learnt card keeps growing: {next:?}"
        );
    }
}
