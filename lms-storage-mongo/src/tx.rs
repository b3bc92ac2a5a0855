//! Transactions with retries, versioned writes and outbox appends.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::FutureExt;
use lms_core::domain::events::DomainEvent;
use lms_core::ports::{StoreError, StoreResult, UniqueKey};
use mongodb::bson::{doc, Bson, Document};
use mongodb::error::{Error, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::options::{ReadConcern, ReturnDocument, WriteConcern};
use mongodb::{ClientSession, Collection, Database};

use crate::codec::{encode, int64, micros, uint64};
use crate::error::{classify, code, is_transient, DUPLICATE_KEY};
use crate::schema::{COUNTERS, INDEXES, OCCURRED_AT, OUTBOX};
use crate::MongoStore;

/// How long a transaction that keeps losing write conflicts is retried before its last
/// error is returned.
const RETRY_FOR: Duration = Duration::from_secs(20);
/// The longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_millis(50);
/// The `_id` of the counter that hands out outbox sequences.
pub(crate) const OUTBOX_COUNTER: &str = "outbox";

/// One attempt of a transaction's work: a driver error ends the attempt (and is retried if
/// transient); a store error is the operation's outcome and aborts the transaction.
pub(crate) type Attempt<'s, R> = BoxFuture<'s, Result<StoreResult<R>, Error>>;

/// One write to an aggregate's collection.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// Inserts a new document; an existing `_id` or unique key is a duplicate.
    Insert(Document),
    /// Replaces the document with the same `_id` if its `version` is `expected`.
    Replace {
        /// The version the stored document must have.
        expected: i64,
        /// The new document, with its `_id`.
        doc: Document,
    },
}

impl Write {
    /// A replacement of the stored document under the optimistic version rule.
    pub(crate) fn replace(expected_version: u64, doc: Document) -> StoreResult<Self> {
        Ok(Write::Replace {
            expected: int64(expected_version)?,
            doc,
        })
    }

    /// Performs the write, in `session`'s transaction when there is one.
    pub(crate) async fn run(
        &self,
        coll: &Collection<Document>,
        mut session: Option<&mut ClientSession>,
    ) -> Result<StoreResult<()>, Error> {
        let done = match self {
            Write::Insert(doc) => {
                let mut insert = coll.insert_one(doc);
                if let Some(s) = session.as_deref_mut() {
                    insert = insert.session(s);
                }
                insert.await.map(|_| None)
            }
            Write::Replace { expected, doc } => {
                let id = doc.get("_id").cloned().unwrap_or(Bson::Null);
                let mut replace = coll.replace_one(doc! { "_id": id, "version": *expected }, doc);
                if let Some(s) = session.as_deref_mut() {
                    replace = replace.session(s);
                }
                replace.await.map(|done| Some(done.matched_count))
            }
        };
        let matched = match done {
            Err(err) if code(&err) == Some(DUPLICATE_KEY) => return Ok(Err(self.duplicate(coll, err).await?)),
            done => done?,
        };
        if matched.is_none_or(|matched| matched > 0) {
            return Ok(Ok(()));
        }
        let id = self.doc().get("_id").cloned().unwrap_or(Bson::Null);
        Ok(Err(version_miss(coll, id, session).await?))
    }

    /// The document written.
    fn doc(&self) -> &Document {
        match self {
            Write::Insert(doc) | Write::Replace { doc, .. } => doc,
        }
    }

    /// The uniqueness rule a write broke, given its duplicate key error. The id rule is
    /// checked first, as the port requires: an insert whose `_id` is taken broke it, even
    /// if the server reported another index. Otherwise the server's report names the
    /// index's key pattern where the driver passes it on; where it does not, the rule is
    /// the one other unique index of the collection (a replacement keeps its `_id`, so it
    /// can only break that one). The failed write changed nothing, so the check reads
    /// outside its transaction.
    async fn duplicate(&self, coll: &Collection<Document>, err: Error) -> Result<StoreError, Error> {
        if let Write::Insert(doc) = self {
            let id = doc.get("_id").cloned().unwrap_or(Bson::Null);
            let taken = coll
                .find_one(doc! { "_id": id })
                .projection(doc! { "_id": 1 })
                .await?
                .is_some();
            if taken {
                return Ok(StoreError::Duplicate(UniqueKey::Id));
            }
        }
        let classified = classify(err);
        if matches!(classified, StoreError::Duplicate(key) if key != UniqueKey::Id) {
            return Ok(classified);
        }
        let mut rules = INDEXES
            .iter()
            .filter(|spec| spec.collection == coll.name())
            .filter_map(|spec| spec.rule);
        Ok(match (rules.next(), rules.next()) {
            (Some(rule), None) => StoreError::Duplicate(rule),
            _ => classified,
        })
    }
}

