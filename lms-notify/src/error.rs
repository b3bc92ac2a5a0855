//! The one error type of `lms-notify`.

use std::time::Duration;

use lms_core::error::BoxError;
use lms_core::ports::NotifyError;

/// What went wrong in an adapter: at construction (the server should refuse to start) or
/// while sending (converted into [`NotifyError`], and the caller retries).
///
/// Messages never contain a URL: one may carry a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting or an input is malformed: a server URL, a sender or recipient address,
    /// a subject prefix, a message id.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was malformed (`SMTP URL`, `sender address`, …).
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The server could not be reached, refused, or answered with an error.
    #[error("{operation} failed")]
    Failed {
        /// What was attempted (`SMTP send`, `JetStream publish`, …).
        operation: &'static str,
        /// The client library's error.
        #[source]
        source: BoxError,
    },
    /// The server did not answer in time.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// What was attempted.
        operation: &'static str,
        /// The time allowed.
        after: Duration,
    },
}

impl Error {
    pub(crate) fn invalid(what: &'static str, reason: impl ToString) -> Self {
        Error::Invalid {
            what,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn failed(operation: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Failed {
            operation,
            source: source.into(),
        }
    }
}

impl From<Error> for NotifyError {
    fn from(error: Error) -> Self {
        NotifyError(Box::new(error))
    }
}
