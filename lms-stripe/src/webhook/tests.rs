//! Signature checks and lenient reading of events, through the gateway's `verify_webhook`.
//! The samples are events as Stripe sends them (trimmed, with the unknown fields left in).

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use lms_core::payments::{
    PaymentGateway, PaymentState, ProviderEvent, ProviderObject, ProviderPayment, ProviderRefund, ProviderSubscription,
    RefundState, SubscriptionStatus, WebhookRejection,
};

use super::sign_webhook;
use crate::{StripeGateway, StripeSettings};

const SECRET: &str = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";
const OLD_SECRET: &str = "whsec_test_old_0a1b2c3d4e5f";
/// 2024-06-21T10:00:00Z, when the samples were "sent".
const SENT: i64 = 1_718_964_000;

fn gateway(secrets: &[&str]) -> StripeGateway {
    let mut settings = StripeSettings::new("sk_test_unit");
    settings.webhook_secrets = secrets.iter().map(|s| (*s).to_owned()).collect();
    StripeGateway::new(settings).expect("gateway")
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).single().expect("a valid timestamp")
}

fn headers(signature: &str) -> Vec<(String, String)> {
    vec![
        ("content-type".to_owned(), "application/json; charset=utf-8".to_owned()),
        ("stripe-signature".to_owned(), signature.to_owned()),
    ]
}

/// Verifies `body` signed with `SECRET` at `SENT`, received at `SENT`.
fn receive(body: &str) -> Result<ProviderEvent, WebhookRejection> {
    let signature = sign_webhook(SECRET, SENT, body.as_bytes());
    gateway(&[SECRET]).verify_webhook(&headers(&signature), body.as_bytes(), at(SENT))
}

fn object_of(body: &str) -> ProviderObject {
    receive(body).expect("a readable event").object
}

const PAYMENT_SUCCEEDED: &str = r#"{
  "id": "evt_3PU0nQLkdIwHu7ix0vQ2Z1kq",
  "object": "event",
  "api_version": "2024-06-20",
  "created": 1718963990,
  "data": {
    "object": {
      "id": "pi_3PU0nQLkdIwHu7ix0ZGyb4Tp",
      "object": "payment_intent",
      "amount": 4900,
      "amount_capturable": 0,
      "amount_details": {"tip": {}},
      "amount_received": 4900,
      "automatic_payment_methods": null,
      "capture_method": "automatic_async",
      "client_secret": "pi_3PU0nQLkdIwHu7ix0ZGyb4Tp_secret_Zt2o3bXyP6kQh1",
      "confirmation_method": "automatic",
      "created": 1718963988,
      "currency": "eur",
      "customer": "cus_QKgJf6yJ0Xw1sM",
      "description": "Rust for beginners",
      "last_payment_error": null,
      "latest_charge": "ch_3PU0nQLkdIwHu7ix0yUiG8qW",
      "livemode": false,
      "metadata": {"order_id": "0190f3a2-7c4e-7d21-9b8e-5f0a1c2d3e4f", "campaign": "summer"},
      "next_action": null,
      "payment_method": "pm_1PU0nPLkdIwHu7ixk3kqfT0F",
      "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
      "payment_method_types": ["card"],
      "status": "succeeded"
    }
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {"id": "req_8mE0fFh3cK2wq1", "idempotency_key": "order-1-payment"},
  "type": "payment_intent.succeeded"
}"#;

const PAYMENT_FAILED: &str = r#"{
  "id": "evt_3PU0pTLkdIwHu7ix1aB2c3D4",
  "object": "event",
  "api_version": "2024-06-20",
  "created": 1718964001,
  "data": {
    "object": {
      "id": "pi_3PU0pTLkdIwHu7ix1Qw8eRt5",
      "object": "payment_intent",
      "amount": 4900,
      "client_secret": "pi_3PU0pTLkdIwHu7ix1Qw8eRt5_secret_abc",
      "currency": "eur",
      "last_payment_error": {
        "charge": "ch_3PU0pTLkdIwHu7ix1hYdS9f0",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": "Your card has insufficient funds.",
        "payment_method": {"id": "pm_1PU0pSLkdIwHu7ix", "object": "payment_method", "type": "card"},
        "type": "card_error"
      },
      "metadata": {"order_id": "order-2"},
      "status": "requires_payment_method"
    }
  },
  "type": "payment_intent.payment_failed"
}"#;

