//! Request and response bodies, and their conversions to and from domain types.
//! Requests carry raw values; `lms-core` validates them and reports field errors.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lms_core::domain::course::{Course, CourseStatus, CourseSummary, Difficulty};
use lms_core::domain::enrollment::{Enrollment, EnrollmentSource, EnrollmentStatus};
use lms_core::domain::lesson::{Lesson, LessonKind};
use lms_core::domain::money::Price;
use lms_core::domain::quiz::{NewQuestion, QuestionKind};
use lms_core::domain::unlock::{Evaluation, LessonState, UnmetRequirement};
use lms_core::domain::user::{Role, User};
use lms_core::payments::Interval;
use lms_core::services::{LessonInput, LessonViewContent, PriceInput, ProgressUpdate};
use lms_core::{Error, FieldError};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{MaybeUndefined, ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object};
use serde_json::Value;
use std::borrow::Cow;
use uuid::Uuid;

/// A request string type: a JSON string (unlike `String` in poem-openapi, numbers and
/// booleans are refused rather than converted, so a body that breaks the document is
/// rejected), documented with an optional `format` naming the characters it may hold.
macro_rules! request_string {
    ($(#[$doc:meta])* $name:ident, format = $format:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name(pub String);

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = String;
            type RawElementValueType = String;

            fn name() -> Cow<'static, str> {
                "string".into()
            }

            fn schema_ref() -> MetaSchemaRef {
                let format: Option<&'static str> = $format;
                let schema = match format {
                    Some(format) => MetaSchema::new_with_format("string", format),
                    None => MetaSchema::new("string"),
                };
                MetaSchemaRef::Inline(Box::new(schema))
            }

            fn as_raw_value(&self) -> Option<&String> {
                Some(&self.0)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
                Box::new(std::iter::once(&self.0))
            }

            fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl ParseFromJSON for $name {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value.unwrap_or_default() {
                    Value::String(s) => Ok(Self(s)),
                    other => Err(ParseError::expected_type(other)),
                }
            }
        }

        impl ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Ok(Self(value.to_owned()))
            }
        }

        impl ToJSON for $name {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.0.clone()))
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(t: $name) -> Self {
                t.0
            }
        }
    };
}

request_string!(
    /// Any string: secrets, tokens, addresses and codes, checked by the core.
    Text,
    format = None
);
request_string!(
    /// One line of text, as the core stores titles, names and categories: no control
    /// characters (Unicode Cc), no invisible ones (Cf, and the Hangul fillers U+115F,
    /// U+1160, U+3164, U+FFA0); surrounding whitespace is trimmed.
    Line,
    format = Some(PLAIN_LINE)
);
request_string!(
    /// Text of several lines, as the core stores descriptions, articles and questions:
    /// [`Line`]'s rules, except that line feeds, carriage returns and tabs are allowed.
    Prose,
    format = Some(PLAIN_TEXT)
);

/// The `format` of [`Line`] strings in the document.
pub const PLAIN_LINE: &str = "plain-line";
/// The `format` of [`Prose`] strings in the document.
pub const PLAIN_TEXT: &str = "plain-text";

/// Strings of a list of texts.
pub fn strings<T: Into<String>>(texts: Vec<T>) -> Vec<String> {
    texts.into_iter().map(Into::into).collect()
}

/// Metadata from a map of texts.
pub fn metadata(map: BTreeMap<String, Prose>) -> BTreeMap<String, String> {
    map.into_iter().map(|(k, v)| (k, v.0)).collect()
}

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident <=> $domain:ty { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
        #[oai(rename_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }
    };
}

pub(crate) use mirror_enum;

mirror_enum!(
    /// How often a plan charges.
    PlanInterval <=> Interval {
        /// Every month.
        Month,
        /// Every year.
        Year,
    }
);

mirror_enum!(
    /// A user's role.
    RoleDto <=> Role {
        /// Takes courses.
        Student,
        /// Creates and owns courses.
        Instructor,
        /// Manages everything.
        Admin,
    }
);

mirror_enum!(
    /// How demanding a course is.
    DifficultyDto <=> Difficulty {
        /// No prior knowledge needed.
        Beginner,
        /// Some experience expected.
        Intermediate,
        /// For experienced learners.
        Advanced,
    }
);

mirror_enum!(
    /// A course's lifecycle state.
    CourseStatusDto <=> CourseStatus {
        /// Being authored.
        Draft,
        /// Open for enrollment.
        Published,
        /// Closed to new enrollments.
        Archived,
    }
);

