//! Classification of driver errors into [`StoreError`], by server error code, error label
//! and the key pattern of a duplicate key error — never by message text.

use lms_core::ports::StoreError;
use mongodb::bson::{Bson, Document};
use mongodb::error::{Error, ErrorKind, WriteFailure, TRANSIENT_TRANSACTION_ERROR};

use crate::schema;

/// `DuplicateKey`.
pub(crate) const DUPLICATE_KEY: i32 = 11000;
/// `WriteConflict`: another transaction wrote the same document first.
pub(crate) const WRITE_CONFLICT: i32 = 112;
/// Server codes that mean the server cannot serve us right now: `HostUnreachable`,
/// `HostNotFound`, `NetworkTimeout`, `ShutdownInProgress`, `PrimarySteppedDown`,
/// `SocketException`, `NotWritablePrimary`, `InterruptedAtShutdown`,
/// `InterruptedDueToReplStateChange`, `NotPrimaryNoSecondaryOk`, `NotPrimaryOrSecondary`.
const UNAVAILABLE_CODES: [i32; 11] = [6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436];

/// The server's error code, if the error came from the server.
pub(crate) fn code(err: &Error) -> Option<i32> {
    match err.kind.as_ref() {
        ErrorKind::Command(e) => Some(e.code),
        ErrorKind::Write(WriteFailure::WriteError(e)) => Some(e.code),
        ErrorKind::Write(WriteFailure::WriteConcernError(e)) => Some(e.code),
        ErrorKind::InsertMany(e) => e
            .write_errors
            .as_ref()
            .and_then(|errors| errors.first())
            .map(|e| e.code)
            .or_else(|| e.write_concern_error.as_ref().map(|e| e.code)),
        _ => None,
    }
}

/// Whether the whole transaction that failed with this error may simply be run again: the
/// server labelled it transient, or it lost a write conflict.
pub(crate) fn is_transient(err: &Error) -> bool {
    err.contains_label(TRANSIENT_TRANSACTION_ERROR) || code(err) == Some(WRITE_CONFLICT)
}

/// Classifies a driver error: duplicate keys by the unique index they hit, unreachable or
/// stepping-down servers as unavailability, lost write conflicts as version conflicts,
/// anything else as a backend failure.
pub(crate) fn classify(err: Error) -> StoreError {
    let code = code(&err);
    if code == Some(DUPLICATE_KEY) {
        if let Some(key) = duplicate_key_pattern(&err).and_then(|p| schema::unique_key(&p)) {
            return StoreError::Duplicate(key);
        }
        return StoreError::backend(err);
    }
    if code.is_some_and(|c| UNAVAILABLE_CODES.contains(&c)) {
        return StoreError::unavailable(err);
    }
    // A write conflict still lost after the transaction's own retries is a lost race,
    // like a version check's: the use case re-reads and tries again.
    if is_transient(&err) {
        return StoreError::VersionConflict;
    }
    match err.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. }
        | ErrorKind::Shutdown => StoreError::unavailable(err),
        _ => StoreError::backend(err),
    }
}

/// The key pattern of the index a duplicate key error hit, as the server reports it: in
/// the first write error of a write command, or at the top of a `findAndModify` reply.
fn duplicate_key_pattern(err: &Error) -> Option<Document> {
    let response = Document::try_from(err.server_response()?).ok()?;
    let from_write_errors = match response.get("writeErrors") {
        Some(Bson::Array(errors)) => errors.iter().find_map(|e| match e {
            Bson::Document(e) => e.get_document("keyPattern").ok().cloned(),
            _ => None,
        }),
        _ => None,
    };
    from_write_errors.or_else(|| response.get_document("keyPattern").ok().cloned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn unreachable_servers_are_unavailability() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Error::from(ErrorKind::Io(Arc::new(io)));
        assert!(matches!(classify(err), StoreError::Unavailable(_)));
        assert!(matches!(
            classify(Error::from(ErrorKind::Shutdown)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            classify(Error::from(ErrorKind::SessionsNotSupported)),
            StoreError::Backend(_)
        ));
    }

    #[test]
    fn errors_without_a_server_reply_have_no_code() {
        assert_eq!(code(&Error::from(ErrorKind::Shutdown)), None);
        assert!(!is_transient(&Error::from(ErrorKind::Shutdown)));
    }
}
