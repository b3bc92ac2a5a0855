//! The record store ([`RecordStore`]) over MongoDB: every declared kind in three
//! collections, whatever the kind.
//!
//! # Layout
//!
//! Every `_id` here is a string joining the parts of a key with NUL, the lowest
//! character: the byte order of such strings, which is how MongoDB compares strings under
//! the default (simple) collation, is then the order of their parts, so the `_id` index
//! alone serves uniqueness, lookups and ordered scans. The parts hold no NUL: kind and
//! key names are identifiers, and the core's value encoding escapes NUL (a part with one
//! is refused as a backend error).
//!
//! - `records`: `_id` is `kind␀id` (the id hyphenated, which keeps its byte order), so
//!   the server itself refuses a second record with the same kind and id, and a kind's
//!   records in id order are one range of `_id`s. Next to it: `kind`, `id` (a UUID
//!   binary, like every id of this adapter), `version` (int64), `owner` (a UUID binary,
//!   absent when the record has none: a sparse index on it serves `owned_by`, sorted by
//!   `_id`, which is kind then id), `doc` (the record's JSON document as BSON), and
//!   `unique` and `index`, the `_id`s of its entries, so an update or delete removes them
//!   by `_id`.
//! - `record_unique`: one document per unique value, `_id` `kind␀key␀value` and `r`
//!   (the record's `_id`). Uniqueness comes from `_id`, which every MongoDB-compatible
//!   server enforces.
//! - `record_index`: one document per lookup or ordered value, `_id`
//!   `kind␀key␀value␀id`, `v` (the value) and `r` (the record's `_id`). Records with an
//!   equal value are the range of `_id`s starting with `kind␀key␀value␀`, in id order;
//!   records with values between bounds are one range too, in `(value, id)` order either
//!   way, and a scan's `(value, id)` cursor is the `_id` it stopped at, so a page is one
//!   range with no `$or`. Every lookup, count and scan is served by an index whose prefix
//!   is `(kind, key, value)`, as the port requires.
//!
//! Reads through entries (`get_unique`, `list` by a key, `range`) are one aggregation:
//! the entries in `_id` order, limited, then `$lookup` of each one's record by `_id`.
//!
//! Why strings rather than separate fields under compound indexes: measured on
//! SecantusDB, the test server, an insert costs about 0.7 ms per document plus 1.4 ms per
//! secondary index, so the `_id` alone is the cheapest index there is. (That server also
//! scans the whole collection for ranges of `_id`, and takes time quadratic in the
//! length of an `$in` list, which is why records are joined with `$lookup`; on MongoDB
//! both are index lookups.)
//!
//! # Documents
//!
//! `doc` is converted value by value ([`json_to_bson`]), not through serde's BSON
//! serializer, so that reading it back gives an equal `serde_json::Value`: integers that
//! fit an `i64` are `Int64`, larger `u64`s `Decimal128` (a double would round them), other
//! numbers doubles (which keep every `f64` exactly, where a JSON string would need serde
//! JSON's `float_roundtrip` to); keys that MongoDB would misread are escaped. The document
//! stays a document, readable and queryable in the shell.
//!
//! # Writes
//!
//! A unit of work is one transaction ([`MongoStore::transact`]: snapshot reads, majority
//! commit, retried on transient errors) that applies its writes in order and appends its
//! events to the outbox. A failure aborts it: nothing is written.
//!
//! - Consecutive insertions are written together, one ordered `insertMany` per
//!   collection, so a unit of a thousand insertions is three writes and one read. To
//!   report the failure the port requires (the first failing write's, its id before its
//!   unique values), the read looks for ids already taken, in the database or earlier in
//!   the same run; only the insertions before the first such one are written, so a unique
//!   value the server refuses belongs to the first failing write, found by the position
//!   `insertMany` reports. An insertion alone skips the read: the server checks its `_id`
//!   first.
//! - An update reads the old entry lists of the record at the expected `version`, replaces
//!   the record on the same condition (a concurrent change fails the transaction with a
//!   write conflict), removes the old entries and inserts the new ones; a delete removes
//!   the record the same way. No match is `NotFound` or `VersionConflict`, whichever
//!   holds.
//! - Erasure of what a user owns finds the records through the `owner` index (leaving
//!   out the kinds kept) and removes them with the entries they list, in one transaction.

