//! Logical backups: `lms-server backup --out FILE`, `backup --verify FILE` and
//! `restore --from FILE`.
//!
//! A backup holds every section of the storage port [`BackupStore`] as adapter-neutral
//! JSON lines ([`archive`]), compressed with zstd and encrypted with AES-256-GCM in
//! authenticated chunks ([`sealed`]) under the key in `LMS_BACKUP_KEY`. It is read from
//! one consistent view of the database while the server keeps serving, and restores into
//! an empty database of any backend, which is also how data moves between backends.
//!
//! The format lives here rather than in `lms-core` so that the core stays free of
//! compression and of a C library (zstd); the port and the item shapes it relies on are
//! the core's, so an embedder can back up through them with any format.

pub mod archive;
pub mod sealed;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use chrono::Utc;
use lms_core::ports::{BackupStore, Section};
use serde_json::Value;

use self::archive::{ArchiveError, ArchiveWriter, Manifest, Tally};
use self::sealed::{Opener, Sealer};
use crate::app::Storage;

/// The environment variable holding the backup key.
pub const KEY_VAR: &str = "LMS_BACKUP_KEY";
/// Items read from the database, or restored into it, at a time.
const PAGE: u32 = 1000;

/// A backup key: 32 bytes, written as 64 hexadecimal digits or in base64 (44 characters
/// with padding, 43 without). Anything else is refused, naming the accepted forms.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map_err(|_| {
                format!("{KEY_VAR} must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)")
            })?
    };
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "{KEY_VAR} holds {} bytes; it must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)",
            bytes.len()
        )
    })
}

/// The backup key from `LMS_BACKUP_KEY`.
pub fn key_from_env() -> Result<[u8; 32], String> {
    let text = std::env::var(KEY_VAR)
        .map_err(|_| format!("{KEY_VAR} is not set: backups are encrypted under it (32 bytes, hex or base64)"))?;
    parse_key(&text)
}

/// The backup port of an opened storage backend.
pub fn backup_store(storage: &Storage) -> Arc<dyn BackupStore> {
    match storage {
        #[cfg(feature = "sqlite")]
        Storage::Sqlite(store) => Arc::new(store.clone()),
        #[cfg(feature = "postgres")]
        Storage::Postgres(store) => Arc::new(store.clone()),
        #[cfg(feature = "mongo")]
        Storage::Mongo(store) => Arc::new(store.clone()),
    }
}

