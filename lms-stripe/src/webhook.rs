//! Stripe's webhooks: the `Stripe-Signature` header and the event body.
//!
//! The header is `t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=…][,v0=…]`: the HMAC of
//! `"{t}.{raw body}"` keyed with the endpoint's signing secret (the whole `whsec_…`
//! string, as bytes). Several `v1` appear while Stripe signs with an old and a new secret.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use lms_core::payments::{ProviderEvent, ProviderObject, ProviderSubscription, SubscriptionStatus, WebhookRejection};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use crate::objects::{timestamp, Charge, Invoice, PaymentIntent, Subscription};

type HmacSha256 = Hmac<Sha256>;

/// The signature header's name (lower case, as the port hands headers over).
const SIGNATURE_HEADER: &str = "stripe-signature";

/// A `Stripe-Signature` header value for `body` sent at `timestamp` (Unix seconds), signed
/// with `secret` as Stripe signs: what a test sends to check that its webhooks are read.
pub fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let signature = signer(secret, &timestamp.to_string(), body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex(&signature))
}

/// The HMAC of `"{timestamp}.{body}"` with `secret`, ready to finalize or verify.
fn signer(secret: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` only fails for fixed-size MACs.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// A parsed signature header.
#[derive(Debug)]
struct SignatureHeader<'a> {
    /// `t` as sent: the signed text starts with it.
    timestamp: &'a str,
    /// `t` as a number.
    sent_at: i64,
    /// The `v1` signatures that are hex; others can match nothing and are left out.
    signatures: Vec<Vec<u8>>,
}

impl<'a> SignatureHeader<'a> {
    /// Reads `t=…,v1=…,…`: the first `t` counts; unknown schemes (`v0`) and elements
    /// without `=` are ignored, as Stripe's libraries do. `None` without a numeric `t` or
    /// without any `v1`.
    fn parse(value: &'a str) -> Option<Self> {
        let mut timestamp = None;
        let mut any_v1 = false;
        let mut signatures = Vec::new();
        for (key, value) in value.split(',').filter_map(|element| element.trim().split_once('=')) {
            match key {
                "t" if timestamp.is_none() => timestamp = Some(value),
                "v1" => {
                    any_v1 = true;
                    signatures.extend(unhex(value));
                }
                _ => {}
            }
        }
        let timestamp = timestamp?;
        let sent_at = timestamp.parse().ok()?;
        any_v1.then_some(Self {
            timestamp,
            sent_at,
            signatures,
        })
    }
}

/// Checks a webhook's signature, then its age.
///
/// The signature comes first: a body no secret signed is a [`SignatureMismatch`] whatever
/// its timestamp, and only a genuine but old (or future) request is a
/// [`StaleTimestamp`](WebhookRejection::StaleTimestamp). Each comparison is constant-time.
///
/// [`SignatureMismatch`]: WebhookRejection::SignatureMismatch
pub(crate) fn verify(
    secrets: &[String],
    tolerance: Duration,
    headers: &[(String, String)],
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), WebhookRejection> {
    if secrets.is_empty() {
        return Err(WebhookRejection::NotAccepted);
    }
    let header = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(SIGNATURE_HEADER))
        .and_then(|(_, value)| SignatureHeader::parse(value))
        .ok_or(WebhookRejection::MalformedSignature)?;
    let signed = secrets.iter().any(|secret| {
        let mac = signer(secret, header.timestamp, body);
        header
            .signatures
            .iter()
            .any(|signature| mac.clone().verify_slice(signature).is_ok())
    });
    if !signed {
        return Err(WebhookRejection::SignatureMismatch);
    }
    let age = (i128::from(now.timestamp()) - i128::from(header.sent_at)).unsigned_abs();
    if age > u128::from(tolerance.as_secs()) {
        return Err(WebhookRejection::StaleTimestamp);
    }
    Ok(())
}

/// What every event has.
#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    created: i64,
    #[serde(default)]
    data: Option<EventData>,
}

#[derive(Debug, Deserialize)]
struct EventData {
    #[serde(default)]
    object: Value,
}

impl Envelope {
    /// The event's object read as `T`.
    fn object<T: DeserializeOwned>(&mut self) -> Result<T, WebhookRejection> {
        let object = self.data.take().map(|data| data.object).unwrap_or_default();
        serde_json::from_value(object)
            .map_err(|e| WebhookRejection::Unreadable(format!("the {} event's object: {e}", self.event_type)))
    }
}

/// Reads a (verified) event body: only `id`, `type`, `created` and what the service needs
/// of `data.object`; every other field, and the API version, is ignored. Events the service
/// does not act on are [`ProviderObject::Ignored`] without their object being read.
pub(crate) fn parse_event(body: &[u8]) -> Result<ProviderEvent, WebhookRejection> {
    let mut envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| WebhookRejection::Unreadable(format!("not a Stripe event: {e}")))?;
    let created_at = timestamp(envelope.created)
        .ok_or_else(|| WebhookRejection::Unreadable(format!("created {} is out of range", envelope.created)))?;
    let object = match envelope.event_type.as_str() {
        "payment_intent.succeeded" | "payment_intent.payment_failed" | "payment_intent.canceled" => {
            let intent: PaymentIntent = envelope.object()?;
            ProviderObject::Payment {
                order_id: intent.metadata.get("order_id"),
                payment: intent.to_payment(),
            }
        }
        "charge.refunded" => {
            let charge: Charge = envelope.object()?;
            match charge.payment_intent {
                Some(payment_reference) => ProviderObject::Refunded {
                    payment_reference,
                    amount_refunded_minor: charge.amount_refunded,
                    refunds: charge
                        .refunds
                        .map(|list| list.data)
                        .unwrap_or_default()
                        .iter()
                        .map(|refund| (refund.to_refund(), refund.amount))
                        .collect(),
                },
                // A charge made without a PaymentIntent is none of ours.
                None => ProviderObject::Ignored,
            }
        }
        "customer.subscription.created" | "customer.subscription.updated" | "customer.subscription.deleted" => {
            let deleted = envelope.event_type == "customer.subscription.deleted";
            let subscription: Subscription = envelope.object()?;
            let mut read = subscription.to_subscription().map_err(WebhookRejection::Unreadable)?;
            if deleted {
                read.status = SubscriptionStatus::Cancelled;
            }
            ProviderObject::Subscription {
                subscription_id: subscription.metadata.get("subscription_id"),
                subscription: read,
            }
        }
        "invoice.paid" | "invoice.payment_succeeded" | "invoice.payment_failed" => {
            let status = if envelope.event_type == "invoice.payment_failed" {
                SubscriptionStatus::PastDue
            } else {
                SubscriptionStatus::Active
            };
            let invoice: Invoice = envelope.object()?;
            match invoice.subscription() {
                Some(reference) => ProviderObject::Subscription {
                    subscription_id: invoice.subscription_metadata("subscription_id"),
                    subscription: ProviderSubscription {
                        reference,
                        status,
                        current_period_end: invoice.period_end(),
                        cancel_at_period_end: false,
                    },
                },
                // A one-off invoice bills no subscription.
                None => ProviderObject::Ignored,
            }
        }
        _ => ProviderObject::Ignored,
    };
    Ok(ProviderEvent {
        id: envelope.id,
        event_type: envelope.event_type,
        created_at,
        object,
    })
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Hex (either case) as bytes; `None` if it is not an even number of hex digits.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
