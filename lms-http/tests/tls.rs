//! HTTPS on the public listener (S13), with certificates made in the test: TLS 1.2 is
//! refused unless allowed, TLS 1.3 is served, a renewed certificate reaches the next
//! connection without a restart, and bad files stop the server from starting.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lms_http::tls::TlsSettings;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use support::{Backend, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A certificate authority of the test, issuing server certificates for `localhost`.
struct Authority {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
}

impl Authority {
    fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        Self {
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// Writes a fresh certificate for `localhost` and its key into `dir`; returns the
    /// certificate's DER.
    fn issue(&self, dir: &Path) -> CertificateDer<'static> {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &self.issuer)
            .unwrap();
        // Written aside and renamed, as a renewal tool does.
        for (name, pem) in [("cert.pem", cert.pem()), ("key.pem", key.serialize_pem())] {
            std::fs::write(dir.join(format!("{name}.new")), pem).unwrap();
            std::fs::rename(dir.join(format!("{name}.new")), dir.join(name)).unwrap();
        }
        cert.der().clone()
    }

    /// A client trusting this authority, speaking only `versions`. It never resumes a
    /// session: a resumed handshake presents no certificate, and each connection of the
    /// tests must show the one the server serves now.
    fn client(&self, versions: &[&'static SupportedProtocolVersion]) -> TlsConnector {
        let mut roots = RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.resumption = rustls::client::Resumption::disabled();
        TlsConnector::from(Arc::new(config))
    }
}

fn settings(dir: &Path, allow_tls12: bool) -> TlsSettings {
    TlsSettings {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        allow_tls12,
    }
}

fn address(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// A handshake with the server; the certificate it presented, or why it failed.
async fn handshake(
    addr: &str,
    connector: &TlsConnector,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, std::io::Error> {
    let tcp = TcpStream::connect(addr).await?;
    connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await
}

fn presented(stream: &tokio_rustls::client::TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream.get_ref().1.peer_certificates().expect("a certificate")[0]
        .clone()
        .into_owned()
}

/// `GET /health` over an established TLS stream: the status line.
async fn get_health(mut stream: tokio_rustls::client::TlsStream<TcpStream>) -> String {
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    response.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_3_is_served_and_tls_1_2_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Authority::new();
    let leaf = ca.issue(dir.path());
    let app = TestApp::start(Backend::Sqlite, |s| s.tls = Some(settings(dir.path(), false))).await;
    let addr = address(&app);

    let tls12 = handshake(&addr, &ca.client(&[&rustls::version::TLS12])).await;
    let refusal = tls12.map(|_| ()).expect_err("a TLS 1.2 handshake is refused");
    assert!(
        refusal.to_string().to_ascii_lowercase().contains("protocolversion")
            || refusal.to_string().to_ascii_lowercase().contains("protocol version"),
        "{refusal}"
    );

    let stream = handshake(&addr, &ca.client(&[&rustls::version::TLS13]))
        .await
        .expect("TLS 1.3 handshake");
    assert_eq!(
        stream.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    assert_eq!(presented(&stream), leaf);
    assert_eq!(get_health(stream).await, "HTTP/1.1 200 OK");

    let plain = reqwest::get(format!("http://{addr}/health")).await;
    assert!(
        plain.map_or(true, |r| !r.status().is_success()),
        "plain HTTP is not served on the TLS listener"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_2_is_accepted_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Authority::new();
    ca.issue(dir.path());
    let app = TestApp::start(Backend::Sqlite, |s| s.tls = Some(settings(dir.path(), true))).await;
    let stream = handshake(&address(&app), &ca.client(&[&rustls::version::TLS12]))
        .await
        .expect("TLS 1.2 handshake when allowed");
    assert_eq!(
        stream.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    assert_eq!(get_health(stream).await, "HTTP/1.1 200 OK");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_certificate_is_served_to_the_next_connection() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Authority::new();
    let first = ca.issue(dir.path());
    let app = TestApp::start(Backend::Sqlite, |s| s.tls = Some(settings(dir.path(), false))).await;
    let addr = address(&app);
    let client = ca.client(&[&rustls::version::TLS13]);
    let open = handshake(&addr, &client).await.unwrap();
    assert_eq!(presented(&open), first);

    let renewed = ca.issue(dir.path());
    assert_ne!(renewed, first);
    let deadline = Instant::now() + lms_http::tls::RELOAD_EVERY * 5;
    loop {
        let stream = handshake(&addr, &client).await.expect("handshake during the renewal");
        if presented(&stream) == renewed {
            assert_eq!(get_health(stream).await, "HTTP/1.1 200 OK");
            break;
        }
        assert_eq!(presented(&stream), first, "only the old or the new certificate");
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was not served in time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        get_health(open).await,
        "HTTP/1.1 200 OK",
        "a connection made before the renewal keeps working"
    );

    // A broken renewal is not taken: the last good certificate stays.
    std::fs::write(dir.path().join("cert.pem"), "garbage").unwrap();
    tokio::time::sleep(lms_http::tls::RELOAD_EVERY * 2).await;
    let stream = handshake(&addr, &client).await.expect("still served");
    assert_eq!(presented(&stream), renewed);
    app.stop().await;
}

/// Runs the binary with `env` (and nothing else of the `LMS_*` environment); its exit
/// status and standard error.
fn server(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lms-server"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    let out = command.envs(env.iter().copied()).output().expect("run lms-server");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_server_refuses_to_start_with_half_or_bad_tls_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("lms.db").display());
    let data = dir.path().display().to_string();
    let path = |name: &str| -> PathBuf { dir.path().join(name) };
    let cert = path("cert.pem").display().to_string();
    let key = path("key.pem").display().to_string();
    let base = [
        ("LMS_DATABASE_URL", db.as_str()),
        ("LMS_DATA_DIR", data.as_str()),
        ("LMS_BIND", "127.0.0.1:0"),
        ("LMS_LOG", "error"),
    ];
    let with = |extra: &[(&'static str, &str)]| {
        let mut env: Vec<(&str, &str)> = base.to_vec();
        env.extend_from_slice(extra);
        server(&env)
    };

    let (code, stderr) = with(&[("LMS_TLS_CERT", &cert)]);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("LMS_TLS_KEY must be set"), "{stderr}");

    let (code, stderr) = with(&[("LMS_TLS_CERT", &cert), ("LMS_TLS_KEY", &key)]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("LMS_TLS_CERT: cannot read") && stderr.contains("cert.pem"),
        "{stderr}"
    );

    let ca = Authority::new();
    ca.issue(dir.path());
    let other = tempfile::tempdir().unwrap();
    ca.issue(other.path());
    let foreign_key = other.path().join("key.pem").display().to_string();
    let (code, stderr) = with(&[("LMS_TLS_CERT", &cert), ("LMS_TLS_KEY", &foreign_key)]);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("is not the private key of the certificate"), "{stderr}");

    let (code, stderr) = with(&[("LMS_TLS_CERT", &key), ("LMS_TLS_KEY", &key)]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("LMS_TLS_CERT") && stderr.contains("holds no certificate"),
        "{stderr}"
    );
}
