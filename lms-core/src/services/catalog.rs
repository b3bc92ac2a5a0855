use std::collections::HashSet;
use std::sync::Arc;

use tracing::instrument;

use super::{retry_on_conflict, Actor, Deps};
use crate::domain::course::{validate_metadata, Course, CourseStatus, CourseSummary, Difficulty, Metadata};
use crate::domain::events::EventPayload;
use crate::domain::lesson::{Lesson, LessonContent, Prerequisites};
use crate::domain::money::{Money, Price};
use crate::domain::quiz::{NewQuestion, Quiz};
use crate::domain::text::{forbidden_character, normalize_for_match, Category, Description, LessonBody, Title};
use crate::domain::video::Video;
use crate::error::{Entity, Error, FieldError, Result, Validator};
use crate::flashcards::Deck;
use crate::ids::{CourseId, DeckId, LessonId};
use crate::ports::{CourseFilter, Page, PageRequest};

/// A price as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceInput {
    /// Amount in minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

/// Course creation input, as received.
#[derive(Debug, Clone, Default)]
pub struct NewCourse {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: String,
    /// Difficulty.
    pub difficulty: Difficulty,
    /// Price; free when absent.
    pub price: Option<PriceInput>,
    /// Metadata.
    pub metadata: Metadata,
}

/// Course changes; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New category.
    pub category: Option<String>,
    /// New difficulty.
    pub difficulty: Option<Difficulty>,
    /// New price (`Some(None)` makes the course free).
    pub price: Option<Option<PriceInput>>,
    /// New metadata (replaces the old).
    pub metadata: Option<Metadata>,
}

/// Lesson content as received.
#[derive(Debug, Clone)]
pub enum LessonInput {
    /// A YouTube video.
    Video {
        /// Video id.
        youtube_id: String,
        /// Length in seconds.
        duration_seconds: u32,
        /// Completion threshold; 90 % when absent.
        completion_threshold_percent: Option<u8>,
    },
    /// An article.
    Text {
        /// The text.
        body: String,
    },
    /// A quiz.
    Quiz {
        /// Pass mark in percent.
        pass_mark_percent: u8,
        /// Attempt limit.
        max_attempts: Option<u32>,
        /// Questions with answers.
        questions: Vec<NewQuestion>,
    },
    /// A flashcard deck of the course.
    Flashcards {
        /// The deck (created with the course's id).
        deck_id: DeckId,
    },
}

impl LessonInput {
    fn parse(self) -> Result<LessonContent> {
        match self {
            LessonInput::Video {
                youtube_id,
                duration_seconds,
                completion_threshold_percent,
            } => Video::new(&youtube_id, duration_seconds, completion_threshold_percent).map(LessonContent::Video),
            LessonInput::Text { body } => {
                let mut v = Validator::new();
                let body = v.field("body", LessonBody::parse(&body));
                v.finish()?;
                Ok(LessonContent::Text {
                    body: body.expect("validated above"),
                })
            }
            LessonInput::Quiz {
                pass_mark_percent,
                max_attempts,
                questions,
            } => Quiz::new(pass_mark_percent, max_attempts, questions).map(LessonContent::Quiz),
            LessonInput::Flashcards { deck_id } => Ok(LessonContent::Flashcards { deck_id }),
        }
    }
}

/// Lesson creation input.
#[derive(Debug, Clone)]
pub struct NewLesson {
    /// Title.
    pub title: String,
    /// Content.
    pub content: LessonInput,
    /// Counts toward completion (default true).
    pub required: Option<bool>,
    /// Unlock rule (default: the previous required lesson).
    pub prerequisites: Option<Prerequisites>,
    /// Zero-based position; appended when absent.
    pub position: Option<u32>,
}

/// Lesson changes; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct LessonPatch {
    /// New title.
    pub title: Option<String>,
    /// New content (same kind unless the course is a draft).
    pub content: Option<LessonInput>,
    /// New required flag.
    pub required: Option<bool>,
    /// New unlock rule.
    pub prerequisites: Option<Prerequisites>,
}

