//! Assembly: storage from the settings, the services, the routes, the listener.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use lms_core::certificates::{CertificateSigner, UrlSigner};
use lms_core::course_cache::CourseCacheSettings;
use lms_core::delivery::{Backoff, Relay, RelaySettings, Subscriber};
use lms_core::mail::MailSettings;
use lms_core::payments::{ManualGateway, PaymentGateway, PaymentService, PaymentSettings, RevenueShare};
use lms_core::ports::{Mailer, MigrationState, StoreError, Stores};
use lms_core::privacy::{PrivacyService, PrivacySettings};
use lms_core::services::{AuthSettings, PasswordResetService};
use lms_core::webhooks::{WebhookService, WebhookSettings};
use lms_core::Lms;
use lms_notify::{NatsNotifier, SmtpMailer};
#[cfg(feature = "mongo")]
use lms_storage_mongo::MongoStore;
#[cfg(feature = "postgres")]
use lms_storage_postgres::PostgresStore;
#[cfg(feature = "sqlite")]
use lms_storage_sqlite::{Durability, SqliteStore};
use lms_stripe::{StripeGateway, StripeSettings};
use poem::middleware::Cors;
use poem::{EndpointExt, Route};
use tokio::net::TcpListener;

use crate::api::{self, AppState, State, StoreHealthDebug};
use crate::connections::{self, ConnectionLimits};
use crate::drain::Drain;
use crate::gateway::{Gateway, InFlight, Listener};
use crate::metrics::Metrics;
use crate::openapi_doc;
use crate::payment_metrics::PaymentMetrics;
use crate::ratelimit::RateLimiter;
use crate::settings::{PaymentProvider, Settings};
use crate::signing_key::{certificate_secret, signing_keys, KeyError};
use crate::store_metrics::TimedStores;
use crate::tls::Tls;
use crate::tokens::TokenService;
use crate::webhook_transport::HttpTransport;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Production refused unsafe settings (each one is listed).
    #[error("refusing to start in production with unsafe settings:\n  - {}", .0.join("\n  - "))]
    Unsafe(Vec<String>),
    /// The database could not be opened or migrated.
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
    /// `LMS_MIGRATE_ON_START=false` and the database lacks migrations (each listed).
    #[error(
        "the database lacks migrations ({}) and LMS_MIGRATE_ON_START=false: run `lms-server migrate` first",
        .0.join(", ")
    )]
    PendingMigrations(Vec<String>),
    /// Redis could not be reached.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// The address could not be bound.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
    /// No key to sign access tokens with.
    #[error("{0}")]
    SigningKey(#[from] KeyError),
    /// A notifier (SMTP, NATS) could not be set up.
    #[error("{0}")]
    Notifier(String),
    /// The payment provider could not be set up.
    #[error("{0}")]
    Payments(String),
    /// The TLS certificate or key could not be loaded.
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
}

/// A storage driver, each behind the cargo feature of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// SQLite (`sqlite:…`), the default feature.
    Sqlite,
    /// PostgreSQL (`postgres://…`).
    Postgres,
    /// MongoDB (`mongodb://…`).
    Mongo,
}

impl Driver {
    /// The driver a database URL needs: PostgreSQL and MongoDB by their schemes, SQLite
    /// for anything else.
    pub fn for_url(url: &str) -> Self {
        if url.starts_with("postgres") {
            Self::Postgres
        } else if url.starts_with("mongodb") {
            Self::Mongo
        } else {
            Self::Sqlite
        }
    }

    /// The cargo feature of `lms-http` that builds it in.
    pub fn feature(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::Mongo => "mongo",
        }
    }

    /// Whether this build has it.
    pub fn is_built_in(self) -> bool {
        match self {
            Self::Sqlite => cfg!(feature = "sqlite"),
            Self::Postgres => cfg!(feature = "postgres"),
            Self::Mongo => cfg!(feature = "mongo"),
        }
    }

    /// Why a URL for a driver this build lacks is refused, and how to build one with it.
    pub fn missing(self) -> String {
        format!(
            "this server was built without the `{feature}` feature, so it cannot open a {self:?} \
             database; build it with `cargo build --release -p lms-http --features {feature}`",
            feature = self.feature()
        )
    }
}

