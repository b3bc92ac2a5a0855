//! Names the fields of a JSON request body that break its operation's schema, for the 422
//! `VALIDATION_ERROR` answer (`details.fields: [{field, code, message}]`).
//!
//! poem-openapi refuses such a body with one message naming a type, not a field; and it
//! reads an optional field sent as `null` as absent, where the document says the field is
//! a string, a number… The gateway walks a body against the document only when poem-openapi
//! refused it or when it holds a `null`, so most requests pay nothing. The walk is written here rather than taken from a JSON Schema crate: the
//! document is OpenAPI 3.0, whose schema objects are not JSON Schema (`nullable`, integer
//! formats such as `uint32`), and it uses
//! a small subset: `type`, `properties`, `required`, `additionalProperties`, `items`,
//! `enum`, lengths, bounds, `pattern`, the `uuid` and `date-time` formats and `$ref`.

use std::collections::HashMap;

use lms_core::FieldError;
use regex::Regex;
use serde_json::{Map, Value};

use crate::body_shape::PathTemplate;
use crate::openapi_doc::for_each_object;

/// Deepest schema or body nesting walked.
const MAX_DEPTH: usize = 64;
/// Most field errors reported for one body.
const MAX_ERRORS: usize = 50;

/// The request-body schemas of every operation of a document.
#[derive(Debug)]
pub struct RequestSchemas {
    document: Value,
    /// Every path template with its operations' upper-case methods and JSON body schemas,
    /// most specific first.
    routes: Vec<(PathTemplate, Vec<(String, Value)>)>,
    /// Compiled `pattern`s of the document.
    patterns: HashMap<String, Regex>,
}

impl RequestSchemas {
    /// Reads the JSON request-body schemas of an OpenAPI 3.0 document; anything else in it
    /// is ignored.
    pub fn from_document(document: &str) -> Self {
        let document: Value = serde_json::from_str(document).unwrap_or(Value::Null);
        let mut routes = Vec::new();
        for (template, item) in document.get("paths").and_then(Value::as_object).into_iter().flatten() {
            let operations: Vec<(String, Value)> = item
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(method, operation)| {
                    let content = operation.pointer("/requestBody/content")?.as_object()?;
                    let (_, media) = content
                        .iter()
                        .find(|(media, _)| media.starts_with("application/json"))?;
                    Some((method.to_ascii_uppercase(), media.get("schema")?.clone()))
                })
                .collect();
            routes.push((PathTemplate::parse(template), operations));
        }
        routes.sort_by_key(|(template, _)| template.specificity());
        let mut patterns = HashMap::new();
        collect_patterns(&document, &mut patterns);
        Self {
            document,
            routes,
            patterns,
        }
    }

    /// The fields of `body` that break the schema of the operation `method` `path`; empty
    /// when the body is not JSON, the operation has no JSON body, or nothing is wrong.
    pub fn field_errors(&self, method: &str, path: &str, body: &[u8]) -> Vec<FieldError> {
        let schema = self
            .routes
            .iter()
            .find(|(template, _)| template.matches(path))
            .and_then(|(_, operations)| operations.iter().find(|(m, _)| m.eq_ignore_ascii_case(method)));
        let Some((_, schema)) = schema else {
            return Vec::new();
        };
        let value = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(body) {
                Ok(value) => value,
                Err(_) => return Vec::new(),
            }
        };
        self.schema_errors(schema, &value)
    }

    /// The fields of `body` sent as `null` where the document does not allow it (with any
    /// other error of the body): poem-openapi would read such a `null` as "absent". A body
    /// without the bytes `null` — nearly every one — costs one scan and no parse.
    pub fn null_errors(&self, method: &str, path: &str, body: &[u8]) -> Vec<FieldError> {
        if body.windows(4).any(|w| w == b"null") {
            self.field_errors(method, path, body)
        } else {
            Vec::new()
        }
    }

    /// The values inside `value` that break `schema` (a schema of this document, or a
    /// `$ref` into it).
    pub fn schema_errors(&self, schema: &Value, value: &Value) -> Vec<FieldError> {
        let mut walk = Walk {
            schemas: self,
            errors: Vec::new(),
        };
        walk.value(schema, value, "", 0);
        walk.errors
    }

    /// The document's name of a path parameter that the framework calls by position
    /// (`param0` is the first parameter of the route `path` matches).
    pub fn path_parameter<'s>(&'s self, path: &str, framework_name: &'s str) -> &'s str {
        let index = framework_name.strip_prefix("param").and_then(|n| n.parse().ok());
        let template = self.routes.iter().find(|(template, _)| template.matches(path));
        match (template, index) {
            (Some((template, _)), Some(index)) => template.parameter(index).unwrap_or(framework_name),
            _ => framework_name,
        }
    }

    /// The schema a `$ref` points to, followed through chains of references.
    fn resolve<'s>(&'s self, mut schema: &'s Value) -> &'s Value {
        for _ in 0..MAX_DEPTH {
            let Some(target) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|pointer| self.document.pointer(pointer))
            else {
                break;
            };
            schema = target;
        }
        schema
    }
}

