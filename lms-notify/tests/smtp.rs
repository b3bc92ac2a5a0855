//! `SmtpMailer` against a real SMTP server: the one of `scripts/smtp-test-server.sh`,
//! which writes each message it receives to a spool directory, where these tests read it
//! back with an independent parser.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use lms_core::ports::{Mail, Mailer};
use lms_notify::SmtpMailer;
use mail_parser::{MessageParser, MimeHeaders};

const FROM_DOMAIN: &str = "lms.tests.example";

/// The spooled message whose Message-ID is `<id@FROM_DOMAIN>`.
fn spooled(spool: &Path, id: &str) -> Vec<u8> {
    let mut found = all_spooled(spool, id);
    assert_eq!(found.len(), 1, "messages with the id {id} in {}", spool.display());
    found.remove(0)
}

/// Every spooled message whose Message-ID is `<id@FROM_DOMAIN>`.
fn all_spooled(spool: &Path, id: &str) -> Vec<Vec<u8>> {
    let header = format!("Message-ID: <{id}@{FROM_DOMAIN}>\r\n");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(spool).unwrap_or_else(|e| panic!("spool {}: {e}", spool.display())) {
        let path = entry.expect("spool entry").path();
        if path.extension().is_some_and(|ext| ext == "eml") {
            let raw = std::fs::read(&path).expect("spooled message");
            if String::from_utf8_lossy(&raw).contains(&header) {
                found.push(raw);
            }
        }
    }
    found
}

#[cfg_attr(lms_skip_smtp, ignore = "LMS_TEST_SMTP_URL is not set")]
#[tokio::test]
async fn mails_arrive_with_recipient_subject_body_and_message_id() {
    let Some(url) = common::server_url("LMS_TEST_SMTP_URL", "smtp", "lms-notify smtp") else {
        return;
    };
    let spool = std::env::var("LMS_TEST_SMTP_SPOOL")
        .expect("LMS_TEST_SMTP_SPOOL must name the test server's spool directory (an absolute path)");
    let mailer = SmtpMailer::from_url(&url, &format!("LMS Tests <lms@{FROM_DOMAIN}>")).expect("mailer");
    let run = format!("{:016x}", fastrand::u64(..));
    let plain = Mail {
        to: "ada@example.org".to_owned(),
        to_name: "Ada Lovelace".to_owned(),
        subject: "Welcome to LMS".to_owned(),
        text: "Hello Ada Lovelace,\n\nWelcome aboard.\n\n- LMS\n".to_owned(),
        id: format!("{run}-plain"),
    };
    let accented = Mail {
        to: "zoe@example.org".to_owned(),
        to_name: "Zoë Çelik-Åström (Ёлка)".to_owned(),
        subject: "Félicitations : vous avez terminé « Введение в Rust » ✓".to_owned(),
        text: format!(
            "Bonjour Zoë,\n\nFélicitations : vous avez terminé « Введение в Rust ». 🎓\n{}\n\n— LMS\n",
            "Une ligne assez longue pour que l’encodage la coupe, avec des accents : é è ê ë à â ç ô œ ù û ü ÿ."
        ),
        id: format!("{run}-accented"),
    };

    let started = Instant::now();
    mailer.send(&plain).await.expect("send the plain mail");
    mailer.send(&accented).await.expect("send the accented mail");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());

    for mail in [&plain, &accented] {
        let raw = spooled(Path::new(&spool), &mail.id);
        let message = MessageParser::default().parse(&raw).expect("a parseable message");
        let expected_id = format!("{}@{FROM_DOMAIN}", mail.id);
        assert_eq!(message.message_id(), Some(expected_id.as_str()));
        assert_eq!(
            message.header_raw("Delivered-To").map(str::trim),
            Some(mail.to.as_str()),
            "the envelope recipient"
        );
        let to = message.to().and_then(|to| to.first()).expect("a To header");
        assert_eq!(to.address(), Some(mail.to.as_str()));
        assert_eq!(to.name(), Some(mail.to_name.as_str()));
        let from = message.from().and_then(|from| from.first()).expect("a From header");
        assert_eq!(from.address(), Some(format!("lms@{FROM_DOMAIN}").as_str()));
        assert_eq!(from.name(), Some("LMS Tests"));
        assert_eq!(message.subject(), Some(mail.subject.as_str()));
        let content_type = message.content_type().expect("a Content-Type header");
        assert_eq!(
            (
                content_type.ctype(),
                content_type.subtype(),
                content_type.attribute("charset")
            ),
            ("text", Some("plain"), Some("utf-8"))
        );
        // lettre ends the data with CRLF.CRLF even after a body that ends with a line
        // break, so such a body arrives with one more empty line; nothing else differs.
        let body = message.body_text(0).expect("a text body").replace("\r\n", "\n");
        assert_eq!(body.trim_end_matches('\n'), mail.text.trim_end_matches('\n'));
    }
    // Headers travel as ASCII: the accented words are RFC 2047 encoded words.
    let raw = String::from_utf8(spooled(Path::new(&spool), &accented.id)).expect("a UTF-8 message");
    let (head, _body) = raw.split_once("\r\n\r\n").expect("headers, then the body");
    assert!(head.is_ascii(), "{head}");
}