mirror_enum!(
    /// The kind of a lesson.
    LessonKindDto <=> LessonKind {
        /// A YouTube video.
        Video,
        /// An article.
        Text,
        /// A quiz.
        Quiz,
        /// A flashcard deck.
        Flashcards,
    }
);

mirror_enum!(
    /// How a quiz question is answered.
    QuestionKindDto <=> QuestionKind {
        /// One correct option.
        SingleChoice,
        /// One or more correct options.
        MultipleChoice,
        /// True or false.
        TrueFalse,
        /// Free text.
        ShortAnswer,
    }
);

mirror_enum!(
    /// A learner's state on a lesson.
    LessonStateDto <=> LessonState {
        /// Requirements unmet.
        Locked,
        /// Open to study.
        Unlocked,
        /// Done.
        Completed,
    }
);

mirror_enum!(
    /// An enrollment's state.
    EnrollmentStatusDto <=> EnrollmentStatus {
        /// Learning.
        Active,
        /// Completed.
        Completed,
        /// Left by the learner.
        Cancelled,
        /// Refunded.
        Refunded,
        /// Expired.
        Expired,
    }
);

/// How an enrollment came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum EnrollmentSourceDto {
    /// The learner enrolled in a free course.
    Free,
    /// Through membership of a class.
    Class,
    /// Granted by an admin.
    Grant,
    /// Through a paid order.
    Purchase,
    /// Through a premium subscription.
    Subscription,
}

impl From<&EnrollmentSource> for EnrollmentSourceDto {
    fn from(source: &EnrollmentSource) -> Self {
        match source {
            EnrollmentSource::Free => Self::Free,
            EnrollmentSource::Class { .. } => Self::Class,
            EnrollmentSource::Grant { .. } => Self::Grant,
            EnrollmentSource::Purchase { .. } => Self::Purchase,
            EnrollmentSource::Subscription => Self::Subscription,
        }
    }
}

// ---------------------------------------------------------------- auth and users

/// Registration.
#[derive(Debug, Object)]
pub struct RegisterRequest {
    /// Email address (unique, case-insensitive).
    #[oai(validator(max_length = 254))]
    pub email: Text,
    /// Password: 8 to 128 characters, no composition rules, refused when common or
    /// guessable (also from the email and name); never truncated.
    #[oai(validator(min_length = 8, max_length = 128))]
    pub password: Text,
    /// Name shown to others, 1–100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub display_name: Line,
}

/// Corrections to one's profile; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct ProfileRequest {
    /// A new email address (unique, case-insensitive).
    #[oai(validator(max_length = 254))]
    pub email: Option<Text>,
    /// A new display name, 1–100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub display_name: Option<Line>,
}

/// Login.
#[derive(Debug, Object)]
pub struct LoginRequest {
    /// Email address.
    #[oai(validator(max_length = 1024))]
    pub email: Text,
    /// Password.
    #[oai(validator(max_length = 1024))]
    pub password: Text,
}

/// A request to mail a password-reset token.
#[derive(Debug, Object)]
pub struct PasswordResetRequest {
    /// The account's email address.
    #[oai(validator(max_length = 1024))]
    pub email: Text,
}

/// A new password, with the token from the reset mail.
#[derive(Debug, Object)]
pub struct PasswordResetConfirm {
    /// The token from the reset mail.
    #[oai(validator(max_length = 512))]
    pub token: Text,
    /// The new password (the same policy as at registration).
    #[oai(validator(min_length = 8, max_length = 128))]
    pub new_password: Text,
}

/// A refresh token, to exchange or to revoke.
#[derive(Debug, Object)]
pub struct RefreshRequest {
    /// The refresh token from login or the previous refresh.
    #[oai(validator(max_length = 512))]
    pub refresh_token: Text,
}

/// Tokens of a session.
#[derive(Debug, Object)]
pub struct TokenResponse {
    /// JWT access token for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Opaque refresh token; single use, rotated on every refresh.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// When the refresh token expires at the latest.
    pub refresh_expires_at: DateTime<Utc>,
    /// The authenticated user.
    pub user: UserResponse,
}

/// A user account.
#[derive(Debug, Object)]
pub struct UserResponse {
    /// Identifier.
    pub id: Uuid,
    /// Email address (normalized).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: RoleDto,
    /// Holds a premium subscription.
    pub premium: bool,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.to_string(),
            display_name: u.display_name.to_string(),
            role: u.role.into(),
            premium: u.premium,
            created_at: u.created_at,
        }
    }
}