const PAYMENT_CANCELED: &str = r#"{
  "id": "evt_cancel",
  "object": "event",
  "created": 1718964002,
  "data": {"object": {
    "id": "pi_cancelled",
    "object": "payment_intent",
    "cancellation_reason": "abandoned",
    "canceled_at": 1718964002,
    "client_secret": null,
    "metadata": {},
    "status": "canceled"
  }},
  "type": "payment_intent.canceled"
}"#;

/// As sent to an endpoint on an API version before 2022-11-15, with the refunds listed.
const CHARGE_REFUNDED: &str = r#"{
  "id": "evt_refunded",
  "object": "event",
  "api_version": "2020-08-27",
  "created": 1718964100,
  "data": {
    "object": {
      "id": "ch_3PU0nQLkdIwHu7ix0yUiG8qW",
      "object": "charge",
      "amount": 4900,
      "amount_captured": 4900,
      "amount_refunded": 4900,
      "captured": true,
      "currency": "eur",
      "payment_intent": "pi_3PU0nQLkdIwHu7ix0ZGyb4Tp",
      "refunded": true,
      "refunds": {
        "object": "list",
        "data": [
          {"id": "re_second", "object": "refund", "amount": 3900, "status": "pending", "reason": null,
           "metadata": {"reason": "Course cancelled"}},
          {"id": "re_first", "object": "refund", "amount": 1000, "status": "succeeded",
           "reason": "requested_by_customer", "metadata": {}}
        ],
        "has_more": false,
        "total_count": 2,
        "url": "/v1/charges/ch_3PU0nQLkdIwHu7ix0yUiG8qW/refunds"
      },
      "status": "succeeded"
    },
    "previous_attributes": {"amount_refunded": 1000}
  },
  "type": "charge.refunded"
}"#;

/// As sent on 2022-11-15 and later: no refunds list.
const CHARGE_REFUNDED_WITHOUT_LIST: &str = r#"{
  "id": "evt_refunded_new",
  "created": 1718964101,
  "data": {"object": {
    "id": "ch_1", "object": "charge", "amount": 4900, "amount_refunded": 1000,
    "payment_intent": "pi_1", "refunded": false, "status": "succeeded"
  }},
  "type": "charge.refunded"
}"#;

const SUBSCRIPTION_UPDATED: &str = r#"{
  "id": "evt_sub_updated",
  "object": "event",
  "api_version": "2024-06-20",
  "created": 1718964200,
  "data": {
    "object": {
      "id": "sub_1PU0rRLkdIwHu7ix",
      "object": "subscription",
      "billing_cycle_anchor": 1716372000,
      "cancel_at": 1721050400,
      "cancel_at_period_end": true,
      "collection_method": "charge_automatically",
      "current_period_end": 1721050400,
      "current_period_start": 1718372000,
      "customer": "cus_QKgJf6yJ0Xw1sM",
      "default_payment_method": "pm_1PU0nPLkdIwHu7ixk3kqfT0F",
      "items": {"object": "list", "data": [{"id": "si_1", "object": "subscription_item",
        "plan": {"id": "plan_premium", "amount": 990, "interval": "month"}, "quantity": 1}]},
      "latest_invoice": "in_1PU0rRLkdIwHu7ix",
      "metadata": {"subscription_id": "0190f3a2-sub"},
      "status": "past_due"
    },
    "previous_attributes": {"status": "active", "cancel_at_period_end": false}
  },
  "type": "customer.subscription.updated"
}"#;

const SUBSCRIPTION_DELETED: &str = r#"{
  "id": "evt_sub_deleted",
  "created": 1718964300,
  "data": {"object": {
    "id": "sub_1PU0rRLkdIwHu7ix", "object": "subscription", "cancel_at_period_end": false,
    "canceled_at": 1718964300, "current_period_end": 1721050400, "ended_at": 1718964300,
    "metadata": {"subscription_id": "0190f3a2-sub"}, "status": "canceled"
  }},
  "type": "customer.subscription.deleted"
}"#;

