//! Anki's text format for notes: a CSV (or TSV, or other separator) file with optional
//! `#key:value` header lines, as Anki's "Notes in Plain Text" exporter writes and its
//! text importer reads. Reading is [`read_text`], writing [`write_text`].
//!
//! The format carries notes only: fields, tags, deck, note type name and guid. Note types
//! are rebuilt from the field names (no templates or CSS travel in a text file), and
//! there is no media or review history.

mod read;
mod write;

pub use read::read_text;
pub use write::write_text;

use crate::Package;

/// The note type of rows that name none: Anki's stock "Basic", with fields Front and
/// Back.
const DEFAULT_NOTE_TYPE: &str = "Basic";

/// The header line key of this crate's extension, `#notetype fields:NAME<sep>FIELD…`:
/// the field names of one note type in a file that mixes note types. Anki ignores header
/// keys it does not know, and without it a mixed file cannot say which fields each note
/// type has (Anki pads all rows to the widest note type).
const NOTE_TYPE_FIELDS_KEY: &str = "notetype fields";

/// The name a field column gets when no `#columns:` header names it: Front, Back, then
/// "Field 3", "Field 4"… (`index` from 0), like the fields of Anki's stock Basic type.
fn default_field_name(index: usize) -> String {
    match index {
        0 => "Front".to_owned(),
        1 => "Back".to_owned(),
        n => format!("Field {}", n + 1),
    }
}

/// What [`read_text`] made of a text file: the notes as a package, and the rows it left
/// out with the reason, so that a caller can show the user what was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextImport {
    /// The notes, with the note types and decks they use. No media, no reviews.
    pub package: Package,
    /// The rows that were not imported, in file order. Rows that are entirely empty are
    /// left out silently and do not appear here.
    pub skipped: Vec<SkippedRow>,
}

/// A row of a text file that [`read_text`] did not import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The line of the file where the row starts, from 1.
    pub line: u64,
    /// Why the row was not imported (an empty first field, a guid used by an earlier
    /// row).
    pub reason: String,
}

/// How [`write_text`] writes a text file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextOptions {
    /// The character between columns.
    pub separator: Separator,
    /// Whether field values are written as the HTML they are (`#html:true`), or as plain
    /// text (`#html:false`): line breaks for `<br>` and `&amp;`, `&lt;`, `&gt;`, `&quot;`,
    /// `&#x27;` as the characters, which is how Anki's importer turns plain text back
    /// into HTML. Other markup stays as it is, and comes back escaped; only HTML is a
    /// lossless round trip.
    pub html: bool,
}

impl Default for TextOptions {
    /// Tab-separated HTML, the layout of Anki's own exporter with "include HTML".
    fn default() -> Self {
        Self {
            separator: Separator::Tab,
            html: true,
        }
    }
}

/// The column separator of a text file: the six Anki's importer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Separator {
    /// A tab (`\t`): Anki's exporter always uses it, and it rarely occurs in fields.
    #[default]
    Tab,
    /// A comma (`,`): the usual CSV.
    Comma,
    /// A semicolon (`;`): the CSV of locales where the comma is the decimal separator.
    Semicolon,
    /// A space.
    Space,
    /// A vertical bar (`|`).
    Pipe,
    /// A colon (`:`).
    Colon,
}

impl Separator {
    /// All separators, in the order Anki lists them.
    const ALL: [Self; 6] = [
        Self::Tab,
        Self::Pipe,
        Self::Semicolon,
        Self::Colon,
        Self::Comma,
        Self::Space,
    ];

    /// The separator's byte.
    pub fn byte(self) -> u8 {
        match self {
            Self::Tab => b'\t',
            Self::Comma => b',',
            Self::Semicolon => b';',
            Self::Space => b' ',
            Self::Pipe => b'|',
            Self::Colon => b':',
        }
    }

