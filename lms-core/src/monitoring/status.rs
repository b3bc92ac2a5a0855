//! The public status (O7): each component's state now and its uptime, from the incident
//! history. A component is down while a critical incident of it is open (a major
//! outage) and degraded while a high one is; medium and low incidents do not count
//! against it.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::incident::Incident;
use super::rule::{Component, Severity};
use super::MonitoringService;
use crate::error::{Entity, Result};
use crate::ports::RangeQuery;
use crate::records::{IndexValue, Range};

/// How a component or the whole platform is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Working.
    Operational,
    /// Working, worse than usual.
    Degraded,
    /// Not working.
    MajorOutage,
}

/// A component's share of time without an outage or degradation, in percent (3
/// decimals).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uptime {
    /// Over the last 24 hours.
    pub last_24_hours: f64,
    /// Over the last 7 days.
    pub last_7_days: f64,
    /// Over the last 30 days.
    pub last_30_days: f64,
}

/// One component's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentStatus {
    /// The component.
    pub name: Component,
    /// Its state now.
    pub status: Health,
    /// Its uptime.
    pub uptime: Uptime,
}

/// The platform's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// The worst state of any component.
    pub status: Health,
    /// When this was computed.
    pub updated_at: DateTime<Utc>,
    /// Each public component.
    pub components: Vec<ComponentStatus>,
    /// The latest incidents of public components, newest first.
    pub incidents: Vec<Incident>,
    /// Mean time to resolve the incidents resolved in the last 30 days, in seconds.
    pub mttr_seconds: Option<i64>,
}

/// Incidents shown on the status.
const RECENT: usize = 10;

fn counts_against(incident: &Incident) -> Option<Health> {
    match incident.severity {
        Severity::Critical => Some(Health::MajorOutage),
        Severity::High => Some(Health::Degraded),
        Severity::Medium | Severity::Low => None,
    }
}

/// Percent of `window` before `now` not covered by the incidents' open intervals.
fn uptime(incidents: &[&Incident], now: DateTime<Utc>, window: Duration) -> f64 {
    let start = now - window;
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = incidents
        .iter()
        .map(|i| (i.opened_at.max(start), i.resolved_at.unwrap_or(now).min(now)))
        .filter(|(from, to)| from < to)
        .collect();
    spans.sort();
    let mut down = Duration::zero();
    let mut covered_until = start;
    for (from, to) in spans {
        let from = from.max(covered_until);
        if to > from {
            down += to - from;
            covered_until = to;
        }
    }
    let total = window.num_milliseconds() as f64;
    let up = 100.0 * (1.0 - down.num_milliseconds() as f64 / total);
    (up * 1000.0).round() / 1000.0
}

impl MonitoringService {
    /// The public status now: open incidents and those of the last 30 days.
    pub async fn status(&self) -> Result<StatusReport> {
        let now = self.deps.clock.now();
        let since = now - Duration::days(30);
        let mut incidents = self.active_incidents().await?;
        let mut after = None;
        loop {
            let range = Range::all("opened_at", RangeQuery::MAX_LIMIT)
                .between(
                    std::ops::Bound::Included(IndexValue::from(since)),
                    std::ops::Bound::Unbounded,
                )
                .after(after);
            let page = self
                .deps
                .records
                .range::<Incident>(range)
                .await
                .map_err(|e| e.about(Entity::Incident, "status"))?;
            incidents.extend(page.items.into_iter().filter(|i| !i.is_active()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        incidents.retain(|i| Component::PUBLIC.contains(&i.component));
        incidents.sort_by_key(|i| std::cmp::Reverse(i.opened_at));
        let components: Vec<ComponentStatus> = Component::PUBLIC
            .iter()
            .map(|&name| {
                let counted: Vec<&Incident> = incidents
                    .iter()
                    .filter(|i| i.component == name && counts_against(i).is_some())
                    .collect();
                let status = counted
                    .iter()
                    .filter(|i| i.is_active())
                    .filter_map(|i| counts_against(i))
                    .max()
                    .unwrap_or(Health::Operational);
                ComponentStatus {
                    name,
                    status,
                    uptime: Uptime {
                        last_24_hours: uptime(&counted, now, Duration::hours(24)),
                        last_7_days: uptime(&counted, now, Duration::days(7)),
                        last_30_days: uptime(&counted, now, Duration::days(30)),
                    },
                }
            })
            .collect();
        let resolved: Vec<i64> = incidents.iter().filter_map(Incident::time_to_resolve_seconds).collect();
        let mttr_seconds = (!resolved.is_empty()).then(|| resolved.iter().sum::<i64>() / resolved.len() as i64);
        Ok(StatusReport {
            status: components.iter().map(|c| c.status).max().unwrap_or(Health::Operational),
            updated_at: now,
            components,
            incidents: incidents.into_iter().take(RECENT).collect(),
            mttr_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;
    use crate::monitoring::IncidentStatus;

    fn incident(opened: i64, resolved: Option<i64>, now: DateTime<Utc>) -> Incident {
        Incident {
            id: Uuid::now_v7(),
            version: 1,
            rule_id: Uuid::nil(),
            rule: "r".into(),
            component: Component::Database,
            severity: Severity::Critical,
            status: if resolved.is_some() {
                IncidentStatus::Resolved
            } else {
                IncidentStatus::Open
            },
            summary: String::new(),
            opened_at: now - Duration::minutes(opened),
            acknowledged_at: None,
            resolved_at: resolved.map(|r| now - Duration::minutes(r)),
            alerts: 1,
            related_to: None,
            escalated_at: None,
            resolved_automatically: true,
        }
    }

    #[test]
    fn overlapping_incidents_count_their_union_once() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
        // 144 minutes is a tenth of a day; two overlapping incidents cover 100 + 44.
        let a = incident(300, Some(200), now);
        let b = incident(250, Some(156), now);
        assert_eq!(uptime(&[&a, &b], now, Duration::hours(24)), 90.0);
        let open = incident(72, None, now);
        assert_eq!(uptime(&[&open], now, Duration::hours(24)), 95.0);
        let old = incident(3000, Some(2000), now);
        assert_eq!(uptime(&[&old], now, Duration::hours(24)), 100.0);
    }
}
