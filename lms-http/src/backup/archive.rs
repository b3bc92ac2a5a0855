//! The plaintext of a backup: zstd-compressed lines, each a tag, a tab and a JSON value.
//!
//! ```text
//! #header\t{"format":"lms-backup","version":1,"created_at":"…","sections":["outbox",…]}
//! outbox\t{…one item…}
//! …
//! #manifest\t{"outbox":{"count":12,"sha256":"…"},…}
//! ```
//!
//! Items come section by section in [`Section::ALL`] order. A section's checksum is the
//! SHA-256 of its items' JSON exactly as written, each followed by a newline, so it can be
//! checked without parsing and recomputed from any store that holds the same items.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};

use chrono::{DateTime, Utc};
use lms_core::ports::Section;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `format` of the header.
const FORMAT: &str = "lms-backup";
/// The version of the line format.
const VERSION: u32 = 1;
/// The tag of the header line.
const HEADER: &str = "#header";
/// The tag of the manifest line.
const MANIFEST: &str = "#manifest";
/// The zstd level: fast, and most of the ratio on JSON.
const LEVEL: i32 = 3;

/// The first line of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Always `lms-backup`.
    pub format: String,
    /// The line format's version.
    pub version: u32,
    /// When the backup began.
    pub created_at: DateTime<Utc>,
    /// The sections, in order.
    pub sections: Vec<String>,
}

/// A section's count and checksum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSum {
    /// Items.
    pub count: u64,
    /// SHA-256 of the items' lines, hex.
    pub sha256: String,
}

/// Every section's count and checksum, by section name.
pub type Manifest = BTreeMap<String, SectionSum>;

/// Counts and hashes a section's items as they pass.
#[derive(Debug, Default)]
pub struct Tally {
    sums: BTreeMap<Section, (u64, Sha256)>,
}

impl Tally {
    /// Adds one item's JSON.
    pub fn add(&mut self, section: Section, json: &[u8]) {
        let (count, hash) = self.sums.entry(section).or_default();
        *count += 1;
        hash.update(json);
        hash.update(b"\n");
    }

    /// The manifest of what was added: every section, empty ones included.
    pub fn manifest(self) -> Manifest {
        let mut manifest: Manifest = Section::ALL
            .iter()
            .map(|s| {
                (
                    s.name().to_owned(),
                    SectionSum {
                        count: 0,
                        sha256: hex(&Sha256::digest(b"")),
                    },
                )
            })
            .collect();
        for (section, (count, hash)) in self.sums {
            manifest.insert(
                section.name().to_owned(),
                SectionSum {
                    count,
                    sha256: hex(&hash.finalize()),
                },
            );
        }
        manifest
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the lines of a backup, compressed, to `out`.
pub struct ArchiveWriter<W: Write> {
    out: zstd::stream::write::Encoder<'static, W>,
    tally: Tally,
}

impl<W: Write> std::fmt::Debug for ArchiveWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveWriter").finish_non_exhaustive()
    }
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts a backup begun at `created_at`.
    pub fn new(out: W, created_at: DateTime<Utc>) -> io::Result<Self> {
        let mut writer = Self {
            out: zstd::stream::write::Encoder::new(out, LEVEL)?,
            tally: Tally::default(),
        };
        let header = Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            created_at,
            sections: Section::ALL.iter().map(|s| s.name().to_owned()).collect(),
        };
        writer.line(HEADER, &serde_json::to_vec(&header)?)?;
        Ok(writer)
    }

    fn line(&mut self, tag: &str, json: &[u8]) -> io::Result<()> {
        self.out.write_all(tag.as_bytes())?;
        self.out.write_all(b"\t")?;
        self.out.write_all(json)?;
        self.out.write_all(b"\n")
    }

    /// Writes one item.
    pub fn item(&mut self, section: Section, item: &Value) -> io::Result<()> {
        let json = serde_json::to_vec(item)?;
        self.tally.add(section, &json);
        self.line(section.name(), &json)
    }

    /// Writes the manifest and ends the compressed stream; the manifest and the output.
    pub fn finish(mut self) -> io::Result<(Manifest, W)> {
        let manifest = std::mem::take(&mut self.tally).manifest();
        self.line(MANIFEST, &serde_json::to_vec(&manifest)?)?;
        Ok((manifest, self.out.finish()?))
    }
}

/// Why the lines of a backup are not what they should be.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading failed (including a damaged container).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The first line is not a header of a known version.
    #[error("not an lms backup of a known version: {0}")]
    Header(String),
    /// A line is malformed.
    #[error("malformed line {line}: {problem}")]
    Line {
        /// Its number, from 1.
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// The stream ended without a manifest.
    #[error("the backup has no manifest (it was cut short)")]
    NoManifest,
    /// A section's count or checksum differs from the manifest.
    #[error("checksum mismatch for {section}: the manifest says {expected:?}, the items give {found:?}")]
    Mismatch {
        /// The section.
        section: String,
        /// The manifest's count and checksum.
        expected: SectionSum,
        /// What the items give.
        found: SectionSum,
    },
}

