//! The in-memory adapter: every port over plain collections behind one lock. It is the
//! reference implementation of the storage contract, useful to embedders and tests.

mod backup;
mod records;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::course::{Course, CourseSummary};
use crate::domain::enrollment::Enrollment;
use crate::domain::events::DomainEvent;
use crate::domain::text::Email;
use crate::domain::user::User;
use crate::ids::{CertificateId, CourseId, EnrollmentId, LessonId, UserId};
use crate::ports::{
    AuthStore, CourseFilter, CourseStore, DataDump, EnrollmentStore, ErasureStore, OutboxMessage, OutboxStore, Page,
    PageRequest, RefreshToken, RefreshTokenState, StoreError, StoreHealth, StoreResult, UniqueKey, UserStore,
};

#[derive(Debug, Default)]
struct State {
    users: BTreeMap<UserId, User>,
    user_by_email: HashMap<String, UserId>,
    courses: BTreeMap<CourseId, Course>,
    course_by_lesson: HashMap<LessonId, CourseId>,
    records: records::RecordTables,
    enrollments: BTreeMap<EnrollmentId, Enrollment>,
    enrollment_by_user_course: HashMap<(UserId, CourseId), EnrollmentId>,
    enrollments_by_user: BTreeSet<(UserId, EnrollmentId)>,
    enrollments_by_course: BTreeSet<(CourseId, EnrollmentId)>,
    enrollment_by_certificate: HashMap<CertificateId, EnrollmentId>,
    outbox: BTreeMap<u64, DomainEvent>,
    next_sequence: u64,
    password_hashes: HashMap<UserId, String>,
    refresh_tokens: HashMap<String, RefreshToken>,
    /// Revocation time and family of every token revoked: the revocation feed's index.
    revocations: BTreeSet<(DateTime<Utc>, Uuid)>,
    /// When each revoked token was revoked, by token hash.
    revoked_at: HashMap<String, DateTime<Utc>>,
}

impl State {
    /// Stores a new enrollment with its lookups; refuses a taken id or a second
    /// enrollment of the same learner in the same course.
    fn add_enrollment(&mut self, enrollment: Enrollment) -> StoreResult<()> {
        if self.enrollments.contains_key(&enrollment.id()) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        let key = (enrollment.user_id(), enrollment.course_id());
        if self.enrollment_by_user_course.contains_key(&key) {
            return Err(StoreError::Duplicate(UniqueKey::UserCourse));
        }
        self.enrollment_by_user_course.insert(key, enrollment.id());
        self.enrollments_by_user.insert((enrollment.user_id(), enrollment.id()));
        self.enrollments_by_course
            .insert((enrollment.course_id(), enrollment.id()));
        if let Some(certificate) = enrollment.certificate() {
            self.enrollment_by_certificate.insert(certificate.id, enrollment.id());
        }
        self.enrollments.insert(enrollment.id(), enrollment);
        Ok(())
    }

    fn append(&mut self, events: &[DomainEvent]) {
        for event in events {
            self.next_sequence += 1;
            self.outbox.insert(self.next_sequence, event.clone());
        }
    }
}

/// Checks the optimistic version of a stored aggregate.
fn check_version(stored: Option<u64>, expected: u64) -> StoreResult<()> {
    match stored {
        None => Err(StoreError::NotFound),
        Some(v) if v != expected => Err(StoreError::VersionConflict),
        Some(_) => Ok(()),
    }
}

/// Up to `page.limit` values after `page.after`, from an id-ordered map.
fn page_of<K: Ord + Copy, V: Clone>(
    map: &BTreeMap<K, V>,
    page: PageRequest,
    key: impl Fn(Uuid) -> K,
    id: impl Fn(&V) -> Uuid,
    keep: impl Fn(&V) -> bool,
) -> Page<V> {
    let start = page.after.map_or(Bound::Unbounded, |a| Bound::Excluded(key(a)));
    let items = map
        .range((start, Bound::Unbounded))
        .map(|(_, v)| v)
        .filter(|v| keep(v))
        .take(page.limit as usize + 1)
        .cloned()
        .collect();
    Page::from_overfetch(items, page.limit, id)
}

