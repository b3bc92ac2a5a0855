//! Alerts, incidents and status (O6, O7): rules over metrics the server samples, the
//! incidents firing rules open (one per rule at a time, related ones pointing at the
//! first on their component), their acknowledgement and resolution (automatic when the
//! condition clears) with the time it took, escalation of unacknowledged critical
//! incidents, and the public status computed from the incident history.
//!
//! The core decides; the server samples the metrics, runs [`MonitoringService::evaluate`]
//! on a timer and sends the [`Notice`]s it returns (webhook, email).

mod evaluation;
mod incident;
mod rule;
mod status;

use chrono::Duration;
use uuid::Uuid;

pub use evaluation::{Evaluator, Samples};
pub use incident::{Incident, IncidentStatus, Notice, NoticeKind};
pub use rule::{AlertRule, Comparison, Component, Metric, Severity};
pub use status::{ComponentStatus, Health, StatusReport, Uptime};

use crate::error::{Entity, Error, Result};
use crate::ports::{PageRequest, StoreError};
use crate::records::Record;
use crate::services::{Actor, Deps};

/// What an admin sets when creating a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRule {
    /// Its name, unique (compared without case).
    pub name: String,
    /// What it watches.
    pub metric: Metric,
    /// On which side of the threshold it fires.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: f64,
    /// How long the condition must hold, in seconds.
    pub duration_seconds: u32,
    /// How bad it is.
    pub severity: Severity,
    /// What it is about.
    pub component: Component,
    /// Whether it is evaluated.
    pub enabled: bool,
}

/// A change to a rule; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulePatch {
    /// New name.
    pub name: Option<String>,
    /// New threshold.
    pub threshold: Option<f64>,
    /// New duration, in seconds.
    pub duration_seconds: Option<u32>,
    /// New severity.
    pub severity: Option<Severity>,
    /// Evaluated or not.
    pub enabled: Option<bool>,
}

/// The longest a rule's condition may be asked to hold: a day.
const MAX_DURATION_SECONDS: u32 = 86_400;

/// Alert rules, incidents and status.
#[derive(Clone, Debug)]
pub struct MonitoringService {
    deps: Deps,
}

impl MonitoringService {
    pub(crate) fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Stores the default rules that are not stored yet (each instance may call this at
    /// start; the fixed ids make it idempotent).
    pub async fn install_default_rules(&self) -> Result<()> {
        for rule in rule::defaults(self.deps.clock.now()) {
            match self.deps.records.insert(&rule, &[]).await {
                Ok(()) | Err(StoreError::Duplicate(_)) => {}
                Err(e) => return Err(e.about(Entity::Incident, "alert rule")),
            }
        }
        Ok(())
    }

    /// Every rule, by id (admins).
    pub async fn rules(&self, actor: &Actor) -> Result<Vec<AlertRule>> {
        actor.require_admin()?;
        self.all_rules().await
    }

    /// Creates a rule (admins).
    pub async fn create_rule(&self, actor: &Actor, new: NewRule) -> Result<AlertRule> {
        actor.require_admin()?;
        let rule = AlertRule {
            id: Uuid::now_v7(),
            version: 1,
            name: new.name,
            metric: new.metric,
            comparison: new.comparison,
            threshold: new.threshold,
            duration_seconds: new.duration_seconds,
            severity: new.severity,
            component: new.component,
            enabled: new.enabled,
            builtin: false,
            created_at: self.deps.clock.now(),
        };
        check_rule(&rule)?;
        self.deps
            .records
            .insert(&rule, &[])
            .await
            .map_err(|e| rule_error(e, rule.id))?;
        Ok(rule)
    }

    /// Changes a rule (admins).
    pub async fn update_rule(&self, actor: &Actor, id: Uuid, patch: RulePatch) -> Result<AlertRule> {
        actor.require_admin()?;
        crate::services::retry_on_conflict(|| async {
            let mut rule = self.rule(id).await?;
            let stored = rule.version;
            if let Some(name) = &patch.name {
                rule.name.clone_from(name);
            }
            rule.threshold = patch.threshold.unwrap_or(rule.threshold);
            rule.duration_seconds = patch.duration_seconds.unwrap_or(rule.duration_seconds);
            rule.severity = patch.severity.unwrap_or(rule.severity);
            rule.enabled = patch.enabled.unwrap_or(rule.enabled);
            check_rule(&rule)?;
            rule.version = stored + 1;
            self.deps
                .records
                .update(&rule, stored, &[])
                .await
                .map_err(|e| rule_error(e, id))?;
            Ok(rule)
        })
        .await
    }

    /// Deletes a rule (admins); a default rule can only be disabled.
    pub async fn delete_rule(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require_admin()?;
        let rule = self.rule(id).await?;
        if rule.builtin {
            return Err(Error::invalid(
                "id",
                "builtin_rule",
                "a default rule cannot be deleted; disable it instead",
            ));
        }
        self.deps
            .records
            .delete(&rule, &[])
            .await
            .map_err(|e| rule_error(e, id))
    }

    /// Incidents, newest first, optionally only those in one state (admins); at most
    /// `limit`.
    pub async fn incidents(&self, actor: &Actor, status: Option<IncidentStatus>, limit: u32) -> Result<Vec<Incident>> {
        actor.require_admin()?;
        self.recent_incidents(status, limit).await
    }

    /// Acknowledges an open incident (admins): someone is on it, so it is not escalated.
    pub async fn acknowledge(&self, actor: &Actor, id: Uuid) -> Result<Notice> {
        actor.require_admin()?;
        self.transition(id, IncidentStatus::Acknowledged, NoticeKind::Acknowledged)
            .await
    }

    /// Resolves an incident by hand (admins); its rule opens a new one if it fires again.
    pub async fn resolve(&self, actor: &Actor, id: Uuid) -> Result<Notice> {
        actor.require_admin()?;
        self.transition(id, IncidentStatus::Resolved, NoticeKind::Resolved)
            .await
    }

    async fn transition(&self, id: Uuid, to: IncidentStatus, kind: NoticeKind) -> Result<Notice> {
        crate::services::retry_on_conflict(|| async {
            let mut incident = self
                .get::<Incident>(id)
                .await?
                .ok_or_else(|| Error::not_found(Entity::Incident, id))?;
            let allowed = match to {
                IncidentStatus::Acknowledged => incident.status == IncidentStatus::Open,
                _ => incident.is_active(),
            };
            if !allowed {
                return Err(Error::invalid(
                    "status",
                    "not_allowed",
                    format!(
                        "an incident that is {} cannot become {}",
                        incident.status.as_str(),
                        to.as_str()
                    ),
                ));
            }
            let now = self.deps.clock.now();
            match to {
                IncidentStatus::Acknowledged => incident.acknowledged_at = Some(now),
                _ => incident.resolved_at = Some(now),
            }
            incident.status = to;
            let stored = incident.version;
            incident.version = stored + 1;
            self.deps
                .records
                .update(&incident, stored, &[])
                .await
                .map_err(|e| e.about(Entity::Incident, id))?;
            Ok(Notice { kind, incident })
        })
        .await
    }

    async fn rule(&self, id: Uuid) -> Result<AlertRule> {
        self.get::<AlertRule>(id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::AlertRule, id))
    }

