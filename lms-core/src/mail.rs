//! Email: the messages the LMS sends (a welcome, a course completion with its
//! certificate, a password reset) and the subscriber that sends the event-driven ones
//! through a [`Mailer`].
//!
//! Templates are plain text, so every mail client shows them alike and nothing in them
//! can run. Links are included only when the server knows its public address
//! ([`MailSettings::public_url`]).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::delivery::Subscriber;
use crate::domain::course::Course;
use crate::domain::events::{DomainEvent, EventPayload};
use crate::domain::user::User;
use crate::ids::{CertificateId, UserId};
use crate::ports::{Mail, Mailer, Notifier, NotifyError, Stores};

/// What the templates say about the product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The name messages sign with (default `LMS`).
    pub product_name: String,
    /// Where learners reach the product, without a trailing slash (for example
    /// `https://learn.example.com`); links are left out when unset.
    pub public_url: Option<String>,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            product_name: "LMS".to_owned(),
            public_url: None,
        }
    }
}

impl MailSettings {
    /// `path` under the public address, if there is one.
    fn link(&self, path: &str) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|base| format!("{}{path}", base.trim_end_matches('/')))
    }

    fn mail(&self, user: &User, id: String, subject: String, lines: Vec<String>) -> Mail {
        let mut text = format!("Hello {},\n\n", user.display_name.as_str());
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str(&format!("\n— {}\n", self.product_name));
        Mail {
            to: user.email.to_string(),
            to_name: user.display_name.as_str().to_owned(),
            subject,
            text,
            id,
        }
    }

    /// The welcome message for a new account.
    pub fn welcome(&self, user: &User, id: String) -> Mail {
        let mut lines = vec![format!(
            "Welcome to {}. Your account ({}) is ready.",
            self.product_name, user.email
        )];
        if let Some(link) = self.link("/") {
            lines.push(format!("Start learning at {link}"));
        }
        self.mail(user, id, format!("Welcome to {}", self.product_name), lines)
    }

    /// The message for a completed course, naming its certificate.
    pub fn course_completed(&self, user: &User, course: &Course, certificate_id: CertificateId, id: String) -> Mail {
        let title = course.title.as_str();
        let mut lines = vec![
            format!("Congratulations: you completed “{title}”."),
            format!("Your certificate id is {certificate_id}."),
        ];
        if let Some(link) = self.link(&format!("/certificates/{certificate_id}")) {
            lines.push(format!("View it at {link}"));
        }
        self.mail(user, id, format!("You completed {title}"), lines)
    }

    /// The message carrying a password-reset token.
    pub fn password_reset(&self, user: &User, token: &str, expires_at: DateTime<Utc>, id: String) -> Mail {
        let mut lines = vec!["Someone asked to reset the password of your account.".to_owned()];
        match self.link(&format!("/reset-password?token={token}")) {
            Some(link) => lines.push(format!("Choose a new password at {link}")),
            None => lines.push(format!("Your reset code is {token}")),
        }
        lines.push(format!(
            "It works once, until {} UTC. Resetting ends every session of the account.",
            expires_at.format("%Y-%m-%d %H:%M")
        ));
        lines.push("If you did not ask for this, ignore this message: your password stays as it is.".to_owned());
        self.mail(user, id, format!("Reset your {} password", self.product_name), lines)
    }
}

/// Sends the event-driven mail: a welcome on `user.registered`, a completion with its
/// certificate on `certificate.issued`. Each message's id is its event's id, so a
/// redelivered event produces the same `Message-ID`. A user or course gone since the
/// event (erased, deleted) gets no mail.
pub struct MailNotifier {
    stores: Stores,
    mailer: Arc<dyn Mailer>,
    settings: MailSettings,
}

impl std::fmt::Debug for MailNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailNotifier")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl MailNotifier {
    /// The event types it sends mail for.
    pub const EVENT_TYPES: &'static [&'static str] = &["user.registered", "certificate.issued"];

    pub(crate) fn new(stores: Stores, mailer: Arc<dyn Mailer>, settings: MailSettings) -> Self {
        Self {
            stores,
            mailer,
            settings,
        }
    }

    /// The relay subscriber (stream `mail`) for these events.
    pub fn subscriber(self) -> Subscriber {
        Subscriber::new("mail", Arc::new(self)).only(Self::EVENT_TYPES.iter().copied())
    }

    async fn user(&self, user_id: UserId) -> Result<Option<User>, NotifyError> {
        self.stores
            .users
            .get_user(user_id)
            .await
            .map_err(|e| NotifyError(Box::new(e)))
    }
}

#[async_trait]
impl Notifier for MailNotifier {
    async fn deliver(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        let id = event.id.to_string();
        let mail = match &event.payload {
            EventPayload::UserRegistered { user_id } => match self.user(*user_id).await? {
                Some(user) => self.settings.welcome(&user, id),
                None => return Ok(()),
            },
            EventPayload::CertificateIssued {
                certificate_id,
                user_id,
                course_id,
                ..
            } => {
                let course = self
                    .stores
                    .courses
                    .get_course(*course_id)
                    .await
                    .map_err(|e| NotifyError(Box::new(e)))?;
                match (self.user(*user_id).await?, course) {
                    (Some(user), Some(course)) => self.settings.course_completed(&user, &course, *certificate_id, id),
                    _ => return Ok(()),
                }
            }
            _ => return Ok(()),
        };
        self.mailer.send(&mail).await
    }
}
