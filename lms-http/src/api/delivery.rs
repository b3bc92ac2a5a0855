//! Event delivery for admins: the dead letters, and replaying them.

use lms_core::delivery::{DeadLetter, PendingRetry};
use lms_core::ports::PageRequest;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, BearerAuth, State};

/// Dead letters and their replay.
#[derive(Debug)]
pub struct DeliveryApi;

/// An event a subscriber failed to take in every attempt.
#[derive(Debug, Object)]
pub struct DeadLetterResponse {
    /// The dead letter's id (replay it by this).
    pub id: Uuid,
    /// The subscriber that failed (`webhook:<endpoint id>`, …).
    pub subscriber: String,
    /// The event's id.
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: String,
    /// When the event happened.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// Attempts made.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: String,
    /// When the last attempt failed.
    pub failed_at: chrono::DateTime<chrono::Utc>,
}

impl From<DeadLetter> for DeadLetterResponse {
    fn from(letter: DeadLetter) -> Self {
        Self {
            id: letter.id,
            subscriber: letter.subscriber,
            event_id: letter.event.id.as_uuid(),
            event_type: letter.event.payload.public_type().to_owned(),
            occurred_at: letter.event.occurred_at,
            attempts: letter.attempts,
            last_error: letter.last_error,
            failed_at: letter.failed_at,
        }
    }
}

/// A page of dead letters.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeadLetterPage {
    /// The dead letters, oldest first.
    pub items: Vec<DeadLetterResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

/// A replayed event, waiting for its next attempt.
#[derive(Debug, Object)]
pub struct ReplayResponse {
    /// The subscriber it goes to.
    pub subscriber: String,
    /// The event's id.
    pub event_id: Uuid,
    /// When it is attempted (the relay's next pass).
    pub due_at: chrono::DateTime<chrono::Utc>,
}

impl From<PendingRetry> for ReplayResponse {
    fn from(retry: PendingRetry) -> Self {
        Self {
            subscriber: retry.subscriber,
            event_id: retry.event.id.as_uuid(),
            due_at: retry.due_at,
        }
    }
}

#[derive(ApiResponse)]
enum Replayed {
    /// The event waits for the relay's next pass; the dead letter is gone.
    #[oai(status = 202)]
    Accepted(Json<ReplayResponse>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Operations")]
impl DeliveryApi {
    /// The dead letters, oldest first (admins only).
    #[oai(path = "/admin/dead-letters", method = "get", operation_id = "listDeadLetters")]
    async fn list(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Page size, 1–100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_after`.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<Json<DeadLetterPage>> {
        let page = PageRequest::new(after.0, limit.0)?;
        let found = state.relay.dead_letters(&auth.0, page).await?;
        Ok(Json(DeadLetterPage {
            items: found.items.into_iter().map(Into::into).collect(),
            next_after: found.next_after,
        }))
    }

    /// Deliver a dead letter again: it becomes a pending retry, due now, with its
    /// attempts reset (admins only).
    #[oai(
        path = "/admin/dead-letters/:id/replay",
        method = "post",
        operation_id = "replayDeadLetter"
    )]
    async fn replay(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Replayed> {
        let retry = state.relay.replay(&auth.0, id.0).await?;
        Ok(Replayed::Accepted(Json(retry.into())))
    }
}
