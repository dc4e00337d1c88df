//! The console at scale: how long a frame, a filter keystroke and a sort take with a demo
//! workspace of 100,000 users, against one of 100. Only the rows on screen are built per frame,
//! so drawing should not depend on the workspace's size; filtering is linear in it.
//!
//! `cargo bench --bench console` prints medians (release build). Under `cargo test` it runs once
//! on small workspaces as a smoke test. Figures are recorded in BENCHMARKS.md.

#![allow(clippy::unwrap_used)] // a test fails loudly by design

use atender_admin::demo;
use atender_admin::domain::HashCost;
use atender_admin::service::{AdminApi, Core, CoreConfig, ManualClock};
use atender_admin::store::SledStore;
use atender_admin::tui::app::App;
use atender_admin::tui::model::Context;
use atender_admin::tui::theme::Theme;
use atender_admin::tui::ui;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn measure(rounds: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..rounds)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if measuring {
        &[100, 10_000, 100_000]
    } else {
        &[100, 1_000]
    };
    let rounds = if measuring { 30 } else { 2 };
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    println!(
        "{:>8} {:>10} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "users", "seed", "load", "frame", "filter key", "typing key", "first sort", "re-sort"
    );
    for &size in sizes {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = SledStore::open(dir.path()).expect("a store");
        let now = time::OffsetDateTime::now_utc();
        let start = Instant::now();
        let (ws, owner) =
            demo::seed(&store, now, size, HashCost::insecure_for_tests()).expect("a demo");
        let seed = start.elapsed();
        let core = Core::new(
            store,
            Arc::new(ManualClock::new(now)),
            CoreConfig::default(),
        );
        let api = core.admin(ws.id, owner.id);
        let start = Instant::now();
        let snapshot = rt.block_on(api.snapshot()).expect("a snapshot");
        let mut app = App::new(Context::local("DEMO", "http://x"));
        app.on_resize(120, 40);
        app.apply_snapshot(snapshot);
        let load = start.elapsed();
        let theme = Theme { color: true };
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a terminal");
        // PgDn and PgUp in turn, so every frame redraws the whole table at every size (PgDn
        // alone stops changing the screen once it reaches the end of a small workspace).
        let mut down = false;
        let frame = measure(rounds, || {
            down = !down;
            let key = if down {
                KeyCode::PageDown
            } else {
                KeyCode::PageUp
            };
            app.on_key(KeyEvent::new(key, KeyModifiers::NONE));
            terminal
                .draw(|f| ui::draw(f, &app, &theme))
                .expect("a frame");
        });
        // One filter keystroke: type a letter, recompute the views, draw.
        app.on_key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE));
        // A first letter, never typed before (the results of earlier filters are forgotten
        // each round), then Backspace untimed.
        let letters: Vec<char> = ('a'..='z').collect();
        let mut keystrokes = Vec::new();
        for round in 0..rounds {
            app.forget_filter_results();
            let letter = KeyCode::Char(letters[round % letters.len()]);
            let start = Instant::now();
            app.on_key(KeyEvent::new(letter, KeyModifiers::NONE));
            app.prepare_frame();
            terminal
                .draw(|f| ui::draw(f, &app, &theme))
                .expect("a frame");
            keystrokes.push(start.elapsed());
            app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
            app.prepare_frame();
        }
        let filter = median(keystrokes);
        app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        app.prepare_frame();
        // Typing a query a character at a time: after the first, each narrows the last result.
        let mut typing = Vec::new();
        for _ in 0..rounds.div_ceil(9) {
            app.forget_filter_results();
            app.on_key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE));
            for c in "agent bil".chars() {
                let start = Instant::now();
                app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
                app.prepare_frame();
                terminal
                    .draw(|f| ui::draw(f, &app, &theme))
                    .expect("a frame");
                typing.push(start.elapsed());
            }
            app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            app.prepare_frame();
        }
        let typing = median(typing);
        // The first use of the next sort column: its order comes from the load's global orders.
        let start = Instant::now();
        app.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE));
        app.prepare_frame();
        let first_sort = start.elapsed();
        let sort = measure(rounds.min(10), || {
            app.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE));
            app.prepare_frame();
        });
        println!(
            "{size:>8} {seed:>10.1?} {load:>12.1?} {frame:>12.2?} {filter:>12.2?} {typing:>12.2?} {first_sort:>12.2?} {sort:>12.2?}"
        );
    }
}
