//! The audit log (S10): an append-only chain of what happened to accounts and what
//! admins did. Each entry holds the SHA-256 of its chained content, which includes the
//! previous entry's hash, so changing or deleting any entry breaks the chain from there
//! on, and [`AuditLog::verify`] names the first broken entry.
//!
//! The chained content names people only by pseudonymous ids (never an email, a name or
//! free text), so erasing a user leaves the chain intact: after erasure the id points to
//! a removed account. The chain's head (position and hash of the newest entry) is stored
//! with every entry ([`AuditHead`]), so an entry deleted from the end of the chain is
//! detected too; checkpoints of the head taken over time ([`AuditLog::checkpoint`]) keep
//! earlier positions to compare a rewritten chain with.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Entity, Error, Result};
use crate::ids::UserId;
use crate::ports::{Order, RangeCursor, RangeQuery, StoreError, UniqueKey};
use crate::records::{Index, IndexValue, KeySpec, Range, Record, RecordKind, Records};

/// The previous hash of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How many times an append re-reads the head after another writer took its position.
const MAX_APPEND_ATTEMPTS: u32 = 100;

/// Entries verified per read.
const VERIFY_PAGE: u32 = 1000;

/// Entries deleted per write by the retention purge.
const PURGE_PAGE: u32 = 500;

/// Most entries a query scans per call; a query whose filters match rarely returns a
/// short page with a cursor rather than scanning the whole log at once.
const QUERY_SCAN_LIMIT: usize = 10_000;

/// Audited actions. The names are part of the API (`GET /api/v1/admin/audit?action=`).
pub mod action {
    /// A successful login.
    pub const LOGIN: &str = "auth.login";
    /// A failed login (unknown account or wrong password).
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    /// A refresh token presented again after rotation; its session was revoked.
    pub const REFRESH_REUSE: &str = "auth.refresh_token_reused";
    /// A session ended by logout.
    pub const LOGOUT: &str = "auth.logout";
    /// Every session of a user ended.
    pub const LOGOUT_EVERYWHERE: &str = "auth.logout_everywhere";
    /// A password set by its user or an admin.
    pub const PASSWORD_CHANGED: &str = "auth.password_changed";
    /// A password set through a reset mail.
    pub const PASSWORD_RESET: &str = "auth.password_reset";
    /// A state-changing API request by an admin.
    pub const ADMIN_REQUEST: &str = "admin.request";
    /// An operator command (`lms-server …`).
    pub const OPERATOR_COMMAND: &str = "operator.command";
    /// Profile fields corrected (rectification, G3).
    pub const PROFILE_RECTIFIED: &str = "privacy.profile_rectified";
    /// A data export was generated (G1).
    pub const DATA_EXPORTED: &str = "privacy.data_exported";
    /// An erasure was requested (G2).
    pub const ERASURE_REQUESTED: &str = "privacy.erasure_requested";
    /// An erasure was cancelled during its cool-off.
    pub const ERASURE_CANCELLED: &str = "privacy.erasure_cancelled";
    /// An erasure completed.
    pub const ERASURE_COMPLETED: &str = "privacy.erasure_completed";
}

/// One entry of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Identifier.
    pub id: Uuid,
    /// Stored version (entries are never updated).
    pub version: u64,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it, when someone authenticated did.
    pub actor: Option<UserId>,
    /// The account it concerns, when one.
    pub subject: Option<UserId>,
    /// What happened ([`action`]).
    pub action: String,
    /// Context without personal data (a route template, a reason, a count), in key order.
    pub details: BTreeMap<String, String>,
    /// Makes an append idempotent: a second entry with the same key is not stored.
    pub dedupe_key: Option<String>,
    /// The previous entry's hash ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Lower-case hex SHA-256 of the chained content.
    pub hash: String,
}

/// What is hashed: everything but the id, version and hash itself, in a fixed order.
#[derive(Serialize)]
struct ChainedContent<'a> {
    seq: i64,
    at: &'a DateTime<Utc>,
    actor: Option<UserId>,
    subject: Option<UserId>,
    action: &'a str,
    details: &'a BTreeMap<String, String>,
    dedupe_key: Option<&'a str>,
    prev_hash: &'a str,
}

