//! Backups: every stored item read from one consistent view, section by section in a
//! stable order, and written back raw into an empty store of any adapter.
//!
//! A backup is adapter-neutral: each item is a JSON value whose shape the core defines
//! per [`Section`] (the aggregate's own serde form, or one of the item types below), so a
//! backup of one backend restores into another. Items keep their ids, versions and
//! timestamps; restoring appends no outbox event.
//!
//! # Contract
//!
//! - [`BackupStore::begin_backup`] opens a read view in which every write acknowledged
//!   before it was called is visible. Adapters that can read a snapshot (SQL
//!   transactions, MongoDB snapshot sessions) read every section from it; the order of
//!   [`Section::ALL`] is chosen so that a view without one still restores to a
//!   consistent state (see [`Section::ALL`]).
//! - [`BackupReader::page`] returns up to `limit` items of a section after a cursor, in
//!   the section's order ([`Section::cursor_of`]); a page shorter than `limit` is the last.
//! - [`BackupStore::restore`] stores items of one section as they are, in one atomic
//!   write per call where the backend allows; it never checks versions and appends no
//!   event. Items of a section may come in several calls.
//! - [`BackupStore::is_empty`] is true only when no table or collection holds a row.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{RefreshToken, StoreError, StoreResult};
use crate::ids::UserId;

/// One kind of stored item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Domain events in the outbox ([`OutboxItem`]), by sequence.
    Outbox,
    /// Records of every declared kind ([`RecordItem`]), by kind then id.
    Records,
    /// Enrollments with their progress ([`crate::domain::enrollment::Enrollment`]), by id.
    Enrollments,
    /// Refresh-token sessions ([`RefreshTokenItem`]), by token hash.
    RefreshTokens,
    /// Courses with their lessons ([`crate::domain::course::Course`]), by id.
    Courses,
    /// Password hashes ([`PasswordHashItem`]), by user id.
    PasswordHashes,
    /// Users ([`crate::domain::user::User`]), by id.
    Users,
    /// The last outbox sequence handed out ([`OutboxSequenceItem`]): one item.
    OutboxSequence,
}

impl Section {
    /// Every section, in the order a backup reads them. What refers to something comes
    /// before what it refers to (events before the aggregates they describe, enrollments
    /// before their users and courses), and the outbox sequence comes last, after the
    /// delivery positions stored as records. So even a view that is not a snapshot gives
    /// a consistent restore: whatever an item refers to was written before it, hence is
    /// read after it; an event read is matched by its aggregate's write or a later one;
    /// and sequences handed out after the restore lie above every delivery position.
    pub const ALL: [Section; 8] = [
        Section::Outbox,
        Section::Records,
        Section::Enrollments,
        Section::RefreshTokens,
        Section::Courses,
        Section::PasswordHashes,
        Section::Users,
        Section::OutboxSequence,
    ];

    /// The section's name in a backup file.
    pub fn name(self) -> &'static str {
        match self {
            Section::Outbox => "outbox",
            Section::Records => "records",
            Section::Enrollments => "enrollments",
            Section::RefreshTokens => "refresh_tokens",
            Section::Courses => "courses",
            Section::PasswordHashes => "password_hashes",
            Section::Users => "users",
            Section::OutboxSequence => "outbox_sequence",
        }
    }

    /// The section with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Where a listing resumes after `item`: its position in the section's order. An item
    /// without the fields of its section is a backend error naming them.
    pub fn cursor_of(self, item: &Value) -> StoreResult<BackupCursor> {
        let field = |name: &str| {
            item.get(name)
                .ok_or_else(|| StoreError::backend(format!("a {} item has no `{name}`", self.name())))
        };
        let id = |name: &str| -> StoreResult<Uuid> {
            serde_json::from_value(field(name)?.clone()).map_err(StoreError::backend)
        };
        let text = |name: &str| -> StoreResult<String> {
            field(name)?
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| StoreError::backend(format!("the `{name}` of a {} item is not text", self.name())))
        };
        Ok(match self {
            Section::Users | Section::Courses | Section::Enrollments => BackupCursor::Id(id("id")?),
            Section::PasswordHashes => BackupCursor::Id(id("user_id")?),
            Section::RefreshTokens => BackupCursor::Text(text("token_hash")?),
            Section::Records => BackupCursor::Record(text("kind")?, id("id")?),
            Section::Outbox => BackupCursor::Sequence(
                field("sequence")?
                    .as_u64()
                    .ok_or_else(|| StoreError::backend("an outbox item's sequence is not a number"))?,
            ),
            Section::OutboxSequence => BackupCursor::Sequence(u64::MAX),
        })
    }
}

/// A position in a section's order: listings resume after it. Cursors of one variant
/// compare as the section orders its items (texts byte by byte, ids as their bytes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum BackupCursor {
    /// After this id (users, courses, enrollments, password hashes).
    Id(Uuid),
    /// After this text (refresh tokens, by hash).
    Text(String),
    /// After this kind and id (records).
    Record(String, Uuid),
    /// After this sequence (outbox).
    Sequence(u64),
}

