//! The parts of Stripe's objects the adapter reads, and how they map onto the port.
//!
//! Every struct is lenient: unknown fields are ignored and every field that some API
//! version or some fake (localstripe) leaves out has a default, so the same structs read
//! API answers (in [`crate::STRIPE_API_VERSION`]) and webhook events (in the endpoint's
//! version).

use chrono::{DateTime, Utc};
use lms_core::payments::{
    PaymentState, ProviderPayment, ProviderRefund, ProviderSubscription, RefundState, SubscriptionStatus,
};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Any object of which only the id matters (a customer, a plan, a payment method).
#[derive(Debug, Deserialize)]
pub(crate) struct Object {
    pub(crate) id: String,
}

/// An object's metadata: string values by key; absent or `null` is empty.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct Metadata(Option<Map<String, Value>>);

impl Metadata {
    /// The value under `key`, if it is a string.
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.0.as_ref()?.get(key)?.as_str().map(str::to_owned)
    }
}

/// A list object (`{"object": "list", "data": […]}`).
#[derive(Debug, Deserialize)]
pub(crate) struct List<T> {
    #[serde(default = "Vec::new")]
    pub(crate) data: Vec<T>,
}

/// The body of an error answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub(crate) error: ApiError,
}

/// Stripe's error object: of an error answer, or a payment's `last_payment_error`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ApiError {
    /// `card_error`, `invalid_request_error`, `api_error`, …
    #[serde(rename = "type", default)]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) code: Option<String>,
    #[serde(default)]
    pub(crate) decline_code: Option<String>,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

impl ApiError {
    /// The most precise code: the issuer's decline code, else Stripe's error code.
    pub(crate) fn code(&self) -> Option<String> {
        self.decline_code.clone().or_else(|| self.code.clone())
    }

    /// What the payer is told. Stripe writes the messages of card errors for the payer
    /// ("Your card has insufficient funds."); this adds what they can do about it.
    pub(crate) fn payer_message(&self) -> String {
        let reason = self
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or("Your card was declined.");
        format!("{reason} Try another card or payment method.")
    }

    /// A one-line description for logs and [`lms_core::payments::GatewayError::Rejected`].
    pub(crate) fn describe(&self) -> String {
        let message = self.message.as_deref().unwrap_or("no message");
        match &self.code {
            Some(code) => format!("{message} ({code})"),
            None => message.to_owned(),
        }
    }
}

/// A PaymentIntent.
#[derive(Debug, Deserialize)]
pub(crate) struct PaymentIntent {
    pub(crate) id: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) client_secret: Option<String>,
    #[serde(default)]
    pub(crate) last_payment_error: Option<ApiError>,
    #[serde(default)]
    pub(crate) cancellation_reason: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Metadata,
}

impl PaymentIntent {
    /// Where it stands: `succeeded` is taken; `canceled`, or `requires_payment_method`
    /// after a failed attempt, is failed; anything else (`requires_payment_method` before
    /// any attempt, `requires_confirmation`, `requires_action`, `processing`,
    /// `requires_capture`) waits for the payer or the bank.
    pub(crate) fn state(&self) -> PaymentState {
        match (self.status.as_str(), &self.last_payment_error) {
            ("succeeded", _) => PaymentState::Succeeded,
            ("canceled", _) => PaymentState::Failed {
                code: self.cancellation_reason.clone(),
                message: "The payment was cancelled. Start it again to pay.".to_owned(),
            },
            ("requires_payment_method", Some(error)) => PaymentState::Failed {
                code: error.code(),
                message: error.payer_message(),
            },
            _ => PaymentState::Pending,
        }
    }

    /// The payment as the port knows it.
    pub(crate) fn to_payment(&self) -> ProviderPayment {
        ProviderPayment {
            reference: self.id.clone(),
            client_secret: self.client_secret.clone(),
            state: self.state(),
        }
    }
}

/// A refund.
#[derive(Debug, Deserialize)]
pub(crate) struct Refund {
    pub(crate) id: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) amount: i64,
}

impl Refund {
    /// The refund as the port knows it: `succeeded`; `failed` or `canceled`; else
    /// (`pending`, `requires_action`) pending.
    pub(crate) fn to_refund(&self) -> ProviderRefund {
        let state = match self.status.as_str() {
            "succeeded" => RefundState::Succeeded,
            "failed" | "canceled" => RefundState::Failed,
            _ => RefundState::Pending,
        };
        ProviderRefund {
            reference: self.id.clone(),
            state,
        }
    }
}

