//! Slows password guessing: after `EMAIL_BUDGET` wrong passwords within `WINDOW` for one email
//! (in one workspace), or `ADDRESS_BUDGET` from one client address, sign-in answers 429 with
//! Retry-After until the oldest failure leaves the window. The per-address budget is the larger
//! one, so a few mistyped or unknown emails don't lock out everyone behind one address.
//!
//! Only completed failures count. So that many simultaneous guesses can't all slip past the
//! check before any of them is recorded, attempts in progress hold a place in the budget: an
//! attempt that would overrun it waits (briefly) for those in progress to finish, and is then
//! let through if they succeeded or refused if they failed.
//!
//! Where the counts live follows the store: in memory for the sled store (one process per
//! store; a restart forgets), in the database on PostgreSQL, so that every server on it counts
//! the same failures and holds (see `store::postgres::sign_in`).

use crate::Error;
use crate::store::PgStore;
use crate::store::postgres::{LimitKey, SignInHold};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Wrong passwords per email (per workspace) within `WINDOW`.
pub const EMAIL_BUDGET: usize = 5;
/// Wrong passwords per client address within `WINDOW`, across emails.
pub const ADDRESS_BUDGET: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long an attempt waits for earlier ones in progress before it is told to retry.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// Past this many tracked keys, stale ones are swept so memory stays bounded.
const SWEEP_AT: usize = 10_000;
/// In the database: how often a waiting attempt looks again (finishes on other servers wake
/// nobody here).
const POLL: Duration = Duration::from_millis(25);
/// In the database: an attempt in progress for this long is one whose server died; it no longer
/// holds a place. Longer than any sign-in takes (the request timeout is 30 s).
const STALE_AFTER: Duration = Duration::from_secs(60);
/// In the database: how often each server deletes rows that no longer count.
const DB_SWEEP_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email { workspace: String, email: String },
    Address(IpAddr),
}

impl Key {
    fn budget(&self) -> usize {
        match self {
            Key::Email { .. } => EMAIL_BUDGET,
            Key::Address(_) => ADDRESS_BUDGET,
        }
    }

    /// The budget's name in the database: a SHA-256 of an unambiguous spelling, so that no
    /// guessed email or client address is stored.
    fn in_database(&self) -> LimitKey {
        let name = match self {
            Key::Email { workspace, email } => {
                format!("email:{}:{workspace}:{email}", workspace.len())
            }
            Key::Address(addr) => format!("address:{addr}"),
        };
        LimitKey {
            key: Sha256::digest(name.as_bytes()).into(),
            budget: u32::try_from(self.budget()).unwrap_or(u32::MAX),
        }
    }
}

#[derive(Default)]
struct Tally {
    failures: VecDeque<Instant>,
    in_progress: usize,
}

enum Counts {
    Memory(Mutex<HashMap<Key, Tally>>),
    Database {
        store: PgStore,
        last_sweep: Mutex<Instant>,
    },
}

pub struct SignInLimiter {
    counts: Counts,
    /// Woken whenever an attempt finishes on this server, for the attempts waiting on it.
    finished: Notify,
}

impl Default for SignInLimiter {
    /// Counts in this process's memory.
    fn default() -> Self {
        SignInLimiter {
            counts: Counts::Memory(Mutex::default()),
            finished: Notify::new(),
        }
    }
}

fn keys(workspace: &str, email: &str, addr: IpAddr) -> [Key; 2] {
    [
        Key::Email {
            workspace: workspace.trim().to_lowercase(),
            email: email.trim().to_lowercase(),
        },
        Key::Address(addr),
    ]
}

/// Why an attempt was not let through.
#[derive(Debug)]
pub enum Held {
    /// The budget is spent: retry after this many seconds.
    TooManyFailures { retry_after_secs: u64 },
    /// Earlier attempts are still in progress after `MAX_WAIT`; retry shortly.
    Busy,
    /// The database holding the counts could not be asked.
    Store(Error),
}

/// An attempt let through. Report how it ended with `failed` or `not_a_failure`; dropped
/// without either (the client went away), it doesn't count.
#[must_use]
pub struct Attempt {
    limiter: Arc<SignInLimiter>,
    keys: [Key; 2],
    hold: Option<Hold>,
}

/// The place an attempt holds in its budgets until it finishes.
enum Hold {
    Memory,
    Database(uuid::Uuid),
}

enum Check {
    Go(Hold),
    Wait,
    Refuse(u64),
}

impl SignInLimiter {
    /// Counts in the database, shared with every server on it.
    pub fn in_database(store: PgStore) -> SignInLimiter {
        SignInLimiter {
            counts: Counts::Database {
                store,
                last_sweep: Mutex::new(Instant::now()),
            },
            finished: Notify::new(),
        }
    }

