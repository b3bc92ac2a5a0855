//! An in-process reaction to the core's events: each learner's recent activity
//! (enrolled, completed a lesson, completed a course), fed by the relay.
//!
//! The core writes events to its outbox in the same transaction as the change; the relay
//! delivers them here shortly after, at least once. The feed therefore lags a request by
//! up to one relay poll (100 ms by default), and it de-duplicates by event id. It lives in
//! memory: after a restart it holds only what the relay delivers from then on.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use lms_core::domain::events::{DomainEvent, EventPayload};
use lms_core::ids::{CourseId, EventId, LessonId, UserId};
use lms_core::ports::{Notifier, NotifyError};
use serde::Serialize;

/// Most items kept per learner; older ones are dropped.
const KEPT_PER_LEARNER: usize = 50;

/// One thing a learner did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityItem {
    /// The event's id.
    pub event_id: EventId,
    /// Its public type: `enrollment.created`, `lesson.completed` or `course.completed`.
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// The course.
    pub course_id: CourseId,
    /// The lesson, for `lesson.completed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson_id: Option<LessonId>,
    /// When it happened (RFC 3339).
    pub occurred_at: String,
}

/// The activity feeds of every learner, newest last. Give it to the relay as a
/// [`Notifier`] subscribed to [`Activity::EVENT_TYPES`].
#[derive(Debug, Default)]
pub struct Activity {
    feeds: Mutex<HashMap<UserId, VecDeque<ActivityItem>>>,
}

impl Activity {
    /// The event types the feed is made of.
    pub const EVENT_TYPES: [&'static str; 3] = ["enrollment.created", "lesson.completed", "course.completed"];

    /// A learner's feed, oldest first.
    pub fn of(&self, user_id: UserId) -> Vec<ActivityItem> {
        self.feeds()
            .get(&user_id)
            .map(|feed| feed.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn feeds(&self) -> MutexGuard<'_, HashMap<UserId, VecDeque<ActivityItem>>> {
        self.feeds.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Notifier for Activity {
    async fn deliver(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        let (user_id, course_id, lesson_id) = match &event.payload {
            EventPayload::Enrolled { user_id, course_id, .. }
            | EventPayload::EnrollmentCompleted { user_id, course_id, .. } => (*user_id, *course_id, None),
            EventPayload::LessonCompleted {
                user_id,
                course_id,
                lesson_id,
                ..
            } => (*user_id, *course_id, Some(*lesson_id)),
            _ => return Ok(()),
        };
        let mut feeds = self.feeds();
        let feed = feeds.entry(user_id).or_default();
        // Delivery is at least once: an event seen before is not added again.
        if feed.iter().any(|item| item.event_id == event.id) {
            return Ok(());
        }
        feed.push_back(ActivityItem {
            event_id: event.id,
            event_type: event.payload.public_type(),
            course_id,
            lesson_id,
            occurred_at: event.occurred_at.to_rfc3339(),
        });
        if feed.len() > KEPT_PER_LEARNER {
            feed.pop_front();
        }
        Ok(())
    }
}
