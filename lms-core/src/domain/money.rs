//! Money as integer minor units plus an ISO 4217 currency code; never floating point.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Validator};

/// An ISO 4217 alphabetic currency code, upper case (`EUR`, `USD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Accepts three ASCII letters in any case.
    pub fn parse(raw: &str) -> Result<Self> {
        let bytes = raw.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(Error::invalid(
                "",
                "invalid_currency",
                "must be a three-letter ISO 4217 code",
            )),
        }
    }

    /// The code, e.g. `"EUR"`.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;

    fn try_from(raw: String) -> Result<Self> {
        Self::parse(&raw)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> String {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A positive amount in minor units (cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units; always > 0 and ≤ [`Money::MAX_MINOR`].
    pub amount_minor: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// Largest accepted amount (10^12 minor units), far above any course price.
    pub const MAX_MINOR: i64 = 1_000_000_000_000;

    /// Validates a price amount.
    pub fn new(amount_minor: i64, currency: &str) -> Result<Self> {
        let mut v = Validator::new();
        if !(1..=Self::MAX_MINOR).contains(&amount_minor) {
            v.push(crate::error::FieldError::new(
                "amount_minor",
                "out_of_range",
                format!("must be between 1 and {}", Self::MAX_MINOR),
            ));
        }
        let currency = v.field("currency", Currency::parse(currency));
        v.finish()?;
        Ok(Self {
            amount_minor,
            currency: currency.expect("validated above"),
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_minor, self.currency)
    }
}

/// What a course costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Price {
    /// Anyone may enroll directly.
    #[default]
    Free,
    /// Enrollment requires a purchase or a covering subscription.
    Paid(Money),
}

impl Price {
    /// True for [`Price::Free`].
    pub fn is_free(&self) -> bool {
        matches!(self, Price::Free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_and_amount_are_validated() {
        let m = Money::new(1999, "eur").unwrap();
        assert_eq!(m.currency.as_str(), "EUR");
        assert!(Money::new(0, "EUR").is_err());
        assert!(Money::new(-5, "EUR").is_err());
        assert!(Money::new(5, "EURO").is_err());
        assert!(Money::new(5, "€€").is_err());
        match Money::new(0, "x") {
            Err(Error::Validation(fields)) => assert_eq!(fields.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }
}