/// Catalog search parameters, as received.
#[derive(Debug, Clone, Default)]
pub struct CourseQuery {
    /// Category, matched ignoring case.
    pub category: Option<String>,
    /// Text searched in title and description, ignoring case.
    pub text: Option<String>,
    /// Lifecycle state; others than published only for the owner or admins.
    pub status: Option<CourseStatus>,
    /// Only this owner's courses.
    pub owner_id: Option<crate::ids::UserId>,
}

const MAX_QUERY_CHARS: usize = 200;

pub(crate) fn parse_price(input: Option<PriceInput>) -> Result<Price> {
    input.map_or(Ok(Price::Free), |p| {
        Money::new(p.amount_minor, &p.currency).map(Price::Paid)
    })
}

/// Courses and their lessons: authoring, lifecycle, catalog.
#[derive(Debug, Clone)]
pub struct CatalogService {
    deps: Deps,
}

impl CatalogService {
    pub(crate) fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Creates a draft course owned by the actor (instructors and admins).
    #[instrument(skip_all)]
    pub async fn create_course(&self, actor: &Actor, input: NewCourse) -> Result<Course> {
        actor.require_author()?;
        let mut v = Validator::new();
        let title = v.field("title", Title::parse(&input.title));
        let description = v.field("description", Description::parse(&input.description));
        let category = v.field("category", Category::parse(&input.category));
        let price = v.field("price", parse_price(input.price));
        v.field("metadata", validate_metadata(&input.metadata));
        v.finish()?;
        let (Some(title), Some(description), Some(category), Some(price)) = (title, description, category, price)
        else {
            unreachable!("validator reported no errors")
        };
        let now = self.deps.clock.now();
        let mut course = Course::new(
            actor.user_id,
            title,
            description,
            category,
            input.difficulty,
            price,
            now,
        );
        course.metadata = input.metadata;
        let events = self.deps.events([EventPayload::CourseCreated {
            course_id: course.id,
            owner_id: course.owner_id,
        }]);
        self.deps
            .stores
            .courses
            .insert_course(&course, &events)
            .await
            .map_err(|e| e.about(Entity::Course, course.id))?;
        Ok(course)
    }

    /// Loads a course without visibility checks.
    pub(crate) async fn load(&self, id: CourseId) -> Result<Arc<Course>> {
        load_course(&self.deps, id).await
    }

    /// A course as the viewer may see it: published and archived courses are public,
    /// drafts only to their managers. Hidden courses are reported as not found.
    pub async fn get_course(&self, viewer: Option<&Actor>, id: CourseId) -> Result<Arc<Course>> {
        let course = self.load(id).await?;
        let manages = viewer.is_some_and(|a| a.manages(&course));
        if course.status() == CourseStatus::Draft && !manages {
            return Err(Error::not_found(Entity::Course, id));
        }
        Ok(course)
    }

    /// Changes a course's details.
    #[instrument(skip_all, fields(course_id = %id))]
    pub async fn update_course(&self, actor: &Actor, id: CourseId, patch: CoursePatch) -> Result<Course> {
        let mut v = Validator::new();
        let title = patch.title.as_deref().and_then(|t| v.field("title", Title::parse(t)));
        let description = patch
            .description
            .as_deref()
            .and_then(|d| v.field("description", Description::parse(d)));
        let category = patch
            .category
            .as_deref()
            .and_then(|c| v.field("category", Category::parse(c)));
        let price = patch.price.map(|p| v.field("price", parse_price(p)));
        if let Some(metadata) = &patch.metadata {
            v.field("metadata", validate_metadata(metadata));
        }
        v.finish()?;
        self.modify(actor, id, |course| {
            if let Some(title) = &title {
                course.title = title.clone();
            }
            if let Some(description) = &description {
                course.description = description.clone();
            }
            if let Some(category) = &category {
                course.category = category.clone();
            }
            if let Some(difficulty) = patch.difficulty {
                course.difficulty = difficulty;
            }
            if let Some(Some(price)) = price {
                course.price = price;
            }
            if let Some(metadata) = &patch.metadata {
                course.metadata = metadata.clone();
            }
            Ok(vec![EventPayload::CourseUpdated { course_id: course.id }])
        })
        .await
    }