/// An opened storage backend.
#[derive(Debug, Clone)]
pub enum Storage {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteStore),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(PostgresStore),
    /// MongoDB (a replica set: writes use transactions).
    #[cfg(feature = "mongo")]
    Mongo(MongoStore),
}

/// Calls `$call` on whichever store `$storage` holds.
macro_rules! on_store {
    ($storage:expr, $store:ident => $call:expr) => {
        match $storage {
            #[cfg(feature = "sqlite")]
            Storage::Sqlite($store) => $call,
            #[cfg(feature = "postgres")]
            Storage::Postgres($store) => $call,
            #[cfg(feature = "mongo")]
            Storage::Mongo($store) => $call,
        }
    };
}

impl Storage {
    /// Opens the backend `url` names (`sqlite:…`, `postgres://…` or `mongodb://…`),
    /// creating the SQLite file and its directory if missing, with SQLite commits synced
    /// to disk.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::connect(
            url,
            #[cfg(feature = "sqlite")]
            Durability::Full,
        )
        .await
    }

    /// Opens the backend the settings name, with their SQLite durability.
    pub async fn open_configured(settings: &Settings) -> Result<Self, StoreError> {
        Self::connect(
            settings.database_url.expose(),
            #[cfg(feature = "sqlite")]
            settings.sqlite_durability,
        )
        .await
    }

    async fn connect(url: &str, #[cfg(feature = "sqlite")] sqlite_durability: Durability) -> Result<Self, StoreError> {
        match Driver::for_url(url) {
            #[cfg(feature = "postgres")]
            Driver::Postgres => Ok(Self::Postgres(PostgresStore::connect(url).await?)),
            #[cfg(feature = "mongo")]
            Driver::Mongo => Ok(Self::Mongo(MongoStore::connect(url).await?)),
            #[cfg(feature = "sqlite")]
            Driver::Sqlite => {
                if let Some(dir) = sqlite_dir(url) {
                    std::fs::create_dir_all(&dir).map_err(StoreError::backend)?;
                }
                Ok(Self::Sqlite(
                    SqliteStore::connect_durable(url, sqlite_durability).await?,
                ))
            }
            // Reached only in builds that leave a driver out.
            #[allow(unreachable_patterns)]
            driver => Err(StoreError::backend(driver.missing())),
        }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        on_store!(self, s => s.migrate().await)
    }

    /// Every migration this build knows and when the database applied it; changes
    /// nothing.
    pub async fn migration_status(&self) -> Result<Vec<MigrationState>, StoreError> {
        on_store!(self, s => s.migration_status().await)
    }

    /// Applies pending migrations when `migrate` is set; otherwise checks that none is
    /// pending, so a server never runs on a schema older than it expects.
    pub async fn prepare(&self, migrate: bool) -> Result<(), StartError> {
        if migrate {
            return Ok(self.migrate().await?);
        }
        let pending: Vec<String> = self
            .migration_status()
            .await?
            .into_iter()
            .filter(MigrationState::is_pending)
            .map(|m| format!("{} {}", m.version, m.description))
            .collect();
        if pending.is_empty() {
            Ok(())
        } else {
            Err(StartError::PendingMigrations(pending))
        }
    }

    /// The stores and the health probe.
    pub fn stores(&self) -> (Stores, Arc<dyn StoreHealthDebug>) {
        on_store!(self, s => (Stores::from_backend(Arc::new(s.clone())), Arc::new(s.clone())))
    }

    /// Closes the connections.
    pub async fn close(&self) {
        on_store!(self, s => s.close().await)
    }
}

/// The directory of a `sqlite:` file URL, if it names one.
#[cfg(feature = "sqlite")]
fn sqlite_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Into::into)
}

