//! The local store: opening it for one workspace (offline or the demo), seeding and resetting
//! the demo, and picking the acting admin. No server and no console here.

use super::Cli;
use super::{checked, commands};
use crate::Error;
use crate::demo;
use crate::domain::{HashCost, User, UserStatus, Workspace};
use crate::service::{Core, CoreConfig, LocalAdmin};
use crate::store::{SledStore, Store};
use anyhow::Context;

/// A store opened for one workspace, acting as one admin.
pub struct LocalSession {
    pub core: Core<SledStore>,
    pub admin: LocalAdmin<SledStore>,
    pub workspace: Workspace,
    pub actor: User,
    pub mode: String,
    /// The integrity check running beside the console (`StartCheck::Beside`).
    pub check: Option<checked::IntegrityCheck>,
}

/// sled's cache for the console and the CLI: they read a workspace once and keep what they
/// show themselves, so sled's default for servers (64 MiB) only raised the console's peak. At
/// 100,000 users, 1 MiB took the first screen from about 120 ms to 360–530 ms (the start-up
/// check and the first page evicting each other's pages) for 3 MiB less at the peak; 8 MiB
/// peaked at up to 149 MiB.
pub(super) const CONSOLE_CACHE_BYTES: u64 = 4 * 1024 * 1024;

/// Whether to read every record of the store (the console's start: a damaged store is refused
/// with its path and first bad record instead of failing screen by screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartCheck {
    /// Read every record beside the first screen; writes wait for it (`checked`).
    Beside,
    None,
}

/// Opens the local store the flags name, seeding the demo if asked, and picks the acting admin.
pub async fn open_local(cli: &Cli, check: StartCheck) -> anyhow::Result<LocalSession> {
    let path = cli.store_path()?;
    if cli.wants_demo() && path.exists() {
        refuse_non_demo_store(&path)?;
    }
    if cli.reset_demo && path.exists() {
        use std::io::IsTerminal;
        let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        confirm_reset(&path, cli.reset_yes, terminal, ask_on_terminal)?;
        std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    if !cli.wants_demo() && !path.exists() {
        anyhow::bail!(
            "there is no store at {}: check the path, or create one with `atender-server init --data {}`",
            path.display(),
            path.display()
        );
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let store = SledStore::open_with_cache(&path, CONSOLE_CACHE_BYTES)?;
    let core = Core::with_system_clock(store, CoreConfig::default());
    let (workspace, default_actor) = if cli.wants_demo() {
        let (size, now, store) = (cli.demo_size as usize, core.now(), core.store().clone());
        tokio::task::spawn_blocking(move || {
            demo::seed_with_progress(&store, now, size, HashCost::owasp(), &seed_progress)
        })
        .await
        .context("seeding the demo")??
    } else {
        pick_workspace(&core, cli.workspace.as_deref()).await?
    };
    let actor = match &cli.act_as {
        Some(email) => match core.user_by_email(workspace.id, email).await {
            Err(Error::Refused(crate::domain::Refusal::NotFound { .. })) => {
                return Err(commands::Refusal(format!(
                    "--as {}: no user with that email in workspace {}; name an active Owner or Admin",
                    crate::text::safe(email.trim()),
                    workspace.slug
                ))
                .into());
            }
            r => r?,
        },
        None => default_actor,
    };
    // A refusal (exit 1), as for an email nobody has: the flag named someone who can't act.
    if actor.status != UserStatus::Active || !actor.roles.can_manage() {
        return Err(commands::Refusal(format!(
            "--as {}: {} can't manage users; name an active Owner or Admin",
            crate::text::safe(actor.email.as_str()),
            if actor.status == UserStatus::Active {
                format!("a {}", actor.roles)
            } else {
                format!("{} user", actor.status)
            }
        ))
        .into());
    }
    let mode = if cli.wants_demo() {
        "DEMO".to_string()
    } else {
        format!("OFFLINE {}", path.display())
    };
    let admin = core.admin(workspace.id, actor.id);
    // After the demo is seeded, so the check reads what the console will use.
    let check = (check == StartCheck::Beside).then(|| {
        let store = core.store().clone();
        checked::IntegrityCheck::spawn(move || {
            store.check_integrity(&mut |read| tracing::info!(read, "checking the store"))
        })
    });
    Ok(LocalSession {
        core,
        admin,
        workspace,
        actor,
        mode,
        check,
    })
}

/// `--demo` and `--reset-demo` only touch a store that holds nothing but the demo workspace:
/// seeding the demo into a real store would mix 250 made-up people into it, and resetting
/// would erase it.
pub(super) fn refuse_non_demo_store(path: &std::path::Path) -> anyhow::Result<()> {
    let store = SledStore::open(path)?;
    let others: Vec<String> = store
        .workspaces()?
        .into_iter()
        .filter(|w| w.slug != demo::DEMO_SLUG)
        .map(|w| crate::text::safe(&w.slug))
        .collect();
    drop(store);
    if others.is_empty() {
        return Ok(());
    }
    Err(commands::Usage::error(format!(
        "{} is not a demo store: it holds the workspace {}. Leave out --demo (and --reset-demo) to manage it, or give --data a new folder for the demo",
        path.display(),
        others.join(", ")
    )))
}

/// Whether `--reset-demo` may wipe `path`: `--yes` says so, otherwise the person at the
/// terminal must type "yes"; with no terminal to ask on, it is refused.
pub(super) fn confirm_reset(
    path: &std::path::Path,
    yes: bool,
    terminal: bool,
    ask: impl FnOnce(&str) -> std::io::Result<String>,
) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !terminal {
        return Err(commands::Refusal(format!(
            "not resetting the demo at {}: it erases every change made there; run again with --yes",
            path.display()
        ))
        .into());
    }
    let answer = ask(&format!(
        "Reset the demo at {}? Every change made there is erased. Type yes to go on: ",
        path.display()
    ))
    .context("reading the answer")?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(commands::Refusal("demo not reset: the answer was not \"yes\"".into()).into())
    }
}

