//! Rows read back by the shared statements, decoded through each driver's own types.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use lms_core::ports::{StoreError, StoreResult};
use sqlx::{ColumnIndex, Database, Decode, Type};
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
    /// A nullable id column.
    fn maybe_id(&self, index: usize) -> StoreResult<Option<Uuid>>;
}

/// A driver's result row, its columns decoded with the driver's own types: `Text`
/// decodes a text or document column (PostgreSQL reads `jsonb` documents through a type
/// of its own).
#[derive(Debug)]
pub struct DriverRow<'r, R, Text = String> {
    row: &'r R,
    text: PhantomData<Text>,
}

impl<'r, R, Text> DriverRow<'r, R, Text> {
    /// The columns of `row`.
    pub fn new(row: &'r R) -> Self {
        Self { row, text: PhantomData }
    }
}

impl<R: sqlx::Row, Text> DriverRow<'_, R, Text>
where
    usize: ColumnIndex<R>,
{
    /// Column `index` as a `T`; a column that does not decode is a backend failure.
    fn get<T>(&self, index: usize) -> StoreResult<T>
    where
        T: for<'v> Decode<'v, R::Database> + Type<R::Database>,
    {
        self.row.try_get(index).map_err(StoreError::backend)
    }
}

impl<R, Text, DB> Row for DriverRow<'_, R, Text>
where
    DB: Database,
    R: sqlx::Row<Database = DB>,
    usize: ColumnIndex<R>,
    Uuid: for<'v> Decode<'v, DB> + Type<DB>,
    Option<Uuid>: for<'v> Decode<'v, DB> + Type<DB>,
    i64: for<'v> Decode<'v, DB> + Type<DB>,
    bool: for<'v> Decode<'v, DB> + Type<DB>,
    DateTime<Utc>: for<'v> Decode<'v, DB> + Type<DB>,
    Text: for<'v> Decode<'v, DB> + Type<DB> + Into<String>,
{
    fn id(&self, index: usize) -> StoreResult<Uuid> {
        self.get(index)
    }

    fn int(&self, index: usize) -> StoreResult<i64> {
        self.get(index)
    }

    fn flag(&self, index: usize) -> StoreResult<bool> {
        self.get(index)
    }

    fn text(&self, index: usize) -> StoreResult<String> {
        self.get::<Text>(index).map(Into::into)
    }

    fn time(&self, index: usize) -> StoreResult<DateTime<Utc>> {
        self.get(index)
    }

    fn maybe_id(&self, index: usize) -> StoreResult<Option<Uuid>> {
        self.get(index)
    }
}

/// A value read from one column.
pub trait Column: Sized {
    /// The value of column `index` of `row`.
    fn read(row: &dyn Row, index: usize) -> StoreResult<Self>;
}

macro_rules! columns {
    ($($column:ty => $read:ident),+) => {
        $(impl Column for $column {
            fn read(row: &dyn Row, index: usize) -> StoreResult<Self> {
                row.$read(index)
            }
        })+
    };
}

columns!(Uuid => id, i64 => int, bool => flag, String => text, DateTime<Utc> => time, Option<Uuid> => maybe_id);

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
from_columns!(A 0, B 1, C 2);
from_columns!(A 0, B 1, C 2, D 3);
from_columns!(A 0, B 1, C 2, D 3, E 4);
from_columns!(A 0, B 1, C 2, D 3, E 4, F 5);
