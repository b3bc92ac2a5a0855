//! Operations views for admins (O5, O6): the performance view with its health score,
//! alert rules, and incidents; and the public status (O7).

use std::time::Instant;

use chrono::{DateTime, Utc};
use lms_core::monitoring::{self as core, AlertRule, Incident, NewRule, RulePatch};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::types::{mirror_enum, Line};
use super::{ApiResult, ApiTags, BearerAuth, State};
use crate::monitoring::health;
use crate::monitoring::windows::Window;

/// Admin monitoring endpoints.
#[derive(Debug)]
pub struct MonitoringApi;

/// The public status endpoint.
#[derive(Debug)]
pub struct StatusApi;

mirror_enum!(
    /// What a rule watches (docs/operations.md lists how each is sampled).
    MetricName <=> core::Metric {
        /// Share of requests answered 5xx over the last 1–2 minutes (0–1; from 20 requests).
        ApiErrorRate,
        /// P95 response time over the last 5 minutes, in ms (from 20 requests).
        ApiP95Ms,
        /// Memory in use, percent.
        MemoryUsedPercent,
        /// Free disk space of the data directory, percent.
        DiskFreePercent,
        /// 1 while the database does not answer, else 0.
        DatabaseUnreachable,
        /// Share of orders that failed over the last 10 minutes (0–1; from 5 orders).
        PaymentFailureRate,
        /// Security alerts raised in the last 5 minutes.
        SecurityAlerts,
        /// Age of the oldest undelivered event, in seconds.
        EventBacklogSeconds,
        /// Dead letters waiting.
        DeadLetters,
    }
);

mirror_enum!(
    /// On which side of the threshold a rule fires.
    ComparisonName <=> core::Comparison {
        /// Above the threshold.
        Above,
        /// Below the threshold.
        Below,
    }
);

mirror_enum!(
    /// How bad a firing rule is.
    SeverityName <=> core::Severity {
        /// Service down or losing money; escalated when not acknowledged in time.
        Critical,
        /// Degraded for users.
        High,
        /// Needs attention soon.
        Medium,
        /// Worth a look.
        Low,
    }
);

mirror_enum!(
    /// The part of the platform a rule or incident is about.
    ComponentName <=> core::Component {
        /// The HTTP API.
        Api,
        /// The database.
        Database,
        /// Payments.
        Payments,
        /// Email.
        Email,
        /// Event delivery.
        EventDelivery,
        /// Intrusion signals (not on the public status).
        Security,
    }
);

mirror_enum!(
    /// Where an incident stands.
    IncidentStatusName <=> core::IncidentStatus {
        /// Its rule fired; nobody has taken it yet.
        Open,
        /// Someone is on it.
        Acknowledged,
        /// Over.
        Resolved,
    }
);

mirror_enum!(
    /// How a component or the platform is doing.
    HealthName <=> core::Health {
        /// Working.
        Operational,
        /// Working, worse than usual.
        Degraded,
        /// Not working.
        MajorOutage,
    }
);

/// The performance view's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
pub enum PerformanceWindow {
    /// The last 5 minutes.
    #[default]
    #[oai(rename = "5m")]
    FiveMinutes,
    /// The last hour.
    #[oai(rename = "1h")]
    Hour,
    /// The last day.
    #[oai(rename = "1d")]
    Day,
}

/// One route's performance over the window.
#[derive(Debug, Object)]
pub struct RoutePerformance {
    /// The method.
    pub method: String,
    /// The route template (never a raw path).
    pub route: String,
    /// Requests handled.
    pub requests: u64,
    /// Requests per second over the window (or the server's life, if shorter).
    pub throughput_per_second: f64,
    /// Share answered 5xx, 0–1.
    pub error_rate: f64,
    /// Median response time, in ms (the upper bound of its latency bucket).
    pub p50_ms: f64,
    /// 95th percentile, in ms.
    pub p95_ms: f64,
    /// 99th percentile, in ms.
    pub p99_ms: f64,
    /// Apdex with T = 100 ms, 0–1.
    pub apdex: f64,
}

