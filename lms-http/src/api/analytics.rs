//! Learning analytics and business metrics (A1–A3): course funnels, quiz question
//! statistics, learners' study time, flashcard retention, the platform overview and
//! daily payments, each as JSON or CSV.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use lms_core::analytics::{
    BusinessDay, CourseAnalytics, DayPeriod, DeckAnalytics, FunnelStep, LearnerStudy, Overview, QuestionStats,
};
use lms_core::ids::{CourseId, DeckId, UserId};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, ResponseContent};
use uuid::Uuid;

use super::payments::ReportFormat;
use super::time_bound::TimeBound;
use super::{ApiResult, ApiTags, BearerAuth, State};
use crate::csv_payload::{to_csv, Csv};

/// Analytics endpoints.
#[derive(Debug)]
pub struct AnalyticsApi;

/// A course's enrollments, completion, active learners and drop-off funnel.
#[derive(Debug, Object)]
pub struct CourseAnalyticsResponse {
    /// The course.
    pub course_id: Uuid,
    /// Its title.
    pub title: String,
    /// Enrollments ever created.
    pub enrollments: u64,
    /// Enrollments that completed the course.
    pub completions: u64,
    /// Learners with learning activity (enrolling, a lesson completed, a quiz graded) in
    /// the last 7 days.
    pub active_learners: u64,
    /// Completions out of enrollments, 0–1 (4 decimals); null without enrollments.
    pub completion_rate: Option<f64>,
    /// Median days from enrollment to completion (2 decimals; precise to the hour under 3
    /// days, to the day under a year, to the week beyond); null before the first
    /// completion.
    pub median_days_to_complete: Option<f64>,
    /// Every lesson in course order.
    pub funnel: Vec<FunnelStepResponse>,
}

/// One lesson of the drop-off funnel.
#[derive(Debug, Default, Object, serde::Serialize)]
pub struct FunnelStepResponse {
    /// The course (for CSV rows).
    #[oai(skip)]
    #[serde(rename = "course_id")]
    pub course: Uuid,
    /// The lesson.
    pub lesson_id: Uuid,
    /// Its place in the course, from 0.
    pub position: u32,
    /// Its title.
    pub title: String,
    /// Learners with any activity on it (a completion or a graded quiz attempt).
    pub reached: u64,
    /// Learners who completed it.
    pub completed: u64,
    /// Learners who have not completed the course and whose latest activity was here.
    pub last_activity_here: u64,
    /// Video playback on it by every learner, replays included, in seconds (1 decimal;
    /// 0 for other lessons). Added every `LMS_ANALYTICS_FLUSH_SECONDS`.
    pub watch_seconds: f64,
    /// The part of that playback that replayed spans watched before, in seconds.
    pub replay_seconds: f64,
}

/// One quiz question's statistics.
#[derive(Debug, Default, Object, serde::Serialize)]
pub struct QuestionStatsResponse {
    /// The quiz lesson.
    pub lesson_id: Uuid,
    /// The question.
    pub question_id: Uuid,
    /// Graded attempts that answered it, retries included.
    pub attempts: u64,
    /// Of those, answered right.
    pub correct: u64,
    /// Correct out of attempts, 0–1 (4 decimals): the question's difficulty.
    pub correct_rate: Option<f64>,
    /// The best third of the quiz's attempts' share right minus the worst third's, −1 to
    /// 1 (4 decimals; ties at a third's boundary count pro rata); null under 3 attempts.
    pub discrimination: Option<f64>,
}

