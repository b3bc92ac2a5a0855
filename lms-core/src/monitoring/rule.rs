//! Alert rules: a metric, a threshold it must cross, for how long, and how bad that is.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::records::{Index, KeySpec, Record, RecordKind};

/// What a rule watches. The server samples each one on every evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of API requests answered with a 5xx status over the last minute (0–1).
    ApiErrorRate,
    /// 95th percentile of API response times over the last 5 minutes, in milliseconds.
    ApiP95Ms,
    /// Memory in use, in percent of the memory available to the server.
    MemoryUsedPercent,
    /// Free space on the data directory's disk, in percent.
    DiskFreePercent,
    /// 1 while the database does not answer, else 0.
    DatabaseUnreachable,
    /// Share of orders whose payment failed over the last 10 minutes (0–1; at least 5
    /// orders, else no value).
    PaymentFailureRate,
    /// Security alerts (S11) raised in the last 5 minutes.
    SecurityAlerts,
    /// Age of the oldest event waiting for delivery, in seconds.
    EventBacklogSeconds,
    /// Events that failed every delivery attempt and wait for an admin.
    DeadLetters,
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 9] = [
        Metric::ApiErrorRate,
        Metric::ApiP95Ms,
        Metric::MemoryUsedPercent,
        Metric::DiskFreePercent,
        Metric::DatabaseUnreachable,
        Metric::PaymentFailureRate,
        Metric::SecurityAlerts,
        Metric::EventBacklogSeconds,
        Metric::DeadLetters,
    ];
}

/// On which side of the threshold a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// When the value is above the threshold.
    Above,
    /// When the value is below the threshold.
    Below,
}

/// How bad a firing rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Service down or losing money: escalated when not acknowledged in time.
    Critical,
    /// Degraded for users.
    High,
    /// Needs attention soon.
    Medium,
    /// Worth a look.
    Low,
}

/// The part of the platform a rule is about, as the status page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// The HTTP API.
    Api,
    /// The database.
    Database,
    /// Payments through the provider.
    Payments,
    /// Email.
    Email,
    /// Event delivery (webhooks, reactions).
    EventDelivery,
    /// Intrusion signals (S11); not a component of the public status.
    Security,
}

impl Component {
    /// The components the public status shows.
    pub const PUBLIC: [Component; 5] = [
        Component::Api,
        Component::Database,
        Component::Payments,
        Component::Email,
        Component::EventDelivery,
    ];
}

/// An alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    /// Identifier.
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// Its name, unique.
    pub name: String,
    /// What it watches.
    pub metric: Metric,
    /// On which side of the threshold it fires.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: f64,
    /// How long the condition must hold before the rule fires, in seconds.
    pub duration_seconds: u32,
    /// How bad it is.
    pub severity: Severity,
    /// What it is about.
    pub component: Component,
    /// Whether it is evaluated.
    pub enabled: bool,
    /// Whether it is one of the defaults (which can be changed and disabled, not
    /// deleted).
    pub builtin: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Record for AlertRule {
    const KIND: RecordKind = RecordKind {
        name: "alert_rule",
        keys: &[KeySpec::unique("name")],
    };
    fn id(&self) -> Uuid {
        self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn index(&self, index: &mut Index) {
        index.set("name", self.name.to_lowercase());
    }
}

impl AlertRule {
    /// Whether a value meets the rule's condition.
    pub fn breached_by(&self, value: f64) -> bool {
        match self.comparison {
            Comparison::Above => value > self.threshold,
            Comparison::Below => value < self.threshold,
        }
    }
}

/// The default rules (O6, S11), stored once with fixed ids so that every instance
/// agrees on them.
pub(crate) fn defaults(now: DateTime<Utc>) -> Vec<AlertRule> {
    use Comparison::{Above, Below};
    let rule = |n: u64, name: &str, metric, comparison, threshold, duration_seconds, severity, component| AlertRule {
        id: Uuid::from_u64_pair(u64::from_be_bytes(*b"lms:rule"), n),
        version: 1,
        name: name.to_owned(),
        metric,
        comparison,
        threshold,
        duration_seconds,
        severity,
        component,
        enabled: true,
        builtin: true,
        created_at: now,
    };
    vec![
        rule(
            1,
            "API error rate above 5 %",
            Metric::ApiErrorRate,
            Above,
            0.05,
            120,
            Severity::Critical,
            Component::Api,
        ),
        rule(
            2,
            "API P95 above 1 s",
            Metric::ApiP95Ms,
            Above,
            1000.0,
            300,
            Severity::High,
            Component::Api,
        ),
        rule(
            3,
            "Memory above 80 %",
            Metric::MemoryUsedPercent,
            Above,
            80.0,
            300,
            Severity::High,
            Component::Api,
        ),
        rule(
            4,
            "Disk free below 20 %",
            Metric::DiskFreePercent,
            Below,
            20.0,
            300,
            Severity::High,
            Component::Api,
        ),
        rule(
            5,
            "Database unreachable",
            Metric::DatabaseUnreachable,
            Above,
            0.5,
            10,
            Severity::Critical,
            Component::Database,
        ),
        rule(
            6,
            "Payment failure rate above 20 %",
            Metric::PaymentFailureRate,
            Above,
            0.2,
            60,
            Severity::Critical,
            Component::Payments,
        ),
        rule(
            7,
            "Security alerts",
            Metric::SecurityAlerts,
            Above,
            0.0,
            0,
            Severity::High,
            Component::Security,
        ),
        rule(
            8,
            "Event delivery backlog above 5 min",
            Metric::EventBacklogSeconds,
            Above,
            300.0,
            60,
            Severity::Medium,
            Component::EventDelivery,
        ),
        rule(
            9,
            "Dead letters waiting",
            Metric::DeadLetters,
            Above,
            0.0,
            0,
            Severity::Low,
            Component::EventDelivery,
        ),
    ]
}
