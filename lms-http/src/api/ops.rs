use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde_json::json;

use super::{ApiResult, ApiTags, State};
use crate::error::ApiError;

/// Health probes and metrics.
#[derive(Debug)]
pub struct OpsApi;

/// How long a dependency may take to answer a health probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness.
#[derive(Debug, Object)]
pub struct Liveness {
    /// Always `ok` when the process answers.
    pub status: String,
    /// Server time.
    pub timestamp: DateTime<Utc>,
    /// Server version.
    pub version: String,
}

/// Overall or per-dependency health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything works.
    Healthy,
    /// Serving, with an optional dependency failing.
    Degraded,
    /// A required dependency is down.
    Unhealthy,
}

/// One dependency's health.
#[derive(Debug, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DependencyHealth {
    /// Dependency name (`database`, `rate_limiter`).
    pub name: String,
    /// Its health.
    pub status: HealthStatus,
    /// How long the probe took, in milliseconds.
    pub latency_ms: f64,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The detailed health report.
#[derive(Debug, Object, serde::Serialize)]
pub struct HealthReport {
    /// Overall health: unhealthy when the database is down, degraded when Redis is.
    pub status: HealthStatus,
    /// Server time.
    pub timestamp: DateTime<Utc>,
    /// Server version.
    pub version: String,
    /// Seconds since start.
    pub uptime_seconds: u64,
    /// Every dependency.
    pub checks: Vec<DependencyHealth>,
}

#[derive(ApiResponse)]
enum Ready {
    /// The database answers; the server can take traffic.
    #[oai(status = 200)]
    Ok(Json<Liveness>),
}

#[derive(ApiResponse)]
enum Detailed {
    /// Healthy or degraded (an optional dependency is down).
    #[oai(status = 200)]
    Ok(Json<HealthReport>),
}

async fn probe<F, E>(name: &str, required: bool, check: F) -> DependencyHealth
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let started = Instant::now();
    let result = tokio::time::timeout(PROBE_TIMEOUT, check).await;
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
    };
    if let Some(error) = &error {
        tracing::warn!(dependency = name, error = %error, "health probe failed");
    }
    DependencyHealth {
        name: name.to_owned(),
        status: match (&error, required) {
            (None, _) => HealthStatus::Healthy,
            (Some(_), true) => HealthStatus::Unhealthy,
            (Some(_), false) => HealthStatus::Degraded,
        },
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        error: error.map(|_| "unreachable".to_owned()),
    }
}

fn liveness() -> Liveness {
    Liveness {
        status: "ok".to_owned(),
        timestamp: Utc::now(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

#[OpenApi(tag = "ApiTags::Operations")]
impl OpsApi {
    /// Liveness: the process answers (status, time, version).
    #[oai(path = "/health", method = "get", operation_id = "getHealth")]
    async fn health(&self) -> Json<Liveness> {
        Json(liveness())
    }

    /// Liveness probe.
    #[oai(path = "/health/live", method = "get", operation_id = "getLiveness")]
    async fn live(&self) -> Json<Liveness> {
        Json(liveness())
    }

    /// Readiness probe: 503 when the database is unreachable, and while the server is
    /// saturated (every in-flight slot taken and requests waiting), so a load balancer
    /// sends new traffic elsewhere.
    #[oai(path = "/health/ready", method = "get", operation_id = "getReadiness")]
    async fn ready(&self, state: Data<&State>) -> ApiResult<Ready> {
        if state.drain.is_draining() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the server is shutting down",
                json!({ "reason": "shutting_down" }),
            ));
        }
        let waiting = state.in_flight.waiting();
        if waiting > 0 {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the server is saturated",
                json!({
                    "status": HealthStatus::Degraded,
                    "reason": "saturated",
                    "waiting_requests": waiting,
                    "max_in_flight_requests": state.settings.max_in_flight_requests,
                }),
            ));
        }
        let db = probe("database", true, state.health.ping()).await;
        if db.status == HealthStatus::Healthy {
            Ok(Ready::Ok(Json(Liveness {
                status: "ready".to_owned(),
                ..liveness()
            })))
        } else {
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the database is unreachable",
                json!({ "checks": [db] }),
            ))
        }
    }

    /// Each dependency's status and latency, uptime, and the overall status
    /// (503 when unhealthy).
    #[oai(path = "/health/detailed", method = "get", operation_id = "getHealthDetails")]
    async fn detailed(&self, state: Data<&State>) -> ApiResult<Detailed> {
        let database = probe("database", true, state.health.ping()).await;
        let limiter = probe("rate_limiter", false, state.limiter.ping()).await;
        let checks = vec![database, limiter];
        let status = if checks.iter().any(|c| c.status == HealthStatus::Unhealthy) {
            HealthStatus::Unhealthy
        } else if checks.iter().any(|c| c.status == HealthStatus::Degraded) {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
        let report = HealthReport {
            status,
            timestamp: Utc::now(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_seconds: state.started.elapsed().as_secs(),
            checks,
        };
        if status == HealthStatus::Unhealthy {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "a required dependency is unhealthy",
                serde_json::to_value(&report).unwrap_or_default(),
            ));
        }
        Ok(Detailed::Ok(Json(report)))
    }

    /// Prometheus metrics in the text exposition format.
    #[oai(path = "/metrics", method = "get", operation_id = "getMetrics")]
    async fn metrics(&self, state: Data<&State>) -> PlainText<String> {
        let backlog = match state.relay.backlog().await {
            Ok(backlog) => Some(backlog),
            Err(error) => {
                tracing::warn!(%error, "the event backlog could not be read; its gauges keep their last values");
                None
            }
        };
        state.metrics.observe_delivery(state.relay.counts(), backlog);
        PlainText(state.metrics.render())
    }
}
