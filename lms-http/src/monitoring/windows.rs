//! The server's own request windows (O5): per route template and method, what the last 5
//! minutes, hour and day held (count, 5xx errors, Apdex, a latency histogram), kept in
//! a ring of per-minute slots (the last hour) and per-hour slots (the last day).
//!
//! Prometheus' cumulative histograms cannot answer "the last 5 minutes" without a
//! Prometheus server; these can, from the process alone, at the cost of a short lock and
//! a few additions per request. Percentiles are read from fixed latency buckets and
//! answered as the bucket's upper bound (over-estimating by less than the bucket's
//! width; the last bucket answers the largest latency seen).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, in milliseconds; a last bucket takes the rest.
const BOUNDS_MS: [f64; 27] = [
    0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0,
    750.0, 1000.0, 1500.0, 2000.0, 3000.0, 5000.0, 7500.0, 10000.0,
];
const BUCKETS: usize = BOUNDS_MS.len() + 1;

/// Apdex' target: a request answered within it satisfies, within four times it is
/// tolerated (O5: T = 100 ms).
pub const APDEX_T_MS: f64 = 100.0;

/// The windows the performance view reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The last 1 to 2 minutes (the current minute slot and the one before): what alert
    /// rules on the error rate read.
    Recent,
    /// The last 5 minutes (5 minute slots, the current one included).
    FiveMinutes,
    /// The last hour (60 minute slots).
    Hour,
    /// The last day (24 hour slots).
    Day,
}

impl Window {
    /// Its length.
    pub fn length(self) -> Duration {
        match self {
            Window::Recent => Duration::from_secs(120),
            Window::FiveMinutes => Duration::from_secs(300),
            Window::Hour => Duration::from_secs(3600),
            Window::Day => Duration::from_secs(86_400),
        }
    }
}

/// One minute's or one hour's requests of a route.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The minute or hour (since the windows started) it holds; others are stale.
    epoch: u64,
    totals: Totals,
}

/// Requests summed over slots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Totals {
    /// Requests.
    pub requests: u64,
    /// Of those, answered with a 5xx status.
    pub errors: u64,
    /// Answered without error within T.
    pub satisfied: u64,
    /// Answered without error within 4 T.
    pub tolerating: u64,
    /// The longest, in milliseconds.
    pub max_ms: f64,
    buckets: [u64; BUCKETS],
}

impl Default for Totals {
    fn default() -> Self {
        Self {
            requests: 0,
            errors: 0,
            satisfied: 0,
            tolerating: 0,
            max_ms: 0.0,
            buckets: [0; BUCKETS],
        }
    }
}

impl Totals {
    fn record(&mut self, ms: f64, error: bool) {
        self.requests += 1;
        if error {
            self.errors += 1;
        } else if ms <= APDEX_T_MS {
            self.satisfied += 1;
        } else if ms <= 4.0 * APDEX_T_MS {
            self.tolerating += 1;
        }
        self.max_ms = self.max_ms.max(ms);
        let bucket = BOUNDS_MS.iter().position(|&b| ms <= b).unwrap_or(BOUNDS_MS.len());
        self.buckets[bucket] += 1;
    }

    fn add(&mut self, other: &Totals) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.satisfied += other.satisfied;
        self.tolerating += other.tolerating;
        self.max_ms = self.max_ms.max(other.max_ms);
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
    }

    /// The latency under which a share `q` (0–1) of the requests fell, in milliseconds;
    /// `None` without requests.
    pub fn percentile_ms(&self, q: f64) -> Option<f64> {
        if self.requests == 0 {
            return None;
        }
        let rank = ((q * self.requests as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(BOUNDS_MS.get(i).map_or(self.max_ms, |b| b.min(self.max_ms)));
            }
        }
        Some(self.max_ms)
    }

    /// 5xx answers out of requests; `None` without requests.
    pub fn error_rate(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.errors as f64 / self.requests as f64)
    }

    /// (satisfied + tolerating / 2) / requests; `None` without requests.
    pub fn apdex(&self) -> Option<f64> {
        (self.requests > 0).then(|| (self.satisfied as f64 + self.tolerating as f64 / 2.0) / self.requests as f64)
    }
}

/// One route's rings.
#[derive(Debug)]
struct RouteSlots {
    minutes: [Slot; 60],
    hours: [Slot; 24],
}

impl Default for RouteSlots {
    fn default() -> Self {
        let empty = Slot {
            epoch: u64::MAX,
            totals: Totals::default(),
        };
        Self {
            minutes: [empty; 60],
            hours: [empty; 24],
        }
    }
}

fn slot(ring: &mut [Slot], epoch: u64) -> &mut Slot {
    let len = ring.len() as u64;
    let slot = &mut ring[(epoch % len) as usize];
    if slot.epoch != epoch {
        slot.epoch = epoch;
        slot.totals = Totals::default();
    }
    slot
}

