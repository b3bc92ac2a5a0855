//! Payments: checkout, orders, refunds, plans, subscriptions, the provider's webhook and
//! the sales reports.

use chrono::{DateTime, Duration, Utc};
use lms_core::ids::{ClassId, CourseId, OrderId, PlanId, SubscriptionId};
use lms_core::payments::{Checkout, NewPlan, Order, Period, Plan, Received, Refund, Subscription};
use lms_core::ports::PageRequest;
use poem::web::Data;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, ResponseContent};
use uuid::Uuid;

use super::time_bound::TimeBound;
use super::types::{Line, PlanInterval, Text};
use super::{ApiResult, ApiTags, BearerAuth, State};
use crate::csv_payload::{to_csv, Csv};

/// Payments and subscriptions.
#[derive(Debug)]
pub struct PaymentsApi;

/// A checkout of a course or a class. The body may be left out: a pending order.
#[derive(Debug, Default, Object)]
pub struct CheckoutRequest {
    /// A payment method made by the browser (a Stripe PaymentMethod id such as
    /// `pm_card_visa`): the payment is confirmed at once. Without it the order is pending
    /// and the browser confirms it with `client_secret`.
    #[oai(validator(max_length = 255))]
    pub payment_method: Option<Text>,
}

/// The answer to a checkout: every field present, `null` where it has no value.
#[derive(Debug, Object)]
pub struct CheckoutResponse {
    /// The order.
    pub id: Uuid,
    /// `pending`, `paid` or `failed`.
    pub status: String,
    /// The course bought; `null` for a class order.
    pub course_id: Option<Uuid>,
    /// The class bought; `null` for a course order.
    pub class_id: Option<Uuid>,
    /// The courses the order gives access to once paid.
    pub course_ids: Vec<Uuid>,
    /// The price, in minor units (cents).
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// `stripe` or `manual`.
    pub provider: String,
    /// The provider's payment id (a PaymentIntent id).
    pub provider_reference: Option<String>,
    /// For Stripe.js to confirm a pending payment in the browser.
    pub client_secret: Option<String>,
}

/// Why a payment failed.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PaymentFailureResponse {
    /// `PAYMENT_FAILED` or `CARD_DECLINED`.
    pub code: String,
    /// The provider's decline code.
    pub decline_code: Option<String>,
    /// What the payer can do.
    pub message: String,
}

/// An order.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrderResponse {
    /// Identifier.
    pub id: Uuid,
    /// `pending`, `paid`, `failed`, `partially_refunded` or `refunded`.
    pub status: String,
    /// The buyer.
    pub buyer_id: Uuid,
    /// The course bought; absent for a class order.
    pub course_id: Option<Uuid>,
    /// The class bought; absent for a course order.
    pub class_id: Option<Uuid>,
    /// The courses the order gives access to once paid.
    pub course_ids: Vec<Uuid>,
    /// The price, in minor units.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Refunded so far, in minor units.
    pub refunded_minor: i64,
    /// `stripe` or `manual`.
    pub provider: String,
    /// The provider's payment id.
    pub provider_reference: Option<String>,
    /// Why the payment failed, for a failed order.
    pub failure: Option<PaymentFailureResponse>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When the payment went through.
    pub paid_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Order> for OrderResponse {
    fn from(o: Order) -> Self {
        Self {
            id: o.id.as_uuid(),
            status: o.status.as_str().to_owned(),
            buyer_id: o.buyer_id.as_uuid(),
            course_id: o.course_id.map(|c| c.as_uuid()),
            class_id: o.class_id.map(|c| c.as_uuid()),
            course_ids: o.courses().map(|c| c.as_uuid()).collect(),
            amount_minor: o.amount.amount_minor,
            currency: o.amount.currency.to_string(),
            refunded_minor: o.refunded_minor,
            provider: o.provider,
            provider_reference: o.provider_reference,
            failure: o.failure.map(|f| PaymentFailureResponse {
                code: f.code,
                decline_code: f.decline_code,
                message: f.message,
            }),
            created_at: o.created_at,
            paid_at: o.paid_at,
            updated_at: o.updated_at,
        }
    }
}

