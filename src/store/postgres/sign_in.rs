//! The sign-in rate limit's counts, kept in the database so that every server on it counts the
//! same failures (the limiter's rules are in `server::rate_limit`; this is only its storage).
//!
//! A check and the hold it takes are one transaction under a transaction-scoped advisory lock
//! per budget, so two servers checking the same email at once are ordered: the second sees the
//! first one's attempt in progress. Times are the database's clock, the one all servers share.

use super::bridge::block_on;
use super::{PgStore, db_error};
use crate::Result;
use std::time::Duration;
use uuid::Uuid;

/// One budget an attempt counts against: a SHA-256 of its name, and how many failures it allows
/// within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitKey {
    pub key: [u8; 32],
    pub budget: u32,
}

impl LimitKey {
    /// The advisory lock of this budget: its first eight bytes.
    fn lock(&self) -> i64 {
        let mut first = [0u8; 8];
        first.copy_from_slice(&self.key[..8]);
        i64::from_be_bytes(first)
    }
}

/// What the counts say about a new attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInHold {
    /// Let through, holding a place in every budget until `sign_in_finish(attempt, …)`.
    Go(Uuid),
    /// Attempts in progress hold what is left of a budget: ask again once they finish.
    Wait,
    /// A budget is spent: the oldest failure leaves the window in this many seconds.
    Refuse { retry_after_secs: u64 },
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl PgStore {
    /// Checks every budget of `keys` and, if none is spent or held, holds a place in each.
    /// Failures count for `window`; an attempt in progress for longer than `stale_after` (its
    /// server died) no longer holds a place.
    pub fn sign_in_begin(
        &self,
        keys: &[LimitKey],
        window: Duration,
        stale_after: Duration,
    ) -> Result<SignInHold> {
        let mut client = self.connection()?;
        let mut locks: Vec<i64> = keys.iter().map(LimitKey::lock).collect();
        // Always in the same order, so two checks never wait on each other's locks.
        locks.sort_unstable();
        locks.dedup();
        let names: Vec<&[u8]> = keys.iter().map(|k| &k.key[..]).collect();
        let (window, stale_after) = (seconds(window), seconds(stale_after));
        block_on(async {
            let tx = client.transaction().await?;
            for lock in &locks {
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[lock])
                    .await?;
            }
            let rows = tx
                .query(
                    "SELECT key, \
                       count(*) FILTER (WHERE failed_at > now() - $2 * interval '1 second'), \
                       count(*) FILTER (WHERE failed_at IS NULL \
                                          AND started_at > now() - $3 * interval '1 second'), \
                       extract(epoch FROM min(failed_at) FILTER \
                           (WHERE failed_at > now() - $2 * interval '1 second') \
                           + $2 * interval '1 second' - now())::float8 \
                     FROM sign_in_attempts WHERE key = ANY($1) GROUP BY key",
                    &[&names, &window, &stale_after],
                )
                .await?;
            let mut refuse: Option<u64> = None;
            let mut wait = false;
            for row in &rows {
                let key: &[u8] = row.try_get(0)?;
                let failures: i64 = row.try_get(1)?;
                let in_progress: i64 = row.try_get(2)?;
                let left: Option<f64> = row.try_get(3)?;
                let budget = keys
                    .iter()
                    .find(|k| k.key[..] == *key)
                    .map_or(0, |k| i64::from(k.budget));
                if failures >= budget {
                    let secs = left.unwrap_or(1.0).ceil().max(1.0) as u64;
                    refuse = Some(refuse.map_or(secs, |r| r.max(secs)));
                } else if failures + in_progress >= budget {
                    wait = true;
                }
            }
            let hold = match (refuse, wait) {
                (Some(retry_after_secs), _) => SignInHold::Refuse { retry_after_secs },
                (None, true) => SignInHold::Wait,
                (None, false) => {
                    let attempt = Uuid::now_v7();
                    tx.execute(
                        "INSERT INTO sign_in_attempts (attempt, key) \
                         SELECT $1, unnest($2::bytea[])",
                        &[&attempt, &names],
                    )
                    .await?;
                    SignInHold::Go(attempt)
                }
            };
            tx.commit().await?;
            Ok(hold)
        })
        .map_err(|e: tokio_postgres::Error| db_error(&e))
    }

    /// Ends an attempt: a failure counts against its budgets for the window; anything else
    /// releases its place. `clear`, if given, forgets that budget's earlier failures (a right
    /// password clears the email's).
    pub fn sign_in_finish(
        &self,
        attempt: Uuid,
        failed: bool,
        clear: Option<&LimitKey>,
    ) -> Result<()> {
        let mut client = self.connection()?;
        block_on(async {
            let tx = client.transaction().await?;
            if failed {
                tx.execute(
                    "UPDATE sign_in_attempts SET failed_at = now() WHERE attempt = $1",
                    &[&attempt],
                )
                .await?;
            } else {
                tx.execute(
                    "DELETE FROM sign_in_attempts WHERE attempt = $1",
                    &[&attempt],
                )
                .await?;
            }
            if let Some(clear) = clear {
                tx.execute(
                    "DELETE FROM sign_in_attempts WHERE key = $1 AND failed_at IS NOT NULL",
                    &[&(&clear.key[..])],
                )
                .await?;
            }
            tx.commit().await
        })
        .map_err(|e| db_error(&e))
    }

    /// Deletes what no longer counts: attempts that started, and failures that happened, more
    /// than `window` ago. Returns how many rows went.
    pub fn sign_in_sweep(&self, window: Duration) -> Result<u64> {
        let client = self.connection()?;
        block_on(client.execute(
            "DELETE FROM sign_in_attempts \
             WHERE started_at < now() - $1 * interval '1 second' \
               AND coalesce(failed_at, started_at) < now() - $1 * interval '1 second'",
            &[&seconds(window)],
        ))
        .map_err(|e| db_error(&e))
    }
}
