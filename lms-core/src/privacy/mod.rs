//! Privacy and compliance (G1–G4, S10): a user's data export, erasure as a rerunnable
//! saga, the consent ledger and the audit log.
//!
//! - **Export** gathers the profile, the enrollments (progress and quiz attempts) and
//!   every record the user owns, of every kind ([`crate::ports::RecordStore::owned_by`]),
//!   plus the audit entries by or about them: a new record kind is exported without code
//!   here.
//! - **Erasure** ([`erasure`]) is a request record carried out step by step by the
//!   privacy reaction ([`PrivacyService::subscriber`]) once its cool-off window ends, and
//!   by [`PrivacyService::run_due_erasures`] (which a server runs periodically) for
//!   requests whose window ended later or whose run failed. Each step is idempotent and
//!   recorded: a run interrupted anywhere is completed by the next.
//! - **Consents** ([`consent`]) per purpose, given and withdrawn by the same call.
//! - **Audit** ([`audit`]): a hash-chained, append-only log without personal data.
//! - **Encryption at rest** ([`encryption`]): emails and names stored encrypted, found by
//!   a keyed blind index.

pub mod audit;
pub mod consent;
pub mod encryption;
pub mod erasure;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

pub use audit::{AuditEntry, AuditLog, AuditQuery, AuditRecord};
pub use consent::{Consent, ConsentChange, Purpose};
pub use erasure::{ErasureChannel, ErasureRequest, ErasureStatus, ErasureStep, Removed};

use crate::delivery::Subscriber;
use crate::domain::enrollment::Enrollment;
use crate::domain::events::{DomainEvent, EventPayload};
use crate::domain::password::verify_blocking;
use crate::domain::user::User;
use crate::error::{Entity, Error, Result};
use crate::ids::UserId;
use crate::ports::{Notifier, NotifyError, PageRequest, StoreError};
use crate::records::{IndexValue, Range};
use crate::services::{enrollments_of, retry_on_conflict, Actor, Deps, UserService};

/// The name the privacy reaction's stream is stored under.
pub const REACTION_NAME: &str = "privacy";

/// Erasure requests started per sweep of [`PrivacyService::run_due_erasures`].
const SWEEP_BATCH: u32 = 100;

/// Privacy settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrivacySettings {
    /// How long after a request an erasure starts; the user may cancel meanwhile
    /// (default 0: at once).
    pub erasure_cool_off: Duration,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            erasure_cool_off: Duration::zero(),
        }
    }
}

/// A user's consent for one purpose, answered or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentState {
    /// The purpose.
    pub purpose: Purpose,
    /// Whether consent is given now (never answered: not given).
    pub granted: bool,
    /// The policy version of the current answer.
    pub policy_version: Option<String>,
    /// When the current answer was given.
    pub changed_at: Option<DateTime<Utc>>,
    /// Every answer, oldest first.
    pub history: Vec<ConsentChange>,
}

impl ConsentState {
    fn of(purpose: Purpose, consent: Option<Consent>) -> Self {
        let history = consent.map(|c| c.history).unwrap_or_default();
        let current = history.last();
        Self {
            purpose,
            granted: current.is_some_and(|c| c.granted),
            policy_version: current.map(|c| c.policy_version.clone()),
            changed_at: current.map(|c| c.at),
            history,
        }
    }
}

/// Everything stored about a user (G1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserExport {
    /// When the export was made.
    pub generated_at: DateTime<Utc>,
    /// The account.
    pub profile: User,
    /// Enrollments with their progress and quiz attempts.
    pub enrollments: Vec<Enrollment>,
    /// Every record the user owns (orders, subscriptions, consents …), by kind.
    pub records: BTreeMap<String, Vec<serde_json::Value>>,
    /// Audit entries by or about the user.
    pub audit: Vec<AuditEntry>,
}

