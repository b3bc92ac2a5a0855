//! Quizzes: questions with server-side answers, grading and the answer-free learner view.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::domain::text::{forbidden_character, normalize_for_match};
use crate::error::{FieldError, Result, Validator};
use crate::ids::QuestionId;

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Exactly one option is correct and exactly one is chosen.
    SingleChoice,
    /// One or more options are correct; the chosen set must match exactly.
    MultipleChoice,
    /// Options are "True" and "False"; one is correct.
    TrueFalse,
    /// Free text compared with accepted answers, ignoring case and spacing.
    ShortAnswer,
}

/// A question as an author writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewQuestion {
    /// The question text.
    pub prompt: String,
    /// How it is answered.
    pub kind: Option<QuestionKind>,
    /// Choices (empty for short answers; defaults to True/False for true/false).
    pub options: Vec<String>,
    /// Zero-based indexes of correct options.
    pub correct_options: Vec<u32>,
    /// Accepted texts for short answers.
    pub accepted_answers: Vec<String>,
}

/// A validated question including its answer key. Never sent to learners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Identifier, stable across edits of other questions.
    pub id: QuestionId,
    /// The question text.
    pub prompt: String,
    /// How it is answered.
    pub kind: QuestionKind,
    /// Choices shown to the learner.
    pub options: Vec<String>,
    /// Zero-based indexes of correct options.
    pub correct_options: BTreeSet<u32>,
    /// Accepted short answers, normalized for matching.
    pub accepted_answers: Vec<String>,
}

const MAX_QUESTIONS: usize = 200;
const MAX_OPTIONS: usize = 20;
const MAX_PROMPT_CHARS: usize = 2_000;
const MAX_OPTION_CHARS: usize = 500;

fn check_text(v: &mut Validator, field: &str, text: &str, max: usize) {
    if text.trim().is_empty() {
        v.push(FieldError::new(field, "required", "must not be empty"));
    } else if let Some(found) = forbidden_character(text, true) {
        v.push(found.field_error(field));
    } else if text.chars().count() > max {
        v.push(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
}

impl Question {
    fn new(draft: NewQuestion) -> Result<Self> {
        let mut v = Validator::new();
        check_text(&mut v, "prompt", &draft.prompt, MAX_PROMPT_CHARS);
        let kind = draft.kind.unwrap_or(QuestionKind::SingleChoice);
        let mut options = draft.options;
        if kind == QuestionKind::TrueFalse && options.is_empty() {
            options = vec!["True".to_owned(), "False".to_owned()];
        }
        let correct: BTreeSet<u32> = draft.correct_options.iter().copied().collect();
        if correct.len() != draft.correct_options.len() {
            v.push(FieldError::new(
                "correct_options",
                "duplicate",
                "must not repeat an option",
            ));
        }
        match kind {
            QuestionKind::ShortAnswer => {
                if !options.is_empty() || !correct.is_empty() {
                    v.push(FieldError::new(
                        "options",
                        "not_allowed",
                        "short answers take accepted_answers, not options",
                    ));
                }
                if draft.accepted_answers.is_empty() || draft.accepted_answers.len() > MAX_OPTIONS {
                    v.push(FieldError::new(
                        "accepted_answers",
                        "count",
                        format!("must list 1 to {MAX_OPTIONS} answers"),
                    ));
                }
                for (i, answer) in draft.accepted_answers.iter().enumerate() {
                    check_text(&mut v, &format!("accepted_answers.{i}"), answer, MAX_OPTION_CHARS);
                }
            }
            _ => {
                let range = if kind == QuestionKind::TrueFalse {
                    2..=2
                } else {
                    2..=MAX_OPTIONS
                };
                if !range.contains(&options.len()) {
                    v.push(FieldError::new(
                        "options",
                        "count",
                        format!("must have {} to {} options", range.start(), range.end()),
                    ));
                }
                for (i, option) in options.iter().enumerate() {
                    check_text(&mut v, &format!("options.{i}"), option, MAX_OPTION_CHARS);
                }
                if correct.iter().any(|&i| i as usize >= options.len()) {
                    v.push(FieldError::new(
                        "correct_options",
                        "out_of_range",
                        "must index an option",
                    ));
                }
                let single = kind != QuestionKind::MultipleChoice;
                if single && correct.len() != 1 {
                    v.push(FieldError::new(
                        "correct_options",
                        "count",
                        "must name exactly one option",
                    ));
                } else if correct.is_empty() {
                    v.push(FieldError::new(
                        "correct_options",
                        "count",
                        "must name at least one option",
                    ));
                }
                if !draft.accepted_answers.is_empty() {
                    v.push(FieldError::new(
                        "accepted_answers",
                        "not_allowed",
                        "only short answers take accepted_answers",
                    ));
                }
            }
        }
        v.finish()?;
        Ok(Self {
            id: QuestionId::new(),
            prompt: draft.prompt.trim().to_owned(),
            kind,
            options: options.iter().map(|o| o.trim().to_owned()).collect(),
            correct_options: correct,
            accepted_answers: draft.accepted_answers.iter().map(|a| normalize_for_match(a)).collect(),
        })
    }

    fn is_correct(&self, answer: &Answer) -> bool {
        match self.kind {
            QuestionKind::ShortAnswer => answer.text.as_deref().is_some_and(|text| {
                let text = normalize_for_match(text);
                self.accepted_answers.contains(&text)
            }),
            _ => answer.selected_options.iter().copied().collect::<BTreeSet<_>>() == self.correct_options,
        }
    }
}

/// A quiz: questions, the pass mark and an optional attempt limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiz {
    /// Score needed to pass, in percent (0–100).
    pub pass_mark_percent: u8,
    /// Attempts allowed per learner; `None` for unlimited.
    pub max_attempts: Option<u32>,
    /// The questions with their answer keys.
    pub questions: Vec<Question>,
}

/// A learner's answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Answer {
    /// Which question.
    pub question_id: QuestionId,
    /// Chosen option indexes (choice and true/false questions).
    pub selected_options: Vec<u32>,
    /// Written answer (short-answer questions).
    pub text: Option<String>,
}

