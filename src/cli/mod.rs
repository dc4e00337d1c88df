//! The command line of `atender-admin`: where the data is, who acts, and the scriptable
//! commands. Opening a local store (offline or demo) lives here so the console and the
//! commands open it the same way.

mod args;
pub mod checked;
pub mod commands;
pub mod connect;
mod console;
mod dispatch;
mod exit;
mod local;

pub use args::{Cli, Command, EXIT_CODES};
pub use console::{init_logging, run_console};
pub use dispatch::run_command;
pub use exit::exit_code;
pub use local::{LocalSession, StartCheck, open_local};