    /// Sets the courses a learner must complete before this course's lessons unlock.
    /// Every prerequisite must exist, and the prerequisite graph must stay acyclic.
    #[instrument(skip_all, fields(course_id = %id))]
    pub async fn set_course_prerequisites(
        &self,
        actor: &Actor,
        id: CourseId,
        prerequisites: Vec<CourseId>,
    ) -> Result<Course> {
        self.check_course_graph(id, &prerequisites).await?;
        self.modify(actor, id, |course| {
            course.prerequisites = prerequisites.clone();
            course.validate_course_prerequisites()?;
            Ok(vec![EventPayload::CourseUpdated { course_id: course.id }])
        })
        .await
    }

    /// Walks prerequisites breadth-first from `prerequisites`: each must exist, and
    /// reaching `id` again means a cycle.
    async fn check_course_graph(&self, id: CourseId, prerequisites: &[CourseId]) -> Result<()> {
        let mut seen = HashSet::new();
        let mut frontier: Vec<CourseId> = prerequisites.to_vec();
        let mut direct = true;
        while !frontier.is_empty() {
            if frontier.contains(&id) {
                return Err(Error::invalid(
                    "prerequisites",
                    "cycle",
                    "course prerequisites would form a cycle",
                ));
            }
            let courses = self
                .deps
                .stores
                .courses
                .get_courses(&frontier)
                .await
                .map_err(|e| e.about(Entity::Course, id))?;
            if direct {
                if let Some(missing) = frontier.iter().find(|c| !courses.iter().any(|f| f.id == **c)) {
                    return Err(Error::invalid(
                        "prerequisites",
                        "unknown_course",
                        format!("course {missing} does not exist"),
                    ));
                }
                direct = false;
            }
            seen.extend(frontier.iter().copied());
            frontier = courses
                .iter()
                .flat_map(|c| c.prerequisites.iter().copied())
                .filter(|c| !seen.contains(c))
                .collect();
            frontier.sort();
            frontier.dedup();
        }
        Ok(())
    }

    /// Adds a lesson; returns the updated course and the new lesson's id.
    #[instrument(skip_all, fields(course_id = %course_id))]
    pub async fn add_lesson(&self, actor: &Actor, course_id: CourseId, input: NewLesson) -> Result<(Course, LessonId)> {
        let mut v = Validator::new();
        let title = v.field("title", Title::parse(&input.title));
        let content = v.field("content", input.content.parse());
        v.finish()?;
        let private_deck = self.check_deck(actor, course_id, content.as_ref()).await?;
        let mut lesson = Lesson::new(title.expect("validated above"), content.expect("validated above"));
        lesson.required = input.required.unwrap_or(true);
        lesson.prerequisites = input.prerequisites.unwrap_or_default();
        let lesson_id = lesson.id;
        let position = input.position.map(|p| p as usize);
        let course = self
            .modify(actor, course_id, |course| {
                if course.status() == CourseStatus::Archived {
                    return Err(Error::CourseState {
                        status: course.status(),
                        reason: "archived courses cannot change",
                    });
                }
                course.insert_lesson(lesson.clone(), position)?;
                Ok(vec![EventPayload::CourseUpdated { course_id: course.id }])
            })
            .await?;
        self.attach_deck(private_deck, course_id).await?;
        Ok((course, lesson_id))
    }

    /// Changes a lesson. In a published course the lesson keeps its kind, so learners'
    /// progress on it stays meaningful.
    #[instrument(skip_all, fields(lesson_id = %lesson_id))]
    pub async fn update_lesson(&self, actor: &Actor, lesson_id: LessonId, patch: LessonPatch) -> Result<Course> {
        let mut v = Validator::new();
        let title = patch.title.as_deref().and_then(|t| v.field("title", Title::parse(t)));
        let content = patch.content.map(|c| v.field("content", c.parse()));
        v.finish()?;
        let course_id = self.course_of_lesson(lesson_id).await?;
        let private_deck = self
            .check_deck(actor, course_id, content.as_ref().and_then(Option::as_ref))
            .await?;
        let course = self
            .modify(actor, course_id, |course| {
                let draft = course.status() == CourseStatus::Draft;
                let (position, _) = course
                    .lesson(lesson_id)
                    .ok_or_else(|| Error::not_found(Entity::Lesson, lesson_id))?;
                let lesson = &mut course.lessons[position];
                if let Some(title) = &title {
                    lesson.title = title.clone();
                }
                if let Some(Some(content)) = &content {
                    if !draft && content.kind() != lesson.kind() {
                        return Err(Error::Validation(vec![FieldError::new(
                            "content",
                            "kind_change",
                            "a lesson of a published course keeps its kind",
                        )]));
                    }
                    lesson.content = content.clone();
                }
                if let Some(required) = patch.required {
                    lesson.required = required;
                }
                if let Some(prerequisites) = &patch.prerequisites {
                    lesson.prerequisites = prerequisites.clone();
                }
                course.validate_structure()?;
                Ok(vec![EventPayload::CourseUpdated { course_id: course.id }])
            })
            .await?;
        self.attach_deck(private_deck, course_id).await?;
        Ok(course)
    }

