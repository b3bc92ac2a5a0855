//! What the SQL adapters report of their schema migrations.

/// Every migration `migrator` embeds, marked with the time the database applied it
/// (`applied`: version and time, read from sqlx's `_sqlx_migrations` table), in order.
/// Only successful applications count; a version the database has but this build does
/// not know is listed too, so a database newer than the build shows as such.
pub fn migration_states(
    migrator: &sqlx::migrate::Migrator,
    applied: impl IntoIterator<Item = (i64, chrono::DateTime<chrono::Utc>)>,
) -> Vec<lms_core::ports::MigrationState> {
    let mut applied: std::collections::BTreeMap<i64, chrono::DateTime<chrono::Utc>> = applied.into_iter().collect();
    let mut states: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| lms_core::ports::MigrationState {
            version: m.version,
            description: m.description.to_string(),
            applied_at: applied.remove(&m.version),
        })
        .collect();
    states.extend(
        applied
            .into_iter()
            .map(|(version, at)| lms_core::ports::MigrationState {
                version,
                description: "unknown to this build".to_owned(),
                applied_at: Some(at),
            }),
    );
    states.sort_by_key(|m| m.version);
    states
}