/// API version 2025-03-31.basil: the period is on the items only.
const SUBSCRIPTION_CREATED_BASIL: &str = r#"{
  "id": "evt_sub_created",
  "object": "event",
  "api_version": "2025-03-31.basil",
  "context": null,
  "created": 1718964400,
  "data": {"object": {
    "id": "sub_basil", "object": "subscription", "cancel_at_period_end": false,
    "items": {"object": "list", "data": [
      {"id": "si_basil", "current_period_start": 1718964400, "current_period_end": 1721556400,
       "price": {"id": "price_1", "recurring": {"interval": "month"}}}
    ]},
    "metadata": {"subscription_id": "sub-local-3"},
    "status": "trialing"
  }},
  "type": "customer.subscription.created"
}"#;

const INVOICE_PAID: &str = r#"{
  "id": "evt_invoice_paid",
  "object": "event",
  "api_version": "2024-06-20",
  "created": 1718964500,
  "data": {"object": {
    "id": "in_1PU0rRLkdIwHu7ix",
    "object": "invoice",
    "amount_due": 990,
    "amount_paid": 990,
    "billing_reason": "subscription_cycle",
    "customer": "cus_QKgJf6yJ0Xw1sM",
    "lines": {"object": "list", "data": [
      {"id": "il_1", "object": "line_item", "amount": 990,
       "period": {"start": 1718964500, "end": 1721556500}, "plan": {"id": "plan_premium"}, "type": "subscription"}
    ], "has_more": false},
    "paid": true,
    "period_end": 1718964500,
    "period_start": 1716372500,
    "status": "paid",
    "subscription": "sub_1PU0rRLkdIwHu7ix",
    "subscription_details": {"metadata": {"subscription_id": "0190f3a2-sub"}}
  }},
  "type": "invoice.paid"
}"#;

/// API version 2025-03-31.basil: the subscription under `parent`, no lines.
const INVOICE_FAILED_BASIL: &str = r#"{
  "id": "evt_invoice_failed",
  "object": "event",
  "api_version": "2025-03-31.basil",
  "created": 1718964600,
  "data": {"object": {
    "id": "in_basil",
    "object": "invoice",
    "attempt_count": 2,
    "parent": {
      "quote_details": null,
      "subscription_details": {"metadata": {"subscription_id": "sub-local-4"}, "subscription": "sub_basil"},
      "type": "subscription_details"
    },
    "period_end": 1721556400,
    "status": "open"
  }},
  "type": "invoice.payment_failed"
}"#;

const ONE_OFF_INVOICE_PAID: &str = r#"{
  "id": "evt_one_off",
  "created": 1718964700,
  "data": {"object": {"id": "in_one_off", "object": "invoice", "subscription": null, "status": "paid"}},
  "type": "invoice.payment_succeeded"
}"#;

const CUSTOMER_CREATED: &str = r#"{
  "id": "evt_customer",
  "object": "event",
  "api_version": "2099-01-01.future",
  "created": 1718964800,
  "data": {"object": {"id": "cus_1", "object": "customer", "shiny_new_field": {"nested": [1, 2, 3]}}},
  "type": "customer.created"
}"#;

#[test]
fn a_signed_event_is_accepted() {
    let event = receive(PAYMENT_SUCCEEDED).expect("accepted");
    assert_eq!(event.id, "evt_3PU0nQLkdIwHu7ix0vQ2Z1kq");
    assert_eq!(event.event_type, "payment_intent.succeeded");
    assert_eq!(event.created_at, at(1_718_963_990));
}

#[test]
fn a_signature_by_another_secret_is_a_mismatch() {
    let signature = sign_webhook("whsec_someone_else", SENT, PAYMENT_SUCCEEDED.as_bytes());
    let rejection = gateway(&[SECRET]).verify_webhook(&headers(&signature), PAYMENT_SUCCEEDED.as_bytes(), at(SENT));
    assert_eq!(rejection, Err(WebhookRejection::SignatureMismatch));
}