impl AuditEntry {
    /// The hash the entry's content calls for.
    pub fn computed_hash(&self) -> String {
        let content = ChainedContent {
            seq: self.seq,
            at: &self.at,
            actor: self.actor,
            subject: self.subject,
            action: &self.action,
            details: &self.details,
            dedupe_key: self.dedupe_key.as_deref(),
            prev_hash: &self.prev_hash,
        };
        // Serializing a struct of plain fields and a BTreeMap cannot fail and is
        // deterministic: fields in declaration order, map keys sorted.
        let canonical = serde_json::to_vec(&content).unwrap_or_default();
        hex(&Sha256::digest(&canonical))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Record for AuditEntry {
    const KIND: RecordKind = RecordKind {
        name: "audit_entry",
        keys: &[
            KeySpec::unique("position"),
            KeySpec::ordered("seq"),
            KeySpec::ordered("at"),
            KeySpec::lookup("actor"),
            KeySpec::lookup("subject"),
            KeySpec::lookup("action"),
            KeySpec::unique("dedupe"),
        ],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("position", self.seq);
        index.set("seq", self.seq);
        index.set("at", self.at);
        index.set_some("actor", self.actor);
        index.set_some("subject", self.subject);
        index.set("action", self.action.as_str());
        index.set_some("dedupe", self.dedupe_key.as_deref());
    }
}

/// The position and hash of the newest entry, written in the same unit of work as every
/// entry: an entry deleted from the end of the chain leaves it naming a missing entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    /// Always [`AUDIT_HEAD_ID`]: there is one head.
    pub id: Uuid,
    /// Stored version (appends check it, so two cannot take one position).
    pub version: u64,
    /// The newest entry's position.
    pub seq: i64,
    /// The newest entry's hash.
    pub hash: String,
}

/// The id of the one [`AuditHead`].
pub const AUDIT_HEAD_ID: Uuid = Uuid::from_u128(0x6175_6469_745f_6865_6164_0000_0000_0001);

impl Record for AuditHead {
    const KIND: RecordKind = RecordKind {
        name: "audit_head",
        keys: &[],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }
}

/// A stored head of the chain, to detect entries deleted from its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheckpoint {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The head's position.
    pub seq: i64,
    /// The head's hash.
    pub hash: String,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// Whether the retention purge removed the entries up to and including this one: the
    /// chain then starts after it, from its hash.
    #[serde(default)]
    pub floor: bool,
}

impl Record for AuditCheckpoint {
    const KIND: RecordKind = RecordKind {
        name: "audit_checkpoint",
        keys: &[KeySpec::ordered("seq"), KeySpec::ordered("floor_seq")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("seq", self.seq);
        if self.floor {
            index.set("floor_seq", self.seq);
        }
    }
}

/// What to record: an entry before it is placed in the chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditRecord {
    /// Who did it.
    pub actor: Option<UserId>,
    /// Whom it concerns.
    pub subject: Option<UserId>,
    /// What happened ([`action`]).
    pub action: &'static str,
    /// Context without personal data.
    pub details: BTreeMap<String, String>,
    /// Set to record the entry at most once.
    pub dedupe_key: Option<String>,
}

impl AuditRecord {
    /// An entry for `action`.
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            ..Self::default()
        }
    }

    /// Who did it.
    pub fn actor(mut self, actor: UserId) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Whom it concerns.
    pub fn subject(mut self, subject: UserId) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Adds a detail.
    pub fn detail(mut self, key: &str, value: impl ToString) -> Self {
        self.details.insert(key.to_owned(), value.to_string());
        self
    }

    /// Records the entry at most once under `key`.
    pub fn once(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// Filters of an audit query; every filter given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries by this actor.
    pub actor: Option<UserId>,
    /// Only entries about this account.
    pub subject: Option<UserId>,
    /// Only this action.
    pub action: Option<String>,
    /// Only entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this time.
    pub to: Option<DateTime<Utc>>,
    /// Most entries returned.
    pub limit: u32,
    /// Resume after this position (the previous page's `next`).
    pub after: Option<RangeCursor>,
}

impl AuditQuery {
    fn matches(&self, entry: &AuditEntry) -> bool {
        self.actor.is_none_or(|a| entry.actor == Some(a))
            && self.subject.is_none_or(|s| entry.subject == Some(s))
            && self.action.as_deref().is_none_or(|a| entry.action == a)
    }
}

/// A page of entries, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Where the next page starts; `None` when the log has no more matching entries.
    pub next: Option<RangeCursor>,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The position of the first entry that does not verify (or is missing).
    pub seq: i64,
    /// The stored entry's id, when there is one at that position.
    pub id: Option<Uuid>,
    /// What is wrong.
    pub problem: String,
}

