//! The payment-provider port: what the payment service asks of a provider (Stripe, a
//! manual bank transfer, none), in the provider's neutral terms. Adapters make the calls
//! and read the provider's webhooks; every rule (states, revenue, enrollment) stays in the
//! service.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::money::Money;
use crate::error::BoxError;
use crate::ids::UserId;

/// Why a provider call did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The provider refused the payment method (a declined card); `message` is written
    /// for the payer ("Your card was declined. Try another card.").
    #[error("card declined ({code}): {message}")]
    Declined {
        /// The provider's decline code (`card_declined`, `insufficient_funds`, …).
        code: String,
        /// What the payer can do about it.
        message: String,
    },
    /// The provider refused the request for another reason (an invalid parameter, an
    /// amount above what can be refunded).
    #[error("payment provider refused the request: {0}")]
    Rejected(String),
    /// The provider cannot do this at all (a manual provider has no subscriptions).
    #[error("the payment provider does not support {0}")]
    Unsupported(&'static str),
    /// The provider could not be reached or answered with a server error; retrying later
    /// may succeed.
    #[error("payment provider unavailable: {0}")]
    Unavailable(#[source] BoxError),
}

/// A payer as the provider knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    /// The user.
    pub user_id: UserId,
    /// Their email, for the provider's receipts.
    pub email: String,
    /// The provider's customer id, once one exists ([`PaymentGateway::create_customer`]).
    pub customer_reference: Option<String>,
}

/// A one-time payment to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Unique per attempt: the provider does the same request once however often it is
    /// sent (the order id).
    pub idempotency_key: String,
    /// What to take.
    pub amount: Money,
    /// Who pays.
    pub payer: Payer,
    /// A payment method made by the payer's browser (`pm_…`); with it the payment is
    /// confirmed at once, without it the browser confirms with the client secret.
    pub payment_method: Option<String>,
    /// A line the payer sees on their statement or receipt.
    pub description: String,
    /// Our order id, stored with the payment so its webhooks lead back to the order.
    pub order_id: String,
}

/// Where a provider's payment stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Waiting for the payer (or the bank): the order stays pending.
    Pending,
    /// The money is taken.
    Succeeded,
    /// The attempt failed; a new one may succeed with another method.
    Failed {
        /// The provider's code (`card_declined`, …), when it gave one.
        code: Option<String>,
        /// What the payer can do about it.
        message: String,
    },
}

/// A payment as the provider holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProviderPayment {
    /// The provider's id (a PaymentIntent id).
    pub reference: String,
    /// Handed to the payer's browser to confirm a pending payment (Stripe.js).
    pub client_secret: Option<String>,
    /// Where it stands.
    pub state: PaymentState,
}

/// A refund to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Unique per refund (our refund id).
    pub idempotency_key: String,
    /// The provider's payment to refund.
    pub payment_reference: String,
    /// How much, at most what is left of the payment.
    pub amount: Money,
    /// Why, as the admin said.
    pub reason: Option<String>,
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// The provider is still processing it.
    Pending,
    /// The money went back.
    Succeeded,
    /// It did not go through.
    Failed,
}

/// A refund as the provider holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProviderRefund {
    /// The provider's id.
    pub reference: String,
    /// Where it stands.
    pub state: RefundState,
}

/// How often a plan charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// Every month.
    Month,
    /// Every year.
    Year,
}

impl Interval {
    /// The lower-case name (`month`, `year`), as the API and Stripe spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Month => "month",
            Interval::Year => "year",
        }
    }
}

/// A plan to create at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRequest {
    /// Unique per plan (our plan id).
    pub idempotency_key: String,
    /// The plan's name.
    pub name: String,
    /// What each period costs.
    pub amount: Money,
    /// The period.
    pub interval: Interval,
}

/// A subscription to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRequest {
    /// Unique per subscription (our subscription id).
    pub idempotency_key: String,
    /// The provider's plan.
    pub plan_reference: String,
    /// Who pays; their customer exists.
    pub payer: Payer,
    /// The payment method charged each period.
    pub payment_method: String,
    /// Our subscription id, stored with it so its webhooks lead back to it.
    pub subscription_id: String,
}

/// Where a subscription stands, in the provider's terms mapped onto ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Created, first payment not through yet.
    Incomplete,
    /// Paid up: premium.
    Active,
    /// A renewal failed and is being retried: still premium until it ends.
    PastDue,
    /// Ended: premium off.
    Cancelled,
}