fn collect_patterns(document: &Value, patterns: &mut HashMap<String, Regex>) {
    for_each_object(document, &mut |object| {
        if let Some(Value::String(pattern)) = object.get("pattern") {
            if let Ok(regex) = Regex::new(pattern) {
                patterns.insert(pattern.clone(), regex);
            }
        }
    });
}

/// One walk of a body, collecting errors.
struct Walk<'s> {
    schemas: &'s RequestSchemas,
    errors: Vec<FieldError>,
}

impl Walk<'_> {
    fn fail(&mut self, path: &str, code: &'static str, message: String) {
        if self.errors.len() < MAX_ERRORS {
            let field = if path.is_empty() { "body" } else { path };
            self.errors.push(FieldError::new(field, code, message));
        }
    }

    fn value(&mut self, schema: &Value, value: &Value, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = self.schemas.resolve(schema);
        if value.is_null() {
            if path.is_empty() {
                self.fail(path, "required", "a JSON body is required".to_owned());
            } else if !schema.get("nullable").is_some_and(|n| n == true) {
                self.fail(
                    path,
                    "invalid_type",
                    "must not be null; leave an optional field out".to_owned(),
                );
            }
            return;
        }
        for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.value(member, value, path, depth + 1);
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                let choices: Vec<String> = allowed.iter().map(Value::to_string).collect();
                self.fail(path, "invalid_choice", format!("must be one of {}", choices.join(", ")));
                return;
            }
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => match value.as_object() {
                Some(object) => self.object(schema, object, path, depth),
                None => self.fail(path, "invalid_type", "must be an object".to_owned()),
            },
            Some("array") => match value.as_array() {
                Some(items) => self.array(schema, items, path, depth),
                None => self.fail(path, "invalid_type", "must be an array".to_owned()),
            },
            Some("string") => match value.as_str() {
                Some(text) => self.string(schema, text, path),
                None => self.fail(path, "invalid_type", "must be a string".to_owned()),
            },
            Some("integer") if !(value.is_i64() || value.is_u64()) => {
                self.fail(path, "invalid_type", "must be an integer".to_owned());
            }
            Some("integer" | "number") => match value.as_f64() {
                Some(number) => self.number(schema, number, path),
                None => self.fail(path, "invalid_type", "must be a number".to_owned()),
            },
            Some("boolean") if !value.is_boolean() => {
                self.fail(path, "invalid_type", "must be true or false".to_owned());
            }
            _ => {}
        }
    }

    fn object(&mut self, schema: &Value, object: &Map<String, Value>, path: &str, depth: usize) {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let Some(name) = required.as_str() else { continue };
            if !object.contains_key(name) {
                self.fail(&join(path, name), "required", "is required".to_owned());
            }
        }
        for (name, value) in object {
            let field = join(path, name);
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => self.value(sub, value, &field, depth + 1),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        self.fail(&field, "unknown_field", "is not a field of this request".to_owned());
                    }
                    Some(sub @ Value::Object(_)) => self.value(sub, value, &field, depth + 1),
                    _ => {}
                },
            }
        }
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64) {
            if object.len() as u64 > max {
                self.fail(path, "too_many", format!("must have at most {max} entries"));
            }
        }
    }

    fn array(&mut self, schema: &Value, items: &[Value], path: &str, depth: usize) {
        let count = items.len() as u64;
        if let Some(min) = schema
            .get("minItems")
            .and_then(Value::as_u64)
            .filter(|&min| count < min)
        {
            self.fail(path, "too_few", format!("must have at least {min} items"));
        }
        if let Some(max) = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .filter(|&max| count > max)
        {
            self.fail(path, "too_many", format!("must have at most {max} items"));
            return;
        }
        if let Some(item_schema) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.value(item_schema, item, &join(path, &index.to_string()), depth + 1);
            }
        }
    }

    fn string(&mut self, schema: &Value, text: &str, path: &str) {
        let chars = text.chars().count() as u64;
        if let Some(min) = schema
            .get("minLength")
            .and_then(Value::as_u64)
            .filter(|&min| chars < min)
        {
            self.fail(path, "too_short", format!("must be at least {min} characters"));
        }
        if let Some(max) = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .filter(|&max| chars > max)
        {
            self.fail(path, "too_long", format!("must be at most {max} characters"));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            if self.schemas.patterns.get(pattern).is_some_and(|re| !re.is_match(text)) {
                self.fail(path, "pattern", format!("must match {pattern}"));
            }
        }
        let well_formed = match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => uuid::Uuid::parse_str(text).is_ok(),
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            _ => true,
        };
        if !well_formed {
            let format = schema.get("format").and_then(Value::as_str).unwrap_or_default();
            self.fail(path, "format", format!("must be a {format}"));
        }
    }

    fn number(&mut self, schema: &Value, number: f64, path: &str) {
        let (format_min, format_max) = match schema.get("format").and_then(Value::as_str) {
            Some("uint8") => (0.0, f64::from(u8::MAX)),
            Some("uint16") => (0.0, f64::from(u16::MAX)),
            Some("uint32") => (0.0, f64::from(u32::MAX)),
            Some("uint64") => (0.0, f64::MAX),
            Some("int32") => (f64::from(i32::MIN), f64::from(i32::MAX)),
            _ => (f64::MIN, f64::MAX),
        };
        let min = schema
            .get("minimum")
            .and_then(Value::as_f64)
            .map_or(format_min, |m| m.max(format_min));
        let max = schema
            .get("maximum")
            .and_then(Value::as_f64)
            .map_or(format_max, |m| m.min(format_max));
        if number < min || number > max {
            self.fail(path, "out_of_range", format!("must be between {min} and {max}"));
        }
    }
}

