#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod analytics;
pub mod certificates;
pub mod course_cache;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod flashcards;
pub mod ids;
pub mod mail;
pub mod memory;
pub mod monitoring;
pub mod payments;
pub mod ports;
pub mod privacy;
pub mod records;
pub mod services;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhooks;

pub use error::{Entity, Error, FieldError, Result};
pub use services::{Actor, Lms};