use std::collections::HashSet;
use std::ops::Bound;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{FutureExt, TryStreamExt};
use lms_core::ids::UserId;
use lms_core::ports::{
    KeyRole, Order, OwnedRecord, Page, PageRequest, RangeItem, RangeQuery, RecordDoc, RecordStore, RecordWrite,
    StoreError, StoreResult, StoredRecord, UniqueKey, UnitOfWork,
};
use mongodb::bson::{doc, Bson, Document};
use mongodb::error::{Error, ErrorKind};
use mongodb::{ClientSession, Collection, Cursor, Database};
use uuid::Uuid;

use crate::codec::{bson_to_json, int64, json_to_bson, uuid, uuid_from};
use crate::error::{classify, code, DUPLICATE_KEY};
use crate::schema::{RECORDS, RECORD_INDEX, RECORD_UNIQUE};
use crate::tx::{append_events, event_docs, version_miss};
use crate::MongoStore;

/// Separates the parts of an `_id`.
pub(crate) const SEP: char = '\0';
/// The character after [`SEP`]: `prefix␀` ≤ every `_id` extending `prefix` by a part <
/// `prefix\u{1}`.
const AFTER_SEP: char = '\u{1}';

/// The parts joined into an `_id`, or a backend error naming a part that holds the
/// separator.
pub(crate) fn join(parts: &[&str]) -> StoreResult<String> {
    if let Some(part) = parts.iter().find(|p| p.contains(SEP)) {
        return Err(StoreError::backend(format!("record key part {part:?} holds a NUL")));
    }
    Ok(parts.join("\0"))
}

/// `join(parts)` followed by `then`.
fn join_then(parts: &[&str], then: char) -> StoreResult<String> {
    let mut joined = join(parts)?;
    joined.push(then);
    Ok(joined)
}

/// The `_id` of a record.
pub(crate) fn record_id(kind: &str, id: Uuid) -> StoreResult<String> {
    join(&[kind, &id.hyphenated().to_string()])
}

/// The `_id` of a lookup or ordered entry.
pub(crate) fn entry_id(kind: &str, key: &str, value: &str, id: Uuid) -> StoreResult<String> {
    join(&[kind, key, value, &id.hyphenated().to_string()])
}

/// The error of a write that would give a record's id or unique value to a second one.
fn duplicate(kind: &'static str, key: &'static str) -> StoreError {
    StoreError::Duplicate(UniqueKey::Record { kind, key })
}

/// A range of string `_id`s: from `lower` (excluded when `strict`) to `upper` (excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
struct IdRange {
    lower: String,
    strict: bool,
    upper: String,
}

impl IdRange {
    /// Every `_id` starting with these parts and a separator.
    fn under(parts: &[&str]) -> StoreResult<Self> {
        Ok(Self {
            lower: join_then(parts, SEP)?,
            strict: false,
            upper: join_then(parts, AFTER_SEP)?,
        })
    }

    /// The entries of a kind's key whose value is within bounds. A value `v` starts the
    /// `_id`s from `…v␀` up to, excluded, `…v\u{1}`.
    fn values(kind: &str, key: &str, lower: &Bound<String>, upper: &Bound<String>) -> StoreResult<Self> {
        let mut range = Self::under(&[kind, key])?;
        match lower {
            Bound::Included(v) => range.lower = join_then(&[kind, key, v], SEP)?,
            Bound::Excluded(v) => range.lower = join_then(&[kind, key, v], AFTER_SEP)?,
            Bound::Unbounded => {}
        }
        match upper {
            Bound::Included(v) => range.upper = join_then(&[kind, key, v], AFTER_SEP)?,
            Bound::Excluded(v) => range.upper = join_then(&[kind, key, v], SEP)?,
            Bound::Unbounded => {}
        }
        Ok(range)
    }

