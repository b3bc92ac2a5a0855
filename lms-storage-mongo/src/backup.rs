//! Backups over MongoDB ([`BackupStore`]): every section read in one snapshot session
//! (reads at one cluster time, within the server's snapshot history window,
//! `minSnapshotHistoryWindowInSeconds`, 300 s by default), and restored documents
//! inserted as they are, in order, outside transactions (a transaction's size and
//! lifetime limits would cap a section's size).

use async_trait::async_trait;
use futures::TryStreamExt;
use lms_core::domain::course::Course;
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::user::User;
use lms_core::ids::UserId;
use lms_core::ports::{
    decode_item, encode_item, BackupCursor, BackupReader, BackupStore, EntryItem, OutboxItem, OutboxSequenceItem,
    PasswordHashItem, RecordItem, RefreshTokenItem, Section, StoreError, StoreResult,
};
use mongodb::bson::{doc, Bson, Document};
use mongodb::error::Error;
use mongodb::{ClientSession, Collection, Database};
use serde_json::Value;

use crate::codec::{bson_to_json, from_micros, int64, json_to_bson, micros, uint64, uuid, uuid_from};
use crate::error::{classify, code, DUPLICATE_KEY};
use crate::records::{entry_id, field, join, record_id, SEP};
use crate::schema::{
    COUNTERS, COURSES, ENROLLMENTS, OUTBOX, PASSWORD_HASHES, RECORDS, RECORD_INDEX, RECORD_UNIQUE, REFRESH_TOKENS,
    USERS,
};
use crate::stores::{course_doc, enrollment_doc, token_doc, token_from, user_doc, DOC};
use crate::tx::{event_docs, OUTBOX_COUNTER};
use crate::MongoStore;

/// Every collection that holds data: a database where all are empty holds nothing.
const DATA: [&str; 9] = [
    USERS,
    PASSWORD_HASHES,
    COURSES,
    ENROLLMENTS,
    REFRESH_TOKENS,
    RECORDS,
    RECORD_UNIQUE,
    RECORD_INDEX,
    OUTBOX,
];

/// A duplicate key error as the store reports it; any other error classified.
fn insert_error(err: Error) -> StoreError {
    if code(&err) == Some(DUPLICATE_KEY) {
        StoreError::backend(format!("the restored data clashes with stored data: {err}"))
    } else {
        classify(err)
    }
}

