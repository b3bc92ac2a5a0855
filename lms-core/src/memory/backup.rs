//! Backups of the in-memory store: the view is a copy of every section taken under the
//! lock, so it is a snapshot.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use async_trait::async_trait;
use serde_json::Value;

use super::{MemoryStore, State};
use crate::domain::course::Course;
use crate::domain::enrollment::Enrollment;
use crate::domain::events::DomainEvent;
use crate::domain::user::User;
use crate::ids::UserId;
use crate::ports::{
    decode_item, encode_item, BackupCursor, BackupReader, BackupStore, EntryItem, IndexEntry, KeyRole, OutboxItem,
    OutboxSequenceItem, PasswordHashItem, RecordItem, RefreshTokenItem, Section, StoreError, StoreResult, StoredRecord,
    UniqueKey,
};

/// A name restored records use as their kind or key, as the `'static` string the record
/// tables hold: each distinct name is allocated once for the life of the process.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// A stored record as a backup item.
fn record_item(record: &StoredRecord) -> StoreResult<Value> {
    let entries = |unique: bool| {
        let mut entries: Vec<EntryItem> = record
            .entries
            .iter()
            .filter(|e| (e.role == KeyRole::Unique) == unique)
            .map(|e| EntryItem {
                key: e.key.to_owned(),
                value: e.value.clone(),
            })
            .collect();
        entries.sort();
        entries
    };
    encode_item(&RecordItem {
        kind: record.kind.to_owned(),
        id: record.id,
        version: record.version,
        owner: record.owner,
        doc: record.doc.clone(),
        unique: entries(true),
        index: entries(false),
    })
}

/// A copy of the state taken under the lock, each section in its cursor order, so a
/// page starts where a binary search puts its cursor. Items stay typed until their page
/// is read: a copy of every item as JSON at once would take several times the memory of
/// the store itself.
struct MemoryBackup {
    users: Vec<User>,
    password_hashes: Vec<(UserId, String)>,
    courses: Vec<Course>,
    enrollments: Vec<Enrollment>,
    refresh_tokens: Vec<RefreshTokenItem>,
    records: Vec<StoredRecord>,
    outbox: Vec<(u64, DomainEvent)>,
    last_sequence: u64,
}

impl MemoryBackup {
    fn of(state: &State) -> Self {
        let mut password_hashes: Vec<_> = state.password_hashes.iter().map(|(u, h)| (*u, h.clone())).collect();
        password_hashes.sort();
        let mut refresh_tokens: Vec<_> = state
            .refresh_tokens
            .values()
            .map(|token| RefreshTokenItem::new(token.clone(), state.revoked_at.get(&token.token_hash).copied()))
            .collect();
        refresh_tokens.sort_by(|a, b| a.token.token_hash.cmp(&b.token.token_hash));
        Self {
            users: state.users.values().cloned().collect(),
            password_hashes,
            courses: state.courses.values().cloned().collect(),
            enrollments: state.enrollments.values().cloned().collect(),
            refresh_tokens,
            records: state.records.all().cloned().collect(),
            outbox: state.outbox.iter().map(|(s, e)| (*s, e.clone())).collect(),
            last_sequence: state.next_sequence,
        }
    }
}

/// Up to `limit` of `items` (in `cursor` order) after `after`, encoded.
fn page_of<T>(
    items: &[T],
    after: Option<&BackupCursor>,
    limit: u32,
    cursor: impl Fn(&T) -> BackupCursor,
    encode: impl Fn(&T) -> StoreResult<Value>,
) -> StoreResult<Vec<Value>> {
    let start = after.map_or(0, |after| items.partition_point(|item| cursor(item) <= *after));
    items[start..].iter().take(limit as usize).map(encode).collect()
}

#[async_trait]
impl BackupReader for MemoryBackup {
    async fn page(&mut self, section: Section, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        match section {
            Section::Users => page_of(
                &self.users,
                after,
                limit,
                |u| BackupCursor::Id(u.id.into()),
                encode_item,
            ),
            Section::PasswordHashes => page_of(
                &self.password_hashes,
                after,
                limit,
                |(user_id, _)| BackupCursor::Id((*user_id).into()),
                |(user_id, hash)| {
                    encode_item(&PasswordHashItem {
                        user_id: *user_id,
                        hash: hash.clone(),
                    })
                },
            ),
            Section::Courses => page_of(
                &self.courses,
                after,
                limit,
                |c| BackupCursor::Id(c.id.into()),
                encode_item,
            ),
            Section::Enrollments => page_of(
                &self.enrollments,
                after,
                limit,
                |e| BackupCursor::Id(e.id().into()),
                encode_item,
            ),
            Section::RefreshTokens => page_of(
                &self.refresh_tokens,
                after,
                limit,
                |t| BackupCursor::Text(t.token.token_hash.clone()),
                encode_item,
            ),
            Section::Records => page_of(
                &self.records,
                after,
                limit,
                |r| BackupCursor::Record(r.kind.to_owned(), r.id),
                record_item,
            ),
            Section::Outbox => page_of(
                &self.outbox,
                after,
                limit,
                |(sequence, _)| BackupCursor::Sequence(*sequence),
                |(sequence, event)| {
                    encode_item(&OutboxItem {
                        sequence: *sequence,
                        event: encode_item(event)?,
                    })
                },
            ),
            Section::OutboxSequence => page_of(
                &[self.last_sequence],
                after,
                limit,
                |_| BackupCursor::Sequence(u64::MAX),
                |last| encode_item(&OutboxSequenceItem { last: *last }),
            ),
        }
    }