    /// The entries of a kind's key with this value.
    fn value(kind: &str, key: &str, value: &str) -> StoreResult<Self> {
        let value = Bound::Included(value.to_owned());
        Self::values(kind, key, &value, &value)
    }

    /// Only the `_id`s above `id`.
    fn above(mut self, id: String) -> Self {
        if id >= self.lower {
            self.lower = id;
            self.strict = true;
        }
        self
    }

    /// Only the `_id`s below `id`.
    fn below(mut self, id: String) -> Self {
        if id < self.upper {
            self.upper = id;
        }
        self
    }

    fn filter(&self) -> Document {
        let from = if self.strict { "$gt" } else { "$gte" };
        doc! { "_id": { from: &self.lower, "$lt": &self.upper } }
    }
}

/// A record's documents, ready to be written.
#[derive(Debug)]
struct Prepared {
    kind: &'static str,
    id: Uuid,
    /// Its `records` document.
    record: Document,
    /// Its `record_unique` documents, each with its key's name.
    unique: Vec<(&'static str, Document)>,
    /// Its `record_index` documents.
    index: Vec<Document>,
}

impl Prepared {
    fn of(record: &StoredRecord) -> StoreResult<Self> {
        let (kind, id) = (record.kind, record.id);
        let record_id = record_id(kind, id)?;
        let (mut unique, mut unique_ids, mut index, mut index_ids) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for entry in &record.entries {
            match entry.role {
                KeyRole::Unique => {
                    let entry_id = join(&[kind, entry.key, &entry.value])?;
                    unique.push((entry.key, doc! { "_id": &entry_id, "r": &record_id }));
                    unique_ids.push(entry_id);
                }
                KeyRole::Lookup | KeyRole::Ordered => {
                    let entry_id = entry_id(kind, entry.key, &entry.value, id)?;
                    index.push(doc! { "_id": &entry_id, "v": &entry.value, "r": &record_id });
                    index_ids.push(entry_id);
                }
            }
        }
        let mut stored = doc! {
            "_id": record_id,
            "kind": kind,
            "id": uuid(id),
            "version": int64(record.version)?,
            "doc": json_to_bson(&record.doc)?,
            "unique": unique_ids,
            "index": index_ids,
        };
        if let Some(owner) = record.owner {
            stored.insert("owner", uuid(owner.as_uuid()));
        }
        Ok(Self {
            kind,
            id,
            record: stored,
            unique,
            index,
        })
    }
}

/// One step of a unit of work.
#[derive(Debug)]
enum Step {
    /// Consecutive insertions, written together.
    Insert(Vec<Prepared>),
    /// A versioned replacement.
    Update { record: Prepared, expected: i64 },
    /// A versioned removal of the record with this `_id`.
    Delete { id: String, expected: i64 },
}

/// The steps of a unit's writes, in order, with consecutive insertions grouped.
fn steps(writes: &[RecordWrite]) -> StoreResult<Vec<Step>> {
    let mut steps = Vec::new();
    for write in writes {
        match write {
            RecordWrite::Insert(record) => {
                let record = Prepared::of(record)?;
                match steps.last_mut() {
                    Some(Step::Insert(run)) => run.push(record),
                    _ => steps.push(Step::Insert(vec![record])),
                }
            }
            RecordWrite::Update {
                record,
                expected_version,
            } => steps.push(Step::Update {
                record: Prepared::of(record)?,
                expected: int64(*expected_version)?,
            }),
            RecordWrite::Delete {
                kind,
                id,
                expected_version,
            } => steps.push(Step::Delete {
                id: record_id(kind, *id)?,
                expected: int64(*expected_version)?,
            }),
        }
    }
    Ok(steps)
}

/// The record collections, and the database for the outbox.
#[derive(Debug, Clone)]
struct Tables {
    db: Database,
    records: Collection<Document>,
    unique: Collection<Document>,
    index: Collection<Document>,
}

impl Tables {
    /// Applies the steps then appends the events, in `session`'s transaction; stops at the
    /// first step that fails.
    async fn apply(
        &self,
        session: &mut ClientSession,
        steps: &[Step],
        events: &[Document],
    ) -> Result<StoreResult<()>, Error> {
        for step in steps {
            let outcome = match step {
                Step::Insert(run) => self.insert(session, run).await?,
                Step::Update { record, expected } => self.update(session, record, *expected).await?,
                Step::Delete { id, expected } => self.delete(session, id, *expected).await?,
            };
            if outcome.is_err() {
                return Ok(outcome);
            }
        }
        append_events(&self.db, session, events).await
    }

