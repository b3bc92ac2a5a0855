//! The `lms-server` command line: `serve` (default), `migrate`, `healthcheck`,
//! `create-admin`, `dead-letters`, `audit verify`, `purge`, `rotate-keys`, `backup`,
//! `restore`, `openapi`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lms_core::domain::user::Role;
use lms_core::ports::{MigrationState, PageRequest};
use lms_core::privacy::audit::action;
use lms_core::privacy::encryption::{self, EncryptedUserStore};
use lms_core::privacy::AuditRecord;
use lms_core::services::{AccessChange, NewUser};
use lms_core::Actor;

use crate::app::{services, Application, Storage};
use crate::settings::Settings;

/// The LMS server. Configuration comes from `LMS_*` environment variables.
#[derive(Debug, Parser)]
#[command(name = "lms-server", version)]
pub struct Cli {
    /// What to do; serves when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit; safe to run again and from several
    /// instances at once.
    Migrate {
        /// List every migration and whether the database has it, changing nothing.
        #[arg(long)]
        status: bool,
    },
    /// Ask the running server whether it is ready (`GET /health/ready`); exits 0 when it
    /// answers 200 and 1 otherwise. The container image's health check, so the image
    /// needs no HTTP client of its own.
    Healthcheck {
        /// The URL to ask; by default `/health/ready` on the operations address
        /// (`LMS_OPS_BIND`) when set, else on the public one (`LMS_BIND`), with an
        /// unspecified address (0.0.0.0, ::) asked on loopback.
        #[arg(long)]
        url: Option<String>,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 5)]
        timeout: u64,
    },
    /// Create an admin account, or make an existing account an admin and set its password.
    CreateAdmin {
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// The password; prompted for when absent.
        #[arg(long)]
        password: Option<String>,
        /// Display name for a new account.
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// List the events subscribers gave up on, or deliver one again.
    DeadLetters {
        /// What to do with them.
        #[command(subcommand)]
        action: DeadLetterAction,
    },
    /// Check or inspect the audit log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Re-encrypt every user's email and name under the newest key of
    /// `LMS_ENCRYPTION_KEYS` (after adding a key first), so older keys can be removed.
    RotateKeys,
    /// Delete what is past its retention once (delivered events, delivery attempts, audit
    /// entries), as a running server does every hour.
    Purge,
    /// Fit a deck's FSRS parameters to every learner's reviews of it and keep them, as
    /// `POST /api/v1/decks/{id}/optimize` does; prints them as JSON. Needs at least 400
    /// reviews.
    OptimizeDeck {
        /// The deck's id.
        deck: uuid::Uuid,
    },
    /// Write an encrypted backup of the whole database to a new file (key in
    /// `LMS_BACKUP_KEY`) while the server keeps serving, or check one with `--verify`.
    Backup {
        /// The file to write.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "verify",
            conflicts_with = "verify"
        )]
        out: Option<std::path::PathBuf>,
        /// Check this backup file (every chunk, count and checksum) without restoring it.
        #[arg(long, value_name = "FILE")]
        verify: Option<std::path::PathBuf>,
    },
    /// Restore a backup into an empty database of any backend (`LMS_DATABASE_URL`).
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
    },
    /// Print the OpenAPI document.
    Openapi,
}

/// What `audit` does.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Verify the whole hash chain; exits non-zero naming the first broken entry.
    Verify,
}

