//! Slows password guessing: after `MAX_FAILURES` failed sign-ins within `WINDOW` for one email
//! (in one workspace) or from one client address, sign-in answers 429 with Retry-After until the
//! oldest failure leaves the window. In memory: a restart forgets, and several server processes
//! would each count on their own (one process per store is the rule anyway).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Past this many tracked keys, stale ones are swept so memory stays bounded.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email { workspace: String, email: String },
    Address(IpAddr),
}

#[derive(Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
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

/// An attempt let through; it counts as a failure until `succeeded` says otherwise, so many
/// concurrent guesses can't all slip past the check before any of them is recorded.
#[must_use]
pub struct Attempt {
    keys: [Key; 2],
    at: Instant,
}

impl SignInLimiter {
    /// Lets an attempt through, or says how many seconds to wait.
    pub fn begin(&self, workspace: &str, email: &str, addr: IpAddr) -> Result<Attempt, u64> {
        let now = Instant::now();
        let keys = keys(workspace, email, addr);
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| {
                let times = map.get_mut(k)?;
                prune(times, now);
                (times.len() >= MAX_FAILURES).then(|| {
                    let oldest = times.front().copied().unwrap_or(now);
                    WINDOW.saturating_sub(now - oldest).as_secs().max(1)
                })
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        if map.len() >= SWEEP_AT {
            map.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        for k in &keys {
            map.entry(k.clone()).or_default().push_back(now);
        }
        Ok(Attempt { keys, at: now })
    }

    /// The attempt was not a wrong password: it doesn't count. A successful sign-in also clears
    /// the email's earlier failures (not the address's).
    pub fn not_a_failure(&self, attempt: Attempt, signed_in: bool) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let [email_key, addr_key] = attempt.keys;
        for key in [&email_key, &addr_key] {
            if let Some(times) = map.get_mut(key)
                && let Some(i) = times.iter().position(|t| *t == attempt.at)
            {
                times.remove(i);
            }
        }
        if signed_in {
            map.remove(&email_key);
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

    #[test]
    fn fifth_failure_blocks_email_and_address() {
        let l = SignInLimiter::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..4 {
            let _failed = l.begin("acme", "x@acme.io", a).unwrap();
        }
        // a right password does not count, and clears the email (not the address)
        let ok = l.begin("acme", "x@acme.io", a).unwrap();
        l.not_a_failure(ok, true);
        for _ in 0..4 {
            let _failed = l.begin("acme", "x@acme.io", b).unwrap();
        }
        let _failed = l.begin("acme", "X@acme.io ", b).unwrap();
        let wait = l.begin("acme", "x@acme.io", a).err().unwrap();
        assert!(wait > 14 * 60 && wait <= 15 * 60, "{wait}");
        assert!(l.begin("acme", "other@acme.io", b).is_err());
        let _failed = l
            .begin("other", "x@acme.io", "127.0.0.3".parse().unwrap())
            .unwrap();
    }
}