    /// Inserts a run of new records (see the module docs for how the failure is found).
    async fn insert(&self, session: &mut ClientSession, run: &[Prepared]) -> Result<StoreResult<()>, Error> {
        let taken = if run.len() > 1 {
            self.first_taken(session, run).await?
        } else {
            None
        };
        let free = &run[..taken.unwrap_or(run.len())];
        if let Some(at) = insert_all(&self.records, session, free.iter().map(|r| &r.record)).await? {
            return Ok(Err(duplicate(free[at].kind, "id")));
        }
        if let Err(outcome) = self.put_entries(session, free).await? {
            return Ok(Err(outcome));
        }
        Ok(match taken {
            Some(at) => Err(duplicate(run[at].kind, "id")),
            None => Ok(()),
        })
    }

    /// The position of the first record of the run whose id is taken, by a stored record
    /// or an earlier one of the run.
    async fn first_taken(&self, session: &mut ClientSession, run: &[Prepared]) -> Result<Option<usize>, Error> {
        let mut seen = HashSet::new();
        let repeated = run.iter().position(|r| !seen.insert((r.kind, r.id)));
        let ids: Vec<&Bson> = run.iter().filter_map(|r| r.record.get("_id")).collect();
        let mut cursor = self
            .records
            .find(doc! { "_id": { "$in": ids } })
            .projection(doc! { "_id": 1 })
            .session(&mut *session)
            .await?;
        let mut stored = HashSet::new();
        while let Some(found) = cursor.next(&mut *session).await.transpose()? {
            if let Some(Bson::String(id)) = found.get("_id") {
                stored.insert(id.clone());
            }
        }
        let first_stored = run
            .iter()
            .position(|r| matches!(r.record.get("_id"), Some(Bson::String(id)) if stored.contains(id)));
        Ok(repeated.into_iter().chain(first_stored).min())
    }

    /// Inserts the unique and index entries of records just written.
    async fn put_entries(&self, session: &mut ClientSession, records: &[Prepared]) -> Result<StoreResult<()>, Error> {
        let (names, docs): (Vec<_>, Vec<_>) = records
            .iter()
            .flat_map(|r| r.unique.iter().map(move |(key, doc)| ((r.kind, *key), doc)))
            .unzip();
        if let Some(at) = insert_all(&self.unique, session, docs).await? {
            let (kind, key) = names[at];
            return Ok(Err(duplicate(kind, key)));
        }
        if insert_all(&self.index, session, records.iter().flat_map(|r| &r.index))
            .await?
            .is_some()
        {
            return Ok(Err(StoreError::backend(
                "a record repeats an index entry, or its old entries were left behind",
            )));
        }
        Ok(Ok(()))
    }

    /// Removes the entries listed in a record's old document, just replaced or deleted.
    async fn remove_entries(&self, session: &mut ClientSession, old: &Document) -> Result<StoreResult<()>, Error> {
        for (list, coll) in [("unique", &self.unique), ("index", &self.index)] {
            let Ok(ids) = old.get_array(list) else {
                return Ok(Err(StoreError::backend(format!(
                    "a stored record has no `{list}` list"
                ))));
            };
            if !ids.is_empty() {
                coll.delete_many(doc! { "_id": { "$in": ids.clone() } })
                    .session(&mut *session)
                    .await?;
            }
        }
        Ok(Ok(()))
    }

