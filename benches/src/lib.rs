//! Shared pieces of the benchmarks: a realistic data set written through the storage ports,
//! the backends to run against, and the load benchmark's sessions, tokens, webhook receiver
//! and report.

#![deny(missing_docs)]

pub mod backends;
pub mod dataset;
pub mod load;
pub mod receiver;
pub mod report;