    /// The name in a `#separator:` header, as Anki's exporter writes it (`tab`,
    /// `comma`…; Anki reads the names in any case).
    pub fn name(self) -> &'static str {
        match self {
            Self::Tab => "tab",
            Self::Comma => "comma",
            Self::Semicolon => "semicolon",
            Self::Space => "space",
            Self::Pipe => "pipe",
            Self::Colon => "colon",
        }
    }

    /// The separator a `#separator:` header value names, as Anki reads it: the name in
    /// any case, or the character itself. `None` for anything else.
    pub fn from_header(value: &str) -> Option<Self> {
        // The character itself first, before trimming: `#separator: ` is a space.
        if let Some(found) = Self::ALL.into_iter().find(|s| value.as_bytes() == [s.byte()]) {
            return Some(found);
        }
        let name = value.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Whether Anki keeps `name` as a field name as it is: not empty or padded, not starting
/// with `#`, `/` or `^`, without `:`, `"`, `{`, `}` or control characters (Anki strips
/// those, and [`write_apkg`](crate::write_apkg) refuses them).
fn is_valid_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.trim() == name
        && !name.starts_with(['#', '/', '^'])
        && !name.contains([':', '"', '{', '}'])
        && !name.chars().any(char::is_control)
}

/// Whether `value` holds a cloze deletion (`{{c1::…`): such a field makes the note type
/// a cloze type.
fn has_cloze(value: &str) -> bool {
    value.match_indices("{{c").any(|(at, _)| {
        let rest = value.get(at + 3..).unwrap_or_default();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest.get(digits..).is_some_and(|r| r.starts_with("::"))
    })
}

/// The HTML Anki's importer makes of a plain-text field (`#html:false`): `&`, `<`, `>`,
/// `"` and `'` as entities, line feeds as `<br>`.
fn plain_to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#x27;"),
            '\n' => html.push_str("<br>"),
            c => html.push(c),
        }
    }
    html
}

/// The plain text of `html` for `#html:false`: the inverse of [`plain_to_html`], in one
/// pass so that an escaped entity is not unescaped twice. Other markup is left as it is.
fn html_to_plain(html: &str) -> String {
    const REPLACEMENTS: [(&str, &str); 9] = [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("<br>", "\n"),
        ("<br/>", "\n"),
        ("<br />", "\n"),
    ];
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['&', '<']) {
        text.push_str(rest.get(..at).unwrap_or_default());
        let tail = rest.get(at..).unwrap_or_default();
        match REPLACEMENTS.iter().find(|(from, _)| tail.starts_with(from)) {
            Some((from, to)) => {
                text.push_str(to);
                rest = tail.get(from.len()..).unwrap_or_default();
            }
            None => {
                // '&' and '<' are one byte, so the split is on a char boundary.
                text.push_str(tail.get(..1).unwrap_or_default());
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_round_trips_through_html() {
        for text in ["a & b", "<br>", "&amp;", "x\ny", "'\"<>&", "日本 &lt;"] {
            assert_eq!(html_to_plain(&plain_to_html(text)), text);
        }
        assert_eq!(html_to_plain("a<br />b<BR>"), "a\nb<BR>");
    }

    #[test]
    fn cloze_markers() {
        assert!(has_cloze("{{c1::Paris}}"));
        assert!(has_cloze("x {{c12::a::hint}}"));
        assert!(!has_cloze("{{c::x}} {{Front}} {{c1:x}}"));
    }

    #[test]
    fn separator_headers() {
        assert_eq!(Separator::from_header("Tab"), Some(Separator::Tab));
        assert_eq!(Separator::from_header("\t"), Some(Separator::Tab));
        assert_eq!(Separator::from_header(" "), Some(Separator::Space));
        assert_eq!(Separator::from_header(" comma "), Some(Separator::Comma));
        assert_eq!(Separator::from_header("|"), Some(Separator::Pipe));
        assert_eq!(Separator::from_header("x"), None);
    }
}