/// The dotted path of a child (`lessons.2.title`), as the core names fields.
fn join(path: &str, child: &str) -> String {
    if path.is_empty() {
        child.to_owned()
    } else {
        format!("{path}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schemas() -> RequestSchemas {
        let document = json!({
            "paths": {"/things/{id}": {"post": {"requestBody": {"content": {"application/json; charset=utf-8": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
            "components": {"schemas": {
                "Thing": {"type": "object", "required": ["title", "parts"], "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^\\S"},
                    "count": {"type": "integer", "format": "uint32", "maximum": 10},
                    "kind": {"$ref": "#/components/schemas/Kind"},
                    "owner": {"type": "string", "format": "uuid"},
                    "parts": {"type": "array", "maxItems": 2, "items": {"$ref": "#/components/schemas/Part"}}
                }},
                "Part": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
                "Kind": {"type": "string", "enum": ["a", "b"]}
            }}
        });
        RequestSchemas::from_document(&document.to_string())
    }

    fn errors(body: Value) -> Vec<(String, &'static str)> {
        schemas()
            .field_errors("POST", "/things/7", body.to_string().as_bytes())
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn every_broken_field_is_named_with_its_reason() {
        let found = errors(json!({
            "title": " too long", "count": 11, "kind": "c", "owner": "x", "parts": [{"n": 1.5}, {}]
        }));
        let expected = [
            ("title", "too_long"),
            ("title", "pattern"),
            ("count", "out_of_range"),
            ("kind", "invalid_choice"),
            ("owner", "format"),
            ("parts.0.n", "invalid_type"),
            ("parts.1.n", "required"),
        ];
        for item in expected {
            assert!(
                found.contains(&(item.0.to_owned(), item.1)),
                "{item:?} missing from {found:?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:?}");
    }

    #[test]
    fn missing_and_mistyped_fields_and_negative_counts() {
        assert_eq!(
            errors(json!({"title": 5, "count": -1})),
            [
                ("parts".to_owned(), "required"),
                ("count".to_owned(), "out_of_range"),
                ("title".to_owned(), "invalid_type")
            ]
        );
    }

    #[test]
    fn a_valid_body_and_other_routes_have_no_errors_but_a_null_has() {
        assert!(errors(json!({"title": "ok", "parts": []})).is_empty());
        assert_eq!(
            errors(json!({"title": "ok", "parts": [], "count": null})),
            [("count".to_owned(), "invalid_type")]
        );
        let schemas = schemas();
        assert!(schemas.field_errors("POST", "/other", b"{}").is_empty());
        assert!(schemas.field_errors("POST", "/things/7", b"not json").is_empty());
        assert_eq!(schemas.path_parameter("/things/7", "param0"), "id");
        assert_eq!(schemas.path_parameter("/elsewhere", "param0"), "param0");
        assert_eq!(
            schemas.field_errors("POST", "/things/7", b"")[0].field,
            "body",
            "a missing body is named"
        );
    }
}