/// Changes to a user's access (admins only).
#[derive(Debug, Object)]
pub struct AccessPatch {
    /// New role.
    pub role: Option<RoleDto>,
    /// New premium flag.
    pub premium: Option<bool>,
}

// ---------------------------------------------------------------- catalog

/// A price in minor units of a currency.
#[derive(Debug, Clone, Object)]
pub struct PriceDto {
    /// Amount in minor units (cents), 1 to 10^12.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000000000")))]
    pub amount_minor: i64,
    /// ISO 4217 code: three letters.
    #[oai(validator(pattern = "^[A-Za-z]{3}$"))]
    pub currency: Text,
}

impl From<PriceDto> for PriceInput {
    fn from(p: PriceDto) -> Self {
        PriceInput {
            amount_minor: p.amount_minor,
            currency: p.currency.into(),
        }
    }
}

/// A price change as a patch field: absent keeps the price, `null` removes it.
pub fn price_change(price: MaybeUndefined<PriceDto>) -> Option<Option<PriceInput>> {
    match price {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(p) => Some(Some(p.into())),
    }
}

/// A new course.
#[derive(Debug, Object)]
pub struct CreateCourseRequest {
    /// Title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Line,
    /// Description, up to 20,000 characters.
    #[oai(default, validator(max_length = 20000))]
    pub description: Prose,
    /// Category, 1–64 characters.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub category: Line,
    /// Difficulty.
    pub difficulty: DifficultyDto,
    /// Price; free when absent.
    pub price: Option<PriceDto>,
    /// Free-form metadata: up to 50 entries, keys up to 64 and values up to 1,000 characters.
    #[oai(default, validator(max_properties = 50))]
    pub metadata: BTreeMap<String, Prose>,
}

/// Changes to a course; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateCourseRequest {
    /// New title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<Line>,
    /// New description, up to 20,000 characters.
    #[oai(validator(max_length = 20000))]
    pub description: Option<Prose>,
    /// New category, 1–64 characters.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub category: Option<Line>,
    /// New difficulty.
    pub difficulty: Option<DifficultyDto>,
    /// New price; `null` makes the course free.
    pub price: MaybeUndefined<PriceDto>,
    /// New metadata (replaces the old): up to 50 entries.
    #[oai(validator(max_properties = 50))]
    pub metadata: Option<BTreeMap<String, Prose>>,
}

/// A lesson in a course outline.
#[derive(Debug, Object)]
pub struct LessonSummary {
    /// Identifier.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: LessonKindDto,
    /// Zero-based position.
    pub position: u32,
    /// Counts toward completion.
    pub required: bool,
}

fn lesson_summary(position: usize, l: &Lesson) -> LessonSummary {
    LessonSummary {
        id: l.id.as_uuid(),
        title: l.title.to_string(),
        kind: l.kind().into(),
        position: position as u32,
        required: l.required,
    }
}

