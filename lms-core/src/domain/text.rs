//! Validated text newtypes: a value of these types is already trimmed and within bounds,
//! and holds no control or invisible characters.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_security::MixedScript;

use crate::error::{Error, FieldError, Result};

/// Checks a trimmed string against a character-count range and forbids control and
/// invisible characters (see [`forbidden_character`]; newlines and tabs pass when
/// `multiline`).
fn bounded(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String> {
    let value = raw.trim();
    let chars = value.chars().count();
    if chars < min {
        return Err(if min == 1 {
            Error::invalid("", "required", "must not be empty")
        } else {
            Error::invalid("", "too_short", format!("must be at least {min} characters"))
        });
    }
    if chars > max {
        return Err(Error::invalid(
            "",
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if let Some(found) = forbidden_character(value, multiline) {
        return Err(Error::invalid("", found.code(), found.message()));
    }
    Ok(value.to_owned())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, min = $min:expr, max = $max:expr, multiline = $ml:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims and validates.
            pub fn parse(raw: &str) -> Result<Self> {
                bounded(raw, $min, $max, $ml).map(Self)
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;

            fn try_from(raw: String) -> Result<Self> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// A course, lesson or class title: 1–200 characters, one line.
    Title, min = 1, max = 200, multiline = false
);
bounded_text!(
    /// Free text such as a course description: up to 20,000 characters.
    Description, min = 0, max = 20_000, multiline = true
);
bounded_text!(
    /// A course category: 1–64 characters, one line.
    Category, min = 1, max = 64, multiline = false
);
bounded_text!(
    /// A user's display name: 1–100 characters, one line.
    DisplayName, min = 1, max = 100, multiline = false
);
bounded_text!(
    /// A short note such as a refund's reason: up to 500 characters, one line.
    Note, min = 0, max = 500, multiline = false
);
bounded_text!(
    /// The body of a text lesson: 1–200,000 characters.
    LessonBody, min = 1, max = 200_000, multiline = true
);
bounded_text!(
    /// A side (a field) of a flashcard: 1–20,000 characters.
    CardText, min = 1, max = 20_000, multiline = true
);
bounded_text!(
    /// A flashcard's tag: 1–64 characters, one line.
    CardTag, min = 1, max = 64, multiline = false
);

/// An email address, normalized so that one mailbox has one spelling: the local part
/// lower-cased, the domain mapped with IDNA (UTS #46) to its canonical lower-case Unicode
/// form, so `Ada@EXAMPLE.com`, a punycode domain and its Unicode spelling are equal.
///
/// Look-alike domains are refused: every label of the domain must be single-script
/// (UTS #39), so a Cyrillic `а` inside `exаmple.com` is not accepted. Control, invisible
/// and bidirectional control characters are refused anywhere in the address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Longest accepted address in its stored form (RFC 5321 path limit), in bytes.
    pub const MAX_LEN: usize = 254;

    /// Longest accepted local part (before the `@`), in bytes (RFC 5321).
    const MAX_LOCAL_LEN: usize = 64;

    /// Longest input looked at, in bytes: longer input is refused before the IDNA mapping,
    /// which bounds the work done on hostile input. No real address comes near it.
    const MAX_INPUT_LEN: usize = 4 * Self::MAX_LEN;

    /// Validates the shape `local@domain.tld` and normalizes it (see the type).
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let too_long = || Error::invalid("", "too_long", format!("must be at most {} bytes", Self::MAX_LEN));
        if raw.len() > Self::MAX_INPUT_LEN {
            return Err(too_long());
        }
        if forbidden_character(raw, false).is_some() {
            return Err(invalid_email(
                "must not contain control, invisible or bidirectional control characters",
            ));
        }
        let (local, domain) = raw.split_once('@').ok_or_else(|| invalid_email(EMAIL_SHAPE))?;
        let local = local.to_lowercase();
        let local_ok = !local.is_empty()
            && local.len() <= Self::MAX_LOCAL_LEN
            && local.chars().all(|c| !c.is_whitespace() && c != '@');
        if !local_ok {
            return Err(invalid_email(EMAIL_SHAPE));
        }
        let value = format!("{local}@{}", normalize_domain(domain)?);
        if value.len() > Self::MAX_LEN {
            return Err(too_long());
        }
        Ok(Self(value))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The message of an email that does not have the shape `local@domain.tld`.
const EMAIL_SHAPE: &str = "must be an email address";

/// An `invalid_email` error with `message`.
fn invalid_email(message: &str) -> Error {
    Error::invalid("", "invalid_email", message)
}

/// Maps an email domain with IDNA (UTS #46) and returns its canonical Unicode form, or an
/// `invalid_email` error when it is not a host name with at least two labels, or when a
/// label mixes scripts (UTS #39).
fn normalize_domain(domain: &str) -> Result<String> {
    let not_idn = || invalid_email("the domain is not a valid internationalized domain name");
    let ascii = idna::domain_to_ascii(domain).map_err(|_| not_idn())?;
    // The ASCII form must be a DNS host name: letters, digits and inner hyphens in
    // 1–63-byte labels. UTS #46 alone would let `_`, `!` or empty labels through.
    let mut labels = 0;
    for label in ascii.split('.') {
        labels += 1;
        let host_label = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !host_label {
            return Err(invalid_email(EMAIL_SHAPE));
        }
    }
    if labels < 2 {
        return Err(invalid_email(EMAIL_SHAPE));
    }
    let (unicode, mapped) = idna::domain_to_unicode(&ascii);
    mapped.map_err(|_| not_idn())?;
    // A punycode label can decode to characters that were never typed as such.
    if forbidden_character(&unicode, false).is_some() {
        return Err(not_idn());
    }
    if !unicode.split('.').all(MixedScript::is_single_script) {
        return Err(invalid_email(
            "the domain mixes scripts within a label (look-alike characters)",
        ));
    }
    Ok(unicode)
}

impl TryFrom<String> for Email {
    type Error = Error;

    fn try_from(raw: String) -> Result<Self> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A kind of character that validated text must not contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForbiddenCharacter {
    /// A control character (C0, DEL or C1), other than newlines and tabs in multiline
    /// text: such characters have no meaning in learning content and some databases cannot
    /// store them.
    Control,
    /// An invisible format character (General Category Cf: bidirectional controls such as
    /// U+202E RIGHT-TO-LEFT OVERRIDE, zero-width characters, U+00AD SOFT HYPHEN, tags) or an
    /// invisible filler: they make text display differently from what it holds, which
    /// spoofs names, reorders displayed text and defeats search and duplicate checks.
    Invisible,
}

impl ForbiddenCharacter {
    /// The stable error code (`control_characters`, `invisible_characters`).
    pub fn code(self) -> &'static str {
        match self {
            ForbiddenCharacter::Control => "control_characters",
            ForbiddenCharacter::Invisible => "invisible_characters",
        }
    }

    /// The readable error message.
    pub fn message(self) -> &'static str {
        match self {
            ForbiddenCharacter::Control => "must not contain control characters",
            ForbiddenCharacter::Invisible => "must not contain invisible or bidirectional control characters",
        }
    }

    /// The validation error of `field` holding such a character.
    pub fn field_error(self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, self.code(), self.message())
    }
}

/// Invisible characters outside General Category Cf (which [`forbidden_character`] refuses
/// whole): the Hangul fillers are letters (Lo) that render as nothing, a known way to fake
/// blank or look-alike names. U+180E MONGOLIAN VOWEL SEPARATOR is Cf since Unicode 6.3.
const INVISIBLE_FILLERS: [char; 4] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}'];

/// The first character of `text` that validated text must not contain, if any: a control
/// character (newlines and tabs pass when `multiline`) or an invisible one. Every text the
/// platform stores or searches is checked with it, also when stored documents are loaded,
/// so it is one pass over the characters: ASCII ones can only be controls, other ones of
/// the Basic Multilingual Plane cost a bit test in a bitmap built once, and only the
/// rest take a General_Category table search.
pub fn forbidden_character(text: &str, multiline: bool) -> Option<ForbiddenCharacter> {
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')) {
                return Some(ForbiddenCharacter::Control);
            }
            continue;
        }
        let code = u32::from(c) as usize;
        let candidate = code > 0xFFFF || bmp_candidates()[code / 64] & (1 << (code % 64)) != 0;
        if candidate {
            if let Some(found) = classify(c) {
                return Some(found);
            }
        }
    }
    None
}

