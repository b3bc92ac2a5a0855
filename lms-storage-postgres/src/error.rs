//! Classification of Postgres errors into [`StoreError`], by SQLSTATE and constraint name.

use lms_core::ports::{StoreError, UniqueKey};
use sqlx::migrate::MigrateError;

/// `unique_violation`.
const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATEs outside class 08 (connection exception) that mean the server cannot serve
/// us right now: `too_many_connections`, `admin_shutdown` (e.g. `pg_terminate_backend`),
/// `crash_shutdown`, `cannot_connect_now` (starting up or shutting down).
const UNAVAILABLE_STATES: [&str; 4] = ["53300", "57P01", "57P02", "57P03"];

/// Which uniqueness rule a constraint of the schema (see `migrations/`) stands for.
fn unique_key(constraint: &str) -> Option<UniqueKey> {
    match constraint {
        "users_pkey" | "courses_pkey" | "enrollments_pkey" | "refresh_tokens_pkey" => Some(UniqueKey::Id),
        "users_email_key" => Some(UniqueKey::UserEmail),
        "enrollments_user_course_key" => Some(UniqueKey::UserCourse),
        _ => None,
    }
}

/// Classifies a driver error: unique violations by constraint, connection failures (pool
/// timeout, I/O, TLS, SQLSTATE class 08, server shutdown) as unavailability, anything else
/// as a backend failure.
pub(crate) fn classify(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) => {
            let state = db.code();
            let state = state.as_deref().unwrap_or_default();
            if state == UNIQUE_VIOLATION {
                if let Some(key) = db.constraint().and_then(unique_key) {
                    return StoreError::Duplicate(key);
                }
            }
            if state.starts_with("08") || UNAVAILABLE_STATES.contains(&state) {
                return StoreError::unavailable(err);
            }
            StoreError::backend(err)
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => StoreError::unavailable(err),
        _ => StoreError::backend(err),
    }
}

/// Classifies a migration failure: the database's own errors as usual, anything else
/// (a changed or missing migration, a dirty database) as a backend failure.
pub(crate) fn classify_migration(err: MigrateError) -> StoreError {
    match err {
        MigrateError::Execute(err) => classify(err),
        other => StoreError::backend(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_and_connection_failures_are_unavailability() {
        assert!(matches!(
            classify(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(matches!(classify(sqlx::Error::Io(io)), StoreError::Unavailable(_)));
        assert!(matches!(classify(sqlx::Error::RowNotFound), StoreError::Backend(_)));
    }

    #[test]
    fn every_unique_constraint_of_the_schema_has_a_key() {
        let schema = include_str!("../migrations/0001_initial.sql");
        for constraint in [
            "users_pkey",
            "courses_pkey",
            "enrollments_pkey",
            "refresh_tokens_pkey",
            "users_email_key",
            "enrollments_user_course_key",
        ] {
            assert!(
                schema.contains(&format!("CONSTRAINT {constraint} ")),
                "{constraint} is not in the schema"
            );
            assert!(unique_key(constraint).is_some());
        }
        assert_eq!(unique_key("course_lessons_pkey"), None);
    }
}