/// The LMS services over opened storage, with the session settings and encryption at
/// rest applied.
pub fn services(settings: &Settings, stores: Stores) -> Lms {
    let stores = match &settings.encryption {
        Some(encryption) => stores.with_encryption(encryption.keys.clone(), encryption.blind.clone()),
        None => stores,
    };
    let mut lms = Lms::with_system_clock(stores);
    let idle = chrono::Duration::from_std(settings.session_idle).unwrap_or(chrono::Duration::minutes(60));
    lms.auth = lms.auth.with_settings(AuthSettings {
        idle_timeout: idle,
        ..AuthSettings::default()
    });
    lms
}

/// The webhook endpoints of the server, delivered to over HTTP.
pub fn webhooks(settings: &Settings, lms: &Lms) -> WebhookService {
    lms.webhooks(
        Arc::new(HttpTransport::new(settings.webhook_allow_private)),
        WebhookSettings {
            allow_private: settings.webhook_allow_private,
            attempt_retention: settings.delivery_attempt_retention,
            ..WebhookSettings::default()
        },
    )
}

/// Payments through the provider the settings name, with their revenue rule.
pub fn payments(settings: &Settings, lms: &Lms) -> Result<PaymentService, StartError> {
    let config = &settings.payments;
    let gateway: Option<Arc<dyn PaymentGateway>> = match &config.provider {
        PaymentProvider::None => None,
        PaymentProvider::Manual => Some(Arc::new(ManualGateway)),
        PaymentProvider::Stripe {
            api_base,
            secret_key,
            webhook_secrets,
        } => Some(Arc::new(
            StripeGateway::new(StripeSettings {
                api_base: api_base.clone(),
                webhook_secrets: webhook_secrets.iter().map(|s| s.expose().to_owned()).collect(),
                ..StripeSettings::new(secret_key.expose())
            })
            .map_err(|e| StartError::Payments(format!("LMS_STRIPE_API_BASE / LMS_STRIPE_SECRET_KEY: {e}")))?,
        )),
    };
    let creator_share = RevenueShare::new(config.creator_share_percent)
        .map_err(|e| StartError::Payments(format!("LMS_CREATOR_SHARE_PERCENT: {e}")))?;
    Ok(lms.payments(gateway, PaymentSettings { creator_share }))
}

/// Exports, erasure, consents and the audit log, with the erasure cool-off of the settings.
pub fn privacy(settings: &Settings, lms: &Lms) -> PrivacyService {
    lms.privacy(PrivacySettings {
        erasure_cool_off: chrono::Duration::from_std(settings.erasure_cool_off).unwrap_or(chrono::Duration::zero()),
    })
}

/// What the settings ask to be sent besides webhooks: mail (event-driven messages and
/// password resets) and every event to NATS.
#[derive(Default)]
pub struct Notifications {
    /// Relay subscribers: `mail`, `nats`.
    pub subscribers: Vec<Subscriber>,
    /// Password resets, when mail is configured.
    pub password_resets: Option<PasswordResetService>,
    /// The mailer, when mail is configured (incident emails).
    pub mailer: Option<Arc<dyn Mailer>>,
}

impl std::fmt::Debug for Notifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifications")
            .field("subscribers", &self.subscribers)
            .field("password_resets", &self.password_resets)
            .field("mailer", &self.mailer.is_some())
            .finish()
    }
}

