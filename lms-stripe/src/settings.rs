//! Where and how the adapter talks to Stripe.

use std::fmt;
use std::time::Duration;

/// The adapter's configuration.
///
/// Its `Debug` output leaves the secrets out.
#[derive(Clone)]
pub struct StripeSettings {
    /// The API's root URL, without `/v1` (default [`StripeSettings::DEFAULT_API_BASE`];
    /// the tests point it at localstripe).
    pub api_base: String,
    /// The secret API key (`sk_live_…`, `sk_test_…`) or a restricted key (`rk_…`).
    pub secret_key: String,
    /// The webhook endpoint's signing secrets (`whsec_…`): a webhook passes when any of
    /// them signed it, so a secret is rolled by listing the new one next to the old one
    /// until the old one expires. With none, no webhook is accepted.
    pub webhook_secrets: Vec<String>,
    /// How far a webhook's signed timestamp may be from now, either way (default
    /// [`StripeSettings::DEFAULT_TOLERANCE`]); an older signed request is a replay.
    pub tolerance: Duration,
}

impl StripeSettings {
    /// Stripe's API.
    pub const DEFAULT_API_BASE: &'static str = "https://api.stripe.com";
    /// Five minutes, as Stripe's own libraries allow.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// Settings for Stripe's API with this secret key, no webhook secret, the default
    /// tolerance.
    pub fn new(secret_key: impl Into<String>) -> Self {
        Self {
            api_base: Self::DEFAULT_API_BASE.to_owned(),
            secret_key: secret_key.into(),
            webhook_secrets: Vec::new(),
            tolerance: Self::DEFAULT_TOLERANCE,
        }
    }
}

impl fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeSettings")
            .field("api_base", &self.api_base)
            .field("secret_key", &"<redacted>")
            .field(
                "webhook_secrets",
                &format_args!("<{} redacted>", self.webhook_secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// Settings the adapter cannot work with.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// `api_base` is not an `http` or `https` URL.
    #[error("the Stripe API base is not an http(s) URL: {0:?}")]
    ApiBase(String),
    /// `secret_key` is empty or cannot be sent in a header.
    #[error("the Stripe secret key is empty or not a valid header value")]
    SecretKey,
    /// The HTTP client could not be built (no TLS backend).
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}
