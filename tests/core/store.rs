//! Both stores: every change survives closing and reopening. Opening refuses, with its own
//! error and without touching anything, a sled store in use, of an unknown schema, or damaged,
//! and a PostgreSQL database of a newer schema or out of reach; an older one is migrated.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::{Role, UserStatus};
use atender_admin::service::{AdminApi, BulkChange, UserPatch};
use atender_admin::store::StoreError;
use atender_admin::store::{AnyStore, PgStore, SledStore, Store};

async fn every_kind_of_change_survives_reopening(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let team = api.create_team("Billing".into()).await.unwrap();
    let gone_team = api.create_team("Gone".into()).await.unwrap();
    let renamed = api.create_team("Old name".into()).await.unwrap();
    api.rename_team(renamed.id, "New name".into())
        .await
        .unwrap();
    let a = w.add("a@acme.io", &[Role::Agent]).await;
    let b = w.add("b@acme.io", &[Role::Agent]).await;
    let c = w.add("c@acme.io", &[Role::Agent]).await;
    let deleted = w.add("d@acme.io", &[Role::Agent]).await;
    let (pending, _) = w.invite("p@acme.io", &[Role::Supervisor]).await;
    let resent = api.resend_invite(pending.id).await.unwrap().token.encode();
    let (cancelled, _) = w.invite("x@acme.io", &[Role::Agent]).await;
    api.cancel_invite(cancelled.id).await.unwrap();
    api.bulk(BulkChange::AddTeam { team: team.id }, vec![a.id], false)
        .await
        .unwrap();
    api.bulk(
        BulkChange::AddTeam { team: gone_team.id },
        vec![b.id],
        false,
    )
    .await
    .unwrap();
    api.delete_team(gone_team.id).await.unwrap();
    api.bulk(BulkChange::Deactivate, vec![b.id], false)
        .await
        .unwrap();
    api.bulk(BulkChange::SetBeta { beta: true }, vec![c.id], false)
        .await
        .unwrap();
    api.bulk(
        BulkChange::SetRoles {
            roles: vec![Role::Admin, Role::Agent],
        },
        vec![c.id],
        false,
    )
    .await
    .unwrap();
    let c = w.user(c.id).await.unwrap();
    api.update_user(
        c.id,
        c.version,
        UserPatch {
            display_name: Some("Cee".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    api.delete_user(deleted.id).await.unwrap();
    let session = w
        .core
        .login(&w.ws.slug, "a@acme.io", PASSWORD)
        .await
        .unwrap()
        .token
        .encode();
    let before_users = w.core.store().users(w.ws.id).unwrap();
    let before_audit = api.audit(None, 1000).await.unwrap();
    let before_teams = api.list_teams().await.unwrap();
    let before_invites = api.list_invites().await.unwrap();

    drop(api);
    let w = w.reopen();
    let api = w.owner_api();
    assert_eq!(w.core.store().users(w.ws.id).unwrap(), before_users);
    assert_eq!(api.audit(None, 1000).await.unwrap(), before_audit);
    assert_eq!(api.list_teams().await.unwrap(), before_teams);
    assert_eq!(
        api.list_invites().await.unwrap().len(),
        before_invites.len()
    );
    assert_eq!(w.user(b.id).await.unwrap().status, UserStatus::Inactive);
    assert!(w.user(deleted.id).await.is_none());
    assert!(w.user(cancelled.id).await.is_none());
    assert_eq!(w.user(c.id).await.unwrap().display_name.as_str(), "Cee");
    assert!(w.user(a.id).await.unwrap().teams.contains(&team.id));
    assert!(w.user(b.id).await.unwrap().teams.is_empty());
    // sessions, passwords, tokens and indexes came back too
    assert_eq!(w.core.authenticate(&session).await.unwrap().user.id, a.id);
    w.core
        .login(&w.ws.slug, "c@acme.io", PASSWORD)
        .await
        .unwrap();
    assert!(matches!(
        api.invite(new_invite("A@acme.io", &[Role::Agent])).await,
        Err(Error::Refused(Refusal::DuplicateEmail { .. }))
    ));
    assert!(matches!(
        api.create_team("billing".into()).await,
        Err(Error::Refused(Refusal::DuplicateTeam { .. }))
    ));
    assert_eq!(
        w.core.accept_invite(&resent, PASSWORD).await.unwrap().id,
        pending.id
    );
    // the Owner set came back: the last Owner is still protected
    let out = api
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Admin],
            },
            vec![w.owner.id],
            false,
        )
        .await
        .unwrap();
    assert!(matches!(
        out[0].refusal(),
        Some(Error::Refused(Refusal::LastOwner { .. }))
    ));
}

