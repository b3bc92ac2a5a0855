#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod backend;
mod batches;
pub mod coalesce;
pub mod migrations;
pub mod ports;
pub mod row;
pub mod statement;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use backend::{Backend, EnrollmentKey};
pub use store::{SqlBackup, SqlStore};

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use lms_core::domain::course::Course;
use lms_core::domain::enrollment::Enrollment;
use lms_core::domain::events::DomainEvent;
use lms_core::domain::user::User;
use lms_core::ids::UserId;
use lms_core::ports::{OutboxMessage, PageRequest, RefreshToken, RefreshTokenState, StoreError, StoreResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

/// Serializes a value to the JSON text stored in `doc` and `summary` columns.
pub fn encode<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(StoreError::backend)
}

/// Deserializes a `doc` or `summary` column. A document that does not decode is a
/// backend failure: the database holds something this version cannot read.
pub fn decode<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(StoreError::backend)
}

/// An aggregate version as stored in a signed 64-bit column.
pub fn version_column(version: u64) -> StoreResult<i64> {
    i64::try_from(version).map_err(StoreError::backend)
}

/// A version read back from a signed 64-bit column.
pub fn stored_version(column: i64) -> StoreResult<u64> {
    u64::try_from(column).map_err(StoreError::backend)
}

/// The error for an update that matched no row: the aggregate is missing, or its stored
/// version is not the expected one.
pub fn missed_update(exists: bool) -> StoreError {
    if exists {
        StoreError::VersionConflict
    } else {
        StoreError::NotFound
    }
}

/// The `LIMIT` of a keyset page query: one row more than the page, so that
/// [`lms_core::ports::Page::from_overfetch`] can tell whether another page follows.
pub fn overfetch_limit(page: PageRequest) -> i64 {
    i64::from(page.limit) + 1
}

/// The distinct UUIDs of some ids, sorted, so a batch lookup sends each id once.
pub fn distinct_uuids<I: IntoIterator<Item = Uuid>>(ids: I) -> Vec<Uuid> {
    ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

/// An outbox sequence as a bound on the stored (signed 64-bit) column: one beyond its
/// range compares as the largest.
pub fn sequence_bound(sequence: u64) -> i64 {
    i64::try_from(sequence).unwrap_or(i64::MAX)
}

/// An outbox message from its stored sequence and document.
pub fn outbox_message(sequence: i64, doc: &str) -> StoreResult<OutboxMessage> {
    Ok(OutboxMessage {
        sequence: u64::try_from(sequence).map_err(StoreError::backend)?,
        event: decode(doc)?,
    })
}

/// The columns of a `users` row.
#[derive(Debug)]
pub struct UserRow<'a> {
    /// Primary key.
    pub id: Uuid,
    /// Normalized email, unique.
    pub email: &'a str,
    /// Optimistic version.
    pub version: i64,
    /// The whole user as JSON.
    pub doc: String,
}

impl<'a> UserRow<'a> {
    /// The row of a user.
    pub fn new(user: &'a User) -> StoreResult<Self> {
        Ok(Self {
            id: user.id.as_uuid(),
            email: user.email.as_str(),
            version: version_column(user.version)?,
            doc: encode(user)?,
        })
    }
}

/// The columns of a `courses` row and its `course_lessons` rows.
#[derive(Debug)]
pub struct CourseRow {
    /// Primary key.
    pub id: Uuid,
    /// The owner, filtered on.
    pub owner_id: Uuid,
    /// Lifecycle state name, filtered on.
    pub status: &'static str,
    /// Normalized category, compared for equality.
    pub category_key: String,
    /// Normalized title and description, searched by substring.
    pub search_text: String,
    /// Optimistic version.
    pub version: i64,
    /// The listing view ([`Course::summary`]) as JSON, so listings never load lessons.
    pub summary: String,
    /// The whole course as JSON.
    pub doc: String,
    /// The ids of the course's lessons, each once, for `course_lessons`.
    pub lesson_ids: Vec<Uuid>,
}

