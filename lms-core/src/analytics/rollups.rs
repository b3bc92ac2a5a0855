//! The rollup records: counters the analytics reaction keeps up to date, one event at a
//! time, so that every report reads a handful of them whatever the number of learners.
//!
//! Two sorts: aggregates (a course's, a quiz's, a day's, a week's, a currency's totals),
//! which reports read, and per-learner progress (an enrollment's, a user's, a
//! subscription's, an order's), which only the reaction reads, to know what an event
//! changes in the aggregates (a learner's first visit to a lesson, their latest lesson,
//! their first enrollment, an order's refunds so far). Reports never expose the
//! per-learner ones.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::events::MAX_REVIEW_MS;
use crate::domain::video::WatchTime;
use crate::ids::{ClassId, CourseId, DeckId, EnrollmentId, LessonId, OrderId, QuestionId, SubscriptionId, UserId};
use crate::payments::{Order, RevenueSplit};
use crate::records::{Index, IndexValue, KeySpec, Record, RecordKind};

/// A rollup's version, set when it is staged for writing.
pub(crate) trait Rollup: Record + Clone {
    /// The version field.
    fn version_mut(&mut self) -> &mut u64;
}

/// Implements [`Record`] and [`Rollup`] for a rollup with an `id: Uuid`-like field and a
/// `version`.
macro_rules! rollup {
    ($type:ty, $kind:expr) => {
        rollup!($type, $kind, |_r: &$type, _i: &mut Index| {}, |_r: &$type| None);
    };
    ($type:ty, $kind:expr, $index:expr, $owner:expr) => {
        impl Record for $type {
            const KIND: RecordKind = $kind;
            fn id(&self) -> Uuid {
                self.id.into()
            }
            fn version(&self) -> u64 {
                self.version
            }
            fn owner(&self) -> Option<UserId> {
                ($owner)(self)
            }
            fn index(&self, index: &mut Index) {
                ($index)(self, index)
            }
        }
        impl Rollup for $type {
            fn version_mut(&mut self) -> &mut u64 {
                &mut self.version
            }
        }
    };
}

/// One lesson's funnel counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LessonCounts {
    /// Learners with any activity on it.
    pub reached: u64,
    /// Learners who completed it.
    pub completed: u64,
    /// Learners who have not completed the course and whose latest activity was here.
    pub last_activity_here: u64,
    /// Video playback reported on it, replays included, in milliseconds.
    #[serde(default)]
    pub watch_ms: u64,
    /// The part of that playback that replayed spans watched before.
    #[serde(default)]
    pub replay_ms: u64,
}

/// A course's counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CourseRollup {
    /// The course.
    pub id: CourseId,
    pub version: u64,
    /// Enrollments ever created.
    pub enrollments: u64,
    /// Enrollments that completed the course.
    pub completions: u64,
    /// Completions by whole hours from enrollment to completion.
    pub hours_to_complete: BTreeMap<u32, u64>,
    /// Funnel counters per lesson.
    pub lessons: BTreeMap<LessonId, LessonCounts>,
    /// Learners by the day of their latest activity in the course.
    pub last_active_days: BTreeMap<NaiveDate, u64>,
}

rollup!(
    CourseRollup,
    RecordKind {
        name: "analytics_course",
        keys: &[],
    }
);

impl CourseRollup {
    /// A course with nothing counted yet.
    pub fn new(id: CourseId) -> Self {
        Self { id, ..Self::default() }
    }

    /// The lower median of the hours to complete, if anything completed.
    pub fn median_hours_to_complete(&self) -> Option<u32> {
        let middle = self.hours_to_complete.values().sum::<u64>().checked_sub(1)? / 2;
        let mut seen = 0;
        self.hours_to_complete.iter().find_map(|(&hours, &count)| {
            seen += count;
            (seen > middle).then_some(hours)
        })
    }

    /// Learners whose latest activity was on or after `since`.
    pub fn active_since(&self, since: NaiveDate) -> u64 {
        self.last_active_days.range(since..).map(|(_, n)| n).sum()
    }

