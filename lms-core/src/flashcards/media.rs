//! Media files of a deck (images, audio), referenced from card fields by name, as Anki
//! does (`<img src="cat.jpg">`, `[sound:meow.mp3]`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::ids::{DeckId, UserId};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// The largest media file a deck stores. A file is one record, and a record must fit a
/// MongoDB document (16 MiB) once its bytes are base64-encoded.
pub const MAX_MEDIA_FILE_BYTES: usize = 8 * 1024 * 1024;

/// A media file of a deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeckMedia {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The deck.
    pub deck_id: DeckId,
    /// The private deck's owner, if the deck is private.
    pub owner: Option<UserId>,
    /// The file name fields refer to: one path component.
    pub name: String,
    /// The content.
    #[serde(serialize_with = "to_base64", deserialize_with = "from_base64")]
    pub bytes: Vec<u8>,
}

impl Record for DeckMedia {
    const KIND: RecordKind = RecordKind {
        name: "deck_media",
        keys: &[KeySpec::unique("deck_name"), KeySpec::ordered("deck")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        self.owner
    }

    fn index(&self, index: &mut Index) {
        index.set("deck_name", (self.deck_id.as_uuid(), self.name.as_str()));
        index.set("deck", (self.deck_id.as_uuid(), self.name.as_str()));
    }
}

fn to_base64<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&STANDARD.encode(bytes))
}

fn from_base64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    STANDARD.decode(text).map_err(serde::de::Error::custom)
}

/// Whether `name` can name a media file: one non-empty path component of at most 255
/// bytes, without separators or control characters, and not `.` or `..`.
pub fn media_name_is_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}

/// The media file names a field refers to: `src` attributes of HTML tags and Anki's
/// `[sound:…]` tags, each once, in order of appearance. A small scanner rather than an
/// HTML parser: these are the only two forms Anki itself resolves.
pub fn media_references(field: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        let name = name.trim();
        if media_name_is_valid(name) && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    let mut rest = field;
    while let Some(at) = rest.find("[sound:") {
        rest = &rest[at + "[sound:".len()..];
        if let Some(end) = rest.find(']') {
            push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    let lower = field.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("src=") {
        let start = from + at + "src=".len();
        let value = &field[start..];
        let name = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or(""),
            _ => value
                .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or(""),
        };
        push(name);
        from = start;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_in_img_tags_and_sound_tags() {
        let field =
            r#"<img src="cat.jpg"> [sound:meow.mp3] <IMG SRC='dog.png'/> <img src=bird.gif> <img src="cat.jpg">"#;
        assert_eq!(media_references(field), ["meow.mp3", "cat.jpg", "dog.png", "bird.gif"]);
    }

    #[test]
    fn unsafe_names_are_not_references() {
        let field = r#"<img src="../etc/passwd"> [sound:a/b.mp3] <img src="">"#;
        assert!(media_references(field).is_empty());
    }

    #[test]
    fn media_bytes_are_stored_as_base64() {
        let media = DeckMedia {
            id: Uuid::nil(),
            version: 1,
            deck_id: DeckId::from(Uuid::nil()),
            owner: None,
            name: "a.bin".into(),
            bytes: vec![0, 1, 2, 255],
        };
        let json = serde_json::to_value(&media).unwrap();
        assert_eq!(json["bytes"], "AAEC/w==");
        assert_eq!(serde_json::from_value::<DeckMedia>(json).unwrap(), media);
    }
}
