use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use tracing::{instrument, warn};
use uuid::Uuid;

use super::{Actor, Deps, NewUser, SecurityAlerts, UserService};
use crate::domain::events::SecuritySignal;
use crate::domain::password::{verify_blocking, Password};
use crate::domain::user::{Role, User};
use crate::error::{Entity, Error, Result, Validator};
use crate::ids::UserId;
use crate::ports::{RefreshToken, RefreshTokenState, StoreError};
use crate::privacy::audit::{action, AuditLog, AuditRecord};

/// Session lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSettings {
    /// Absolute lifetime of a refresh token (default 7 days).
    pub refresh_ttl: Duration,
    /// A session unused for this long ends (default 60 minutes): a refresh token must be
    /// exchanged within this time of being issued.
    pub idle_timeout: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            refresh_ttl: Duration::days(7),
            idle_timeout: Duration::minutes(60),
        }
    }
}

/// A successful login or refresh: the user and a new refresh token.
#[derive(Clone)]
pub struct Session {
    /// The authenticated user (current role and flags).
    pub user: User,
    /// The opaque refresh token to hand to the client; only its hash is stored.
    pub refresh_token: String,
    /// When the refresh token stops working at the latest.
    pub refresh_expires_at: DateTime<Utc>,
    /// The token family (one per login).
    pub family_id: Uuid,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user.id)
            .field("refresh_token", &"<redacted>")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("family_id", &self.family_id)
            .finish()
    }
}

/// Hex SHA-256 of a refresh token: what the store keeps and looks up by.
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 256 random bits, URL-safe base64.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Passwords, logins and rotating refresh-token sessions with reuse detection. Every
/// authentication event is recorded in the audit log.
#[derive(Debug, Clone)]
pub struct AuthService {
    deps: Deps,
    users: UserService,
    settings: AuthSettings,
    audit: AuditLog,
    alerts: SecurityAlerts,
}

impl AuthService {
    pub(crate) fn new(deps: Deps, users: UserService) -> Self {
        Self {
            audit: AuditLog::new(deps.records.clone()),
            alerts: SecurityAlerts::new(deps.clone()),
            deps,
            users,
            settings: AuthSettings::default(),
        }
    }

    /// Appends an authentication event to the audit log.
    pub(crate) async fn audit(&self, record: AuditRecord) -> Result<()> {
        self.audit.append(record, self.deps.clock.now()).await.map(drop)
    }