    fn lesson(&mut self, id: LessonId) -> &mut LessonCounts {
        self.lessons.entry(id).or_default()
    }

    /// Adds video playback on a lesson.
    pub fn watched(&mut self, lesson: LessonId, watched: WatchTime) {
        let counts = self.lesson(lesson);
        counts.watch_ms += watched.watch_ms;
        counts.replay_ms += watched.replay_ms;
    }

    /// One learner's latest activity is no longer on this lesson.
    fn stopped_elsewhere(&mut self, lesson: LessonId) {
        let counts = self.lesson(lesson);
        counts.last_activity_here = counts.last_activity_here.saturating_sub(1);
    }

    /// Moves one learner's latest-activity day, forgetting the days older than
    /// [`ACTIVE_DAYS_KEPT`] before the newest: nobody asks who was last active then, and
    /// the rollup stays the same size however long the course runs.
    fn move_active_day(&mut self, from: Option<NaiveDate>, to: NaiveDate) {
        if let Some(from) = from {
            decrement(&mut self.last_active_days, from);
        }
        *self.last_active_days.entry(to).or_default() += 1;
        if let Some(&newest) = self.last_active_days.keys().next_back() {
            self.last_active_days = self.last_active_days.split_off(&(newest - Days::new(ACTIVE_DAYS_KEPT)));
        }
    }
}

/// Days of latest activity a course rollup keeps: more than any report's window of
/// activity (7 days).
pub(crate) const ACTIVE_DAYS_KEPT: u64 = 31;

/// The bucket a time to complete is counted in: the hour under three days, the day under a
/// year, the week beyond, so a course's rollup holds a bounded number of buckets (at most
/// 72 + 362 + one per week past a year) whatever the number of learners.
pub(crate) fn duration_bucket(hours: u32) -> u32 {
    const DAY: u32 = 24;
    const WEEK: u32 = 7 * DAY;
    match hours {
        0..72 => hours,
        72..8_760 => hours / DAY * DAY,
        _ => hours / WEEK * WEEK,
    }
}

/// Lowers a counter, dropping it at zero (a map of counters holds no zeros).
fn decrement<K: Ord>(map: &mut BTreeMap<K, u64>, key: K) {
    if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    }
}

/// What the reaction knows of one enrollment, to count each learner once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct EnrollmentRollup {
    /// The enrollment.
    pub id: EnrollmentId,
    pub version: u64,
    /// The learner.
    pub user_id: UserId,
    /// When they enrolled, once the enrollment's event is seen.
    pub enrolled_at: Option<DateTime<Utc>>,
    /// When they completed the course, once that event is seen.
    pub completed_at: Option<DateTime<Utc>>,
    /// Lessons with any activity.
    pub reached: BTreeSet<LessonId>,
    /// Lessons completed.
    pub completed: BTreeSet<LessonId>,
    /// The lesson of the latest activity, and its time.
    pub last_lesson: Option<(LessonId, DateTime<Utc>)>,
    /// The day of the latest activity of any kind.
    pub last_active_day: Option<NaiveDate>,
}

rollup!(
    EnrollmentRollup,
    RecordKind {
        name: "analytics_enrollment",
        keys: &[],
    },
    |_r: &EnrollmentRollup, _i: &mut Index| {},
    |r: &EnrollmentRollup| Some(r.user_id)
);

impl EnrollmentRollup {
    /// An enrollment seen for the first time.
    pub fn new(id: EnrollmentId, user_id: UserId) -> Self {
        Self {
            id,
            user_id,
            ..Self::default()
        }
    }

    /// Counts the enrollment itself; tells whether it was new.
    pub fn enrolled(&mut self, course: &mut CourseRollup, at: DateTime<Utc>) -> bool {
        if self.enrolled_at.is_some() {
            return false;
        }
        self.enrolled_at = Some(at);
        course.enrollments += 1;
        self.active(course, at);
        self.count_duration(course);
        true
    }