/// Storage in process memory. Cloning is not supported; share it in an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied write: every write
        // checks first and mutates last, so the data stays consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn enrollments_in(&self, index: impl Fn(&State) -> Vec<EnrollmentId>) -> Vec<Enrollment> {
        let state = self.state();
        index(&state)
            .iter()
            .filter_map(|id| state.enrollments.get(id).cloned())
            .collect()
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn insert_user(&self, user: &User, password_hash: Option<&str>, events: &[DomainEvent]) -> StoreResult<()> {
        let mut state = self.state();
        if state.users.contains_key(&user.id) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        if state.user_by_email.contains_key(user.email.as_str()) {
            return Err(StoreError::Duplicate(UniqueKey::UserEmail));
        }
        state.user_by_email.insert(user.email.as_str().to_owned(), user.id);
        state.users.insert(user.id, user.clone());
        if let Some(hash) = password_hash {
            state.password_hashes.insert(user.id, hash.to_owned());
        }
        state.append(events);
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        Ok(self.state().users.get(&id).cloned())
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        let state = self.state();
        Ok(state
            .user_by_email
            .get(email.as_str())
            .and_then(|id| state.users.get(id))
            .cloned())
    }

    async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let mut state = self.state();
        let old_email = state.users.get(&user.id).map(|u| u.email.clone());
        check_version(state.users.get(&user.id).map(|u| u.version), expected_version)?;
        if state
            .user_by_email
            .get(user.email.as_str())
            .is_some_and(|&owner| owner != user.id)
        {
            return Err(StoreError::Duplicate(UniqueKey::UserEmail));
        }
        if let Some(old) = old_email {
            state.user_by_email.remove(old.as_str());
        }
        state.user_by_email.insert(user.email.as_str().to_owned(), user.id);
        state.users.insert(user.id, user.clone());
        state.append(events);
        Ok(())
    }

    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        Ok(page_of(
            &self.state().users,
            page,
            UserId::from_uuid,
            |u| u.id.as_uuid(),
            |_| true,
        ))
    }
}

#[async_trait]
impl CourseStore for MemoryStore {
    async fn insert_course(&self, course: &Course, events: &[DomainEvent]) -> StoreResult<()> {
        let mut state = self.state();
        if state.courses.contains_key(&course.id) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        for lesson in &course.lessons {
            state.course_by_lesson.insert(lesson.id, course.id);
        }
        state.courses.insert(course.id, course.clone());
        state.append(events);
        Ok(())
    }

    async fn get_course(&self, id: CourseId) -> StoreResult<Option<Arc<Course>>> {
        Ok(self.state().courses.get(&id).cloned().map(Arc::new))
    }

    async fn get_courses(&self, ids: &[CourseId]) -> StoreResult<Vec<Arc<Course>>> {
        let state = self.state();
        let unique: BTreeSet<&CourseId> = ids.iter().collect();
        Ok(unique
            .into_iter()
            .filter_map(|id| state.courses.get(id).cloned().map(Arc::new))
            .collect())
    }

    async fn find_course_by_lesson(&self, lesson_id: LessonId) -> StoreResult<Option<Arc<Course>>> {
        let state = self.state();
        Ok(state
            .course_by_lesson
            .get(&lesson_id)
            .and_then(|id| state.courses.get(id))
            .cloned()
            .map(Arc::new))
    }

    async fn update_course(&self, course: &Course, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let mut state = self.state();
        let old = state.courses.get(&course.id);
        check_version(old.map(|c| c.version()), expected_version)?;
        let removed: Vec<LessonId> = old
            .into_iter()
            .flat_map(|c| c.lessons.iter().map(|l| l.id))
            .filter(|id| course.lesson(*id).is_none())
            .collect();
        for id in removed {
            // A lesson id another course has taken since stays with that course.
            if state.course_by_lesson.get(&id) == Some(&course.id) {
                state.course_by_lesson.remove(&id);
            }
        }
        for lesson in &course.lessons {
            state.course_by_lesson.insert(lesson.id, course.id);
        }
        state.courses.insert(course.id, course.clone());
        state.append(events);
        Ok(())
    }

    async fn list_courses(&self, filter: &CourseFilter, page: PageRequest) -> StoreResult<Page<CourseSummary>> {
        let state = self.state();
        let page = page_of(
            &state.courses,
            page,
            CourseId::from_uuid,
            |c| c.id.as_uuid(),
            |c| filter.matches(c),
        );
        Ok(page.map(|c| c.summary()))
    }
}

#[async_trait]
impl EnrollmentStore for MemoryStore {
    async fn insert_enrollment(&self, enrollment: &Enrollment, events: &[DomainEvent]) -> StoreResult<()> {
        let mut state = self.state();
        state.add_enrollment(enrollment.clone())?;
        state.append(events);
        Ok(())
    }

    async fn get_enrollment(&self, id: EnrollmentId) -> StoreResult<Option<Enrollment>> {
        Ok(self.state().enrollments.get(&id).cloned())
    }

