//! The client's address, for rate limits, connection caps and logs: the socket's peer,
//! or, only when that peer is a trusted proxy (`LMS_TRUSTED_PROXIES`), the rightmost
//! address of `X-Forwarded-For` that is not itself a trusted proxy. Entries left of that
//! one were written by the client and prove nothing.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use poem::Request;

/// The header proxies append the addresses they received requests from.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client address of `req` (see the module documentation); `None` when the
/// connection has no IP peer (as in in-process tests).
pub fn client_ip(req: &Request, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.remote_addr().as_socket_addr()?.ip();
    let forwarded = req
        .headers()
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok());
    Some(resolve(peer, forwarded, trusted))
}

/// The client behind `peer` given the `X-Forwarded-For` header values in order.
fn resolve<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage where an address should be: the nearest trusted hop is all we know.
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An address as proxies write it: `203.0.113.9`, `2001:db8::1`, or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "192.0.2.1/32".parse().unwrap()];
        let peer = ip("198.51.100.7");
        assert_eq!(
            resolve(peer, ["203.0.113.9"].into_iter(), &trusted),
            peer,
            "untrusted peer"
        );
        let proxy = ip("10.1.1.1");
        assert_eq!(resolve(proxy, std::iter::empty(), &trusted), proxy, "no header");
        assert_eq!(
            resolve(proxy, ["1.1.1.1, 203.0.113.9"].into_iter(), &trusted),
            ip("203.0.113.9"),
            "the rightmost untrusted hop, not the client-written left one"
        );
        assert_eq!(
            resolve(proxy, ["6.6.6.6", "203.0.113.9, 192.0.2.1"].into_iter(), &trusted),
            ip("203.0.113.9"),
            "trusted hops are skipped, across several header lines"
        );
        assert_eq!(
            resolve(proxy, ["203.0.113.9:4711"].into_iter(), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            resolve(proxy, ["[2001:db8::1]:80"].into_iter(), &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(
            resolve(proxy, ["203.0.113.9, nonsense"].into_iter(), &trusted),
            proxy,
            "garbage stops the walk at the last trusted hop"
        );
        assert_eq!(
            resolve(proxy, ["10.2.2.2, 192.0.2.1"].into_iter(), &trusted),
            ip("10.2.2.2"),
            "only trusted hops: the farthest one"
        );
    }
}
