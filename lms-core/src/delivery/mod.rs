//! Event delivery: the relay that takes the events every write appends to the outbox to
//! the subscribers that react to them (in-process reactions, webhooks, email, a message
//! bus).
//!
//! Each subscriber has its own stream, stored as records: a position in the outbox (the
//! last sequence it has handled) with a lease naming the relay instance that delivers it,
//! the events waiting for another attempt, and its dead letters. Sequence order is commit
//! order ([`crate::ports::OutboxStore`]), so one position per subscriber is enough to
//! know what it has not seen.
//!
//! The guarantees a subscriber gets:
//!
//! - **At least once.** An event is delivered, or it waits as a retry or a dead letter;
//!   the position moves past a batch only in the same write that stores the batch's
//!   retries. An instance that dies mid-batch leaves the position where it was, and the
//!   next holder delivers the batch again, so notifiers de-duplicate by event id.
//! - **Once in normal operation,** with any number of instances on one database: only the
//!   holder of a stream's lease delivers it, and a retry is claimed before it is attempted.
//! - **No order across events.** A batch is delivered concurrently and a failed event is
//!   retried later while the stream moves on; events carry their time and each payload
//!   names the aggregate it concerns.
//! - **Back-off and dead letters.** Attempt `n` waits about `base × 2ⁿ⁻¹` (with jitter, up
//!   to a cap); after `max_attempts` the event becomes a dead letter, which an admin can
//!   list and replay.
//! - **Retention.** Events every subscriber has handled are purged once older than the
//!   retention (7 days by default), and so are the records subscribers keep about their
//!   deliveries (webhook attempts; [`SubscriberSource::purge_history`]). Dead letters stay
//!   until they are replayed.

mod backoff;
mod records;
mod relay;

pub use backoff::Backoff;
pub use records::{DeadLetter, DeliveryCursor, Lease, PendingRetry};
pub use relay::{
    Backlog, DeliveryCounts, PassReport, Relay, RelayBuilder, RelaySettings, Subscriber, SubscriberSource,
};
