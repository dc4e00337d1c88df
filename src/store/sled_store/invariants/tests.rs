use super::*;
use crate::domain::HashCost;

/// A small demo store, its workspace, users and teams.
fn demo(dir: &Path) -> (SledStore, Workspace, Vec<User>, Vec<Team>) {
    let store = SledStore::open(dir.join("store")).unwrap();
    let (ws, _) = crate::demo::seed(
        &store,
        time::OffsetDateTime::now_utc(),
        8,
        HashCost::insecure_for_tests(),
    )
    .unwrap();
    let users = store.users(ws.id).unwrap();
    let teams = store.teams(ws.id).unwrap();
    (store, ws, users, teams)
}

fn db(store: &SledStore) -> sled::Db {
    store.engine().unwrap().db.clone()
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// Breaks the demo store with `corrupt`, and expects the check to name it with `named`.
fn breaks(named: &[&str], corrupt: impl FnOnce(&sled::Db, &Workspace, &[User], &[Team])) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ws, users, teams) = demo(dir.path());
    assert_eq!(store.check_invariants().unwrap(), Findings::default());
    corrupt(&db(&store), &ws, &users, &teams);
    let found = store.check_invariants().unwrap();
    let all = found.damage.join("\n");
    for n in named {
        assert!(all.contains(n), "{n:?} not named in:\n{all}");
    }
    // And the full check refuses it as damage, naming the same.
    match store.check_integrity(&mut |_| {}) {
        Err(Error::Store(StoreError::Corrupt { detail, .. })) => {
            assert!(detail.contains(named[0]), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

fn owner(users: &[User]) -> &User {
    users.iter().find(|u| u.is_active_owner()).unwrap()
}
fn not_owner(users: &[User]) -> &User {
    users.iter().find(|u| !u.roles.is_owner()).unwrap()
}

#[test]
fn a_user_filed_under_another_workspace_is_named() {
    breaks(
        &["names workspace", "is stored under workspace"],
        |db, _, users, _| {
            let u = not_owner(users);
            let other = WorkspaceId::from_bytes([7; 16]);
            db.insert(keys::user(other, u.id), json(u)).unwrap();
        },
    );
}

#[test]
fn two_workspaces_with_one_slug_are_named() {
    breaks(&["belongs to 2 workspaces"], |db, ws, _, _| {
        let mut evil = ws.clone();
        evil.id = WorkspaceId::from_bytes([7; 16]);
        evil.name = WorkspaceName::unchecked("Evil");
        db.insert(keys::workspace(evil.id), json(&evil)).unwrap();
    });
}

#[test]
fn a_slug_index_entry_for_another_workspace_is_named() {
    breaks(
        &["the slug index entry beta points at workspace"],
        |db, ws, _, _| {
            db.insert(keys::slug("beta"), ws.id.as_bytes()).unwrap();
        },
    );
}

#[test]
fn an_email_index_entry_pointing_into_another_workspace_is_named() {
    let named = "who is not in that workspace";
    breaks(&[named, "ann@beta.io"], |db, ws, users, _| {
        let mut beta = ws.clone();
        beta.id = WorkspaceId::from_bytes([7; 16]);
        beta.slug = "beta".into();
        db.insert(keys::workspace(beta.id), json(&beta)).unwrap();
        db.insert(keys::slug("beta"), beta.id.as_bytes()).unwrap();
        db.insert(keys::email(beta.id, "ann@beta.io"), users[0].id.as_bytes())
            .unwrap();
    });
}

#[test]
fn an_orphan_email_index_entry_is_named() {
    breaks(&["ghost@acme.io", "an orphan entry"], |db, ws, _, _| {
        db.insert(keys::email(ws.id, "ghost@acme.io"), &[9u8; 16])
            .unwrap();
    });
}

#[test]
fn an_email_index_entry_for_another_user_is_named() {
    breaks(&["whose email is"], |db, ws, users, _| {
        db.insert(
            keys::email(ws.id, users[0].email.as_str()),
            users[1].id.as_bytes(),
        )
        .unwrap();
    });
}

#[test]
fn a_user_missing_from_the_email_index_is_named() {
    breaks(&["missing from the email index"], |db, ws, users, _| {
        db.remove(keys::email(ws.id, users[1].email.as_str()))
            .unwrap();
    });
}

#[test]
fn a_missing_active_owner_set_is_named() {
    breaks(
        &["has active Owners but no active-Owner set"],
        |db, ws, _, _| {
            db.remove(keys::owners(ws.id)).unwrap();
        },
    );
}

#[test]
fn an_active_owner_set_that_disagrees_is_named() {
    breaks(
        &[
            "who is not an active Owner",
            "missing from the active-Owner set",
        ],
        |db, ws, users, _| {
            let set: BTreeSet<UserId> = [not_owner(users).id].into();
            db.insert(keys::owners(ws.id), json(&set)).unwrap();
        },
    );
}

#[test]
fn a_workspace_without_an_active_owner_is_named() {
    breaks(&["has users but no active Owner"], |db, ws, users, _| {
        for u in users.iter().filter(|u| u.is_active_owner()) {
            let mut v = serde_json::to_value(u).unwrap();
            v["roles"] = serde_json::to_value(not_owner(users).roles).unwrap();
            db.insert(keys::user(ws.id, u.id), serde_json::to_vec(&v).unwrap())
                .unwrap();
        }
        db.insert(keys::owners(ws.id), json(&BTreeSet::<UserId>::new()))
            .unwrap();
    });
}

#[test]
fn a_status_counter_that_miscounts_is_named() {
    breaks(&["counts 999 users of status active"], |db, ws, _, _| {
        db.insert(
            keys::status_count(ws.id, UserStatus::Active),
            &999u64.to_be_bytes(),
        )
        .unwrap();
    });
}

#[test]
fn status_index_entries_that_disagree_are_named() {
    breaks(
        &["the status index holds", "missing from the status index"],
        |db, ws, users, _| {
            let u = owner(users);
            db.remove(keys::user_status(ws.id, u.status, u.id)).unwrap();
            db.insert(
                keys::user_status(ws.id, UserStatus::Active, UserId::from_bytes([9; 16])),
                &[],
            )
            .unwrap();
        },
    );
}

#[test]
fn a_team_member_count_that_miscounts_is_named() {
    breaks(&["members but has"], |db, ws, _, teams| {
        let mut t = teams[0].clone();
        t.member_count += 5;
        db.insert(keys::team(ws.id, t.id), json(&t)).unwrap();
    });
}

#[test]
fn team_name_index_entries_that_disagree_are_named() {
    breaks(
        &[
            "the team-name index entry ghost",
            "missing from the team-name index",
        ],
        |db, ws, _, teams| {
            let t = &teams[0];
            db.remove(keys::team_name(ws.id, &t.name.folded())).unwrap();
            db.insert(keys::team_name(ws.id, "ghost"), &[9u8; 16])
                .unwrap();
        },
    );
}

#[test]
fn a_team_filed_under_another_workspace_is_named() {
    breaks(&["is stored under the key"], |db, _, _, teams| {
        let t = &teams[0];
        db.insert(keys::team(WorkspaceId::from_bytes([7; 16]), t.id), json(t))
            .unwrap();
    });
}

#[test]
fn an_orphan_password_hash_is_named() {
    breaks(&["a password hash is kept for"], |db, ws, users, _| {
        let hash = db
            .get(keys::password(ws.id, owner(users).id))
            .unwrap()
            .unwrap();
        db.insert(keys::password(ws.id, UserId::from_bytes([9; 16])), hash)
            .unwrap();
    });
}

#[test]
fn names_and_emails_that_break_todays_rules_are_reported_but_served() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ws, users, teams) = demo(dir.path());
    let db = db(&store);
    let mut u = not_owner(&users).clone();
    u.full_name = PersonName::unchecked("x".repeat(5000));
    u.display_name = PersonName::unchecked("a\u{0}b\u{202e}");
    let mut v = serde_json::to_value(&u).unwrap();
    v["email"] = "not-an-email".into();
    db.remove(keys::email(ws.id, u.email.as_str())).unwrap();
    db.insert(keys::email(ws.id, "not-an-email"), u.id.as_bytes())
        .unwrap();
    db.insert(keys::user(ws.id, u.id), serde_json::to_vec(&v).unwrap())
        .unwrap();
    let mut t = teams[0].clone();
    db.remove(keys::team_name(ws.id, &t.name.folded())).unwrap();
    t.name = TeamName::unchecked("Bil\u{0}ling");
    db.insert(keys::team_name(ws.id, &t.name.folded()), t.id.as_bytes())
        .unwrap();
    db.insert(keys::team(ws.id, t.id), json(&t)).unwrap();

    let found = store.check_invariants().unwrap();
    assert_eq!(found.damage, Vec::<String>::new());
    let all = found.warnings.join("\n");
    for named in [
        "its email breaks today's email rules",
        "its full name",
        "its display name",
        "Bil\\0ling",
        &u.id.to_string(),
        &t.id.to_string(),
    ] {
        assert!(all.contains(named), "{named:?} not in:\n{all}");
    }
    assert_eq!(found.warnings.len(), 4, "{all}");
    assert!(store.check_integrity(&mut |_| {}).is_ok());
}

fn invited(users: &[User]) -> &User {
    users
        .iter()
        .find(|u| u.status == UserStatus::Invited)
        .unwrap()
}

fn invite_of(db: &sled::Db, ws: &Workspace, user: &User) -> Invite {
    serde_json::from_slice(&db.get(keys::invite(ws.id, user.id)).unwrap().unwrap()).unwrap()
}

#[test]
fn an_orphan_invite_is_named() {
    breaks(&["an invite is kept for"], |db, ws, users, _| {
        let mut i = invite_of(db, ws, invited(users));
        i.user_id = UserId::from_bytes([9; 16]);
        i.accepted_at = Some(i.sent_at);
        db.insert(keys::invite(ws.id, i.user_id), json(&i)).unwrap();
    });
}

#[test]
fn a_pending_invite_of_an_active_user_is_named() {
    breaks(
        &["has a pending invite but is active"],
        |db, ws, users, _| {
            let owner = owner(users);
            let mut i = invite_of(db, ws, invited(users));
            i.user_id = owner.id;
            i.token_hash = TokenHash([3; 32]);
            db.insert(keys::invite(ws.id, owner.id), json(&i)).unwrap();
            let mut target = ws.id.as_bytes().to_vec();
            target.extend_from_slice(owner.id.as_bytes());
            db.insert(keys::invite_token(&i.token_hash), target)
                .unwrap();
        },
    );
}

#[test]
fn an_invite_link_index_entry_with_no_pending_invite_is_named() {
    breaks(&["invite-link index entry"], |db, ws, users, _| {
        let mut target = ws.id.as_bytes().to_vec();
        target.extend_from_slice(invited(users).id.as_bytes());
        db.insert(keys::invite_token(&TokenHash([4; 32])), target)
            .unwrap();
    });
}

#[test]
fn a_pending_invite_missing_from_the_link_index_is_named() {
    breaks(
        &["missing from the invite-link index"],
        |db, ws, users, _| {
            let i = invite_of(db, ws, invited(users));
            db.remove(keys::invite_token(&i.token_hash)).unwrap();
        },
    );
}

fn session_of(ws: &Workspace, user: &User) -> Session {
    let now = time::OffsetDateTime::now_utc();
    Session {
        workspace: ws.id,
        user: user.id,
        epoch: user.session_epoch,
        created_at: now,
        expires_at: now + time::Duration::hours(1),
    }
}

#[test]
fn a_kept_session_and_its_index_entry_are_sound() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ws, users, _) = demo(dir.path());
    let db = db(&store);
    let hash = TokenHash([5; 32]);
    let s = session_of(&ws, owner(&users));
    db.insert(keys::session(&hash), json(&s)).unwrap();
    db.insert(keys::user_session(ws.id, s.user, &hash), &[])
        .unwrap();
    assert_eq!(store.check_invariants().unwrap(), Findings::default());
}