/// The terms of the health score (docs/operations.md has the formula).
#[derive(Debug, Object)]
pub struct HealthBreakdown {
    /// Traffic-weighted Apdex (T = 100 ms), 0–1.
    pub apdex: f64,
    /// Share of requests answered 5xx, 0–1.
    pub error_rate: f64,
    /// Share of dependencies up (the database; event delivery under 5 minutes behind).
    pub dependencies: f64,
    /// Points from Apdex, of 60.
    pub apdex_points: f64,
    /// Points from the error rate (25 at 0 %, none from 5 %), of 25.
    pub error_points: f64,
    /// Points from dependencies, of 15.
    pub dependency_points: f64,
}

/// The performance view.
#[derive(Debug, Object)]
pub struct PerformanceResponse {
    /// The window: `5m`, `1h` or `1d`.
    pub window: PerformanceWindow,
    /// 0–100.
    pub health_score: u8,
    /// What the score is made of.
    pub breakdown: HealthBreakdown,
    /// Every route with traffic in the window, busiest first.
    pub routes: Vec<RoutePerformance>,
}

/// An alert rule.
#[derive(Debug, Object)]
pub struct AlertRuleResponse {
    /// Identifier.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What it watches.
    pub metric: MetricName,
    /// On which side of the threshold it fires.
    pub comparison: ComparisonName,
    /// The threshold.
    pub threshold: f64,
    /// How long the condition must hold before it fires, in seconds.
    pub duration_seconds: u32,
    /// How bad it is.
    pub severity: SeverityName,
    /// What it is about.
    pub component: ComponentName,
    /// Whether it is evaluated.
    pub enabled: bool,
    /// One of the defaults (it can be changed and disabled, not deleted).
    pub builtin: bool,
}

/// A new alert rule.
#[derive(Debug, Object)]
pub struct CreateAlertRuleRequest {
    /// Its name, unique (1–100 characters).
    #[oai(validator(max_length = 100))]
    pub name: Line,
    /// What it watches.
    pub metric: MetricName,
    /// On which side of the threshold it fires (default `above`).
    pub comparison: Option<ComparisonName>,
    /// The threshold.
    pub threshold: f64,
    /// How long the condition must hold, in seconds (0 to 86,400).
    #[oai(validator(maximum(value = "86400")))]
    pub duration_seconds: u32,
    /// How bad it is.
    pub severity: SeverityName,
    /// What it is about (default `api`).
    pub component: Option<ComponentName>,
    /// Whether it is evaluated (default true).
    pub enabled: Option<bool>,
}

/// Changes to a rule; absent fields stay.
#[derive(Debug, Object)]
pub struct UpdateAlertRuleRequest {
    /// A new name.
    #[oai(validator(max_length = 100))]
    pub name: Option<Line>,
    /// A new threshold.
    pub threshold: Option<f64>,
    /// A new duration, in seconds.
    #[oai(validator(maximum(value = "86400")))]
    pub duration_seconds: Option<u32>,
    /// A new severity.
    pub severity: Option<SeverityName>,
    /// Evaluated or not.
    pub enabled: Option<bool>,
}

/// An incident.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct IncidentResponse {
    /// Identifier.
    pub id: Uuid,
    /// The name of the rule that opened it.
    pub rule: String,
    /// That rule.
    pub rule_id: Uuid,
    /// What it is about.
    pub component: ComponentName,
    /// How bad it is.
    pub severity: SeverityName,
    /// Where it stands.
    pub status: IncidentStatusName,
    /// What was seen.
    pub summary: String,
    /// When its rule fired.
    pub opened_at: DateTime<Utc>,
    /// When someone acknowledged it.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// How many times its rule fired while it was open.
    pub alerts: u32,
    /// The first incident open on the same component when it opened (related alerts).
    pub related_to: Option<Uuid>,
    /// When it was escalated (critical, not acknowledged in time).
    pub escalated_at: Option<DateTime<Utc>>,
    /// Seconds from opening to resolution (its part of the MTTR).
    pub time_to_resolve_seconds: Option<i64>,
}