async fn load_consent(deps: &Deps, user_id: UserId, purpose: Purpose) -> Result<Option<Consent>> {
    deps.records
        .get_unique::<Consent>("user_purpose", (user_id, purpose.as_str()))
        .await
        .map_err(|e| e.about(Entity::User, user_id))
}

/// Whether the user consents to `purpose` now, for the services that act on it.
pub(crate) async fn consent_of(deps: &Deps, user_id: UserId, purpose: Purpose) -> Result<bool> {
    Ok(load_consent(deps, user_id, purpose).await?.is_some_and(|c| c.granted()))
}

/// Exports, erasure, consents and the audit log.
#[derive(Debug, Clone)]
pub struct PrivacyService {
    deps: Deps,
    users: UserService,
    audit: AuditLog,
    settings: PrivacySettings,
}

impl PrivacyService {
    pub(crate) fn new(deps: Deps, users: UserService, settings: PrivacySettings) -> Self {
        Self {
            audit: AuditLog::new(deps.records.clone()),
            deps,
            users,
            settings,
        }
    }

    /// The audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Appends to the audit log at the current time.
    pub async fn record(&self, record: AuditRecord) -> Result<()> {
        self.audit.append(record, self.deps.clock.now()).await.map(drop)
    }

    /// The audit entries matching `query` (admins only).
    pub async fn audit_entries(&self, actor: &Actor, query: &AuditQuery) -> Result<audit::AuditPage> {
        actor.require_admin()?;
        self.audit.query(query).await
    }

    // --- consents ---------------------------------------------------------------------

    /// The user's consent for every purpose (own, or anyone's for admins).
    pub async fn consents(&self, actor: &Actor, user_id: UserId) -> Result<Vec<ConsentState>> {
        actor.require_self_or_admin(user_id)?;
        let mut states = Vec::with_capacity(Purpose::ALL.len());
        for purpose in Purpose::ALL {
            states.push(ConsentState::of(purpose, self.load_consent(user_id, purpose).await?));
        }
        Ok(states)
    }

    /// Gives or withdraws consent for a purpose under a policy version (one's own only:
    /// consent cannot be given on someone's behalf).
    pub async fn set_consent(
        &self,
        actor: &Actor,
        user_id: UserId,
        purpose: Purpose,
        granted: bool,
        policy_version: &str,
    ) -> Result<ConsentState> {
        if actor.user_id != user_id {
            return Err(Error::Forbidden(
                "consent is given or withdrawn by the user only".into(),
            ));
        }
        let policy_version = consent::parse_policy_version(policy_version)?;
        let consent = retry_on_conflict(|| async {
            let change = ConsentChange {
                granted,
                policy_version: policy_version.clone(),
                at: self.deps.clock.now(),
            };
            let written = match self.load_consent(user_id, purpose).await? {
                Some(mut consent) => {
                    let expected = consent.version;
                    consent.record(change);
                    self.deps
                        .records
                        .update(&consent, expected, &[])
                        .await
                        .map(|()| consent)
                }
                None => {
                    let consent = Consent::first(user_id, purpose, change);
                    self.deps.records.insert(&consent, &[]).await.map(|()| consent)
                }
            };
            written.map_err(|e| match e {
                // Another first answer was stored meanwhile: read it and apply this one.
                StoreError::Duplicate(_) => Error::Conflict {
                    entity: Entity::User,
                    id: user_id.to_string(),
                },
                other => other.about(Entity::User, user_id),
            })
        })
        .await?;
        Ok(ConsentState::of(purpose, Some(consent)))
    }

    /// Whether the user consents to `purpose` now (never answered: no). Analytics about
    /// a user is recorded only with [`Purpose::Analytics`] consent (G5).
    pub async fn has_consent(&self, user_id: UserId, purpose: Purpose) -> Result<bool> {
        consent_of(&self.deps, user_id, purpose).await
    }

    async fn load_consent(&self, user_id: UserId, purpose: Purpose) -> Result<Option<Consent>> {
        load_consent(&self.deps, user_id, purpose).await
    }

