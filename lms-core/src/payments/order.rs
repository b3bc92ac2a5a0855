//! Orders: one purchase of a course or of a whole class, `pending → paid | failed`, then
//! `partially_refunded | refunded`. An order is a record; its transitions are the only way
//! its state changes, and each is safe to apply again or out of order (a state is never
//! overwritten by an earlier one: a failure reported after the payment went through
//! changes nothing).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::revenue::RevenueSplit;
use crate::domain::events::EventPayload;
use crate::domain::money::Money;
use crate::error::{Error, Result};
use crate::ids::{ClassId, CourseId, OrderId, UserId};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Waiting for the payment.
    Pending,
    /// Paid: the buyer is enrolled.
    Paid,
    /// The payment failed; a new checkout may succeed with another method.
    Failed,
    /// Part of the payment went back; the enrollment stays.
    PartiallyRefunded,
    /// All of it went back; the enrollment is refunded and access ends.
    Refunded,
}

impl OrderStatus {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Failed => "failed",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Refunded => "refunded",
        }
    }
}

/// Why a payment failed, as the payer is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFailure {
    /// `PAYMENT_FAILED` or `CARD_DECLINED`.
    pub code: String,
    /// The provider's decline code, if any.
    pub decline_code: Option<String>,
    /// What the payer can do.
    pub message: String,
}

/// What an order buys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Product {
    /// One course.
    Course(CourseId),
    /// A class at its own price: the class's published courses the buyer had no access to
    /// at checkout, all paid for by one payment.
    Class {
        /// The class.
        class_id: ClassId,
        /// The courses the order gives access to.
        course_ids: Vec<CourseId>,
    },
}

/// A purchase of a course or of a class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Identifier; also the idempotency key of its payment at the provider.
    pub id: OrderId,
    /// Stored version.
    pub version: u64,
    /// Who pays and is enrolled.
    pub buyer_id: UserId,
    /// The course bought; `None` for a class order.
    pub course_id: Option<CourseId>,
    /// The class bought; `None` for a course order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_id: Option<ClassId>,
    /// The courses a class order gives access to (empty for a course order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_course_ids: Vec<CourseId>,
    /// The owner of the course or class when the order was made, who gets the creator's
    /// share.
    pub creator_id: UserId,
    /// The price paid.
    pub amount: Money,
    /// The provider's name (`stripe`, `manual`).
    pub provider: String,
    /// The provider's payment id, once there is one.
    pub provider_reference: Option<String>,
    /// Where it stands.
    pub status: OrderStatus,
    /// The creator's and the platform's parts of the amount.
    pub revenue: RevenueSplit,
    /// Refunded so far (refunds that went through).
    pub refunded_minor: i64,
    /// Refunds under way, not yet through: counted against what may still be refunded.
    pub refunding_minor: i64,
    /// What was reversed of each part by the refunds so far.
    pub reversed: RevenueSplit,
    /// Why the last payment attempt failed.
    pub failure: Option<PaymentFailure>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When the payment went through.
    pub paid_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Record for Order {
    const KIND: RecordKind = RecordKind {
        name: "order",
        keys: &[
            KeySpec::lookup("buyer"),
            KeySpec::lookup("course"),
            KeySpec::lookup("class"),
            KeySpec::unique("provider_reference"),
            KeySpec::ordered("created_at"),
        ],
    };

    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.buyer_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("buyer", self.buyer_id);
        if let Some(course_id) = self.course_id {
            index.set("course", course_id);
        }
        if let Some(class_id) = self.class_id {
            index.set("class", class_id);
        }
        if let Some(reference) = &self.provider_reference {
            index.set("provider_reference", (self.provider.as_str(), reference.as_str()));
        }
        index.set("created_at", self.created_at);
    }
}

impl Order {
    /// A pending order.
    pub fn new(
        buyer_id: UserId,
        product: Product,
        creator_id: UserId,
        amount: Money,
        provider: &str,
        revenue: RevenueSplit,
        now: DateTime<Utc>,
    ) -> Self {
        let (course_id, class_id, class_course_ids) = match product {
            Product::Course(course_id) => (Some(course_id), None, Vec::new()),
            Product::Class { class_id, course_ids } => (None, Some(class_id), course_ids),
        };
        Self {
            id: OrderId::new(),
            version: 1,
            buyer_id,
            course_id,
            class_id,
            class_course_ids,
            creator_id,
            amount,
            provider: provider.to_owned(),
            provider_reference: None,
            status: OrderStatus::Pending,
            revenue,
            refunded_minor: 0,
            refunding_minor: 0,
            reversed: RevenueSplit::default(),
            failure: None,
            created_at: now,
            paid_at: None,
            updated_at: now,
        }
    }

