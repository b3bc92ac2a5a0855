#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod collection;
mod error;
mod limits;
mod model;
mod proto;
mod read;
mod text;
mod write;

pub use crate::error::AnkiError;
pub use crate::limits::Limits;
pub use crate::model::{
    DeckInfo, Field, MediaFile, Note, NoteType, NoteTypeKind, Package, Review, ReviewKind, Template,
};
pub use crate::read::read_apkg;
pub use crate::text::{read_text, write_text, Separator, SkippedRow, TextImport, TextOptions};
pub use crate::write::write_apkg;
