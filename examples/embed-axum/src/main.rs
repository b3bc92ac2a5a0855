//! Serves the embed-axum application: `cargo run -p embed-axum [DATABASE_FILE]`.
//!
//! Settings: the database file as the first argument or `EMBED_AXUM_DB` (default
//! `embed-axum.db` in the current directory), the listen address as `EMBED_AXUM_ADDR`
//! (default `127.0.0.1:3000`), the log filter as `RUST_LOG` (default `info`).

use std::process::ExitCode;

use embed_axum::{App, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let app = match Config::from_env() {
        Ok(config) => App::build(config).await,
        Err(err) => Err(err),
    };
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            eprintln!("embed-axum: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("demo course: {}", app.demo_course());
    println!("listening on http://{}", app.addr());
    let shutdown = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C; stopping");
        }
    };
    match app.run_until(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("embed-axum: {err}");
            ExitCode::FAILURE
        }
    }
}
