//! The one error type of the crate.

/// Why a package could not be read or written.
///
/// Every variant except [`AnkiError::Storage`] is the uploaded package's or text file's
/// fault (or, for [`AnkiError::InvalidPackage`], the caller's data): an HTTP layer answers
/// those with 422 and the [`Display`](std::fmt::Display) text as the reason, which names
/// the entry, note, row or line at fault. [`AnkiError::is_invalid_input`] makes that split.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnkiError {
    /// The package is larger than [`Limits::max_package_bytes`](crate::Limits).
    #[error("the package is {size} bytes, more than the limit of {limit} bytes")]
    PackageTooLarge {
        /// The package's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Inflating the package's entries went past
    /// [`Limits::max_decompressed_bytes`](crate::Limits) (a zip bomb, or simply too big).
    /// Counted while decompressing; the sizes the archive declares are not trusted.
    #[error("the package decompresses to more than {limit} bytes (at entry {entry:?})")]
    DecompressedTooLarge {
        /// The zip entry being inflated when the limit was reached.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// The media files add up to more than [`Limits::max_media_bytes`](crate::Limits).
    #[error("the package's media files add up to more than {limit} bytes (at {name:?})")]
    MediaTooLarge {
        /// The media file being read when the limit was reached.
        name: String,
        /// The limit.
        limit: u64,
    },
    /// The package has more notes than [`Limits::max_notes`](crate::Limits).
    #[error("the package has more than {limit} notes")]
    TooManyNotes {
        /// The limit.
        limit: usize,
    },
    /// The package has more review log entries than
    /// [`Limits::max_reviews`](crate::Limits).
    #[error("the package has more than {limit} review log entries")]
    TooManyReviews {
        /// The limit.
        limit: usize,
    },
    /// The bytes are not a zip archive, or a truncated one.
    #[error("not an Anki package: {reason}")]
    NotAZip {
        /// What the zip reader found wrong.
        reason: String,
    },
    /// The package was written by an Anki newer than this reader knows.
    #[error("the package format version {version} is not one this reader supports (1 to 3); is it from a newer Anki?")]
    UnsupportedVersion {
        /// The version in the package's `meta` entry.
        version: u64,
    },
    /// The archive is a zip, but its content is not a valid Anki package: an entry is
    /// missing or damaged, the collection database is corrupt, a note does not match its
    /// note type, text is not UTF-8, and the like.
    #[error("corrupt Anki package: {reason}")]
    Corrupt {
        /// What is wrong, and where.
        reason: String,
    },
    /// [`write_apkg`](crate::write_apkg) was given content it cannot write: a note whose
    /// fields do not match its note type, a field containing Anki's separator, a duplicate
    /// guid, an unsafe media name, and the like.
    #[error("cannot write this package: {reason}")]
    InvalidPackage {
        /// What is wrong, and where.
        reason: String,
    },
    /// A text notes file ([`read_text`](crate::read_text)) cannot be read: bytes that are
    /// not UTF-8, a header line with a bad value, a row with the wrong number of field
    /// columns, a guid, tag or deck name with control characters, and the like.
    #[error("text file, line {line}: {reason}")]
    InvalidText {
        /// The line at fault, from 1 (where the row starts, for a row).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A text notes file ([`read_text`](crate::read_text)) has no note to import: it is
    /// empty, or has only headers, comments, empty rows and rows it left out.
    #[error("the text file has no notes ({skipped} rows left out)")]
    NoNotes {
        /// The number of rows left out (empty first field, repeated guid).
        skipped: usize,
    },
    /// A temporary file or the SQLite engine failed for a reason unrelated to the
    /// package's content (disk full, permissions). A server error, not the upload's.
    #[error("storage error while handling an Anki package: {reason}")]
    Storage {
        /// The underlying error.
        reason: String,
    },
}

impl AnkiError {
    /// Whether the error is due to the input (the package read, or the content given to
    /// write), as opposed to the machine: true for everything but
    /// [`AnkiError::Storage`].
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, Self::Storage { .. })
    }

    pub(crate) fn corrupt(reason: impl Into<String>) -> Self {
        Self::Corrupt { reason: reason.into() }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::InvalidPackage { reason: reason.into() }
    }

    pub(crate) fn storage(err: impl std::fmt::Display) -> Self {
        Self::Storage {
            reason: err.to_string(),
        }
    }
}