/// A component's uptime, in percent.
#[derive(Debug, Object)]
pub struct UptimeResponse {
    /// Over the last 24 hours.
    pub last_24_hours: f64,
    /// Over the last 7 days.
    pub last_7_days: f64,
    /// Over the last 30 days.
    pub last_30_days: f64,
}

/// One component's status.
#[derive(Debug, Object)]
pub struct ComponentStatusResponse {
    /// The component.
    pub name: ComponentName,
    /// Its state now.
    pub status: HealthName,
    /// Time without an outage or degradation.
    pub uptime: UptimeResponse,
}

/// The public status.
#[derive(Debug, Object)]
pub struct StatusResponse {
    /// The worst state of any component.
    pub status: HealthName,
    /// When this was computed.
    pub updated_at: DateTime<Utc>,
    /// API, database, payments, email and event delivery.
    pub components: Vec<ComponentStatusResponse>,
    /// The latest incidents, newest first.
    pub incidents: Vec<IncidentResponse>,
    /// Mean time to resolve the incidents of the last 30 days, in seconds.
    pub mttr_seconds: Option<i64>,
}

impl From<&Incident> for IncidentResponse {
    fn from(i: &Incident) -> Self {
        Self {
            id: i.id,
            rule: i.rule.clone(),
            rule_id: i.rule_id,
            component: i.component.into(),
            severity: i.severity.into(),
            status: i.status.into(),
            summary: i.summary.clone(),
            opened_at: i.opened_at,
            acknowledged_at: i.acknowledged_at,
            resolved_at: i.resolved_at,
            alerts: i.alerts,
            related_to: i.related_to,
            escalated_at: i.escalated_at,
            time_to_resolve_seconds: i.time_to_resolve_seconds(),
        }
    }
}

impl From<AlertRule> for AlertRuleResponse {
    fn from(r: AlertRule) -> Self {
        Self {
            id: r.id,
            name: r.name,
            metric: r.metric.into(),
            comparison: r.comparison.into(),
            threshold: r.threshold,
            duration_seconds: r.duration_seconds,
            severity: r.severity.into(),
            component: r.component.into(),
            enabled: r.enabled,
            builtin: r.builtin,
        }
    }
}

impl From<core::StatusReport> for StatusResponse {
    fn from(s: core::StatusReport) -> Self {
        Self {
            status: s.status.into(),
            updated_at: s.updated_at,
            components: s
                .components
                .into_iter()
                .map(|c| ComponentStatusResponse {
                    name: c.name.into(),
                    status: c.status.into(),
                    uptime: UptimeResponse {
                        last_24_hours: c.uptime.last_24_hours,
                        last_7_days: c.uptime.last_7_days,
                        last_30_days: c.uptime.last_30_days,
                    },
                })
                .collect(),
            incidents: s.incidents.iter().map(IncidentResponse::from).collect(),
            mttr_seconds: s.mttr_seconds,
        }
    }
}

#[derive(ApiResponse)]
enum RuleCreated {
    /// The rule.
    #[oai(status = 201)]
    Created(Json<AlertRuleResponse>),
}

#[derive(ApiResponse)]
enum RuleDeleted {
    /// Removed.
    #[oai(status = 204)]
    NoContent,
}

/// Fewest and most incidents a list answers.
const MAX_INCIDENTS: u32 = 1000;

