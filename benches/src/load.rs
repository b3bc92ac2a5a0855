//! The load benchmark's data: learners with live sessions, the access tokens the server
//! accepts for them, and the tally of stored video heartbeats that proves no write was lost.
//!
//! Sessions are opened through the [`AuthStore`](lms_core::ports::AuthStore) port exactly as a
//! login leaves them (one active refresh token per token family) and access tokens are
//! issued by `lms-http`'s own [`TokenService`], so the server checks them like any other.
//! This skips only the argon2 password check, which a benchmark of 100,000 learners cannot
//! afford; a few learners get passwords so the real login path is exercised too.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use lms_core::domain::text::{DisplayName, Email};
use lms_core::domain::user::{Role, User};
use lms_core::ids::{CourseId, LessonId, UserId};
use lms_core::ports::{RefreshToken, RefreshTokenState, StoreError, Stores};
use lms_http::tokens::TokenService;
use uuid::Uuid;

use crate::dataset::{CompletionSample, Sample};

/// Lifetime of the access tokens the benchmark mints: the server's default.
pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// One enrollment of a learner with a live session: a line of the sessions file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LearnerSession {
    /// The learner.
    pub user_id: UserId,
    /// The session (refresh-token family) the learner's access tokens belong to.
    pub family_id: Uuid,
    /// A course the learner is enrolled in.
    pub course_id: CourseId,
    /// That course's first lesson, a video.
    pub video_lesson_id: LessonId,
}

impl fmt::Display for LearnerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}",
            self.user_id, self.family_id, self.course_id, self.video_lesson_id
        )
    }
}

/// Why a line of a sessions file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSessionError(String);

impl fmt::Display for ParseSessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid sessions line {:?}", self.0)
    }
}

impl std::error::Error for ParseSessionError {}

impl FromStr for LearnerSession {
    type Err = ParseSessionError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let err = || ParseSessionError(line.to_owned());
        let fields: Vec<&str> = line.split('\t').collect();
        let [user, family, course, lesson] = fields.as_slice() else {
            return Err(err());
        };
        Ok(Self {
            user_id: user.parse().map_err(|_| err())?,
            family_id: family.parse().map_err(|_| err())?,
            course_id: course.parse().map_err(|_| err())?,
            video_lesson_id: lesson.parse().map_err(|_| err())?,
        })
    }
}

/// A learner's fresh enrollment in a course of text lessons, with the session to complete
/// its lessons in: a line of the completions file, `USER\tFAMILY\tCOURSE\tLESSON,LESSON,…`
/// (the lessons in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionSession {
    /// The learner.
    pub user_id: UserId,
    /// The learner's session.
    pub family_id: Uuid,
    /// The course of text lessons.
    pub course_id: CourseId,
    /// Its lessons, in the order they unlock.
    pub lesson_ids: Vec<LessonId>,
}

impl fmt::Display for CompletionSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\t{}\t{}\t", self.user_id, self.family_id, self.course_id)?;
        for (i, lesson) in self.lesson_ids.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{lesson}")?;
        }
        Ok(())
    }
}

impl FromStr for CompletionSession {
    type Err = ParseSessionError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let err = || ParseSessionError(line.to_owned());
        let fields: Vec<&str> = line.split('\t').collect();
        let [user, family, course, lessons] = fields.as_slice() else {
            return Err(err());
        };
        let lesson_ids = lessons
            .split(',')
            .map(|l| l.parse().map_err(|_| err()))
            .collect::<Result<Vec<LessonId>, _>>()?;
        Ok(Self {
            user_id: user.parse().map_err(|_| err())?,
            family_id: family.parse().map_err(|_| err())?,
            course_id: course.parse().map_err(|_| err())?,
            lesson_ids,
        })
    }
}

/// Pairs each completion enrollment with its learner's session (from `sessions`, the
/// learners' other enrollments). Fails on a learner without one.
pub fn completion_sessions(
    samples: &[CompletionSample],
    sessions: &[LearnerSession],
) -> Result<Vec<CompletionSession>, String> {
    let families: HashMap<UserId, Uuid> = sessions.iter().map(|s| (s.user_id, s.family_id)).collect();
    samples
        .iter()
        .map(|c| {
            let family_id = *families
                .get(&c.user_id)
                .ok_or_else(|| format!("learner {} has no session", c.user_id))?;
            Ok(CompletionSession {
                user_id: c.user_id,
                family_id,
                course_id: c.course_id,
                lesson_ids: c.lesson_ids.clone(),
            })
        })
        .collect()
}

/// Reads a completions file (one [`CompletionSession`] a line).
pub fn parse_completions(text: &str) -> Result<Vec<CompletionSession>, ParseSessionError> {
    text.lines().filter(|l| !l.is_empty()).map(str::parse).collect()
}

