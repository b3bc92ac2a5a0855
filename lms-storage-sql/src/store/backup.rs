//! Backups over SQL ([`lms_core::ports::BackupStore`]): every section read in a
//! read-only snapshot transaction ([`Backend::begin_snapshot`]), and restored rows
//! written as they are, each call in one transaction.

use std::collections::{BTreeMap, HashMap};

use lms_core::domain::course::Course;
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::user::User;
use lms_core::ports::{
    decode_item, encode_item, BackupCursor, BackupReader, EntryItem, OutboxItem, OutboxSequenceItem, PasswordHashItem,
    RecordItem, RefreshTokenItem, Section, StoreError, StoreResult,
};
use serde_json::Value;
use uuid::Uuid;

use super::SqlStore;
use crate::backend::Backend;
use crate::row::FromRow;
use crate::statement::{List, Statement, Value as Arg};
use crate::{
    encode, refresh_token_columns, refresh_token_from, stored_version, version_column, CourseRow, EnrollmentRow,
    EventRow, RefreshTokenColumns, UserRow,
};

/// Rows in one multi-row insert: at most seven values a row, under both drivers' limits
/// on bound values.
const ROWS_PER_STATEMENT: usize = 200;

/// Every table a store writes: a database where all are empty holds nothing.
const TABLES: [&str; 10] = [
    "users",
    "password_hashes",
    "courses",
    "course_lessons",
    "enrollments",
    "refresh_tokens",
    "records",
    "record_unique",
    "record_index",
    "outbox",
];

/// A JSON document column as a backup item.
fn json(doc: &str) -> StoreResult<Value> {
    serde_json::from_str(doc).map_err(StoreError::backend)
}

/// A count or sequence read from a signed column.
fn unsigned(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(StoreError::backend)
}

/// A read of every section in one snapshot transaction.
#[derive(Debug)]
pub struct SqlBackup<B: Backend> {
    backend: B,
    tx: B::Transaction,
}

