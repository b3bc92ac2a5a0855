use tracing::instrument;

use super::{retry_on_conflict, Actor, Deps};
use crate::domain::events::EventPayload;
use crate::domain::text::{DisplayName, Email};
use crate::domain::user::{Role, User};
use crate::error::{Entity, Error, Result, Validator};
use crate::ids::UserId;
use crate::ports::{Page, PageRequest, StoreError, UniqueKey};
use crate::privacy::audit::{self, AuditLog, AuditRecord};
use crate::privacy::erasure;

/// Registration input, as received.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Email address.
    pub email: String,
    /// Display name.
    pub display_name: String,
}

/// Changes a user may make to their own profile (rectification).
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    /// New email.
    pub email: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
}

/// Changes only an admin may make.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessChange {
    /// New role.
    pub role: Option<Role>,
    /// New premium flag.
    pub premium: Option<bool>,
}

/// Accounts, profiles and roles.
#[derive(Debug, Clone)]
pub struct UserService {
    deps: Deps,
}

fn map_user_error(err: StoreError, id: impl std::fmt::Display) -> Error {
    match err {
        StoreError::Duplicate(UniqueKey::UserEmail) => Error::AlreadyExists {
            entity: Entity::User,
            key: "email".into(),
        },
        other => other.about(Entity::User, id),
    }
}

impl UserService {
    pub(crate) fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Checks registration input without storing anything.
    pub(crate) fn validate_new(&self, input: &NewUser) -> Result<(Email, DisplayName)> {
        let mut v = Validator::new();
        let email = v.field("email", Email::parse(&input.email));
        let display_name = v.field("display_name", DisplayName::parse(&input.display_name));
        v.finish()?;
        Ok((email.expect("validated above"), display_name.expect("validated above")))
    }

    /// Registers a student without a password (see `AuthService::register` for one with).
    /// Fails with `AlreadyExists` when the email is taken.
    #[instrument(skip_all)]
    pub async fn register(&self, input: NewUser) -> Result<User> {
        self.provision(input, Role::Student).await
    }

    /// Creates an account with any role and no actor: for operator tooling (the first
    /// admin) and for applications that authenticate and authorize users themselves.
    #[instrument(skip_all, fields(role = %role))]
    pub async fn provision(&self, input: NewUser, role: Role) -> Result<User> {
        let (email, display_name) = self.validate_new(&input)?;
        self.create(email, display_name, role, None).await
    }

    /// Stores a new account with its password hash, when it has one, in one write: a
    /// failure leaves neither, never an account that cannot log in.
    pub(crate) async fn create(
        &self,
        email: Email,
        display_name: DisplayName,
        role: Role,
        password_hash: Option<&str>,
    ) -> Result<User> {
        let now = self.deps.clock.now();
        let user = User {
            id: UserId::new(),
            email,
            display_name,
            role,
            premium: false,
            created_at: now,
            updated_at: now,
            version: 1,
            sealed: None,
        };
        let events = self.deps.events([EventPayload::UserRegistered { user_id: user.id }]);
        self.deps
            .stores
            .users
            .insert_user(&user, password_hash, &events)
            .await
            .map_err(|e| map_user_error(e, user.id))?;
        Ok(user)
    }

    /// Loads a user without authorization checks (for authentication by the caller).
    pub async fn load(&self, id: UserId) -> Result<User> {
        self.deps
            .stores
            .users
            .get_user(id)
            .await
            .map_err(|e| map_user_error(e, id))?
            .ok_or_else(|| Error::not_found(Entity::User, id))
    }

    /// Finds a user by email without authorization checks (for login).
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>> {
        let Ok(email) = Email::parse(email) else {
            return Ok(None);
        };
        self.deps
            .stores
            .users
            .find_user_by_email(&email)
            .await
            .map_err(|e| map_user_error(e, email))
    }

    /// A user's account: their own, or any for admins.
    pub async fn get(&self, actor: &Actor, id: UserId) -> Result<User> {
        actor.require_self_or_admin(id)?;
        self.load(id).await
    }

