//! Use cases. Every business and authorization rule is decided here, over the ports, so
//! every adapter and every front end (HTTP, CLI, an embedding app) behaves the same.

mod actor;
mod auth;
pub(crate) mod catalog;
pub(crate) mod classes;
mod learning;
mod password_reset;
mod security;
mod users;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use actor::Actor;
pub use auth::{AuthService, AuthSettings, Session};
pub use catalog::{
    CatalogService, CoursePatch, CourseQuery, LessonInput, LessonPatch, NewCourse, NewLesson, PriceInput,
};
pub use classes::{ClassPatch, ClassService, NewClass};
pub use learning::{CourseProgress, Enrolled, LearningService, LessonView, LessonViewContent, ProgressUpdate};
pub use password_reset::{PasswordReset, PasswordResetService, RESET_TOKEN_TTL};
pub use security::SecurityAlerts;
pub use users::{AccessChange, NewUser, ProfilePatch, UserService};

use crate::analytics::meter::WatchMeter;
use crate::analytics::AnalyticsService;
use crate::certificates::{CertificateService, CertificateSigner};
use crate::delivery::{Relay, RelayBuilder};
use crate::domain::enrollment::Enrollment;
use crate::domain::events::{DomainEvent, EventPayload};
use crate::error::{Entity, Error, Result};
use crate::flashcards::FlashcardService;
use crate::ids::UserId;
use crate::mail::{MailNotifier, MailSettings};
use crate::monitoring::MonitoringService;
use crate::payments::{PaymentGateway, PaymentService, PaymentSettings};
use crate::ports::{Clock, Mailer, PageRequest, Stores, SystemClock};
use crate::privacy::{PrivacyService, PrivacySettings};
use crate::records::Records;
use crate::webhooks::{WebhookService, WebhookSettings, WebhookTransport};

/// What every service needs: the stores and the clock.
#[derive(Clone, Debug)]
pub(crate) struct Deps {
    pub stores: Stores,
    pub records: Records,
    pub clock: Arc<dyn Clock>,
    /// Video playback for the analytics' aggregates ([`crate::analytics`]).
    pub meter: Arc<WatchMeter>,
}

impl Deps {
    /// Stamps payloads as events at the current time.
    pub(crate) fn events(&self, payloads: impl IntoIterator<Item = EventPayload>) -> Vec<DomainEvent> {
        let now = self.clock.now();
        payloads.into_iter().map(|p| DomainEvent::new(p, now)).collect()
    }
}

/// Every enrollment of a user, all pages read.
pub(crate) async fn enrollments_of(deps: &Deps, user_id: UserId) -> Result<Vec<Enrollment>> {
    let mut enrollments = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: PageRequest::MAX_LIMIT,
    };
    loop {
        let listed = deps
            .stores
            .enrollments
            .list_enrollments_for_user(user_id, page)
            .await
            .map_err(|e| e.about(Entity::User, user_id))?;
        enrollments.extend(listed.items);
        match listed.next_after {
            Some(next) => page.after = Some(next),
            None => return Ok(enrollments),
        }
    }
}

/// How often a use case re-reads and re-applies its change after losing a version race.
const MAX_ATTEMPTS: u32 = 64;

/// Runs `attempt` until it does not end in `Error::Conflict`, with jittered exponential
/// back-off, so concurrent writers to one aggregate all succeed without lost updates.
pub(crate) async fn retry_on_conflict<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(Error::Conflict { .. }) if tries + 1 < MAX_ATTEMPTS => {
                tries += 1;
                let ceiling_ms = 1u64 << tries.min(5);
                tokio::time::sleep(Duration::from_micros(fastrand::u64(0..=ceiling_ms * 1000))).await;
            }
            other => return other,
        }
    }
}

