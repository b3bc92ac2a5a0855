//! Statements written once for every SQL dialect.
//!
//! A statement is written with `?` placeholders, as SQLite spells them, and rendered for
//! its backend's [`Dialect`] as it is built: PostgreSQL numbers its placeholders (`$1`,
//! `$2`, …). A lookup by a list of values is spelled `IN (?, ?, …)` with a value each for
//! SQLite and `= ANY ($n)` with one array for PostgreSQL, so either sends the list in one
//! statement. The values travel as [`Arg`]s, which each adapter binds to its driver's
//! query with the column types its schema has.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How a placeholder is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    /// `?`, each standing for the next value (SQLite).
    Anonymous,
    /// `$1`, `$2`, …, numbered in order (PostgreSQL).
    Numbered,
}

/// What the SQL backends spell or do differently, as far as the shared statements care.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// How placeholders are written.
    pub placeholders: Placeholders,
    /// Most values one list lookup binds; longer lists are looked up in several
    /// statements. PostgreSQL binds a list as one array, so its limit is `usize::MAX`.
    pub max_list: usize,
    /// The function giving the position of a substring (`instr` or `strpos`), used to
    /// filter on a substring of the search text.
    pub position: &'static str,
    /// Whether an insert breaking both the primary key and another UNIQUE constraint may
    /// report the other one. Then a duplicate of that other rule is checked against the id,
    /// which every store reports first. Only possible where a statement error leaves the
    /// transaction usable.
    pub unique_before_primary_key: bool,
    /// Whether a write transaction may miss rows committed while it runs (PostgreSQL's
    /// statement snapshots), so revoking every token of a family or user repeats until a
    /// pass finds nothing. SQLite's single writer sees everything at once.
    pub concurrent_writers: bool,
    /// The index hint that makes the planner read the ended sessions through the index on
    /// their revocation time (SQLite's `INDEXED BY`); empty where none is needed.
    pub revoked_at_hint: &'static str,
    /// The query naming every table of the database (PostgreSQL: of the current schema)
    /// the store uses, one text column, in name order: what `DataDump` reads.
    pub tables: &'static str,
    /// What an insert of the outbox's sequence column says to store the given values
    /// rather than generate them (PostgreSQL's `OVERRIDING SYSTEM VALUE`), with a leading
    /// space; empty where none is needed.
    pub identity_override: &'static str,
}

/// `name` as a quoted identifier, `"name"` with each `"` inside doubled, as SQLite and
/// PostgreSQL both read it: for a name read from the catalog, which no statement spells.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A value bound to one placeholder.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// An id column.
    Id(Uuid),
    /// A nullable id column.
    MaybeId(Option<Uuid>),
    /// A 64-bit integer column.
    Int(i64),
    /// A text column.
    Text(&'a str),
    /// A JSON document column (`jsonb` on PostgreSQL, text on SQLite).
    Json(&'a str),
    /// A timestamp column.
    Time(DateTime<Utc>),
}

/// The values of a list lookup.
#[derive(Debug, Clone, Copy)]
pub enum List<'a> {
    /// Ids.
    Ids(&'a [Uuid]),
    /// 64-bit integers.
    Ints(&'a [i64]),
    /// Texts.
    Texts(&'a [&'a str]),
}

impl List<'_> {
    fn len(&self) -> usize {
        match self {
            List::Ids(values) => values.len(),
            List::Ints(values) => values.len(),
            List::Texts(values) => values.len(),
        }
    }
}

/// What a statement binds, in order: a value for a placeholder, or a list for a lookup
/// (one value a placeholder on SQLite, one array on PostgreSQL).
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// One value.
    Value(Value<'a>),
    /// A list.
    List(List<'a>),
}

/// A statement in its backend's dialect with the values it binds.
#[derive(Debug)]
pub struct Statement<'a> {
    dialect: Dialect,
    sql: String,
    placeholders: usize,
    args: Vec<Arg<'a>>,
}

impl<'a> Statement<'a> {
    /// A statement starting with `sql`, whose `?` placeholders the following
    /// [`bind`](Self::bind)s fill in order.
    pub fn new(dialect: Dialect, sql: &str) -> Self {
        let mut statement = Self {
            dialect,
            sql: String::with_capacity(sql.len() + 16),
            placeholders: 0,
            args: Vec::new(),
        };
        statement.push(sql);
        statement
    }