/// A course with its outline.
#[derive(Debug, Object)]
pub struct CourseResponse {
    /// The course's listing fields.
    #[oai(flatten)]
    pub summary: CourseListItem,
    /// Metadata.
    pub metadata: BTreeMap<String, String>,
    /// Lessons in order.
    pub lessons: Vec<LessonSummary>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn price_dto(price: Price) -> Option<PriceDto> {
    match price {
        Price::Free => None,
        Price::Paid(m) => Some(PriceDto {
            amount_minor: m.amount_minor,
            currency: Text(m.currency.to_string()),
        }),
    }
}

impl From<&Course> for CourseResponse {
    fn from(c: &Course) -> Self {
        Self {
            summary: c.summary().into(),
            lessons: c
                .lessons
                .iter()
                .enumerate()
                .map(|(i, l)| lesson_summary(i, l))
                .collect(),
            metadata: c.metadata.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A course in a listing.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CourseListItem {
    /// Identifier.
    pub id: Uuid,
    /// The owning instructor.
    pub owner_id: Uuid,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: String,
    /// Difficulty.
    pub difficulty: DifficultyDto,
    /// Lifecycle state.
    pub status: CourseStatusDto,
    /// Price; absent for free courses.
    pub price: Option<PriceDto>,
    /// Number of lessons.
    pub lesson_count: u32,
    /// First publication.
    pub published_at: Option<DateTime<Utc>>,
}

impl From<CourseSummary> for CourseListItem {
    fn from(c: CourseSummary) -> Self {
        Self {
            id: c.id.as_uuid(),
            owner_id: c.owner_id.as_uuid(),
            title: c.title.to_string(),
            description: c.description.to_string(),
            category: c.category.to_string(),
            difficulty: c.difficulty.into(),
            status: c.status.into(),
            price: price_dto(c.price),
            lesson_count: c.lesson_count,
            published_at: c.published_at,
        }
    }
}

/// A page of courses.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CoursePage {
    /// The courses.
    pub items: Vec<CourseListItem>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

/// Video lesson content.
#[derive(Debug, Object)]
pub struct VideoInput {
    /// The 11-character YouTube video id.
    #[oai(validator(pattern = "^[A-Za-z0-9_-]{11}$"))]
    pub youtube_id: Text,
    /// Length in seconds, 1 to 86,400.
    #[oai(validator(minimum(value = "1"), maximum(value = "86400")))]
    pub duration_seconds: u32,
    /// Share of distinct seconds to watch for completion, 1–100 (default 90).
    #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
    pub completion_threshold_percent: Option<u8>,
}

/// Text lesson content.
#[derive(Debug, Object)]
pub struct TextInput {
    /// The article, 1–200,000 characters.
    #[oai(validator(min_length = 1, max_length = 200000))]
    pub body: Prose,
}

/// A quiz question with its answer key.
#[derive(Debug, Object)]
pub struct QuestionInput {
    /// The question, 1–2,000 characters.
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub prompt: Prose,
    /// How it is answered.
    pub kind: QuestionKindDto,
    /// Choices (none for short answers): up to 20, each up to 500 characters.
    #[oai(default, validator(max_items = 20))]
    pub options: Vec<Prose>,
    /// Zero-based indexes of the correct options.
    #[oai(default, validator(max_items = 1000))]
    pub correct_options: Vec<u32>,
    /// Accepted answers for short-answer questions.
    #[oai(default, validator(max_items = 1000))]
    pub accepted_answers: Vec<Prose>,
}

/// Quiz lesson content.
#[derive(Debug, Object)]
pub struct QuizInput {
    /// Score needed to pass, in percent (0–100).
    #[oai(validator(maximum(value = "100")))]
    pub pass_mark_percent: u8,
    /// Attempts allowed; unlimited when absent.
    pub max_attempts: Option<u32>,
    /// The questions: up to 200.
    #[oai(validator(max_items = 200))]
    pub questions: Vec<QuestionInput>,
}

/// Flashcard lesson content.
#[derive(Debug, Object)]
pub struct FlashcardsInput {
    /// The deck, created with this course's id (`POST /api/v1/decks`).
    pub deck_id: Uuid,
}

/// A new lesson.
#[derive(Debug, Object)]
pub struct CreateLessonRequest {
    /// Title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Line,
    /// Kind; the matching content object (`video`, `text`, `quiz` or `flashcards`) is
    /// required; a flashcard lesson may give its deck as `deck_id` instead.
    pub kind: LessonKindDto,
    /// Content of a video lesson.
    pub video: Option<VideoInput>,
    /// Content of a text lesson.
    pub text: Option<TextInput>,
    /// Content of a quiz lesson.
    pub quiz: Option<QuizInput>,
    /// Content of a flashcard lesson.
    pub flashcards: Option<FlashcardsInput>,
    /// The deck of a flashcard lesson (the same as `flashcards.deck_id`).
    pub deck_id: Option<Uuid>,
    /// Counts toward completion (default true).
    pub required: Option<bool>,
    /// Zero-based position; appended when absent.
    pub position: Option<u32>,
}

/// Changes to a lesson; absent fields stay as they are. Content may be replaced by
/// sending the object of the lesson's kind.
#[derive(Debug, Object)]
pub struct UpdateLessonRequest {
    /// New title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<Line>,
    /// New video content.
    pub video: Option<VideoInput>,
    /// New text content.
    pub text: Option<TextInput>,
    /// New quiz content.
    pub quiz: Option<QuizInput>,
    /// New flashcard content.
    pub flashcards: Option<FlashcardsInput>,
    /// New required flag.
    pub required: Option<bool>,
}

/// The new order of a course's lessons.
#[derive(Debug, Object)]
pub struct ReorderRequest {
    /// Every lesson id of the course, once, in the new order.
    #[oai(validator(max_items = 1000))]
    pub lesson_ids: Vec<Uuid>,
}

fn video_input(v: VideoInput) -> LessonInput {
    LessonInput::Video {
        youtube_id: v.youtube_id.into(),
        duration_seconds: v.duration_seconds,
        completion_threshold_percent: v.completion_threshold_percent,
    }
}

fn quiz_input(q: QuizInput) -> LessonInput {
    LessonInput::Quiz {
        pass_mark_percent: q.pass_mark_percent,
        max_attempts: q.max_attempts,
        questions: q
            .questions
            .into_iter()
            .map(|q| NewQuestion {
                prompt: q.prompt.into(),
                kind: Some(q.kind.into()),
                options: strings(q.options),
                correct_options: q.correct_options,
                accepted_answers: strings(q.accepted_answers),
            })
            .collect(),
    }
}

/// The single content object sent, if exactly one was.
fn content_of(
    video: Option<VideoInput>,
    text: Option<TextInput>,
    quiz: Option<QuizInput>,
    flashcards: Option<FlashcardsInput>,
) -> Result<Option<LessonInput>, Error> {
    let mut contents: Vec<LessonInput> = Vec::new();
    contents.extend(video.map(video_input));
    contents.extend(text.map(|t| LessonInput::Text { body: t.body.into() }));
    contents.extend(quiz.map(quiz_input));
    contents.extend(flashcards.map(|f| LessonInput::Flashcards {
        deck_id: f.deck_id.into(),
    }));
    match contents.len() {
        0 => Ok(None),
        1 => Ok(contents.pop()),
        _ => Err(Error::Validation(vec![FieldError::new(
            "content",
            "ambiguous",
            "send only one of video, text, quiz and flashcards",
        )])),
    }
}

fn input_kind(input: &LessonInput) -> LessonKindDto {
    match input {
        LessonInput::Video { .. } => LessonKindDto::Video,
        LessonInput::Text { .. } => LessonKindDto::Text,
        LessonInput::Quiz { .. } => LessonKindDto::Quiz,
        LessonInput::Flashcards { .. } => LessonKindDto::Flashcards,
    }
}

impl CreateLessonRequest {
    /// The content matching `kind`, or a field error.
    pub fn content(&mut self) -> Result<LessonInput, Error> {
        let field = match self.kind {
            LessonKindDto::Video => "video",
            LessonKindDto::Text => "text",
            LessonKindDto::Quiz => "quiz",
            LessonKindDto::Flashcards => "flashcards",
        };
        let flashcards = match (self.flashcards.take(), self.deck_id.take()) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "deck_id",
                    "ambiguous",
                    "send the deck either as `deck_id` or as `flashcards.deck_id`",
                ))
            }
            (content, shorthand) => content.or(shorthand.map(|deck_id| FlashcardsInput { deck_id })),
        };
        match content_of(self.video.take(), self.text.take(), self.quiz.take(), flashcards)? {
            Some(input) if input_kind(&input) == self.kind => Ok(input),
            Some(_) => Err(Error::invalid(
                field,
                "required",
                format!("a {field} lesson needs `{field}`"),
            )),
            None => Err(Error::invalid(
                field,
                "required",
                format!("a {field} lesson needs `{field}`"),
            )),
        }
    }
}

