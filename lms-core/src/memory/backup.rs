//! Backups of the in-memory store: the view is a copy of every section taken under the
//! lock, so it is a snapshot.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, OnceLock};

use async_trait::async_trait;
use serde_json::Value;

use super::{MemoryStore, State};
use crate::domain::course::Course;
use crate::domain::enrollment::Enrollment;
use crate::domain::events::DomainEvent;
use crate::domain::user::User;
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

/// Every section of the state as items in its order.
fn sections(state: &State) -> StoreResult<BTreeMap<Section, Vec<Value>>> {
    let mut out = BTreeMap::new();
    out.insert(
        Section::Users,
        state.users.values().map(encode_item).collect::<StoreResult<_>>()?,
    );
    let mut hashes: Vec<_> = state.password_hashes.iter().collect();
    hashes.sort();
    out.insert(
        Section::PasswordHashes,
        hashes
            .into_iter()
            .map(|(user_id, hash)| {
                encode_item(&PasswordHashItem {
                    user_id: *user_id,
                    hash: hash.clone(),
                })
            })
            .collect::<StoreResult<_>>()?,
    );
    out.insert(
        Section::Courses,
        state.courses.values().map(encode_item).collect::<StoreResult<_>>()?,
    );
    out.insert(
        Section::Enrollments,
        state
            .enrollments
            .values()
            .map(encode_item)
            .collect::<StoreResult<_>>()?,
    );
    let mut tokens: Vec<_> = state.refresh_tokens.values().collect();
    tokens.sort_by(|a, b| a.token_hash.cmp(&b.token_hash));
    out.insert(
        Section::RefreshTokens,
        tokens
            .into_iter()
            .map(|token| {
                encode_item(&RefreshTokenItem::new(
                    token.clone(),
                    state.revoked_at.get(&token.token_hash).copied(),
                ))
            })
            .collect::<StoreResult<_>>()?,
    );
    out.insert(
        Section::Records,
        state.records.all().map(record_item).collect::<StoreResult<_>>()?,
    );
    out.insert(
        Section::Outbox,
        state
            .outbox
            .iter()
            .map(|(sequence, event)| {
                encode_item(&OutboxItem {
                    sequence: *sequence,
                    event: encode_item(event)?,
                })
            })
            .collect::<StoreResult<_>>()?,
    );
    out.insert(
        Section::OutboxSequence,
        vec![encode_item(&OutboxSequenceItem {
            last: state.next_sequence,
        })?],
    );
    Ok(out)
}

/// A copy of every section.
struct MemoryBackup {
    sections: BTreeMap<Section, Vec<Value>>,
}

#[async_trait]
impl BackupReader for MemoryBackup {
    async fn page(&mut self, section: Section, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        let items = self.sections.get(&section).map(Vec::as_slice).unwrap_or_default();
        let start = match after {
            None => 0,
            Some(after) => {
                let mut start = items.len();
                for (i, item) in items.iter().enumerate() {
                    if section.cursor_of(item)? > *after {
                        start = i;
                        break;
                    }
                }
                start
            }
        };
        Ok(items.iter().skip(start).take(limit as usize).cloned().collect())
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
        let sections = sections(&self.state())?;
        Ok(Box::new(MemoryBackup { sections }))
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