#[test]
fn a_store_in_use_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SledStore::open(dir.path()).unwrap();
    let e = SledStore::open(dir.path()).unwrap_err();
    assert_eq!(
        e,
        Error::Store(StoreError::InUse {
            path: dir.path().display().to_string()
        })
    );
    assert!(
        e.to_string().contains("is in use by another process"),
        "{e}"
    );
}

#[test]
fn a_store_in_use_by_another_process_says_so() {
    // The real binary holds the store while its listing runs; a child process keeps it open.
    let dir = tempfile::tempdir().unwrap();
    let held = SledStore::open(dir.path()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atender-admin"))
        .args(["--data", dir.path().to_str().unwrap(), "users"])
        .output()
        .unwrap();
    drop(held);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another atender-admin (a console or a command) has the store"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_schema_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    SledStore::open(dir.path())
        .unwrap()
        .overwrite_schema_version_for_tests(99)
        .unwrap();
    let e = SledStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Store(StoreError::UnknownSchema {
                found: 99,
                supported: atender_admin::store::SCHEMA_VERSION,
                ..
            })
        ),
        "{e:?}"
    );
    // still 99: opening wrote nothing
    assert!(matches!(
        SledStore::open(dir.path()).unwrap_err(),
        Error::Store(StoreError::UnknownSchema { found: 99, .. })
    ));
}

#[test]
fn a_damaged_store_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store.flush().unwrap();
    }
    // garbage over the whole data file
    let db = dir.path().join("db");
    let len = std::fs::metadata(&db).unwrap().len() as usize;
    std::fs::write(&db, vec![0xA5; len.max(4096)]).unwrap();
    let conf = dir.path().join("conf");
    std::fs::write(&conf, b"not a sled config").unwrap();
    let before = snapshot(dir.path());
    let e = SledStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Store(StoreError::Corrupt { .. }) | Error::Store(StoreError::Failed { .. })
        ),
        "{e:?}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing was overwritten");
}

#[test]
fn a_foreign_sled_database_is_not_adopted() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = ::sled::open(dir.path()).unwrap();
        db.insert(b"someone else's", b"data").unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        SledStore::open(dir.path()).unwrap_err(),
        Error::Store(StoreError::Corrupt { .. })
    ));
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(
        SledStore::open(&file).unwrap_err(),
        Error::Store(StoreError::Corrupt { .. })
    ));
}

#[test]
fn a_store_whose_data_file_was_deleted_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledStore::open(dir.path()).unwrap());
    std::fs::remove_file(dir.path().join("db")).unwrap();
    let before = snapshot(dir.path());
    let e = SledStore::open(dir.path()).unwrap_err();
    assert!(e.to_string().contains("`db` is missing"), "{e}");
    assert!(
        matches!(e, Error::Store(StoreError::Corrupt { .. })),
        "{e:?}"
    );
    assert_eq!(snapshot(dir.path()), before, "no new data file was made");
    assert!(!dir.path().join("db").exists());
}