/// The outcome of grading one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    /// Questions answered correctly.
    pub correct: u32,
    /// Questions in the quiz.
    pub total: u32,
    /// `correct / total` in whole percent, rounded down.
    pub score_percent: u8,
    /// Whether the pass mark was reached (compared exactly, without rounding).
    pub passed: bool,
    /// Per question: answered correctly or not (for analytics of difficult concepts).
    pub results: Vec<(QuestionId, bool)>,
}

impl Quiz {
    /// Validates a quiz as authored; each question gets a fresh id.
    pub fn new(pass_mark_percent: u8, max_attempts: Option<u32>, questions: Vec<NewQuestion>) -> Result<Self> {
        let mut v = Validator::new();
        if pass_mark_percent > 100 {
            v.push(FieldError::new(
                "pass_mark_percent",
                "out_of_range",
                "must be between 0 and 100",
            ));
        }
        if max_attempts == Some(0) {
            v.push(FieldError::new("max_attempts", "out_of_range", "must be at least 1"));
        }
        if questions.is_empty() || questions.len() > MAX_QUESTIONS {
            v.push(FieldError::new(
                "questions",
                "count",
                format!("must have 1 to {MAX_QUESTIONS} questions"),
            ));
        }
        let questions: Vec<_> = questions
            .into_iter()
            .enumerate()
            .filter_map(|(i, q)| v.field(&format!("questions.{i}"), Question::new(q)))
            .collect();
        v.finish()?;
        Ok(Self {
            pass_mark_percent,
            max_attempts,
            questions,
        })
    }

    /// Grades answers. Unanswered questions count as wrong; answers to unknown
    /// questions, repeated answers and impossible selections are rejected.
    pub fn grade(&self, answers: &[Answer]) -> Result<Grade> {
        let by_id: HashMap<QuestionId, &Question> = self.questions.iter().map(|q| (q.id, q)).collect();
        let mut v = Validator::new();
        let mut given: HashMap<QuestionId, &Answer> = HashMap::new();
        for (i, answer) in answers.iter().enumerate() {
            let field = format!("answers.{i}");
            let Some(question) = by_id.get(&answer.question_id) else {
                v.push(FieldError::new(
                    field,
                    "unknown_question",
                    "no such question in this quiz",
                ));
                continue;
            };
            if given.insert(answer.question_id, answer).is_some() {
                v.push(FieldError::new(field.clone(), "duplicate", "question answered twice"));
            }
            let options = question.options.len();
            if answer.selected_options.iter().any(|&o| o as usize >= options) {
                v.push(FieldError::new(
                    format!("{field}.selected_options"),
                    "out_of_range",
                    "must index an option",
                ));
            }
            let single = matches!(question.kind, QuestionKind::SingleChoice | QuestionKind::TrueFalse);
            if single && answer.selected_options.len() > 1 {
                v.push(FieldError::new(
                    format!("{field}.selected_options"),
                    "count",
                    "this question takes one option",
                ));
            }
            if answer
                .text
                .as_ref()
                .is_some_and(|t| t.chars().count() > MAX_OPTION_CHARS)
            {
                v.push(FieldError::new(
                    format!("{field}.text"),
                    "too_long",
                    format!("must be at most {MAX_OPTION_CHARS} characters"),
                ));
            }
        }
        v.finish()?;
        let results: Vec<(QuestionId, bool)> = self
            .questions
            .iter()
            .map(|q| (q.id, given.get(&q.id).is_some_and(|a| q.is_correct(a))))
            .collect();
        let total = results.len() as u32;
        let correct = results.iter().filter(|(_, ok)| *ok).count() as u32;
        Ok(Grade {
            correct,
            total,
            score_percent: (correct * 100 / total.max(1)) as u8,
            passed: correct * 100 >= u32::from(self.pass_mark_percent) * total,
            results,
        })
    }