/// The platform's learning overview over a period.
#[derive(Debug, Default, Object, serde::Serialize)]
pub struct OverviewResponse {
    /// First day (UTC), included.
    pub from: NaiveDate,
    /// Last day (UTC), included.
    pub to: NaiveDate,
    /// Users who registered in the period.
    pub registrations: u64,
    /// Of those, the ones who have enrolled since.
    pub first_enrollments: u64,
    /// First enrollments out of registrations, 0–1 (4 decimals).
    pub conversion_rate: Option<f64>,
    /// Enrollments created in the period.
    pub enrollments: u64,
    /// Lessons completed in the period.
    pub lesson_completions: u64,
    /// Courses completed in the period.
    pub course_completions: u64,
    /// Quiz attempts graded in the period.
    pub quiz_attempts: u64,
    /// Study time: video playback and flashcard answer time, in seconds (1 decimal).
    pub study_seconds: f64,
    /// Video playback, replays included, in seconds.
    pub watch_seconds: f64,
    /// The part of that playback that replayed spans watched before, in seconds.
    pub replay_seconds: f64,
    /// Flashcard reviews.
    pub reviews: u64,
    /// Flashcard retention: reviews of cards due for recall that passed, out of all such
    /// reviews, 0–1 (4 decimals); null without recalls.
    pub retention: Option<f64>,
    /// Distinct learners with learning activity, and study time, per ISO week (not in
    /// the CSV form).
    #[serde(skip)]
    pub weekly_active_learners: Vec<WeekActivityResponse>,
}

/// One ISO week's active learners and study time.
#[derive(Debug, Object)]
pub struct WeekActivityResponse {
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Learners with learning activity that week.
    pub learners: u64,
    /// Study time that week (days of the period only), in seconds.
    pub study_seconds: f64,
}

/// A learner's study time over a period: video playback and flashcard answer time.
#[derive(Debug, Object)]
pub struct LearnerStudyResponse {
    /// The learner.
    pub user_id: Uuid,
    /// First day (UTC), included.
    pub from: NaiveDate,
    /// Last day (UTC), included.
    pub to: NaiveDate,
    /// Study time over the period, in seconds (1 decimal).
    pub study_seconds: f64,
    /// Each day with any study, in order.
    pub days: Vec<StudyDayResponse>,
    /// Each ISO week with any study, in order.
    pub weeks: Vec<StudyWeekResponse>,
}

/// One day of a learner's study.
#[derive(Debug, Object, serde::Serialize)]
pub struct StudyDayResponse {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Video playback and flashcard answer time, in seconds.
    pub study_seconds: f64,
    /// Video playback, replays included, in seconds.
    pub watch_seconds: f64,
    /// The part of that playback that replayed spans watched before, in seconds.
    pub replay_seconds: f64,
    /// Flashcard reviews.
    pub reviews: u64,
    /// Their answer time, in seconds.
    pub review_seconds: f64,
}

impl Default for StudyDayResponse {
    fn default() -> Self {
        Self {
            date: NaiveDate::MIN,
            study_seconds: 0.0,
            watch_seconds: 0.0,
            replay_seconds: 0.0,
            reviews: 0,
            review_seconds: 0.0,
        }
    }
}

/// One ISO week of a learner's study.
#[derive(Debug, Object)]
pub struct StudyWeekResponse {
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Study time, in seconds.
    pub study_seconds: f64,
}

/// A flashcard deck's reviews by every learner, and its retention.
#[derive(Debug, Default, Object, serde::Serialize)]
pub struct DeckAnalyticsResponse {
    /// The deck.
    pub deck_id: Uuid,
    /// Its title.
    pub title: String,
    /// Reviews.
    pub reviews: u64,
    /// Reviews of cards due for recall (reviewed before, on an earlier day).
    pub recalls: u64,
    /// Of those, the ones that passed.
    pub recalled: u64,
    /// Recalled out of recalls, 0–1 (4 decimals): the retention; null without recalls.
    pub retention: Option<f64>,
    /// The reviews' answer time, in seconds.
    pub review_seconds: f64,
}

/// One day's payments in one currency.
#[derive(Debug, Object, serde::Serialize)]
pub struct BusinessDayResponse {
    /// The day (UTC).
    pub date: NaiveDate,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Orders paid.
    pub orders_paid: u64,
    /// Orders whose payment failed.
    pub orders_failed: u64,
    /// Paid, in minor units.
    pub gross_minor: i64,
    /// Refunded, in minor units.
    pub refunded_minor: i64,
    /// Subscriptions that started paying.
    pub subscriptions_started: u64,
    /// Subscriptions that stopped paying (churn).
    pub subscriptions_ended: u64,
    /// Monthly recurring revenue at the end of the day, in minor units.
    pub mrr_minor: i64,
}

