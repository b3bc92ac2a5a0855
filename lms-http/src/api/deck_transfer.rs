//! Deck import and export: whole decks in and out as Anki packages, Anki text files
//! (CSV/TSV) or the JSON deck document.

use lms_anki::Separator;
use lms_core::flashcards::{DeckExport, Skipped};
use lms_core::ids::{CourseId, DeckId};
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiRequest, ApiResponse, Enum, Multipart, Object, OpenApi, ResponseContent};
use serde_json::json;
use uuid::Uuid;

use super::deck_document::DeckDocument;
use super::flashcards::SchedulerName;
use super::{ApiResult, ApiTags, BearerAuth, State};
use crate::csv_payload::Csv;
use crate::deck_files::{self, DeckFormat, FileDeck};
use crate::error::ApiError;
use crate::export_zip::ZipFile;

/// Deck import and export.
#[derive(Debug)]
pub struct DeckTransferApi;

/// The title a deck gets when neither the request nor the file names one.
const UNTITLED: &str = "Imported deck";

/// A deck file as a form upload, with the deck's settings; other fields are refused.
#[derive(Debug, Multipart)]
#[oai(deny_unknown_fields)]
pub struct DeckForm {
    /// The file: an Anki package (`.apkg`), an Anki text file (CSV, TSV) or a JSON deck
    /// document, recognised by its content.
    pub file: Upload,
    /// The deck's title (default: the deck's name in the file, else the file's name).
    #[oai(validator(max_length = 200))]
    pub title: Option<String>,
    /// The course it belongs to; absent for a private deck.
    pub course_id: Option<Uuid>,
    /// `sm2` or `fsrs` (default: the JSON document's, else `sm2`).
    pub scheduler: Option<SchedulerName>,
}

/// The deck file: as a form, or as the body itself (any content type).
#[derive(Debug, ApiRequest)]
pub enum DeckUpload {
    /// A `multipart/form-data` form with the file in `file`.
    Form(DeckForm),
    /// The file as the body; its format is recognised by its content.
    File(Binary<Vec<u8>>),
}

/// A note left out of an import.
#[derive(Debug, Object)]
pub struct SkippedNote {
    /// Where it is in the file (`line 7`, `note 3 (guid …)`, `card 2`).
    pub source: String,
    /// Why it was left out.
    pub reason: String,
}

/// What an import stored.
#[derive(Debug, Object)]
pub struct ImportResponse {
    /// The new deck.
    pub deck_id: Uuid,
    /// Its title.
    pub title: String,
    /// Cards stored.
    pub cards_imported: u32,
    /// Media files stored.
    pub media_imported: u32,
    /// Notes left out, with the reason; everything else was stored.
    pub skipped: Vec<SkippedNote>,
}

