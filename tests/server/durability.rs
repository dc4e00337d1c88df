//! kill -9 in the middle of writes, again and again: every write the server acknowledged is
//! there after the restart, and the store always opens. `ATENDER_KILL_ROUNDS=N` runs longer
//! (default 30 rounds).

use crate::hardening::ServeProcess;
use crate::support::*;
use atender_admin::service::{Core, CoreConfig};
use atender_admin::store::Store;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

async fn acknowledged_writes_survive_kill_9(store: Backend) {
    const WRITERS: usize = 4;
    let rounds: usize = std::env::var("ATENDER_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let place = Place::new(store);
    let (slug, link) = run_init(&place, "Acme", "ann@acme.io", "http://127.0.0.1:1");
    let client = http().build().unwrap();
    let started = Instant::now();
    let mut acknowledged = BTreeSet::new();
    let mut token = String::new();
    for round in 0..rounds {
        let mut server = ServeProcess::start(&place);
        let base = format!("http://127.0.0.1:{}/api/v1", server.port);
        if round == 0 {
            let r = client
                .post(format!("{base}/invites/accept"))
                .json(&json!({"token": token_of(&link), "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            expect(r, StatusCode::OK).await;
            let r = client
                .post(format!("{base}/session"))
                .json(&json!({"workspace": slug, "email": "ann@acme.io", "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            token = expect(r, StatusCode::OK).await["token"]
                .as_str()
                .unwrap()
                .to_string();
        }
        // writers invite people one after another until the process dies under them
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..WRITERS {
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            writers.spawn(async move {
                let mut done = Vec::new();
                for n in 0.. {
                    let email = format!("r{round}w{w}n{n}@acme.io");
                    let sent = client
                        .post(format!("{base}/invites"))
                        .bearer_auth(&token)
                        .json(&json!({"email": email, "full_name": "Kill Test", "roles": ["agent"], "send_invite": false}))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == StatusCode::CREATED => done.push(email),
                        Ok(r) => panic!("round {round}: {email} answered {}", r.status()),
                        Err(_) => break, // the process is gone: not acknowledged
                    }
                }
                done
            });
        }
        // kill at a different moment each round
        tokio::time::sleep(Duration::from_millis(150 + (round as u64 * 37) % 300)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for done in writers.join_all().await {
            acknowledged.extend(done);
        }
    }
    let core = Core::with_system_clock(place.open(), CoreConfig::default());
    let ws = core.workspaces().await.unwrap().remove(0);
    let stored: BTreeSet<String> = core
        .store()
        .users(ws.id)
        .unwrap()
        .into_iter()
        .map(|u| u.email.to_string())
        .collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    eprintln!(
        "kill -9: {rounds} rounds, {} acknowledged writes, {} lost, {:.1} s",
        acknowledged.len(),
        lost.len(),
        started.elapsed().as_secs_f32()
    );
    assert!(
        acknowledged.len() >= rounds,
        "too few writes to mean anything"
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

on_every_store!(acknowledged_writes_survive_kill_9(4));
