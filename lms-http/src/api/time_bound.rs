//! A point in time in a query (`from`, `to` of reports and the audit log): an RFC 3339
//! date-time, or a date alone meaning its midnight UTC, as people write report periods.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

/// A date-time query parameter that also takes a date (`2026-01-01`: its midnight UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeBound(pub DateTime<Utc>);

impl Type for TimeBound {
    const IS_REQUIRED: bool = true;
    type RawValueType = DateTime<Utc>;
    type RawElementValueType = DateTime<Utc>;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&DateTime<Utc>> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a DateTime<Utc>> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ParseFromParameter for TimeBound {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        if let Ok(at) = DateTime::parse_from_rfc3339(value) {
            return Ok(Self(at.with_timezone(&Utc)));
        }
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .ok()
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|midnight| Self(midnight.and_utc()))
            .ok_or_else(|| ParseError::custom("expected an RFC 3339 date-time or a date (YYYY-MM-DD)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_date_times_and_dates() {
        let parse = |s| TimeBound::parse_from_parameter(s).map(|t| t.0.to_rfc3339());
        assert_eq!(
            parse("2026-03-01T10:00:00+02:00").ok().as_deref(),
            Some("2026-03-01T08:00:00+00:00")
        );
        assert_eq!(parse("2026-03-01").ok().as_deref(), Some("2026-03-01T00:00:00+00:00"));
        for bad in ["", "2026-13-01", "yesterday", "2026-03-01T25:00:00Z"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