impl Default for BusinessDayResponse {
    fn default() -> Self {
        Self {
            date: NaiveDate::MIN,
            currency: String::new(),
            orders_paid: 0,
            orders_failed: 0,
            gross_minor: 0,
            refunded_minor: 0,
            subscriptions_started: 0,
            subscriptions_ended: 0,
            mrr_minor: 0,
        }
    }
}

/// Declares a JSON-or-CSV body and its 200 response.
macro_rules! json_or_csv {
    ($body:ident, $response:ident, $json:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(ResponseContent)]
        pub enum $body {
            /// `format=json`.
            Json(Json<$json>),
            /// `format=csv`: a header line, then one line per row.
            Csv(Csv),
        }

        #[derive(ApiResponse)]
        enum $response {
            #[doc = $doc]
            #[oai(status = 200)]
            Ok($body),
        }
    };
}

json_or_csv!(
    CourseAnalyticsBody,
    CourseAnalyticsResult,
    CourseAnalyticsResponse,
    "The course's analytics; as CSV, one line per funnel lesson."
);
json_or_csv!(
    QuestionsBody,
    QuestionsResult,
    Vec<QuestionStatsResponse>,
    "Every quiz question of the course, in course order."
);
json_or_csv!(
    OverviewBody,
    OverviewResult,
    OverviewResponse,
    "The overview; as CSV, one line of the period's totals."
);
json_or_csv!(
    LearnerStudyBody,
    LearnerStudyResult,
    LearnerStudyResponse,
    "The learner's study time; as CSV, one line per day with any study."
);
json_or_csv!(
    DeckAnalyticsBody,
    DeckAnalyticsResult,
    DeckAnalyticsResponse,
    "The deck's reviews and retention; as CSV, one line."
);
json_or_csv!(
    BusinessBody,
    BusinessResult,
    Vec<BusinessDayResponse>,
    "A row per day of the period and currency."
);

impl From<FunnelStep> for FunnelStepResponse {
    fn from(s: FunnelStep) -> Self {
        Self {
            course: Uuid::nil(),
            lesson_id: s.lesson_id.as_uuid(),
            position: s.position,
            title: s.title,
            reached: s.reached,
            completed: s.completed,
            last_activity_here: s.last_activity_here,
            watch_seconds: s.watch_seconds,
            replay_seconds: s.replay_seconds,
        }
    }
}

impl From<CourseAnalytics> for CourseAnalyticsResponse {
    fn from(a: CourseAnalytics) -> Self {
        let course = a.course_id.as_uuid();
        Self {
            course_id: course,
            title: a.title,
            enrollments: a.enrollments,
            completions: a.completions,
            active_learners: a.active_learners,
            completion_rate: a.completion_rate,
            median_days_to_complete: a.median_days_to_complete,
            funnel: a
                .funnel
                .into_iter()
                .map(|s| FunnelStepResponse { course, ..s.into() })
                .collect(),
        }
    }
}

impl From<QuestionStats> for QuestionStatsResponse {
    fn from(q: QuestionStats) -> Self {
        Self {
            lesson_id: q.lesson_id.as_uuid(),
            question_id: q.question_id.as_uuid(),
            attempts: q.attempts,
            correct: q.correct,
            correct_rate: q.correct_rate,
            discrimination: q.discrimination,
        }
    }
}

