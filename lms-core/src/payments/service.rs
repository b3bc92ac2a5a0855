//! The payment use cases: checkout, orders, refunds, plans and subscriptions, and the
//! provider's webhooks, stored in the inbox and processed by the payments reaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::{instrument, warn};
use uuid::Uuid;

use super::customer::PaymentCustomer;
use super::gateway::{
    GatewayError, Interval, Payer, PaymentGateway, PaymentRequest, PaymentState, PlanRequest, ProviderEvent,
    ProviderObject, ProviderPayment, ProviderRefund, ProviderSubscription, RefundRequest, RefundState,
    SubscriptionRequest, SubscriptionStatus,
};
use super::inbox::InboxEvent;
use super::order::{Order, OrderStatus, PaymentFailure, Product};
use super::plan::Plan;
use super::refund::{Refund, RefundStatus};
use super::revenue::RevenueShare;
use super::subscription::Subscription;
use crate::domain::course::CourseStatus;
use crate::domain::events::EventPayload;
use crate::domain::money::{Money, Price};
use crate::domain::text::{Note, Title};
use crate::error::{Entity, Error, Result, Validator};
use crate::ids::{ClassId, CourseId, OrderId, PlanId, SubscriptionId, UserId};
use crate::ports::{Page, PageRequest, StoreError, UniqueKey, UnitOfWork};
use crate::records::Record;
use crate::services::catalog::load_course;
use crate::services::classes::load_class;
use crate::services::{retry_on_conflict, Actor, Deps, LearningService, UserService};

/// How payments behave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaymentSettings {
    /// The creator's share of each sale.
    pub creator_share: RevenueShare,
}

/// A checkout's answer: the order and, for a payment the browser confirms, its secret.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The order.
    pub order: Order,
    /// Handed to the payer's browser (Stripe.js) to confirm a pending payment.
    pub client_secret: Option<String>,
}

/// What a checkout sells, before there is an order.
struct Sale {
    product: Product,
    /// Who gets the creator's share.
    creator_id: UserId,
    price: Money,
    /// What the payer's statement shows.
    description: String,
}

/// The refusal of a purchase the buyer already has.
fn already_enrolled() -> Error {
    Error::AlreadyExists {
        entity: Entity::Enrollment,
        key: UniqueKey::UserCourse.to_string(),
    }
}

/// A new plan.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// Its name.
    pub name: String,
    /// What each period costs, in minor units.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: String,
    /// The period.
    pub interval: Interval,
}

/// What receiving a webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored in the inbox for processing.
    Stored,
    /// Already in the inbox (the provider sent it again): nothing changed.
    Duplicate,
}

/// Payments: sells courses and premium subscriptions through a [`PaymentGateway`], and
/// reacts to what the provider reports. Without a gateway nothing is sold.
#[derive(Clone)]
pub struct PaymentService {
    pub(super) deps: Deps,
    pub(super) learning: LearningService,
    pub(super) users: UserService,
    pub(super) gateway: Option<Arc<dyn PaymentGateway>>,
    settings: PaymentSettings,
}

impl std::fmt::Debug for PaymentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentService")
            .field("provider", &self.gateway.as_ref().map(|g| g.name()))
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A provider's refusal or failure as the payer and the API see it.
fn gateway_error(err: GatewayError) -> Error {
    match err {
        GatewayError::Declined { code, message } => Error::CardDeclined {
            decline_code: code,
            message,
        },
        GatewayError::Rejected(message) => Error::PaymentFailed(message),
        GatewayError::Unsupported(what) => {
            Error::PaymentsUnsupported(format!("the payment provider does not support {what}"))
        }
        GatewayError::Unavailable(source) => Error::Unavailable(source),
    }
}

/// How a failed payment is recorded on its order.
fn failure_of(err: &Error) -> Option<PaymentFailure> {
    match err {
        Error::CardDeclined { decline_code, message } => Some(PaymentFailure {
            code: err.code(),
            decline_code: Some(decline_code.clone()),
            message: message.clone(),
        }),
        Error::PaymentFailed(message) => Some(PaymentFailure {
            code: err.code(),
            decline_code: None,
            message: message.clone(),
        }),
        _ => None,
    }
}

/// Every record of a kind whose lookup key `key` equals `value`, in id order.
pub(super) async fn all_by<R: Record>(
    deps: &Deps,
    key: &'static str,
    value: impl Into<crate::records::IndexValue> + Copy + std::fmt::Display,
    entity: Entity,
) -> Result<Vec<R>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest {
            after,
            limit: PageRequest::MAX_LIMIT,
        };
        let found = deps
            .records
            .list_by::<R>(key, value, page)
            .await
            .map_err(|e| e.about(entity, value))?;
        all.extend(found.items);
        match found.next_after {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}

