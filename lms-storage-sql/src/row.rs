//! Rows read back by the shared statements, decoded through each driver's own types.

use chrono::{DateTime, Utc};
use lms_core::ports::StoreResult;
use uuid::Uuid;

/// The columns of a result row, by position, as an adapter's driver decodes them.
pub trait Row {
    /// An id column.
    fn id(&self, index: usize) -> StoreResult<Uuid>;
    /// A 64-bit integer column.
    fn int(&self, index: usize) -> StoreResult<i64>;
    /// A boolean column (SQLite's `EXISTS` gives an integer).
    fn flag(&self, index: usize) -> StoreResult<bool>;
    /// A text or JSON document column, as text.
    fn text(&self, index: usize) -> StoreResult<String>;
    /// A timestamp column.
    fn time(&self, index: usize) -> StoreResult<DateTime<Utc>>;
}

/// A value read from one column.
pub trait Column: Sized {
    /// The value of column `index` of `row`.
    fn read(row: &dyn Row, index: usize) -> StoreResult<Self>;
}

impl Column for Uuid {
    fn read(row: &dyn Row, index: usize) -> StoreResult<Self> {
        row.id(index)
    }
}

impl Column for i64 {
    fn read(row: &dyn Row, index: usize) -> StoreResult<Self> {
        row.int(index)
    }
}

impl Column for bool {
    fn read(row: &dyn Row, index: usize) -> StoreResult<Self> {
        row.flag(index)
    }
}

impl Column for String {
    fn read(row: &dyn Row, index: usize) -> StoreResult<Self> {
        row.text(index)
    }
}

impl Column for DateTime<Utc> {
    fn read(row: &dyn Row, index: usize) -> StoreResult<Self> {
        row.time(index)
    }
}

/// What a query returns a row as: one column's value, or a tuple of the leading columns.
pub trait FromRow: Sized + Send + 'static {
    /// Decodes a row.
    fn from_row(row: &dyn Row) -> StoreResult<Self>;
}

/// A row read for its existence only (`SELECT 1`).
impl FromRow for () {
    fn from_row(_: &dyn Row) -> StoreResult<Self> {
        Ok(())
    }
}

macro_rules! from_columns {
    ($($column:ident $index:tt),+) => {
        impl<$($column: Column + Send + 'static),+> FromRow for ($($column,)+) {
            fn from_row(row: &dyn Row) -> StoreResult<Self> {
                Ok(($($column::read(row, $index)?,)+))
            }
        }
    };
}

macro_rules! from_column {
    ($($column:ty),+) => {
        $(impl FromRow for $column {
            fn from_row(row: &dyn Row) -> StoreResult<Self> {
                Self::read(row, 0)
            }
        })+
    };
}

from_column!(Uuid, i64, bool, String);
from_columns!(A 0, B 1);
from_columns!(A 0, B 1, C 2, D 3, E 4, F 5);
