//! What alert rules are evaluated on: each metric of [`Metric`] sampled from the request
//! windows, the host, the database and the server's counters.

use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

use lms_core::monitoring::{Metric, Samples};

use super::windows::Window;
use crate::api::State;

/// Fewest requests (or orders) a rate is computed on: a single failure among a handful is
/// not a 50 % error rate worth waking anyone for.
const MIN_REQUESTS: u64 = 20;
const MIN_ORDERS: u64 = 5;

/// How long the database may take to answer before it counts as unreachable.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// The counters read at each pass over the last 10 minutes, for rates over time.
#[derive(Debug, Default)]
pub struct CounterHistory(VecDeque<(Instant, Counters)>);

/// Cumulative counters at one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counters {
    paid: u64,
    failed: u64,
    security_alerts: u64,
}

impl CounterHistory {
    /// Adds this pass's counters and answers the change since the oldest kept within
    /// `over`.
    fn change(&mut self, now: Instant, current: Counters, over: Duration) -> Counters {
        self.0.push_back((now, current));
        while self
            .0
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > Duration::from_secs(600))
        {
            self.0.pop_front();
        }
        let base = self
            .0
            .iter()
            .find(|(at, _)| now.duration_since(*at) <= over)
            .map_or(current, |(_, c)| *c);
        Counters {
            paid: current.paid.saturating_sub(base.paid),
            failed: current.failed.saturating_sub(base.failed),
            security_alerts: current.security_alerts.saturating_sub(base.security_alerts),
        }
    }
}

/// Samples every metric it can read now.
pub async fn sample(state: &State, history: &mut CounterHistory) -> Samples {
    let now = Instant::now();
    let mut samples = Samples::default();
    let mut set = |metric, value: Option<f64>| {
        if let Some(value) = value {
            samples.0.insert(metric, value);
        }
    };
    let windows = state.metrics.windows();
    let recent = windows.overall(now, Window::Recent);
    set(
        Metric::ApiErrorRate,
        recent.error_rate().filter(|_| recent.requests >= MIN_REQUESTS),
    );
    let five = windows.overall(now, Window::FiveMinutes);
    set(
        Metric::ApiP95Ms,
        five.percentile_ms(0.95).filter(|_| five.requests >= MIN_REQUESTS),
    );
    set(Metric::MemoryUsedPercent, memory_used_percent());
    set(Metric::DiskFreePercent, disk_free_percent(&state.settings.data_dir));
    let reachable = matches!(
        tokio::time::timeout(PING_TIMEOUT, state.health.ping()).await,
        Ok(Ok(()))
    );
    set(Metric::DatabaseUnreachable, Some(if reachable { 0.0 } else { 1.0 }));
    let counters = Counters {
        paid: state.metrics.orders.with_label_values(&["paid"]).get(),
        failed: state.metrics.orders.with_label_values(&["failed"]).get(),
        security_alerts: state.metrics.security_alerts_total(),
    };
    let orders = history.change(now, counters, Duration::from_secs(600));
    let placed = orders.paid + orders.failed;
    set(
        Metric::PaymentFailureRate,
        (placed >= MIN_ORDERS).then(|| orders.failed as f64 / placed as f64),
    );
    let security = history_change_over(history, now, Duration::from_secs(300));
    set(Metric::SecurityAlerts, Some(security as f64));
    if reachable {
        if let Ok(backlog) = state.relay.backlog().await {
            set(Metric::EventBacklogSeconds, Some(backlog.oldest_pending_seconds));
            set(Metric::DeadLetters, Some(backlog.dead_letters as f64));
        }
    }
    samples
}

/// Security alerts raised over the last `over` (the history already has this pass).
fn history_change_over(history: &CounterHistory, now: Instant, over: Duration) -> u64 {
    let Some((_, current)) = history.0.back() else { return 0 };
    let base = history
        .0
        .iter()
        .find(|(at, _)| now.duration_since(*at) <= over)
        .map_or(*current, |(_, c)| *c);
    current.security_alerts.saturating_sub(base.security_alerts)
}

/// Memory in use, in percent: of the cgroup's limit when the server runs under one (a
/// container), else of the host's memory.
fn memory_used_percent() -> Option<f64> {
    let cgroup = |name: &str| {
        std::fs::read_to_string(Path::new("/sys/fs/cgroup").join(name))
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
    };
    if let (Some(limit), Some(current)) = (cgroup("memory.max"), cgroup("memory.current")) {
        if limit > 0.0 {
            return Some(100.0 * current / limit);
        }
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| {
        meminfo
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
    };
    let (total, available) = (field("MemTotal:")?, field("MemAvailable:")?);
    (total > 0.0).then(|| 100.0 * (1.0 - available / total))
}

/// Free space on the disk holding `dir`, in percent of its size.
fn disk_free_percent(dir: &Path) -> Option<f64> {
    let stats = rustix::fs::statvfs(dir).ok()?;
    let total = stats.f_blocks as f64;
    (total > 0.0).then(|| 100.0 * stats.f_bavail as f64 / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_over_the_asked_span() {
        let start = Instant::now();
        let mut history = CounterHistory::default();
        let at = |s: u64| start + Duration::from_secs(s);
        let counters = |paid, failed| Counters {
            paid,
            failed,
            security_alerts: 0,
        };
        assert_eq!(
            history.change(at(0), counters(10, 0), Duration::from_secs(600)),
            counters(0, 0)
        );
        assert_eq!(
            history.change(at(300), counters(14, 3), Duration::from_secs(600)),
            counters(4, 3)
        );
        // Eleven minutes later the first reading has left the span.
        assert_eq!(
            history.change(at(660), counters(20, 3), Duration::from_secs(600)),
            counters(6, 0)
        );
    }

    #[test]
    fn host_readings_are_percentages() {
        let memory = memory_used_percent().expect("memory");
        assert!((0.0..=100.0).contains(&memory), "{memory}");
        let disk = disk_free_percent(Path::new(".")).expect("disk");
        assert!((0.0..=100.0).contains(&disk), "{disk}");
    }
}
