//! Rule evaluation: one instance at a time (a lease) turns sampled metric values into
//! incidents, and keeps working when the database it reports on is the thing that is
//! down.
//!
//! The evaluator keeps the incidents it has open in memory as well as in storage: when
//! storage cannot be read it goes on from memory, and what it could not write is written
//! on a later pass. Notices are returned to the caller to send at once, whatever storage
//! does.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::incident::{Incident, IncidentStatus, Notice, NoticeKind};
use super::rule::{AlertRule, Metric, Severity};
use super::MonitoringService;
use crate::records::{Record, RecordKind};

/// Metric values sampled for one evaluation; a metric without a value is not evaluated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples(pub BTreeMap<Metric, f64>);

/// The evaluation lease: the instance that evaluates rules until `expires_at`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EvaluationLease {
    pub id: Uuid,
    pub version: u64,
    pub holder: Uuid,
    pub expires_at: DateTime<Utc>,
}

impl Record for EvaluationLease {
    const KIND: RecordKind = RecordKind {
        name: "alert_evaluation_lease",
        keys: &[],
    };
    fn id(&self) -> Uuid {
        self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
}

/// The lease's fixed id.
pub(crate) const LEASE_ID: Uuid = Uuid::from_u64_pair(u64::from_be_bytes(*b"lms:alrt"), 1);

/// What one evaluating instance remembers between passes.
#[derive(Debug)]
pub struct Evaluator {
    /// This instance, as the lease names it.
    pub instance: Uuid,
    /// How long a critical incident may stay unacknowledged before it is escalated.
    pub escalate_after: Duration,
    holds_lease: bool,
    rules: Vec<AlertRule>,
    breaching_since: HashMap<Uuid, DateTime<Utc>>,
    /// Open incidents by rule, as this instance knows them.
    open: HashMap<Uuid, Incident>,
    /// Incidents changed here and not yet stored (by id), with the version stored before.
    unsaved: HashMap<Uuid, (Incident, Option<u64>)>,
}

impl Evaluator {
    /// A fresh evaluator for this instance.
    pub fn new(instance: Uuid, escalate_after: Duration) -> Self {
        Self {
            instance,
            escalate_after,
            holds_lease: false,
            rules: Vec::new(),
            breaching_since: HashMap::new(),
            open: HashMap::new(),
            unsaved: HashMap::new(),
        }
    }

    /// Whether this instance evaluated on its last pass.
    pub fn holds_lease(&self) -> bool {
        self.holds_lease
    }
}

impl MonitoringService {
    /// One evaluation pass: takes or keeps the lease (an instance that held it goes on
    /// while storage cannot be reached; nobody else can take it then), reads the rules
    /// and open incidents, applies `samples`, stores what changed, and returns the
    /// notices to send. Without the lease it does nothing.
    pub async fn evaluate(&self, evaluator: &mut Evaluator, samples: &Samples, lease_for: Duration) -> Vec<Notice> {
        let now = self.deps.clock.now();
        // With the database sampled unreachable, storage is not tried at all (each try
        // would wait for its timeout): the pass goes on from memory, as the last holder of
        // the lease (nobody can take it while storage is down), and stores later.
        let storage_down = samples.0.get(&Metric::DatabaseUnreachable).is_some_and(|v| *v >= 1.0);
        if !storage_down {
            if let Ok(held) = self.take_lease(evaluator.instance, now, lease_for).await {
                evaluator.holds_lease = held;
            }
        }
        if !evaluator.holds_lease {
            evaluator.breaching_since.clear();
            return Vec::new();
        }
        if !storage_down {
            if let Ok(rules) = self.all_rules().await {
                evaluator.rules = rules;
            }
            if evaluator.unsaved.is_empty() {
                if let Ok(open) = self.active_incidents().await {
                    evaluator.open = open.into_iter().map(|i| (i.rule_id, i)).collect();
                }
            }
        }
        let mut notices = Vec::new();
        let rules = evaluator.rules.clone();
        let enabled: HashSet<Uuid> = rules.iter().filter(|r| r.enabled).map(|r| r.id).collect();
        for rule in rules.iter().filter(|r| r.enabled) {
            let Some(&value) = samples.0.get(&rule.metric) else {
                continue;
            };
            if rule.breached_by(value) {
                let since = *evaluator.breaching_since.entry(rule.id).or_insert(now);
                let held = now - since >= Duration::seconds(i64::from(rule.duration_seconds));
                if held && !evaluator.open.contains_key(&rule.id) {
                    let related = evaluator
                        .open
                        .values()
                        .filter(|i| i.component == rule.component)
                        .min_by_key(|i| i.opened_at)
                        .map(|i| i.id);
                    let incident = Incident::open(rule, value, related, now);
                    notices.push(change(evaluator, incident, None, NoticeKind::Opened));
                }
            } else {
                evaluator.breaching_since.remove(&rule.id);
                if let Some(incident) = evaluator.open.get(&rule.id).cloned() {
                    let stored = Some(incident.version).filter(|v| *v > 0);
                    let mut resolved = incident;
                    resolved.status = IncidentStatus::Resolved;
                    resolved.resolved_at = Some(now);
                    resolved.resolved_automatically = true;
                    notices.push(change(evaluator, resolved, stored, NoticeKind::Resolved));
                }
            }
        }
        // A rule disabled or deleted while its incident is open leaves it to an admin.
        evaluator.breaching_since.retain(|rule, _| enabled.contains(rule));
        let overdue: Vec<Incident> = evaluator
            .open
            .values()
            .filter(|i| {
                i.severity == Severity::Critical
                    && i.status == IncidentStatus::Open
                    && i.escalated_at.is_none()
                    && now - i.opened_at >= evaluator.escalate_after
            })
            .cloned()
            .collect();
        for mut incident in overdue {
            let stored = Some(incident.version).filter(|v| *v > 0);
            incident.escalated_at = Some(now);
            notices.push(change(evaluator, incident, stored, NoticeKind::Escalated));
        }
        if !storage_down {
            self.save(evaluator).await;
        }
        notices
    }

