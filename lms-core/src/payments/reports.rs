//! Payment reports (P5, A2): course and class sales, MRR with churn, and creator revenue over a
//! period, with the payment success rate. Admins see everything; instructors see the
//! sales and revenue of their own courses; MRR is the platform's, for admins.
//!
//! The reports read the analytics rollups ([`crate::analytics`]), which the analytics
//! reaction keeps from the payment events: one rollup per day of the period, whatever the
//! number of orders, and the monthly recurring revenue per currency. They count whole UTC
//! days: a sale on the day it was paid, a failed payment on the day it failed, and a
//! refund against the day of the sale it refunds, so a period's net is what its sales
//! brought in the end. Like every projection of events, they show an event once the
//! relay has delivered it to the reaction (within a second or so).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::Serialize;

use super::service::PaymentService;
use crate::analytics::rollups::ProductSales;
use crate::analytics::{day_rollups, mrr_rollups};
use crate::domain::user::Role;
use crate::error::{Error, Result};
use crate::ids::{ClassId, CourseId, UserId};
use crate::services::Actor;

/// A report's period: from `from` (included) to `to` (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start, included.
    pub from: DateTime<Utc>,
    /// End, excluded.
    pub to: DateTime<Utc>,
}

impl Period {
    /// The period from `from` to `to`; one whose `from` is not before `to` holds nothing
    /// (its reports are empty).
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self { from, to }
    }

    fn is_empty(&self) -> bool {
        self.from >= self.to
    }

    /// The period the reports count: from the midnight (UTC) that starts its first day
    /// to the one that ends its last. An empty period stays as it is.
    pub fn whole_days(self) -> Self {
        let Some((first, last)) = self.days() else {
            return self;
        };
        let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
        Self {
            from: midnight(first),
            to: last.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, midnight),
        }
    }

    /// The first and last UTC days the period touches; none for an empty period.
    fn days(&self) -> Option<(NaiveDate, NaiveDate)> {
        if self.is_empty() {
            return None;
        }
        let last = self
            .to
            .checked_sub_signed(TimeDelta::nanoseconds(1))
            .unwrap_or(self.from);
        Some((self.from.date_naive(), last.date_naive()))
    }
}

/// One product's sales in one currency: a course's, or a class's sold as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SalesRow {
    /// The course, for course sales.
    pub course_id: Option<CourseId>,
    /// The class, for class sales.
    pub class_id: Option<ClassId>,
    /// The currency.
    pub currency: String,
    /// Orders paid (refunded since or not).
    pub orders_paid: u64,
    /// Orders whose payment failed.
    pub orders_failed: u64,
    /// Paid orders out of paid and failed, in percent, rounded down (none without
    /// either).
    pub payment_success_rate_percent: Option<u8>,
    /// Paid, in minor units.
    pub gross_minor: i64,
    /// Refunded of that.
    pub refunded_minor: i64,
    /// Gross minus refunded.
    pub net_minor: i64,
}

/// Recurring revenue in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MrrRow {
    /// The currency.
    pub currency: String,
    /// Subscriptions paying now (active or past due).
    pub active_subscriptions: u64,
    /// Their monthly revenue (a yearly plan counts a twelfth, rounded down).
    pub mrr_minor: i64,
    /// Subscriptions that stopped paying in the period (cancelled or lapsed): the churn.
    pub cancelled_in_period: u64,
    /// Ended in the period out of those paying now plus those, in percent, rounded down.
    pub churn_rate_percent: Option<u8>,
}

/// One creator's revenue in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreatorRevenueRow {
    /// The creator.
    pub creator_id: UserId,
    /// The currency.
    pub currency: String,
    /// Orders paid.
    pub sales: u64,
    /// Paid, in minor units.
    pub gross_minor: i64,
    /// The creator's part of the sales.
    pub creator_minor: i64,
    /// The platform's part.
    pub platform_minor: i64,
    /// Refunded.
    pub refunded_minor: i64,
    /// The creator's part after refunds.
    pub creator_net_minor: i64,
    /// The platform's part after refunds.
    pub platform_net_minor: i64,
}

/// `part` of `whole` in percent, rounded down; `None` for an empty whole.
fn percent(part: u64, whole: u64) -> Option<u8> {
    (whole > 0).then(|| u8::try_from(part * 100 / whole).unwrap_or(100))
}

