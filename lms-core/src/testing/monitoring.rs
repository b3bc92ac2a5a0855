//! Alerts and incidents over each adapter: a rule opens one incident once its condition
//! has held for its duration, groups repeats, resolves it when the condition clears,
//! escalates an unacknowledged critical one, and only the lease holder evaluates.
//!
//! Rules are global, so each behaviour makes its own rule (a unique name) and looks only
//! at the notices and incidents of that rule; it first lets any earlier evaluator's lease
//! lapse.

use chrono::Duration;
use uuid::Uuid;

use super::fixtures::{admin, student, tag};
use super::{behaviour_list, Behaviour, Ctx};
use crate::monitoring::{
    AlertRule, Comparison, Component, Evaluator, IncidentStatus, Metric, NewRule, Notice, NoticeKind, RulePatch,
    Samples, Severity,
};
use crate::services::Actor;
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        a_rule_opens_one_incident_after_its_duration_and_resolves_when_clear,
        an_unacknowledged_critical_incident_is_escalated_once,
        only_the_lease_holder_evaluates,
        rules_are_checked_and_defaults_are_kept,
    ]
}

const LEASE: Duration = Duration::seconds(30);

async fn fresh_rule(ctx: &Ctx, admin: &Actor, metric: Metric, duration_seconds: u32) -> AlertRule {
    ctx.clock.advance(LEASE + Duration::seconds(1));
    ctx.lms
        .monitoring
        .create_rule(
            admin,
            NewRule {
                name: format!("rule {}", tag()),
                metric,
                comparison: Comparison::Above,
                threshold: 0.5,
                duration_seconds,
                severity: Severity::Critical,
                component: Component::Database,
                enabled: true,
            },
        )
        .await
        .expect("rule")
}

fn samples(metric: Metric, value: f64) -> Samples {
    Samples([(metric, value)].into_iter().collect())
}

/// The notices about one rule's incidents.
fn of_rule(notices: Vec<Notice>, rule: &AlertRule) -> Vec<(NoticeKind, IncidentStatus)> {
    notices
        .into_iter()
        .filter(|n| n.incident.rule_id == rule.id)
        .map(|n| (n.kind, n.incident.status))
        .collect()
}

async fn a_rule_opens_one_incident_after_its_duration_and_resolves_when_clear(ctx: Ctx) {
    let admin = admin(&ctx).await;
    let monitoring = &ctx.lms.monitoring;
    // Any metric but the database's own: a sample saying storage is down makes the
    // evaluator work from memory (the outage drill, scripts/incident-drill.sh, covers that).
    let rule = fresh_rule(&ctx, &admin, Metric::EventBacklogSeconds, 10).await;
    let mut evaluator = Evaluator::new(Uuid::now_v7(), Duration::hours(1));
    let down = samples(Metric::EventBacklogSeconds, 1.0);
    let up = samples(Metric::EventBacklogSeconds, 0.0);

    assert!(of_rule(monitoring.evaluate(&mut evaluator, &down, LEASE).await, &rule).is_empty());
    ctx.clock.advance(Duration::seconds(5));
    assert!(
        of_rule(monitoring.evaluate(&mut evaluator, &down, LEASE).await, &rule).is_empty(),
        "not yet 10 s"
    );
    ctx.clock.advance(Duration::seconds(5));
    let opened = of_rule(monitoring.evaluate(&mut evaluator, &down, LEASE).await, &rule);
    assert_eq!(opened, vec![(NoticeKind::Opened, IncidentStatus::Open)]);
    ctx.clock.advance(Duration::seconds(5));
    assert!(
        of_rule(monitoring.evaluate(&mut evaluator, &down, LEASE).await, &rule).is_empty(),
        "deduplicated"
    );

    let stored = monitoring
        .incidents(&admin, Some(IncidentStatus::Open), 100)
        .await
        .expect("incidents");
    let open: Vec<_> = stored.iter().filter(|i| i.rule_id == rule.id).collect();
    assert_eq!(open.len(), 1, "one open incident per rule");
    assert_eq!(
        (open[0].severity, open[0].component),
        (Severity::Critical, Component::Database)
    );

    let notice = monitoring.acknowledge(&admin, open[0].id).await.expect("acknowledge");
    assert_eq!(notice.kind, NoticeKind::Acknowledged);
    assert!(notice.incident.acknowledged_at.is_some());
    let again = monitoring.acknowledge(&admin, open[0].id).await;
    assert!(matches!(again, Err(Error::Validation(_))), "{again:?}");

    ctx.clock.advance(Duration::seconds(20));
    let resolved = monitoring.evaluate(&mut evaluator, &up, LEASE).await;
    let resolved: Vec<_> = resolved.into_iter().filter(|n| n.incident.rule_id == rule.id).collect();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].kind, NoticeKind::Resolved);
    assert!(resolved[0].incident.resolved_automatically);
    assert_eq!(
        resolved[0].incident.time_to_resolve_seconds(),
        Some(25),
        "opened at 10 s, resolved at 35 s"
    );
    let stored = monitoring.incidents(&admin, None, 100).await.expect("incidents");
    let incident = stored.iter().find(|i| i.rule_id == rule.id).expect("stored");
    assert_eq!(incident.status, IncidentStatus::Resolved);
    assert!(incident.acknowledged_at.is_some(), "the acknowledgement is kept");

    let learner = student(&ctx).await;
    assert!(matches!(
        monitoring.incidents(&learner, None, 10).await,
        Err(Error::Forbidden(_))
    ));
    let status = monitoring.status().await.expect("status");
    assert!(status.mttr_seconds.is_some());
    retire(&ctx, &admin, &rule).await;
}

