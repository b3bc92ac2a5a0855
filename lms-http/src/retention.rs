//! The retention job (G5): what is past its retention is deleted, and the counts go to
//! the `lms_retention_purged_total{kind}` metric. A server that runs the relay runs it
//! every hour; `lms-server purge` runs it once.
//!
//! | Data | Kept | Setting |
//! |---|---|---|
//! | Delivered events | 7 days | `LMS_EVENT_RETENTION_DAYS` |
//! | Webhook delivery attempts | 90 days | `LMS_DELIVERY_ATTEMPT_RETENTION_DAYS` |
//! | Audit entries | 6 years | `LMS_AUDIT_RETENTION_DAYS` |
//! | Markers of events the analytics applied | 30 days | — |

use chrono::Utc;
use lms_core::analytics::AnalyticsService;
use lms_core::delivery::Relay;
use lms_core::privacy::PrivacyService;

use crate::metrics::Metrics;
use crate::settings::Settings;

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Delivered events past their retention.
    pub events: u64,
    /// Webhook delivery attempts past theirs.
    pub delivery_attempts: u64,
    /// Audit entries past theirs.
    pub audit_entries: u64,
    /// Markers of events the analytics reaction applied, past 30 days.
    pub analytics_markers: u64,
}

/// How long the analytics reaction's marker of an applied event is kept: far longer than
/// delivered events are (7 days by default), so no redelivery outlives its marker.
const ANALYTICS_MARKER_RETENTION: chrono::Duration = chrono::Duration::days(30);

/// Runs the purge once: the relay's (delivered events, delivery attempts), the audit
/// log's and the analytics reaction's markers.
pub async fn purge_once(
    relay: &Relay,
    privacy: &PrivacyService,
    analytics: &AnalyticsService,
    settings: &Settings,
) -> Result<Purged, lms_core::Error> {
    let (events, delivery_attempts) = relay.purge_now().await?;
    let now = Utc::now();
    let audit_retention = chrono::Duration::from_std(settings.audit_retention).unwrap_or(chrono::Duration::MAX);
    let cutoff = now
        .checked_sub_signed(audit_retention)
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
    let audit_entries = privacy.audit().purge_before(cutoff, now).await?;
    let analytics_markers = analytics.purge_markers(now - ANALYTICS_MARKER_RETENTION).await?;
    Ok(Purged {
        events,
        delivery_attempts,
        audit_entries,
        analytics_markers,
    })
}

impl Purged {
    /// Adds the counts to `lms_retention_purged_total`.
    pub fn count_in(&self, metrics: &Metrics) {
        for (kind, count) in [
            ("events", self.events),
            ("delivery_attempts", self.delivery_attempts),
            ("audit_entries", self.audit_entries),
            ("analytics_markers", self.analytics_markers),
        ] {
            metrics.retention_purged.with_label_values(&[kind]).inc_by(count);
        }
    }
}
