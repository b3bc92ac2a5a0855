//! Payment reports (P5, A2): course and class sales, MRR with churn, and creator revenue over a
//! period, with the payment success rate. Admins see everything; instructors see the
//! sales and revenue of their own courses; MRR is the platform's, for admins.
//!
//! Sales and revenue scan the orders created in the period (an ordered key), so a report
//! costs what the period holds, whatever the history. Refunds count against the period of
//! the order they refund.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::order::{Order, OrderStatus};
use super::plan::Plan;
use super::service::{all_by, PaymentService};
use super::subscription::Subscription;
use crate::domain::user::Role;
use crate::error::{Entity, Error, Result};
use crate::ids::{ClassId, CourseId, UserId};
use crate::ports::PageRequest;
use crate::ports::RangeQuery;
use crate::records::{IndexValue, Range};
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

    fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
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
    /// Subscriptions that ended in the period (churn).
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
    /// Orders created in the period that the actor may report on: all for admins, their
    /// own courses' for instructors.
    async fn orders_in(&self, actor: &Actor, period: Period) -> Result<Vec<Order>> {
        let creator = match actor.role {
            Role::Admin => None,
            Role::Instructor => Some(actor.user_id),
            Role::Student => return Err(Error::Forbidden("reports are for instructors and admins".into())),
        };
        let mut orders = Vec::new();
        if period.is_empty() {
            return Ok(orders);
        }
        let mut after = None;
        loop {
            let range = Range::all("created_at", RangeQuery::MAX_LIMIT)
                .between(
                    Bound::Included(IndexValue::from(period.from)),
                    Bound::Excluded(IndexValue::from(period.to)),
                )
                .after(after);
            let page = self
                .deps
                .records
                .range::<Order>(range)
                .await
                .map_err(|e| e.about(Entity::Order, "report"))?;
            orders.extend(
                page.items
                    .into_iter()
                    .filter(|o| creator.is_none_or(|c| o.creator_id == c)),
            );
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(orders),
            }
        }
    }

    /// Sales per product (course or class) and currency for orders created in the period.
    pub async fn sales_report(&self, actor: &Actor, period: Period) -> Result<Vec<SalesRow>> {
        type Product = (Option<CourseId>, Option<ClassId>);
        let mut rows: BTreeMap<(Product, String), SalesRow> = BTreeMap::new();
        for order in self.orders_in(actor, period).await? {
            let currency = order.amount.currency.to_string();
            let row = rows
                .entry(((order.course_id, order.class_id), currency.clone()))
                .or_insert_with(|| SalesRow {
                    course_id: order.course_id,
                    class_id: order.class_id,
                    currency,
                    ..SalesRow::default()
                });
            if order.paid_at.is_some() {
                row.orders_paid += 1;
                row.gross_minor += order.amount.amount_minor;
                row.refunded_minor += order.refunded_minor;
            } else if order.status == OrderStatus::Failed {
                row.orders_failed += 1;
            }
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

    /// Each creator's revenue per currency for orders created in the period.
    pub async fn creator_revenue_report(&self, actor: &Actor, period: Period) -> Result<Vec<CreatorRevenueRow>> {
        let mut rows: BTreeMap<(UserId, String), CreatorRevenueRow> = BTreeMap::new();
        for order in self.orders_in(actor, period).await? {
            if order.paid_at.is_none() {
                continue;
            }
            let currency = order.amount.currency.to_string();
            let row = rows
                .entry((order.creator_id, currency.clone()))
                .or_insert_with(|| CreatorRevenueRow {
                    creator_id: order.creator_id,
                    currency,
                    ..CreatorRevenueRow::default()
                });
            row.sales += 1;
            row.gross_minor += order.amount.amount_minor;
            row.creator_minor += order.revenue.creator_minor;
            row.platform_minor += order.revenue.platform_minor;
            row.refunded_minor += order.refunded_minor;
            row.creator_net_minor += order.revenue.creator_minor - order.reversed.creator_minor;
            row.platform_net_minor += order.revenue.platform_minor - order.reversed.platform_minor;
        }
        Ok(rows.into_values().collect())
    }

    /// Monthly recurring revenue now, per currency, with the subscriptions that ended in
    /// the period (admins).
    pub async fn mrr_report(&self, actor: &Actor, period: Period) -> Result<Vec<MrrRow>> {
        actor.require_admin()?;
        let mut plans: HashMap<_, Plan> = HashMap::new();
        let mut after = None;
        loop {
            let page = self
                .plans(PageRequest {
                    after,
                    limit: PageRequest::MAX_LIMIT,
                })
                .await?;
            plans.extend(page.items.into_iter().map(|p| (p.id, p)));
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let mut rows: BTreeMap<String, MrrRow> = BTreeMap::new();
        for status in ["active", "past_due", "cancelled"] {
            let subscriptions: Vec<Subscription> = all_by(&self.deps, "status", status, Entity::Subscription).await?;
            for subscription in subscriptions {
                let Some(plan) = plans.get(&subscription.plan_id) else {
                    continue;
                };
                let currency = plan.amount.currency.to_string();
                let row = rows.entry(currency.clone()).or_insert_with(|| MrrRow {
                    currency,
                    ..MrrRow::default()
                });
                if subscription.status.grants_premium() {
                    row.active_subscriptions += 1;
                    row.mrr_minor += plan.monthly_minor();
                } else if period.contains(subscription.updated_at) {
                    row.cancelled_in_period += 1;
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
