//! A pseudo-terminal running one of our binaries, with its screen kept by a vt100 emulator.

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

pub struct Term {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the program wrote, for checks on raw output (never for finding text).
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Term {
    /// Starts `atender-admin` with `args` in a `cols`×`rows` terminal; state and logs go under
    /// `home` so nothing touches the real user folders.
    pub fn admin(args: &[&str], home: &Path, cols: u16, rows: u16) -> Term {
        Self::admin_env(args, home, cols, rows, &[("TERM", "xterm-256color")])
    }

    /// As `admin`, with extra environment variables (TERM, NO_COLOR, …).
    pub fn admin_env(
        args: &[&str],
        home: &Path,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Term {
        let size = PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = native_pty_system().openpty(size).expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_atender-admin"));
        cmd.args(args);
        cmd.env("HOME", home);
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("start atender-admin");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Term {
            master: pair.master,
            writer,
            child,
            parser,
            raw,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(self.parser.lock().unwrap().screen())
    }

    /// Waits until the screen shows `text`; fails with the screen as it is.
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "waited for {text:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the table is fully loaded (no longer the first page alone) and the screen
    /// shows `text`: keys that depend on where rows are must not race the full load.
    pub fn wait_loaded(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.wait_for(text);
            if !screen.contains("loading everyone") {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "waited for the full load; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the program read each burst on its own, so an Esc is not taken for Alt+key.
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Writes `keys` and returns how long the program took to write its first byte back.
    pub fn answer_time(&mut self, keys: &str) -> Duration {
        let before = self.raw.lock().unwrap().len();
        let sent = Instant::now();
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        while self.raw.lock().unwrap().len() == before {
            assert!(sent.elapsed() < WAIT, "no answer to {keys:?}");
            std::thread::sleep(Duration::from_micros(200));
        }
        sent.elapsed()
    }

    pub fn keys(&mut self, keys: &[&str]) {
        for k in keys {
            self.send(k);
        }
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.parser
            .lock()
            .unwrap()
            .set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
    }

    /// Waits for the program to exit; returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // let the reader drain the last bytes
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            assert!(
                start.elapsed() < WAIT,
                "the program did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends the program a signal by name (`TERM`, `HUP`, `INT`), as `kill -NAME` does.
    pub fn signal(&self, name: &str) {
        let pid = self.child.process_id().expect("the program is running");
        let ok = std::process::Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} {pid}");
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

pub const ENTER: &str = "\r";
pub const DOWN: &str = "\x1b[B";
pub const ESC: &str = "\x1b";
pub const TAB: &str = "\t";
pub const CTRL_S: &str = "\x13";
pub const RIGHT: &str = "\x1b[C";
pub const BACKSPACE: &str = "\x7f";

/// Text as a terminal with bracketed paste on sends a paste.
pub fn pasted(text: &str) -> String {
    format!("\x1b[200~{text}\x1b[201~")
}
