//! The `lms-server` command line: `serve` (default), `migrate`, `create-admin`,
//! `dead-letters`, `openapi`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lms_core::domain::user::Role;
use lms_core::ports::PageRequest;
use lms_core::services::{AccessChange, NewUser};
use lms_core::Actor;

use crate::app::{services, shutdown_signal, Application, Storage};
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
    /// Apply database migrations and exit.
    Migrate,
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
    /// Print the OpenAPI document.
    Openapi,
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
            Some(Command::Migrate) => migrate(settings).await,
            Some(Command::CreateAdmin { email, password, name }) => create_admin(settings, email, password, name).await,
            Some(Command::DeadLetters { action }) => dead_letters(settings, action).await,
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
    let addr = app.addr();
    println!("lms-server listening on http://{addr} ({env})");
    println!("API docs: http://{addr}/docs   OpenAPI document: http://{addr}/openapi.json");
    app.run_until(shutdown_signal()).await.map_err(|e| e.to_string())?;
    println!("lms-server stopped");
    Ok(())
}

async fn migrate(settings: Settings) -> Result<(), String> {
    let storage = Storage::open_with(settings.database_url.expose(), settings.sqlite_durability)
        .await
        .map_err(|e| e.to_string())?;
    storage.migrate().await.map_err(|e| e.to_string())?;
    storage.close().await;
    println!("migrations applied");
    Ok(())
}

async fn dead_letters(settings: Settings, action: DeadLetterAction) -> Result<(), String> {
    let storage = Storage::open_with(settings.database_url.expose(), settings.sqlite_durability)
        .await
        .map_err(|e| e.to_string())?;
    storage.migrate().await.map_err(|e| e.to_string())?;
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
        DeadLetterAction::Replay { id } => relay
            .replay(&operator, id)
            .await
            .map(|retry| println!("replayed: event {} to {} is due now", retry.event.id, retry.subscriber))
            .map_err(|e| e.to_string()),
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
    let storage = Storage::open_with(settings.database_url.expose(), settings.sqlite_durability)
        .await
        .map_err(|e| e.to_string())?;
    storage.migrate().await.map_err(|e| e.to_string())?;
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
    storage.close().await;
    println!("admin {} ready (id {})", user.email, user.id);
    Ok(())
}