#[derive(ApiResponse)]
enum ImportCreated {
    /// Created: the deck with every note that fits, in one write.
    #[oai(status = 201)]
    Created(Json<ImportResponse>),
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ExportFormat {
    /// An Anki package that current Anki imports: note types, notes, tags, media.
    Apkg,
    /// An Anki text file, comma-separated, with Anki's headers; HTML fields.
    Csv,
    /// An Anki text file, tab-separated (Anki's own export layout).
    Tsv,
    /// The JSON deck document: everything, with your review state and the media.
    Json,
}

/// A tab-separated text file.
#[derive(Debug, Clone)]
pub struct Tsv(pub Vec<u8>);

impl Payload for Tsv {
    const CONTENT_TYPE: &'static str = "text/tab-separated-values; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }
}

impl poem::IntoResponse for Tsv {
    fn into_response(self) -> poem::Response {
        poem::Response::builder().content_type(Self::CONTENT_TYPE).body(self.0)
    }
}

/// A deck file in the asked format.
#[derive(ResponseContent)]
pub enum DeckFile {
    /// `format=apkg`: an Anki package (a zip).
    Apkg(ZipFile),
    /// `format=csv`.
    Csv(Csv),
    /// `format=tsv`.
    Tsv(Tsv),
    /// `format=json` (default).
    Json(Json<DeckDocument>),
}

#[derive(ApiResponse)]
enum ExportResponse {
    /// The deck file, as an attachment named after the deck.
    #[oai(status = 200)]
    Ok(DeckFile, #[oai(header = "Content-Disposition")] String),
}

/// Runs CPU-bound file work off the request threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, lms_core::Error> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(Into::into)
}

/// `attachment; filename="…"` for a deck's title: letters, digits, `-` and `_` kept,
/// everything else `_`, so the header needs no quoting rules.
fn attachment(title: &str, extension: &str) -> String {
    let stem: String = title
        .chars()
        .take(80)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    format!("attachment; filename=\"{stem}.{extension}\"")
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Flashcards")]
impl DeckTransferApi {
    /// Import a deck file as a new deck: an Anki package (`.apkg`, current or legacy
    /// layout, with media), an Anki text file (CSV/TSV, with or without Anki's headers)
    /// or the JSON deck document, as a form's `file` or as the body. Notes that do not
    /// fit are skipped and listed; a file that cannot be read (corrupt, truncated, a zip
    /// bomb) is refused with 422 naming what is wrong, and nothing is stored.
    #[oai(path = "/decks/import", method = "post", operation_id = "importDeck")]
    async fn import(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: DeckUpload,
        /// The deck's title, when not given in the form.
        #[oai(validator(max_length = 200))]
        title: Query<Option<String>>,
        /// The course it belongs to, when not given in the form.
        course_id: Query<Option<Uuid>>,
        /// The scheduler, when not given in the form.
        scheduler: Query<Option<SchedulerName>>,
    ) -> ApiResult<ImportCreated> {
        let (bytes, file_name, form_title, form_course, form_scheduler) = match body {
            DeckUpload::Form(form) => {
                let name = form
                    .file
                    .file_name()
                    .map(|n| n.rsplit_once('.').map_or(n, |(stem, _)| stem).to_owned());
                let bytes = form.file.into_vec().await.map_err(|e| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "BAD_REQUEST",
                        "the uploaded file could not be read",
                        json!({ "reason": e.to_string() }),
                    )
                })?;
                (bytes, name, form.title, form.course_id, form.scheduler)
            }
            DeckUpload::File(bytes) => (bytes.0, None, None, None, None),
        };
        let limits = deck_files::limits(state.settings.max_deck_import_bytes);
        let mut file: FileDeck = blocking(move || match DeckFormat::sniff(&bytes) {
            DeckFormat::Apkg => deck_files::read_package(&bytes, &limits),
            DeckFormat::Text => deck_files::read_text(&bytes, &limits),
            DeckFormat::Json => DeckDocument::read(&bytes),
        })
        .await?;
        let deck = &mut file.import.deck;
        deck.title = form_title
            .or(title.0)
            .or(file.title)
            .or(file_name)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| UNTITLED.to_owned());
        deck.course_id = form_course.or(course_id.0).map(CourseId::from);
        if let Some(kind) = form_scheduler.or(scheduler.0) {
            deck.scheduler = kind.into();
        }
        let outcome = state.lms.flashcards().import_deck(&auth.0, file.import).await?;
        let skipped = file.skipped.into_iter().chain(outcome.skipped);
        Ok(ImportCreated::Created(Json(ImportResponse {
            deck_id: outcome.deck.id.as_uuid(),
            title: outcome.deck.title,
            cards_imported: outcome.cards_imported,
            media_imported: outcome.media_imported,
            skipped: skipped
                .map(|Skipped { source, reason }| SkippedNote { source, reason })
                .collect(),
        })))
    }

    /// Export a deck you study or author: `apkg` (an Anki package current Anki imports),
    /// `csv` or `tsv` (Anki text files), or `json` (default; the deck document with your
    /// review state and the media).
    #[oai(path = "/decks/:id/export", method = "get", operation_id = "exportDeck")]
    async fn export(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// `apkg`, `csv`, `tsv` or `json` (default).
        format: Query<Option<ExportFormat>>,
    ) -> ApiResult<ExportResponse> {
        let export: DeckExport = state.lms.flashcards().export_deck(&auth.0, DeckId::from(id.0)).await?;
        let format = format.0.unwrap_or(ExportFormat::Json);
        let name = |extension: &str| attachment(&export.deck.title, extension);
        Ok(match format {
            ExportFormat::Json => ExportResponse::Ok(DeckFile::Json(Json(DeckDocument::of(&export))), name("json")),
            ExportFormat::Apkg => {
                let disposition = name("apkg");
                let bytes = blocking(move || deck_files::write_package(&export)).await?;
                ExportResponse::Ok(DeckFile::Apkg(ZipFile(bytes)), disposition)
            }
            ExportFormat::Csv => {
                let bytes = deck_files::write_text(&export, Separator::Comma)?;
                let text = String::from_utf8(bytes).map_err(|e| ApiError::internal(&e))?;
                ExportResponse::Ok(DeckFile::Csv(Csv(text)), name("csv"))
            }
            ExportFormat::Tsv => {
                let bytes = deck_files::write_text(&export, Separator::Tab)?;
                ExportResponse::Ok(DeckFile::Tsv(Tsv(bytes)), name("tsv"))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn a_file_name_keeps_only_safe_characters() {
        assert_eq!(
            attachment("Français: \"verbs\"/1", "apkg"),
            "attachment; filename=\"Fran_ais___verbs__1.apkg\""
        );
    }
}