/// Connects the notifiers the settings name. A stream that does not exist yet starts at
/// the newest event, so switching mail on does not mail the past week.
pub async fn notifications(settings: &Settings, lms: &Lms, stores: &Stores) -> Result<Notifications, StartError> {
    let mut out = Notifications::default();
    let newest = stores.outbox.last_sequence().await?;
    if let Some(mail) = &settings.mail {
        let ca =
            match &mail.ca_file {
                Some(path) => Some(std::fs::read(path).map_err(|e| {
                    StartError::Notifier(format!("LMS_SMTP_CA_FILE: cannot read {}: {e}", path.display()))
                })?),
                None => None,
            };
        let mailer: Arc<dyn Mailer> = Arc::new(
            SmtpMailer::from_url_trusting(mail.smtp_url.expose(), &mail.from, ca.as_deref())
                .map_err(|e| StartError::Notifier(format!("LMS_SMTP_URL / LMS_MAIL_FROM / LMS_SMTP_CA_FILE: {e}")))?,
        );
        let texts = MailSettings {
            public_url: mail.public_url.clone(),
            ..MailSettings::default()
        };
        out.password_resets = Some(lms.password_resets(mailer.clone(), texts.clone()));
        out.mailer = Some(mailer.clone());
        out.subscribers
            .push(lms.mail_notifier(mailer, texts).subscriber().starting_after(newest));
    }
    if let Some(url) = &settings.nats_url {
        let nats = NatsNotifier::connect(url.expose())
            .await
            .map_err(|e| StartError::Notifier(format!("LMS_NATS_URL: {e}")))?;
        out.subscribers
            .push(Subscriber::new("nats", Arc::new(nats)).starting_after(newest));
    }
    Ok(out)
}

/// The event relay of this server instance, with the retry and retention settings, the
/// webhook endpoints and `subscribers` as subscribers.
pub fn relay(settings: &Settings, lms: &Lms, webhooks: &WebhookService, subscribers: Vec<Subscriber>) -> Relay {
    let delivery = settings.delivery;
    subscribers
        .into_iter()
        .fold(lms.relay(), |relay, subscriber| relay.subscribe(subscriber))
        .subscribe_from(Arc::new(webhooks.clone()))
        .settings(RelaySettings {
            max_attempts: delivery.max_attempts,
            backoff: Backoff {
                base: delivery.retry_base,
                max: delivery.retry_max,
            },
            retention: delivery.retention,
            ..RelaySettings::default()
        })
        .build()
}

/// The complete endpoint: API, documents, operations, behind the [`Gateway`] of the
/// public listener.
pub fn endpoint(state: State) -> impl poem::Endpoint<Output = poem::Response> {
    endpoint_for(state, Listener::Public)
}

/// The complete endpoint behind the gateway of `listener`.
fn endpoint_for(state: State, listener: Listener) -> impl poem::Endpoint<Output = poem::Response> {
    let service = api::service(env!("CARGO_PKG_VERSION"));
    let raw = service.spec();
    let document = openapi_doc::refine(&raw);
    // poem-openapi embeds its own document verbatim in the Swagger UI page; the page shows
    // the published one instead.
    let docs_page = service.swagger_ui_html().replace(&raw, &document);
    let routes = Route::new()
        .nest("/", service)
        .at(
            "/openapi.json",
            poem::endpoint::make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/json")
                    .body(document.clone())
            }),
        )
        .at(
            "/docs",
            poem::endpoint::make_sync(move |_| poem::web::Html(docs_page.clone())),
        )
        .at("/certificates/:id", crate::certificate_page::certificate_page)
        .at("/status.html", crate::status_page::status_page)
        .at("/admin", crate::admin_page::index)
        .at("/admin/app.js", crate::admin_page::script)
        .at("/admin/app.css", crate::admin_page::style);
    let cors = (!state.settings.allowed_origins.is_empty()).then(|| {
        state
            .settings
            .allowed_origins
            .iter()
            .fold(Cors::new(), |cors, origin| cors.allow_origin(origin.as_str()))
            .allow_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
            .allow_headers(["authorization", "content-type", "x-request-id"])
            .expose_headers([
                "x-request-id",
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
                "retry-after",
            ])
            .max_age(600)
    });
    let inner = routes
        .with_if(cors.is_some(), cors.unwrap_or_else(Cors::new))
        .data(state.clone());
    Gateway::for_listener(inner.map_to_response(), state, listener)
}

/// The OpenAPI document the server serves.
pub fn openapi_json() -> String {
    openapi_doc::refine(&api::service(env!("CARGO_PKG_VERSION")).spec())
}

