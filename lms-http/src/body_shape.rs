//! Streaming check of JSON request bodies against the request-body schemas of the server's OpenAPI document.
//!
//! poem-openapi builds a whole body as a `serde_json::Value` before validating it, so a large body of undeclared
//! fields would be held in memory first. [`BodyShapes::check`] walks the raw bytes once with serde's visitor
//! machinery instead: object keys are read borrowed (owned only when escaped), everything else is consumed without
//! being stored, and the walk stops at the first field the schema does not declare. Types, required fields and
//! formats are left to poem-openapi, which runs afterwards.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Deepest nesting of arrays and objects a body may have.
const MAX_DEPTH: usize = 64;
/// Deepest schema nesting compiled; deeper schemas are not checked.
const MAX_SCHEMA_DEPTH: usize = 64;
/// Longest key (in characters) echoed in an error path.
const MAX_KEY_CHARS: usize = 64;
/// Index of the node that checks nothing: scalars, free-form values, unresolvable schemas.
const ANY: usize = 0;
/// The content of the [`ANY`] node.
static UNCHECKED: Node = Node {
    object: None,
    items: ANY,
};

/// Request-body shapes of every operation in an OpenAPI document.
///
/// Built once from the document; [`check`](Self::check) only reads it, so one instance can be shared by all
/// request handlers.
#[derive(Debug)]
pub struct BodyShapes {
    /// Compiled schemas; properties and items refer to each other by index, so recursive schemas are cycles.
    nodes: Vec<Node>,
    /// Routes with a JSON body, more specific first (a static segment sorts before a `{param}` one).
    routes: Vec<Route>,
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A field the schema does not declare; `field` is its JSON path like `lessons.2.title` or `extra` (dotted, as the core names fields).
    #[error("unknown field `{field}`")]
    UnknownField {
        /// JSON path of the field, with overly long keys shortened.
        field: String,
    },
    /// Not valid JSON (with serde_json's message, no body content echoed back beyond the position).
    #[error("malformed JSON: {0}")]
    Malformed(String),
    /// Nested deeper than the limit.
    #[error("JSON nested deeper than {0} levels")]
    TooDeep(usize),
}

/// What a schema says about the keys of an object and the elements of an array.
#[derive(Debug, Clone, Default)]
struct Node {
    /// `Some` when the schema describes an object: declared keys and their value nodes, and the value node for
    /// undeclared keys when `additionalProperties` allows them.
    object: Option<(BTreeMap<String, usize>, Option<usize>)>,
    /// Node for array elements.
    items: usize,
}

#[derive(Debug)]
struct Route {
    template: PathTemplate,
    /// Per operation: upper-case method, the node of its JSON body, and whether the
    /// document says the body may be left out (`requestBody.required` not `true`).
    operations: Vec<(String, usize, bool)>,
}

/// A path template of the document (`/api/v1/courses/{id}/lessons`) matched against
/// concrete request paths.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PathTemplate {
    /// Path segments; `None` for a `{param}` segment.
    segments: Vec<Option<String>>,
    /// The names of the `{param}` segments, in order.
    parameters: Vec<String>,
}

impl PathTemplate {
    /// The template's segments.
    pub(crate) fn parse(template: &str) -> Self {
        let segments = template
            .split('/')
            .map(|s| (!s.contains('{')).then(|| s.to_owned()))
            .collect();
        let parameters = template
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_owned)
            .collect();
        Self { segments, parameters }
    }

    /// The name of the `index`-th path parameter.
    pub(crate) fn parameter(&self, index: usize) -> Option<&str> {
        self.parameters.get(index).map(String::as_str)
    }

    /// Whether `path` fits: same segment count, static segments equal, parameters non-empty.
    pub(crate) fn matches(&self, path: &str) -> bool {
        self.segments.len() == path.split('/').count()
            && self
                .segments
                .iter()
                .zip(path.split('/'))
                .all(|(segment, part)| match segment {
                    Some(s) => s == part,
                    None => !part.is_empty(),
                })
    }

    /// Sort key putting more specific templates first (a static segment before a `{param}` one).
    pub(crate) fn specificity(&self) -> Vec<bool> {
        self.segments.iter().map(Option::is_none).collect()
    }
}

