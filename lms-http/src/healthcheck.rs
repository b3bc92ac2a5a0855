//! `lms-server healthcheck`: asks a running server whether it is ready, so a container
//! image can check its server with the server's own binary and carry no HTTP client.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::settings::Settings;

/// Asks `url`, or the readiness endpoint of the address the settings serve on, and
/// succeeds when it answers 200 within `timeout`. The error names what was asked and
/// what came back.
pub async fn probe(settings: &Settings, url: Option<String>, timeout: Duration) -> Result<(), String> {
    let (url, own_listener) = match url {
        Some(url) => (url, false),
        None => (readiness_url(settings), true),
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        // The server's own listener, asked on loopback, presents a certificate for its
        // public name: the probe asks whether it serves, not who it is.
        .danger_accept_invalid_certs(own_listener && url.starts_with("https:"))
        .build()
        .map_err(|e| format!("healthcheck: {e}"))?;
    let response = client.get(&url).send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    if status == reqwest::StatusCode::OK {
        println!("{url}: ready");
        Ok(())
    } else {
        let body = response.text().await.unwrap_or_default();
        Err(format!("{url}: {status} {}", body.trim()))
    }
}

/// `/health/ready` on the operations address when one is configured (plain HTTP, it
/// answers without a token and is never rate limited), else on the public address, over
/// HTTPS when the server terminates TLS.
pub fn readiness_url(settings: &Settings) -> String {
    match settings.ops_bind {
        Some(ops) => format!("http://{}/health/ready", local(ops)),
        None => {
            let scheme = if settings.tls.is_some() { "https" } else { "http" };
            format!("{scheme}://{}/health/ready", local(settings.bind))
        }
    }
}

/// The address to reach a listener bound to `addr` from the same host: loopback for an
/// unspecified address.
fn local(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port()),
        _ => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_address_is_asked_on_loopback() {
        assert_eq!(
            local("0.0.0.0:8080".parse().unwrap()),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(local("[::]:9000".parse().unwrap()), "[::1]:9000".parse().unwrap());
        assert_eq!(local("10.1.2.3:80".parse().unwrap()), "10.1.2.3:80".parse().unwrap());
    }
}
