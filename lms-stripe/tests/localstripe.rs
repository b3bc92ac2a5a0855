//! `StripeGateway` against localstripe, a fake but stateful Stripe, behind the recording
//! proxy of `scripts/stripe-test-server.sh`: `LMS_TEST_STRIPE_URL` is the proxy, and the
//! request log it writes (`LMS_TEST_STRIPE_REQUESTS`, by default the script's) shows the
//! headers sent.
//!
//! Where localstripe differs from Stripe, the test says so.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use lms_core::domain::money::Money;
use lms_core::ids::UserId;
use lms_core::payments::{
    GatewayError, Interval, Payer, PaymentGateway, PaymentRequest, PaymentState, PlanRequest, ProviderObject,
    RefundRequest, RefundState, SubscriptionRequest, SubscriptionStatus,
};
use lms_stripe::{StripeGateway, StripeSettings, STRIPE_API_VERSION};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const WEBHOOK_SECRET: &str = "whsec_lms_stripe_tests";

/// The gateway for the test server, or `None` (the test is skipped) without one.
fn gateway(test: &str) -> Option<(StripeGateway, String)> {
    let url = common::server_url(
        "LMS_TEST_STRIPE_URL",
        "stripe",
        &format!("lms-stripe localstripe ({test})"),
    )?;
    let mut settings = StripeSettings::new("sk_test_lms_stripe_tests");
    settings.api_base = url.clone();
    settings.webhook_secrets = vec![WEBHOOK_SECRET.to_owned()];
    Some((StripeGateway::new(settings).expect("gateway"), url))
}

/// A prefix that makes this run's idempotency keys and ids unique.
fn run() -> String {
    format!("{:016x}", fastrand::u64(..))
}

fn euros(cents: i64) -> Money {
    Money::new(cents, "EUR").expect("money")
}

async fn customer(gateway: &StripeGateway, run: &str) -> Payer {
    let mut payer = Payer {
        user_id: UserId::new(),
        email: format!("ada-{run}@example.org"),
        customer_reference: None,
    };
    let id = gateway.create_customer(&payer).await.expect("create the customer");
    assert!(id.starts_with("cus_"), "{id}");
    payer.customer_reference = Some(id);
    payer
}

fn payment(run: &str, name: &str, payer: &Payer, cents: i64, payment_method: Option<&str>) -> PaymentRequest {
    PaymentRequest {
        idempotency_key: format!("{run}-{name}"),
        amount: euros(cents),
        payer: payer.clone(),
        payment_method: payment_method.map(str::to_owned),
        description: "Rust for beginners".to_owned(),
        order_id: format!("order-{run}-{name}"),
    }
}

async fn plan(gateway: &StripeGateway, run: &str) -> String {
    let plan = gateway
        .create_plan(&PlanRequest {
            idempotency_key: format!("{run}-plan"),
            name: "Premium".to_owned(),
            amount: euros(990),
            interval: Interval::Month,
        })
        .await
        .expect("create the plan");
    assert!(plan.starts_with("plan_"), "{plan}");
    plan
}

fn subscription(run: &str, plan: &str, payer: &Payer, payment_method: &str) -> SubscriptionRequest {
    SubscriptionRequest {
        idempotency_key: format!("{run}-subscription"),
        plan_reference: plan.to_owned(),
        payer: payer.clone(),
        payment_method: payment_method.to_owned(),
        subscription_id: format!("subscription-{run}"),
    }
}

#[cfg_attr(lms_skip_stripe, ignore = "LMS_TEST_STRIPE_URL is not set")]
#[tokio::test]
async fn a_card_payment_is_confirmed_at_once_and_can_be_read_again() {
    let Some((gateway, _)) = gateway("card payment") else {
        return;
    };
    let run = run();
    let payer = customer(&gateway, &run).await;

    let paid = gateway
        .create_payment(&payment(&run, "visa", &payer, 4900, Some("pm_card_visa")))
        .await
        .expect("pay with pm_card_visa");
    assert_eq!(paid.state, PaymentState::Succeeded);
    assert!(paid.reference.starts_with("pi_"), "{paid:?}");
    assert!(paid.client_secret.is_some());
    assert_eq!(gateway.fetch_payment(&paid.reference).await.expect("fetch"), paid);

    let pending = gateway
        .create_payment(&payment(&run, "browser", &payer, 4900, None))
        .await
        .expect("a payment for the browser to confirm");
    assert_eq!(pending.state, PaymentState::Pending);
    assert!(pending
        .client_secret
        .as_deref()
        .is_some_and(|s| s.starts_with(&pending.reference)));

    match gateway.fetch_payment("pi_doesnotexist").await {
        Err(GatewayError::Rejected(_)) => {}
        other => panic!("an unknown payment: {other:?}"),
    }
}

