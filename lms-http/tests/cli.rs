//! The `lms-server` binary: subcommands and the production start-up checks.

use std::process::{Command, Output};

fn server(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lms-server"));
    command.args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    command.output().expect("run lms-server")
}

#[test]
fn production_refuses_unsafe_settings_naming_each() {
    let out = server(
        &[],
        &[
            ("LMS_ENV", "production"),
            ("LMS_JWT_SECRET", "short"),
            ("LMS_DEBUG", "1"),
            ("LMS_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:1/lms"),
            ("LMS_BIND", "127.0.0.1:0"),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in [
        "LMS_JWT_SECRET",
        "LMS_DEBUG",
        "LMS_ALLOWED_ORIGINS",
        "credentials",
        "TLS",
    ] {
        assert!(stderr.contains(name), "{name} not named in: {stderr}");
    }
    assert!(
        !stderr.contains("postgres:postgres"),
        "the database URL leaked: {stderr}"
    );
}

#[test]
fn invalid_configuration_is_reported() {
    let out = server(&["migrate"], &[("LMS_ENV", "moon")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LMS_ENV"));
}

#[test]
fn openapi_prints_the_served_document() {
    let out = server(&["openapi"], &[]);
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let library: serde_json::Value = serde_json::from_str(&lms_http::openapi_json()).unwrap();
    assert_eq!(printed, library);
}

#[test]
fn migrate_and_create_admin() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("nested/lms.db").display());
    let env = [("LMS_DATABASE_URL", url.as_str()), ("LMS_LOG", "error")];
    for _ in 0..2 {
        let out = server(&["migrate"], &env);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let weak = server(
        &["create-admin", "--email", "root@example.com", "--password", "weak"],
        &env,
    );
    assert!(!weak.status.success());
    let created = server(
        &[
            "create-admin",
            "--email",
            "root@example.com",
            "--password",
            "granite-willow-comet-parsley-63",
        ],
        &env,
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("root@example.com"));
    // Again: the existing account stays an admin and gets the new password.
    let again = server(
        &[
            "create-admin",
            "--email",
            "root@example.com",
            "--password",
            "granite-willow-comet-parsley-64",
        ],
        &env,
    );
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}