    /// Counts learning activity on a lesson (a completion, a graded attempt).
    pub fn lesson_activity(&mut self, course: &mut CourseRollup, lesson: LessonId, completed: bool, at: DateTime<Utc>) {
        if self.reached.insert(lesson) {
            course.lesson(lesson).reached += 1;
        }
        if completed && self.completed.insert(lesson) {
            course.lesson(lesson).completed += 1;
        }
        let newer = self.last_lesson.is_none_or(|(_, last)| at >= last);
        if newer {
            if self.completed_at.is_none() {
                if let Some((previous, _)) = self.last_lesson {
                    course.stopped_elsewhere(previous);
                }
                course.lesson(lesson).last_activity_here += 1;
            }
            self.last_lesson = Some((lesson, at));
        }
        self.active(course, at);
    }

    /// Counts the course's completion: the learner no longer counts as stopped anywhere.
    /// Tells whether it was new.
    pub fn course_completed(&mut self, course: &mut CourseRollup, at: DateTime<Utc>) -> bool {
        if self.completed_at.is_some() {
            return false;
        }
        self.completed_at = Some(at);
        course.completions += 1;
        if let Some((lesson, _)) = self.last_lesson {
            course.stopped_elsewhere(lesson);
        }
        self.active(course, at);
        self.count_duration(course);
        true
    }

    /// Counts the time to complete once both ends are known (the events may arrive in
    /// either order).
    fn count_duration(&self, course: &mut CourseRollup) {
        if let (Some(enrolled), Some(completed)) = (self.enrolled_at, self.completed_at) {
            let hours = u32::try_from((completed - enrolled).num_hours().max(0)).unwrap_or(u32::MAX);
            *course.hours_to_complete.entry(duration_bucket(hours)).or_default() += 1;
        }
    }

    fn active(&mut self, course: &mut CourseRollup, at: DateTime<Utc>) {
        let day = at.date_naive();
        if self.last_active_day.is_none_or(|last| day > last) {
            course.move_active_day(self.last_active_day, day);
            self.last_active_day = Some(day);
        }
    }
}

/// One score's attempts of a quiz: how many, and how many answered each question right.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ScoreBucket {
    /// Attempts with this score.
    pub attempts: u64,
    /// Of those, the ones that answered each question.
    pub answered: BTreeMap<QuestionId, u64>,
    /// Of those, the ones that answered each question right.
    pub correct: BTreeMap<QuestionId, u64>,
}

/// A quiz lesson's attempts, by score: enough to tell each question's difficulty and
/// how well it separates strong from weak attempts, without keeping the attempts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct QuizRollup {
    /// The quiz lesson.
    pub id: LessonId,
    pub version: u64,
    /// Graded attempts by score in percent.
    pub by_score: BTreeMap<u8, ScoreBucket>,
}

rollup!(
    QuizRollup,
    RecordKind {
        name: "analytics_quiz",
        keys: &[],
    }
);

impl QuizRollup {
    /// A quiz with no attempt counted.
    pub fn new(id: LessonId) -> Self {
        Self { id, ..Self::default() }
    }

    /// Counts one graded attempt.
    pub fn attempt(&mut self, score_percent: u8, results: &[(QuestionId, bool)]) {
        let bucket = self.by_score.entry(score_percent).or_default();
        bucket.attempts += 1;
        for &(question, correct) in results {
            *bucket.answered.entry(question).or_default() += 1;
            if correct {
                *bucket.correct.entry(question).or_default() += 1;
            }
        }
    }
}

/// The platform's counters for one day (UTC), with its sales per currency.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct DayRollup {
    /// Derived from the date ([`period_id`]).
    pub id: Uuid,
    pub version: u64,
    /// The day.
    pub date: NaiveDate,
    /// Users who registered that day.
    pub registrations: u64,
    /// Of those, the ones who have enrolled since (whenever).
    pub converted: u64,
    /// Enrollments created.
    pub enrollments: u64,
    /// Lessons completed.
    pub lesson_completions: u64,
    /// Courses completed.
    pub course_completions: u64,
    /// Quiz attempts graded.
    pub quiz_attempts: u64,
    /// Video playback reported, replays included, in milliseconds.
    #[serde(default)]
    pub watch_ms: u64,
    /// The part of that playback that replayed spans watched before.
    #[serde(default)]
    pub replay_ms: u64,
    /// Flashcard reviews, and their study time.
    #[serde(default)]
    pub reviews: ReviewCounts,
    /// Payments and subscriptions per currency.
    pub sales: BTreeMap<String, SalesDay>,
    /// The same payments per product, creator and currency: what the payment reports read.
    #[serde(default)]
    pub products: Vec<ProductSales>,
}

