//! The consent ledger (G4): per user and purpose, whether consent is given, under which
//! policy version and since when, with every change kept. Giving and withdrawing are the
//! same call.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::records::{Index, KeySpec, Record, RecordKind};

/// Changes kept per user and purpose; older ones are dropped first.
pub const HISTORY_LIMIT: usize = 200;

/// Longest policy version.
const POLICY_VERSION_MAX_LEN: usize = 64;

/// What a consent is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Learning analytics about the user (study time, per-learner reports).
    Analytics,
    /// Marketing messages.
    Marketing,
    /// Non-essential cookies.
    Cookies,
    /// Showing the learner's name to whoever verifies their certificates.
    CertificateName,
}

impl Purpose {
    /// Every purpose, in display order.
    pub const ALL: [Purpose; 4] = [
        Purpose::Analytics,
        Purpose::Marketing,
        Purpose::Cookies,
        Purpose::CertificateName,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Analytics => "analytics",
            Purpose::Marketing => "marketing",
            Purpose::Cookies => "cookies",
            Purpose::CertificateName => "certificate_name",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            Error::invalid(
                "purpose",
                "invalid_purpose",
                "must be analytics, marketing, cookies or certificate_name",
            )
        })
    }
}

/// A policy version as the user saw it (`2026-01`, `v3.1`): 1 to 64 letters, digits,
/// dots, dashes and underscores.
pub fn parse_policy_version(raw: &str) -> Result<String> {
    let valid = !raw.is_empty()
        && raw.len() <= POLICY_VERSION_MAX_LEN
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(Error::invalid(
            "policy_version",
            "invalid_policy_version",
            format!("must be 1 to {POLICY_VERSION_MAX_LEN} letters, digits, '.', '-' or '_'"),
        ))
    }
}

/// One change of a consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChange {
    /// Given (`true`) or withdrawn.
    pub granted: bool,
    /// The policy version the user answered.
    pub policy_version: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A user's consent for one purpose, with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The user.
    pub user_id: UserId,
    /// The purpose.
    pub purpose: Purpose,
    /// Every change, oldest first (at most [`HISTORY_LIMIT`]); the last is current.
    pub history: Vec<ConsentChange>,
}

impl Consent {
    /// The current answer, if the user ever answered.
    pub fn current(&self) -> Option<&ConsentChange> {
        self.history.last()
    }

    /// Whether consent is given now.
    pub fn granted(&self) -> bool {
        self.current().is_some_and(|c| c.granted)
    }

    /// A ledger with its first change.
    pub(crate) fn first(user_id: UserId, purpose: Purpose, change: ConsentChange) -> Self {
        Self {
            id: Uuid::now_v7(),
            version: 1,
            user_id,
            purpose,
            history: vec![change],
        }
    }

    /// Records a change (dropping the oldest beyond the limit).
    pub(crate) fn record(&mut self, change: ConsentChange) {
        self.history.push(change);
        let excess = self.history.len().saturating_sub(HISTORY_LIMIT);
        self.history.drain(..excess);
        self.version += 1;
    }
}

impl Record for Consent {
    const KIND: RecordKind = RecordKind {
        name: "consent",
        keys: &[KeySpec::unique("user_purpose")],
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
        index.set("user_purpose", (self.user_id, self.purpose.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_parse_from_their_names_only() {
        for purpose in Purpose::ALL {
            assert_eq!(purpose.as_str().parse::<Purpose>().unwrap(), purpose);
        }
        assert!("Analytics".parse::<Purpose>().is_err());
        assert!("".parse::<Purpose>().is_err());
    }

    #[test]
    fn policy_versions_are_short_plain_tokens() {
        assert_eq!(parse_policy_version("2026-01").unwrap(), "2026-01");
        assert!(parse_policy_version("").is_err());
        assert!(parse_policy_version("v 1").is_err());
        assert!(parse_policy_version(&"x".repeat(65)).is_err());
    }

    #[test]
    fn the_history_keeps_the_newest_changes() {
        let at = Utc::now();
        let change = |granted| ConsentChange {
            granted,
            policy_version: "1".to_owned(),
            at,
        };
        let mut consent = Consent::first(UserId::new(), Purpose::Marketing, change(true));
        for i in 0..HISTORY_LIMIT {
            consent.record(change(i % 2 == 0));
        }
        assert_eq!(consent.history.len(), HISTORY_LIMIT);
        assert_eq!(consent.version, HISTORY_LIMIT as u64 + 1);
        assert!(!consent.granted(), "the last change withdrew it");
    }
}