/// Why a versioned write of the document with this `_id` matched nothing: `NotFound`
/// when there is no such document, else `VersionConflict`.
pub(crate) async fn version_miss(
    coll: &Collection<Document>,
    id: Bson,
    session: Option<&mut ClientSession>,
) -> Result<StoreError, Error> {
    let mut find = coll.find_one(doc! { "_id": id }).projection(doc! { "_id": 1 });
    if let Some(s) = session {
        find = find.session(s);
    }
    Ok(if find.await?.is_some() {
        StoreError::VersionConflict
    } else {
        StoreError::NotFound
    })
}

/// An update of every document a filter selects, made in the same transaction as an
/// aggregate's write (see [`MongoStore::write_with`]) or on its own.
#[derive(Debug, Clone)]
pub(crate) struct Update {
    /// The collection.
    pub(crate) collection: &'static str,
    /// Which documents to update.
    pub(crate) filter: Document,
    /// The update operators.
    pub(crate) update: Document,
    /// Whether a document is inserted when the filter selects none.
    pub(crate) upsert: bool,
}

impl Update {
    /// Performs the update, in `session`'s transaction when there is one.
    pub(crate) async fn run(&self, db: &Database, session: Option<&mut ClientSession>) -> Result<(), Error> {
        let coll = db.collection::<Document>(self.collection);
        let mut update = coll
            .update_many(self.filter.clone(), self.update.clone())
            .upsert(self.upsert);
        if let Some(s) = session {
            update = update.session(s);
        }
        update.await?;
        Ok(())
    }
}

/// The outbox documents of some events, without their sequence (assigned at commit time).
pub(crate) fn event_docs(events: &[DomainEvent]) -> StoreResult<Vec<Document>> {
    events
        .iter()
        .map(|event| {
            Ok(doc! {
                "event_id": crate::codec::uuid(event.id.as_uuid()),
                "event_type": event.payload.event_type(),
                OCCURRED_AT: micros(event.occurred_at),
                "doc": encode(event)?,
            })
        })
        .collect()
}

/// Appends events to the outbox inside a transaction. The sequences come from a counter
/// document incremented in the same transaction: every transaction with events writes that
/// document, so two of them conflict and one is retried after the other commits. Sequence
/// order is therefore commit order, and a relay never sees a lower sequence commit after a
/// higher one.
pub(crate) async fn append_events(
    db: &Database,
    session: &mut ClientSession,
    events: &[Document],
) -> Result<StoreResult<()>, Error> {
    if events.is_empty() {
        return Ok(Ok(()));
    }
    let count = events.len() as i64;
    let counter = db
        .collection::<Document>(COUNTERS)
        .find_one_and_update(doc! { "_id": OUTBOX_COUNTER }, doc! { "$inc": { "value": count } })
        .upsert(true)
        .return_document(ReturnDocument::After)
        .session(&mut *session)
        .await?;
    let last = match counter.as_ref().and_then(|c| c.get("value")).map(uint64) {
        Some(Ok(last)) => last,
        Some(Err(err)) => return Ok(Err(err)),
        None => return Ok(Err(StoreError::backend("the outbox counter returned no value"))),
    };
    let first = last + 1 - events.len() as u64;
    let mut docs = Vec::with_capacity(events.len());
    for (offset, event) in events.iter().enumerate() {
        let sequence = match int64(first + offset as u64) {
            Ok(sequence) => sequence,
            Err(err) => return Ok(Err(err)),
        };
        let mut doc = doc! { "_id": sequence };
        doc.extend(event.clone());
        docs.push(doc);
    }
    db.collection::<Document>(OUTBOX)
        .insert_many(docs)
        .session(session)
        .await?;
    Ok(Ok(()))
}

