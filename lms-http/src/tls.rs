//! HTTPS on the public listener (S13): rustls with the ring provider (the one the
//! workspace's clients already use), TLS 1.3 only unless `LMS_TLS_ALLOW_TLS12`, and the
//! certificate reloaded without a restart when a renewal replaces its files.
//!
//! The server reads `LMS_TLS_CERT` (the certificate chain, leaf first, PEM) and
//! `LMS_TLS_KEY` (its private key: PKCS#8, PKCS#1 or SEC1 PEM) at start and refuses to
//! start, naming the file and the problem, when either is unreadable, holds no
//! certificate or key, or the key does not belong to the certificate. While it runs it
//! reads both files again every [`RELOAD_EVERY`] and on `SIGHUP`; a changed pair that
//! loads is served to every connection from then on, one that does not is logged and
//! the previous certificate stays.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// How often the certificate files are read for a renewal.
pub const RELOAD_EVERY: Duration = Duration::from_secs(2);

/// The TLS settings: where the certificate and key are, and the protocol versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The certificate chain, leaf first, PEM (`LMS_TLS_CERT`).
    pub cert: PathBuf,
    /// The certificate's private key, PEM (`LMS_TLS_KEY`).
    pub key: PathBuf,
    /// Whether TLS 1.2 is accepted besides TLS 1.3 (`LMS_TLS_ALLOW_TLS12`, default false).
    pub allow_tls12: bool,
}

impl TlsSettings {
    /// The settings from the values of `LMS_TLS_CERT`, `LMS_TLS_KEY` and
    /// `LMS_TLS_ALLOW_TLS12`: `None` when neither path is set, an error naming the missing
    /// one when only one is, or when the flag is not a boolean or set without them.
    pub fn from_vars(cert: Option<String>, key: Option<String>, allow_tls12: bool) -> Result<Option<Self>, String> {
        match (cert, key) {
            (Some(cert), Some(key)) => Ok(Some(Self {
                cert: cert.into(),
                key: key.into(),
                allow_tls12,
            })),
            (Some(_), None) => Err("LMS_TLS_KEY must be set with LMS_TLS_CERT (the certificate's private key)".into()),
            (None, Some(_)) => Err("LMS_TLS_CERT must be set with LMS_TLS_KEY (the certificate chain)".into()),
            (None, None) if allow_tls12 => {
                Err("LMS_TLS_ALLOW_TLS12 is set but TLS is not: set LMS_TLS_CERT and LMS_TLS_KEY".into())
            }
            (None, None) => Ok(None),
        }
    }
}

/// Why the certificate could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

/// The TLS side of the public listener: the acceptor every connection's handshake goes
/// through, and the certificate it presents, which [`Tls::watch`] keeps current.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    certificate: Arc<Certificate>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("settings", &self.certificate.settings)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// Loads the certificate and key the settings name and builds the server
    /// configuration; the error names the file and what is wrong with it.
    pub fn load(settings: &TlsSettings) -> Result<Self, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certificate = Arc::new(Certificate::load(settings.clone(), provider.clone())?);
        let versions: &[&rustls::SupportedProtocolVersion] = if settings.allow_tls12 {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13]
        };
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map_err(|e| TlsError(format!("TLS configuration: {e}")))?
            .with_no_client_auth()
            .with_cert_resolver(certificate.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certificate,
        })
    }

    /// The acceptor for the connections' handshakes.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// Reads the files again and serves their certificate from now on if they changed;
    /// `Ok(true)` when a new certificate was taken. A pair that does not load is an
    /// error, and the previous certificate stays.
    pub fn reload(&self) -> Result<bool, TlsError> {
        self.certificate.reload()
    }

    /// Starts reloading the certificate every [`RELOAD_EVERY`] and on `SIGHUP`, until the
    /// returned guard is dropped.
    pub fn watch(&self) -> Watch {
        let tls = self.clone();
        Watch(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(RELOAD_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut hangups = hangups();
            // The last reload error, so a pair that does not load is reported once.
            let mut failed: Option<String> = None;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    () = next_hangup(&mut hangups) => tracing::info!("SIGHUP: reading the TLS certificate again"),
                }
                match tls.reload() {
                    Ok(true) => {
                        failed = None;
                        tracing::info!(cert = %tls.certificate.settings.cert.display(), "TLS certificate reloaded");
                    }
                    Ok(false) => {}
                    Err(error) => {
                        let error = error.to_string();
                        if failed.as_ref() != Some(&error) {
                            tracing::warn!(%error, "the TLS certificate files changed but do not load; serving the previous certificate");
                        }
                        failed = Some(error);
                    }
                }
            }
        }))
    }
}

/// Reloads the certificate while it lives.
#[derive(Debug)]
pub struct Watch(tokio::task::JoinHandle<()>);

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = ();

