//! The analytics reaction: each delivered event changes a few rollups, written in one unit
//! of work with a marker of the event's id. A second delivery finds the marker and
//! changes nothing; a lost version race is retried on fresh rollups.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::meter::Metered;
use super::rollups::{
    currency_id, learner_day_id, period_id, AppliedEvent, CourseRollup, DayRollup, DeckRollup, EnrollmentRollup,
    LearnerDayRollup, LearnerRollup, MrrRollup, OrderRollup, QuizRollup, ReviewCounts, Rollup, SalesDay,
    SubscriptionRollup, WeekRollup, DAY, WEEK,
};
use super::AnalyticsService;
use crate::delivery::Subscriber;
use crate::domain::events::{DomainEvent, EventPayload};
use crate::domain::video::WatchTime;
use crate::error::{Entity, Error, Result};
use crate::ids::{CourseId, EnrollmentId, LessonId, OrderId, UserId};
use crate::payments::{Order, Plan, RevenueSplit, Subscription};
use crate::ports::{Notifier, NotifyError, StoreError, UniqueKey, UnitOfWork};
use crate::records::{Record, Records};
use crate::services::retry_on_conflict;

/// The name the reaction's stream is stored under.
pub const REACTION_NAME: &str = "analytics";

/// The event types the reaction counts.
const HANDLED: [&str; 10] = [
    "user.registered",
    "enrollment.created",
    "lesson.completed",
    "quiz.graded",
    "course.completed",
    "order.paid",
    "order.failed",
    "order.refunded",
    "subscription.changed",
    "card.reviewed",
];

impl AnalyticsService {
    /// The reaction as a relay subscriber: give it to the relay that runs next to this
    /// service (see [`crate::delivery`]).
    pub fn subscriber(&self) -> Subscriber {
        Subscriber::new(REACTION_NAME, Arc::new(self.clone())).only(HANDLED)
    }

    /// Applies an event to the rollups, once whatever the number of deliveries.
    pub async fn apply(&self, event: &DomainEvent) -> Result<()> {
        let _one_at_a_time = self.serial.lock().await;
        retry_on_conflict(|| async {
            let mut changes = Changes::new(&self.deps.records, Some(event.id.into()), event.occurred_at);
            changes.count(event).await?;
            changes.commit().await
        })
        .await
    }

    /// Adds the video playback metered since the last flush to the course and day
    /// rollups, in one write; what a failed write took goes back to the meter. Call it
    /// every few seconds (the server does, every `LMS_ANALYTICS_FLUSH_SECONDS`) and once
    /// at shutdown.
    pub async fn flush_watch_time(&self) -> Result<()> {
        let metered = self.deps.meter.take();
        if metered.is_empty() {
            return Ok(());
        }
        let _one_at_a_time = self.serial.lock().await;
        let written = retry_on_conflict(|| async {
            let mut changes = Changes::new(&self.deps.records, None, self.deps.clock.now());
            changes.count_watch_time(&metered).await?;
            changes.commit().await
        })
        .await;
        if written.is_err() {
            self.deps.meter.restore(metered);
        }
        written
    }

    /// Starts metering video playback for the aggregate reports: from now on, someone
    /// must call [`Self::flush_watch_time`] regularly (as [`Self::run_watch_meter`]
    /// does).
    pub fn start_watch_meter(&self) {
        self.deps.meter.start();
    }

    /// Meters video playback and flushes it every `every` until `shutdown` completes,
    /// then flushes once more. A failed flush is logged and retried at the next tick.
    pub async fn run_watch_meter(&self, every: std::time::Duration, shutdown: impl std::future::Future<Output = ()>) {
        self.start_watch_meter();
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = &mut shutdown => break,
            }
            if let Err(e) = self.flush_watch_time().await {
                tracing::warn!(error = %e, "video watch time not added to the analytics; retried at the next flush");
            }
        }
        if let Err(e) = self.flush_watch_time().await {
            tracing::warn!(error = %e, "video watch time not added to the analytics at shutdown");
        }
    }
}

#[async_trait]
impl Notifier for AnalyticsService {
    async fn deliver(&self, event: &DomainEvent) -> std::result::Result<(), NotifyError> {
        self.apply(event).await.map_err(|err| NotifyError(Box::new(err)))
    }
}

/// A rollup as loaded, with the version it is stored at (none for a new one).
struct Loaded<R> {
    value: R,
    stored: Option<u64>,
}

/// The rollups one event (or one flush of the meter) changes, loaded once each and
/// written together.
struct Changes<'a> {
    records: &'a Records,
    /// The event's id, written as its marker; none for a flush.
    event_id: Option<Uuid>,
    at: DateTime<Utc>,
    unit: UnitOfWork,
    days: BTreeMap<NaiveDate, Loaded<DayRollup>>,
}