    /// Lets an attempt through, possibly after waiting for earlier ones in progress, or says why
    /// not.
    pub async fn begin(
        self: &Arc<Self>,
        workspace: &str,
        email: &str,
        addr: IpAddr,
    ) -> Result<Attempt, Held> {
        let keys = keys(workspace, email, addr);
        let deadline = tokio::time::Instant::now() + MAX_WAIT;
        loop {
            // Registered before checking, so a finish between the check and the wait is seen.
            let finished = self.finished.notified();
            match self.check_and_hold(&keys).await.map_err(Held::Store)? {
                Check::Go(hold) => {
                    return Ok(Attempt {
                        limiter: self.clone(),
                        keys,
                        hold: Some(hold),
                    });
                }
                Check::Refuse(retry_after_secs) => {
                    return Err(Held::TooManyFailures { retry_after_secs });
                }
                Check::Wait => {
                    let until = match self.counts {
                        Counts::Memory(_) => deadline,
                        Counts::Database { .. } => deadline.min(tokio::time::Instant::now() + POLL),
                    };
                    let woken = tokio::time::timeout_at(until, finished).await.is_ok();
                    if !woken && tokio::time::Instant::now() >= deadline {
                        return Err(Held::Busy);
                    }
                }
            }
        }
    }

    async fn check_and_hold(&self, keys: &[Key; 2]) -> Result<Check, Error> {
        match &self.counts {
            Counts::Memory(map) => Ok(check_and_hold_in_memory(map, keys)),
            Counts::Database { store, last_sweep } => {
                let sweep = {
                    let mut last = last_sweep.lock().unwrap_or_else(|p| p.into_inner());
                    let due = last.elapsed() >= DB_SWEEP_EVERY;
                    if due {
                        *last = Instant::now();
                    }
                    due
                };
                let (store, budgets) = (store.clone(), keys.clone().map(|k| k.in_database()));
                let hold = blocking(move || {
                    if sweep {
                        let swept = store.sign_in_sweep(WINDOW)?;
                        tracing::debug!(swept, "swept old sign-in attempts");
                    }
                    store.sign_in_begin(&budgets, WINDOW, STALE_AFTER)
                })
                .await?;
                Ok(match hold {
                    SignInHold::Go(id) => Check::Go(Hold::Database(id)),
                    SignInHold::Wait => Check::Wait,
                    SignInHold::Refuse { retry_after_secs } => Check::Refuse(retry_after_secs),
                })
            }
        }
    }

    async fn finish(&self, keys: &[Key; 2], hold: Hold, failed: bool, signed_in: bool) {
        match (&self.counts, hold) {
            (Counts::Memory(map), _) => finish_in_memory(map, keys, failed, signed_in),
            (Counts::Database { store, .. }, Hold::Database(attempt)) => {
                let store = store.clone();
                let clear = signed_in.then(|| keys[0].in_database());
                let done =
                    blocking(move || store.sign_in_finish(attempt, failed, clear.as_ref())).await;
                if let Err(e) = done {
                    // The attempt stays in progress until it is stale, then stops counting.
                    tracing::error!(error = %e, failed, "recording a sign-in attempt failed");
                }
            }
            (Counts::Database { .. }, Hold::Memory) => {}
        }
        self.finished.notify_waiters();
    }
}

/// Runs a store call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("the sign-in limiter's task failed: {e}")))?
}

fn check_and_hold_in_memory(map: &Mutex<HashMap<Key, Tally>>, keys: &[Key; 2]) -> Check {
    let now = Instant::now();
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    let mut must_wait = false;
    let mut refuse = None::<u64>;
    for k in keys {
        let Some(counts) = map.get_mut(k) else {
            continue;
        };
        prune(&mut counts.failures, now);
        if counts.failures.len() >= k.budget() {
            let oldest = counts.failures.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now - oldest).as_secs().max(1);
            refuse = Some(refuse.map_or(wait, |w| w.max(wait)));
        } else if counts.failures.len() + counts.in_progress >= k.budget() {
            must_wait = true;
        }
    }
    if let Some(wait) = refuse {
        return Check::Refuse(wait);
    }
    if must_wait {
        return Check::Wait;
    }
    if map.len() >= SWEEP_AT {
        map.retain(|_, counts| {
            prune(&mut counts.failures, now);
            !counts.failures.is_empty() || counts.in_progress > 0
        });
    }
    for k in keys {
        map.entry(k.clone()).or_default().in_progress += 1;
    }
    Check::Go(Hold::Memory)
}