impl PaymentService {
    pub(crate) fn new(
        deps: Deps,
        learning: LearningService,
        users: UserService,
        gateway: Option<Arc<dyn PaymentGateway>>,
        settings: PaymentSettings,
    ) -> Self {
        Self {
            deps,
            learning,
            users,
            gateway,
            settings,
        }
    }

    /// The provider's name (`none` without one).
    pub fn provider(&self) -> &'static str {
        self.gateway.as_ref().map_or("none", |g| g.name())
    }

    fn gateway(&self, what: &str) -> Result<&Arc<dyn PaymentGateway>> {
        self.gateway.as_ref().ok_or_else(|| {
            Error::PaymentsUnsupported(format!(
                "no payment provider is configured, so there are no {what}: paid courses need a premium subscription or an admin"
            ))
        })
    }

    /// Buys a course: a pending order, and a payment at the provider. With a
    /// `payment_method` the payment is confirmed at once and the order answers `paid`
    /// (the buyer is enrolled), or fails with `CardDeclined` / `PaymentFailed` (the failed
    /// order is kept; a new checkout may use another method). Without one the order stays
    /// pending and the browser confirms it with the client secret; the provider's webhook
    /// completes it. A free course, or one the buyer already has access to, is refused.
    #[instrument(skip_all, fields(course_id = %course_id))]
    pub async fn checkout(
        &self,
        actor: &Actor,
        course_id: CourseId,
        payment_method: Option<String>,
    ) -> Result<Checkout> {
        let gateway = self.gateway("purchases")?.clone();
        let course = load_course(&self.deps, course_id).await?;
        if course.status() != CourseStatus::Published {
            return Err(Error::CourseState {
                status: course.status(),
                reason: "only published courses are sold",
            });
        }
        let Price::Paid(price) = course.price else {
            return Err(Error::CourseState {
                status: course.status(),
                reason: "the course is free: enroll directly",
            });
        };
        if self.learning.has_access(actor.user_id, course_id).await? {
            return Err(already_enrolled());
        }
        let sale = Sale {
            product: Product::Course(course_id),
            creator_id: course.owner_id,
            price,
            description: course.title.as_str().to_owned(),
        };
        self.buy(gateway, actor, sale, payment_method).await
    }

    /// Buys a whole class at its price: one order and one payment give access to every
    /// published course of the class the buyer has no access to yet. The class's owner
    /// gets the creator's share. A class without a price (not sold as a whole), one with
    /// no published course, or one whose every course the buyer already has, is refused.
    #[instrument(skip_all, fields(class_id = %class_id))]
    pub async fn checkout_class(
        &self,
        actor: &Actor,
        class_id: ClassId,
        payment_method: Option<String>,
    ) -> Result<Checkout> {
        let gateway = self.gateway("purchases")?.clone();
        let class = load_class(&self.deps, class_id).await?;
        let Price::Paid(price) = class.price else {
            return Err(Error::NotForSale(
                "the class has no price of its own: enroll in it, or buy its courses one by one",
            ));
        };
        let courses = self
            .deps
            .stores
            .courses
            .get_courses(&class.course_ids)
            .await
            .map_err(|e| e.about(Entity::Course, class_id))?;
        let published: Vec<CourseId> = courses
            .iter()
            .filter(|c| c.status() == CourseStatus::Published)
            .map(|c| c.id)
            .collect();
        if published.is_empty() {
            return Err(Error::NotForSale("the class has no published course yet"));
        }
        let mut course_ids = Vec::with_capacity(published.len());
        for course_id in published {
            if !self.learning.has_access(actor.user_id, course_id).await? {
                course_ids.push(course_id);
            }
        }
        if course_ids.is_empty() {
            return Err(already_enrolled());
        }
        let sale = Sale {
            product: Product::Class { class_id, course_ids },
            creator_id: class.owner_id,
            price,
            description: class.title.as_str().to_owned(),
        };
        self.buy(gateway, actor, sale, payment_method).await
    }

    /// The checkout flow shared by every product: the pending order, the payment at the
    /// provider and its outcome.
    async fn buy(
        &self,
        gateway: Arc<dyn PaymentGateway>,
        actor: &Actor,
        sale: Sale,
        payment_method: Option<String>,
    ) -> Result<Checkout> {
        let payment_method = payment_method.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
        let payer = self.payer(gateway.as_ref(), actor.user_id).await?;
        let now = self.deps.clock.now();
        let price = sale.price;
        let mut order = Order::new(
            actor.user_id,
            sale.product,
            sale.creator_id,
            price,
            gateway.name(),
            self.settings.creator_share.split(price.amount_minor),
            now,
        );
        self.deps
            .records
            .insert(&order, &[])
            .await
            .map_err(|e| e.about(Entity::Order, order.id))?;
        let request = PaymentRequest {
            idempotency_key: order.id.to_string(),
            amount: price,
            payer,
            payment_method,
            description: sale.description,
            order_id: order.id.to_string(),
        };
        let outcome = gateway.create_payment(&request).await.map_err(gateway_error);
        let (payment, failure) = match outcome {
            Ok(payment) => {
                let failure = match &payment.state {
                    PaymentState::Failed { code, message } => Some(match code {
                        Some(code) => Error::CardDeclined {
                            decline_code: code.clone(),
                            message: message.clone(),
                        },
                        None => Error::PaymentFailed(message.clone()),
                    }),
                    _ => None,
                };
                (Some(payment), failure)
            }
            Err(err) if failure_of(&err).is_some() => (None, Some(err)),
            // The provider could not be asked: the order stays pending; its payment, if
            // the provider made one after all, completes it through the webhook.
            Err(err) => return Err(err),
        };
        let client_secret = payment.as_ref().and_then(|p| p.client_secret.clone());
        order = self
            .update_order(order.id, |order, now| {
                let mut events = Vec::new();
                if let Some(payment) = &payment {
                    order
                        .provider_reference
                        .get_or_insert_with(|| payment.reference.clone());
                    order.version += 1;
                    order.updated_at = now;
                    if payment.state == PaymentState::Succeeded {
                        events.extend(order.mark_paid(now));
                    }
                }
                if let Some(failure) = failure.as_ref().and_then(failure_of) {
                    events.extend(order.mark_failed(failure, now));
                }
                events
            })
            .await?;
        if let Some(err) = failure {
            return Err(err);
        }
        if order.status == OrderStatus::Paid {
            // The reaction to `order.paid` enrolls the buyer too; doing it now means the
            // answer already grants access. A failure here is left to the reaction.
            if let Err(err) = self.learning.reconcile_purchase(&order).await {
                warn!(order_id = %order.id, error = %err, "enrollment after payment deferred to the reaction");
            }
        }
        Ok(Checkout { order, client_secret })
    }

    /// The payer for a user, with their customer at the provider (made once).
    async fn payer(&self, gateway: &dyn PaymentGateway, user_id: UserId) -> Result<Payer> {
        let user = self.users.load(user_id).await?;
        let mut payer = Payer {
            user_id,
            email: user.email.to_string(),
            customer_reference: None,
        };
        let key = (gateway.name(), user_id);
        let known = self.deps.records.get_unique::<PaymentCustomer>("user", key).await;
        if let Some(customer) = known.map_err(|e| e.about(Entity::User, user_id))? {
            payer.customer_reference = Some(customer.reference);
            return Ok(payer);
        }
        let reference = gateway.create_customer(&payer).await.map_err(gateway_error)?;
        let customer = PaymentCustomer {
            id: Uuid::now_v7(),
            version: 1,
            user_id,
            provider: gateway.name().to_owned(),
            reference: reference.clone(),
        };
        match self.deps.records.insert(&customer, &[]).await {
            Ok(()) => payer.customer_reference = Some(reference),
            // A concurrent checkout made one first: use it (the extra customer at the
            // provider stays unused).
            Err(StoreError::Duplicate(_)) => {
                let stored = self.deps.records.get_unique::<PaymentCustomer>("user", key).await;
                payer.customer_reference = stored.map_err(|e| e.about(Entity::User, user_id))?.map(|c| c.reference);
            }
            Err(err) => return Err(err.about(Entity::User, user_id)),
        }
        Ok(payer)
    }

    /// Loads an order, applies `change` (which returns the events; it bumps the version
    /// when it changes anything) and stores it, retrying on version conflicts.
    pub(super) async fn update_order(
        &self,
        id: OrderId,
        change: impl Fn(&mut Order, DateTime<Utc>) -> Vec<EventPayload>,
    ) -> Result<Order> {
        retry_on_conflict(|| async {
            let mut order = self.load_order(id).await?;
            let expected = order.version;
            let payloads = change(&mut order, self.deps.clock.now());
            if order.version != expected {
                self.deps
                    .records
                    .update(&order, expected, &self.deps.events(payloads))
                    .await
                    .map_err(|e| e.about(Entity::Order, id))?;
            }
            Ok(order)
        })
        .await
    }

    pub(super) async fn load_order(&self, id: OrderId) -> Result<Order> {
        self.deps
            .records
            .get::<Order>(id)
            .await
            .map_err(|e| e.about(Entity::Order, id))?
            .ok_or_else(|| Error::not_found(Entity::Order, id))
    }

    /// An order, for its buyer or an admin.
    pub async fn order(&self, actor: &Actor, id: OrderId) -> Result<Order> {
        let order = self.load_order(id).await?;
        if order.buyer_id != actor.user_id && !actor.is_admin() {
            // Someone else's order does not exist for this actor.
            return Err(Error::not_found(Entity::Order, id));
        }
        Ok(order)
    }

    /// The actor's orders, oldest first.
    pub async fn my_orders(&self, actor: &Actor, page: PageRequest) -> Result<Page<Order>> {
        self.deps
            .records
            .list_by::<Order>("buyer", actor.user_id, page)
            .await
            .map_err(|e| e.about(Entity::Order, actor.user_id))
    }

    /// An order's refunds, for its buyer or an admin.
    pub async fn refunds(&self, actor: &Actor, order_id: OrderId) -> Result<Vec<Refund>> {
        self.order(actor, order_id).await?;
        self.order_refunds(order_id).await
    }

    async fn order_refunds(&self, order_id: OrderId) -> Result<Vec<Refund>> {
        all_by(&self.deps, "order", order_id, Entity::Refund).await
    }

    /// Confirms the payment of an order paid outside the LMS (manual provider; admins).
    #[instrument(skip_all, fields(order_id = %id))]
    pub async fn mark_paid(&self, actor: &Actor, id: OrderId) -> Result<Order> {
        actor.require_admin()?;
        let order = self.load_order(id).await?;
        if order.provider != "manual" {
            return Err(Error::PaymentsUnsupported(format!(
                "only orders of the manual provider are marked paid by hand; this one is paid through {}",
                order.provider
            )));
        }
        let order = self
            .update_order(id, |order, now| order.mark_paid(now).into_iter().collect())
            .await?;
        if let Err(err) = self.learning.reconcile_purchase(&order).await {
            warn!(order_id = %order.id, error = %err, "enrollment after payment deferred to the reaction");
        }
        Ok(order)
    }

    /// Refunds (part of) a paid order (admins): all that is left when `amount_minor` is
    /// absent. The amount is set aside before the provider is asked, so concurrent refunds
    /// never exceed what was paid. A full refund ends the buyer's access.
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn refund(
        &self,
        actor: &Actor,
        order_id: OrderId,
        amount_minor: Option<i64>,
        reason: Option<String>,
    ) -> Result<Refund> {
        actor.require_admin()?;
        let gateway = self.gateway("refunds")?.clone();
        let mut v = Validator::new();
        let reason = reason.and_then(|r| v.field("reason", Note::parse(&r)));
        v.finish()?;
        let reason = reason.map(String::from).filter(|r| !r.is_empty());
        let refund = retry_on_conflict(|| async {
            let mut order = self.load_order(order_id).await?;
            let expected = order.version;
            let amount = amount_minor.unwrap_or(order.refundable_minor());
            order.reserve_refund(amount, self.deps.clock.now())?;
            let money = Money {
                amount_minor: amount,
                currency: order.amount.currency,
            };
            let refund = Refund::new(
                order.id,
                order.buyer_id,
                money,
                reason.clone(),
                &order.provider,
                self.deps.clock.now(),
            );
            let mut unit = UnitOfWork::default();
            unit.update(&order, expected)
                .and_then(|u| u.insert(&refund))
                .map_err(|e| e.about(Entity::Refund, refund.id))?;
            self.deps
                .records
                .write(&unit)
                .await
                .map_err(|e| e.about(Entity::Order, order_id))?;
            Ok((refund, order.provider_reference.clone()))
        })
        .await;
        let (refund, payment_reference) = refund?;
        let request = RefundRequest {
            idempotency_key: refund.id.to_string(),
            payment_reference: payment_reference.unwrap_or_default(),
            amount: refund.amount,
            reason: refund.reason.clone(),
        };
        match gateway.refund(&request).await {
            Ok(done) => self.settle_refund(refund, Some(done)).await,
            Err(GatewayError::Unavailable(source)) => {
                // The provider may have made it: the refund stays pending, and the
                // provider's webhook settles it.
                Err(Error::Unavailable(source))
            }
            Err(err) => {
                self.settle_refund(refund, None).await?;
                Err(gateway_error(err))
            }
        }
    }

    /// Records the provider's answer to a refund made here (`None`: it refused); a refund
    /// that completes the order's refund ends the buyer's access before it returns.
    async fn settle_refund(&self, refund: Refund, outcome: Option<ProviderRefund>) -> Result<Refund> {
        let state = outcome.as_ref().map_or(RefundState::Failed, |o| o.state);
        let (refund, order) = retry_on_conflict(|| async {
            let mut current = self.load_refund(refund.id).await?;
            let mut order = self.load_order(refund.order_id).await?;
            let (refund_expected, order_expected) = (current.version, order.version);
            let now = self.deps.clock.now();
            if current.provider_reference.is_none() {
                current.provider_reference = outcome.as_ref().map(|o| o.reference.clone());
            }
            let mut events = Vec::new();
            match (current.status, state) {
                (RefundStatus::Pending, RefundState::Succeeded) => {
                    let (reversal, done) = order.apply_refund(current.amount.amount_minor, true, now);
                    current.settle(RefundStatus::Succeeded, reversal, now);
                    events = done;
                }
                (RefundStatus::Pending, RefundState::Failed) => {
                    order.release_refund(current.amount.amount_minor, now);
                    current.settle(RefundStatus::Failed, Default::default(), now);
                }
                // Still pending at the provider (its webhook settles it), or settled
                // meanwhile by the webhook: keep the reference only.
                _ => {
                    current.version += 1;
                    current.updated_at = now;
                }
            }
            let mut unit = UnitOfWork::with_events(self.deps.events(events));
            unit.update(&current, refund_expected)
                .map_err(|e| e.about(Entity::Refund, current.id))?;
            if order.version != order_expected {
                unit.update(&order, order_expected)
                    .map_err(|e| e.about(Entity::Order, order.id))?;
            }
            self.deps
                .records
                .write(&unit)
                .await
                .map_err(|e| e.about(Entity::Refund, current.id))?;
            Ok((current, order))
        })
        .await?;
        if order.status == OrderStatus::Refunded {
            // The reaction to `order.refunded` ends the enrollment too; doing it now means
            // access ends with the answer. A failure here is left to the reaction.
            if let Err(err) = self.learning.reconcile_purchase(&order).await {
                warn!(order_id = %order.id, error = %err, "ending access after the refund deferred to the reaction");
            }
        }
        Ok(refund)
    }

    pub(super) async fn load_refund(&self, id: crate::ids::RefundId) -> Result<Refund> {
        self.deps
            .records
            .get::<Refund>(id)
            .await
            .map_err(|e| e.about(Entity::Refund, id))?
            .ok_or_else(|| Error::not_found(Entity::Refund, id))
    }

    /// Creates a plan at the provider and here (admins).
    #[instrument(skip_all)]
    pub async fn create_plan(&self, actor: &Actor, input: NewPlan) -> Result<Plan> {
        actor.require_admin()?;
        let mut v = Validator::new();
        let name = v.field("name", Title::parse(&input.name));
        let amount = Money::new(input.amount_minor, &input.currency);
        let amount = match amount {
            Ok(amount) => Some(amount),
            Err(Error::Validation(fields)) => {
                fields.into_iter().for_each(|f| v.push(f));
                None
            }
            Err(other) => return Err(other),
        };
        v.finish()?;
        let (name, amount) = (
            String::from(name.expect("validated above")),
            amount.expect("validated above"),
        );
        let gateway = self.gateway("subscriptions")?;
        let id = PlanId::new();
        let reference = gateway
            .create_plan(&PlanRequest {
                idempotency_key: id.to_string(),
                name: name.clone(),
                amount,
                interval: input.interval,
            })
            .await
            .map_err(gateway_error)?;
        let plan = Plan {
            id,
            version: 1,
            name,
            amount,
            interval: input.interval,
            provider: gateway.name().to_owned(),
            provider_reference: Some(reference),
            created_at: self.deps.clock.now(),
        };
        self.deps
            .records
            .insert(&plan, &[])
            .await
            .map_err(|e| e.about(Entity::Plan, plan.id))?;
        Ok(plan)
    }

    /// Every plan, oldest first (public: what premium costs).
    pub async fn plans(&self, page: PageRequest) -> Result<Page<Plan>> {
        self.deps
            .records
            .list::<Plan>(page)
            .await
            .map_err(|e| e.about(Entity::Plan, "list"))
    }

    pub(super) async fn load_plan(&self, id: PlanId) -> Result<Plan> {
        self.deps
            .records
            .get::<Plan>(id)
            .await
            .map_err(|e| e.about(Entity::Plan, id))?
            .ok_or_else(|| Error::not_found(Entity::Plan, id))
    }

    /// Subscribes the actor to a plan, paying with `payment_method`. A user holds one
    /// paying subscription at a time (`SUBSCRIPTION_ALREADY_EXISTS`); one left incomplete
    /// by a declined card does not count. The subscription is
    /// stored as `incomplete` before the provider is asked, so the provider's webhooks
    /// always find it; a declined card ends it at once (`CARD_DECLINED`).
    #[instrument(skip_all, fields(plan_id = %plan_id))]
    pub async fn subscribe(&self, actor: &Actor, plan_id: PlanId, payment_method: &str) -> Result<Subscription> {
        let gateway = self.gateway("subscriptions")?.clone();
        let payment_method = payment_method.trim();
        if payment_method.is_empty() {
            return Err(Error::invalid(
                "payment_method",
                "required",
                "a payment method is required",
            ));
        }
        let plan = self.load_plan(plan_id).await?;
        if self
            .user_subscriptions(actor.user_id)
            .await?
            .iter()
            .any(|s| s.status.grants_premium())
        {
            return Err(Error::AlreadyExists {
                entity: Entity::Subscription,
                key: "user".into(),
            });
        }
        let payer = self.payer(gateway.as_ref(), actor.user_id).await?;
        let now = self.deps.clock.now();
        let id = SubscriptionId::new();
        let pending = ProviderSubscription {
            reference: String::new(),
            status: SubscriptionStatus::Incomplete,
            current_period_end: None,
            cancel_at_period_end: false,
        };
        let mut subscription = Subscription::new(id, actor.user_id, plan.id, gateway.name(), &pending, now);
        subscription.provider_reference = None;
        self.deps
            .records
            .insert(&subscription, &[])
            .await
            .map_err(|e| e.about(Entity::Subscription, id))?;
        let request = SubscriptionRequest {
            idempotency_key: id.to_string(),
            plan_reference: plan.provider_reference.clone().unwrap_or_default(),
            payer,
            payment_method: payment_method.to_owned(),
            subscription_id: id.to_string(),
        };
        let started = gateway.subscribe(&request).await;
        let state = match &started {
            Ok(state) => state.clone(),
            Err(GatewayError::Unavailable(_)) => return Err(gateway_error(started.expect_err("matched"))),
            Err(_) => ProviderSubscription {
                status: SubscriptionStatus::Cancelled,
                ..pending
            },
        };
        let stored = self.apply_subscription_state(id, &state, now).await?;
        started.map_err(gateway_error)?;
        Ok(stored)
    }

    /// Applies the provider's state of a subscription as of `state_at`, with its event.
    async fn apply_subscription_state(
        &self,
        id: SubscriptionId,
        state: &ProviderSubscription,
        state_at: DateTime<Utc>,
    ) -> Result<Subscription> {
        retry_on_conflict(|| async {
            let mut subscription = self.load_subscription(id).await?;
            let expected = subscription.version;
            if subscription.provider_reference.is_none() && !state.reference.is_empty() {
                subscription.provider_reference = Some(state.reference.clone());
                subscription.version += 1;
            }
            let event = subscription.apply(state, state_at, self.deps.clock.now());
            if subscription.version != expected {
                let events = self.deps.events(event);
                self.deps
                    .records
                    .update(&subscription, expected, &events)
                    .await
                    .map_err(|e| e.about(Entity::Subscription, id))?;
            }
            Ok(subscription)
        })
        .await
    }

    pub(super) async fn load_subscription(&self, id: SubscriptionId) -> Result<Subscription> {
        self.deps
            .records
            .get::<Subscription>(id)
            .await
            .map_err(|e| e.about(Entity::Subscription, id))?
            .ok_or_else(|| Error::not_found(Entity::Subscription, id))
    }

    pub(super) async fn user_subscriptions(&self, user_id: UserId) -> Result<Vec<Subscription>> {
        all_by(&self.deps, "user", user_id, Entity::Subscription).await
    }

    /// The actor's current subscription: the latest one not cancelled, else the latest.
    pub async fn my_subscription(&self, actor: &Actor) -> Result<Subscription> {
        let all = self.user_subscriptions(actor.user_id).await?;
        all.iter()
            .rev()
            .find(|s| s.status != SubscriptionStatus::Cancelled)
            .or_else(|| all.last())
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::Subscription, actor.user_id))
    }

    /// Cancels a subscription (its subscriber or an admin): at the end of the paid
    /// period, or `immediately` (premium ends now).
    #[instrument(skip_all, fields(subscription_id = %id))]
    pub async fn cancel_subscription(
        &self,
        actor: &Actor,
        id: SubscriptionId,
        immediately: bool,
    ) -> Result<Subscription> {
        let gateway = self.gateway("subscriptions")?.clone();
        let subscription = self.load_subscription(id).await?;
        if subscription.user_id != actor.user_id && !actor.is_admin() {
            return Err(Error::not_found(Entity::Subscription, id));
        }
        if subscription.status == SubscriptionStatus::Cancelled {
            return Ok(subscription);
        }
        let Some(reference) = subscription.provider_reference.clone() else {
            return Err(Error::PaymentsUnsupported(
                "the subscription never started at the provider, so there is nothing to cancel".into(),
            ));
        };
        let key = format!("{id}-cancel-{}", if immediately { "now" } else { "at-period-end" });
        let state = gateway
            .cancel_subscription(&reference, &key, immediately)
            .await
            .map_err(gateway_error)?;
        self.apply_subscription_state(id, &state, self.deps.clock.now()).await
    }

    /// Verifies a provider's webhook from its raw body and headers and stores it in the
    /// inbox, once: a second delivery of the same event is `Duplicate`. Processing
    /// follows from the relay. A webhook that fails verification stores nothing.
    #[instrument(skip_all)]
    pub async fn receive_webhook(&self, headers: &[(String, String)], body: &[u8]) -> Result<Received> {
        let gateway = self.gateway("webhooks")?;
        let event = gateway
            .verify_webhook(headers, body, self.deps.clock.now())
            .map_err(|rejection| Error::WebhookRejected(rejection.to_string()))?;
        let inbox = InboxEvent {
            id: Uuid::now_v7(),
            version: 1,
            provider: gateway.name().to_owned(),
            received_at: self.deps.clock.now(),
            event,
        };
        let events = self.deps.events([EventPayload::PaymentEventReceived {
            inbox_id: inbox.id,
            provider: inbox.provider.clone(),
            provider_event_type: inbox.event.event_type.clone(),
        }]);
        match self.deps.records.insert(&inbox, &events).await {
            Ok(()) => Ok(Received::Stored),
            Err(StoreError::Duplicate(UniqueKey::Record {
                key: "provider_event", ..
            })) => Ok(Received::Duplicate),
            Err(err) => Err(err.about(Entity::Event, inbox.id)),
        }
    }

    /// Processes one inbox event: moves the order, refund or subscription it concerns.
    /// Safe to run again and in any order.
    pub(super) async fn process_inbox(&self, inbox_id: Uuid) -> Result<()> {
        let Some(inbox) = self
            .deps
            .records
            .get::<InboxEvent>(inbox_id)
            .await
            .map_err(|e| e.about(Entity::Event, inbox_id))?
        else {
            return Ok(());
        };
        self.process_event(&inbox.event).await
    }

    async fn process_event(&self, event: &ProviderEvent) -> Result<()> {
        match &event.object {
            ProviderObject::Payment { order_id, payment } => self.apply_payment(order_id.as_deref(), payment).await,
            ProviderObject::Refunded {
                payment_reference,
                amount_refunded_minor,
                refunds,
            } => {
                self.apply_refunds(payment_reference, *amount_refunded_minor, refunds)
                    .await
            }
            ProviderObject::Subscription {
                subscription_id,
                subscription,
            } => {
                self.apply_provider_subscription(event, subscription_id.as_deref(), subscription)
                    .await
            }
            ProviderObject::Ignored => Ok(()),
        }
    }

    /// The order a provider's payment belongs to: by the order id stored with it, else
    /// by its reference.
    async fn order_of(&self, order_id: Option<&str>, reference: &str) -> Result<Option<Order>> {
        if let Some(id) = order_id.and_then(|id| id.parse::<OrderId>().ok()) {
            let found = self.deps.records.get::<Order>(id).await;
            if let Some(order) = found.map_err(|e| e.about(Entity::Order, id))? {
                return Ok(Some(order));
            }
        }
        let key = (self.provider(), reference);
        self.deps
            .records
            .get_unique::<Order>("provider_reference", key)
            .await
            .map_err(|e| e.about(Entity::Order, reference))
    }

    async fn apply_payment(&self, order_id: Option<&str>, payment: &ProviderPayment) -> Result<()> {
        let Some(order) = self.order_of(order_id, &payment.reference).await? else {
            warn!(reference = %payment.reference, "payment of no known order ignored");
            return Ok(());
        };
        self.update_order(order.id, |order, now| {
            let mut events = Vec::new();
            if order.provider_reference.is_none() {
                order.provider_reference = Some(payment.reference.clone());
                order.version += 1;
                order.updated_at = now;
            }
            match &payment.state {
                PaymentState::Succeeded => events.extend(order.mark_paid(now)),
                PaymentState::Failed { code, message } => {
                    let failure = PaymentFailure {
                        code: if code.is_some() {
                            "CARD_DECLINED"
                        } else {
                            "PAYMENT_FAILED"
                        }
                        .to_owned(),
                        decline_code: code.clone(),
                        message: message.clone(),
                    };
                    events.extend(order.mark_failed(failure, now));
                }
                PaymentState::Pending => {}
            }
            events
        })
        .await?;
        Ok(())
    }

    /// Settles each refund the provider reports for a payment, once: a refund made here
    /// is found by its reference (or, when its webhook outran the answer to the refund
    /// call, as the pending refund of the same amount without one); a refund made at the
    /// provider directly is recorded as new.
    ///
    /// Stripe's newer API versions no longer list the refunds in the event, only the
    /// total refunded: what that total adds to the order's refunds is then settled as one
    /// refund named after the payment and the total, so a repeat of the event finds it.
    async fn apply_refunds(
        &self,
        payment_reference: &str,
        amount_refunded_minor: i64,
        refunds: &[(ProviderRefund, i64)],
    ) -> Result<()> {
        let Some(order) = self.order_of(None, payment_reference).await? else {
            warn!(reference = %payment_reference, "refund of no known order ignored");
            return Ok(());
        };
        let unlisted;
        let refunds = if refunds.is_empty() {
            unlisted = [(
                ProviderRefund {
                    reference: format!("{payment_reference}#refunded-{amount_refunded_minor}"),
                    state: RefundState::Succeeded,
                },
                amount_refunded_minor - order.refunded_minor,
            )];
            &unlisted[..]
        } else {
            refunds
        };
        for (provider_refund, amount_minor) in refunds {
            if provider_refund.state != RefundState::Succeeded || *amount_minor <= 0 {
                continue;
            }
            self.settle_provider_refund(order.id, provider_refund, *amount_minor)
                .await?;
        }
        Ok(())
    }

    async fn settle_provider_refund(
        &self,
        order_id: OrderId,
        provider_refund: &ProviderRefund,
        amount_minor: i64,
    ) -> Result<()> {
        retry_on_conflict(|| async {
            let mut order = self.load_order(order_id).await?;
            let order_expected = order.version;
            let key = (order.provider.as_str(), provider_refund.reference.as_str());
            let known = self
                .deps
                .records
                .get_unique::<Refund>("provider_reference", key)
                .await
                .map_err(|e| e.about(Entity::Refund, &provider_refund.reference))?;
            let known = match known {
                Some(refund) => Some(refund),
                None => self.order_refunds(order_id).await?.into_iter().find(|r| {
                    r.status == RefundStatus::Pending
                        && r.provider_reference.is_none()
                        && r.amount.amount_minor == amount_minor
                }),
            };
            let now = self.deps.clock.now();
            let mut unit = UnitOfWork::default();
            let events = match known {
                Some(refund) if refund.status != RefundStatus::Pending => return Ok(()),
                Some(mut refund) => {
                    let expected = refund.version;
                    refund.provider_reference = Some(provider_refund.reference.clone());
                    let (reversal, events) = order.apply_refund(refund.amount.amount_minor, true, now);
                    refund.settle(RefundStatus::Succeeded, reversal, now);
                    unit.update(&refund, expected)
                        .map_err(|e| e.about(Entity::Refund, refund.id))?;
                    events
                }
                None => {
                    let amount = Money {
                        amount_minor,
                        currency: order.amount.currency,
                    };
                    let mut refund = Refund::new(order.id, order.buyer_id, amount, None, &order.provider, now);
                    refund.provider_reference = Some(provider_refund.reference.clone());
                    let (reversal, events) = order.apply_refund(amount_minor, false, now);
                    refund.reversed = reversal;
                    refund.status = RefundStatus::Succeeded;
                    unit.insert(&refund).map_err(|e| e.about(Entity::Refund, refund.id))?;
                    events
                }
            };
            unit.update(&order, order_expected)
                .map_err(|e| e.about(Entity::Order, order.id))?;
            unit.events = self.deps.events(events);
            match self.deps.records.write(&unit).await {
                Ok(()) => Ok(()),
                // A concurrent delivery recorded this refund first: retry, which finds it.
                Err(StoreError::Duplicate(_)) => Err(Error::Conflict {
                    entity: Entity::Refund,
                    id: provider_refund.reference.clone(),
                }),
                Err(err) => Err(err.about(Entity::Order, order_id)),
            }
        })
        .await
    }

    async fn apply_provider_subscription(
        &self,
        event: &ProviderEvent,
        subscription_id: Option<&str>,
        reported: &ProviderSubscription,
    ) -> Result<()> {
        let by_id = subscription_id.and_then(|id| id.parse::<SubscriptionId>().ok());
        let found = match by_id {
            Some(id) => self
                .deps
                .records
                .get::<Subscription>(id)
                .await
                .map_err(|e| e.about(Entity::Subscription, id))?,
            None => None,
        };
        let found = match found {
            Some(found) => Some(found),
            None => self
                .deps
                .records
                .get_unique::<Subscription>("provider_reference", (self.provider(), reported.reference.as_str()))
                .await
                .map_err(|e| e.about(Entity::Subscription, &reported.reference))?,
        };
        let Some(subscription) = found else {
            warn!(reference = %reported.reference, "subscription of no known user ignored");
            return Ok(());
        };
        // An invoice tells whether a period was paid, not the whole subscription: read
        // the subscription itself from the provider rather than guess.
        let state = if event.event_type.starts_with("invoice.") {
            self.gateway("subscriptions")?
                .fetch_subscription(&reported.reference)
                .await
                .map_err(gateway_error)?
        } else {
            reported.clone()
        };
        self.apply_subscription_state(subscription.id, &state, event.created_at)
            .await?;
        Ok(())
    }
}
