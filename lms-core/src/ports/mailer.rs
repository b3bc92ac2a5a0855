use std::sync::Mutex;

use async_trait::async_trait;

use super::NotifyError;

/// One rendered email: who gets it and what it says. Templates in [`crate::mail`] build
/// these; a [`Mailer`] adapter only transports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The recipient's display name.
    pub to_name: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// A stable id for the message (for example the event it answers), so a transport
    /// can set `Message-ID` and a receiver can drop a duplicate of an at-least-once send.
    pub id: String,
}

/// Sends email (SMTP in the server). A failure is retried by whoever called: the relay
/// for event-driven mail, the user for a password reset.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends one message.
    async fn send(&self, mail: &Mail) -> Result<(), NotifyError>;
}

/// A mailer that keeps what it was given; for tests and examples.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<Mail>>,
}

impl RecordingMailer {
    /// Everything sent so far, in order.
    pub fn sent(&self) -> Vec<Mail> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, mail: &Mail) -> Result<(), NotifyError> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(mail.clone());
        Ok(())
    }
}