#[test]
fn a_changed_body_is_a_mismatch() {
    let signature = sign_webhook(SECRET, SENT, PAYMENT_SUCCEEDED.as_bytes());
    let changed = PAYMENT_SUCCEEDED.replace("\"amount\": 4900", "\"amount\": 4901");
    let rejection = gateway(&[SECRET]).verify_webhook(&headers(&signature), changed.as_bytes(), at(SENT));
    assert_eq!(rejection, Err(WebhookRejection::SignatureMismatch));
}

#[test]
fn a_timestamp_beyond_the_tolerance_is_stale_either_way() {
    let gateway = gateway(&[SECRET]);
    let body = PAYMENT_SUCCEEDED.as_bytes();
    let signature = sign_webhook(SECRET, SENT, body);
    assert!(gateway
        .verify_webhook(&headers(&signature), body, at(SENT + 300))
        .is_ok());
    assert!(gateway
        .verify_webhook(&headers(&signature), body, at(SENT - 300))
        .is_ok());
    assert_eq!(
        gateway.verify_webhook(&headers(&signature), body, at(SENT + 301)),
        Err(WebhookRejection::StaleTimestamp)
    );
    assert_eq!(
        gateway.verify_webhook(&headers(&signature), body, at(SENT - 301)),
        Err(WebhookRejection::StaleTimestamp),
        "a timestamp in the future"
    );
}

#[test]
fn the_tolerance_is_configurable() {
    let mut settings = StripeSettings::new("sk_test_unit");
    settings.webhook_secrets = vec![SECRET.to_owned()];
    settings.tolerance = Duration::from_secs(10);
    let gateway = StripeGateway::new(settings).expect("gateway");
    let body = PAYMENT_SUCCEEDED.as_bytes();
    let signature = sign_webhook(SECRET, SENT, body);
    assert!(gateway
        .verify_webhook(&headers(&signature), body, at(SENT + 10))
        .is_ok());
    assert_eq!(
        gateway.verify_webhook(&headers(&signature), body, at(SENT + 11)),
        Err(WebhookRejection::StaleTimestamp)
    );
}

#[test]
fn the_signature_is_checked_before_the_timestamp() {
    let signature = sign_webhook("whsec_forger", SENT - 3600, PAYMENT_SUCCEEDED.as_bytes());
    let rejection = gateway(&[SECRET]).verify_webhook(&headers(&signature), PAYMENT_SUCCEEDED.as_bytes(), at(SENT));
    assert_eq!(rejection, Err(WebhookRejection::SignatureMismatch));
}

#[test]
fn during_a_rotation_either_secret_passes() {
    let gateway = gateway(&[OLD_SECRET, SECRET]);
    let body = PAYMENT_SUCCEEDED.as_bytes();
    for secret in [OLD_SECRET, SECRET] {
        let signature = sign_webhook(secret, SENT, body);
        assert!(
            gateway.verify_webhook(&headers(&signature), body, at(SENT)).is_ok(),
            "{secret}"
        );
    }
    let stranger = sign_webhook("whsec_third", SENT, body);
    assert_eq!(
        gateway.verify_webhook(&headers(&stranger), body, at(SENT)),
        Err(WebhookRejection::SignatureMismatch)
    );
}

#[test]
fn one_matching_v1_among_several_passes() {
    let body = PAYMENT_SUCCEEDED.as_bytes();
    let genuine = sign_webhook(SECRET, SENT, body);
    let genuine_v1 = genuine.split_once(",v1=").expect("a v1").1;
    let other_v1 = sign_webhook(OLD_SECRET, SENT, body);
    let other_v1 = other_v1.split_once(",v1=").expect("a v1").1;
    let header = format!(
        "t={SENT},v1={other_v1},v1=not-hex,v1={},v0=6ffbb59b2300aae63f2720,v1={genuine_v1}",
        "ab".repeat(32)
    );
    assert!(gateway(&[SECRET])
        .verify_webhook(&headers(&header), body, at(SENT))
        .is_ok());
    let upper = format!("t={SENT}, v1={}", genuine_v1.to_ascii_uppercase());
    assert!(
        gateway(&[SECRET])
            .verify_webhook(&headers(&upper), body, at(SENT))
            .is_ok(),
        "upper-case hex and a space after the comma"
    );
}

