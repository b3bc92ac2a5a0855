//! [`StripeGateway`]: the port's calls as Stripe API requests.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lms_core::payments::{
    GatewayError, Payer, PaymentGateway, PaymentRequest, PlanRequest, ProviderEvent, ProviderPayment, ProviderRefund,
    ProviderSubscription, RefundRequest, SubscriptionRequest, SubscriptionStatus, WebhookRejection,
};
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use url::Url;

use crate::form::Form;
use crate::objects::{ApiError, ErrorBody, Object, PaymentIntent, Refund, Subscription};
use crate::settings::{SettingsError, StripeSettings};
use crate::webhook::{self, hex};
use crate::STRIPE_API_VERSION;

/// How long connecting to Stripe may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take, connecting included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest idempotency key Stripe accepts.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The Stripe payment provider.
#[derive(Debug, Clone)]
pub struct StripeGateway {
    settings: StripeSettings,
    api_base: Url,
    authorization: HeaderValue,
    client: reqwest::Client,
}

impl StripeGateway {
    /// A gateway with these settings; nothing is sent until the first call.
    pub fn new(settings: StripeSettings) -> Result<Self, SettingsError> {
        let api_base = Url::parse(&settings.api_base)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .ok_or_else(|| SettingsError::ApiBase(settings.api_base.clone()))?;
        if settings.secret_key.trim().is_empty() {
            return Err(SettingsError::SecretKey);
        }
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", settings.secret_key)).map_err(|_| SettingsError::SecretKey)?;
        authorization.set_sensitive(true);
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("lms-stripe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(SettingsError::Client)?;
        Ok(Self {
            settings,
            api_base,
            authorization,
            client,
        })
    }

    /// GETs an object.
    async fn get<T: DeserializeOwned>(&self, path: &[&str]) -> Result<T, GatewayError> {
        self.call(Method::GET, path, None).await
    }

    /// POSTs a form, under an idempotency key.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &[&str],
        form: &Form,
        idempotency_key: &str,
    ) -> Result<T, GatewayError> {
        self.call(Method::POST, path, Some((form, idempotency_key))).await
    }

    /// DELETEs an object (Stripe ignores idempotency keys there, so none is sent).
    async fn delete<T: DeserializeOwned>(&self, path: &[&str]) -> Result<T, GatewayError> {
        self.call(Method::DELETE, path, None).await
    }

    /// Makes one request to `api_base` + `path` (each element one path segment, percent-
    /// encoded) and reads the answer.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        post: Option<(&Form, &str)>,
    ) -> Result<T, GatewayError> {
        let mut url = self.api_base.clone();
        url.path_segments_mut()
            .expect("the API base is an http(s) URL, checked in new()")
            .pop_if_empty()
            .extend(path);
        let mut request = self
            .client
            .request(method.clone(), url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header("Stripe-Version", STRIPE_API_VERSION);
        if let Some((form, idempotency_key)) = post {
            request = request
                .header("Idempotency-Key", idempotency_key)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form.encode());
        }

        let path = path.join("/");
        let response = request.send().await.map_err(|e| {
            tracing::warn!(%method, %path, error = %e, "Stripe request failed");
            GatewayError::Unavailable(Box::new(e))
        })?;
        let status = response.status();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .bytes()
            .await
            .map_err(|e| GatewayError::Unavailable(Box::new(e)))?;
        tracing::debug!(%method, %path, %status, %request_id, "Stripe answered");

        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                GatewayError::Unavailable(
                    format!("Stripe's answer to {method} /{path} is not what was expected: {e}").into(),
                )
            });
        }
        let error = serde_json::from_slice::<ErrorBody>(&body)
            .map(|body| body.error)
            .unwrap_or_default();
        let failure = classify(status, &error);
        tracing::info!(%method, %path, %status, %request_id, error = %error.describe(), "Stripe refused a request");
        Err(failure)
    }
}