    pub(crate) async fn all_rules(&self) -> Result<Vec<AlertRule>> {
        let mut rules = Vec::new();
        let mut page = PageRequest {
            after: None,
            limit: PageRequest::MAX_LIMIT,
        };
        loop {
            let listed = self
                .deps
                .records
                .list::<AlertRule>(page)
                .await
                .map_err(|e| e.about(Entity::AlertRule, "rules"))?;
            rules.extend(listed.items);
            match listed.next_after {
                Some(next) => page.after = Some(next),
                None => return Ok(rules),
            }
        }
    }

    /// Open and acknowledged incidents.
    pub(crate) async fn active_incidents(&self) -> Result<Vec<Incident>> {
        let mut active = Vec::new();
        for status in [IncidentStatus::Open, IncidentStatus::Acknowledged] {
            let mut page = PageRequest {
                after: None,
                limit: PageRequest::MAX_LIMIT,
            };
            loop {
                let listed = self
                    .deps
                    .records
                    .list_by::<Incident>("status", status.as_str(), page)
                    .await
                    .map_err(|e| e.about(Entity::Incident, "incidents"))?;
                active.extend(listed.items);
                match listed.next_after {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
        }
        Ok(active)
    }

    /// The newest incidents, optionally of one status.
    async fn recent_incidents(&self, status: Option<IncidentStatus>, limit: u32) -> Result<Vec<Incident>> {
        let limit = limit.clamp(1, crate::ports::RangeQuery::MAX_LIMIT);
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let range = crate::records::Range::all("opened_at", crate::ports::RangeQuery::MAX_LIMIT)
                .descending()
                .after(after);
            let page = self
                .deps
                .records
                .range::<Incident>(range)
                .await
                .map_err(|e| e.about(Entity::Incident, "incidents"))?;
            found.extend(page.items.into_iter().filter(|i| status.is_none_or(|s| i.status == s)));
            if found.len() >= limit as usize {
                found.truncate(limit as usize);
                return Ok(found);
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(found),
            }
        }
    }

    async fn get<R: Record>(&self, id: Uuid) -> Result<Option<R>> {
        self.deps
            .records
            .get::<R>(id)
            .await
            .map_err(|e| e.about(Entity::Incident, R::KIND.name))
    }
}

/// Refuses a rule with an empty or overlong name, a threshold that is not a number, or a
/// duration over a day.
fn check_rule(rule: &AlertRule) -> Result<()> {
    let mut errors = crate::error::Validator::new();
    let mut invalid = |field: &str, code: &'static str, message: String| {
        errors.push(crate::FieldError::new(field, code, message));
    };
    let name = rule.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        invalid(
            "name",
            "invalid",
            "1 to 100 characters without control characters".into(),
        );
    }
    if !rule.threshold.is_finite() {
        invalid("threshold", "invalid", "a finite number".into());
    }
    if rule.duration_seconds > MAX_DURATION_SECONDS {
        invalid(
            "duration_seconds",
            "too_long",
            format!("at most {MAX_DURATION_SECONDS} seconds"),
        );
    }
    errors.finish()
}

fn rule_error(err: StoreError, id: Uuid) -> Error {
    match err {
        StoreError::Duplicate(_) => Error::invalid("name", "taken", "another rule has this name"),
        other => other.about(Entity::AlertRule, id),
    }
}

/// The default lease length of rule evaluation, for servers that evaluate every few
/// seconds.
pub const DEFAULT_LEASE: Duration = Duration::seconds(30);
