//! Erasure requests (G2) and the steps of the saga that carries them out. The request is
//! a record with its own state; each step is idempotent and recorded when done, so a run
//! interrupted anywhere (a crash, a lost connection) is completed by the next run, which
//! redoes at most the step it was in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::text::{DisplayName, Email};
use crate::ids::UserId;
use crate::records::{Index, KeySpec, Record, RecordKind};

/// The display name an erased account keeps, so what it made (courses) shows a removed
/// creator rather than a dangling reference.
pub const REMOVED_USER_NAME: &str = "Removed user";

/// The domain of an erased account's placeholder email (`.invalid` is reserved by RFC 2606:
/// it can never receive mail nor belong to anyone).
pub const ERASED_EMAIL_DOMAIN: &str = "erased.invalid";

/// The stored password hash of an erased account: not a hash, so no password matches it.
pub const NO_PASSWORD: &str = "!erased";

/// The record kinds kept on erasure because the law requires them (bookkeeping of
/// payments). They hold no personal data, only pseudonymous ids and amounts; every other
/// kind a user owns is deleted.
pub const KEPT_KINDS: [&str; 3] = ["order", "refund", "subscription"];

/// Where an erasure request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStatus {
    /// Waiting for its cool-off window to end; the user may still cancel.
    Requested,
    /// Being carried out.
    InProgress,
    /// Done: nothing personal of the user remains.
    Completed,
    /// Cancelled during the cool-off.
    Cancelled,
}

impl ErasureStatus {
    /// Whether the request is still to be carried out.
    pub fn is_open(self) -> bool {
        matches!(self, ErasureStatus::Requested | ErasureStatus::InProgress)
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureStatus::Requested => "requested",
            ErasureStatus::InProgress => "in_progress",
            ErasureStatus::Completed => "completed",
            ErasureStatus::Cancelled => "cancelled",
        }
    }
}

/// The steps of an erasure, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStep {
    /// Every session ends: refresh tokens revoked, access tokens refused from then on.
    EndSessions,
    /// Email and display name replaced by placeholders, the password removed; the email
    /// can register again.
    Profile,
    /// Enrollments, progress and quiz answers deleted.
    Learning,
    /// Every record the user owns deleted, except the payment records the law requires.
    Records,
    /// The backend's leftovers of deleted data overwritten (SQLite's WAL and free pages).
    Scrub,
    /// The erasure audited and announced (`user.erased`).
    Finish,
}

impl ErasureStep {
    /// Every step, in order.
    pub const ALL: [ErasureStep; 6] = [
        ErasureStep::EndSessions,
        ErasureStep::Profile,
        ErasureStep::Learning,
        ErasureStep::Records,
        ErasureStep::Scrub,
        ErasureStep::Finish,
    ];
}

/// How a request reached the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureChannel {
    /// The user asked through their account.
    SelfService,
    /// An admin entered a request received by other means (mail, letter).
    Admin,
}

/// What an erasure removed, for the audit log and the requester.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    /// Sessions ended.
    pub sessions: u64,
    /// Enrollments deleted.
    pub enrollments: u64,
    /// Records deleted.
    pub records: u64,
}

/// A request to erase a user's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRequest {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The user to erase.
    pub user_id: UserId,
    /// Who asked: the user, or the admin who entered it.
    pub requested_by: UserId,
    /// How it arrived.
    pub channel: ErasureChannel,
    /// Where it stands.
    pub status: ErasureStatus,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When it may start (the end of the cool-off window).
    pub not_before: DateTime<Utc>,
    /// The steps done so far, in order.
    pub steps_done: Vec<ErasureStep>,
    /// What was removed.
    pub removed: Removed,
    /// When it completed or was cancelled.
    pub closed_at: Option<DateTime<Utc>>,
}

impl ErasureRequest {
    /// The first step not yet done, if any.
    pub fn next_step(&self) -> Option<ErasureStep> {
        ErasureStep::ALL.into_iter().find(|s| !self.steps_done.contains(s))
    }
}

impl Record for ErasureRequest {
    const KIND: RecordKind = RecordKind {
        name: "erasure_request",
        keys: &[KeySpec::lookup("user"), KeySpec::ordered("not_before")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    // No owner: the request outlives the erasure of its user's records, and holds only
    // pseudonymous ids.

    fn index(&self, index: &mut Index) {
        index.set("user", self.user_id);
        if self.status.is_open() {
            index.set("not_before", self.not_before);
        }
    }
}

/// The placeholder email of an erased account: unique per account, at a reserved domain.
pub fn erased_email(user_id: UserId) -> Email {
    let raw = format!("erased-{}@{ERASED_EMAIL_DOMAIN}", user_id.as_uuid().simple());
    Email::parse(&raw).expect("a hex local part at a two-label domain is a valid email")
}

/// The display name of an erased account.
pub fn removed_user_name() -> DisplayName {
    DisplayName::parse(REMOVED_USER_NAME).expect("a short plain name is valid")
}

/// Whether the account was erased (its email is an erasure placeholder).
pub fn is_erased(email: &Email) -> bool {
    email.as_str().ends_with(&format!("@{ERASED_EMAIL_DOMAIN}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_valid_and_recognised() {
        let id = UserId::new();
        let email = erased_email(id);
        assert!(is_erased(&email));
        assert!(!is_erased(&Email::parse("ada@example.com").unwrap()));
        assert_eq!(removed_user_name().as_str(), REMOVED_USER_NAME);
        assert_ne!(
            erased_email(UserId::new()),
            email,
            "each erased account keeps a unique email"
        );
    }

    #[test]
    fn steps_run_in_order_and_resume_after_the_last_done() {
        let mut request = ErasureRequest {
            id: Uuid::now_v7(),
            version: 1,
            user_id: UserId::new(),
            requested_by: UserId::new(),
            channel: ErasureChannel::SelfService,
            status: ErasureStatus::InProgress,
            requested_at: Utc::now(),
            not_before: Utc::now(),
            steps_done: Vec::new(),
            removed: Removed::default(),
            closed_at: None,
        };
        for step in ErasureStep::ALL {
            assert_eq!(request.next_step(), Some(step));
            request.steps_done.push(step);
        }
        assert_eq!(request.next_step(), None);
    }
}