/// The result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries checked.
    pub entries: u64,
    /// The last entry's position and hash, if any.
    pub head: Option<(i64, String)>,
    /// The first problem, if any.
    pub broken: Option<BrokenLink>,
}

/// Appends to, queries and verifies the audit chain.
#[derive(Debug, Clone)]
pub struct AuditLog {
    records: Records,
}

impl AuditLog {
    /// The log stored in `records`.
    pub fn new(records: Records) -> Self {
        Self { records }
    }

    /// Appends an entry at the head of the chain, at `at`. Concurrent appends (from other
    /// tasks or servers) race for the next position; the loser re-reads the head and
    /// tries again. With a dedupe key already recorded, nothing is appended and `None` is
    /// returned.
    pub async fn append(&self, record: AuditRecord, at: DateTime<Utc>) -> Result<Option<AuditEntry>> {
        for attempt in 0..MAX_APPEND_ATTEMPTS {
            let stored_head = self.stored_head().await?;
            let (seq, prev_hash) = match &stored_head {
                Some(head) => (head.seq + 1, head.hash.clone()),
                // A log written before heads were stored continues from its newest entry.
                None => match self.head().await? {
                    Some(head) => (head.seq + 1, head.hash),
                    None => (1, GENESIS_HASH.to_owned()),
                },
            };
            let mut entry = AuditEntry {
                id: Uuid::now_v7(),
                version: 1,
                seq,
                at,
                actor: record.actor,
                subject: record.subject,
                action: record.action.to_owned(),
                details: record.details.clone(),
                dedupe_key: record.dedupe_key.clone(),
                prev_hash,
                hash: String::new(),
            };
            entry.hash = entry.computed_hash();
            let head = AuditHead {
                id: AUDIT_HEAD_ID,
                version: stored_head.as_ref().map_or(1, |h| h.version + 1),
                seq,
                hash: entry.hash.clone(),
            };
            let mut unit = crate::ports::UnitOfWork::default();
            let staged = unit.insert(&entry).and_then(|unit| match &stored_head {
                Some(stored) => unit.update(&head, stored.version),
                None => unit.insert(&head),
            });
            staged.map_err(|e| e.about(Entity::Audit, "audit entry"))?;
            match self.records.write(&unit).await {
                Ok(()) => return Ok(Some(entry)),
                Err(StoreError::Duplicate(UniqueKey::Record { key: "dedupe", .. })) => return Ok(None),
                Err(StoreError::Duplicate(_) | StoreError::VersionConflict) => {
                    let ceiling_us = 1u64 << attempt.min(12);
                    tokio::time::sleep(std::time::Duration::from_micros(fastrand::u64(0..=ceiling_us))).await;
                }
                Err(e) => return Err(e.about(Entity::Audit, "audit entry")),
            }
        }
        Err(Error::Conflict {
            entity: Entity::Audit,
            id: "audit head".to_owned(),
        })
    }

    async fn stored_head(&self) -> Result<Option<AuditHead>> {
        self.records
            .get::<AuditHead>(AUDIT_HEAD_ID)
            .await
            .map_err(|e| e.about(Entity::Audit, "audit head"))
    }

    /// The newest entry.
    pub async fn head(&self) -> Result<Option<AuditEntry>> {
        let page = self
            .records
            .range::<AuditEntry>(Range::all("seq", 1).descending())
            .await
            .map_err(|e| e.about(Entity::Audit, "audit head"))?;
        Ok(page.items.into_iter().next())
    }

    /// Entries matching `query`, oldest first.
    pub async fn query(&self, query: &AuditQuery) -> Result<AuditPage> {
        let limit = query.limit.clamp(1, RangeQuery::MAX_LIMIT) as usize;
        let lower = query
            .from
            .map_or(Bound::Unbounded, |t| Bound::Included(IndexValue::from(t)));
        let upper = query
            .to
            .map_or(Bound::Unbounded, |t| Bound::Excluded(IndexValue::from(t)));
        let mut after = query.after.clone();
        let mut entries = Vec::new();
        let mut scanned = 0;
        loop {
            let page = self
                .records
                .range::<AuditEntry>(
                    Range::all("at", RangeQuery::MAX_LIMIT)
                        .between(lower.clone(), upper.clone())
                        .after(after.clone()),
                )
                .await
                .map_err(|e| e.about(Entity::Audit, "audit"))?;
            for entry in page.items {
                scanned += 1;
                after = Some(RangeCursor {
                    value: IndexValue::from(entry.at).encode(),
                    id: entry.id,
                });
                if query.matches(&entry) {
                    entries.push(entry);
                    if entries.len() == limit {
                        return Ok(AuditPage { entries, next: after });
                    }
                }
            }
            if page.next.is_none() {
                return Ok(AuditPage { entries, next: None });
            }
            if scanned >= QUERY_SCAN_LIMIT {
                return Ok(AuditPage { entries, next: after });
            }
        }
    }