    /// The same service with other session lifetimes.
    pub fn with_settings(mut self, settings: AuthSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Registers a student with a password (checked against the policy, which counts the
    /// user's email and name as guessable, before anything is stored).
    #[instrument(skip_all)]
    pub async fn register(&self, input: NewUser, password: &str) -> Result<User> {
        let mut v = Validator::new();
        let identity = match self.users.validate_new(&input) {
            Ok(identity) => Some(identity),
            Err(Error::Validation(errors)) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
            Err(other) => return Err(other),
        };
        let password = match Password::parse_for_blocking(password, &[&input.email, &input.display_name]).await {
            Err(Error::Internal(e)) => return Err(Error::Internal(e)),
            checked => v.field("password", checked),
        };
        v.finish()?;
        let (email, display_name) = identity.expect("validated above");
        let hash = password.expect("validated above").hash_blocking().await?;
        self.users.create(email, display_name, Role::Student, Some(&hash)).await
    }

    /// Sets a user's password: one's own, or anyone's for admins.
    #[instrument(skip_all, fields(user_id = %user_id))]
    pub async fn set_password(&self, actor: &Actor, user_id: UserId, password: &str) -> Result<()> {
        actor.require_self_or_admin(user_id)?;
        self.set_password_unchecked(user_id, password).await?;
        self.audit(
            AuditRecord::new(action::PASSWORD_CHANGED)
                .actor(actor.user_id)
                .subject(user_id),
        )
        .await
    }

    /// Sets a password without authorization checks, for operator tooling
    /// (e.g. creating the first admin). The policy counts the user's email and name as
    /// guessable. Ends all of the user's sessions.
    pub async fn set_password_unchecked(&self, user_id: UserId, password: &str) -> Result<()> {
        let user = self.users.load(user_id).await?;
        let hash = self.checked_hash(&user, password, "password").await?;
        self.replace_password(user_id, &hash).await
    }

    /// Checks `password` against the policy for `user` (whose email and name count as
    /// guessable; errors name `field`) and hashes it.
    pub(crate) async fn checked_hash(&self, user: &User, password: &str, field: &str) -> Result<String> {
        let mut v = Validator::new();
        let inputs = [user.email.as_str(), user.display_name.as_str()];
        let password = match Password::parse_for_blocking(password, &inputs).await {
            Err(Error::Internal(e)) => return Err(Error::Internal(e)),
            checked => v.field(field, checked),
        };
        v.finish()?;
        password.expect("validated above").hash_blocking().await
    }

    /// Stores a new password hash and ends every session of the user.
    pub(crate) async fn replace_password(&self, user_id: UserId, hash: &str) -> Result<()> {
        self.store_hash(user_id, hash).await?;
        self.deps
            .stores
            .auth
            .revoke_user_tokens(user_id, self.deps.clock.now())
            .await
            .map_err(|e| e.about(Entity::User, user_id))?;
        Ok(())
    }

    /// Checks email and password and starts a session. Unknown emails and wrong passwords
    /// fail alike (same error, same hashing work).
    #[instrument(skip_all)]
    pub async fn login(&self, email: &str, password: &str) -> Result<Session> {
        let user = self.users.find_by_email(email).await?;
        let hash = match &user {
            Some(user) => self
                .deps
                .stores
                .auth
                .password_hash(user.id)
                .await
                .map_err(|e| e.about(Entity::User, user.id))?,
            None => None,
        };
        let valid = verify_blocking(password, hash).await;
        match user {
            Some(user) if valid => {
                let session = self.start_session(user).await?;
                let id = session.user.id;
                self.audit(AuditRecord::new(action::LOGIN).actor(id).subject(id))
                    .await?;
                Ok(session)
            }
            _ => {
                warn!(target: "lms::security", "failed login");
                let record = AuditRecord::new(action::LOGIN_FAILED);
                let record = match &user {
                    Some(user) => record.subject(user.id).detail("reason", "wrong_password"),
                    None => record.detail("reason", "unknown_account"),
                };
                self.audit(record).await?;
                Err(Error::Unauthenticated("invalid email or password"))
            }
        }
    }

    /// Exchanges a refresh token for a new one (rotation). Presenting a token that was
    /// already exchanged revokes its whole family: it was copied.
    #[instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> Result<Session> {
        let hash = token_hash(refresh_token);
        let store = &self.deps.stores.auth;
        let token = store
            .refresh_token(&hash)
            .await
            .map_err(|e| e.about(Entity::User, "session"))?
            .ok_or(Error::Unauthenticated("unknown refresh token"))?;
        match token.state {
            RefreshTokenState::Active => {}
            RefreshTokenState::Rotated => return Err(self.reuse_detected(&token).await),
            RefreshTokenState::Revoked => return Err(Error::Unauthenticated("refresh token revoked")),
        }
        let now = self.deps.clock.now();
        if now >= token.expires_at {
            return Err(Error::Unauthenticated("refresh token expired"));
        }
        if now - token.issued_at >= self.settings.idle_timeout {
            return Err(Error::Unauthenticated("session timed out after inactivity"));
        }
        let user = self.users.load(token.user_id).await?;
        let (session, next) = self.new_session(user, token.family_id, token.expires_at);
        match store.rotate_refresh_token(&hash, &next).await {
            Ok(()) => Ok(session),
            Err(StoreError::VersionConflict) => Err(self.reuse_detected(&token).await),
            Err(e) => Err(e.about(Entity::User, "session")),
        }
    }

    /// Checks that the session (token family) an access token was issued for is still
    /// live: not logged out, not revoked by reuse detection or a password change.
    pub async fn check_session(&self, family_id: Uuid) -> Result<()> {
        let active = self
            .deps
            .stores
            .auth
            .session_active(family_id)
            .await
            .map_err(|e| e.about(Entity::User, "session"))?;
        if active {
            Ok(())
        } else {
            Err(Error::Unauthenticated("session ended"))
        }
    }

    /// Ends the session the refresh token belongs to. Unknown tokens are ignored.
    #[instrument(skip_all)]
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        let store = &self.deps.stores.auth;
        let token = store
            .refresh_token(&token_hash(refresh_token))
            .await
            .map_err(|e| e.about(Entity::User, "session"))?;
        if let Some(token) = token {
            store
                .revoke_token_family(token.family_id, self.deps.clock.now())
                .await
                .map_err(|e| e.about(Entity::User, "session"))?;
            self.audit(
                AuditRecord::new(action::LOGOUT)
                    .actor(token.user_id)
                    .subject(token.user_id),
            )
            .await?;
        }
        Ok(())
    }

