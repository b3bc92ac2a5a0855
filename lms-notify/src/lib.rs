#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod error;
mod nats;
mod smtp;

pub use crate::error::Error;
pub use crate::nats::{NatsNotifier, CONNECT_TIMEOUT, DEFAULT_PREFIX, DELIVER_TIMEOUT};
pub use crate::smtp::{SmtpMailer, SEND_TIMEOUT};