/// The performance view over a window, from this instance's own request windows.
pub(crate) async fn performance(state: &State, window: PerformanceWindow) -> PerformanceResponse {
    let window_kind = match window {
        PerformanceWindow::FiveMinutes => Window::FiveMinutes,
        PerformanceWindow::Hour => Window::Hour,
        PerformanceWindow::Day => Window::Day,
    };
    let now = Instant::now();
    let windows = state.metrics.windows();
    let routes = windows.totals(now, window_kind);
    let seconds = window_kind.length().min(windows.age(now)).as_secs_f64().max(1.0);
    let database_up = matches!(
        tokio::time::timeout(std::time::Duration::from_secs(3), state.health.ping()).await,
        Ok(Ok(()))
    );
    let delivery_up = state
        .relay
        .backlog()
        .await
        .is_ok_and(|b| b.oldest_pending_seconds < 300.0);
    let score = health::score(&routes, usize::from(database_up) + usize::from(delivery_up), 2);
    let round = |v: f64| (v * 10_000.0).round() / 10_000.0;
    PerformanceResponse {
        window,
        health_score: score.score,
        breakdown: HealthBreakdown {
            apdex: score.apdex,
            error_rate: score.error_rate,
            dependencies: score.dependencies,
            apdex_points: score.apdex_points,
            error_points: score.error_points,
            dependency_points: score.dependency_points,
        },
        routes: routes
            .into_iter()
            .map(|r| RoutePerformance {
                throughput_per_second: round(r.totals.requests as f64 / seconds),
                error_rate: round(r.totals.error_rate().unwrap_or(0.0)),
                p50_ms: r.totals.percentile_ms(0.50).unwrap_or(0.0),
                p95_ms: r.totals.percentile_ms(0.95).unwrap_or(0.0),
                p99_ms: r.totals.percentile_ms(0.99).unwrap_or(0.0),
                apdex: round(r.totals.apdex().unwrap_or(1.0)),
                requests: r.totals.requests,
                method: r.method,
                route: r.route,
            })
            .collect(),
    }
}

/// The status now. While storage cannot be read (the incident history is in it), the
/// last status computed is answered with the database as a major outage, rather than an
/// error: a status page is read most when something is down.
pub(crate) async fn current_status(state: &State) -> ApiResult<core::StatusReport> {
    let remember = |report: Option<&core::StatusReport>| {
        let mut last = state
            .last_status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match report {
            Some(report) => {
                *last = Some(report.clone());
                None
            }
            None => last.clone(),
        }
    };
    match state.lms.monitoring.status().await {
        Ok(report) => {
            remember(Some(&report));
            Ok(report)
        }
        Err(lms_core::Error::Unavailable(source)) => {
            let Some(mut report) = remember(None) else {
                return Err(lms_core::Error::Unavailable(source).into());
            };
            report.updated_at = Utc::now();
            for component in &mut report.components {
                if component.name == core::Component::Database {
                    component.status = core::Health::MajorOutage;
                }
            }
            report.status = core::Health::MajorOutage;
            Ok(report)
        }
        Err(other) => Err(other.into()),
    }
}

#[OpenApi(prefix_path = "/api/v1/admin", tag = "ApiTags::Operations")]
impl MonitoringApi {
    /// P50/P95/P99, error rate, throughput and Apdex per route over the last 5 minutes,
    /// hour or day, with the health score and its breakdown (admins). From this
    /// instance's own requests.
    #[oai(path = "/performance", method = "get", operation_id = "getPerformance")]
    async fn performance(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// `5m` (default), `1h` or `1d`.
        window: Query<Option<PerformanceWindow>>,
    ) -> ApiResult<Json<PerformanceResponse>> {
        if !auth.0.is_admin() {
            return Err(lms_core::Error::Forbidden("admins only".into()).into());
        }
        Ok(Json(performance(&state, window.0.unwrap_or_default()).await))
    }

    /// Every alert rule, the defaults included (admins).
    #[oai(path = "/alert-rules", method = "get", operation_id = "listAlertRules")]
    async fn rules(&self, state: Data<&State>, auth: BearerAuth) -> ApiResult<Json<Vec<AlertRuleResponse>>> {
        let rules = state.lms.monitoring.rules(&auth.0).await?;
        Ok(Json(rules.into_iter().map(Into::into).collect()))
    }