rollup!(
    DayRollup,
    RecordKind {
        name: "analytics_day",
        keys: &[KeySpec::ordered("date")],
    },
    |r: &DayRollup, i: &mut Index| i.set("date", day_value(r.date)),
    |_r: &DayRollup| None
);

impl DayRollup {
    /// The day's study time: video playback and flashcard answer time, in milliseconds.
    pub fn study_ms(&self) -> u64 {
        self.watch_ms + self.reviews.review_ms
    }

    /// The day's sales of the order's product in its currency, added on first use.
    pub fn product(&mut self, order: &Order) -> &mut ProductSales {
        let currency = order.amount.currency.to_string();
        let same = |p: &ProductSales| {
            (p.creator_id, p.course_id, p.class_id) == (order.creator_id, order.course_id, order.class_id)
                && p.currency == currency
        };
        let index = match self.products.iter().position(same) {
            Some(index) => index,
            None => {
                self.products.push(ProductSales {
                    creator_id: order.creator_id,
                    course_id: order.course_id,
                    class_id: order.class_id,
                    currency,
                    ..ProductSales::default()
                });
                self.products.len() - 1
            }
        };
        &mut self.products[index]
    }
}

/// Flashcard reviews counted together (a day's, a deck's, a learner's day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReviewCounts {
    /// Reviews.
    pub reviews: u64,
    /// Their answer time as counted for study (each at most
    /// [`crate::domain::events::MAX_REVIEW_MS`]), in milliseconds.
    pub review_ms: u64,
    /// Reviews of cards due for recall (seen before, on an earlier day).
    pub recalls: u64,
    /// Of those, the ones that passed: recalled over recalls is the retention.
    pub recalled: u64,
}

impl ReviewCounts {
    /// Counts one review.
    pub fn review(&mut self, passed: bool, recall: bool, duration_ms: Option<u32>) {
        self.reviews += 1;
        self.review_ms += u64::from(duration_ms.unwrap_or(0).min(MAX_REVIEW_MS));
        if recall {
            self.recalls += 1;
            self.recalled += u64::from(passed);
        }
    }

    /// Adds another count.
    pub fn add(&mut self, other: &ReviewCounts) {
        self.reviews += other.reviews;
        self.review_ms += other.review_ms;
        self.recalls += other.recalls;
        self.recalled += other.recalled;
    }
}

/// A deck's reviews by every learner.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct DeckRollup {
    /// The deck.
    pub id: DeckId,
    pub version: u64,
    /// Its reviews.
    pub reviews: ReviewCounts,
}

rollup!(
    DeckRollup,
    RecordKind {
        name: "analytics_deck",
        keys: &[],
    }
);

/// One learner's flashcard reviews on one day (their video study time is kept with their
/// enrollments). The learner's own: exported and erased with the rest of their data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct LearnerDayRollup {
    /// Derived from the learner and the day ([`learner_day_id`]).
    pub id: Uuid,
    pub version: u64,
    /// The learner.
    pub user_id: UserId,
    /// The day.
    pub date: NaiveDate,
    /// Their reviews that day.
    pub reviews: ReviewCounts,
}

rollup!(
    LearnerDayRollup,
    RecordKind {
        name: "analytics_learner_day",
        keys: &[KeySpec::ordered("user_date")],
    },
    |r: &LearnerDayRollup, i: &mut Index| i.set("user_date", learner_day_value(r.user_id, r.date)),
    |r: &LearnerDayRollup| Some(r.user_id)
);

/// The `user_date` index value of a learner's day.
pub(crate) fn learner_day_value(user_id: UserId, day: NaiveDate) -> IndexValue {
    IndexValue::Compound(vec![user_id.as_uuid().into(), day_value(day).into()])
}