impl<B: Backend> SqlBackup<B> {
    fn statement(sql: &str) -> Statement<'static> {
        Statement::new(B::DIALECT, sql)
    }

    async fn rows<R: FromRow>(&mut self, statement: &Statement<'_>) -> StoreResult<Vec<R>> {
        self.backend.fetch(Some(&mut *self.tx), statement).await
    }

    /// The documents of a table keyed by `id`, in id order.
    async fn docs(&mut self, table: &str, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        let mut query = Self::statement(&format!("SELECT doc FROM {table}"));
        if let Some(after) = after {
            query.push(" WHERE id > ?").bind(Arg::Id(after.id()?));
        }
        query.push(" ORDER BY id LIMIT ?").bind(Arg::Int(i64::from(limit)));
        let docs: Vec<String> = self.rows(&query).await?;
        docs.iter().map(|doc| json(doc)).collect()
    }

    async fn password_hashes(&mut self, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        let mut query = Self::statement("SELECT user_id, hash FROM password_hashes");
        if let Some(after) = after {
            query.push(" WHERE user_id > ?").bind(Arg::Id(after.id()?));
        }
        query.push(" ORDER BY user_id LIMIT ?").bind(Arg::Int(i64::from(limit)));
        let rows: Vec<(Uuid, String)> = self.rows(&query).await?;
        rows.into_iter()
            .map(|(user_id, hash)| {
                encode_item(&PasswordHashItem {
                    user_id: lms_core::ids::UserId::from_uuid(user_id),
                    hash,
                })
            })
            .collect()
    }

    async fn refresh_tokens(&mut self, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        let mut query =
            Self::statement("SELECT token_hash, family_id, user_id, issued_at, expires_at, state FROM refresh_tokens");
        if let Some(after) = after {
            query.push(" WHERE token_hash > ?").bind(Arg::Text(after.text()?));
        }
        query
            .push(" ORDER BY token_hash LIMIT ?")
            .bind(Arg::Int(i64::from(limit)));
        let rows: Vec<RefreshTokenColumns> = self.rows(&query).await?;
        let mut revoked = HashMap::new();
        let hashes: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        for batch in hashes.chunks(B::DIALECT.max_list) {
            let mut query = Self::statement(
                "SELECT token_hash, revoked_at FROM refresh_tokens WHERE revoked_at IS NOT NULL AND token_hash",
            );
            query.push_in(List::Texts(batch));
            let found: Vec<(String, chrono::DateTime<chrono::Utc>)> = self.rows(&query).await?;
            revoked.extend(found);
        }
        rows.into_iter()
            .map(|columns| {
                let revoked_at = revoked.get(&columns.0).copied();
                encode_item(&RefreshTokenItem::new(refresh_token_from(columns)?, revoked_at))
            })
            .collect()
    }

    async fn records(&mut self, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        let mut query = Self::statement("SELECT kind, id, version, owner_id, doc FROM records");
        if let Some(after) = after {
            let (kind, id) = after.record()?;
            query
                .push(" WHERE (kind, id) > (?, ?)")
                .bind(Arg::Text(kind))
                .bind(Arg::Id(id));
        }
        query
            .push(" ORDER BY kind, id LIMIT ?")
            .bind(Arg::Int(i64::from(limit)));
        let rows: Vec<(String, Uuid, i64, Option<Uuid>, String)> = self.rows(&query).await?;
        let Some((last_kind, last_id, ..)) = rows.last() else {
            return Ok(Vec::new());
        };
        // The entries of exactly the page's records: the same (kind, id) range of each
        // entry table, read through its (kind, id) index.
        let mut entries: [BTreeMap<(String, Uuid), Vec<EntryItem>>; 2] = Default::default();
        for (table, found) in ["record_unique", "record_index"].into_iter().zip(entries.iter_mut()) {
            let mut query = Self::statement(&format!(
                "SELECT kind, id, key, value FROM {table} WHERE (kind, id) <= (?, ?)"
            ));
            query.bind(Arg::Text(last_kind)).bind(Arg::Id(*last_id));
            if let Some(after) = after {
                let (kind, id) = after.record()?;
                query
                    .push(" AND (kind, id) > (?, ?)")
                    .bind(Arg::Text(kind))
                    .bind(Arg::Id(id));
            }
            let rows: Vec<(String, Uuid, String, String)> = self.rows(&query).await?;
            for (kind, id, key, value) in rows {
                found.entry((kind, id)).or_default().push(EntryItem { key, value });
            }
        }
        let [mut unique, mut index] = entries;
        rows.into_iter()
            .map(|(kind, id, version, owner, doc)| {
                let take = |found: &mut BTreeMap<(String, Uuid), Vec<EntryItem>>| {
                    let mut entries = found.remove(&(kind.clone(), id)).unwrap_or_default();
                    entries.sort();
                    entries
                };
                let (unique, index) = (take(&mut unique), take(&mut index));
                encode_item(&RecordItem {
                    kind,
                    id,
                    version: stored_version(version)?,
                    owner: owner.map(lms_core::ids::UserId::from_uuid),
                    doc: json(&doc)?,
                    unique,
                    index,
                })
            })
            .collect()
    }

    async fn outbox(&mut self, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        let mut query =
            Self::statement("SELECT sequence, doc FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?");
        let after = after.map(BackupCursor::sequence).transpose()?.unwrap_or(0);
        query
            .bind(Arg::Int(crate::sequence_bound(after)))
            .bind(Arg::Int(i64::from(limit)));
        let rows: Vec<(i64, String)> = self.rows(&query).await?;
        rows.into_iter()
            .map(|(sequence, doc)| {
                encode_item(&OutboxItem {
                    sequence: unsigned(sequence)?,
                    event: json(&doc)?,
                })
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl<B: Backend> BackupReader for SqlBackup<B> {
    async fn page(&mut self, section: Section, after: Option<&BackupCursor>, limit: u32) -> StoreResult<Vec<Value>> {
        match section {
            Section::Users => self.docs("users", after, limit).await,
            Section::Courses => self.docs("courses", after, limit).await,
            Section::Enrollments => self.docs("enrollments", after, limit).await,
            Section::PasswordHashes => self.password_hashes(after, limit).await,
            Section::RefreshTokens => self.refresh_tokens(after, limit).await,
            Section::Records => self.records(after, limit).await,
            Section::Outbox => self.outbox(after, limit).await,
            Section::OutboxSequence => {
                if after.is_some() {
                    return Ok(Vec::new());
                }
                let last = self.backend.last_outbox_sequence(&mut self.tx).await?;
                Ok(vec![encode_item(&OutboxSequenceItem { last })?])
            }
        }
    }

    async fn finish(self: Box<Self>) -> StoreResult<()> {
        // Read-only: ending it without a commit changes nothing.
        drop(self.tx);
        Ok(())
    }
}

/// Backups and restores.
impl<B: Backend> SqlStore<B> {
    /// `BackupStore::begin_backup`: a snapshot transaction.
    pub async fn begin_backup(&self) -> StoreResult<SqlBackup<B>> {
        Ok(SqlBackup {
            tx: self.backend.begin_snapshot().await?,
            backend: self.backend.clone(),
        })
    }

    /// `BackupStore::is_empty`: no row in any table the store writes.
    pub async fn is_empty(&self) -> StoreResult<bool> {
        for table in TABLES {
            let found: Vec<bool> = self
                .rows(&Self::statement(&format!("SELECT EXISTS (SELECT 1 FROM {table})")))
                .await?;
            if found.first().copied().unwrap_or(false) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `BackupStore::restore`: the items in one transaction.
    pub async fn restore(&self, section: Section, items: &[Value]) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        match section {
            Section::Users => self.restore_users(&mut tx, items).await?,
            Section::PasswordHashes => self.restore_password_hashes(&mut tx, items).await?,
            Section::Courses => self.restore_courses(&mut tx, items).await?,
            Section::Enrollments => self.restore_enrollments(&mut tx, items).await?,
            Section::RefreshTokens => self.restore_refresh_tokens(&mut tx, items).await?,
            Section::Records => self.restore_records(&mut tx, items).await?,
            Section::Outbox => self.restore_outbox(&mut tx, items).await?,
            Section::OutboxSequence => {
                for item in items {
                    let item: OutboxSequenceItem = decode_item(section, item)?;
                    self.backend.raise_outbox_sequence(&mut tx, item.last).await?;
                }
            }
        }
        self.backend.commit(tx, &[]).await
    }

    /// Runs a restoring insert; a clash is reported as the store reports it.
    async fn run(&self, tx: &mut B::Connection, statement: &Statement<'_>) -> StoreResult<()> {
        self.backend
            .execute(tx, statement)
            .await
            .map(drop)
            .map_err(|err| B::classify(err, None))
    }

    async fn restore_users(&self, tx: &mut B::Connection, items: &[Value]) -> StoreResult<()> {
        let users: Vec<User> = items
            .iter()
            .map(|item| decode_item(Section::Users, item))
            .collect::<StoreResult<_>>()?;
        let rows = users.iter().map(UserRow::new).collect::<StoreResult<Vec<_>>>()?;
        for batch in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement("INSERT INTO users (id, email, version, doc) VALUES ");
            insert.push_rows(batch.iter().map(|row| {
                [
                    Arg::Id(row.id),
                    Arg::Text(row.email),
                    Arg::Int(row.version),
                    Arg::Json(&row.doc),
                ]
            }));
            self.run(tx, &insert).await?;
        }
        Ok(())
    }

    async fn restore_password_hashes(&self, tx: &mut B::Connection, items: &[Value]) -> StoreResult<()> {
        let hashes: Vec<PasswordHashItem> = items
            .iter()
            .map(|item| decode_item(Section::PasswordHashes, item))
            .collect::<StoreResult<_>>()?;
        for batch in hashes.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement("INSERT INTO password_hashes (user_id, hash) VALUES ");
            insert.push_rows(batch.iter().map(|h| [Arg::Id(h.user_id.as_uuid()), Arg::Text(&h.hash)]));
            self.run(tx, &insert).await?;
        }
        Ok(())
    }

    async fn restore_courses(&self, tx: &mut B::Connection, items: &[Value]) -> StoreResult<()> {
        for item in items {
            let course: Course = decode_item(Section::Courses, item)?;
            let row = CourseRow::new(&course)?;
            let mut insert = Self::statement(
                "INSERT INTO courses (id, owner_id, status, category_key, search_text, version, summary, doc) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            );
            insert
                .bind(Arg::Id(row.id))
                .bind(Arg::Id(row.owner_id))
                .bind(Arg::Text(row.status))
                .bind(Arg::Text(&row.category_key))
                .bind(Arg::Text(&row.search_text))
                .bind(Arg::Int(row.version))
                .bind(Arg::Json(&row.summary))
                .bind(Arg::Json(&row.doc));
            self.run(tx, &insert).await?;
            self.backend.write_lessons(tx, &row, true).await?;
        }
        Ok(())
    }

    async fn restore_enrollments(&self, tx: &mut B::Connection, items: &[Value]) -> StoreResult<()> {
        let rows = items
            .iter()
            .map(|item| EnrollmentRow::new(&decode_item::<Enrollment>(Section::Enrollments, item)?))
            .collect::<StoreResult<Vec<_>>>()?;
        for batch in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement(
                "INSERT INTO enrollments (id, user_id, course_id, certificate_id, version, doc) VALUES ",
            );
            insert.push_rows(batch.iter().map(|row| {
                [
                    Arg::Id(row.id),
                    Arg::Id(row.user_id),
                    Arg::Id(row.course_id),
                    Arg::MaybeId(row.certificate_id),
                    Arg::Int(row.version),
                    Arg::Text(&row.doc),
                ]
            }));
            self.run(tx, &insert).await?;
        }
        Ok(())
    }

    async fn restore_refresh_tokens(&self, tx: &mut B::Connection, items: &[Value]) -> StoreResult<()> {
        let tokens: Vec<RefreshTokenItem> = items
            .iter()
            .map(|item| decode_item(Section::RefreshTokens, item))
            .collect::<StoreResult<_>>()?;
        let columns: Vec<RefreshTokenColumns> = tokens.iter().map(|t| refresh_token_columns(&t.token)).collect();
        for batch in columns.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement(
                "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at, state) VALUES ",
            );
            insert.push_rows(batch.iter().map(|(hash, family, user, issued, expires, state)| {
                [
                    Arg::Text(hash),
                    Arg::Id(*family),
                    Arg::Id(*user),
                    Arg::Time(*issued),
                    Arg::Time(*expires),
                    Arg::Text(state),
                ]
            }));
            self.run(tx, &insert).await?;
        }
        for token in &tokens {
            if let Some(at) = token.revoked_at {
                let mut update = Self::statement("UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ?");
                update.bind(Arg::Time(at)).bind(Arg::Text(&token.token.token_hash));
                self.run(tx, &update).await?;
            }
        }
        Ok(())
    }

    async fn restore_records(&self, tx: &mut B::Connection, items: &[Value]) -> StoreResult<()> {
        let records: Vec<RecordItem> = items
            .iter()
            .map(|item| decode_item(Section::Records, item))
            .collect::<StoreResult<_>>()?;
        let docs = records
            .iter()
            .map(|r| Ok((version_column(r.version)?, encode(&r.doc)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        let rows: Vec<_> = records.iter().zip(&docs).collect();
        for batch in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement("INSERT INTO records (kind, id, version, owner_id, doc) VALUES ");
            insert.push_rows(batch.iter().map(|(r, (version, doc))| {
                [
                    Arg::Text(&r.kind),
                    Arg::Id(r.id),
                    Arg::Int(*version),
                    Arg::MaybeId(r.owner.map(|o| o.as_uuid())),
                    Arg::Text(doc),
                ]
            }));
            self.run(tx, &insert).await?;
        }
        for (table, unique) in [("record_unique", true), ("record_index", false)] {
            let entries: Vec<(&RecordItem, &EntryItem)> = records
                .iter()
                .flat_map(|r| {
                    let entries = if unique { &r.unique } else { &r.index };
                    entries.iter().map(move |e| (r, e))
                })
                .collect();
            for batch in entries.chunks(ROWS_PER_STATEMENT) {
                let mut insert = Self::statement(&format!("INSERT INTO {table} (kind, key, value, id) VALUES "));
                insert.push_rows(batch.iter().map(|(r, e)| {
                    [
                        Arg::Text(&r.kind),
                        Arg::Text(&e.key),
                        Arg::Text(&e.value),
                        Arg::Id(r.id),
                    ]
                }));
                self.run(tx, &insert).await?;
            }
        }
        Ok(())
    }

    async fn restore_outbox(&self, tx: &mut B::Connection, items: &[Value]) -> StoreResult<()> {
        let mut messages = Vec::with_capacity(items.len());
        for item in items {
            let item: OutboxItem = decode_item(Section::Outbox, item)?;
            let event: DomainEvent = decode_item(Section::Outbox, &item.event)?;
            messages.push((crate::sequence_bound(item.sequence), event));
        }
        let events: Vec<DomainEvent> = messages.iter().map(|(_, e)| e.clone()).collect();
        let rows = EventRow::all(&events)?;
        let rows: Vec<(i64, &EventRow)> = messages.iter().map(|(s, _)| *s).zip(&rows).collect();
        for batch in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Self::statement(&format!(
                "INSERT INTO outbox (sequence, event_id, event_type, occurred_at, doc){} VALUES ",
                B::DIALECT.identity_override
            ));
            insert.push_rows(batch.iter().map(|(sequence, row)| {
                [
                    Arg::Int(*sequence),
                    Arg::Id(row.event_id),
                    Arg::Text(row.event_type),
                    Arg::Time(row.occurred_at),
                    Arg::Text(&row.doc),
                ]
            }));
            self.run(tx, &insert).await?;
        }
        if let Some(last) = rows.iter().map(|(s, _)| *s).max() {
            self.backend.raise_outbox_sequence(tx, unsigned(last)?).await?;
        }
        Ok(())
    }
}