    // --- export -----------------------------------------------------------------------

    /// Everything stored about the user (own, or anyone's for admins); the export is
    /// audited.
    pub async fn export(&self, actor: &Actor, user_id: UserId) -> Result<UserExport> {
        actor.require_self_or_admin(user_id)?;
        let profile = self.users.load(user_id).await?;
        let enrollments = enrollments_of(&self.deps, user_id).await?;
        let mut records: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
        let owned = self
            .deps
            .records
            .owned_by(user_id)
            .await
            .map_err(|e| e.about(Entity::User, user_id))?;
        for record in owned {
            records.entry(record.kind).or_default().push(record.doc);
        }
        let audit = self.audit.about_user(user_id).await?;
        self.record(
            AuditRecord::new(audit::action::DATA_EXPORTED)
                .actor(actor.user_id)
                .subject(user_id),
        )
        .await?;
        Ok(UserExport {
            generated_at: self.deps.clock.now(),
            profile,
            enrollments,
            records,
            audit,
        })
    }

    // --- erasure ----------------------------------------------------------------------

    /// Asks for the erasure of a user's data: by the user, who confirms with their
    /// password, or by an admin for a request received by other means (`password`
    /// `None`). An open request of the user is returned as it is rather than doubled.
    /// The erasure starts when the cool-off window ends.
    pub async fn request_erasure(
        &self,
        actor: &Actor,
        user_id: UserId,
        password: Option<&str>,
    ) -> Result<ErasureRequest> {
        let channel = match password {
            Some(password) => {
                if actor.user_id != user_id {
                    return Err(Error::Forbidden(
                        "an erasure is confirmed by the user's own password".into(),
                    ));
                }
                let hash = self
                    .deps
                    .stores
                    .auth
                    .password_hash(user_id)
                    .await
                    .map_err(|e| e.about(Entity::User, user_id))?;
                if !verify_blocking(password, hash).await {
                    return Err(Error::Forbidden("the password is wrong".into()));
                }
                ErasureChannel::SelfService
            }
            None => {
                actor.require_admin()?;
                ErasureChannel::Admin
            }
        };
        let user = self.users.load(user_id).await?;
        if erasure::is_erased(&user.email) {
            return Err(Error::not_found(Entity::User, user_id));
        }
        if let Some(open) = self.open_request(user_id).await? {
            return Ok(open);
        }
        let now = self.deps.clock.now();
        let request = ErasureRequest {
            id: Uuid::now_v7(),
            version: 1,
            user_id,
            requested_by: actor.user_id,
            channel,
            status: ErasureStatus::Requested,
            requested_at: now,
            not_before: now + self.settings.erasure_cool_off,
            steps_done: Vec::new(),
            removed: Removed::default(),
            closed_at: None,
        };
        let events = self.deps.events([EventPayload::ErasureRequested {
            erasure_id: request.id,
            user_id,
            not_before: request.not_before,
        }]);
        self.deps
            .records
            .insert(&request, &events)
            .await
            .map_err(|e| e.about(Entity::Erasure, request.id))?;
        self.record(
            AuditRecord::new(audit::action::ERASURE_REQUESTED)
                .actor(actor.user_id)
                .subject(user_id)
                .detail("erasure_id", request.id)
                .detail("channel", format!("{channel:?}").to_lowercase()),
        )
        .await?;
        Ok(request)
    }

    /// An erasure request: the user's own (also after completion, when the requester
    /// can no longer log in, an admin can read it), or any for admins.
    pub async fn erasure(&self, actor: &Actor, id: Uuid) -> Result<ErasureRequest> {
        let request = self.load_request(id).await?;
        if actor.user_id != request.user_id && !actor.is_admin() {
            return Err(Error::not_found(Entity::Erasure, id));
        }
        Ok(request)
    }

