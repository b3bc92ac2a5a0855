//! The conformance suite: the storage contract of [`crate::ports`] as code, plus the use
//! cases end to end through the services. Every adapter runs all of it:
//!
//! ```ignore
//! let report = lms_core::testing::run_all(Stores::from_backend(Arc::new(my_store))).await;
//! report.assert_passed();
//! report.assert_complete();
//! ```
//!
//! Behaviours isolate their data with fresh ids, so they run against a shared, non-empty
//! database; they run one after another. Each one can also run alone: set
//! `LMS_CONFORMANCE_FILTER` ([`FILTER_VAR`]) to a part of behaviour names and
//! [`run_all`] runs only the behaviours whose name contains it, e.g.
//! `LMS_CONFORMANCE_FILTER=stores::course cargo test -p lms-storage-sqlite --test
//! conformance`; [`run_matching`] takes the filter as an argument.
//!
//! A run writes one line per behaviour (`ok` or `FAILED` with the panic message, and the
//! time it took) and a closing count line to the process's standard error, past the test
//! harness's output capture, so that every test log shows what of the contract ran and
//! where its time went.

mod analytics;
mod auth;
pub mod backup;
mod delivery;
pub(crate) mod fixtures;
mod flashcards;
mod learning;
mod mail;
mod monitoring;
mod privacy;
mod records;
mod stores;
mod use_cases;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use chrono::{SubsecRound, Utc};
use futures::FutureExt;

use crate::ports::{ManualClock, Stores};
use crate::Lms;

/// What a behaviour gets: the stores under test, services over them and their clock.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The stores under test.
    pub stores: Stores,
    /// Services over the stores.
    pub lms: Lms,
    /// The services' clock.
    pub clock: Arc<ManualClock>,
}

type BehaviourFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The environment variable [`run_all`] reads a behaviour name filter from.
pub const FILTER_VAR: &str = "LMS_CONFORMANCE_FILTER";

/// One named behaviour of the contract.
#[derive(Clone, Copy)]
pub struct Behaviour {
    /// A readable name (`module::function`), unique in the suite.
    pub name: &'static str,
    run: fn(Ctx) -> BehaviourFuture,
}

