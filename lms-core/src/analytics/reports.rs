//! What the analytics reports answer, computed from the rollups alone.

use chrono::NaiveDate;
use serde::Serialize;

use super::rollups::{QuizRollup, ScoreBucket};
use crate::ids::{CourseId, DeckId, LessonId, QuestionId, UserId};

/// A course's learning analytics (A1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseAnalytics {
    /// The course.
    pub course_id: CourseId,
    /// Its title.
    pub title: String,
    /// Enrollments ever created.
    pub enrollments: u64,
    /// Enrollments that completed the course.
    pub completions: u64,
    /// Learners with learning activity in the last 7 days.
    pub active_learners: u64,
    /// Completions out of enrollments (0–1, 4 decimals); `None` without enrollments.
    pub completion_rate: Option<f64>,
    /// The median time from enrollment to completion in days (2 decimals; precise to the
    /// hour under 3 days, to the day under a year, to the week beyond); `None` before the
    /// first completion.
    pub median_days_to_complete: Option<f64>,
    /// Each lesson, in course order: who reached it, completed it, and stopped there.
    pub funnel: Vec<FunnelStep>,
}

/// One lesson of a course's drop-off funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    /// The lesson.
    pub lesson_id: LessonId,
    /// Its title.
    pub title: String,
    /// Its place in the course, from 0.
    pub position: u32,
    /// Learners with any activity on it (a completion, a graded attempt).
    pub reached: u64,
    /// Learners who completed it.
    pub completed: u64,
    /// Learners who have not completed the course and whose latest activity was here:
    /// where they stopped, for now.
    pub last_activity_here: u64,
    /// Video playback on it by every learner, replays included, in seconds (1 decimal;
    /// 0 for other lessons).
    pub watch_seconds: f64,
    /// The part of that playback that replayed spans watched before.
    pub replay_seconds: f64,
}

/// One quiz question's statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionStats {
    /// The quiz lesson.
    pub lesson_id: LessonId,
    /// The question.
    pub question_id: QuestionId,
    /// Graded attempts that answered it (retries included).
    pub attempts: u64,
    /// Of those, answered right.
    pub correct: u64,
    /// Correct out of attempts (0–1, 4 decimals): its difficulty; `None` without
    /// attempts.
    pub correct_rate: Option<f64>,
    /// How much better the best third of the quiz's attempts did on it than the worst
    /// third (−1 to 1, 4 decimals; ties at a third's boundary count pro rata); `None`
    /// under 3 attempts.
    pub discrimination: Option<f64>,
}

/// The platform's learning overview over a period (admins).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// First day, included.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// Users who registered in the period.
    pub registrations: u64,
    /// Of those, the ones who have enrolled since.
    pub first_enrollments: u64,
    /// First enrollments out of registrations (0–1, 4 decimals).
    pub conversion_rate: Option<f64>,
    /// Enrollments created in the period.
    pub enrollments: u64,
    /// Lessons completed in the period.
    pub lesson_completions: u64,
    /// Courses completed in the period.
    pub course_completions: u64,
    /// Quiz attempts graded in the period.
    pub quiz_attempts: u64,
    /// Study time in the period: video playback and flashcard answer time, in seconds.
    pub study_seconds: f64,
    /// Video playback, replays included, in seconds.
    pub watch_seconds: f64,
    /// The part of that playback that replayed spans watched before, in seconds.
    pub replay_seconds: f64,
    /// Flashcard reviews.
    pub reviews: u64,
    /// Reviews of cards due for recall that passed, out of all such reviews (0–1, 4
    /// decimals): the flashcard retention; `None` without recalls.
    pub retention: Option<f64>,
    /// Distinct active learners and study time per ISO week overlapping the period.
    pub weekly_active_learners: Vec<WeekActivity>,
}

/// One week's active learners and study time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekActivity {
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Learners with learning activity that week.
    pub learners: u64,
    /// Study time that week, on the days of the period only, in seconds.
    pub study_seconds: f64,
}

/// One learner's study time over a period (A1): video playback from their heartbeats and
/// flashcard answer time from their reviews.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnerStudy {
    /// The learner.
    pub user_id: UserId,
    /// First day, included.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// Study time over the period, in seconds.
    pub study_seconds: f64,
    /// Each day with any study, in order.
    pub days: Vec<StudyDay>,
    /// Each ISO week with any study, in order (days of the period only).
    pub weeks: Vec<StudyWeek>,
}

/// One day of a learner's study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyDay {
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

/// One week of a learner's study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyWeek {
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Study time, in seconds.
    pub study_seconds: f64,
}

/// A flashcard deck's reviews by every learner (A1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeckAnalytics {
    /// The deck.
    pub deck_id: DeckId,
    /// Its title.
    pub title: String,
    /// Reviews.
    pub reviews: u64,
    /// Reviews of cards due for recall (seen before, on an earlier day).
    pub recalls: u64,
    /// Of those, the ones that passed.
    pub recalled: u64,
    /// Recalled out of recalls (0–1, 4 decimals): the deck's retention; `None` without
    /// recalls.
    pub retention: Option<f64>,
    /// The reviews' answer time, in seconds.
    pub review_seconds: f64,
}