impl BackupCursor {
    /// The id of an [`BackupCursor::Id`] cursor, else a backend error.
    pub fn id(&self) -> StoreResult<Uuid> {
        match self {
            BackupCursor::Id(id) => Ok(*id),
            other => Err(StoreError::backend(format!("expected an id cursor, got {other:?}"))),
        }
    }

    /// The text of a [`BackupCursor::Text`] cursor, else a backend error.
    pub fn text(&self) -> StoreResult<&str> {
        match self {
            BackupCursor::Text(text) => Ok(text),
            other => Err(StoreError::backend(format!("expected a text cursor, got {other:?}"))),
        }
    }

    /// The kind and id of a [`BackupCursor::Record`] cursor, else a backend error.
    pub fn record(&self) -> StoreResult<(&str, Uuid)> {
        match self {
            BackupCursor::Record(kind, id) => Ok((kind, *id)),
            other => Err(StoreError::backend(format!("expected a record cursor, got {other:?}"))),
        }
    }

    /// The sequence of a [`BackupCursor::Sequence`] cursor, else a backend error.
    pub fn sequence(&self) -> StoreResult<u64> {
        match self {
            BackupCursor::Sequence(sequence) => Ok(*sequence),
            other => Err(StoreError::backend(format!(
                "expected a sequence cursor, got {other:?}"
            ))),
        }
    }
}

/// A user's password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordHashItem {
    /// The user.
    pub user_id: UserId,
    /// The PHC string.
    pub hash: String,
}

/// A refresh token with its revocation time, which the revocation feed reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshTokenItem {
    /// The token.
    #[serde(flatten)]
    pub token: RefreshToken,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl RefreshTokenItem {
    /// The item of a stored token, its times at whole microseconds: the precision every
    /// backend keeps (PostgreSQL's `timestamptz`, MongoDB's microsecond fields), so what a
    /// restore writes into any backend reads back as the same item. The core's clock
    /// already writes whole microseconds; a time written with more (SQLite's text keeps
    /// nanoseconds) is rounded down to the microsecond.
    pub fn new(mut token: RefreshToken, revoked_at: Option<DateTime<Utc>>) -> Self {
        token.issued_at = token.issued_at.trunc_subsecs(6);
        token.expires_at = token.expires_at.trunc_subsecs(6);
        Self {
            token,
            revoked_at: revoked_at.map(|at| at.trunc_subsecs(6)),
        }
    }
}

/// One unique, lookup or ordered value of a record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntryItem {
    /// The key's name.
    pub key: String,
    /// The encoded value.
    pub value: String,
}

/// A record of any kind, with its index entries as stored (so a kind this build does not
/// declare is restored too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordItem {
    /// The kind's name.
    pub kind: String,
    /// Identifier, unique within the kind.
    pub id: Uuid,
    /// The stored version.
    pub version: u64,
    /// The user the record belongs to.
    pub owner: Option<UserId>,
    /// The whole record.
    pub doc: Value,
    /// Its unique values, sorted.
    pub unique: Vec<EntryItem>,
    /// Its lookup and ordered values, sorted.
    pub index: Vec<EntryItem>,
}

/// An event in the outbox with its sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Its position in the outbox.
    pub sequence: u64,
    /// The event ([`crate::domain::events::DomainEvent`]'s serde form).
    pub event: Value,
}

/// The last outbox sequence handed out: a restored store hands out higher ones, so
/// delivery positions stored before the backup stay below every new event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxSequenceItem {
    /// The sequence (0 when none was handed out).
    pub last: u64,
}

/// Decodes a backup item into its section's type; an item that does not decode is a
/// backend error naming the section.
pub fn decode_item<T: serde::de::DeserializeOwned>(section: Section, item: &Value) -> StoreResult<T> {
    serde_json::from_value(item.clone())
        .map_err(|e| StoreError::backend(format!("a {} item does not decode: {e}", section.name())))
}

/// Encodes a value as a backup item.
pub fn encode_item<T: Serialize>(value: &T) -> StoreResult<Value> {
    serde_json::to_value(value).map_err(StoreError::backend)
}

/// A consistent read view of a store, open until [`BackupReader::finish`].
#[async_trait]
pub trait BackupReader: Send {
    /// Up to `limit` items of `section` after `after` (from the start when `None`), in the
    /// section's order.
    async fn page(&mut self, section: Section, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>>;

    /// Closes the view.
    async fn finish(self: Box<Self>) -> StoreResult<()>;
}

/// What a backup and a restore need from storage (see the module docs).
#[async_trait]
pub trait BackupStore: Send + Sync + 'static {
    /// Opens a read view in which every write acknowledged before the call is visible.
    async fn begin_backup(&self) -> StoreResult<Box<dyn BackupReader>>;

    /// Whether no table or collection holds anything.
    async fn is_empty(&self) -> StoreResult<bool>;

    /// Stores items of one section as they are (see the module docs).
    async fn restore(&self, section: Section, items: &[Value]) -> StoreResult<()>;
}