fn store_error(kind: &'static str) -> impl Fn(StoreError) -> Error {
    move |e| e.about(Entity::Analytics, kind)
}

impl<'a> Changes<'a> {
    fn new(records: &'a Records, event_id: Option<Uuid>, at: DateTime<Utc>) -> Self {
        Self {
            records,
            event_id,
            at,
            unit: UnitOfWork::default(),
            days: BTreeMap::new(),
        }
    }

    async fn load<R: Rollup>(&self, id: Uuid, new: impl FnOnce() -> R) -> Result<Loaded<R>> {
        let found = self.records.get::<R>(id).await.map_err(store_error(R::KIND.name))?;
        Ok(match found {
            Some(value) => Loaded {
                stored: Some(value.version()),
                value,
            },
            None => Loaded {
                value: new(),
                stored: None,
            },
        })
    }

    fn stage<R: Rollup>(&mut self, mut loaded: Loaded<R>) -> Result<()> {
        let staged = match loaded.stored {
            Some(version) => {
                *loaded.value.version_mut() = version + 1;
                self.unit.update(&loaded.value, version).map(|_| ())
            }
            None => {
                *loaded.value.version_mut() = 1;
                self.unit.insert(&loaded.value).map(|_| ())
            }
        };
        staged.map_err(store_error(R::KIND.name))
    }

    /// The day's rollup, loaded on first use.
    async fn day(&mut self, date: NaiveDate) -> Result<&mut DayRollup> {
        if !self.days.contains_key(&date) {
            let loaded = self
                .load(period_id(DAY, date), || DayRollup {
                    id: period_id(DAY, date),
                    date,
                    ..DayRollup::default()
                })
                .await?;
            self.days.insert(date, loaded);
        }
        Ok(&mut self
            .days
            .get_mut(&date)
            .unwrap_or_else(|| unreachable!("inserted above"))
            .value)
    }

    /// The event's day's sales in a currency.
    async fn sales(&mut self, currency: &str) -> Result<&mut SalesDay> {
        let today = self.at.date_naive();
        Ok(self.day(today).await?.sales.entry(currency.to_owned()).or_default())
    }

    async fn count(&mut self, event: &DomainEvent) -> Result<()> {
        let today = self.at.date_naive();
        match &event.payload {
            EventPayload::UserRegistered { user_id } => {
                let mut learner = self.learner(*user_id).await?;
                if learner.value.registered_on.is_none() {
                    learner.value.registered_on = Some(today);
                    self.day(today).await?.registrations += 1;
                }
                self.count_conversion(&mut learner.value).await?;
                self.stage(learner)?;
            }
            EventPayload::Enrolled {
                enrollment_id,
                user_id,
                course_id,
                ..
            } => {
                let (mut course, mut enrollment) = self.enrollment(*course_id, *enrollment_id, *user_id).await?;
                if enrollment.value.enrolled(&mut course.value, self.at) {
                    self.day(today).await?.enrollments += 1;
                }
                self.stage(course)?;
                self.stage(enrollment)?;
                let mut learner = self.learner(*user_id).await?;
                learner.value.enrolled = true;
                self.count_conversion(&mut learner.value).await?;
                self.count_week(&mut learner.value).await?;
                self.stage(learner)?;
            }
            EventPayload::LessonCompleted {
                enrollment_id,
                user_id,
                course_id,
                lesson_id,
            } => {
                let (mut course, mut enrollment) = self.enrollment(*course_id, *enrollment_id, *user_id).await?;
                enrollment
                    .value
                    .lesson_activity(&mut course.value, *lesson_id, true, self.at);
                self.stage(course)?;
                self.stage(enrollment)?;
                self.day(today).await?.lesson_completions += 1;
                self.learner_active(*user_id).await?;
            }
            EventPayload::QuizGraded {
                enrollment_id,
                user_id,
                course_id,
                lesson_id,
                score_percent,
                results,
                ..
            } => {
                let (mut course, mut enrollment) = self.enrollment(*course_id, *enrollment_id, *user_id).await?;
                enrollment
                    .value
                    .lesson_activity(&mut course.value, *lesson_id, false, self.at);
                self.stage(course)?;
                self.stage(enrollment)?;
                let mut quiz = self.load((*lesson_id).into(), || QuizRollup::new(*lesson_id)).await?;
                quiz.value.attempt(*score_percent, results);
                self.stage(quiz)?;
                self.day(today).await?.quiz_attempts += 1;
                self.learner_active(*user_id).await?;
            }
            EventPayload::EnrollmentCompleted {
                enrollment_id,
                user_id,
                course_id,
            } => {
                let (mut course, mut enrollment) = self.enrollment(*course_id, *enrollment_id, *user_id).await?;
                if enrollment.value.course_completed(&mut course.value, self.at) {
                    self.day(today).await?.course_completions += 1;
                }
                self.stage(course)?;
                self.stage(enrollment)?;
                self.learner_active(*user_id).await?;
            }
            EventPayload::OrderPaid {
                order_id,
                amount_minor,
                currency,
                ..
            } => {
                let sales = self.sales(currency).await?;
                sales.orders_paid += 1;
                sales.gross_minor += amount_minor;
                self.count_order(*order_id).await?;
            }
            EventPayload::OrderFailed { order_id, .. } => {
                let order = self.order(*order_id).await?;
                self.sales(&order.amount.currency.to_string()).await?.orders_failed += 1;
                self.day(today).await?.product(&order).orders_failed += 1;
            }
            EventPayload::OrderRefunded {
                order_id,
                amount_minor,
                currency,
                ..
            } => {
                self.sales(currency).await?.refunded_minor += amount_minor;
                self.count_order(*order_id).await?;
            }
            EventPayload::SubscriptionChanged { subscription_id, .. } => {
                self.count_subscription((*subscription_id).into()).await?;
            }
            EventPayload::CardReviewed {
                user_id,
                deck_id,
                passed,
                recall,
                duration_ms,
                ..
            } => {
                let review = |counts: &mut ReviewCounts| counts.review(*passed, *recall, *duration_ms);
                review(&mut self.day(today).await?.reviews);
                let mut deck = self
                    .load((*deck_id).into(), || DeckRollup {
                        id: *deck_id,
                        ..DeckRollup::default()
                    })
                    .await?;
                review(&mut deck.value.reviews);
                self.stage(deck)?;
                let id = learner_day_id(*user_id, today);
                let mut learner_day = self
                    .load(id, || LearnerDayRollup {
                        id,
                        user_id: *user_id,
                        date: today,
                        ..LearnerDayRollup::default()
                    })
                    .await?;
                review(&mut learner_day.value.reviews);
                self.stage(learner_day)?;
                self.learner_active(*user_id).await?;
            }
            _ => return Ok(()),
        }
        Ok(())
    }