/// A page of orders.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrderPage {
    /// The orders, oldest first.
    pub items: Vec<OrderResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

/// A refund to make. The body may be left out: the whole remaining amount.
#[derive(Debug, Default, Object)]
pub struct RefundRequest {
    /// How much, in minor units; all that is left to refund when absent.
    #[oai(validator(minimum(value = "1")))]
    pub amount_minor: Option<i64>,
    /// Why (kept with the refund).
    #[oai(validator(max_length = 500))]
    pub reason: Option<Line>,
}

/// A refund.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RefundResponse {
    /// Identifier.
    pub id: Uuid,
    /// The order refunded.
    pub order_id: Uuid,
    /// How much, in minor units.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Why.
    pub reason: Option<String>,
    /// The refund's id at the provider (Stripe's `re_…`), once it has one: what to look
    /// for in the provider's dashboard.
    pub provider_reference: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Refund> for RefundResponse {
    fn from(r: Refund) -> Self {
        Self {
            id: r.id.as_uuid(),
            order_id: r.order_id.as_uuid(),
            amount_minor: r.amount.amount_minor,
            currency: r.amount.currency.to_string(),
            status: r.status.as_str().to_owned(),
            reason: r.reason,
            provider_reference: r.provider_reference,
            created_at: r.created_at,
        }
    }
}

/// A new plan.
#[derive(Debug, Object)]
pub struct CreatePlanRequest {
    /// Its name.
    #[oai(validator(max_length = 200))]
    pub name: Line,
    /// What each period costs, in minor units.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    #[oai(validator(pattern = "^[A-Za-z]{3}$"))]
    pub currency: Text,
    /// `month` or `year`.
    pub interval: PlanInterval,
}

/// A plan.
#[derive(Debug, Object)]
pub struct PlanResponse {
    /// Identifier.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What each period costs, in minor units.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// `month` or `year`.
    pub interval: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Plan> for PlanResponse {
    fn from(p: Plan) -> Self {
        Self {
            id: p.id.as_uuid(),
            name: p.name,
            amount_minor: p.amount.amount_minor,
            currency: p.amount.currency.to_string(),
            interval: p.interval.as_str().to_owned(),
            created_at: p.created_at,
        }
    }
}

/// A page of plans.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanPage {
    /// The plans, oldest first.
    pub items: Vec<PlanResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

/// A subscription to start.
#[derive(Debug, Object)]
pub struct SubscribeRequest {
    /// The plan.
    pub plan_id: Uuid,
    /// The payment method charged each period (a Stripe PaymentMethod id).
    #[oai(validator(min_length = 1, max_length = 255))]
    pub payment_method: Text,
}

/// A premium subscription.
#[derive(Debug, Object)]
pub struct SubscriptionResponse {
    /// Identifier.
    pub id: Uuid,
    /// `incomplete`, `active`, `past_due` or `cancelled`.
    pub status: String,
    /// The plan.
    pub plan_id: Uuid,
    /// When the paid period ends.
    pub current_period_end: Option<DateTime<Utc>>,
    /// Whether it ends at the period's end rather than renewing.
    pub cancel_at_period_end: bool,
}

impl From<Subscription> for SubscriptionResponse {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id.as_uuid(),
            status: s.status.as_str().to_owned(),
            plan_id: s.plan_id.as_uuid(),
            current_period_end: s.current_period_end,
            cancel_at_period_end: s.cancel_at_period_end,
        }
    }
}

/// The answer to a provider's webhook.
#[derive(Debug, Object)]
pub struct WebhookReceipt {
    /// True: the event is safely stored and will be processed.
    pub received: bool,
    /// True when the event had been received before (nothing changed).
    pub duplicate: bool,
}

/// How a report is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReportFormat {
    /// A JSON object with the rows.
    #[default]
    Json,
    /// CSV with a header line.
    Csv,
}

/// One product's sales in one currency: a course's, or a class's sold as a whole.
#[derive(Debug, Default, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct SalesRowResponse {
    /// The course, for course sales.
    pub course_id: Option<Uuid>,
    /// The class, for class sales.
    pub class_id: Option<Uuid>,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Orders paid (refunded since or not).
    pub orders_paid: u64,
    /// Orders whose payment failed.
    pub orders_failed: u64,
    /// Paid out of paid and failed, in percent, rounded down.
    pub payment_success_rate_percent: Option<u8>,
    /// Paid, in minor units.
    pub gross_minor: i64,
    /// Refunded of that.
    pub refunded_minor: i64,
    /// Gross minus refunded.
    pub net_minor: i64,
}