    /// Ends every session of the actor (or, for admins, of any user).
    pub async fn logout_everywhere(&self, actor: &Actor, user_id: UserId) -> Result<u64> {
        actor.require_self_or_admin(user_id)?;
        let ended = self
            .deps
            .stores
            .auth
            .revoke_user_tokens(user_id, self.deps.clock.now())
            .await
            .map_err(|e| e.about(Entity::User, user_id))?;
        self.audit(
            AuditRecord::new(action::LOGOUT_EVERYWHERE)
                .actor(actor.user_id)
                .subject(user_id)
                .detail("sessions", ended),
        )
        .await?;
        Ok(ended)
    }

    /// The revocation feed: the sessions (token families) ended at or after `since` by
    /// logout, logout everywhere, a password change or reuse detection, each once with
    /// when it ended. Servers poll it to refuse the access tokens of ended sessions without
    /// asking storage on every request. Sessions that merely expire or time out are not
    /// listed: their access tokens stay valid until they expire, as with
    /// [`AuthService::check_session`].
    pub async fn ended_sessions_since(&self, since: DateTime<Utc>) -> Result<Vec<(Uuid, DateTime<Utc>)>> {
        self.deps
            .stores
            .auth
            .sessions_ended_since(since)
            .await
            .map_err(|e| e.about(Entity::User, "session"))
    }

    async fn reuse_detected(&self, token: &RefreshToken) -> Error {
        warn!(target: "lms::security", user_id = %token.user_id, family = %token.family_id, "refresh token reuse; revoking the session family");
        let revoked = self
            .deps
            .stores
            .auth
            .revoke_token_family(token.family_id, self.deps.clock.now())
            .await;
        if let Err(e) = revoked {
            return e.about(Entity::User, "session");
        }
        let audited = self
            .audit(AuditRecord::new(action::REFRESH_REUSE).subject(token.user_id))
            .await;
        let alerted = self
            .alerts
            .raise(SecuritySignal::RefreshTokenReuse, Some(token.user_id), None, 1)
            .await;
        if let Err(e) = audited.and(alerted) {
            return e;
        }
        Error::Unauthenticated("refresh token reused; session revoked")
    }

    /// A session of `family_id`; rotated tokens keep the family's expiry, so a session
    /// lasts at most `refresh_ttl` from login however active it is.
    fn new_session(&self, user: User, family_id: Uuid, expires_at: DateTime<Utc>) -> (Session, RefreshToken) {
        let now = self.deps.clock.now();
        let secret = new_token();
        let stored = RefreshToken {
            token_hash: token_hash(&secret),
            family_id,
            user_id: user.id,
            issued_at: now,
            expires_at,
            state: RefreshTokenState::Active,
        };
        let session = Session {
            user,
            refresh_token: secret,
            refresh_expires_at: stored.expires_at,
            family_id,
        };
        (session, stored)
    }

    async fn start_session(&self, user: User) -> Result<Session> {
        let expires_at = self.deps.clock.now() + self.settings.refresh_ttl;
        let (session, stored) = self.new_session(user, Uuid::now_v7(), expires_at);
        self.deps
            .stores
            .auth
            .insert_refresh_token(&stored)
            .await
            .map_err(|e| e.about(Entity::User, "session"))?;
        Ok(session)
    }

    async fn store_hash(&self, user_id: UserId, hash: &str) -> Result<()> {
        self.deps
            .stores
            .auth
            .set_password_hash(user_id, hash)
            .await
            .map_err(|e| e.about(Entity::User, user_id))
    }
}