#[test]
fn a_missing_or_garbled_header_is_malformed() {
    let gateway = gateway(&[SECRET]);
    let body = PAYMENT_SUCCEEDED.as_bytes();
    let v1 = sign_webhook(SECRET, SENT, body);
    let v1 = v1.split_once(",v1=").expect("a v1").1;
    let no_header = vec![("content-type".to_owned(), "application/json".to_owned())];
    assert_eq!(
        gateway.verify_webhook(&no_header, body, at(SENT)),
        Err(WebhookRejection::MalformedSignature)
    );
    for garbled in [
        String::new(),
        "garbage".to_owned(),
        format!("v1={v1}"),
        format!("t=yesterday,v1={v1}"),
        format!("t={SENT}"),
        format!("t={SENT},v0={v1}"),
    ] {
        assert_eq!(
            gateway.verify_webhook(&headers(&garbled), body, at(SENT)),
            Err(WebhookRejection::MalformedSignature),
            "{garbled:?}"
        );
    }
}

#[test]
fn without_a_secret_no_webhook_is_accepted() {
    let body = PAYMENT_SUCCEEDED.as_bytes();
    let signature = sign_webhook(SECRET, SENT, body);
    assert_eq!(
        gateway(&[]).verify_webhook(&headers(&signature), body, at(SENT)),
        Err(WebhookRejection::NotAccepted)
    );
}

#[test]
fn a_payment_event_carries_the_order_and_the_state() {
    assert_eq!(
        object_of(PAYMENT_SUCCEEDED),
        ProviderObject::Payment {
            order_id: Some("0190f3a2-7c4e-7d21-9b8e-5f0a1c2d3e4f".to_owned()),
            payment: ProviderPayment {
                reference: "pi_3PU0nQLkdIwHu7ix0ZGyb4Tp".to_owned(),
                client_secret: Some("pi_3PU0nQLkdIwHu7ix0ZGyb4Tp_secret_Zt2o3bXyP6kQh1".to_owned()),
                state: PaymentState::Succeeded,
            },
        }
    );
    assert_eq!(
        object_of(PAYMENT_FAILED),
        ProviderObject::Payment {
            order_id: Some("order-2".to_owned()),
            payment: ProviderPayment {
                reference: "pi_3PU0pTLkdIwHu7ix1Qw8eRt5".to_owned(),
                client_secret: Some("pi_3PU0pTLkdIwHu7ix1Qw8eRt5_secret_abc".to_owned()),
                state: PaymentState::Failed {
                    code: Some("insufficient_funds".to_owned()),
                    message: "Your card has insufficient funds. Try another card or payment method.".to_owned(),
                },
            },
        }
    );
    let ProviderObject::Payment { order_id, payment } = object_of(PAYMENT_CANCELED) else {
        panic!("a payment");
    };
    assert_eq!(order_id, None);
    assert!(
        matches!(&payment.state, PaymentState::Failed { code: Some(code), .. } if code == "abandoned"),
        "{payment:?}"
    );
}

#[test]
fn a_refund_event_carries_the_total_and_each_refund() {
    assert_eq!(
        object_of(CHARGE_REFUNDED),
        ProviderObject::Refunded {
            payment_reference: "pi_3PU0nQLkdIwHu7ix0ZGyb4Tp".to_owned(),
            amount_refunded_minor: 4900,
            refunds: vec![
                (
                    ProviderRefund {
                        reference: "re_second".to_owned(),
                        state: RefundState::Pending,
                    },
                    3900
                ),
                (
                    ProviderRefund {
                        reference: "re_first".to_owned(),
                        state: RefundState::Succeeded,
                    },
                    1000
                ),
            ],
        }
    );
    assert_eq!(
        object_of(CHARGE_REFUNDED_WITHOUT_LIST),
        ProviderObject::Refunded {
            payment_reference: "pi_1".to_owned(),
            amount_refunded_minor: 1000,
            refunds: Vec::new(),
        }
    );
}