/// Reads the lines of a backup from its decrypted stream, handing each item to
/// `on_item` (its section, its JSON as written), and checks every section's count and
/// checksum against the manifest. Returns the header and the manifest.
pub fn read(
    plain: impl io::Read,
    mut on_item: impl FnMut(Section, &[u8]) -> Result<(), String>,
) -> Result<(Header, Manifest), ArchiveError> {
    let mut lines = io::BufReader::new(zstd::stream::read::Decoder::new(plain)?);
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut header: Option<Header> = None;
    let mut tally = Tally::default();
    let mut last_section: Option<Section> = None;
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line)? == 0 {
            return Err(ArchiveError::NoManifest);
        }
        number += 1;
        let malformed = |problem: &str| ArchiveError::Line {
            line: number,
            problem: problem.to_owned(),
        };
        let Some(body) = line.strip_suffix(b"\n") else {
            return Err(malformed("no line end"));
        };
        let Some(tab) = body.iter().position(|&b| b == b'\t') else {
            return Err(malformed("no tab"));
        };
        let (tag, json) = (&body[..tab], &body[tab + 1..]);
        let tag = std::str::from_utf8(tag).map_err(|_| malformed("the tag is not UTF-8"))?;
        if header.is_none() {
            if tag != HEADER {
                return Err(ArchiveError::Header("the first line is not a header".into()));
            }
            let parsed: Header = serde_json::from_slice(json).map_err(|e| ArchiveError::Header(e.to_string()))?;
            if parsed.format != FORMAT || parsed.version != VERSION {
                return Err(ArchiveError::Header(format!(
                    "format {:?} version {}, expected {FORMAT:?} version {VERSION}",
                    parsed.format, parsed.version
                )));
            }
            header = Some(parsed);
            continue;
        }
        if tag == MANIFEST {
            let manifest: Manifest =
                serde_json::from_slice(json).map_err(|e| malformed(&format!("unreadable manifest: {e}")))?;
            let mut rest = [0u8; 1];
            if io::Read::read(&mut lines, &mut rest)? > 0 {
                return Err(malformed("lines follow the manifest"));
            }
            check(&manifest, tally.manifest())?;
            let header = header.ok_or_else(|| ArchiveError::Header("no header".into()))?;
            return Ok((header, manifest));
        }
        let section = Section::from_name(tag).ok_or_else(|| malformed(&format!("unknown section {tag:?}")))?;
        if last_section.is_some_and(|last| last > section) {
            return Err(malformed(&format!("section {tag} is out of order")));
        }
        last_section = Some(section);
        tally.add(section, json);
        on_item(section, json).map_err(|problem| malformed(&problem))?;
    }
}

/// Checks every section of `found` against `manifest`.
pub fn check(manifest: &Manifest, found: Manifest) -> Result<(), ArchiveError> {
    for (section, found) in found {
        let expected = manifest.get(&section).cloned().unwrap_or_default();
        if expected != found {
            return Err(ArchiveError::Mismatch {
                section,
                expected,
                found,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(items: &[(Section, Value)]) -> Vec<u8> {
        let mut writer = ArchiveWriter::new(Vec::new(), Utc::now()).unwrap();
        for (section, item) in items {
            writer.item(*section, item).unwrap();
        }
        writer.finish().unwrap().1
    }

    #[test]
    fn items_come_back_with_their_counts_and_checksums() {
        let items = [
            (Section::Records, serde_json::json!({"kind": "order", "id": 1})),
            (Section::Users, serde_json::json!({"id": 2, "email": "a@example.com"})),
            (Section::Users, serde_json::json!({"id": 3, "email": "b@example.com"})),
        ];
        let mut seen = Vec::new();
        let (header, manifest) = read(archive(&items).as_slice(), |section, json| {
            seen.push((section, serde_json::from_slice::<Value>(json).unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, items);
        assert_eq!(header.version, VERSION);
        assert_eq!(manifest["users"].count, 2);
        assert_eq!(manifest["outbox"].count, 0);
    }

    #[test]
    fn a_changed_manifest_names_the_section() {
        let mut writer = ArchiveWriter::new(Vec::new(), Utc::now()).unwrap();
        writer.item(Section::Users, &serde_json::json!({"id": 1})).unwrap();
        // A manifest written by hand that claims another count.
        let mut tally = Tally::default();
        tally.add(Section::Users, b"{\"id\":1}");
        tally.add(Section::Users, b"{\"id\":2}");
        writer
            .line(MANIFEST, &serde_json::to_vec(&tally.manifest()).unwrap())
            .unwrap();
        let plain = writer.out.finish().unwrap();
        let err = read(plain.as_slice(), |_, _| Ok(())).unwrap_err();
        assert!(err.to_string().starts_with("checksum mismatch for users"), "{err}");
    }
}
