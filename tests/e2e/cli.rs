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
    run_with_input(dir, args, env, None)
}

/// `atender-admin ARGS…` with its folders inside the temp dir and no server named.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atender-admin"));
    command
        .args(args)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("ATENDER_SERVER")
        .env_remove("ATENDER_PUBLIC_URL");
    command
}

/// Like `run`, with `input` on standard input.
fn run_with_input(dir: &Path, args: &[&str], env: &[(&str, &Path)], input: Option<&str>) -> Run {
    let mut child = command(dir, args)
        .envs(env.iter().copied())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = input {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
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
    // one is counted as one
    let one = admin(dir.path(), &["users", "--filter", "nina.park@example.com"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.stdout.lines().last(), Some("1 user"), "{}", one.stdout);

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
    // a dry run never says "done": it says what would happen
    assert_eq!(
        r.stdout,
        format!(
            "{}: refused: you can't deactivate your own account: ask another admin\n\
             {}: would deactivate\n{}: would deactivate\n",
            owner.email, agents[0].email, agents[1].email
        )
    );
    assert!(
        r.stderr.contains("2 would change, 0 unchanged, 1 refused"),
        "{}",
        r.stderr
    );

    let r = admin(dir.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 done, 0 unchanged, 1 refused"),
        "{}",
        r.stderr
    );
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

    // a wrong value on the command line is a usage error (2), like clap's own
    let r = admin(
        dir.path(),
        &["roles", "set", "admin,boss", agent.email.as_str()],
    );
    assert_eq!(r.code, 2);
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
    assert_eq!(r.code, 2);
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
        let expected = if user.beta {
            "unchanged"
        } else {
            "would turn beta on"
        };
        assert_eq!(*line, format!("{}: {expected}", user.email));
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
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("\"boss\" is not a role"), "{}", r.stderr);

    // a dry run of cancel, answered by the server's core
    let r = connected(&["cancel", "bo@acme.io", "--dry-run", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["outcome"], "refused");
    assert_eq!(v["error"]["code"], "wrong_status");
    assert_eq!(v["dry_run"], true);

    // ownership over HTTP: refused for the deactivated Bo, then handed over once he is back
    let r = connected(&["transfer-ownership", "--to", "bo@acme.io"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("bo@acme.io is inactive"), "{}", r.stderr);
    assert_eq!(connected(&["reactivate", "bo@acme.io"]).code, 0);
    let r = connected(&["transfer-ownership", "--to", "bo@acme.io", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["owner"]["email"], "bo@acme.io");
    assert_eq!(v["owner"]["roles"], serde_json::json!(["owner", "agent"]));
    assert_eq!(v["previous_owner"]["roles"], serde_json::json!(["admin"]));
    drop(server);
}

/// The messy spreadsheet of the issue: a BOM, CRLF line ends, a quoted comma, UTF-8 names, a
/// duplicate, a bad email and an empty role.
const MESSY_CSV: &str = "\u{feff}email,full_name,display_name,roles,teams,send_invite\r\n\
    nina.park@example.com,\"Park, Nina\",Nina,supervisor;agent,Billing,false\r\n\
    jose@example.com,José Núñez,,agent,,\r\n\
    NINA.PARK@example.com,Nina Again,,agent,,\r\n\
    not-an-email,Bad Email,,agent,,\r\n\
    empty.role@example.com,Empty Role,,,,\r\n\
    \"wei@example.com\",Zhang Wei 张伟,张伟,Admin,billing;,no\r\n";

#[test]
fn a_messy_csv_is_checked_row_by_row_and_the_valid_rows_are_invited() {
    let (dir, _) = seeded();
    let file = dir.path().join("new-agents.csv");
    std::fs::write(&file, MESSY_CSV).unwrap();
    let file = file.to_str().unwrap();
    let before = users_now(dir.path());

    let refusals = [
        "line 4: NINA.PARK@example.com: refused: nina.park@example.com is already on line 2 of this file",
        "line 5: not-an-email: refused: email: needs an @, like ann@example.com",
        "line 6: empty.role@example.com: refused: roles: choose at least one role",
    ];
    let dry = admin(dir.path(), &["invite", "--csv", file, "--dry-run"]);
    assert_eq!(dry.code, 1, "{}", dry.stderr);
    let lines: Vec<&str> = dry.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "line 2: nina.park@example.com: would invite as Supervisor, Agent",
            "line 3: jose@example.com: would invite as Agent",
            refusals[0],
            refusals[1],
            refusals[2],
            "line 7: wei@example.com: would invite as Admin",
        ]
    );
    assert!(
        dry.stderr
            .contains("3 would be invited, 3 refused (dry run: nothing was changed)"),
        "{}",
        dry.stderr
    );
    assert_eq!(users_now(dir.path()), before, "a dry run changes nothing");

    let real = admin(dir.path(), &["invite", "--csv", file]);
    assert_eq!(real.code, 1, "{}", real.stderr);
    let lines: Vec<&str> = real.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", real.stdout);
    for (line, (n, email)) in [lines[0], lines[1], lines[5]].iter().zip([
        (2, "nina.park@example.com"),
        (3, "jose@example.com"),
        (7, "wei@example.com"),
    ]) {
        // offline no email goes out: the link is printed for delivery
        let prefix = format!("line {n}: {email}: done; link: http://127.0.0.1:8080/accept?token=");
        assert!(line.starts_with(&prefix), "{line}");
    }
    assert_eq!(lines[2..5], refusals);
    assert!(
        real.stderr.contains("3 invited, 3 refused"),
        "{}",
        real.stderr
    );

    let after = users_now(dir.path());
    assert_eq!(after.len(), before.len() + 3);
    let find = |email: &str| after.iter().find(|u| u.email.as_str() == email).unwrap();
    let nina = find("nina.park@example.com");
    assert_eq!(nina.full_name.as_str(), "Park, Nina");
    assert_eq!(nina.display_name.as_str(), "Nina");
    assert!(nina.roles.iter().eq([Role::Supervisor, Role::Agent]));
    assert_eq!(nina.teams.len(), 1);
    assert_eq!(nina.status, UserStatus::Invited);
    let jose = find("jose@example.com");
    assert_eq!(jose.full_name.as_str(), "José Núñez");
    assert_eq!(jose.display_name.as_str(), "José Núñez");
    let wei = find("wei@example.com");
    assert_eq!(wei.display_name.as_str(), "张伟");
    assert!(wei.roles.iter().eq([Role::Admin]));
    assert!(
        !after
            .iter()
            .any(|u| u.email.as_str() == "empty.role@example.com")
    );

    // the same file again: every row is now taken, nothing changes, exit 1
    let again = admin(dir.path(), &["invite", "--csv", file, "--json"]);
    assert_eq!(again.code, 1);
    for line in again.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["outcome"], "refused", "{line}");
        assert!(v["line"].as_u64().is_some());
    }
    assert_eq!(users_now(dir.path()).len(), after.len());
}