#[test]
fn subscription_events_carry_our_id_status_and_period() {
    assert_eq!(
        object_of(SUBSCRIPTION_UPDATED),
        ProviderObject::Subscription {
            subscription_id: Some("0190f3a2-sub".to_owned()),
            subscription: ProviderSubscription {
                reference: "sub_1PU0rRLkdIwHu7ix".to_owned(),
                status: SubscriptionStatus::PastDue,
                current_period_end: Some(at(1_721_050_400)),
                cancel_at_period_end: true,
            },
        }
    );
    let ProviderObject::Subscription { subscription, .. } = object_of(SUBSCRIPTION_DELETED) else {
        panic!("a subscription");
    };
    assert_eq!(subscription.status, SubscriptionStatus::Cancelled);
    assert_eq!(
        object_of(SUBSCRIPTION_CREATED_BASIL),
        ProviderObject::Subscription {
            subscription_id: Some("sub-local-3".to_owned()),
            subscription: ProviderSubscription {
                reference: "sub_basil".to_owned(),
                status: SubscriptionStatus::Active,
                current_period_end: Some(at(1_721_556_400)),
                cancel_at_period_end: false,
            },
        }
    );
}

#[test]
fn a_deleted_subscription_is_cancelled_whatever_its_status_says() {
    let body = SUBSCRIPTION_DELETED.replace("\"status\": \"canceled\"", "\"status\": \"active\"");
    let ProviderObject::Subscription { subscription, .. } = object_of(&body) else {
        panic!("a subscription");
    };
    assert_eq!(subscription.status, SubscriptionStatus::Cancelled);
}

#[test]
fn invoice_events_tell_whether_the_subscription_is_paid() {
    assert_eq!(
        object_of(INVOICE_PAID),
        ProviderObject::Subscription {
            subscription_id: Some("0190f3a2-sub".to_owned()),
            subscription: ProviderSubscription {
                reference: "sub_1PU0rRLkdIwHu7ix".to_owned(),
                status: SubscriptionStatus::Active,
                current_period_end: Some(at(1_721_556_500)),
                cancel_at_period_end: false,
            },
        }
    );
    assert_eq!(
        object_of(INVOICE_FAILED_BASIL),
        ProviderObject::Subscription {
            subscription_id: Some("sub-local-4".to_owned()),
            subscription: ProviderSubscription {
                reference: "sub_basil".to_owned(),
                status: SubscriptionStatus::PastDue,
                current_period_end: Some(at(1_721_556_400)),
                cancel_at_period_end: false,
            },
        }
    );
    assert_eq!(object_of(ONE_OFF_INVOICE_PAID), ProviderObject::Ignored);
}

#[test]
fn other_events_are_ignored_in_any_api_version() {
    let event = receive(CUSTOMER_CREATED).expect("accepted");
    assert_eq!(event.event_type, "customer.created");
    assert_eq!(event.object, ProviderObject::Ignored);
}

#[test]
fn a_body_that_is_no_event_is_unreadable() {
    for body in [
        "not json at all",
        "[]",
        r#"{"type": "payment_intent.succeeded", "created": 1718964000, "data": {"object": {}}}"#,
        r#"{"id": "evt_1", "created": 1718964000}"#,
        r#"{"id": "evt_1", "type": "customer.created"}"#,
        r#"{"id": "evt_1", "type": "customer.created", "created": "yesterday"}"#,
        r#"{"id": "evt_1", "type": "payment_intent.succeeded", "created": 1718964000, "data": {"object": {"object": "payment_intent"}}}"#,
        r#"{"id": "evt_1", "type": "customer.subscription.updated", "created": 1718964000, "data": {"object": {"id": "sub_1", "status": "hibernating"}}}"#,
        r#"{"id": "evt_1", "type": "charge.refunded", "created": 1718964000}"#,
    ] {
        assert!(
            matches!(receive(body), Err(WebhookRejection::Unreadable(_))),
            "{body}: {:?}",
            receive(body)
        );
    }
}
