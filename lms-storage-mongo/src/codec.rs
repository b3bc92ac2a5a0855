//! Mapping between domain values and BSON.
//!
//! Aggregates are stored as BSON documents built from their serde (JSON) form, so every
//! serde attribute of the domain types means the same here as in the SQL adapters: ids and
//! timestamps are strings inside the document, numbers are 64-bit integers. The fields a
//! query filters or sorts on are stored next to the document in native BSON types: ids as
//! UUID binaries (subtype 4), which MongoDB orders by their bytes, the order of `Uuid`.

use chrono::{DateTime, Utc};
use lms_core::ports::{StoreError, StoreResult};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson, Document};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// A UUID as a BSON binary of subtype 4.
pub(crate) fn uuid(id: Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes: id.as_bytes().to_vec(),
    })
}

/// UUIDs as BSON binaries.
pub(crate) fn uuids(ids: impl IntoIterator<Item = Uuid>) -> Vec<Bson> {
    ids.into_iter().map(uuid).collect()
}

/// The UUID a BSON binary holds.
pub(crate) fn uuid_from(value: &Bson) -> StoreResult<Uuid> {
    match value {
        Bson::Binary(Binary { bytes, .. }) => Uuid::from_slice(bytes).map_err(StoreError::backend),
        other => Err(StoreError::backend(format!("expected a UUID, found {other}"))),
    }
}

/// A counter or version as stored (a signed 64-bit integer).
pub(crate) fn int64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(StoreError::backend)
}

/// A stored signed 64-bit counter back as a `u64`.
pub(crate) fn uint64(value: &Bson) -> StoreResult<u64> {
    let value = match value {
        Bson::Int64(v) => *v,
        Bson::Int32(v) => i64::from(*v),
        other => return Err(StoreError::backend(format!("expected an integer, found {other}"))),
    };
    u64::try_from(value).map_err(StoreError::backend)
}

/// A timestamp as whole microseconds since the epoch (BSON dates only keep milliseconds).
pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A timestamp from microseconds since the epoch.
pub(crate) fn from_micros(value: &Bson) -> StoreResult<DateTime<Utc>> {
    let micros = match value {
        Bson::Int64(v) => *v,
        other => return Err(StoreError::backend(format!("expected microseconds, found {other}"))),
    };
    DateTime::from_timestamp_micros(micros).ok_or_else(|| StoreError::backend("timestamp out of range"))
}

/// A value's serde form as a BSON document.
pub(crate) fn encode<T: Serialize>(value: &T) -> StoreResult<Document> {
    let json = serde_json::to_value(value).map_err(StoreError::backend)?;
    match json_to_bson(&json)? {
        Bson::Document(doc) => Ok(doc),
        other => Err(StoreError::backend(format!("expected a document, found {other}"))),
    }
}

/// A value from a document written by [`encode`]. A document that does not decode is a
/// backend failure: the database holds something this version cannot read.
pub(crate) fn decode<T: DeserializeOwned>(doc: Document) -> StoreResult<T> {
    serde_json::from_value(bson_to_json(Bson::Document(doc))?).map_err(StoreError::backend)
}

/// A JSON value as BSON, so that [`bson_to_json`] gives it back equal: integers that fit
/// an `i64` are `Int64`, larger unsigned ones (up to `u64::MAX`) `Decimal128` (BSON has no
/// unsigned 64-bit type, and a double would round them), other numbers `Double` (which
/// keeps every `f64` bit for bit); object keys are escaped ([`needs_escape`]).
pub(crate) fn json_to_bson(value: &Value) -> StoreResult<Bson> {
    Ok(match value {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Bson::Int64(i),
            (None, Some(u), _) => Bson::Decimal128(u.to_string().parse().map_err(StoreError::backend)?),
            (None, None, Some(f)) => Bson::Double(f),
            (None, None, None) => return Err(StoreError::backend(format!("unrepresentable number {n}"))),
        },
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(json_to_bson).collect::<StoreResult<_>>()?),
        Value::Object(map) => {
            let mut doc = Document::new();
            for (key, value) in map {
                doc.insert(escape_key(key.clone()), json_to_bson(value)?);
            }
            Bson::Document(doc)
        }
    })
}

/// The JSON value a BSON value written by [`json_to_bson`] stands for. Any other BSON type
/// is a backend failure: this adapter never wrote it.
pub(crate) fn bson_to_json(value: Bson) -> StoreResult<Value> {
    Ok(match value {
        Bson::Null => Value::Null,
        Bson::Boolean(b) => Value::Bool(b),
        Bson::Int32(i) => Value::from(i),
        Bson::Int64(i) => Value::from(i),
        Bson::Decimal128(d) => Value::from(d.to_string().parse::<u64>().map_err(StoreError::backend)?),
        Bson::Double(f) => Value::Number(
            serde_json::Number::from_f64(f).ok_or_else(|| StoreError::backend(format!("non-finite number {f}")))?,
        ),
        Bson::String(s) => Value::String(s),
        Bson::Array(items) => Value::Array(items.into_iter().map(bson_to_json).collect::<StoreResult<_>>()?),
        Bson::Document(doc) => Value::Object(
            doc.into_iter()
                .map(|(key, value)| Ok((unescape_key(key), bson_to_json(value)?)))
                .collect::<StoreResult<Map<_, _>>>()?,
        ),
        other => return Err(StoreError::backend(format!("unexpected stored value {other}"))),
    })
}