/// The entries an entry `_id` list names: the key and value parts of each.
fn entries(stored: &Document, list: &str) -> StoreResult<Vec<EntryItem>> {
    let ids = match stored.get(list) {
        Some(Bson::Array(ids)) => ids,
        _ => return Ok(Vec::new()),
    };
    let mut entries = ids
        .iter()
        .map(|id| {
            let Bson::String(id) = id else {
                return Err(StoreError::backend(format!("a record entry id is not text: {id}")));
            };
            let mut parts = id.split(SEP).skip(1);
            match (parts.next(), parts.next()) {
                (Some(key), Some(value)) => Ok(EntryItem {
                    key: key.to_owned(),
                    value: value.to_owned(),
                }),
                _ => Err(StoreError::backend(format!("malformed record entry id {id:?}"))),
            }
        })
        .collect::<StoreResult<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

/// A stored record as a backup item.
fn record_item(mut stored: Document) -> StoreResult<Value> {
    let kind = match field(&stored, "kind")? {
        Bson::String(kind) => kind.clone(),
        other => return Err(StoreError::backend(format!("a record's kind is not text: {other}"))),
    };
    let item = RecordItem {
        id: uuid_from(field(&stored, "id")?)?,
        version: uint64(field(&stored, "version")?)?,
        owner: stored.get("owner").map(uuid_from).transpose()?.map(UserId::from_uuid),
        unique: entries(&stored, "unique")?,
        index: entries(&stored, "index")?,
        doc: bson_to_json(stored.remove(DOC).unwrap_or(Bson::Null))?,
        kind,
    };
    encode_item(&item)
}

/// A read of every section in one snapshot session.
#[derive(Debug)]
struct MongoBackup {
    db: Database,
    session: ClientSession,
}

impl MongoBackup {
    /// Up to `limit` documents of a collection matching `filter`, in `_id` order, read in
    /// the snapshot.
    async fn find(&mut self, collection: &str, filter: Document, limit: u32) -> StoreResult<Vec<Document>> {
        let coll: Collection<Document> = self.db.collection(collection);
        let mut cursor = coll
            .find(filter)
            .sort(doc! { "_id": 1 })
            .limit(i64::from(limit))
            .session(&mut self.session)
            .await
            .map_err(classify)?;
        cursor.stream(&mut self.session).try_collect().await.map_err(classify)
    }

    /// The `doc` of each document of a collection keyed by a UUID `_id`.
    async fn docs(&mut self, collection: &str, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        let filter = match after {
            Some(after) => doc! { "_id": { "$gt": uuid(after.id()?) } },
            None => doc! {},
        };
        let found = self.find(collection, filter, limit).await?;
        found
            .into_iter()
            .map(|mut d| bson_to_json(d.remove(DOC).unwrap_or(Bson::Null)))
            .collect()
    }
}

#[async_trait]
impl BackupReader for MongoBackup {
    async fn page(&mut self, section: Section, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        match section {
            Section::Users => self.docs(USERS, after, limit).await,
            Section::Courses => self.docs(COURSES, after, limit).await,
            Section::Enrollments => self.docs(ENROLLMENTS, after, limit).await,
            Section::PasswordHashes => {
                let filter = match after {
                    Some(after) => doc! { "_id": { "$gt": uuid(after.id()?) } },
                    None => doc! {},
                };
                let found = self.find(PASSWORD_HASHES, filter, limit).await?;
                found
                    .iter()
                    .map(|d| {
                        let hash = match field(d, "hash")? {
                            Bson::String(hash) => hash.clone(),
                            other => return Err(StoreError::backend(format!("a password hash is not text: {other}"))),
                        };
                        encode_item(&PasswordHashItem {
                            user_id: UserId::from_uuid(uuid_from(field(d, "_id")?)?),
                            hash,
                        })
                    })
                    .collect()
            }
            Section::RefreshTokens => {
                let filter = match after {
                    Some(after) => doc! { "_id": { "$gt": after.text()? } },
                    None => doc! {},
                };
                let found = self.find(REFRESH_TOKENS, filter, limit).await?;
                found
                    .iter()
                    .map(|d| {
                        encode_item(&RefreshTokenItem::new(
                            token_from(d)?,
                            d.get("revoked_at_us").map(from_micros).transpose()?,
                        ))
                    })
                    .collect()
            }
            Section::Records => {
                let filter = match after {
                    Some(after) => {
                        let (kind, id) = after.record()?;
                        doc! { "_id": { "$gt": record_id(kind, id)? } }
                    }
                    None => doc! {},
                };
                let found = self.find(RECORDS, filter, limit).await?;
                found.into_iter().map(record_item).collect()
            }
            Section::Outbox => {
                let after = after.map(BackupCursor::sequence).transpose()?.unwrap_or(0);
                let filter = doc! { "_id": { "$gt": i64::try_from(after).unwrap_or(i64::MAX) } };
                let found = self.find(OUTBOX, filter, limit).await?;
                found
                    .into_iter()
                    .map(|mut d| {
                        encode_item(&OutboxItem {
                            sequence: uint64(field(&d, "_id")?)?,
                            event: bson_to_json(d.remove(DOC).unwrap_or(Bson::Null))?,
                        })
                    })
                    .collect()
            }
            Section::OutboxSequence => {
                if after.is_some() {
                    return Ok(Vec::new());
                }
                let counter = self.find(COUNTERS, doc! { "_id": OUTBOX_COUNTER }, 1).await?;
                let last = counter
                    .first()
                    .and_then(|c| c.get("value"))
                    .map(uint64)
                    .transpose()?
                    .unwrap_or(0);
                Ok(vec![encode_item(&OutboxSequenceItem { last })?])
            }
        }
    }

    async fn finish(self: Box<Self>) -> StoreResult<()> {
        Ok(())
    }
}

impl MongoStore {
    /// Inserts documents in order, outside a transaction.
    async fn insert_restored(&self, collection: &str, docs: Vec<Document>) -> StoreResult<()> {
        if docs.is_empty() {
            return Ok(());
        }
        self.database()
            .collection::<Document>(collection)
            .insert_many(docs)
            .ordered(true)
            .await
            .map_err(insert_error)?;
        Ok(())
    }

    /// Raises the outbox counter to `last` (never lowers it).
    async fn raise_counter(&self, last: u64) -> StoreResult<()> {
        self.database()
            .collection::<Document>(COUNTERS)
            .update_one(
                doc! { "_id": OUTBOX_COUNTER },
                doc! { "$max": { "value": int64(last)? } },
            )
            .upsert(true)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn restore_records(&self, items: &[Value]) -> StoreResult<()> {
        let (mut records, mut unique, mut index) = (Vec::new(), Vec::new(), Vec::new());
        for item in items {
            let item: RecordItem = decode_item(Section::Records, item)?;
            let rid = record_id(&item.kind, item.id)?;
            let (mut unique_ids, mut index_ids) = (Vec::new(), Vec::new());
            for entry in &item.unique {
                let entry_id = join(&[&item.kind, &entry.key, &entry.value])?;
                unique.push(doc! { "_id": &entry_id, "r": &rid });
                unique_ids.push(entry_id);
            }
            for entry in &item.index {
                let entry_id = entry_id(&item.kind, &entry.key, &entry.value, item.id)?;
                index.push(doc! { "_id": &entry_id, "v": &entry.value, "r": &rid });
                index_ids.push(entry_id);
            }
            let mut stored = doc! {
                "_id": rid,
                "kind": &item.kind,
                "id": uuid(item.id),
                "version": int64(item.version)?,
                "doc": json_to_bson(&item.doc)?,
                "unique": unique_ids,
                "index": index_ids,
            };
            if let Some(owner) = item.owner {
                stored.insert("owner", uuid(owner.as_uuid()));
            }
            records.push(stored);
        }
        self.insert_restored(RECORDS, records).await?;
        self.insert_restored(RECORD_UNIQUE, unique).await?;
        self.insert_restored(RECORD_INDEX, index).await
    }

    async fn restore_outbox(&self, items: &[Value]) -> StoreResult<()> {
        let mut sequences = Vec::with_capacity(items.len());
        let mut events = Vec::with_capacity(items.len());
        for item in items {
            let item: OutboxItem = decode_item(Section::Outbox, item)?;
            sequences.push(item.sequence);
            events.push(decode_item::<DomainEvent>(Section::Outbox, &item.event)?);
        }
        let mut docs = Vec::with_capacity(events.len());
        for (sequence, event) in sequences.iter().zip(event_docs(&events)?) {
            let mut stored = doc! { "_id": int64(*sequence)? };
            stored.extend(event);
            docs.push(stored);
        }
        self.insert_restored(OUTBOX, docs).await?;
        match sequences.iter().max() {
            Some(last) => self.raise_counter(*last).await,
            None => Ok(()),
        }
    }
}

/// Documents of one section, built by `to_doc` from each decoded item.
fn section_docs<T: serde::de::DeserializeOwned>(
    section: Section,
    items: &[Value],
    to_doc: impl Fn(T) -> StoreResult<Document>,
) -> StoreResult<Vec<Document>> {
    items.iter().map(|item| to_doc(decode_item(section, item)?)).collect()
}

#[async_trait]
impl BackupStore for MongoStore {
    async fn begin_backup(&self) -> StoreResult<Box<dyn BackupReader>> {
        let session = self.client().start_session().snapshot(true).await.map_err(classify)?;
        Ok(Box::new(MongoBackup {
            db: self.database().clone(),
            session,
        }))
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        for collection in DATA {
            let found = self
                .database()
                .collection::<Document>(collection)
                .find_one(doc! {})
                .projection(doc! { "_id": 1 })
                .await
                .map_err(classify)?;
            if found.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn restore(&self, section: Section, items: &[Value]) -> StoreResult<()> {
        match section {
            Section::Users => {
                let docs = section_docs(section, items, |user: User| user_doc(&user))?;
                self.insert_restored(USERS, docs).await
            }
            Section::PasswordHashes => {
                let docs = section_docs(section, items, |h: PasswordHashItem| {
                    Ok(doc! { "_id": uuid(h.user_id.as_uuid()), "hash": h.hash })
                })?;
                self.insert_restored(PASSWORD_HASHES, docs).await
            }
            Section::Courses => {
                let docs = section_docs(section, items, |course: Course| course_doc(&course))?;
                self.insert_restored(COURSES, docs).await
            }
            Section::Enrollments => {
                let docs = section_docs(section, items, |e: Enrollment| enrollment_doc(&e))?;
                self.insert_restored(ENROLLMENTS, docs).await
            }
            Section::RefreshTokens => {
                let docs = section_docs(section, items, |t: RefreshTokenItem| {
                    let mut stored = token_doc(&t.token);
                    if let Some(at) = t.revoked_at {
                        stored.insert("revoked_at_us", micros(at));
                    }
                    Ok(stored)
                })?;
                self.insert_restored(REFRESH_TOKENS, docs).await
            }
            Section::Records => self.restore_records(items).await,
            Section::Outbox => self.restore_outbox(items).await,
            Section::OutboxSequence => {
                let mut last = 0;
                for item in items {
                    last = last.max(decode_item::<OutboxSequenceItem>(section, item)?.last);
                }
                self.raise_counter(last).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_give_back_their_key_and_value() {
        let id = uuid::Uuid::now_v7();
        let stored = doc! {
            "unique": [join(&["order", "number", "A-1"]).unwrap()],
            "index": [entry_id("order", "user", "u1", id).unwrap(), entry_id("order", "at", "00ff", id).unwrap()],
        };
        assert_eq!(
            entries(&stored, "unique").unwrap(),
            vec![EntryItem {
                key: "number".into(),
                value: "A-1".into()
            }]
        );
        assert_eq!(
            entries(&stored, "index").unwrap(),
            vec![
                EntryItem {
                    key: "at".into(),
                    value: "00ff".into()
                },
                EntryItem {
                    key: "user".into(),
                    value: "u1".into()
                },
            ]
        );
        assert!(entries(&doc! { "unique": ["no separator"] }, "unique").is_err());
    }
}
