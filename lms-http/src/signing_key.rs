//! The keys that sign access tokens: the configured ones, or in development a random key
//! generated at first start and kept under the data directory, so no key the server
//! accepts is ever written in its source.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};

use crate::settings::{Environment, Secret, Settings, MIN_PRODUCTION_SECRET_CHARS};

/// Name of the development key's file inside the data directory.
pub const DEVELOPMENT_KEY_FILE: &str = "jwt-secret";

/// Name of the development certificate-signing key's file inside the data directory.
pub const DEVELOPMENT_CERTIFICATE_KEY_FILE: &str = "certificate-secret";

/// A fresh secret: 32 random bytes from the operating system, hex encoded.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why no signing key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error("development signing key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The key file is readable by others, or too short to be a key this server made.
    #[error("development signing key {path}: {reason}")]
    Unsafe {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Outside development a key must be configured (the settings check says so first).
    #[error("no signing key is configured")]
    NotConfigured,
    /// A configured key cannot be used.
    #[error("signing key: {0}")]
    Invalid(String),
}

/// The signing keys, newest first: the configured ones, or in development the key under
/// the data directory (created on first start).
pub fn signing_keys(settings: &Settings) -> Result<Vec<Secret>, KeyError> {
    if !settings.jwt_secrets.is_empty() {
        return Ok(settings.jwt_secrets.clone());
    }
    if settings.environment != Environment::Development {
        return Err(KeyError::NotConfigured);
    }
    development_key(&settings.data_dir, DEVELOPMENT_KEY_FILE).map(|key| vec![key])
}

/// The secret certificates are signed with (its Ed25519 key is derived from it): the
/// configured one, or in development one kept under the data directory.
pub fn certificate_secret(settings: &Settings) -> Result<Secret, KeyError> {
    if let Some(secret) = &settings.certificate_secret {
        return Ok(secret.clone());
    }
    if settings.environment != Environment::Development {
        return Err(KeyError::NotConfigured);
    }
    development_key(&settings.data_dir, DEVELOPMENT_CERTIFICATE_KEY_FILE)
}

/// Reads the development key `file` in `dir`, creating it (mode 0600) if it does not exist.
fn development_key(dir: &Path, file: &str) -> Result<Secret, KeyError> {
    let path = dir.join(file);
    let io_error = |source| KeyError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    match create_private(&path) {
        Ok(mut file) => {
            let key = random_secret();
            file.write_all(key.as_bytes()).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
            tracing::info!(path = %path.display(), "generated a development signing key");
            Ok(Secret::new(key))
        }
        // Another process created it first, or an earlier start did.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read_private(&path),
        Err(e) => Err(io_error(e)),
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// Reads a key file, refusing one that others may read or that is too short.
fn read_private(path: &Path) -> Result<Secret, KeyError> {
    let unsafe_key = |reason| KeyError::Unsafe {
        path: path.to_owned(),
        reason,
    };
    let io_error = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(io_error)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(unsafe_key("group or others may access it (chmod 600 it)"));
        }
    }
    let mut key = String::new();
    file.read_to_string(&mut key).map_err(io_error)?;
    let key = key.trim();
    if key.chars().count() < MIN_PRODUCTION_SECRET_CHARS {
        return Err(unsafe_key("it is shorter than a generated key"));
    }
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_key_is_created_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = development_key(&data, DEVELOPMENT_KEY_FILE).unwrap();
        assert_eq!(first.expose().len(), 64);
        let again = development_key(&data, DEVELOPMENT_KEY_FILE).unwrap();
        assert_eq!(first, again, "the key survives a restart");
        let certificates = development_key(&data, DEVELOPMENT_CERTIFICATE_KEY_FILE).unwrap();
        assert_ne!(first, certificates, "each key has its own file");
        let other = development_key(&dir.path().join("elsewhere"), DEVELOPMENT_KEY_FILE).unwrap();
        assert_ne!(first, other, "each data directory has its own random key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = data.join(DEVELOPMENT_KEY_FILE);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                development_key(&data, DEVELOPMENT_KEY_FILE),
                Err(KeyError::Unsafe { .. })
            ));
        }
    }

    #[test]
    fn configured_keys_win_and_other_environments_need_them() {
        let mut settings = Settings::for_tests("sqlite::memory:");
        let configured = settings.jwt_secrets.clone();
        assert_eq!(signing_keys(&settings).unwrap(), configured);
        settings.jwt_secrets.clear();
        settings.environment = Environment::Staging;
        assert!(matches!(signing_keys(&settings), Err(KeyError::NotConfigured)));
    }
}