    /// Removes a lesson from a draft course.
    #[instrument(skip_all, fields(lesson_id = %lesson_id))]
    pub async fn remove_lesson(&self, actor: &Actor, lesson_id: LessonId) -> Result<Course> {
        let course_id = self.course_of_lesson(lesson_id).await?;
        self.modify(actor, course_id, |course| {
            course.remove_lesson(lesson_id)?;
            Ok(vec![EventPayload::CourseUpdated { course_id: course.id }])
        })
        .await
    }

    /// Reorders lessons; `order` lists every lesson once. Learners keep their completions
    /// (progress is kept per lesson, not per position).
    #[instrument(skip_all, fields(course_id = %course_id))]
    pub async fn reorder_lessons(&self, actor: &Actor, course_id: CourseId, order: Vec<LessonId>) -> Result<Course> {
        self.modify(actor, course_id, |course| {
            course.reorder_lessons(&order)?;
            Ok(vec![EventPayload::CourseUpdated { course_id: course.id }])
        })
        .await
    }

    /// Publishes a draft (or archived) course.
    #[instrument(skip_all, fields(course_id = %id))]
    pub async fn publish(&self, actor: &Actor, id: CourseId) -> Result<Course> {
        let now = self.deps.clock.now();
        self.modify(actor, id, |course| {
            course.publish(now)?;
            Ok(vec![EventPayload::CourseStatusChanged {
                course_id: course.id,
                status: course.status(),
            }])
        })
        .await
    }

    /// Archives a course: no new enrollments; enrolled learners keep access.
    #[instrument(skip_all, fields(course_id = %id))]
    pub async fn archive(&self, actor: &Actor, id: CourseId) -> Result<Course> {
        self.modify(actor, id, |course| {
            course.archive()?;
            Ok(vec![EventPayload::CourseStatusChanged {
                course_id: course.id,
                status: course.status(),
            }])
        })
        .await
    }

    /// Lists courses. Without a status, anonymous users and learners see published
    /// courses; owners may list their own courses in any state; admins see everything.
    pub async fn list_courses(
        &self,
        viewer: Option<&Actor>,
        query: CourseQuery,
        page: PageRequest,
    ) -> Result<Page<CourseSummary>> {
        let mut v = Validator::new();
        for (field, value) in [("category", &query.category), ("text", &query.text)] {
            let Some(value) = value else { continue };
            if value.chars().count() > MAX_QUERY_CHARS {
                v.push(FieldError::new(
                    field,
                    "too_long",
                    format!("must be at most {MAX_QUERY_CHARS} characters"),
                ));
            } else if let Some(found) = forbidden_character(value, false) {
                v.push(found.field_error(field));
            }
        }
        v.finish()?;
        let admin = viewer.is_some_and(Actor::is_admin);
        let own = viewer.is_some_and(|a| Some(a.user_id) == query.owner_id);
        let status = match query.status {
            Some(status) if status != CourseStatus::Published && !admin && !own => {
                return Err(Error::Forbidden("only published courses are listed publicly".into()))
            }
            Some(status) => Some(status),
            None if admin || own => None,
            None => Some(CourseStatus::Published),
        };
        let filter = CourseFilter {
            status,
            owner_id: query.owner_id,
            category: query
                .category
                .as_deref()
                .map(normalize_for_match)
                .filter(|c| !c.is_empty()),
            text: query.text.as_deref().map(normalize_for_match).filter(|t| !t.is_empty()),
        };
        self.deps
            .stores
            .courses
            .list_courses(&filter, page)
            .await
            .map_err(|e| e.about(Entity::Course, "list"))
    }