/// The fixed id of a learner's day: the learner's id with the day's number mixed into
/// its last 64 bits (a learner has one record per day, found without a lookup).
pub(crate) fn learner_day_id(user_id: UserId, day: NaiveDate) -> Uuid {
    let (high, low) = user_id.as_uuid().as_u64_pair();
    Uuid::from_u64_pair(high, low ^ u64::from(day.num_days_from_ce().unsigned_abs()))
}

/// One currency's payments on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SalesDay {
    /// Orders paid.
    pub orders_paid: u64,
    /// Orders whose payment failed.
    pub orders_failed: u64,
    /// Paid, in minor units.
    pub gross_minor: i64,
    /// Refunded, in minor units.
    pub refunded_minor: i64,
    /// Subscriptions that started paying.
    pub subscriptions_started: u64,
    /// Subscriptions that stopped paying.
    pub subscriptions_ended: u64,
    /// How much the monthly recurring revenue changed.
    pub mrr_change_minor: i64,
}

/// One product's sales on one day in one currency: a course's or a class's, with the
/// creator who gets their share. A day holds a row per product sold (or refused) that
/// day, so its size follows the catalog, never the number of buyers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ProductSales {
    /// The creator paid a share of these sales.
    pub creator_id: UserId,
    /// The course, for course sales.
    pub course_id: Option<CourseId>,
    /// The class, for class sales.
    pub class_id: Option<ClassId>,
    /// The currency.
    pub currency: String,
    /// Orders paid that day.
    pub orders_paid: u64,
    /// Payments that failed that day.
    pub orders_failed: u64,
    /// Paid that day, in minor units.
    pub gross_minor: i64,
    /// The creator's and the platform's parts of that.
    pub revenue: RevenueSplit,
    /// Refunded of the orders paid that day, whenever the refunds were made.
    pub refunded_minor: i64,
    /// The parts of the revenue those refunds reversed.
    pub reversed: RevenueSplit,
}

impl ProductSales {
    /// Counts a sale of the order.
    pub fn sale(&mut self, order: &Order) {
        self.orders_paid += 1;
        self.gross_minor += order.amount.amount_minor;
        self.revenue = self.revenue.plus(order.revenue);
    }

    /// Counts refunds of the sales counted here.
    pub fn refund(&mut self, refunded_minor: i64, reversed: RevenueSplit) {
        self.refunded_minor += refunded_minor;
        self.reversed = self.reversed.plus(reversed);
    }
}

/// What the reaction has counted of one order in the day rollups: its sale, on the day it
/// was paid, and its refunds so far. Each order event compares the stored order with this
/// and counts the difference, so events arriving late, twice or out of order count each
/// sale and refund once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct OrderRollup {
    /// The order.
    pub id: OrderId,
    pub version: u64,
    /// The day its sale is counted on, once paid.
    pub paid_on: Option<NaiveDate>,
    /// Refunded, as counted.
    pub refunded_minor: i64,
    /// Reversed of its revenue, as counted.
    pub reversed: RevenueSplit,
}

rollup!(
    OrderRollup,
    RecordKind {
        name: "analytics_order",
        keys: &[],
    }
);

/// The platform's distinct active learners in one ISO week.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WeekRollup {
    /// Derived from the week's Monday ([`period_id`]).
    pub id: Uuid,
    pub version: u64,
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Learners with learning activity that week.
    pub active_learners: u64,
}

rollup!(
    WeekRollup,
    RecordKind {
        name: "analytics_week",
        keys: &[KeySpec::ordered("week_start")],
    },
    |r: &WeekRollup, i: &mut Index| i.set("week_start", day_value(r.week_start)),
    |_r: &WeekRollup| None
);

/// What the reaction knows of one user: when they registered, whether they have
/// enrolled, and the week of their latest learning activity.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct LearnerRollup {
    /// The user.
    pub id: UserId,
    pub version: u64,
    /// The day they registered, once that event is seen.
    pub registered_on: Option<NaiveDate>,
    /// Whether they have enrolled in anything.
    pub enrolled: bool,
    /// Whether their conversion is counted on their registration day.
    pub conversion_counted: bool,
    /// The Monday of the latest week with activity.
    pub last_active_week: Option<NaiveDate>,
}

