//! Coalescing of concurrent single-row operations into one statement per batch.
//!
//! Under load, every request reads and writes one enrollment. Sent one by one, each such
//! statement costs a round trip (a thread hand-off for SQLite, a network trip and a commit
//! for PostgreSQL), and those trips, not the work, bound the rate. A [`Coalescer`] queues
//! the calls made while a batch is running and runs them together as the next batch: one
//! trip and one commit for many rows. An idle store runs every call at once, alone, so
//! coalescing adds no latency when there is nothing to coalesce with.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use lms_core::ports::{StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

/// Calls waiting for a batch, beyond which callers wait to enqueue.
const QUEUE_CAPACITY: usize = 8192;

/// A call waiting in the queue with where its answer goes.
type Pending<R, T> = (R, oneshot::Sender<StoreResult<T>>);

/// A queue that runs concurrent calls of one operation in batches.
///
/// A background task, started on the first call, takes every waiting call (up to the
/// batch size) as a batch whenever fewer than the allowed number of batches are running.
/// Cloning shares the queue; the task ends when the last clone is dropped.
pub struct Coalescer<R, T> {
    queue: mpsc::Sender<Pending<R, T>>,
    dispatcher: Arc<Dispatcher>,
}

/// Starts the batching task once, from inside the runtime that runs the calls.
struct Dispatcher {
    started: OnceLock<()>,
    start: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl<R, T> Clone for Coalescer<R, T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            dispatcher: self.dispatcher.clone(),
        }
    }
}

impl<R, T> fmt::Debug for Coalescer<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coalescer")
            .field("waiting", &(self.queue.max_capacity() - self.queue.capacity()))
            .finish()
    }
}

