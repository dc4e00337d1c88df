//! The scriptable commands of the real `atender-admin` binary on a temporary demo store:
//! what they print, their exit codes, and what the store holds afterwards.

use atender_admin::demo;
use atender_admin::domain::{HashCost, Role, User, UserStatus};
use atender_admin::store::{SledStore, Store};
use std::path::Path;
use std::process::{Command, Stdio};

/// A demo store in a temp folder, and who acts by default (the first active Owner).
fn seeded() -> (tempfile::TempDir, User) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path().join("demo")).unwrap();
    let (_, owner) = demo::seed(
        &store,
        time::OffsetDateTime::now_utc(),
        250,
        HashCost::insecure_for_tests(),
    )
    .unwrap();
    (dir, owner)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `atender-admin --demo --data DIR/demo ARGS…` with its folders inside the temp dir.
fn admin(dir: &Path, args: &[&str]) -> Run {
    let data = dir.join("demo");
    let mut all = vec!["--demo", "--data", data.to_str().unwrap()];
    all.extend_from_slice(args);
    run(dir, &all, &[])
}

/// Runs `atender-admin ARGS…` with its folders inside the temp dir.
fn run(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_atender-admin"))
        .args(args)
        .envs(env.iter().copied())
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("ATENDER_SERVER")
        .env_remove("ATENDER_PUBLIC_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn users_now(dir: &Path) -> Vec<User> {
    let store = SledStore::open(dir.join("demo")).unwrap();
    let (ws, _) = demo::find(&store).unwrap().unwrap();
    store.users(ws.id).unwrap()
}

fn team_names_now(dir: &Path) -> Vec<String> {
    let store = SledStore::open(dir.join("demo")).unwrap();
    let (ws, _) = demo::find(&store).unwrap().unwrap();
    store
        .teams(ws.id)
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

/// Active users other than the Owner who acts, with the Agent role only.
fn active_agents(users: &[User], n: usize) -> Vec<User> {
    users
        .iter()
        .filter(|u| u.status == UserStatus::Active && u.roles.iter().eq([Role::Agent]))
        .take(n)
        .cloned()
        .collect()
}

#[test]
fn invite_prints_the_link_and_the_invitee_is_pending() {
    let (dir, _) = seeded();
    let r = admin(
        dir.path(),
        &[
            "--public-url",
            "https://atender.example.com/",
            "invite",
            "  Nina.Park@Example.COM ",
            "--name",
            "Nina Park",
            "--role",
            "supervisor,agent",
            "--team",
            "billing",
            "--no-email",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("nina.park@example.com invited as Supervisor, Agent"),
        "{}",
        r.stdout
    );
    let link = lines.next().unwrap();
    assert!(
        link.starts_with("https://atender.example.com/accept?token="),
        "{link}"
    );
    let nina = users_now(dir.path())
        .into_iter()
        .find(|u| u.email.as_str() == "nina.park@example.com")
        .expect("invited");
    assert_eq!(nina.status, UserStatus::Invited);
    assert_eq!(nina.teams.len(), 1);

    let listed = admin(dir.path(), &["users", "--status", "invited", "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout.contains("\"nina.park@example.com\""));

    // the same email again: the core's refusal, exit 1
    let again = admin(
        dir.path(),
        &["invite", "NINA.PARK@example.com", "--name", "N P"],
    );
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("already belongs to a user or a pending invite"),
        "{}",
        again.stderr
    );

    // resend gives a new link; cancel removes the invitee
    let resent = admin(dir.path(), &["resend", "nina.park@example.com"]);
    assert_eq!(resent.code, 0, "{}", resent.stderr);
    assert!(resent.stdout.contains("/accept?token="));
    assert!(!resent.stdout.contains(link), "a new link, not the old one");
    let cancelled = admin(dir.path(), &["cancel", "nina.park@example.com"]);
    assert_eq!(cancelled.code, 0, "{}", cancelled.stderr);
    assert_eq!(cancelled.stdout.trim(), "nina.park@example.com: done");
    assert!(
        !users_now(dir.path())
            .iter()
            .any(|u| u.email.as_str() == "nina.park@example.com")
    );
}

#[test]
fn bulk_deactivate_reports_each_user_and_exits_1_when_the_owner_is_refused() {
    let (dir, owner) = seeded();
    let before = users_now(dir.path());
    let agents = active_agents(&before, 2);
    let upper = agents[1].email.as_str().to_uppercase();
    let args = [
        "deactivate",
        owner.email.as_str(),
        agents[0].email.as_str(),
        upper.as_str(),
    ];

    // a dry run says what would happen and changes nothing
    let mut dry: Vec<&str> = args.to_vec();
    dry.push("--dry-run");
    let r = admin(dir.path(), &dry);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("dry run: nothing was changed"));
    assert_eq!(users_now(dir.path()), before, "the dry run changed nothing");
    let dry_out = r.stdout;

    let r = admin(dir.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, dry_out, "the dry run told what happened");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "{}: refused: you can't deactivate your own account: ask another admin",
                owner.email
            ),
            format!("{}: done", agents[0].email),
            format!("{}: done", agents[1].email),
        ]
    );
    assert!(r.stderr.contains("1 of 3 refused"), "{}", r.stderr);
    let after = users_now(dir.path());
    let status = |id| after.iter().find(|u| u.id == id).unwrap().status;
    assert_eq!(status(owner.id), UserStatus::Active);
    assert_eq!(status(agents[0].id), UserStatus::Inactive);
    assert_eq!(status(agents[1].id), UserStatus::Inactive);

    // show answers why they can't sign in
    let shown = admin(dir.path(), &["show", agents[0].email.as_str()]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let access = shown
        .stdout
        .lines()
        .find(|l| l.starts_with("Can sign in:"))
        .expect("the access line");
    assert!(
        access.contains(&format!("no — deactivated by {}", owner.email)),
        "{access}"
    );
    assert!(access.contains("atender-admin reactivate"), "{access}");
    let shown = admin(dir.path(), &["show", agents[0].email.as_str(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(shown.stdout.trim()).unwrap();
    assert_eq!(v["user"]["status"], "inactive");
    assert!(
        v["access_line"]
            .as_str()
            .unwrap()
            .starts_with("no — deactivated")
    );

    // all done: exit 0, and JSON has one object per user
    let r = admin(
        dir.path(),
        &[
            "reactivate",
            "--json",
            agents[0].email.as_str(),
            agents[1].email.as_str(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in r.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["outcome"], "done");
    }
    assert_eq!(r.stdout.lines().count(), 2);
    assert!(
        users_now(dir.path())
            .iter()
            .filter(|u| u.id == agents[0].id || u.id == agents[1].id)
            .all(|u| u.status == UserStatus::Active)
    );
}

#[test]
fn a_bad_role_or_an_unknown_email_is_explained_and_changes_nothing() {
    let (dir, _) = seeded();
    let before = users_now(dir.path());
    let agent = active_agents(&before, 1).remove(0);

    let r = admin(
        dir.path(),
        &["roles", "set", "admin,boss", agent.email.as_str()],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("\"boss\" is not a role; use Owner, Admin, Supervisor or Agent"),
        "{}",
        r.stderr
    );
    let r = admin(
        dir.path(),
        &[
            "invite",
            "zed@example.com",
            "--name",
            "Zed",
            "--role",
            "boss",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("is not a role"), "{}", r.stderr);

    // an unknown email is refused on its own line; the others still go through
    let r = admin(
        dir.path(),
        &["beta", "on", "nobody@nowhere.example", "not-an-email"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "nobody@nowhere.example: refused: no user with the email nobody@nowhere.example in this workspace"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("not-an-email: refused: email: needs an @"),
        "{}",
        r.stdout
    );
    let r = admin(
        dir.path(),
        &["team", "add", "No Such Team", agent.email.as_str()],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no team named \"No Such Team\""),
        "{}",
        r.stderr
    );
    assert_eq!(users_now(dir.path()), before, "nothing changed");

    let r = admin(dir.path(), &["show", "nobody@nowhere.example"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no user with the email"), "{}", r.stderr);

    // many emails at once (resolved in one pass): each answered on its own line, in order
    let many = active_agents(&before, 10);
    let mut args = vec!["beta", "on", "--dry-run"];
    args.extend(many.iter().map(|u| u.email.as_str()));
    args.push("nobody@nowhere.example");
    let r = admin(dir.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{}", r.stdout);
    for (line, user) in lines.iter().zip(&many) {
        assert_eq!(*line, format!("{}: done", user.email));
    }
    assert!(lines[10].starts_with("nobody@nowhere.example: refused: no user with the email"));
    assert_eq!(users_now(dir.path()), before, "a dry run changes nothing");

    // roles and beta through the core
    let r = admin(
        dir.path(),
        &["roles", "set", "Supervisor", agent.email.as_str()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = admin(dir.path(), &["beta", "on", agent.email.as_str()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let now = users_now(dir.path());
    let changed = now.iter().find(|u| u.id == agent.id).unwrap();
    assert!(changed.roles.iter().eq([Role::Supervisor]));
    assert!(changed.beta);
}

#[test]
fn delete_needs_yes_because_it_erases_history() {
    let (dir, _) = seeded();
    let agent = active_agents(&users_now(dir.path()), 1).remove(0);
    let r = admin(dir.path(), &["delete", agent.email.as_str()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("permanent")
            && r.stderr.contains("history")
            && r.stderr.contains("--yes"),
        "{}",
        r.stderr
    );
    assert!(users_now(dir.path()).iter().any(|u| u.id == agent.id));
    let r = admin(dir.path(), &["delete", agent.email.as_str(), "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!users_now(dir.path()).iter().any(|u| u.id == agent.id));
    // the log, newest first, shows the deletion without naming the user
    let r = admin(dir.path(), &["log", "--limit", "3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3);
    assert!(r.stdout.lines().next().unwrap().contains("user deleted"));
    assert!(!r.stdout.contains(agent.email.as_str()));
    let r = admin(dir.path(), &["log", "--limit", "2", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let actions: Vec<String> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["action"].to_string())
        .collect();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0], "\"user_deleted\"");
}

#[test]
fn teams_are_created_renamed_listed_and_deleted() {
    let (dir, _) = seeded();
    let r = admin(dir.path(), &["teams", "create", "Escalations"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = admin(dir.path(), &["teams", "create", "escalations"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    let agent = active_agents(&users_now(dir.path()), 1).remove(0);
    let r = admin(
        dir.path(),
        &["team", "add", "ESCALATIONS", agent.email.as_str()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = admin(dir.path(), &["teams", "rename", "escalations", "Tier 2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names = team_names_now(dir.path());
    assert!(names.contains(&"Tier 2".to_string()) && !names.contains(&"Escalations".to_string()));
    let r = admin(dir.path(), &["teams", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tier2: serde_json::Value = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["name"] == "Tier 2")
        .unwrap();
    assert_eq!(tier2["members"], 1);

    let r = admin(dir.path(), &["teams", "delete", "tier 2"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(team_names_now(dir.path()).contains(&"Tier 2".to_string()));
    let r = admin(dir.path(), &["teams", "delete", "tier 2", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!team_names_now(dir.path()).contains(&"Tier 2".to_string()));
    let now = users_now(dir.path());
    let teams_after = &now.iter().find(|u| u.id == agent.id).unwrap().teams;
    assert_eq!(
        teams_after, &agent.teams,
        "back to the teams before joining Tier 2"
    );
}

#[test]
fn over_http_the_same_commands_print_the_servers_link_and_its_refusals() {
    use crate::connected::{PASSWORD, Server, init};
    use atender_admin::client::{ClientConfig, accept_invite};
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("store");
    let owner_token = init(&data);
    let server = Server::start(&data, "127.0.0.1:0");
    let url = server.url.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(accept_invite(
        &url,
        ClientConfig::default(),
        &owner_token,
        PASSWORD,
    ))
    .unwrap();
    let password_file = home.path().join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let env = [("ATENDER_PASSWORD_FILE", password_file.as_path())];
    let connected = |args: &[&str]| {
        let mut all = vec![
            "--server",
            url.as_str(),
            "--workspace",
            "acme",
            "--email",
            "ann@acme.io",
        ];
        all.extend_from_slice(args);
        run(home.path(), &all, &env)
    };

    let r = connected(&["invite", "Bo@Acme.io", "--name", "Bo Diaz", "--no-email"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    let first = lines.next().unwrap();
    assert!(first.starts_with("bo@acme.io invited as Agent"), "{first}");
    assert!(first.contains("no email sent"), "{first}");
    // the server's own link (its public URL), and it works
    let link = lines.next().unwrap();
    let token = link.split_once("/accept?token=").expect("a link").1;
    rt.block_on(accept_invite(
        &url,
        ClientConfig::default(),
        token,
        PASSWORD,
    ))
    .unwrap();

    let r = connected(&["deactivate", "ann@acme.io", "BO@acme.io "]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "ann@acme.io: refused: you can't deactivate your own account: ask another admin\n\
         bo@acme.io: done\n"
    );
    let r = connected(&["show", "bo@acme.io"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Can sign in:  no — deactivated by ann@acme.io"),
        "{}",
        r.stdout
    );
    let r = connected(&["roles", "set", "owner,boss", "bo@acme.io"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("\"boss\" is not a role"), "{}", r.stderr);
    drop(server);
}
