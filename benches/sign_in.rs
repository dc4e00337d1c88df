//! Sign-in takes about the same time whether the email is unknown or the password is wrong, so
//! timing can't tell which emails have accounts. Measured with the production (OWASP) argon2
//! parameters through the core the server calls.
//!
//! `cargo bench --bench sign_in` measures 15 attempts of each kind and fails if any kind's median
//! differs from a wrong password's by more than 25%. Under `cargo test` it runs 2 of each with
//! cheap hashing as a smoke test, without the timing target.

#![allow(clippy::unwrap_used)] // a test fails loudly by design

use atender_admin::domain::HashCost;
use atender_admin::service::{Core, CoreConfig};
use atender_admin::store::SledStore;
use std::time::{Duration, Instant};

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = if measuring { 15 } else { 2 };
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async move {
        let dir = tempfile::tempdir().expect("a temporary folder");
        // The smoke run under `cargo test` (a debug build) hashes cheaply; measuring needs the
        // production parameters.
        let config = if measuring {
            CoreConfig::default()
        } else {
            CoreConfig {
                hash_cost: HashCost::insecure_for_tests(),
                ..CoreConfig::default()
            }
        };
        let core = Core::with_system_clock(SledStore::open(dir.path()).expect("a store"), config);
        let (ws, issued) = core
            .create_workspace("Acme", "ann@acme.io", "Ann")
            .await
            .expect("a workspace");
        core.accept_invite(&issued.token.encode(), "correct horse battery")
            .await
            .expect("an Owner");
        let kinds: [(&str, &str, &str); 4] = [
            ("wrong password", "ann@acme.io", "wrong horse battery"),
            ("unknown email", "nobody@acme.io", "wrong horse battery"),
            ("not an email", "nobody", "wrong horse battery"),
            ("unknown workspace", "ann@acme.io", "wrong horse battery"),
        ];
        // Interleaved, so drift in the machine's speed affects every kind alike.
        let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); kinds.len()];
        for _ in 0..rounds {
            for (i, (name, email, password)) in kinds.iter().enumerate() {
                let slug = if *name == "unknown workspace" {
                    "nope"
                } else {
                    ws.slug.as_str()
                };
                let start = Instant::now();
                let result = core.login(slug, email, password).await;
                times[i].push(start.elapsed());
                assert!(result.is_err(), "{name} must not sign in");
            }
        }
        let mut medians = Vec::new();
        for ((name, _, _), mut t) in kinds.iter().zip(times) {
            t.sort();
            let median = t[t.len() / 2];
            println!("sign-in, {name:<18} median {median:>10.2?} over {rounds}");
            medians.push((name, median));
        }
        if measuring {
            let reference = medians[0].1.as_secs_f64();
            for (name, median) in &medians[1..] {
                let ratio = median.as_secs_f64() / reference;
                assert!(
                    (0.75..=1.25).contains(&ratio),
                    "{name} takes {ratio:.2}× a wrong password's time: timing would tell them apart"
                );
            }
            println!("all within 25% of a wrong password's time");
        }
    });
}