#[test]
fn a_csv_without_its_columns_is_a_usage_error_and_changes_nothing() {
    let (dir, _) = seeded();
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, "mail,name\nx@y.io,X\n").unwrap();
    let before = users_now(dir.path());
    let r = admin(dir.path(), &["invite", "--csv", file.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown column \"mail\""), "{}", r.stderr);
    assert_eq!(users_now(dir.path()), before);
}

/// A second, empty workspace in its own store, with an active Owner.
fn fresh_store(dir: &Path) -> std::path::PathBuf {
    use atender_admin::service::{Core, CoreConfig};
    let path = dir.join("fresh");
    let core = Core::with_system_clock(
        SledStore::open(&path).unwrap(),
        CoreConfig {
            hash_cost: HashCost::insecure_for_tests(),
            ..CoreConfig::default()
        },
    );
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let (_, issued) = core
            .create_workspace("Fresh Co", "owner@fresh.example", "Fresh Owner")
            .await
            .unwrap();
        core.accept_invite(&issued.token.encode(), "correct horse battery")
            .await
            .unwrap();
    });
    path
}

#[test]
fn an_export_imported_into_a_fresh_store_round_trips_every_field_it_carries() {
    let (dir, _) = seeded();
    let export = admin(dir.path(), &["users", "--csv"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(export.stdout.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), users_now(dir.path()).len(), "one row per user");
    let export_file = dir.path().join("export.csv");
    std::fs::write(&export_file, &export.stdout).unwrap();

    let fresh = fresh_store(dir.path());
    let fresh = fresh.to_str().unwrap();
    let in_fresh = |args: &[&str]| {
        let mut all = vec!["--data", fresh];
        all.extend_from_slice(args);
        run(dir.path(), &all, &[])
    };
    for team in team_names_now(dir.path()) {
        assert_eq!(in_fresh(&["teams", "create", &team]).code, 0);
    }
    let links = dir.path().join("links.csv");
    let r = in_fresh(&[
        "invite",
        "--csv",
        export_file.to_str().unwrap(),
        "--links",
        links.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("token="), "links go to the file");
    let written = std::fs::read_to_string(&links).unwrap();
    assert_eq!(
        written.lines().count(),
        rows.len() + 1,
        "a header and a link each"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&links).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads the links");
    }

    let again = in_fresh(&["users", "--csv"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let carried = |r: &csv::StringRecord| (0..5).map(|i| r[i].to_string()).collect::<Vec<_>>();
    let imported: std::collections::HashMap<String, Vec<String>> =
        csv::Reader::from_reader(again.stdout.as_bytes())
            .records()
            .map(Result::unwrap)
            .map(|r| (r[0].to_string(), carried(&r)))
            .collect();
    for row in &rows {
        assert_eq!(imported.get(&row[0]), Some(&carried(row)), "{row:?}");
    }
}

#[test]
fn formulas_are_escaped_in_the_export_and_imported_as_they_were() {
    let (dir, _) = seeded();
    assert_eq!(admin(dir.path(), &["teams", "create", "+Ops"]).code, 0);
    let r = admin(
        dir.path(),
        &[
            "invite",
            "=1+1@acme.io",
            "--name",
            "=HYPERLINK(\"http://x\",\"a\")",
            "--display-name",
            "@SUM(1+1)",
            "--team",
            "+Ops",
            "--no-email",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let export = admin(dir.path(), &["users", "--csv"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let row = |csv_text: &str| {
        csv::Reader::from_reader(csv_text.as_bytes())
            .records()
            .map(Result::unwrap)
            .find(|r| r[0].contains("=1+1@acme.io"))
            .unwrap()
    };
    let exported = row(&export.stdout);
    assert_eq!(&exported[0], "'=1+1@acme.io");
    assert_eq!(&exported[1], "'=HYPERLINK(\"http://x\",\"a\")");
    assert_eq!(&exported[2], "'@SUM(1+1)");
    assert_eq!(&exported[4], "'+Ops");
    for r in csv::Reader::from_reader(export.stdout.as_bytes()).records() {
        for cell in r.unwrap().iter() {
            let first = cell.trim_start_matches(' ').chars().next();
            assert!(
                !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                "{cell:?}"
            );
        }
    }

    let file = dir.path().join("export.csv");
    std::fs::write(&file, &export.stdout).unwrap();
    let fresh = fresh_store(dir.path());
    let fresh = fresh.to_str().unwrap();
    let in_fresh = |args: &[&str]| {
        let mut all = vec!["--data", fresh];
        all.extend_from_slice(args);
        run(dir.path(), &all, &[])
    };
    for team in team_names_now(dir.path()) {
        assert_eq!(in_fresh(&["teams", "create", &team]).code, 0);
    }
    let r = in_fresh(&["invite", "--csv", file.to_str().unwrap(), "--no-email"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let again = in_fresh(&["users", "--csv"]);
    let imported = row(&again.stdout);
    assert_eq!(
        (0..5).map(|i| &imported[i]).collect::<Vec<_>>(),
        (0..5).map(|i| &exported[i]).collect::<Vec<_>>()
    );
    let user = users_now(dir.path())
        .into_iter()
        .find(|u| u.email.as_str() == "=1+1@acme.io")
        .unwrap();
    assert_eq!(user.full_name.as_str(), "=HYPERLINK(\"http://x\",\"a\")");
}

#[test]
fn deactivate_from_stdin_does_the_two_agents_and_refuses_the_owner_by_email() {
    let (dir, owner) = seeded();
    let before = users_now(dir.path());
    let agents = active_agents(&before, 2);
    let list = format!(
        "# leavers\n{}\n\n{}\r\n{}\n",
        agents[0].email, agents[1].email, owner.email
    );
    let data = dir.path().join("demo");
    let r = run_with_input(
        dir.path(),
        &[
            "--data",
            data.to_str().unwrap(),
            "deactivate",
            "--from",
            "-",
        ],
        &[],
        Some(&list),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "{}: done\n{}: done\n{}: refused: you can't deactivate your own account: ask another admin\n",
            agents[0].email, agents[1].email, owner.email
        )
    );
    let after = users_now(dir.path());
    let status = |id| after.iter().find(|u| u.id == id).unwrap().status;
    assert_eq!(status(agents[0].id), UserStatus::Inactive);
    assert_eq!(status(agents[1].id), UserStatus::Inactive);
    assert_eq!(status(owner.id), UserStatus::Active);

    // the same again: already so, nothing written, and the script goes on (exit 0)
    let r = run_with_input(
        dir.path(),
        &[
            "--data",
            data.to_str().unwrap(),
            "deactivate",
            "--from",
            "-",
        ],
        &[],
        Some(&format!("{}\n", agents[0].email)),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, format!("{}: unchanged\n", agents[0].email));
    assert!(r.stderr.contains("1 unchanged"), "{}", r.stderr);
}

#[test]
fn unchanged_users_are_reported_as_such_and_json_uses_the_api_shapes() {
    let (dir, _) = seeded();
    let agent = active_agents(&users_now(dir.path()), 1).remove(0);
    let email = agent.email.as_str();
    let r = admin(dir.path(), &["beta", "on", email]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = admin(dir.path(), &["beta", "on", email]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, format!("{email}: unchanged\n"));
    assert!(
        r.stderr.contains("0 done, 1 unchanged, 0 refused"),
        "{}",
        r.stderr
    );
    let r = admin(dir.path(), &["team", "remove", "No Members Yet", email]);
    assert_eq!(r.code, 1, "no such team yet");
    assert_eq!(admin(dir.path(), &["teams", "create", "Empty"]).code, 0);
    let r = admin(dir.path(), &["team", "remove", "empty", email, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["outcome"], "unchanged");
    assert_eq!(v["id"], agent.id.to_string());
    // who acted and where, on every line
    assert!(v["actor"].as_str().is_some_and(|a| a.contains('@')), "{v}");
    assert_eq!(v["workspace"], "demo-support-co", "{v}");

    // resend: the API's InviteIssuedResponse, roles as a list, and an outcome
    let invited = users_now(dir.path())
        .into_iter()
        .find(|u| u.status == UserStatus::Invited && !u.roles.is_owner())
        .unwrap();
    let r = admin(dir.path(), &["resend", invited.email.as_str(), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["outcome"], "done");
    assert!(v["user"]["roles"].is_array(), "{v}");
    assert!(v["link"].as_str().unwrap().contains("/accept?token="));

    // users --json: one User object per line
    let r = admin(dir.path(), &["users", "--json", "--status", "invited"]);
    assert_eq!(r.code, 0);
    for line in r.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["status"], "invited");
        assert!(v["roles"].is_array());
    }
}

#[test]
fn transfer_ownership_leaves_exactly_one_owner_the_target() {
    let (dir, owner) = seeded();
    let before = users_now(dir.path());
    let first = |status| {
        before
            .iter()
            .find(|u| u.status == status && !u.roles.is_owner())
            .unwrap()
            .email
            .to_string()
    };
    let (invited, inactive) = (first(UserStatus::Invited), first(UserStatus::Inactive));
    for target in [&invited, &inactive] {
        let r = admin(dir.path(), &["transfer-ownership", "--to", target]);
        assert_eq!(r.code, 1, "{target}: {}", r.stderr);
        assert!(r.stderr.contains(target.as_str()), "{}", r.stderr);
    }
    assert_eq!(users_now(dir.path()), before, "refusals change nothing");

    let agent = active_agents(&before, 1).remove(0);
    let r = admin(
        dir.path(),
        &["transfer-ownership", "--to", agent.email.as_str()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "{} is now the Owner (Owner, Agent); {} is now Admin\n",
            agent.email, owner.email
        )
    );
    let after = users_now(dir.path());
    let owners: Vec<&User> = after.iter().filter(|u| u.roles.is_owner()).collect();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].id, agent.id);
    let former = after.iter().find(|u| u.id == owner.id).unwrap();
    assert!(former.roles.iter().eq([Role::Admin]));
    assert_eq!(former.status, UserStatus::Active);
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &["completions", "bash"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("transfer-ownership"));
    let script = dir.path().join("atender-admin.bash");
    std::fs::write(&script, &r.stdout).unwrap();
    let bash = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let r = run(dir.path(), &["completions", shell], &[]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("atender-admin"), "{shell}");
    }
    let r = run(dir.path(), &["completions", "tcsh"], &[]);
    assert_eq!(r.code, 2, "an unknown shell is a usage error");
    let man = run(dir.path(), &["man"], &[]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.starts_with(".ie \\n(.g .ds Aq"), "roff");
    assert!(man.stdout.contains("atender\\-admin"));
}

#[test]
fn help_shows_a_command_s_own_options_first_with_examples_and_the_exit_codes_agree_with_the_readme()
{
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &["deactivate", "--help"], &[]);
    assert_eq!(r.code, 0);
    let own = r.stdout.find("--dry-run").unwrap();
    let global = r.stdout.find("Global options:").unwrap();
    assert!(own < global, "{}", r.stdout);
    assert!(r.stdout.contains("Examples:"), "{}", r.stdout);
    assert!(r.stdout.contains("--from -"), "{}", r.stdout);

    let help = run(dir.path(), &["--help"], &[]).stdout;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let scripting = readme
        .split("## Scripting")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Scripting section");
    for line in atender_admin::cli::EXIT_CODES.lines() {
        assert!(help.contains(line), "--help lacks {line:?}");
        assert!(
            scripting.contains(line.trim()),
            "README's Scripting section lacks {line:?}"
        );
    }

    // the codes as documented: usage errors are 2, whoever finds them
    let (dir, _) = seeded();
    for args in [
        &["users", "--status", "bogus"][..],
        &["invite", "x@example.com"],
        &["beta", "maybe", "x@example.com"],
        &["log", "--limit", "-3"],
        &["deactivate", "--from", "/no/such/file"],
    ] {
        let r = admin(dir.path(), args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
    let r = admin(dir.path(), &["--as", "nobody@x.io", "users"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no user with that email"), "{}", r.stderr);
    assert!(!r.stderr.contains("with id"), "{}", r.stderr);
}

#[test]
fn a_read_only_command_on_a_store_a_server_serves_suggests_the_server() {
    let (dir, _) = seeded();
    let server = crate::connected::Server::start(&dir.path().join("demo"), "127.0.0.1:0");
    let r = admin(dir.path(), &["users"]);
    drop(server);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("atender-server is serving"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--server"), "{}", r.stderr);
    assert!(
        !r.stderr.to_lowercase().contains("acquire lock"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_long_run_piped_prints_its_lines_and_one_summary_and_nothing_else() {
    let (dir, _) = seeded();
    let active: Vec<String> = users_now(dir.path())
        .into_iter()
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| u.email.to_string())
        .collect();
    assert!(
        active.len() > 200,
        "enough for a progress bar on a terminal"
    );
    let list = dir.path().join("all.txt");
    std::fs::write(&list, active.join("\n")).unwrap();
    let r = admin(
        dir.path(),
        &["beta", "on", "--from", list.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), active.len());
    assert!(
        r.stdout
            .lines()
            .all(|l| l.ends_with(": done") || l.ends_with(": unchanged")),
        "{}",
        r.stdout
    );
    let summary: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(summary.len(), 1, "{}", r.stderr);
    assert!(summary[0].contains(", 0 refused as "), "{}", r.stderr);
    assert!(
        summary[0].ends_with("in Demo Support Co (demo-support-co)"),
        "the summary names who acted and where: {}",
        r.stderr
    );
    assert!(
        !r.stderr.contains('\r') && !r.stderr.contains('\u{1b}'),
        "no bar"
    );
}

#[test]
fn cancel_and_resend_have_a_dry_run_that_changes_nothing() {
    let (dir, _) = seeded();
    let before = users_now(dir.path());
    let invited = before
        .iter()
        .find(|u| u.status == UserStatus::Invited && !u.roles.is_owner())
        .unwrap();
    let agent = active_agents(&before, 1).remove(0);
    for (command, would) in [
        ("cancel", "would cancel the invite"),
        ("resend", "would resend the invite"),
    ] {
        let r = admin(
            dir.path(),
            &[
                command,
                invited.email.as_str(),
                agent.email.as_str(),
                "--dry-run",
            ],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(
            r.stdout,
            format!(
                "{}: {would}\n{}: refused: {} is active: there is no pending invite\n",
                invited.email, agent.email, agent.email
            )
        );
        assert!(
            r.stderr.contains("dry run: nothing was changed"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(users_now(dir.path()), before, "dry runs change nothing");
}

/// A store with bytes flipped in one user record: the console, in a terminal, closes on it
/// naming the store and the first bad record (the same check as `atender-server check`, run
/// beside its first screen), instead of opening screens that fail one by one.
#[test]
fn the_console_refuses_a_damaged_store_with_its_path_and_first_bad_record() {
    use atender_admin::service::{AdminApi, Core, CoreConfig, NewInvite};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let config = CoreConfig {
            hash_cost: HashCost::insecure_for_tests(),
            ..CoreConfig::default()
        };
        let core = Core::with_system_clock(SledStore::open(&data).unwrap(), config);
        let (ws, issued) = core
            .create_workspace("Acme", "ann@acme.io", "Ann Lee")
            .await
            .unwrap();
        let ann = core
            .accept_invite(&issued.token.encode(), "correct horse battery")
            .await
            .unwrap();
        for i in 0..30 {
            core.admin(ws.id, ann.id)
                .invite(NewInvite {
                    email: format!("user{i}@acme.io"),
                    full_name: format!("User {i}"),
                    display_name: None,
                    roles: vec![Role::Agent],
                    teams: vec![],
                    send_invite: false,
                })
                .await
                .unwrap();
        }
    });
    // One user record made undecodable in a way the storage engine can't see (its own
    // checksums stay right): what a bug or a bad restore would leave.
    {
        let db = sled::open(&data).unwrap();
        let (key, value) = db
            .iter()
            .map(Result::unwrap)
            .find(|(_, v)| v.windows(9).any(|w| w == b"\"User 15\""))
            .expect("the record is in the store");
        let mut value = value.to_vec();
        value.truncate(value.len() / 2);
        db.insert(key, value).unwrap();
        db.flush().unwrap();
    }
    let mut term =
        crate::pty::Term::admin(&["--data", data.to_str().unwrap()], dir.path(), 120, 40);
    assert_eq!(term.wait_exit(), 2, "{}", term.screen());
    // The message is written after the terminal is restored; read as written (the screen
    // wraps it).
    let out = String::from_utf8_lossy(&term.raw_output()).into_owned();
    assert!(out.contains("is damaged"), "{out}");
    assert!(out.contains(data.to_str().unwrap()), "{out}");
    assert!(out.contains("(a user) is unreadable"), "{out}");
}

#[test]
fn demo_flags_refuse_a_store_holding_a_real_workspace_and_leave_it_alone() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("store");
    crate::connected::init(&data);
    let before = {
        let store = SledStore::open(&data).unwrap();
        store.workspaces().unwrap()
    };
    for flags in [&["--demo"][..], &["--reset-demo", "--yes"]] {
        let mut args = flags.to_vec();
        args.extend(["--data", data.to_str().unwrap(), "users"]);
        let r = run(home.path(), &args, &[]);
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("is not a demo store")
                && r.stderr.contains("Leave out --demo")
                && r.stderr.contains("new folder"),
            "{flags:?}: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
    let store = SledStore::open(&data).unwrap();
    let after = store.workspaces().unwrap();
    assert_eq!(after.len(), 1, "no demo workspace was added");
    assert_eq!(
        after.iter().map(|w| w.id).collect::<Vec<_>>(),
        before.iter().map(|w| w.id).collect::<Vec<_>>()
    );
}

#[test]
fn reset_demo_without_a_terminal_needs_yes() {
    let (dir, _) = seeded();
    let data = dir.path().join("demo");
    assert_eq!(users_now(dir.path()).len(), 250);
    let args = [
        "--reset-demo",
        "--demo-size",
        "20",
        "--data",
        data.to_str().unwrap(),
        "users",
    ];
    let r = run(dir.path(), &args, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("run again with --yes"), "{}", r.stderr);
    assert_eq!(users_now(dir.path()).len(), 250, "not wiped");
    let mut with_yes = vec!["--yes"];
    with_yes.extend(args);
    let r = run(dir.path(), &with_yes, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        users_now(dir.path()).len(),
        20,
        "recreated at --demo-size 20"
    );
}

#[test]
fn read_only_is_for_the_console_and_a_command_with_it_is_refused_unchanged() {
    let (dir, _) = seeded();
    let before = users_now(dir.path());
    let target = active_agents(&before, 1).remove(0);
    let run = admin(
        dir.path(),
        &["--read-only", "deactivate", target.email.as_str()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--read-only is for the console"),
        "{}",
        run.stderr
    );
    assert_eq!(users_now(dir.path()), before);
}

/// `atender-admin users … | head -1`: the reader leaves after one line, and the listing stops
/// quietly with success, in every format (each writer reports the closed pipe its own way).
#[test]
fn a_reader_that_leaves_early_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let (dir, _) = seeded();
    let data = dir.path().join("demo");
    for format in [&["--json"][..], &["--csv"][..], &[][..]] {
        let mut args = vec!["--data", data.to_str().unwrap(), "users"];
        args.extend_from_slice(format);
        let mut child = command(dir.path(), &args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{format:?}: a first line");
        // The pipe is closed here; 250 users are more than a pipe holds.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format:?}: {stderr}");
        assert!(stderr.is_empty(), "{format:?}: {stderr}");
    }
}

/// `completions bash | head -3` and `man | head`: a reader that is gone before anything is
/// written ends the command quietly, with success (it used to panic with exit 101).
#[test]
fn completions_and_the_man_page_end_quietly_on_a_closed_pipe() {
    let home = tempfile::tempdir().unwrap();
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let mut child = command(home.path(), args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reading end closes before the command writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_server_that_cannot_be_reached_exits_2() {
    let home = tempfile::tempdir().unwrap();
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let password_file = home.path().join("password");
    std::fs::write(&password_file, "not-used-for-long\n").unwrap();
    let env = [("ATENDER_PASSWORD_FILE", password_file.as_path())];
    let r = run(
        home.path(),
        &[
            "--server",
            url.as_str(),
            "--workspace",
            "acme",
            "--email",
            "ann@acme.io",
            "deactivate",
            "bo@acme.io",
        ],
        &env,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("can't reach the server"), "{}", r.stderr);
}

/// `--as` someone who can't act is a refusal like `--as` someone who doesn't exist: exit 1,
/// with what to do, and nothing changed.
#[test]
fn acting_as_an_agent_or_a_stranger_is_refused_alike() {
    let (dir, _) = seeded();
    let before = users_now(dir.path());
    let agent = active_agents(&before, 2);
    for who in [agent[0].email.as_str(), "nobody@nowhere.example"] {
        let r = admin(
            dir.path(),
            &["--as", who, "deactivate", agent[1].email.as_str()],
        );
        assert_eq!(r.code, 1, "{who}: {}", r.stderr);
        assert!(
            r.stderr.contains("name an active Owner or Admin"),
            "{who}: {}",
            r.stderr
        );
    }
    assert_eq!(users_now(dir.path()), before);
}

/// A read while another atender-admin holds the store: said once, with the way out that fits
/// (no server to read through when only a console holds it).
#[test]
fn a_store_held_by_another_console_is_said_once_without_a_server_to_suggest() {
    let (dir, _) = seeded();
    let held = SledStore::open(dir.path().join("demo")).unwrap();
    let data = dir.path().join("demo");
    let r = run(
        dir.path(),
        &["--data", data.to_str().unwrap(), "users"],
        &[],
    );
    drop(held);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("another atender-admin"), "{}", r.stderr);
    assert!(!r.stderr.contains("--server"), "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("one process per store").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("is in use by another process"),
        "said twice: {}",
        r.stderr
    );
}

/// Handing ownership to yourself: said as it is, not "ask another admin" (nobody else can).
#[test]
fn transferring_ownership_to_yourself_says_what_to_do() {
    let (dir, owner) = seeded();
    let r = admin(
        dir.path(),
        &["transfer-ownership", "--to", owner.email.as_str()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("name the active user who takes over"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("ask another admin"), "{}", r.stderr);
}

/// `log --user --action --since`: only the matching events, and a bad value is a usage error.
#[test]
fn the_log_is_searched_by_user_action_and_age() {
    let (dir, _) = seeded();
    let r = admin(
        dir.path(),
        &["log", "--action", "deactivated", "--limit", "500", "--json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let events: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e["action"] == "user_deactivated"),
        "{}",
        r.stdout
    );
    let someone = events[0]["target_label"].as_str().unwrap().to_string();
    let r = admin(
        dir.path(),
        &["log", "--user", &someone, "--limit", "500", "--json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.lines().count() >= 1);
    for line in r.stdout.lines() {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(e["target_label"] == someone.as_str() || e["actor_label"] == someone.as_str());
    }
    // A week back holds fewer than everything (the demo's log spans months).
    let all = admin(dir.path(), &["log", "--limit", "5000"])
        .stdout
        .lines()
        .count();
    let week = admin(dir.path(), &["log", "--since", "7d", "--limit", "5000"]);
    assert_eq!(week.code, 0, "{}", week.stderr);
    assert!(week.stdout.lines().count() < all);
    for bad in [&["--action", "vanished"][..], &["--since", "7x"][..]] {
        let mut args = vec!["log"];
        args.extend_from_slice(bad);
        let r = admin(dir.path(), &args);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
    }
}

/// A single change names who acted and where on stderr, as the bulk ones do in their summary.
#[test]
fn single_changes_name_who_acted_and_where() {
    let (dir, owner) = seeded();
    let acted = format!(
        "done as {} in Demo Support Co (demo-support-co)",
        owner.email
    );
    let r = admin(
        dir.path(),
        &["invite", "x@acme.io", "--name", "X", "--no-email"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(&acted), "{}", r.stderr);
    let r = admin(dir.path(), &["teams", "create", "Escalations"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(&acted), "{}", r.stderr);
    // reading says nothing of the kind
    let r = admin(dir.path(), &["teams"]);
    assert!(!r.stderr.contains("done as"), "{}", r.stderr);
}

/// Issue 20, point 4: the default `--as` is the longest-standing active Owner, and making a
/// newer member an Owner does not change who acts next.
#[test]
fn the_default_acting_owner_stays_when_someone_newer_becomes_owner() {
    let (dir, owner) = seeded();
    let store = SledStore::open(dir.path().join("demo")).unwrap();
    let newer = store
        .users(owner.workspace)
        .unwrap()
        .into_iter()
        .filter(|u| u.status == UserStatus::Active && !u.roles.is_owner())
        .max_by_key(|u| u.created_at)
        .unwrap();
    drop(store);
    let r = admin(
        dir.path(),
        &["roles", "set", "owner,agent", newer.email.as_str()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let acted = format!("as {} in Demo Support Co", owner.email);
    assert!(r.stderr.contains(&acted), "{}", r.stderr);
    // The next change, with no --as, is still made by the same Owner.
    let r = admin(dir.path(), &["roles", "set", "agent", newer.email.as_str()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(&acted), "{}", r.stderr);
    let store = SledStore::open(dir.path().join("demo")).unwrap();
    let ann = store
        .users(owner.workspace)
        .unwrap()
        .into_iter()
        .find(|u| u.id == owner.id)
        .unwrap();
    assert!(ann.roles.is_owner(), "{ann:?}");
}