/// An error answer in the port's terms: a card error (`card_error`, or any 402, which
/// Stripe — and localstripe, typed `invalid_request_error` — sends for declined cards) is
/// `Declined`; a conflict with a concurrent request (409), rate limiting (429) and server
/// errors are `Unavailable`, worth retrying; any other refusal is `Rejected`.
fn classify(status: StatusCode, error: &ApiError) -> GatewayError {
    if status == StatusCode::PAYMENT_REQUIRED || error.kind.as_deref() == Some("card_error") {
        GatewayError::Declined {
            code: error.code().unwrap_or_else(|| "card_declined".to_owned()),
            message: error.payer_message(),
        }
    } else if status == StatusCode::CONFLICT || status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        GatewayError::Unavailable(format!("Stripe answered {status}: {}", error.describe()).into())
    } else {
        GatewayError::Rejected(
            error
                .message
                .clone()
                .unwrap_or_else(|| format!("Stripe answered {status}")),
        )
    }
}

/// The idempotency key of one operation of a request: `{base}-{operation}`, or its SHA-256
/// in hex when that is longer than Stripe takes.
fn idempotency_key(base: &str, operation: &str) -> String {
    let key = format!("{base}-{operation}");
    if key.len() <= MAX_IDEMPOTENCY_KEY {
        key
    } else {
        hex(&Sha256::digest(key.as_bytes()))
    }
}

/// Stripe's currency codes are lower case.
fn currency(money: &lms_core::domain::money::Money) -> String {
    money.currency.as_str().to_ascii_lowercase()
}

