//! Webhooks: URLs that admins register to receive events, each a subscriber of the relay
//! ([`crate::delivery`]). A delivery is a `POST` of the event's delivered body
//! ([`crate::domain::events::DomainEvent::delivered_body`]) signed as the Standard Webhooks
//! specification says: headers `webhook-id` (the event id), `webhook-timestamp` (Unix
//! seconds) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
//! `id.timestamp.body`, one per signing secret). Every attempt is recorded. How a request
//! travels is a port ([`WebhookTransport`]): the server's sends it over HTTP with a
//! 10-second timeout, no redirects, and no private targets unless allowed.

mod attempt_log;
mod endpoint;
mod service;
mod signature;

pub use endpoint::{
    check_description, check_event_types, check_url, is_public_address, SigningSecret, WebhookAttempt, WebhookEndpoint,
    MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH,
};
pub use service::{NewWebhook, WebhookPatch, WebhookService, WebhookSettings, WebhookTransport};
pub use signature::{signature_header, WebhookSecret};