    async fn find_enrollment(&self, user_id: UserId, course_id: CourseId) -> StoreResult<Option<Enrollment>> {
        let state = self.state();
        Ok(state
            .enrollment_by_user_course
            .get(&(user_id, course_id))
            .and_then(|id| state.enrollments.get(id))
            .cloned())
    }

    async fn find_enrollments(&self, user_id: UserId, course_ids: &[CourseId]) -> StoreResult<Vec<Enrollment>> {
        let unique: BTreeSet<&CourseId> = course_ids.iter().collect();
        Ok(self.enrollments_in(|state| {
            unique
                .iter()
                .filter_map(|&&course_id| state.enrollment_by_user_course.get(&(user_id, course_id)).copied())
                .collect()
        }))
    }

    async fn find_enrollment_by_certificate(&self, id: CertificateId) -> StoreResult<Option<Enrollment>> {
        let state = self.state();
        Ok(state
            .enrollment_by_certificate
            .get(&id)
            .and_then(|e| state.enrollments.get(e))
            .cloned())
    }

    async fn update_enrollment(
        &self,
        enrollment: &Enrollment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut state = self.state();
        let old = state.enrollments.get(&enrollment.id());
        check_version(old.map(|e| e.version()), expected_version)?;
        let old_certificate = old.and_then(|e| e.certificate()).map(|c| c.id);
        if let Some(id) = old_certificate {
            state.enrollment_by_certificate.remove(&id);
        }
        if let Some(certificate) = enrollment.certificate() {
            state.enrollment_by_certificate.insert(certificate.id, enrollment.id());
        }
        state.enrollments.insert(enrollment.id(), enrollment.clone());
        state.append(events);
        Ok(())
    }

    async fn list_enrollments_for_user(&self, user_id: UserId, page: PageRequest) -> StoreResult<Page<Enrollment>> {
        let start = page
            .after
            .map_or(Bound::Included((user_id, EnrollmentId::from_uuid(Uuid::nil()))), |a| {
                Bound::Excluded((user_id, EnrollmentId::from_uuid(a)))
            });
        let items = self.enrollments_in(|state| {
            state
                .enrollments_by_user
                .range((start, Bound::Unbounded))
                .take_while(|(u, _)| *u == user_id)
                .take(page.limit as usize + 1)
                .map(|&(_, id)| id)
                .collect()
        });
        Ok(Page::from_overfetch(items, page.limit, |e| e.id().as_uuid()))
    }

    async fn list_enrollments_for_course(
        &self,
        course_id: CourseId,
        page: PageRequest,
    ) -> StoreResult<Page<Enrollment>> {
        let start = page.after.map_or(
            Bound::Included((course_id, EnrollmentId::from_uuid(Uuid::nil()))),
            |a| Bound::Excluded((course_id, EnrollmentId::from_uuid(a))),
        );
        let items = self.enrollments_in(|state| {
            state
                .enrollments_by_course
                .range((start, Bound::Unbounded))
                .take_while(|(c, _)| *c == course_id)
                .take(page.limit as usize + 1)
                .map(|&(_, id)| id)
                .collect()
        });
        Ok(Page::from_overfetch(items, page.limit, |e| e.id().as_uuid()))
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn events_after(&self, after: u64, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        Ok(self
            .state()
            .outbox
            .range(after.saturating_add(1)..)
            .take(limit as usize)
            .map(|(&sequence, event)| OutboxMessage {
                sequence,
                event: event.clone(),
            })
            .collect())
    }

    async fn count_events_after(&self, after: u64) -> StoreResult<u64> {
        Ok(self.state().outbox.range(after.saturating_add(1)..).count() as u64)
    }

    async fn last_sequence(&self) -> StoreResult<u64> {
        Ok(self.state().outbox.keys().next_back().copied().unwrap_or(0))
    }

    async fn purge_events(&self, through: u64, occurred_before: DateTime<Utc>) -> StoreResult<u64> {
        let mut state = self.state();
        let before = state.outbox.len();
        state
            .outbox
            .retain(|&sequence, event| sequence > through || event.occurred_at >= occurred_before);
        Ok((before - state.outbox.len()) as u64)
    }
}

/// Revokes the unrevoked tokens `select` picks at `at`; returns how many were active.
fn revoke_where(state: &mut State, at: DateTime<Utc>, select: impl Fn(&RefreshToken) -> bool) -> u64 {
    let mut active = 0;
    let unrevoked = state
        .refresh_tokens
        .values_mut()
        .filter(|t| t.state != RefreshTokenState::Revoked && select(t));
    for token in unrevoked {
        active += u64::from(token.state == RefreshTokenState::Active);
        token.state = RefreshTokenState::Revoked;
        state.revocations.insert((at, token.family_id));
        state.revoked_at.insert(token.token_hash.clone(), at);
    }
    active
}

#[async_trait]
impl AuthStore for MemoryStore {
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> StoreResult<()> {
        self.state().password_hashes.insert(user_id, hash.to_owned());
        Ok(())
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<String>> {
        Ok(self.state().password_hashes.get(&user_id).cloned())
    }

    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let mut state = self.state();
        if state.refresh_tokens.contains_key(&token.token_hash) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        state.refresh_tokens.insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
        Ok(self.state().refresh_tokens.get(token_hash).cloned())
    }

