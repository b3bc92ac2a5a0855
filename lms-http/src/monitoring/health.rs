//! The health score (O5): one number from 0 to 100 that says how the API is doing over a
//! window, with the terms it is made of.
//!
//! ```text
//! health_score = round(60 × apdex + 25 × error_term + 15 × dependencies)
//! apdex        = Σ_routes requests_r × apdex_r / Σ_routes requests_r   (1 without traffic)
//! apdex_r      = (satisfied + tolerating / 2) / requests_r, T = 100 ms:
//!                satisfied ≤ T, tolerating ≤ 4 T, frustrated above or 5xx
//! error_term   = max(0, 1 − error_rate / 5 %)   (5xx share over the window)
//! dependencies = share of dependencies up now: the database answers, and event
//!                delivery's oldest pending event is under 5 minutes old
//! ```
//!
//! Apdex weighs the routes by their traffic, so a slow admin report used twice a day does
//! not drag the score like a slow outline read used a thousand times a minute.

use super::windows::{RouteTotals, Totals};

/// Weights of the three terms, in points.
const APDEX_POINTS: f64 = 60.0;
const ERROR_POINTS: f64 = 25.0;
const DEPENDENCY_POINTS: f64 = 15.0;

/// The error rate at which the error term reaches 0 (O6's critical threshold).
const ERROR_RATE_FLOOR: f64 = 0.05;

/// The score and its terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthScore {
    /// 0–100.
    pub score: u8,
    /// Traffic-weighted Apdex, 0–1.
    pub apdex: f64,
    /// 5xx answers out of requests, 0–1.
    pub error_rate: f64,
    /// Share of dependencies up, 0–1.
    pub dependencies: f64,
    /// The Apdex term's points (of 60).
    pub apdex_points: f64,
    /// The error term's points (of 25).
    pub error_points: f64,
    /// The dependency term's points (of 15).
    pub dependency_points: f64,
}

/// The score over routes' totals, with `dependencies_up` of `dependencies` up.
pub fn score(routes: &[RouteTotals], dependencies_up: usize, dependencies: usize) -> HealthScore {
    let mut all = Totals::default();
    let mut weighted = 0.0;
    for route in routes {
        weighted += route.totals.apdex().unwrap_or(1.0) * route.totals.requests as f64;
        all.requests += route.totals.requests;
        all.errors += route.totals.errors;
    }
    let apdex = if all.requests == 0 {
        1.0
    } else {
        weighted / all.requests as f64
    };
    let error_rate = all.error_rate().unwrap_or(0.0);
    let error_term = (1.0 - error_rate / ERROR_RATE_FLOOR).max(0.0);
    let dependencies = if dependencies == 0 {
        1.0
    } else {
        dependencies_up as f64 / dependencies as f64
    };
    let (apdex_points, error_points, dependency_points) = (
        APDEX_POINTS * apdex,
        ERROR_POINTS * error_term,
        DEPENDENCY_POINTS * dependencies,
    );
    let total = (apdex_points + error_points + dependency_points)
        .round()
        .clamp(0.0, 100.0);
    HealthScore {
        score: total as u8,
        apdex: round(apdex),
        error_rate: round(error_rate),
        dependencies: round(dependencies),
        apdex_points: round(apdex_points),
        error_points: round(error_points),
        dependency_points: round(dependency_points),
    }
}

fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::monitoring::windows::{RequestWindows, Window};

    #[test]
    fn an_idle_healthy_server_scores_100_and_errors_cost_points() {
        assert_eq!(score(&[], 2, 2).score, 100);
        let start = Instant::now();
        let windows = RequestWindows::new(start);
        let at = start + Duration::from_secs(1);
        // 97 fast answers and 3 errors: apdex 0.97, error rate 3 % (error term 0.4).
        for _ in 0..97 {
            windows.record(at, "GET", "/a", 200, 0.010);
        }
        for _ in 0..3 {
            windows.record(at, "GET", "/a", 500, 0.010);
        }
        let health = score(&windows.totals(at, Window::FiveMinutes), 1, 2);
        assert_eq!(
            (health.apdex, health.error_rate, health.dependencies),
            (0.97, 0.03, 0.5)
        );
        assert_eq!(
            (health.apdex_points, health.error_points, health.dependency_points),
            (58.2, 10.0, 7.5)
        );
        assert_eq!(health.score, 76);
    }

    #[test]
    fn apdex_is_weighted_by_traffic() {
        let start = Instant::now();
        let windows = RequestWindows::new(start);
        let at = start + Duration::from_secs(1);
        for _ in 0..9 {
            windows.record(at, "GET", "/busy", 200, 0.010);
        }
        windows.record(at, "GET", "/slow", 200, 5.0);
        let health = score(&windows.totals(at, Window::FiveMinutes), 1, 1);
        assert_eq!(health.apdex, 0.9);
    }
}
