//! The record store in memory: records by kind and id, with ordered sets standing in for
//! the unique and index tables of the SQL adapters.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use async_trait::async_trait;
use uuid::Uuid;

use super::{check_version, MemoryStore};
use crate::ids::UserId;
use crate::ports::{
    IndexEntry, KeyRole, Order, OwnedRecord, Page, PageRequest, RangeItem, RangeQuery, RecordDoc, RecordStore,
    RecordWrite, StoreError, StoreResult, StoredRecord, UniqueKey, UnitOfWork,
};

type Kind = &'static str;
type Key = &'static str;

/// Every record and its indexes.
#[derive(Debug, Default)]
pub(super) struct RecordTables {
    records: BTreeMap<(Kind, Uuid), StoredRecord>,
    unique: HashMap<(Kind, Key, String), Uuid>,
    /// Lookup and ordered values of each kind's key, in `(value, id)` order, as the SQL
    /// index on `(kind, key, value, id)`.
    index: HashMap<(Kind, Key), BTreeSet<(String, Uuid)>>,
    owners: BTreeSet<(UserId, Kind, Uuid)>,
}

/// How to undo one applied write.
enum Undo {
    Remove(Kind, Uuid),
    Restore(Box<StoredRecord>),
    RemoveThenRestore(Kind, Uuid, Box<StoredRecord>),
}

impl RecordTables {
    /// Stores a record that is not stored, unless one of its unique values is taken.
    fn put(&mut self, record: StoredRecord) -> StoreResult<()> {
        for entry in record.entries.iter().filter(|e| e.role == KeyRole::Unique) {
            if self.unique.contains_key(&(record.kind, entry.key, entry.value.clone())) {
                return Err(StoreError::Duplicate(UniqueKey::Record {
                    kind: record.kind,
                    key: entry.key,
                }));
            }
        }
        for IndexEntry { key, role, value } in &record.entries {
            match role {
                KeyRole::Unique => {
                    self.unique.insert((record.kind, key, value.clone()), record.id);
                }
                KeyRole::Lookup | KeyRole::Ordered => {
                    self.index
                        .entry((record.kind, key))
                        .or_default()
                        .insert((value.clone(), record.id));
                }
            }
        }
        if let Some(owner) = record.owner {
            self.owners.insert((owner, record.kind, record.id));
        }
        self.records.insert((record.kind, record.id), record);
        Ok(())
    }

    /// Removes a record and its index entries.
    fn remove(&mut self, kind: Kind, id: Uuid) -> Option<StoredRecord> {
        let record = self.records.remove(&(kind, id))?;
        for IndexEntry { key, role, value } in &record.entries {
            match role {
                KeyRole::Unique => {
                    self.unique.remove(&(kind, *key, value.clone()));
                }
                KeyRole::Lookup | KeyRole::Ordered => {
                    if let Some(values) = self.index.get_mut(&(kind, *key)) {
                        values.remove(&(value.clone(), id));
                    }
                }
            }
        }
        if let Some(owner) = record.owner {
            self.owners.remove(&(owner, kind, id));
        }
        Some(record)
    }

    /// Removes every record of `owner` whose kind is not in `keep`; returns how many.
    pub(super) fn remove_owned(&mut self, owner: UserId, keep: &[&str]) -> u64 {
        let doomed: Vec<(Kind, Uuid)> = self
            .owners
            .range((owner, "", Uuid::nil())..)
            .take_while(|(o, _, _)| *o == owner)
            .filter(|(_, kind, _)| !keep.contains(kind))
            .map(|(_, kind, id)| (*kind, *id))
            .collect();
        doomed
            .into_iter()
            .filter(|(kind, id)| self.remove(kind, *id).is_some())
            .count() as u64
    }

    /// Every stored record, one per line.
    pub(super) fn dump(&self, out: &mut String) {
        for ((kind, id), record) in &self.records {
            out.push_str(&format!("records {kind} {id} {:?} {}\n", record.owner, record.doc));
        }
    }