impl From<Overview> for OverviewResponse {
    fn from(o: Overview) -> Self {
        Self {
            from: o.from,
            to: o.to,
            registrations: o.registrations,
            first_enrollments: o.first_enrollments,
            conversion_rate: o.conversion_rate,
            enrollments: o.enrollments,
            lesson_completions: o.lesson_completions,
            course_completions: o.course_completions,
            quiz_attempts: o.quiz_attempts,
            study_seconds: o.study_seconds,
            watch_seconds: o.watch_seconds,
            replay_seconds: o.replay_seconds,
            reviews: o.reviews,
            retention: o.retention,
            weekly_active_learners: o
                .weekly_active_learners
                .into_iter()
                .map(|w| WeekActivityResponse {
                    week_start: w.week_start,
                    learners: w.learners,
                    study_seconds: w.study_seconds,
                })
                .collect(),
        }
    }
}

impl From<LearnerStudy> for LearnerStudyResponse {
    fn from(s: LearnerStudy) -> Self {
        Self {
            user_id: s.user_id.as_uuid(),
            from: s.from,
            to: s.to,
            study_seconds: s.study_seconds,
            days: s
                .days
                .into_iter()
                .map(|d| StudyDayResponse {
                    date: d.date,
                    study_seconds: d.study_seconds,
                    watch_seconds: d.watch_seconds,
                    replay_seconds: d.replay_seconds,
                    reviews: d.reviews,
                    review_seconds: d.review_seconds,
                })
                .collect(),
            weeks: s
                .weeks
                .into_iter()
                .map(|w| StudyWeekResponse {
                    week_start: w.week_start,
                    study_seconds: w.study_seconds,
                })
                .collect(),
        }
    }
}

impl From<DeckAnalytics> for DeckAnalyticsResponse {
    fn from(d: DeckAnalytics) -> Self {
        Self {
            deck_id: d.deck_id.as_uuid(),
            title: d.title,
            reviews: d.reviews,
            recalls: d.recalls,
            recalled: d.recalled,
            retention: d.retention,
            review_seconds: d.review_seconds,
        }
    }
}

impl From<BusinessDay> for BusinessDayResponse {
    fn from(d: BusinessDay) -> Self {
        Self {
            date: d.date,
            currency: d.currency,
            orders_paid: d.orders_paid,
            orders_failed: d.orders_failed,
            gross_minor: d.gross_minor,
            refunded_minor: d.refunded_minor,
            subscriptions_started: d.subscriptions_started,
            subscriptions_ended: d.subscriptions_ended,
            mrr_minor: d.mrr_minor,
        }
    }
}