impl BodyShapes {
    /// Reads the `paths` of an OpenAPI 3 JSON document: for each operation with an `application/json` request
    /// body, the schema to check. Unknown/malformed parts are ignored (no panic).
    pub fn from_document(document: &str) -> Self {
        let doc: Value = serde_json::from_str(document).unwrap_or(Value::Null);
        let mut compiler = Compiler {
            doc: &doc,
            nodes: vec![UNCHECKED.clone()],
            named: HashMap::new(),
            pending: HashSet::new(),
        };
        let mut routes = Vec::new();
        for (template, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
            let mut operations = Vec::new();
            for (method, operation) in item.as_object().into_iter().flatten() {
                let content = operation.pointer("/requestBody/content").and_then(Value::as_object);
                let json = content.into_iter().flatten().find(|(media, _)| is_json(media));
                if let Some(schema) = json.and_then(|(_, media)| media.get("schema")) {
                    let optional = operation.pointer("/requestBody/required") != Some(&Value::Bool(true));
                    operations.push((method.to_ascii_uppercase(), compiler.node(schema, 0), optional));
                }
            }
            if !operations.is_empty() {
                routes.push(Route {
                    template: PathTemplate::parse(template),
                    operations,
                });
            }
        }
        routes.sort_by_key(|route| route.template.specificity());
        BodyShapes {
            nodes: compiler.nodes,
            routes,
        }
    }

    /// Checks `body` for the operation matching `method` (upper-case, e.g. "POST") and concrete request `path`
    /// (e.g. "/api/v1/courses/0190.../lessons"; templates like `/api/v1/courses/{id}/lessons` in the document match
    /// any non-empty segment in place of `{…}`). Operations with no JSON body schema in the document, and unknown
    /// paths, return Ok(()).
    ///
    /// The method is compared case-insensitively. An empty body is accepted too: whether a body is required is
    /// poem-openapi's call. Only the first undeclared field is reported, and nothing after it is read.
    pub fn check(&self, method: &str, path: &str, body: &[u8]) -> Result<(), ShapeError> {
        let Some(&(_, node, _)) = self.operation(method, path).filter(|_| !body.is_empty()) else {
            return Ok(());
        };
        let ctx = Ctx {
            nodes: &self.nodes,
            failure: Cell::new(None),
        };
        let mut de = serde_json::Deserializer::from_slice(body);
        let result = Walk {
            ctx: &ctx,
            node,
            depth: 0,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        match (result, ctx.failure.take()) {
            (Ok(()), _) => Ok(()),
            (Err(_), Some(Failure::TooDeep)) => Err(ShapeError::TooDeep(MAX_DEPTH)),
            (Err(_), Some(Failure::Unknown(field))) => Err(ShapeError::UnknownField { field }),
            (Err(e), None) => Err(ShapeError::Malformed(e.to_string())),
        }
    }
}

impl BodyShapes {
    /// Whether the operation takes a JSON body that may be left out.
    pub fn body_is_optional(&self, method: &str, path: &str) -> bool {
        self.operation(method, path).is_some_and(|&(_, _, optional)| optional)
    }

    fn operation(&self, method: &str, path: &str) -> Option<&(String, usize, bool)> {
        let route = self.routes.iter().find(|route| route.template.matches(path))?;
        route.operations.iter().find(|(m, _, _)| m.eq_ignore_ascii_case(method))
    }
}

/// Whether a media type (`application/json; charset=utf-8` …) is JSON.
fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("application/json")
}

/// Turns schemas into [`Node`]s; each `$ref` is compiled once.
struct Compiler<'a> {
    doc: &'a Value,
    nodes: Vec<Node>,
    named: HashMap<&'a str, usize>,
    /// Nodes whose content is still being computed (reached again through a recursive `$ref`).
    pending: HashSet<usize>,
}