fn finish_in_memory(
    map: &Mutex<HashMap<Key, Tally>>,
    keys: &[Key; 2],
    failed: bool,
    signed_in: bool,
) {
    let now = Instant::now();
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    for k in keys {
        if let Some(counts) = map.get_mut(k) {
            counts.in_progress = counts.in_progress.saturating_sub(1);
            if failed {
                counts.failures.push_back(now);
            }
        }
    }
    // A right password clears the email's earlier failures (not the address's).
    if signed_in && let Some(counts) = map.get_mut(&keys[0]) {
        counts.failures.clear();
    }
}

impl Attempt {
    /// A wrong email or password: it counts against both budgets.
    pub async fn failed(mut self) {
        if let Some(hold) = self.hold.take() {
            self.limiter.finish(&self.keys, hold, true, false).await;
        }
    }

    /// Not a wrong password (signed in, or refused for another reason): it doesn't count.
    /// A successful sign-in also clears the email's earlier failures.
    pub async fn not_a_failure(mut self, signed_in: bool) {
        if let Some(hold) = self.hold.take() {
            self.limiter
                .finish(&self.keys, hold, false, signed_in)
                .await;
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let Some(hold) = self.hold.take() else {
            return;
        };
        match hold {
            Hold::Memory => {
                if let Counts::Memory(map) = &self.limiter.counts {
                    finish_in_memory(map, &self.keys, false, false);
                }
                self.limiter.finished.notify_waiters();
            }
            // Released in the background; without a runtime the place expires when stale.
            Hold::Database(_) => {
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let (limiter, keys) = (self.limiter.clone(), self.keys.clone());
                    runtime.spawn(async move { limiter.finish(&keys, hold, false, false).await });
                }
            }
        }
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn the_fifth_wrong_password_blocks_the_email_not_the_address() {
        let l = Arc::new(SignInLimiter::default());
        let a = ip("127.0.0.1");
        for _ in 0..4 {
            l.begin("acme", "x@acme.io", a)
                .await
                .unwrap()
                .failed()
                .await;
        }
        // a right password does not count, and clears the email's failures
        l.begin("acme", "x@acme.io", a)
            .await
            .unwrap()
            .not_a_failure(true)
            .await;
        for _ in 0..5 {
            l.begin("acme", "X@acme.io ", a)
                .await
                .unwrap()
                .failed()
                .await;
        }
        let Err(Held::TooManyFailures { retry_after_secs }) = l.begin("acme", "x@acme.io", a).await
        else {
            panic!("the email must be blocked");
        };
        assert!(retry_after_secs > 14 * 60 && retry_after_secs <= 15 * 60);
        // other emails at the same address, and the email in another workspace, still work
        l.begin("acme", "other@acme.io", a)
            .await
            .unwrap()
            .not_a_failure(true)
            .await;
        l.begin("other", "x@acme.io", ip("127.0.0.3"))
            .await
            .unwrap()
            .failed()
            .await;
    }

    #[tokio::test]
    async fn an_address_has_a_larger_budget_across_emails() {
        let l = Arc::new(SignInLimiter::default());
        let a = ip("10.0.0.1");
        for i in 0..ADDRESS_BUDGET {
            l.begin("acme", &format!("u{i}@acme.io"), a)
                .await
                .unwrap()
                .failed()
                .await;
        }
        assert!(matches!(
            l.begin("acme", "new@acme.io", a).await,
            Err(Held::TooManyFailures { .. })
        ));
        l.begin("acme", "new@acme.io", ip("10.0.0.2"))
            .await
            .unwrap()
            .not_a_failure(true)
            .await;
    }

    #[tokio::test]
    async fn attempts_in_progress_wait_and_are_not_failures() {
        let l = Arc::new(SignInLimiter::default());
        let a = ip("127.0.0.1");
        let mut held = Vec::new();
        for _ in 0..EMAIL_BUDGET {
            held.push(l.begin("acme", "x@acme.io", a).await.unwrap());
        }
        // the budget is taken by attempts in progress: the next one waits for them
        let l2 = l.clone();
        let next = tokio::spawn(async move { l2.begin("acme", "x@acme.io", a).await.is_ok() });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!next.is_finished());
        for attempt in held {
            attempt.not_a_failure(true).await;
        }
        assert!(next.await.unwrap(), "let through once the others succeeded");
        // dropped attempts (the client went away) count for nothing
        for _ in 0..10 {
            drop(l.begin("acme", "y@acme.io", a).await.unwrap());
        }
        // failures in progress: the waiting attempt is refused when they fail
        let mut held = Vec::new();
        for _ in 0..EMAIL_BUDGET {
            held.push(l.begin("acme", "z@acme.io", a).await.unwrap());
        }
        let l2 = l.clone();
        let next = tokio::spawn(async move { l2.begin("acme", "z@acme.io", a).await.is_ok() });
        tokio::time::sleep(Duration::from_millis(50)).await;
        for attempt in held {
            attempt.failed().await;
        }
        assert!(!next.await.unwrap(), "refused once the others failed");
    }
}