    /// The quiz as a learner may see it: no answer keys.
    pub fn learner_view(&self) -> QuizView {
        QuizView {
            pass_mark_percent: self.pass_mark_percent,
            max_attempts: self.max_attempts,
            questions: self
                .questions
                .iter()
                .map(|q| QuestionView {
                    id: q.id,
                    prompt: q.prompt.clone(),
                    kind: q.kind,
                    options: q.options.clone(),
                })
                .collect(),
        }
    }
}

/// A quiz without answers, safe to show to learners before grading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizView {
    /// Score needed to pass, in percent.
    pub pass_mark_percent: u8,
    /// Attempts allowed; `None` for unlimited.
    pub max_attempts: Option<u32>,
    /// Questions without answer keys.
    pub questions: Vec<QuestionView>,
}

/// A question without its answer key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionView {
    /// Identifier to answer with.
    pub id: QuestionId,
    /// The question text.
    pub prompt: String,
    /// How it is answered.
    pub kind: QuestionKind,
    /// Choices (empty for short answers).
    pub options: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, options: &[&str], correct: &[u32], accepted: &[&str]) -> NewQuestion {
        NewQuestion {
            prompt: "Q?".into(),
            kind: Some(kind),
            options: options.iter().map(|s| s.to_string()).collect(),
            correct_options: correct.to_vec(),
            accepted_answers: accepted.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn sample() -> Quiz {
        Quiz::new(
            75,
            Some(3),
            vec![
                question(QuestionKind::SingleChoice, &["a", "b", "c"], &[1], &[]),
                question(QuestionKind::MultipleChoice, &["a", "b", "c"], &[0, 2], &[]),
                question(QuestionKind::TrueFalse, &[], &[0], &[]),
                question(QuestionKind::ShortAnswer, &[], &[], &["Ownership Rules"]),
            ],
        )
        .unwrap()
    }

    fn answer(q: &Question, selected: &[u32], text: Option<&str>) -> Answer {
        Answer {
            question_id: q.id,
            selected_options: selected.to_vec(),
            text: text.map(str::to_owned),
        }
    }

    #[test]
    fn grades_all_four_kinds() {
        let quiz = sample();
        let q = &quiz.questions;
        let all_right = [
            answer(&q[0], &[1], None),
            answer(&q[1], &[2, 0], None),
            answer(&q[2], &[0], None),
            answer(&q[3], &[], Some("  ownership   RULES ")),
        ];
        let grade = quiz.grade(&all_right).unwrap();
        assert_eq!((grade.correct, grade.score_percent, grade.passed), (4, 100, true));

        let three = [
            answer(&q[0], &[1], None),
            answer(&q[1], &[0], None),
            answer(&q[2], &[0], None),
            answer(&q[3], &[], Some("ownership rules")),
        ];
        let grade = quiz.grade(&three).unwrap();
        assert_eq!((grade.correct, grade.score_percent, grade.passed), (3, 75, true));

        let grade = quiz.grade(&three[..2]).unwrap();
        assert_eq!((grade.correct, grade.passed), (1, false));
    }

    #[test]
    fn rejects_malformed_answers_and_quizzes() {
        let quiz = sample();
        let q = &quiz.questions;
        assert!(quiz.grade(&[answer(&q[0], &[7], None)]).is_err());
        assert!(quiz.grade(&[answer(&q[0], &[0, 1], None)]).is_err());
        assert!(quiz
            .grade(&[answer(&q[0], &[1], None), answer(&q[0], &[1], None)])
            .is_err());
        assert!(quiz.grade(&[Answer::default()]).is_err());

        assert!(Quiz::new(50, None, vec![]).is_err());
        assert!(Quiz::new(101, None, vec![question(QuestionKind::TrueFalse, &[], &[0], &[])]).is_err());
        assert!(Quiz::new(
            50,
            None,
            vec![question(QuestionKind::SingleChoice, &["a", "b"], &[0, 1], &[])]
        )
        .is_err());
        assert!(Quiz::new(
            50,
            None,
            vec![question(QuestionKind::MultipleChoice, &["a"], &[0], &[])]
        )
        .is_err());
        assert!(Quiz::new(50, None, vec![question(QuestionKind::ShortAnswer, &[], &[], &[])]).is_err());
    }

    #[test]
    fn learner_view_has_no_answers() {
        let json = serde_json::to_string(&sample().learner_view()).unwrap();
        assert!(!json.contains("correct"));
        assert!(!json.contains("accepted"));
        assert!(!json.contains("ownership"));
    }
}
