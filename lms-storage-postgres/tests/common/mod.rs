//! A fresh database per test run, on the server named by `LMS_TEST_POSTGRES_URL`.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

/// Where to find the server when tests should use one.
const URL_VAR: &str = "LMS_TEST_POSTGRES_URL";
/// Comma-separated backends whose tests must not be skipped.
const REQUIRE_VAR: &str = "LMS_REQUIRE_BACKENDS";

/// The server URL, or `None` after printing why the test is skipped. Panics instead when
/// `LMS_REQUIRE_BACKENDS` names `postgres`.
pub fn server_url(test: &str) -> Option<String> {
    if let Ok(url) = std::env::var(URL_VAR) {
        return Some(url);
    }
    let required = std::env::var(REQUIRE_VAR).unwrap_or_default();
    if required.split(',').any(|b| b.trim() == "postgres") {
        panic!("{test}: {URL_VAR} is not set, but {REQUIRE_VAR} requires postgres");
    }
    println!("{test}: SKIPPED ({URL_VAR} not set)");
    None
}

/// A database created for one test and dropped (with its connections) when this guard
/// goes out of scope, including when the test fails.
#[derive(Debug)]
pub struct TestDatabase {
    server: PgConnectOptions,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl TestDatabase {
    /// Creates `lms_test_<random>` on the server.
    pub async fn create(server_url: &str) -> Self {
        let server = PgConnectOptions::from_str(server_url).expect("valid LMS_TEST_POSTGRES_URL");
        let name = format!("lms_test_{:016x}", fastrand::u64(..));
        let mut admin = server.connect().await.expect("connect to the test server");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        admin.close().await.expect("close");
        let url = server.clone().database(&name).to_url_lossy().to_string();
        Self { server, name, url }
    }

    /// The connection options of the new database.
    pub fn options(&self) -> PgConnectOptions {
        self.server.clone().database(&self.name)
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection to the server outside the test database.
    pub async fn admin(&self) -> PgConnection {
        self.server.connect().await.expect("connect to the test server")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server = self.server.clone();
        let drop_sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime, which cannot block on async work: a
        // separate thread with its own runtime does it and is waited for.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = server.connect().await?;
                sqlx::query(&drop_sql).execute(&mut admin).await?;
                admin.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("could not drop test database {}: {err}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: the dropping thread panicked",
                self.name
            ),
        }
    }
}