/// Every file under `d` with its content, to show that nothing changed.
fn snapshot(d: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walk(d)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn the_demo_is_deterministic_and_obeys_every_rule(backend: Backend) {
    use atender_admin::demo;
    use atender_admin::domain::HashCost;
    let now = time::macros::datetime!(2026-11-28 12:00 UTC);
    let seeded = || {
        let (place, store) = fresh_store(backend);
        let (ws, owner) = demo::seed(&store, now, 250, HashCost::insecure_for_tests()).unwrap();
        (place, store, ws, owner)
    };
    let (_p1, s1, ws1, owner) = seeded();
    let (_p2, s2, ws2, _) = seeded();
    assert_eq!(ws1, ws2);
    let strip = |s: &AnyStore, ws| {
        let mut inv = s.invites(ws).unwrap();
        for i in &mut inv {
            i.token_hash = atender_admin::domain::TokenHash([0; 32]);
        }
        (
            s.users(ws).unwrap(),
            inv,
            s.teams(ws).unwrap(),
            s.audit_page(ws, None, 10_000).unwrap(),
        )
    };
    assert_eq!(
        strip(&s1, ws1.id),
        strip(&s2, ws2.id),
        "same seed, same demo"
    );

    let users = s1.users(ws1.id).unwrap();
    assert_eq!(users.len(), 250);
    let count = |st: UserStatus| users.iter().filter(|u| u.status == st).count();
    assert_eq!(count(UserStatus::Inactive), 20);
    assert_eq!(count(UserStatus::Invited), 12);
    assert_eq!(users.iter().filter(|u| u.is_active_owner()).count(), 1);
    assert!(owner.is_active_owner());
    let emails: std::collections::BTreeSet<_> = users.iter().map(|u| u.email.clone()).collect();
    assert_eq!(emails.len(), users.len(), "unique emails");
    let teams = s1.teams(ws1.id).unwrap();
    assert!((5..=6).contains(&teams.len()));
    for t in &teams {
        let members = users.iter().filter(|u| u.teams.contains(&t.id)).count() as u64;
        assert_eq!(members, t.member_count, "{}", t.name);
    }
    assert!(users.iter().filter(|u| u.teams.len() > 1).count() >= 2);
    assert!(users.iter().any(|u| u.beta));
    assert!(
        users
            .iter()
            .any(|u| u.full_name.as_str().chars().count() > 90)
    );
    assert!(
        users
            .iter()
            .any(|u| u.full_name.as_str().contains('山') || u.full_name.as_str().contains('王'))
    );
    let invites = s1.invites(ws1.id).unwrap();
    let expired = invites.iter().filter(|i| i.is_expired(now)).count();
    assert!(
        expired >= 2 && expired < invites.len(),
        "some but not all invites expired: {expired}"
    );
    // the demo is usable through the service, with its rules
    drop(s2);
    let core = atender_admin::service::Core::new(
        s1,
        std::sync::Arc::new(atender_admin::service::ManualClock::new(now)),
        config(),
    );
    let api = core.admin(ws1.id, owner.id);
    let out = api
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Admin],
            },
            vec![owner.id],
            false,
        )
        .await
        .unwrap();
    assert!(matches!(
        out[0].refusal(),
        Some(Error::Refused(Refusal::LastOwner { .. }))
    ));
    core.login(demo::DEMO_SLUG, owner.email.as_str(), demo::DEMO_PASSWORD)
        .await
        .unwrap();
    // seeding again finds the demo instead of writing a second one
    let (again, _) = demo::seed(core.store(), now, 250, HashCost::insecure_for_tests()).unwrap();
    assert_eq!(again.id, ws1.id);
    assert_eq!(core.store().workspaces().unwrap().len(), 1);
}

#[test]
fn a_newer_postgres_schema_is_refused_untouched() {
    use atender_admin::store::postgres::{SCHEMA_VERSION, testing};
    let schema = TestSchema::new();
    let store = PgStore::open(&schema.url).unwrap();
    store
        .transact(atender_admin::store::TxMode::Commit, &|tx| {
            tx.put_workspace(&atender_admin::domain::Workspace {
                id: atender_admin::domain::WorkspaceId::new(),
                name: atender_admin::domain::WorkspaceName::parse("Kept").unwrap(),
                slug: "kept".into(),
                created_at: time::macros::datetime!(2026-11-02 09:00 UTC),
            })
        })
        .unwrap();
    store
        .overwrite_schema_version_for_tests(SCHEMA_VERSION + 1)
        .unwrap();
    drop(store);
    for _ in 0..2 {
        let e = PgStore::open(&schema.url).unwrap_err();
        assert!(
            matches!(&e, Error::Store(StoreError::UnknownSchema { found, supported, .. })
                if *found == SCHEMA_VERSION + 1 && *supported == SCHEMA_VERSION),
            "{e:?}"
        );
        assert!(e.to_string().contains("schema version"), "{e}");
    }
    // Nothing was changed: once the newer version is gone, the data is all there.
    testing::execute(
        &schema.url,
        &format!("DELETE FROM atender_schema WHERE version > {SCHEMA_VERSION}"),
    )
    .unwrap();
    let store = PgStore::open(&schema.url).unwrap();
    assert_eq!(store.workspaces().unwrap()[0].slug, "kept");
}