    /// The courses the order gives access to once paid.
    pub fn courses(&self) -> impl Iterator<Item = CourseId> + '_ {
        self.course_id.into_iter().chain(self.class_course_ids.iter().copied())
    }

    /// What may still be refunded: paid, minus refunded and refunds under way.
    pub fn refundable_minor(&self) -> i64 {
        match self.status {
            OrderStatus::Paid | OrderStatus::PartiallyRefunded => {
                self.amount.amount_minor - self.refunded_minor - self.refunding_minor
            }
            _ => 0,
        }
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = now;
    }

    /// The payment went through: pending or failed → paid. Already paid (or refunded
    /// since) changes nothing and returns `None`.
    pub fn mark_paid(&mut self, now: DateTime<Utc>) -> Option<EventPayload> {
        if !matches!(self.status, OrderStatus::Pending | OrderStatus::Failed) {
            return None;
        }
        self.status = OrderStatus::Paid;
        self.failure = None;
        self.paid_at = Some(now);
        self.touch(now);
        Some(EventPayload::OrderPaid {
            order_id: self.id,
            buyer_id: self.buyer_id,
            course_id: self.course_id,
            class_id: self.class_id,
            amount_minor: self.amount.amount_minor,
            currency: self.amount.currency.to_string(),
        })
    }

    /// The payment failed: pending → failed. An order paid meanwhile stays paid (`None`).
    pub fn mark_failed(&mut self, failure: PaymentFailure, now: DateTime<Utc>) -> Option<EventPayload> {
        if self.status != OrderStatus::Pending {
            return None;
        }
        self.status = OrderStatus::Failed;
        self.failure = Some(failure);
        self.touch(now);
        Some(EventPayload::OrderFailed {
            order_id: self.id,
            buyer_id: self.buyer_id,
            course_id: self.course_id,
            class_id: self.class_id,
        })
    }

    /// Sets aside `amount_minor` for a refund under way; at most what is refundable.
    pub fn reserve_refund(&mut self, amount_minor: i64, now: DateTime<Utc>) -> Result<()> {
        if !(1..=self.refundable_minor()).contains(&amount_minor) {
            return Err(Error::invalid(
                "amount_minor",
                "exceeds_refundable",
                format!(
                    "must be between 1 and {}, what is left to refund of this order",
                    self.refundable_minor()
                ),
            ));
        }
        self.refunding_minor += amount_minor;
        self.touch(now);
        Ok(())
    }

    /// A refund under way did not go through: its amount is refundable again.
    pub fn release_refund(&mut self, amount_minor: i64, now: DateTime<Utc>) {
        self.refunding_minor = (self.refunding_minor - amount_minor).max(0);
        self.touch(now);
    }

    /// A refund went through (`reserved` when it was set aside by
    /// [`Order::reserve_refund`]): the refunded total grows, both revenue parts are
    /// reversed in proportion, and the order becomes partially or fully refunded.
    /// A refund of a pending order (the provider reports the refund before the payment)
    /// marks it paid first. Returns the reversal and the events.
    pub fn apply_refund(
        &mut self,
        amount_minor: i64,
        reserved: bool,
        now: DateTime<Utc>,
    ) -> (RevenueSplit, Vec<EventPayload>) {
        let mut events: Vec<EventPayload> = self.mark_paid(now).into_iter().collect();
        let amount_minor = amount_minor.clamp(0, self.amount.amount_minor - self.refunded_minor);
        if reserved {
            self.refunding_minor = (self.refunding_minor - amount_minor).max(0);
        }
        let reversal = self.revenue.reversal(self.refunded_minor, amount_minor);
        self.refunded_minor += amount_minor;
        self.reversed.creator_minor += reversal.creator_minor;
        self.reversed.platform_minor += reversal.platform_minor;
        let full = self.refunded_minor >= self.amount.amount_minor;
        self.status = if full {
            OrderStatus::Refunded
        } else {
            OrderStatus::PartiallyRefunded
        };
        self.touch(now);
        events.push(EventPayload::OrderRefunded {
            order_id: self.id,
            buyer_id: self.buyer_id,
            course_id: self.course_id,
            class_id: self.class_id,
            amount_minor,
            currency: self.amount.currency.to_string(),
            full,
        });
        (reversal, events)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::payments::RevenueShare;

    fn order(amount_minor: i64) -> Order {
        let amount = Money::new(amount_minor, "EUR").expect("valid");
        let revenue = RevenueShare::default().split(amount_minor);
        Order::new(
            UserId::new(),
            Product::Course(CourseId::new()),
            UserId::new(),
            amount,
            "stripe",
            revenue,
            Utc::now(),
        )
    }

    fn failure() -> PaymentFailure {
        PaymentFailure {
            code: "CARD_DECLINED".into(),
            decline_code: Some("card_declined".into()),
            message: "Your card was declined.".into(),
        }
    }

    #[test]
    fn a_late_failure_never_undoes_a_payment() {
        let mut order = order(4900);
        assert!(order.mark_paid(Utc::now()).is_some());
        assert!(order.mark_failed(failure(), Utc::now()).is_none());
        assert!(order.mark_paid(Utc::now()).is_none(), "paid once");
        assert_eq!(order.status, OrderStatus::Paid);
    }

    #[test]
    fn a_failed_order_can_still_be_paid() {
        let mut order = order(4900);
        assert!(order.mark_failed(failure(), Utc::now()).is_some());
        assert!(order.mark_paid(Utc::now()).is_some());
        assert_eq!(order.status, OrderStatus::Paid);
        assert_eq!(order.failure, None);
    }

    #[test]
    fn a_refund_reported_before_the_payment_pays_then_refunds() {
        let mut order = order(4900);
        let (reversal, events) = order.apply_refund(4900, false, Utc::now());
        assert_eq!(order.status, OrderStatus::Refunded);
        assert_eq!(reversal, order.revenue);
        let types: Vec<_> = events.iter().map(EventPayload::public_type).collect();
        assert_eq!(types, ["order.paid", "order.refunded"]);
    }

    #[test]
    fn only_paid_orders_refund() {
        let mut order = order(4900);
        assert!(order.reserve_refund(1, Utc::now()).is_err());
        order.mark_paid(Utc::now());
        assert!(order.reserve_refund(4901, Utc::now()).is_err());
        assert!(order.reserve_refund(4900, Utc::now()).is_ok());
        assert!(order.reserve_refund(1, Utc::now()).is_err(), "all of it is under way");
    }

    /// What can happen to a paid order's refunds, in any order.
    #[derive(Debug, Clone)]
    enum Step {
        Reserve(i64),
        Settle(usize),
        Release(usize),
        Unlisted(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1i64..3000).prop_map(Step::Reserve),
            (0usize..8).prop_map(Step::Settle),
            (0usize..8).prop_map(Step::Release),
            (1i64..3000).prop_map(Step::Unlisted),
        ]
    }

    proptest! {
        #[test]
        fn refunds_never_exceed_what_was_paid(amount in 1i64..10_000, steps in proptest::collection::vec(step(), 0..24)) {
            let mut order = order(amount);
            order.mark_paid(Utc::now());
            let mut reserved: Vec<i64> = Vec::new();
            for step in steps {
                match step {
                    Step::Reserve(n) if order.reserve_refund(n, Utc::now()).is_ok() => reserved.push(n),
                    Step::Settle(i) if i < reserved.len() => {
                        let n = reserved.remove(i);
                        order.apply_refund(n, true, Utc::now());
                    }
                    Step::Release(i) if i < reserved.len() => {
                        let n = reserved.remove(i);
                        order.release_refund(n, Utc::now());
                    }
                    Step::Unlisted(n) => {
                        order.apply_refund(n, false, Utc::now());
                    }
                    _ => {}
                }
                prop_assert!(order.refunded_minor <= amount);
                prop_assert!(order.refunded_minor + order.refundable_minor() <= amount);
                prop_assert!(order.reversed.creator_minor <= order.revenue.creator_minor);
                prop_assert!(order.reversed.platform_minor <= order.revenue.platform_minor);
                prop_assert_eq!(order.reversed.total(), order.refunded_minor);
                prop_assert_eq!(order.status == OrderStatus::Refunded, order.refunded_minor == amount);
            }
        }
    }
}