    /// Cancels a request still in its cool-off window.
    pub async fn cancel_erasure(&self, actor: &Actor, id: Uuid) -> Result<ErasureRequest> {
        let request = self.erasure(actor, id).await?;
        if request.status == ErasureStatus::Cancelled {
            return Ok(request);
        }
        if request.status != ErasureStatus::Requested {
            return Err(Error::Forbidden(format!(
                "the erasure is {} and can no longer be cancelled",
                request.status.as_str()
            )));
        }
        let cancelled = self
            .change_request(id, |request| {
                if request.status == ErasureStatus::Requested {
                    request.status = ErasureStatus::Cancelled;
                    request.closed_at = Some(self.deps.clock.now());
                }
            })
            .await?;
        if cancelled.status != ErasureStatus::Cancelled {
            return Err(Error::Forbidden(
                "the erasure has started and can no longer be cancelled".into(),
            ));
        }
        self.record(
            AuditRecord::new(audit::action::ERASURE_CANCELLED)
                .actor(actor.user_id)
                .subject(cancelled.user_id)
                .detail("erasure_id", id),
        )
        .await?;
        Ok(cancelled)
    }

    /// Carries out an erasure whose cool-off has ended, from its first step not done;
    /// does nothing to one that is not due, cancelled or completed. Safe to run again at
    /// any time, also concurrently: each step is idempotent.
    pub async fn run_erasure(&self, id: Uuid) -> Result<ErasureRequest> {
        self.run_erasure_until(id, None).await
    }

    /// [`Self::run_erasure`], failing right after carrying out `fault` and before
    /// recording it: what a crash there leaves behind.
    pub(crate) async fn run_erasure_until(&self, id: Uuid, fault: Option<ErasureStep>) -> Result<ErasureRequest> {
        let mut request = self.load_request(id).await?;
        if !request.status.is_open() || self.deps.clock.now() < request.not_before {
            return Ok(request);
        }
        if request.status == ErasureStatus::Requested {
            request = self
                .change_request(id, |r| {
                    if r.status == ErasureStatus::Requested {
                        r.status = ErasureStatus::InProgress;
                    }
                })
                .await?;
        }
        while let Some(step) = request.next_step() {
            let removed = self.carry_out(step, &request).await?;
            if fault == Some(step) {
                return Err(Error::Internal(
                    format!("fault injected after the {step:?} step").into(),
                ));
            }
            request = self
                .change_request(id, |r| {
                    if !r.steps_done.contains(&step) {
                        r.steps_done.push(step);
                        r.removed.sessions += removed.sessions;
                        r.removed.enrollments += removed.enrollments;
                        r.removed.records += removed.records;
                        if step == ErasureStep::Finish {
                            r.status = ErasureStatus::Completed;
                            r.closed_at = Some(self.deps.clock.now());
                        }
                    }
                })
                .await?;
        }
        Ok(request)
    }

    /// Runs every open erasure whose cool-off has ended (a batch per call); returns how
    /// many it ran to completion.
    pub async fn run_due_erasures(&self) -> Result<u64> {
        let now = self.deps.clock.now();
        let due = self
            .deps
            .records
            .range::<ErasureRequest>(Range::all("not_before", SWEEP_BATCH).between(
                std::ops::Bound::Unbounded,
                std::ops::Bound::Included(IndexValue::from(now)),
            ))
            .await
            .map_err(|e| e.about(Entity::Erasure, "due"))?;
        let mut completed = 0;
        for request in due.items {
            if self.run_erasure(request.id).await?.status == ErasureStatus::Completed {
                completed += 1;
            }
        }
        Ok(completed)
    }