#[test]
fn an_empty_or_older_postgres_schema_is_brought_up_to_date() {
    use atender_admin::store::postgres::SCHEMA_VERSION;
    for older in 0..SCHEMA_VERSION {
        let schema = TestSchema::new();
        drop(PgStore::open_at(&schema.url, older).unwrap());
        let store = PgStore::open(&schema.url).unwrap();
        assert!(
            store.workspaces().unwrap().is_empty(),
            "from version {older}"
        );
        let again = PgStore::open(&schema.url).unwrap();
        assert!(again.workspaces().unwrap().is_empty());
    }
}

#[test]
fn servers_starting_together_on_a_fresh_database_migrate_it_once() {
    let schema = TestSchema::new();
    let opened: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| PgStore::open(&schema.url).map(drop)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in opened {
        r.unwrap();
    }
}

#[test]
fn an_unreachable_database_says_so_without_the_password() {
    let e = PgStore::open("postgres://ann:s3cret@127.0.0.1:1/atender").unwrap_err();
    let shown = e.to_string();
    assert!(
        matches!(e, Error::Store(StoreError::Unavailable { .. })),
        "{e:?}"
    );
    assert!(
        shown.contains("can't use the database at postgres://ann@127.0.0.1:1/atender"),
        "{shown}"
    );
    assert!(shown.contains("PostgreSQL is running"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[test]
fn a_malformed_database_url_says_what_is_expected() {
    let e = PgStore::open("postgres://ann:s3cret@host:port/db").unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("not a PostgreSQL connection string"),
        "{shown}"
    );
    assert!(!shown.contains("s3cret"), "{shown}");
}

on_every_store!(
    every_kind_of_change_survives_reopening,
    the_demo_is_deterministic_and_obeys_every_rule,
);

/// A TCP relay between the store and PostgreSQL that the test can cut and restore.
struct Relay {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    live: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn to(target: String) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Relay {
            port,
            cut: Default::default(),
            live: Default::default(),
        };
        let (cut, live) = (relay.cut.clone(), relay.live.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if cut.load(Ordering::SeqCst) {
                    continue; // dropped: the database is out of reach
                }
                let Ok(server) = std::net::TcpStream::connect(&target) else {
                    continue;
                };
                let mut held = live.lock().unwrap();
                held.push(client.try_clone().unwrap());
                held.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        relay
    }

    /// Closes every relayed connection and refuses new ones.
    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for s in self.live.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// PostgreSQL out of reach: reads, writes and the health check say `StorageUnavailable` (503
/// on the server), and all work again once it is back, with the same store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable_and_heals_by_itself() {
    let schema = TestSchema::new();
    // postgres://user@host:port/db?…: the same address through the relay.
    let (before, rest) = schema.url.split_once('@').expect("a postgres:// URL");
    let (address, after) = rest
        .split_once('/')
        .expect("a postgres:// URL with a database");
    let relay = Relay::to(address.to_string());
    let url = format!("{before}@127.0.0.1:{}/{after}", relay.port);
    let core = atender_admin::service::Core::with_system_clock(
        AnyStore::Postgres(PgStore::open(&url).unwrap()),
        config(),
    );
    let (ws, _) = core
        .create_workspace("Acme", "ann@acme.io", "Ann Lee")
        .await
        .unwrap();
    core.store_health().await.unwrap();

    relay.cut();
    let e = core.store_health().await.unwrap_err();
    assert!(
        matches!(e, Error::Store(StoreError::Unavailable { .. })),
        "{e:?}"
    );
    let e = core
        .create_workspace("Beta", "bob@beta.io", "Bob")
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Store(StoreError::Unavailable { .. })),
        "{e:?}"
    );

    relay.restore();
    // The pool drops the broken connections and makes new ones.
    let mut healed = core.store_health().await;
    for _ in 0..20 {
        if healed.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        healed = core.store_health().await;
    }
    healed.unwrap();
    core.create_workspace("Beta", "bob@beta.io", "Bob")
        .await
        .unwrap();
    assert_eq!(core.store().status_counts(ws.id).unwrap().invited, 1);
}