#[cfg_attr(lms_skip_stripe, ignore = "LMS_TEST_STRIPE_URL is not set")]
#[tokio::test]
async fn a_declined_card_is_declined_with_a_message_for_the_payer() {
    let Some((gateway, _)) = gateway("declined card") else {
        return;
    };
    let run = run();
    let payer = customer(&gateway, &run).await;
    // localstripe answers 402 {"type": "invalid_request_error", "code": "card_declined"}
    // (Stripe: "type": "card_error" with a decline_code).
    match gateway
        .create_payment(&payment(
            &run,
            "declined",
            &payer,
            4900,
            Some("pm_card_chargeCustomerFail"),
        ))
        .await
    {
        Err(GatewayError::Declined { code, message }) => {
            assert_eq!(code, "card_declined");
            assert_eq!(message, "Your card was declined. Try another card or payment method.");
        }
        other => panic!("a declined card: {other:?}"),
    }
}

#[cfg_attr(lms_skip_stripe, ignore = "LMS_TEST_STRIPE_URL is not set")]
#[tokio::test]
async fn a_payment_is_refunded_in_part_then_in_full() {
    let Some((gateway, _)) = gateway("refunds") else {
        return;
    };
    let run = run();
    let payer = customer(&gateway, &run).await;
    let paid = gateway
        .create_payment(&payment(&run, "refunded", &payer, 5000, Some("pm_card_visa")))
        .await
        .expect("pay");
    assert_eq!(paid.state, PaymentState::Succeeded);

    let first = gateway
        .refund(&RefundRequest {
            idempotency_key: format!("{run}-refund-1"),
            payment_reference: paid.reference.clone(),
            amount: euros(2000),
            reason: Some("The course was cancelled".to_owned()),
        })
        .await
        .expect("refund a part");
    let rest = gateway
        .refund(&RefundRequest {
            idempotency_key: format!("{run}-refund-2"),
            payment_reference: paid.reference.clone(),
            amount: euros(3000),
            reason: None,
        })
        .await
        .expect("refund the rest");
    for refund in [&first, &rest] {
        assert_eq!(refund.state, RefundState::Succeeded);
        assert!(refund.reference.starts_with("re_"), "{refund:?}");
    }
    assert_ne!(first.reference, rest.reference);
}

#[cfg_attr(lms_skip_stripe, ignore = "LMS_TEST_STRIPE_URL is not set")]
#[tokio::test]
async fn a_subscription_starts_active_and_is_cancelled_at_the_period_end_or_at_once() {
    let Some((gateway, _)) = gateway("subscription") else {
        return;
    };
    let run = run();
    let payer = customer(&gateway, &run).await;
    let plan = plan(&gateway, &run).await;

    let started = gateway
        .subscribe(&subscription(&run, &plan, &payer, "pm_card_visa"))
        .await
        .expect("subscribe with pm_card_visa");
    assert_eq!(started.status, SubscriptionStatus::Active);
    assert!(!started.cancel_at_period_end);
    let period_end = started.current_period_end.expect("a period end");
    let month = period_end - Utc::now();
    assert!(
        (27..=32).contains(&month.num_days()),
        "a monthly period ends in about a month: {period_end}"
    );
    assert_eq!(
        gateway.fetch_subscription(&started.reference).await.expect("fetch"),
        started
    );

    let ending = gateway
        .cancel_subscription(&started.reference, &format!("{run}-cancel"), false)
        .await
        .expect("cancel at the period's end");
    assert_eq!(ending.status, SubscriptionStatus::Active);
    assert!(ending.cancel_at_period_end);
    assert_eq!(ending.current_period_end, Some(period_end));

    let ended = gateway
        .cancel_subscription(&started.reference, &format!("{run}-cancel-now"), true)
        .await
        .expect("cancel at once");
    assert_eq!(ended.status, SubscriptionStatus::Cancelled);
    let again = gateway
        .cancel_subscription(&started.reference, &format!("{run}-cancel-now"), true)
        .await
        .expect("cancel at once again");
    assert_eq!(again.status, SubscriptionStatus::Cancelled);
    assert_eq!(
        gateway
            .fetch_subscription(&started.reference)
            .await
            .expect("fetch")
            .status,
        SubscriptionStatus::Cancelled
    );
}