impl PaymentService {
    /// The day rollups' sales per product over the whole days of the period that the actor
    /// may report on: all for admins, their own courses' and classes' for instructors.
    async fn product_sales(&self, actor: &Actor, period: Period) -> Result<Vec<ProductSales>> {
        let creator = match actor.role {
            Role::Admin => None,
            Role::Instructor => Some(actor.user_id),
            Role::Student => return Err(Error::Forbidden("reports are for instructors and admins".into())),
        };
        let Some((first, last)) = period.days() else {
            return Ok(Vec::new());
        };
        Ok(day_rollups(&self.deps, first, last)
            .await?
            .into_iter()
            .flat_map(|day| day.products)
            .filter(|sales| creator.is_none_or(|c| sales.creator_id == c))
            .collect())
    }

    /// Sales per product (course or class) and currency over the whole days of the period.
    pub async fn sales_report(&self, actor: &Actor, period: Period) -> Result<Vec<SalesRow>> {
        type Product = (Option<CourseId>, Option<ClassId>);
        let mut rows: BTreeMap<(Product, String), SalesRow> = BTreeMap::new();
        for sales in self.product_sales(actor, period).await? {
            let row = rows
                .entry(((sales.course_id, sales.class_id), sales.currency.clone()))
                .or_insert_with(|| SalesRow {
                    course_id: sales.course_id,
                    class_id: sales.class_id,
                    currency: sales.currency.clone(),
                    ..SalesRow::default()
                });
            row.orders_paid += sales.orders_paid;
            row.orders_failed += sales.orders_failed;
            row.gross_minor += sales.gross_minor;
            row.refunded_minor += sales.refunded_minor;
        }
        Ok(rows
            .into_values()
            .map(|mut row| {
                row.net_minor = row.gross_minor - row.refunded_minor;
                row.payment_success_rate_percent = percent(row.orders_paid, row.orders_paid + row.orders_failed);
                row
            })
            .collect())
    }

    /// Each creator's revenue per currency over the whole days of the period.
    pub async fn creator_revenue_report(&self, actor: &Actor, period: Period) -> Result<Vec<CreatorRevenueRow>> {
        let mut rows: BTreeMap<(UserId, String), CreatorRevenueRow> = BTreeMap::new();
        for sales in self.product_sales(actor, period).await? {
            if sales.orders_paid == 0 {
                continue;
            }
            let row = rows
                .entry((sales.creator_id, sales.currency.clone()))
                .or_insert_with(|| CreatorRevenueRow {
                    creator_id: sales.creator_id,
                    currency: sales.currency.clone(),
                    ..CreatorRevenueRow::default()
                });
            let net = sales.revenue.minus(sales.reversed);
            row.sales += sales.orders_paid;
            row.gross_minor += sales.gross_minor;
            row.creator_minor += sales.revenue.creator_minor;
            row.platform_minor += sales.revenue.platform_minor;
            row.refunded_minor += sales.refunded_minor;
            row.creator_net_minor += net.creator_minor;
            row.platform_net_minor += net.platform_minor;
        }
        Ok(rows.into_values().collect())
    }

    /// Monthly recurring revenue now, per currency, with the subscriptions that stopped
    /// paying over the whole days of the period (admins).
    pub async fn mrr_report(&self, actor: &Actor, period: Period) -> Result<Vec<MrrRow>> {
        actor.require_admin()?;
        let mut rows: BTreeMap<String, MrrRow> = mrr_rollups(&self.deps)
            .await?
            .into_iter()
            .map(|mrr| {
                let row = MrrRow {
                    currency: mrr.currency.clone(),
                    active_subscriptions: mrr.subscriptions,
                    mrr_minor: mrr.mrr_minor,
                    ..MrrRow::default()
                };
                (mrr.currency, row)
            })
            .collect();
        if let Some((first, last)) = period.days() {
            for day in day_rollups(&self.deps, first, last).await? {
                for (currency, sales) in day.sales {
                    if sales.subscriptions_ended == 0 {
                        continue;
                    }
                    let row = rows.entry(currency.clone()).or_insert_with(|| MrrRow {
                        currency,
                        ..MrrRow::default()
                    });
                    row.cancelled_in_period += sales.subscriptions_ended;
                }
            }
        }
        Ok(rows
            .into_values()
            .map(|mut row| {
                row.churn_rate_percent = percent(
                    row.cancelled_in_period,
                    row.active_subscriptions + row.cancelled_in_period,
                );
                row
            })
            .collect())
    }
}
