//! The server's side of monitoring (O5, O6): the request windows behind the performance
//! view and its health score, the metric samples alert rules are evaluated on, and the
//! task that evaluates them every few seconds and sends what the core decides.

pub mod alerts;
pub mod health;
pub mod samples;
pub mod windows;

use std::sync::Arc;
use std::time::Duration;

use lms_core::monitoring::Evaluator;

use crate::api::State;

/// How monitoring behaves (`LMS_ALERT_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSettings {
    /// How often rules are evaluated (`LMS_ALERT_EVALUATION_SECONDS`, default 5, 1 to
    /// 300).
    pub evaluation_interval: Duration,
    /// Where incident notices are POSTed (`LMS_ALERT_WEBHOOK_URL`, optional).
    pub webhook_url: Option<String>,
    /// The standard-webhooks secret notices are signed with (`LMS_ALERT_WEBHOOK_SECRET`,
    /// `whsec_…`, optional).
    pub webhook_secret: Option<String>,
    /// Who is mailed incident notices (`LMS_ALERT_EMAIL`, optional; needs mail).
    pub email: Option<String>,
    /// Where critical incidents go when nobody acknowledged them in time
    /// (`LMS_ALERT_ESCALATION_WEBHOOK_URL` and `LMS_ALERT_ESCALATION_EMAIL`, optional;
    /// without either, escalations go to the channels above).
    pub escalation_webhook_url: Option<String>,
    /// See `escalation_webhook_url`.
    pub escalation_email: Option<String>,
    /// How long a critical incident may stay unacknowledged
    /// (`LMS_ALERT_ESCALATION_MINUTES`, default 15).
    pub escalate_after: Duration,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        Self {
            evaluation_interval: Duration::from_secs(5),
            webhook_url: None,
            webhook_secret: None,
            email: None,
            escalation_webhook_url: None,
            escalation_email: None,
            escalate_after: Duration::from_secs(15 * 60),
        }
    }
}

/// The evaluation task: every interval, sample, evaluate (if this instance holds the
/// lease) and send the notices. It stops when dropped, and when the state is gone.
#[derive(Debug)]
pub struct AlertEvaluation(tokio::task::JoinHandle<()>);

impl AlertEvaluation {
    /// Starts evaluating for the server's state.
    pub fn spawn(state: &State) -> Self {
        let every = state.settings.monitor.evaluation_interval;
        // The lease outlives three missed passes, so a slow pass does not hand it over.
        let lease = chrono::Duration::from_std(every * 3).unwrap_or(lms_core::monitoring::DEFAULT_LEASE);
        let escalate = chrono::Duration::from_std(state.settings.monitor.escalate_after)
            .unwrap_or_else(|_| chrono::Duration::minutes(15));
        let weak = Arc::downgrade(state);
        Self(tokio::spawn(async move {
            let mut evaluator = Evaluator::new(uuid::Uuid::now_v7(), escalate);
            let mut history = samples::CounterHistory::default();
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(state) = weak.upgrade() else { return };
                let samples = samples::sample(&state, &mut history).await;
                let notices = state.lms.monitoring.evaluate(&mut evaluator, &samples, lease).await;
                for notice in notices {
                    tracing::warn!(kind = notice.kind.as_str(), rule = %notice.incident.rule, incident = %notice.incident.id, "incident");
                    state.alerts.send(&notice).await;
                }
                let storage_up = samples.0.get(&lms_core::monitoring::Metric::DatabaseUnreachable) == Some(&0.0);
                if storage_up {
                    // Keeps the status /status falls back on when storage goes away.
                    let _ = crate::api::monitoring::current_status(&state).await;
                }
            }
        }))
    }
}

impl Drop for AlertEvaluation {
    fn drop(&mut self) {
        self.0.abort();
    }
}
