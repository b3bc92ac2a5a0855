//! Classification of SQLite errors into [`StoreError`], by result code.

use lms_core::ports::{StoreError, UniqueKey};
use sqlx::migrate::MigrateError;

/// `SQLITE_CONSTRAINT_PRIMARYKEY`: a row with this primary key exists.
const CONSTRAINT_PRIMARYKEY: i32 = 1555;
/// `SQLITE_CONSTRAINT_UNIQUE`: a UNIQUE constraint other than the primary key was broken.
const CONSTRAINT_UNIQUE: i32 = 2067;
/// Primary result codes meaning the database file cannot be used right now:
/// `SQLITE_BUSY` (locked by another process past the busy timeout), `SQLITE_LOCKED`,
/// `SQLITE_IOERR` and `SQLITE_CANTOPEN`.
const UNAVAILABLE_PRIMARY_CODES: [i32; 4] = [5, 6, 10, 14];

/// The extended result code of a database error.
fn result_code(err: &sqlx::Error) -> Option<i32> {
    match err {
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse().ok()),
        _ => None,
    }
}

/// Classifies an error of a statement that breaks no uniqueness rule the port names.
pub(crate) fn classify(err: sqlx::Error) -> StoreError {
    classify_write(None)(err)
}

/// Classifies the errors of a write to a table whose only UNIQUE constraint (besides the
/// primary key) stands for `unique`: a primary-key violation is a duplicate id, a UNIQUE
/// violation is `unique`.
pub(crate) fn classify_write(unique: Option<UniqueKey>) -> impl Fn(sqlx::Error) -> StoreError {
    move |err| match (result_code(&err), unique) {
        (Some(CONSTRAINT_PRIMARYKEY), _) => StoreError::Duplicate(UniqueKey::Id),
        (Some(CONSTRAINT_UNIQUE), Some(key)) => StoreError::Duplicate(key),
        (Some(code), _) if UNAVAILABLE_PRIMARY_CODES.contains(&(code & 0xff)) => StoreError::unavailable(err),
        (None, _) if is_connection_error(&err) => StoreError::unavailable(err),
        _ => StoreError::backend(err),
    }
}

/// Errors of the pool or the connection itself rather than of a statement.
fn is_connection_error(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed
    )
}

/// Classifies a migration failure: the database's own errors as usual, anything else
/// (a changed or missing migration, a dirty database) as a backend failure.
pub(crate) fn classify_migration(err: MigrateError) -> StoreError {
    match err {
        MigrateError::Execute(err) => classify(err),
        other => StoreError::backend(other),
    }
}