    async fn update(
        &self,
        session: &mut ClientSession,
        record: &Prepared,
        expected: i64,
    ) -> Result<StoreResult<()>, Error> {
        let id = record.record.get("_id").cloned().unwrap_or(Bson::Null);
        let Some(old) = self.entries_at_version(session, &id, expected).await? else {
            return Ok(Err(version_miss(&self.records, id, Some(session)).await?));
        };
        let replaced = self
            .records
            .replace_one(doc! { "_id": &id, "version": expected }, &record.record)
            .session(&mut *session)
            .await?;
        if replaced.matched_count == 0 {
            return Ok(Err(version_miss(&self.records, id, Some(session)).await?));
        }
        if let Err(outcome) = self.remove_entries(session, &old).await? {
            return Ok(Err(outcome));
        }
        self.put_entries(session, std::slice::from_ref(record)).await
    }

    async fn delete(&self, session: &mut ClientSession, id: &str, expected: i64) -> Result<StoreResult<()>, Error> {
        let id = Bson::from(id);
        let Some(old) = self.entries_at_version(session, &id, expected).await? else {
            return Ok(Err(version_miss(&self.records, id, Some(session)).await?));
        };
        let deleted = self
            .records
            .delete_one(doc! { "_id": &id, "version": expected })
            .session(&mut *session)
            .await?;
        if deleted.deleted_count == 0 {
            return Ok(Err(version_miss(&self.records, id, Some(session)).await?));
        }
        self.remove_entries(session, &old).await
    }

    /// The entry lists of the record `id` if it is at version `expected`, read in
    /// `session`'s transaction before the record is replaced or deleted. The write that
    /// follows is conditioned on the same version, and a concurrent change makes it fail
    /// with a write conflict, so the read and the write act as one. (`findAndModify` would
    /// do both in one command, but the MongoDB-compatible test server answers it by
    /// scanning the whole collection: 0.2 s a write with 20,000 records.)
    async fn entries_at_version(
        &self,
        session: &mut ClientSession,
        id: &Bson,
        expected: i64,
    ) -> Result<Option<Document>, Error> {
        self.records
            .find_one(doc! { "_id": id, "version": expected })
            .projection(doc! { "unique": 1, "index": 1 })
            .session(&mut *session)
            .await
    }

    /// Removes the records `owner` owns whose kind is not in `keep`, with the entries
    /// each one lists, in `session`'s transaction; how many records were removed.
    async fn remove_owned(
        &self,
        session: &mut ClientSession,
        owner: &Bson,
        keep: &[String],
    ) -> Result<StoreResult<u64>, Error> {
        let mut cursor = self
            .records
            .find(doc! { "owner": owner, "kind": { "$nin": keep } })
            .projection(doc! { "_id": 1, "unique": 1, "index": 1 })
            .session(&mut *session)
            .await?;
        let (mut ids, mut unique, mut index) = (Vec::new(), Vec::new(), Vec::new());
        while let Some(found) = cursor.next(&mut *session).await.transpose()? {
            for (list, entries) in [("unique", &mut unique), ("index", &mut index)] {
                match found.get_array(list) {
                    Ok(listed) => entries.extend(listed.iter().cloned()),
                    Err(_) => {
                        return Ok(Err(StoreError::backend(format!(
                            "a stored record has no `{list}` list"
                        ))))
                    }
                }
            }
            ids.push(found.get("_id").cloned().unwrap_or(Bson::Null));
        }
        if ids.is_empty() {
            return Ok(Ok(0));
        }
        let deleted = self
            .records
            .delete_many(doc! { "_id": { "$in": ids } })
            .session(&mut *session)
            .await?;
        for (entries, coll) in [(unique, &self.unique), (index, &self.index)] {
            if !entries.is_empty() {
                coll.delete_many(doc! { "_id": { "$in": entries } })
                    .session(&mut *session)
                    .await?;
            }
        }
        Ok(Ok(deleted.deleted_count))
    }
}

/// Inserts documents in order, in `session`'s transaction; the position of the first one
/// a unique index refused, if one was.
async fn insert_all<'a>(
    coll: &Collection<Document>,
    session: &mut ClientSession,
    docs: impl IntoIterator<Item = &'a Document>,
) -> Result<Option<usize>, Error> {
    let docs: Vec<&Document> = docs.into_iter().collect();
    if docs.is_empty() {
        return Ok(None);
    }
    match coll.insert_many(docs).ordered(true).session(session).await {
        Ok(_) => Ok(None),
        Err(err) if code(&err) == Some(DUPLICATE_KEY) => Ok(Some(refused_at(&err))),
        Err(err) => Err(err),
    }
}