    async fn rotate_refresh_token(&self, token_hash: &str, next: &RefreshToken) -> StoreResult<()> {
        let mut state = self.state();
        match state.refresh_tokens.get(token_hash).map(|t| t.state) {
            None => return Err(StoreError::NotFound),
            Some(RefreshTokenState::Active) => {}
            Some(_) => return Err(StoreError::VersionConflict),
        }
        if state.refresh_tokens.contains_key(&next.token_hash) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        if let Some(token) = state.refresh_tokens.get_mut(token_hash) {
            token.state = RefreshTokenState::Rotated;
        }
        state.refresh_tokens.insert(next.token_hash.clone(), next.clone());
        Ok(())
    }

    async fn session_active(&self, family_id: Uuid) -> StoreResult<bool> {
        Ok(self
            .state()
            .refresh_tokens
            .values()
            .any(|t| t.family_id == family_id && t.state == RefreshTokenState::Active))
    }

    async fn revoke_token_family(&self, family_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        Ok(revoke_where(&mut self.state(), at, |t| t.family_id == family_id))
    }

    async fn revoke_user_tokens(&self, user_id: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
        Ok(revoke_where(&mut self.state(), at, |t| t.user_id == user_id))
    }

    async fn sessions_ended_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<(Uuid, DateTime<Utc>)>> {
        let mut ended = HashMap::new();
        for (at, family) in self.state().revocations.range((since, Uuid::nil())..) {
            // Ascending times: the last one seen for a family is its latest.
            ended.insert(*family, *at);
        }
        Ok(ended.into_iter().collect())
    }
}

#[async_trait]
impl StoreHealth for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}

#[async_trait]
impl ErasureStore for MemoryStore {
    async fn delete_user_enrollments(&self, user_id: UserId) -> StoreResult<u64> {
        let mut state = self.state();
        let ids: Vec<EnrollmentId> = state
            .enrollments_by_user
            .range((user_id, EnrollmentId::from(Uuid::nil()))..)
            .take_while(|(user, _)| *user == user_id)
            .map(|(_, id)| *id)
            .collect();
        for id in &ids {
            if let Some(enrollment) = state.enrollments.remove(id) {
                state
                    .enrollment_by_user_course
                    .remove(&(user_id, enrollment.course_id()));
                state.enrollments_by_user.remove(&(user_id, *id));
                state.enrollments_by_course.remove(&(enrollment.course_id(), *id));
                if let Some(certificate) = enrollment.certificate() {
                    state.enrollment_by_certificate.remove(&certificate.id);
                }
            }
        }
        Ok(ids.len() as u64)
    }

    async fn delete_owned_records(&self, owner: UserId, keep: &[&str]) -> StoreResult<u64> {
        Ok(self.state().records.remove_owned(owner, keep))
    }

    async fn scrub_deleted_data(&self) -> StoreResult<()> {
        // Removed values are dropped with their collections' entries: nothing to scrub.
        Ok(())
    }
}

#[async_trait]
impl DataDump for MemoryStore {
    async fn dump_all(&self) -> StoreResult<String> {
        let state = self.state();
        let mut out = String::new();
        for user in state.users.values() {
            out.push_str(&format!("users {user:?}\n"));
        }
        for course in state.courses.values() {
            out.push_str(&format!("courses {course:?}\n"));
        }
        for enrollment in state.enrollments.values() {
            out.push_str(&format!("enrollments {enrollment:?}\n"));
        }
        for (sequence, event) in &state.outbox {
            out.push_str(&format!("outbox {sequence} {event:?}\n"));
        }
        for (user, hash) in &state.password_hashes {
            out.push_str(&format!("password_hashes {user} {hash}\n"));
        }
        for token in state.refresh_tokens.values() {
            out.push_str(&format!("refresh_tokens {token:?}\n"));
        }
        state.records.dump(&mut out);
        Ok(out)
    }
}
