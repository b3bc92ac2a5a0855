//! [`SmtpMailer`]: the [`Mailer`] port over SMTP.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use lms_core::ports::{Mail, Mailer, NotifyError};

use crate::Error;

/// How long one message may take, from connecting to the server's answer to the data.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends each [`Mail`] as a plain-text UTF-8 message through an SMTP server, on a
/// connection of its own.
///
/// The message has `From` = the configured sender, `To` = `to_name <to>`, the subject,
/// and `Message-ID: <{mail.id}@{the sender's domain}>`, so a receiver can drop the
/// duplicate of a message sent again after a failure.
#[derive(Debug, Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for the server at `url`, sending as `from` (`lms@example.com` or
    /// `LMS <lms@example.com>`). Nothing is sent and no connection is opened here.
    ///
    /// - `smtp://host:port`: plain SMTP, no TLS (port 25 by default); for a server on the
    ///   same host or network only.
    /// - `smtp://host:587?tls=required`: STARTTLS, refused if the server does not offer it
    ///   (`tls=opportunistic` uses it only when offered).
    /// - `smtps://host:465`: TLS from the first byte.
    ///
    /// `user:password@` before the host enables authentication (percent-encoded); a path
    /// (`smtp://host/mail.example.com`) sets the name sent with `EHLO`, else the host
    /// name. Certificates are checked against the Mozilla roots (`webpki-roots`).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] when the URL or the sender does not parse, or the URL has a
    /// query parameter other than `tls` (a misspelt `tls` must not fall back to plain
    /// text).
    pub fn from_url(url: &str, from: &str) -> Result<Self, Error> {
        Self::from_url_trusting(url, from, None)
    }

    /// As [`SmtpMailer::from_url`], and with `ca_pem` (one or more PEM certificates) the
    /// server's certificate may also chain to those: for a relay whose certificate a
    /// private CA issued. The Mozilla roots stay trusted.
    ///
    /// # Errors
    ///
    /// As [`SmtpMailer::from_url`]; also [`Error::Invalid`] when `ca_pem` holds no
    /// certificate, or the URL asks for no TLS (a CA for a plain connection is a mistake).
    pub fn from_url_trusting(url: &str, from: &str, ca_pem: Option<&[u8]>) -> Result<Self, Error> {
        let parsed = url::Url::parse(url).map_err(|e| Error::invalid("SMTP URL", e))?;
        if let Some((key, _)) = parsed.query_pairs().find(|(key, _)| key != "tls") {
            return Err(Error::invalid(
                "SMTP URL",
                format!("unknown parameter `{key}` (only `tls` is understood)"),
            ));
        }
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| Error::invalid("SMTP URL", e))?;
        if let Some(pem) = ca_pem {
            builder = builder.tls(tls_trusting(&parsed, pem)?);
        }
        let transport = builder.timeout(Some(SEND_TIMEOUT)).build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| Error::invalid("sender address", e))?;
        Ok(Self { transport, from })
    }

    /// The message for `mail`: text/plain in UTF-8, headers encoded as RFC 2047 asks.
    fn message(&self, mail: &Mail) -> Result<Message, Error> {
        let address: Address = mail.to.parse().map_err(|e| Error::invalid("recipient address", e))?;
        let name = Some(mail.to_name.clone()).filter(|name| !name.trim().is_empty());
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(mail.subject.as_str())
            .message_id(Some(message_id(&mail.id, self.from.email.domain())?))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| Error::invalid("message", e))
    }
}

/// The TLS mode `url` asks for (lettre's reading of it: `smtps` is TLS from the first
/// byte, `tls=required` and `tls=opportunistic` STARTTLS), with `ca_pem`'s certificates
/// trusted besides the Mozilla roots.
fn tls_trusting(url: &url::Url, ca_pem: &[u8]) -> Result<Tls, Error> {
    let invalid = |e| Error::invalid("SMTP CA certificates", e);
    if !String::from_utf8_lossy(ca_pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::invalid("SMTP CA certificates", "no PEM certificate found"));
    }
    let certificate = Certificate::from_pem(ca_pem).map_err(invalid)?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let parameters = TlsParameters::builder(host)
        .add_root_certificate(certificate)
        .build()
        .map_err(invalid)?;
    let tls = url
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, v)| v.into_owned());
    match (url.scheme(), tls.as_deref()) {
        ("smtps", _) => Ok(Tls::Wrapper(parameters)),
        (_, Some("required")) => Ok(Tls::Required(parameters)),
        (_, Some("opportunistic")) => Ok(Tls::Opportunistic(parameters)),
        _ => Err(Error::invalid(
            "SMTP CA certificates",
            "the SMTP URL uses no TLS (use smtps:// or ?tls=required)",
        )),
    }
}

/// `<id@domain>`, when `id` can stand left of the `@` as it is (a dot-atom, RFC 5322).
fn message_id(id: &str, domain: &str) -> Result<String, Error> {
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if id.split('.').any(|part| part.is_empty() || !part.chars().all(atext)) {
        return Err(Error::invalid(
            "message id",
            format!("{id:?} is not a dot-atom (letters, digits, !#$%&'*+-/=?^_`{{|}}~ and inner dots)"),
        ));
    }
    Ok(format!("<{id}@{domain}>"))
}