/// A built server: storage open and migrated, addresses bound.
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    /// The operations listener (`LMS_OPS_BIND`), if configured.
    operations: Option<TcpListener>,
    /// HTTPS on the public listener, when configured.
    tls: Option<Tls>,
    state: State,
    storage: Storage,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Checks the settings, opens storage and migrates it (unless
    /// `LMS_MIGRATE_ON_START=false`, then checks it needs no migration), connects Redis if configured and
    /// binds the address.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let problems = settings.unsafe_settings();
        if !problems.is_empty() {
            return Err(StartError::Unsafe(problems));
        }
        let storage = Storage::open_configured(&settings).await?;
        storage.prepare(settings.migrate_on_start).await?;
        let limiter = match &settings.redis_url {
            Some(url) => RateLimiter::redis(url.expose()).await?,
            None => RateLimiter::local(),
        };
        Self::build_with(settings, storage, limiter).await
    }

    /// Like [`Application::build`] with storage and limiter given (tests share a Redis
    /// limiter under their own key prefix this way).
    pub async fn build_with(settings: Settings, storage: Storage, limiter: RateLimiter) -> Result<Self, StartError> {
        let tls = settings.tls.as_ref().map(Tls::load).transpose()?;
        let (stores, health) = storage.stores();
        let metrics = Metrics::new();
        let mut stores = TimedStores::wrap(stores, metrics.clone());
        if !settings.course_cache_ttl.is_zero() {
            stores = stores.with_course_cache(CourseCacheSettings {
                ttl: settings.course_cache_ttl,
                ..CourseCacheSettings::default()
            });
        }
        let keys = signing_keys(&settings)?;
        let keys: Vec<&[u8]> = keys.iter().map(|key| key.expose().as_bytes()).collect();
        let tokens = TokenService::new(&keys, settings.access_token_ttl, settings.session_revocation_poll);
        // Links are signed with keys derived from the token keys: they rotate together.
        let links = UrlSigner::new(&keys).map_err(|e| StartError::SigningKey(KeyError::Invalid(e.to_string())))?;
        let certificate_secret = certificate_secret(&settings)?;
        let signer = CertificateSigner::from_secret(certificate_secret.expose().as_bytes())
            .map_err(|e| StartError::SigningKey(KeyError::Invalid(format!("LMS_CERTIFICATE_KEY: {e}"))))?;
        let lms = services(&settings, stores.clone());
        let webhooks = webhooks(&settings, &lms);
        let payments = payments(&settings, &lms)?;
        let privacy = privacy(&settings, &lms);
        let certificates = lms.certificates(Arc::new(signer));
        let mut notifications = notifications(&settings, &lms, &stores).await?;
        let newest = stores.outbox.last_sequence().await?;
        notifications.subscribers.push(payments.subscriber());
        notifications.subscribers.push(privacy.subscriber());
        if settings.analytics {
            notifications.subscribers.push(lms.analytics.subscriber());
        }
        notifications
            .subscribers
            .push(PaymentMetrics(metrics.clone()).subscriber(newest));
        let alerts =
            crate::monitoring::alerts::AlertSender::new(settings.monitor.clone(), notifications.mailer.clone())
                .map_err(StartError::Notifier)?;
        lms.monitoring
            .install_default_rules()
            .await
            .map_err(|e| StartError::Notifier(format!("the default alert rules could not be stored: {e}")))?;
        let relay = relay(&settings, &lms, &webhooks, notifications.subscribers);
        let state = Arc::new(AppState {
            lms,
            relay,
            webhooks,
            payments,
            privacy,
            certificates,
            links,
            password_resets: notifications.password_resets,
            alerts,
            last_status: std::sync::Mutex::default(),
            health,
            tokens,
            metrics,
            limiter,
            started: Instant::now(),
            in_flight: InFlight::new(settings.max_in_flight_requests),
            drain: Drain::new(),
            settings: settings.clone(),
        });
        let listener = TcpListener::bind(settings.bind).await?;
        let addr = listener.local_addr()?;
        let operations = match settings.ops_bind {
            Some(ops) => Some(TcpListener::bind(ops).await?),
            None => None,
        };
        Ok(Self {
            listener,
            addr,
            operations,
            tls,
            state,
            storage,
        })
    }

    /// The bound address (the real port when the settings said port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The public address as a URL: `https://…` when TLS is configured, else `http://…`.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The bound operations address, when `LMS_OPS_BIND` is set.
    pub fn operations_addr(&self) -> Option<SocketAddr> {
        self.operations.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The shared state (services, metrics, tokens).
    pub fn state(&self) -> State {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then drains ([`crate::drain`]): readiness
    /// answers 503 while the server keeps serving for the drain delay, then it stops
    /// accepting connections and lets in-flight requests finish (up to the grace period).
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        self.run(shutdown, std::future::pending()).await
    }

    /// Serves until SIGTERM or SIGINT, then drains like [`Application::run_until`]; a
    /// second signal ends the drain delay early.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        self.run(shutdown_signal(), shutdown_signal()).await
    }

    async fn run(self, shutdown: impl Future<Output = ()>, cut_short: impl Future<Output = ()>) -> std::io::Result<()> {
        let settings = &self.state.settings;
        let grace = settings.shutdown_grace;
        let limits = ConnectionLimits::from_settings(settings);
        let feed = RevocationFeed::spawn(&self.state);
        let maintenance = settings.relay.then(|| Maintenance::spawn(&self.state));
        let alert_evaluation = crate::monitoring::AlertEvaluation::spawn(&self.state);
        let _certificate_reload = self.tls.as_ref().map(Tls::watch);
        let stop = tokio_util::sync::CancellationToken::new();
        let operations = self.operations.map(|listener| {
            let ep = endpoint_for(self.state.clone(), Listener::Operations);
            let stop = stop.clone();
            tokio::spawn(connections::serve(
                listener,
                ep,
                limits.clone(),
                stop.cancelled_owned(),
                grace,
                None,
            ))
        });
        // The relay stops after the last request: the events of requests that finish in
        // the grace period are still delivered, and its streams are released for the
        // other instances.
        let relay_stop = tokio_util::sync::CancellationToken::new();
        let relay = settings.relay.then(|| {
            let relay = self.state.relay.clone();
            let stop = relay_stop.clone();
            tokio::spawn(async move { relay.run(stop.cancelled_owned()).await })
        });
        // The watch meter flushes once more after the last request.
        let meter_stop = tokio_util::sync::CancellationToken::new();
        let watch_meter = settings.analytics.then(|| {
            let analytics = self.state.lms.analytics.clone();
            let (every, stop) = (settings.analytics_flush, meter_stop.clone());
            tokio::spawn(async move { analytics.run_watch_meter(every, stop.cancelled_owned()).await })
        });
        let ep = endpoint(self.state.clone());
        let acceptor = self.tls.as_ref().map(Tls::acceptor);
        let serving = connections::serve(self.listener, ep, limits, stop.cancelled(), grace, acceptor);
        tokio::pin!(serving);
        let drained = async {
            shutdown.await;
            self.state.drain.run(settings.shutdown_drain, cut_short).await;
        };
        let result = tokio::select! {
            result = &mut serving => result,
            () = drained => {
                stop.cancel();
                serving.await
            }
        };
        stop.cancel();
        if let Some(operations) = operations {
            let _ = operations.await;
        }
        drop(feed);
        drop(maintenance);
        drop(alert_evaluation);
        meter_stop.cancel();
        if let Some(meter) = watch_meter {
            if tokio::time::timeout(grace, meter).await.is_err() {
                tracing::warn!("the last video watch time was not added to the analytics within the grace period");
            }
        }
        relay_stop.cancel();
        if let Some(relay) = relay {
            if tokio::time::timeout(grace, relay).await.is_err() {
                tracing::warn!(
                    grace_seconds = grace.as_secs(),
                    "the event relay did not stop within the grace period; its leases lapse on their own"
                );
            }
        }
        // A database driver may wait for work the cancelled requests left behind (MongoDB's
        // waits for their sessions); the process must stop all the same.
        if tokio::time::timeout(grace, self.storage.close()).await.is_err() {
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                "storage did not close within the grace period; stopping without it"
            );
        }
        result
    }
}