/// What `dead-letters` does.
#[derive(Debug, Subcommand)]
pub enum DeadLetterAction {
    /// Print the dead letters, oldest first, one JSON object a line.
    List {
        /// Most dead letters printed.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Start after this dead letter (the id the previous listing named).
        #[arg(long)]
        after: Option<uuid::Uuid>,
    },
    /// Make a dead letter a pending retry again; the running servers deliver it.
    Replay {
        /// The dead letter's id.
        id: uuid::Uuid,
    },
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        // Events inside a request's span (the core's security events) carry its fields.
        .with_span_list(true)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the command line; the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        println!("{}", crate::openapi_json());
        return ExitCode::SUCCESS;
    }
    if let Some(Command::Backup { verify: Some(file), .. }) = &cli.command {
        // Needs the key and the file only, not the server's settings.
        return match crate::backup::verify_command(file) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("lms-server: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&settings.log_filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None | Some(Command::Serve) => serve(settings).await,
            Some(Command::Migrate { status: false }) => migrate(settings).await,
            Some(Command::Migrate { status: true }) => migration_status(settings).await,
            Some(Command::Healthcheck { url, timeout }) => {
                crate::healthcheck::probe(&settings, url, std::time::Duration::from_secs(timeout)).await
            }
            Some(Command::CreateAdmin { email, password, name }) => create_admin(settings, email, password, name).await,
            Some(Command::DeadLetters { action }) => dead_letters(settings, action).await,
            Some(Command::Audit { action }) => audit(settings, action).await,
            Some(Command::Purge) => purge(settings).await,
            Some(Command::RotateKeys) => rotate_keys(settings).await,
            Some(Command::OptimizeDeck { deck }) => optimize_deck(settings, deck).await,
            Some(Command::Backup { out, .. }) => backup(settings, out).await,
            Some(Command::Restore { from }) => restore(settings, from).await,
            Some(Command::Openapi) => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lms-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let env = settings.environment.as_str();
    let app = Application::build(settings).await.map_err(|e| e.to_string())?;
    let url = app.url();
    println!("lms-server listening on {url} ({env})");
    println!("API docs: {url}/docs   OpenAPI document: {url}/openapi.json");
    app.run_until_signalled().await.map_err(|e| e.to_string())?;
    println!("lms-server stopped");
    Ok(())
}

async fn migrate(settings: Settings) -> Result<(), String> {
    let storage = Storage::open_configured(&settings).await.map_err(|e| e.to_string())?;
    let outcome = async {
        let before = storage.migration_status().await?;
        storage.migrate().await?;
        Ok::<_, lms_core::ports::StoreError>(before)
    }
    .await;
    storage.close().await;
    // Another instance may have applied some of them meanwhile: these were pending and
    // are applied now, by this process or another.
    let pending: Vec<MigrationState> = outcome
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(MigrationState::is_pending)
        .collect();
    for m in &pending {
        println!("applied {} {}", m.version, m.description);
    }
    println!("{} migrations applied; the database is up to date", pending.len());
    Ok(())
}

async fn migration_status(settings: Settings) -> Result<(), String> {
    let storage = Storage::open_configured(&settings).await.map_err(|e| e.to_string())?;
    let states = storage.migration_status().await;
    storage.close().await;
    let states = states.map_err(|e| e.to_string())?;
    println!("{:<16} {:<26} description", "version", "applied");
    for m in &states {
        let applied = m.applied_at.map_or_else(
            || "pending".to_owned(),
            |at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        println!("{:<16} {:<26} {}", m.version, applied, m.description);
    }
    let pending = states.iter().filter(|m| m.is_pending()).count();
    println!("{} applied, {pending} pending", states.len() - pending);
    Ok(())
}

/// The configured database, ready for a command that works on it directly: migrated, or
/// with `LMS_MIGRATE_ON_START=false` checked to need no migration.
async fn migrated_storage(settings: &Settings) -> Result<Storage, String> {
    let storage = Storage::open_configured(settings).await.map_err(|e| e.to_string())?;
    if let Err(e) = storage.prepare(settings.migrate_on_start).await {
        storage.close().await;
        return Err(e.to_string());
    }
    Ok(storage)
}

async fn backup(settings: Settings, out: Option<std::path::PathBuf>) -> Result<(), String> {
    let out = out.ok_or("backup needs --out FILE or --verify FILE")?;
    let storage = migrated_storage(&settings).await?;
    let outcome = crate::backup::backup_command(&storage, &out).await;
    storage.close().await;
    outcome
}

async fn restore(settings: Settings, from: std::path::PathBuf) -> Result<(), String> {
    let storage = migrated_storage(&settings).await?;
    let outcome = crate::backup::restore_command(&storage, &from).await;
    storage.close().await;
    outcome
}

async fn dead_letters(settings: Settings, action: DeadLetterAction) -> Result<(), String> {
    let storage = migrated_storage(&settings).await?;
    let lms = services(&settings, storage.stores().0);
    let webhooks = crate::app::webhooks(&settings, &lms);
    // Listing and replaying touch stored records only: no notifier is connected.
    let relay = crate::app::relay(&settings, &lms, &webhooks, Vec::new());
    let operator = Actor::operator();
    let outcome = match action {
        DeadLetterAction::List { limit, after } => {
            let page = PageRequest::new(after, Some(limit)).map_err(|e| e.to_string())?;
            let found = relay.dead_letters(&operator, page).await.map_err(|e| e.to_string())?;
            for letter in found.items {
                let line = serde_json::json!({
                    "id": letter.id,
                    "subscriber": letter.subscriber,
                    "event_id": letter.event.id,
                    "event_type": letter.event.payload.public_type(),
                    "occurred_at": letter.event.occurred_at,
                    "attempts": letter.attempts,
                    "last_error": letter.last_error,
                    "failed_at": letter.failed_at,
                });
                println!("{line}");
            }
            if let Some(next) = found.next_after {
                eprintln!("more dead letters follow: --after {next}");
            }
            Ok(())
        }
        DeadLetterAction::Replay { id } => match relay.replay(&operator, id).await {
            Ok(retry) => {
                println!("replayed: event {} to {} is due now", retry.event.id, retry.subscriber);
                crate::app::privacy(&settings, &lms)
                    .record(
                        AuditRecord::new(action::OPERATOR_COMMAND)
                            .detail("command", "dead-letters replay")
                            .detail("dead_letter", id),
                    )
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        },
    };
    storage.close().await;
    outcome
}

async fn rotate_keys(settings: Settings) -> Result<(), String> {
    let Some(encryption) = settings.encryption.clone() else {
        return Err("LMS_ENCRYPTION_KEYS and LMS_BLIND_INDEX_KEY are not set: nothing to rotate to".to_owned());
    };
    let storage = migrated_storage(&settings).await?;
    let stores = storage.stores().0;
    let users = EncryptedUserStore::new(stores.users.clone(), encryption.keys.clone(), encryption.blind);
    let outcome = match encryption::rotate_keys(&users).await {
        Ok(rotation) => {
            println!(
                "re-encrypted {} of {} users under key {}",
                rotation.rewritten,
                rotation.users,
                encryption.keys.newest_id()
            );
            crate::app::privacy(&settings, &services(&settings, stores))
                .record(
                    AuditRecord::new(action::OPERATOR_COMMAND)
                        .detail("command", "rotate-keys")
                        .detail("key", encryption.keys.newest_id())
                        .detail("rewritten", rotation.rewritten),
                )
                .await
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    storage.close().await;
    outcome
}

async fn purge(settings: Settings) -> Result<(), String> {
    let storage = migrated_storage(&settings).await?;
    let lms = services(&settings, storage.stores().0);
    let webhooks = crate::app::webhooks(&settings, &lms);
    let privacy = crate::app::privacy(&settings, &lms);
    // The relay's subscribers are read from storage; no notifier is connected.
    let relay = crate::app::relay(&settings, &lms, &webhooks, vec![privacy.subscriber()]);
    let outcome = crate::retention::purge_once(&relay, &privacy, &lms.analytics, &settings).await;
    let outcome = match outcome {
        Ok(purged) => {
            let recorded = privacy
                .record(
                    AuditRecord::new(action::OPERATOR_COMMAND)
                        .detail("command", "purge")
                        .detail("events", purged.events)
                        .detail("delivery_attempts", purged.delivery_attempts)
                        .detail("audit_entries", purged.audit_entries),
                )
                .await;
            println!(
                "purged: {} delivered events, {} delivery attempts, {} audit entries",
                purged.events, purged.delivery_attempts, purged.audit_entries
            );
            recorded.map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    storage.close().await;
    outcome
}

async fn optimize_deck(settings: Settings, deck: uuid::Uuid) -> Result<(), String> {
    let storage = migrated_storage(&settings).await?;
    let lms = services(&settings, storage.stores().0);
    let privacy = crate::app::privacy(&settings, &lms);
    let outcome = match lms
        .flashcards()
        .optimize_deck(&Actor::operator(), lms_core::ids::DeckId::from(deck))
        .await
    {
        Ok(optimization) => {
            let recorded = privacy
                .record(
                    AuditRecord::new(action::OPERATOR_COMMAND)
                        .detail("command", "optimize-deck")
                        .detail("deck_id", deck)
                        .detail("reviews_used", optimization.reviews_used),
                )
                .await;
            let line = serde_json::json!({
                "deck_id": deck,
                "parameters": optimization.parameters,
                "reviews_used": optimization.reviews_used,
                "histories": optimization.cards,
            });
            println!("{line}");
            recorded.map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    storage.close().await;
    outcome
}

async fn audit(settings: Settings, action: AuditAction) -> Result<(), String> {
    let storage = migrated_storage(&settings).await?;
    let lms = services(&settings, storage.stores().0);
    let privacy = crate::app::privacy(&settings, &lms);
    let outcome = match action {
        AuditAction::Verify => match privacy.audit().verify().await {
            Ok(report) => match report.broken {
                None => {
                    match report.head {
                        Some((seq, hash)) => {
                            println!("audit chain verified: {} entries, head #{seq} {hash}", report.entries)
                        }
                        None => println!("audit chain verified: the log is empty"),
                    }
                    Ok(())
                }
                Some(broken) => Err(format!(
                    "audit chain broken at entry #{}{}: {} ({} entries before it verified)",
                    broken.seq,
                    broken.id.map(|id| format!(" (id {id})")).unwrap_or_default(),
                    broken.problem,
                    report.entries
                )),
            },
            Err(e) => Err(e.to_string()),
        },
    };
    storage.close().await;
    outcome
}

async fn create_admin(settings: Settings, email: String, password: Option<String>, name: String) -> Result<(), String> {
    let password = match password {
        Some(p) => p,
        None => {
            rpassword::prompt_password("Password for the admin: ").map_err(|e| format!("cannot read password: {e}"))?
        }
    };
    // Checked with the account's details before anything is created, as the core checks
    // it when the password is set.
    lms_core::domain::password::Password::parse_for(&password, &[&email, &name]).map_err(|e| e.to_string())?;
    let storage = migrated_storage(&settings).await?;
    let lms = services(&settings, storage.stores().0);
    let user = match lms.users.find_by_email(&email).await.map_err(|e| e.to_string())? {
        Some(user) => {
            // Operator tooling acts with full authority: an admin actor standing for the operator.
            let operator = Actor {
                user_id: user.id,
                role: Role::Admin,
            };
            let change = AccessChange {
                role: Some(Role::Admin),
                premium: None,
            };
            lms.users
                .change_access(&operator, user.id, change)
                .await
                .map_err(|e| e.to_string())?
        }
        None => lms
            .users
            .provision(
                NewUser {
                    email: email.clone(),
                    display_name: name,
                },
                Role::Admin,
            )
            .await
            .map_err(|e| e.to_string())?,
    };
    lms.auth
        .set_password_unchecked(user.id, &password)
        .await
        .map_err(|e| e.to_string())?;
    crate::app::privacy(&settings, &lms)
        .record(
            AuditRecord::new(action::OPERATOR_COMMAND)
                .subject(user.id)
                .detail("command", "create-admin"),
        )
        .await
        .map_err(|e| e.to_string())?;
    storage.close().await;
    println!("admin {} ready (id {})", user.email, user.id);
    Ok(())
}
