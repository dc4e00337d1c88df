//! Schema migrations: SQL files embedded in the binary, applied in order at open.
//!
//! `atender_schema` records each version applied. Opening takes a transaction-scoped advisory
//! lock first, so servers started together on a fresh database migrate it once, one after the
//! other; a database already at this build's version costs one query. A database whose schema
//! is newer than this build (a newer server ran on it) is refused untouched: this build would
//! not know what the newer columns mean.

use super::bridge::block_on;
use super::db_error;
use crate::{Error, Result};

use crate::store::StoreError;

/// Each migration, in order; version N is `MIGRATIONS[N - 1]`. Never edit one that has been
/// released: add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_change_feed.sql"),
    include_str!("migrations/0003_sign_in_attempts.sql"),
];

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Any constant both servers agree on: the lock only orders migrations against each other.
const MIGRATION_LOCK: i64 = 0x6174_656e_6465_7201;

/// Brings the schema up to `target` (normally `SCHEMA_VERSION`), or refuses a newer one.
pub(super) fn migrate(
    client: &mut deadpool_postgres::Object,
    shown: &str,
    target: u32,
) -> Result<()> {
    let failed = |e: tokio_postgres::Error| match db_error(&e) {
        Error::Store(StoreError::Failed { detail }) => Error::Store(StoreError::Failed {
            detail: format!("migrating the schema of {shown}: {detail}"),
        }),
        other => other,
    };
    let tx = block_on(client.transaction()).map_err(failed)?;
    block_on(tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])).map_err(failed)?;
    block_on(tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS atender_schema (\
             version    integer     PRIMARY KEY, \
             applied_at timestamptz NOT NULL DEFAULT now())",
    ))
    .map_err(failed)?;
    let found: i32 =
        block_on(tx.query_one("SELECT coalesce(max(version), 0) FROM atender_schema", &[]))
            .and_then(|row| row.try_get(0))
            .map_err(failed)?;
    let found = u32::try_from(found).unwrap_or(u32::MAX);
    if found > SCHEMA_VERSION {
        return Err(Error::Store(StoreError::UnknownSchema {
            path: shown.to_string(),
            found,
            supported: SCHEMA_VERSION,
        }));
    }
    for version in found + 1..=target.min(SCHEMA_VERSION) {
        let sql = MIGRATIONS[version as usize - 1];
        block_on(tx.batch_execute(sql)).map_err(failed)?;
        block_on(tx.execute(
            "INSERT INTO atender_schema (version) VALUES ($1)",
            &[&(version as i32)],
        ))
        .map_err(failed)?;
        tracing::info!(version, database = shown, "applied schema migration");
    }
    block_on(tx.commit()).map_err(failed)
}
