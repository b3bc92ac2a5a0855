//! Erasure and the dump of every collection.

use async_trait::async_trait;
use futures::TryStreamExt;
use lms_core::ids::UserId;
use lms_core::ports::{DataDump, ErasureStore, StoreResult};
use mongodb::bson::{doc, Bson, Document};

use crate::codec::uuid;
use crate::error::classify;
use crate::schema::ENROLLMENTS;
use crate::MongoStore;

#[async_trait]
impl ErasureStore for MongoStore {
    /// Deletes the user's `enrollments` documents. A document is the whole enrollment:
    /// progress, quiz answers and certificate live in it, and the collection's own indexes
    /// (user and course, certificate) are all that index it. One collection, so no
    /// transaction: each document goes at once, and a rerun deletes whatever is left.
    async fn delete_user_enrollments(&self, user_id: UserId) -> StoreResult<u64> {
        let deleted = self
            .database()
            .collection::<Document>(ENROLLMENTS)
            .delete_many(doc! { "user_id": uuid(user_id.as_uuid()) })
            .await
            .map_err(classify)?;
        Ok(deleted.deleted_count)
    }

    /// Deletes the records and their unique and index entries, in one transaction (see
    /// `src/records.rs`).
    async fn delete_owned_records(&self, owner: UserId, keep: &[&str]) -> StoreResult<u64> {
        MongoStore::delete_owned_records(self, owner, keep).await
    }

    /// Nothing: the server's storage engine reuses the space of deleted documents on its
    /// own, and the oplog, which holds the inserts and replacements that wrote them, rolls
    /// over by size (or age). Compacting either is the operator's work, not something the
    /// application's role should be allowed to run.
    async fn scrub_deleted_data(&self) -> StoreResult<()> {
        Ok(())
    }
}

#[async_trait]
impl DataDump for MongoStore {
    /// Every collection the server lists for the database, in name order, each document
    /// as relaxed extended JSON (fields in name order, strings JSON-escaped, so a line
    /// break in a value stays on the line) on a line of its own prefixed by the
    /// collection's name.
    async fn dump_all(&self) -> StoreResult<String> {
        let mut names = self.database().list_collection_names().await.map_err(classify)?;
        names.sort_unstable();
        let mut dump = String::new();
        for name in &names {
            let docs: Vec<Document> = self
                .database()
                .collection::<Document>(name)
                .find(doc! {})
                .await
                .map_err(classify)?
                .try_collect()
                .await
                .map_err(classify)?;
            for stored in docs {
                dump.push_str(name);
                dump.push(' ');
                dump.push_str(&Bson::Document(stored).into_relaxed_extjson().to_string());
                dump.push('\n');
            }
        }
        Ok(dump)
    }
}