impl UpdateLessonRequest {
    /// The replacement content, if one was sent.
    pub fn content(&mut self) -> Result<Option<LessonInput>, Error> {
        content_of(
            self.video.take(),
            self.text.take(),
            self.quiz.take(),
            self.flashcards.take(),
        )
    }
}

/// A lesson as its course's managers see it after a change.
#[derive(Debug, Object)]
pub struct LessonResponse {
    /// Identifier.
    pub id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: LessonKindDto,
    /// Zero-based position.
    pub position: u32,
    /// Counts toward completion.
    pub required: bool,
}

impl LessonResponse {
    /// The lesson `id` of `course`, if present.
    pub fn of(course: &Course, id: lms_core::ids::LessonId) -> Option<Self> {
        course.lesson(id).map(|(position, l)| {
            let s = lesson_summary(position, l);
            Self {
                id: s.id,
                course_id: course.id.as_uuid(),
                title: s.title,
                kind: s.kind,
                position: s.position,
                required: s.required,
            }
        })
    }
}

// ---------------------------------------------------------------- classes

/// A new class.
#[derive(Debug, Object)]
pub struct CreateClassRequest {
    /// Title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Line,
    /// Description, up to 20,000 characters.
    #[oai(default, validator(max_length = 20000))]
    pub description: Prose,
    /// The price of the whole class (`POST /classes/{id}/checkout`); without one the
    /// class is not sold as a whole and its courses keep their own prices.
    pub price: Option<PriceDto>,
}