impl CourseRow {
    /// The row of a course.
    pub fn new(course: &Course) -> StoreResult<Self> {
        let keys = course.search_keys();
        Ok(Self {
            id: course.id.as_uuid(),
            owner_id: course.owner_id.as_uuid(),
            status: course.status().as_str(),
            category_key: keys.category,
            search_text: keys.text,
            version: version_column(course.version())?,
            summary: encode(&course.summary())?,
            doc: encode(course)?,
            lesson_ids: distinct_uuids(course.lessons.iter().map(|l| l.id.as_uuid())),
        })
    }
}

/// The columns of an `enrollments` row.
#[derive(Debug)]
pub struct EnrollmentRow {
    /// Primary key.
    pub id: Uuid,
    /// The learner; unique together with `course_id`.
    pub user_id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// The certificate, once issued, looked up for verification.
    pub certificate_id: Option<Uuid>,
    /// Optimistic version.
    pub version: i64,
    /// The whole enrollment with its progress as JSON.
    pub doc: String,
}

impl EnrollmentRow {
    /// The row of an enrollment.
    pub fn new(enrollment: &Enrollment) -> StoreResult<Self> {
        Ok(Self {
            id: enrollment.id().as_uuid(),
            user_id: enrollment.user_id().as_uuid(),
            course_id: enrollment.course_id().as_uuid(),
            certificate_id: enrollment.certificate().as_ref().map(|c| c.id.as_uuid()),
            version: version_column(enrollment.version())?,
            doc: encode(enrollment)?,
        })
    }
}

/// An enrollment row to write if the stored version is `expected_version`, with the
/// events the write appends to the outbox if it succeeds.
#[derive(Debug)]
pub struct VersionedEnrollment {
    /// The new row.
    pub row: EnrollmentRow,
    /// The version the row must have.
    pub expected_version: i64,
    /// The write's events.
    pub events: Vec<DomainEvent>,
}

/// The enrollments of a batched update round (indexes into `updates`) that its statement
/// did not update: each is missing or was written by someone else, which only a lookup
/// of their ids can tell.
pub fn missed_ids(updates: &[VersionedEnrollment], round: &[usize], updated: &HashSet<Uuid>) -> Vec<Uuid> {
    round
        .iter()
        .map(|&i| updates[i].row.id)
        .filter(|id| !updated.contains(id))
        .collect()
}

/// Records the outcome of each update of a batched round: done if its statement updated
/// it, else a version conflict if the enrollment exists (`existing`) and not found if not.
pub fn record_round(
    outcomes: &mut [StoreResult<()>],
    updates: &[VersionedEnrollment],
    round: &[usize],
    updated: &HashSet<Uuid>,
    existing: &HashSet<Uuid>,
) {
    for &i in round {
        let id = updates[i].row.id;
        outcomes[i] = if updated.contains(&id) {
            Ok(())
        } else {
            Err(missed_update(existing.contains(&id)))
        };
    }
}

/// The columns of an `outbox` row (the sequence is assigned by the database).
#[derive(Debug)]
pub struct EventRow {
    /// The event's id.
    pub event_id: Uuid,
    /// The event type (`payload.event_type()`), for inspection and filtering.
    pub event_type: &'static str,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The whole event as JSON.
    pub doc: String,
}

impl EventRow {
    /// The rows of some events, in order.
    pub fn all(events: &[DomainEvent]) -> StoreResult<Vec<Self>> {
        events
            .iter()
            .map(|event| {
                Ok(Self {
                    event_id: event.id.as_uuid(),
                    event_type: event.payload.event_type(),
                    occurred_at: event.occurred_at,
                    doc: encode(event)?,
                })
            })
            .collect()
    }
}

/// The stored name of a refresh-token state.
pub fn token_state_name(state: RefreshTokenState) -> &'static str {
    match state {
        RefreshTokenState::Active => "active",
        RefreshTokenState::Rotated => "rotated",
        RefreshTokenState::Revoked => "revoked",
    }
}

/// The columns of a `refresh_tokens` row, in table order: token hash, family id, user id,
/// issue time, expiry, state name.
pub type RefreshTokenColumns = (String, Uuid, Uuid, DateTime<Utc>, DateTime<Utc>, String);

/// The row of a refresh token.
pub fn refresh_token_columns(token: &RefreshToken) -> RefreshTokenColumns {
    (
        token.token_hash.clone(),
        token.family_id,
        token.user_id.as_uuid(),
        token.issued_at,
        token.expires_at,
        token_state_name(token.state).to_owned(),
    )
}

