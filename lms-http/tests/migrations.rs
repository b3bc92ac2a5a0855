//! `lms-server migrate`, `migrate --status` and `LMS_MIGRATE_ON_START` on every backend,
//! through the real binary: two instances migrating one empty database at once both
//! succeed and apply each migration once, and a server told not to migrate refuses a
//! database that lacks migrations instead of running on it.

mod support;

use std::process::{Command, Output, Stdio};

use support::{fresh_database, Backend};

fn server(args: &[&str], url: &str, extra: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lms-server"));
    command.args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    command.env("LMS_DATABASE_URL", url).env("LMS_LOG", "error");
    command.envs(extra.iter().copied());
    command
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The `(version, applied)` rows `migrate --status` prints, and its summary line.
fn status(url: &str) -> (Vec<(String, String)>, String) {
    let out = server(&["migrate", "--status"], url, &[])
        .output()
        .expect("run lms-server");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines: Vec<&str> = stdout.lines().collect();
    let summary = lines.pop().expect("a summary line").to_owned();
    assert!(lines.remove(0).starts_with("version"), "{stdout}");
    let rows = lines
        .iter()
        .map(|line| {
            let mut columns = line.split_whitespace();
            (
                columns.next().unwrap_or_default().to_owned(),
                columns.next().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (rows, summary)
}

async fn migrate_twice_at_once_then_status(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, database) = fresh_database(backend, dir.path()).await;

    let (before, summary) = status(&url);
    assert!(!before.is_empty());
    assert!(before.iter().all(|(_, applied)| applied == "pending"), "{before:?}");
    assert_eq!(summary, format!("0 applied, {} pending", before.len()));

    // A server told not to migrate refuses the empty database, naming the command.
    let refused = server(
        &[],
        &url,
        &[("LMS_MIGRATE_ON_START", "false"), ("LMS_BIND", "127.0.0.1:0")],
    )
    .output()
    .expect("run lms-server");
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("lms-server migrate"),
        "{}",
        text(&refused)
    );

    // Two instances migrate the empty database at the same moment.
    let runs: Vec<_> = (0..2)
        .map(|_| {
            server(&["migrate"], &url, &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn lms-server")
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().expect("wait for lms-server");
        assert!(out.status.success(), "{}", text(&out));
    }

    let (after, summary) = status(&url);
    assert_eq!(summary, format!("{} applied, 0 pending", before.len()));
    assert_eq!(
        after.iter().map(|(v, _)| v).collect::<Vec<_>>(),
        before.iter().map(|(v, _)| v).collect::<Vec<_>>()
    );
    assert!(after.iter().all(|(_, applied)| applied != "pending"), "{after:?}");

    // Once more: nothing to do.
    let again = server(&["migrate"], &url, &[]).output().expect("run lms-server");
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 migrations applied"),
        "{}",
        text(&again)
    );

    if let Some(db) = database {
        db.drop_database().await;
    }
}

on_every_backend!(migrate_twice_at_once_then_status);

#[test]
fn an_unreadable_flag_is_refused() {
    let out = server(&["migrate"], "sqlite::memory:", &[("LMS_MIGRATE_ON_START", "maybe")])
        .output()
        .expect("run lms-server");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LMS_MIGRATE_ON_START must be true or false"));
}