    /// One step; what it removed.
    async fn carry_out(&self, step: ErasureStep, request: &ErasureRequest) -> Result<Removed> {
        let user_id = request.user_id;
        let stores = &self.deps.stores;
        let about = |e: StoreError| e.about(Entity::User, user_id);
        let mut removed = Removed::default();
        match step {
            ErasureStep::EndSessions => {
                removed.sessions = stores
                    .auth
                    .revoke_user_tokens(user_id, self.deps.clock.now())
                    .await
                    .map_err(about)?;
            }
            ErasureStep::Profile => {
                self.users.anonymize(user_id).await?;
                stores
                    .auth
                    .set_password_hash(user_id, erasure::NO_PASSWORD)
                    .await
                    .map_err(about)?;
            }
            ErasureStep::Learning => {
                removed.enrollments = stores.erasure.delete_user_enrollments(user_id).await.map_err(about)?;
            }
            ErasureStep::Records => {
                removed.records = stores
                    .erasure
                    .delete_owned_records(user_id, &erasure::KEPT_KINDS)
                    .await
                    .map_err(about)?;
            }
            ErasureStep::Scrub => stores.erasure.scrub_deleted_data().await.map_err(about)?,
            ErasureStep::Finish => {
                // Recorded once however often this step runs; the counts are the
                // request's so far (this step removes nothing).
                self.record(
                    AuditRecord::new(audit::action::ERASURE_COMPLETED)
                        .actor(request.requested_by)
                        .subject(user_id)
                        .detail("erasure_id", request.id)
                        .detail("sessions", request.removed.sessions)
                        .detail("enrollments", request.removed.enrollments)
                        .detail("records", request.removed.records)
                        .once(format!("erasure:{}", request.id)),
                )
                .await?;
            }
        }
        Ok(removed)
    }

    async fn open_request(&self, user_id: UserId) -> Result<Option<ErasureRequest>> {
        let mut page = PageRequest {
            after: None,
            limit: PageRequest::MAX_LIMIT,
        };
        loop {
            let listed = self
                .deps
                .records
                .list_by::<ErasureRequest>("user", user_id, page)
                .await
                .map_err(|e| e.about(Entity::Erasure, user_id))?;
            if let Some(open) = listed.items.into_iter().find(|r| r.status.is_open()) {
                return Ok(Some(open));
            }
            match listed.next_after {
                Some(next) => page.after = Some(next),
                None => return Ok(None),
            }
        }
    }

    async fn load_request(&self, id: Uuid) -> Result<ErasureRequest> {
        self.deps
            .records
            .get::<ErasureRequest>(id)
            .await
            .map_err(|e| e.about(Entity::Erasure, id))?
            .ok_or_else(|| Error::not_found(Entity::Erasure, id))
    }

    /// Loads, changes and stores a request, retrying on version conflicts; a completion
    /// is announced (`user.erased`) in the same write.
    async fn change_request(&self, id: Uuid, change: impl Fn(&mut ErasureRequest)) -> Result<ErasureRequest> {
        retry_on_conflict(|| async {
            let mut request = self.load_request(id).await?;
            let before = request.clone();
            change(&mut request);
            if request == before {
                return Ok(request);
            }
            let expected = request.version;
            request.version += 1;
            let events = if request.status == ErasureStatus::Completed {
                self.deps.events([EventPayload::UserErased {
                    erasure_id: id,
                    user_id: request.user_id,
                }])
            } else {
                Vec::new()
            };
            self.deps
                .records
                .update(&request, expected, &events)
                .await
                .map_err(|e| e.about(Entity::Erasure, id))?;
            Ok(request)
        })
        .await
    }

    /// The privacy reaction as a relay subscriber: runs an erasure when its request is
    /// delivered (a request still in its cool-off is left to the periodic sweep).
    pub fn subscriber(&self) -> Subscriber {
        Subscriber::new(REACTION_NAME, Arc::new(self.clone())).only(["erasure.requested"])
    }
}

#[async_trait]
impl Notifier for PrivacyService {
    async fn deliver(&self, event: &DomainEvent) -> std::result::Result<(), NotifyError> {
        match &event.payload {
            EventPayload::ErasureRequested { erasure_id, .. } => self
                .run_erasure(*erasure_id)
                .await
                .map(drop)
                .map_err(|e| NotifyError(Box::new(e))),
            _ => Ok(()),
        }
    }
}