#[test]
fn an_orphan_session_is_named() {
    breaks(&["a session is kept for"], |db, ws, users, _| {
        let hash = TokenHash([5; 32]);
        let mut s = session_of(ws, owner(users));
        s.user = UserId::from_bytes([9; 16]);
        db.insert(keys::session(&hash), json(&s)).unwrap();
        db.insert(keys::user_session(ws.id, s.user, &hash), &[])
            .unwrap();
    });
}

#[test]
fn a_session_missing_from_the_per_user_index_is_named() {
    breaks(
        &["missing from the per-user session index"],
        |db, ws, users, _| {
            let s = session_of(ws, owner(users));
            db.insert(keys::session(&TokenHash([5; 32])), json(&s))
                .unwrap();
        },
    );
}

#[test]
fn a_per_user_session_index_entry_with_no_session_is_named() {
    breaks(&["the per-user session index lists"], |db, ws, users, _| {
        db.insert(
            keys::user_session(ws.id, owner(users).id, &TokenHash([6; 32])),
            &[],
        )
        .unwrap();
    });
}

#[test]
fn a_membership_of_a_missing_team_is_named() {
    breaks(&["is a member of team"], |db, ws, users, teams| {
        // Take the team away, with its name entry, so only the membership is wrong.
        let t = users
            .iter()
            .flat_map(|u| u.teams.iter())
            .next()
            .copied()
            .unwrap();
        let team = teams.iter().find(|x| x.id == t).unwrap();
        db.remove(keys::team(ws.id, t)).unwrap();
        db.remove(keys::team_name(ws.id, &team.name.folded()))
            .unwrap();
    });
}

#[test]
fn a_change_counter_behind_the_feed_is_named() {
    breaks(&["changes but holds change"], |db, ws, users, _| {
        let mut entry = vec![CHANGE_USER];
        entry.extend_from_slice(owner(users).id.as_bytes());
        db.insert(keys::change(ws.id, 50), entry).unwrap();
        db.insert(keys::change_seq(ws.id), &7u64.to_be_bytes())
            .unwrap();
    });
}

#[test]
fn an_email_not_stored_in_its_normal_form_is_named() {
    // Reading lower-cases it, so the index, keyed by what was stored, no longer finds it.
    breaks(&["is missing from the email index"], |db, ws, users, _| {
        let u = not_owner(users);
        let mut v = serde_json::to_value(u).unwrap();
        let upper = u.email.as_str().to_uppercase();
        v["email"] = upper.clone().into();
        db.insert(keys::user(ws.id, u.id), serde_json::to_vec(&v).unwrap())
            .unwrap();
        db.remove(keys::email(ws.id, u.email.as_str())).unwrap();
        db.insert(keys::email(ws.id, &upper), u.id.as_bytes())
            .unwrap();
    });
}