rollup!(
    LearnerRollup,
    RecordKind {
        name: "analytics_learner",
        keys: &[],
    },
    |_r: &LearnerRollup, _i: &mut Index| {},
    |r: &LearnerRollup| Some(r.id)
);

impl LearnerRollup {
    /// A user seen for the first time.
    pub fn new(id: UserId) -> Self {
        Self { id, ..Self::default() }
    }

    /// Whether a conversion is to be counted now on the registration day: once, when
    /// both the registration and an enrollment are known (in either order).
    pub fn take_conversion(&mut self) -> Option<NaiveDate> {
        let day = self
            .registered_on
            .filter(|_| self.enrolled && !self.conversion_counted)?;
        self.conversion_counted = true;
        Some(day)
    }

    /// Whether this activity is the user's first in its week.
    pub fn first_in_week(&mut self, at: DateTime<Utc>) -> Option<NaiveDate> {
        let week = week_start(at.date_naive());
        if self.last_active_week.is_some_and(|last| last >= week) {
            return None;
        }
        self.last_active_week = Some(week);
        Some(week)
    }
}

/// What one subscription adds to the monthly recurring revenue, as last counted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SubscriptionRollup {
    /// The subscription.
    pub id: SubscriptionId,
    pub version: u64,
    /// Its plan's currency.
    pub currency: String,
    /// Its monthly revenue as counted (0 while it grants nothing).
    pub counted_minor: i64,
}

rollup!(
    SubscriptionRollup,
    RecordKind {
        name: "analytics_subscription",
        keys: &[],
    }
);

/// The monthly recurring revenue now, in one currency.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct MrrRollup {
    /// Derived from the currency ([`currency_id`]).
    pub id: Uuid,
    pub version: u64,
    /// The currency.
    pub currency: String,
    /// Monthly recurring revenue, in minor units.
    pub mrr_minor: i64,
    /// Subscriptions paying it.
    #[serde(default)]
    pub subscriptions: u64,
}

rollup!(
    MrrRollup,
    RecordKind {
        name: "analytics_mrr",
        keys: &[KeySpec::lookup("all")],
    },
    |_r: &MrrRollup, i: &mut Index| i.set("all", true),
    |_r: &MrrRollup| None
);

/// An event the reaction has applied: written with the changes it made, so a second
/// delivery of the event finds it and changes nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AppliedEvent {
    /// The event's id.
    pub id: Uuid,
    pub version: u64,
    /// When it was applied.
    pub applied_at: DateTime<Utc>,
}

rollup!(
    AppliedEvent,
    RecordKind {
        name: "analytics_applied",
        keys: &[KeySpec::ordered("applied_at")],
    },
    |r: &AppliedEvent, i: &mut Index| i.set("applied_at", r.applied_at),
    |_r: &AppliedEvent| None
);

