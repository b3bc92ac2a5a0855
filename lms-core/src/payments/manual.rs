//! The manual provider: payments by bank transfer, which an admin confirms. (With no
//! provider at all, nothing is sold: paid courses need premium or an admin.)

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::gateway::{
    GatewayError, Payer, PaymentGateway, PaymentRequest, PaymentState, PlanRequest, ProviderEvent, ProviderPayment,
    ProviderRefund, ProviderSubscription, RefundRequest, RefundState, SubscriptionRequest, WebhookRejection,
};

/// Bank transfers: an order stays pending until an admin marks it paid; refunds are
/// recorded as made (the money goes back outside the LMS); there are no subscriptions.
#[derive(Debug, Clone, Copy, Default)]
pub struct ManualGateway;

#[async_trait]
impl PaymentGateway for ManualGateway {
    fn name(&self) -> &'static str {
        "manual"
    }

    fn takes_payments(&self) -> bool {
        false
    }

    async fn create_customer(&self, payer: &Payer) -> Result<String, GatewayError> {
        Ok(format!("manual_{}", payer.user_id))
    }

    async fn create_payment(&self, request: &PaymentRequest) -> Result<ProviderPayment, GatewayError> {
        Ok(ProviderPayment {
            reference: format!("manual_{}", request.order_id),
            client_secret: None,
            state: PaymentState::Pending,
        })
    }

    async fn fetch_payment(&self, reference: &str) -> Result<ProviderPayment, GatewayError> {
        Ok(ProviderPayment {
            reference: reference.to_owned(),
            client_secret: None,
            state: PaymentState::Pending,
        })
    }

    async fn refund(&self, request: &RefundRequest) -> Result<ProviderRefund, GatewayError> {
        Ok(ProviderRefund {
            reference: format!("manual_{}", request.idempotency_key),
            state: RefundState::Succeeded,
        })
    }

    async fn create_plan(&self, _: &PlanRequest) -> Result<String, GatewayError> {
        Err(GatewayError::Unsupported("subscriptions"))
    }

    async fn subscribe(&self, _: &SubscriptionRequest) -> Result<ProviderSubscription, GatewayError> {
        Err(GatewayError::Unsupported("subscriptions"))
    }

    async fn fetch_subscription(&self, _: &str) -> Result<ProviderSubscription, GatewayError> {
        Err(GatewayError::Unsupported("subscriptions"))
    }

    async fn cancel_subscription(&self, _: &str, _: &str, _: bool) -> Result<ProviderSubscription, GatewayError> {
        Err(GatewayError::Unsupported("subscriptions"))
    }

    fn verify_webhook(
        &self,
        _: &[(String, String)],
        _: &[u8],
        _: DateTime<Utc>,
    ) -> Result<ProviderEvent, WebhookRejection> {
        Err(WebhookRejection::NotAccepted)
    }
}