/// Changes to a class; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateClassRequest {
    /// New title, 1–200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<Line>,
    /// New description, up to 20,000 characters.
    #[oai(validator(max_length = 20000))]
    pub description: Option<Prose>,
    /// New price of the whole class; `null`: no longer sold as a whole.
    pub price: MaybeUndefined<PriceDto>,
}

/// A course to add to a class.
#[derive(Debug, Object)]
pub struct AddCourseRequest {
    /// The course.
    pub course_id: Uuid,
}

/// A class of courses.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClassResponse {
    /// Identifier.
    pub id: Uuid,
    /// Owner.
    pub owner_id: Uuid,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Courses in order.
    pub course_ids: Vec<Uuid>,
    /// The price of the whole class; absent when it is not sold as a whole.
    pub price: Option<PriceDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<lms_core::domain::class::Class> for ClassResponse {
    fn from(c: lms_core::domain::class::Class) -> Self {
        Self {
            id: c.id.as_uuid(),
            owner_id: c.owner_id.as_uuid(),
            title: c.title.to_string(),
            description: c.description.to_string(),
            course_ids: c.course_ids.iter().map(|id| id.as_uuid()).collect(),
            price: price_dto(c.price),
            created_at: c.created_at,
        }
    }
}

// ---------------------------------------------------------------- learning

/// An enrollment.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EnrollmentResponse {
    /// Identifier.
    pub id: Uuid,
    /// The learner.
    pub user_id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// State.
    pub status: EnrollmentStatusDto,
    /// How it came about (`purchase` for a paid order, `subscription` for premium …).
    pub source: EnrollmentSourceDto,
    /// Enrollment time.
    pub enrolled_at: DateTime<Utc>,
    /// Completion time.
    pub completed_at: Option<DateTime<Utc>>,
    /// Lessons completed.
    pub completed_lessons: u32,
    /// Public id of the completion certificate.
    pub certificate_id: Option<Uuid>,
    /// The lesson last worked on.
    pub last_lesson_id: Option<Uuid>,
}

impl From<Enrollment> for EnrollmentResponse {
    fn from(e: Enrollment) -> Self {
        Self {
            id: e.id().as_uuid(),
            user_id: e.user_id().as_uuid(),
            course_id: e.course_id().as_uuid(),
            status: e.status().into(),
            source: e.source().into(),
            enrolled_at: e.enrolled_at(),
            completed_at: e.completed_at(),
            completed_lessons: e.completed_lessons().len() as u32,
            certificate_id: e.certificate().as_ref().map(|c| c.id.as_uuid()),
            last_lesson_id: e.last_lesson_id().map(|l| l.as_uuid()),
        }
    }
}

/// A page of enrollments.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EnrollmentPage {
    /// The enrollments.
    pub items: Vec<EnrollmentResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

/// What a locked lesson waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum UnmetKindDto {
    /// A lesson of the same course.
    Lesson,
    /// Another course.
    Course,
}

/// Why a lesson is locked.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UnmetDto {
    /// What must be completed first.
    pub kind: UnmetKindDto,
    /// The lesson to complete first.
    pub lesson_id: Option<Uuid>,
    /// Its title.
    pub title: Option<String>,
    /// The course to complete first.
    pub course_id: Option<Uuid>,
}

impl From<&UnmetRequirement> for UnmetDto {
    fn from(u: &UnmetRequirement) -> Self {
        match u {
            UnmetRequirement::Lesson { lesson_id, title } => Self {
                kind: UnmetKindDto::Lesson,
                lesson_id: Some(lesson_id.as_uuid()),
                title: Some(title.clone()),
                course_id: None,
            },
            UnmetRequirement::Course { course_id } => Self {
                kind: UnmetKindDto::Course,
                lesson_id: None,
                title: None,
                course_id: Some(course_id.as_uuid()),
            },
        }
    }
}

/// One lesson in a learner's outline.
#[derive(Debug, Object)]
pub struct LessonProgressDto {
    /// Identifier.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: LessonKindDto,
    /// The learner's state.
    pub state: LessonStateDto,
    /// Why it is locked (empty unless locked).
    pub unmet: Vec<UnmetDto>,
}