/// A charge (of a `charge.refunded` event).
#[derive(Debug, Deserialize)]
pub(crate) struct Charge {
    #[serde(default)]
    pub(crate) payment_intent: Option<String>,
    #[serde(default)]
    pub(crate) amount_refunded: i64,
    /// Only up to API version 2022-08-01, or when expanded.
    #[serde(default)]
    pub(crate) refunds: Option<List<Refund>>,
}

/// A subscription.
#[derive(Debug, Deserialize)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) status: String,
    /// Up to API version 2025-03-31, where it moved to the items.
    #[serde(default)]
    pub(crate) current_period_end: Option<i64>,
    #[serde(default)]
    pub(crate) cancel_at_period_end: bool,
    #[serde(default)]
    pub(crate) items: Option<List<SubscriptionItem>>,
    #[serde(default)]
    pub(crate) metadata: Metadata,
}

/// A subscription's item.
#[derive(Debug, Deserialize)]
pub(crate) struct SubscriptionItem {
    #[serde(default)]
    pub(crate) current_period_end: Option<i64>,
}

impl Subscription {
    /// The subscription as the port knows it; an error names a status Stripe does not
    /// document.
    pub(crate) fn to_subscription(&self) -> Result<ProviderSubscription, String> {
        let status = subscription_status(&self.status)
            .ok_or_else(|| format!("unknown subscription status {:?}", self.status))?;
        let period_end = self.current_period_end.or_else(|| {
            self.items
                .as_ref()
                .and_then(|items| items.data.first())
                .and_then(|item| item.current_period_end)
        });
        Ok(ProviderSubscription {
            reference: self.id.clone(),
            status,
            current_period_end: period_end.and_then(timestamp),
            cancel_at_period_end: self.cancel_at_period_end,
        })
    }
}

/// Stripe's subscription statuses in the port's terms: `paused` (a trial ended without a
/// payment method) counts as not yet paid.
pub(crate) fn subscription_status(status: &str) -> Option<SubscriptionStatus> {
    Some(match status {
        "active" | "trialing" => SubscriptionStatus::Active,
        "past_due" | "unpaid" => SubscriptionStatus::PastDue,
        "canceled" | "incomplete_expired" => SubscriptionStatus::Cancelled,
        "incomplete" | "paused" => SubscriptionStatus::Incomplete,
        _ => return None,
    })
}

/// An invoice (of an `invoice.*` event).
#[derive(Debug, Deserialize)]
pub(crate) struct Invoice {
    /// Up to API version 2025-03-31, where it moved to `parent.subscription_details`.
    #[serde(default)]
    pub(crate) subscription: Option<String>,
    #[serde(default)]
    pub(crate) subscription_details: Option<SubscriptionDetails>,
    #[serde(default)]
    pub(crate) parent: Option<InvoiceParent>,
    #[serde(default)]
    pub(crate) period_end: Option<i64>,
    #[serde(default)]
    pub(crate) lines: Option<List<InvoiceLine>>,
}

/// Where an invoice comes from (API version 2025-03-31 on).
#[derive(Debug, Deserialize)]
pub(crate) struct InvoiceParent {
    #[serde(default)]
    pub(crate) subscription_details: Option<SubscriptionDetails>,
}

/// The subscription an invoice bills.
#[derive(Debug, Deserialize)]
pub(crate) struct SubscriptionDetails {
    #[serde(default)]
    pub(crate) subscription: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Metadata,
}

/// A line of an invoice.
#[derive(Debug, Deserialize)]
pub(crate) struct InvoiceLine {
    #[serde(default)]
    pub(crate) period: Option<Period>,
}

/// A line's period.
#[derive(Debug, Deserialize)]
pub(crate) struct Period {
    #[serde(default)]
    pub(crate) end: Option<i64>,
}

impl Invoice {
    fn details(&self) -> Option<&SubscriptionDetails> {
        self.parent
            .as_ref()
            .and_then(|parent| parent.subscription_details.as_ref())
            .or(self.subscription_details.as_ref())
    }

    /// The subscription it bills, if any.
    pub(crate) fn subscription(&self) -> Option<String> {
        self.subscription
            .clone()
            .or_else(|| self.details()?.subscription.clone())
    }

    /// The subscription's metadata as the invoice copies it.
    pub(crate) fn subscription_metadata(&self, key: &str) -> Option<String> {
        self.details()?.metadata.get(key)
    }

    /// The end of the period it pays: its first line's, else its own `period_end` (which,
    /// for a renewal, is the end of the period billed in arrears).
    pub(crate) fn period_end(&self) -> Option<DateTime<Utc>> {
        self.lines
            .as_ref()
            .and_then(|lines| lines.data.first())
            .and_then(|line| line.period.as_ref()?.end)
            .or(self.period_end)
            .and_then(timestamp)
    }
}

/// A Unix timestamp in seconds, as Stripe writes them.
pub(crate) fn timestamp(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}