    /// A flashcard lesson's deck must be one of the course's decks, or a private deck of
    /// the actor's, which becomes the course's once the lesson is saved
    /// ([`Self::attach_deck`]). Returns that private deck; reads only, so a lesson refused
    /// later changes no deck.
    async fn check_deck(
        &self,
        actor: &Actor,
        course_id: CourseId,
        content: Option<&LessonContent>,
    ) -> Result<Option<Deck>> {
        let Some(LessonContent::Flashcards { deck_id }) = content else {
            return Ok(None);
        };
        let deck = self
            .deps
            .records
            .get::<Deck>(*deck_id)
            .await
            .map_err(|e| e.about(Entity::Deck, deck_id))?
            .ok_or_else(|| Error::invalid("deck_id", "unknown_deck", "no deck has this id"))?;
        match deck.course_id {
            Some(owner) if owner == course_id => Ok(None),
            None if deck.created_by == actor.user_id => Ok(Some(deck)),
            _ => Err(Error::invalid(
                "deck_id",
                "foreign_deck",
                "the deck belongs to another course or to another user; use one of this course's decks or a \
                 private deck of yours",
            )),
        }
    }

    /// Makes a private deck the course's (authored by its instructors, studied by its
    /// learners; its owner's own schedules stay theirs), after the lesson naming it was
    /// saved by someone who manages the course.
    async fn attach_deck(&self, deck: Option<Deck>, course_id: CourseId) -> Result<()> {
        let Some(deck) = deck else { return Ok(()) };
        retry_on_conflict(|| async {
            let stored = self
                .deps
                .records
                .get::<Deck>(deck.id)
                .await
                .map_err(|e| e.about(Entity::Deck, deck.id))?
                .ok_or_else(|| Error::not_found(Entity::Deck, deck.id))?;
            if stored.course_id == Some(course_id) {
                return Ok(());
            }
            let attached = Deck {
                course_id: Some(course_id),
                version: stored.version + 1,
                updated_at: self.deps.clock.now(),
                ..stored.clone()
            };
            self.deps
                .records
                .update(&attached, stored.version, &[])
                .await
                .map_err(|e| e.about(Entity::Deck, deck.id))
        })
        .await
    }

    async fn course_of_lesson(&self, lesson_id: LessonId) -> Result<CourseId> {
        course_by_lesson(&self.deps, lesson_id).await.map(|c| c.id)
    }

    /// Loads, authorizes, changes, validates and saves a course with the events `change`
    /// returns, retrying on version conflicts.
    async fn modify(
        &self,
        actor: &Actor,
        id: CourseId,
        change: impl Fn(&mut Course) -> Result<Vec<EventPayload>>,
    ) -> Result<Course> {
        retry_on_conflict(|| async {
            let mut course = Arc::unwrap_or_clone(self.load(id).await?);
            actor.require_manager(&course)?;
            let events = self.deps.events(change(&mut course)?);
            let expected = course.next_version();
            course.updated_at = self.deps.clock.now();
            self.deps
                .stores
                .courses
                .update_course(&course, expected, &events)
                .await
                .map_err(|e| e.about(Entity::Course, id))?;
            Ok(course)
        })
        .await
    }
}

/// Loads a course or fails with `COURSE_NOT_FOUND`.
pub(crate) async fn load_course(deps: &Deps, id: CourseId) -> Result<Arc<Course>> {
    deps.stores
        .courses
        .get_course(id)
        .await
        .map_err(|e| e.about(Entity::Course, id))?
        .ok_or_else(|| Error::not_found(Entity::Course, id))
}

/// Loads the course containing a lesson or fails with `LESSON_NOT_FOUND`.
pub(crate) async fn course_by_lesson(deps: &Deps, lesson_id: LessonId) -> Result<Arc<Course>> {
    deps.stores
        .courses
        .find_course_by_lesson(lesson_id)
        .await
        .map_err(|e| e.about(Entity::Lesson, lesson_id))?
        .ok_or_else(|| Error::not_found(Entity::Lesson, lesson_id))
}
