//! Prometheus metrics. Labels are bounded: method, route template (never the raw path)
//! and status; no user ids or other personal data.

use lms_core::delivery::{Backlog, DeliveryCounts};
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The `signal` label values of `lms_security_alerts_total`, created at zero so that
/// rates over them start at the first alert.
const SECURITY_SIGNALS: [&str; 3] = ["repeated_login_failures", "refresh_token_reuse", "login_burst"];

/// The server's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    store: HistogramVec,
    /// Enrollments created through the API.
    pub enrollments: IntCounter,
    /// Lessons completed through the API.
    pub lesson_completions: IntCounter,
    /// Courses completed through the API.
    pub course_completions: IntCounter,
    /// Quiz attempts graded, by outcome.
    pub quiz_attempts: IntCounterVec,
    /// Rate-limited requests.
    pub rate_limited: IntCounter,
    /// Orders by outcome (`paid`, `failed`), from the payment events.
    pub orders: IntCounterVec,
    /// Refunds that went through.
    pub refunds: IntCounter,
    /// Revenue taken, in minor units, by currency.
    pub revenue_minor: IntCounterVec,
    /// Revenue refunded, in minor units, by currency.
    pub refunded_minor: IntCounterVec,
    /// Records removed by the retention purge, by kind of data.
    pub retention_purged: IntCounterVec,
    /// Security alerts (S11) raised, by signal, from the events.
    pub security_alerts: IntCounterVec,
    windows: std::sync::Arc<crate::monitoring::windows::RequestWindows>,
    deliveries: IntCounterVec,
    events_pending: IntGauge,
    oldest_pending: Gauge,
    events_retrying: IntGauge,
    dead_letters: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Registers a metric; names are fixed and unique, so registration cannot fail.