/// Recurring revenue in one currency.
#[derive(Debug, Default, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct MrrRowResponse {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Subscriptions paying now.
    pub active_subscriptions: u64,
    /// Their monthly revenue, in minor units (a yearly plan counts a twelfth).
    pub mrr_minor: i64,
    /// Subscriptions that stopped paying in the period (cancelled or lapsed).
    pub cancelled_in_period: u64,
    /// Churn in the period, in percent, rounded down.
    pub churn_rate_percent: Option<u8>,
}

/// One creator's revenue in one currency.
#[derive(Debug, Default, Object, serde::Serialize)]
pub struct CreatorRevenueRowResponse {
    /// The creator (the course's instructor).
    pub creator_id: Uuid,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Orders paid.
    pub sales: u64,
    /// Paid, in minor units.
    pub gross_minor: i64,
    /// The creator's part of the sales.
    pub creator_minor: i64,
    /// The platform's part.
    pub platform_minor: i64,
    /// Refunded.
    pub refunded_minor: i64,
    /// The creator's part after refunds.
    pub creator_net_minor: i64,
    /// The platform's part after refunds.
    pub platform_net_minor: i64,
}

/// Declares a report's JSON form (its period and rows), its JSON-or-CSV body and its
/// response, for one row type.
macro_rules! report_types {
    ($report:ident, $row:ty, $body:ident, $response:ident) => {
        /// A report: its period and rows.
        #[derive(Debug, Object)]
        pub struct $report {
            /// Start of the period counted, included: the midnight (UTC) that starts its
            /// first day.
            pub from: DateTime<Utc>,
            /// End of the period counted, excluded: the midnight that ends its last day.
            pub to: DateTime<Utc>,
            /// The rows.
            pub rows: Vec<$row>,
        }

        /// The report as JSON or CSV.
        #[derive(ResponseContent)]
        pub enum $body {
            /// `format=json`.
            Json(Json<$report>),
            /// `format=csv`: one line per row, with a header.
            Csv(Csv),
        }

        #[derive(ApiResponse)]
        enum $response {
            /// The report.
            #[oai(status = 200)]
            Ok($body),
        }

        impl $response {
            /// The rows in the asked format.
            fn new<R>(period: Period, rows: Vec<R>, format: ReportFormat) -> ApiResult<Self>
            where
                $row: From<R>,
            {
                let rows: Vec<$row> = rows.into_iter().map(<$row>::from).collect();
                Ok(Self::Ok(match format {
                    ReportFormat::Json => $body::Json(Json($report {
                        from: period.whole_days().from,
                        to: period.whole_days().to,
                        rows,
                    })),
                    ReportFormat::Csv => $body::Csv(to_csv(&rows)?),
                }))
            }
        }
    };
}

report_types!(SalesReport, SalesRowResponse, SalesReportBody, SalesReportResponse);
report_types!(MrrReport, MrrRowResponse, MrrReportBody, MrrReportResponse);
report_types!(
    CreatorRevenueReport,
    CreatorRevenueRowResponse,
    CreatorRevenueReportBody,
    CreatorRevenueReportResponse
);

#[derive(ApiResponse)]
enum CheckoutCreated {
    /// The order: `paid` (the buyer is enrolled) or `pending` (confirm in the browser).
    #[oai(status = 201)]
    Created(Json<CheckoutResponse>),
}

fn checkout_created(checkout: Checkout) -> CheckoutCreated {
    let order = checkout.order;
    CheckoutCreated::Created(Json(CheckoutResponse {
        id: order.id.as_uuid(),
        status: order.status.as_str().to_owned(),
        course_id: order.course_id.map(|c| c.as_uuid()),
        class_id: order.class_id.map(|c| c.as_uuid()),
        course_ids: order.courses().map(|c| c.as_uuid()).collect(),
        amount_minor: order.amount.amount_minor,
        currency: order.amount.currency.to_string(),
        provider: order.provider,
        provider_reference: order.provider_reference,
        client_secret: checkout.client_secret,
    }))
}

