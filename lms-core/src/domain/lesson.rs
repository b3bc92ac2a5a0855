//! Lessons: the units a learner completes, in order, within a course.

use serde::{Deserialize, Serialize};

use crate::domain::quiz::Quiz;
use crate::domain::text::{LessonBody, Title};
use crate::domain::video::Video;
use crate::ids::{DeckId, LessonId};

/// The kind of a lesson, without its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonKind {
    /// A YouTube video, completed by watching enough distinct seconds.
    Video,
    /// An article, completed when the learner marks it done.
    Text,
    /// A quiz, completed by a passing attempt.
    Quiz,
    /// A flashcard deck, completed once every card has had a passing review.
    Flashcards,
}

/// What a lesson teaches with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LessonContent {
    /// A video lesson.
    Video(Video),
    /// A text lesson.
    Text {
        /// The article.
        body: LessonBody,
    },
    /// A quiz lesson.
    Quiz(Quiz),
    /// A flashcard lesson: the course's deck the learner studies.
    Flashcards {
        /// The deck, one of the course's.
        deck_id: DeckId,
    },
}

impl LessonContent {
    /// The content's kind.
    pub fn kind(&self) -> LessonKind {
        match self {
            LessonContent::Video(_) => LessonKind::Video,
            LessonContent::Text { .. } => LessonKind::Text,
            LessonContent::Quiz(_) => LessonKind::Quiz,
            LessonContent::Flashcards { .. } => LessonKind::Flashcards,
        }
    }
}

/// Which lessons must be complete before a lesson unlocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "rule", content = "lessons", rename_all = "snake_case")]
pub enum Prerequisites {
    /// The nearest earlier *required* lesson (sequential learning); none for the first.
    #[default]
    Previous,
    /// Exactly these lessons of the same course (empty: always open).
    Lessons(Vec<LessonId>),
}

/// A lesson of a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lesson {
    /// Identifier, unique across courses.
    pub id: LessonId,
    /// Title shown in the outline.
    pub title: Title,
    /// What the lesson contains.
    pub content: LessonContent,
    /// Counts toward course completion; optional lessons never block others.
    pub required: bool,
    /// Unlock rule.
    pub prerequisites: Prerequisites,
}

impl Lesson {
    /// A required lesson unlocked by the previous one.
    pub fn new(title: Title, content: LessonContent) -> Self {
        Self {
            id: LessonId::new(),
            title,
            content,
            required: true,
            prerequisites: Prerequisites::Previous,
        }
    }

    /// The lesson's kind.
    pub fn kind(&self) -> LessonKind {
        self.content.kind()
    }
}