    /// Appends SQL, rendering its `?` placeholders.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        match self.dialect.placeholders {
            Placeholders::Anonymous => {
                self.placeholders += sql.matches('?').count();
                self.sql.push_str(sql);
            }
            Placeholders::Numbered => {
                let mut parts = sql.split('?');
                self.sql.push_str(parts.next().unwrap_or_default());
                for part in parts {
                    self.placeholders += 1;
                    self.sql.push('$');
                    self.sql.push_str(&self.placeholders.to_string());
                    self.sql.push_str(part);
                }
            }
        }
        self
    }

    /// Binds the value of the next placeholder.
    pub fn bind(&mut self, value: Value<'a>) -> &mut Self {
        self.args.push(Arg::Value(value));
        self
    }

    /// Appends ` IN (?, …)` or ` = ANY ($n)` and binds the list: the condition that the
    /// expression before it is one of `list`. The list must not be empty.
    pub fn push_in(&mut self, list: List<'a>) -> &mut Self {
        match self.dialect.placeholders {
            Placeholders::Anonymous => {
                self.push(" IN (");
                self.push(&vec!["?"; list.len()].join(", "));
                self.push(")");
            }
            Placeholders::Numbered => {
                self.push(" = ANY (?)");
            }
        }
        self.args.push(Arg::List(list));
        self
    }

    /// Appends the rows of a multi-row `VALUES` list, `(?, …), (?, …)`, binding each
    /// row's values in order. There must be at least one row.
    pub fn push_rows<const N: usize>(&mut self, rows: impl IntoIterator<Item = [Value<'a>; N]>) -> &mut Self {
        let row = format!("({})", vec!["?"; N].join(", "));
        for (i, values) in rows.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push(&row);
            for value in values {
                self.bind(value);
            }
        }
        self
    }

    /// The SQL as the backend reads it.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// What the statement binds, in order.
    pub fn args(&self) -> &[Arg<'a>] {
        &self.args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dialect that differs from another only in how it writes placeholders.
    fn dialect(placeholders: Placeholders) -> Dialect {
        Dialect {
            placeholders,
            max_list: 2,
            position: "position",
            unique_before_primary_key: false,
            concurrent_writers: false,
            revoked_at_hint: "",
            tables: "",
            identity_override: "",
        }
    }

    fn lookup(dialect: Dialect, ids: &[Uuid]) -> Statement<'_> {
        let mut statement = Statement::new(dialect, "SELECT doc FROM t WHERE a = ? AND b");
        statement.bind(Value::Int(1)).push_in(List::Ids(ids)).push(" AND c = ?");
        statement.bind(Value::Text("x"));
        statement
    }

    #[test]
    fn placeholders_are_spelled_as_the_dialect_wants() {
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        assert_eq!(
            lookup(dialect(Placeholders::Anonymous), &ids).sql(),
            "SELECT doc FROM t WHERE a = ? AND b IN (?, ?) AND c = ?"
        );
        assert_eq!(
            lookup(dialect(Placeholders::Numbered), &ids).sql(),
            "SELECT doc FROM t WHERE a = $1 AND b = ANY ($2) AND c = $3"
        );
    }

    #[test]
    fn rows_of_values_number_their_placeholders_in_order() {
        let mut statement = Statement::new(dialect(Placeholders::Numbered), "INSERT INTO t (a, b) VALUES ");
        statement
            .push_rows([[Value::Int(1), Value::Text("x")], [Value::Int(2), Value::Text("y")]])
            .push(" RETURNING a");
        assert_eq!(
            statement.sql(),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING a"
        );
        assert_eq!(statement.args().len(), 4);
    }

    #[test]
    fn identifiers_are_quoted_with_inner_quotes_doubled() {
        assert_eq!(quote_identifier("users"), "\"users\"");
        assert_eq!(quote_identifier("a\"b?"), "\"a\"\"b?\"");
    }

    #[test]
    fn values_and_lists_are_bound_in_order() {
        let ids = [Uuid::now_v7()];
        let statement = lookup(dialect(Placeholders::Numbered), &ids);
        assert!(matches!(
            statement.args(),
            [
                Arg::Value(Value::Int(1)),
                Arg::List(List::Ids([_])),
                Arg::Value(Value::Text("x"))
            ]
        ));
    }
}
