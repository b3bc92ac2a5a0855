//! Password reset by email: a single-use token, valid 30 minutes, mailed to the account's
//! address; using it sets a new password and ends every session of the account.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tracing::{instrument, warn};
use uuid::Uuid;

use super::{AuthService, Deps, UserService};
use crate::domain::text::Email;
use crate::error::{Entity, Error, Result, Validator};
use crate::ids::UserId;
use crate::mail::MailSettings;
use crate::ports::{Mailer, PageRequest, StoreError, UnitOfWork};
use crate::privacy::audit::{action, AuditRecord};
use crate::records::{Index, KeySpec, Record, RecordKind};
use crate::services::auth::{new_token, token_hash};

/// How long a reset token works.
pub const RESET_TOKEN_TTL: Duration = Duration::minutes(30);

/// An outstanding reset: the hash of the mailed token, never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordReset {
    /// Identifier.
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// The account.
    pub user_id: UserId,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

impl Record for PasswordReset {
    const KIND: RecordKind = RecordKind {
        name: "password_reset",
        keys: &[KeySpec::unique("token_hash"), KeySpec::lookup("user")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.user_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("token_hash", self.token_hash.as_str());
        index.set("user", self.user_id);
    }
}

/// Most resets outstanding for one account; older ones are dropped when a new one is
/// asked for, so repeated requests cannot grow storage.
const MAX_OUTSTANDING: usize = 5;

/// The refusal of a token that is unknown, used, expired or for an account that is gone:
/// one answer for all, so a guess learns nothing.
fn invalid_token() -> Error {
    Error::invalid("token", "invalid_token", "the reset token is invalid, used or expired")
}

/// Asks for and completes password resets.
#[derive(Clone)]
pub struct PasswordResetService {
    deps: Deps,
    users: UserService,
    auth: AuthService,
    mailer: Arc<dyn Mailer>,
    mail: MailSettings,
}

impl std::fmt::Debug for PasswordResetService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetService")
            .field("mail", &self.mail)
            .finish_non_exhaustive()
    }
}

impl PasswordResetService {
    pub(crate) fn new(
        deps: Deps,
        users: UserService,
        auth: AuthService,
        mailer: Arc<dyn Mailer>,
        mail: MailSettings,
    ) -> Self {
        Self {
            deps,
            users,
            auth,
            mailer,
            mail,
        }
    }

    /// Refuses a malformed address, the only refusal a request gets: a front end that
    /// runs [`PasswordResetService::request`] in the background checks this first.
    pub fn check_request(email: &str) -> Result<()> {
        let mut v = Validator::new();
        v.field("email", Email::parse(email));
        v.finish()
    }

    /// Mails a reset token to the account with this address. The answer is the same
    /// whether or not the address has an account (only a malformed address is refused),
    /// so it cannot be used to find out who is registered. It waits for the mail to be
    /// sent: a front end that must not reveal that by its timing runs it in the
    /// background (the HTTP server does).
    #[instrument(skip_all)]
    pub async fn request(&self, email: &str) -> Result<()> {
        Self::check_request(email)?;
        let Some(user) = self.users.find_by_email(email).await? else {
            return Ok(());
        };
        let now = self.deps.clock.now();
        let token = new_token();
        let reset = PasswordReset {
            id: Uuid::now_v7(),
            version: 1,
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at: now + RESET_TOKEN_TTL,
        };
        let mut unit = UnitOfWork::default();
        unit.insert(&reset).map_err(|e| e.about(Entity::User, user.id))?;
        let outstanding = self
            .deps
            .records
            .list_by::<PasswordReset>("user", user.id, PageRequest::first())
            .await
            .map_err(|e| e.about(Entity::User, user.id))?;
        // Ids are time-ordered: the oldest come first.
        let excess = (outstanding.items.len() + 1).saturating_sub(MAX_OUTSTANDING);
        for old in &outstanding.items[..excess] {
            unit.delete(old);
        }
        self.deps
            .records
            .write(&unit)
            .await
            .map_err(|e| e.about(Entity::User, user.id))?;
        let mail = self
            .mail
            .password_reset(&user, &token, reset.expires_at, reset.id.to_string());
        self.mailer.send(&mail).await.map_err(|e| Error::Internal(Box::new(e)))
    }

    /// Sets a new password with a mailed token. The token works once; a password the
    /// policy refuses leaves it usable. Every outstanding reset and every session of the
    /// account end.
    #[instrument(skip_all)]
    pub async fn confirm(&self, token: &str, new_password: &str) -> Result<()> {
        let records = &self.deps.records;
        let unavailable = |e: StoreError| e.about(Entity::User, "password reset");
        let reset = records
            .get_unique::<PasswordReset>("token_hash", token_hash(token))
            .await
            .map_err(unavailable)?
            .ok_or_else(invalid_token)?;
        if self.deps.clock.now() >= reset.expires_at {
            return Err(invalid_token());
        }
        let user = match self.users.load(reset.user_id).await {
            Ok(user) => user,
            Err(Error::NotFound { .. }) => return Err(invalid_token()),
            Err(other) => return Err(other),
        };
        let hash = self.auth.checked_hash(&user, new_password, "new_password").await?;
        let outstanding = records
            .list_by::<PasswordReset>("user", user.id, PageRequest::first())
            .await
            .map_err(unavailable)?;
        let mut unit = UnitOfWork::default();
        unit.delete(&reset);
        for other in outstanding.items.iter().filter(|r| r.id != reset.id) {
            unit.delete(other);
        }
        match records.write(&unit).await {
            Ok(()) => {}
            // Used (or replaced) concurrently: only one confirmation wins.
            Err(StoreError::VersionConflict | StoreError::NotFound) => return Err(invalid_token()),
            Err(e) => return Err(unavailable(e)),
        }
        warn!(target: "lms::security", user_id = %user.id, "password reset; ending every session");
        self.auth.replace_password(user.id, &hash).await?;
        self.auth
            .audit(AuditRecord::new(action::PASSWORD_RESET).actor(user.id).subject(user.id))
            .await
    }
}