/// The request windows of every route.
#[derive(Debug)]
pub struct RequestWindows {
    started: Instant,
    /// Route template → method → rings.
    routes: Mutex<HashMap<String, HashMap<String, RouteSlots>>>,
}

impl Default for RequestWindows {
    fn default() -> Self {
        Self::new(Instant::now())
    }
}

/// One route's totals over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteTotals {
    /// The method.
    pub method: String,
    /// The route template.
    pub route: String,
    /// What it handled.
    pub totals: Totals,
}

impl RequestWindows {
    /// Empty windows starting at `started`.
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            routes: Mutex::default(),
        }
    }

    /// Records one request, answered at `at`.
    pub fn record(&self, at: Instant, method: &str, route: &str, status: u16, seconds: f64) {
        let minute = at.saturating_duration_since(self.started).as_secs() / 60;
        let mut routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
        let methods = match routes.get_mut(route) {
            Some(methods) => methods,
            None => routes.entry(route.to_owned()).or_default(),
        };
        let rings = match methods.get_mut(method) {
            Some(rings) => rings,
            None => methods.entry(method.to_owned()).or_default(),
        };
        let (ms, error) = (seconds * 1000.0, status >= 500);
        slot(&mut rings.minutes, minute).totals.record(ms, error);
        slot(&mut rings.hours, minute / 60).totals.record(ms, error);
    }

    /// Each route's totals over the window ending at `now`, busiest first.
    pub fn totals(&self, now: Instant, window: Window) -> Vec<RouteTotals> {
        let minute = now.saturating_duration_since(self.started).as_secs() / 60;
        let routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
        let mut found = Vec::new();
        for (route, methods) in routes.iter() {
            for (method, rings) in methods {
                let (ring, current, span): (&[Slot], u64, u64) = match window {
                    Window::Recent => (&rings.minutes, minute, 2),
                    Window::FiveMinutes => (&rings.minutes, minute, 5),
                    Window::Hour => (&rings.minutes, minute, 60),
                    Window::Day => (&rings.hours, minute / 60, 24),
                };
                let mut totals = Totals::default();
                for slot in ring {
                    if slot.epoch <= current && current - slot.epoch < span {
                        totals.add(&slot.totals);
                    }
                }
                if totals.requests > 0 {
                    found.push(RouteTotals {
                        method: method.clone(),
                        route: route.clone(),
                        totals,
                    });
                }
            }
        }
        found.sort_by(|a, b| b.totals.requests.cmp(&a.totals.requests).then(a.route.cmp(&b.route)));
        found
    }

    /// All routes' totals over the window.
    pub fn overall(&self, now: Instant, window: Window) -> Totals {
        let mut all = Totals::default();
        for route in self.totals(now, window) {
            all.add(&route.totals);
        }
        all
    }

    /// How long the windows have been recording, for throughput over a window the
    /// process has not lived through yet.
    pub fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_keep_what_their_span_holds() {
        let start = Instant::now();
        let windows = RequestWindows::new(start);
        let at = |minutes: u64| start + Duration::from_secs(minutes * 60 + 1);
        windows.record(at(0), "GET", "/a", 200, 0.050);
        windows.record(at(10), "GET", "/a", 500, 0.300);
        windows.record(at(10), "GET", "/a", 200, 2.0);
        windows.record(at(10), "POST", "/a", 200, 0.001);
        let five = windows.totals(at(12), Window::FiveMinutes);
        assert_eq!(five.len(), 2);
        let get = five.iter().find(|r| r.method == "GET").expect("GET");
        assert_eq!((get.totals.requests, get.totals.errors), (2, 1));
        assert_eq!(get.totals.percentile_ms(0.5), Some(300.0));
        assert_eq!(get.totals.percentile_ms(0.99), Some(2000.0));
        assert_eq!(get.totals.apdex(), Some(0.0), "an error and a frustrated answer");
        let hour = windows.overall(at(12), Window::Hour);
        assert_eq!(hour.requests, 4);
        assert_eq!(hour.apdex(), Some(0.5), "two satisfied of four");
        assert_eq!(windows.overall(at(70), Window::Hour).requests, 0, "an hour later");
        assert_eq!(windows.overall(at(70), Window::Day).requests, 4);
        assert_eq!(windows.overall(at(60 * 25), Window::Day).requests, 0);
    }

    #[test]
    fn percentiles_answer_bucket_bounds_capped_by_the_largest_latency() {
        let mut totals = Totals::default();
        for ms in [1.2, 1.3, 1.4, 40_000.0] {
            totals.record(ms, false);
        }
        assert_eq!(totals.percentile_ms(0.5), Some(2.0));
        assert_eq!(totals.percentile_ms(0.99), Some(40_000.0));
        assert_eq!(Totals::default().percentile_ms(0.5), None);
    }
}