impl<R: Send + 'static, T: Send + 'static> Coalescer<R, T> {
    /// A queue whose batches `run` answers: it gets up to `max_batch` requests and answers
    /// each, in order; at most `concurrency` batches run at once.
    pub fn new<F, Fut>(max_batch: usize, concurrency: usize, run: F) -> Self
    where
        F: Fn(Vec<R>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = StoreResult<Vec<StoreResult<T>>>> + Send + 'static,
    {
        let (queue, waiting) = mpsc::channel(QUEUE_CAPACITY);
        let start = move || {
            tokio::spawn(dispatch(
                waiting,
                max_batch.max(1),
                Arc::new(Semaphore::new(concurrency.max(1))),
                Arc::new(run),
            ));
        };
        Self {
            queue,
            dispatcher: Arc::new(Dispatcher {
                started: OnceLock::new(),
                start: Mutex::new(Some(Box::new(start))),
            }),
        }
    }

    /// Runs `request` in the next batch and returns its answer.
    pub async fn call(&self, request: R) -> StoreResult<T> {
        self.dispatcher.started.get_or_init(|| {
            let start = self
                .dispatcher
                .start
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(start) = start {
                start();
            }
        });
        let (answer, answered) = oneshot::channel();
        self.queue
            .send((request, answer))
            .await
            .map_err(|_| StoreError::unavailable("the store's batching task has stopped"))?;
        answered
            .await
            .map_err(|_| StoreError::unavailable("a storage batch ended without an answer"))?
    }
}

/// Takes batches off the queue while permits allow, running each on its own task.
async fn dispatch<R, T, F, Fut>(
    mut waiting: mpsc::Receiver<Pending<R, T>>,
    max_batch: usize,
    permits: Arc<Semaphore>,
    run: Arc<F>,
) where
    R: Send + 'static,
    T: Send + 'static,
    F: Fn(Vec<R>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = StoreResult<Vec<StoreResult<T>>>> + Send + 'static,
{
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let mut batch = Vec::new();
        if waiting.recv_many(&mut batch, max_batch).await == 0 {
            return;
        }
        tokio::spawn(answer(batch, run.clone(), permit));
    }
}

/// Runs one batch and sends every caller its answer.
async fn answer<R, T, F, Fut>(batch: Vec<Pending<R, T>>, run: Arc<F>, _permit: OwnedSemaphorePermit)
where
    F: Fn(Vec<R>) -> Fut,
    Fut: Future<Output = StoreResult<Vec<StoreResult<T>>>>,
{
    let (requests, answers): (Vec<R>, Vec<_>) = batch.into_iter().unzip();
    let expected = answers.len();
    let results = match run(requests).await {
        Ok(results) if results.len() == expected => results,
        Ok(results) => {
            let mismatch = StoreError::backend(format!("a batch of {expected} calls got {} answers", results.len()));
            copies(&mismatch, expected)
        }
        Err(err) => copies(&err, expected),
    };
    for (answer, result) in answers.into_iter().zip(results) {
        // A caller that stopped waiting has nobody to tell.
        let _ = answer.send(result);
    }
}

/// The failure of a whole batch, once for each of its `n` callers, of the same kind.
fn copies<T>(err: &StoreError, n: usize) -> Vec<StoreResult<T>> {
    (0..n)
        .map(|_| {
            Err(match err {
                StoreError::NotFound => StoreError::NotFound,
                StoreError::Duplicate(key) => StoreError::Duplicate(*key),
                StoreError::VersionConflict => StoreError::VersionConflict,
                StoreError::Unavailable(source) => StoreError::unavailable(source.to_string()),
                other => StoreError::backend(other.to_string()),
            })
        })
        .collect()
}

/// Splits a batch into rounds in which no key occurs twice, keeping the order of calls
/// with the same key: a batched statement touches a row at most once, and rounds run in
/// order give the same outcome as running the calls one by one. Returns, for each round,
/// the indexes of its calls.
pub fn rounds_by_key<R, K: Hash + Eq>(batch: &[R], key: impl Fn(&R) -> K) -> Vec<Vec<usize>> {
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    let mut next_round: HashMap<K, usize> = HashMap::new();
    for (index, request) in batch.iter().enumerate() {
        let round = next_round.entry(key(request)).or_insert(0);
        match rounds.get_mut(*round) {
            Some(calls) => calls.push(index),
            None => rounds.push(vec![index]),
        }
        *round += 1;
    }
    rounds
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_calls_share_batches_and_get_their_own_answers() {
        let batches = Arc::new(AtomicUsize::new(0));
        let counted = batches.clone();
        let doubler = Coalescer::new(64, 1, move |numbers: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                // Long enough for the other calls to queue behind the first batch.
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(numbers.into_iter().map(|n| Ok(n * 2)).collect())
            }
        });
        let calls: Vec<_> = (0..100)
            .map(|n| {
                let doubler = doubler.clone();
                tokio::spawn(async move { doubler.call(n).await.unwrap() })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            answers.push(call.await.unwrap());
        }
        assert_eq!(answers, (0..100).map(|n| n * 2).collect::<Vec<_>>());
        let batches = batches.load(Ordering::SeqCst);
        assert!(batches < 100, "{batches} batches for 100 concurrent calls");
    }

    #[tokio::test]
    async fn a_failed_batch_fails_each_of_its_calls_with_the_same_kind_of_error() {
        let failing = Coalescer::new(8, 2, |_: Vec<u32>| async {
            Err::<Vec<StoreResult<()>>, _>(StoreError::unavailable("down"))
        });
        let short = Coalescer::new(8, 2, |_: Vec<u32>| async { Ok(Vec::<StoreResult<()>>::new()) });
        assert!(matches!(failing.call(1).await, Err(StoreError::Unavailable(_))));
        assert!(matches!(short.call(1).await, Err(StoreError::Backend(_))));
    }

    #[test]
    fn repeated_keys_go_to_later_rounds_in_call_order() {
        let keys = ["a", "b", "a", "c", "a", "b"];
        assert_eq!(rounds_by_key(&keys, |k| *k), vec![vec![0, 1, 3], vec![2, 5], vec![4]]);
        assert!(rounds_by_key(&[] as &[&str], |k| *k).is_empty());
    }
}
