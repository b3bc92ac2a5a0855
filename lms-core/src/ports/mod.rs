//! Ports: what `lms-core` needs from the outside world. Storage, notification and the clock
//! are small traits, held as `Arc<dyn …>` so an application picks adapters at run time.
//!
//! # Storage contract, common to every store
//!
//! - Every aggregate carries a `version`. `insert_*` stores version 1 (the caller passes the
//!   aggregate with `version == 1`). `update_*(aggregate, expected_version, events)` MUST
//!   store the aggregate only if the stored version equals `expected_version` (the caller
//!   passes `aggregate.version == expected_version + 1`), else fail with
//!   [`StoreError::VersionConflict`]; a missing aggregate is [`StoreError::NotFound`].
//! - The `events` of a write MUST be appended to the outbox in the same atomic write:
//!   either the aggregate and all its events are stored, or nothing is.
//! - Reads of a missing aggregate return `Ok(None)`, never an error.
//! - Aggregates round-trip exactly: what is read equals what was written, every field,
//!   timestamps to the microsecond (the core never produces finer ones).
//! - Listings are ordered by id ascending and paged with [`PageRequest`] (keyset paging).
//! - An unreachable backend MUST surface quickly as [`StoreError::Unavailable`].

mod auth;
mod backup;
mod clock;
mod courses;
mod enrollments;
mod mailer;
mod notifier;
mod outbox;
mod privacy;
mod records;
mod users;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

pub use auth::{AuthStore, RefreshToken, RefreshTokenState};
pub use backup::{
    decode_item, encode_item, BackupCursor, BackupReader, BackupStore, EntryItem, OutboxItem, OutboxSequenceItem,
    PasswordHashItem, RecordItem, RefreshTokenItem, Section,
};
pub use clock::{to_chrono, Clock, ManualClock, SystemClock};
pub use courses::{CourseFilter, CourseStore};
pub use enrollments::EnrollmentStore;
pub use mailer::{Mail, Mailer, RecordingMailer};
pub use notifier::{Notifier, NotifyError, RecordingNotifier};
pub use outbox::{OutboxMessage, OutboxStore};
pub use privacy::{DataDump, ErasureStore};
pub use records::{
    IndexEntry, KeyRole, Order, OwnedRecord, RangeCursor, RangeItem, RangeQuery, RecordDoc, RecordStore, RecordWrite,
    StoredRecord, UnitOfWork,
};
pub use users::UserStore;

use crate::error::{BoxError, Entity, Error, Result};

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UniqueKey {
    /// An aggregate with this id exists.
    Id,
    /// A user with this (normalized) email exists.
    UserEmail,
    /// This user is already enrolled in this course.
    UserCourse,
    /// A declared unique key of a record kind, or `"id"` for a record's id
    /// ([`crate::records`]).
    Record {
        /// The kind's name.
        kind: &'static str,
        /// The key's name.
        key: &'static str,
    },
}

impl fmt::Display for UniqueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UniqueKey::Id => f.write_str("id"),
            UniqueKey::UserEmail => f.write_str("email"),
            UniqueKey::UserCourse => f.write_str("user and course"),
            UniqueKey::Record { kind, key } => write!(f, "{kind} {key}"),
        }
    }
}

/// Errors a store returns. Adapters classify driver errors once, by error code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The aggregate to update does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule would be broken.
    #[error("duplicate {0}")]
    Duplicate(UniqueKey),
    /// The stored version is not the expected one: someone else wrote first.
    #[error("version conflict")]
    VersionConflict,
    /// The backend cannot be reached (connection refused, pool timeout, …).
    #[error("backend unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// Any other backend failure.
    #[error("backend failure: {0}")]
    Backend(#[source] BoxError),
}

impl StoreError {
    /// Wraps any error as a backend failure.
    pub fn backend(err: impl Into<BoxError>) -> Self {
        StoreError::Backend(err.into())
    }

    /// Wraps any error as unavailability.
    pub fn unavailable(err: impl Into<BoxError>) -> Self {
        StoreError::Unavailable(err.into())
    }

    /// The use-case error for this store error, naming the aggregate it concerned.
    pub(crate) fn about(self, entity: Entity, id: impl fmt::Display) -> Error {
        match self {
            StoreError::NotFound => Error::not_found(entity, id),
            StoreError::Duplicate(key) => Error::AlreadyExists {
                entity,
                key: key.to_string(),
            },
            StoreError::VersionConflict => Error::Conflict {
                entity,
                id: id.to_string(),
            },
            StoreError::Unavailable(source) => Error::Unavailable(source),
            StoreError::Backend(source) => Error::Internal(source),
        }
    }
}

/// Result alias for store methods.
pub type StoreResult<T> = std::result::Result<T, StoreError>;