/// The LMS: every service over one set of stores and one clock.
#[derive(Clone, Debug)]
pub struct Lms {
    /// Accounts, roles, profiles.
    pub users: UserService,
    /// Passwords, logins, sessions.
    pub auth: AuthService,
    /// Courses and lessons.
    pub catalog: CatalogService,
    /// Classes of courses.
    pub classes: ClassService,
    /// Enrollment, progress, quizzes, certificates.
    pub learning: LearningService,
    /// Security alerts (S11).
    pub security: SecurityAlerts,
    /// Learning analytics and business metrics, and the reaction that keeps them.
    pub analytics: AnalyticsService,
    /// Alert rules, incidents and the public status.
    pub monitoring: MonitoringService,
    deps: Deps,
}

impl Lms {
    /// Assembles the services.
    pub fn new(stores: Stores, clock: Arc<dyn Clock>) -> Self {
        let records = Records::new(stores.records.clone());
        let deps = Deps {
            stores,
            records,
            clock,
            meter: Arc::default(),
        };
        let learning = LearningService::new(deps.clone());
        let users = UserService::new(deps.clone());
        Self {
            auth: AuthService::new(deps.clone(), users.clone()),
            users,
            catalog: CatalogService::new(deps.clone()),
            classes: ClassService::new(deps.clone(), learning.clone()),
            learning,
            security: SecurityAlerts::new(deps.clone()),
            analytics: AnalyticsService::new(deps.clone()),
            monitoring: MonitoringService::new(deps.clone()),
            deps,
        }
    }

    /// A relay of the events these services write, on their clock: add subscribers and
    /// settings, build it, and run it (one per process; see [`crate::delivery`]).
    pub fn relay(&self) -> RelayBuilder {
        Relay::builder(&self.deps.stores, self.deps.clock.clone())
    }

    /// Webhook endpoints over these services' stores and clock, sending through
    /// `transport`; give the result to the relay as a subscriber source.
    pub fn webhooks(&self, transport: Arc<dyn WebhookTransport>, settings: WebhookSettings) -> WebhookService {
        WebhookService::new(&self.deps.stores, self.deps.clock.clone(), transport, settings)
    }

    /// Password resets whose tokens are mailed through `mailer`.
    pub fn password_resets(&self, mailer: Arc<dyn Mailer>, settings: MailSettings) -> PasswordResetService {
        PasswordResetService::new(
            self.deps.clone(),
            self.users.clone(),
            self.auth.clone(),
            mailer,
            settings,
        )
    }

    /// The mail sent on events (a welcome, a course completion), through `mailer`; give
    /// its [`MailNotifier::subscriber`] to the relay.
    pub fn mail_notifier(&self, mailer: Arc<dyn Mailer>, settings: MailSettings) -> MailNotifier {
        MailNotifier::new(self.deps.stores.clone(), mailer, settings)
    }

    /// Payments through `gateway` (none: nothing is sold); give its
    /// [`PaymentService::subscriber`] to the relay, which runs its reactions.
    pub fn payments(&self, gateway: Option<Arc<dyn PaymentGateway>>, settings: PaymentSettings) -> PaymentService {
        PaymentService::new(
            self.deps.clone(),
            self.learning.clone(),
            self.users.clone(),
            gateway,
            settings,
        )
    }

    /// Exports, erasure, consents and the audit log; give its
    /// [`PrivacyService::subscriber`] to the relay, which carries out erasures.
    pub fn privacy(&self, settings: PrivacySettings) -> PrivacyService {
        PrivacyService::new(self.deps.clone(), self.users.clone(), settings)
    }

    /// Flashcard decks and their study.
    pub fn flashcards(&self) -> FlashcardService {
        FlashcardService::new(self.deps.clone(), self.learning.clone())
    }

    /// Public verification of certificates, signed by `signer`.
    pub fn certificates(&self, signer: Arc<CertificateSigner>) -> CertificateService {
        CertificateService::new(self.deps.clone(), signer)
    }

    /// Assembles the services on the system clock.
    pub fn with_system_clock(stores: Stores) -> Self {
        Self::new(stores, Arc::new(SystemClock))
    }
}