    /// Adds metered playback to its lessons' course rollups and its days' rollups.
    async fn count_watch_time(&mut self, metered: &Metered) -> Result<()> {
        let mut courses: BTreeMap<CourseId, Vec<(LessonId, WatchTime)>> = BTreeMap::new();
        for (&(course, lesson, day), &watched) in metered {
            courses.entry(course).or_default().push((lesson, watched));
            let counted = self.day(day).await?;
            counted.watch_ms += watched.watch_ms;
            counted.replay_ms += watched.replay_ms;
        }
        for (course_id, lessons) in courses {
            let mut course = self.load(course_id.into(), || CourseRollup::new(course_id)).await?;
            for (lesson, watched) in lessons {
                course.value.watched(lesson, watched);
            }
            self.stage(course)?;
        }
        Ok(())
    }

    /// A course's rollup and an enrollment's, the latter new if unseen.
    async fn enrollment(
        &self,
        course_id: CourseId,
        enrollment_id: EnrollmentId,
        user_id: UserId,
    ) -> Result<(Loaded<CourseRollup>, Loaded<EnrollmentRollup>)> {
        let course = self.load(course_id.into(), || CourseRollup::new(course_id)).await?;
        let enrollment = self
            .load(enrollment_id.into(), || EnrollmentRollup::new(enrollment_id, user_id))
            .await?;
        Ok((course, enrollment))
    }

    async fn learner(&self, user_id: UserId) -> Result<Loaded<LearnerRollup>> {
        self.load(user_id.into(), || LearnerRollup::new(user_id)).await
    }

    /// Counts the user as active this week, if this is their first activity in it.
    async fn learner_active(&mut self, user_id: UserId) -> Result<()> {
        let mut learner = self.learner(user_id).await?;
        if self.count_week(&mut learner.value).await? {
            self.stage(learner)?;
        }
        Ok(())
    }

    /// Counts a first activity in the event's week; tells whether the learner changed.
    async fn count_week(&mut self, learner: &mut LearnerRollup) -> Result<bool> {
        let Some(week) = learner.first_in_week(self.at) else {
            return Ok(false);
        };
        let mut rollup = self
            .load(period_id(WEEK, week), || WeekRollup {
                id: period_id(WEEK, week),
                week_start: week,
                ..WeekRollup::default()
            })
            .await?;
        rollup.value.active_learners += 1;
        self.stage(rollup)?;
        Ok(true)
    }

