//! Users and their roles.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::text::{DisplayName, Email};
use crate::error::Error;
use crate::ids::UserId;

/// What a user may do in the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Takes courses.
    #[default]
    Student,
    /// Creates and owns courses; can also take courses.
    Instructor,
    /// Manages everything.
    Admin,
}

impl Role {
    /// The lower-case name (`student`, `instructor`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "student" => Ok(Role::Student),
            "instructor" => Ok(Role::Instructor),
            "admin" => Ok(Role::Admin),
            _ => Err(Error::invalid(
                "",
                "invalid_role",
                "must be student, instructor or admin",
            )),
        }
    }
}

/// A user account. Credentials are not part of the domain model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Identifier.
    pub id: UserId,
    /// Unique, normalized email.
    pub email: Email,
    /// Name shown to others.
    pub display_name: DisplayName,
    /// Permissions.
    pub role: Role,
    /// Holds an active premium subscription.
    pub premium: bool,
    /// Registration time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version as stored (1 after creation).
    pub version: u64,
    /// The email and display name encrypted, as stored when encryption at rest is on
    /// ([`crate::privacy::encryption`]); `email` and `display_name` then hold placeholders
    /// in storage. `None` in every user the services see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedProfile>,
}

/// A user's personal fields encrypted at rest: each is `v1.<key id>.<nonce and
/// ciphertext, base64url>` (AES-256-GCM bound to the user's id and the field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedProfile {
    /// The email.
    pub email: String,
    /// The display name.
    pub display_name: String,
}