/// The position of the document an `insertMany` duplicate key error names (the first, if
/// the server named none).
fn refused_at(err: &Error) -> usize {
    match err.kind.as_ref() {
        ErrorKind::InsertMany(failure) => failure
            .write_errors
            .as_ref()
            .and_then(|errors| errors.iter().find(|e| e.code == DUPLICATE_KEY))
            .map_or(0, |e| e.index),
        _ => 0,
    }
}

/// The fields a read returns.
fn read_projection() -> Document {
    doc! { "_id": 0, "kind": 1, "id": 1, "doc": 1 }
}

/// Every document of a cursor.
async fn all(cursor: Result<Cursor<Document>, Error>) -> StoreResult<Vec<Document>> {
    cursor.map_err(classify)?.try_collect().await.map_err(classify)
}

pub(crate) fn field<'d>(stored: &'d Document, name: &str) -> StoreResult<&'d Bson> {
    stored
        .get(name)
        .ok_or_else(|| StoreError::backend(format!("stored record has no `{name}`")))
}

/// The id and document of a stored record.
fn record_doc(mut stored: Document) -> StoreResult<RecordDoc> {
    let id = uuid_from(field(&stored, "id")?)?;
    let doc = bson_to_json(stored.remove("doc").unwrap_or(Bson::Null))?;
    Ok(RecordDoc { id, doc })
}

impl MongoStore {
    /// `ErasureStore::delete_owned_records`: the records and their entries in one
    /// transaction, so a crash or a racing write never leaves entries without their record
    /// (which would keep a unique value taken) or a record without its entries.
    pub(crate) async fn delete_owned_records(&self, owner: UserId, keep: &[&str]) -> StoreResult<u64> {
        let owner = uuid(owner.as_uuid());
        let keep: Arc<Vec<String>> = Arc::new(keep.iter().map(|kind| (*kind).to_owned()).collect());
        let tables = self.tables();
        self.transact(move |session| {
            let (tables, owner, keep) = (tables.clone(), owner.clone(), keep.clone());
            async move { tables.remove_owned(session, &owner, &keep).await }.boxed()
        })
        .await
    }

    fn tables(&self) -> Tables {
        Tables {
            db: self.db.clone(),
            records: self.db.collection(RECORDS),
            unique: self.db.collection(RECORD_UNIQUE),
            index: self.db.collection(RECORD_INDEX),
        }
    }

