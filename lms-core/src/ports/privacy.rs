//! What erasure (GDPR art. 17) needs from storage beyond the other ports, and the dump
//! that proves it left nothing behind.

use async_trait::async_trait;

use super::StoreResult;
use crate::ids::UserId;

/// Removes a user's data in bulk for the erasure saga ([`crate::privacy`]). Every method
/// is idempotent: a rerun after a crash removes what is left and reports it.
#[async_trait]
pub trait ErasureStore: Send + Sync + 'static {
    /// Deletes every enrollment of the user, with its progress and quiz answers, and
    /// whatever indexes them; returns how many enrollments were deleted.
    async fn delete_user_enrollments(&self, user_id: UserId) -> StoreResult<u64>;

    /// Deletes every record the user owns ([`super::RecordStore::owned_by`]) except those
    /// of the kinds in `keep`, with their index entries; returns how many were deleted.
    async fn delete_owned_records(&self, owner: UserId, keep: &[&str]) -> StoreResult<u64>;

    /// Makes deleted data unrecoverable from the backend's own files where it can:
    /// an embedded database that keeps old pages in a write-ahead log or in free pages
    /// MUST overwrite or truncate them here. Servers whose space is reclaimed by their own
    /// maintenance (PostgreSQL's vacuum, MongoDB's compaction) do nothing.
    async fn scrub_deleted_data(&self) -> StoreResult<()>;
}

/// Every table or collection of the backend rendered as text, each row or document on
/// its own line. Tests search it for what must not be stored (an erased user's email,
/// name and free text; plaintext of encrypted fields), so it MUST include every table or
/// collection the adapter writes, not only the ones it reads through the ports.
#[async_trait]
pub trait DataDump: Send + Sync + 'static {
    /// The dump: one line per row or document, prefixed by its table or collection name.
    async fn dump_all(&self) -> StoreResult<String>;
}