/// Asks `question` on standard error and reads one line from standard input.
pub(super) fn ask_on_terminal(question: &str) -> std::io::Result<String> {
    use std::io::Write;
    let mut err = std::io::stderr();
    err.write_all(question.as_bytes())?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line)
}

/// A progress line on the terminal while a big demo is written (nothing when not a terminal).
pub(super) fn seed_progress(done: usize, total: usize) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if total < 10_000 || !err.is_terminal() {
        return;
    }
    let _ = write!(err, "\rcreating the demo workspace: {done}/{total} users");
    if done == total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

pub(super) async fn pick_workspace(
    core: &Core<SledStore>,
    slug: Option<&str>,
) -> anyhow::Result<(Workspace, User)> {
    let all = core.workspaces().await?;
    let ws = match slug {
        Some(slug) => core.workspace_by_slug(slug).await?,
        None => match all.as_slice() {
            [one] => one.clone(),
            [] => anyhow::bail!(
                "the store at {} has no workspace yet: create one with `atender-server init`, or try --demo",
                core.store().path().display()
            ),
            many => anyhow::bail!(
                "the store holds {} workspaces; pick one with --workspace ({})",
                many.len(),
                many.iter()
                    .map(|w| w.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let owner = demo::first_active_owner(core.store(), ws.id)?.with_context(|| {
        format!(
            "workspace {} has no active Owner yet: accept the Owner's invite first",
            ws.slug
        )
    })?;
    Ok((ws, owner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resetting_the_demo_asks_on_a_terminal_and_needs_yes_without_one() {
        let path = std::path::Path::new("/tmp/demo");
        let never = |_: &str| -> std::io::Result<String> { panic!("asked despite --yes") };
        assert!(confirm_reset(path, true, false, never).is_ok());
        assert!(confirm_reset(path, true, true, never).is_ok());
        let e = confirm_reset(path, false, false, |_: &str| -> std::io::Result<String> {
            panic!("asked without a terminal")
        })
        .unwrap_err();
        assert!(e.downcast_ref::<commands::Refusal>().is_some());
        assert!(e.to_string().contains("--yes"), "{e}");
        let mut asked = String::new();
        assert!(
            confirm_reset(path, false, true, |q: &str| {
                asked = q.to_string();
                Ok("yes\n".into())
            })
            .is_ok()
        );
        assert!(
            asked.contains("/tmp/demo") && asked.contains("Type yes"),
            "{asked}"
        );
        for no in ["\n", "y\n", "no\n", ""] {
            let e = confirm_reset(path, false, true, |_: &str| Ok(no.to_string())).unwrap_err();
            assert!(e.to_string().contains("not reset"), "{no:?}: {e}");
        }
    }
}