/// The sub-document stored under `field` of a stored document, decoded.
pub(crate) fn decode_field<T: DeserializeOwned>(mut stored: Document, field: &str) -> StoreResult<T> {
    match stored.remove(field) {
        Some(Bson::Document(doc)) => decode(doc),
        _ => Err(StoreError::backend(format!("stored document has no `{field}`"))),
    }
}

/// The characters a field name must not hold as they are: `.` and a leading `$` have
/// meaning in queries and updates, NUL ends a BSON name, and `%` is the escape itself.
/// Free-form map keys (course metadata) may contain any of them; struct fields never do.
fn needs_escape(c: char) -> bool {
    matches!(c, '%' | '.' | '$' | '\0')
}

fn escape_key(key: String) -> String {
    if !key.chars().any(needs_escape) {
        return key;
    }
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if needs_escape(c) {
            out.push_str(&format!("%{:02X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn unescape_key(key: String) -> String {
    if !key.contains('%') {
        return key;
    }
    let mut out = String::with_capacity(key.len());
    let mut rest = key.as_str();
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match code {
            Some(code) => {
                out.push(char::from(code));
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A pattern that matches `text` literally, as a substring. Only ASCII punctuation has a
/// meaning in MongoDB's regular expressions; each such character is escaped.
pub(crate) fn literal_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::SubsecRound;

    use super::*;

    #[test]
    fn uuids_round_trip_as_subtype_4_binaries() {
        let id = Uuid::now_v7();
        let stored = uuid(id);
        assert!(matches!(&stored, Bson::Binary(b) if b.subtype == BinarySubtype::Uuid));
        assert_eq!(uuid_from(&stored).unwrap(), id);
        assert!(uuid_from(&Bson::String(id.to_string())).is_err());
    }

    #[test]
    fn free_form_keys_round_trip_through_escaping() {
        let mut map = BTreeMap::new();
        for key in ["plain", "a.b", "$where", "100%", "%2E", "nul\0byte", "%", "50%x"] {
            map.insert(key.to_owned(), key.to_owned());
        }
        let doc = encode(&map).unwrap();
        assert!(doc
            .keys()
            .all(|k| !k.contains('.') && !k.starts_with('$') && !k.contains('\0')));
        assert_eq!(decode::<BTreeMap<String, String>>(doc).unwrap(), map);
    }

    #[test]
    fn timestamps_keep_microseconds() {
        let now = Utc::now().trunc_subsecs(6);
        assert_eq!(from_micros(&Bson::Int64(micros(now))).unwrap(), now);
    }

    #[test]
    fn counters_beyond_the_signed_range_are_rejected() {
        assert_eq!(int64(7).unwrap(), 7);
        assert!(int64(u64::MAX).is_err());
        assert!(uint64(&Bson::Int64(-1)).is_err());
        assert_eq!(uint64(&Bson::Int32(3)).unwrap(), 3);
    }

    #[test]
    fn literal_patterns_escape_every_operator() {
        assert_eq!(literal_pattern("a.b*(c)"), r"a\.b\*\(c\)");
        assert_eq!(literal_pattern("één"), "één");
    }

    #[test]
    fn json_round_trips_exactly_through_bson() {
        let value = serde_json::json!({
            "big": u64::MAX,
            "above_signed": (i64::MAX as u64) + 1,
            "min": i64::MIN,
            "max": i64::MAX,
            "float": 0.1 + 0.2,
            "whole_float": 2.0,
            "tiny": f64::MIN_POSITIVE,
            "text": "nul\0 and ünïcode 🎓",
            "$op": { "a.b": [null, true, [], {}] },
        });
        let stored = json_to_bson(&value).unwrap();
        assert!(matches!(&stored, Bson::Document(d) if d.keys().all(|k| !k.starts_with('$') && !k.contains('.'))));
        assert_eq!(bson_to_json(stored).unwrap(), value);
        assert_eq!(bson_to_json(json_to_bson(&serde_json::json!(7)).unwrap()).unwrap(), 7);
    }

    #[test]
    fn bson_this_adapter_never_writes_is_refused() {
        assert!(bson_to_json(Bson::DateTime(mongodb::bson::DateTime::now())).is_err());
        assert!(bson_to_json(Bson::Double(f64::NAN)).is_err());
    }

    #[test]
    fn undecodable_documents_are_backend_failures() {
        let doc = encode(&BTreeMap::from([("a", 1)])).unwrap();
        assert!(matches!(decode::<Vec<u8>>(doc), Err(StoreError::Backend(_))));
    }
}