/// The Monday of a date's ISO week.
pub(crate) fn week_start(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// A day as an index value: its number of days from the Common Era.
fn day_value(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// The index value of a day, for range scans.
pub(crate) fn day_index(day: NaiveDate) -> crate::records::IndexValue {
    day_value(day).into()
}

/// The tag of day rollups' ids.
pub(crate) const DAY: &[u8; 8] = b"lms:day\0";
/// The tag of week rollups' ids.
pub(crate) const WEEK: &[u8; 8] = b"lms:week";

/// The fixed id of a day's or a week's rollup (one record per period, found without a
/// lookup): the tag, then the day's number.
pub(crate) fn period_id(tag: &[u8; 8], day: NaiveDate) -> Uuid {
    Uuid::from_u64_pair(
        u64::from_be_bytes(*tag),
        u64::from(day.num_days_from_ce().unsigned_abs()),
    )
}

/// The fixed id of a currency's MRR rollup: a tag, then the code's bytes (ISO 4217
/// codes are three letters).
pub(crate) fn currency_id(currency: &str) -> Uuid {
    let mut code = [0u8; 8];
    for (slot, byte) in code.iter_mut().zip(currency.bytes()) {
        *slot = byte;
    }
    Uuid::from_u64_pair(u64::from_be_bytes(*b"lms:mrr\0"), u64::from_be_bytes(code))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_learner_counts_once_per_lesson_and_stops_only_at_their_latest_lesson() {
        let mut course = CourseRollup::new(CourseId::new());
        let mut learner = EnrollmentRollup::new(EnrollmentId::new(), UserId::new());
        let (first, second) = (LessonId::new(), LessonId::new());
        assert!(learner.enrolled(&mut course, at(2, 9)));
        learner.lesson_activity(&mut course, first, false, at(2, 10));
        learner.lesson_activity(&mut course, first, true, at(2, 11));
        learner.lesson_activity(&mut course, second, true, at(3, 9));
        // A late delivery of an older activity moves nothing.
        learner.lesson_activity(&mut course, first, true, at(2, 12));
        assert_eq!(
            course.lessons[&first],
            LessonCounts {
                reached: 1,
                completed: 1,
                last_activity_here: 0,
                ..LessonCounts::default()
            }
        );
        assert_eq!(
            course.lessons[&second],
            LessonCounts {
                reached: 1,
                completed: 1,
                last_activity_here: 1,
                ..LessonCounts::default()
            }
        );
        assert!(learner.course_completed(&mut course, at(4, 10)));
        assert_eq!(course.lessons[&second].last_activity_here, 0);
        assert_eq!((course.enrollments, course.completions), (1, 1));
        assert_eq!(course.median_hours_to_complete(), Some(49));
        assert_eq!(course.active_since(at(4, 0).date_naive()), 1);
        assert_eq!(course.active_since(at(5, 0).date_naive()), 0);
    }

    #[test]
    fn completion_before_enrollment_still_counts_its_duration_once() {
        let mut course = CourseRollup::new(CourseId::new());
        let mut learner = EnrollmentRollup::new(EnrollmentId::new(), UserId::new());
        assert!(learner.course_completed(&mut course, at(3, 12)));
        assert!(learner.enrolled(&mut course, at(3, 10)));
        assert!(!learner.enrolled(&mut course, at(3, 10)));
        assert_eq!(course.hours_to_complete, BTreeMap::from([(2, 1)]));
    }

    #[test]
    fn durations_are_bucketed_by_hour_then_day_then_week() {
        assert_eq!(
            [0, 71, 72, 95, 96, 8_759].map(duration_bucket),
            [0, 71, 72, 72, 96, 8_736]
        );
        assert_eq!([8_760, 8_903, 8_904].map(duration_bucket), [8_736, 8_736, 8_904]);
    }

    #[test]
    fn latest_activity_days_older_than_a_month_are_forgotten() {
        let mut course = CourseRollup::new(CourseId::new());
        let day = |d: u64| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(d);
        course.move_active_day(None, day(0));
        course.move_active_day(None, day(10));
        course.move_active_day(Some(day(10)), day(40));
        assert_eq!(course.last_active_days, BTreeMap::from([(day(40), 1)]));
        assert_eq!(course.active_since(day(34)), 1);
    }

    #[test]
    fn the_median_is_the_lower_middle_value() {
        let mut course = CourseRollup::new(CourseId::new());
        assert_eq!(course.median_hours_to_complete(), None);
        course.hours_to_complete = BTreeMap::from([(1, 2), (5, 1), (9, 1)]);
        assert_eq!(course.median_hours_to_complete(), Some(1));
        course.hours_to_complete.insert(9, 2);
        assert_eq!(course.median_hours_to_complete(), Some(5));
    }

    #[test]
    fn weeks_start_on_monday() {
        let sunday = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(week_start(sunday), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        let mut learner = LearnerRollup::new(UserId::new());
        assert!(learner.first_in_week(at(3, 9)).is_some());
        assert!(learner.first_in_week(at(6, 9)).is_none());
        assert!(learner.first_in_week(at(9, 9)).is_some());
    }
}