    /// Stores what changed; what fails stays to be stored on the next pass. A change an
    /// admin overtook (a version conflict) is dropped: the stored state wins.
    async fn save(&self, evaluator: &mut Evaluator) {
        let pending: Vec<(Uuid, (Incident, Option<u64>))> = evaluator.unsaved.drain().collect();
        for (id, (mut incident, stored)) in pending {
            incident.version = stored.unwrap_or(0) + 1;
            let written = match stored {
                Some(version) => self.deps.records.update(&incident, version, &[]).await,
                None => self.deps.records.insert(&incident, &[]).await,
            };
            match written {
                Ok(()) => {
                    if let Some(open) = evaluator.open.get_mut(&incident.rule_id) {
                        if open.id == id {
                            open.version = incident.version;
                        }
                    }
                }
                Err(crate::ports::StoreError::Unavailable(_) | crate::ports::StoreError::Backend(_)) => {
                    incident.version = stored.unwrap_or(0);
                    evaluator.unsaved.insert(id, (incident, stored));
                }
                Err(_) => {}
            }
        }
    }

    /// Takes the lease if it is free, lapsed or ours; tells whether we hold it.
    async fn take_lease(&self, instance: Uuid, now: DateTime<Utc>, lease_for: Duration) -> crate::Result<bool> {
        let current = self.get::<EvaluationLease>(LEASE_ID).await?;
        let lease = EvaluationLease {
            id: LEASE_ID,
            version: current.as_ref().map_or(1, |l| l.version + 1),
            holder: instance,
            expires_at: now + lease_for,
        };
        let written = match current {
            Some(held) if held.holder != instance && held.expires_at > now => return Ok(false),
            Some(held) => self.deps.records.update(&lease, held.version, &[]).await,
            None => self.deps.records.insert(&lease, &[]).await,
        };
        match written {
            Ok(()) => Ok(true),
            Err(crate::ports::StoreError::VersionConflict | crate::ports::StoreError::Duplicate(_)) => Ok(false),
            Err(e) => Err(e.about(crate::Entity::Incident, "lease")),
        }
    }
}

/// Records a change to an incident in the evaluator (to store, and as open or not) and
/// returns its notice.
fn change(evaluator: &mut Evaluator, incident: Incident, stored: Option<u64>, kind: NoticeKind) -> Notice {
    let stored = evaluator.unsaved.get(&incident.id).map_or(stored, |(_, s)| *s);
    if incident.is_active() {
        evaluator.open.insert(incident.rule_id, incident.clone());
    } else {
        evaluator.open.remove(&incident.rule_id);
    }
    evaluator.unsaved.insert(incident.id, (incident.clone(), stored));
    Notice { kind, incident }
}
