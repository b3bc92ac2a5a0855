//! A user's data export (G1) as a zip: `data.json` with everything, and one CSV per kind
//! of data (`profile.csv`, `enrollments.csv`, `audit.csv`, and `<kind>.csv` for every
//! record kind the user owns), written with the `zip` and `csv` crates.
//!
//! The CSVs are flat: one column per top-level field of the JSON objects (in the order
//! first seen), nested values written as compact JSON, so any kind exports without code
//! of its own.

use std::io::Write as _;

use lms_core::privacy::UserExport;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::error::ApiError;

/// A zip archive.
#[derive(Debug, Clone)]
pub struct ZipFile(pub Vec<u8>);

impl Payload for ZipFile {
    const CONTENT_TYPE: &'static str = "application/zip";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }))
    }
}

impl IntoResponse for ZipFile {
    fn into_response(self) -> Response {
        Response::builder().content_type(Self::CONTENT_TYPE).body(self.0)
    }
}

/// The archive of `export`.
pub fn export_zip(export: &UserExport) -> Result<ZipFile, ApiError> {
    let failed = |e: &dyn std::fmt::Display| ApiError::internal(&e.to_string());
    let data = serde_json::to_value(export).map_err(|e| failed(&e))?;
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "data.json".to_owned(),
        serde_json::to_vec_pretty(&data).map_err(|e| failed(&e))?,
    )];
    files.push((
        "profile.csv".to_owned(),
        flat_csv(std::slice::from_ref(&data["profile"]))?,
    ));
    files.push(("enrollments.csv".to_owned(), flat_csv(as_rows(&data["enrollments"]))?));
    if let Some(kinds) = data["records"].as_object() {
        for (kind, rows) in kinds {
            files.push((format!("{kind}.csv"), flat_csv(as_rows(rows))?));
        }
    }
    files.push(("audit.csv".to_owned(), flat_csv(as_rows(&data["audit"]))?));

    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        archive.start_file(name, options).map_err(|e| failed(&e))?;
        archive.write_all(&bytes).map_err(|e| failed(&e))?;
    }
    let cursor = archive.finish().map_err(|e| failed(&e))?;
    Ok(ZipFile(cursor.into_inner()))
}

fn as_rows(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// One header line of every top-level field seen, then one line per object.
fn flat_csv(rows: &[Value]) -> Result<Vec<u8>, ApiError> {
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(|o| o.keys()) {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    if columns.is_empty() {
        // Nothing of this kind: an empty file rather than a header of no columns.
        return Ok(Vec::new());
    }
    let failed = |e: csv::Error| ApiError::internal(&e.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&columns).map_err(failed)?;
    for row in rows {
        let cells = columns.iter().map(|column| cell(row.get(column)));
        writer.write_record(cells).map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|e| ApiError::internal(&e.error().to_string()))
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn csv_columns_are_the_union_of_fields_and_nested_values_are_json() {
        let rows = [json!({"a": 1, "b": "x"}), json!({"b": "y, z", "c": {"d": [1, 2]}})];
        let text = String::from_utf8(flat_csv(&rows).unwrap()).unwrap();
        assert_eq!(text, "a,b,c\n1,x,\n,\"y, z\",\"{\"\"d\"\":[1,2]}\"\n");
    }

    #[test]
    fn no_rows_is_an_empty_file() {
        assert!(flat_csv(&[]).unwrap().is_empty());
    }
}
