//! Shared pieces of the benchmarks: a realistic data set written through the storage ports,
//! and the backends to run against.

#![deny(missing_docs)]

pub mod backends;
pub mod dataset;