/// Whether a non-ASCII character is a control or an invisible character, from the
/// General_Category table (a binary search) and [`INVISIBLE_FILLERS`].
fn classify(c: char) -> Option<ForbiddenCharacter> {
    match c.general_category() {
        GeneralCategory::Control => Some(ForbiddenCharacter::Control),
        GeneralCategory::Format => Some(ForbiddenCharacter::Invisible),
        _ if INVISIBLE_FILLERS.contains(&c) => Some(ForbiddenCharacter::Invisible),
        _ => None,
    }
}

/// One bit per character of the Basic Multilingual Plane, set for those [`classify`]
/// refuses: 8 KiB built once from the table, so that text in non-Latin scripts is checked
/// about as fast as ASCII (a table search per character is ten times slower).
fn bmp_candidates() -> &'static [u64; 1024] {
    static BITS: OnceLock<Box<[u64; 1024]>> = OnceLock::new();
    BITS.get_or_init(|| {
        let mut bits = Box::new([0; 1024]);
        for c in ('\u{80}'..='\u{FFFF}').filter(|&c| classify(c).is_some()) {
            let code = u32::from(c) as usize;
            bits[code / 64] |= 1 << (code % 64);
        }
        bits
    })
}

/// Lower-cases and collapses white space, so text comparisons ignore case and spacing.
pub fn normalize_for_match(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(Title::parse("  Rust 101 ").unwrap().as_str(), "Rust 101");
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"x".repeat(201)).is_err());
        assert!(Title::parse(&"é".repeat(200)).is_ok());
        assert!(Title::parse("two\nlines").is_err());
        assert!(Description::parse("two\nlines").is_ok());
    }

    /// The error code of a refused value.
    fn code<T: std::fmt::Debug>(result: Result<T>) -> &'static str {
        match result {
            Err(Error::Validation(fields)) => fields[0].code,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn invisible_and_bidirectional_characters_are_refused() {
        assert_eq!(code(Title::parse("Rust \u{202E}101")), "invisible_characters");
        assert_eq!(code(DisplayName::parse("Zero\u{200B}Width")), "invisible_characters");
        assert_eq!(code(Category::parse("soft\u{00AD}hyphen")), "invisible_characters");
        assert_eq!(code(Description::parse("tag \u{E0001} here")), "invisible_characters");
        assert_eq!(code(Title::parse("a\u{0}b")), "control_characters");
        assert_eq!(code(Title::parse("next\u{85}line")), "control_characters");
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{200E}',
            '\u{200F}', '\u{061C}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{115F}', '\u{1160}', '\u{3164}',
            '\u{FFA0}', '\u{180E}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(
                forbidden_character(&text, true),
                Some(ForbiddenCharacter::Invisible),
                "U+{:04X} accepted",
                c as u32
            );
        }
        let error = LessonBody::parse("line\n\u{2067}reordered").unwrap_err();
        assert_eq!(
            error.to_string(),
            "validation failed: : must not contain invisible or bidirectional control characters"
        );
    }

    #[test]
    fn the_fast_path_agrees_with_the_table() {
        for c in '\u{80}'..='\u{FFFF}' {
            assert_eq!(
                forbidden_character(c.encode_utf8(&mut [0; 4]), false),
                classify(c),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn visible_text_in_any_script_is_accepted() {
        for text in [
            "Crème brûlée à l'été",
            "日本語の講座",
            "Ελληνικά",
            "עברית",
            "العربية",
            "🎓📚 Rust 🦀",
            "👍🏽 ok",
        ] {
            assert_eq!(Title::parse(text).unwrap().as_str(), text);
            assert_eq!(forbidden_character(text, false), None);
        }
        let multiline = "First line\r\n\tIndented line\nLast line";
        assert_eq!(Description::parse(multiline).unwrap().as_str(), multiline);
        assert_eq!(code(Title::parse("First line\tsame line")), "control_characters");
    }

    #[test]
    fn email_is_normalized_and_checked() {
        assert_eq!(Email::parse(" Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@.com",
            "ada@x..com",
            "ada@example.com.",
            "ada@-example.com",
            "ada@exa_mple.com",
            "ada@ex!ample.com",
            "ada@ex ample.com",
        ] {
            assert_eq!(code(Email::parse(bad)), "invalid_email", "{bad} accepted");
        }
        assert_eq!(
            code(Email::parse(&format!("{}@example.com", "a".repeat(65)))),
            "invalid_email"
        );
        let long_domain = format!("ada@{}com", format!("{}.", "a".repeat(60)).repeat(5));
        assert_eq!(code(Email::parse(&long_domain)), "too_long");
    }

    #[test]
    fn international_domains_are_normalized_to_one_form() {
        let unicode = Email::parse("Ada@ПРИМЕР.рф").unwrap();
        assert_eq!(unicode.as_str(), "ada@пример.рф");
        assert_eq!(Email::parse("ada@xn--e1afmkfd.xn--p1ai").unwrap(), unicode);
        assert_eq!(Email::parse("ADA@XN--E1AFMKFD.XN--P1AI").unwrap(), unicode);
        assert_eq!(Email::parse("ada@bücher.de").unwrap().as_str(), "ada@bücher.de");
        assert_eq!(
            Email::parse("ada@xn--bcher-kva.de").unwrap(),
            Email::parse("ada@BÜCHER.de").unwrap()
        );
        // Han and Kana together are one script (Japanese) under UTS #39.
        assert_eq!(
            Email::parse("ada@ひらがな漢字.jp").unwrap().as_str(),
            "ada@ひらがな漢字.jp"
        );
    }

    #[test]
    fn look_alike_domains_and_invisible_characters_are_refused() {
        let mixed = |result: Result<Email>| match result {
            Err(Error::Validation(fields)) => {
                assert_eq!(fields[0].code, "invalid_email");
                assert!(fields[0].message.contains("mixes scripts"), "{}", fields[0].message);
            }
            other => panic!("expected a mixed-script refusal, got {other:?}"),
        };
        // A Cyrillic а (U+0430) among Latin letters, typed or as punycode.
        mixed(Email::parse("ada@ex\u{0430}mple.com"));
        let punycode = idna::domain_to_ascii("ex\u{0430}mple.com").unwrap();
        mixed(Email::parse(&format!("ada@{punycode}")));
        for bad in [
            "ada\u{200B}@example.com",
            "ada\u{202E}@example.com",
            "a\u{00AD}da@example.com",
            "ada@exam\u{00AD}ple.com",
            "ada\u{7}@example.com",
            "ada@exa\u{200D}mple.com",
        ] {
            assert_eq!(code(Email::parse(bad)), "invalid_email", "{bad:?} accepted");
        }
    }

    #[test]
    fn matching_ignores_case_and_spacing() {
        assert_eq!(normalize_for_match("  Hello   WORLD\tÄ "), "hello world ä");
    }
}
