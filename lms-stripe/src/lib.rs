//! The Stripe adapter of lms-core's payment-provider port
//! ([`lms_core::payments::PaymentGateway`]).
//!
//! [`StripeGateway`] makes plain HTTPS calls to Stripe's API: form-encoded bodies, the
//! secret key as a bearer token, the API version pinned to [`STRIPE_API_VERSION`], and an
//! `Idempotency-Key` on every POST, so a retried call never charges, refunds or subscribes
//! twice. It reads Stripe's webhooks after checking their `Stripe-Signature` against the
//! configured signing secrets; [`sign_webhook`] makes such a signature, for tests.
//!
//! See the crate's README for the settings and for running the tests against localstripe.

#![deny(missing_docs)]

mod form;
mod gateway;
mod objects;
mod settings;
mod webhook;

pub use gateway::StripeGateway;
pub use settings::{SettingsError, StripeSettings};
pub use webhook::sign_webhook;

/// The Stripe API version every request is made with (the `Stripe-Version` header), so
/// the answers keep the shape this crate reads whatever the account's default version.
///
/// Webhook events come in the version of the webhook endpoint instead; they are read
/// leniently, in this version's shape and in the newer one where subscription periods
/// moved to the items and an invoice's subscription to `parent.subscription_details`.
pub const STRIPE_API_VERSION: &str = "2024-06-20";