/// The task that polls the revocation feed every poll interval (see [`crate::tokens`]).
/// It stops when dropped, and when the state it serves is gone.
struct RevocationFeed(tokio::task::JoinHandle<()>);

impl RevocationFeed {
    fn spawn(state: &State) -> Self {
        let every = state.tokens.poll_interval().max(std::time::Duration::from_millis(1));
        let state = Arc::downgrade(state);
        Self(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut failing = false;
            loop {
                ticks.tick().await;
                let Some(state) = state.upgrade() else { return };
                match state.tokens.sync_ended_sessions(&state.lms).await {
                    Ok(()) if failing => {
                        failing = false;
                        tracing::info!("revocation feed polled again");
                    }
                    Ok(()) => {}
                    Err(error) if !failing => {
                        failing = true;
                        tracing::warn!(%error, "revocation feed poll failed; sessions are checked in storage once it is stale");
                    }
                    Err(_) => {}
                }
            }
        }))
    }
}

impl Drop for RevocationFeed {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The privacy chores of a server that runs the relay: erasures whose cool-off ended (or
/// whose run failed) are carried out every minute, the audit chain's head is
/// checkpointed every five minutes, and the retention purge runs every hour. It stops when
/// dropped.
struct Maintenance(tokio::task::JoinHandle<()>);

impl Maintenance {
    /// How often due erasures are looked for.
    const ERASURE_SWEEP: std::time::Duration = std::time::Duration::from_secs(60);
    /// Sweeps between two audit checkpoints.
    const SWEEPS_PER_CHECKPOINT: u32 = 5;
    /// Sweeps between two retention purges.
    const SWEEPS_PER_PURGE: u32 = 60;

    fn spawn(state: &State) -> Self {
        let state = Arc::downgrade(state);
        Self(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Self::ERASURE_SWEEP);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for sweep in 0u32.. {
                ticks.tick().await;
                let Some(state) = state.upgrade() else { return };
                if let Err(error) = state.privacy.run_due_erasures().await {
                    tracing::warn!(%error, "due erasures could not run; retrying at the next sweep");
                }
                if sweep % Self::SWEEPS_PER_CHECKPOINT == 0 {
                    if let Err(error) = state.privacy.audit().checkpoint(chrono::Utc::now()).await {
                        tracing::warn!(%error, "the audit checkpoint could not be stored");
                    }
                }
                if sweep % Self::SWEEPS_PER_PURGE == 0 {
                    match crate::retention::purge_once(
                        &state.relay,
                        &state.privacy,
                        &state.lms.analytics,
                        &state.settings,
                    )
                    .await
                    {
                        Ok(purged) => {
                            purged.count_in(&state.metrics);
                            tracing::info!(?purged, "retention purge");
                        }
                        Err(error) => tracing::warn!(%error, "the retention purge failed; retrying in an hour"),
                    }
                }
            }
        }))
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received; shutting down"),
        () = terminate => tracing::info!("SIGTERM received; shutting down"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_its_driver_and_a_missing_one_names_its_feature() {
        assert_eq!(Driver::for_url("postgres://db/lms"), Driver::Postgres);
        assert_eq!(Driver::for_url("postgresql://db/lms"), Driver::Postgres);
        assert_eq!(Driver::for_url("mongodb+srv://cluster/lms"), Driver::Mongo);
        assert_eq!(Driver::for_url("sqlite:./lms-data/lms.db"), Driver::Sqlite);
        let refusal = Driver::Mongo.missing();
        assert!(refusal.contains("without the `mongo` feature"), "{refusal}");
        assert!(refusal.contains("--features mongo"), "{refusal}");
        // The tests build every driver in.
        assert!([Driver::Sqlite, Driver::Postgres, Driver::Mongo]
            .iter()
            .all(|d| d.is_built_in()));
    }
}