/// PostgreSQL: data that breaks today's name rules is reported, not refused; then each
/// structural invariant broken by hand (its constraint dropped first) is named with its record.
#[tokio::test]
async fn postgres_check_names_each_broken_invariant() {
    use atender_admin::store::postgres::testing::execute;
    let w = World::new(Backend::Postgres).await;
    let Place::Database(schema) = &w.place else {
        unreachable!()
    };
    let AnyStore::Postgres(pg) = w.core.store() else {
        unreachable!()
    };
    let api = w.owner_api();
    let team = api.create_team("Billing".into()).await.unwrap();
    let other = api.create_team("Other".into()).await.unwrap();
    assert_eq!(pg.check_invariants().unwrap(), Default::default());

    // Older data: names and emails today's rules refuse.
    execute(
        &schema.url,
        &format!(
            "UPDATE users SET full_name = repeat('x', 5000), \
             display_name = 'a' || chr(8238) || 'b' WHERE id = '{owner}'; \
             UPDATE teams SET name = repeat('y', 5000), folded_name = repeat('y', 5000) \
             WHERE id = '{team}';",
            owner = w.owner.id,
            team = team.id
        ),
    )
    .unwrap();
    let found = pg.check_invariants().unwrap();
    assert_eq!(found.damage, Vec::<String>::new());
    let all = found.warnings.join("\n");
    assert!(all.contains("its full name"), "{all}");
    assert!(all.contains("its display name"), "{all}");
    assert!(all.contains(&team.id.to_string()), "{all}");
    assert!(all.contains(&w.owner.id.to_string()), "{all}");
    let (_, warnings) = pg.check_integrity_reporting(&mut |_| {}).unwrap();
    assert_eq!(warnings, found.warnings);

    // Structural damage, with the constraints that would have stopped it dropped.
    let beta = "00000000-0000-0000-0000-000000000007";
    execute(
        &schema.url,
        &format!(
            "ALTER TABLE workspaces DROP CONSTRAINT workspaces_slug_key; \
             ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE; \
             ALTER TABLE users DROP CONSTRAINT users_workspace_email_key; \
             ALTER TABLE users DROP CONSTRAINT users_workspace_fkey; \
             ALTER TABLE teams DROP CONSTRAINT teams_workspace_folded_name_key; \
             INSERT INTO workspaces (id, name, slug, created_at) \
               SELECT gen_random_uuid(), 'Evil', slug, created_at FROM workspaces; \
             INSERT INTO workspaces (id, name, slug, created_at) \
               SELECT '{beta}', 'Beta', 'beta', created_at FROM workspaces LIMIT 1; \
             CREATE TEMP TABLE t AS SELECT * FROM users WHERE id = '{owner}'; \
             INSERT INTO users SELECT * FROM t; \
             UPDATE t SET workspace = '{beta}', roles = '{{agent}}', email = 'Caps@Beta.io'; \
             INSERT INTO users SELECT * FROM t; \
             UPDATE t SET workspace = gen_random_uuid(), email = 'ghost@nowhere.io'; \
             INSERT INTO users SELECT * FROM t; \
             INSERT INTO passwords (workspace, user_id, hash) \
               SELECT workspace, gen_random_uuid(), hash FROM passwords LIMIT 1; \
             INSERT INTO team_members (workspace, user_id, team) \
               SELECT workspace, gen_random_uuid(), id FROM teams WHERE id = '{other}'; \
             UPDATE teams SET folded_name = 'ghost' WHERE id = '{other}'; \
             UPDATE invites SET accepted_at = NULL WHERE user_id = '{owner}';",
            owner = w.owner.id,
            other = other.id
        ),
    )
    .unwrap();
    let found = pg.check_invariants().unwrap();
    let all = found.damage.join("\n");
    for named in [
        "the slug acme belongs to 2 workspaces",
        &format!(
            "user {} in workspace {} is stored 2 times (a duplicate key)",
            w.owner.id, w.ws.id
        ),
        &format!(
            "the email owner@acme.io belongs to 2 users in workspace {}",
            w.ws.id
        ),
        "(Caps@Beta.io) in workspace 00000000-0000-0000-0000-000000000007: its email is not stored",
        "(ghost@nowhere.io) names workspace",
        "workspace beta (00000000-0000-0000-0000-000000000007) has users but no active Owner",
        "a password hash is kept for user",
        &format!(
            "({}) in workspace {} has a pending invite but is active",
            w.owner.email, w.ws.id
        ),
        "names a user who is not in that workspace (an orphan entry)",
        &format!(
            "team {} (\"Other\") in workspace {} is filed under the team name \"ghost\"",
            other.id, w.ws.id
        ),
    ] {
        assert!(all.contains(named), "{named:?} not named in:\n{all}");
    }
    match pg.check_integrity(&mut |_| {}) {
        Err(Error::Store(StoreError::Corrupt { detail, .. })) => {
            assert!(
                detail.contains("the slug acme belongs to 2 workspaces"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
}