impl<'a> Compiler<'a> {
    fn node(&mut self, schema: &'a Value, depth: usize) -> usize {
        let name = schema.get("$ref").and_then(Value::as_str);
        if let Some(&index) = name.and_then(|n| self.named.get(n)) {
            return index;
        }
        let target = match name {
            Some(n) => n.strip_prefix('#').and_then(|pointer| self.doc.pointer(pointer)),
            None => Some(schema),
        };
        let Some(target) = target.filter(|_| depth <= MAX_SCHEMA_DEPTH) else {
            return ANY;
        };
        let index = self.nodes.len();
        self.nodes.push(Node::default());
        self.pending.insert(index);
        if let Some(n) = name {
            self.named.insert(n, index);
        }
        let node = self.shape(target, depth);
        self.nodes[index] = node;
        self.pending.remove(&index);
        index
    }

    fn shape(&mut self, schema: &'a Value, depth: usize) -> Node {
        let mut node = Node::default();
        let Some(schema) = schema.as_object() else { return node };
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let typed_object = match schema.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
            _ => false,
        };
        if properties.is_some() || additional.is_some() || typed_object {
            let mut fields = BTreeMap::new();
            for (key, sub) in properties.into_iter().flatten() {
                fields.insert(key.clone(), self.node(sub, depth + 1));
            }
            let extra = match additional {
                None | Some(Value::Bool(false)) => None,
                Some(sub) => Some(self.node(sub, depth + 1)),
            };
            node.object = Some((fields, extra));
        }
        if let Some(items) = schema.get("items") {
            node.items = self.node(items, depth + 1);
        }
        // A key is declared if any member declares it.
        let members = ["allOf", "oneOf", "anyOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array));
        for member in members.flatten() {
            let index = self.node(member, depth + 1);
            if self.pending.contains(&index) {
                // A member that contains this very schema (a recursive `$ref`): its keys are not known yet.
                node.object = Some((node.object.unwrap_or_default().0, Some(ANY)));
                continue;
            }
            let member = self.nodes.get(index).cloned().unwrap_or_default();
            node.items = self.union(node.items, member.items);
            node.object = match (node.object, member.object) {
                (x, None) | (None, x) => x,
                (Some((mut fields, extra)), Some((more, more_extra))) => {
                    for (key, j) in more {
                        let value = fields.get(&key).map_or(j, |&i| self.union(i, j));
                        fields.insert(key, value);
                    }
                    let extra = match (extra, more_extra) {
                        (Some(i), Some(j)) => Some(self.union(i, j)),
                        (e, None) | (None, e) => e,
                    };
                    Some((fields, extra))
                }
            };
        }
        node
    }

    /// The node for a value two members describe: whichever one has a shape, unchecked if both have one.
    fn union(&self, i: usize, j: usize) -> usize {
        let shaped = |k: usize| {
            self.pending.contains(&k) || self.nodes.get(k).is_some_and(|n| n.object.is_some() || n.items != ANY)
        };
        match (shaped(i), shaped(j)) {
            (_, false) => i,
            (false, true) => j,
            (true, true) if i == j => i,
            (true, true) => ANY,
        }
    }
}

/// Why a walk stopped; kept beside the deserializer's error, which cannot carry it.
enum Failure {
    TooDeep,
    /// Path of the unknown field, completed outward while the walk unwinds.
    Unknown(String),
}

struct Ctx<'s> {
    nodes: &'s [Node],
    failure: Cell<Option<Failure>>,
}

impl Ctx<'_> {
    fn fail<E: de::Error>(&self, failure: Failure) -> E {
        self.failure.set(Some(failure));
        E::custom("body refused")
    }

    /// Prefixes the path of an unknown field found inside the value being left with that value's key or index.
    fn unwind<E>(&self, segment: impl FnOnce() -> String, error: E) -> E {
        let mut failure = self.failure.take();
        if let Some(Failure::Unknown(path)) = &mut failure {
            *path = format!("{}.{path}", segment());
        }
        self.failure.set(failure);
        error
    }
}

/// A key as shown in an error path, shortened when very long.
fn clip(key: &str) -> String {
    match key.char_indices().nth(MAX_KEY_CHARS) {
        Some((end, _)) => format!("{}…", key.get(..end).unwrap_or_default()),
        None => key.to_owned(),
    }
}