/// One day's payments in one currency (A2), with the recurring revenue at its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusinessDay {
    /// The day (UTC).
    pub date: NaiveDate,
    /// The currency.
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

/// Milliseconds as seconds, to 1 decimal.
pub(crate) fn seconds(ms: u64) -> f64 {
    round(ms as f64 / 1000.0, 1)
}

/// `part / whole` rounded to 4 decimals; `None` for an empty whole.
pub(crate) fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round(part as f64 / whole as f64, 4))
}

/// Rounds to `decimals` places.
pub(crate) fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Each question's statistics for one quiz, in the given question order.
pub(crate) fn question_stats(lesson_id: LessonId, questions: &[QuestionId], quiz: &QuizRollup) -> Vec<QuestionStats> {
    questions
        .iter()
        .map(|&question_id| {
            let attempts = quiz.by_score.values().map(|b| count(&b.answered, question_id)).sum();
            let correct = quiz.by_score.values().map(|b| count(&b.correct, question_id)).sum();
            QuestionStats {
                lesson_id,
                question_id,
                attempts,
                correct,
                correct_rate: rate(correct, attempts),
                discrimination: discrimination(quiz, question_id),
            }
        })
        .collect()
}

fn count(map: &std::collections::BTreeMap<QuestionId, u64>, question: QuestionId) -> u64 {
    map.get(&question).copied().unwrap_or(0)
}

/// The discrimination index of a question: the quiz's `n` graded attempts ranked by
/// score, `g = n / 3`, the share of the `g` best attempts that answered the question
/// right minus that share among the `g` worst. Where a third's boundary falls among
/// attempts of equal score, each of them counts with the same fraction, so the index
/// does not depend on an arbitrary order of ties. Rounded to 4 decimals; `None` under 3
/// attempts. Computed from the counts per score, so its cost is the number of distinct
/// scores (at most 101), whatever the number of attempts.
pub(crate) fn discrimination(quiz: &QuizRollup, question: QuestionId) -> Option<f64> {
    let attempts: u64 = quiz.by_score.values().map(|b| b.attempts).sum();
    if attempts < 3 {
        return None;
    }
    let third = attempts as f64 / 3.0;
    let upper = correct_in_third(quiz.by_score.values().rev(), third, question);
    let lower = correct_in_third(quiz.by_score.values(), third, question);
    Some(round((upper - lower) / third, 4))
}

/// Right answers to `question` among the first `third` attempts of `buckets`, a whole
/// bucket at a time and the last one pro rata.
fn correct_in_third<'a>(buckets: impl Iterator<Item = &'a ScoreBucket>, third: f64, question: QuestionId) -> f64 {
    let mut left = third;
    let mut correct = 0.0;
    for bucket in buckets {
        if left <= 0.0 {
            break;
        }
        let taken = (bucket.attempts as f64).min(left);
        correct += count(&bucket.correct, question) as f64 * taken / bucket.attempts as f64;
        left -= taken;
    }
    correct
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiz(attempts: &[(u8, bool)], question: QuestionId) -> QuizRollup {
        let mut quiz = QuizRollup::new(LessonId::new());
        for &(score, right) in attempts {
            quiz.attempt(score, &[(question, right)]);
        }
        quiz
    }

    #[test]
    fn a_question_the_best_get_right_and_the_worst_wrong_discriminates_fully() {
        let q = QuestionId::new();
        let rollup = quiz(&[(100, true), (50, true), (0, false)], q);
        assert_eq!(discrimination(&rollup, q), Some(1.0));
        let reversed = quiz(&[(100, false), (50, true), (0, true)], q);
        assert_eq!(discrimination(&reversed, q), Some(-1.0));
    }

    #[test]
    fn ties_at_a_boundary_count_pro_rata() {
        let q = QuestionId::new();
        // Six attempts, thirds of two: the best third is the 100 and half of the two 80s
        // (one right, one wrong: 0.5 right); the worst third the two 0s (none right).
        let rollup = quiz(
            &[(100, true), (80, true), (80, false), (50, true), (0, false), (0, false)],
            q,
        );
        assert_eq!(discrimination(&rollup, q), Some(0.75));
    }

    #[test]
    fn too_few_attempts_have_no_index() {
        let q = QuestionId::new();
        assert_eq!(discrimination(&quiz(&[(100, true), (0, false)], q), q), None);
        let stats = question_stats(LessonId::new(), &[q], &quiz(&[(100, true), (0, false)], q));
        assert_eq!(
            (stats[0].attempts, stats[0].correct, stats[0].correct_rate),
            (2, 1, Some(0.5))
        );
    }
}