fn unexpected_answer(what: String) -> GatewayError {
    GatewayError::Unavailable(what.into())
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn takes_payments(&self) -> bool {
        true
    }

    /// `POST /v1/customers` with the email and `metadata[user_id]`, keyed by the user: a
    /// retry finds the customer the first call made.
    async fn create_customer(&self, payer: &Payer) -> Result<String, GatewayError> {
        let form = Form::new()
            .field("email", &payer.email)
            .nested(&["metadata", "user_id"], payer.user_id.to_string());
        let key = idempotency_key(&payer.user_id.to_string(), "customer");
        let customer: Object = self.post(&["v1", "customers"], &form, &key).await?;
        Ok(customer.id)
    }

    /// `POST /v1/payment_intents`; with a payment method, created and confirmed in one
    /// call (`confirm=true`, card only: without a return URL no redirecting method can be
    /// confirmed here). A declined card is [`GatewayError::Declined`].
    async fn create_payment(&self, request: &PaymentRequest) -> Result<ProviderPayment, GatewayError> {
        let mut form = Form::new()
            .field("amount", request.amount.amount_minor.to_string())
            .field("currency", currency(&request.amount))
            .nested(&["metadata", "order_id"], &request.order_id)
            // In the metadata rather than `description`, which localstripe (the fake
            // Stripe of the tests) refuses; the dashboard shows both.
            .nested(&["metadata", "description"], &request.description);
        if let Some(customer) = &request.payer.customer_reference {
            form = form.field("customer", customer);
        }
        if let Some(payment_method) = &request.payment_method {
            form = form
                .field("payment_method", payment_method)
                .nested(&["payment_method_types", "0"], "card")
                .field("confirm", "true");
        }
        let key = idempotency_key(&request.idempotency_key, "payment");
        let intent: PaymentIntent = self.post(&["v1", "payment_intents"], &form, &key).await?;
        Ok(intent.to_payment())
    }

    /// `GET /v1/payment_intents/{id}`.
    async fn fetch_payment(&self, reference: &str) -> Result<ProviderPayment, GatewayError> {
        let intent: PaymentIntent = self.get(&["v1", "payment_intents", reference]).await?;
        Ok(intent.to_payment())
    }

    /// `POST /v1/refunds` for the PaymentIntent; the admin's reason goes into
    /// `metadata[reason]` (Stripe's own `reason` takes only three fixed values).
    async fn refund(&self, request: &RefundRequest) -> Result<ProviderRefund, GatewayError> {
        let mut form = Form::new()
            .field("payment_intent", &request.payment_reference)
            .field("amount", request.amount.amount_minor.to_string());
        if let Some(reason) = &request.reason {
            form = form.nested(&["metadata", "reason"], reason);
        }
        let key = idempotency_key(&request.idempotency_key, "refund");
        let refund: Refund = self.post(&["v1", "refunds"], &form, &key).await?;
        Ok(refund.to_refund())
    }

    /// `POST /v1/plans` with an inline product of the plan's name.
    async fn create_plan(&self, request: &PlanRequest) -> Result<String, GatewayError> {
        let form = Form::new()
            .field("amount", request.amount.amount_minor.to_string())
            .field("currency", currency(&request.amount))
            .field("interval", request.interval.as_str())
            .nested(&["product", "name"], &request.name);
        let key = idempotency_key(&request.idempotency_key, "plan");
        let plan: Object = self.post(&["v1", "plans"], &form, &key).await?;
        Ok(plan.id)
    }

    /// Attaches the payment method to the customer (`POST
    /// /v1/payment_methods/{pm}/attach`), makes it the customer's default for invoices
    /// (`POST /v1/customers/{id}`), then creates the subscription (`POST
    /// /v1/subscriptions`), which charges that default.
    ///
    /// The subscription is created with `payment_behavior=error_if_incomplete`: a declined
    /// first payment is [`GatewayError::Declined`] and leaves no subscription behind.
    /// Stripe keeps that answer for the request's idempotency key, so another attempt
    /// needs another key; the attach and default steps are keyed by payment method too.
    async fn subscribe(&self, request: &SubscriptionRequest) -> Result<ProviderSubscription, GatewayError> {
        let customer = request
            .payer
            .customer_reference
            .as_deref()
            .ok_or_else(|| GatewayError::Rejected("the payer has no Stripe customer yet".to_owned()))?;
        let payment_method = request.payment_method.as_str();
        let per_method =
            |operation: &str| idempotency_key(&request.idempotency_key, &format!("{operation}-{payment_method}"));

        // Attaching a test alias such as `pm_card_visa` makes a new payment method: the
        // rest uses the id Stripe answers with.
        let attached: Object = self
            .post(
                &["v1", "payment_methods", payment_method, "attach"],
                &Form::new().field("customer", customer),
                &per_method("attach"),
            )
            .await?;
        let _customer: Object = self
            .post(
                &["v1", "customers", customer],
                &Form::new().nested(&["invoice_settings", "default_payment_method"], &attached.id),
                &per_method("default-method"),
            )
            .await?;
        let form = Form::new()
            .field("customer", customer)
            .nested(&["items", "0", "plan"], &request.plan_reference)
            .nested(&["metadata", "subscription_id"], &request.subscription_id)
            .field("payment_behavior", "error_if_incomplete");
        let key = idempotency_key(&request.idempotency_key, "subscription");
        let subscription: Subscription = self.post(&["v1", "subscriptions"], &form, &key).await?;
        subscription.to_subscription().map_err(unexpected_answer)
    }

    /// `GET /v1/subscriptions/{id}`.
    async fn fetch_subscription(&self, reference: &str) -> Result<ProviderSubscription, GatewayError> {
        let subscription: Subscription = self.get(&["v1", "subscriptions", reference]).await?;
        subscription.to_subscription().map_err(unexpected_answer)
    }

    /// Immediately: `DELETE /v1/subscriptions/{id}`; should Stripe refuse because an earlier
    /// attempt already cancelled it, the cancelled subscription is the answer. At the
    /// period's end: `POST /v1/subscriptions/{id}` with `cancel_at_period_end=true`.
    async fn cancel_subscription(
        &self,
        reference: &str,
        idempotency_key_base: &str,
        immediately: bool,
    ) -> Result<ProviderSubscription, GatewayError> {
        let path = ["v1", "subscriptions", reference];
        let subscription: Subscription = if immediately {
            match self.delete(&path).await {
                Err(GatewayError::Rejected(refusal)) => {
                    let current = self.fetch_subscription(reference).await?;
                    return if current.status == SubscriptionStatus::Cancelled {
                        Ok(current)
                    } else {
                        Err(GatewayError::Rejected(refusal))
                    };
                }
                answer => answer?,
            }
        } else {
            let form = Form::new().field("cancel_at_period_end", "true");
            let key = idempotency_key(idempotency_key_base, "cancel-at-period-end");
            self.post(&path, &form, &key).await?
        };
        subscription.to_subscription().map_err(unexpected_answer)
    }

    /// Checks the `stripe-signature` header against every configured secret (signature
    /// first, then the timestamp against the tolerance), then reads the event leniently.
    /// Without any configured secret, every webhook is [`WebhookRejection::NotAccepted`].
    fn verify_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ProviderEvent, WebhookRejection> {
        webhook::verify(
            &self.settings.webhook_secrets,
            self.settings.tolerance,
            headers,
            body,
            now,
        )?;
        webhook::parse_event(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> ApiError {
        serde_json::from_str::<ErrorBody>(json).expect("an error body").error
    }

    #[test]
    fn a_card_error_is_a_decline_for_the_payer() {
        let stripe = error(
            r#"{"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.", "payment_intent": {"id": "pi_1"}}}"#,
        );
        match classify(StatusCode::PAYMENT_REQUIRED, &stripe) {
            GatewayError::Declined { code, message } => {
                assert_eq!(code, "insufficient_funds");
                assert_eq!(
                    message,
                    "Your card has insufficient funds. Try another card or payment method."
                );
            }
            other => panic!("{other:?}"),
        }
        // localstripe types its declines as invalid requests, with a 402.
        let localstripe = error(
            r#"{"error": {"type": "invalid_request_error", "code": "card_declined", "message": "Your card was declined.", "charge": "ch_1"}}"#,
        );
        match classify(StatusCode::PAYMENT_REQUIRED, &localstripe) {
            GatewayError::Declined { code, message } => {
                assert_eq!(code, "card_declined");
                assert_eq!(message, "Your card was declined. Try another card or payment method.");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_refusals_are_rejections_and_server_trouble_is_unavailability() {
        let invalid = error(
            r#"{"error": {"type": "invalid_request_error", "code": "amount_too_large", "param": "amount",
                "message": "Refund amount (€50.00) is greater than unrefunded amount on charge (€49.00)"}}"#,
        );
        assert!(
            matches!(classify(StatusCode::BAD_REQUEST, &invalid), GatewayError::Rejected(m) if m.starts_with("Refund amount"))
        );
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, &ApiError::default()),
            GatewayError::Rejected(_)
        ));
        for status in [
            StatusCode::CONFLICT,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
        ] {
            assert!(
                matches!(classify(status, &ApiError::default()), GatewayError::Unavailable(_)),
                "{status}"
            );
        }
    }

    #[test]
    fn idempotency_keys_name_the_operation_and_fit_stripes_limit() {
        assert_eq!(idempotency_key("order-42", "payment"), "order-42-payment");
        let long = "k".repeat(300);
        let hashed = idempotency_key(&long, "payment");
        assert_eq!(hashed.len(), 64);
        assert_ne!(hashed, idempotency_key(&long, "refund"));
    }

    #[test]
    fn settings_are_checked() {
        let mut settings = StripeSettings::new("sk_test_1");
        assert!(StripeGateway::new(settings.clone()).is_ok());
        settings.api_base = "api.stripe.com".to_owned();
        assert!(matches!(
            StripeGateway::new(settings.clone()),
            Err(SettingsError::ApiBase(_))
        ));
        settings.api_base = "ftp://api.stripe.com".to_owned();
        assert!(matches!(StripeGateway::new(settings), Err(SettingsError::ApiBase(_))));
        for key in ["", "  ", "sk_test_\nInjected: yes"] {
            assert!(
                matches!(
                    StripeGateway::new(StripeSettings::new(key)),
                    Err(SettingsError::SecretKey)
                ),
                "{key:?}"
            );
        }
    }

    #[test]
    fn debug_output_leaves_the_secrets_out() {
        let mut settings = StripeSettings::new("sk_live_very_secret");
        settings.webhook_secrets = vec!["whsec_also_secret".to_owned()];
        let gateway = StripeGateway::new(settings).expect("gateway");
        let debug = format!("{gateway:?}");
        assert!(
            !debug.contains("very_secret") && !debug.contains("also_secret"),
            "{debug}"
        );
    }
}