#[cfg_attr(lms_skip_stripe, ignore = "LMS_TEST_STRIPE_URL is not set")]
#[tokio::test]
async fn a_subscription_with_a_bad_card_does_not_start() {
    let Some((gateway, _)) = gateway("subscription, bad cards") else {
        return;
    };
    let run = run();
    let payer = customer(&gateway, &run).await;
    let plan = plan(&gateway, &run).await;

    // A card refused when attached to the customer.
    match gateway
        .subscribe(&subscription(&run, &plan, &payer, "pm_card_visa_chargeDeclined"))
        .await
    {
        Err(GatewayError::Declined { code, .. }) => assert_eq!(code, "card_declined"),
        other => panic!("a card refused on attach: {other:?}"),
    }

    // A card that attaches but whose first charge fails: Stripe answers 402 (the
    // subscription is created with error_if_incomplete); localstripe ignores that and
    // leaves the subscription incomplete.
    let retry = SubscriptionRequest {
        idempotency_key: format!("{run}-subscription-retry"),
        ..subscription(&run, &plan, &payer, "pm_card_chargeCustomerFail")
    };
    match gateway.subscribe(&retry).await {
        Ok(subscription) => assert_eq!(subscription.status, SubscriptionStatus::Incomplete),
        Err(GatewayError::Declined { .. }) => {}
        Err(other) => panic!("a card whose charge fails: {other:?}"),
    }
}

/// The request log of the recording proxy.
fn request_log() -> PathBuf {
    std::env::var_os("LMS_TEST_STRIPE_REQUESTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/stripe-test-server/requests.jsonl"),
        PathBuf::from,
    )
}

fn logged_requests(log: &PathBuf, from: u64) -> Vec<Value> {
    let all = std::fs::read(log).unwrap_or_else(|e| panic!("the request log {}: {e}", log.display()));
    let offset = usize::try_from(from).expect("an offset");
    String::from_utf8_lossy(&all[offset..])
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("a log line {line:?}: {e}")))
        .collect()
}

#[cfg_attr(lms_skip_stripe, ignore = "LMS_TEST_STRIPE_URL is not set")]
#[tokio::test]
async fn every_post_carries_an_idempotency_key_and_every_request_the_api_version() {
    let Some((gateway, _)) = gateway("request headers") else {
        return;
    };
    let log = request_log();
    let start = std::fs::metadata(&log)
        .unwrap_or_else(|e| {
            panic!(
                "the recording proxy's request log {} (set LMS_TEST_STRIPE_REQUESTS): {e}",
                log.display()
            )
        })
        .len();

    let run = run();
    let payer = customer(&gateway, &run).await;
    let paid = gateway
        .create_payment(&payment(&run, "logged", &payer, 1500, Some("pm_card_visa")))
        .await
        .expect("pay");
    gateway.fetch_payment(&paid.reference).await.expect("fetch");
    gateway
        .refund(&RefundRequest {
            idempotency_key: format!("{run}-refund"),
            payment_reference: paid.reference,
            amount: euros(500),
            reason: Some("requested_by_customer".to_owned()),
        })
        .await
        .expect("refund");
    let plan = plan(&gateway, &run).await;
    let started = gateway
        .subscribe(&subscription(&run, &plan, &payer, "pm_card_visa"))
        .await
        .expect("subscribe");
    gateway
        .cancel_subscription(&started.reference, &format!("{run}-cancel"), false)
        .await
        .expect("cancel at the period's end");
    gateway
        .cancel_subscription(&started.reference, &format!("{run}-cancel-now"), true)
        .await
        .expect("cancel at once");

    // Other tests run meanwhile: every request to the API must pass, and this test's
    // must all be there.
    let requests: Vec<Value> = logged_requests(&log, start)
        .into_iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/v1/")))
        .collect();
    for request in &requests {
        assert_eq!(request["stripe_version"], STRIPE_API_VERSION, "{request}");
        if request["method"] == "POST" {
            assert!(
                request["idempotency_key"].as_str().is_some_and(|k| !k.is_empty()),
                "a POST without an Idempotency-Key: {request}"
            );
        }
    }
    let keys: Vec<&str> = requests.iter().filter_map(|r| r["idempotency_key"].as_str()).collect();
    for expected in [
        format!("{run}-logged-payment"),
        format!("{run}-refund-refund"),
        format!("{run}-plan-plan"),
        format!("{run}-subscription-attach-pm_card_visa"),
        format!("{run}-subscription-default-method-pm_card_visa"),
        format!("{run}-subscription-subscription"),
        format!("{run}-cancel-cancel-at-period-end"),
    ] {
        assert!(keys.contains(&expected.as_str()), "{expected} among {keys:?}");
    }
    assert!(
        requests
            .iter()
            .any(|r| r["method"] == "DELETE" && r["path"] == format!("/v1/subscriptions/{}", started.reference)),
        "the immediate cancellation"
    );
}

/// A webhook as received: lower-case header names and the raw body.
type Received = (Vec<(String, String)>, Vec<u8>);

