//! Webhook endpoints, for admins: register, list, change, remove, rotate the secret, and
//! the delivery attempts.

use lms_core::ports::PageRequest;
use lms_core::webhooks::{NewWebhook, WebhookAttempt, WebhookEndpoint, WebhookPatch};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, BearerAuth, State};

/// Webhook endpoints.
#[derive(Debug)]
pub struct WebhooksApi;

/// A new webhook endpoint.
#[derive(Debug, Object)]
pub struct CreateWebhookRequest {
    /// Where events are POSTed (`http` or `https`).
    #[oai(validator(max_length = 2048))]
    pub url: String,
    /// The event types it receives (docs/events.md); empty or absent for all.
    #[oai(validator(max_items = 64))]
    pub event_types: Option<Vec<String>>,
    /// What it is for.
    #[oai(validator(max_length = 500))]
    pub description: Option<String>,
}

/// Changes to a webhook endpoint; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateWebhookRequest {
    /// A new URL.
    #[oai(validator(max_length = 2048))]
    pub url: Option<String>,
    /// New event types (empty for all).
    #[oai(validator(max_items = 64))]
    pub event_types: Option<Vec<String>>,
    /// A new description (blank to remove it).
    #[oai(validator(max_length = 500))]
    pub description: Option<String>,
    /// Enable or disable deliveries. Re-enabled, it receives the events written from then
    /// on.
    pub enabled: Option<bool>,
}

/// A webhook endpoint.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookResponse {
    /// Identifier.
    pub id: Uuid,
    /// Where events are POSTed.
    pub url: String,
    /// The event types it receives; empty for all.
    pub event_types: Vec<String>,
    /// Whether events are delivered to it.
    pub enabled: bool,
    /// What it is for.
    pub description: Option<String>,
    /// The current signing secret (`whsec_…`): only in the answers to creation and to a
    /// rotation.
    pub secret: Option<String>,
    /// Creation time.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl WebhookResponse {
    fn new(endpoint: WebhookEndpoint, show_secret: bool) -> Self {
        let secret = show_secret
            .then(|| endpoint.secrets.first().map(|s| s.secret.expose().to_owned()))
            .flatten();
        Self {
            id: endpoint.id,
            url: endpoint.url,
            event_types: endpoint.event_types,
            enabled: endpoint.enabled,
            description: endpoint.description,
            secret,
            created_at: endpoint.created_at,
            updated_at: endpoint.updated_at,
        }
    }
}

/// A page of webhook endpoints.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookPage {
    /// The endpoints, by id.
    pub items: Vec<WebhookResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

/// One delivery attempt.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookAttemptResponse {
    /// Identifier.
    pub id: Uuid,
    /// The event (the `webhook-id` header).
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// When the attempt started.
    pub attempted_at: chrono::DateTime<chrono::Utc>,
    /// The HTTP status the endpoint answered, if it answered.
    pub status_code: Option<u16>,
    /// How long the attempt took, in milliseconds.
    pub latency_ms: u64,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Whether the endpoint took the event (a 2xx answer).
    pub delivered: bool,
}

impl From<WebhookAttempt> for WebhookAttemptResponse {
    fn from(a: WebhookAttempt) -> Self {
        Self {
            id: a.id,
            event_id: a.event_id.as_uuid(),
            event_type: a.event_type,
            attempted_at: a.attempted_at,
            status_code: a.status,
            latency_ms: a.latency_ms,
            error: a.error,
            delivered: a.delivered,
        }
    }
}

/// A page of delivery attempts.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookAttemptPage {
    /// The attempts, oldest first.
    pub items: Vec<WebhookAttemptResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

#[derive(ApiResponse)]
enum Created {
    /// Registered; the secret is shown here only (and on rotation).
    #[oai(status = 201)]
    Created(Json<WebhookResponse>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Removed, with its pending retries.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/api/v1/admin", tag = "ApiTags::Operations")]
impl WebhooksApi {
    /// Register a webhook endpoint (admins only).
    #[oai(path = "/webhooks", method = "post", operation_id = "createWebhook")]
    async fn create(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<CreateWebhookRequest>,
    ) -> ApiResult<Created> {
        let body = body.0;
        let new = NewWebhook {
            url: body.url,
            event_types: body.event_types.unwrap_or_default(),
            description: body.description,
        };
        let endpoint = state.webhooks.create(&auth.0, new).await?;
        Ok(Created::Created(Json(WebhookResponse::new(endpoint, true))))
    }

    /// The webhook endpoints (admins only).
    #[oai(path = "/webhooks", method = "get", operation_id = "listWebhooks")]
    async fn list(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<WebhookPage>> {
        let found = state
            .webhooks
            .list(&auth.0, PageRequest::new(after.0, limit.0)?)
            .await?;
        Ok(Json(WebhookPage {
            items: found
                .items
                .into_iter()
                .map(|e| WebhookResponse::new(e, false))
                .collect(),
            next_after: found.next_after,
        }))
    }

    /// A webhook endpoint (admins only).
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "getWebhook")]
    async fn get(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<WebhookResponse>> {
        let endpoint = state.webhooks.get(&auth.0, id.0).await?;
        Ok(Json(WebhookResponse::new(endpoint, false)))
    }

    /// Change a webhook endpoint (admins only).
    #[oai(path = "/webhooks/:id", method = "patch", operation_id = "updateWebhook")]
    async fn update(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UpdateWebhookRequest>,
    ) -> ApiResult<Json<WebhookResponse>> {
        let body = body.0;
        let patch = WebhookPatch {
            url: body.url,
            event_types: body.event_types,
            description: body.description,
            enabled: body.enabled,
        };
        let endpoint = state.webhooks.update(&auth.0, id.0, patch).await?;
        Ok(Json(WebhookResponse::new(endpoint, false)))
    }

    /// Remove a webhook endpoint and its pending retries (admins only).
    #[oai(path = "/webhooks/:id", method = "delete", operation_id = "deleteWebhook")]
    async fn delete(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Deleted> {
        state.webhooks.delete(&auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }

    /// Make a new signing secret current; the previous one keeps signing for 24 hours
    /// (admins only).
    #[oai(
        path = "/webhooks/:id/rotate-secret",
        method = "post",
        operation_id = "rotateWebhookSecret"
    )]
    async fn rotate_secret(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<WebhookResponse>> {
        let endpoint = state.webhooks.rotate_secret(&auth.0, id.0).await?;
        Ok(Json(WebhookResponse::new(endpoint, true)))
    }

    /// The delivery attempts to a webhook endpoint, oldest first (admins only).
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "listWebhookDeliveries"
    )]
    async fn deliveries(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<WebhookAttemptPage>> {
        let found = state
            .webhooks
            .attempts(&auth.0, id.0, PageRequest::new(after.0, limit.0)?)
            .await?;
        Ok(Json(WebhookAttemptPage {
            items: found.items.into_iter().map(Into::into).collect(),
            next_after: found.next_after,
        }))
    }
}
