//! Password hashing on a few threads of its own. argon2 at OWASP cost allocates 19 MiB per hash;
//! run on tokio's blocking pool, each of its many threads would keep its own allocator arena of
//! that size after the hash, and memory would grow with the number of simultaneous sign-ins. A
//! fixed set of threads, one per core, bounds both the hashes in flight and the memory kept.

use crate::{Error, Result};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct HashPool {
    threads: usize,
    /// Started on first use: most cores (the console's, the tests') never hash.
    jobs: OnceLock<Option<Mutex<Sender<Job>>>>,
}

impl HashPool {
    pub(crate) fn new(threads: usize) -> Self {
        HashPool {
            threads: threads.max(1),
            jobs: OnceLock::new(),
        }
    }

    /// One per core: hashing is CPU-bound.
    pub(crate) fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    fn start(&self) -> Option<Mutex<Sender<Job>>> {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let started = (0..self.threads)
            .filter(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("password-hash-{i}"))
                    .spawn(move || work(&rx))
                    .map_err(|e| tracing::error!(error = %e, "could not start a hashing thread"))
                    .is_ok()
            })
            .count();
        (started > 0).then(|| Mutex::new(tx))
    }

    /// Runs `f` on a hashing thread (or, if none could be started, on the blocking pool).
    pub(crate) async fn run<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        let stopped = || Error::internal("password hashing stopped");
        let Some(jobs) = self.jobs.get_or_init(|| self.start()) else {
            return tokio::task::spawn_blocking(f).await.map_err(|_| stopped());
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        jobs.lock()
            .map_err(|_| stopped())?
            .send(job)
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }
}

/// A hashing thread: takes jobs until the pool (its core) is dropped.
fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_pools_own_threads() {
        let pool = HashPool::new(2);
        let mut names = std::collections::BTreeSet::new();
        for _ in 0..20 {
            let name = pool
                .run(|| std::thread::current().name().map(str::to_string))
                .await
                .unwrap();
            names.insert(name.unwrap());
        }
        assert!(names.iter().all(|n| n.starts_with("password-hash-")));
        assert!(names.len() <= 2, "{names:?}");
    }
}