/// Disables a behaviour's rule, so later runs on the same database do not evaluate it.
async fn retire(ctx: &Ctx, admin: &Actor, rule: &AlertRule) {
    let disabled = RulePatch {
        enabled: Some(false),
        ..RulePatch::default()
    };
    ctx.lms
        .monitoring
        .update_rule(admin, rule.id, disabled)
        .await
        .expect("disable");
}

async fn an_unacknowledged_critical_incident_is_escalated_once(ctx: Ctx) {
    let admin = admin(&ctx).await;
    let monitoring = &ctx.lms.monitoring;
    let rule = fresh_rule(&ctx, &admin, Metric::PaymentFailureRate, 0).await;
    let mut evaluator = Evaluator::new(Uuid::now_v7(), Duration::minutes(5));
    let failing = samples(Metric::PaymentFailureRate, 0.9);
    let opened = of_rule(monitoring.evaluate(&mut evaluator, &failing, LEASE).await, &rule);
    assert_eq!(opened, vec![(NoticeKind::Opened, IncidentStatus::Open)]);
    ctx.clock.advance(Duration::minutes(5));
    let escalated = of_rule(monitoring.evaluate(&mut evaluator, &failing, LEASE).await, &rule);
    assert_eq!(escalated, vec![(NoticeKind::Escalated, IncidentStatus::Open)]);
    ctx.clock.advance(Duration::minutes(5));
    assert!(of_rule(monitoring.evaluate(&mut evaluator, &failing, LEASE).await, &rule).is_empty());
    retire(&ctx, &admin, &rule).await;
}

async fn only_the_lease_holder_evaluates(ctx: Ctx) {
    let admin = admin(&ctx).await;
    let monitoring = &ctx.lms.monitoring;
    let rule = fresh_rule(&ctx, &admin, Metric::SecurityAlerts, 0).await;
    let mut first = Evaluator::new(Uuid::now_v7(), Duration::hours(1));
    let mut second = Evaluator::new(Uuid::now_v7(), Duration::hours(1));
    let alerts = samples(Metric::SecurityAlerts, 3.0);
    let quiet = samples(Metric::SecurityAlerts, 0.0);
    let opened = of_rule(monitoring.evaluate(&mut first, &alerts, LEASE).await, &rule);
    assert_eq!(opened.len(), 1);
    assert!(first.holds_lease());
    assert!(monitoring.evaluate(&mut second, &quiet, LEASE).await.is_empty());
    assert!(!second.holds_lease(), "the lease is held");
    // The holder stops renewing; once its lease lapses the other takes over.
    ctx.clock.advance(LEASE + Duration::seconds(1));
    let resolved = of_rule(monitoring.evaluate(&mut second, &quiet, LEASE).await, &rule);
    assert!(second.holds_lease());
    assert_eq!(resolved, vec![(NoticeKind::Resolved, IncidentStatus::Resolved)]);
    assert!(monitoring.evaluate(&mut first, &alerts, LEASE).await.is_empty());
    retire(&ctx, &admin, &rule).await;
}

async fn rules_are_checked_and_defaults_are_kept(ctx: Ctx) {
    let admin = admin(&ctx).await;
    let monitoring = &ctx.lms.monitoring;
    monitoring.install_default_rules().await.expect("defaults");
    monitoring.install_default_rules().await.expect("defaults twice");
    let rules = monitoring.rules(&admin).await.expect("rules");
    let builtin: Vec<_> = rules.iter().filter(|r| r.builtin).collect();
    assert_eq!(builtin.len(), 9);
    let database = builtin
        .iter()
        .find(|r| r.metric == Metric::DatabaseUnreachable)
        .expect("database rule");
    assert_eq!(database.severity, Severity::Critical);
    let refused = monitoring.delete_rule(&admin, database.id).await;
    assert!(matches!(refused, Err(Error::Validation(_))), "{refused:?}");

    let bad = NewRule {
        name: " ".into(),
        metric: Metric::ApiErrorRate,
        comparison: Comparison::Above,
        threshold: f64::NAN,
        duration_seconds: 90_000,
        severity: Severity::Low,
        component: Component::Api,
        enabled: true,
    };
    match monitoring.create_rule(&admin, bad).await {
        Err(Error::Validation(errors)) => {
            let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, vec!["name", "threshold", "duration_seconds"]);
        }
        other => panic!("expected validation errors, got {other:?}"),
    }
    let rule = fresh_rule(&ctx, &admin, Metric::ApiP95Ms, 60).await;
    let taken = NewRule {
        name: rule.name.to_uppercase(),
        metric: Metric::ApiP95Ms,
        comparison: Comparison::Above,
        threshold: 1.0,
        duration_seconds: 1,
        severity: Severity::Low,
        component: Component::Api,
        enabled: false,
    };
    assert!(matches!(
        monitoring.create_rule(&admin, taken).await,
        Err(Error::Validation(_))
    ));
    let learner = student(&ctx).await;
    assert!(matches!(monitoring.rules(&learner).await, Err(Error::Forbidden(_))));
    monitoring.delete_rule(&admin, rule.id).await.expect("delete");
    assert!(matches!(
        monitoring.delete_rule(&admin, rule.id).await,
        Err(Error::NotFound { .. })
    ));
}