    /// The entries of `coll` (`record_index` or `record_unique`) that `filter` selects, in
    /// `_id` order (`direction` 1 or -1), up to `limit`, each with its value (`v`, if the
    /// entry has one) and its record: one aggregation joining each entry to its record
    /// by `_id`. An entry without a record (which a consistent store never holds) is left
    /// out.
    async fn joined(
        &self,
        coll: &Collection<Document>,
        filter: Document,
        direction: i32,
        limit: i64,
    ) -> StoreResult<Vec<(Option<String>, RecordDoc)>> {
        let pipeline = [
            doc! { "$match": filter },
            doc! { "$sort": { "_id": direction } },
            doc! { "$limit": limit },
            doc! { "$lookup": { "from": RECORDS, "localField": "r", "foreignField": "_id", "as": "record" } },
            doc! { "$project": { "_id": 0, "v": 1, "record.id": 1, "record.doc": 1 } },
        ];
        let found = all(coll.aggregate(pipeline).await).await?;
        let mut joined = Vec::with_capacity(found.len());
        for mut entry in found {
            let value = match entry.remove("v") {
                Some(Bson::String(value)) => Some(value),
                None => None,
                Some(other) => return Err(StoreError::backend(format!("index value is not a string: {other}"))),
            };
            let record = match entry.remove("record") {
                Some(Bson::Array(records)) => records.into_iter().next(),
                _ => None,
            };
            match record {
                Some(Bson::Document(record)) => joined.push((value, record_doc(record)?)),
                Some(other) => return Err(StoreError::backend(format!("joined record is not a document: {other}"))),
                None => {}
            }
        }
        Ok(joined)
    }
}

#[async_trait]
impl RecordStore for MongoStore {
    async fn write(&self, unit: &UnitOfWork) -> StoreResult<()> {
        if unit.is_empty() {
            return Ok(());
        }
        let steps = Arc::new(steps(&unit.writes)?);
        let events = Arc::new(event_docs(&unit.events)?);
        let tables = self.tables();
        self.transact(move |session| {
            let (tables, steps, events) = (tables.clone(), steps.clone(), events.clone());
            async move { tables.apply(session, &steps, &events).await }.boxed()
        })
        .await
    }

    async fn get(&self, kind: &'static str, id: Uuid) -> StoreResult<Option<RecordDoc>> {
        let found = self
            .tables()
            .records
            .find_one(doc! { "_id": record_id(kind, id)? })
            .projection(read_projection())
            .await
            .map_err(classify)?;
        found.map(record_doc).transpose()
    }

