//! `atender-server check` on PostgreSQL, and the health check's ping: every record of every
//! table read and decoded as the store decodes it, so a row written by hand, by a broken tool
//! or by a newer build with other meanings is found before it fails a request.

use super::bridge::block_on;
use super::tx::{AUDIT_COLUMNS, INVITE_COLUMNS, team_select, user_select};
use super::{PgStore, db_error, rows};
use crate::domain::PasswordHash;
use crate::store::StoreError;
use crate::{Error, Result};
use futures_util::{StreamExt, pin_mut};
use std::time::Duration;
use tokio_postgres::Row;

/// Report progress every this many records.
const PROGRESS_EVERY: u64 = 10_000;

/// Each table: what one of its records is called, the query that reads them all, and its
/// decoder.
type Decode = fn(&Row) -> Result<()>;
const TABLES: &[(&str, &str, Decode)] = &[
    (
        "a workspace",
        "SELECT id, name, slug, created_at FROM workspaces",
        |r| rows::workspace(r).map(drop),
    ),
    ("a user", concat!(user_select!(), ""), |r| {
        rows::user(r).map(drop)
    }),
    ("a team", concat!(team_select!(), ""), |r| {
        rows::team(r).map(drop)
    }),
    ("an invite", INVITE_COLUMNS, |r| rows::invite(r).map(drop)),
    (
        "a session",
        "SELECT workspace, user_id, epoch, created_at, expires_at FROM sessions",
        |r| rows::session(r).map(drop),
    ),
    ("a password hash", "SELECT hash FROM passwords", |r| {
        let phc: String = r.try_get(0).map_err(Error::storage)?;
        serde_json::from_value::<PasswordHash>(serde_json::Value::String(phc))
            .map(drop)
            .map_err(Error::storage)
    }),
    ("an audit event", AUDIT_COLUMNS, |r| {
        rows::audit_event(r).map(drop)
    }),
];

impl PgStore {
    /// Reads and decodes every record, in one snapshot; `progress` hears the count now and then.
    /// The first record that does not decode is reported as `StoreError::Corrupt`, naming its table
    /// and its number in the read.
    pub fn check_integrity(&self, progress: &mut dyn FnMut(u64)) -> Result<u64> {
        let (read, warnings) = self.check_integrity_reporting(progress)?;
        for warning in &warnings {
            tracing::warn!(database = %self.inner.shown, "{warning}");
        }
        Ok(read)
    }

    /// `check_integrity`, returning the warnings too (records that break today's name and
    /// email rules: reported, not refused) instead of logging them.
    pub fn check_integrity_reporting(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(u64, Vec<String>)> {
        let mut client = self.connection()?;
        let shown = self.inner.shown.clone();
        let read = block_on(async {
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(|e| db_error(&e))?;
            let mut read = 0u64;
            for (kind, sql, decode) in TABLES {
                let none: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
                // Streamed: the rows of a big table are never all in memory at once.
                let stream = tx.query_raw(*sql, none).await.map_err(|e| db_error(&e))?;
                pin_mut!(stream);
                while let Some(row) = stream.next().await {
                    let row = row.map_err(|e| db_error(&e))?;
                    read += 1;
                    decode(&row).map_err(|why| {
                        Error::Store(StoreError::Corrupt {
                            path: shown.clone(),
                            detail: format!("record {read} ({kind}) is unreadable: {why}"),
                        })
                    })?;
                    if read.is_multiple_of(PROGRESS_EVERY) {
                        progress(read);
                    }
                }
            }
            tx.commit().await.map_err(|e| db_error(&e))?;
            Ok::<_, Error>(read)
        })?;
        let found = self.check_invariants()?;
        if found.damage.is_empty() {
            Ok((read, found.warnings))
        } else {
            Err(Error::Store(StoreError::Corrupt {
                path: shown,
                detail: crate::store::describe_damage(&found.damage),
            }))
        }
    }

    /// Whether the database answers a query within `timeout`: the health check's probe.
    pub fn ping(&self, timeout: Duration) -> Result<()> {
        let pool = self.inner.pool.clone();
        let answered = self
            .inner
            .runtime
            .run(async move {
                tokio::time::timeout(timeout, async move {
                    let client = pool.get().await.map_err(|e| e.to_string())?;
                    client
                        .simple_query("SELECT 1")
                        .await
                        .map(drop)
                        .map_err(|e| db_error(&e).to_string())
                })
                .await
            })
            .ok_or_else(|| Error::storage("the database connection runtime has stopped"))?;
        match answered {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::storage(format!(
                "the database at {} does not answer: {e}",
                self.inner.shown
            ))),
            Err(_) => Err(Error::storage(format!(
                "the database at {} did not answer within {timeout:?}",
                self.inner.shown
            ))),
        }
    }
}