    /// The actor a verified credential stands for, with the rights the account has now.
    /// A credential states the role the account had when it was issued; a student's
    /// rights are the least there are, so such an actor is taken as it is (no storage
    /// read on the learners' hot paths), while an instructor's or admin's role is
    /// confirmed against the account, so that a demotion takes effect on the very next
    /// request on every instance. An account that no longer exists is unauthenticated.
    pub async fn current_actor(&self, claimed: Actor) -> Result<Actor> {
        if claimed.role == Role::Student {
            return Ok(claimed);
        }
        match self.deps.stores.users.get_user(claimed.user_id).await {
            Ok(Some(user)) => Ok(Actor::of(&user)),
            Ok(None) => Err(Error::Unauthenticated("the account no longer exists")),
            Err(e) => Err(e.about(Entity::User, claimed.user_id)),
        }
    }

    /// Changes profile data: one's own, or anyone's for admins.
    #[instrument(skip_all, fields(user_id = %id))]
    pub async fn update_profile(&self, actor: &Actor, id: UserId, patch: ProfilePatch) -> Result<User> {
        actor.require_self_or_admin(id)?;
        let mut v = Validator::new();
        let email = patch.email.as_deref().and_then(|e| v.field("email", Email::parse(e)));
        let name = patch
            .display_name
            .as_deref()
            .and_then(|n| v.field("display_name", DisplayName::parse(n)));
        v.finish()?;
        let user = self
            .modify(id, |user| {
                if let Some(email) = &email {
                    user.email = email.clone();
                }
                if let Some(name) = &name {
                    user.display_name = name.clone();
                }
                Vec::new()
            })
            .await?;
        // Rectification (G3) is audited by which fields changed, never their values.
        let fields = [("email", email.is_some()), ("display_name", name.is_some())]
            .iter()
            .filter(|(_, changed)| *changed)
            .map(|(field, _)| *field)
            .collect::<Vec<_>>()
            .join(",");
        AuditLog::new(self.deps.records.clone())
            .append(
                AuditRecord::new(audit::action::PROFILE_RECTIFIED)
                    .actor(actor.user_id)
                    .subject(id)
                    .detail("fields", fields),
                self.deps.clock.now(),
            )
            .await?;
        Ok(user)
    }

    /// Replaces the user's email and display name with the placeholders of an erased
    /// account and turns premium off (the erasure saga's profile step; idempotent).
    pub(crate) async fn anonymize(&self, id: UserId) -> Result<User> {
        self.modify(id, |user| {
            user.email = erasure::erased_email(user.id);
            user.display_name = erasure::removed_user_name();
            user.premium = false;
            Vec::new()
        })
        .await
    }

    /// Changes role or premium flag (admins only).
    #[instrument(skip_all, fields(user_id = %id))]
    pub async fn change_access(&self, actor: &Actor, id: UserId, change: AccessChange) -> Result<User> {
        actor.require_admin()?;
        self.modify(id, |user| {
            user.role = change.role.unwrap_or(user.role);
            user.premium = change.premium.unwrap_or(user.premium);
            vec![EventPayload::UserAccessChanged {
                user_id: user.id,
                role: user.role,
                premium: user.premium,
                by: actor.user_id,
            }]
        })
        .await
    }

    /// Turns premium on or off as a subscription requires (the system acts: `by` is the
    /// nil id). Returns whether the flag changed.
    pub(crate) async fn set_premium(&self, id: UserId, premium: bool) -> Result<bool> {
        if self.load(id).await?.premium == premium {
            return Ok(false);
        }
        self.modify(id, |user| {
            if user.premium == premium {
                return Vec::new();
            }
            user.premium = premium;
            vec![EventPayload::UserAccessChanged {
                user_id: user.id,
                role: user.role,
                premium,
                by: Actor::operator().user_id,
            }]
        })
        .await?;
        Ok(true)
    }

    /// All users, by id (admins only).
    pub async fn list(&self, actor: &Actor, page: PageRequest) -> Result<Page<User>> {
        actor.require_admin()?;
        self.deps
            .stores
            .users
            .list_users(page)
            .await
            .map_err(|e| e.about(Entity::User, "list"))
    }

    /// Loads, changes and saves a user with the events `change` returns, retrying on
    /// version conflicts.
    async fn modify(&self, id: UserId, change: impl Fn(&mut User) -> Vec<EventPayload>) -> Result<User> {
        retry_on_conflict(|| async {
            let mut user = self.load(id).await?;
            let events = self.deps.events(change(&mut user));
            let expected = user.version;
            user.version += 1;
            user.updated_at = self.deps.clock.now();
            self.deps
                .stores
                .users
                .update_user(&user, expected, &events)
                .await
                .map_err(|e| map_user_error(e, id))?;
            Ok(user)
        })
        .await
    }
}
