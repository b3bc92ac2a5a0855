//! [`NatsNotifier`]: the [`Notifier`] port over NATS, through JetStream when a stream
//! captures the event's subject.

use std::time::Duration;

use async_nats::header::{HeaderMap, NATS_MESSAGE_ID};
use async_nats::jetstream::context::{PublishErrorKind, RequestErrorKind};
use async_nats::jetstream::response::Response;
use async_nats::jetstream::{self, ErrorCode};
use async_nats::{Client, ConnectOptions};
use async_trait::async_trait;
use lms_core::domain::events::DomainEvent;
use lms_core::ports::{Notifier, NotifyError};
use serde::Deserialize;

use crate::Error;

/// The subject prefix unless [`NatsNotifier::with_prefix`] sets another.
pub const DEFAULT_PREFIX: &str = "lms.events";

/// How long connecting to the server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one delivery may take: the stream lookup, the publish and its confirmation.
pub const DELIVER_TIMEOUT: Duration = Duration::from_secs(10);

/// Publishes each event to `<prefix>.<public type>` (`lms.events.lesson.completed`), with
/// the header `Nats-Msg-Id` set to the event id and the delivered body
/// ([`DomainEvent::delivered_body`]) as JSON.
///
/// Before each publish it asks JetStream which stream captures the subject:
///
/// - **A stream does:** the message goes through JetStream and the delivery succeeds when
///   the stream acknowledges it. The stream stores an event delivered again (the relay
///   delivers at least once) only once within its duplicate window, by `Nats-Msg-Id`.
/// - **None does** (or the server runs without JetStream): a core publish, then a flush.
///   Core NATS keeps nothing; the flush confirms that the message left this process, and
///   only subscribers connected at that moment receive it.
///
/// Asking first costs a round trip per event. Trying JetStream and falling back on "no
/// responders" instead would fail when core subscribers listen but no stream does: they
/// would receive the JetStream publish as a request and never acknowledge it, so every
/// delivery would time out and be retried.
#[derive(Debug, Clone)]
pub struct NatsNotifier {
    client: Client,
    jetstream: jetstream::Context,
    prefix: String,
}

impl NatsNotifier {
    /// Connects to the server at `url` (`nats://127.0.0.1:4222`; `tls://` for TLS;
    /// `user:password@` or `token@` before the host for authentication; several servers
    /// separated by commas; for TLS the system's root certificates). After connecting,
    /// the client reconnects by itself; a delivery while it is disconnected fails within
    /// [`DELIVER_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`Error::Failed`] when no server accepts a connection within [`CONNECT_TIMEOUT`]
    /// (unreachable, refused, authentication or TLS failure, malformed URL).
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let client = ConnectOptions::new()
            .name("lms-notify")
            .connection_timeout(CONNECT_TIMEOUT)
            .connect(url)
            .await
            .map_err(|e| Error::failed("NATS connect", e))?;
        Ok(Self {
            jetstream: jetstream::new(client.clone()),
            client,
            prefix: DEFAULT_PREFIX.to_owned(),
        })
    }

    /// The same notifier, publishing under `prefix` instead of [`DEFAULT_PREFIX`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] unless `prefix` is one or more dot-separated tokens without
    /// whitespace or wildcards (`*`, `>`).
    pub fn with_prefix(mut self, prefix: &str) -> Result<Self, Error> {
        check_prefix(prefix)?;
        prefix.clone_into(&mut self.prefix);
        Ok(self)
    }

    async fn publish(&self, event: &DomainEvent) -> Result<(), Error> {
        let subject = format!("{}.{}", self.prefix, event.payload.public_type());
        let body = serde_json::to_vec(&event.delivered_body()).map_err(|e| Error::failed("event encoding", e))?;
        let mut headers = HeaderMap::new();
        headers.insert(NATS_MESSAGE_ID, event.id.to_string().as_str());

        if self.stream_captures(&subject).await? {
            let acknowledged = async {
                self.jetstream
                    .publish_with_headers(subject.clone(), headers.clone(), body.clone().into())
                    .await?
                    .await
            };
            match acknowledged.await {
                Ok(_ack) => return Ok(()),
                // The stream was deleted since the lookup, and nobody else listens either.
                Err(error) if error.kind() == PublishErrorKind::StreamNotFound => {
                    tracing::debug!(%subject, "the stream went away; publishing without JetStream");
                }
                Err(error) => return Err(Error::failed("JetStream publish", error)),
            }
        }
        self.client
            .publish_with_headers(subject, headers, body.into())
            .await
            .map_err(|e| Error::failed("NATS publish", e))?;
        self.client.flush().await.map_err(|e| Error::failed("NATS flush", e))
    }

    /// Whether a JetStream stream stores messages published to `subject`.
    async fn stream_captures(&self, subject: &str) -> Result<bool, Error> {
        #[derive(Deserialize)]
        struct StreamNames {
            streams: Option<Vec<String>>,
        }
        let request = serde_json::json!({ "subject": subject });
        match self
            .jetstream
            .request::<_, _, Response<StreamNames>>("STREAM.NAMES", &request)
            .await
        {
            Ok(Response::Ok(names)) => Ok(names.streams.is_some_and(|streams| !streams.is_empty())),
            Ok(Response::Err { error })
                if error.error_code() == ErrorCode::JETSTREAM_NOT_ENABLED_FOR_ACCOUNT
                    || error.error_code() == ErrorCode::JETSTREAM_NOT_ENABLED =>
            {
                Ok(false)
            }
            Ok(Response::Err { error }) => Err(Error::failed("JetStream stream lookup", error)),
            // No JetStream on the server: nothing answers its API.
            Err(error) if error.kind() == RequestErrorKind::NoResponders => Ok(false),
            Err(error) => Err(Error::failed("JetStream stream lookup", error)),
        }
    }
}

fn check_prefix(prefix: &str) -> Result<(), Error> {
    let valid_token =
        |token: &str| !token.is_empty() && !token.contains(|c: char| c.is_whitespace() || c == '*' || c == '>');
    if prefix.split('.').all(valid_token) {
        Ok(())
    } else {
        Err(Error::invalid(
            "subject prefix",
            format!("{prefix:?} is not a subject without wildcards (dot-separated tokens)"),
        ))
    }
}

#[async_trait]
impl Notifier for NatsNotifier {
    #[tracing::instrument(skip_all, fields(event.id = %event.id, event.type = event.payload.public_type()))]
    async fn deliver(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        match tokio::time::timeout(DELIVER_TIMEOUT, self.publish(event)).await {
            Ok(result) => result.map_err(NotifyError::from),
            Err(_elapsed) => Err(Error::Timeout {
                operation: "NATS delivery",
                after: DELIVER_TIMEOUT,
            }
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_subjects_without_wildcards() {
        for prefix in [DEFAULT_PREFIX, "lms", "acme.prod.lms-events", "t_1.x"] {
            check_prefix(prefix).unwrap_or_else(|e| panic!("{prefix}: {e}"));
        }
        for prefix in [
            "",
            ".",
            "lms.",
            ".lms",
            "lms..events",
            "lms.*",
            "lms.>",
            "lms events",
            "lms.\tx",
        ] {
            assert!(check_prefix(prefix).is_err(), "{prefix:?}");
        }
    }
}
