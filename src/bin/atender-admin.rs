//! `atender-admin`: the console and the scriptable CLI.

use atender_admin::cli::{self, Cli};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    one_malloc_arena();
    atender_admin::store::owner_only::restrict_new_files_to_owner();
    let cli = Cli::parse();
    // Before the console takes the terminal, so a panic is logged and then the terminal restored.
    cli::init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("atender-admin: can't start: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // `atender-admin users | head` closing the pipe early is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atender-admin: {e:#}");
            ExitCode::from(cli::exit_code(&e))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if cli::run_command(&cli).await? {
        return Ok(());
    }
    cli::run_console(&cli).await
}

/// The JSON and CSV writers wrap the write's error without naming it as their source, so each
/// is asked for its kind.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|json| json.io_error_kind() == Some(BrokenPipe))
            || c.downcast_ref::<csv::Error>().is_some_and(
                |csv| matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe),
            )
    })
}

/// glibc gives each thread that allocates an arena of its own and keeps what is freed there
/// for that arena: the console's loads and its integrity check run on other threads than the
/// screen, and memory they freed stayed out of the screen's reach. One arena lets it be
/// reused; the console allocates from one thread at a time almost always, so the shared lock
/// costs nothing noticeable. Blocks of 256 KiB and more (a load's lists and indexes) are mapped
/// on their own and given back whole when freed: glibc otherwise raises that threshold after
/// the first such free, and later big blocks left holes in the heap that kept the peak up.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called first thing in main, before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