/// A learner's progress in a course.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProgressResponse {
    /// The course.
    pub course_id: Uuid,
    /// Required lessons completed, in whole percent.
    pub percent: u8,
    /// Required lessons completed.
    pub completed_lessons: u32,
    /// Required lessons in the course.
    pub total_lessons: u32,
    /// Where to continue; absent when nothing is open.
    pub next_lesson_id: Option<Uuid>,
    /// The enrollment's state.
    pub enrollment_status: EnrollmentStatusDto,
    /// Every lesson's state, in course order.
    pub lessons: Vec<LessonProgressDto>,
}

impl ProgressResponse {
    /// The outline of `course` for a learner with `evaluation`.
    pub fn new(course: &Course, status: EnrollmentStatus, evaluation: &Evaluation) -> Self {
        let lessons = course
            .lessons
            .iter()
            .map(|l| {
                let s = evaluation.status(l.id);
                LessonProgressDto {
                    id: l.id.as_uuid(),
                    title: l.title.to_string(),
                    kind: l.kind().into(),
                    state: s.map_or(LessonStateDto::Locked, |s| s.state.into()),
                    unmet: s
                        .map(|s| s.unmet.iter().map(UnmetDto::from).collect())
                        .unwrap_or_default(),
                }
            })
            .collect();
        Self {
            course_id: course.id.as_uuid(),
            percent: evaluation.percent,
            completed_lessons: evaluation.completed_required,
            total_lessons: evaluation.total_required,
            next_lesson_id: evaluation.next_lesson_id.map(|l| l.as_uuid()),
            enrollment_status: status.into(),
            lessons,
        }
    }
}

/// A video as a learner opens it.
#[derive(Debug, Object)]
pub struct VideoView {
    /// YouTube id.
    pub youtube_id: String,
    /// Embed URL with the required player parameters.
    pub embed_url: String,
    /// Length in seconds.
    pub duration_seconds: u32,
    /// Completion threshold in percent.
    pub completion_threshold_percent: u8,
    /// Where to resume, in seconds.
    pub resume_position_seconds: f64,
    /// Distinct seconds watched.
    pub watched_seconds: f64,
}

/// A text lesson's article.
#[derive(Debug, Object)]
pub struct TextView {
    /// The article.
    pub body: String,
}

/// A quiz question without its answer.
#[derive(Debug, Object)]
pub struct QuestionView {
    /// Identifier (for answers).
    pub id: Uuid,
    /// The question.
    pub prompt: String,
    /// How it is answered.
    pub kind: QuestionKindDto,
    /// Choices.
    pub options: Vec<String>,
}

/// A quiz as a learner sees it: no answers.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QuizView {
    /// Score needed to pass.
    pub pass_mark_percent: u8,
    /// Attempts allowed; absent when unlimited.
    pub max_attempts: Option<u32>,
    /// Attempts used.
    pub attempts_used: u32,
    /// Questions.
    pub questions: Vec<QuestionView>,
}

/// A lesson opened by a learner.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LessonViewResponse {
    /// Identifier.
    pub id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: LessonKindDto,
    /// Zero-based position.
    pub position: u32,
    /// The viewer's state on it.
    pub state: LessonStateDto,
    /// Video content.
    pub video: Option<VideoView>,
    /// Text content.
    pub text: Option<TextView>,
    /// Quiz content, without answers.
    pub quiz: Option<QuizView>,
    /// Flashcard content: the deck to study.
    pub flashcards: Option<FlashcardsView>,
}

/// A flashcard lesson's content.
#[derive(Debug, Object)]
pub struct FlashcardsView {
    /// The deck, studied through `/api/v1/decks/{id}/due` and `/api/v1/cards/{id}/reviews`.
    pub deck_id: Uuid,
}