/// Reads a sessions file (one [`LearnerSession`] a line).
pub fn parse_sessions(text: &str) -> Result<Vec<LearnerSession>, ParseSessionError> {
    text.lines().filter(|l| !l.is_empty()).map(str::parse).collect()
}

/// A random refresh-token hash: the store keeps only hashes, and no client ever presents
/// these tokens.
fn random_token_hash(rng: &mut fastrand::Rng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.u64(..))).collect()
}

fn refresh_token(rng: &mut fastrand::Rng, user_id: UserId, now: DateTime<Utc>) -> RefreshToken {
    RefreshToken {
        token_hash: random_token_hash(rng),
        family_id: Uuid::now_v7(),
        user_id,
        issued_at: now,
        expires_at: now + chrono::Duration::days(7),
        state: RefreshTokenState::Active,
    }
}

/// Opens a session of `user_id`, as a login would, and returns its family.
pub async fn open_session(stores: &Stores, user_id: UserId, now: DateTime<Utc>) -> Result<Uuid, StoreError> {
    let token = refresh_token(&mut fastrand::Rng::new(), user_id, now);
    stores.auth.insert_refresh_token(&token).await?;
    Ok(token.family_id)
}

/// Opens one session per distinct learner of `samples` (as a login would: one active refresh
/// token in a new family) and returns every sample with its learner's session.
pub async fn open_sessions(
    stores: &Stores,
    samples: &[Sample],
    now: DateTime<Utc>,
    concurrency: usize,
) -> Result<Vec<LearnerSession>, StoreError> {
    let mut families: HashMap<UserId, Uuid> = HashMap::new();
    let mut rng = fastrand::Rng::new();
    let mut tokens = Vec::new();
    for sample in samples {
        families.entry(sample.user_id).or_insert_with(|| {
            let token = refresh_token(&mut rng, sample.user_id, now);
            let family_id = token.family_id;
            tokens.push(token);
            family_id
        });
    }
    stream::iter(tokens.iter().map(Ok))
        .try_for_each_concurrent(concurrency, |token| async move {
            stores.auth.insert_refresh_token(token).await
        })
        .await?;
    Ok(samples
        .iter()
        .map(|s| LearnerSession {
            user_id: s.user_id,
            family_id: families[&s.user_id],
            course_id: s.course_id,
            video_lesson_id: s.video_lesson_id,
        })
        .collect())
}

/// Issues access tokens with the server's own token service, so they carry exactly the
/// claims and signature the server expects for a student of that session.
#[derive(Debug)]
pub struct Minter {
    tokens: TokenService,
}

impl Minter {
    /// A minter signing with the server's `LMS_JWT_SECRET`.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            tokens: TokenService::new(&[secret], ACCESS_TOKEN_TTL, Duration::ZERO),
        }
    }

    /// A 15-minute access token for the learner of `session`.
    pub fn mint(&self, session: &LearnerSession) -> String {
        self.mint_as(session.user_id, session.family_id, Role::Student)
    }

    /// A 15-minute access token of session `family_id` of `user_id`, with `role`.
    pub fn mint_as(&self, user_id: UserId, family_id: Uuid, role: Role) -> String {
        let now = Utc::now();
        let subject = User {
            id: user_id,
            email: Email::parse("learner@bench.example.com").expect("constant email is valid"),
            display_name: DisplayName::parse("Bench learner").expect("constant name is valid"),
            role,
            premium: false,
            created_at: now,
            updated_at: now,
            version: 1,
            sealed: None,
        };
        self.tokens
            .issue(&subject, family_id)
            .expect("HS256 signing with an in-memory key cannot fail")
    }
}

/// What the store holds for the video lessons of a set of enrollments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VideoTally {
    /// Heartbeats recorded, summed over the enrollments.
    pub heartbeats: u64,
    /// Playback recorded (replays included), summed, in milliseconds.
    pub watch_time_ms: u64,
}