#[derive(ApiResponse)]
enum RefundCreated {
    /// The refund: `succeeded`, or `pending` until the provider confirms it.
    #[oai(status = 201)]
    Created(Json<RefundResponse>),
}

#[derive(ApiResponse)]
enum PlanCreated {
    /// The plan.
    #[oai(status = 201)]
    Created(Json<PlanResponse>),
}

#[derive(ApiResponse)]
enum SubscriptionCreated {
    /// The subscription: `active` (the subscriber is premium) or `incomplete`.
    #[oai(status = 201)]
    Created(Json<SubscriptionResponse>),
}

/// The report period: `from` and `to` as given, else the 30 days up to `to` (or now).
fn period(from: Option<TimeBound>, to: Option<TimeBound>) -> Period {
    let to = to.map_or_else(Utc::now, |t| t.0);
    let from = from.map(|t| t.0).unwrap_or_else(|| {
        to.checked_sub_signed(Duration::days(30))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    });
    Period::new(from, to)
}

impl From<lms_core::payments::SalesRow> for SalesRowResponse {
    fn from(r: lms_core::payments::SalesRow) -> Self {
        Self {
            course_id: r.course_id.map(|c| c.as_uuid()),
            class_id: r.class_id.map(|c| c.as_uuid()),
            currency: r.currency,
            orders_paid: r.orders_paid,
            orders_failed: r.orders_failed,
            payment_success_rate_percent: r.payment_success_rate_percent,
            gross_minor: r.gross_minor,
            refunded_minor: r.refunded_minor,
            net_minor: r.net_minor,
        }
    }
}

impl From<lms_core::payments::MrrRow> for MrrRowResponse {
    fn from(r: lms_core::payments::MrrRow) -> Self {
        Self {
            currency: r.currency,
            active_subscriptions: r.active_subscriptions,
            mrr_minor: r.mrr_minor,
            cancelled_in_period: r.cancelled_in_period,
            churn_rate_percent: r.churn_rate_percent,
        }
    }
}

impl From<lms_core::payments::CreatorRevenueRow> for CreatorRevenueRowResponse {
    fn from(r: lms_core::payments::CreatorRevenueRow) -> Self {
        Self {
            creator_id: r.creator_id.as_uuid(),
            currency: r.currency,
            sales: r.sales,
            gross_minor: r.gross_minor,
            creator_minor: r.creator_minor,
            platform_minor: r.platform_minor,
            refunded_minor: r.refunded_minor,
            creator_net_minor: r.creator_net_minor,
            platform_net_minor: r.platform_net_minor,
        }
    }
}

