//! An [axum](https://docs.rs/axum) application that embeds `lms-core` over the SQLite
//! adapter, to show that the core is framework-agnostic: nothing of `lms-http` is used.
//!
//! What the application owns, and what it takes from the core:
//!
//! - **Storage.** One SQLite file, opened and migrated with `lms-storage-sqlite`, turned
//!   into the core's `Stores` ([`App::build`]).
//! - **Routes.** A handful of JSON routes of its own ([`routes`]): sign up, log in, log
//!   out, list courses, enroll, read a course outline with each lesson locked, unlocked or
//!   completed (the core's sequential unlocking), complete a lesson, and read the caller's
//!   activity feed.
//! - **Sessions.** Its own: an opaque bearer token it issues and keeps in an in-process map
//!   ([`session`]). The core checks passwords (`AuthService::register`, `AuthService::login`);
//!   the application decides what a session is.
//! - **Errors.** Every `lms_core::Error` becomes this application's own HTTP answer in
//!   one function, [`error::core_error_response`].
//! - **Events.** The core writes every change's events to the outbox in the same
//!   transaction; the application runs the core's relay in its own tokio runtime, with one
//!   in-process reaction that builds each learner's activity feed ([`activity`]).
//! - **Data.** A demo course (an instructor's course of three text lessons) is seeded at
//!   start, so the routes are usable at once ([`seed`]).
//!
//! Run it with `cargo run -p embed-axum` (see [`Config`] for the settings).

#![deny(missing_docs)]

pub mod activity;
pub mod error;
pub mod routes;
pub mod seed;
pub mod session;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use lms_core::delivery::{Relay, Subscriber};
use lms_core::ids::CourseId;
use lms_core::ports::{StoreError, Stores};
use lms_core::Lms;
use lms_storage_sqlite::SqliteStore;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::activity::Activity;
use crate::session::Sessions;

/// The database file used when none is configured.
pub const DEFAULT_DATABASE: &str = "embed-axum.db";
/// The listen address used when none is configured.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// Where the application keeps its data and where it listens.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite database file, created if missing.
    pub database: PathBuf,
    /// The address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
}

impl Config {
    /// Reads the settings: the database file from the first command-line argument, else
    /// `EMBED_AXUM_DB`, else [`DEFAULT_DATABASE`] in the current directory; the listen
    /// address from `EMBED_AXUM_ADDR`, else [`DEFAULT_LISTEN`].
    pub fn from_env() -> Result<Self, StartError> {
        let database = std::env::args_os()
            .nth(1)
            .or_else(|| std::env::var_os("EMBED_AXUM_DB"))
            .map_or_else(|| PathBuf::from(DEFAULT_DATABASE), PathBuf::from);
        let listen = std::env::var("EMBED_AXUM_ADDR").unwrap_or_else(|_| DEFAULT_LISTEN.to_owned());
        let listen = listen
            .parse()
            .map_err(|e| StartError::Config(format!("EMBED_AXUM_ADDR {listen:?}: {e}")))?;
        Ok(Self { database, listen })
    }
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is malformed.
    #[error("configuration: {0}")]
    Config(String),
    /// The database could not be opened or migrated.
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
    /// The demo course could not be created.
    #[error("seeding the demo course: {0}")]
    Seed(#[from] lms_core::Error),
    /// The address could not be bound.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
}

/// What every request handler shares: the core's services, the sessions, the activity
/// feed. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The LMS services over the SQLite stores.
    pub lms: Lms,
    /// The sessions this application has issued.
    pub sessions: Sessions,
    /// The learners' activity, fed by the relay.
    pub activity: Arc<Activity>,
}

/// A built application: storage open and migrated, demo course seeded, address bound.
#[derive(Debug)]
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    store: SqliteStore,
    state: AppState,
    relay: Relay,
    demo_course: CourseId,
}

impl App {
    /// Opens and migrates the database, assembles the services and the relay, seeds the
    /// demo course and binds the listen address.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let store = SqliteStore::open(&config.database).await?;
        store.migrate().await?;
        let lms = Lms::with_system_clock(Stores::from_backend(Arc::new(store.clone())));

        // The relay takes the outbox's events to the subscribers. Its stream is stored
        // under the subscriber's name, so after a restart it goes on where it stopped.
        let activity = Arc::new(Activity::default());
        let relay = lms
            .relay()
            .subscribe(Subscriber::new("embed-axum-activity", activity.clone()).only(Activity::EVENT_TYPES))
            .build();

        let demo_course = seed::demo_course(&lms).await?;
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        Ok(Self {
            listener,
            addr,
            store,
            state: AppState {
                lms,
                sessions: Sessions::default(),
                activity,
            },
            relay,
            demo_course,
        })
    }

    /// The bound address (with the real port when the configuration said port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The seeded demo course.
    pub fn demo_course(&self) -> CourseId {
        self.demo_course
    }

    /// Serves until `shutdown` completes. The relay runs beside the server in the same
    /// runtime and stops after the last request, so the events of requests that finish
    /// during shutdown are still delivered; then the database is closed.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_relay, relay_stopped) = oneshot::channel::<()>();
        let relay = self.relay.clone();
        let relay_task = tokio::spawn(async move {
            relay
                .run(async {
                    // A dropped sender stops the relay too.
                    let _ = relay_stopped.await;
                })
                .await;
        });

        let result = axum::serve(self.listener, routes::router(self.state))
            .with_graceful_shutdown(shutdown)
            .await;

        let _ = stop_relay.send(());
        if let Err(err) = relay_task.await {
            tracing::warn!(error = %err, "the event relay task ended abnormally");
        }
        self.store.close().await;
        result
    }
}