/// One line per section: its count and checksum.
fn summary(manifest: &Manifest) -> String {
    Section::ALL
        .iter()
        .map(|s| {
            let sum = manifest.get(s.name()).cloned().unwrap_or_default();
            format!("  {:<16} {:>9}  sha256 {}", s.name(), sum.count, sum.sha256)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes a backup of `store` to `out`: every section read from one view, paged.
pub async fn write_backup<W: Write>(store: &dyn BackupStore, out: W, key: &[u8; 32]) -> Result<(Manifest, W), String> {
    let started = Utc::now();
    let sealer = Sealer::new(out, key).map_err(|e| format!("cannot write the backup: {e}"))?;
    let mut writer = ArchiveWriter::new(sealer, started).map_err(|e| format!("cannot write the backup: {e}"))?;
    read_all(store, "", |section, item| {
        writer
            .item(section, item)
            .map_err(|e| format!("cannot write the backup: {e}"))
    })
    .await?;
    let (manifest, sealer) = writer.finish().map_err(|e| format!("cannot write the backup: {e}"))?;
    let out = sealer.finish().map_err(|e| format!("cannot write the backup: {e}"))?;
    Ok((manifest, out))
}

/// Hands every item of `store` to `each`, section by section in backup order, in pages
/// read from one view of the database; `what` qualifies the database in errors.
async fn read_all(
    store: &dyn BackupStore,
    what: &str,
    mut each: impl FnMut(Section, &Value) -> Result<(), String>,
) -> Result<(), String> {
    let mut reader = store
        .begin_backup()
        .await
        .map_err(|e| format!("cannot read the {what}database: {e}"))?;
    for section in Section::ALL {
        let mut after = None;
        loop {
            let page = reader
                .page(section, after.as_ref(), PAGE)
                .await
                .map_err(|e| format!("cannot read the {what}{}: {e}", section.name()))?;
            for item in &page {
                each(section, item)?;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => {
                    after = Some(section.cursor_of(last).map_err(|e| e.to_string())?);
                }
                _ => break,
            }
        }
    }
    reader
        .finish()
        .await
        .map_err(|e| format!("cannot end the read of the {what}database: {e}"))
}

/// Why a backup file cannot be used, in words that name the cause.
fn refusal(path: &Path, err: ArchiveError) -> String {
    let reason = match &err {
        ArchiveError::Io(io) => match sealed::seal_error(io) {
            Some(sealed) => sealed.to_string(),
            None => format!("cannot read it: {io}"),
        },
        other => other.to_string(),
    };
    format!("backup {} refused: {reason}", path.display())
}

/// Reads a whole backup file, checking every chunk, line, count and checksum, and hands
/// each item to `on_item`.
fn read_file(
    path: &Path,
    key: &[u8; 32],
    on_item: impl FnMut(Section, &[u8]) -> Result<(), String>,
) -> Result<(archive::Header, Manifest), String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let opener = Opener::new(BufReader::new(file), key).map_err(|e| refusal(path, ArchiveError::Io(e)))?;
    archive::read(opener, on_item).map_err(|e| refusal(path, e))
}

/// Checks a backup file without restoring it: its manifest, or why it is refused.
pub fn verify_file(path: &Path, key: &[u8; 32]) -> Result<(archive::Header, Manifest), String> {
    read_file(path, key, |_, _| Ok(()))
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The backup's manifest, which the restored database matches.
    pub manifest: Manifest,
    /// How long writing took (after the file was verified).
    pub writing: std::time::Duration,
}

/// Restores a backup file into `store`, which must be empty: the whole file is verified
/// first, so a damaged one leaves the database untouched; then the items are written,
/// and the database is read back and must give the manifest's counts and checksums.
pub async fn restore_file(store: Arc<dyn BackupStore>, path: &Path, key: &[u8; 32]) -> Result<Restored, String> {
    let (_, manifest) = verify_file(path, key)?;
    if !store
        .is_empty()
        .await
        .map_err(|e| format!("cannot read the database: {e}"))?
    {
        return Err(
            "the target database is not empty: a backup restores only into an empty database \
             (a new one; the restore applies the migrations itself)"
                .to_owned(),
        );
    }
    let started = Instant::now();
    let (batches, mut received) = tokio::sync::mpsc::channel::<(Section, Vec<Value>)>(4);
    let (reading_path, reading_key) = (path.to_owned(), *key);
    let reading = tokio::task::spawn_blocking(move || {
        let mut batch: Vec<Value> = Vec::new();
        let mut current: Option<Section> = None;
        let send = |section: Section, items: Vec<Value>| {
            batches
                .blocking_send((section, items))
                .map_err(|_| "the restore stopped".to_owned())
        };
        read_file(&reading_path, &reading_key, |section, json| {
            if current.is_some_and(|c| c != section) || batch.len() == PAGE as usize {
                send(current.unwrap_or(section), std::mem::take(&mut batch))?;
            }
            current = Some(section);
            batch.push(serde_json::from_slice(json).map_err(|e| e.to_string())?);
            Ok(())
        })?;
        if let Some(section) = current.filter(|_| !batch.is_empty()) {
            send(section, batch)?;
        }
        Ok::<(), String>(())
    });
    let mut written: Result<(), String> = Ok(());
    while let Some((section, items)) = received.recv().await {
        if let Err(e) = store.restore(section, &items).await {
            written = Err(format!("cannot restore {}: {e}", section.name()));
            break;
        }
    }
    drop(received);
    let read = reading.await.map_err(|e| format!("the backup reader failed: {e}"))?;
    let partial = |e: String| {
        format!("{e}; the target database now holds part of the backup: empty it (drop and create it again) before restoring again")
    };
    written.map_err(partial)?;
    read.map_err(partial)?;
    let writing = started.elapsed();

    // The database must now give back exactly the backup.
    let mut tally = Tally::default();
    read_all(store.as_ref(), "restored ", |section, item| {
        tally.add(section, &serde_json::to_vec(item).map_err(|e| e.to_string())?);
        Ok(())
    })
    .await?;
    archive::check(&manifest, tally.manifest())
        .map_err(|e| format!("the restored database differs from the backup: {e}"))?;
    Ok(Restored { manifest, writing })
}

/// `lms-server backup --out FILE`: writes to `FILE.partial`, renamed to `FILE` once
/// complete; an existing `FILE` is left alone.
pub async fn backup_command(storage: &Storage, out: &Path) -> Result<(), String> {
    let key = key_from_env()?;
    if out.exists() {
        return Err(format!("{} exists: choose a new file name", out.display()));
    }
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let started = Instant::now();
    let store = backup_store(storage);
    let written = write_backup(store.as_ref(), BufWriter::new(file), &key).await;
    let (manifest, out_file) = match written {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let file = out_file.into_inner().map_err(|e| e.into_error().to_string())?;
    file.sync_all()
        .map_err(|e| format!("cannot sync {}: {e}", partial.display()))?;
    std::fs::rename(&partial, out).map_err(|e| format!("cannot rename {}: {e}", partial.display()))?;
    println!(
        "backup written to {} in {:.1} s\n{}",
        out.display(),
        started.elapsed().as_secs_f64(),
        summary(&manifest)
    );
    Ok(())
}

/// `lms-server backup --verify FILE`.
pub fn verify_command(path: &Path) -> Result<(), String> {
    let key = key_from_env()?;
    let (header, manifest) = verify_file(path, &key)?;
    println!(
        "backup {} verified: taken at {}, every chunk, count and checksum matches\n{}",
        path.display(),
        header.created_at.to_rfc3339(),
        summary(&manifest)
    );
    Ok(())
}

/// `lms-server restore --from FILE`.
pub async fn restore_command(storage: &Storage, from: &Path) -> Result<(), String> {
    let key = key_from_env()?;
    let restored = restore_file(backup_store(storage), from, &key).await?;
    println!(
        "restored {} in {:.1} s; the database matches every count and checksum of the backup\n{}",
        from.display(),
        restored.writing.as_secs_f64(),
        summary(&restored.manifest)
    );
    Ok(())
}
