//! What is stored about webhooks, as records: the endpoints admins register, and every
//! delivery attempt to them.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::signature::WebhookSecret;
use crate::domain::events::EventPayload;
use crate::error::{Error, FieldError, Result};
use crate::ids::EventId;
use crate::records::{Index, KeySpec, Record, RecordKind};

/// Longest endpoint URL.
pub const MAX_URL_LENGTH: usize = 2048;
/// Longest description.
pub const MAX_DESCRIPTION_LENGTH: usize = 500;

/// A secret an endpoint's deliveries are signed with, until it expires (a secret rotated
/// out keeps signing for a while, so receivers can switch without losing a delivery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningSecret {
    /// The secret.
    pub secret: WebhookSecret,
    /// When it stops signing; `None` for the current one.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A URL that receives the events of the types it asks for, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// Identifier.
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// Where events are POSTed (`http` or `https`).
    pub url: String,
    /// The public event types it receives; empty for all.
    pub event_types: Vec<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether events are delivered to it.
    pub enabled: bool,
    /// The signing secrets, newest first.
    pub secrets: Vec<SigningSecret>,
    /// It receives the events stored after this outbox sequence (those written once it
    /// exists).
    pub start_after: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// The name of its stream in the relay.
    pub fn subscriber_name(&self) -> String {
        format!("webhook:{}", self.id)
    }

    /// The secrets that sign at `now`, newest first.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&WebhookSecret> {
        self.secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|at| at > now))
            .map(|s| &s.secret)
            .collect()
    }
}

impl Record for WebhookEndpoint {
    const KIND: RecordKind = RecordKind {
        name: "webhook_endpoint",
        keys: &[],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAttempt {
    /// Identifier, ordered by attempt time ([`WebhookAttempt::id_at`]).
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The event.
    pub event_id: EventId,
    /// Its public type.
    pub event_type: String,
    /// When the attempt started.
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// How long the attempt took, in milliseconds.
    pub latency_ms: u64,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Whether the endpoint took the event (a 2xx answer).
    pub delivered: bool,
}

impl WebhookAttempt {
    /// A new attempt's id, ordered by `attempted_at` (a version 7 UUID of that time, to the
    /// millisecond): listing attempts by id lists them by time, which the deliveries page
    /// and the purge after the retention rely on.
    pub fn id_at(attempted_at: DateTime<Utc>) -> Uuid {
        // Times before 1970 do not occur for an attempt; they map to the epoch.
        let millis = u64::try_from(attempted_at.timestamp_millis()).unwrap_or(0);
        let timestamp = uuid::Timestamp::from_unix(
            uuid::NoContext,
            millis / 1000,
            u32::try_from(millis % 1000).unwrap_or(0) * 1_000_000,
        );
        Uuid::new_v7(timestamp)
    }
}

impl Record for WebhookAttempt {
    const KIND: RecordKind = RecordKind {
        name: "webhook_attempt",
        keys: &[KeySpec::lookup("endpoint_id")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("endpoint_id", self.endpoint_id);
    }
}

/// Whether delivering to `ip` is allowed when private targets are not: not loopback,
/// private, link-local, unspecified, broadcast, multicast, shared (carrier-grade NAT) or
/// unique-local, whether written as IPv4, IPv6 or IPv4-mapped IPv6.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// Checks an endpoint URL: absolute `http` or `https`, a host, no credentials, at most
/// [`MAX_URL_LENGTH`]; unless `allow_private`, not a loopback or private address written
/// literally (names are checked again, resolved, at each delivery).
pub fn check_url(url: &str, allow_private: bool) -> Result<String> {
    let invalid = |code: &'static str, message: &str| Error::invalid("url", code, message);
    if url.len() > MAX_URL_LENGTH {
        return Err(invalid("too_long", "at most 2048 characters"));
    }
    let parsed = url::Url::parse(url).map_err(|e| invalid("format", &format!("not an absolute URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("scheme", "only http and https URLs receive webhooks"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("credentials", "credentials in the URL are not accepted"));
    }
    let private = match parsed.host() {
        None => return Err(invalid("format", "the URL has no host")),
        Some(url::Host::Ipv4(v4)) => !is_public_address(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => !is_public_address(IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost"),
    };
    if private && !allow_private {
        return Err(invalid(
            "private_target",
            "loopback, private and link-local targets are refused",
        ));
    }
    Ok(parsed.to_string())
}

/// Checks a list of event types: each a public type, none twice.
pub fn check_event_types(types: &[String]) -> Result<Vec<String>> {
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    for name in types {
        if !EventPayload::PUBLIC_TYPES.contains(&name.as_str()) {
            errors.push(FieldError::new(
                "event_types",
                "unknown",
                format!("{name:?} is not an event type (docs/events.md lists them)"),
            ));
        } else if !seen.contains(name) {
            seen.push(name.clone());
        }
    }
    if errors.is_empty() {
        Ok(seen)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Checks a description: at most [`MAX_DESCRIPTION_LENGTH`] characters; blank is none.
pub fn check_description(description: Option<String>) -> Result<Option<String>> {
    let description = description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_LENGTH)
    {
        return Err(Error::invalid("description", "too_long", "at most 500 characters"));
    }
    Ok(description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_targets_are_told_apart() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public_address(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1", "::ffff:93.184.216.34"] {
            assert!(is_public_address(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            check_url("https://hooks.example.com/lms", false).unwrap(),
            "https://hooks.example.com/lms"
        );
        for (url, code) in [
            ("ftp://example.com/", "scheme"),
            ("not a url", "format"),
            ("https://user:pw@example.com/", "credentials"),
            ("http://127.0.0.1:9000/", "private_target"),
            ("http://[::1]/", "private_target"),
            ("http://localhost/", "private_target"),
        ] {
            match check_url(url, false) {
                Err(Error::Validation(errors)) => assert_eq!(errors[0].code, code, "{url}"),
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url(&format!("https://example.com/{}", "a".repeat(2100)), false).is_err());
    }

    #[test]
    fn event_types_must_be_public_types() {
        let types = vec!["lesson.completed".to_owned(), "lesson.completed".to_owned()];
        assert_eq!(check_event_types(&types).unwrap(), ["lesson.completed"]);
        assert!(check_event_types(&["lesson_completed".to_owned()]).is_err());
    }
}