/// Listens on a free local port for webhooks, answering 200 to each.
async fn webhook_listener() -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/stripe/webhooks", listener.local_addr().expect("address"));
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                if let Some(received) = read_webhook(stream).await {
                    let _ = sender.send(received);
                }
            });
        }
    });
    (url, receiver)
}

/// Reads one HTTP/1.1 request with a Content-Length body and answers 200.
async fn read_webhook(mut stream: TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")?
        .1
        .parse()
        .ok()?;
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    Some((headers, body))
}

/// An event type expected, and whether an event of that type is the one.
type Expectation<'a> = (&'static str, Box<dyn Fn(&ProviderObject) -> bool + 'a>);

#[cfg_attr(lms_skip_stripe, ignore = "LMS_TEST_STRIPE_URL is not set")]
#[tokio::test]
async fn webhooks_arrive_signed_and_read_as_payments_and_subscriptions() {
    let Some((gateway, url)) = gateway("webhooks") else {
        return;
    };
    let run = run();
    let (endpoint, mut received) = webhook_listener().await;
    // localstripe's own configuration API: every event goes to every registered endpoint.
    let registered = reqwest::Client::new()
        .post(format!("{url}/_config/webhooks/lms-stripe-tests-{run}"))
        .form(&[("url", endpoint.as_str()), ("secret", WEBHOOK_SECRET)])
        .send()
        .await
        .expect("register the webhook endpoint");
    assert!(registered.status().is_success(), "{}", registered.status());

    let payer = customer(&gateway, &run).await;
    let paid = gateway
        .create_payment(&payment(&run, "hooked", &payer, 4900, Some("pm_card_visa")))
        .await
        .expect("pay");
    let declined = payment(
        &run,
        "hooked-declined",
        &payer,
        4900,
        Some("pm_card_chargeCustomerFail"),
    );
    assert!(matches!(
        gateway.create_payment(&declined).await,
        Err(GatewayError::Declined { .. })
    ));
    let plan = plan(&gateway, &run).await;
    let request = subscription(&run, &plan, &payer, "pm_card_visa");
    let started = gateway.subscribe(&request).await.expect("subscribe");
    gateway
        .cancel_subscription(&started.reference, &format!("{run}-cancel-now"), true)
        .await
        .expect("cancel at once");

    let our_order = Some(format!("order-{run}-hooked"));
    let our_declined_order = Some(declined.order_id.clone());
    let our_subscription = Some(request.subscription_id.clone());
    let mut expected: Vec<Expectation> = vec![
        (
            "payment_intent.succeeded",
            Box::new(|object| {
                matches!(object, ProviderObject::Payment { order_id, payment }
                    if *order_id == our_order && payment.reference == paid.reference
                        && payment.state == PaymentState::Succeeded)
            }),
        ),
        (
            "payment_intent.payment_failed",
            Box::new(|object| {
                matches!(object, ProviderObject::Payment { order_id, payment }
                    if *order_id == our_declined_order
                        && matches!(&payment.state, PaymentState::Failed { code: Some(code), .. } if code == "card_declined"))
            }),
        ),
        (
            "customer.subscription.created",
            Box::new(|object| {
                matches!(object, ProviderObject::Subscription { subscription_id, subscription }
                    if *subscription_id == our_subscription && subscription.reference == started.reference
                        && subscription.status == SubscriptionStatus::Active
                        && subscription.current_period_end == started.current_period_end)
            }),
        ),
        (
            // localstripe's invoices copy no subscription metadata: only the reference.
            "invoice.payment_succeeded",
            Box::new(|object| {
                matches!(object, ProviderObject::Subscription { subscription, .. }
                    if subscription.reference == started.reference
                        && subscription.status == SubscriptionStatus::Active
                        && subscription.current_period_end == started.current_period_end)
            }),
        ),
        (
            "customer.subscription.deleted",
            Box::new(|object| {
                matches!(object, ProviderObject::Subscription { subscription_id, subscription }
                    if *subscription_id == our_subscription && subscription.reference == started.reference
                        && subscription.status == SubscriptionStatus::Cancelled)
            }),
        ),
    ];

    // Other tests' events arrive too: every one must verify and be readable.
    let mut seen_types = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !expected.is_empty() {
        let Ok(Some((headers, body))) = tokio::time::timeout_at(deadline, received.recv()).await else {
            let missing: Vec<&str> = expected.iter().map(|(t, _)| *t).collect();
            panic!("no webhook for {missing:?} within 20 s; received types {seen_types:?}");
        };
        let event = gateway.verify_webhook(&headers, &body, Utc::now()).unwrap_or_else(|e| {
            panic!(
                "a webhook that fails verification ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        });
        seen_types.insert(event.event_type.clone());
        expected.retain(|(event_type, matches)| !(event.event_type == *event_type && matches(&event.object)));
    }
}