#[tokio::test]
async fn a_server_that_refuses_connections_fails_the_send() {
    let mailer = SmtpMailer::from_url("smtp://127.0.0.1:1", "lms@example.com").expect("mailer");
    let mail = Mail {
        to: "ada@example.org".to_owned(),
        to_name: "Ada".to_owned(),
        subject: "Hi".to_owned(),
        text: "Hi\n".to_owned(),
        id: "refused".to_owned(),
    };
    let error = mailer.send(&mail).await.expect_err("nothing listens on port 1");
    let source = std::error::Error::source(&error).expect("the adapter's error");
    assert_eq!(source.to_string(), "SMTP send failed");
}

/// A mail to Ada with this id.
fn mail_with_id(id: String) -> Mail {
    Mail {
        to: "ada@example.org".to_owned(),
        to_name: "Ada".to_owned(),
        subject: "Over TLS".to_owned(),
        text: "Sent encrypted.\n".to_owned(),
        id,
    }
}

/// The test server's STARTTLS listener (it refuses mail before STARTTLS), whose
/// certificate a test CA issued: trusted when that CA is given, refused otherwise.
#[cfg_attr(lms_skip_smtp, ignore = "LMS_TEST_SMTP_TLS_URL is not set")]
#[tokio::test]
async fn starttls_delivers_to_a_server_whose_certificate_a_trusted_ca_issued() {
    let Some(url) = common::server_url("LMS_TEST_SMTP_TLS_URL", "smtp", "lms-notify smtp over TLS") else {
        return;
    };
    let ca_file = std::env::var("LMS_TEST_SMTP_CA_FILE")
        .expect("LMS_TEST_SMTP_CA_FILE must name the test CA's certificate (target/smtp-test-server/tls/ca.pem)");
    let ca = std::fs::read(&ca_file).unwrap_or_else(|e| panic!("{ca_file}: {e}"));
    let spool = std::env::var("LMS_TEST_SMTP_SPOOL").expect("LMS_TEST_SMTP_SPOOL");
    let from = format!("LMS Tests <lms@{FROM_DOMAIN}>");
    let run = format!("{:016x}", fastrand::u64(..));

    let trusting = SmtpMailer::from_url_trusting(&url, &from, Some(&ca)).expect("mailer");
    let mail = mail_with_id(format!("{run}-tls"));
    trusting.send(&mail).await.expect("sent over STARTTLS");
    let raw = spooled(Path::new(&spool), &mail.id);
    let message = MessageParser::default().parse(&raw).expect("a parseable message");
    assert_eq!(message.subject(), Some("Over TLS"));

    // Without the CA the certificate chains to no trusted root: nothing is sent.
    let untrusting = SmtpMailer::from_url(&url, &from).expect("mailer");
    let refused = mail_with_id(format!("{run}-untrusted"));
    untrusting.send(&refused).await.expect_err("an untrusted certificate");
    // And a plain connection to the same listener cannot deliver either.
    let plain_url = url.split('?').next().expect("the URL without its query");
    let plain = SmtpMailer::from_url(plain_url, &from).expect("mailer");
    let in_clear = mail_with_id(format!("{run}-plain"));
    plain.send(&in_clear).await.expect_err("the listener requires STARTTLS");
    for id in [&refused.id, &in_clear.id] {
        assert!(all_spooled(Path::new(&spool), id).is_empty(), "{id} was delivered");
    }
}
