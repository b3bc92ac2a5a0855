//! Validated text newtypes: a value of these types is already trimmed and within bounds.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Checks a trimmed string against a character-count range and forbids control characters
/// (other than newlines and tabs when `multiline`).
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
    if has_control_characters(value, multiline) {
        return Err(Error::invalid(
            "",
            "control_characters",
            "must not contain control characters",
        ));
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
    /// The body of a text lesson: 1–200,000 characters.
    LessonBody, min = 1, max = 200_000, multiline = true
);

/// An email address, normalized to lower case so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Longest accepted address (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// Validates the shape `local@domain.tld` and lower-cases it.
    pub fn parse(raw: &str) -> Result<Self> {
        let value = raw.trim().to_lowercase();
        let invalid = || Error::invalid("", "invalid_email", "must be an email address");
        if value.len() > Self::MAX_LEN {
            return Err(Error::invalid(
                "",
                "too_long",
                format!("must be at most {} bytes", Self::MAX_LEN),
            ));
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.contains('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '@');
        if domain_ok && local_ok {
            Ok(Self(value))
        } else {
            Err(invalid())
        }
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
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

/// Whether `text` contains control characters (other than newlines and tabs when
/// `multiline`). Every text the platform stores or searches is checked with it: such
/// characters have no meaning in learning content and some databases cannot store them.
pub fn has_control_characters(text: &str, multiline: bool) -> bool {
    text.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
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
        assert!(Title::parse("a\u{0}b").is_err());
        assert!(Title::parse("two\nlines").is_err());
        assert!(Description::parse("two\nlines").is_ok());
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
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn matching_ignores_case_and_spacing() {
        assert_eq!(normalize_for_match("  Hello   WORLD\tÄ "), "hello world ä");
    }
}
