//! End-to-end: the real `atender-admin` binary in a pseudo-terminal, its screen read through a
//! terminal emulator (vt100), driven by keystrokes as a person would; and its scriptable
//! commands run as a script would.

#![allow(clippy::unwrap_used)] // a test fails loudly by design

mod cli;
mod connected;
mod console;
mod pty;
