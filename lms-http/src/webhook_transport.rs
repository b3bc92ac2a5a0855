//! Webhook requests over HTTP: `reqwest` with a 10-second timeout and no redirects, and
//! no loopback, private or link-local targets unless `LMS_WEBHOOK_ALLOW_PRIVATE` allows
//! them. The target's name is resolved before each request and every address it
//! resolves to must be public; the request then connects to one of those addresses, so
//! a name cannot resolve to a public address for the check and a private one for the
//! request.
//!
//! A target's checked addresses and its client (with the client's kept-alive
//! connections) are reused for [`RESOLVE_TTL`], so a busy endpoint costs neither a lookup
//! nor a TLS handshake per event; after that the name is resolved and checked again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use lms_core::webhooks::{is_public_address, WebhookTransport};

/// How long a webhook request may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How long a target's checked addresses and client are reused.
pub const RESOLVE_TTL: Duration = Duration::from_secs(30);

/// A target (scheme, host, port).
type Target = (String, String, u16);

/// A client pinned to a target's checked addresses, until `until`.
#[derive(Debug, Clone)]
struct Pinned {
    client: reqwest::Client,
    until: Instant,
}

/// Sends webhook requests over HTTP.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    allow_private: bool,
    clients: Arc<Mutex<HashMap<Target, Pinned>>>,
}

impl HttpTransport {
    /// A transport; `allow_private` lets requests reach private networks.
    pub fn new(allow_private: bool) -> Self {
        Self {
            allow_private,
            clients: Arc::default(),
        }
    }

    /// The client for `url`'s target: the one pinned within [`RESOLVE_TTL`], else a new
    /// one, connecting only to the addresses the name resolves to now, all checked.
    async fn client(&self, url: &reqwest::Url) -> Result<reqwest::Client, String> {
        let port = url.port_or_known_default().ok_or("the URL has no port")?;
        let target = (
            url.scheme().to_owned(),
            url.host_str().unwrap_or_default().to_owned(),
            port,
        );
        let now = Instant::now();
        let clients = || self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pinned) = clients().get(&target).filter(|p| p.until > now) {
            return Ok(pinned.client.clone());
        }
        let addrs = self.resolve(url).await?;
        // The client connects to the addresses checked above, whatever the name resolves
        // to by then (TLS still verifies the name).
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .resolve_to_addrs(&target.1, &addrs)
            .build()
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let mut clients = clients();
        clients.retain(|_, p| p.until > now);
        clients.insert(
            target,
            Pinned {
                client: client.clone(),
                until: now + RESOLVE_TTL,
            },
        );
        Ok(client)
    }

    /// The addresses `url` resolves to, all of them allowed.
    async fn resolve(&self, url: &reqwest::Url) -> Result<Vec<SocketAddr>, String> {
        let host = url.host_str().ok_or("the URL has no host")?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = url.port_or_known_default().ok_or("the URL has no port")?;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{host} resolves to no address"));
        }
        if !self.allow_private && addrs.iter().any(|a| !is_public_address(a.ip())) {
            return Err(format!("{host} resolves to a private address; refused"));
        }
        Ok(addrs)
    }
}

#[async_trait]
impl WebhookTransport for HttpTransport {
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: Vec<u8>) -> Result<u16, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("only http and https URLs receive webhooks".into());
        }
        let client = self.client(&parsed).await?;
        let request = headers
            .iter()
            .fold(client.post(parsed), |request, (name, value)| {
                request.header(*name, value)
            })
            .body(body);
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else {
                format!("request failed: {e}")
            }
        })?;
        Ok(response.status().as_u16())
    }
}