/// Walks one value against a node; scalars are consumed without being kept.
#[derive(Clone, Copy)]
struct Walk<'c, 's> {
    ctx: &'c Ctx<'s>,
    node: usize,
    depth: usize,
}

impl<'c, 's> Walk<'c, 's> {
    /// The node of the container being entered, refused when it would be nested deeper than [`MAX_DEPTH`].
    fn enter<E: de::Error>(self) -> Result<&'s Node, E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.ctx.fail(Failure::TooDeep));
        }
        Ok(self.ctx.nodes.get(self.node).unwrap_or(&UNCHECKED))
    }

    /// The walk of a value inside the container being entered.
    fn child(self, node: usize) -> Self {
        Walk {
            node,
            depth: self.depth + 1,
            ctx: self.ctx,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let node = self.enter()?;
        let mut index = 0;
        loop {
            match seq.next_element_seed(self.child(node.items)) {
                Ok(Some(())) => index += 1,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.ctx.unwind(|| index.to_string(), e)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((fields, extra)) = &self.enter()?.object else {
            // Not an object schema: keys are not checked, and nothing inside is either.
            while map.next_key::<IgnoredAny>()?.is_some() {
                map.next_value_seed(self.child(ANY))?;
            }
            return Ok(());
        };
        while let Some(key) = map.next_key_seed(Key)? {
            let Some(node) = fields.get(key.as_ref()).copied().or(*extra) else {
                return Err(self.ctx.fail(Failure::Unknown(clip(&key))));
            };
            if let Err(e) = map.next_value_seed(self.child(node)) {
                return Err(self.ctx.unwind(|| clip(&key), e));
            }
        }
        Ok(())
    }
}

/// Reads an object key, borrowed from the body unless it contains escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }
    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"{"openapi": "3.0.0", "paths": {
      "/api/v1/courses/{id}/lessons": {"post": {"requestBody": {"content": {
        "application/json; charset=utf-8": {"schema": {"$ref": "#/components/schemas/Course"}}}}}},
      "/api/v1/courses/mine": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"mine": {"type": "string"}}}}}}}},
      "/api/v1/courses/{id}": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"param": {"type": "string"}}}}}}}},
      "/batch": {"put": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "array", "items": {"$ref": "#/components/schemas/Lesson"}}}}}}},
      "/text": {"post": {"requestBody": {"content": {"text/plain": {"schema": {"type": "object"}}}}}},
      "/broken": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/nowhere"}}}}},
                  "get": 7, "parameters": []}
    }, "components": {"schemas": {
      "Course": {"type": "object", "properties": {
        "title": {"type": "string"},
        "note": {"type": "string"},
        "meta": {"type": "object", "properties": {"author": {"type": "string"},
                 "tags": {"type": "object", "additionalProperties": true}}},
        "lessons": {"type": "array", "items": {"$ref": "#/components/schemas/Lesson"}},
        "extra": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"description": "annotation only"},
                  {"type": "object", "properties": {"more": {"type": "integer"}}}]},
        "content": {"oneOf": [{"$ref": "#/components/schemas/Video"}, {"$ref": "#/components/schemas/Quiz"}],
                    "discriminator": {"propertyName": "kind"}},
        "labels": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Base"}},
        "tree": {"$ref": "#/components/schemas/Tree"}}},
      "Lesson": {"type": "object", "properties": {"title": {"type": "string"}, "minutes": {"type": "integer"}}},
      "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
      "Video": {"type": "object", "properties": {"kind": {"type": "string"}, "url": {"type": "string"}}},
      "Quiz": {"type": "object", "properties": {"kind": {"type": "string"},
               "questions": {"type": "array", "items": {"$ref": "#/components/schemas/Lesson"}}}},
      "Tree": {"type": "object", "properties": {"name": {"type": "string"},
               "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}
    }}}"##;

    const LESSONS: &str = "/api/v1/courses/0190ab-cd/lessons";

    fn check(body: &str) -> Result<(), ShapeError> {
        BodyShapes::from_document(DOC).check("POST", LESSONS, body.as_bytes())
    }

    fn unknown(field: &str) -> Result<(), ShapeError> {
        Err(ShapeError::UnknownField {
            field: field.to_owned(),
        })
    }

    #[test]
    fn accepts_declared_fields_and_ignores_types() {
        let body = r#"{"title": "T", "note": {"any": {"thing": [1]}}, "meta": {"author": "a", "tags": {"x": {"y": 1}}},
            "lessons": [{"title": "a"}, {"minutes": 3}, 5, "not an object"], "extra": {"id": "1", "more": 2},
            "content": {"kind": "quiz", "url": "u", "questions": [{"title": "q"}]}, "labels": {"a": {"id": "x"}},
            "tree": {"name": "r", "children": [{"children": [{"name": "leaf"}]}]}}"#;
        assert_eq!(check(body), Ok(()));
        assert_eq!(check("[1, null, true, 2.5]"), Ok(()));
        assert_eq!(check(""), Ok(()));
    }

    #[test]
    fn refuses_undeclared_fields_at_any_level() {
        assert_eq!(check(r#"{"title": "a", "bogus": 1}"#), unknown("bogus"));
        assert_eq!(
            check(r#"{"lessons": [{"title": "a"}, {"bogus": 1}]}"#),
            unknown("lessons.1.bogus")
        );
        assert_eq!(check(r#"{"meta": {"bogus": 1}}"#), unknown("meta.bogus"));
        assert_eq!(check(r#"{"extra": {"id": "1", "bogus": 1}}"#), unknown("extra.bogus"));
        assert_eq!(
            check(r#"{"content": {"questions": [{"bogus": 1}]}}"#),
            unknown("content.questions.0.bogus")
        );
        assert_eq!(
            check(r#"{"labels": {"any key": {"bogus": 1}}}"#),
            unknown("labels.any key.bogus")
        );
        assert_eq!(
            check(r#"{"tree": {"children": [{"children": [{"bogus": 1}]}]}}"#),
            unknown("tree.children.0.children.0.bogus")
        );
        let batch = BodyShapes::from_document(DOC).check("PUT", "/batch", br#"[{"title": "a"}, [{"bogus": 1}]]"#);
        assert_eq!(
            batch,
            Ok(()),
            "an array where an object is expected is a type error, left to poem-openapi"
        );
        let batch = BodyShapes::from_document(DOC).check("PUT", "/batch", br#"[{"title": "a"}, {"bogus": 1}]"#);
        assert_eq!(batch, unknown("1.bogus"));
        let long = format!(r#"{{"{}": 1}}"#, "k".repeat(1000));
        assert_eq!(check(&long), unknown(&format!("{}…", "k".repeat(MAX_KEY_CHARS))));
    }

    #[test]
    fn escaped_keys_are_decoded() {
        assert_eq!(
            check(r#"{"ti\u0074le": "a", "lessons": [{"min\u0075tes": 1}]}"#),
            Ok(())
        );
        assert_eq!(check(r#"{"b\u006fgus": 1}"#), unknown("bogus"));
    }

    #[test]
    fn malformed_json_reports_position() {
        for body in [
            r#"{"title": }"#,
            r#"{"title": "a"} trailing"#,
            r#"{"title": "a""#,
            "{'a': 1}",
        ] {
            match check(body) {
                Err(ShapeError::Malformed(message)) => assert!(message.contains("line 1 column"), "{message}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn nesting_is_limited_without_overflowing_the_stack() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(check(&deep(10_000)), Err(ShapeError::TooDeep(MAX_DEPTH)));
        assert_eq!(check(&deep(MAX_DEPTH)), Ok(()));
        assert_eq!(check(&deep(MAX_DEPTH + 1)), Err(ShapeError::TooDeep(MAX_DEPTH)));
        assert_eq!(
            check(&format!(r#"{{"note": {}}}"#, deep(10_000))),
            Err(ShapeError::TooDeep(MAX_DEPTH))
        );
    }

    #[test]
    fn unknown_operations_are_not_checked() {
        let shapes = BodyShapes::from_document(DOC);
        let bogus = br#"{"bogus": 1"#;
        assert_eq!(shapes.check("GET", LESSONS, bogus), Ok(()));
        assert_eq!(shapes.check("POST", "/api/v1/unknown", bogus), Ok(()));
        assert_eq!(shapes.check("POST", "/api/v1/courses//lessons", bogus), Ok(()));
        assert_eq!(shapes.check("POST", "/text", bogus), Ok(()));
        assert_eq!(shapes.check("POST", "/broken", br#"{"bogus": 1}"#), Ok(()));
        assert_eq!(
            BodyShapes::from_document("not json").check("POST", LESSONS, bogus),
            Ok(())
        );
        assert_eq!(
            BodyShapes::from_document(r#"{"paths": [1]}"#).check("POST", LESSONS, bogus),
            Ok(())
        );
    }

    #[test]
    fn optional_bodies_are_read_from_the_document() {
        let shapes = BodyShapes::from_document(include_str!("../../docs/openapi.json"));
        let id = "01a2082b-c889-7b2d-8e11-1d2c3b4a5f6e";
        assert!(shapes.body_is_optional("POST", &format!("/api/v1/courses/{id}/checkout")));
        assert!(shapes.body_is_optional("POST", &format!("/api/v1/orders/{id}/refunds")));
        assert!(!shapes.body_is_optional("POST", "/api/v1/courses"));
        assert!(!shapes.body_is_optional("POST", "/api/v1/payments/stripe/webhook"));
        assert!(!shapes.body_is_optional("GET", "/api/v1/courses"));
    }

    #[test]
    fn recursive_combinators_terminate_without_false_refusals() {
        let doc = r##"{"paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/A"}}}}}}}, "components": {"schemas": {
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}], "properties": {"x": {}}},
            "B": {"anyOf": [{"$ref": "#/components/schemas/A"}],
                  "properties": {"y": {"$ref": "#/components/schemas/B"}}}}}}"##;
        let body = br#"{"x": 1, "y": {"x": 1, "y": {"y": null}}}"#;
        assert_eq!(BodyShapes::from_document(doc).check("POST", "/a", body), Ok(()));
    }

    #[test]
    fn templates_match_and_static_segments_win() {
        let shapes = BodyShapes::from_document(DOC);
        assert_eq!(
            shapes.check("post", "/api/v1/courses/x/lessons", br#"{"bogus": 1}"#),
            unknown("bogus")
        );
        assert_eq!(
            shapes.check("POST", "/api/v1/courses/mine", br#"{"mine": "x"}"#),
            Ok(())
        );
        assert_eq!(
            shapes.check("POST", "/api/v1/courses/mine", br#"{"param": "x"}"#),
            unknown("param")
        );
        assert_eq!(
            shapes.check("POST", "/api/v1/courses/0190", br#"{"param": "x"}"#),
            Ok(())
        );
        assert_eq!(
            shapes.check("POST", "/api/v1/courses/0190", br#"{"mine": "x"}"#),
            unknown("mine")
        );
    }

    #[test]
    fn stops_at_the_first_unknown_field() {
        let mut body = String::from("{");
        for i in 0..200_000 {
            body.push_str(&format!(r#""f{i}": {i}, "#));
        }
        assert!(body.len() > 2_000_000);
        body.push_str("!!! not json");
        assert_eq!(check(&body), unknown("f0"));
    }

    #[test]
    fn real_document_register() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<BodyShapes>();
        let shapes = BodyShapes::from_document(include_str!("../../docs/openapi.json"));
        let body = r#"{"email": "a@example.com", "password": "Secret123", "display_name": "A"}"#;
        assert_eq!(shapes.check("POST", "/api/v1/auth/register", body.as_bytes()), Ok(()));
        let extra = r#"{"email": "a@example.com", "password": "Secret123", "display_name": "A", "role": "admin"}"#;
        assert_eq!(
            shapes.check("POST", "/api/v1/auth/register", extra.as_bytes()),
            unknown("role")
        );
    }
}