/// A page request: up to `limit` items with ids greater than `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Exclusive lower bound on the id (the previous page's `next_after`).
    pub after: Option<Uuid>,
    /// Page size, 1 to [`PageRequest::MAX_LIMIT`].
    pub limit: u32,
}

impl PageRequest {
    /// Largest page.
    pub const MAX_LIMIT: u32 = 100;
    /// Page size when none is given.
    pub const DEFAULT_LIMIT: u32 = 20;

    /// Validates a page request.
    pub fn new(after: Option<Uuid>, limit: Option<u32>) -> Result<Self> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                "out_of_range",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        Ok(Self { after, limit })
    }

    /// The first page of the default size.
    pub fn first() -> Self {
        Self {
            after: None,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, ordered by id ascending.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` items fetched in id order: the extra item only
    /// signals that another page exists. Adapters use this so paging behaves identically.
    pub fn from_overfetch(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> Self {
        let limit = limit as usize;
        let next_after = if items.len() > limit {
            items.truncate(limit);
            items.last().map(&id)
        } else {
            None
        };
        Self { items, next_after }
    }

    /// Transforms the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

/// One schema migration an adapter knows, and when the database got it: what
/// `lms-server migrate --status` lists, and how a server started without migrating finds
/// out that its database is behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// The migration's version; migrations apply in ascending order.
    pub version: i64,
    /// What it does.
    pub description: String,
    /// When it was applied; `None` while it is pending.
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl MigrationState {
    /// Whether the database lacks it.
    pub fn is_pending(&self) -> bool {
        self.applied_at.is_none()
    }
}

/// Liveness of the storage backend, for readiness probes.
#[async_trait]
pub trait StoreHealth: Send + Sync + 'static {
    /// MUST return `Ok` only if the backend answered a trivial query just now, and
    /// [`StoreError::Unavailable`] (quickly) when it cannot be reached.
    async fn ping(&self) -> StoreResult<()>;
}

/// Everything a storage adapter provides.
pub trait Storage:
    UserStore
    + CourseStore
    + RecordStore
    + EnrollmentStore
    + OutboxStore
    + AuthStore
    + ErasureStore
    + DataDump
    + StoreHealth
{
}

impl<T> Storage for T where
    T: UserStore
        + CourseStore
        + RecordStore
        + EnrollmentStore
        + OutboxStore
        + AuthStore
        + ErasureStore
        + DataDump
        + StoreHealth
{
}

/// The stores the services use. Usually all are one adapter ([`Stores::from_backend`]).
#[derive(Clone)]
pub struct Stores {
    /// Users.
    pub users: Arc<dyn UserStore>,
    /// Courses and their lessons.
    pub courses: Arc<dyn CourseStore>,
    /// Every aggregate declared as a record ([`crate::records`]).
    pub records: Arc<dyn RecordStore>,
    /// Enrollments and progress.
    pub enrollments: Arc<dyn EnrollmentStore>,
    /// The outbox of domain events.
    pub outbox: Arc<dyn OutboxStore>,
    /// Credentials and sessions.
    pub auth: Arc<dyn AuthStore>,
    /// Bulk removal of a user's data.
    pub erasure: Arc<dyn ErasureStore>,
    /// Every stored row as text, for tests that prove data is gone.
    pub dump: Arc<dyn DataDump>,
    /// Backend liveness.
    pub health: Arc<dyn StoreHealth>,
}

impl Stores {
    /// Uses one adapter for every store.
    pub fn from_backend<S: Storage>(backend: Arc<S>) -> Self {
        Self {
            users: backend.clone(),
            courses: backend.clone(),
            records: backend.clone(),
            enrollments: backend.clone(),
            outbox: backend.clone(),
            auth: backend.clone(),
            erasure: backend.clone(),
            dump: backend.clone(),
            health: backend,
        }
    }

    /// Stores users' emails and display names encrypted under `keys`, found by email
    /// through `blind` (see [`crate::privacy::encryption`]).
    pub fn with_encryption(
        mut self,
        keys: Arc<crate::privacy::encryption::KeyRing>,
        blind: Arc<crate::privacy::encryption::BlindIndex>,
    ) -> Self {
        self.users = Arc::new(crate::privacy::encryption::EncryptedUserStore::new(
            self.users, keys, blind,
        ));
        self
    }

    /// Serves course reads from an in-memory cache in front of the current course store
    /// (see [`crate::course_cache`] for how fresh it stays).
    pub fn with_course_cache(mut self, settings: crate::course_cache::CourseCacheSettings) -> Self {
        self.courses = Arc::new(crate::course_cache::CachedCourseStore::new(self.courses, settings));
        self
    }
}

impl fmt::Debug for Stores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}
