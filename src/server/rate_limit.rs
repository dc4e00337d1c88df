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

impl SignInLimiter {
    /// `Some(seconds)` to wait if this attempt must be refused.
    pub fn check(&self, workspace: &str, email: &str, addr: IpAddr) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        keys(workspace, email, addr)
            .iter()
            .filter_map(|k| {
                let times = map.get_mut(k)?;
                prune(times, now);
                (times.len() >= MAX_FAILURES).then(|| {
                    let oldest = times.front().copied().unwrap_or(now);
                    (WINDOW.saturating_sub(now - oldest)).as_secs().max(1)
                })
            })
            .max()
    }

    pub fn record_failure(&self, workspace: &str, email: &str, addr: IpAddr) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        for k in keys(workspace, email, addr) {
            let times = map.entry(k).or_default();
            prune(times, now);
            times.push_back(now);
        }
    }

    /// A successful sign-in clears that email's failures (not the address's).
    pub fn record_success(&self, workspace: &str, email: &str, addr: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let [email_key, _] = keys(workspace, email, addr);
        map.remove(&email_key);
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
            l.record_failure("acme", "x@acme.io", a);
        }
        assert_eq!(l.check("acme", "x@acme.io", a), None);
        l.record_failure("acme", "X@acme.io ", a);
        let wait = l.check("acme", "x@acme.io", b).unwrap();
        assert!(wait > 14 * 60 && wait <= 15 * 60, "{wait}");
        assert!(l.check("acme", "other@acme.io", a).is_some());
        assert_eq!(l.check("acme", "other@acme.io", b), None);
        assert_eq!(l.check("other", "x@acme.io", b), None);
    }
}