/// Sums the stored heartbeats and watch time of each session's video lesson. Sessions
/// sharing an enrollment are counted once.
pub async fn video_tally(
    stores: &Stores,
    sessions: &[LearnerSession],
    concurrency: usize,
) -> Result<VideoTally, StoreError> {
    let mut seen = std::collections::HashSet::new();
    let distinct: Vec<&LearnerSession> = sessions
        .iter()
        .filter(|s| seen.insert((s.user_id, s.course_id)))
        .collect();
    let parts: Vec<VideoTally> = stream::iter(distinct)
        .map(|s| async move {
            let enrollment = stores.enrollments.find_enrollment(s.user_id, s.course_id).await?;
            let video = enrollment
                .as_ref()
                .and_then(|e| e.lessons().get(&s.video_lesson_id))
                .and_then(|p| p.video.as_ref());
            Ok::<_, StoreError>(video.map_or(VideoTally::default(), |v| VideoTally {
                heartbeats: u64::from(v.heartbeats),
                watch_time_ms: v.watch_time_ms,
            }))
        })
        .buffer_unordered(concurrency)
        .try_collect()
        .await?;
    Ok(parts.into_iter().fold(VideoTally::default(), |a, b| VideoTally {
        heartbeats: a.heartbeats + b.heartbeats,
        watch_time_ms: a.watch_time_ms + b.watch_time_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{seed, Spec};
    use lms_core::domain::video::WatchInterval;
    use lms_core::memory::MemoryStore;
    use lms_core::Lms;
    use std::sync::Arc;

    fn tiny() -> Spec {
        Spec {
            courses: 3,
            lessons_per_course: 3,
            enrollments: 10,
            enrollments_per_learner: 2,
        }
    }

    #[tokio::test]
    async fn minted_tokens_authenticate_against_live_sessions_and_heartbeats_are_tallied() {
        let stores = Stores::from_backend(Arc::new(MemoryStore::new()));
        let data = seed(&stores, tiny(), 1).await.unwrap();
        let sessions = open_sessions(&stores, &data.samples, Utc::now(), 4).await.unwrap();
        assert_eq!(sessions.len(), 10);
        let lms = Lms::with_system_clock(stores.clone());
        let server = TokenService::new(&[b"bench-secret"], ACCESS_TOKEN_TTL, Duration::ZERO);
        let minter = Minter::new(b"bench-secret");
        let before = video_tally(&stores, &sessions, 4).await.unwrap();

        for session in &sessions {
            let actor = server.authenticate(&lms, &minter.mint(session)).await.unwrap();
            assert_eq!((actor.user_id, actor.role), (session.user_id, Role::Student));
            lms.learning
                .record_video_progress(
                    &actor,
                    session.video_lesson_id,
                    vec![WatchInterval::from_seconds(0.0, 5.0).unwrap()],
                    None,
                )
                .await
                .unwrap();
        }
        let after = video_tally(&stores, &sessions, 4).await.unwrap();
        assert_eq!(after.heartbeats - before.heartbeats, 10);
        assert_eq!(after.watch_time_ms - before.watch_time_ms, 50_000);

        let other = Minter::new(b"another-secret");
        assert!(server.authenticate(&lms, &other.mint(&sessions[0])).await.is_err());
        stores
            .auth
            .revoke_token_family(sessions[0].family_id, Utc::now())
            .await
            .unwrap();
        assert!(server.authenticate(&lms, &minter.mint(&sessions[0])).await.is_err());
    }

    #[tokio::test]
    async fn completion_enrollments_complete_lesson_by_lesson_and_admins_are_admins() {
        let stores = Stores::from_backend(Arc::new(MemoryStore::new()));
        let data = seed(&stores, tiny(), 1).await.unwrap();
        let sessions = open_sessions(&stores, &data.samples, Utc::now(), 4).await.unwrap();
        let learners = data.learners();
        assert_eq!(learners.len(), 5);
        let samples = crate::dataset::seed_completions(&stores, data.instructor, &learners, 2, 4, 2)
            .await
            .unwrap();
        let completions = completion_sessions(&samples, &sessions).unwrap();
        assert_eq!(completions.len(), 5);
        let text: String = completions.iter().map(|c| format!("{c}\n")).collect();
        assert_eq!(parse_completions(&text).unwrap(), completions);

        let lms = Lms::with_system_clock(stores.clone());
        let server = TokenService::new(&[b"bench-secret"], ACCESS_TOKEN_TTL, Duration::ZERO);
        let minter = Minter::new(b"bench-secret");
        for c in &completions {
            let token = minter.mint_as(c.user_id, c.family_id, Role::Student);
            let actor = server.authenticate(&lms, &token).await.unwrap();
            assert_eq!(c.lesson_ids.len(), 4);
            let locked = lms.learning.complete_lesson(&actor, c.lesson_ids[1], None).await;
            assert!(locked.is_err(), "lessons unlock in order");
            for (i, lesson) in c.lesson_ids.iter().enumerate() {
                let update = lms.learning.complete_lesson(&actor, *lesson, None).await.unwrap();
                assert!(update.lesson_completed);
                assert_eq!(update.course_completed, i == 3);
            }
        }

        let admin = crate::dataset::seed_admin(&stores).await.unwrap();
        let family = open_session(&stores, admin, Utc::now()).await.unwrap();
        let actor = server
            .authenticate(&lms, &minter.mint_as(admin, family, Role::Admin))
            .await
            .unwrap();
        assert_eq!((actor.user_id, actor.role), (admin, Role::Admin));
    }

    #[test]
    fn sessions_lines_round_trip() {
        let session = LearnerSession {
            user_id: UserId::new(),
            family_id: Uuid::now_v7(),
            course_id: CourseId::new(),
            video_lesson_id: LessonId::new(),
        };
        let text = format!("{session}\n{session}\n");
        assert_eq!(parse_sessions(&text).unwrap(), vec![session, session]);
        assert!(parse_sessions("not\ta\tsession").is_err());
    }
}