#[cfg(unix)]
fn hangups() -> Hangups {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
fn hangups() -> Hangups {}

#[cfg(unix)]
async fn next_hangup(hangups: &mut Hangups) {
    let received = match hangups {
        Some(signal) => signal.recv().await.is_some(),
        None => false,
    };
    if !received {
        std::future::pending::<()>().await;
    }
}

#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangups) {
    std::future::pending().await
}

/// The certificate being served, with the file contents it was loaded from.
#[derive(Debug)]
struct Certificate {
    settings: TlsSettings,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    loaded_from: Mutex<(Vec<u8>, Vec<u8>)>,
}

impl Certificate {
    fn load(settings: TlsSettings, provider: Arc<CryptoProvider>) -> Result<Self, TlsError> {
        let files = read_files(&settings)?;
        let key = certified_key(&settings, &provider, &files)?;
        Ok(Self {
            settings,
            provider,
            current: RwLock::new(Arc::new(key)),
            loaded_from: Mutex::new(files),
        })
    }

    fn reload(&self) -> Result<bool, TlsError> {
        let files = read_files(&self.settings)?;
        let mut loaded_from = self.loaded_from.lock().unwrap_or_else(|e| e.into_inner());
        if *loaded_from == files {
            return Ok(false);
        }
        let key = certified_key(&self.settings, &self.provider, &files)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(key);
        *loaded_from = files;
        Ok(true)
    }
}

impl ResolvesServerCert for Certificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

/// The bytes of the certificate file and the key file.
fn read_files(settings: &TlsSettings) -> Result<(Vec<u8>, Vec<u8>), TlsError> {
    let read = |variable: &str, path: &PathBuf| {
        std::fs::read(path).map_err(|e| TlsError(format!("{variable}: cannot read {}: {e}", path.display())))
    };
    Ok((
        read("LMS_TLS_CERT", &settings.cert)?,
        read("LMS_TLS_KEY", &settings.key)?,
    ))
}

/// The certificate chain and key of the files' contents, checked to belong together.
fn certified_key(
    settings: &TlsSettings,
    provider: &CryptoProvider,
    (cert_pem, key_pem): &(Vec<u8>, Vec<u8>),
) -> Result<CertifiedKey, TlsError> {
    let (cert_path, key_path) = (settings.cert.display(), settings.key.display());
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError(format!("LMS_TLS_CERT: {cert_path} is not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(TlsError(format!(
            "LMS_TLS_CERT: {cert_path} holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)"
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
        TlsError(format!(
            "LMS_TLS_KEY: {key_path} holds no private key (expected PKCS#8, PKCS#1 or SEC1 PEM): {e}"
        ))
    })?;
    let key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError(format!("LMS_TLS_KEY: {key_path} is not a usable private key: {e}")))?;
    let certified = CertifiedKey::new(chain, key);
    match certified.keys_match() {
        // A key that cannot tell its public half is taken on trust.
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => Err(TlsError(format!(
            "LMS_TLS_KEY: {key_path} is not the private key of the certificate in {cert_path}"
        ))),
        Err(e) => Err(TlsError(format!("LMS_TLS_CERT: {cert_path}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cert: Option<&str>, key: Option<&str>, allow: bool) -> Result<Option<TlsSettings>, String> {
        TlsSettings::from_vars(cert.map(Into::into), key.map(Into::into), allow)
    }

    #[test]
    fn certificate_and_key_come_together() {
        assert_eq!(settings(None, None, false), Ok(None));
        let both = settings(Some("/tls/cert.pem"), Some("/tls/key.pem"), false)
            .unwrap()
            .unwrap();
        assert_eq!(both.cert, PathBuf::from("/tls/cert.pem"));
        assert!(!both.allow_tls12, "TLS 1.3 only by default");
        assert!(settings(Some("c"), Some("k"), true).unwrap().unwrap().allow_tls12);
        let only_cert = settings(Some("c"), None, false).unwrap_err();
        assert!(only_cert.contains("LMS_TLS_KEY must be set"), "{only_cert}");
        let only_key = settings(None, Some("k"), false).unwrap_err();
        assert!(only_key.contains("LMS_TLS_CERT must be set"), "{only_key}");
        assert!(settings(None, None, true).unwrap_err().contains("TLS is not"));
    }

    #[test]
    fn missing_and_invalid_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let load = || {
            Tls::load(&TlsSettings {
                cert: cert.clone(),
                key: key.clone(),
                allow_tls12: false,
            })
            .map(|_| ())
            .unwrap_err()
            .to_string()
        };
        let missing = load();
        assert!(
            missing.starts_with("LMS_TLS_CERT: cannot read") && missing.contains("cert.pem"),
            "{missing}"
        );
        std::fs::write(&cert, "not a certificate").unwrap();
        std::fs::write(&key, "not a key").unwrap();
        let empty = load();
        assert!(empty.contains("holds no certificate"), "{empty}");
    }
}