impl SubscriptionStatus {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Incomplete => "incomplete",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::PastDue => "past_due",
            SubscriptionStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the subscriber is premium in this state.
    pub fn grants_premium(self) -> bool {
        matches!(self, SubscriptionStatus::Active | SubscriptionStatus::PastDue)
    }
}

/// A subscription as the provider holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProviderSubscription {
    /// The provider's id.
    pub reference: String,
    /// Where it stands.
    pub status: SubscriptionStatus,
    /// When the paid period ends.
    pub current_period_end: Option<DateTime<Utc>>,
    /// Whether it ends at the period's end rather than renewing.
    pub cancel_at_period_end: bool,
}

/// What a provider's webhook event is about, read leniently: what the service needs and
/// nothing else.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderObject {
    /// A payment changed state (`payment_intent.succeeded`, `…payment_failed`).
    Payment {
        /// The order id stored with the payment, if any.
        order_id: Option<String>,
        /// The payment as the event shows it.
        payment: ProviderPayment,
    },
    /// A payment was refunded, in part or in full (`charge.refunded`): the total
    /// refunded so far and each refund.
    Refunded {
        /// The provider's payment.
        payment_reference: String,
        /// Total refunded so far, in minor units.
        amount_refunded_minor: i64,
        /// The refunds, each with its amount in minor units.
        refunds: Vec<(ProviderRefund, i64)>,
    },
    /// A subscription changed (`customer.subscription.*`, `invoice.*`).
    Subscription {
        /// Our subscription id stored with it, if any.
        subscription_id: Option<String>,
        /// The subscription as the event shows it (for invoice events, as far as the
        /// invoice tells; `status` then says whether the invoice was paid).
        subscription: ProviderSubscription,
    },
    /// An event the service does not act on.
    Ignored,
}

/// A verified webhook event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProviderEvent {
    /// The provider's event id: each is processed once.
    pub id: String,
    /// The provider's event type, as sent (`payment_intent.succeeded`).
    pub event_type: String,
    /// When the provider created it: an older event never overwrites a newer state.
    pub created_at: DateTime<Utc>,
    /// What it is about.
    pub object: ProviderObject,
}

/// A webhook that failed verification; nothing of it may be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRejection {
    /// No signature header, or one that cannot be read.
    #[error("missing or malformed signature header")]
    MalformedSignature,
    /// No configured secret signed this body at this time.
    #[error("no signature matches")]
    SignatureMismatch,
    /// The signed timestamp is outside the tolerance.
    #[error("timestamp outside the tolerance")]
    StaleTimestamp,
    /// The body is not an event the provider would send.
    #[error("unreadable event: {0}")]
    Unreadable(String),
    /// This provider takes no webhooks.
    #[error("this payment provider takes no webhooks")]
    NotAccepted,
}

/// A payment provider.
#[async_trait]
pub trait PaymentGateway: Send + Sync + 'static {
    /// The provider's name as stored with orders (`stripe`, `manual`, `none`).
    fn name(&self) -> &'static str;

    /// Whether payments complete through the provider (and its webhooks), rather than
    /// only by an admin marking an order paid.
    fn takes_payments(&self) -> bool;

    /// Creates the provider's customer for a payer, returning its id.
    async fn create_customer(&self, payer: &Payer) -> Result<String, GatewayError>;

    /// Starts a payment; with a payment method it is confirmed at once.
    async fn create_payment(&self, request: &PaymentRequest) -> Result<ProviderPayment, GatewayError>;

    /// Reads a payment again (when an event leaves doubt).
    async fn fetch_payment(&self, reference: &str) -> Result<ProviderPayment, GatewayError>;

    /// Refunds (part of) a payment.
    async fn refund(&self, request: &RefundRequest) -> Result<ProviderRefund, GatewayError>;

    /// Creates a plan, returning its id at the provider.
    async fn create_plan(&self, request: &PlanRequest) -> Result<String, GatewayError>;

    /// Starts a subscription.
    async fn subscribe(&self, request: &SubscriptionRequest) -> Result<ProviderSubscription, GatewayError>;

    /// Reads a subscription again.
    async fn fetch_subscription(&self, reference: &str) -> Result<ProviderSubscription, GatewayError>;

    /// Cancels a subscription: at the end of its period, or `immediately`.
    async fn cancel_subscription(
        &self,
        reference: &str,
        idempotency_key: &str,
        immediately: bool,
    ) -> Result<ProviderSubscription, GatewayError>;

    /// Verifies a webhook from its raw body and headers (lower-case names) at `now`, and
    /// reads the event.
    fn verify_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ProviderEvent, WebhookRejection>;
}