    /// Counts a conversion on the registration day once both ends are known.
    async fn count_conversion(&mut self, learner: &mut LearnerRollup) -> Result<()> {
        if let Some(registered) = learner.take_conversion() {
            self.day(registered).await?.converted += 1;
        }
        Ok(())
    }

    async fn order(&self, id: OrderId) -> Result<Order> {
        self.records
            .get::<Order>(id)
            .await
            .map_err(store_error(Order::KIND.name))?
            .ok_or_else(|| Error::not_found(Entity::Order, id))
    }

    /// Counts the order's sale on the day it was paid, and the refunds made of it since,
    /// against that same day: what the stored order holds beyond what was counted of it
    /// before ([`OrderRollup`]).
    async fn count_order(&mut self, id: OrderId) -> Result<()> {
        let order = self.order(id).await?;
        let Some(paid_at) = order.paid_at else {
            return Ok(());
        };
        let mut counted = self
            .load(id.into(), || OrderRollup {
                id,
                ..OrderRollup::default()
            })
            .await?;
        let counted_sale = counted.value.paid_on.is_some();
        let refunded = order.refunded_minor - counted.value.refunded_minor;
        let reversed = order.reversed.minus(counted.value.reversed);
        if counted_sale && refunded == 0 && reversed == RevenueSplit::default() {
            return Ok(());
        }
        let day = *counted.value.paid_on.get_or_insert(paid_at.date_naive());
        let product = self.day(day).await?.product(&order);
        if !counted_sale {
            product.sale(&order);
        }
        product.refund(refunded, reversed);
        counted.value.refunded_minor = order.refunded_minor;
        counted.value.reversed = order.reversed;
        self.stage(counted)
    }

    /// Moves the recurring revenue by what the subscription pays now (read from its
    /// stored state, so events arriving late or twice move nothing more).
    async fn count_subscription(&mut self, id: Uuid) -> Result<()> {
        let Some(subscription) = self
            .records
            .get::<Subscription>(id)
            .await
            .map_err(store_error(Subscription::KIND.name))?
        else {
            return Ok(());
        };
        let plan = self
            .records
            .get::<Plan>(subscription.plan_id)
            .await
            .map_err(store_error(Plan::KIND.name))?
            .ok_or_else(|| Error::not_found(Entity::Plan, subscription.plan_id))?;
        let currency = plan.amount.currency.to_string();
        let paying = if subscription.status.grants_premium() {
            plan.monthly_minor()
        } else {
            0
        };
        let mut counted = self
            .load(id, || SubscriptionRollup {
                id: subscription.id,
                currency: currency.clone(),
                ..SubscriptionRollup::default()
            })
            .await?;
        let change = paying - counted.value.counted_minor;
        if change == 0 {
            return Ok(());
        }
        let sales = self.sales(&currency).await?;
        sales.mrr_change_minor += change;
        let paying_change: i64 = match (counted.value.counted_minor, paying) {
            (0, _) => {
                sales.subscriptions_started += 1;
                1
            }
            (_, 0) => {
                sales.subscriptions_ended += 1;
                -1
            }
            _ => 0,
        };
        counted.value.counted_minor = paying;
        self.stage(counted)?;
        let mut mrr = self
            .load(currency_id(&currency), || MrrRollup {
                id: currency_id(&currency),
                currency: currency.clone(),
                ..MrrRollup::default()
            })
            .await?;
        mrr.value.mrr_minor += change;
        mrr.value.subscriptions = mrr.value.subscriptions.saturating_add_signed(paying_change);
        self.stage(mrr)
    }

    /// Writes the changes with the event's marker (first, so a second delivery fails on
    /// it before anything else). A duplicate marker means the event was applied already;
    /// a rollup another writer created or changed first is a conflict, retried.
    async fn commit(mut self) -> Result<()> {
        let days = std::mem::take(&mut self.days);
        for loaded in days.into_values() {
            self.stage(loaded)?;
        }
        let mut unit = UnitOfWork::default();
        if let Some(id) = self.event_id {
            unit.insert(&AppliedEvent {
                id,
                version: 1,
                applied_at: self.at,
            })
            .map_err(store_error(AppliedEvent::KIND.name))?;
        }
        unit.writes.append(&mut self.unit.writes);
        match self.records.write(&unit).await {
            Ok(()) => Ok(()),
            Err(StoreError::Duplicate(UniqueKey::Record { kind, .. })) if kind == AppliedEvent::KIND.name => Ok(()),
            Err(StoreError::Duplicate(_)) => Err(Error::Conflict {
                entity: Entity::Analytics,
                id: self
                    .event_id
                    .map_or_else(|| "watch time".to_owned(), |id| id.to_string()),
            }),
            Err(e) => Err(store_error("rollups")(e)),
        }
    }
}
