//! The conformance suite: the storage contract of [`crate::ports`] as code, plus the use
//! cases end to end through the services. Every adapter runs all of it:
//!
//! ```ignore
//! let report = lms_core::testing::run_all(Stores::from_backend(Arc::new(my_store))).await;
//! report.assert_passed();
//! ```
//!
//! Behaviours isolate their data with fresh ids, so they run against a shared, non-empty
//! database; they run one after another.

mod auth;
pub(crate) mod fixtures;
mod learning;
mod records;
mod stores;
mod use_cases;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

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

/// One named behaviour of the contract.
#[derive(Clone, Copy)]
pub struct Behaviour {
    /// A readable name (`module::function`).
    pub name: &'static str,
    run: fn(Ctx) -> BehaviourFuture,
}

impl std::fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Declares a list of behaviours from `async fn name(ctx: Ctx)` functions.
macro_rules! behaviour_list {
    ($($path:path),* $(,)?) => {
        vec![$(
            $crate::testing::Behaviour {
                name: stringify!($path),
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
    all
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
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
}

/// Runs every behaviour against `stores`, one after another, and reports. Prints one line
/// per failure and a closing count line.
pub async fn run_all(stores: Stores) -> Report {
    let clock = Arc::new(ManualClock::new(Utc::now().trunc_subsecs(6)));
    let ctx = Ctx {
        lms: Lms::new(stores.clone(), clock.clone()),
        stores,
        clock,
    };
    let mut report = Report::default();
    for behaviour in behaviours() {
        let outcome = AssertUnwindSafe((behaviour.run)(ctx.clone())).catch_unwind().await;
        match outcome {
            Ok(()) => report.passed.push(behaviour.name),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panicked".into());
                println!("conformance FAILED {}: {message}", behaviour.name);
                report.failed.push((behaviour.name, message));
            }
        }
    }
    // Written to stderr directly, past the test harness's output capture, so that every
    // test log shows how much of the contract ran.
    let summary = format!(
        "conformance: {} behaviours run, {} passed, {} failed\n",
        report.total(),
        report.passed.len(),
        report.failed.len()
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), summary.as_bytes());
    report
}
