//! The plain content of a deck package, independent of Anki's storage layout.

/// Everything this crate reads from or writes to an `.apkg`: notes with their note types,
/// the decks they sit in, the media files they reference and the review history.
///
/// Identity across packages is by name (note types, decks, media) and by guid (notes);
/// Anki's numeric ids stay inside the package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    /// The notes, in the package's order (by Anki note id, which is creation time).
    pub notes: Vec<Note>,
    /// The note types the package declares, each name once.
    pub note_types: Vec<NoteType>,
    /// The decks the package declares, parents included. Anki's built-in "Default" deck
    /// is left out unless a note is in it.
    pub decks: Vec<DeckInfo>,
    /// The media files of the package (images, audio) that fields refer to by name.
    pub media: Vec<MediaFile>,
    /// The review log of the package's cards, oldest first. Empty for a package exported
    /// without scheduling.
    pub reviews: Vec<Review>,
}

/// One note: the unit a user edits. Its fields stay a list of named values, as the note
/// type defines them, rather than being flattened into front and back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Anki's globally unique id of the note, which Anki uses to recognise the same note
    /// when a package is imported again. Unique within a package.
    pub guid: String,
    /// The name of the note's type, one of [`Package::note_types`].
    pub note_type: String,
    /// The note's deck: the deck of its first card (Anki keeps the deck per card).
    /// `None` when the package has no card of the note.
    pub deck: Option<String>,
    /// The field values in the note type's order, each with its field name. Values are
    /// HTML as Anki stores them (`&amp;`, `<br>`, `<img src="…">`, `[sound:…]`).
    pub fields: Vec<Field>,
    /// The note's tags, in the package's order; `::` separates levels of a tag.
    pub tags: Vec<String>,
}

/// A named field value of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's name in the note type.
    pub name: String,
    /// The field's HTML content.
    pub value: String,
}

/// A note type ("model" in older Anki): its fields and the card templates that make
/// cards from a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteType {
    /// The name, unique within the package.
    pub name: String,
    /// Whether cards come from templates or from cloze deletions.
    pub kind: NoteTypeKind,
    /// The field names, in order.
    pub fields: Vec<String>,
    /// The card templates, in order. A standard note type makes one card per template
    /// for each note; a cloze type has one template and a card per cloze number.
    pub templates: Vec<Template>,
    /// The CSS shared by the templates.
    pub css: String,
}

/// The CSS of Anki's stock note types.
const DEFAULT_CSS: &str = ".card {\n    font-family: arial;\n    font-size: 20px;\n    text-align: center;\n    color: black;\n    background-color: white;\n}\n";

impl NoteType {
    /// A note type made from field names alone, as when a file carries no templates
    /// (a text file, cards made outside Anki): one template showing the first field on
    /// the front and the second on the back, like Anki's stock Basic, or with `cloze` a
    /// cloze template over the first field; Anki's stock styling.
    pub fn with_fields(name: impl Into<String>, fields: Vec<String>, cloze: bool) -> Self {
        let first = fields.first().map(String::as_str).unwrap_or("Front");
        let second = fields.get(1);
        let (kind, template) = if cloze {
            let back = match second {
                Some(second) => format!("{{{{cloze:{first}}}}}<br>\n{{{{{second}}}}}"),
                None => format!("{{{{cloze:{first}}}}}"),
            };
            let template = Template {
                name: "Cloze".to_owned(),
                front: format!("{{{{cloze:{first}}}}}"),
                back,
            };
            (NoteTypeKind::Cloze, template)
        } else {
            let back = match second {
                Some(second) => format!("{{{{FrontSide}}}}<hr id=answer>{{{{{second}}}}}"),
                None => "{{FrontSide}}".to_owned(),
            };
            let template = Template {
                name: "Card 1".to_owned(),
                front: format!("{{{{{first}}}}}"),
                back,
            };
            (NoteTypeKind::Standard, template)
        };
        Self {
            name: name.into(),
            kind,
            templates: vec![template],
            fields,
            css: DEFAULT_CSS.to_owned(),
        }
    }
}

/// How a note type makes cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteTypeKind {
    /// One card per template.
    Standard,
    /// One card per cloze number (`{{c1::…}}`, `{{c2::…}}`) found in the note's fields.
    Cloze,
}

/// A card template: the question and answer sides, in Anki's template language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template's name (e.g. "Card 1").
    pub name: String,
    /// The question side (`qfmt`), e.g. `{{Front}}`.
    pub front: String,
    /// The answer side (`afmt`), e.g. `{{FrontSide}}<hr id=answer>{{Back}}`.
    pub back: String,
}

/// A deck of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeckInfo {
    /// The full name, levels joined with `::` (e.g. `French::Vocabulary`).
    pub name: String,
    /// The deck's description (HTML), empty when it has none.
    pub description: String,
}

/// A media file of the package, referenced from fields by its name.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// The file name: one path component, no separators.
    pub name: String,
    /// The file's content.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaFile")
            .field("name", &self.name)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// One entry of Anki's review log: an answer given to a card, or a manual change to its
/// schedule. Kept as Anki records it, so that a schedule can be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The guid of the reviewed card's note.
    pub note_guid: String,
    /// Which card of the note: the template index, or the cloze number minus one.
    pub card_ordinal: u32,
    /// When the review happened, in milliseconds since the Unix epoch (the log entry's id).
    pub reviewed_at_ms: i64,
    /// The answer button: 1 again, 2 hard, 3 good, 4 easy; 0 for a manual entry.
    pub rating: u8,
    /// The interval after the review: days when positive, seconds when negative
    /// (a learning step).
    pub interval: i64,
    /// The interval before the review, in the same convention.
    pub last_interval: i64,
    /// The ease factor after the review in permille (2500 = 250%) under SM-2, or the
    /// FSRS difficulty Anki stores there; 0 for learning steps.
    pub factor: u32,
    /// How long the answer took, in milliseconds.
    pub duration_ms: u32,
    /// What kind of review it was.
    pub kind: ReviewKind,
}

/// The kind of a review log entry (Anki's `revlog.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    /// A new or learning card's step.
    Learning,
    /// A graduated card's review.
    Review,
    /// A lapsed card's relearning step.
    Relearning,
    /// A review in a filtered deck.
    Filtered,
    /// A manual reschedule (e.g. "set due date" or "forget").
    Manual,
    /// A reschedule by the FSRS helper.
    Rescheduled,
}

impl ReviewKind {
    /// The kind for Anki's numeric `revlog.type`, `None` for a value Anki does not define.
    pub fn from_anki(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::Learning,
            1 => Self::Review,
            2 => Self::Relearning,
            3 => Self::Filtered,
            4 => Self::Manual,
            5 => Self::Rescheduled,
            _ => return None,
        })
    }

    /// Anki's numeric `revlog.type` of this kind.
    pub fn to_anki(self) -> i64 {
        match self {
            Self::Learning => 0,
            Self::Review => 1,
            Self::Relearning => 2,
            Self::Filtered => 3,
            Self::Manual => 4,
            Self::Rescheduled => 5,
        }
    }
}

/// Whether `name` is acceptable as a media file name: one non-empty path component of
/// at most 255 bytes, without separators, control characters, `.` or `..`. Anki refuses
/// other names too, and a caller storing media by name must not get a path out of one.
pub(crate) fn media_name_is_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}