fn register<C: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: C) -> C {
    registry
        .register(Box::new(metric.clone()))
        .unwrap_or_else(|e| unreachable!("unique metric: {e}"));
    metric
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    register(
        registry,
        IntGauge::new(name, help).unwrap_or_else(|e| unreachable!("valid metric {name}: {e}")),
    )
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).unwrap_or_else(|e| unreachable!("valid metric {name}: {e}"));
    registry
        .register(Box::new(c.clone()))
        .unwrap_or_else(|e| unreachable!("unique metric {name}: {e}"));
    c
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("lms_http_requests_total", "HTTP requests handled"),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|e| unreachable!("valid metric: {e}"));
        let duration = HistogramVec::new(
            HistogramOpts::new("lms_http_request_duration_seconds", "HTTP request latency").buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|e| unreachable!("valid metric: {e}"));
        let store = HistogramVec::new(
            HistogramOpts::new("lms_store_operation_duration_seconds", "Storage operation latency").buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
            ]),
            &["operation", "outcome"],
        )
        .unwrap_or_else(|e| unreachable!("valid metric: {e}"));
        let quiz_attempts = IntCounterVec::new(
            Opts::new("lms_quiz_attempts_total", "Quiz attempts graded"),
            &["passed"],
        )
        .unwrap_or_else(|e| unreachable!("valid metric: {e}"));
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(store.clone()),
            Box::new(quiz_attempts.clone()),
        ] {
            registry
                .register(c)
                .unwrap_or_else(|e| unreachable!("unique metric: {e}"));
        }
        let deliveries = register(
            &registry,
            IntCounterVec::new(
                Opts::new("lms_event_deliveries_total", "Event delivery attempts by outcome"),
                &["outcome"],
            )
            .unwrap_or_else(|e| unreachable!("valid metric: {e}")),
        );
        let oldest_pending = register(
            &registry,
            Gauge::new(
                "lms_events_oldest_pending_seconds",
                "Age of the oldest event some subscriber has not handled",
            )
            .unwrap_or_else(|e| unreachable!("valid metric: {e}")),
        );
        let vec = |name: &str, help: &str, label: &str| {
            register(
                &registry,
                IntCounterVec::new(Opts::new(name, help), &[label])
                    .unwrap_or_else(|e| unreachable!("valid metric {name}: {e}")),
            )
        };
        let orders = vec("lms_orders_total", "Orders by outcome", "outcome");
        let revenue_minor = vec(
            "lms_revenue_minor_total",
            "Revenue taken, in minor units of the currency",
            "currency",
        );
        let refunded_minor = vec(
            "lms_refunded_minor_total",
            "Revenue refunded, in minor units of the currency",
            "currency",
        );
        let security_alerts = vec(
            "lms_security_alerts_total",
            "Security alerts raised (S11), by signal",
            "signal",
        );
        for signal in SECURITY_SIGNALS {
            security_alerts.with_label_values(&[signal]);
        }
        for outcome in ["paid", "failed"] {
            orders.with_label_values(&[outcome]);
        }
        let retention_purged = vec(
            "lms_retention_purged_total",
            "Records removed by the retention purge, by kind of data",
            "kind",
        );
        Self {
            orders,
            security_alerts,
            windows: std::sync::Arc::default(),
            retention_purged,
            revenue_minor,
            refunded_minor,
            refunds: counter(&registry, "lms_refunds_total", "Refunds that went through"),
            deliveries,
            oldest_pending,
            events_pending: gauge(
                &registry,
                "lms_events_pending",
                "Events some subscriber has not handled",
            ),
            events_retrying: gauge(
                &registry,
                "lms_events_retrying",
                "Events waiting for another delivery attempt",
            ),
            dead_letters: gauge(
                &registry,
                "lms_dead_letters",
                "Events given up on, waiting for a replay",
            ),
            enrollments: counter(&registry, "lms_enrollments_total", "Enrollments created"),
            lesson_completions: counter(&registry, "lms_lesson_completions_total", "Lessons completed"),
            course_completions: counter(&registry, "lms_course_completions_total", "Courses completed"),
            rate_limited: counter(&registry, "lms_rate_limited_total", "Requests refused by rate limiting"),
            quiz_attempts,
            registry,
            requests,
            duration,
            store,
        }
    }

    /// Records one handled request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let code = status.to_string();
        let labels = [method, route, code.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.duration.with_label_values(&labels).observe(seconds);
        self.windows
            .record(std::time::Instant::now(), method, route, status, seconds);
    }

    /// The request windows of the performance view and the API alert metrics.
    pub fn windows(&self) -> &crate::monitoring::windows::RequestWindows {
        &self.windows
    }

    /// Security alerts raised so far, every signal.
    pub fn security_alerts_total(&self) -> u64 {
        SECURITY_SIGNALS
            .iter()
            .map(|signal| self.security_alerts.with_label_values(&[signal]).get())
            .sum()
    }

    /// Records one storage operation.
    pub fn observe_store(&self, operation: &str, ok: bool, seconds: f64) {
        let outcome = if ok { "ok" } else { "error" };
        self.store.with_label_values(&[operation, outcome]).observe(seconds);
    }

    /// Brings the delivery metrics up to date: the counters to this relay instance's
    /// totals, the gauges to the backlog when it could be read.
    pub fn observe_delivery(&self, counts: DeliveryCounts, backlog: Option<Backlog>) {
        for (outcome, total) in [
            ("delivered", counts.delivered),
            ("failed", counts.failed),
            ("dead_lettered", counts.dead_lettered),
        ] {
            let counter = self.deliveries.with_label_values(&[outcome]);
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        if let Some(backlog) = backlog {
            let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            self.events_pending.set(gauge(backlog.pending));
            self.oldest_pending.set(backlog.oldest_pending_seconds);
            self.events_retrying.set(gauge(backlog.retrying));
            self.dead_letters.set(gauge(backlog.dead_letters));
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// Normalizes a request method into a bounded label.
pub fn method_label(method: &poem::http::Method) -> &'static str {
    use poem::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}