/// The payment method of a checkout, if its body names one.
fn payment_method(body: Option<CheckoutRequest>) -> Option<String> {
    body.and_then(|b| b.payment_method).map(String::from)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Payments")]
impl PaymentsApi {
    /// Buy a course. With `payment_method` the payment is confirmed now: 201 `paid` and
    /// the caller is enrolled, or 402 `CARD_DECLINED` / `PAYMENT_FAILED` (check out again
    /// with another method). Without it the order is `pending` until the browser confirms
    /// it with `client_secret`. A free course, or one the caller is enrolled in, is 409.
    #[oai(path = "/courses/:id/checkout", method = "post", operation_id = "checkoutCourse")]
    async fn checkout(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Option<CheckoutRequest>>,
    ) -> ApiResult<CheckoutCreated> {
        let checkout = state
            .payments
            .checkout(&auth.0, CourseId::from(id.0), payment_method(body.0))
            .await?;
        Ok(checkout_created(checkout))
    }

    /// Buy a whole class at its price: one order, one payment, and access to every
    /// published course of the class the caller has no access to yet. Answers as a course
    /// checkout does. A class without a price of its own, or with no published course, is
    /// 409 `NOT_FOR_SALE`; one whose every course the caller already has is 409.
    #[oai(path = "/classes/:id/checkout", method = "post", operation_id = "checkoutClass")]
    async fn checkout_class(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Option<CheckoutRequest>>,
    ) -> ApiResult<CheckoutCreated> {
        let checkout = state
            .payments
            .checkout_class(&auth.0, ClassId::from(id.0), payment_method(body.0))
            .await?;
        Ok(checkout_created(checkout))
    }

    /// An order (its buyer or an admin).
    #[oai(path = "/orders/:id", method = "get", operation_id = "getOrder")]
    async fn order(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<OrderResponse>> {
        let order = state.payments.order(&auth.0, OrderId::from(id.0)).await?;
        Ok(Json(order.into()))
    }

    /// The caller's orders, oldest first.
    #[oai(path = "/me/orders", method = "get", operation_id = "listMyOrders")]
    async fn my_orders(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<OrderPage>> {
        let found = state
            .payments
            .my_orders(&auth.0, PageRequest::new(after.0, limit.0)?)
            .await?;
        Ok(Json(OrderPage {
            items: found.items.into_iter().map(Into::into).collect(),
            next_after: found.next_after,
        }))
    }

    /// Refund (part of) a paid order (admins). A full refund ends the buyer's access to
    /// the course at once.
    #[oai(path = "/orders/:id/refunds", method = "post", operation_id = "refundOrder")]
    async fn refund(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Option<RefundRequest>>,
    ) -> ApiResult<RefundCreated> {
        let body = body.0.unwrap_or_default();
        let refund = state
            .payments
            .refund(
                &auth.0,
                OrderId::from(id.0),
                body.amount_minor,
                body.reason.map(String::from),
            )
            .await?;
        Ok(RefundCreated::Created(Json(refund.into())))
    }

    /// An order's refunds (its buyer or an admin).
    #[oai(path = "/orders/:id/refunds", method = "get", operation_id = "listOrderRefunds")]
    async fn refunds(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Vec<RefundResponse>>> {
        let refunds = state.payments.refunds(&auth.0, OrderId::from(id.0)).await?;
        Ok(Json(refunds.into_iter().map(Into::into).collect()))
    }

    /// Confirm an order paid by bank transfer (manual provider; admins). The buyer is
    /// enrolled.
    #[oai(
        path = "/admin/orders/:id/mark-paid",
        method = "post",
        operation_id = "markOrderPaid"
    )]
    async fn mark_paid(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<OrderResponse>> {
        let order = state.payments.mark_paid(&auth.0, OrderId::from(id.0)).await?;
        Ok(Json(order.into()))
    }

    /// Stripe's webhook: the raw body, verified with `Stripe-Signature` against the
    /// configured secrets (300 s tolerance). 400 with nothing stored when it does not
    /// verify; 200 once the event is safely in the inbox (again for a repeat).
    #[oai(
        path = "/payments/stripe/webhook",
        method = "post",
        operation_id = "receiveStripeWebhook"
    )]
    async fn stripe_webhook(
        &self,
        state: Data<&State>,
        req: &Request,
        body: Binary<Vec<u8>>,
    ) -> ApiResult<Json<WebhookReceipt>> {
        if state.payments.provider() != "stripe" {
            return Err(
                lms_core::Error::PaymentsUnsupported("Stripe is not the configured payment provider".into()).into(),
            );
        }
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect();
        let received = state.payments.receive_webhook(&headers, &body.0).await?;
        Ok(Json(WebhookReceipt {
            received: true,
            duplicate: received == Received::Duplicate,
        }))
    }

    /// Create a premium plan at the provider (admins).
    #[oai(path = "/admin/plans", method = "post", operation_id = "createPlan")]
    async fn create_plan(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<CreatePlanRequest>,
    ) -> ApiResult<PlanCreated> {
        let body = body.0;
        let plan = state
            .payments
            .create_plan(
                &auth.0,
                NewPlan {
                    name: body.name.into(),
                    amount_minor: body.amount_minor,
                    currency: body.currency.into(),
                    interval: body.interval.into(),
                },
            )
            .await?;
        Ok(PlanCreated::Created(Json(plan.into())))
    }

    /// The premium plans, oldest first.
    #[oai(path = "/plans", method = "get", operation_id = "listPlans")]
    async fn plans(
        &self,
        state: Data<&State>,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<PlanPage>> {
        let found = state.payments.plans(PageRequest::new(after.0, limit.0)?).await?;
        Ok(Json(PlanPage {
            items: found.items.into_iter().map(Into::into).collect(),
            next_after: found.next_after,
        }))
    }

    /// Subscribe the caller to a plan: 201 `active` makes them premium (paid courses open
    /// to them); 402 `CARD_DECLINED` when the card is refused; 409 when they already
    /// have a subscription.
    #[oai(path = "/subscriptions", method = "post", operation_id = "subscribe")]
    async fn subscribe(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<SubscribeRequest>,
    ) -> ApiResult<SubscriptionCreated> {
        let subscription = state
            .payments
            .subscribe(&auth.0, PlanId::from(body.0.plan_id), &body.0.payment_method)
            .await?;
        Ok(SubscriptionCreated::Created(Json(subscription.into())))
    }

    /// The caller's subscription: the current one, else the latest.
    #[oai(path = "/me/subscription", method = "get", operation_id = "getMySubscription")]
    async fn my_subscription(&self, state: Data<&State>, auth: BearerAuth) -> ApiResult<Json<SubscriptionResponse>> {
        Ok(Json(state.payments.my_subscription(&auth.0).await?.into()))
    }

    /// Cancel a subscription (its subscriber or an admin): at the end of the paid period,
    /// or now with `immediately=true` (premium ends at once).
    #[oai(path = "/subscriptions/:id", method = "delete", operation_id = "cancelSubscription")]
    async fn cancel_subscription(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// End now rather than at the period's end.
        immediately: Query<Option<bool>>,
    ) -> ApiResult<Json<SubscriptionResponse>> {
        let subscription = state
            .payments
            .cancel_subscription(&auth.0, SubscriptionId::from(id.0), immediately.0.unwrap_or(false))
            .await?;
        Ok(Json(subscription.into()))
    }

    /// Sales per course or class and currency: orders paid and payments failed on the
    /// period's days, and the refunds of those sales, whenever made (admins: all;
    /// instructors: their courses). Default period: the last 30 days.
    #[oai(path = "/reports/sales", method = "get", operation_id = "salesReport")]
    async fn sales(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Start, included (RFC 3339 or a date); reports count every whole UTC day the
        /// period touches, and a period whose start is not before its end is empty.
        from: Query<Option<TimeBound>>,
        /// End, excluded (RFC 3339 or a date; default now).
        to: Query<Option<TimeBound>>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<SalesReportResponse> {
        let period = period(from.0, to.0);
        let rows = state.payments.sales_report(&auth.0, period).await?;
        SalesReportResponse::new(period, rows, format.0.unwrap_or_default())
    }

    /// Monthly recurring revenue now per currency, with the subscriptions that stopped
    /// paying on the period's days (admins).
    #[oai(path = "/reports/mrr", method = "get", operation_id = "mrrReport")]
    async fn mrr(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Start, included (RFC 3339 or a date); reports count every whole UTC day the
        /// period touches, and a period whose start is not before its end is empty.
        from: Query<Option<TimeBound>>,
        /// End, excluded (RFC 3339 or a date; default now).
        to: Query<Option<TimeBound>>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<MrrReportResponse> {
        let period = period(from.0, to.0);
        let rows = state.payments.mrr_report(&auth.0, period).await?;
        MrrReportResponse::new(period, rows, format.0.unwrap_or_default())
    }

    /// Each creator's share of the sales paid on the period's days, before and after
    /// their refunds (admins: all; instructors: their own).
    #[oai(
        path = "/reports/creator-revenue",
        method = "get",
        operation_id = "creatorRevenueReport"
    )]
    async fn creator_revenue(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Start, included (RFC 3339 or a date); reports count every whole UTC day the
        /// period touches, and a period whose start is not before its end is empty.
        from: Query<Option<TimeBound>>,
        /// End, excluded (RFC 3339 or a date; default now).
        to: Query<Option<TimeBound>>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<CreatorRevenueReportResponse> {
        let period = period(from.0, to.0);
        let rows = state.payments.creator_revenue_report(&auth.0, period).await?;
        CreatorRevenueReportResponse::new(period, rows, format.0.unwrap_or_default())
    }
}