    /// Create an alert rule (admins).
    #[oai(path = "/alert-rules", method = "post", operation_id = "createAlertRule")]
    async fn create_rule(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<CreateAlertRuleRequest>,
    ) -> ApiResult<RuleCreated> {
        let body = body.0;
        let new = NewRule {
            name: body.name.into(),
            metric: body.metric.into(),
            comparison: body.comparison.unwrap_or(ComparisonName::Above).into(),
            threshold: body.threshold,
            duration_seconds: body.duration_seconds,
            severity: body.severity.into(),
            component: body.component.unwrap_or(ComponentName::Api).into(),
            enabled: body.enabled.unwrap_or(true),
        };
        let rule = state.lms.monitoring.create_rule(&auth.0, new).await?;
        Ok(RuleCreated::Created(Json(rule.into())))
    }

    /// Change an alert rule: threshold, duration, severity, name, enabled (admins).
    #[oai(path = "/alert-rules/:id", method = "patch", operation_id = "updateAlertRule")]
    async fn update_rule(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UpdateAlertRuleRequest>,
    ) -> ApiResult<Json<AlertRuleResponse>> {
        let body = body.0;
        let patch = RulePatch {
            name: body.name.map(Into::into),
            threshold: body.threshold,
            duration_seconds: body.duration_seconds,
            severity: body.severity.map(Into::into),
            enabled: body.enabled,
        };
        let rule = state.lms.monitoring.update_rule(&auth.0, id.0, patch).await?;
        Ok(Json(rule.into()))
    }

    /// Delete an alert rule; a default rule can only be disabled (admins).
    #[oai(path = "/alert-rules/:id", method = "delete", operation_id = "deleteAlertRule")]
    async fn delete_rule(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<RuleDeleted> {
        state.lms.monitoring.delete_rule(&auth.0, id.0).await?;
        Ok(RuleDeleted::NoContent)
    }

    /// Incidents, newest first (admins).
    #[oai(path = "/incidents", method = "get", operation_id = "listIncidents")]
    async fn incidents(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Only those in this state.
        status: Query<Option<IncidentStatusName>>,
        /// Most incidents answered, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<IncidentResponse>>> {
        let found = state
            .lms
            .monitoring
            .incidents(
                &auth.0,
                status.0.map(Into::into),
                limit.0.unwrap_or(100).min(MAX_INCIDENTS),
            )
            .await?;
        Ok(Json(found.iter().map(IncidentResponse::from).collect()))
    }

    /// Acknowledge an open incident: someone is on it, so it is not escalated (admins).
    #[oai(
        path = "/incidents/:id/acknowledge",
        method = "post",
        operation_id = "acknowledgeIncident"
    )]
    async fn acknowledge(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<IncidentResponse>> {
        let notice = state.lms.monitoring.acknowledge(&auth.0, id.0).await?;
        state.alerts.send(&notice).await;
        Ok(Json(IncidentResponse::from(&notice.incident)))
    }

    /// Resolve an incident by hand (admins); its rule opens a new one if it fires again.
    #[oai(path = "/incidents/:id/resolve", method = "post", operation_id = "resolveIncident")]
    async fn resolve(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<IncidentResponse>> {
        let notice = state.lms.monitoring.resolve(&auth.0, id.0).await?;
        state.alerts.send(&notice).await;
        Ok(Json(IncidentResponse::from(&notice.incident)))
    }
}

#[OpenApi(tag = "ApiTags::Operations")]
impl StatusApi {
    /// The public status: operational, degraded or major outage overall and per component
    /// (API, database, payments, email, event delivery), uptime over 24 hours, 7 and 30
    /// days, recent incidents and MTTR. No sign-in.
    #[oai(path = "/status", method = "get", operation_id = "getStatus")]
    async fn status(&self, state: Data<&State>) -> ApiResult<Json<StatusResponse>> {
        Ok(Json(current_status(&state).await?.into()))
    }
}
