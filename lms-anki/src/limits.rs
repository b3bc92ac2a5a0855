//! Limits on what reading a package may cost, and the streaming copy that enforces them.

use std::io::{Read, Write};

use crate::AnkiError;

/// Bounds on a package read by [`read_apkg`](crate::read_apkg). Everything in a package
/// is untrusted: sizes are counted while inflating, never taken from the archive's
/// headers, so a zip bomb stops at the limit with [`AnkiError::DecompressedTooLarge`].
/// [`read_text`](crate::read_text) applies `max_package_bytes` to the file and
/// `max_notes` to its notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest package accepted, in bytes (the upload itself).
    pub max_package_bytes: u64,
    /// The most bytes all entries together may inflate to: collection database, media
    /// list and media files.
    pub max_decompressed_bytes: u64,
    /// The most notes a package may hold.
    pub max_notes: usize,
    /// The most bytes the media files together may have, once inflated. They are held
    /// in memory, in [`Package::media`](crate::Package).
    pub max_media_bytes: u64,
    /// The most review log entries a package may hold.
    pub max_reviews: usize,
}

impl Default for Limits {
    /// 100 MiB packages inflating to at most 512 MiB, of which at most 256 MiB of media,
    /// with at most 100,000 notes and 2,000,000 review log entries: large shared decks
    /// with audio fit, and memory stays bounded.
    fn default() -> Self {
        Self {
            max_package_bytes: 100 * 1024 * 1024,
            max_decompressed_bytes: 512 * 1024 * 1024,
            max_notes: 100_000,
            max_media_bytes: 256 * 1024 * 1024,
            max_reviews: 2_000_000,
        }
    }
}

/// The remaining decompression budget of one read.
pub(crate) struct Budget {
    limits: Limits,
    decompressed_left: u64,
    media_left: u64,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            limits: limits.clone(),
            decompressed_left: limits.max_decompressed_bytes,
            media_left: limits.max_media_bytes,
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Copies `reader` (an inflating reader of zip entry `entry`) into `writer`, counting
    /// the bytes against the total budget and, for a media file, the media budget.
    /// Returns the number of bytes copied.
    pub(crate) fn copy(
        &mut self,
        entry: &str,
        media_name: Option<&str>,
        reader: &mut impl Read,
        writer: &mut impl Write,
    ) -> Result<u64, AnkiError> {
        let allowed = match media_name {
            Some(_) => self.decompressed_left.min(self.media_left),
            None => self.decompressed_left,
        };
        let mut buf = vec![0u8; 64 * 1024];
        let mut copied: u64 = 0;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(AnkiError::corrupt(format!(
                        "entry {entry:?} cannot be decompressed: {e}"
                    )))
                }
            };
            copied = copied.saturating_add(n as u64);
            if copied > allowed {
                return Err(match media_name {
                    Some(name) if copied > self.media_left => AnkiError::MediaTooLarge {
                        name: name.to_owned(),
                        limit: self.limits.max_media_bytes,
                    },
                    _ => AnkiError::DecompressedTooLarge {
                        entry: entry.to_owned(),
                        limit: self.limits.max_decompressed_bytes,
                    },
                });
            }
            let chunk = buf
                .get(..n)
                .ok_or_else(|| AnkiError::storage("reader returned more than asked"))?;
            writer.write_all(chunk).map_err(AnkiError::storage)?;
        }
        self.decompressed_left -= copied;
        if media_name.is_some() {
            self.media_left -= copied;
        }
        Ok(copied)
    }
}