    async fn get_unique(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<Option<RecordDoc>> {
        let filter = doc! { "_id": join(&[kind, key, value])? };
        let found = self.joined(&self.tables().unique, filter, 1, 1).await?;
        Ok(found.into_iter().next().map(|(_, record)| record))
    }

    async fn list(
        &self,
        kind: &'static str,
        by: Option<(&'static str, &str)>,
        page: PageRequest,
    ) -> StoreResult<Page<RecordDoc>> {
        let limit = i64::from(page.limit) + 1;
        let items = match by {
            None => {
                let mut range = IdRange::under(&[kind])?;
                if let Some(after) = page.after {
                    range = range.above(record_id(kind, after)?);
                }
                let found = all(self
                    .tables()
                    .records
                    .find(range.filter())
                    .sort(doc! { "_id": 1 })
                    .limit(limit)
                    .projection(read_projection())
                    .await)
                .await?;
                found.into_iter().map(record_doc).collect::<StoreResult<Vec<_>>>()?
            }
            Some((key, value)) => {
                let mut range = IdRange::value(kind, key, value)?;
                if let Some(after) = page.after {
                    range = range.above(entry_id(kind, key, value, after)?);
                }
                let found = self.joined(&self.tables().index, range.filter(), 1, limit).await?;
                found.into_iter().map(|(_, record)| record).collect()
            }
        };
        Ok(Page::from_overfetch(items, page.limit, |r| r.id))
    }

    async fn range(&self, query: &RangeQuery) -> StoreResult<Vec<RangeItem>> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let mut range = IdRange::values(query.kind, query.key, &query.lower, &query.upper)?;
        let direction = match query.order {
            Order::Ascending => 1,
            Order::Descending => -1,
        };
        if let Some(after) = &query.after {
            let at = entry_id(query.kind, query.key, &after.value, after.id)?;
            range = match query.order {
                Order::Ascending => range.above(at),
                Order::Descending => range.below(at),
            };
        }
        let found = self
            .joined(&self.tables().index, range.filter(), direction, i64::from(query.limit))
            .await?;
        found
            .into_iter()
            .map(|(value, record)| {
                let value = value.ok_or_else(|| StoreError::backend("an index entry has no value"))?;
                Ok(RangeItem {
                    value,
                    id: record.id,
                    doc: record.doc,
                })
            })
            .collect()
    }

    async fn count(&self, kind: &'static str, key: &'static str, value: &str) -> StoreResult<u64> {
        self.tables()
            .index
            .count_documents(IdRange::value(kind, key, value)?.filter())
            .await
            .map_err(classify)
    }

    async fn owned_by(&self, owner: UserId) -> StoreResult<Vec<OwnedRecord>> {
        let found = all(self
            .tables()
            .records
            .find(doc! { "owner": uuid(owner.as_uuid()) })
            .sort(doc! { "_id": 1 })
            .projection(read_projection())
            .await)
        .await?;
        found
            .into_iter()
            .map(|stored| {
                let kind = match field(&stored, "kind")? {
                    Bson::String(kind) => kind.clone(),
                    other => return Err(StoreError::backend(format!("record kind is not a string: {other}"))),
                };
                let RecordDoc { id, doc } = record_doc(stored)?;
                Ok(OwnedRecord { kind, id, doc })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::ops::RangeBounds;

    use super::*;

    fn ids_in(range: &IdRange, ids: &[String]) -> Vec<String> {
        ids.iter()
            .filter(|id| {
                let above = if range.strict {
                    **id > range.lower
                } else {
                    **id >= range.lower
                };
                above && **id < range.upper
            })
            .cloned()
            .collect()
    }

    #[test]
    fn value_ranges_select_exactly_the_values_within_bounds() {
        let values = ["", "a", "a\u{1}", "a%00", "ab", "b", "\u{10ffff}"];
        let (low, high) = (Uuid::nil(), Uuid::max());
        let mut ids: Vec<String> = Vec::new();
        for value in values {
            for id in [low, high] {
                ids.push(entry_id("kind", "key", value, id).unwrap());
            }
        }
        ids.push(entry_id("kind", "key2", "a", low).unwrap());
        ids.push(entry_id("kind2", "key", "a", low).unwrap());
        ids.push(entry_id("kin", "d\u{1}key", "a", low).unwrap());
        let expect = |lower: Bound<&str>, upper: Bound<&str>| -> Vec<String> {
            values
                .iter()
                .filter(|v| RangeBounds::<str>::contains(&(lower, upper), **v))
                .flat_map(|v| [low, high].map(|id| entry_id("kind", "key", v, id).unwrap()))
                .collect()
        };
        let owned = |b: Bound<&str>| b.map(str::to_owned);
        use Bound::{Excluded, Included, Unbounded};
        let bounds = [Included("a"), Excluded("a"), Included("ab"), Excluded(""), Unbounded];
        for lower in bounds {
            for upper in bounds {
                let range = IdRange::values("kind", "key", &owned(lower), &owned(upper)).unwrap();
                assert_eq!(ids_in(&range, &ids), expect(lower, upper), "{lower:?}..{upper:?}");
            }
        }
    }

    #[test]
    fn cursors_narrow_ranges_to_the_entries_past_them() {
        let at = entry_id("kind", "key", "a", Uuid::nil()).unwrap();
        let range = IdRange::value("kind", "key", "a").unwrap();
        let after = range.clone().above(at.clone());
        assert!(after.strict && after.lower == at);
        let before = range.clone().below(at.clone());
        assert_eq!(before.upper, at);
        let outside = entry_id("kind", "key", "0", Uuid::nil()).unwrap();
        assert_eq!(
            range.clone().above(outside.clone()),
            range,
            "a cursor below the range leaves it"
        );
        assert_eq!(
            range.clone().below(entry_id("kind", "key", "b", Uuid::nil()).unwrap()),
            range
        );
    }

    #[test]
    fn key_parts_with_the_separator_are_refused() {
        assert!(matches!(join(&["kind", "a\0b"]), Err(StoreError::Backend(_))));
        assert!(IdRange::value("kind", "key", "a\0").is_err());
    }
}
