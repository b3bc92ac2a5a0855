//! Sends incident notices: a JSON POST to the alert webhook (signed the standard-webhooks
//! way when a secret is set) and an email, straight from the evaluating instance — not
//! through the event outbox, which lives in the database an incident may be about.
//! Escalations go to the escalation channels, or to the usual ones when none is set.

use std::sync::Arc;

use lms_core::monitoring::{Notice, NoticeKind};
use lms_core::ports::{Mail, Mailer};
use lms_core::webhooks::{signature_header, WebhookSecret, WebhookTransport};

use super::MonitorSettings;
use crate::api::monitoring::IncidentResponse;
use crate::webhook_transport::HttpTransport;

/// Attempts at each webhook notice.
const ATTEMPTS: u32 = 3;

/// Where notices go.
pub struct AlertSender {
    settings: MonitorSettings,
    secret: Option<WebhookSecret>,
    transport: HttpTransport,
    mailer: Option<Arc<dyn Mailer>>,
}

impl std::fmt::Debug for AlertSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertSender")
            .field("webhook", &self.settings.webhook_url.is_some())
            .field("email", &self.settings.email.is_some())
            .finish_non_exhaustive()
    }
}

impl AlertSender {
    /// A sender for the settings' channels; `mailer` is the server's, when mail is on.
    /// The webhook is the operator's own setting, so it may be on a private network.
    pub fn new(settings: MonitorSettings, mailer: Option<Arc<dyn Mailer>>) -> Result<Self, String> {
        let secret = settings
            .webhook_secret
            .as_deref()
            .map(WebhookSecret::parse)
            .transpose()
            .map_err(|e| format!("LMS_ALERT_WEBHOOK_SECRET: {e}"))?;
        let wants_mail = settings.email.is_some() || settings.escalation_email.is_some();
        if wants_mail && mailer.is_none() {
            return Err("LMS_ALERT_EMAIL and LMS_ALERT_ESCALATION_EMAIL need LMS_SMTP_URL".into());
        }
        Ok(Self {
            settings,
            secret,
            transport: HttpTransport::new(true),
            mailer,
        })
    }

    /// Sends one notice to its channels; a channel that fails is logged (the incident
    /// is stored and shown whatever the channels do).
    pub async fn send(&self, notice: &Notice) {
        let escalation = notice.kind == NoticeKind::Escalated
            && (self.settings.escalation_webhook_url.is_some() || self.settings.escalation_email.is_some());
        let (webhook, email) = if escalation {
            (&self.settings.escalation_webhook_url, &self.settings.escalation_email)
        } else {
            (&self.settings.webhook_url, &self.settings.email)
        };
        let id = uuid::Uuid::now_v7().to_string();
        let incident = IncidentResponse::from(&notice.incident);
        if let Some(url) = webhook {
            let body = serde_json::json!({
                "id": id,
                "type": notice.kind.as_str(),
                "occurred_at": chrono::Utc::now(),
                "incident": incident,
            });
            self.post(url, &id, body.to_string().into_bytes()).await;
        }
        if let (Some(to), Some(mailer)) = (email, &self.mailer) {
            let mail = Mail {
                to: to.clone(),
                to_name: String::new(),
                subject: format!(
                    "[{:?}] {}: {}",
                    notice.incident.severity,
                    notice.kind.as_str(),
                    notice.incident.rule
                ),
                text: format!(
                    "{}\n\nIncident {} on {:?}: {}\nOpened at {}\nStatus: {}\n",
                    notice.kind.as_str(),
                    notice.incident.id,
                    notice.incident.component,
                    notice.incident.summary,
                    notice.incident.opened_at.to_rfc3339(),
                    notice.incident.status.as_str()
                ),
                id,
            };
            if let Err(error) = mailer.send(&mail).await {
                tracing::error!(%error, incident = %notice.incident.id, "the incident email could not be sent");
            }
        }
    }

    async fn post(&self, url: &str, id: &str, body: Vec<u8>) {
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if let Some(secret) = &self.secret {
            let timestamp = chrono::Utc::now().timestamp();
            match signature_header(&[secret], id, timestamp, &body) {
                Ok(signature) => headers.extend([
                    ("webhook-id", id.to_owned()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", signature),
                ]),
                Err(error) => tracing::error!(%error, "the incident notice could not be signed"),
            }
        }
        // A few quick attempts: a notice is worth most in its first minute, and the next
        // evaluation must not wait long behind it.
        for attempt in 1..=ATTEMPTS {
            match self.transport.post(url, &headers, body.clone()).await {
                Ok(status) if (200..300).contains(&status) => return,
                Ok(status) => tracing::error!(status, attempt, "the alert webhook refused an incident notice"),
                Err(error) => tracing::error!(%error, attempt, "the alert webhook could not be reached"),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(std::time::Duration::from_secs(u64::from(attempt))).await;
            }
        }
    }
}