    /// Every entry by or about the user (for their data export).
    pub async fn about_user(&self, user_id: UserId) -> Result<Vec<AuditEntry>> {
        let mut found: BTreeMap<i64, AuditEntry> = BTreeMap::new();
        for key in ["actor", "subject"] {
            let mut page = crate::ports::PageRequest::first();
            page.limit = crate::ports::PageRequest::MAX_LIMIT;
            loop {
                let listed = self
                    .records
                    .list_by::<AuditEntry>(key, user_id, page)
                    .await
                    .map_err(|e| e.about(Entity::Audit, "audit"))?;
                found.extend(listed.items.into_iter().map(|e| (e.seq, e)));
                match listed.next_after {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
        }
        Ok(found.into_values().collect())
    }

    /// Stores the current head as a checkpoint, unless the newest checkpoint already is
    /// the head. Returns the head's position.
    pub async fn checkpoint(&self, at: DateTime<Utc>) -> Result<Option<i64>> {
        let Some(head) = self.head().await? else {
            return Ok(None);
        };
        if self.latest_checkpoint().await?.is_some_and(|c| c.seq >= head.seq) {
            return Ok(Some(head.seq));
        }
        let checkpoint = AuditCheckpoint {
            id: Uuid::now_v7(),
            version: 1,
            seq: head.seq,
            hash: head.hash,
            taken_at: at,
            floor: false,
        };
        self.records
            .insert(&checkpoint, &[])
            .await
            .map_err(|e| e.about(Entity::Audit, "audit checkpoint"))?;
        Ok(Some(head.seq))
    }

    async fn latest_checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        let page = self
            .records
            .range::<AuditCheckpoint>(Range::all("seq", 1).descending())
            .await
            .map_err(|e| e.about(Entity::Audit, "audit checkpoint"))?;
        Ok(page.items.into_iter().next())
    }

    /// Walks the whole chain from its first entry: each entry must be at the next
    /// position, hash to its stored hash, and carry the previous entry's hash; every
    /// checkpoint must match the entry at its position. Reports the first problem.
    pub async fn verify(&self) -> Result<ChainReport> {
        let store = self.records.store();
        let mut report = ChainReport {
            entries: 0,
            head: None,
            broken: None,
        };
        let floor = self.floor().await?;
        let mut expected_seq = floor.as_ref().map_or(1, |f| f.seq + 1);
        let mut prev_hash = floor.map_or_else(|| GENESIS_HASH.to_owned(), |f| f.hash);
        let lower = Bound::Included(IndexValue::from(expected_seq).encode());
        let mut after = None;
        // Read before the walk: entries appended meanwhile only come after it.
        let stored_head = self.stored_head().await?;
        let checkpoints = self.checkpoints().await?;
        loop {
            let query = RangeQuery {
                kind: AuditEntry::KIND.name,
                key: "seq",
                lower: lower.clone(),
                upper: Bound::Unbounded,
                order: Order::Ascending,
                limit: VERIFY_PAGE,
                after: after.take(),
            };
            let items = store.range(&query).await.map_err(|e| e.about(Entity::Audit, "audit"))?;
            let full = items.len() == VERIFY_PAGE as usize;
            for item in items {
                let broken = |seq: i64, id: Option<Uuid>, problem: String| BrokenLink { seq, id, problem };
                let entry: AuditEntry = match serde_json::from_value(item.doc.clone()) {
                    Ok(entry) => entry,
                    Err(e) => {
                        report.broken = Some(broken(expected_seq, Some(item.id), format!("does not decode: {e}")));
                        return Ok(report);
                    }
                };
                let problem = if entry.seq > expected_seq {
                    Some(broken(
                        expected_seq,
                        None,
                        format!(
                            "entry #{expected_seq} is missing (the next stored entry is #{})",
                            entry.seq
                        ),
                    ))
                } else if entry.seq < expected_seq || entry.id != item.id {
                    Some(broken(
                        expected_seq,
                        Some(item.id),
                        "is out of place in the chain".to_owned(),
                    ))
                } else if entry.computed_hash() != entry.hash {
                    Some(broken(
                        entry.seq,
                        Some(entry.id),
                        "was altered: its content does not match its hash".to_owned(),
                    ))
                } else if entry.prev_hash != prev_hash {
                    Some(broken(
                        entry.seq,
                        Some(entry.id),
                        "does not follow the previous entry (its previous hash differs)".to_owned(),
                    ))
                } else if stored_head
                    .as_ref()
                    .is_some_and(|head| head.seq == entry.seq && head.hash != entry.hash)
                {
                    Some(broken(
                        entry.seq,
                        Some(entry.id),
                        "differs from the chain's stored head".to_owned(),
                    ))
                } else {
                    checkpoints
                        .get(&entry.seq)
                        .filter(|hash| **hash != entry.hash)
                        .map(|_| {
                            broken(
                                entry.seq,
                                Some(entry.id),
                                "differs from the checkpoint taken of it".to_owned(),
                            )
                        })
                };
                if let Some(problem) = problem {
                    report.broken = Some(problem);
                    return Ok(report);
                }
                report.entries += 1;
                expected_seq = entry.seq + 1;
                prev_hash = entry.hash.clone();
                report.head = Some((entry.seq, entry.hash));
                after = Some(RangeCursor {
                    value: item.value,
                    id: item.id,
                });
            }
            if !full {
                break;
            }
        }
        if let Some(head) = stored_head.filter(|head| head.seq >= expected_seq) {
            report.broken = Some(BrokenLink {
                seq: expected_seq,
                id: None,
                problem: format!(
                    "entries from #{expected_seq} are missing: the chain's stored head is #{}",
                    head.seq
                ),
            });
        } else if let Some((&seq, _)) = checkpoints.range(expected_seq..).next() {
            report.broken = Some(BrokenLink {
                seq: expected_seq,
                id: None,
                problem: format!("entries from #{expected_seq} are missing: a checkpoint saw the chain reach #{seq}"),
            });
        }
        Ok(report)
    }

    /// The newest retention floor, if entries were purged.
    async fn floor(&self) -> Result<Option<AuditCheckpoint>> {
        let page = self
            .records
            .range::<AuditCheckpoint>(Range::all("floor_seq", 1).descending())
            .await
            .map_err(|e| e.about(Entity::Audit, "audit floor"))?;
        Ok(page.items.into_iter().next())
    }

    /// Deletes the entries recorded before `cutoff` (the retention policy), oldest first,
    /// keeping the chain verifiable: a floor checkpoint of the last deleted entry is
    /// stored before it goes, and verification starts after it. Returns how many
    /// entries went.
    pub async fn purge_before(&self, cutoff: DateTime<Utc>, at: DateTime<Utc>) -> Result<u64> {
        let mut purged = 0;
        loop {
            let page = self
                .records
                .range::<AuditEntry>(Range::all("seq", PURGE_PAGE))
                .await
                .map_err(|e| e.about(Entity::Audit, "audit purge"))?;
            let old: Vec<AuditEntry> = page.items.into_iter().take_while(|e| e.at < cutoff).collect();
            // The head stays: it is what the next entry links to.
            let head = self.head().await?.map(|h| h.seq);
            let old: Vec<AuditEntry> = old.into_iter().filter(|e| Some(e.seq) != head).collect();
            let Some(last) = old.last() else {
                return Ok(purged);
            };
            let floor = AuditCheckpoint {
                id: Uuid::now_v7(),
                version: 1,
                seq: last.seq,
                hash: last.hash.clone(),
                taken_at: at,
                floor: true,
            };
            let mut unit = crate::ports::UnitOfWork::default();
            unit.insert(&floor).map_err(|e| e.about(Entity::Audit, "audit floor"))?;
            for entry in &old {
                unit.delete(entry);
            }
            self.records
                .write(&unit)
                .await
                .map_err(|e| e.about(Entity::Audit, "audit purge"))?;
            purged += old.len() as u64;
        }
    }

    /// Every checkpoint's hash by position.
    async fn checkpoints(&self) -> Result<BTreeMap<i64, String>> {
        let mut all = BTreeMap::new();
        let mut after = None;
        loop {
            let page = self
                .records
                .range::<AuditCheckpoint>(Range::all("seq", RangeQuery::MAX_LIMIT).after(after))
                .await
                .map_err(|e| e.about(Entity::Audit, "audit checkpoint"))?;
            all.extend(page.items.into_iter().map(|c| (c.seq, c.hash)));
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }
}