/// A refresh token from its row.
pub fn refresh_token_from(columns: RefreshTokenColumns) -> StoreResult<RefreshToken> {
    let (token_hash, family_id, user_id, issued_at, expires_at, state) = columns;
    let state = [
        RefreshTokenState::Active,
        RefreshTokenState::Rotated,
        RefreshTokenState::Revoked,
    ]
    .into_iter()
    .find(|s| token_state_name(*s) == state)
    .ok_or_else(|| StoreError::backend(format!("unknown refresh token state {state:?}")))?;
    Ok(RefreshToken {
        token_hash,
        family_id,
        user_id: UserId::from_uuid(user_id),
        issued_at,
        expires_at,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lms_core::domain::enrollment::EnrollmentSource;

    #[test]
    fn missed_updates_tell_conflicts_from_missing_rows() {
        assert!(matches!(missed_update(true), StoreError::VersionConflict));
        assert!(matches!(missed_update(false), StoreError::NotFound));
    }

    #[test]
    fn versions_beyond_the_column_range_are_rejected() {
        assert_eq!(version_column(7).unwrap(), 7);
        assert!(matches!(version_column(u64::MAX), Err(StoreError::Backend(_))));
    }

    #[test]
    fn sequences_beyond_the_column_range_bound_as_the_largest() {
        assert_eq!(sequence_bound(7), 7);
        assert_eq!(sequence_bound(u64::MAX), i64::MAX);
    }

    #[test]
    fn batch_ids_are_distinct_and_sorted() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(distinct_uuids([b, a, b]), vec![a, b]);
    }

    #[test]
    fn refresh_tokens_round_trip_through_their_columns() {
        let now = Utc::now();
        for state in [
            RefreshTokenState::Active,
            RefreshTokenState::Rotated,
            RefreshTokenState::Revoked,
        ] {
            let token = RefreshToken {
                token_hash: "ab12".into(),
                family_id: Uuid::now_v7(),
                user_id: UserId::new(),
                issued_at: now,
                expires_at: now,
                state,
            };
            assert_eq!(refresh_token_from(refresh_token_columns(&token)).unwrap(), token);
        }
        let mut columns = refresh_token_columns(&RefreshToken {
            token_hash: "cd34".into(),
            family_id: Uuid::now_v7(),
            user_id: UserId::new(),
            issued_at: now,
            expires_at: now,
            state: RefreshTokenState::Active,
        });
        columns.5 = "stolen".into();
        assert!(matches!(refresh_token_from(columns), Err(StoreError::Backend(_))));
    }

    #[test]
    fn a_round_tells_done_conflicting_and_missing_updates_apart() {
        // Only the ids and expected versions matter to a round's bookkeeping.
        let enrollment = || {
            let e = Enrollment::new(
                UserId::new(),
                lms_core::ids::CourseId::new(),
                EnrollmentSource::Free,
                Utc::now(),
            );
            VersionedEnrollment {
                row: EnrollmentRow::new(&e).unwrap(),
                expected_version: 1,
                events: Vec::new(),
            }
        };
        let updates = vec![enrollment(), enrollment(), enrollment()];
        let ids: Vec<Uuid> = updates.iter().map(|u| u.row.id).collect();
        let updated = HashSet::from([ids[0]]);
        let round = [0, 1, 2];
        assert_eq!(missed_ids(&updates, &round, &updated), vec![ids[1], ids[2]]);
        let mut outcomes: Vec<StoreResult<()>> = (0..3).map(|_| Err(StoreError::backend("unset"))).collect();
        record_round(&mut outcomes, &updates, &round, &updated, &HashSet::from([ids[1]]));
        assert!(outcomes[0].is_ok());
        assert!(matches!(outcomes[1], Err(StoreError::VersionConflict)));
        assert!(matches!(outcomes[2], Err(StoreError::NotFound)));
    }

    #[test]
    fn undecodable_documents_are_backend_failures() {
        assert!(matches!(decode::<User>("{}"), Err(StoreError::Backend(_))));
        assert!(matches!(outbox_message(-1, "{}"), Err(StoreError::Backend(_))));
    }
}
