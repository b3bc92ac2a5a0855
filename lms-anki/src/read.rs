//! Reading an `.apkg`: the zip container, its layout, the media, and the collection.

use std::collections::HashSet;
use std::io::{Cursor, Write};

use sha1::{Digest, Sha1};
use zip::result::ZipError;
use zip::ZipArchive;

use crate::collection::read_collection;
use crate::limits::Budget;
use crate::model::media_name_is_safe;
use crate::proto::{Fields, Value};
use crate::{AnkiError, Limits, MediaFile, Package};

/// The three package layouts, as the `meta` entry numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `collection.anki2`, schema 11, no `meta`: Anki before 2.1 and genanki.
    Legacy1,
    /// `collection.anki21`, schema 11: Anki 2.1 before 23.10, and "support older Anki
    /// versions" exports since.
    Legacy2,
    /// `collection.anki21b`: zstd-compressed schema 18, a protobuf media list and
    /// zstd-compressed media files. What Anki writes by default since 23.10.
    Latest,
}

impl Layout {
    fn collection_entry(self) -> &'static str {
        match self {
            Self::Legacy1 => "collection.anki2",
            Self::Legacy2 => "collection.anki21",
            Self::Latest => "collection.anki21b",
        }
    }

    fn zstd(self) -> bool {
        self == Self::Latest
    }
}

type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Reads an Anki deck package (`.apkg`) from `bytes`.
///
/// Accepts all three layouts: the legacy `collection.anki2` and `collection.anki21`
/// (schema 11, a JSON media map) and the current `collection.anki21b` (zstd, schema 18,
/// protobuf media list, zstd media). The `meta` entry decides the layout, as in Anki;
/// without one, the newest collection entry present is read. Anki's exports also carry a
/// dummy `collection.anki2` ("please update Anki"), which is thereby never read in place
/// of the real collection.
///
/// Nothing in the package is trusted: sizes are counted while inflating against
/// `limits`, names and text are validated, and any damage is an [`AnkiError`] saying what
/// and where, rather than a partial result.
pub fn read_apkg(bytes: &[u8], limits: &Limits) -> Result<Package, AnkiError> {
    let size = bytes.len() as u64;
    if size > limits.max_package_bytes {
        return Err(AnkiError::PackageTooLarge {
            size,
            limit: limits.max_package_bytes,
        });
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| AnkiError::NotAZip { reason: e.to_string() })?;
    let mut budget = Budget::new(limits);
    let layout = detect_layout(&mut archive, &mut budget)?;

    // A directory of its own: SQLite puts `-wal` and `-shm` files beside a database that
    // was left in WAL mode (as Anki's current exports are), and they go with the directory.
    let dir = tempfile::tempdir().map_err(AnkiError::storage)?;
    let collection_path = dir.path().join("collection");
    let entry_name = layout.collection_entry();
    {
        let file = std::fs::File::create(&collection_path).map_err(AnkiError::storage)?;
        let mut out = std::io::BufWriter::new(file);
        extract(&mut archive, entry_name, layout.zstd(), &mut budget, None, &mut out)?;
        out.flush().map_err(AnkiError::storage)?;
    }
    let content = read_collection(&collection_path, budget.limits())?;
    let media = read_media(&mut archive, layout, &mut budget)?;
    Ok(Package {
        notes: content.notes,
        note_types: content.note_types,
        decks: content.decks,
        media,
        reviews: content.reviews,
    })
}

/// The layout from `meta` (a protobuf `PackageMetadata`, version in field 1), or from the
/// collection entries present when there is no `meta`.
fn detect_layout(archive: &mut Archive<'_>, budget: &mut Budget) -> Result<Layout, AnkiError> {
    let has = |archive: &Archive<'_>, name: &str| archive.index_for_name(name).is_some();
    if has(archive, "meta") {
        let meta = read_entry(archive, "meta", budget, false)?;
        let mut version = 0;
        for field in Fields::new(&meta) {
            if let (1, Value::Varint(v)) =
                field.map_err(|_| AnkiError::corrupt("the meta entry is not valid protobuf"))?
            {
                version = v;
            }
        }
        return match version {
            1 => Ok(Layout::Legacy1),
            2 => Ok(Layout::Legacy2),
            3 => Ok(Layout::Latest),
            _ => Err(AnkiError::UnsupportedVersion { version }),
        };
    }
    [Layout::Latest, Layout::Legacy2, Layout::Legacy1]
        .into_iter()
        .find(|layout| has(archive, layout.collection_entry()))
        .ok_or_else(|| AnkiError::corrupt("the package has no collection (collection.anki21b, .anki21 or .anki2)"))
}

fn open_entry<'a, 'b>(
    archive: &'a mut Archive<'b>,
    name: &str,
) -> Result<zip::read::ZipFile<'a, Cursor<&'b [u8]>>, AnkiError> {
    archive.by_name(name).map_err(|e| match e {
        ZipError::FileNotFound => AnkiError::corrupt(format!("the package has no entry {name:?}")),
        other => AnkiError::corrupt(format!("entry {name:?} cannot be read: {other}")),
    })
}

/// Inflates zip entry `name`, and zstd-decodes it when `zstd`, into `out`, counting the
/// bytes against the budget (and the media budget when it is the media file `media_name`).
fn extract(
    archive: &mut Archive<'_>,
    name: &str,
    zstd: bool,
    budget: &mut Budget,
    media_name: Option<&str>,
    out: &mut impl Write,
) -> Result<(), AnkiError> {
    let mut entry = open_entry(archive, name)?;
    if zstd {
        let mut decoder = zstd::stream::read::Decoder::new(&mut entry)
            .map_err(|e| AnkiError::storage(format!("starting a zstd decoder: {e}")))?;
        budget.copy(name, media_name, &mut decoder, out)?;
    } else {
        budget.copy(name, media_name, &mut entry, out)?;
    }
    Ok(())
}