impl std::fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The name of a behaviour from its full path: the path below this module.
pub(crate) fn behaviour_name(path: &'static str) -> &'static str {
    path.strip_prefix(concat!(module_path!(), "::")).unwrap_or(path)
}

/// Declares a list of behaviours from `async fn name(ctx: Ctx)` functions.
macro_rules! behaviour_list {
    ($($path:path),* $(,)?) => {
        vec![$(
            $crate::testing::Behaviour {
                name: $crate::testing::behaviour_name(concat!(module_path!(), "::", stringify!($path))),
                run: |ctx| Box::pin($path(ctx)),
            }
        ),*]
    };
}
pub(crate) use behaviour_list;

/// Every behaviour of the suite.
pub fn behaviours() -> Vec<Behaviour> {
    let mut all = stores::behaviours();
    all.extend(records::behaviours());
    all.extend(use_cases::behaviours());
    all.extend(learning::behaviours());
    all.extend(auth::behaviours());
    all.extend(delivery::behaviours());
    all.extend(mail::behaviours());
    all.extend(privacy::behaviours());
    all.extend(flashcards::behaviours());
    all.extend(analytics::behaviours());
    all.extend(monitoring::behaviours());
    all
}

/// The behaviours whose name contains `filter`.
fn selected(filter: &str) -> Vec<Behaviour> {
    behaviours().into_iter().filter(|b| b.name.contains(filter)).collect()
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// The name filter the run had, if any.
    pub filter: Option<String>,
    /// Behaviours that passed.
    pub passed: Vec<&'static str>,
    /// Behaviours that failed, with the panic message.
    pub failed: Vec<(&'static str, String)>,
}

impl Report {
    /// Behaviours run.
    pub fn total(&self) -> usize {
        self.passed.len() + self.failed.len()
    }

    /// Panics with every failure listed, unless all passed.
    pub fn assert_passed(&self) {
        if !self.failed.is_empty() {
            let list: Vec<String> = self.failed.iter().map(|(n, m)| format!("  {n}: {m}")).collect();
            panic!(
                "{} of {} conformance behaviours failed:\n{}",
                self.failed.len(),
                self.total(),
                list.join("\n")
            );
        }
    }

    /// Panics unless every behaviour the run selected ran once: every behaviour of the
    /// suite when it had no filter, and at least one when it had (a filter that matches
    /// nothing is a mistake, not a pass).
    pub fn assert_complete(&self) {
        let expected: Vec<&str> = selected(self.filter.as_deref().unwrap_or_default())
            .iter()
            .map(|b| b.name)
            .collect();
        let mut ran: Vec<&str> = self
            .passed
            .iter()
            .copied()
            .chain(self.failed.iter().map(|f| f.0))
            .collect();
        ran.sort_unstable();
        let mut wanted = expected.clone();
        wanted.sort_unstable();
        assert_eq!(ran, wanted, "the run did not run exactly the behaviours it selected");
        assert!(
            !expected.is_empty(),
            "the filter {:?} matches no conformance behaviour",
            self.filter.as_deref().unwrap_or_default()
        );
    }
}

/// Runs the behaviours against `stores`, one after another, and reports: all of them, or
/// those whose name contains [`FILTER_VAR`] when it is set and not empty.
pub async fn run_all(stores: Stores) -> Report {
    let filter = std::env::var(FILTER_VAR).ok().filter(|f| !f.is_empty());
    run_filtered(stores, filter).await
}

/// Runs the behaviours whose name contains `filter` against `stores`, one after another,
/// and reports. An empty filter selects every behaviour.
pub async fn run_matching(stores: Stores, filter: &str) -> Report {
    run_filtered(stores, Some(filter.to_owned()).filter(|f| !f.is_empty())).await
}

async fn run_filtered(stores: Stores, filter: Option<String>) -> Report {
    let clock = Arc::new(ManualClock::new(Utc::now().trunc_subsecs(6)));
    let ctx = Ctx {
        lms: Lms::new(stores.clone(), clock.clone()),
        stores,
        clock,
    };
    let mut report = Report {
        filter,
        ..Report::default()
    };
    for behaviour in selected(report.filter.as_deref().unwrap_or_default()) {
        let started = Instant::now();
        let outcome = AssertUnwindSafe((behaviour.run)(ctx.clone())).catch_unwind().await;
        let took = format!("{:.2} s", started.elapsed().as_secs_f64());
        match outcome {
            Ok(()) => {
                log(&format!("conformance ok     {} ({took})", behaviour.name));
                report.passed.push(behaviour.name);
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panicked".into());
                log(&format!("conformance FAILED {} ({took}): {message}", behaviour.name));
                report.failed.push((behaviour.name, message));
            }
        }
    }
    let filtered = report
        .filter
        .as_ref()
        .map(|f| format!(" (names containing {f:?})"))
        .unwrap_or_default();
    log(&format!(
        "conformance: {} behaviours run, {} passed, {} failed{filtered}",
        report.total(),
        report.passed.len(),
        report.failed.len()
    ));
    report
}

/// Writes a line to standard error directly, past the test harness's output capture.
fn log(line: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{line}\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn behaviour_names_are_module_and_function_and_unique() {
        let all = behaviours();
        let names: HashSet<&str> = all.iter().map(|b| b.name).collect();
        assert_eq!(names.len(), all.len(), "behaviour names are unique");
        assert!(names.contains("stores::user_round_trips"), "{names:?}");
        assert!(all.iter().all(|b| b.name.split("::").count() == 2), "{all:?}");
    }

    #[test]
    fn a_filter_selects_the_behaviours_whose_name_contains_it() {
        assert_eq!(selected("").len(), behaviours().len());
        let auth = selected("auth::");
        assert!(!auth.is_empty());
        assert!(auth.iter().all(|b| b.name.starts_with("auth::")), "{auth:?}");
        assert!(selected("no behaviour has this name").is_empty());
    }

    #[test]
    #[should_panic(expected = "matches no conformance behaviour")]
    fn a_filter_that_matches_nothing_is_incomplete() {
        Report {
            filter: Some("no behaviour has this name".into()),
            ..Report::default()
        }
        .assert_complete();
    }

    #[test]
    #[should_panic(expected = "did not run exactly the behaviours it selected")]
    fn an_unfiltered_run_that_missed_a_behaviour_is_incomplete() {
        let mut passed: Vec<&'static str> = behaviours().iter().map(|b| b.name).collect();
        passed.pop();
        Report {
            passed,
            ..Report::default()
        }
        .assert_complete();
    }
}