    async fn finish(self: Box<Self>) -> StoreResult<()> {
        Ok(())
    }
}

impl MemoryStore {
    /// Stores one restored item into the state.
    fn restore_item(state: &mut State, section: Section, item: &Value) -> StoreResult<()> {
        match section {
            Section::Users => {
                let user: User = decode_item(section, item)?;
                if state.users.contains_key(&user.id) {
                    return Err(StoreError::Duplicate(UniqueKey::Id));
                }
                if state.user_by_email.contains_key(user.email.as_str()) {
                    return Err(StoreError::Duplicate(UniqueKey::UserEmail));
                }
                state.user_by_email.insert(user.email.as_str().to_owned(), user.id);
                state.users.insert(user.id, user);
            }
            Section::PasswordHashes => {
                let item: PasswordHashItem = decode_item(section, item)?;
                state.password_hashes.insert(item.user_id, item.hash);
            }
            Section::Courses => {
                let course: Course = decode_item(section, item)?;
                if state.courses.contains_key(&course.id) {
                    return Err(StoreError::Duplicate(UniqueKey::Id));
                }
                for lesson in &course.lessons {
                    state.course_by_lesson.insert(lesson.id, course.id);
                }
                state.courses.insert(course.id, course);
            }
            Section::Enrollments => {
                state.add_enrollment(decode_item::<Enrollment>(section, item)?)?;
            }
            Section::RefreshTokens => {
                let item: RefreshTokenItem = decode_item(section, item)?;
                if state.refresh_tokens.contains_key(&item.token.token_hash) {
                    return Err(StoreError::Duplicate(UniqueKey::Id));
                }
                if let Some(at) = item.revoked_at {
                    state.revocations.insert((at, item.token.family_id));
                    state.revoked_at.insert(item.token.token_hash.clone(), at);
                }
                state.refresh_tokens.insert(item.token.token_hash.clone(), item.token);
            }
            Section::Records => {
                let item: RecordItem = decode_item(section, item)?;
                let entry = |role: KeyRole| {
                    move |e: EntryItem| IndexEntry {
                        key: intern(&e.key),
                        role,
                        value: e.value,
                    }
                };
                let mut entries: Vec<IndexEntry> = item.unique.into_iter().map(entry(KeyRole::Unique)).collect();
                entries.extend(item.index.into_iter().map(entry(KeyRole::Lookup)));
                state.records.restore(StoredRecord {
                    kind: intern(&item.kind),
                    id: item.id,
                    version: item.version,
                    owner: item.owner,
                    doc: item.doc,
                    entries,
                })?;
            }
            Section::Outbox => {
                let item: OutboxItem = decode_item(section, item)?;
                let event: DomainEvent = decode_item(section, &item.event)?;
                if state.outbox.contains_key(&item.sequence) {
                    return Err(StoreError::Duplicate(UniqueKey::Id));
                }
                state.outbox.insert(item.sequence, event);
                state.next_sequence = state.next_sequence.max(item.sequence);
            }
            Section::OutboxSequence => {
                let item: OutboxSequenceItem = decode_item(section, item)?;
                state.next_sequence = state.next_sequence.max(item.last);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl BackupStore for MemoryStore {
    async fn begin_backup(&self) -> StoreResult<Box<dyn BackupReader>> {
        Ok(Box::new(MemoryBackup::of(&self.state())))
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let state = self.state();
        Ok(state.users.is_empty()
            && state.courses.is_empty()
            && state.enrollments.is_empty()
            && state.outbox.is_empty()
            && state.password_hashes.is_empty()
            && state.refresh_tokens.is_empty()
            && state.records.all().next().is_none())
    }

    /// Item by item: the items before one that fails stay stored.
    async fn restore(&self, section: Section, items: &[Value]) -> StoreResult<()> {
        let mut state = self.state();
        items
            .iter()
            .try_for_each(|item| Self::restore_item(&mut state, section, item))
    }
}