impl From<lms_core::services::LessonView> for LessonViewResponse {
    fn from(v: lms_core::services::LessonView) -> Self {
        let mut out = Self {
            id: v.lesson_id.as_uuid(),
            course_id: v.course_id.as_uuid(),
            title: v.title,
            kind: v.kind.into(),
            position: v.position,
            state: v.state.into(),
            video: None,
            text: None,
            quiz: None,
            flashcards: None,
        };
        match v.content {
            LessonViewContent::Video {
                youtube_id,
                embed_url,
                duration_seconds,
                completion_threshold_percent,
                resume_position_seconds,
                watched_seconds,
            } => {
                out.video = Some(VideoView {
                    youtube_id,
                    embed_url,
                    duration_seconds,
                    completion_threshold_percent,
                    resume_position_seconds,
                    watched_seconds,
                })
            }
            LessonViewContent::Text { body } => out.text = Some(TextView { body }),
            LessonViewContent::Flashcards { deck_id } => {
                out.flashcards = Some(FlashcardsView {
                    deck_id: deck_id.as_uuid(),
                })
            }
            LessonViewContent::Quiz { quiz, attempts_used } => {
                out.quiz = Some(QuizView {
                    pass_mark_percent: quiz.pass_mark_percent,
                    max_attempts: quiz.max_attempts,
                    attempts_used,
                    questions: quiz
                        .questions
                        .into_iter()
                        .map(|q| QuestionView {
                            id: q.id.as_uuid(),
                            prompt: q.prompt,
                            kind: q.kind.into(),
                            options: q.options,
                        })
                        .collect(),
                })
            }
        }
        out
    }
}

/// Watched spans of a video, in seconds.
#[derive(Debug, Object)]
pub struct VideoProgressRequest {
    /// `[start_second, end_second]` pairs.
    #[oai(validator(max_items = 1000))]
    pub intervals: Vec<Vec<f64>>,
    /// Idempotency key: the same event sent twice counts once.
    pub event_id: Option<Uuid>,
}

/// An answer to one question.
#[derive(Debug, Object)]
pub struct AnswerInput {
    /// The question.
    pub question_id: Uuid,
    /// Chosen option indexes (choice and true/false questions).
    #[oai(default, validator(max_items = 1000))]
    pub selected_options: Vec<u32>,
    /// Written answer (short-answer questions).
    #[oai(validator(max_length = 500))]
    pub text: Option<Text>,
}

/// A quiz attempt.
#[derive(Debug, Object)]
pub struct QuizAttemptRequest {
    /// Answers, one per question (a quiz has at most 200).
    #[oai(validator(max_items = 200))]
    pub answers: Vec<AnswerInput>,
    /// Idempotency key: the same attempt sent twice is graded once.
    pub event_id: Option<Uuid>,
}

/// One question's result.
#[derive(Debug, Object)]
pub struct QuestionResult {
    /// The question.
    pub question_id: Uuid,
    /// Answered correctly.
    pub correct: bool,
}

/// The effect of a learning event.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProgressUpdateResponse {
    /// The lesson.
    pub lesson_id: Uuid,
    /// The lesson became complete with this event.
    pub lesson_completed: bool,
    /// The course became complete with this event.
    pub course_completed: bool,
    /// The event had been applied before; nothing changed.
    pub duplicate: bool,
    /// Course progress in whole percent.
    pub percent: u8,
    /// Where to continue.
    pub next_lesson_id: Option<Uuid>,
    /// The enrollment's state.
    pub enrollment_status: EnrollmentStatusDto,
    /// Quiz score in percent (quiz attempts).
    pub score_percent: Option<u8>,
    /// Whether the attempt passed (quiz attempts).
    pub passed: Option<bool>,
    /// Correct answers (quiz attempts).
    pub correct: Option<u32>,
    /// Questions graded (quiz attempts).
    pub total: Option<u32>,
    /// Per-question results (quiz attempts).
    pub results: Option<Vec<QuestionResult>>,
}

impl ProgressUpdateResponse {
    /// The response for an update on `lesson_id`.
    pub fn new(lesson_id: Uuid, u: ProgressUpdate) -> Self {
        let grade = u.grade.as_ref();
        Self {
            lesson_id,
            lesson_completed: u.lesson_completed,
            course_completed: u.course_completed,
            duplicate: u.duplicate,
            percent: u.evaluation.percent,
            next_lesson_id: u.evaluation.next_lesson_id.map(|l| l.as_uuid()),
            enrollment_status: u.enrollment.status().into(),
            score_percent: grade.map(|g| g.score_percent),
            passed: grade.map(|g| g.passed),
            correct: grade.map(|g| g.correct),
            total: grade.map(|g| g.total),
            results: grade.map(|g| {
                g.results
                    .iter()
                    .map(|(q, correct)| QuestionResult {
                        question_id: q.as_uuid(),
                        correct: *correct,
                    })
                    .collect()
            }),
        }
    }
}
