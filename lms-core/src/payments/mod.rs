//! Payments (P1–P5): course and class purchases, premium subscriptions, refunds and the creator's
//! revenue share, over a [`PaymentGateway`] port that a provider adapter implements
//! (Stripe in `lms-stripe`, [`ManualGateway`] here for bank transfers; with none, nothing
//! is sold).
//!
//! Orders, refunds, plans, subscriptions and the webhook inbox are records. Effects run
//! from events: a paid order enrolls its buyer, a full refund ends that enrollment, a
//! subscription's state sets premium — in the payments reaction
//! ([`PaymentService::subscriber`]), which the relay feeds at least once; every step is
//! idempotent and reads the current state, so events may come twice and in any order.
//!
//! Money is integer minor units ([`crate::domain::money::Money`]); the revenue rule is in
//! [`revenue`].

mod customer;
mod gateway;
mod inbox;
mod manual;
mod order;
mod plan;
mod reaction;
mod refund;
mod reports;
pub mod revenue;
mod service;
mod subscription;

pub use customer::PaymentCustomer;
pub use gateway::{
    GatewayError, Interval, Payer, PaymentGateway, PaymentRequest, PaymentState, PlanRequest, ProviderEvent,
    ProviderObject, ProviderPayment, ProviderRefund, ProviderSubscription, RefundRequest, RefundState,
    SubscriptionRequest, SubscriptionStatus, WebhookRejection,
};
pub use inbox::InboxEvent;
pub use manual::ManualGateway;
pub use order::{Order, OrderStatus, PaymentFailure, Product};
pub use plan::Plan;
pub use reaction::REACTION_NAME;
pub use refund::{Refund, RefundStatus};
pub use reports::{CreatorRevenueRow, MrrRow, Period, SalesRow};
pub use revenue::{RevenueShare, RevenueSplit};
pub use service::{Checkout, NewPlan, PaymentService, PaymentSettings, Received};
pub use subscription::Subscription;
