//! CSV responses (reports, A3): a `text/csv` payload for the API, written with the `csv`
//! crate from the same rows the JSON form serializes.

use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};

use crate::error::ApiError;

/// A CSV document with a header line.
#[derive(Debug, Clone)]
pub struct Csv(pub String);

impl Payload for Csv {
    const CONTENT_TYPE: &'static str = "text/csv; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }
}

impl IntoResponse for Csv {
    fn into_response(self) -> Response {
        Response::builder().content_type(Self::CONTENT_TYPE).body(self.0)
    }
}

/// Writes `rows` as CSV: one header line from the field names, then one line per row
/// (an absent value is an empty cell). A report without rows still has its header.
pub fn to_csv<T: serde::Serialize + Default>(rows: &[T]) -> Result<Csv, ApiError> {
    if rows.is_empty() {
        // The header is what the `csv` crate writes before a first row.
        let with_row = write(&[T::default()])?;
        let header_end = with_row.0.find('\n').map_or(with_row.0.len(), |i| i + 1);
        return Ok(Csv(with_row.0[..header_end].to_owned()));
    }
    write(rows)
}

fn write<T: serde::Serialize>(rows: &[T]) -> Result<Csv, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(|e| ApiError::internal(&e))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::internal(&e.error().to_string()))?;
    String::from_utf8(bytes).map(Csv).map_err(|e| ApiError::internal(&e))
}