/// The whole inflated content of entry `name`, counted against the total budget.
fn read_entry(archive: &mut Archive<'_>, name: &str, budget: &mut Budget, zstd: bool) -> Result<Vec<u8>, AnkiError> {
    let mut out = Vec::new();
    extract(archive, name, zstd, budget, None, &mut out)?;
    Ok(out)
}

/// One media file as the media list describes it.
struct MediaEntry {
    name: String,
    /// The zip entry holding the file: its position in the list, or the legacy number.
    zip_name: String,
    /// Size and SHA-1 as the current layout records them, checked after reading.
    size: Option<u64>,
    sha1: Option<Vec<u8>>,
}

fn read_media(archive: &mut Archive<'_>, layout: Layout, budget: &mut Budget) -> Result<Vec<MediaFile>, AnkiError> {
    if archive.index_for_name("media").is_none() {
        return Ok(Vec::new());
    }
    let list = read_entry(archive, "media", budget, layout.zstd())?;
    let entries = if layout.zstd() {
        parse_media_entries(&list)?
    } else {
        parse_media_map(&list)?
    };

    let mut names = HashSet::new();
    let mut media = Vec::with_capacity(entries.len());
    for entry in entries {
        if !media_name_is_safe(&entry.name) {
            return Err(AnkiError::corrupt(format!(
                "the media list has an unsafe file name {:?}",
                entry.name
            )));
        }
        if !names.insert(entry.name.clone()) {
            return Err(AnkiError::corrupt(format!(
                "the media list names {:?} twice",
                entry.name
            )));
        }
        let mut bytes = Vec::new();
        extract(
            archive,
            &entry.zip_name,
            layout.zstd(),
            budget,
            Some(&entry.name),
            &mut bytes,
        )?;
        if entry.size.is_some_and(|size| size != bytes.len() as u64) {
            return Err(AnkiError::corrupt(format!(
                "media file {:?} does not have the size the list gives",
                entry.name
            )));
        }
        if entry
            .sha1
            .as_deref()
            .is_some_and(|sha1| sha1 != Sha1::digest(&bytes).as_slice())
        {
            return Err(AnkiError::corrupt(format!(
                "media file {:?} does not match its SHA-1",
                entry.name
            )));
        }
        media.push(MediaFile {
            name: entry.name,
            bytes,
        });
    }
    Ok(media)
}

/// The legacy media list: a JSON object from zip entry number to file name.
fn parse_media_map(list: &[u8]) -> Result<Vec<MediaEntry>, AnkiError> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(list)
        .map_err(|e| AnkiError::corrupt(format!("the media list is not a JSON object: {e}")))?;
    let mut entries = map
        .into_iter()
        .map(|(zip_name, name)| {
            let number = zip_name
                .parse::<u64>()
                .map_err(|_| AnkiError::corrupt(format!("the media list has a non-numeric entry {zip_name:?}")))?;
            let name = name
                .as_str()
                .ok_or_else(|| AnkiError::corrupt(format!("media entry {zip_name:?} has no file name")))?
                .to_owned();
            Ok((
                number,
                MediaEntry {
                    name,
                    zip_name,
                    size: None,
                    sha1: None,
                },
            ))
        })
        .collect::<Result<Vec<_>, AnkiError>>()?;
    entries.sort_by_key(|(number, _)| *number);
    Ok(entries.into_iter().map(|(_, entry)| entry).collect())
}

/// The current media list: protobuf `MediaEntries { repeated MediaEntry entries = 1; }`
/// with `MediaEntry { string name = 1; uint32 size = 2; bytes sha1 = 3;
/// optional uint32 legacy_zip_filename = 255; }`. A file is in the zip entry named by its
/// position in the list, unless it has a legacy number.
fn parse_media_entries(list: &[u8]) -> Result<Vec<MediaEntry>, AnkiError> {
    let invalid = || AnkiError::corrupt("the media list is not valid protobuf");
    let mut entries = Vec::new();
    for field in Fields::new(list) {
        let Value::Bytes(message) = (match field.map_err(|_| invalid())? {
            (1, value) => value,
            _ => continue,
        }) else {
            return Err(invalid());
        };
        let position = entries.len();
        let mut name = None;
        let mut size = 0;
        let mut sha1 = None;
        let mut zip_number = None;
        for field in Fields::new(message) {
            match field.map_err(|_| invalid())? {
                (1, Value::Bytes(bytes)) => {
                    name = Some(String::from_utf8(bytes.to_vec()).map_err(|_| {
                        AnkiError::corrupt(format!("media entry {position} has a name that is not UTF-8"))
                    })?)
                }
                (2, Value::Varint(v)) => size = v,
                (3, Value::Bytes(bytes)) if !bytes.is_empty() => sha1 = Some(bytes.to_vec()),
                (255, Value::Varint(v)) => zip_number = Some(v),
                _ => {}
            }
        }
        let name = name.ok_or_else(|| AnkiError::corrupt(format!("media entry {position} has no name")))?;
        entries.push(MediaEntry {
            name,
            zip_name: zip_number.unwrap_or(position as u64).to_string(),
            size: Some(size),
            sha1,
        });
    }
    Ok(entries)
}
