//! Graceful shutdown's drain: the time between a shutdown signal and the listeners
//! closing.
//!
//! A load balancer sends traffic to an instance until its readiness probe fails, and an
//! instance that closed its listener at once would refuse, or reset, the requests that
//! were already on their way to it. So on the signal the server first turns
//! `/health/ready` to 503 (on the public and the operations listener) and keeps serving
//! for the drain delay (`LMS_SHUTDOWN_DRAIN_SECONDS`). Every response of that time carries
//! `Connection: close`: a client, or a proxy's connection pool, never sends a next request
//! on a connection the server is about to close. Then the listeners stop accepting, the
//! requests under way get the grace period (`LMS_SHUTDOWN_GRACE_SECONDS`) to finish, and
//! idle connections are closed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Whether this server is draining: set once, at the shutdown signal, and never cleared.
#[derive(Debug, Default)]
pub struct Drain {
    draining: AtomicBool,
}

impl Drain {
    /// A server that is not draining.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the drain: readiness answers 503 and responses close their connections.
    pub fn begin(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Whether the drain has started.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Starts the drain and waits for the drain delay, or until `cut_short` completes (a
    /// second signal: an operator who wants the server gone now).
    pub async fn run(&self, delay: Duration, cut_short: impl Future<Output = ()>) {
        self.begin();
        if delay.is_zero() {
            return;
        }
        tracing::info!(
            drain_seconds = delay.as_secs(),
            "draining: /health/ready answers 503 and every response closes its connection; \
             new connections are still served until the drain delay ends (a second signal ends it now)"
        );
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = cut_short => tracing::info!("second signal: the drain delay ends now"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_drain_lasts_its_delay_unless_cut_short() {
        let drain = Drain::new();
        assert!(!drain.is_draining());
        let started = tokio::time::Instant::now();
        drain.run(Duration::from_secs(5), std::future::pending()).await;
        assert!(drain.is_draining());
        assert_eq!(started.elapsed(), Duration::from_secs(5));

        let drain = Drain::new();
        let started = tokio::time::Instant::now();
        drain
            .run(Duration::from_secs(5), tokio::time::sleep(Duration::from_secs(1)))
            .await;
        assert!(drain.is_draining());
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }
}