/// The whole days of `[from, to)`: `to` defaults to now, `from` to 28 days before it.
fn days(from: Option<TimeBound>, to: Option<TimeBound>) -> ApiResult<DayPeriod> {
    let to: DateTime<Utc> = to.map_or_else(Utc::now, |t| t.0);
    let from = from.map_or_else(|| to - Duration::days(28), |t| t.0);
    let last = (to - Duration::microseconds(1)).date_naive();
    Ok(DayPeriod::new(from.date_naive(), last)?)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Analytics")]
impl AnalyticsApi {
    /// A course's enrollments, completion rate, median time to complete, active learners
    /// and drop-off funnel (its instructor and admins).
    #[oai(path = "/analytics/courses/:id", method = "get", operation_id = "courseAnalytics")]
    async fn course(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<CourseAnalyticsResult> {
        let report = CourseAnalyticsResponse::from(state.lms.analytics.course(&auth.0, CourseId::from(id.0)).await?);
        Ok(CourseAnalyticsResult::Ok(match format.0.unwrap_or_default() {
            ReportFormat::Json => CourseAnalyticsBody::Json(Json(report)),
            ReportFormat::Csv => CourseAnalyticsBody::Csv(to_csv(&report.funnel)?),
        }))
    }

    /// Each quiz question of a course: attempts, share answered right (difficulty) and
    /// discrimination (its instructor and admins).
    #[oai(
        path = "/analytics/courses/:id/questions",
        method = "get",
        operation_id = "courseQuestionAnalytics"
    )]
    async fn questions(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<QuestionsResult> {
        let stats = state.lms.analytics.questions(&auth.0, CourseId::from(id.0)).await?;
        let rows: Vec<QuestionStatsResponse> = stats.into_iter().map(Into::into).collect();
        Ok(QuestionsResult::Ok(match format.0.unwrap_or_default() {
            ReportFormat::Json => QuestionsBody::Json(Json(rows)),
            ReportFormat::Csv => QuestionsBody::Csv(to_csv(&rows)?),
        }))
    }

    /// Registrations and their conversion to a first enrollment, learning activity and
    /// weekly active learners over whole days (admins). Default: the last 28 days.
    #[oai(path = "/analytics/overview", method = "get", operation_id = "analyticsOverview")]
    async fn overview(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Start (RFC 3339 or a date); its whole day is included.
        from: Query<Option<TimeBound>>,
        /// End, excluded (RFC 3339 or a date; default now); at most 366 days after the
        /// start.
        to: Query<Option<TimeBound>>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<OverviewResult> {
        let overview = OverviewResponse::from(state.lms.analytics.overview(&auth.0, days(from.0, to.0)?).await?);
        Ok(OverviewResult::Ok(match format.0.unwrap_or_default() {
            ReportFormat::Json => OverviewBody::Json(Json(overview)),
            ReportFormat::Csv => OverviewBody::Csv(to_csv(&[overview])?),
        }))
    }

    /// A learner's study time per day and week: video playback and flashcard answer time
    /// (the learner, and admins when the learner consents to analytics). Default: the
    /// last 28 days.
    #[oai(
        path = "/analytics/learners/:id/study",
        method = "get",
        operation_id = "learnerStudyAnalytics"
    )]
    async fn learner_study(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// Start (RFC 3339 or a date); its whole day is included.
        from: Query<Option<TimeBound>>,
        /// End, excluded (RFC 3339 or a date; default now); at most 366 days after the
        /// start.
        to: Query<Option<TimeBound>>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<LearnerStudyResult> {
        let period = days(from.0, to.0)?;
        let study = state
            .lms
            .analytics
            .learner_study(&auth.0, UserId::from(id.0), period)
            .await?;
        let study = LearnerStudyResponse::from(study);
        Ok(LearnerStudyResult::Ok(match format.0.unwrap_or_default() {
            ReportFormat::Json => LearnerStudyBody::Json(Json(study)),
            ReportFormat::Csv => LearnerStudyBody::Csv(to_csv(&study.days)?),
        }))
    }

    /// A flashcard deck's reviews by every learner, answer time and retention (the
    /// deck's authors: its course's instructor, its owner, admins).
    #[oai(path = "/analytics/decks/:id", method = "get", operation_id = "deckAnalytics")]
    async fn deck(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<DeckAnalyticsResult> {
        let deck = state.lms.flashcards().analytics(&auth.0, DeckId::from(id.0)).await?;
        let deck = DeckAnalyticsResponse::from(deck);
        Ok(DeckAnalyticsResult::Ok(match format.0.unwrap_or_default() {
            ReportFormat::Json => DeckAnalyticsBody::Json(Json(deck)),
            ReportFormat::Csv => DeckAnalyticsBody::Csv(to_csv(&[deck])?),
        }))
    }

    /// Orders paid and failed, revenue, refunds, subscriptions started and ended, and the
    /// monthly recurring revenue, per day and currency (admins). Default: the last 28
    /// days.
    #[oai(path = "/analytics/business", method = "get", operation_id = "businessAnalytics")]
    async fn business(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Start (RFC 3339 or a date); its whole day is included.
        from: Query<Option<TimeBound>>,
        /// End, excluded (RFC 3339 or a date; default now); at most 366 days after the
        /// start.
        to: Query<Option<TimeBound>>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<BusinessResult> {
        let rows: Vec<BusinessDayResponse> = state
            .lms
            .analytics
            .business(&auth.0, days(from.0, to.0)?)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(BusinessResult::Ok(match format.0.unwrap_or_default() {
            ReportFormat::Json => BusinessBody::Json(Json(rows)),
            ReportFormat::Csv => BusinessBody::Csv(to_csv(&rows)?),
        }))
    }
}
