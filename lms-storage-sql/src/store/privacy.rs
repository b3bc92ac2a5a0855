//! What erasure needs of the backend itself, and the dump of every table.

use lms_core::ports::StoreResult;

use super::SqlStore;
use crate::backend::Backend;

/// Appends one line of the dump: the table's name, a space and the row's text, its line
/// breaks escaped (`\n`, `\r`) so that each row stays on its own line.
fn push_line(dump: &mut String, table: &str, row: &str) {
    dump.push_str(table);
    dump.push(' ');
    for c in row.chars() {
        match c {
            '\n' => dump.push_str("\\n"),
            '\r' => dump.push_str("\\r"),
            c => dump.push(c),
        }
    }
    dump.push('\n');
}

/// Erasure's scrub and the data dump.
impl<B: Backend> SqlStore<B> {
    /// `ErasureStore::scrub_deleted_data`: whatever the backend must do so deleted rows
    /// are gone from its files ([`Backend::scrub`]).
    pub async fn scrub_deleted_data(&self) -> StoreResult<()> {
        self.backend.scrub().await
    }

    /// `DataDump::dump_all`: every row of every table the catalog lists
    /// ([`Dialect::tables`](crate::statement::Dialect::tables)), tables in name order,
    /// each row on a line of its own prefixed by its table's name. Each table is read on
    /// its own, so a dump taken during writes may catch tables at different moments.
    pub async fn dump_all(&self) -> StoreResult<String> {
        let tables: Vec<String> = self.rows(&Self::statement(B::DIALECT.tables)).await?;
        let mut dump = String::new();
        for table in &tables {
            for row in self.backend.dump_table(table).await? {
                push_line(&mut dump, table, &row);
            }
        }
        Ok(dump)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_stays_on_its_own_line() {
        let mut dump = String::new();
        push_line(&mut dump, "users", "a\nb\r\nc");
        push_line(&mut dump, "outbox", "d");
        assert_eq!(dump, "users a\\nb\\r\\nc\noutbox d\n");
    }
}