impl MongoStore {
    /// Runs `attempt` in a transaction (snapshot reads, majority commit) and commits it.
    /// An attempt or commit that fails with a transient error (a lost write conflict, a
    /// `TransientTransactionError` label) is run again from the start, with a short random
    /// pause, for up to [`RETRY_FOR`]; a commit with an unknown result is committed again.
    pub(crate) async fn transact<R, F>(&self, mut attempt: F) -> StoreResult<R>
    where
        R: Send,
        F: for<'s> FnMut(&'s mut ClientSession) -> Attempt<'s, R> + Send,
    {
        let mut session = self.client.start_session().await.map_err(classify)?;
        let started = Instant::now();
        let mut tries: u32 = 0;
        loop {
            tries += 1;
            let retry = |err: &Error| is_transient(err) && started.elapsed() < RETRY_FOR;
            let started_transaction = session
                .start_transaction()
                .read_concern(ReadConcern::snapshot())
                .write_concern(WriteConcern::majority())
                .await;
            if let Err(err) = started_transaction {
                return Err(self.start_failure(err).await);
            }
            let value = match attempt(&mut session).await {
                Ok(Ok(value)) => value,
                Ok(Err(outcome)) => {
                    let _ = session.abort_transaction().await;
                    return Err(outcome);
                }
                Err(err) => {
                    let _ = session.abort_transaction().await;
                    if retry(&err) {
                        backoff(tries).await;
                        continue;
                    }
                    return Err(classify(err));
                }
            };
            match commit(&mut session, started).await {
                Ok(()) => return Ok(value),
                Err(err) if retry(&err) => backoff(tries).await,
                Err(err) => return Err(classify(err)),
            }
        }
    }

    /// Classifies a failure to start a transaction. The driver refuses to start one while
    /// it knows no server that runs them, which is also what it reports while no server can
    /// be reached at all; a ping tells the two apart.
    async fn start_failure(&self, err: Error) -> StoreError {
        match self.db.run_command(doc! { "ping": 1 }).await {
            Err(unreachable) => classify(unreachable),
            Ok(_) => classify(err),
        }
    }

    /// Writes an aggregate and appends its events atomically: in a transaction when there
    /// are events, as a single-document write otherwise.
    pub(crate) async fn write(&self, collection: &str, write: Write, events: &[DomainEvent]) -> StoreResult<()> {
        self.write_with(collection, write, Vec::new(), events).await
    }

    /// Writes an aggregate, then makes the `also` updates and appends the events, all or
    /// nothing: in a transaction when there are updates or events, as a single-document
    /// write otherwise. A rejected aggregate write makes none of the rest.
    pub(crate) async fn write_with(
        &self,
        collection: &str,
        write: Write,
        also: Vec<Update>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let coll = self.db.collection::<Document>(collection);
        if also.is_empty() && events.is_empty() {
            return write.run(&coll, None).await.map_err(classify)?;
        }
        let events = event_docs(events)?;
        let db = self.db.clone();
        self.transact(move |session| {
            let (coll, db, write, also, events) =
                (coll.clone(), db.clone(), write.clone(), also.clone(), events.clone());
            async move {
                if let Err(outcome) = write.run(&coll, Some(&mut *session)).await? {
                    return Ok(Err(outcome));
                }
                for update in &also {
                    update.run(&db, Some(&mut *session)).await?;
                }
                append_events(&db, session, &events).await
            }
            .boxed()
        })
        .await
    }
}

/// Commits, committing again while the outcome of the previous commit is unknown.
async fn commit(session: &mut ClientSession, started: Instant) -> Result<(), Error> {
    loop {
        match session.commit_transaction().await {
            Err(err) if err.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) && started.elapsed() < RETRY_FOR => {}
            other => return other,
        }
    }
}

/// Waits a random time that grows with the number of tries, up to [`MAX_BACKOFF`].
async fn backoff(tries: u32) {
    let ceiling = MAX_BACKOFF.as_micros().min(250u128 << tries.min(16)) as u64;
    tokio::time::sleep(Duration::from_micros(fastrand::u64(0..=ceiling))).await;
}
