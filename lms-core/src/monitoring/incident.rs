//! Incidents: what a firing rule opens, someone acknowledges, and the rule's recovery (or
//! an admin) resolves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rule::{AlertRule, Component, Severity};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Its rule fired and nobody has taken it yet.
    Open,
    /// Someone is on it.
    Acknowledged,
    /// Over: its condition cleared, or an admin closed it.
    Resolved,
}

impl IncidentStatus {
    /// The stored and public name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Resolved => "resolved",
        }
    }
}

/// An incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Identifier.
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// The rule that opened it.
    pub rule_id: Uuid,
    /// The rule's name when it fired.
    pub rule: String,
    /// What it is about.
    pub component: Component,
    /// How bad it is.
    pub severity: Severity,
    /// Where it stands.
    pub status: IncidentStatus,
    /// What was seen: the metric, its value and the threshold.
    pub summary: String,
    /// When the rule fired.
    pub opened_at: DateTime<Utc>,
    /// When someone acknowledged it.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// How many times its rule fired while it was open (the first included): repeated
    /// alerts of one rule are grouped here instead of opening incidents.
    pub alerts: u32,
    /// The earliest incident open on the same component when this one opened, if any:
    /// related alerts point at one incident.
    pub related_to: Option<Uuid>,
    /// When it was escalated to the second channel (critical, not acknowledged in time).
    pub escalated_at: Option<DateTime<Utc>>,
    /// Whether its rule's recovery resolved it (else an admin did).
    pub resolved_automatically: bool,
}

impl Record for Incident {
    const KIND: RecordKind = RecordKind {
        name: "incident",
        keys: &[
            KeySpec::ordered("opened_at"),
            KeySpec::lookup("status"),
            KeySpec::unique("open_rule"),
        ],
    };
    fn id(&self) -> Uuid {
        self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn index(&self, index: &mut Index) {
        index.set("opened_at", self.opened_at);
        index.set("status", self.status.as_str());
        // One incident per rule is open at a time (deduplication).
        if self.status != IncidentStatus::Resolved {
            index.set("open_rule", self.rule_id);
        }
    }
}

impl Incident {
    /// A new open incident of a firing rule.
    pub(crate) fn open(rule: &AlertRule, value: f64, related_to: Option<Uuid>, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            version: 0,
            rule_id: rule.id,
            rule: rule.name.clone(),
            component: rule.component,
            severity: rule.severity,
            status: IncidentStatus::Open,
            summary: summary(rule, value),
            opened_at: now,
            acknowledged_at: None,
            resolved_at: None,
            alerts: 1,
            related_to,
            escalated_at: None,
            resolved_automatically: false,
        }
    }

    /// Whether it is still open or acknowledged.
    pub fn is_active(&self) -> bool {
        self.status != IncidentStatus::Resolved
    }

    /// Seconds from opening to resolution, once resolved.
    pub fn time_to_resolve_seconds(&self) -> Option<i64> {
        self.resolved_at.map(|r| (r - self.opened_at).num_seconds())
    }
}

/// What an incident's summary says: the metric, the value seen and the rule's bound.
pub(crate) fn summary(rule: &AlertRule, value: f64) -> String {
    let metric = serde_json::to_value(rule.metric)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let side = match rule.comparison {
        super::rule::Comparison::Above => "above",
        super::rule::Comparison::Below => "below",
    };
    format!(
        "{metric} is {value:.4} ({side} {} for {} s)",
        rule.threshold, rule.duration_seconds
    )
}

/// What happened to an incident, to be told to people (webhook `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    /// `incident.opened`
    #[serde(rename = "incident.opened")]
    Opened,
    /// `incident.acknowledged`
    #[serde(rename = "incident.acknowledged")]
    Acknowledged,
    /// `incident.resolved`
    #[serde(rename = "incident.resolved")]
    Resolved,
    /// `incident.escalated`: a critical incident not acknowledged in time, sent to the
    /// escalation channel.
    #[serde(rename = "incident.escalated")]
    Escalated,
}

impl NoticeKind {
    /// The event type.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Opened => "incident.opened",
            NoticeKind::Acknowledged => "incident.acknowledged",
            NoticeKind::Resolved => "incident.resolved",
            NoticeKind::Escalated => "incident.escalated",
        }
    }
}

/// An incident change to notify.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// What happened.
    pub kind: NoticeKind,
    /// The incident as it is now.
    pub incident: Incident,
}
