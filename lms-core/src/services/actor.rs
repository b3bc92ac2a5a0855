use crate::domain::course::Course;
use crate::domain::user::{Role, User};
use crate::error::{Error, Result};
use crate::ids::UserId;

/// Who performs a use case, as authenticated by the caller (e.g. from a verified token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The user acting.
    pub user_id: UserId,
    /// Their role.
    pub role: Role,
}

impl Actor {
    /// The actor for a loaded user.
    pub fn of(user: &User) -> Self {
        Self {
            user_id: user.id,
            role: user.role,
        }
    }

    /// The operator at the command line of a server: an admin that is no account, for
    /// maintenance tasks (replaying dead letters) run with direct access to storage.
    pub fn operator() -> Self {
        Self {
            user_id: UserId::from(uuid::Uuid::nil()),
            role: Role::Admin,
        }
    }

    /// True for admins.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Admins may do anything; otherwise refuses with `Forbidden`.
    pub(crate) fn require_admin(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden("admins only".into()))
        }
    }

    /// Instructors and admins author content.
    pub(crate) fn require_author(&self) -> Result<()> {
        match self.role {
            Role::Instructor | Role::Admin => Ok(()),
            Role::Student => Err(Error::Forbidden("only instructors and admins create content".into())),
        }
    }

    /// Acting on one's own data, or as an admin.
    pub(crate) fn require_self_or_admin(&self, user_id: UserId) -> Result<()> {
        if self.user_id == user_id || self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden("this belongs to another user".into()))
        }
    }

    /// Whether the actor may change the course: its owning instructor, or an admin.
    pub fn manages(&self, course: &Course) -> bool {
        self.is_admin() || (self.role == Role::Instructor && course.owner_id == self.user_id)
    }

    pub(crate) fn require_manager(&self, course: &Course) -> Result<()> {
        if self.manages(course) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "only the course's instructor or an admin may do this".into(),
            ))
        }
    }
}
