//! A fresh database per test run, on the deployment named by `LMS_TEST_MONGO_URL`.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use mongodb::Client;

/// Where to find the server when tests should use one.
const URL_VAR: &str = "LMS_TEST_MONGO_URL";
/// Comma-separated backends whose tests must not be skipped.
const REQUIRE_VAR: &str = "LMS_REQUIRE_BACKENDS";

/// The server URL, or `None` after printing why the test is skipped. Panics instead when
/// `LMS_REQUIRE_BACKENDS` names `mongo`.
pub fn server_url(test: &str) -> Option<String> {
    if let Ok(url) = std::env::var(URL_VAR) {
        return Some(url);
    }
    let required = std::env::var(REQUIRE_VAR).unwrap_or_default();
    if required.split(',').any(|b| b.trim() == "mongo") {
        panic!("{test}: {URL_VAR} is not set, but {REQUIRE_VAR} requires mongo");
    }
    println!("{test}: SKIPPED ({URL_VAR} not set)");
    None
}

/// `url` with its database (the path) replaced by `name`, options kept.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let hosts_start = base.find("://").map_or(0, |i| i + 3);
    let hosts_end = base[hosts_start..].find('/').map_or(base.len(), |i| hosts_start + i);
    let mut out = format!("{}/{name}", &base[..hosts_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A database used by one test and dropped when this guard goes out of scope, including
/// when the test fails.
#[derive(Debug)]
pub struct TestDatabase {
    server: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl TestDatabase {
    /// Names `lms_test_<random>` on the server; MongoDB creates it on first write.
    pub fn create(server_url: &str) -> Self {
        let name = format!("lms_test_{:016x}", fastrand::u64(..));
        let url = with_database(server_url, &name);
        Self {
            server: server_url.to_owned(),
            name,
            url,
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on async work: a
        // separate thread with its own runtime does it and is waited for.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let client = Client::with_uri_str(&server).await?;
                client.database(&name).drop().await?;
                client.shutdown().await;
                Ok::<_, mongodb::error::Error>(())
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

#[test]
fn database_names_replace_the_path_and_keep_options() {
    assert_eq!(with_database("mongodb://h:1/", "x"), "mongodb://h:1/x");
    assert_eq!(with_database("mongodb://h:1", "x"), "mongodb://h:1/x");
    assert_eq!(
        with_database("mongodb://u:p@h:1,g:2/old?replicaSet=rs0", "x"),
        "mongodb://u:p@h:1,g:2/x?replicaSet=rs0"
    );
    assert_eq!(with_database("mongodb://h/?tls=true", "x"), "mongodb://h/x?tls=true");
}