#[async_trait]
impl Mailer for SmtpMailer {
    #[tracing::instrument(skip_all, fields(mail.id = %mail.id))]
    async fn send(&self, mail: &Mail) -> Result<(), NotifyError> {
        let message = self.message(mail)?;
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(error)) => Err(Error::failed("SMTP send", error).into()),
            Err(_elapsed) => Err(Error::Timeout {
                operation: "SMTP send",
                after: SEND_TIMEOUT,
            }
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Mail {
        Mail {
            to: "ada@example.org".to_owned(),
            to_name: "Ada Lovelace".to_owned(),
            subject: "Welcome".to_owned(),
            text: "Hello\n".to_owned(),
            id: "0190a4c2-7b1e-7c3d-9f00-5a1b2c3d4e5f".to_owned(),
        }
    }

    fn invalid_what(result: Result<SmtpMailer, Error>) -> &'static str {
        match result {
            Err(Error::Invalid { what, .. }) => what,
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
    }

    #[test]
    fn urls_for_plain_starttls_and_implicit_tls_are_accepted() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://mail.example.com:587?tls=required",
            "smtp://mail.example.com?tls=opportunistic",
            "smtps://user:p%40ss@mail.example.com:465",
            "smtp://mail.example.com/lms.example.com",
        ] {
            SmtpMailer::from_url(url, "LMS <lms@example.com>").unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }

    #[test]
    fn malformed_urls_are_refused_without_echoing_them() {
        for url in [
            "not a url",
            "http://mail.example.com",
            "smtp://mail.example.com?tls=always",
            "smtp://mail.example.com?TLS=required",
            "smtp:///no-host",
        ] {
            assert_eq!(
                invalid_what(SmtpMailer::from_url(url, "lms@example.com")),
                "SMTP URL",
                "{url}"
            );
        }
        let error = SmtpMailer::from_url("smtp://user:s3cret@h?x=1", "lms@example.com").unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }

    #[test]
    fn a_ca_needs_a_tls_url_and_a_pem_certificate() {
        let ca = b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
        for (url, pem) in [
            ("smtp://127.0.0.1:2525", &b""[..]),
            ("smtp://mail.example.com:587?tls=required", &b"no certificate here"[..]),
            ("smtp://mail.example.com:587?tls=required", &ca[..]),
        ] {
            assert_eq!(
                invalid_what(SmtpMailer::from_url_trusting(url, "lms@example.com", Some(pem))),
                "SMTP CA certificates",
                "{url} {pem:?}"
            );
        }
    }

    #[test]
    fn malformed_senders_are_refused() {
        for from in ["", "lms", "LMS <lms@>", "a@b@c"] {
            assert_eq!(
                invalid_what(SmtpMailer::from_url("smtp://127.0.0.1:2525", from)),
                "sender address",
                "{from:?}"
            );
        }
    }

    #[test]
    fn the_message_id_is_the_mail_id_at_the_senders_domain() {
        let mailer = SmtpMailer::from_url("smtp://127.0.0.1:2525", "LMS <lms@learn.example.com>").unwrap();
        let formatted = String::from_utf8(mailer.message(&mail()).unwrap().formatted()).unwrap();
        assert!(
            formatted.contains("Message-ID: <0190a4c2-7b1e-7c3d-9f00-5a1b2c3d4e5f@learn.example.com>\r\n"),
            "{formatted}"
        );
        assert!(
            formatted.contains("To: \"Ada Lovelace\" <ada@example.org>\r\n"),
            "{formatted}"
        );
        assert!(
            formatted.contains("Content-Type: text/plain; charset=utf-8\r\n"),
            "{formatted}"
        );
    }

    #[test]
    fn message_ids_that_are_not_dot_atoms_are_refused() {
        assert_eq!(message_id("a.b-c_d", "x.org").unwrap(), "<a.b-c_d@x.org>");
        for id in ["", ".a", "a.", "a..b", "a b", "a>b", "a@b", "a\r\nBcc: x@y", "é"] {
            assert!(message_id(id, "x.org").is_err(), "{id:?}");
        }
    }

    #[test]
    fn a_subject_with_a_line_break_cannot_add_a_header() {
        let mailer = SmtpMailer::from_url("smtp://127.0.0.1:2525", "lms@example.com").unwrap();
        let mail = Mail {
            subject: "Hi\r\nBcc: eve@example.net".to_owned(),
            ..mail()
        };
        let formatted = String::from_utf8(mailer.message(&mail).unwrap().formatted()).unwrap();
        assert!(!formatted.contains("\r\nBcc:"), "{formatted}");
    }

    #[test]
    fn a_recipient_that_is_not_an_address_fails_the_send() {
        let mailer = SmtpMailer::from_url("smtp://127.0.0.1:2525", "lms@example.com").unwrap();
        let mail = Mail {
            to: "not-an-address".to_owned(),
            ..mail()
        };
        assert!(matches!(
            mailer.message(&mail),
            Err(Error::Invalid {
                what: "recipient address",
                ..
            })
        ));
    }
}
