#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod backup;
mod codec;
mod error;
mod privacy;
mod records;
mod schema;
mod stores;
mod tx;

use std::time::Duration;

use lms_core::ports::{StoreError, StoreResult};
use mongodb::bson::{doc, Document};
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};

use crate::error::classify;

pub use crate::schema::SCHEMA_VERSION;

/// The database used when the URL names none.
pub const DEFAULT_DATABASE: &str = "lms";

/// Connection settings of a [`MongoStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MongoConfig {
    server_selection_timeout: Duration,
    connect_timeout: Duration,
    max_pool_size: u32,
}

impl Default for MongoConfig {
    /// An operation that finds no usable server within 3 s fails with
    /// `StoreError::Unavailable`; connection attempts give up after 3 s; at most 10
    /// connections per server.
    fn default() -> Self {
        Self {
            server_selection_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(3),
            max_pool_size: 10,
        }
    }
}

impl MongoConfig {
    /// How long an operation waits for a usable server before failing with
    /// `StoreError::Unavailable`. Overrides `serverSelectionTimeoutMS` of the URL.
    pub fn server_selection_timeout(mut self, timeout: Duration) -> Self {
        self.server_selection_timeout = timeout;
        self
    }

    /// How long opening one connection may take. Overrides `connectTimeoutMS` of the URL.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Most connections the driver keeps open to each server.
    pub fn max_pool_size(mut self, max_pool_size: u32) -> Self {
        self.max_pool_size = max_pool_size.max(1);
        self
    }
}

/// Storage in MongoDB, implementing every storage port of `lms-core`. Cloning is cheap and
/// shares the driver's connection pool.
#[derive(Debug, Clone)]
pub struct MongoStore {
    client: Client,
    db: Database,
}

impl MongoStore {
    /// Connects to the deployment at `url` (`mongodb://…` or `mongodb+srv://…`) with the
    /// default [`MongoConfig`]. The database is the one named in the URL's path, else
    /// [`DEFAULT_DATABASE`].
    ///
    /// Fails with `StoreError::Unavailable` when no server answers within the server
    /// selection timeout, and with `StoreError::Backend` when the deployment cannot run
    /// multi-document transactions (a standalone `mongod`: start it as a replica set).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(url, MongoConfig::default()).await
    }

    /// Connects to the deployment at `url` with these settings.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect_with(url: &str, config: MongoConfig) -> StoreResult<Self> {
        let store = Self::connect_lazy(url, config).await?;
        store.check_transactions().await?;
        Ok(store)
    }

    /// A store that contacts the server on first use, so it can be built while the server
    /// is down; operations fail with `StoreError::Unavailable` until it is reachable. Only
    /// `mongodb+srv://` URLs are resolved (through DNS) here.
    pub async fn connect_lazy(url: &str, config: MongoConfig) -> StoreResult<Self> {
        let mut options = ClientOptions::parse(url).await.map_err(classify)?;
        options.server_selection_timeout = Some(config.server_selection_timeout);
        options.connect_timeout = Some(config.connect_timeout);
        options.max_pool_size = Some(config.max_pool_size);
        if options.app_name.is_none() {
            options.app_name = Some("lms-storage-mongo".into());
        }
        let name = options
            .default_database
            .clone()
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
        let client = Client::with_options(options).map_err(classify)?;
        let db = client.database(&name);
        Ok(Self { client, db })
    }

    /// The database this store uses.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The driver's client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates the collections and indexes this version needs, recording each applied
    /// schema step in the `schema_migrations` collection. Steps already recorded are
    /// skipped, and every step is itself idempotent, so running `migrate()` again, or from
    /// several processes at once, is safe. Fails with `StoreError::Backend` when the
    /// database records a schema step this version does not know (a newer version wrote
    /// it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> StoreResult<()> {
        schema::migrate(&self.db).await?;
        self.move_classes_into_records().await
    }

    /// Every schema step this build knows and when the database applied it, without
    /// changing anything.
    pub async fn migration_status(&self) -> StoreResult<Vec<lms_core::ports::MigrationState>> {
        schema::status(&self.db).await
    }

    /// Moves the classes stored by releases before records (the `classes` collection,
    /// `{_id, version, doc}`) into records of kind `class`, then drops the collection. A
    /// class already moved is skipped, so an interrupted move resumes where it stopped.
    async fn move_classes_into_records(&self) -> StoreResult<()> {
        use futures::TryStreamExt;
        use lms_core::domain::class::Class;
        use lms_core::ports::UnitOfWork;
        const LEGACY_CLASSES: &str = "classes";
        let names = self.db.list_collection_names().await.map_err(error::classify)?;
        if !names.iter().any(|n| n == LEGACY_CLASSES) {
            return Ok(());
        }
        let legacy = self.db.collection::<mongodb::bson::Document>(LEGACY_CLASSES);
        let stored: Vec<mongodb::bson::Document> = legacy
            .find(mongodb::bson::doc! {})
            .await
            .map_err(error::classify)?
            .try_collect()
            .await
            .map_err(error::classify)?;
        let records = lms_core::records::Records::new(std::sync::Arc::new(self.clone()));
        let mut unit = UnitOfWork::default();
        for doc in stored {
            let class: Class = codec::decode_field(doc, "doc")?;
            if records.get::<Class>(class.id).await?.is_none() {
                unit.insert(&class)?;
            }
        }
        if !unit.writes.is_empty() {
            tracing::info!(classes = unit.writes.len(), "moving classes into records");
            records.write(&unit).await?;
        }
        legacy.drop().await.map_err(error::classify)
    }

    /// Closes the driver's connections; later operations fail with
    /// `StoreError::Unavailable`. Waits until sessions and cursors in use are dropped.
    pub async fn close(&self) {
        self.client.clone().shutdown().await;
    }

    /// Fails unless the deployment is a replica set or a sharded cluster, the topologies
    /// that run multi-document transactions.
    async fn check_transactions(&self) -> StoreResult<()> {
        let hello = self.db.run_command(doc! { "hello": 1 }).await.map_err(classify)?;
        if supports_transactions(&hello) {
            Ok(())
        } else {
            Err(StoreError::backend(
                "lms-storage-mongo needs multi-document transactions, which a standalone \
                 MongoDB server cannot run: start mongod as a replica set (even of one \
                 member, `mongod --replSet rs0` then `rs.initiate()`) or use a sharded cluster",
            ))
        }
    }
}

/// Whether a `hello` reply comes from a replica set member or a `mongos` router.
fn supports_transactions(hello: &Document) -> bool {
    hello.contains_key("setName") || hello.get_str("msg").is_ok_and(|msg| msg == "isdbgrid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_sets_and_routers_run_transactions_standalone_servers_do_not() {
        assert!(supports_transactions(
            &doc! { "isWritablePrimary": true, "setName": "rs0" }
        ));
        assert!(supports_transactions(
            &doc! { "isWritablePrimary": true, "msg": "isdbgrid" }
        ));
        assert!(!supports_transactions(&doc! { "isWritablePrimary": true }));
    }

    #[test]
    fn configuration_clamps_the_pool_size() {
        let config = MongoConfig::default().max_pool_size(0);
        assert_eq!(config.max_pool_size, 1);
    }
}
