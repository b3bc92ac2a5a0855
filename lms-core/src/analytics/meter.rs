//! Video watch time for the aggregate reports (a course's lessons, a day's totals),
//! metered in process and added to the rollups in one write every few seconds.
//!
//! Heartbeats are the hottest write path and emit no event: an event per heartbeat would
//! add an outbox row to every heartbeat and a rollup write to every delivery, which the
//! heartbeat rate cannot afford (docs/benchmarks.md). The learner's own study time is
//! exact without the meter: each heartbeat stores it per day in the enrollment, in the
//! same write as the progress. What the meter holds is only the aggregates' share, and
//! an instance that dies loses at most what it metered since its last flush.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use chrono::NaiveDate;

use crate::domain::video::WatchTime;
use crate::ids::{CourseId, LessonId};

/// Playback waiting to be added to the rollups, per lesson and day.
pub(crate) type Metered = HashMap<(CourseId, LessonId, NaiveDate), WatchTime>;

/// The playback metered since the last flush; off until a flusher runs, so that nothing
/// accumulates where nobody adds it to the rollups.
#[derive(Debug, Default)]
pub(crate) struct WatchMeter {
    on: AtomicBool,
    pending: Mutex<Metered>,
}

impl WatchMeter {
    /// Starts metering.
    pub fn start(&self) {
        self.on.store(true, Ordering::Relaxed);
    }

    /// Counts a heartbeat's playback (nothing while metering is off).
    pub fn record(&self, course: CourseId, lesson: LessonId, day: NaiveDate, watched: WatchTime) {
        if watched.is_zero() || !self.on.load(Ordering::Relaxed) {
            return;
        }
        self.lock().entry((course, lesson, day)).or_default().add(watched);
    }

    /// Takes what was metered, leaving the meter empty.
    pub fn take(&self) -> Metered {
        std::mem::take(&mut *self.lock())
    }

    /// Puts back what a failed flush took, to be added by the next one.
    pub fn restore(&self, metered: Metered) {
        let mut pending = self.lock();
        for (key, watched) in metered {
            pending.entry(key).or_default().add(watched);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Metered> {
        // The map is consistent after any panic (each change is one `add`).
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metering_counts_only_once_started_and_a_restore_adds_back() {
        let meter = WatchMeter::default();
        let key = (
            CourseId::new(),
            LessonId::new(),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        );
        let watched = WatchTime {
            watch_ms: 1_000,
            replay_ms: 200,
        };
        meter.record(key.0, key.1, key.2, watched);
        assert!(meter.take().is_empty());
        meter.start();
        meter.record(key.0, key.1, key.2, watched);
        meter.record(key.0, key.1, key.2, watched);
        let taken = meter.take();
        assert_eq!(
            taken[&key],
            WatchTime {
                watch_ms: 2_000,
                replay_ms: 400
            }
        );
        meter.record(key.0, key.1, key.2, watched);
        meter.restore(taken);
        assert_eq!(
            meter.take()[&key],
            WatchTime {
                watch_ms: 3_000,
                replay_ms: 600
            }
        );
    }
}
