//! What a person feels: the real `atender-admin` in a pseudo-terminal, timed from writing a key
//! to the first and the last byte the console writes back, with the bytes per key, the
//! process's peak memory (VmHWM) and the time from start to the first table, at 250 and
//! 100,000 users.
//!
//! `cargo bench --bench console_pty` measures the release binary; figures go in BENCHMARKS.md.
//! Under `cargo test` it runs a few keys at 250 users as a smoke test.

use atender_admin::demo;
use atender_admin::domain::HashCost;
use atender_admin::store::SledStore;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const COLS: u16 = 120;
const ROWS: u16 = 40;
/// No byte for this long: the console has finished answering.
const QUIET: Duration = Duration::from_millis(40);
const GIVE_UP: Duration = Duration::from_secs(120);

/// Every chunk the console wrote, with when it was read.
type Chunks = Arc<Mutex<Vec<(Instant, usize)>>>;

struct Console {
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    chunks: Chunks,
    screen: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Console {
    fn start(data: &Path, home: &Path) -> (Console, Instant) {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_atender-admin"));
        cmd.args(["--data", &data.display().to_string()]);
        cmd.env("HOME", home);
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("start atender-admin");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let chunks: Chunks = Arc::default();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().expect("rows"),
            COLS.try_into().expect("columns"),
            0,
        )));
        let (c, s) = (chunks.clone(), screen.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let at = Instant::now();
                s.lock().expect("screen").process(&buf[..n]);
                c.lock().expect("chunks").push((at, n));
            }
        });
        let console = Console {
            writer,
            child,
            chunks,
            screen,
            _master: pair.master,
        };
        (console, started)
    }

    fn screen(&self) -> String {
        self.screen.lock().expect("screen").screen().contents()
    }

    fn wait_for(&self, text: &str) -> Instant {
        let start = Instant::now();
        loop {
            if self.screen().contains(text) {
                return Instant::now();
            }
            assert!(
                start.elapsed() < GIVE_UP,
                "waited for {text:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// Waits until nothing has been written for `QUIET`.
    fn settle(&self) {
        loop {
            let last = self.chunks.lock().expect("chunks").last().map(|c| c.0);
            match last {
                Some(at) if at.elapsed() < QUIET => std::thread::sleep(Duration::from_millis(2)),
                _ => return,
            }
        }
    }

    /// Writes `key` once the console is quiet; returns (first byte, last byte, bytes).
    fn press(&mut self, key: &str) -> (Duration, Duration, usize) {
        self.settle();
        let before = self.chunks.lock().expect("chunks").len();
        let sent = Instant::now();
        self.writer.write_all(key.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
        loop {
            std::thread::sleep(Duration::from_micros(200));
            let chunks = self.chunks.lock().expect("chunks");
            let answer = &chunks[before..];
            if let (Some(first), Some(last)) = (answer.first(), answer.last())
                && last.0.elapsed() >= QUIET
            {
                let bytes = answer.iter().map(|c| c.1).sum();
                return (first.0 - sent, last.0 - sent, bytes);
            }
            assert!(sent.elapsed() < GIVE_UP, "no answer to {key:?}");
        }
    }

    /// Peak resident memory, in MiB.
    fn peak_mib(&self) -> f64 {
        let pid = self.child.process_id().expect("a pid");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Default)]
struct Samples {
    first: Vec<Duration>,
    last: Vec<Duration>,
    bytes: Vec<usize>,
}

impl Samples {
    fn add(&mut self, (first, last, bytes): (Duration, Duration, usize)) {
        self.first.push(first);
        self.last.push(last);
        self.bytes.push(bytes);
    }

    fn row(&mut self, users: usize, what: &str) {
        let pct = |v: &mut Vec<Duration>, p: f64| {
            v.sort();
            let i = ((v.len() as f64 - 1.0) * p).round() as usize;
            v[i].as_secs_f64() * 1000.0
        };
        let bytes = self.bytes.iter().sum::<usize>() / self.bytes.len().max(1);
        println!(
            "| {users:>7} | {what:<18} | {:>4} | {:>6.2} ms | {:>6.2} ms | {:>6.2} ms | {:>6.2} ms | {bytes:>6} B |",
            self.first.len(),
            pct(&mut self.first, 0.5),
            pct(&mut self.first, 0.99),
            pct(&mut self.last, 0.5),
            pct(&mut self.last, 0.99),
        );
    }
}

/// What is typed in the filter, one query per round: words, field terms, an exclusion.
const QUERIES: [&str; 10] = [
    "agent bil",
    "admin sup",
    "night ret",
    "role:ag b",
    "team:tech",
    "ana novak",
    "-team:bil",
    "sup onb",
    "julia bau",
    "beta:on e",
];

/// A demo store of `size` users, seeded once and kept for later runs.
fn demo_store(size: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("pty-demo-{size}"));
    let ready = dir.join("seeded");
    if !ready.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let store = SledStore::open(&dir).expect("a store");
        let now = time::OffsetDateTime::now_utc();
        demo::seed(&store, now, size, HashCost::insecure_for_tests()).expect("a demo");
        drop(store);
        std::fs::write(&ready, b"").expect("a marker");
    }
    dir
}

fn run(size: usize, rounds: usize) {
    let data = demo_store(size);
    let home = tempfile::tempdir().expect("a home");
    let (mut console, started) = Console::start(&data, home.path());
    // The first screenful shows at once; the keys are timed on everything (the sort is named
    // once everyone is loaded).
    let table = console.wait_for("Display name") - started;
    let everyone = console.wait_for("sort:") - started;
    console.settle();
    let mut down = Samples::default();
    for _ in 0..rounds {
        down.add(console.press("\x1b[B"));
    }
    let mut page = Samples::default();
    for _ in 0..rounds / 2 {
        page.add(console.press("\x1b[6~"));
    }
    let mut slash = Samples::default();
    let mut typing = Samples::default();
    // A different query each round, so no round finds the last one's results remembered;
    // within a round, Backspace goes back through filters just typed.
    for query in QUERIES.iter().cycle().take((rounds / 20).max(1)) {
        slash.add(console.press("/"));
        for c in query.chars() {
            typing.add(console.press(&c.to_string()));
        }
        for _ in query.chars() {
            typing.add(console.press("\x7f"));
        }
        console.press("\x1b");
    }
    let peak = console.peak_mib();
    down.row(size, "↓");
    page.row(size, "PgDn");
    slash.row(size, "/ (filter opens)");
    typing.row(size, "filter character");
    println!(
        "| {size:>7} | start to first table: {:.0} ms; to everyone loaded: {:.0} ms; peak memory (VmHWM): {peak:.0} MiB",
        table.as_secs_f64() * 1000.0,
        everyone.as_secs_f64() * 1000.0
    );
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    println!(
        "|   users | key                |    n | first p50 | first p99 |  last p50 |  last p99 | bytes/key |"
    );
    if measuring {
        run(250, 200);
        run(100_000, 200);
    } else {
        run(250, 20);
    }
}
