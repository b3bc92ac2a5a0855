//! The HTTP API under `/api/v1` and the operations endpoints, as poem-openapi services.

mod analytics;
mod auth;
mod catalog;
mod certificates;
mod deck_document;
mod deck_transfer;
mod delivery;
mod flashcards;
mod learning;
pub mod monitoring;
mod ops;
mod payments;
mod privacy;
mod time_bound;
pub mod types;
mod webhooks;

use std::sync::Arc;
use std::time::Instant;

use lms_core::delivery::Relay;
use lms_core::ports::StoreHealth;
use lms_core::webhooks::WebhookService;
use lms_core::{Actor, Lms};
use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::{OpenApiService, SecurityScheme, Tags};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::settings::Settings;
use crate::tokens::{TokenError, TokenService};

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    /// The LMS services.
    pub lms: Lms,
    /// The event relay of this instance (its dead letters, its counts).
    pub relay: Relay,
    /// Webhook endpoints.
    pub webhooks: WebhookService,
    /// Payments through the configured provider.
    pub payments: lms_core::payments::PaymentService,
    /// Exports, erasure, consents and the audit log.
    pub privacy: lms_core::privacy::PrivacyService,
    /// Public verification of certificates.
    pub certificates: lms_core::certificates::CertificateService,
    /// Expiring signed links (certificate downloads).
    pub links: lms_core::certificates::UrlSigner,
    /// Password resets, when mail is configured.
    pub password_resets: Option<lms_core::services::PasswordResetService>,
    /// Storage liveness, for readiness.
    pub health: Arc<dyn StoreHealthDebug>,
    /// Access tokens.
    pub tokens: TokenService,
    /// Metrics.
    pub metrics: Metrics,
    /// Rate-limit counters.
    pub limiter: RateLimiter,
    /// The settings the server started with.
    pub settings: Settings,
    /// Start time, for uptime.
    pub started: Instant,
    /// Requests being worked on and waiting, for the in-flight limit and readiness.
    pub in_flight: crate::gateway::InFlight,
    /// Whether graceful shutdown has begun, for readiness and `Connection: close`.
    pub drain: crate::drain::Drain,
    /// Where incident notices go.
    pub alerts: crate::monitoring::alerts::AlertSender,
    /// The last status computed, shown (with the database down) while storage cannot be
    /// read.
    pub last_status: std::sync::Mutex<Option<lms_core::monitoring::StatusReport>>,
}

/// [`StoreHealth`] that can be debug-printed opaquely.
pub trait StoreHealthDebug: StoreHealth + std::fmt::Debug {}
impl<T: StoreHealth + std::fmt::Debug> StoreHealthDebug for T {}

/// Shared state handle.
pub type State = Arc<AppState>;

/// API groups.
#[derive(Debug, Tags)]
pub enum ApiTags {
    /// Registration, login, tokens, accounts.
    Auth,
    /// Courses and lessons.
    Catalog,
    /// Classes of courses.
    Classes,
    /// Enrollment, progress, lessons, quizzes.
    Learning,
    /// Purchases, refunds, subscriptions and sales reports.
    Payments,
    /// Data export, erasure, consents and the audit log.
    Privacy,
    /// Public verification of completion certificates.
    Certificates,
    /// Flashcard decks, spaced-repetition study and statistics.
    Flashcards,
    /// Course funnels, quiz question statistics, learning and business metrics.
    Analytics,
    /// Health and metrics.
    Operations,
}

/// A bearer JWT access token from `POST /api/v1/auth/login`.
#[derive(Debug, SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "authenticate")]
pub struct BearerAuth(pub Actor);

/// The bearer token of a request, verified once by the gateway (signature, algorithm,
/// expiry) for rate limiting and reused by [`BearerAuth`]; session liveness is checked
/// only where an operation requires authentication.
#[derive(Debug, Clone)]
pub struct DecodedToken(pub Result<(Actor, uuid::Uuid), TokenError>);

impl DecodedToken {
    /// Verifies the `Authorization: Bearer` token of `req`, if it has one.
    pub fn from_request(state: &AppState, req: &Request) -> Option<Self> {
        let token = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        Some(Self(state.tokens.decode(token.trim())))
    }
}

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Actor> {
    let Some(state) = req.data::<State>() else {
        return Err(ApiError::internal(&"application state missing").into());
    };
    let decoded = match req.data::<DecodedToken>() {
        Some(DecodedToken(decoded)) => *decoded,
        None => state.tokens.decode(&bearer.token),
    };
    verified_actor(state, decoded).await.map_err(Into::into)
}

/// The actor a decoded bearer token stands for: its session must be live, and rights
/// above a learner's are confirmed against the account (the role in a token is what it
/// was at issue), so a demotion holds from the next request.
pub(crate) async fn verified_actor(
    state: &AppState,
    decoded: Result<(Actor, uuid::Uuid), TokenError>,
) -> ApiResult<Actor> {
    let (claimed, sid) = decoded.map_err(token_error)?;
    let actor = state
        .tokens
        .check_live(&state.lms, claimed, sid)
        .await
        .map_err(token_error)?;
    Ok(state.lms.users.current_actor(actor).await?)
}

/// 401 for refused tokens; 503 when storage could not confirm the session.
pub(crate) fn token_error(err: TokenError) -> ApiError {
    match err {
        TokenError::Unavailable => ApiError::from(lms_core::Error::Unavailable("session check failed".into())),
        other => ApiError::unauthorized(other.to_string()),
    }
}

/// Result of an operation.
pub type ApiResult<T> = Result<T, ApiError>;

/// Every API group.
pub type Apis = (
    auth::AuthApi,
    catalog::CatalogApi,
    learning::ClassesApi,
    learning::LearningApi,
    delivery::DeliveryApi,
    webhooks::WebhooksApi,
    payments::PaymentsApi,
    privacy::PrivacyApi,
    certificates::CertificatesApi,
    flashcards::FlashcardsApi,
    deck_transfer::DeckTransferApi,
    analytics::AnalyticsApi,
    monitoring::MonitoringApi,
    monitoring::StatusApi,
    ops::OpsApi,
);

/// The OpenAPI service with every operation.
pub fn service(version: &str) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            auth::AuthApi,
            catalog::CatalogApi,
            learning::ClassesApi,
            learning::LearningApi,
            delivery::DeliveryApi,
            webhooks::WebhooksApi,
            payments::PaymentsApi,
            privacy::PrivacyApi,
            certificates::CertificatesApi,
            flashcards::FlashcardsApi,
            deck_transfer::DeckTransferApi,
            analytics::AnalyticsApi,
            monitoring::MonitoringApi,
            monitoring::StatusApi,
            ops::OpsApi,
        ),
        "LMS API",
        version,
    )
    .description(
        "Courses, lessons, enrollment and sequential progress. Every error response has the \
         body {\"error\":{\"code\",\"message\",\"details\",\"timestamp\",\"request_id\"}}. \
         Authenticate with a bearer access token from /api/v1/auth/login (15 minutes); renew \
         it with the single-use refresh token at /api/v1/auth/refresh.",
    )
}