    /// Every stored record, by kind then id.
    pub(super) fn all(&self) -> impl Iterator<Item = &StoredRecord> {
        self.records.values()
    }

    /// Stores a restored record: a record with its kind and id, or one of its unique
    /// values, stored already is a duplicate.
    pub(super) fn restore(&mut self, record: StoredRecord) -> StoreResult<()> {
        if self.records.contains_key(&(record.kind, record.id)) {
            return Err(StoreError::Duplicate(UniqueKey::Record {
                kind: record.kind,
                key: "id",
            }));
        }
        self.put(record)
    }

    fn version(&self, kind: Kind, id: Uuid) -> Option<u64> {
        self.records.get(&(kind, id)).map(|r| r.version)
    }

    /// Applies one write, returning how to undo it.
    fn apply(&mut self, write: &RecordWrite) -> StoreResult<Undo> {
        match write {
            RecordWrite::Insert(record) => {
                if self.records.contains_key(&(record.kind, record.id)) {
                    return Err(StoreError::Duplicate(UniqueKey::Record {
                        kind: record.kind,
                        key: "id",
                    }));
                }
                self.put(record.clone())?;
                Ok(Undo::Remove(record.kind, record.id))
            }
            RecordWrite::Update {
                record,
                expected_version,
            } => {
                check_version(self.version(record.kind, record.id), *expected_version)?;
                let old = self.remove(record.kind, record.id).expect("checked above");
                if let Err(err) = self.put(record.clone()) {
                    self.put(old).expect("the old record's unique values were just freed");
                    return Err(err);
                }
                Ok(Undo::RemoveThenRestore(record.kind, record.id, Box::new(old)))
            }
            RecordWrite::Delete {
                kind,
                id,
                expected_version,
            } => {
                check_version(self.version(kind, *id), *expected_version)?;
                let old = self.remove(kind, *id).expect("checked above");
                Ok(Undo::Restore(Box::new(old)))
            }
        }
    }

    fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Remove(kind, id) => {
                self.remove(kind, id);
            }
            Undo::Restore(old) => {
                let _ = self.put(*old);
            }
            Undo::RemoveThenRestore(kind, id, old) => {
                self.remove(kind, id);
                let _ = self.put(*old);
            }
        }
    }

    /// Applies every write or, undoing those applied, none.
    fn apply_all(&mut self, writes: &[RecordWrite]) -> StoreResult<()> {
        let mut applied = Vec::with_capacity(writes.len());
        for write in writes {
            match self.apply(write) {
                Ok(undo) => applied.push(undo),
                Err(err) => {
                    for undo in applied.into_iter().rev() {
                        self.undo(undo);
                    }
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    fn doc(&self, kind: Kind, id: Uuid) -> Option<RecordDoc> {
        self.records
            .get(&(kind, id))
            .map(|r| RecordDoc { id, doc: r.doc.clone() })
    }

    fn range(&self, query: &RangeQuery) -> Vec<RangeItem> {
        let Some(values) = self.index.get(&(query.kind, query.key)) else {
            return Vec::new();
        };
        // The id extremes make value bounds exact on `(value, id)` entries.
        let lower = match &query.lower {
            Bound::Included(v) => Bound::Included((v.clone(), Uuid::nil())),
            Bound::Excluded(v) => Bound::Excluded((v.clone(), Uuid::max())),
            Bound::Unbounded => Bound::Unbounded,
        };
        let upper = match &query.upper {
            Bound::Included(v) => Bound::Included((v.clone(), Uuid::max())),
            Bound::Excluded(v) => Bound::Excluded((v.clone(), Uuid::nil())),
            Bound::Unbounded => Bound::Unbounded,
        };
        if matches!((&lower, &upper), (Bound::Included(l) | Bound::Excluded(l), Bound::Included(u) | Bound::Excluded(u)) if l > u)
        {
            return Vec::new();
        }
        let entries = values.range((lower, upper));
        let after = query.after.as_ref().map(|c| (c.value.clone(), c.id));
        let past_cursor = |entry: &&(String, Uuid)| match (&after, query.order) {
            (None, _) => true,
            (Some(after), Order::Ascending) => *entry > after,
            (Some(after), Order::Descending) => *entry < after,
        };
        let in_order: Box<dyn Iterator<Item = &(String, Uuid)>> = match query.order {
            Order::Ascending => Box::new(entries.filter(past_cursor)),
            Order::Descending => Box::new(entries.rev().filter(past_cursor)),
        };
        in_order
            .take(query.limit as usize)
            .filter_map(|(value, id)| {
                self.records.get(&(query.kind, *id)).map(|r| RangeItem {
                    value: value.clone(),
                    id: *id,
                    doc: r.doc.clone(),
                })
            })
            .collect()
    }

    /// The ids of the kind's records with this lookup or ordered value, after `after`.
    fn ids_with<'a>(
        &'a self,
        kind: Kind,
        key: Key,
        value: &str,
        after: Option<Uuid>,
    ) -> impl Iterator<Item = Uuid> + 'a {
        let lower = match after {
            Some(id) => Bound::Excluded((value.to_owned(), id)),
            None => Bound::Included((value.to_owned(), Uuid::nil())),
        };
        let upper = Bound::Included((value.to_owned(), Uuid::max()));
        self.index
            .get(&(kind, key))
            .into_iter()
            .flat_map(move |values| values.range((lower.clone(), upper.clone())))
            .map(|(_, id)| *id)
    }
}

#[async_trait]
impl RecordStore for MemoryStore {
    async fn write(&self, unit: &UnitOfWork) -> StoreResult<()> {
        let mut state = self.state();
        state.records.apply_all(&unit.writes)?;
        state.append(&unit.events);
        Ok(())
    }

    async fn get(&self, kind: &'static str, id: Uuid) -> StoreResult<Option<RecordDoc>> {
        Ok(self.state().records.doc(kind, id))
    }

    async fn get_unique(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<Option<RecordDoc>> {
        let state = self.state();
        let tables = &state.records;
        Ok(tables
            .unique
            .get(&(kind, key, value.to_owned()))
            .and_then(|id| tables.doc(kind, *id)))
    }

    async fn list(
        &self,
        kind: &'static str,
        by: Option<(&'static str, &str)>,
        page: PageRequest,
    ) -> StoreResult<Page<RecordDoc>> {
        let state = self.state();
        let tables = &state.records;
        let wanted = page.limit as usize + 1;
        let items: Vec<RecordDoc> = match by {
            None => {
                let lower = match page.after {
                    Some(id) => Bound::Excluded((kind, id)),
                    None => Bound::Included((kind, Uuid::nil())),
                };
                tables
                    .records
                    .range((lower, Bound::Included((kind, Uuid::max()))))
                    .take(wanted)
                    .map(|((_, id), r)| RecordDoc {
                        id: *id,
                        doc: r.doc.clone(),
                    })
                    .collect()
            }
            Some((key, value)) => tables
                .ids_with(kind, key, value, page.after)
                .take(wanted)
                .filter_map(|id| tables.doc(kind, id))
                .collect(),
        };
        Ok(Page::from_overfetch(items, page.limit, |r| r.id))
    }

    async fn range(&self, query: &RangeQuery) -> StoreResult<Vec<RangeItem>> {
        Ok(self.state().records.range(query))
    }

    async fn count(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<u64> {
        let state = self.state();
        let count = state.records.ids_with(kind, key, value, None).count();
        Ok(count as u64)
    }

    async fn owned_by(&self, owner: UserId) -> StoreResult<Vec<OwnedRecord>> {
        let state = self.state();
        let tables = &state.records;
        Ok(tables
            .owners
            .range((owner, "", Uuid::nil())..)
            .take_while(|(o, _, _)| *o == owner)
            .filter_map(|(_, kind, id)| {
                tables.records.get(&(*kind, *id)).map(|r| OwnedRecord {
                    kind: kind.to_string(),
                    id: *id,
                    doc: r.doc.clone(),
                })
            })
            .collect())
    }
}
